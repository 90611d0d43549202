//! Typed community events: the catalogue, the envelope, and the mapping from the
//! community table's stream (the outbox) to events.
//!
//! Every `eventId` is derived from the stored record alone (its keys and the time
//! the item carries), so a replayed or redelivered stream record yields the same
//! id and consumers can drop the repeat.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::moderation::record::DecisionKind;
use crate::protocol::format_time;
use crate::stream::{AttrValue, Image, StreamRecord};

/// Version of every envelope and `data` shape below; bumped on breaking changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Namespace of event ids (UUIDv5). Changing it would break deduplication.
const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x5d1d_e11e_e7e0_4a11_8c0d_e7e2_75ca_7a10);

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
    /// A moderation decision (`community.moderation.*`), from the decision record.
    Moderation(DecisionKind),
}

impl EventType {
    pub const ALL: [EventType; 23] = [
        EventType::RoomJoined,
        EventType::RoomLeft,
        EventType::MessageSent,
        EventType::MessageEdited,
        EventType::MessageDeleted,
        EventType::MessageReported,
        EventType::ReactionAdded,
        EventType::ReactionRemoved,
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
    ];

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
            // `user_muted`, `user_banned`, `message_blocked`, …
            EventType::Moderation(kind) => kind.as_str(),
        }
    }

    pub fn from_detail_type(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.detail_type() == raw)
    }
}

/// Who caused an event.
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

/// A stream record that looks like an interaction but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stream record {sequence}: {reason}")]
pub struct MapError {
    pub sequence: String,
    pub reason: String,
}

struct Fields<'a> {
    image: &'a Image,
    sequence: &'a str,
}

impl<'a> Fields<'a> {
    fn str(&self, name: &str) -> Result<&'a str, MapError> {
        match self.image.get(name) {
            Some(AttrValue::S(v)) => Ok(v),
            _ => Err(self.missing(name)),
        }
    }

    fn opt_str(&self, name: &str) -> Option<&'a str> {
        match self.image.get(name) {
            Some(AttrValue::S(v)) => Some(v),
            _ => None,
        }
    }

    fn num(&self, name: &str) -> Result<i64, MapError> {
        match self.image.get(name) {
            Some(AttrValue::N(v)) => v.parse().map_err(|_| self.missing(name)),
            _ => Err(self.missing(name)),
        }
    }

    fn missing(&self, name: &str) -> MapError {
        MapError {
            sequence: self.sequence.to_owned(),
            reason: format!("missing or mistyped `{name}`"),
        }
    }
}

fn event_id(kind: EventType, keys: &str, discriminator: &str) -> String {
    derived_id(&format!(
        "{}\u{1f}{keys}\u{1f}{discriminator}",
        kind.detail_type()
    ))
}

/// A deterministic event id (UUIDv5) for a name that identifies one occurrence.
pub fn derived_id(name: &str) -> String {
    derived_uuid(name).as_hyphenated().to_string()
}

/// [`derived_id`] as a UUID.
pub fn derived_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&EVENT_NAMESPACE, name.as_bytes())
}

fn key_text(fields: &Fields<'_>) -> Result<String, MapError> {
    Ok(format!("{}\u{1f}{}", fields.str("PK")?, fields.str("SK")?))
}

/// The `data` of a `community.moderation.*` event: the decision record as kept.
fn decision_data(f: &Fields<'_>) -> Result<Value, MapError> {
    let mut data = Map::new();
    data.insert("decisionId".into(), json!(f.str("decisionId")?));
    data.insert("stage".into(), json!(f.str("stage")?));
    for (attr, field) in [
        ("subjectId", "subjectId"),
        ("messageId", "messageId"),
        ("reason", "reason"),
    ] {
        if let Some(v) = f.opt_str(attr) {
            data.insert(field.into(), json!(v));
        }
    }
    let categories: Vec<&str> = match f.image.get("categories") {
        Some(AttrValue::L(list)) => list
            .iter()
            .filter_map(|v| match v {
                AttrValue::S(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    data.insert("categories".into(), json!(categories));
    let mut scores = Map::new();
    if let Some(AttrValue::M(map)) = f.image.get("scores") {
        for (name, v) in map {
            if let AttrValue::N(raw) = v {
                if let Ok(score) = raw.parse::<f64>() {
                    scores.insert(name.clone(), json!(score));
                }
            }
        }
    }
    data.insert("scores".into(), Value::Object(scores));
    data.insert("ruleVersion".into(), json!(f.str("ruleVersion")?));
    data.insert(
        "enforced".into(),
        json!(!matches!(
            f.image.get("enforced"),
            Some(AttrValue::Bool(false))
        )),
    );
    if let Ok(duration) = f.num("durationS") {
        data.insert("durationS".into(), json!(duration));
    }
    Ok(Value::Object(data))
}

/// Maps one stream record to its event; `Ok(None)` for changes that are not
/// interactions (connections, rate counters, idempotency keys, refreshes).
pub fn from_stream_record(record: &StreamRecord) -> Result<Option<Envelope>, MapError> {
    let change = &record.dynamodb;
    let sequence = change.sequence_number.as_str();
    let image = match record.event_name.as_str() {
        "INSERT" | "MODIFY" => change.new_image.as_ref(),
        "REMOVE" => change.old_image.as_ref(),
        _ => return Ok(None),
    };
    let Some(image) = image else {
        return Err(MapError {
            sequence: sequence.to_owned(),
            reason: "no item image: the stream must carry new and old images".into(),
        });
    };
    let f = Fields { image, sequence };
    let Some(kind) = f.opt_str("kind") else {
        return Ok(None);
    };
    let change_ms = change
        .approximate_creation_date_time
        .map(|s| (s * 1000.0) as i64);
    let (event, discriminator, actor, role, occurred_ms, data) = match (
        kind,
        record.event_name.as_str(),
    ) {
        ("member", "INSERT") => {
            let joined = f.num("joinedAt")?;
            (
                EventType::RoomJoined,
                joined.to_string(),
                f.str("userId")?,
                f.str("role")?,
                joined,
                json!({"connectionId": f.str("connectionId")?}),
            )
        }
        ("member", "REMOVE") => {
            let reason = if record.is_ttl_removal() {
                "expired"
            } else {
                "left"
            };
            (
                EventType::RoomLeft,
                f.num("joinedAt")?.to_string(),
                f.str("userId")?,
                f.str("role")?,
                change_ms.unwrap_or(f.num("joinedAt")?),
                json!({"connectionId": f.str("connectionId")?, "reason": reason}),
            )
        }
        ("message", "INSERT") => {
            let text = f.str("text")?;
            let mut data = json!({"messageId": f.str("messageId")?, "text": text, "textLength": text.chars().count(), "visibility": f.opt_str("visibility").unwrap_or("public")});
            if let Some(reply_to) = f.opt_str("replyTo") {
                data["replyTo"] = json!(reply_to);
            }
            (
                EventType::MessageSent,
                String::new(),
                f.str("authorId")?,
                f.str("authorRole")?,
                f.num("createdAt")?,
                data,
            )
        }
        ("message", "MODIFY") => {
            let old_text = change
                .old_image
                .as_ref()
                .and_then(|old| match old.get("text") {
                    Some(AttrValue::S(t)) => Some(t.as_str()),
                    _ => None,
                });
            let text = f.str("text")?;
            if old_text == Some(text) {
                return Ok(None); // a reaction count changed, not the message
            }
            (
                EventType::MessageEdited,
                sequence.to_owned(),
                f.str("authorId")?,
                f.str("authorRole")?,
                change_ms.unwrap_or(f.num("createdAt")?),
                json!({"messageId": f.str("messageId")?, "text": text, "textLength": text.chars().count()}),
            )
        }
        ("message", "REMOVE") => (
            EventType::MessageDeleted,
            String::new(),
            f.str("authorId")?,
            f.str("authorRole")?,
            change_ms.unwrap_or(f.num("createdAt")?),
            json!({"messageId": f.str("messageId")?}),
        ),
        ("report", "INSERT") => {
            let created = f.num("createdAt")?;
            (
                EventType::MessageReported,
                String::new(),
                f.str("userId")?,
                f.str("role")?,
                created,
                json!({"messageId": f.str("messageId")?, "authorId": f.str("authorId")?, "reason": f.str("reason")?}),
            )
        }
        ("moderation", "INSERT") => {
            let raw = f.str("decision")?;
            let decision = DecisionKind::parse(raw).ok_or_else(|| MapError {
                sequence: sequence.to_owned(),
                reason: format!("unknown decision `{raw}`"),
            })?;
            (
                EventType::Moderation(decision),
                String::new(),
                f.opt_str("actorId").unwrap_or("system"),
                f.str("actorRole")?,
                f.num("createdAt")?,
                decision_data(&f)?,
            )
        }
        ("reaction", "INSERT") => {
            let created = f.num("createdAt")?;
            (
                EventType::ReactionAdded,
                created.to_string(),
                f.str("userId")?,
                f.str("role")?,
                created,
                json!({"messageId": f.str("messageId")?, "emoji": f.str("emoji")?}),
            )
        }
        ("reaction", "REMOVE") => (
            EventType::ReactionRemoved,
            f.num("createdAt")?.to_string(),
            f.str("userId")?,
            f.str("role")?,
            change_ms.unwrap_or(f.num("createdAt")?),
            json!({"messageId": f.str("messageId")?, "emoji": f.str("emoji")?}),
        ),
        _ => return Ok(None),
    };
    let id = event_id(event, &key_text(&f)?, &discriminator);
    let mut meta = Map::new();
    meta.insert("source".into(), json!("stream"));
    if matches!(event, EventType::MessageSent | EventType::MessageEdited) {
        meta.insert("messageType".into(), json!("text"));
    }

    Ok(Some(Envelope {
        correlation_id: f
            .opt_str("correlationId")
            .map(str::to_owned)
            .unwrap_or_else(|| id.clone()),
        event_id: id,
        event_type: event.detail_type().to_owned(),
        analytics_name: event.analytics_name().to_owned(),
        schema_version: SCHEMA_VERSION,
        occurred_at: format_time(occurred_ms),
        tenant_id: f.str("tenant")?.to_owned(),
        room_id: f.opt_str("room").map(str::to_owned),
        actor: Actor {
            canonical_id: actor.to_owned(),
            role: role.to_owned(),
        },
        data,
        meta,
    }))
}
