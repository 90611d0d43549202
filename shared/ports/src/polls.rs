//! [`PollStore`]: a room's polls, their tallies and the votes behind them.

use std::future::Future;

use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::poll::{Poll, PollActor, PollId, Vote, VoteOutcome};

use crate::BackendError;

/// Errors of [`PollStore`].
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("poll not found")]
    NotFound,
    /// The poll is closed (by hand, or its time came): no more votes, no second
    /// close.
    #[error("the poll is closed")]
    Closed,
    /// The room already has this many open polls.
    #[error("the room already has {max} open polls")]
    TooMany { max: usize },
    /// The same user's vote kept changing under this one; the caller may retry.
    #[error("the vote changed meanwhile")]
    Contended,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Polls and votes. The tally moves with each vote in one conditional write, so
/// counts always equal the votes stored, and no vote lands on a closed poll.
pub trait PollStore: Send + Sync {
    /// Stores a new poll (tally at zero), unless the room has `max_open` polls
    /// open at `now_ms` (`TooMany`).
    fn create_poll(
        &self,
        poll: &Poll,
        max_open: usize,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), PollError>> + Send;

    /// One poll, open or closed.
    fn poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
    ) -> impl Future<Output = Result<Option<Poll>, PollError>> + Send;

    /// The room's polls whose close is not recorded, oldest first (some may be
    /// past their closing time: see [`Poll::lapsed`]).
    fn unclosed_polls(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> impl Future<Output = Result<Vec<Poll>, PollError>> + Send;

    /// Records `vote` (replacing the user's earlier one) and moves the tally, if
    /// the poll is open at `vote.at_ms`: `Closed` otherwise, `NotFound` if there
    /// is no such poll. The same choices again change nothing (`changed` false).
    /// The store numbers the vote (`version`: 1, then one more per change); the
    /// caller's `version` is not read.
    fn vote(&self, vote: &Vote) -> impl Future<Output = Result<VoteOutcome, PollError>> + Send;

    /// A user's vote in a poll.
    fn user_vote(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        poll: &PollId,
        user: &UserId,
    ) -> impl Future<Output = Result<Option<Vote>, PollError>> + Send;

    /// Records the poll's close at `at_ms` by `by` (`None`: its closing time
    /// came) and returns it closed. `Closed` if its close is already recorded.
    fn close_poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        by: Option<&PollActor>,
        at_ms: i64,
    ) -> impl Future<Output = Result<Poll, PollError>> + Send;

    /// Claims the result update of the poll due at `slot_ms` (a multiple of
    /// [`sideline_domain::poll::RESULTS_EVERY_MS`]): true for exactly one caller
    /// per slot, which sends it; false if another caller has it (or a later one).
    fn claim_results_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        slot_ms: i64,
    ) -> impl Future<Output = Result<bool, PollError>> + Send;
}
