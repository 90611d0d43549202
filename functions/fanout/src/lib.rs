//! The coalesced fan-out consumer (`sideline_app::coalesce`): the table's stream,
//! filtered to the messages `ws-message` stored as `batched`, invokes it with each
//! delivery window's records (the event source's batching, or devstack's 250 ms
//! windows); it delivers each room's messages of the window in `batch` frames,
//! one read of the room's members per window.
//!
//! A room whose members cannot be read has its records reported as failed, so
//! the stream delivers them again (members who got a frame already get it twice:
//! clients keep messages by id). Posts that still fail after the adapter's
//! retries are counted and left to the clients' catch-up, as for any fan-out.

use std::collections::BTreeMap;

use sideline_app::coalesce::deliver_window;
use sideline_app::fanout::{Broadcaster, FanOutReport};
use sideline_aws::stream::{decode, StreamEvent};
use sideline_domain::config::Limits;
use sideline_domain::ids::{RoomId, TenantId};
use sideline_domain::message::{StoredMessage, Visibility};
use sideline_domain::outbox::{ChangeKind, Stored};
use sideline_lambda::{BatchItemFailure, BatchResponse};
use sideline_ports::Ports;
use tracing::{info, warn};

/// What one invocation delivered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WindowReport {
    /// Rooms delivered to.
    pub rooms: usize,
    /// Messages delivered (in however many frames).
    pub messages: usize,
    /// Posts made, and what became of them.
    pub posts: FanOutReport,
}

/// Delivers the batched messages among `event`'s records; the records of rooms
/// that could not be delivered are the failures.
pub async fn handle_stream<P: Ports>(
    event: StreamEvent,
    ports: &P,
    limits: &Limits,
) -> (BatchResponse, WindowReport) {
    // Per room, its messages and the records they came in.
    let mut rooms: BTreeMap<(TenantId, RoomId), (Vec<StoredMessage>, Vec<String>)> =
        BTreeMap::new();
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
        if decoded.change.kind != ChangeKind::Insert {
            continue;
        }
        let Some(Stored::Message(message)) = decoded.change.new else {
            continue;
        };
        if !message.batched || message.visibility != Visibility::Public {
            continue;
        }
        let entry = rooms
            .entry((message.tenant.clone(), message.room.clone()))
            .or_default();
        entry.1.push(decoded.sequence.clone());
        entry.0.push(message);
    }
    let mut response = BatchResponse::default();
    let mut report = WindowReport::default();
    for ((tenant, room), (messages, sequences)) in rooms {
        let broadcaster = Broadcaster::of(ports, limits, &tenant);
        match deliver_window(&broadcaster, &room, &messages).await {
            Ok(posts) => {
                report.rooms += 1;
                report.messages += messages.len();
                report.posts.absorb(posts);
            }
            Err(error) => {
                warn!(%error, %room, messages = messages.len(), "room's members unreadable; its records go again");
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
            posts = report.posts.delivered,
            throttled = report.posts.throttled,
            deferred = report.posts.deferred,
            "coalesced fan-out"
        );
    }
    (response, report)
}
