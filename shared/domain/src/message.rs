//! Messages and the validated values they are made of.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::identity::Role;
use crate::ids::{RoomId, TenantId, UserId};
use crate::scoring::Tier;

/// Longest `clientMsgId` accepted.
pub const MAX_CLIENT_MSG_ID_LEN: usize = 64;
/// Longest reaction accepted, in characters (a flag or a skin-toned family is several).
pub const MAX_EMOJI_CHARS: usize = 16;

/// A time-ordered message id (UUIDv7); its text form sorts like its time, so it is
/// also the history cursor and the storage sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, TS)]
#[ts(type = "string")]
pub struct MessageId(Uuid);

/// Why a value in a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    TooLarge(String),
}

impl MessageId {
    /// A new id for a message stored at `at_ms` (the injected clock's time).
    pub fn at(at_ms: i64) -> Self {
        Self(crate::ids::v7_at(at_ms))
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Uuid::try_parse(raw)
            .map(Self)
            .map_err(|_| ValueError::Invalid(format!("`{raw:.40}` is not a message id")))
    }

    /// The time the id was made for (a UUIDv7's milliseconds); `None` for an id
    /// of another version.
    pub fn time_ms(&self) -> Option<i64> {
        let (secs, nanos) = self.0.get_timestamp()?.to_unix();
        i64::try_from(secs)
            .ok()?
            .checked_mul(1000)?
            .checked_add(i64::from(nanos / 1_000_000))
    }
}

impl From<Uuid> for MessageId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_hyphenated().fmt(f)
    }
}

impl Serialize for MessageId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Message text: not blank, no control characters but newline and tab, at most
/// `max_chars` Unicode scalar values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ValueError> {
        if raw.trim().is_empty() {
            return Err(ValueError::Invalid("text must not be empty".into()));
        }
        let chars = raw.chars().count();
        if chars > max_chars {
            return Err(ValueError::TooLarge(format!(
                "text has {chars} characters; the limit is {max_chars}"
            )));
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValueError::Invalid(
                "text must not contain control characters".into(),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Text read back from storage, already validated when it was written.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The client's idempotency key for a send: printable ASCII, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.is_empty() || raw.len() > MAX_CLIENT_MSG_ID_LEN {
            return Err(ValueError::Invalid(format!(
                "clientMsgId must be 1 to {MAX_CLIENT_MSG_ID_LEN} characters"
            )));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) || raw.contains('#') {
            return Err(ValueError::Invalid(
                "clientMsgId may only contain printable ASCII other than '#'".into(),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A reaction: a short run of non-space, non-control characters (an emoji, or a
/// `:shortcode:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Emoji(String);

impl TryFrom<String> for Emoji {
    type Error = ValueError;

    fn try_from(raw: String) -> Result<Self, ValueError> {
        Self::parse(&raw)
    }
}

impl From<Emoji> for String {
    fn from(emoji: Emoji) -> String {
        emoji.0
    }
}

impl Emoji {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let chars = raw.chars().count();
        if chars == 0 || chars > MAX_EMOJI_CHARS {
            return Err(ValueError::Invalid(format!(
                "emoji must be 1 to {MAX_EMOJI_CHARS} characters"
            )));
        }
        if raw
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#')
        {
            return Err(ValueError::Invalid(
                "emoji must not contain spaces, control characters or '#'".into(),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who wrote a message, as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Author {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// The author's reputation tier when the message was sent.
    pub tier: Tier,
}

/// The author of the host's own messages (the server API's system messages):
/// `u_` and 32 `f`s, never the output of `UserId::derive` in practice.
pub fn system_author() -> UserId {
    UserId::parse("u_ffffffffffffffffffffffffffffffff").unwrap_or_else(|_| unreachable!())
}

/// Who may see a stored message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everyone in the room.
    #[default]
    Public,
    /// Only its author (moderation shadowed it).
    Shadowed,
    /// Only its author, as pending, until a moderator decides (moderation held it).
    Held,
    /// Nobody: a moderator rejected or removed it.
    Removed,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Shadowed => "shadowed",
            Visibility::Held => "held",
            Visibility::Removed => "removed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "public" => Visibility::Public,
            "shadowed" => Visibility::Shadowed,
            "held" => Visibility::Held,
            "removed" => Visibility::Removed,
            _ => return None,
        })
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub tenant: TenantId,
    pub room: RoomId,
    pub id: MessageId,
    pub author: Author,
    pub text: MessageText,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    pub reply_to: Option<MessageId>,
    pub client_msg_id: ClientMsgId,
    /// The client's `requestId`, kept so events can carry it as correlation id.
    pub correlation_id: Option<String>,
    pub reactions: BTreeMap<String, u64>,
    pub visibility: Visibility,
    /// Its place in the room's sequence of public messages (1, 2, …), taken when
    /// it was stored public (the host's system messages too); `None` for held and
    /// shadowed messages, messages made public later and messages stored before
    /// there was a sequence. A number may be skipped (a send that failed after taking
    /// it), never given twice.
    pub seq: Option<u64>,
    /// Delivered by the coalesced fan-out (a hot room's message: in a `batch`
    /// frame of its delivery window), not by the send that stored it.
    pub batched: bool,
}

/// A user's reaction as stored: its presence is the reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub tenant: TenantId,
    pub room: RoomId,
    pub message: MessageId,
    pub emoji: Emoji,
    pub user: UserId,
    /// The user's role in the room, for the event's actor.
    pub role: Role,
    pub at_ms: i64,
    /// The `requestId` of the `react`, carried into the event.
    pub correlation_id: Option<String>,
    /// Delivered by the coalesced fan-out (turned on in a hot room: in a `batch`
    /// frame of its delivery window), not by the `react` that stored it.
    pub batched: bool,
}

impl StoredMessage {
    /// Whether `viewer` may see it.
    pub fn visible_to(&self, viewer: &UserId) -> bool {
        match self.visibility {
            Visibility::Public => true,
            Visibility::Shadowed | Visibility::Held => &self.author.id == viewer,
            Visibility::Removed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_sort_by_time_as_text() {
        let a = MessageId::at(1_800_000_000_000);
        let b = MessageId::at(1_800_000_000_002);
        assert!(a.to_string() < b.to_string());
        assert_eq!(MessageId::parse(&a.to_string()).unwrap(), a);
        assert!(MessageId::parse("nope").is_err());
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        assert!(MessageText::parse(&"é".repeat(10), 10).is_ok());
        assert!(matches!(
            MessageText::parse(&"é".repeat(11), 10),
            Err(ValueError::TooLarge(_))
        ));
        assert!(matches!(
            MessageText::parse("  \n ", 10),
            Err(ValueError::Invalid(_))
        ));
        assert!(MessageText::parse("a\u{0}b", 10).is_err());
        assert!(MessageText::parse("line\nline", 10).is_ok());
    }

    #[test]
    fn client_ids_and_emoji_are_validated() {
        assert!(ClientMsgId::parse("c-1").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("a b").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
        assert!(Emoji::parse("👍").is_ok());
        assert!(Emoji::parse("👨‍👩‍👧‍👦").is_ok());
        assert!(Emoji::parse(":fire:").is_ok());
        assert!(Emoji::parse("").is_err());
        assert!(Emoji::parse("a b").is_err());
    }
}
