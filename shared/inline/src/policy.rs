//! Per-tenant moderation settings, read once at start-up from
//! `SIDELINE_MODERATION_CONFIG` (JSON): a `default` policy and per-tenant overrides
//! that change only the fields they name.
//!
//! ```json
//! {"default": {"toxicityThreshold": 0.85, "shadowRuleSets": ["spam"]},
//!  "tenants": {"acme": {"blockedWords": ["spoiler"], "linksMinReputation": 0.6}}}
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;

use serde::Deserialize;

use sideline_domain::config::{ConfigError, Env};
use sideline_domain::ids::TenantId;

use super::{InlineModerator, ModerationConfig, RuleSet};

/// One policy as written; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyPatch {
    pub toxicity_threshold: Option<f32>,
    pub spam_threshold: Option<f32>,
    pub auto_approve_confidence: Option<f32>,
    /// ISO 3166 region for national phone numbers, e.g. `GB` (one region; the
    /// same as `phoneRegions: ["GB"]`).
    pub phone_region: Option<String>,
    /// ISO 3166 regions whose national phone numbers are read, e.g. `["NL", "BE"]`.
    pub phone_regions: Option<Vec<String>>,
    pub blocked_words: Option<Vec<String>>,
    /// Added to the built-in allowed words (place names and the like).
    pub allowed_words: Option<Vec<String>>,
    pub blocked_domains: Option<Vec<String>>,
    /// The tenant's own link domains, never taken for a scam's.
    pub allowed_domains: Option<Vec<String>>,
    pub links_min_reputation: Option<f32>,
    pub shadow_rule_sets: Option<Vec<RuleSet>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoliciesFile {
    #[serde(default)]
    default: PolicyPatch,
    #[serde(default)]
    tenants: HashMap<String, PolicyPatch>,
}

/// Most regions a policy may read phone numbers in (each costs a parse of a
/// long digit run).
pub const MAX_PHONE_REGIONS: usize = 30;

/// The variable policies are read from.
pub const VAR: &str = "SIDELINE_MODERATION_CONFIG";

/// A policy setting that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("{field} must be between 0 and 1, got {value}")]
    NotAUnit { field: &'static str, value: f32 },
    #[error("{0} `{1}` is not a region")]
    Region(&'static str, String),
    #[error("give phoneRegion or phoneRegions, not both")]
    BothRegions,
    #[error("phoneRegions must list 1 to {MAX_PHONE_REGIONS} regions, got {0}")]
    RegionCount(usize),
}

fn unit(field: &'static str, value: Option<f32>) -> Result<Option<f32>, PolicyError> {
    match value {
        Some(v) if !(0.0..=1.0).contains(&v) || v.is_nan() => {
            Err(PolicyError::NotAUnit { field, value: v })
        }
        other => Ok(other),
    }
}

impl PolicyPatch {
    /// `base` with this patch's fields applied.
    pub fn apply(&self, base: &ModerationConfig) -> Result<ModerationConfig, PolicyError> {
        let mut c = base.clone();
        if let Some(v) = unit("toxicityThreshold", self.toxicity_threshold)? {
            c.toxicity_threshold = v;
        }
        if let Some(v) = unit("spamThreshold", self.spam_threshold)? {
            c.spam_threshold = v;
        }
        if let Some(v) = unit("autoApproveConfidence", self.auto_approve_confidence)? {
            c.auto_approve_confidence = v;
        }
        let region = |field: &'static str, raw: &String| {
            phonenumber::country::Id::from_str(&raw.trim().to_uppercase())
                .map_err(|_| PolicyError::Region(field, raw.clone()))
        };
        match (&self.phone_region, &self.phone_regions) {
            (Some(_), Some(_)) => return Err(PolicyError::BothRegions),
            (Some(one), None) => c.phone_regions = vec![region("phoneRegion", one)?],
            (None, Some(list)) if list.is_empty() || list.len() > MAX_PHONE_REGIONS => {
                return Err(PolicyError::RegionCount(list.len()))
            }
            (None, Some(list)) => {
                c.phone_regions = list
                    .iter()
                    .map(|r| region("phoneRegions", r))
                    .collect::<Result<_, _>>()?;
                let mut seen = Vec::new();
                c.phone_regions.retain(|r| {
                    let first = !seen.contains(r);
                    seen.push(*r);
                    first
                });
            }
            (None, None) => {}
        }
        let lower = |words: &[String]| -> Vec<String> {
            words
                .iter()
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect()
        };
        if let Some(words) = &self.blocked_words {
            c.blocked_words = lower(words);
        }
        if let Some(words) = &self.allowed_words {
            c.allowed_words.extend(lower(words));
        }
        if let Some(domains) = &self.blocked_domains {
            c.blocked_domains = lower(domains);
        }
        if let Some(domains) = &self.allowed_domains {
            c.allowed_domains = lower(domains);
        }
        if let Some(v) = unit("linksMinReputation", self.links_min_reputation)? {
            c.links_min_reputation = Some(v);
        }
        if let Some(sets) = &self.shadow_rule_sets {
            c.shadow_rule_sets = sets.clone();
        }
        Ok(c)
    }
}

/// The inline stage for each tenant.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    default: InlineModerator,
    tenants: HashMap<TenantId, InlineModerator>,
}

impl Policies {
    /// One policy for every tenant.
    pub fn uniform(moderator: InlineModerator) -> Self {
        Self {
            default: moderator,
            tenants: HashMap::new(),
        }
    }

    /// Reads `SIDELINE_MODERATION_CONFIG`; the documented defaults without it.
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        match env.text(VAR) {
            Some(raw) => Self::from_json(&raw),
            None => Ok(Self::default()),
        }
    }

    pub fn from_json(raw: &str) -> Result<Self, ConfigError> {
        let file: PoliciesFile = serde_json::from_str(raw).map_err(|e| ConfigError::Malformed {
            var: VAR.to_owned(),
            source: Box::new(e),
        })?;
        let default = file
            .default
            .apply(&ModerationConfig::default())
            .map_err(|e| ConfigError::invalid(VAR, format!("default: {e}")))?;
        let mut tenants = HashMap::new();
        for (name, patch) in &file.tenants {
            let tenant = TenantId::parse(name)
                .map_err(|e| ConfigError::invalid(VAR, format!("tenant `{name}`: {e}")))?;
            let config = patch
                .apply(&default)
                .map_err(|e| ConfigError::invalid(VAR, format!("tenant `{name}`: {e}")))?;
            tenants.insert(tenant, InlineModerator::new(config));
        }
        Ok(Self {
            default: InlineModerator::new(default),
            tenants,
        })
    }

    /// The policy of `tenant`.
    pub fn for_tenant(&self, tenant: &TenantId) -> &InlineModerator {
        self.tenants.get(tenant).unwrap_or(&self.default)
    }

    /// The policy of `tenant` with its settings document's `moderation` section
    /// (a patch, checked when the document was stored) over it. A section that no
    /// longer applies is logged and ignored: the deployment's policy stands.
    pub fn with_document(
        &self,
        tenant: &TenantId,
        section: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Cow<'_, InlineModerator> {
        let base = self.for_tenant(tenant);
        let Some(section) = section else {
            return Cow::Borrowed(base);
        };
        // Through the text, as `from_json` reads it: one deserializer of patches
        // in the binary rather than two.
        let patched = serde_json::to_string(section)
            .and_then(|text| serde_json::from_str::<PolicyPatch>(&text))
            .map_err(|e| e.to_string())
            .and_then(|patch| patch.apply(&base.config).map_err(|e| e.to_string()));
        match patched {
            Ok(config) => Cow::Owned(InlineModerator::new(config)),
            Err(reason) => {
                tracing::warn!(tenant = %tenant, reason, "the settings document's moderation section does not apply; using the deployment's policy");
                Cow::Borrowed(base)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_overrides_change_only_what_they_name() {
        let policies = Policies::from_json(
            r#"{"default": {"toxicityThreshold": 0.8, "shadowRuleSets": ["spam"]},
                "tenants": {"acme": {"blockedWords": ["Spoiler"], "phoneRegion": "gb"}}}"#,
        )
        .unwrap();
        let acme = &policies
            .for_tenant(&TenantId::parse("acme").unwrap())
            .config;
        assert_eq!(acme.toxicity_threshold, 0.8);
        assert_eq!(acme.blocked_words, ["spoiler"]);
        assert_eq!(acme.shadow_rule_sets, [RuleSet::Spam]);
        assert_eq!(acme.phone_regions, [phonenumber::country::Id::GB]);
        let other = &policies
            .for_tenant(&TenantId::parse("other").unwrap())
            .config;
        assert!(other.blocked_words.is_empty());
        assert_eq!(other.phone_regions, crate::DEFAULT_PHONE_REGIONS);
        let lowlands =
            Policies::from_json(r#"{"tenants": {"acme": {"phoneRegions": ["nl", " BE", "NL"]}}}"#)
                .unwrap();
        assert_eq!(
            lowlands
                .for_tenant(&TenantId::parse("acme").unwrap())
                .config
                .phone_regions,
            [phonenumber::country::Id::NL, phonenumber::country::Id::BE]
        );
    }

    #[test]
    fn bad_settings_are_refused_with_the_field_named() {
        for (raw, needle) in [
            (
                r#"{"default": {"toxicityThreshold": 1.5}}"#,
                "toxicityThreshold",
            ),
            (r#"{"default": {"toxicity": 0.5}}"#, "unknown field"),
            (r#"{"tenants": {"a#b": {}}}"#, "tenant `a#b`"),
            (
                r#"{"tenants": {"acme": {"phoneRegion": "XX"}}}"#,
                "phoneRegion",
            ),
            (
                r#"{"tenants": {"acme": {"phoneRegions": ["NL", "XX"]}}}"#,
                "phoneRegions `XX`",
            ),
            (
                r#"{"tenants": {"acme": {"phoneRegions": []}}}"#,
                "1 to 30 regions",
            ),
            (
                r#"{"tenants": {"acme": {"phoneRegion": "NL", "phoneRegions": ["BE"]}}}"#,
                "not both",
            ),
            (
                r#"{"default": {"shadowRuleSets": ["pii"]}}"#,
                "unknown variant",
            ),
            ("not json", "SIDELINE_MODERATION_CONFIG"),
        ] {
            let err = Policies::from_json(raw).unwrap_err();
            // The whole chain: serde's message is the cause of a malformed file.
            let mut text = err.to_string();
            let mut cause = std::error::Error::source(&err);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            assert!(text.contains(needle), "{raw}: {text}");
        }
    }
}
