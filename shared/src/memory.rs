//! In-memory adapters: the store devstack uses by default and handler tests use,
//! and a recording `@connections` for handler tests. They pass the same contract
//! suite as the AWS adapters.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::dynamo::{
    decision_item, member_item, message_item, reaction_item, report_item, stream_image,
};
use crate::identity::Role;
use crate::moderation::record::{
    Decision, RecentMessage, Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage,
    ReviewStatus, Sanction, SanctionKind, Scope, UserProfile,
};
use crate::stream::{StreamChange, StreamRecord};

use crate::identity::{TenantId, UserId};
use crate::message::{ClientMsgId, Emoji, MessageId, StoredMessage, Visibility};
use crate::ports::{
    CommunityStore, ConnectionId, ConnectionRecord, Connections, HistoryPage, Member,
    ModerationStore, PostError, PutMessage, ReactionChange, ReactionRequest, RoomInfo, SeenEvents,
    StoreError,
};
use crate::room::{RoomId, RoomMode};

#[derive(Default)]
struct RoomState {
    info: Option<RoomInfo>,
    members: BTreeMap<ConnectionId, Member>,
    messages: BTreeMap<MessageId, StoredMessage>,
    client_ids: HashMap<(UserId, ClientMsgId), MessageId>,
    /// Who reacted with what, and the role, time and request it came with.
    reactions: HashMap<(MessageId, Emoji, UserId), ReactionMeta>,
}

/// What a reaction was stored with, so its removal can show the same item.
type ReactionMeta = (Role, i64, Option<String>);

#[derive(Default)]
struct Inner {
    connections: HashMap<(TenantId, ConnectionId), ConnectionRecord>,
    rooms: HashMap<(TenantId, RoomId), RoomState>,
    sends: HashMap<(TenantId, RoomId, UserId, i64), u32>,
    seen: HashMap<(TenantId, String, String), i64>,
    sanctions: HashMap<(TenantId, UserId), Vec<Sanction>>,
    decisions: BTreeMap<(TenantId, MessageId), Decision>,
    violations: HashMap<(TenantId, UserId, i64), u32>,
    slow_slots: HashMap<(TenantId, RoomId, UserId), i64>,
    reports: HashMap<(TenantId, RoomId, MessageId), BTreeSet<UserId>>,
    reviews: BTreeMap<(TenantId, MessageId), ReviewItem>,
    profiles: HashMap<(TenantId, UserId), UserProfile>,
    recent: HashMap<(TenantId, UserId), Vec<RecentMessage>>,
}

impl Inner {
    /// A room's settings; `NotFound` if nobody ever joined it.
    fn room_info(&mut self, tenant: &TenantId, room: &RoomId) -> Result<&mut RoomInfo, StoreError> {
        self.rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.info.as_mut())
            .ok_or(StoreError::NotFound { what: "room" })
    }
}

/// A [`CommunityStore`] in process memory. State is lost when the process ends.
///
/// Made with [`MemoryStore::with_stream`], it also emits the stream records the
/// DynamoDB table's stream would carry for memberships, messages and reactions,
/// with images built by the DynamoDB adapter's own item builders, so devstack's
/// `ingest` reads exactly what it would read in AWS.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    stream: Option<StreamTap>,
}

struct StreamTap {
    records: mpsc::UnboundedSender<StreamRecord>,
    sequence: AtomicU64,
}

type Item = HashMap<String, AttributeValue>;

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that emits its changes as stream records on the returned receiver.
    pub fn with_stream() -> (Self, mpsc::UnboundedReceiver<StreamRecord>) {
        let (records, receiver) = mpsc::unbounded_channel();
        let store = Self {
            inner: Mutex::default(),
            stream: Some(StreamTap {
                records,
                sequence: AtomicU64::new(0),
            }),
        };
        (store, receiver)
    }

    /// Emits one change (called with the lock held, so records keep the order of
    /// the changes).
    fn emit(&self, name: &str, new: Option<Item>, old: Option<Item>) {
        let Some(tap) = &self.stream else { return };
        let Some(image) = new.as_ref().or(old.as_ref()) else {
            return;
        };
        let keys = image
            .iter()
            .filter(|(k, _)| k.as_str() == "PK" || k.as_str() == "SK")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let sequence = tap.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let _ = tap.records.send(StreamRecord {
            event_id: Some(format!("local-{sequence}")),
            event_name: name.to_owned(),
            dynamodb: StreamChange {
                approximate_creation_date_time: Some(now.floor()),
                keys: stream_image(&keys),
                new_image: new.as_ref().map(stream_image),
                old_image: old.as_ref().map(stream_image),
                sequence_number: format!("{sequence:021}"),
            },
            user_identity: None,
        });
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written entry behind
        // (every method writes last), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of stored messages in every room of every tenant (for tests).
    pub fn message_count(&self) -> usize {
        self.lock().rooms.values().map(|r| r.messages.len()).sum()
    }

    /// Number of recorded connections (for tests).
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }
}

impl CommunityStore for MemoryStore {
    async fn put_connection(&self, record: &ConnectionRecord) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.profiles.insert(
            (record.tenant.clone(), record.user.clone()),
            UserProfile {
                user: record.user.clone(),
                name: record.name.clone(),
                role: record.role,
                last_seen_ms: record.connected_at_ms,
            },
        );
        inner.connections.insert(
            (record.tenant.clone(), record.connection_id.clone()),
            record.clone(),
        );
        Ok(())
    }

    async fn connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        Ok(self
            .lock()
            .connections
            .get(&(tenant.clone(), id.clone()))
            .cloned())
    }

    async fn remove_connection(
        &self,
        tenant: &TenantId,
        id: &ConnectionId,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        let mut inner = self.lock();
        let record = inner.connections.remove(&(tenant.clone(), id.clone()));
        if let Some(record) = &record {
            for room in &record.rooms {
                if let Some(state) = inner.rooms.get_mut(&(tenant.clone(), room.clone())) {
                    if let Some(member) = state.members.remove(id) {
                        self.emit("REMOVE", None, Some(member_item(tenant, room, &member)));
                    }
                }
            }
        }
        Ok(record)
    }

    async fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> Result<RoomInfo, StoreError> {
        let mut inner = self.lock();
        let key = (tenant.clone(), member.connection_id.clone());
        let connection = inner
            .connections
            .get(&key)
            .ok_or(StoreError::NotFound { what: "connection" })?;
        if !connection.rooms.contains(room) && connection.rooms.len() >= max_rooms {
            return Err(StoreError::LimitReached(format!(
                "a connection may be in at most {max_rooms} rooms"
            )));
        }
        if let Some(connection) = inner.connections.get_mut(&key) {
            connection.rooms.insert(room.clone());
        }
        let state = inner
            .rooms
            .entry((tenant.clone(), room.clone()))
            .or_default();
        let info = *state.info.get_or_insert(RoomInfo {
            mode: RoomMode::Open,
            created_at_ms: member.joined_at_ms,
            slow_mode_s: 0,
        });
        let old = state
            .members
            .insert(member.connection_id.clone(), member.clone());
        let new_item = member_item(tenant, room, member);
        match old {
            None => self.emit("INSERT", Some(new_item), None),
            Some(old) => self.emit(
                "MODIFY",
                Some(new_item),
                Some(member_item(tenant, room, &old)),
            ),
        }
        Ok(info)
    }

    async fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        if let Some(connection) = inner.connections.get_mut(&(tenant.clone(), id.clone())) {
            connection.rooms.remove(room);
        }
        let removed = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.members.remove(id));
        if let Some(mut member) = removed.clone() {
            if let Some(correlation) = correlation_id {
                member.correlation_id = Some(correlation.to_owned());
            }
            self.emit("REMOVE", None, Some(member_item(tenant, room, &member)));
        }
        Ok(removed.is_some())
    }

    async fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> Result<Option<(Member, RoomInfo)>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .rooms
            .get(&(tenant.clone(), room.clone()))
            .and_then(|state| Some((state.members.get(id)?.clone(), state.info?))))
    }

    async fn room_members(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Vec<Member>, StoreError> {
        Ok(self
            .lock()
            .rooms
            .get(&(tenant.clone(), room.clone()))
            .map(|state| state.members.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn set_room_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        mode: RoomMode,
    ) -> Result<(), StoreError> {
        self.lock().room_info(tenant, room)?.mode = mode;
        Ok(())
    }

    async fn put_message(&self, message: &StoredMessage) -> Result<PutMessage, StoreError> {
        let mut inner = self.lock();
        let state = inner
            .rooms
            .entry((message.tenant.clone(), message.room.clone()))
            .or_default();
        let key = (message.author.id.clone(), message.client_msg_id.clone());
        if let Some(existing) = state.client_ids.get(&key) {
            return Ok(PutMessage::Duplicate {
                existing: *existing,
            });
        }
        state.client_ids.insert(key, message.id);
        state.messages.insert(message.id, message.clone());
        self.emit("INSERT", Some(message_item(message)), None);
        Ok(PutMessage::Created)
    }

    async fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> Result<StoredMessage, StoreError> {
        let mut inner = self.lock();
        let stored = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.messages.get_mut(message))
            .ok_or(StoreError::NotFound { what: "message" })?;
        if stored.visibility != from {
            return Err(StoreError::Conflict(format!(
                "the message is {}, not {}",
                stored.visibility.as_str(),
                from.as_str()
            )));
        }
        let old = message_item(stored);
        stored.visibility = to;
        let updated = stored.clone();
        self.emit("MODIFY", Some(message_item(&updated)), Some(old));
        Ok(updated)
    }

    async fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<Option<StoredMessage>, StoreError> {
        Ok(self
            .lock()
            .rooms
            .get(&(tenant.clone(), room.clone()))
            .and_then(|state| state.messages.get(id).cloned()))
    }

    async fn history(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> Result<HistoryPage, StoreError> {
        let inner = self.lock();
        let Some(state) = inner.rooms.get(&(tenant.clone(), room.clone())) else {
            return Ok(HistoryPage {
                messages: Vec::new(),
                next: None,
            });
        };
        let mut older = state
            .messages
            .values()
            .rev()
            .filter(|m| before.is_none_or(|b| m.id < *b));
        let messages: Vec<StoredMessage> = older.by_ref().take(limit).cloned().collect();
        let more = older.next().is_some();
        let next = if more {
            messages.last().map(|m| m.id)
        } else {
            None
        };
        Ok(HistoryPage { messages, next })
    }

    async fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> Result<ReactionChange, StoreError> {
        let (message, emoji, user, on) =
            (reaction.message, reaction.emoji, reaction.user, reaction.on);
        let mut inner = self.lock();
        let state = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .filter(|s| s.messages.contains_key(message))
            .ok_or(StoreError::NotFound { what: "message" })?;
        let key = (*message, emoji.clone(), user.clone());
        let changed = if on {
            match state.reactions.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((
                        reaction.role,
                        reaction.at_ms,
                        reaction.correlation_id.map(str::to_owned),
                    ));
                    self.emit("INSERT", Some(reaction_item(tenant, room, reaction)), None);
                    true
                }
            }
        } else {
            match state.reactions.remove(&key) {
                Some((role, at_ms, correlation)) => {
                    let original = ReactionRequest {
                        role,
                        at_ms,
                        correlation_id: correlation.as_deref(),
                        on: true,
                        ..*reaction
                    };
                    self.emit("REMOVE", None, Some(reaction_item(tenant, room, &original)));
                    true
                }
                None => false,
            }
        };
        let stored = state
            .messages
            .get_mut(message)
            .ok_or(StoreError::NotFound { what: "message" })?;
        let count = stored
            .reactions
            .entry(emoji.as_str().to_owned())
            .or_insert(0);
        if changed {
            *count = if on {
                *count + 1
            } else {
                count.saturating_sub(1)
            };
        }
        let count = *count;
        if count == 0 {
            stored.reactions.remove(emoji.as_str());
        }
        Ok(ReactionChange { count, changed })
    }

    async fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        _expires_at_s: i64,
    ) -> Result<u32, StoreError> {
        let mut inner = self.lock();
        // Old windows are of no further use; drop them so the map stays small.
        inner
            .sends
            .retain(|(_, _, _, start), _| *start >= window_start_ms);
        let n = inner
            .sends
            .entry((tenant.clone(), room.clone(), user.clone(), window_start_ms))
            .or_insert(0);
        *n += 1;
        Ok(*n)
    }
}

impl ModerationStore for MemoryStore {
    async fn put_sanction(&self, tenant: &TenantId, sanction: &Sanction) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let list = inner
            .sanctions
            .entry((tenant.clone(), sanction.user.clone()))
            .or_default();
        list.retain(|s| !(s.kind == sanction.kind && s.scope == sanction.scope));
        list.push(sanction.clone());
        Ok(())
    }

    async fn lift_sanction(
        &self,
        tenant: &TenantId,
        user: &UserId,
        kind: SanctionKind,
        scope: &Scope,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let Some(list) = inner.sanctions.get_mut(&(tenant.clone(), user.clone())) else {
            return Ok(false);
        };
        let before = list.len();
        list.retain(|s| !(s.kind == kind && &s.scope == scope));
        Ok(list.len() != before)
    }

    async fn sanctions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
    ) -> Result<Vec<Sanction>, StoreError> {
        Ok(self
            .lock()
            .sanctions
            .get(&(tenant.clone(), user.clone()))
            .map(|list| {
                list.iter()
                    .filter(|s| s.in_force(now_ms))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn record_decision(&self, decision: &Decision) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let key = (decision.tenant.clone(), decision.id);
        if inner.decisions.contains_key(&key) {
            return Err(StoreError::Conflict(format!(
                "decision {} is already recorded",
                decision.id
            )));
        }
        inner.decisions.insert(key, decision.clone());
        self.emit("INSERT", Some(decision_item(decision)), None);
        Ok(())
    }

    async fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        _expires_at_s: i64,
    ) -> Result<u32, StoreError> {
        let mut inner = self.lock();
        let count = inner
            .violations
            .entry((tenant.clone(), user.clone(), window_start_ms))
            .or_default();
        *count += 1;
        Ok(*count)
    }

    async fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> Result<u32, StoreError> {
        Ok(self
            .lock()
            .violations
            .get(&(tenant.clone(), user.clone(), window_start_ms))
            .copied()
            .unwrap_or(0))
    }

    async fn claim_slow_slot(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        now_ms: i64,
        gap_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut inner = self.lock();
        let next = inner
            .slow_slots
            .entry((tenant.clone(), room.clone(), user.clone()))
            .or_insert(i64::MIN);
        if *next > now_ms {
            return Ok(Some(*next - now_ms));
        }
        *next = now_ms + gap_ms;
        Ok(None)
    }

    async fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> Result<(), StoreError> {
        self.lock().room_info(tenant, room)?.slow_mode_s = seconds;
        Ok(())
    }

    async fn report(&self, report: &Report) -> Result<ReportOutcome, StoreError> {
        let mut inner = self.lock();
        let exists = inner
            .rooms
            .get(&(report.tenant.clone(), report.room.clone()))
            .is_some_and(|state| state.messages.contains_key(&report.message));
        if !exists {
            return Err(StoreError::NotFound { what: "message" });
        }
        let reporters = inner
            .reports
            .entry((report.tenant.clone(), report.room.clone(), report.message))
            .or_default();
        let new = reporters.insert(report.reporter.clone());
        let reports = u32::try_from(reporters.len()).unwrap_or(u32::MAX);
        if new {
            self.emit("INSERT", Some(report_item(report)), None);
        }
        Ok(ReportOutcome { reports, new })
    }

    async fn put_review(&self, item: &ReviewItem) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let key = (item.tenant.clone(), item.message_id);
        match inner.reviews.get(&key) {
            Some(existing) if existing.status != ReviewStatus::Pending => {}
            _ => {
                inner.reviews.insert(key, item.clone());
            }
        }
        Ok(())
    }

    async fn close_review(
        &self,
        tenant: &TenantId,
        message: &MessageId,
        status: ReviewStatus,
        by: &str,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match inner.reviews.get_mut(&(tenant.clone(), *message)) {
            Some(item) if item.status == ReviewStatus::Pending => {
                item.status = status;
                item.decided_by = Some(by.to_owned());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> Result<Option<ReviewItem>, StoreError> {
        Ok(self
            .lock()
            .reviews
            .get(&(tenant.clone(), *message))
            .cloned())
    }

    async fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<ReviewPage, StoreError> {
        let inner = self.lock();
        let items: Vec<ReviewItem> = inner
            .reviews
            .iter()
            .filter(|((t, id), item)| {
                t == tenant && after.is_none_or(|a| id > a) && filter.matches(item)
            })
            .map(|(_, item)| item.clone())
            .take(limit + 1)
            .collect();
        Ok(ReviewPage::from_overfetch(items, limit))
    }

    async fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<UserProfile>, StoreError> {
        Ok(self
            .lock()
            .profiles
            .get(&(tenant.clone(), user.clone()))
            .cloned())
    }

    async fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<ConnectionId>, StoreError> {
        Ok(self
            .lock()
            .connections
            .values()
            .filter(|c| &c.tenant == tenant && &c.user == user)
            .map(|c| c.connection_id.clone())
            .collect())
    }

    async fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> Result<Vec<RecentMessage>, StoreError> {
        let mut inner = self.lock();
        let recent = inner
            .recent
            .entry((tenant.clone(), user.clone()))
            .or_default();
        if !recent.iter().any(|r| r.message == message.message) {
            recent.push(message.clone());
        }
        recent.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
        recent.truncate(keep);
        Ok(recent.clone())
    }
}

/// Decisions recorded so far, oldest first (for tests).
impl MemoryStore {
    pub fn decisions(&self) -> Vec<Decision> {
        self.lock().decisions.values().cloned().collect()
    }
}

impl SeenEvents for MemoryStore {
    async fn first_sighting(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
        window_s: i64,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        inner.seen.retain(|_, expires| *expires > now_s);
        let key = (tenant.clone(), consumer.to_owned(), event_id.to_owned());
        if inner.seen.contains_key(&key) {
            return Ok(false);
        }
        inner.seen.insert(key, now_s + window_s);
        Ok(true)
    }

    async fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> Result<bool, StoreError> {
        let key = (tenant.clone(), consumer.to_owned(), event_id.to_owned());
        Ok(self
            .lock()
            .seen
            .get(&key)
            .is_some_and(|expires| *expires > now_s))
    }
}

/// A [`Connections`] that records every frame, for handler tests. Posting to a
/// connection that was never opened, or was killed, is `Gone`.
#[derive(Default)]
pub struct RecordingConnections {
    inner: Mutex<RecordingInner>,
}

#[derive(Default)]
struct RecordingInner {
    frames: HashMap<ConnectionId, Vec<Value>>,
    open: HashSet<ConnectionId>,
    closed: Vec<ConnectionId>,
}

impl RecordingConnections {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, RecordingInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn open(&self, id: &ConnectionId) {
        self.lock().open.insert(id.clone());
    }

    /// The socket dies without `$disconnect`: later posts are `Gone`.
    pub fn kill(&self, id: &ConnectionId) {
        self.lock().open.remove(id);
    }

    /// Takes the frames posted to `id` so far.
    pub fn take(&self, id: &ConnectionId) -> Vec<Value> {
        self.lock().frames.remove(id).unwrap_or_default()
    }

    /// Connections closed through [`Connections::disconnect`].
    pub fn closed(&self) -> Vec<ConnectionId> {
        self.lock().closed.clone()
    }
}

impl Connections for RecordingConnections {
    async fn post(&self, id: &ConnectionId, payload: &[u8]) -> Result<(), PostError> {
        let mut inner = self.lock();
        if !inner.open.contains(id) {
            return Err(PostError::Gone);
        }
        let value: Value =
            serde_json::from_slice(payload).map_err(|e| PostError::Failed(Box::new(e)))?;
        inner.frames.entry(id.clone()).or_default().push(value);
        Ok(())
    }

    async fn disconnect(&self, id: &ConnectionId) -> Result<(), PostError> {
        let mut inner = self.lock();
        if !inner.open.remove(id) {
            return Err(PostError::Gone);
        }
        inner.closed.push(id.clone());
        Ok(())
    }
}
