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
//! Reactions turned on in a room hot at the `react` are stored `batched` the
//! same way and ride the same frames, after the window's messages, each with its
//! emoji's count as read when the window is delivered (one read per message
//! reacted to). A reaction turned off goes the immediate way (the stream shows a
//! removal as the item was stored, so it cannot tell a removal made in a hot
//! room from one made in a quiet room); a batched one taken back within a minute
//! also rides the window, in the stream's order, so a client that got the
//! immediate `off` before the window's `on` ends with the `off`, and an `on`
//! taken back within its window is left out. Votes cast in a hot room are
//! stored `batched` too: a window with votes in a poll carries the poll's `poll`
//! frame, read at delivery, after its reactions — at most one update per poll a
//! window, in place of the vote's own update (at most two a second). And a
//! window whose room's presence (the member read it makes anyway) differs from
//! what this consumer last sent the room carries a `presence` frame, last: a
//! hot room hears of joins and leaves within a window, at no extra post.
//!
//! Whether a room is hot is estimated where the sends are, without storing
//! anything more: the room's message numbers (`seq`) count every public message of
//! the room whichever instance stored it, so two numbers an instance has seen, and
//! when, give the room's whole rate ([`HotRooms`]).

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::stream::{self, StreamExt};
use sideline_domain::connection::Member;
use sideline_domain::ids::{RoomId, TenantId};
use sideline_domain::message::{MessageId, Reaction, StoredMessage, Visibility};
use sideline_domain::poll::{Poll, PollId, Vote};
use sideline_domain::scoring::Tier;
use sideline_ports::{
    ConnectionRegistry, Connections, MessageStore, PollStore, RoomError, RoomStore,
};
use sideline_protocol::{MessageView, PollView, ServerFrame, UserView};
use tracing::warn;

use crate::fanout::{presence_view, Broadcaster, FanOutReport};

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
/// (a hot room's send reads no members: its consumer reads them once a window),
/// and how long a room found hot counts as hot for a `react` with no send since.
const MEMBERS_FRESH_MS: i64 = 10_000;

/// Messages (for their counts) or polls (for their tallies) one window reads at once.
const READS_IN_FLIGHT: usize = 16;

/// How old a batched reaction taken back may be for its window to carry the
/// `off` (older ones are long delivered; and a removal by retention or erasure
/// is no news for the room).
const TAKEN_BACK_WITHIN_MS: i64 = 60_000;

/// A room's place in a per-room map: when the map is full and the room is new,
/// the entry `age` says is oldest goes first.
fn make_room<V>(
    map: &mut HashMap<(TenantId, RoomId), V>,
    key: &(TenantId, RoomId),
    age: impl Fn(&V) -> i64,
) {
    if map.len() >= MAX_ROOMS && !map.contains_key(key) {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| age(v))
            .map(|(key, _)| key.clone())
        {
            map.remove(&oldest);
        }
    }
}

/// Rooms whose load calls for batching, as one instance sees them.
#[derive(Debug, Default)]
pub struct HotRooms {
    rooms: Mutex<HashMap<(TenantId, RoomId), Seen>>,
    /// Reactions and votes this instance took, per room.
    interactions: Mutex<HashMap<(TenantId, RoomId), Interactions>>,
}

/// A room's reactions and votes as one instance counts them, by the second.
#[derive(Debug, Clone, Copy)]
struct Interactions {
    /// The second being counted, and its count so far.
    second_ms: i64,
    count: u64,
    /// The count of the second before it.
    last: u64,
    /// The room's member count as last read for a reaction or vote (0: not read).
    members: usize,
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

impl Seen {
    /// Hot at the last look, within the last ten seconds.
    fn hot_at(&self, now_ms: i64) -> bool {
        self.hot && now_ms.saturating_sub(self.last_ms) < MEMBERS_FRESH_MS
    }
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
        let key = (tenant.clone(), room.clone());
        // Forget the room seen longest ago.
        make_room(&mut rooms, &key, |seen| seen.last_ms);
        let seen = rooms.entry(key).or_insert(Seen {
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

    /// Whether the room was hot when last looked at, within the last ten
    /// seconds: a reaction turned on in it now goes by the coalesced fan-out.
    /// An instance that has seen no send to the room says no (the immediate way
    /// is always correct, only dearer).
    pub fn is_hot(&self, tenant: &TenantId, room: &RoomId, now_ms: i64) -> bool {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .get(&(tenant.clone(), room.clone()))
            .is_some_and(|seen| seen.hot_at(now_ms))
    }

    /// Whether a reaction or vote taken at `now_ms` goes by the coalesced
    /// fan-out: when the room is hot ([`HotRooms::is_hot`]), or when members ×
    /// the reactions and votes a second this instance takes in it is above
    /// `above` on its own — a burst of reactions with few messages would
    /// otherwise post members × its rate. The rate is this instance's count
    /// over the last second (or the current one, if higher): with several
    /// instances it is a share of the room's. `above` 0 never batches.
    pub fn interaction_batched(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        now_ms: i64,
        above: u64,
    ) -> bool {
        if above == 0 {
            return false;
        }
        let key = (tenant.clone(), room.clone());
        // One look at the room's messages: hot, and the member count they read.
        let known = {
            let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
            match rooms.get(&key) {
                Some(seen) if seen.hot_at(now_ms) => return true,
                Some(seen) => seen.members,
                None => 0,
            }
        };
        let mut counts = self.interactions.lock().unwrap_or_else(|e| e.into_inner());
        // Forget the room counted longest ago.
        make_room(&mut counts, &key, |c| c.second_ms);
        let second_ms = now_ms - now_ms.rem_euclid(1_000);
        let c = counts.entry(key).or_insert(Interactions {
            second_ms,
            count: 0,
            last: 0,
            members: 0,
        });
        if second_ms > c.second_ms {
            c.last = if second_ms - c.second_ms == 1_000 {
                c.count
            } else {
                0
            };
            c.second_ms = second_ms;
            c.count = 0;
        }
        c.count += 1;
        let members = if c.members > 0 { c.members } else { known };
        c.last.max(c.count) as f64 * members as f64 > above as f64
    }

    /// Notes a room's member count, read for a reaction or vote.
    pub fn note_interaction_members(&self, tenant: &TenantId, room: &RoomId, members: usize) {
        let mut counts = self.interactions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = counts.get_mut(&(tenant.clone(), room.clone())) {
            c.members = members;
        }
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

/// One room's records of a delivery window: the messages, the reactions (turned
/// on, or taken back: `false`) and the votes that were stored `batched`, each in
/// the stream's order.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub messages: Vec<StoredMessage>,
    pub reactions: Vec<(Reaction, bool)>,
    pub votes: Vec<Vote>,
}

/// The presence a consumer last sent each room in a `batch` (a digest of the
/// frame), so a window carries it only when it changed. Per process: a new
/// consumer instance sends each room's once more.
#[derive(Debug, Default)]
pub struct PresenceSent {
    rooms: Mutex<HashMap<(TenantId, RoomId), u64>>,
}

impl PresenceSent {
    /// Whether `frame` differs from what the room was last sent, noting it.
    fn changed(&self, tenant: &TenantId, room: &RoomId, frame: &ServerFrame) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        frame.to_bytes().hash(&mut hasher);
        let digest = hasher.finish();
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let key = (tenant.clone(), room.clone());
        if rooms.get(&key) == Some(&digest) {
            return false;
        }
        // Any room will do: one forgotten only hears its presence again.
        make_room(&mut rooms, &key, |_| 0);
        rooms.insert(key, digest);
        true
    }
}

/// What a window's frames are made of, read at delivery: the messages reacted
/// to (their counts) and the polls voted in (their tallies), with the room's
/// members.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub messages: HashMap<MessageId, StoredMessage>,
    pub polls: Vec<Poll>,
    pub members: Vec<Member>,
    pub now_ms: i64,
    /// The room's presence, when it changed since this consumer last sent it.
    pub presence: Option<ServerFrame>,
}

/// A window's inner frames, in order: its messages by `seq` (then by id), then
/// its reactions in the stream's order, each record once (a stream batch
/// delivered again repeats records; an `on` taken back later in the window is
/// left out, an `off` of a reaction made over a minute ago too), then the polls
/// voted in, then the presence if it changed. A reaction carries its emoji's
/// count as `read` (a message not there, or not public, has its reactions left
/// out) and its user as the room's members show them (the id for a name, for a
/// user gone since).
pub fn window_frames(window: &Window, read: &Read) -> Vec<ServerFrame> {
    let (counts, members) = (&read.messages, &read.members);
    let mut messages: Vec<&StoredMessage> = window.messages.iter().collect();
    messages.sort_by_key(|m| (m.seq.unwrap_or(u64::MAX), m.id));
    messages.dedup_by_key(|m| m.id);
    fn key(r: &Reaction) -> (i64, MessageId, &str, &str) {
        (r.at_ms, r.message, r.emoji.as_str(), r.user.as_str())
    }
    // Where each reaction was last taken back in the window.
    let taken_back: HashMap<_, usize> = window
        .reactions
        .iter()
        .enumerate()
        .filter(|(_, (_, on))| !on)
        .map(|(at, (r, _))| (key(r), at))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let reactions: Vec<(&Reaction, bool)> = window
        .reactions
        .iter()
        .enumerate()
        .filter(|(_, (r, on))| seen.insert((key(r), *on)))
        .filter(|(at, (r, on))| {
            if *on {
                // Not taken back later in the window.
                taken_back.get(&key(r)).is_none_or(|off| off < at)
            } else {
                read.now_ms.saturating_sub(r.at_ms) <= TAKEN_BACK_WITHIN_MS
            }
        })
        .map(|(_, (r, on))| (r, *on))
        .collect();
    let mut frames: Vec<ServerFrame> = messages
        .into_iter()
        .map(|message| ServerFrame::Message {
            message: MessageView::from(message),
        })
        .collect();
    for (reaction, on) in reactions {
        let Some(message) = counts
            .get(&reaction.message)
            .filter(|m| m.visibility == Visibility::Public)
        else {
            continue;
        };
        let user = match members.iter().find(|m| m.user == reaction.user) {
            Some(member) => UserView {
                id: member.user.clone(),
                name: member.name.clone(),
                role: member.role,
                tier: member.tier,
            },
            None => UserView {
                id: reaction.user.clone(),
                name: reaction.user.as_str().to_owned(),
                role: reaction.role,
                tier: Tier::None,
            },
        };
        frames.push(ServerFrame::Reaction {
            room: reaction.room.clone(),
            message_id: reaction.message,
            emoji: reaction.emoji.clone(),
            count: message
                .reactions
                .get(reaction.emoji.as_str())
                .copied()
                .unwrap_or(0),
            on,
            user,
            request_id: None,
        });
    }
    frames.extend(read.polls.iter().map(|poll| ServerFrame::Poll {
        poll: PollView::of(poll, read.now_ms, None),
        request_id: None,
    }));
    frames.extend(read.presence.clone());
    frames
}

/// `frames` in `batch` frames, in order, each at most [`MAX_BATCH_BYTES`]
/// serialised (one inner frame larger than that goes alone).
pub fn batch_frames(room: &RoomId, frames: Vec<ServerFrame>) -> Vec<ServerFrame> {
    // `{"type":"batch","room":"…","frames":[…]}` around the inner frames.
    let envelope = 40 + room.as_str().len();
    let mut batches = Vec::new();
    let mut current: Vec<ServerFrame> = Vec::new();
    let mut bytes = envelope;
    for frame in frames {
        let size = frame.to_bytes().len() + 1;
        if !current.is_empty() && bytes + size > MAX_BATCH_BYTES {
            batches.push(ServerFrame::Batch {
                room: room.clone(),
                frames: std::mem::take(&mut current),
            });
            bytes = envelope;
        }
        bytes += size;
        current.push(frame);
    }
    if !current.is_empty() {
        batches.push(ServerFrame::Batch {
            room: room.clone(),
            frames: current,
        });
    }
    batches
}

/// Delivers one room's window: one read of the members, one of each message
/// reacted to and each poll voted in, then each `batch` frame to each member.
/// `sent` is what presence this consumer last sent each room. Only the members
/// read failing fails the window (its records go again); a message or poll that
/// cannot be read has its frames left out, logged.
pub async fn deliver_window<R, G, C, S>(
    broadcaster: &Broadcaster<'_, R, G, C>,
    store: &S,
    sent: &PresenceSent,
    room: &RoomId,
    window: &Window,
    now_ms: i64,
) -> Result<FanOutReport, RoomError>
where
    R: RoomStore,
    G: ConnectionRegistry,
    C: Connections,
    S: MessageStore + PollStore,
{
    let tenant = broadcaster.tenant;
    let mut reacted: Vec<MessageId> = window.reactions.iter().map(|(r, _)| r.message).collect();
    reacted.sort();
    reacted.dedup();
    let mut voted: Vec<PollId> = window.votes.iter().map(|v| v.poll).collect();
    voted.sort();
    voted.dedup();
    let messages = stream::iter(reacted)
        .map(|id| async move { (id, store.message(tenant, room, &id).await) })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect::<Vec<_>>();
    let polls = stream::iter(voted)
        .map(|id| async move { (id, store.poll(tenant, room, &id).await) })
        .buffered(READS_IN_FLIGHT)
        .collect::<Vec<_>>();
    let (members, messages, polls) = tokio::join!(
        broadcaster.rooms.room_members(tenant, room),
        messages,
        polls
    );
    let mut read = Read {
        members: members?,
        now_ms,
        ..Read::default()
    };
    for (id, message) in messages {
        match message {
            Ok(Some(message)) => {
                read.messages.insert(id, message);
            }
            Ok(None) => {}
            Err(error) => {
                warn!(%error, %room, message = %id, "reacted-to message unreadable; its reactions left out of the window")
            }
        }
    }
    for (id, poll) in polls {
        match poll {
            Ok(poll) => read.polls.extend(poll),
            Err(error) => {
                warn!(%error, %room, poll = %id, "voted-in poll unreadable; its tally left out of the window")
            }
        }
    }
    let presence = ServerFrame::Presence {
        room: room.clone(),
        presence: presence_view(&read.members, broadcaster.limits.presence_list_max),
        request_id: None,
    };
    // Only a window that has something to deliver: its presence rides along.
    if !(window.messages.is_empty() && window.reactions.is_empty() && window.votes.is_empty())
        && sent.changed(tenant, room, &presence)
    {
        read.presence = Some(presence);
    }
    let mut total = FanOutReport::default();
    for frame in batch_frames(room, window_frames(window, &read)) {
        total.absorb(broadcaster.to_members(&read.members, &frame, None).await);
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

    fn only_messages(messages: Vec<StoredMessage>) -> Vec<ServerFrame> {
        let window = Window {
            messages,
            ..Window::default()
        };
        window_frames(&window, &Read::default())
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
            only_messages(vec![message(3, "c"), first.clone(), message(2, "b"), first]),
        );
        assert_eq!(frames.len(), 1);
        assert_eq!(seqs(&frames[0]), [1, 2, 3]);
    }

    #[test]
    fn frames_stay_under_32_kb_and_keep_the_order() {
        let room = RoomId::parse("hot").expect("room");
        let long = "x".repeat(1_900);
        let messages: Vec<StoredMessage> = (1..=60).map(|n| message(n, &long)).collect();
        let frames = batch_frames(&room, only_messages(messages));
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

    fn reaction(on: &StoredMessage, by: &str, emoji: &str, at_ms: i64) -> Reaction {
        Reaction {
            tenant: on.tenant.clone(),
            room: on.room.clone(),
            message: on.id,
            emoji: sideline_domain::message::Emoji::parse(emoji).expect("emoji"),
            user: UserId::derive(&on.tenant, by),
            role: Role::Member,
            at_ms,
            correlation_id: None,
            batched: true,
        }
    }

    #[test]
    fn reactions_follow_the_messages_with_the_counts_read_at_delivery() {
        let first = message(1, "a");
        let second = message(2, "b");
        let mut read = second.clone();
        read.reactions = [("🔥".to_owned(), 7)].into();
        let mut removed = first.clone();
        removed.visibility = Visibility::Removed;
        let cy = Member {
            connection_id: sideline_domain::ids::ConnectionId::parse("c-cy").expect("id"),
            user: UserId::derive(&first.tenant, "cy"),
            name: "Cy".into(),
            role: Role::Moderator,
            joined_at_ms: 0,
            expires_at_s: 0,
            correlation_id: None,
            tier: Tier::Gold,
        };
        let late = reaction(&second, "cy", "🔥", 20);
        let undone = reaction(&second, "ed", "🔥", 12);
        let window = Window {
            messages: vec![second.clone(), first.clone()],
            // In the stream's order: one by a user gone since, one taken back
            // later in the window, one to a message removed since, one
            // repeated, one taken back long after it was made.
            reactions: vec![
                (reaction(&second, "dee", "🔥", 10), true),
                (undone.clone(), true),
                (reaction(&first, "cy", "👍", 15), true),
                (late.clone(), true),
                (undone, false),
                (late, true),
                (reaction(&second, "cy", "👍", -70_000), false),
            ],
            ..Window::default()
        };
        let read = Read {
            messages: HashMap::from([(second.id, read), (first.id, removed)]),
            members: vec![cy],
            ..Read::default()
        };
        let frames = window_frames(&window, &read);
        let shown: Vec<String> = frames
            .iter()
            .map(|f| match f {
                ServerFrame::Message { message } => format!("message {}", message.text),
                ServerFrame::Reaction {
                    emoji,
                    count,
                    on,
                    user,
                    ..
                } => format!(
                    "{} {} {count} {on} {} {:?}",
                    user.name,
                    emoji.as_str(),
                    user.role,
                    user.tier
                ),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        let dee = UserId::derive(&first.tenant, "dee");
        let ed = UserId::derive(&first.tenant, "ed");
        assert_eq!(
            shown,
            [
                "message a".to_owned(),
                "message b".to_owned(),
                format!("{dee} 🔥 7 true member None"),
                "Cy 🔥 7 true moderator Gold".to_owned(),
                format!("{ed} 🔥 7 false member None"),
            ]
        );
    }

    #[test]
    fn a_room_s_presence_is_sent_again_only_when_it_changed() {
        let sent = PresenceSent::default();
        let tenant = TenantId::parse("acme").expect("tenant");
        let (a, b) = (
            RoomId::parse("a").expect("room"),
            RoomId::parse("b").expect("room"),
        );
        let count = |room: &RoomId, count: usize| ServerFrame::Presence {
            room: room.clone(),
            presence: sideline_protocol::PresenceView { count, users: None },
            request_id: None,
        };
        assert!(sent.changed(&tenant, &a, &count(&a, 1_000)));
        assert!(!sent.changed(&tenant, &a, &count(&a, 1_000)));
        assert!(sent.changed(&tenant, &b, &count(&b, 1_000)), "per room");
        assert!(sent.changed(&tenant, &a, &count(&a, 1_001)));
        assert!(sent.changed(&tenant, &a, &count(&a, 1_000)));
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
    fn a_burst_of_reactions_is_batched_on_its_own_and_a_hot_room_s_always() {
        let hot = HotRooms::default();
        let tenant = TenantId::parse("acme").expect("tenant");
        let room = RoomId::parse("match").expect("room");
        let above = 2_000;
        // Members unknown: the first reactions go the immediate way, and their
        // read tells the count.
        assert!(!hot.interaction_batched(&tenant, &room, 0, above));
        hot.note_interaction_members(&tenant, &room, 1_000);
        assert!(!hot.interaction_batched(&tenant, &room, 10, above));
        // The third in one second: 3 × 1,000 posts a second is above.
        assert!(hot.interaction_batched(&tenant, &room, 20, above));
        // The next second is judged by this one's three until it has more.
        assert!(hot.interaction_batched(&tenant, &room, 1_500, above));
        // A second with none between: quiet again.
        assert!(!hot.interaction_batched(&tenant, &room, 3_000, above));
        // Never, with 0.
        assert!(!hot.interaction_batched(&tenant, &room, 3_001, 0));
        // A room hot by its messages batches every reaction.
        let busy = RoomId::parse("busy").expect("room");
        assert!(!hot.batched(&tenant, &busy, 1, 10_000, 1_000, above));
        assert!(hot.batched(&tenant, &busy, 21, 11_000, 1_000, above));
        assert!(hot.interaction_batched(&tenant, &busy, 11_001, above));
        assert!(
            !hot.interaction_batched(&tenant, &busy, 21_001, above),
            "hot no longer: no send for 10 s"
        );
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
