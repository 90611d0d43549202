//! Server frames: JSON objects with a `type`, and the views of messages, users and
//! presence they carry.

use std::collections::BTreeMap;

use serde::Serialize;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, UserId};
use sideline_domain::message::{
    system_author, Author, ClientMsgId, Emoji, MessageId, StoredMessage, Visibility,
};
use sideline_domain::moderation::{ReviewItem, SanctionKind};
use sideline_domain::poll::{Moment, Poll, PollId, ResultsShown};
use sideline_domain::room::{Capability, RoomMode};
use sideline_domain::scoring::Tier;
use sideline_domain::tenant::Privilege;
use sideline_domain::time::format_time;
use ts_rs::TS;

use crate::error::{ErrorCode, FrameError};

/// A message as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: MessageId,
    pub room: RoomId,
    pub author: Author,
    pub text: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reply_to: Option<MessageId>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<_>", optional)]
    pub reactions: BTreeMap<String, u64>,
    /// Only the author sees a held message, marked pending until a moderator decides.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub pending: bool,
    /// The host's own message (the server API's), not a member's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub system: bool,
    /// Its number in the room's sequence of public messages: a client that sees
    /// a number skipped catches up with `history` (`after`). Absent on messages
    /// outside the sequence (held, shadowed, or made public later).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub seq: Option<u64>,
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
            pending: m.visibility == Visibility::Held,
            system: m.author.id == system_author(),
            seq: m.seq,
            reactions: m
                .reactions
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }
}

/// A poll as clients see it. `counts` is absent while a poll whose results show
/// at close is open; `voters` (the turnout) always shows. `mine` (the choices of
/// the user it is sent to) only in frames to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PollView {
    pub id: PollId,
    pub room: RoomId,
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub results: ResultsShown,
    pub status: PollStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub counts: Option<Vec<u64>>,
    pub voters: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub closes_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub context: Option<Moment>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub mine: Option<Vec<u8>>,
}

impl PollView {
    /// The poll as of `now_ms`, with `mine` for the one user it goes to.
    pub fn of(poll: &Poll, now_ms: i64, mine: Option<Vec<u8>>) -> Self {
        let closed_at = poll.closed_at(now_ms);
        let shown = closed_at.is_some() || poll.results == ResultsShown::Live;
        Self {
            id: poll.id,
            room: poll.room.clone(),
            question: poll.question.clone(),
            options: poll.options.clone(),
            multiple: poll.multiple,
            results: poll.results,
            status: if closed_at.is_some() {
                PollStatus::Closed
            } else {
                PollStatus::Open
            },
            counts: shown.then(|| poll.counts.clone()),
            voters: poll.voters,
            closes_at: poll.closes_at_ms.map(format_time),
            closed_at: closed_at.map(format_time),
            context: poll.context.clone(),
            created_at: format_time(poll.created_at_ms),
            mine,
        }
    }
}

/// Whether a poll still takes votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PollStatus {
    Open,
    Closed,
}

/// A user as presence lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    /// The user's reputation tier (as of their join, in presence).
    pub tier: Tier,
}

/// Who is in a room: a count of users (not connections), and the users themselves
/// unless the room is large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PresenceView {
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub users: Option<Vec<UserView>>,
}

/// The outcome of a send, in `ack.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum AckStatus {
    Delivered,
    Masked,
    Held,
    Shadowed,
    Blocked,
}

/// A user's engagement score and tier as of `at`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScoreView {
    pub user_id: UserId,
    /// The decayed score at `at`, unrounded.
    pub score: f64,
    pub tier: Tier,
    /// The tier above, and the points still needed to reach it; absent at the top.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next_tier: Option<Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub points_to_next: Option<f64>,
    /// What the tier allows: `linksWithoutReview`, `slowModeExempt`,
    /// `rateMultiplier`, `capabilities`.
    pub privileges: Privilege,
    pub at: String,
}

/// One place on a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardEntryView {
    pub rank: u32,
    pub user_id: UserId,
    /// The decayed score now (on a room's board: earned in that room).
    pub score: f64,
}

/// Where the caller (or the user asked about) stands on a board.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OwnPlace {
    /// Absent when below the first `rankBeyond` places (not counted further).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rank: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rank_beyond: Option<u32>,
    pub score: f64,
}

/// A page of a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LeaderboardView {
    /// The room whose board it is; absent for the tenant's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub room: Option<RoomId>,
    /// For a windowed board: `week`, `month` or `season`, and the period
    /// (`2026-W49`, `2026-12`, `2026-Q4` or a season's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub window: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period: Option<String>,
    pub entries: Vec<BoardEntryView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub next: Option<String>,
    /// The caller's place; absent when they are not on the board.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub me: Option<OwnPlace>,
    pub at: String,
}

/// Every frame the server sends. Serialised with `type` and camelCase fields.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[ts(rename = "KnownFrame")]
pub enum ServerFrame {
    Joined {
        room: RoomId,
        role: Role,
        mode: RoomMode,
        /// Seconds between two messages of one member (0: off).
        slow_mode_s: u32,
        capabilities: Vec<Capability>,
        /// What the host set on the room: its title, the object it belongs to,
        /// and its schedule (outside it the room is read-only: `mode` says so).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        title: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        object: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        opens_at: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        closes_at: Option<String>,
        /// The caller's reputation tier.
        tier: Tier,
        presence: PresenceView,
        history: Vec<MessageView>,
        next: Option<MessageId>,
        /// The room's open polls, with the joiner's own votes.
        polls: Vec<PollView>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    Left {
        room: RoomId,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    Ack {
        client_msg_id: ClientMsgId,
        /// Absent when the message was blocked (nothing was stored).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        message_id: Option<MessageId>,
        status: AckStatus,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        duplicate: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        reason: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    Message {
        #[serde(flatten)]
        message: MessageView,
    },
    /// A hot room's frames of one delivery window, in order, each as it would
    /// have been sent alone (`message` frames, numbered by `seq`).
    Batch {
        room: RoomId,
        frames: Vec<ServerFrame>,
    },
    Reaction {
        room: RoomId,
        message_id: MessageId,
        emoji: Emoji,
        count: u64,
        on: bool,
        user: UserView,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
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
        #[ts(optional)]
        request_id: Option<String>,
    },
    Presence {
        room: RoomId,
        #[serde(flatten)]
        presence: PresenceView,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    Pong {
        connection_id: ConnectionId,
        server_time: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// A moderator's action took effect (to the moderator).
    Moderated {
        room: RoomId,
        op: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        message_id: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        user_id: Option<UserId>,
        /// When a sanction ends; absent when it lasts until lifted.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        until: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// A page of the review queue (to the moderator).
    ReviewQueue {
        room: RoomId,
        items: Vec<ReviewItem>,
        next: Option<MessageId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// A report was taken (to the reporter). `duplicate` when they had already
    /// reported the message.
    Reported {
        room: RoomId,
        message_id: MessageId,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        duplicate: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// The user was muted (to their connections).
    Sanctioned {
        /// Absent for a tenant-wide sanction.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        room: Option<RoomId>,
        sanction: SanctionKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        until: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
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
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// The caller's score and tier (to a `score` request).
    Score {
        #[serde(flatten)]
        score: ScoreView,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// A page of a leaderboard (to a `leaderboard` request).
    Leaderboard {
        #[serde(flatten)]
        board: LeaderboardView,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// A poll was created, its results moved (at most twice a second) or it
    /// closed (to the room); or the answer to the caller's `poll` (with `mine`).
    Poll {
        poll: PollView,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
    },
    /// The user's tier changed (to each of their connections).
    Tier {
        tier: Tier,
        previous: Tier,
        /// The score at the change.
        score: f64,
        privileges: Privilege,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        action: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        request_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        client_msg_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        retry_after_ms: Option<u64>,
        /// `true` when sending the frame again may succeed; absent otherwise.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        retryable: Option<bool>,
    },
}

impl ServerFrame {
    /// The JSON text sent on the socket.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising these types cannot fail: every map key is a string.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl FrameError {
    /// The frame clients receive.
    pub fn to_frame(&self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message.clone(),
            action: self.action.clone(),
            request_id: self.request_id.clone(),
            client_msg_id: self.client_msg_id.clone(),
            retry_after_ms: self.retry_after_ms,
            retryable: self.retryable.then_some(true),
        }
    }
}
