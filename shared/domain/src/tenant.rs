//! A tenant's settings as one versioned document: scoring weights, decay and caps,
//! tiers, the privileges each tier grants, and the moderation policy (a patch over
//! the deployment's `SIDELINE_MODERATION_CONFIG`). Stores keep every version; the
//! functions re-read the current one within a minute, so a change needs no deploy.
//!
//! A document is checked whole before it is stored: an unknown key, a value out of
//! range or thresholds that do not increase is refused with the path of the field
//! ([`ConfigDocError`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::scoring::{ScoringConfig, Tier, TierConfig};

/// What a tier may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Privilege {
    /// Links are posted without being held for review (the inline stage's
    /// `linksMinReputation` rule does not apply).
    pub links_without_review: bool,
    /// Slow mode does not apply.
    pub slow_mode_exempt: bool,
    /// The send rate limit is multiplied by this.
    pub rate_multiplier: f64,
    /// Named capabilities later features check (`poll`, …).
    pub capabilities: BTreeSet<String>,
}

impl Default for Privilege {
    fn default() -> Self {
        Self {
            links_without_review: false,
            slow_mode_exempt: false,
            rate_multiplier: 1.0,
            capabilities: BTreeSet::new(),
        }
    }
}

/// The privileges of each tier. A tier named in a document is given in full:
/// fields it leaves out are off (multiplier 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Privileges {
    pub none: Privilege,
    pub silver: Privilege,
    pub gold: Privilege,
    pub platinum: Privilege,
}

impl Default for Privileges {
    fn default() -> Self {
        let poll = BTreeSet::from(["poll".to_owned()]);
        Self {
            none: Privilege::default(),
            silver: Privilege {
                links_without_review: true,
                rate_multiplier: 1.5,
                ..Privilege::default()
            },
            gold: Privilege {
                links_without_review: true,
                slow_mode_exempt: true,
                rate_multiplier: 2.0,
                capabilities: poll.clone(),
            },
            platinum: Privilege {
                links_without_review: true,
                slow_mode_exempt: true,
                rate_multiplier: 3.0,
                capabilities: poll,
            },
        }
    }
}

impl Privileges {
    pub fn of(&self, tier: Tier) -> &Privilege {
        match tier {
            Tier::None => &self.none,
            Tier::Silver => &self.silver,
            Tier::Gold => &self.gold,
            Tier::Platinum => &self.platinum,
        }
    }
}

/// A tenant's settings. Every section is optional; what is left out takes the
/// documented defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TenantConfig {
    pub scoring: ScoringConfig,
    pub tiers: TierConfig,
    pub privileges: Privileges,
    /// The moderation policy: the fields of `SIDELINE_MODERATION_CONFIG`'s
    /// policies, over the deployment's default (checked by the inline stage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Map<String, Value>>,
}

/// One stored version of a tenant's document.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionedConfig {
    /// 1 for the first document; each change adds one.
    pub version: u64,
    pub config: TenantConfig,
    pub updated_at_ms: i64,
}

/// Largest document accepted, serialised.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most product event weights in one document.
pub const MAX_PRODUCT_EVENTS: usize = 200;

/// A document that cannot be used: where, and why. Nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ConfigDocError {
    /// The field, as a JSON path (`scoring.decayPerDay`, `tiers.gold`); `.` for
    /// the document itself.
    pub path: String,
    pub reason: String,
}

impl ConfigDocError {
    pub fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

fn range(path: &str, value: f64, min: f64, max: f64) -> Result<(), ConfigDocError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigDocError::at(
            path,
            format!("must be between {min} and {max}, got {value}"),
        ))
    }
}

fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Most points one activity may be weighted.
pub const MAX_WEIGHT: f64 = 1000.0;

impl TenantConfig {
    /// Reads and checks a document; the error names the first bad field.
    pub fn parse(text: &str) -> Result<Self, ConfigDocError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(ConfigDocError::at(
                ".",
                format!("the document is over {MAX_DOCUMENT_BYTES} bytes"),
            ));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| ConfigDocError::at(".", e.to_string()))?;
        if !value.is_object() {
            return Err(ConfigDocError::at(
                ".",
                "the document must be a JSON object",
            ));
        }
        let config: TenantConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            ConfigDocError::at(path, e.into_inner().to_string())
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a document that was checked whole when it was stored (the store's
    /// own copy). Only what the arithmetic relies on is checked again — a decay
    /// that is a number and not negative, thresholds that increase — which keeps
    /// the writer's checks and field paths out of every function that only reads.
    pub fn from_stored(text: &str) -> Result<Self, ConfigDocError> {
        let config: TenantConfig =
            serde_json::from_str(text).map_err(|e| ConfigDocError::at(".", e.to_string()))?;
        let decay = config.scoring.decay_per_day;
        let t = &config.tiers;
        if !(decay.is_finite() && decay >= 0.0) {
            return Err(ConfigDocError::at("scoring.decayPerDay", "not a decay"));
        }
        if !(t.silver > 0.0 && t.gold > t.silver && t.platinum > t.gold) {
            return Err(ConfigDocError::at("tiers", "thresholds do not increase"));
        }
        Ok(config)
    }

    /// The checks types cannot express: ranges and order.
    pub fn validate(&self) -> Result<(), ConfigDocError> {
        let s = &self.scoring;
        range("scoring.decayPerDay", s.decay_per_day, 0.0, 10.0)?;
        for (path, weight) in [
            ("scoring.threadStart", s.thread_start),
            ("scoring.reply", s.reply),
            ("scoring.reaction", s.reaction),
            ("scoring.moderatorDecision", s.moderator_decision),
            ("scoring.reactionReceived", s.reaction_received),
            ("scoring.replyReceived", s.reply_received),
            ("scoring.removalPenalty", s.removal_penalty),
            ("scoring.violationPenalty", s.violation_penalty),
        ] {
            range(path, weight, 0.0, MAX_WEIGHT)?;
        }
        range("scoring.dailyCapPerKind", s.daily_cap_per_kind, 1.0, 1e6)?;
        range("scoring.dailyCapPerGiver", s.daily_cap_per_giver, 1.0, 1e6)?;
        if s.product_events.len() > MAX_PRODUCT_EVENTS {
            return Err(ConfigDocError::at(
                "scoring.productEvents",
                format!("at most {MAX_PRODUCT_EVENTS} events"),
            ));
        }
        for (name, weight) in &s.product_events {
            let path = format!("scoring.productEvents.{name}");
            if !name_ok(name) {
                return Err(ConfigDocError::at(
                    path,
                    "names are 1 to 64 of a-z, 0-9 and _",
                ));
            }
            range(&path, *weight, 0.0, MAX_WEIGHT)?;
        }
        let t = &self.tiers;
        range("tiers.silver", t.silver, 1.0, 1e9)?;
        range("tiers.gold", t.gold, 1.0, 1e9)?;
        range("tiers.platinum", t.platinum, 1.0, 1e9)?;
        if t.gold <= t.silver {
            return Err(ConfigDocError::at(
                "tiers.gold",
                "must be above tiers.silver",
            ));
        }
        if t.platinum <= t.gold {
            return Err(ConfigDocError::at(
                "tiers.platinum",
                "must be above tiers.gold",
            ));
        }
        range("tiers.demotionMargin", t.demotion_margin, 0.0, 0.9)?;
        if !(0..=365).contains(&t.min_days_before_demotion) {
            return Err(ConfigDocError::at(
                "tiers.minDaysBeforeDemotion",
                "must be between 0 and 365",
            ));
        }
        for tier in Tier::ALL {
            let p = self.privileges.of(tier);
            let base = format!("privileges.{}", tier.as_str());
            range(
                &format!("{base}.rateMultiplier"),
                p.rate_multiplier,
                0.1,
                100.0,
            )?;
            if p.capabilities.len() > 32 {
                return Err(ConfigDocError::at(
                    format!("{base}.capabilities"),
                    "at most 32 capabilities",
                ));
            }
            if let Some(bad) = p.capabilities.iter().find(|c| !name_ok(c)) {
                return Err(ConfigDocError::at(
                    format!("{base}.capabilities"),
                    format!("`{bad}`: names are 1 to 64 of a-z, 0-9 and _"),
                ));
            }
        }
        Ok(())
    }

    /// The document as JSON.
    pub fn to_value(&self) -> Value {
        // Plain numbers, strings, booleans and maps with string keys only.
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_document_is_the_defaults() {
        assert_eq!(TenantConfig::parse("{}").unwrap(), TenantConfig::default());
        let back = TenantConfig::parse(&TenantConfig::default().to_value().to_string()).unwrap();
        assert_eq!(back, TenantConfig::default());
    }

    #[test]
    fn bad_documents_name_the_field() {
        let path = |text: &str| TenantConfig::parse(text).unwrap_err().path;
        assert_eq!(
            path(r#"{"scoring": {"decayPerDay": -0.1}}"#),
            "scoring.decayPerDay"
        );
        assert_eq!(
            path(r#"{"scoring": {"threadStrat": 3}}"#),
            "scoring.threadStrat"
        );
        assert_eq!(path(r#"{"tiers": {"silver": 600}}"#), "tiers.gold");
        assert_eq!(path(r#"{"scoring": {"reply": 1e9}}"#), "scoring.reply");
        assert_eq!(path(r#"{"scoring": {"reply": "five"}}"#), "scoring.reply");
        assert_eq!(path(r#"{"colour": "red"}"#), "colour");
        assert_eq!(
            path(r#"{"privileges": {"gold": {"rateMultiplier": 0}}}"#),
            "privileges.gold.rateMultiplier"
        );
        assert_eq!(
            path(r#"{"scoring": {"productEvents": {"Bad Name": 1}}}"#),
            "scoring.productEvents.Bad Name"
        );
        assert_eq!(path("[]"), ".");
        assert_eq!(path(r#"{} {}"#), ".");
    }

    #[test]
    fn stored_documents_read_back() {
        let text = TenantConfig::default().to_value().to_string();
        assert_eq!(
            TenantConfig::from_stored(&text).unwrap(),
            TenantConfig::default()
        );
        assert!(TenantConfig::from_stored(r#"{"tiers": {"silver": 900}}"#).is_err());
    }

    #[test]
    fn unknown_keys_say_which() {
        let err = TenantConfig::parse(r#"{"scoring": {"threadStrat": 3}}"#).unwrap_err();
        assert!(err.reason.contains("threadStrat"), "{err}");
    }
}
