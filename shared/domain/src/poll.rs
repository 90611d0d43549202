//! Polls: a question with 2–10 options put to a room, one vote per user, and the
//! moment on the host's screen a poll (or a message) is about.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

use crate::identity::Role;
use crate::ids::{RoomId, TenantId, UserId};
use crate::message::ValueError;

/// Fewest and most options a poll may have.
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 10;
/// Longest question and option, in characters.
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_OPTION_CHARS: usize = 80;
/// Most polls open in one room at once.
pub const MAX_OPEN_POLLS: usize = 10;
/// Latest a poll may be set to close: a week ahead.
pub const MAX_POLL_MS: i64 = 7 * 86_400_000;
/// Least time between two result updates of one poll to its room: at most two a
/// second, however many votes arrive.
pub const RESULTS_EVERY_MS: i64 = 500;

/// A time-ordered poll id (UUIDv7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[ts(type = "string")]
pub struct PollId(Uuid);

impl PollId {
    /// A new id for a poll created at `at_ms`.
    pub fn at(at_ms: i64) -> Self {
        Self(crate::ids::v7_at(at_ms))
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Uuid::try_parse(raw)
            .map(Self)
            .map_err(|_| ValueError::Invalid(format!("`{raw:.40}` is not a poll id")))
    }

    /// The time the id was made for.
    pub fn time_ms(&self) -> Option<i64> {
        crate::message::MessageId::from(self.0).time_ms()
    }
}

impl fmt::Display for PollId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

impl Serialize for PollId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PollId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// When the room sees a poll's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ResultsShown {
    /// As votes arrive.
    #[default]
    Live,
    /// Only once the poll is closed (until then, the turnout alone).
    Closed,
}

impl ResultsShown {
    pub fn as_str(self) -> &'static str {
        match self {
            ResultsShown::Live => "live",
            ResultsShown::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "live" => Some(ResultsShown::Live),
            "closed" => Some(ResultsShown::Closed),
            _ => None,
        }
    }
}

/// Longest `object` and `at` of a moment.
pub const MAX_OBJECT_CHARS: usize = 128;
pub const MAX_AT_CHARS: usize = 32;
/// Latest media position accepted (about 115 days, in seconds).
pub const MAX_POSITION_S: f64 = 1.0e7;

/// The moment on the host's screen: the object (`match:123`) and where it was —
/// a clock (`"67:12"`), or a media position in seconds (`positionS`, kept to the
/// millisecond). On the wire `{"object":"match:123","at":"67:12"}` or
/// `{"object":"video:9","positionS":754.2}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, TS)]
pub struct Moment {
    #[ts(optional)]
    pub object: Option<String>,
    #[ts(optional)]
    pub at: Option<String>,
    /// On the wire `positionS`, in seconds.
    #[ts(rename = "positionS", as = "Option<f64>", optional)]
    pub position_ms: Option<i64>,
}

impl Moment {
    /// Reads a moment from its JSON object; every field is optional but one must
    /// be given, unknown fields are refused.
    pub fn parse(value: &Value) -> Result<Self, ValueError> {
        let bad = |m: &str| ValueError::Invalid(format!("context: {m}"));
        let Value::Object(map) = value else {
            return Err(bad(
                "must be an object like {\"object\":\"match:123\",\"at\":\"67:12\"}",
            ));
        };
        if let Some(key) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "object" | "at" | "positionS"))
        {
            return Err(bad(&format!(
                "unknown field `{key:.32}` (expected object, at, positionS)"
            )));
        }
        let text = |name: &str, max: usize| -> Result<Option<String>, ValueError> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    let s = s.trim();
                    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
                        Err(bad(&format!(
                            "`{name}` must be 1 to {max} characters without control characters"
                        )))
                    } else {
                        Ok(Some(s.to_owned()))
                    }
                }
                Some(_) => Err(bad(&format!("`{name}` must be a string"))),
            }
        };
        let moment = Moment {
            object: text("object", MAX_OBJECT_CHARS)?,
            at: text("at", MAX_AT_CHARS)?,
            position_ms: match map.get("positionS") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_f64() {
                    Some(s) if s.is_finite() && (0.0..=MAX_POSITION_S).contains(&s) => {
                        Some((s * 1000.0).round() as i64)
                    }
                    _ => {
                        return Err(bad(&format!(
                            "`positionS` must be a number of seconds from 0 to {MAX_POSITION_S}"
                        )))
                    }
                },
            },
        };
        if moment == Moment::default() {
            return Err(bad("give at least one of object, at, positionS"));
        }
        Ok(moment)
    }

    /// The JSON object of the wire and the events.
    pub fn to_value(&self) -> Value {
        let mut map = serde_json::Map::new();
        if let Some(object) = &self.object {
            map.insert("object".into(), object.clone().into());
        }
        if let Some(at) = &self.at {
            map.insert("at".into(), at.clone().into());
        }
        if let Some(ms) = self.position_ms {
            map.insert("positionS".into(), (ms as f64 / 1000.0).into());
        }
        Value::Object(map)
    }
}

impl Serialize for Moment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// Who created or closed a poll: a member of the room, a moderator or admin
/// closing someone else's poll (kept by role only), or the host's backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PollActor {
    User {
        id: UserId,
        role: Role,
    },
    /// A moderator or admin who closed a poll they did not create: their role
    /// only, so the poll names nobody but its creator.
    Staff(Role),
    /// The host's backend (the server API).
    System,
}

impl PollActor {
    /// The id events name them by (`system` for the backend and for staff).
    pub fn id(&self) -> String {
        match self {
            PollActor::User { id, .. } => id.to_string(),
            PollActor::Staff(_) | PollActor::System => "system".to_owned(),
        }
    }

    pub fn role(&self) -> &'static str {
        match self {
            PollActor::User { role, .. } | PollActor::Staff(role) => role.as_str(),
            PollActor::System => "system",
        }
    }

    /// Whether this is the user `user`.
    pub fn is(&self, user: &UserId) -> bool {
        matches!(self, PollActor::User { id, .. } if id == user)
    }

    /// The actor as a poll's close records them: its creator as themselves,
    /// anyone else by role.
    pub fn closing(self, poll: &Poll) -> PollActor {
        match self {
            PollActor::User { id, role } if !poll.created_by.is(&id) => PollActor::Staff(role),
            other => other,
        }
    }
}

/// A poll as stored: its question and settings, the tally and whether it is
/// closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    pub tenant: TenantId,
    pub room: RoomId,
    pub id: PollId,
    pub question: String,
    pub options: Vec<String>,
    /// Whether a vote may pick several options.
    pub multiple: bool,
    pub results: ResultsShown,
    /// When it closes by itself, if it does.
    pub closes_at_ms: Option<i64>,
    pub created_by: PollActor,
    pub created_at_ms: i64,
    pub context: Option<Moment>,
    /// Votes per option, in the order of `options`.
    pub counts: Vec<u64>,
    /// Users who voted (the turnout).
    pub voters: u64,
    /// When it was closed by hand (or its close recorded after `closes_at_ms`).
    pub closed_at_ms: Option<i64>,
    pub closed_by: Option<PollActor>,
    /// The `requestId` of the `poll` that created it.
    pub correlation_id: Option<String>,
}

impl Poll {
    /// When it closed, as of `now_ms`: closed by hand, or past its closing time.
    pub fn closed_at(&self, now_ms: i64) -> Option<i64> {
        self.closed_at_ms
            .or(self.closes_at_ms.filter(|at| *at <= now_ms))
    }

    pub fn is_open(&self, now_ms: i64) -> bool {
        self.closed_at(now_ms).is_none()
    }

    /// When a close recorded at `at_ms` by `by` takes effect: then, or for a
    /// lapsed poll closed by nobody, when its time came.
    pub fn closing_at(&self, by: Option<&PollActor>, at_ms: i64) -> i64 {
        match (by, self.closes_at_ms) {
            (None, Some(due)) => due.min(at_ms),
            _ => at_ms,
        }
    }

    /// Whether its closing time passed but the close is not recorded yet.
    pub fn lapsed(&self, now_ms: i64) -> bool {
        self.closed_at_ms.is_none() && self.closes_at_ms.is_some_and(|at| at <= now_ms)
    }
}

/// One user's vote as stored: its presence is the vote, changed in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub tenant: TenantId,
    pub room: RoomId,
    pub poll: PollId,
    pub user: UserId,
    pub role: Role,
    /// Indexes into the poll's options, ascending, at least one.
    pub choices: Vec<u8>,
    pub at_ms: i64,
    /// 1 for a first vote, one more for each change: what a change is
    /// conditioned on, and what tells two changes apart.
    pub version: u32,
    pub correlation_id: Option<String>,
    /// Cast in a hot room: the coalesced fan-out shows the room the poll's
    /// tally in its next `batch` frame, instead of the vote's own update.
    pub batched: bool,
}

/// How a vote changed the tally: the vote as stored before, if any, and whether
/// anything changed (a repeat of the same choices changes nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteOutcome {
    pub poll: Poll,
    pub previous: Option<Vec<u8>>,
    pub changed: bool,
}

/// Checks a new poll's question and options: trimmed, 2–10 options of 1–80
/// characters, no two the same.
pub fn check_poll(question: &str, options: &[String]) -> Result<(String, Vec<String>), ValueError> {
    let bad = |m: String| ValueError::Invalid(m);
    let question = question.trim();
    if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
        return Err(bad(format!(
            "question must be 1 to {MAX_QUESTION_CHARS} characters"
        )));
    }
    if question.chars().any(|c| c.is_control()) {
        return Err(bad("question must not contain control characters".into()));
    }
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
        return Err(bad(format!(
            "a poll has {MIN_OPTIONS} to {MAX_OPTIONS} options, not {}",
            options.len()
        )));
    }
    let mut clean: Vec<String> = Vec::with_capacity(options.len());
    for (i, option) in options.iter().enumerate() {
        let option = option.trim();
        if option.is_empty() || option.chars().count() > MAX_OPTION_CHARS {
            return Err(bad(format!(
                "option {i} must be 1 to {MAX_OPTION_CHARS} characters"
            )));
        }
        if option.chars().any(|c| c.is_control()) {
            return Err(bad(format!(
                "option {i} must not contain control characters"
            )));
        }
        if clean
            .iter()
            .any(|o| o.to_lowercase() == option.to_lowercase())
        {
            return Err(bad(format!("option {i} repeats an earlier option")));
        }
        clean.push(option.to_owned());
    }
    Ok((question.to_owned(), clean))
}

/// Checks a vote's choices against a poll: indexes of its options, one unless it
/// is multiple choice, no repeats. Returns them ascending.
pub fn check_choices(poll: &Poll, raw: &[i64]) -> Result<Vec<u8>, ValueError> {
    let bad = |m: String| ValueError::Invalid(m);
    if raw.is_empty() {
        return Err(bad("choose at least one option".into()));
    }
    if !poll.multiple && raw.len() > 1 {
        return Err(bad("this poll takes one choice".into()));
    }
    let mut choices = Vec::with_capacity(raw.len());
    for &c in raw {
        match u8::try_from(c) {
            Ok(c) if usize::from(c) < poll.options.len() => choices.push(c),
            _ => {
                return Err(bad(format!(
                    "option {c} is not one of this poll's (0 to {})",
                    poll.options.len() - 1
                )))
            }
        }
    }
    choices.sort_unstable();
    let before = choices.len();
    choices.dedup();
    if choices.len() != before {
        return Err(bad("an option is chosen twice".into()));
    }
    Ok(choices)
}

/// The tally after a vote moves from `previous` to `choices`.
pub fn retally(counts: &[u64], previous: Option<&[u8]>, choices: &[u8]) -> Vec<u64> {
    let mut counts = counts.to_vec();
    for &c in previous.unwrap_or_default() {
        if let Some(n) = counts.get_mut(usize::from(c)) {
            *n = n.saturating_sub(1);
        }
    }
    for &c in choices {
        if let Some(n) = counts.get_mut(usize::from(c)) {
            *n += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(multiple: bool) -> Poll {
        let tenant = TenantId::parse("acme").unwrap();
        Poll {
            room: RoomId::parse("match:1").unwrap(),
            id: PollId::at(1_800_000_000_000),
            question: "Who scores next?".into(),
            options: vec!["Home".into(), "Away".into(), "Nobody".into()],
            multiple,
            results: ResultsShown::Live,
            closes_at_ms: Some(1_800_000_060_000),
            created_by: PollActor::User {
                id: UserId::derive(&tenant, "ada"),
                role: Role::Moderator,
            },
            tenant,
            created_at_ms: 1_800_000_000_000,
            context: None,
            counts: vec![0, 0, 0],
            voters: 0,
            closed_at_ms: None,
            closed_by: None,
            correlation_id: None,
        }
    }

    #[test]
    fn questions_and_options_are_checked() {
        let opts = |n: usize| (0..n).map(|i| format!("option {i}")).collect::<Vec<_>>();
        assert!(check_poll("Q?", &opts(1)).is_err());
        assert!(check_poll("Q?", &opts(11)).is_err());
        assert!(check_poll("Q?", &opts(2)).is_ok());
        assert!(check_poll("Q?", &opts(10)).is_ok());
        assert!(check_poll("  ", &opts(2)).is_err());
        assert!(check_poll("Q?", &["a".into(), " ".into()]).is_err());
        assert!(check_poll("Q?", &["Yes".into(), "yes ".into()]).is_err());
        let (q, o) = check_poll(" Q? ", &[" a ".into(), "b".into()]).unwrap();
        assert_eq!(
            (q.as_str(), o),
            ("Q?", vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn choices_are_checked_against_the_poll() {
        assert_eq!(check_choices(&poll(false), &[2]).unwrap(), vec![2]);
        assert!(check_choices(&poll(false), &[0, 1]).is_err());
        assert!(check_choices(&poll(false), &[3]).is_err());
        assert!(check_choices(&poll(false), &[-1]).is_err());
        assert!(check_choices(&poll(false), &[]).is_err());
        assert_eq!(check_choices(&poll(true), &[2, 0]).unwrap(), vec![0, 2]);
        assert!(check_choices(&poll(true), &[1, 1]).is_err());
    }

    #[test]
    fn a_poll_closes_at_its_time_or_by_hand() {
        let mut p = poll(false);
        assert!(p.is_open(1_800_000_059_999));
        assert!(!p.is_open(1_800_000_060_000));
        assert!(p.lapsed(1_800_000_060_000));
        p.closed_at_ms = Some(1_800_000_010_000);
        assert_eq!(p.closed_at(1_800_000_020_000), Some(1_800_000_010_000));
        assert!(!p.lapsed(1_800_000_070_000));
    }

    #[test]
    fn a_changed_vote_moves_its_counts() {
        assert_eq!(retally(&[1, 0, 0], Some(&[0]), &[2]), vec![0, 0, 1]);
        assert_eq!(retally(&[0, 0, 0], None, &[0, 1]), vec![1, 1, 0]);
    }

    #[test]
    fn moments_are_validated() {
        let m = Moment::parse(&serde_json::json!({"object":"match:123","at":"67:12"})).unwrap();
        assert_eq!(m.object.as_deref(), Some("match:123"));
        assert_eq!(
            m.to_value(),
            serde_json::json!({"object":"match:123","at":"67:12"})
        );
        let m = Moment::parse(&serde_json::json!({"positionS": 754.2})).unwrap();
        assert_eq!(m.position_ms, Some(754_200));
        for bad in [
            serde_json::json!({}),
            serde_json::json!("match:1"),
            serde_json::json!({"object": ""}),
            serde_json::json!({"object": 5}),
            serde_json::json!({"positionS": -1}),
            serde_json::json!({"positionS": "12"}),
            serde_json::json!({"at": "x".repeat(33)}),
            serde_json::json!({"where": "here"}),
        ] {
            assert!(Moment::parse(&bad).is_err(), "{bad}");
        }
    }
}
