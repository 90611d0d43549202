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
use ts_rs::TS;

use crate::ids::{derived_uuid, UserId};
use crate::retention::RetentionConfig;
#[cfg(test)]
use crate::scoring::Percentiles;
use crate::scoring::{
    is_season_name, ScoringConfig, ScoringFor, Tier, TierConfig, TierCuts, Window,
};
use crate::time::parse_date;

/// What a tier may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
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
    /// An experiment on scoring or tier parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<Experiment>,
    /// The tenant's seasons, in order, for season boards; none: calendar quarters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seasons: Vec<Season>,
    /// How long each class of item is kept ([`RetentionConfig`]).
    pub retention: RetentionConfig,
}

/// A season: from its start to the next season's start (the last one runs on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Season {
    /// Its period on the season board (`2026-27`): 1 to 64 of `a-z 0-9 _ -`.
    pub name: String,
    /// The UTC day it starts (`2026-08-01`).
    pub start: String,
}

/// Most seasons in a document.
pub const MAX_SEASONS: usize = 100;

/// An experiment on scoring or tier parameters. Each user is in one variant or in
/// none (they run on the document's own settings), by a hash of the experiment's
/// name and their canonical id ([`slot`]): the same user is always in the same arm,
/// in every function, with nothing stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Experiment {
    pub name: String,
    pub variants: Vec<Variant>,
}

/// One arm of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    /// Share of users in whole percent. The variants' shares add up to at most 100;
    /// users in the rest are not enrolled.
    pub percent: u32,
    /// Fields of `scoring` that differ in this arm (not `decayPerDay`: every board
    /// orders all its users under one decay).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub scoring: Map<String, Value>,
    /// Fields of `tiers` that differ in this arm.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub tiers: Map<String, Value>,
    /// The settings the arm runs on, made when the document is read.
    #[serde(skip)]
    resolved: Option<Box<(ScoringConfig, TierConfig)>>,
}

impl ScoringFor for TenantConfig {
    fn scoring_for(&self, user: &UserId) -> &ScoringConfig {
        TenantConfig::scoring_for(self, user)
    }

    fn decay_per_day(&self) -> f64 {
        self.scoring.decay_per_day
    }
}

/// Most variants in an experiment.
pub const MAX_VARIANTS: usize = 10;

/// Where a user falls in an experiment: 0 to 99, from the first bytes of a
/// name-based UUID (v5, SHA-1) of the experiment and the canonical id. Variants
/// take the slots in the order listed (the first `percent` of them, then the next).
pub fn slot(experiment: &str, user: &UserId) -> u32 {
    let hash = derived_uuid(&format!("experiment\u{1f}{experiment}\u{1f}{user}"));
    // The remainder of a division by 100 fits.
    u32::try_from(hash.as_u128() % 100).unwrap_or(0)
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

/// A field of `scoring` set from a document's value (an arm's), by its name there.
fn set_scoring(c: &mut ScoringConfig, key: &str, value: &Value) -> Result<(), String> {
    if key == "productEvents" {
        let Value::Object(map) = value else {
            return Err("must be an object of weights".into());
        };
        let mut events = std::collections::BTreeMap::new();
        for (name, weight) in map {
            let weight = weight.as_f64().ok_or("weights are numbers")?;
            events.insert(name.clone(), weight);
        }
        c.product_events = events;
        return Ok(());
    }
    let field = match key {
        "threadStart" => &mut c.thread_start,
        "reply" => &mut c.reply,
        "reaction" => &mut c.reaction,
        "moderatorDecision" => &mut c.moderator_decision,
        "reactionReceived" => &mut c.reaction_received,
        "replyReceived" => &mut c.reply_received,
        "removalPenalty" => &mut c.removal_penalty,
        "violationPenalty" => &mut c.violation_penalty,
        "dailyCapPerKind" => &mut c.daily_cap_per_kind,
        "dailyCapPerGiver" => &mut c.daily_cap_per_giver,
        "decayPerDay" => {
            return Err(
                "the decay is the same in every arm (boards order all users under one)".into(),
            )
        }
        _ => return Err(format!("unknown field `{key}`")),
    };
    *field = value.as_f64().ok_or("must be a number")?;
    Ok(())
}

/// A field of `tiers` set from a document's value (an arm's), by its name there.
fn set_tiers(c: &mut TierConfig, key: &str, value: &Value) -> Result<(), String> {
    let field = match key {
        "silver" => &mut c.silver,
        "gold" => &mut c.gold,
        "platinum" => &mut c.platinum,
        "demotionMargin" => &mut c.demotion_margin,
        "percentiles" | "activeDays" => {
            return Err("percentile thresholds are the same in every arm".into())
        }
        "minDaysBeforeDemotion" => {
            c.min_days_before_demotion = value.as_i64().ok_or("must be a whole number")?;
            return Ok(());
        }
        _ => return Err(format!("unknown field `{key}`")),
    };
    *field = value.as_f64().ok_or("must be a number")?;
    Ok(())
}

impl Experiment {
    fn validate(&self) -> Result<(), ConfigDocError> {
        if !name_ok(&self.name) {
            return Err(ConfigDocError::at(
                "experiment.name",
                "names are 1 to 64 of a-z, 0-9 and _",
            ));
        }
        if self.variants.is_empty() || self.variants.len() > MAX_VARIANTS {
            return Err(ConfigDocError::at(
                "experiment.variants",
                format!("1 to {MAX_VARIANTS} variants"),
            ));
        }
        let mut names = BTreeSet::new();
        let mut total = 0u32;
        for (i, variant) in self.variants.iter().enumerate() {
            if !name_ok(&variant.name) {
                return Err(ConfigDocError::at(
                    format!("experiment.variants[{i}].name"),
                    "names are 1 to 64 of a-z, 0-9 and _",
                ));
            }
            if !names.insert(variant.name.as_str()) {
                return Err(ConfigDocError::at(
                    format!("experiment.variants[{i}].name"),
                    format!("`{}` is named twice", variant.name),
                ));
            }
            total = total.saturating_add(variant.percent);
            if total > 100 {
                return Err(ConfigDocError::at(
                    format!("experiment.variants[{i}].percent"),
                    "the variants' shares add up to more than 100",
                ));
            }
        }
        Ok(())
    }
}

/// Silver, gold and platinum under `base` must increase; the error names the
/// first that does not.
fn ascending(base: &str, [silver, gold, platinum]: [f64; 3]) -> Result<(), ConfigDocError> {
    for (name, below, value, above) in [
        ("gold", "silver", gold, silver),
        ("platinum", "gold", platinum, gold),
    ] {
        if value <= above {
            return Err(ConfigDocError::at(
                format!("{base}.{name}"),
                format!("must be above {base}.{below}"),
            ));
        }
    }
    Ok(())
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
        let mut config: TenantConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            ConfigDocError::at(path, e.into_inner().to_string())
        })?;
        config.validate()?;
        config.resolve()?;
        config.validate_arms()?;
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
        if !t.increasing() {
            return Err(ConfigDocError::at("tiers", "thresholds do not increase"));
        }
        let mut config = config;
        config.resolve()?;
        let arms = config.experiment.iter().flat_map(|e| &e.variants);
        if arms
            .filter_map(|v| v.resolved.as_deref())
            .any(|(_, t)| !t.increasing())
        {
            return Err(ConfigDocError::at(
                "experiment",
                "an arm's thresholds do not increase",
            ));
        }
        Ok(config)
    }

    /// Makes each variant's settings: the document's, with the variant's fields
    /// over them, checked as a document's are.
    fn resolve(&mut self) -> Result<(), ConfigDocError> {
        let Some(experiment) = self.experiment.as_mut() else {
            return Ok(());
        };
        for (i, variant) in experiment.variants.iter_mut().enumerate() {
            let mut scoring = self.scoring.clone();
            let mut tiers = self.tiers.clone();
            let fields = variant.scoring.iter().map(|f| ("scoring", f));
            for (section, (key, value)) in fields.chain(variant.tiers.iter().map(|f| ("tiers", f)))
            {
                let set = if section == "scoring" {
                    set_scoring(&mut scoring, key, value)
                } else {
                    set_tiers(&mut tiers, key, value)
                };
                set.map_err(|reason| {
                    ConfigDocError::at(format!("experiment.variants[{i}].{section}.{key}"), reason)
                })?;
            }
            variant.resolved = Some(Box::new((scoring, tiers)));
        }
        Ok(())
    }

    /// Checks each resolved arm as a whole document is checked.
    fn validate_arms(&self) -> Result<(), ConfigDocError> {
        let arms = self.experiment.iter().flat_map(|e| &e.variants);
        for (i, variant) in arms.enumerate() {
            if self.tiers.percentiles.is_some() {
                if let Some(key) = ["silver", "gold", "platinum"]
                    .into_iter()
                    .find(|k| variant.tiers.contains_key(*k))
                {
                    return Err(ConfigDocError::at(
                        format!("experiment.variants[{i}].tiers.{key}"),
                        "thresholds come from percentiles, the same in every arm",
                    ));
                }
            }
            if let Some(resolved) = &variant.resolved {
                let arm = TenantConfig {
                    scoring: resolved.0.clone(),
                    tiers: resolved.1.clone(),
                    ..TenantConfig::default()
                };
                arm.validate().map_err(|e| {
                    ConfigDocError::at(format!("experiment.variants[{i}].{}", e.path), e.reason)
                })?;
            }
        }
        Ok(())
    }

    /// The document with its tier thresholds in points replaced (in every arm)
    /// by the cut in force at `now_ms`, when it asks for percentiles, the cut was
    /// made for them, and one is in force.
    pub fn with_cuts(&self, cuts: &TierCuts, now_ms: i64) -> Option<TenantConfig> {
        // A cut made for other percentiles (or none) is not this document's.
        if !cuts.cut_for(&self.tiers) {
            return None;
        }
        let cut = cuts.in_force(now_ms)?;
        let decays_from = Some((cut.at_ms, self.scoring.decay_per_day));
        let set = |t: &mut TierConfig| {
            t.silver = cut.silver;
            t.gold = cut.gold;
            t.platinum = cut.platinum;
            t.decays_from = decays_from;
        };
        let mut config = self.clone();
        set(&mut config.tiers);
        for variant in config.experiment.iter_mut().flat_map(|e| &mut e.variants) {
            if let Some(resolved) = variant.resolved.as_deref_mut() {
                set(&mut resolved.1);
            }
        }
        Some(config)
    }

    /// The period of `window` that `t_ms` falls in: for seasons, the tenant's
    /// season then (`None` before the first), or the calendar quarter when the
    /// document names none.
    pub fn period(&self, window: Window, t_ms: i64) -> Option<String> {
        if window != Window::Season || self.seasons.is_empty() {
            return Some(window.period_of(t_ms));
        }
        self.seasons
            .iter()
            .rev()
            .find(|s| parse_date(&s.start).is_some_and(|start| start <= t_ms))
            .map(|s| s.name.clone())
    }

    /// The experiment's variant `user` is in, if any.
    pub fn enrolment(&self, user: &UserId) -> Option<(&Experiment, &Variant)> {
        let experiment = self.experiment.as_ref()?;
        let at = slot(&experiment.name, user);
        let mut upto = 0u32;
        for variant in &experiment.variants {
            upto = upto.saturating_add(variant.percent);
            if at < upto {
                return Some((experiment, variant));
            }
        }
        None
    }

    fn arm(&self, user: &UserId) -> Option<&(ScoringConfig, TierConfig)> {
        self.enrolment(user)?.1.resolved.as_deref()
    }

    /// The scoring settings `user` earns under (their variant's, if enrolled).
    pub fn scoring_for(&self, user: &UserId) -> &ScoringConfig {
        self.arm(user).map_or(&self.scoring, |arm| &arm.0)
    }

    /// The tier thresholds `user` is held to (their variant's, if enrolled).
    pub fn tiers_for(&self, user: &UserId) -> &TierConfig {
        self.arm(user).map_or(&self.tiers, |arm| &arm.1)
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
        ascending("tiers", [t.silver, t.gold, t.platinum])?;
        range("tiers.demotionMargin", t.demotion_margin, 0.0, 0.9)?;
        if !(0..=365).contains(&t.min_days_before_demotion) {
            return Err(ConfigDocError::at(
                "tiers.minDaysBeforeDemotion",
                "must be between 0 and 365",
            ));
        }
        if !(1..=365).contains(&t.active_days) {
            return Err(ConfigDocError::at(
                "tiers.activeDays",
                "must be between 1 and 365",
            ));
        }
        if let Some(p) = &t.percentiles {
            for (path, value) in [
                ("tiers.percentiles.silver", p.silver),
                ("tiers.percentiles.gold", p.gold),
                ("tiers.percentiles.platinum", p.platinum),
            ] {
                if !(value.is_finite() && value > 0.0 && value < 100.0) {
                    return Err(ConfigDocError::at(
                        path,
                        format!("must be above 0 and below 100, got {value}"),
                    ));
                }
            }
            ascending("tiers.percentiles", [p.silver, p.gold, p.platinum])?;
        }
        if self.seasons.len() > MAX_SEASONS {
            return Err(ConfigDocError::at(
                "seasons",
                format!("at most {MAX_SEASONS} seasons"),
            ));
        }
        let mut last: Option<i64> = None;
        let mut names = BTreeSet::new();
        for (i, season) in self.seasons.iter().enumerate() {
            if !is_season_name(&season.name) || !names.insert(season.name.as_str()) {
                return Err(ConfigDocError::at(
                    format!("seasons[{i}].name"),
                    "names are 1 to 64 of a-z, 0-9, _ and -, each once",
                ));
            }
            let Some(start) = parse_date(&season.start) else {
                return Err(ConfigDocError::at(
                    format!("seasons[{i}].start"),
                    "a UTC date, like 2026-08-01",
                ));
            };
            if last.is_some_and(|l| start <= l) {
                return Err(ConfigDocError::at(
                    format!("seasons[{i}].start"),
                    "seasons are listed in order of their starts",
                ));
            }
            last = Some(start);
        }
        if let Some(experiment) = &self.experiment {
            experiment.validate()?;
        }
        if let Some((path, reason)) = self.retention.problem() {
            return Err(ConfigDocError::at(path, reason));
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
    use std::collections::BTreeMap;

    use serde_json::json;

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

    const EXPERIMENT: &str = r#"{"scoring": {"reply": 5},
        "experiment": {"name": "reply_weight", "variants": [
            {"name": "control", "percent": 25},
            {"name": "double", "percent": 25, "scoring": {"reply": 10},
             "tiers": {"silver": 100}}]}}"#;

    fn user(n: u32) -> UserId {
        UserId::derive(
            &crate::ids::TenantId::parse("acme").unwrap(),
            &format!("user-{n}"),
        )
    }

    #[test]
    fn an_experiment_splits_users_by_hash_and_gives_each_arm_its_settings() {
        let config = TenantConfig::parse(EXPERIMENT).unwrap();
        let mut counts = BTreeMap::new();
        for n in 0..10_000 {
            let u = user(n);
            let arm = config.enrolment(&u).map(|(_, v)| v.name.clone());
            // The same user lands in the same arm every time.
            assert_eq!(arm, config.enrolment(&u).map(|(_, v)| v.name.clone()));
            let (reply, silver) = match arm.as_deref() {
                Some("double") => (10.0, 100.0),
                _ => (5.0, 150.0),
            };
            assert_eq!(config.scoring_for(&u).reply, reply);
            assert_eq!(config.tiers_for(&u).silver, silver);
            // Nothing else differs.
            assert_eq!(config.scoring_for(&u).thread_start, 10.0);
            *counts.entry(arm).or_insert(0u32) += 1;
        }
        // 25 / 25 / 50 of 10,000 users, each within 3 % of its share.
        for (arm, share) in [
            (Some("control"), 2500),
            (Some("double"), 2500),
            (None, 5000),
        ] {
            let got = counts[&arm.map(str::to_owned)];
            assert!(got.abs_diff(share) < share * 3 / 100, "{arm:?}: {got}");
        }
        // Stored and read back, the arms are the same.
        let back = TenantConfig::from_stored(&config.to_value().to_string()).unwrap();
        assert_eq!(back, config);
        assert_eq!(
            back.scoring_for(&user(7)).reply,
            config.scoring_for(&user(7)).reply
        );
    }

    /// An arm may set every field of `scoring` and `tiers` but the decay: each
    /// field the documents know, set to a new value, comes out as that value.
    #[test]
    fn an_arm_can_set_every_field_but_the_decay() {
        let changed = |section: &Value| -> Map<String, Value> {
            let Value::Object(map) = section else {
                panic!("an object")
            };
            map.iter()
                .filter(|(k, _)| !["decayPerDay", "activeDays"].contains(&k.as_str()))
                .map(|(k, v)| {
                    let v = match v {
                        Value::Number(n) if n.is_i64() => json!(n.as_i64().unwrap() + 1),
                        Value::Number(n) => json!(n.as_f64().unwrap() * 1.5 + 0.01),
                        Value::Object(_) => json!({"clip": 3.0}),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect()
        };
        let base = TenantConfig::default().to_value();
        let scoring = changed(&base["scoring"]);
        let tiers = changed(&base["tiers"]);
        let doc = json!({"experiment": {"name": "all", "variants": [
            {"name": "every", "percent": 100, "scoring": scoring.clone(), "tiers": tiers.clone()}]}});
        let config = TenantConfig::parse(&doc.to_string()).unwrap();
        let u = user(1);
        let arm = json!({"scoring": config.scoring_for(&u), "tiers": config.tiers_for(&u)});
        for (key, value) in &scoring {
            assert_eq!(&arm["scoring"][key], value, "scoring.{key}");
        }
        for (key, value) in &tiers {
            assert_eq!(&arm["tiers"][key], value, "tiers.{key}");
        }
        assert_eq!(
            scoring.len() + 1,
            base["scoring"].as_object().unwrap().len()
        );
    }

    #[test]
    fn bad_experiments_name_the_field() {
        let path = |experiment: &str| {
            TenantConfig::parse(&format!(r#"{{"experiment": {experiment}}}"#))
                .unwrap_err()
                .path
        };
        let arm = |fields: &str| {
            format!(r#"{{"name": "e", "variants": [{{"name": "a", "percent": 10, {fields}}}]}}"#)
        };
        assert_eq!(
            path(&arm(r#""scoring": {"decayPerDay": 0.1}"#)),
            "experiment.variants[0].scoring.decayPerDay"
        );
        assert_eq!(
            path(&arm(r#""scoring": {"replyy": 1}"#)),
            "experiment.variants[0].scoring.replyy"
        );
        assert_eq!(
            path(&arm(r#""scoring": {"reply": -1}"#)),
            "experiment.variants[0].scoring.reply"
        );
        assert_eq!(
            path(&arm(r#""tiers": {"silver": 900}"#)),
            "experiment.variants[0].tiers.gold"
        );
        assert_eq!(
            path(&arm(r#""scoring": {"reply": "ten"}"#)),
            "experiment.variants[0].scoring.reply"
        );
        assert_eq!(
            path(&arm(r#""tiers": {"minDaysBeforeDemotion": 1.5}"#)),
            "experiment.variants[0].tiers.minDaysBeforeDemotion"
        );
        assert_eq!(
            path(&arm(r#""scoring": {"productEvents": {"clip": "x"}}"#)),
            "experiment.variants[0].scoring.productEvents"
        );
        assert_eq!(
            path(
                r#"{"name": "e", "variants": [{"name": "a", "percent": 60}, {"name": "b", "percent": 50}]}"#
            ),
            "experiment.variants[1].percent"
        );
        assert_eq!(
            path(
                r#"{"name": "e", "variants": [{"name": "a", "percent": 10}, {"name": "a", "percent": 10}]}"#
            ),
            "experiment.variants[1].name"
        );
        assert_eq!(
            path(r#"{"name": "e", "variants": []}"#),
            "experiment.variants"
        );
        assert_eq!(
            path(r#"{"name": "E!", "variants": [{"name": "a", "percent": 1}]}"#),
            "experiment.name"
        );
        assert_eq!(
            path(r#"{"name": "e", "variants": [{"name": "a", "percent": -1}]}"#),
            "experiment.variants[0].percent"
        );
    }

    #[test]
    fn percentile_thresholds_are_checked_and_applied_when_enough_users_are_active() {
        let path = |text: &str| TenantConfig::parse(text).unwrap_err().path;
        let pct = |s: &str| format!(r#"{{"tiers": {{"percentiles": {s}}}}}"#);
        assert_eq!(
            path(&pct(r#"{"silver": 0, "gold": 90, "platinum": 99}"#)),
            "tiers.percentiles.silver"
        );
        assert_eq!(
            path(&pct(r#"{"silver": 50, "gold": 40, "platinum": 99}"#)),
            "tiers.percentiles.gold"
        );
        assert_eq!(
            path(&pct(r#"{"silver": 50, "gold": 90, "platinum": 100}"#)),
            "tiers.percentiles.platinum"
        );
        assert_eq!(
            path(&pct(r#"{"silver": 50, "gold": 90}"#)),
            "tiers.percentiles"
        );
        assert_eq!(path(r#"{"tiers": {"activeDays": 0}}"#), "tiers.activeDays");
        let doc = r#"{"tiers": {"percentiles": {"silver": 50, "gold": 90, "platinum": 99}},
            "experiment": {"name": "e", "variants": [{"name": "a", "percent": 50, "tiers": {"gold": 900}}]}}"#;
        assert_eq!(path(doc), "experiment.variants[0].tiers.gold");

        let doc = r#"{"tiers": {"percentiles": {"silver": 50, "gold": 90, "platinum": 99}},
            "experiment": {"name": "e", "variants": [{"name": "a", "percent": 50, "scoring": {"reply": 9}}]}}"#;
        let config = TenantConfig::parse(doc).unwrap();
        // 100 users scoring 1..=100: the median user has 50, the top tenth 91 and up.
        let scores: Vec<f64> = (1..=100).map(f64::from).collect();
        let percentiles = config.tiers.percentiles.unwrap();
        let cuts = TierCuts::from_scores(scores, &config.tiers, percentiles, 0, 60, None);
        let cut = cuts.cut.unwrap();
        let hair = |x: f64| x * (1.0 - 1e-12);
        assert_eq!(
            (cut.silver, cut.gold, cut.platinum),
            (hair(51.0), hair(91.0), hair(100.0))
        );
        assert!(cuts.cut_for(&config.tiers));
        // Not in force before `from`: the document's points until then.
        assert!(config.with_cuts(&cuts, 59).is_none());
        let applied = config.with_cuts(&cuts, 60).unwrap();
        for n in 0..50 {
            let u = user(n);
            assert_eq!(applied.tiers_for(&u).gold, hair(91.0), "every arm");
            // The cut decays as scores do: the 91st user still reaches gold a
            // week later, at 91·e^(−0.35).
            let week = 7 * crate::scoring::DAY_MS;
            let t = applied.tiers_for(&u);
            assert_eq!(t.reached_at(91.0 * (-0.35f64).exp(), week), Tier::Gold);
            assert_eq!(t.reached_at(90.0 * (-0.35f64).exp(), week), Tier::Silver);
        }
        // The cut after it keeps it in force until its own `from`.
        let next = TierCuts::from_scores(
            vec![2.0; 30],
            &config.tiers,
            percentiles,
            100,
            160,
            cuts.cut,
        );
        assert_eq!(config.with_cuts(&next, 159).unwrap().tiers.gold, hair(91.0));
        let tied = config.with_cuts(&next, 160).unwrap().tiers;
        assert!(
            tied.silver < tied.gold && tied.gold < tied.platinum,
            "ties nudged apart: {tied:?}"
        );
        // Everyone tied reaches the lowest of the tied tiers, not the top one.
        assert_eq!(tied.reached_at(2.0, 100), Tier::Silver, "as of the cut");
        let mut spread: Vec<f64> = vec![2.0; 25];
        spread.push(9.0);
        let some = TierCuts::from_scores(spread, &config.tiers, percentiles, 0, 0, None);
        let t = config.with_cuts(&some, 0).unwrap().tiers;
        assert_eq!(t.reached_at(2.0, 0), Tier::Silver);
        assert_eq!(t.reached_at(9.0, 0), Tier::Platinum);
        // Too few active users: the points in the document hold.
        let few = TierCuts::from_scores(vec![5.0; 10], &config.tiers, percentiles, 0, 0, None);
        assert!(few.cut.is_none() && config.with_cuts(&few, 1).is_none());
        // A document in points ignores cuts; other percentiles need a new cut.
        assert!(TenantConfig::default().with_cuts(&cuts, 60).is_none());
        let mut other = config.tiers.clone();
        other.percentiles = Some(Percentiles {
            silver: 40.0,
            ..percentiles
        });
        assert!(!cuts.cut_for(&other));
        // Fractional percentiles do not slip a rank: 80.1 of 1,000 is the 199th.
        let thousand: Vec<f64> = (1..=1000).map(f64::from).collect();
        let fine = Percentiles {
            silver: 80.1,
            gold: 90.0,
            platinum: 99.9,
        };
        let c = TierCuts::from_scores(thousand, &config.tiers, fine, 0, 0, None)
            .cut
            .unwrap();
        assert_eq!((c.silver, c.platinum), (hair(802.0), hair(1000.0)));
    }

    #[test]
    fn seasons_are_the_tenants_or_calendar_quarters() {
        let at = |t: &str| crate::time::parse_time(t).unwrap();
        let quarters = TenantConfig::default();
        assert_eq!(
            quarters
                .period(Window::Season, at("2026-12-02T10:00:00.000Z"))
                .as_deref(),
            Some("2026-Q4")
        );
        assert_eq!(
            quarters
                .period(Window::Season, at("2027-01-01T00:00:00.000Z"))
                .as_deref(),
            Some("2027-Q1")
        );
        let own = TenantConfig::parse(
            r#"{"seasons": [{"name": "2026-27", "start": "2026-08-01"},
                            {"name": "2027-28", "start": "2027-08-01"}]}"#,
        )
        .unwrap();
        let season = |t: &str| own.period(Window::Season, at(t));
        assert_eq!(season("2026-07-31T23:59:59.999Z"), None);
        assert_eq!(
            season("2026-08-01T00:00:00.000Z").as_deref(),
            Some("2026-27")
        );
        assert_eq!(
            season("2027-08-01T00:00:00.000Z").as_deref(),
            Some("2027-28")
        );
        assert_eq!(
            season("2031-01-01T00:00:00.000Z").as_deref(),
            Some("2027-28")
        );
        // Weeks and months are the calendar's whatever the seasons.
        assert_eq!(
            own.period(Window::Month, at("2026-12-02T10:00:00.000Z"))
                .as_deref(),
            Some("2026-12")
        );
        assert!(Window::Season.is_period("2026-Q4") && Window::Season.is_period("2026-27"));
        assert!(!Window::Season.is_period("2026-Q5") && !Window::Season.is_period("a#b"));
        // Periods come from clients: any text is answered, none panics.
        for raw in [
            "2026-é",
            "2026-Wé",
            "20é-W49",
            "é",
            "2026-Qé",
            "",
            "2026-W4é",
        ] {
            for window in Window::ALL {
                assert!(!window.is_period(raw), "{window:?} {raw}");
            }
        }

        let path = |text: &str| TenantConfig::parse(text).unwrap_err().path;
        assert_eq!(
            path(r#"{"seasons": [{"name": "A", "start": "2026-08-01"}]}"#),
            "seasons[0].name"
        );
        assert_eq!(
            path(r#"{"seasons": [{"name": "a", "start": "August"}]}"#),
            "seasons[0].start"
        );
        assert_eq!(
            path(
                r#"{"seasons": [{"name": "a", "start": "2026-08-01"},
                                {"name": "b", "start": "2026-01-01"}]}"#
            ),
            "seasons[1].start"
        );
    }

    #[test]
    fn unknown_keys_say_which() {
        let err = TenantConfig::parse(r#"{"scoring": {"threadStrat": 3}}"#).unwrap_err();
        assert!(err.reason.contains("threadStrat"), "{err}");
    }
}
