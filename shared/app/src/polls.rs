//! Polls as the room sees them: `poll` frames on create and close, lapsed polls
//! closed when next touched, and result updates coalesced to at most one per
//! [`RESULTS_EVERY_MS`] per poll however many votes arrive.
//!
//! Coalescing works across function instances with one conditional write: a
//! vote stored at `t` claims the update due at the end of its half-second
//! window (`slot = ⌊t / 500⌋·500 + 500`). One claimer per slot wins; it waits
//! until the slot and then reads the tally — which by then holds every vote
//! stored before the slot, including those of the votes that lost the claim —
//! and sends it. So each vote is shown within half a second, and a poll sends at
//! most two updates a second to its room.

use std::time::Duration;

use sideline_domain::config::Limits;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId};
use sideline_domain::poll::{Poll, PollActor, MAX_OPEN_POLLS, RESULTS_EVERY_MS};
use sideline_ports::{Clock, PollError, PollStore, Ports, RoomError};
use sideline_protocol::{PollView, ServerFrame};
use tracing::{debug, warn};

use crate::fanout::Broadcaster;

/// Why a room could not be told of a poll.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(transparent)]
    Poll(#[from] PollError),
    #[error(transparent)]
    Room(#[from] RoomError),
}

/// The slot a result update for a vote stored at `at_ms` is due in.
pub fn results_slot(at_ms: i64) -> i64 {
    (at_ms.div_euclid(RESULTS_EVERY_MS) + 1) * RESULTS_EVERY_MS
}

/// Tells a room of its polls, over one bundle of ports.
pub struct PollRoom<'a, P> {
    pub ports: &'a P,
    pub limits: &'a Limits,
    pub tenant: &'a TenantId,
}

impl<P: Ports> PollRoom<'_, P> {
    /// Sends the poll, as of now, to every member of its room but `except`.
    pub async fn announce(
        &self,
        poll: &Poll,
        except: Option<&ConnectionId>,
    ) -> Result<(), AnnounceError> {
        let frame = ServerFrame::Poll {
            poll: PollView::of(poll, self.ports.clock().now_ms(), None),
            request_id: None,
        };
        Broadcaster::of(self.ports, self.limits, self.tenant)
            .to_room(&poll.room, &frame, except)
            .await?;
        Ok(())
    }

    /// Stores a new poll — after recording the close of lapsed ones, which frees
    /// their places — and tells its room, but `except`.
    pub async fn create(
        &self,
        poll: &Poll,
        except: Option<&ConnectionId>,
    ) -> Result<(), AnnounceError> {
        self.open_polls(&poll.room).await?;
        let now_ms = self.ports.clock().now_ms();
        self.ports
            .store()
            .create_poll(poll, MAX_OPEN_POLLS, now_ms)
            .await?;
        tracing::info!(poll = %poll.id, options = poll.options.len(), "poll created");
        self.tell(poll, except).await;
        Ok(())
    }

    /// [`PollRoom::announce`] after the change is stored: a failure is logged,
    /// since the change stands (members see it on their next `join`).
    async fn tell(&self, poll: &Poll, except: Option<&ConnectionId>) {
        if let Err(err) = self.announce(poll, except).await {
            warn!(error = %err, poll = %poll.id, "could not tell the room of a poll");
        }
    }

    /// Closes a poll by hand and tells its room, but `except`. The close names
    /// `by` if they created the poll, else only their role. A poll whose time
    /// came is closed at that time instead, and `Closed` returned.
    pub async fn close(
        &self,
        poll: &Poll,
        by: &PollActor,
        except: Option<&ConnectionId>,
    ) -> Result<Poll, AnnounceError> {
        let now_ms = self.ports.clock().now_ms();
        if poll.lapsed(now_ms) {
            self.close_lapsed(poll).await?;
            return Err(PollError::Closed.into());
        }
        let by = by.clone().closing(poll);
        let closed = self
            .ports
            .store()
            .close_poll(self.tenant, &poll.room, &poll.id, Some(&by), now_ms)
            .await?;
        tracing::info!(poll = %closed.id, voters = closed.voters, "poll closed");
        self.tell(&closed, except).await;
        Ok(closed)
    }

    /// The room's open polls, after recording the close of those whose time
    /// came (each announced to the room).
    pub async fn open_polls(&self, room: &RoomId) -> Result<Vec<Poll>, AnnounceError> {
        let store = self.ports.store();
        let now_ms = self.ports.clock().now_ms();
        let mut open = Vec::new();
        for poll in store.unclosed_polls(self.tenant, room).await? {
            if poll.lapsed(now_ms) {
                self.close_lapsed(&poll).await?;
            } else {
                open.push(poll);
            }
        }
        Ok(open)
    }

    /// Records the close of a poll whose time came, and tells the room; a close
    /// someone else recorded first is fine.
    pub async fn close_lapsed(&self, poll: &Poll) -> Result<(), AnnounceError> {
        let now_ms = self.ports.clock().now_ms();
        match self
            .ports
            .store()
            .close_poll(self.tenant, &poll.room, &poll.id, None, now_ms)
            .await
        {
            Ok(closed) => {
                self.tell(&closed, None).await;
                Ok(())
            }
            Err(PollError::Closed) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// After a vote that moved the tally: claims this window's update and, if
    /// this caller won it, waits for the window's end and sends the tally then.
    /// Returns whether it sent it.
    pub async fn results_after_vote(&self, poll: &Poll) -> Result<bool, AnnounceError> {
        let clock = self.ports.clock();
        let slot = results_slot(clock.now_ms());
        let claimed = self
            .ports
            .store()
            .claim_results_slot(self.tenant, &poll.room, &poll.id, slot)
            .await?;
        if !claimed {
            debug!(poll = %poll.id, slot, "results update already claimed");
            return Ok(false);
        }
        let wait = slot - clock.now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let Some(latest) = self
            .ports
            .store()
            .poll(self.tenant, &poll.room, &poll.id)
            .await?
        else {
            return Ok(false);
        };
        self.announce(&latest, None).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vote_is_shown_at_the_end_of_its_half_second() {
        assert_eq!(results_slot(0), 500);
        assert_eq!(results_slot(499), 500);
        assert_eq!(results_slot(500), 1000);
        assert_eq!(results_slot(1_800_000_000_250), 1_800_000_000_500);
    }
}
