//! [`PollStore`] in memory: each poll with its votes beside it.

use std::collections::HashMap;

use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::outbox::{Change, Stored};
use sideline_domain::poll::{retally, Poll, PollActor, PollId, Vote, VoteOutcome};
use sideline_ports::{PollError, PollStore};

use super::MemoryStore;

/// A poll, its votes by user, and the latest result slot claimed.
#[derive(Debug, Clone)]
pub(super) struct PollState {
    pub(super) poll: Poll,
    pub(super) votes: HashMap<UserId, Vote>,
    slot_ms: i64,
}

impl PollState {
    /// Drops a user's vote (their erasure), taking it out of the tally while the
    /// poll is open.
    pub(super) fn forget_vote(&mut self, user: &UserId) {
        let Some(vote) = self.votes.remove(user) else {
            return;
        };
        if self.poll.closed_at_ms.is_none() {
            for &c in &vote.choices {
                if let Some(n) = self.poll.counts.get_mut(usize::from(c)) {
                    *n = n.saturating_sub(1);
                }
            }
            self.poll.voters = self.poll.voters.saturating_sub(1);
        }
    }
}

fn key(tenant: &TenantId, room: &RoomId, id: &PollId) -> (TenantId, RoomId, PollId) {
    (tenant.clone(), room.clone(), *id)
}

impl PollStore for MemoryStore {
    async fn create_poll(
        &self,
        poll: &Poll,
        max_open: usize,
        now_ms: i64,
    ) -> Result<(), PollError> {
        let mut inner = self.lock();
        let open = inner
            .polls
            .values()
            .filter(|s| s.poll.tenant == poll.tenant && s.poll.room == poll.room)
            .filter(|s| s.poll.is_open(now_ms))
            .count();
        if open >= max_open {
            return Err(PollError::TooMany { max: max_open });
        }
        let k = key(&poll.tenant, &poll.room, &poll.id);
        if inner.polls.contains_key(&k) {
            return Ok(());
        }
        inner.polls.insert(
            k,
            PollState {
                poll: poll.clone(),
                votes: HashMap::new(),
                slot_ms: 0,
            },
        );
        self.emit(Change::insert(Stored::Poll(poll.clone())));
        Ok(())
    }

    async fn poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
    ) -> Result<Option<Poll>, PollError> {
        Ok(self
            .lock()
            .polls
            .get(&key(tenant, room, id))
            .map(|s| s.poll.clone()))
    }

    async fn unclosed_polls(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Vec<Poll>, PollError> {
        Ok(self
            .lock()
            .polls
            .values()
            .filter(|s| &s.poll.tenant == tenant && &s.poll.room == room)
            .filter(|s| s.poll.closed_at_ms.is_none())
            .map(|s| s.poll.clone())
            .collect())
    }

    async fn vote(&self, vote: &Vote) -> Result<VoteOutcome, PollError> {
        let mut inner = self.lock();
        let state = inner
            .polls
            .get_mut(&key(&vote.tenant, &vote.room, &vote.poll))
            .ok_or(PollError::NotFound)?;
        if !state.poll.is_open(vote.at_ms) {
            return Err(PollError::Closed);
        }
        let previous = state.votes.get(&vote.user).cloned();
        if previous.as_ref().is_some_and(|p| p.choices == vote.choices) {
            return Ok(VoteOutcome {
                poll: state.poll.clone(),
                previous: previous.map(|p| p.choices),
                changed: false,
            });
        }
        let old_poll = state.poll.clone();
        state.poll.counts = retally(
            &state.poll.counts,
            previous.as_ref().map(|p| p.choices.as_slice()),
            &vote.choices,
        );
        if previous.is_none() {
            state.poll.voters += 1;
        }
        let stored = Vote {
            version: previous.as_ref().map_or(1, |p| p.version + 1),
            ..vote.clone()
        };
        state.votes.insert(vote.user.clone(), stored.clone());
        let poll = state.poll.clone();
        self.emit(match &previous {
            None => Change::insert(Stored::Vote(stored)),
            Some(old) => Change::modify(Stored::Vote(old.clone()), Stored::Vote(stored)),
        });
        self.emit(Change::modify(
            Stored::Poll(old_poll),
            Stored::Poll(poll.clone()),
        ));
        Ok(VoteOutcome {
            poll,
            previous: previous.map(|p| p.choices),
            changed: true,
        })
    }

    async fn user_vote(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        poll: &PollId,
        user: &UserId,
    ) -> Result<Option<Vote>, PollError> {
        Ok(self
            .lock()
            .polls
            .get(&key(tenant, room, poll))
            .and_then(|s| s.votes.get(user).cloned()))
    }

    async fn close_poll(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        by: Option<&PollActor>,
        at_ms: i64,
    ) -> Result<Poll, PollError> {
        let mut inner = self.lock();
        let state = inner
            .polls
            .get_mut(&key(tenant, room, id))
            .ok_or(PollError::NotFound)?;
        if state.poll.closed_at_ms.is_some() {
            return Err(PollError::Closed);
        }
        let old = state.poll.clone();
        state.poll.closed_at_ms = Some(state.poll.closing_at(by, at_ms));
        state.poll.closed_by = by.cloned();
        let poll = state.poll.clone();
        self.emit(Change::modify(
            Stored::Poll(old),
            Stored::Poll(poll.clone()),
        ));
        Ok(poll)
    }

    async fn claim_results_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &PollId,
        slot_ms: i64,
    ) -> Result<bool, PollError> {
        let mut inner = self.lock();
        // As on the table, the slot stands apart from the poll.
        let Some(state) = inner.polls.get_mut(&key(tenant, room, id)) else {
            return Ok(false);
        };
        if state.slot_ms >= slot_ms {
            return Ok(false);
        }
        state.slot_ms = slot_ms;
        Ok(true)
    }
}
