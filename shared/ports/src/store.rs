//! The storage ports, one per capability. Every method is scoped by tenant; no
//! method leaves a partial write behind on error. Each port's error enum lists
//! what the caller can act on, plus `Backend` ([`BackendError`]).

use std::future::Future;

use sideline_domain::connection::{ConnectionRecord, Member};
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, DecisionId, RoomId, TenantId, UserId};
use sideline_domain::message::{ClientMsgId, Emoji, MessageId, StoredMessage, Visibility};
use sideline_domain::moderation::{
    Decision, RecentMessage, Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage,
    ReviewStatus, Sanction, SanctionKind, Scope, UserProfile, UserStanding,
};
use sideline_domain::room::{RoomInfo, RoomMode, RoomProfile};

use crate::BoxError;

/// The storage behind a port failed. Common to every storage port.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The store could not be reached or refused the call; retrying may help.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored item could not be read back; a bug or a manual edit.
    #[error("stored item is corrupt: {0}")]
    Corrupt(String),
}

impl BackendError {
    pub fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(e))
    }

    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

/// Errors of [`ConnectionRegistry`].
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The user's erasure is under way: no new connection until it completes.
    #[error("the user is being erased")]
    Erasing,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`RoomStore`].
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    /// The connection joining is not recorded (it is gone).
    #[error("connection not found")]
    ConnectionNotFound,
    /// The connection is already in `max` other rooms.
    #[error("the connection is already in {max} rooms")]
    RoomLimit { max: usize },
    /// Nobody ever joined the room.
    #[error("room not found")]
    RoomNotFound,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`MessageStore`].
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message not found")]
    NotFound,
    /// The message is no longer as the caller expected (a moderator decided first).
    #[error("the message is {}, not {}", current.as_str(), expected.as_str())]
    VisibilityChanged {
        current: Visibility,
        expected: Visibility,
    },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`Counters`].
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`Sanctions`].
#[derive(Debug, thiserror::Error)]
pub enum SanctionError {
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`DecisionLog`].
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// Records are written once: this id is already in the log.
    #[error("decision {id} is already recorded")]
    AlreadyRecorded { id: DecisionId },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`ReviewQueue`].
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The reported message does not exist.
    #[error("message not found")]
    MessageNotFound,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`RecentMessages`].
#[derive(Debug, thiserror::Error)]
pub enum RecentError {
    /// Others kept changing the list; the caller may try again.
    #[error("recent messages kept changing")]
    Contended,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Errors of [`SeenEvents`].
#[derive(Debug, thiserror::Error)]
pub enum SeenError {
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// The result of storing a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutMessage {
    Created,
    /// The same author already sent this `clientMsgId` to this room.
    Duplicate {
        existing: MessageId,
    },
}

/// One page of history: newest first (`history`), or oldest first
/// (`history_after`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub messages: Vec<StoredMessage>,
    /// Where the next page starts (as `before` for older, `after` for newer);
    /// `None` when there is none.
    pub next: Option<MessageId>,
}

/// A reaction to turn on or off.
#[derive(Debug, Clone, Copy)]
pub struct ReactionRequest<'a> {
    pub message: &'a MessageId,
    pub emoji: &'a Emoji,
    pub user: &'a UserId,
    /// The user's role in the room, for the event's actor.
    pub role: Role,
    pub on: bool,
    pub at_ms: i64,
    /// The `requestId` of the `react`, carried into the event.
    pub correlation_id: Option<&'a str>,
    /// Stored for the coalesced fan-out (`Reaction::batched`): the caller does
    /// not tell the room itself. Only a reaction turned on is batched.
    pub batched: bool,
}

/// The result of setting a reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactionChange {
    /// Users reacting with this emoji to this message, after the change.
    pub count: u64,
    /// False when the reaction was already as asked (a repeat toggle).
    pub changed: bool,
}

/// Live connections and who holds them: recorded by `$connect`, forgotten by
/// `$disconnect` or when a post finds them gone.
pub trait ConnectionRegistry: Send + Sync {
    /// Records (or replaces) a connection, and the user's profile and connection
    /// list with it.
    fn put_connection(
        &self,
        record: &ConnectionRecord,
    ) -> impl Future<Output = Result<(), RegistryError>> + Send;

    /// Reads a connection.
    fn connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<ConnectionRecord>, RegistryError>> + Send;

    /// Forgets a connection and all its memberships; returns what was recorded
    /// (`None` if it was already gone). Idempotent.
    fn remove_connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<ConnectionRecord>, RegistryError>> + Send;

    /// A user's live connections.
    fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionId>, RegistryError>> + Send;

    /// What is known of a user from their last connection.
    fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<UserProfile>, RegistryError>> + Send;
}

/// Rooms, their settings and who is in them.
pub trait RoomStore: Send + Sync {
    /// Adds `member` to `room`, creating the room (mode `open`) on first join, and
    /// notes the room on the connection. Joining again refreshes the membership.
    ///
    /// `ConnectionNotFound` if the connection is not recorded; `RoomLimit` if it is
    /// already in `max_rooms` other rooms.
    fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> impl Future<Output = Result<RoomInfo, RoomError>> + Send;

    /// Removes a connection from a room; returns whether it was a member. The
    /// `leave`'s `requestId` is stamped on the membership first, so the stream's
    /// removal record (and the `community.room.left` event) carries it.
    fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> impl Future<Output = Result<bool, RoomError>> + Send;

    /// One connection's membership of a room, with the room's settings.
    fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<(Member, RoomInfo)>, RoomError>> + Send;

    /// Every connection in a room (one query), in no particular order.
    fn room_members(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> impl Future<Output = Result<Vec<Member>, RoomError>> + Send;

    /// Claims the room's next presence count for `now_ms`: true, and noted, when
    /// none was claimed in the `every_ms` before; false otherwise. Shared by every
    /// instance, so a big room's count goes out at most once per `every_ms`
    /// however many join or leave.
    fn claim_presence_count(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        now_ms: i64,
        every_ms: i64,
    ) -> impl Future<Output = Result<bool, RoomError>> + Send;

    /// Changes a room's mode. `RoomNotFound` if nobody ever joined it.
    fn set_room_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        mode: RoomMode,
    ) -> impl Future<Output = Result<(), RoomError>> + Send;

    /// Sets a room's slow mode (0 turns it off). `RoomNotFound` if nobody ever
    /// joined it.
    fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> impl Future<Output = Result<(), RoomError>> + Send;

    /// Sets what the host gives a room ahead of time (title, object, schedule),
    /// creating the room (mode `open`, at `now_ms`) if nobody joined it yet;
    /// the mode and slow mode stay as they are. Returns the room's settings.
    fn put_room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        profile: &RoomProfile,
        now_ms: i64,
    ) -> impl Future<Output = Result<RoomInfo, RoomError>> + Send;

    /// A room's settings and what the host gave it; `None` if the room was never
    /// made (joined or set up).
    fn room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> impl Future<Output = Result<Option<(RoomInfo, RoomProfile)>, RoomError>> + Send;
}

/// Messages, their visibility and their reactions.
pub trait MessageStore: Send + Sync {
    /// Stores a message unless its author already sent its `clientMsgId` to this
    /// room, in which case nothing is written and the first id is returned.
    fn put_message(
        &self,
        message: &StoredMessage,
    ) -> impl Future<Output = Result<PutMessage, MessageError>> + Send;

    /// The message an author's `clientMsgId` was stored as in a room, if it was
    /// (kept as long as the idempotency key is).
    fn stored_client_msg(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        author: &UserId,
        client_msg_id: &ClientMsgId,
    ) -> impl Future<Output = Result<Option<MessageId>, MessageError>> + Send;

    /// Takes the room's next number for a public message (1 for the first): one
    /// more than any taken before in the room, whether or not its message was
    /// stored. Clients find messages they missed by a gap in the numbers.
    fn next_seq(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> impl Future<Output = Result<u64, MessageError>> + Send;

    /// Moves a message from one visibility to another (a moderator approving or
    /// rejecting a held message); returns it as stored afterwards. `NotFound` if
    /// there is none; `VisibilityChanged` if it is not `from` any more.
    fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> impl Future<Output = Result<StoredMessage, MessageError>> + Send;

    /// Reads one message.
    fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> impl Future<Output = Result<Option<StoredMessage>, MessageError>> + Send;

    /// Messages older than `before` (all when `None`), newest first, at most `limit`.
    fn history(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> impl Future<Output = Result<HistoryPage, MessageError>> + Send;

    /// The room's messages after `after` (not itself), oldest first, at most
    /// `limit`: what a client that last saw `after` missed. `next` (the page's
    /// last message) asks for the rest; `None` when caught up.
    fn history_after(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        after: &MessageId,
        limit: usize,
    ) -> impl Future<Output = Result<HistoryPage, MessageError>> + Send;

    /// Turns a user's reaction with an emoji on a message on or off; one per user per
    /// emoji. `NotFound` if the message does not exist.
    fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> impl Future<Output = Result<ReactionChange, MessageError>> + Send;
}

/// Counters in fixed windows: sends (rate limit), violations (escalation), and
/// slow-mode slots.
pub trait Counters: Send + Sync {
    /// Counts one send by `user` in `room` in the window starting at
    /// `window_start_ms`; returns the count including this one. The counter expires
    /// at `expires_at_s`.
    fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> impl Future<Output = Result<u32, CounterError>> + Send;

    /// Counts a violation by `user` in the window starting at `window_start_ms`;
    /// returns the count in that window including this one.
    fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> impl Future<Output = Result<u32, CounterError>> + Send;

    /// Violations by `user` in the window starting at `window_start_ms`.
    fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> impl Future<Output = Result<u32, CounterError>> + Send;

    /// Takes `user`'s next slot to send in a slow-mode room: `None` when they may
    /// send now (the slot is taken), else the milliseconds until they may.
    fn claim_slow_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        now_ms: i64,
        gap_ms: i64,
    ) -> impl Future<Output = Result<Option<i64>, CounterError>> + Send;
}

/// Sanctions on users: mutes, bans, shadow-bans, in a room or tenant-wide.
pub trait Sanctions: Send + Sync {
    /// Imposes a sanction, replacing one of the same kind and scope.
    fn put_sanction(
        &self,
        tenant: &TenantId,
        sanction: &Sanction,
    ) -> impl Future<Output = Result<(), SanctionError>> + Send;

    /// Ends a sanction early; false if there was none.
    fn lift_sanction(
        &self,
        tenant: &TenantId,
        user: &UserId,
        kind: SanctionKind,
        scope: &Scope,
    ) -> impl Future<Output = Result<bool, SanctionError>> + Send;

    /// Every sanction on `user` still in force at `now_ms`, in every scope.
    fn sanctions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<Sanction>, SanctionError>> + Send;

    /// What `send` needs to know of its author in one read: the sanctions in force
    /// and the violations in the window starting at `window_start_ms` (counted by
    /// [`Counters::count_violation`]).
    fn standing(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
        window_start_ms: i64,
    ) -> impl Future<Output = Result<UserStanding, SanctionError>> + Send;
}

/// The decision record: every moderation decision, written once, kept for ever,
/// published as `community.moderation.*` events.
pub trait DecisionLog: Send + Sync {
    /// Appends a decision. Writing the same id twice is `AlreadyRecorded`.
    fn record_decision(
        &self,
        decision: &Decision,
    ) -> impl Future<Output = Result<(), DecisionError>> + Send;
}

/// Users' reports and the review queue moderators work through.
pub trait ReviewQueue: Send + Sync {
    /// Records a user's report of a message, once per user per message, and counts
    /// the distinct reporters on the message. `MessageNotFound` if it does not exist.
    fn report(
        &self,
        report: &Report,
    ) -> impl Future<Output = Result<ReportOutcome, ReviewError>> + Send;

    /// Adds a message to the review queue, or refreshes its entry (priority,
    /// reason, reports) while it is pending.
    fn put_review(&self, item: &ReviewItem)
        -> impl Future<Output = Result<(), ReviewError>> + Send;

    /// Closes a review item with a decision taken at `at_ms`; false if there was no
    /// pending item. Decided items are kept for the tenant's `retention.reviewDays`
    /// (retention removes them), with a TTL backstop
    /// ([`sideline_domain::moderation::REVIEW_DECIDED_TTL_SECS`]).
    fn close_review(
        &self,
        tenant: &TenantId,
        message: &MessageId,
        status: ReviewStatus,
        by: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, ReviewError>> + Send;

    /// One message's review item, pending or decided.
    fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> impl Future<Output = Result<Option<ReviewItem>, ReviewError>> + Send;

    /// Every review item, pending or decided, about a message `author` wrote.
    fn reviews_about(
        &self,
        tenant: &TenantId,
        author: &UserId,
    ) -> impl Future<Output = Result<Vec<ReviewItem>, ReviewError>> + Send;

    /// The review queue, oldest first, after `after`, at most `limit` items.
    fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> impl Future<Output = Result<ReviewPage, ReviewError>> + Send;
}

/// Each user's latest messages across rooms, to see floods and repeats.
pub trait RecentMessages: Send + Sync {
    /// Adds a message to the user's recent messages (keeping the latest `keep`) and
    /// returns them, newest first.
    fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> impl Future<Output = Result<Vec<RecentMessage>, RecentError>> + Send;
}

/// Which events a consumer has handled, so a redelivered or replayed event (same
/// `eventId`) is dropped within the idempotency window. When the store fails, the
/// caller should handle the event (at-least-once) rather than drop it.
pub trait SeenEvents: Send + Sync {
    /// Records `event_id` for `consumer` until `now_s + window_s`; true the first
    /// time within the window, false for a repeat.
    fn first_sighting(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
        window_s: i64,
    ) -> impl Future<Output = Result<bool, SeenError>> + Send;

    /// Whether `event_id` was recorded for `consumer` and is still in its window,
    /// without recording it: a consumer that records only after it has done its work
    /// asks this first, so a failed attempt is retried rather than dropped.
    fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> impl Future<Output = Result<bool, SeenError>> + Send;
}
