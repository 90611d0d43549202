//! The coalesced fan-out consumer (`sideline_app::coalesce`): the table's stream,
//! filtered to the messages, reactions and votes `ws-message` stored as
//! `batched`, invokes it with each delivery window's records (the event source's
//! batching, or devstack's 250 ms windows); it delivers each room's messages,
//! reactions and polls' tallies of the window in `batch` frames, one read of the
//! room's members per window and one of each message reacted to or poll voted in.
//!
//! A room whose members cannot be read has its records reported as failed, so
//! the stream delivers them again (members who got a frame already get it twice:
//! clients keep messages by id, and a reaction's count is the count, not a step);
//! a reacted-to message or poll that cannot be read only has its frames left
//! out. Posts that still fail after the adapter's
//! retries are counted and left to the clients' catch-up, as for any fan-out.

use std::collections::BTreeMap;

use sideline_app::coalesce::{deliver_window, PresenceSent, Window};
use sideline_app::fanout::{Broadcaster, FanOutReport};
use sideline_aws::stream::{decode, StreamEvent};
use sideline_domain::config::Limits;
use sideline_domain::ids::{RoomId, TenantId};
use sideline_domain::message::Visibility;
use sideline_domain::outbox::{ChangeKind, Stored};
use sideline_lambda::{BatchItemFailure, BatchResponse};
use sideline_ports::{Clock, Ports};
use tracing::{info, warn};

/// A record the consumer delivers.
enum Batched {
    Message(sideline_domain::message::StoredMessage),
    /// Turned on (`true`) or taken back.
    Reaction(sideline_domain::message::Reaction, bool),
    Vote(sideline_domain::poll::Vote),
}

/// What one invocation delivered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WindowReport {
    /// Rooms delivered to.
    pub rooms: usize,
    /// Messages delivered (in however many frames).
    pub messages: usize,
    /// Reactions delivered.
    pub reactions: usize,
    /// Votes whose polls' tallies were delivered.
    pub votes: usize,
    /// Posts made, and what became of them.
    pub posts: FanOutReport,
}

/// Delivers the batched messages, reactions and votes among `event`'s records
/// (with each room's presence when it changed since `sent`); the records of
/// rooms that could not be delivered are the failures.
pub async fn handle_stream<P: Ports>(
    event: StreamEvent,
    ports: &P,
    limits: &Limits,
    sent: &PresenceSent,
) -> (BatchResponse, WindowReport) {
    // Per room, its window and the records it came in.
    let mut rooms: BTreeMap<(TenantId, RoomId), (Window, Vec<String>)> = BTreeMap::new();
    for record in &event.records {
        let decoded = match decode(record) {
            Ok(Some(decoded)) => decoded,
            Ok(None) => continue,
            Err(error) => {
                // Not ours to retry: ingest reports the same record.
                warn!(%error, "a stream record fan-out cannot read; skipped");
                continue;
            }
        };
        let change = decoded.change;
        let ((tenant, room), batched) = match (change.kind, change.new, change.old) {
            // A vote changed is as good as one cast: the poll's tally moved.
            (ChangeKind::Insert | ChangeKind::Modify, Some(Stored::Vote(vote)), _)
                if vote.batched =>
            {
                (
                    (vote.tenant.clone(), vote.room.clone()),
                    Batched::Vote(vote),
                )
            }
            (ChangeKind::Insert, Some(Stored::Message(message)), _)
                if message.batched && message.visibility == Visibility::Public =>
            {
                (
                    (message.tenant.clone(), message.room.clone()),
                    Batched::Message(message),
                )
            }
            (ChangeKind::Insert, Some(Stored::Reaction(reaction)), _) if reaction.batched => (
                (reaction.tenant.clone(), reaction.room.clone()),
                Batched::Reaction(reaction, true),
            ),
            // A batched reaction taken back: its `off` keeps the stream's order.
            (ChangeKind::Remove, _, Some(Stored::Reaction(reaction))) if reaction.batched => (
                (reaction.tenant.clone(), reaction.room.clone()),
                Batched::Reaction(reaction, false),
            ),
            _ => continue,
        };
        let (window, sequences) = rooms.entry((tenant, room)).or_default();
        sequences.push(decoded.sequence.clone());
        match batched {
            Batched::Message(message) => window.messages.push(message),
            Batched::Reaction(reaction, on) => window.reactions.push((reaction, on)),
            Batched::Vote(vote) => window.votes.push(vote),
        }
    }
    let mut response = BatchResponse::default();
    let mut report = WindowReport::default();
    for ((tenant, room), (window, sequences)) in rooms {
        let broadcaster = Broadcaster::of(ports, limits, &tenant);
        let now_ms = ports.clock().now_ms();
        match deliver_window(&broadcaster, ports.store(), sent, &room, &window, now_ms).await {
            Ok(posts) => {
                report.rooms += 1;
                report.messages += window.messages.len();
                report.reactions += window.reactions.len();
                report.votes += window.votes.len();
                report.posts.absorb(posts);
            }
            Err(error) => {
                warn!(%error, %room, records = sequences.len(), "room's window not delivered; its records go again");
                response.batch_item_failures.extend(
                    sequences
                        .into_iter()
                        .map(|item_identifier| BatchItemFailure { item_identifier }),
                );
            }
        }
    }
    if report.rooms > 0 {
        info!(
            rooms = report.rooms,
            messages = report.messages,
            reactions = report.reactions,
            votes = report.votes,
            posts = report.posts.delivered,
            throttled = report.posts.throttled,
            deferred = report.posts.deferred,
            "coalesced fan-out"
        );
    }
    (response, report)
}
