//! Client frames: JSON objects with an `action`, parsed into a [`Command`] — one
//! struct per action — or a [`FrameError`] that says what was wrong.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde::Serialize;
use serde_json::{Map, Value};
use sideline_domain::config::Limits;
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::message::{ClientMsgId, Emoji, MessageId, MessageText, MAX_CLIENT_MSG_ID_LEN};
use sideline_domain::moderation::{Priority, ReviewStatus, SanctionKind};
use sideline_domain::poll::{
    check_poll, Moment, Poll as StoredPoll, PollActor, PollId, ResultsShown, MAX_OPTIONS,
    MAX_POLL_MS,
};
use sideline_domain::room::RoomMode;
use sideline_domain::scoring::Window;
use sideline_domain::time::parse_instant;

use crate::error::{FrameError, MAX_REQUEST_ID_LEN};

/// A client action, validated: one struct per action, as the `action` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Join(Join),
    Leave(Leave),
    Send(Send),
    React(React),
    Typing(Typing),
    History(History),
    Presence(Presence),
    Ping(Ping),
    Configure(Configure),
    /// Moderators and admins act on a room, its messages and its users.
    Moderate(Moderate),
    /// A user reports a message.
    Report(Report),
    /// The caller's engagement score and tier.
    Score(Score),
    /// A page of a leaderboard.
    Leaderboard(Leaderboard),
    /// Create, vote in or close a poll.
    Poll(Poll),
}

/// `join`: enter a room (created on first join).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub room: RoomId,
}

/// `leave`: exit a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub room: RoomId,
}

/// `send`: post a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    pub room: RoomId,
    pub text: MessageText,
    pub client_msg_id: ClientMsgId,
    pub reply_to: Option<MessageId>,
}

/// `react`: turn a reaction on or off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct React {
    pub room: RoomId,
    pub message_id: MessageId,
    pub emoji: Emoji,
    pub on: bool,
}

/// `typing`: tell the others someone is writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    pub room: RoomId,
}

/// `history`: a page of older messages (`before`, or the latest), or of the
/// messages after one the client saw (`after`: catching up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub room: RoomId,
    pub before: Option<MessageId>,
    pub after: Option<MessageId>,
    pub limit: Option<usize>,
}

/// `presence`: who is in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub room: RoomId,
}

/// `ping`: liveness and clock check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ping;

/// `configure`: set a room's mode (admins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configure {
    pub room: RoomId,
    pub mode: RoomMode,
}

/// `moderate`: a moderator's action on a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderate {
    pub room: RoomId,
    pub op: ModerateOp,
}

/// `report`: a user reports a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub room: RoomId,
    pub message_id: MessageId,
    pub reason: String,
}

/// `score`: the caller's engagement score and tier (a `score` frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score;

/// `leaderboard`: a page of the tenant's board, or a room's; `cursor` is the
/// previous page's `next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaderboard {
    pub room: Option<RoomId>,
    /// A windowed board (`week`, `month`) instead of the all-time one; not with
    /// `room`.
    pub window: Option<Window>,
    /// The window's period (`2026-W49`, `2026-12`); default: the current one.
    pub period: Option<String>,
    pub limit: u32,
    pub cursor: Option<String>,
}

/// `poll`: create a poll in a room, vote in one, or close one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    pub room: RoomId,
    pub op: PollOp,
}

/// What a `poll` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOp {
    Create {
        question: String,
        options: Vec<String>,
        multiple: bool,
        results: ResultsShown,
        /// When it closes by itself; `None`: closed by hand.
        closes: Option<PollClose>,
        context: Option<Moment>,
    },
    /// Indexes of the chosen options (checked against the poll when applied).
    Vote {
        poll_id: PollId,
        choices: Vec<i64>,
    },
    Close {
        poll_id: PollId,
    },
}

/// When a new poll closes by itself: after a while, or at a time (checked
/// against the clock when applied: in the future, at most a week ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollClose {
    AfterMs(i64),
    AtMs(i64),
}

impl PollClose {
    /// The closing time for a poll created at `now_ms`, or why it is refused.
    pub fn at(self, now_ms: i64) -> Result<i64, FrameError> {
        let at = match self {
            PollClose::AfterMs(ms) => now_ms + ms,
            PollClose::AtMs(at) => at,
        };
        if at <= now_ms || at - now_ms > MAX_POLL_MS {
            return Err(FrameError::bad_request(
                "closesAt must be in the future, at most a week ahead",
            ));
        }
        Ok(at)
    }
}

impl PollOp {
    /// The poll a `create` makes in `room` at `now_ms`, by `by`; `bad_request`
    /// for another op or a closing time out of range.
    pub fn new_poll(
        self,
        tenant: &TenantId,
        room: &RoomId,
        by: PollActor,
        now_ms: i64,
        correlation_id: Option<String>,
    ) -> Result<StoredPoll, FrameError> {
        let PollOp::Create {
            question,
            options,
            multiple,
            results,
            closes,
            context,
        } = self
        else {
            return Err(FrameError::bad_request("not a poll to create"));
        };
        Ok(StoredPoll {
            tenant: tenant.clone(),
            room: room.clone(),
            id: PollId::at(now_ms),
            question,
            counts: vec![0; options.len()],
            options,
            multiple,
            results,
            closes_at_ms: closes.map(|c| c.at(now_ms)).transpose()?,
            created_by: by,
            created_at_ms: now_ms,
            context,
            voters: 0,
            closed_at_ms: None,
            closed_by: None,
            correlation_id,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            PollOp::Create { .. } => "create",
            PollOp::Vote { .. } => "vote",
            PollOp::Close { .. } => "close",
        }
    }
}

/// Longest a poll may stay open by itself, in seconds (a week).
pub const MAX_POLL_SECS: i64 = MAX_POLL_MS / 1000;

/// Most entries in one page of a leaderboard; and the default.
pub const MAX_BOARD_PAGE: u32 = 100;
pub const DEFAULT_BOARD_PAGE: u32 = 10;

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
            Command::Join(_) => "join",
            Command::Leave(_) => "leave",
            Command::Send(_) => "send",
            Command::React(_) => "react",
            Command::Typing(_) => "typing",
            Command::History(_) => "history",
            Command::Presence(_) => "presence",
            Command::Ping(_) => "ping",
            Command::Configure(_) => "configure",
            Command::Moderate(_) => "moderate",
            Command::Report(_) => "report",
            Command::Score(_) => "score",
            Command::Leaderboard(_) => "leaderboard",
            Command::Poll(_) => "poll",
        }
    }

    /// The `clientMsgId` of a `send`, echoed on its errors.
    pub fn client_msg_id(&self) -> Option<&ClientMsgId> {
        match self {
            Command::Send(send) => Some(&send.client_msg_id),
            _ => None,
        }
    }
}

/// A parsed client frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFrame {
    pub request_id: Option<String>,
    pub command: Command,
}

#[derive(Deserialize)]
struct RoomDto {
    room: String,
}

#[derive(Deserialize)]
struct LeaderboardDto {
    #[serde(default)]
    room: Option<String>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    period: Option<String>,
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
    after: Option<String>,
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
#[serde(rename_all = "camelCase")]
struct PollDto {
    room: String,
    op: String,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    multiple: Option<bool>,
    #[serde(default)]
    results: Option<String>,
    #[serde(default)]
    closes_in_s: Option<i64>,
    #[serde(default)]
    closes_at: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    poll_id: Option<String>,
    #[serde(default)]
    choices: Option<Vec<i64>>,
    #[serde(default)]
    choice: Option<i64>,
}

/// Reads a new poll as the server API takes it: the fields of a `poll` `create`
/// as one JSON object (no `action`, `room` or `op`).
pub fn parse_new_poll(body: &Map<String, Value>) -> Result<PollOp, FrameError> {
    const FIELDS: [&str; 8] = [
        "question",
        "options",
        "multiple",
        "results",
        "closesInS",
        "closesAt",
        "context",
        "requestId",
    ];
    if let Some(key) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(FrameError::bad_request(format!(
            "unknown field `{:.32}` (expected one of {})",
            key,
            FIELDS[..7].join(", ")
        )));
    }
    let mut map = body.clone();
    map.insert("room".into(), "-".into());
    map.insert("op".into(), "create".into());
    parse_poll_op(dto(&map)?)
}

/// Reads a `poll` frame.
fn parse_poll_op(d: PollDto) -> Result<PollOp, FrameError> {
    let op = d.op.as_str();
    let need = |field: &str| FrameError::bad_request(format!("op `{op}` needs `{field}`"));
    let poll_id = || -> Result<PollId, FrameError> {
        PollId::parse(d.poll_id.as_deref().ok_or_else(|| need("pollId"))?)
            .map_err(|e| FrameError::bad_request(e.to_string()))
    };
    Ok(match op {
        "create" => {
            let options = d.options.clone().ok_or_else(|| need("options"))?;
            let (question, options) = check_poll(
                d.question.as_deref().ok_or_else(|| need("question"))?,
                &options,
            )
            .map_err(|e| FrameError::bad_request(e.to_string()))?;
            let closes = match (d.closes_in_s, d.closes_at.as_deref()) {
                (Some(_), Some(_)) => {
                    return Err(FrameError::bad_request(
                        "give `closesInS` or `closesAt`, not both",
                    ))
                }
                (Some(secs), None) if (1..=MAX_POLL_SECS).contains(&secs) => {
                    Some(PollClose::AfterMs(secs * 1000))
                }
                (Some(_), None) => {
                    return Err(FrameError::bad_request(format!(
                        "closesInS must be 1 to {MAX_POLL_SECS} seconds (leave it out to close by hand)"
                    )))
                }
                (None, Some(raw)) => match parse_instant(raw) {
                    Some(at) => Some(PollClose::AtMs(at)),
                    None => {
                        return Err(FrameError::bad_request(
                            "closesAt must be a time like 2026-12-03T20:45:00Z",
                        ))
                    }
                },
                (None, None) => None,
            };
            PollOp::Create {
                question,
                options,
                multiple: d.multiple.unwrap_or(false),
                results: match d.results.as_deref() {
                    None => ResultsShown::Live,
                    Some(raw) => ResultsShown::parse(raw)
                        .ok_or_else(|| FrameError::bad_request("results must be live or closed"))?,
                },
                closes,
                context: d
                    .context
                    .as_ref()
                    .map(Moment::parse)
                    .transpose()
                    .map_err(|e| FrameError::bad_request(e.to_string()))?,
            }
        }
        "vote" => PollOp::Vote {
            poll_id: poll_id()?,
            choices: match (d.choices.clone(), d.choice) {
                (Some(_), Some(_)) => {
                    return Err(FrameError::bad_request(
                        "give `choice` or `choices`, not both",
                    ))
                }
                (Some(list), None) if list.len() <= MAX_OPTIONS => list,
                (Some(_), None) => {
                    return Err(FrameError::bad_request(format!(
                        "at most {MAX_OPTIONS} choices"
                    )))
                }
                (None, Some(one)) => vec![one],
                (None, None) => return Err(need("choice")),
            },
        },
        "close" => PollOp::Close {
            poll_id: poll_id()?,
        },
        _ => {
            return Err(FrameError::bad_request(
                "op must be one of create, vote, close",
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
    echo.client_msg_id = map
        .get("clientMsgId")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(MAX_CLIENT_MSG_ID_LEN).collect());
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
        "join" => Command::Join(Join {
            room: room(&dto::<RoomDto>(map)?.room)?,
        }),
        "leave" => Command::Leave(Leave {
            room: room(&dto::<RoomDto>(map)?.room)?,
        }),
        "typing" => Command::Typing(Typing {
            room: room(&dto::<RoomDto>(map)?.room)?,
        }),
        "presence" => Command::Presence(Presence {
            room: room(&dto::<RoomDto>(map)?.room)?,
        }),
        "ping" => Command::Ping(Ping),
        "score" => Command::Score(Score),
        "leaderboard" => {
            let d: LeaderboardDto = dto(map)?;
            let limit = match d.limit {
                None => DEFAULT_BOARD_PAGE,
                Some(n) if (1..=u64::from(MAX_BOARD_PAGE)).contains(&n) => n as u32,
                Some(_) => {
                    return Err(FrameError::bad_request(format!(
                        "limit must be between 1 and {MAX_BOARD_PAGE}"
                    )))
                }
            };
            let window = d
                .window
                .as_deref()
                .map(|w| {
                    Window::parse(w).ok_or_else(|| {
                        FrameError::bad_request("window must be week, month or season")
                    })
                })
                .transpose()?;
            if window.is_some() && d.room.is_some() {
                return Err(FrameError::bad_request(
                    "a windowed board is the tenant's: window and room do not go together",
                ));
            }
            if let Some(period) = &d.period {
                match window {
                    Some(w) if w.is_period(period) => {}
                    Some(_) => {
                        return Err(FrameError::bad_request(
                            "period must be like 2026-W49 (week), 2026-12 (month), or 2026-Q4 or a season's name (season)",
                        ))
                    }
                    None => return Err(FrameError::bad_request("period needs a window")),
                }
            }
            Command::Leaderboard(Leaderboard {
                room: d.room.as_deref().map(room).transpose()?,
                window,
                period: d.period,
                limit,
                cursor: d.cursor,
            })
        }
        "send" => {
            let d: SendDto = dto(map)?;
            Command::Send(Send {
                room: room(&d.room)?,
                client_msg_id: ClientMsgId::parse(&d.client_msg_id)?,
                text: MessageText::parse(&d.text, limits.max_text_chars)?,
                reply_to: d.reply_to.as_deref().map(MessageId::parse).transpose()?,
            })
        }
        "react" => {
            let d: ReactDto = dto(map)?;
            Command::React(React {
                room: room(&d.room)?,
                message_id: MessageId::parse(&d.message_id)?,
                emoji: Emoji::parse(&d.emoji)?,
                on: d.on,
            })
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
            if d.before.is_some() && d.after.is_some() {
                return Err(FrameError::bad_request(
                    "give `before` (older messages) or `after` (newer ones), not both",
                ));
            }
            Command::History(History {
                room: room(&d.room)?,
                before: d.before.as_deref().map(MessageId::parse).transpose()?,
                after: d.after.as_deref().map(MessageId::parse).transpose()?,
                limit,
            })
        }
        "configure" => {
            let d: ConfigureDto = dto(map)?;
            Command::Configure(Configure {
                room: room(&d.room)?,
                mode: RoomMode::parse(&d.mode).ok_or_else(|| {
                    FrameError::bad_request("mode must be one of open, stage, readonly")
                })?,
            })
        }
        "moderate" => {
            let d: ModerateDto = dto(map)?;
            Command::Moderate(Moderate {
                room: room(&d.room)?,
                op: parse_moderate_op(d)?,
            })
        }
        "poll" => {
            let d: PollDto = dto(map)?;
            Command::Poll(Poll {
                room: room(&d.room)?,
                op: parse_poll_op(d)?,
            })
        }
        "report" => {
            let d: ReportDto = dto(map)?;
            Command::Report(Report {
                room: room(&d.room)?,
                message_id: MessageId::parse(&d.message_id)?,
                reason: reason(Some(d.reason))?
                    .ok_or_else(|| FrameError::bad_request("reason must not be empty"))?,
            })
        }
        other => {
            return Err(FrameError::bad_request(format!(
                "unknown action `{}`",
                other.chars().take(32).collect::<String>()
            )))
        }
    })
}
