//! The wire protocol: client frames parsed into [`Command`]s, and server frames.
//!
//! Client frames carry `action`; server frames carry `type`. Any client frame may
//! carry `requestId`, echoed on the reply or error it causes. The names are a public
//! contract (see `docs/protocol.md`): extend them, never rename them.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Limits;
use crate::identity::{Role, UserId};
use crate::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, StoredMessage, ValueError,
};
use crate::moderation::record::{Priority, ReviewItem, ReviewStatus, SanctionKind};
use crate::ports::ConnectionId;
use crate::room::{Capability, RoomId, RoomMode};

/// Longest `requestId` accepted.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The error codes of error frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TooLarge,
    RateLimited,
    Conflict,
    Internal,
}

/// A client action, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Join {
        room: RoomId,
    },
    Leave {
        room: RoomId,
    },
    Send {
        room: RoomId,
        text: MessageText,
        client_msg_id: ClientMsgId,
        reply_to: Option<MessageId>,
    },
    React {
        room: RoomId,
        message_id: MessageId,
        emoji: Emoji,
        on: bool,
    },
    Typing {
        room: RoomId,
    },
    History {
        room: RoomId,
        before: Option<MessageId>,
        limit: Option<usize>,
    },
    Presence {
        room: RoomId,
    },
    Ping,
    Configure {
        room: RoomId,
        mode: RoomMode,
    },
    /// Moderators and admins act on a room, its messages and its users.
    Moderate {
        room: RoomId,
        op: ModerateOp,
    },
    /// A user reports a message.
    Report {
        room: RoomId,
        message_id: MessageId,
        reason: String,
    },
}

/// Longest `reason` of a report or a moderator's action.
pub const MAX_REASON_CHARS: usize = 500;

/// Longest sanction a moderator may give with a duration (365 days); without a
/// duration it lasts until lifted.
pub const MAX_SANCTION_SECS: u32 = 365 * 24 * 3600;

/// Longest slow-mode gap (one hour).
pub const MAX_SLOW_MODE_SECS: u32 = 3600;

/// Largest page of the review queue.
pub const MAX_REVIEW_PAGE: usize = 100;

/// Where a moderator's sanction applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SanctionScope {
    Room,
    Tenant,
}

/// What a moderator does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModerateOp {
    /// A held (or hidden) message goes to the room.
    Approve { message_id: MessageId },
    /// A held (or hidden) message is removed; its author is told.
    Reject { message_id: MessageId },
    /// Any message is retracted from everyone.
    Delete {
        message_id: MessageId,
        reason: Option<String>,
    },
    /// Mute, ban or shadow-ban a user, for `duration_s` or until lifted.
    Sanction {
        kind: SanctionKind,
        user: UserId,
        scope: SanctionScope,
        duration_s: Option<u32>,
        reason: Option<String>,
    },
    /// Unmute, unban, lift a shadow-ban.
    Lift {
        kind: SanctionKind,
        user: UserId,
        scope: SanctionScope,
    },
    /// Seconds between two messages of one member (0: off).
    SlowMode { seconds: u32 },
    /// The room's mode.
    Mode { mode: RoomMode },
    /// A page of the review queue.
    ReviewQueue {
        all_rooms: bool,
        status: Option<ReviewStatus>,
        priority: Option<Priority>,
        after: Option<MessageId>,
        limit: usize,
    },
}

impl ModerateOp {
    /// The `op` name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            ModerateOp::Approve { .. } => "approve",
            ModerateOp::Reject { .. } => "reject",
            ModerateOp::Delete { .. } => "delete",
            ModerateOp::Sanction { kind, .. } => kind.as_str(),
            ModerateOp::Lift { kind, .. } => match kind {
                SanctionKind::Mute => "unmute",
                SanctionKind::Ban => "unban",
                SanctionKind::ShadowBan => "unshadow_ban",
            },
            ModerateOp::SlowMode { .. } => "slow_mode",
            ModerateOp::Mode { .. } => "mode",
            ModerateOp::ReviewQueue { .. } => "review_queue",
        }
    }
}

impl Command {
    /// The `action` name of this command.
    pub fn action(&self) -> &'static str {
        match self {
            Command::Join { .. } => "join",
            Command::Leave { .. } => "leave",
            Command::Send { .. } => "send",
            Command::React { .. } => "react",
            Command::Typing { .. } => "typing",
            Command::History { .. } => "history",
            Command::Presence { .. } => "presence",
            Command::Ping => "ping",
            Command::Configure { .. } => "configure",
            Command::Moderate { .. } => "moderate",
            Command::Report { .. } => "report",
        }
    }
}

/// A parsed client frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFrame {
    pub request_id: Option<String>,
    pub command: Command,
}

/// An error to send back as an `error` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    pub code: ErrorCode,
    pub message: String,
    pub action: Option<String>,
    pub request_id: Option<String>,
    pub client_msg_id: Option<String>,
    pub retry_after_ms: Option<u64>,
}

impl FrameError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            action: None,
            request_id: None,
            client_msg_id: None,
            retry_after_ms: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// The frame clients receive.
    pub fn to_frame(&self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message.clone(),
            action: self.action.clone(),
            request_id: self.request_id.clone(),
            client_msg_id: self.client_msg_id.clone(),
            retry_after_ms: self.retry_after_ms,
        }
    }
}

impl From<ValueError> for FrameError {
    fn from(e: ValueError) -> Self {
        match e {
            ValueError::Invalid(m) => FrameError::bad_request(m),
            ValueError::TooLarge(m) => FrameError::new(ErrorCode::TooLarge, m),
        }
    }
}

#[derive(Deserialize)]
struct RoomDto {
    room: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendDto {
    room: String,
    text: String,
    client_msg_id: String,
    #[serde(default)]
    reply_to: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReactDto {
    room: String,
    message_id: String,
    emoji: String,
    on: bool,
}

#[derive(Deserialize)]
struct HistoryDto {
    room: String,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModerateDto {
    room: String,
    op: String,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    duration_s: Option<i64>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    seconds: Option<i64>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    all_rooms: Option<bool>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportDto {
    room: String,
    message_id: String,
    reason: String,
}

fn reason(raw: Option<String>) -> Result<Option<String>, FrameError> {
    match raw.map(|r| r.trim().to_owned()) {
        None => Ok(None),
        Some(r) if r.is_empty() => Ok(None),
        Some(r) if r.chars().count() > MAX_REASON_CHARS => Err(FrameError::bad_request(format!(
            "reason must be at most {MAX_REASON_CHARS} characters"
        ))),
        Some(r) if r.chars().any(|c| c.is_control() && c != '\n') => Err(FrameError::bad_request(
            "reason must not contain control characters",
        )),
        Some(r) => Ok(Some(r)),
    }
}

fn parse_moderate_op(d: ModerateDto) -> Result<ModerateOp, FrameError> {
    let op = d.op.as_str();
    let need = |field: &str| FrameError::bad_request(format!("op `{op}` needs `{field}`"));
    let message_id = || -> Result<MessageId, FrameError> {
        Ok(MessageId::parse(
            d.message_id.as_deref().ok_or_else(|| need("messageId"))?,
        )?)
    };
    let user = || -> Result<UserId, FrameError> {
        let raw = d.user_id.as_deref().ok_or_else(|| need("userId"))?;
        UserId::parse(raw).map_err(|e| FrameError::bad_request(format!("userId: {e}")))
    };
    let scope = || -> Result<SanctionScope, FrameError> {
        match d.scope.as_deref() {
            None | Some("room") => Ok(SanctionScope::Room),
            Some("tenant") => Ok(SanctionScope::Tenant),
            Some(_) => Err(FrameError::bad_request("scope must be room or tenant")),
        }
    };
    let sanction = |kind: SanctionKind| -> Result<ModerateOp, FrameError> {
        let duration_s = match d.duration_s {
            None => None,
            Some(s) if (1..=i64::from(MAX_SANCTION_SECS)).contains(&s) => Some(s as u32),
            Some(_) => {
                return Err(FrameError::bad_request(format!(
                    "durationS must be 1 to {MAX_SANCTION_SECS} seconds (leave it out for until lifted)"
                )))
            }
        };
        Ok(ModerateOp::Sanction {
            kind,
            user: user()?,
            scope: scope()?,
            duration_s,
            reason: reason(d.reason.clone())?,
        })
    };
    let lift = |kind: SanctionKind| -> Result<ModerateOp, FrameError> {
        Ok(ModerateOp::Lift {
            kind,
            user: user()?,
            scope: scope()?,
        })
    };
    Ok(match op {
        "approve" => ModerateOp::Approve {
            message_id: message_id()?,
        },
        "reject" => ModerateOp::Reject {
            message_id: message_id()?,
        },
        "delete" => ModerateOp::Delete {
            message_id: message_id()?,
            reason: reason(d.reason.clone())?,
        },
        "mute" => sanction(SanctionKind::Mute)?,
        "ban" => sanction(SanctionKind::Ban)?,
        "shadow_ban" => sanction(SanctionKind::ShadowBan)?,
        "unmute" => lift(SanctionKind::Mute)?,
        "unban" => lift(SanctionKind::Ban)?,
        "unshadow_ban" => lift(SanctionKind::ShadowBan)?,
        "slow_mode" => ModerateOp::SlowMode {
            seconds: match d.seconds {
                Some(s) if (0..=i64::from(MAX_SLOW_MODE_SECS)).contains(&s) => s as u32,
                Some(_) => {
                    return Err(FrameError::bad_request(format!(
                        "seconds must be 0 (off) to {MAX_SLOW_MODE_SECS}"
                    )))
                }
                None => return Err(need("seconds")),
            },
        },
        "mode" => ModerateOp::Mode {
            mode: RoomMode::parse(d.mode.as_deref().ok_or_else(|| need("mode"))?).ok_or_else(
                || FrameError::bad_request("mode must be one of open, stage, readonly"),
            )?,
        },
        "review_queue" => ModerateOp::ReviewQueue {
            all_rooms: d.all_rooms.unwrap_or(false),
            status: match d.status.as_deref() {
                None => Some(ReviewStatus::Pending),
                Some("any") => None,
                Some(raw) => Some(ReviewStatus::parse(raw).ok_or_else(|| {
                    FrameError::bad_request(
                        "status must be one of pending, approved, rejected, removed, any",
                    )
                })?),
            },
            priority: match d.priority.as_deref() {
                None => None,
                Some(raw) => Some(Priority::parse(raw).ok_or_else(|| {
                    FrameError::bad_request("priority must be one of low, normal, high")
                })?),
            },
            after: d.after.as_deref().map(MessageId::parse).transpose()?,
            limit: match d.limit {
                None => 50,
                Some(l) if (1..=MAX_REVIEW_PAGE as i64).contains(&l) => l as usize,
                Some(_) => {
                    return Err(FrameError::bad_request(format!(
                        "limit must be 1 to {MAX_REVIEW_PAGE}"
                    )))
                }
            },
        },
        _ => {
            return Err(FrameError::bad_request(
                "op must be one of approve, reject, delete, mute, unmute, ban, unban, shadow_ban, unshadow_ban, slow_mode, mode, review_queue",
            ))
        }
    })
}

#[derive(Deserialize)]
struct ConfigureDto {
    room: String,
    mode: String,
}

fn dto<T: DeserializeOwned>(map: &Map<String, Value>) -> Result<T, FrameError> {
    // Serde's messages name the field and the expected type, e.g.
    // "missing field `room`" or "invalid type: integer `5`, expected a string".
    T::deserialize(Value::Object(map.clone())).map_err(|e| FrameError::bad_request(e.to_string()))
}

fn room(raw: &str) -> Result<RoomId, FrameError> {
    RoomId::parse(raw).map_err(|e| FrameError::bad_request(e.to_string()))
}

/// Parses a client frame. Every failure is a [`FrameError`] carrying whatever
/// `action`, `requestId` and `clientMsgId` could be read, so the client can match it.
pub fn parse_frame(body: &str, limits: &Limits) -> Result<ClientFrame, FrameError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|_| FrameError::bad_request("frame is not valid JSON"))?;
    let Value::Object(map) = value else {
        return Err(FrameError::bad_request("frame must be a JSON object"));
    };
    let mut echo = FrameError::bad_request("");
    echo.client_msg_id = map.get("clientMsgId").and_then(Value::as_str).map(|s| {
        s.chars()
            .take(crate::message::MAX_CLIENT_MSG_ID_LEN)
            .collect()
    });
    echo.action = map
        .get("action")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(32).collect());
    let request_id_error = match map.get("requestId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN => {
            echo.request_id = Some(id.clone());
            None
        }
        Some(_) => Some(FrameError::bad_request(format!(
            "requestId must be a string of 1 to {MAX_REQUEST_ID_LEN} characters"
        ))),
    };
    let fail = |mut err: FrameError| {
        err.action = echo.action.clone();
        err.client_msg_id = echo.client_msg_id.clone();
        err.request_id = echo.request_id.clone();
        err
    };
    if let Some(err) = request_id_error {
        return Err(fail(err));
    }
    let action = match map.get("action") {
        Some(Value::String(a)) => a.as_str(),
        Some(_) => return Err(fail(FrameError::bad_request("`action` must be a string"))),
        None => return Err(fail(FrameError::bad_request("missing `action`"))),
    };
    let command = parse_command(action, &map, limits).map_err(fail)?;
    Ok(ClientFrame {
        request_id: echo.request_id.clone(),
        command,
    })
}

fn parse_command(
    action: &str,
    map: &Map<String, Value>,
    limits: &Limits,
) -> Result<Command, FrameError> {
    Ok(match action {
        "join" => Command::Join {
            room: room(&dto::<RoomDto>(map)?.room)?,
        },
        "leave" => Command::Leave {
            room: room(&dto::<RoomDto>(map)?.room)?,
        },
        "typing" => Command::Typing {
            room: room(&dto::<RoomDto>(map)?.room)?,
        },
        "presence" => Command::Presence {
            room: room(&dto::<RoomDto>(map)?.room)?,
        },
        "ping" => Command::Ping,
        "send" => {
            let d: SendDto = dto(map)?;
            Command::Send {
                room: room(&d.room)?,
                client_msg_id: ClientMsgId::parse(&d.client_msg_id)?,
                text: MessageText::parse(&d.text, limits.max_text_chars)?,
                reply_to: d.reply_to.as_deref().map(MessageId::parse).transpose()?,
            }
        }
        "react" => {
            let d: ReactDto = dto(map)?;
            Command::React {
                room: room(&d.room)?,
                message_id: MessageId::parse(&d.message_id)?,
                emoji: Emoji::parse(&d.emoji)?,
                on: d.on,
            }
        }
        "history" => {
            let d: HistoryDto = dto(map)?;
            let limit = match d.limit {
                None => None,
                Some(n) if n >= 1 && n as usize <= limits.history_max => Some(n as usize),
                Some(_) => {
                    return Err(FrameError::bad_request(format!(
                        "limit must be between 1 and {}",
                        limits.history_max
                    )))
                }
            };
            Command::History {
                room: room(&d.room)?,
                before: d.before.as_deref().map(MessageId::parse).transpose()?,
                limit,
            }
        }
        "configure" => {
            let d: ConfigureDto = dto(map)?;
            Command::Configure {
                room: room(&d.room)?,
                mode: RoomMode::parse(&d.mode).ok_or_else(|| {
                    FrameError::bad_request("mode must be one of open, stage, readonly")
                })?,
            }
        }
        "moderate" => {
            let d: ModerateDto = dto(map)?;
            Command::Moderate {
                room: room(&d.room)?,
                op: parse_moderate_op(d)?,
            }
        }
        "report" => {
            let d: ReportDto = dto(map)?;
            Command::Report {
                room: room(&d.room)?,
                message_id: MessageId::parse(&d.message_id)?,
                reason: reason(Some(d.reason))?
                    .ok_or_else(|| FrameError::bad_request("reason must not be empty"))?,
            }
        }
        other => {
            return Err(FrameError::bad_request(format!(
                "unknown action `{}`",
                other.chars().take(32).collect::<String>()
            )))
        }
    })
}

/// Serialises milliseconds since the epoch with [`format_time`].
pub fn serialize_time<S: serde::Serializer>(ms: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*ms))
}

/// RFC 3339 UTC with exactly three fractional digits, e.g. `2026-11-21T07:50:00.120Z`
/// (a fixed width, so the strings also sort as times).
pub fn format_time(ms: i64) -> String {
    let seconds = DateTime::from_secs(ms.div_euclid(1000))
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default();
    format!(
        "{}.{:03}Z",
        seconds.trim_end_matches('Z'),
        ms.rem_euclid(1000)
    )
}

/// A message as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: MessageId,
    pub room: RoomId,
    pub author: Author,
    pub text: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reactions: BTreeMap<String, u64>,
    /// Only the author sees a held message, marked pending until a moderator decides.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

impl From<&StoredMessage> for MessageView {
    fn from(m: &StoredMessage) -> Self {
        Self {
            id: m.id,
            room: m.room.clone(),
            author: m.author.clone(),
            text: m.text.as_str().to_owned(),
            created_at: format_time(m.created_at_ms),
            reply_to: m.reply_to,
            pending: m.visibility == crate::message::Visibility::Held,
            reactions: m
                .reactions
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }
}

/// A user as presence lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

/// Who is in a room: a count of users (not connections), and the users themselves
/// unless the room is large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceView {
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserView>>,
}

/// The outcome of a send, in `ack.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AckStatus {
    Delivered,
    Masked,
    Held,
    Shadowed,
    Blocked,
}

/// Every frame the server sends. Serialised with `type` and camelCase fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum ServerFrame {
    Joined {
        room: RoomId,
        role: Role,
        mode: RoomMode,
        /// Seconds between two messages of one member (0: off).
        slow_mode_s: u32,
        capabilities: Vec<Capability>,
        presence: PresenceView,
        history: Vec<MessageView>,
        next: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Left {
        room: RoomId,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Ack {
        client_msg_id: ClientMsgId,
        /// Absent when the message was blocked (nothing was stored).
        #[serde(skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
        status: AckStatus,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        duplicate: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Message {
        #[serde(flatten)]
        message: MessageView,
    },
    Reaction {
        room: RoomId,
        message_id: MessageId,
        emoji: Emoji,
        count: u64,
        on: bool,
        user: UserView,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Typing {
        room: RoomId,
        user: UserView,
    },
    History {
        room: RoomId,
        messages: Vec<MessageView>,
        next: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Presence {
        room: RoomId,
        #[serde(flatten)]
        presence: PresenceView,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Pong {
        connection_id: ConnectionId,
        server_time: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A moderator's action took effect (to the moderator).
    Moderated {
        room: RoomId,
        op: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        user_id: Option<UserId>,
        /// When a sanction ends; absent when it lasts until lifted.
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A page of the review queue (to the moderator).
    ReviewQueue {
        room: RoomId,
        items: Vec<ReviewItem>,
        next: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// A report was taken (to the reporter). `duplicate` when they had already
    /// reported the message.
    Reported {
        room: RoomId,
        message_id: MessageId,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        duplicate: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The user was muted (to their connections).
    Sanctioned {
        /// Absent for a tenant-wide sanction.
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<RoomId>,
        sanction: SanctionKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A message the client may have shown is gone (rejected or removed).
    MessageRemoved {
        room: RoomId,
        message_id: MessageId,
    },
    /// A room's settings changed (`configure`, `moderate` `mode` / `slow_mode`).
    Room {
        room: RoomId,
        mode: RoomMode,
        slow_mode_s: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerFrame {
    /// The JSON text sent on the socket.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising these types cannot fail: every map key is a string.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<ClientFrame, FrameError> {
        parse_frame(body, &Limits::default())
    }

    #[test]
    fn every_action_parses() {
        let id = MessageId::new_v7();
        let frames = [
            r#"{"action":"join","room":"match:1","requestId":"r1"}"#.to_owned(),
            r#"{"action":"leave","room":"match:1"}"#.to_owned(),
            r#"{"action":"send","room":"match:1","text":"hi","clientMsgId":"c1"}"#.to_owned(),
            format!(
                r#"{{"action":"send","room":"m","text":"hi","clientMsgId":"c1","replyTo":"{id}"}}"#
            ),
            format!(r#"{{"action":"react","room":"m","messageId":"{id}","emoji":"👍","on":true}}"#),
            r#"{"action":"typing","room":"m"}"#.to_owned(),
            format!(r#"{{"action":"history","room":"m","before":"{id}","limit":10}}"#),
            r#"{"action":"presence","room":"m"}"#.to_owned(),
            r#"{"action":"ping"}"#.to_owned(),
            r#"{"action":"configure","room":"m","mode":"stage"}"#.to_owned(),
        ];
        for f in frames {
            assert!(parse(&f).is_ok(), "{f}: {:?}", parse(&f));
        }
        assert_eq!(
            parse(r#"{"action":"join","room":"match:1","requestId":"r1"}"#)
                .unwrap()
                .request_id
                .as_deref(),
            Some("r1")
        );
    }

    #[test]
    fn bad_frames_get_clear_errors_with_echoes() {
        let e = parse("hello").unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert!(e.message.contains("JSON"));

        let e = parse("[1,2]").unwrap_err();
        assert!(e.message.contains("object"));

        let e = parse(r#"{"action":"dance","requestId":"r9"}"#).unwrap_err();
        assert!(e.message.contains("unknown action `dance`"));
        assert_eq!(e.request_id.as_deref(), Some("r9"));
        assert_eq!(e.action.as_deref(), Some("dance"));

        let e = parse(r#"{"action":"send","room":"m","clientMsgId":"c7"}"#).unwrap_err();
        assert!(e.message.contains("text"), "{}", e.message);
        assert_eq!(e.client_msg_id.as_deref(), Some("c7"));

        let e = parse(r#"{"action":"join","room":5}"#).unwrap_err();
        assert!(e.message.contains("invalid type"), "{}", e.message);

        let e = parse(r#"{"action":"join","room":"bad room"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);

        let long = "x".repeat(2001);
        let e = parse(&format!(
            r#"{{"action":"send","room":"m","text":"{long}","clientMsgId":"c"}}"#
        ))
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::TooLarge);

        let e = parse(r#"{"action":"send","room":"m","text":"  ","clientMsgId":"c"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);

        let e = parse(r#"{"action":"history","room":"m","limit":101}"#).unwrap_err();
        assert!(e.message.contains("limit"));

        let e = parse(r#"{"action":"ping","requestId":7}"#).unwrap_err();
        assert!(e.message.contains("requestId"));
    }

    #[test]
    fn server_frames_use_type_and_camel_case() {
        let frame = ServerFrame::Pong {
            connection_id: ConnectionId::parse("abc").unwrap(),
            server_time: format_time(0),
            request_id: Some("r".into()),
        };
        let v: Value = serde_json::from_slice(&frame.to_bytes()).unwrap();
        assert_eq!(v["type"], "pong");
        assert_eq!(v["connectionId"], "abc");
        assert_eq!(v["serverTime"], "1970-01-01T00:00:00.000Z");
        assert_eq!(format_time(1_795_248_000_120), "2026-11-21T08:00:00.120Z");
        assert_eq!(v["requestId"], "r");

        let err = FrameError::new(ErrorCode::RateLimited, "slow down").to_frame();
        let v: Value = serde_json::from_slice(&err.to_bytes()).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], "rate_limited");
    }
}
