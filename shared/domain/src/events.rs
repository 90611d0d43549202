//! Typed community events: the catalogue, one `data` struct per event type, and
//! the envelope they travel in. [`crate::outbox`] makes them from the table's
//! changes; consumers read them back with [`Envelope::typed_data`].
//!
//! Every `eventId` is derived from the stored record alone (its keys and the time
//! the item carries), so a replayed or redelivered stream record yields the same
//! id and consumers can drop the repeat.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{derived_uuid, ConnectionId, DecisionId};
use crate::message::{Emoji, MessageId, Visibility};
use crate::moderation::{DecisionKind, Stage};
use crate::poll::{Moment, PollId, ResultsShown};
use crate::scoring::Tier;

/// Version of every envelope and `data` shape below; bumped on breaking changes.
/// 2: users are named by their pseudonym (`p_…`), not the table's user id.
pub const SCHEMA_VERSION: u32 = 2;

/// Every event type Sideline publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    RoomJoined,
    RoomLeft,
    MessageSent,
    MessageEdited,
    MessageDeleted,
    MessageReported,
    ReactionAdded,
    ReactionRemoved,
    /// A user's reputation tier went up or down.
    TierChanged,
    /// A user's erasure completed.
    UserErased,
    /// A poll was put to a room.
    PollCreated,
    /// A user voted in a poll, or changed their vote.
    PollVoted,
    /// A poll closed, by hand or at its time, with its final tally.
    PollClosed,
    /// A moderation decision (`community.moderation.*`), from the decision record.
    Moderation(DecisionKind),
}

impl EventType {
    pub const ALL: [EventType; 31] = [
        EventType::RoomJoined,
        EventType::RoomLeft,
        EventType::MessageSent,
        EventType::MessageEdited,
        EventType::MessageDeleted,
        EventType::MessageReported,
        EventType::ReactionAdded,
        EventType::ReactionRemoved,
        EventType::TierChanged,
        EventType::UserErased,
        EventType::PollCreated,
        EventType::PollVoted,
        EventType::PollClosed,
        EventType::Moderation(DecisionKind::MessageMasked),
        EventType::Moderation(DecisionKind::MessageShadowed),
        EventType::Moderation(DecisionKind::MessageHeld),
        EventType::Moderation(DecisionKind::MessageBlocked),
        EventType::Moderation(DecisionKind::MessageApproved),
        EventType::Moderation(DecisionKind::MessageRejected),
        EventType::Moderation(DecisionKind::MessageFlagged),
        EventType::Moderation(DecisionKind::MessageHidden),
        EventType::Moderation(DecisionKind::MessageRemoved),
        EventType::Moderation(DecisionKind::UserMuted),
        EventType::Moderation(DecisionKind::UserBanned),
        EventType::Moderation(DecisionKind::UserShadowBanned),
        EventType::Moderation(DecisionKind::SanctionLifted),
        EventType::Moderation(DecisionKind::RoomSlowModeSet),
        EventType::Moderation(DecisionKind::RoomModeSet),
        EventType::Moderation(DecisionKind::UserErased),
        EventType::Moderation(DecisionKind::LegalHoldSet),
        EventType::Moderation(DecisionKind::LegalHoldLifted),
    ];

    /// The envelope's `schemaVersion`. Messages' events are one ahead: they no
    /// longer carry the text (consumers read it from the table by `messageId`
    /// while the message is kept), so no event copy outlives the message's
    /// window or its author's erasure.
    pub fn schema_version(self) -> u32 {
        match self {
            EventType::MessageSent | EventType::MessageEdited => SCHEMA_VERSION + 1,
            _ => SCHEMA_VERSION,
        }
    }

    /// The EventBridge `detail-type` and the envelope's `type`.
    pub fn detail_type(self) -> &'static str {
        match self {
            EventType::RoomJoined => "community.room.joined",
            EventType::RoomLeft => "community.room.left",
            EventType::MessageSent => "community.message.sent",
            EventType::MessageEdited => "community.message.edited",
            EventType::MessageDeleted => "community.message.deleted",
            EventType::MessageReported => "community.message.reported",
            EventType::ReactionAdded => "community.reaction.added",
            EventType::ReactionRemoved => "community.reaction.removed",
            EventType::TierChanged => "community.user.tier_changed",
            EventType::UserErased => "community.user.erased",
            EventType::PollCreated => "community.poll.created",
            EventType::PollVoted => "community.poll.voted",
            EventType::PollClosed => "community.poll.closed",
            EventType::Moderation(kind) => kind.detail_type(),
        }
    }

    /// The name analytics tools know it by.
    pub fn analytics_name(self) -> &'static str {
        match self {
            EventType::RoomJoined => "community_room_joined",
            EventType::RoomLeft => "community_room_left",
            EventType::MessageSent => "community_message_sent",
            EventType::MessageEdited => "community_message_edited",
            EventType::MessageDeleted => "community_message_deleted",
            EventType::MessageReported => "community_message_reported",
            EventType::ReactionAdded => "reaction_added",
            EventType::ReactionRemoved => "reaction_removed",
            EventType::TierChanged => "user_tier_changed",
            EventType::UserErased => "user_erased",
            EventType::PollCreated => "poll_created",
            EventType::PollVoted => "poll_voted",
            EventType::PollClosed => "poll_closed",
            // `user_muted`, `user_banned`, `message_blocked`, …
            EventType::Moderation(kind) => kind.as_str(),
        }
    }

    pub fn from_detail_type(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.detail_type() == raw)
    }
}

/// Who caused an event.
///
/// Events name users by their **pseudonym** (`p_` and 32 hex digits): a random
/// id per user and tenant, mapped to the user in the table until their erasure
/// removes the mapping, after which nothing links the events (in the archive,
/// the data lake or an analytics tool) to them. `ingest` puts it in place of the
/// table's user id here and in `data` (`authorId`, `userId`, `subjectId`);
/// `system` names no user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub canonical_id: String,
    pub role: String,
}

/// The `detail` of every event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub analytics_name: String,
    pub schema_version: u32,
    pub occurred_at: String,
    pub correlation_id: String,
    pub tenant_id: String,
    /// The host's context id (the room); absent for host events without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    pub actor: Actor,
    pub data: Value,
    pub meta: Map<String, Value>,
}

/// A deterministic event id (UUIDv5) for a name that identifies one occurrence.
pub fn derived_id(name: &str) -> String {
    derived_uuid(name).as_hyphenated().to_string()
}

/// The id of the event of type `kind` about the stored item `item_key`;
/// `discriminator` tells apart several events of one item (a re-join).
pub fn event_id(kind: EventType, item_key: &str, discriminator: &str) -> String {
    derived_id(&format!(
        "{}\u{1f}{item_key}\u{1f}{discriminator}",
        kind.detail_type()
    ))
}

// The data structs read fields they do not know without complaint: a field added
// to an event (schemaVersion stays) must not make an older consumer drop it.

/// `community.room.joined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomJoined {
    pub connection_id: ConnectionId,
}

/// Why a membership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeftReason {
    /// A `leave`, a `$disconnect` or a connection found gone.
    Left,
    /// DynamoDB's TTL removed a membership nobody ended.
    Expired,
}

/// `community.room.left`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomLeft {
    pub connection_id: ConnectionId,
    pub reason: LeftReason,
}

/// `community.message.sent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSent {
    pub message_id: MessageId,
    pub text_length: usize,
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
}

/// `community.message.edited`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEdited {
    pub message_id: MessageId,
    pub text_length: usize,
}

/// `community.message.deleted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDeleted {
    pub message_id: MessageId,
}

/// `community.message.reported`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageReported {
    pub message_id: MessageId,
    /// The message's author, as events name users (see [`Actor`]).
    pub author_id: String,
    pub reason: String,
}

/// `community.reaction.added`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionChanged {
    pub message_id: MessageId,
    pub emoji: Emoji,
}

/// `community.reaction.removed`: also when the reaction was added, so a consumer
/// that scored it can take back exactly what it gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReactionRemoved {
    pub message_id: MessageId,
    pub emoji: Emoji,
    #[serde(
        serialize_with = "crate::time::serialize_time",
        deserialize_with = "crate::time::deserialize_time"
    )]
    pub added_at: i64,
}

/// `community.user.tier_changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierChanged {
    /// As events name users (see [`Actor`]).
    pub user_id: String,
    pub from: Tier,
    pub to: Tier,
    /// The tenant-wide score at the change, to three decimals.
    pub score: f64,
}

/// `community.user.erased`: the erasure of the user `actor.canonicalId` names
/// (by the pseudonym their events carried, now linked to nobody) completed, so
/// analytics tools can delete what they hold under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserErased {
    pub request_id: String,
}

/// `community.moderation.*`: the decision record as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionMade {
    pub decision_id: DecisionId,
    pub stage: Stage,
    /// As events name users (see [`Actor`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub categories: Vec<String>,
    /// Scores to three decimals, as the decision record keeps them.
    pub scores: BTreeMap<String, f64>,
    pub rule_version: String,
    pub enforced: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<i64>,
}

/// `community.poll.created`: a poll was put to the room (by a member, or by the
/// host's backend: actor `system`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollCreated {
    pub poll_id: PollId,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub results: ResultsShown,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    /// The moment on the host's screen the poll is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Moment>,
}

/// `community.poll.voted`: the actor voted (`previous` absent) or changed their
/// vote. Choices are indexes into the poll's options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollVoted {
    pub poll_id: PollId,
    pub choices: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Vec<u8>>,
}

/// `community.poll.closed`: the final tally and turnout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollClosed {
    pub poll_id: PollId,
    pub counts: Vec<u64>,
    pub voters: u64,
    /// `hand` (a moderator or the backend closed it) or `schedule` (its time came).
    pub closed_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Moment>,
}

/// The `data` of an event, typed by its type.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    RoomJoined(RoomJoined),
    RoomLeft(RoomLeft),
    MessageSent(MessageSent),
    MessageEdited(MessageEdited),
    MessageDeleted(MessageDeleted),
    MessageReported(MessageReported),
    ReactionAdded(ReactionChanged),
    ReactionRemoved(ReactionRemoved),
    TierChanged(TierChanged),
    UserErased(UserErased),
    PollCreated(PollCreated),
    PollVoted(PollVoted),
    PollClosed(PollClosed),
    Moderation(DecisionKind, DecisionMade),
}

/// An event's `data` did not fit its type.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("`{0}` is not a community event type")]
    UnknownType(String),
    #[error("data of `{event_type}` does not fit its schema")]
    Shape {
        event_type: String,
        #[source]
        source: serde_json::Error,
    },
}

impl EventData {
    pub fn event_type(&self) -> EventType {
        match self {
            EventData::RoomJoined(_) => EventType::RoomJoined,
            EventData::RoomLeft(_) => EventType::RoomLeft,
            EventData::MessageSent(_) => EventType::MessageSent,
            EventData::MessageEdited(_) => EventType::MessageEdited,
            EventData::MessageDeleted(_) => EventType::MessageDeleted,
            EventData::MessageReported(_) => EventType::MessageReported,
            EventData::ReactionAdded(_) => EventType::ReactionAdded,
            EventData::ReactionRemoved(_) => EventType::ReactionRemoved,
            EventData::TierChanged(_) => EventType::TierChanged,
            EventData::UserErased(_) => EventType::UserErased,
            EventData::PollCreated(_) => EventType::PollCreated,
            EventData::PollVoted(_) => EventType::PollVoted,
            EventData::PollClosed(_) => EventType::PollClosed,
            EventData::Moderation(kind, _) => EventType::Moderation(*kind),
        }
    }

    /// The `data` object as it goes into the envelope.
    pub fn to_value(&self) -> Value {
        let value = match self {
            EventData::RoomJoined(d) => serde_json::to_value(d),
            EventData::RoomLeft(d) => serde_json::to_value(d),
            EventData::MessageSent(d) => serde_json::to_value(d),
            EventData::MessageEdited(d) => serde_json::to_value(d),
            EventData::MessageDeleted(d) => serde_json::to_value(d),
            EventData::MessageReported(d) => serde_json::to_value(d),
            EventData::ReactionAdded(d) => serde_json::to_value(d),
            EventData::ReactionRemoved(d) => serde_json::to_value(d),
            EventData::TierChanged(d) => serde_json::to_value(d),
            EventData::UserErased(d) => serde_json::to_value(d),
            EventData::PollCreated(d) => serde_json::to_value(d),
            EventData::PollVoted(d) => serde_json::to_value(d),
            EventData::PollClosed(d) => serde_json::to_value(d),
            EventData::Moderation(_, d) => serde_json::to_value(d),
        };
        // These structs hold strings, numbers and string-keyed maps only.
        value.unwrap_or_default()
    }

    /// Reads `data` as the struct of `detail_type`.
    pub fn from_value(detail_type: &str, data: &Value) -> Result<Self, DataError> {
        let kind = EventType::from_detail_type(detail_type)
            .ok_or_else(|| DataError::UnknownType(detail_type.to_owned()))?;
        let shape = |source| DataError::Shape {
            event_type: detail_type.to_owned(),
            source,
        };
        fn read<T: serde::de::DeserializeOwned>(data: &Value) -> Result<T, serde_json::Error> {
            T::deserialize(data)
        }
        Ok(match kind {
            EventType::RoomJoined => EventData::RoomJoined(read(data).map_err(shape)?),
            EventType::RoomLeft => EventData::RoomLeft(read(data).map_err(shape)?),
            EventType::MessageSent => EventData::MessageSent(read(data).map_err(shape)?),
            EventType::MessageEdited => EventData::MessageEdited(read(data).map_err(shape)?),
            EventType::MessageDeleted => EventData::MessageDeleted(read(data).map_err(shape)?),
            EventType::MessageReported => EventData::MessageReported(read(data).map_err(shape)?),
            EventType::ReactionAdded => EventData::ReactionAdded(read(data).map_err(shape)?),
            EventType::ReactionRemoved => EventData::ReactionRemoved(read(data).map_err(shape)?),
            EventType::TierChanged => EventData::TierChanged(read(data).map_err(shape)?),
            EventType::UserErased => EventData::UserErased(read(data).map_err(shape)?),
            EventType::PollCreated => EventData::PollCreated(read(data).map_err(shape)?),
            EventType::PollVoted => EventData::PollVoted(read(data).map_err(shape)?),
            EventType::PollClosed => EventData::PollClosed(read(data).map_err(shape)?),
            EventType::Moderation(kind) => EventData::Moderation(kind, read(data).map_err(shape)?),
        })
    }
}

impl Envelope {
    /// The typed `data` of a community event.
    pub fn typed_data(&self) -> Result<EventData, DataError> {
        EventData::from_value(&self.event_type, &self.data)
    }
}

/// An event as EventBridge delivers it to a rule's target (an SQS message body, a
/// Lambda invocation): `detail-type` and the envelope as `detail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusEvent {
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub detail: Envelope,
}
