//! Typed configuration, read once at start-up with clear errors.

use std::str::FromStr;
use std::time::Duration;

/// Configuration that cannot be used; the function refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Limits of the realtime core. Every field has a default and an environment
/// variable (`SIDELINE_` + the upper-case field name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest message, in Unicode scalar values.
    pub max_text_chars: usize,
    /// Messages one user may send to one room per window.
    pub rate_limit_messages: u32,
    /// The rate-limit window.
    pub rate_limit_window: Duration,
    /// Messages that come with `joined`.
    pub join_history: usize,
    /// Page size of `history` when the client gives no `limit`.
    pub history_default: usize,
    /// Largest `history` page a client may ask for.
    pub history_max: usize,
    /// Rooms with more users than this get counts, not user lists, in `presence`.
    pub presence_list_max: usize,
    /// Rooms with more connections than this get no presence broadcast on every
    /// join and leave (it would be quadratic); clients ask with `presence`.
    pub presence_broadcast_max: usize,
    /// Least time between two `typing` frames of one connection in one room.
    pub typing_throttle: Duration,
    /// Posts to `@connections` in flight at once during one fan-out.
    pub fanout_concurrency: usize,
    /// Rooms one connection may be in at once.
    pub max_rooms_per_connection: usize,
    /// Moderation violations (blocked, held, shadowed or removed messages) in one
    /// window that mute the author automatically; 0 turns escalation off.
    pub escalation_violations: u32,
    /// The window violations are counted in.
    pub escalation_window: Duration,
    /// How long an automatic mute lasts.
    pub escalation_mute: Duration,
    /// Distinct users reporting a message that hide it pending review.
    pub reports_to_hide: u32,
    /// Time a moderator has to review an item (its `dueAt`).
    pub review_sla: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_text_chars: 2_000,
            rate_limit_messages: 5,
            rate_limit_window: Duration::from_secs(10),
            join_history: 50,
            history_default: 50,
            history_max: 100,
            presence_list_max: 100,
            presence_broadcast_max: 200,
            typing_throttle: Duration::from_secs(2),
            fanout_concurrency: 64,
            max_rooms_per_connection: 50,
            escalation_violations: 3,
            escalation_window: Duration::from_secs(600),
            escalation_mute: Duration::from_secs(900),
            reports_to_hide: 3,
            review_sla: Duration::from_secs(4 * 3600),
        }
    }
}

fn parse_var<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    min: T,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display,
{
    match lookup(name) {
        None => Ok(default),
        Some(raw) if raw.trim().is_empty() => Ok(default),
        Some(raw) => {
            let value: T = raw
                .trim()
                .parse()
                .map_err(|_| ConfigError(format!("{name} must be a whole number, got `{raw}`")))?;
            if value < min {
                return Err(ConfigError(format!("{name} must be at least {min}")));
            }
            Ok(value)
        }
    }
}

impl Limits {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let limits = Self {
            max_text_chars: parse_var(&lookup, "SIDELINE_MAX_TEXT_CHARS", d.max_text_chars, 1)?,
            rate_limit_messages: parse_var(
                &lookup,
                "SIDELINE_RATE_LIMIT_MESSAGES",
                d.rate_limit_messages,
                1,
            )?,
            rate_limit_window: Duration::from_secs(parse_var(
                &lookup,
                "SIDELINE_RATE_LIMIT_WINDOW_SECS",
                d.rate_limit_window.as_secs(),
                1,
            )?),
            join_history: parse_var(&lookup, "SIDELINE_JOIN_HISTORY", d.join_history, 0)?,
            history_default: parse_var(&lookup, "SIDELINE_HISTORY_DEFAULT", d.history_default, 1)?,
            history_max: parse_var(&lookup, "SIDELINE_HISTORY_MAX", d.history_max, 1)?,
            presence_list_max: parse_var(
                &lookup,
                "SIDELINE_PRESENCE_LIST_MAX",
                d.presence_list_max,
                0,
            )?,
            presence_broadcast_max: parse_var(
                &lookup,
                "SIDELINE_PRESENCE_BROADCAST_MAX",
                d.presence_broadcast_max,
                0,
            )?,
            typing_throttle: Duration::from_millis(parse_var(
                &lookup,
                "SIDELINE_TYPING_THROTTLE_MS",
                d.typing_throttle.as_millis() as u64,
                0,
            )?),
            fanout_concurrency: parse_var(
                &lookup,
                "SIDELINE_FANOUT_CONCURRENCY",
                d.fanout_concurrency,
                1,
            )?,
            max_rooms_per_connection: parse_var(
                &lookup,
                "SIDELINE_MAX_ROOMS_PER_CONNECTION",
                d.max_rooms_per_connection,
                1,
            )?,
            escalation_violations: parse_var(
                &lookup,
                "SIDELINE_ESCALATION_VIOLATIONS",
                d.escalation_violations,
                0,
            )?,
            escalation_window: Duration::from_secs(parse_var(
                &lookup,
                "SIDELINE_ESCALATION_WINDOW_SECS",
                d.escalation_window.as_secs(),
                1,
            )?),
            escalation_mute: Duration::from_secs(parse_var(
                &lookup,
                "SIDELINE_ESCALATION_MUTE_SECS",
                d.escalation_mute.as_secs(),
                1,
            )?),
            reports_to_hide: parse_var(&lookup, "SIDELINE_REPORTS_TO_HIDE", d.reports_to_hide, 1)?,
            review_sla: Duration::from_secs(parse_var(
                &lookup,
                "SIDELINE_REVIEW_SLA_SECS",
                d.review_sla.as_secs(),
                60,
            )?),
        };
        if limits.history_default > limits.history_max {
            return Err(ConfigError(
                "SIDELINE_HISTORY_DEFAULT must not exceed SIDELINE_HISTORY_MAX".into(),
            ));
        }
        Ok(limits)
    }
}

/// How long consumers remember an `eventId` to drop repeats:
/// `SIDELINE_IDEMPOTENCY_WINDOW_SECS`, default 300.
pub fn idempotency_window(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Duration, ConfigError> {
    parse_var(&lookup, "SIDELINE_IDEMPOTENCY_WINDOW_SECS", 300u64, 1).map(Duration::from_secs)
}

/// A required variable, e.g. a resource name the template provides.
pub fn required_var(name: &str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ConfigError(format!("{name} is not set")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_overrides_parse() {
        assert_eq!(Limits::from_lookup(|_| None).unwrap(), Limits::default());
        let l = Limits::from_lookup(|n| match n {
            "SIDELINE_MAX_TEXT_CHARS" => Some("500".into()),
            "SIDELINE_RATE_LIMIT_WINDOW_SECS" => Some(" 30 ".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(l.max_text_chars, 500);
        assert_eq!(l.rate_limit_window, Duration::from_secs(30));
    }

    #[test]
    fn the_idempotency_window_defaults_to_five_minutes() {
        assert_eq!(
            idempotency_window(|_| None).unwrap(),
            Duration::from_secs(300)
        );
        assert_eq!(
            idempotency_window(|_| Some("60".into())).unwrap(),
            Duration::from_secs(60)
        );
        assert!(idempotency_window(|_| Some("0".into())).is_err());
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let err = Limits::from_lookup(|n| (n == "SIDELINE_MAX_TEXT_CHARS").then(|| "lots".into()))
            .unwrap_err();
        assert!(err.0.contains("SIDELINE_MAX_TEXT_CHARS"), "{err}");
        assert!(
            Limits::from_lookup(|n| (n == "SIDELINE_RATE_LIMIT_MESSAGES").then(|| "0".into()))
                .is_err()
        );
        assert!(
            Limits::from_lookup(|n| (n == "SIDELINE_HISTORY_DEFAULT").then(|| "500".into()))
                .is_err()
        );
    }
}
