//! The ports: narrow traits for each outside system, named for the capability the
//! handlers need, returning Sideline types and documented error contracts.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::Serialize;

use crate::identity::{Role, TenantId, UserId};
use crate::message::{Emoji, MessageId, StoredMessage, Visibility};
use crate::moderation::record::{
    Decision, RecentMessage, Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage,
    ReviewStatus, Sanction, SanctionKind, Scope, UserProfile,
};
use crate::room::{RoomId, RoomMode};

/// Any error from an outside system, kept as the source of ours.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An API Gateway connection id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// API Gateway ids are short printable ASCII; '#' is refused because it is the
    /// storage key separator.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty()
            && raw.len() <= 128
            && raw.bytes().all(|b| b.is_ascii_graphic() && b != b'#'))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a connection record outlives its `$connect` if `$disconnect` never
/// comes: just over API Gateway's 2-hour connection maximum.
pub const CONNECTION_TTL_SECS: i64 = 2 * 3600 + 10 * 60;

/// A live connection, recorded by `$connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub tenant: TenantId,
    pub connection_id: ConnectionId,
    pub user: UserId,
    pub name: String,
    pub role: Role,
    pub connected_at_ms: i64,
    /// TTL backstop (seconds since the epoch), in case `$disconnect` never comes.
    pub expires_at_s: i64,
    /// Rooms this connection has joined, so `$disconnect` can leave them all.
    pub rooms: BTreeSet<RoomId>,
}

/// One connection's presence in one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub connection_id: ConnectionId,
    pub user: UserId,
    pub name: String,
    /// The role in this room (token role or room override).
    pub role: Role,
    pub joined_at_ms: i64,
    /// Copied from the connection so a forgotten member also expires.
    pub expires_at_s: i64,
    /// The `requestId` of the `join`, carried into the `community.room.joined` event.
    pub correlation_id: Option<String>,
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
}

/// A room's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomInfo {
    pub mode: RoomMode,
    pub created_at_ms: i64,
    /// Least time between two messages of one member (0: off). Moderators and
    /// admins are exempt.
    pub slow_mode_s: u32,
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

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub messages: Vec<StoredMessage>,
    /// Pass as `before` to get the next (older) page; `None` when there is none.
    pub next: Option<MessageId>,
}

/// The result of setting a reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactionChange {
    /// Users reacting with this emoji to this message, after the change.
    pub count: u64,
    /// False when the reaction was already as asked (a repeat toggle).
    pub changed: bool,
}

/// Errors of [`CommunityStore`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing the operation needs does not exist (`what` names it).
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// A configured limit would be exceeded.
    #[error("{0}")]
    LimitReached(String),
    /// The item is not in the state the operation expects (e.g. no longer held).
    #[error("{0}")]
    Conflict(String),
    /// The store could not be reached or refused the call; retrying may help.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored item could not be read back; a bug or a manual edit.
    #[error("stored item is corrupt: {0}")]
    Corrupt(String),
}

/// Everything the realtime core keeps: connections, rooms, memberships, messages,
/// reactions and rate-limit counters. Every method is scoped by tenant.
///
/// # Errors
///
/// Every method returns [`StoreError::Unavailable`] when the backing service fails,
/// and [`StoreError::Corrupt`] when an item cannot be decoded. Other variants are
/// listed per method. No method leaves a partial write behind on error.
pub trait CommunityStore: Send + Sync {
    /// Records (or replaces) a connection.
    fn put_connection(
        &self,
        record: &ConnectionRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reads a connection.
    fn connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<ConnectionRecord>, StoreError>> + Send;

    /// Forgets a connection and all its memberships; returns what was recorded
    /// (`None` if it was already gone). Idempotent.
    fn remove_connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<ConnectionRecord>, StoreError>> + Send;

    /// Adds `member` to `room`, creating the room (mode `open`) on first join, and
    /// notes the room on the connection. Joining again refreshes the membership.
    ///
    /// `NotFound { what: "connection" }` if the connection is not recorded;
    /// `LimitReached` if the connection is already in `max_rooms` other rooms.
    fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> impl Future<Output = Result<RoomInfo, StoreError>> + Send;

    /// Removes a connection from a room; returns whether it was a member. The
    /// `leave`'s `requestId` is stamped on the membership first, so the stream's
    /// removal record (and the `community.room.left` event) carries it.
    fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// One connection's membership of a room, with the room's settings.
    fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> impl Future<Output = Result<Option<(Member, RoomInfo)>, StoreError>> + Send;

    /// Every connection in a room (one query), in no particular order.
    fn room_members(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> impl Future<Output = Result<Vec<Member>, StoreError>> + Send;

    /// Changes a room's mode. `NotFound { what: "room" }` if nobody ever joined it.
    fn set_room_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        mode: RoomMode,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a message unless its author already sent its `clientMsgId` to this
    /// room, in which case nothing is written and the first id is returned.
    fn put_message(
        &self,
        message: &StoredMessage,
    ) -> impl Future<Output = Result<PutMessage, StoreError>> + Send;

    /// Moves a message from one visibility to another (a moderator approving or
    /// rejecting a held message); returns it as stored afterwards.
    /// `NotFound { what: "message" }` if there is none; `Conflict` if it is not
    /// `from` any more.
    fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> impl Future<Output = Result<StoredMessage, StoreError>> + Send;

    /// Reads one message.
    fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> impl Future<Output = Result<Option<StoredMessage>, StoreError>> + Send;

    /// Messages older than `before` (all when `None`), newest first, at most `limit`.
    fn history(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> impl Future<Output = Result<HistoryPage, StoreError>> + Send;

    /// Turns a user's reaction with an emoji on a message on or off; one per user per
    /// emoji. `NotFound { what: "message" }` if the message does not exist.
    fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> impl Future<Output = Result<ReactionChange, StoreError>> + Send;

    /// Counts one send by `user` in `room` in the rate-limit window starting at
    /// `window_start_ms`; returns the count including this one. The counter expires
    /// at `expires_at_s`.
    fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;
}

/// Errors of [`Connections`].
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The connection no longer exists (API Gateway's `GoneException`, HTTP 410).
    #[error("connection is gone")]
    Gone,
    /// Anything else; the frame was not delivered.
    #[error("post to connection failed")]
    Failed(#[source] BoxError),
}

/// Sends frames to WebSocket connections (API Gateway's `@connections` API).
///
/// # Errors
///
/// [`PostError::Gone`] when the connection no longer exists; [`PostError::Failed`]
/// for every other failure.
pub trait Connections: Send + Sync {
    /// Sends one text frame.
    fn post(
        &self,
        id: &ConnectionId,
        payload: &[u8],
    ) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Closes a connection (its `$disconnect` runs afterwards).
    fn disconnect(&self, id: &ConnectionId) -> impl Future<Output = Result<(), PostError>> + Send;
}

/// The time, so time-based rules can be tested without waiting.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Remembers which events a consumer has handled, so a redelivered or replayed event
/// (same `eventId`) is dropped within the idempotency window.
///
/// # Errors
///
/// [`StoreError::Unavailable`] when the backing service fails; the caller should
/// then handle the event (at-least-once) rather than drop it.
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
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Whether `event_id` was recorded for `consumer` and is still in its window,
    /// without recording it: a consumer that records only after it has done its work
    /// asks this first, so a failed attempt is retried rather than dropped.
    fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// How long a decided review item stays listable (the decision record is kept for
/// ever; this is the queue's history).
pub const REVIEW_DECIDED_TTL_SECS: i64 = 30 * 24 * 3600;

/// What moderation keeps: sanctions, the decision record, the review queue, reports,
/// violation counts, slow mode, and what is known of users. Every method is scoped
/// by tenant; errors as for [`CommunityStore`].
pub trait ModerationStore: Send + Sync {
    /// Imposes a sanction, replacing one of the same kind and scope.
    fn put_sanction(
        &self,
        tenant: &TenantId,
        sanction: &Sanction,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Ends a sanction early; false if there was none.
    fn lift_sanction(
        &self,
        tenant: &TenantId,
        user: &UserId,
        kind: SanctionKind,
        scope: &Scope,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every sanction on `user` still in force at `now_ms`, in every scope.
    fn sanctions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<Sanction>, StoreError>> + Send;

    /// Appends a decision to the record. Records are never changed: writing the
    /// same id twice is `Conflict`.
    fn record_decision(
        &self,
        decision: &Decision,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Counts a violation by `user` in the window starting at `window_start_ms`;
    /// returns the count in that window including this one.
    fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        expires_at_s: i64,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Violations by `user` in the window starting at `window_start_ms`.
    fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// What `send` needs to know of its author in one read: the sanctions in force
    /// and the violations in the window starting at `window_start_ms`.
    fn standing(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
        window_start_ms: i64,
    ) -> impl Future<Output = Result<UserStanding, StoreError>> + Send {
        async move {
            let (sanctions, violations) = futures_util::future::join(
                self.sanctions(tenant, user, now_ms),
                self.violations(tenant, user, window_start_ms),
            )
            .await;
            Ok(UserStanding {
                sanctions: sanctions?,
                violations: violations?,
            })
        }
    }

    /// Takes `user`'s next slot to send in a slow-mode room: `None` when they may
    /// send now (the slot is taken), else the milliseconds until they may.
    fn claim_slow_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        now_ms: i64,
        gap_ms: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// Sets a room's slow mode (0 turns it off). `NotFound { what: "room" }` if
    /// nobody ever joined it.
    fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a user's report of a message, once per user per message, and counts
    /// the distinct reporters on the message. `NotFound { what: "message" }`.
    fn report(
        &self,
        report: &Report,
    ) -> impl Future<Output = Result<ReportOutcome, StoreError>> + Send;

    /// Adds a message to the review queue, or refreshes its entry (priority,
    /// reason, reports) while it is pending.
    fn put_review(&self, item: &ReviewItem) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Closes a review item with a decision; false if there was no pending item.
    /// Decided items are kept 30 days (`REVIEW_DECIDED_TTL_SECS`), then expire.
    fn close_review(
        &self,
        tenant: &TenantId,
        message: &MessageId,
        status: ReviewStatus,
        by: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// One message's review item, pending or decided.
    fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> impl Future<Output = Result<Option<ReviewItem>, StoreError>> + Send;

    /// The review queue, oldest first, after `after`, at most `limit` items.
    fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> impl Future<Output = Result<ReviewPage, StoreError>> + Send;

    /// What is known of a user from their last connection.
    fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<UserProfile>, StoreError>> + Send;

    /// A user's live connections (recorded by `put_connection`).
    fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> impl Future<Output = Result<Vec<ConnectionId>, StoreError>> + Send;

    /// Adds a message to the user's recent messages (keeping the latest `keep`) and
    /// returns them, newest first.
    fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> impl Future<Output = Result<Vec<RecentMessage>, StoreError>> + Send;
}

/// A user's sanctions in force and recent violations ([`ModerationStore::standing`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserStanding {
    pub sanctions: Vec<Sanction>,
    pub violations: u32,
}

/// Every store: what the WebSocket handlers and the moderation function need.
pub trait Store: CommunityStore + ModerationStore + SeenEvents {}

impl<T: CommunityStore + ModerationStore + SeenEvents> Store for T {}
