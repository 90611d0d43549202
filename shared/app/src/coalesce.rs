//! Coalesced fan-out for hot rooms.
//!
//! Per-message fan-out costs one `@connections` post per member per message: a
//! room of 1,000 at 100 messages a second needs 100,000 posts a second, ten times
//! what an account may make. Above a load of `members × messages a second`
//! (`Limits::batch_above`), a room's public messages are stored marked `batched`
//! and the send that stores them does not post them; the stream's fan-out consumer
//! (the `fanout` function, or devstack's in-process one) takes each delivery
//! window's messages of the room, reads its members once, and posts each member
//! one `batch` frame holding them in order — a few posts per member a second
//! whatever the message rate. Quiet rooms keep the immediate path.
//!
//! Whether a room is hot is estimated where the sends are, without storing
//! anything more: the room's message numbers (`seq`) count every public message of
//! the room whichever instance stored it, so two numbers an instance has seen, and
//! when, give the room's whole rate ([`HotRooms`]).

use std::collections::HashMap;
use std::sync::Mutex;

use sideline_domain::ids::{RoomId, TenantId};
use sideline_domain::message::StoredMessage;
use sideline_ports::{ConnectionRegistry, Connections, RoomError, RoomStore};
use sideline_protocol::{MessageView, ServerFrame};

use crate::fanout::{Broadcaster, FanOutReport};

/// The load above which a deployment with the fan-out consumer batches a room:
/// 2,000 posts a second (1,000 members at two messages a second).
pub const DEFAULT_BATCH_ABOVE: u64 = 2_000;

/// Largest `batch` frame: API Gateway bills a frame per 32 KB started.
pub const MAX_BATCH_BYTES: usize = 32 * 1024;

/// Rooms an instance remembers the rate of (the least recently seen go first).
const MAX_ROOMS: usize = 4_096;

/// The shortest span a rate is measured over: numbers closer in time say little.
const MIN_SPAN_MS: i64 = 1_000;

/// How long a hot room's member count is used without reading the members again
/// (a hot room's send reads no members: its consumer reads them once a window).
const MEMBERS_FRESH_MS: i64 = 10_000;

/// Rooms whose load calls for batching, as one instance sees them.
#[derive(Debug, Default)]
pub struct HotRooms {
    rooms: Mutex<HashMap<(TenantId, RoomId), Seen>>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    /// A number seen at `at_ms`, at least `MIN_SPAN_MS` before the latest look.
    seq: u64,
    at_ms: i64,
    /// The room was batched at the latest look.
    hot: bool,
    /// When the room was last looked at.
    last_ms: i64,
    /// Its member count, and when it was read.
    members: usize,
    members_at_ms: i64,
}

impl HotRooms {
    /// Whether a public message numbered `seq`, stored at `now_ms` in a room of
    /// `members` connections, goes by the coalesced fan-out: when members × the
    /// room's message rate is above `above` (posts a second), and, once batched,
    /// until it falls under half of it. `above` 0 never batches.
    pub fn batched(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seq: u64,
        now_ms: i64,
        members: usize,
        above: u64,
    ) -> bool {
        if above == 0 {
            return false;
        }
        let above = above as f64;
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if rooms.len() >= MAX_ROOMS && !rooms.contains_key(&(tenant.clone(), room.clone())) {
            // Forget the room seen longest ago.
            if let Some(oldest) = rooms
                .iter()
                .min_by_key(|(_, seen)| seen.last_ms)
                .map(|(key, _)| key.clone())
            {
                rooms.remove(&oldest);
            }
        }
        let seen = rooms.entry((tenant.clone(), room.clone())).or_insert(Seen {
            seq,
            at_ms: now_ms,
            hot: false,
            last_ms: now_ms,
            members,
            members_at_ms: i64::MIN,
        });
        let span_ms = now_ms - seen.at_ms;
        if span_ms >= MIN_SPAN_MS && seq > seen.seq {
            let rate = (seq - seen.seq) as f64 * 1000.0 / span_ms as f64;
            let load = rate * members as f64;
            seen.hot = if seen.hot {
                load >= above / 2.0
            } else {
                load > above
            };
            seen.seq = seq;
            seen.at_ms = now_ms;
        } else if span_ms >= MIN_SPAN_MS {
            // Numbers not moving (or seen out of order): quiet since.
            seen.hot = false;
            seen.seq = seq.max(seen.seq);
            seen.at_ms = now_ms;
        }
        seen.last_ms = now_ms;
        seen.hot
    }

    /// The member count of a room that was hot when last looked at, if it was
    /// read within the last ten seconds: a send to it need not read the members.
    pub fn hot_members(&self, tenant: &TenantId, room: &RoomId, now_ms: i64) -> Option<usize> {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .get(&(tenant.clone(), room.clone()))
            .filter(|seen| seen.hot && now_ms.saturating_sub(seen.members_at_ms) < MEMBERS_FRESH_MS)
            .map(|seen| seen.members)
    }

    /// Notes a room's member count, just read.
    pub fn note_members(&self, tenant: &TenantId, room: &RoomId, members: usize, now_ms: i64) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(seen) = rooms.get_mut(&(tenant.clone(), room.clone())) {
            seen.members = members;
            seen.members_at_ms = now_ms;
        }
    }
}

/// The `batch` frames for one room's messages of a window, in `seq` order (then
/// by id), each at most [`MAX_BATCH_BYTES`] serialised (one message larger than
/// that goes alone).
pub fn batch_frames(room: &RoomId, messages: &[StoredMessage]) -> Vec<ServerFrame> {
    let mut ordered: Vec<&StoredMessage> = messages.iter().collect();
    ordered.sort_by_key(|m| (m.seq.unwrap_or(u64::MAX), m.id));
    ordered.dedup_by_key(|m| m.id);
    // `{"type":"batch","room":"…","frames":[…]}` around the inner frames.
    let envelope = 40 + room.as_str().len();
    let mut frames = Vec::new();
    let mut current: Vec<ServerFrame> = Vec::new();
    let mut bytes = envelope;
    for message in ordered {
        let frame = ServerFrame::Message {
            message: MessageView::from(message),
        };
        let size = frame.to_bytes().len() + 1;
        if !current.is_empty() && bytes + size > MAX_BATCH_BYTES {
            frames.push(ServerFrame::Batch {
                room: room.clone(),
                frames: std::mem::take(&mut current),
            });
            bytes = envelope;
        }
        bytes += size;
        current.push(frame);
    }
    if !current.is_empty() {
        frames.push(ServerFrame::Batch {
            room: room.clone(),
            frames: current,
        });
    }
    frames
}

/// Delivers one room's window of batched messages: one read of the members, then
/// each `batch` frame to each of them.
pub async fn deliver_window<R: RoomStore, G: ConnectionRegistry, C: Connections>(
    broadcaster: &Broadcaster<'_, R, G, C>,
    room: &RoomId,
    messages: &[StoredMessage],
) -> Result<FanOutReport, RoomError> {
    let members = broadcaster
        .rooms
        .room_members(broadcaster.tenant, room)
        .await?;
    let mut total = FanOutReport::default();
    for frame in batch_frames(room, messages) {
        total.absorb(broadcaster.to_members(&members, &frame, None).await);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sideline_domain::identity::Role;
    use sideline_domain::ids::UserId;
    use sideline_domain::message::{Author, ClientMsgId, MessageId, MessageText, Visibility};
    use sideline_domain::scoring::Tier;

    fn message(seq: u64, text: &str) -> StoredMessage {
        let tenant = TenantId::parse("acme").expect("tenant");
        StoredMessage {
            author: Author {
                id: UserId::derive(&tenant, "ada"),
                name: "Ada".into(),
                role: Role::Member,
                tier: Tier::None,
            },
            tenant,
            room: RoomId::parse("hot").expect("room"),
            id: MessageId::at(1_800_000_000_000 + seq as i64),
            text: MessageText::parse(text, 2_000).expect("text"),
            created_at_ms: 1_800_000_000_000,
            reply_to: None,
            client_msg_id: ClientMsgId::parse(&format!("c{seq}")).expect("client id"),
            correlation_id: None,
            reactions: Default::default(),
            visibility: Visibility::Public,
            seq: Some(seq),
            batched: true,
        }
    }

    fn seqs(frame: &ServerFrame) -> Vec<u64> {
        let ServerFrame::Batch { frames, .. } = frame else {
            panic!("not a batch: {frame:?}");
        };
        frames
            .iter()
            .map(|f| match f {
                ServerFrame::Message { message } => message.seq.expect("numbered"),
                other => panic!("not a message: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_window_is_one_frame_in_number_order() {
        let room = RoomId::parse("hot").expect("room");
        // The same record twice (a stream batch delivered again) counts once.
        let first = message(1, "a");
        let frames = batch_frames(
            &room,
            &[message(3, "c"), first.clone(), message(2, "b"), first],
        );
        assert_eq!(frames.len(), 1);
        assert_eq!(seqs(&frames[0]), [1, 2, 3]);
    }

    #[test]
    fn frames_stay_under_32_kb_and_keep_the_order() {
        let room = RoomId::parse("hot").expect("room");
        let long = "x".repeat(1_900);
        let messages: Vec<StoredMessage> = (1..=60).map(|n| message(n, &long)).collect();
        let frames = batch_frames(&room, &messages);
        assert!(frames.len() >= 4, "{} frames", frames.len());
        for frame in &frames {
            assert!(
                frame.to_bytes().len() <= MAX_BATCH_BYTES,
                "{}",
                frame.to_bytes().len()
            );
        }
        let all: Vec<u64> = frames.iter().flat_map(seqs).collect();
        assert_eq!(all, (1..=60).collect::<Vec<_>>());
    }

    #[test]
    fn a_room_turns_hot_above_the_load_and_cools_under_half_of_it() {
        let hot = HotRooms::default();
        let tenant = TenantId::parse("acme").expect("tenant");
        let room = RoomId::parse("match").expect("room");
        let above = 2_000;
        let look = |seq, at_ms, members| hot.batched(&tenant, &room, seq, at_ms, members, above);
        // 1,000 members, 1 message a second: 1,000 posts a second, quiet.
        assert!(!look(1, 0, 1_000));
        assert!(!look(2, 1_000, 1_000));
        // 10 a second: 10,000, hot.
        assert!(look(12, 2_000, 1_000));
        // 1.5 a second: 1,500, still above half: stays hot.
        assert!(look(13, 2_700, 1_000));
        assert!(look(14, 3_000, 1_000));
        // 0.5 a second: 500, cools.
        assert!(!look(15, 5_000, 1_000));
        // Never, with 0.
        assert!(!hot.batched(&tenant, &room, 1_000, 6_000, 1_000_000, 0));
    }

    #[test]
    fn a_hot_room_s_member_count_is_kept_ten_seconds() {
        let hot = HotRooms::default();
        let tenant = TenantId::parse("acme").expect("tenant");
        let room = RoomId::parse("match").expect("room");
        assert!(!hot.batched(&tenant, &room, 1, 0, 1_000, 2_000));
        hot.note_members(&tenant, &room, 1_000, 0);
        // Not hot yet: the members are read.
        assert_eq!(hot.hot_members(&tenant, &room, 500), None);
        assert!(hot.batched(&tenant, &room, 11, 1_000, 1_000, 2_000));
        hot.note_members(&tenant, &room, 1_000, 1_000);
        assert_eq!(hot.hot_members(&tenant, &room, 5_000), Some(1_000));
        assert_eq!(hot.hot_members(&tenant, &room, 11_000), None);
    }
}
