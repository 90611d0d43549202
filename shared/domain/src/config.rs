//! Typed configuration, read once at start-up through one lookup ([`Env`]) with
//! typed errors that name the variable and keep their cause.

use std::str::FromStr;
use std::time::Duration;

/// Any cause kept as the source of a [`ConfigError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where configuration comes from: the process environment in Lambda and devstack,
/// a closure or a map in tests.
pub trait Env {
    /// The raw value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;

    /// The value of `name` if set and not blank (as given: a secret may hold
    /// spaces).
    fn text(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.trim().is_empty())
    }

    /// A value that must be set, e.g. a resource name the template provides.
    fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.text(name).ok_or_else(|| ConfigError::Missing {
            var: name.to_owned(),
        })
    }

    /// A number with a default and a least value.
    fn number<T>(&self, name: &str, default: T, min: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + std::fmt::Display,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        let Some(raw) = self.text(name) else {
            return Ok(default);
        };
        let value: T = raw.trim().parse().map_err(|e| ConfigError::NotANumber {
            var: name.to_owned(),
            value: raw.clone(),
            source: Box::new(e),
        })?;
        if value < min {
            return Err(ConfigError::TooSmall {
                var: name.to_owned(),
                min: min.to_string(),
            });
        }
        Ok(value)
    }
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// An [`Env`] over a closure (tests, and callers with their own source).
#[derive(Debug, Clone, Copy)]
pub struct Lookup<F>(pub F);

/// An [`Env`] that asks `f`.
pub fn lookup<F: Fn(&str) -> Option<String>>(f: F) -> Lookup<F> {
    Lookup(f)
}

impl<F: Fn(&str) -> Option<String>> Env for Lookup<F> {
    fn var(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

/// Configuration that cannot be used; the function refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set")]
    Missing { var: String },
    #[error("{var} must be a whole number, got `{value}`")]
    NotANumber {
        var: String,
        value: String,
        #[source]
        source: BoxError,
    },
    #[error("{var} must be at least {min}")]
    TooSmall { var: String, min: String },
    /// A value outside what is allowed; `reason` says what is.
    #[error("{var}: {reason}")]
    Invalid { var: String, reason: String },
    /// A value that could not be read at all (bad JSON, a bad key).
    #[error("{var} cannot be read")]
    Malformed {
        var: String,
        #[source]
        source: BoxError,
    },
}

impl ConfigError {
    pub fn invalid(var: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            var: var.to_owned(),
            reason: reason.into(),
        }
    }

    /// The variable it is about.
    pub fn var(&self) -> &str {
        match self {
            Self::Missing { var }
            | Self::NotANumber { var, .. }
            | Self::TooSmall { var, .. }
            | Self::Invalid { var, .. }
            | Self::Malformed { var, .. } => var,
        }
    }
}

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
    /// join and leave (it would be quadratic): a count instead, at most once per
    /// `presence_count_every`; clients ask with `presence` for more.
    pub presence_broadcast_max: usize,
    /// Least time between two presence counts of a big room (deployment-wide).
    pub presence_count_every: Duration,
    /// Least time between two `typing` frames of one connection in one room.
    pub typing_throttle: Duration,
    /// Posts to `@connections` in flight at once during one fan-out.
    pub fanout_concurrency: usize,
    /// A room whose members × messages a second is above this has its public
    /// messages delivered by the coalesced fan-out (`batch` frames, one per member
    /// per window) until it falls under half of it; 0 never batches (the default:
    /// a deployment turns it on where the stream's fan-out consumer runs).
    pub batch_above: u64,
    /// How long one fan-out waits for the deployment's post budget when a second's
    /// share runs out; what is still unsent then is left to the clients' catch-up.
    pub fanout_budget_wait: Duration,
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
            presence_count_every: Duration::from_secs(5),
            typing_throttle: Duration::from_secs(2),
            fanout_concurrency: 64,
            fanout_budget_wait: Duration::from_secs(1),
            batch_above: 0,
            max_rooms_per_connection: 50,
            escalation_violations: 3,
            escalation_window: Duration::from_secs(600),
            escalation_mute: Duration::from_secs(900),
            reports_to_hide: 3,
            review_sla: Duration::from_secs(4 * 3600),
        }
    }
}

impl Limits {
    /// Reads every limit from `env` (`SIDELINE_` + the field's name), with defaults.
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let d = Self::default();
        let limits = Self {
            max_text_chars: env.number("SIDELINE_MAX_TEXT_CHARS", d.max_text_chars, 1)?,
            rate_limit_messages: env.number(
                "SIDELINE_RATE_LIMIT_MESSAGES",
                d.rate_limit_messages,
                1,
            )?,
            rate_limit_window: Duration::from_secs(env.number(
                "SIDELINE_RATE_LIMIT_WINDOW_SECS",
                d.rate_limit_window.as_secs(),
                1,
            )?),
            join_history: env.number("SIDELINE_JOIN_HISTORY", d.join_history, 0)?,
            history_default: env.number("SIDELINE_HISTORY_DEFAULT", d.history_default, 1)?,
            history_max: env.number("SIDELINE_HISTORY_MAX", d.history_max, 1)?,
            presence_list_max: env.number("SIDELINE_PRESENCE_LIST_MAX", d.presence_list_max, 0)?,
            presence_broadcast_max: env.number(
                "SIDELINE_PRESENCE_BROADCAST_MAX",
                d.presence_broadcast_max,
                0,
            )?,
            presence_count_every: Duration::from_millis(env.number(
                "SIDELINE_PRESENCE_COUNT_EVERY_MS",
                d.presence_count_every.as_millis() as u64,
                100,
            )?),
            typing_throttle: Duration::from_millis(env.number(
                "SIDELINE_TYPING_THROTTLE_MS",
                d.typing_throttle.as_millis() as u64,
                0,
            )?),
            fanout_concurrency: env.number(
                "SIDELINE_FANOUT_CONCURRENCY",
                d.fanout_concurrency,
                1,
            )?,
            batch_above: env.number("SIDELINE_BATCH_ABOVE", d.batch_above, 0)?,
            fanout_budget_wait: Duration::from_millis(env.number(
                "SIDELINE_FANOUT_BUDGET_WAIT_MS",
                d.fanout_budget_wait.as_millis() as u64,
                0,
            )?),
            max_rooms_per_connection: env.number(
                "SIDELINE_MAX_ROOMS_PER_CONNECTION",
                d.max_rooms_per_connection,
                1,
            )?,
            escalation_violations: env.number(
                "SIDELINE_ESCALATION_VIOLATIONS",
                d.escalation_violations,
                0,
            )?,
            escalation_window: Duration::from_secs(env.number(
                "SIDELINE_ESCALATION_WINDOW_SECS",
                d.escalation_window.as_secs(),
                1,
            )?),
            escalation_mute: Duration::from_secs(env.number(
                "SIDELINE_ESCALATION_MUTE_SECS",
                d.escalation_mute.as_secs(),
                1,
            )?),
            reports_to_hide: env.number("SIDELINE_REPORTS_TO_HIDE", d.reports_to_hide, 1)?,
            review_sla: Duration::from_secs(env.number(
                "SIDELINE_REVIEW_SLA_SECS",
                d.review_sla.as_secs(),
                60,
            )?),
        };
        if limits.history_default > limits.history_max {
            return Err(ConfigError::invalid(
                "SIDELINE_HISTORY_DEFAULT",
                "must not exceed SIDELINE_HISTORY_MAX",
            ));
        }
        Ok(limits)
    }
}

/// How long consumers remember an `eventId` to drop repeats:
/// `SIDELINE_IDEMPOTENCY_WINDOW_SECS`, default 300.
pub fn idempotency_window(env: &impl Env) -> Result<Duration, ConfigError> {
    env.number("SIDELINE_IDEMPOTENCY_WINDOW_SECS", 300u64, 1)
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_and_overrides_parse() {
        assert_eq!(
            Limits::from_env(&lookup(|_| None)).unwrap(),
            Limits::default()
        );
        let l = Limits::from_env(&lookup(|n| match n {
            "SIDELINE_MAX_TEXT_CHARS" => Some("500".into()),
            "SIDELINE_RATE_LIMIT_WINDOW_SECS" => Some(" 30 ".into()),
            _ => None,
        }))
        .unwrap();
        assert_eq!(l.max_text_chars, 500);
        assert_eq!(l.rate_limit_window, Duration::from_secs(30));
    }

    #[test]
    fn the_idempotency_window_defaults_to_five_minutes() {
        assert_eq!(
            idempotency_window(&lookup(|_| None)).unwrap(),
            Duration::from_secs(300)
        );
        assert_eq!(
            idempotency_window(&lookup(|_| Some("60".into()))).unwrap(),
            Duration::from_secs(60)
        );
        assert!(idempotency_window(&lookup(|_| Some("0".into()))).is_err());
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let err = Limits::from_env(&lookup(|n| {
            (n == "SIDELINE_MAX_TEXT_CHARS").then(|| "lots".into())
        }))
        .unwrap_err();
        assert!(err.to_string().contains("SIDELINE_MAX_TEXT_CHARS"), "{err}");
        assert_eq!(err.var(), "SIDELINE_MAX_TEXT_CHARS");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the parse error is kept"
        );
        assert!(Limits::from_env(&lookup(
            |n| (n == "SIDELINE_RATE_LIMIT_MESSAGES").then(|| "0".into())
        ))
        .is_err());
        assert!(Limits::from_env(&lookup(
            |n| (n == "SIDELINE_HISTORY_DEFAULT").then(|| "500".into())
        ))
        .is_err());
    }
}
