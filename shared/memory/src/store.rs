//! [`MemoryStore`]: every storage port in process memory. Made with
//! [`MemoryStore::with_outbox`], it also reports its changes as the outbox's typed
//! [`Change`]s, in the order they happen, as the table's stream would carry them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use sideline_domain::connection::{ConnectionRecord, Member};
use sideline_domain::erasure::{erased_author, kinds, ChainHead, ErasureDone, ErasureRequest};
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{
    ClientMsgId, Emoji, MessageId, Reaction, StoredMessage, Visibility,
};
use sideline_domain::moderation::{
    Decision, RecentMessage, Report, ReportOutcome, ReviewFilter, ReviewItem, ReviewPage,
    ReviewStatus, Sanction, SanctionKind, Scope, UserProfile, UserStanding,
};
use sideline_domain::outbox::{Change, Stored};
use sideline_domain::retention::{day_of_quarter, quarter_of, Class, LegalHold, QUARTERS_PER_DAY};
use sideline_domain::room::{RoomInfo, RoomMode, RoomProfile};
use sideline_domain::scoring::{
    board_key, standings_after, Bucket, BucketKey, Contribution, Decayed, Standing, TierChange,
    TierCuts, TierState, Touched, Window,
};
use sideline_domain::tenant::{TenantConfig, VersionedConfig};
use sideline_ports::{
    Board, BoardEntry, Clock, ConfigStoreError, ConnectionRegistry, CounterError, Counters,
    DecisionError, DecisionLog, DueDemotion, Erased, Erasure, ErasureError, HistoryPage,
    KnownTenant, MessageError, MessageStore, Pseudonyms, PutMessage, Rank, ReactionChange,
    ReactionRequest, RecentError, RecentMessages, RegistryError, Retention, RetentionError,
    ReviewError, ReviewQueue, RoomError, RoomStore, SanctionError, Sanctions, ScoreChange,
    ScoreError, ScoreRecords, ScoreStore, Scored, SeenError, SeenEvents, StoredPseudonym, Swept,
    TenantConfigs, UserData, UserDataError, DEMOTION_LOOKBACK_MS, EXACT_RANKS, MAX_BOARD_DEPTH,
};
use tokio::sync::mpsc;

mod polls;

#[derive(Default)]
struct RoomState {
    info: Option<RoomInfo>,
    /// What the host gave the room (its schedule is in `info` too).
    profile: RoomProfile,
    members: BTreeMap<ConnectionId, Member>,
    messages: BTreeMap<MessageId, StoredMessage>,
    client_ids: HashMap<(UserId, ClientMsgId), MessageId>,
    /// Who reacted with what, and the role, time and request it came with.
    reactions: HashMap<(MessageId, Emoji, UserId), ReactionMeta>,
    /// The last public-message number taken.
    seq: u64,
    /// When the room's presence count was last claimed.
    presence_count_at: Option<i64>,
}

/// What a reaction was stored with (role, time, request, batched), so its
/// removal can show the same item.
type ReactionMeta = (Role, i64, Option<String>, bool);

#[derive(Default)]
struct Inner {
    connections: HashMap<(TenantId, ConnectionId), ConnectionRecord>,
    rooms: HashMap<(TenantId, RoomId), RoomState>,
    sends: HashMap<(TenantId, RoomId, UserId, i64), u32>,
    seen: HashMap<(TenantId, String, String), i64>,
    sanctions: HashMap<(TenantId, UserId), Vec<Sanction>>,
    decisions: BTreeMap<(TenantId, sideline_domain::ids::DecisionId), Decision>,
    violations: HashMap<(TenantId, UserId, i64), u32>,
    slow_slots: HashMap<(TenantId, RoomId, UserId), i64>,
    reports: HashMap<(TenantId, RoomId, MessageId), BTreeSet<UserId>>,
    /// Each report as made (by message and reporter).
    report_records: HashMap<(TenantId, RoomId, MessageId, UserId), Report>,
    reviews: BTreeMap<(TenantId, MessageId), ReviewItem>,
    profiles: HashMap<(TenantId, UserId), UserProfile>,
    recent: HashMap<(TenantId, UserId), Vec<RecentMessage>>,
    standings: HashMap<(TenantId, UserId), Standing>,
    /// Filed tier checks: (due, tenant, user).
    demotions: BTreeSet<(i64, TenantId, UserId)>,
    /// Each board's entries: where they sort (`board_key`) and their score there.
    boards: HashMap<(TenantId, Board), HashMap<UserId, (f64, Decayed)>>,
    configs: HashMap<TenantId, Vec<VersionedConfig>>,
    cuts: HashMap<TenantId, TierCuts>,
    /// Each user's tier changes, oldest first.
    tier_changes: HashMap<(TenantId, UserId), Vec<TierChange>>,
    /// The period of each window whose board a user is on.
    window_periods: HashMap<(TenantId, UserId, Window), String>,
    /// Tenants that have had a document on percentiles.
    percentile_listed: BTreeSet<TenantId>,
    score_buckets: HashMap<(TenantId, BucketKey), Bucket>,
    scored: HashSet<(TenantId, String)>,
    /// Tenants known to hold data, and since when.
    tenants: BTreeMap<TenantId, i64>,
    retention_checkpoints: HashMap<TenantId, BTreeMap<Class, i64>>,
    /// Where the last retention pass that ran out of budget stopped.
    retention_cursor: Option<TenantId>,
    /// When each decided review item was decided.
    review_decided: HashMap<(TenantId, MessageId), i64>,
    erasures: BTreeMap<(TenantId, String), ErasureRequest>,
    /// Users whose erasure is under way (their connections are refused).
    erasing: HashSet<(TenantId, UserId)>,
    /// Requests runs still have work on.
    erasures_due: BTreeSet<(TenantId, String)>,
    secrets: HashMap<TenantId, Vec<u8>>,
    receipt_chains: HashMap<TenantId, ChainHead>,
    /// The erasure ledger: keyed hash -> when erased.
    ledger: HashMap<(TenantId, String), i64>,
    pseudonyms: HashMap<(TenantId, UserId), StoredPseudonym>,
    pseudonym_users: HashMap<(TenantId, String), UserId>,
    /// Decisions whose subject was erased: the keyed hash that replaced it.
    decision_subjects: HashMap<(TenantId, sideline_domain::ids::DecisionId), String>,
    /// Polls by room, each with its votes and the last result slot claimed.
    polls: BTreeMap<(TenantId, RoomId, sideline_domain::poll::PollId), polls::PollState>,
}

impl Inner {
    /// Every room of a tenant that anyone ever joined.
    fn rooms_of(&self, tenant: &TenantId) -> Vec<RoomId> {
        self.rooms
            .keys()
            .filter(|(t, _)| t == tenant)
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// A room's settings; `NotFound` if nobody ever joined it.
    fn room_info(&mut self, tenant: &TenantId, room: &RoomId) -> Result<&mut RoomInfo, RoomError> {
        self.rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.info.as_mut())
            .ok_or(RoomError::RoomNotFound)
    }
}

/// Every storage port in process memory. State is lost when the process ends.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    outbox: Option<OutboxSender>,
}

/// Where a store with an outbox sends its changes, stamped by its clock.
struct OutboxSender {
    changes: mpsc::UnboundedSender<(Change, i64)>,
    pending: Arc<AtomicUsize>,
    clock: Arc<dyn Clock>,
}

/// The receiving end of a store's outbox: its changes in order, each with the time
/// it happened (ms), and how many were sent but not yet marked done (so devstack
/// can wait for the pipeline to drain).
pub struct Outbox {
    pub changes: mpsc::UnboundedReceiver<(Change, i64)>,
    pending: Arc<AtomicUsize>,
}

impl Outbox {
    /// Changes sent and not yet [`Outbox::done`].
    pub fn pending(&self) -> Arc<AtomicUsize> {
        self.pending.clone()
    }

    /// Marks `n` received changes as fully handled.
    pub fn done(&self, n: usize) {
        self.pending.fetch_sub(n, Ordering::SeqCst);
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that reports its changes on the returned [`Outbox`], stamped with
    /// `clock`'s time as the table's stream stamps its records.
    pub fn with_outbox(clock: Arc<dyn Clock>) -> (Self, Outbox) {
        let (changes, receiver) = mpsc::unbounded_channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let store = Self {
            inner: Mutex::default(),
            outbox: Some(OutboxSender {
                changes,
                pending: pending.clone(),
                clock,
            }),
        };
        (
            store,
            Outbox {
                changes: receiver,
                pending,
            },
        )
    }

    /// Reports one change (called with the lock held, so changes keep their order).
    fn emit(&self, change: Change) {
        let Some(outbox) = &self.outbox else { return };
        outbox.pending.fetch_add(1, Ordering::SeqCst);
        if outbox
            .changes
            .send((change, outbox.clock.now_ms()))
            .is_err()
        {
            // Nobody listens any more: nothing is pending either.
            outbox.pending.fetch_sub(1, Ordering::SeqCst);
        }
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

impl ConnectionRegistry for MemoryStore {
    async fn put_connection(&self, record: &ConnectionRecord) -> Result<(), RegistryError> {
        let mut inner = self.lock();
        if inner
            .erasing
            .contains(&(record.tenant.clone(), record.user.clone()))
        {
            return Err(RegistryError::Erasing);
        }
        inner
            .tenants
            .entry(record.tenant.clone())
            .or_insert(record.connected_at_ms);
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
    ) -> Result<Option<ConnectionRecord>, RegistryError> {
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
    ) -> Result<Option<ConnectionRecord>, RegistryError> {
        let mut inner = self.lock();
        let record = inner.connections.remove(&(tenant.clone(), id.clone()));
        if let Some(record) = &record {
            for room in &record.rooms {
                if let Some(state) = inner.rooms.get_mut(&(tenant.clone(), room.clone())) {
                    if let Some(member) = state.members.remove(id) {
                        self.emit(Change::remove(member_of(tenant, room, member)));
                    }
                }
            }
        }
        Ok(record)
    }

    async fn user_connections(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<ConnectionId>, RegistryError> {
        Ok(self
            .lock()
            .connections
            .values()
            .filter(|c| &c.tenant == tenant && &c.user == user)
            .map(|c| c.connection_id.clone())
            .collect())
    }

    async fn user_profile(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<UserProfile>, RegistryError> {
        Ok(self
            .lock()
            .profiles
            .get(&(tenant.clone(), user.clone()))
            .cloned())
    }
}

/// A membership as the outbox knows it.
fn member_of(tenant: &TenantId, room: &RoomId, member: Member) -> Stored {
    Stored::Member {
        tenant: tenant.clone(),
        room: room.clone(),
        member,
    }
}

impl RoomStore for MemoryStore {
    async fn join_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        member: &Member,
        max_rooms: usize,
    ) -> Result<RoomInfo, RoomError> {
        let mut inner = self.lock();
        let key = (tenant.clone(), member.connection_id.clone());
        let connection = inner
            .connections
            .get(&key)
            .ok_or(RoomError::ConnectionNotFound)?;
        if !connection.rooms.contains(room) && connection.rooms.len() >= max_rooms {
            return Err(RoomError::RoomLimit { max: max_rooms });
        }
        if let Some(connection) = inner.connections.get_mut(&key) {
            connection.rooms.insert(room.clone());
        }
        let state = inner
            .rooms
            .entry((tenant.clone(), room.clone()))
            .or_default();
        let info = *state.info.get_or_insert(RoomInfo::new(member.joined_at_ms));
        let old = state
            .members
            .insert(member.connection_id.clone(), member.clone());
        let new = member_of(tenant, room, member.clone());
        match old {
            None => self.emit(Change::insert(new)),
            Some(old) => self.emit(Change::modify(member_of(tenant, room, old), new)),
        }
        Ok(info)
    }

    async fn claim_presence_count(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        now_ms: i64,
        every_ms: i64,
    ) -> Result<bool, RoomError> {
        let mut inner = self.lock();
        let state = inner
            .rooms
            .entry((tenant.clone(), room.clone()))
            .or_default();
        if state
            .presence_count_at
            .is_some_and(|at| at > now_ms.saturating_sub(every_ms))
        {
            return Ok(false);
        }
        state.presence_count_at = Some(now_ms);
        Ok(true)
    }

    async fn leave_room(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
        correlation_id: Option<&str>,
    ) -> Result<bool, RoomError> {
        let mut inner = self.lock();
        if let Some(connection) = inner.connections.get_mut(&(tenant.clone(), id.clone())) {
            connection.rooms.remove(room);
        }
        let removed = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.members.remove(id));
        let was_member = removed.is_some();
        if let Some(mut member) = removed {
            if let Some(correlation) = correlation_id {
                member.correlation_id = Some(correlation.to_owned());
            }
            self.emit(Change::remove(member_of(tenant, room, member)));
        }
        Ok(was_member)
    }

    async fn membership(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &ConnectionId,
    ) -> Result<Option<(Member, RoomInfo)>, RoomError> {
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
    ) -> Result<Vec<Member>, RoomError> {
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
    ) -> Result<(), RoomError> {
        self.lock().room_info(tenant, room)?.mode = mode;
        Ok(())
    }

    async fn set_slow_mode(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        seconds: u32,
    ) -> Result<(), RoomError> {
        self.lock().room_info(tenant, room)?.slow_mode_s = seconds;
        Ok(())
    }

    async fn put_room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        profile: &RoomProfile,
        now_ms: i64,
    ) -> Result<RoomInfo, RoomError> {
        let mut inner = self.lock();
        let state = inner
            .rooms
            .entry((tenant.clone(), room.clone()))
            .or_default();
        let info = state.info.get_or_insert(RoomInfo::new(now_ms));
        info.opens_at_ms = profile.opens_at_ms;
        info.closes_at_ms = profile.closes_at_ms;
        let info = *info;
        state.profile = profile.clone();
        Ok(info)
    }

    async fn room_profile(
        &self,
        tenant: &TenantId,
        room: &RoomId,
    ) -> Result<Option<(RoomInfo, RoomProfile)>, RoomError> {
        let inner = self.lock();
        Ok(inner
            .rooms
            .get(&(tenant.clone(), room.clone()))
            .and_then(|state| state.info.map(|info| (info, state.profile.clone()))))
    }
}

/// The first `limit` messages in `messages`' order, and the last of them as the
/// cursor when more follow.
fn page<'a>(mut messages: impl Iterator<Item = &'a StoredMessage>, limit: usize) -> HistoryPage {
    let taken: Vec<StoredMessage> = messages.by_ref().take(limit).cloned().collect();
    let next = if messages.next().is_some() {
        taken.last().map(|m| m.id)
    } else {
        None
    };
    HistoryPage {
        messages: taken,
        next,
    }
}

impl MessageStore for MemoryStore {
    async fn next_seq(&self, tenant: &TenantId, room: &RoomId) -> Result<u64, MessageError> {
        let mut inner = self.lock();
        let state = inner
            .rooms
            .entry((tenant.clone(), room.clone()))
            .or_default();
        state.seq += 1;
        Ok(state.seq)
    }

    async fn put_message(&self, message: &StoredMessage) -> Result<PutMessage, MessageError> {
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
        self.emit(Change::insert(Stored::Message(message.clone())));
        Ok(PutMessage::Created)
    }

    async fn set_visibility(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        message: &MessageId,
        from: Visibility,
        to: Visibility,
    ) -> Result<StoredMessage, MessageError> {
        let mut inner = self.lock();
        let stored = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .and_then(|state| state.messages.get_mut(message))
            .ok_or(MessageError::NotFound)?;
        if stored.visibility != from {
            return Err(MessageError::VisibilityChanged {
                current: stored.visibility,
                expected: from,
            });
        }
        let old = stored.clone();
        stored.visibility = to;
        let updated = stored.clone();
        self.emit(Change::modify(
            Stored::Message(old),
            Stored::Message(updated.clone()),
        ));
        Ok(updated)
    }

    async fn stored_client_msg(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        author: &UserId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<MessageId>, MessageError> {
        Ok(self
            .lock()
            .rooms
            .get(&(tenant.clone(), room.clone()))
            .and_then(|state| {
                state
                    .client_ids
                    .get(&(author.clone(), client_msg_id.clone()))
                    .copied()
            }))
    }

    async fn message(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        id: &MessageId,
    ) -> Result<Option<StoredMessage>, MessageError> {
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
    ) -> Result<HistoryPage, MessageError> {
        let inner = self.lock();
        let Some(state) = inner.rooms.get(&(tenant.clone(), room.clone())) else {
            return Ok(page(std::iter::empty(), limit));
        };
        let older = state
            .messages
            .values()
            .rev()
            .filter(|m| before.is_none_or(|b| m.id < *b));
        Ok(page(older, limit))
    }

    async fn history_after(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        after: &MessageId,
        limit: usize,
    ) -> Result<HistoryPage, MessageError> {
        let inner = self.lock();
        let Some(state) = inner.rooms.get(&(tenant.clone(), room.clone())) else {
            return Ok(page(std::iter::empty(), limit));
        };
        let newer = state
            .messages
            .range((
                std::ops::Bound::Excluded(*after),
                std::ops::Bound::Unbounded,
            ))
            .map(|(_, m)| m);
        Ok(page(newer, limit))
    }

    async fn set_reaction(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        reaction: &ReactionRequest<'_>,
    ) -> Result<ReactionChange, MessageError> {
        let (message, emoji, user, on) =
            (reaction.message, reaction.emoji, reaction.user, reaction.on);
        let mut inner = self.lock();
        let state = inner
            .rooms
            .get_mut(&(tenant.clone(), room.clone()))
            .filter(|s| s.messages.contains_key(message))
            .ok_or(MessageError::NotFound)?;
        let key = (*message, emoji.clone(), user.clone());
        let stored = |(role, at_ms, correlation_id, batched): ReactionMeta| {
            Stored::Reaction(Reaction {
                tenant: tenant.clone(),
                room: room.clone(),
                message: *message,
                emoji: emoji.clone(),
                user: user.clone(),
                role,
                at_ms,
                correlation_id,
                batched,
            })
        };
        let changed = if on {
            match state.reactions.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let meta = (
                        reaction.role,
                        reaction.at_ms,
                        reaction.correlation_id.map(str::to_owned),
                        reaction.batched,
                    );
                    slot.insert(meta.clone());
                    self.emit(Change::insert(stored(meta)));
                    true
                }
            }
        } else {
            match state.reactions.remove(&key) {
                // The removal shows the reaction as it was stored.
                Some(meta) => {
                    self.emit(Change::remove(stored(meta)));
                    true
                }
                None => false,
            }
        };
        let stored = state
            .messages
            .get_mut(message)
            .ok_or(MessageError::NotFound)?;
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
}

impl Counters for MemoryStore {
    async fn count_send(
        &self,
        tenant: &TenantId,
        room: &RoomId,
        user: &UserId,
        window_start_ms: i64,
        _expires_at_s: i64,
    ) -> Result<u32, CounterError> {
        let mut inner = self.lock();
        // Old windows are of no further use; drop them so the map stays small.
        inner
            .sends
            .retain(|(_, _, _, start), _| *start >= window_start_ms);
        let n = inner
            .sends
            .entry((tenant.clone(), room.clone(), user.clone(), window_start_ms))
            .or_insert(0);
        *n = n.saturating_add(1);
        Ok(*n)
    }

    async fn count_violation(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
        _expires_at_s: i64,
    ) -> Result<u32, CounterError> {
        let mut inner = self.lock();
        let count = inner
            .violations
            .entry((tenant.clone(), user.clone(), window_start_ms))
            .or_default();
        *count = count.saturating_add(1);
        Ok(*count)
    }

    async fn violations(
        &self,
        tenant: &TenantId,
        user: &UserId,
        window_start_ms: i64,
    ) -> Result<u32, CounterError> {
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
    ) -> Result<Option<i64>, CounterError> {
        let mut inner = self.lock();
        let next = inner
            .slow_slots
            .entry((tenant.clone(), room.clone(), user.clone()))
            .or_insert(i64::MIN);
        if *next > now_ms {
            return Ok(Some(*next - now_ms));
        }
        *next = now_ms.saturating_add(gap_ms);
        Ok(None)
    }
}

impl Sanctions for MemoryStore {
    async fn put_sanction(
        &self,
        tenant: &TenantId,
        sanction: &Sanction,
    ) -> Result<(), SanctionError> {
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
    ) -> Result<bool, SanctionError> {
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
    ) -> Result<Vec<Sanction>, SanctionError> {
        Ok(self.sanctions_in_force(tenant, user, now_ms))
    }

    async fn standing(
        &self,
        tenant: &TenantId,
        user: &UserId,
        now_ms: i64,
        window_start_ms: i64,
    ) -> Result<UserStanding, SanctionError> {
        let violations = self
            .lock()
            .violations
            .get(&(tenant.clone(), user.clone(), window_start_ms))
            .copied()
            .unwrap_or(0);
        Ok(UserStanding {
            sanctions: self.sanctions_in_force(tenant, user, now_ms),
            violations,
        })
    }
}

impl MemoryStore {
    fn sanctions_in_force(&self, tenant: &TenantId, user: &UserId, now_ms: i64) -> Vec<Sanction> {
        self.lock()
            .sanctions
            .get(&(tenant.clone(), user.clone()))
            .map(|list| {
                list.iter()
                    .filter(|s| s.in_force(now_ms))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Decisions recorded so far, oldest first (for tests).
    pub fn decisions(&self) -> Vec<Decision> {
        let mut all: Vec<Decision> = self.lock().decisions.values().cloned().collect();
        all.sort_by_key(|d| d.at_ms);
        all
    }
}

impl DecisionLog for MemoryStore {
    async fn record_decision(&self, decision: &Decision) -> Result<(), DecisionError> {
        let mut inner = self.lock();
        let key = (decision.tenant.clone(), decision.id);
        if inner.decisions.contains_key(&key) {
            return Err(DecisionError::AlreadyRecorded { id: decision.id });
        }
        inner.decisions.insert(key, decision.clone());
        self.emit(Change::insert(Stored::Decision(decision.clone())));
        Ok(())
    }
}

impl ReviewQueue for MemoryStore {
    async fn report(&self, report: &Report) -> Result<ReportOutcome, ReviewError> {
        let mut inner = self.lock();
        let exists = inner
            .rooms
            .get(&(report.tenant.clone(), report.room.clone()))
            .and_then(|state| state.messages.get(&report.message))
            // A message whose author changed (erased) is not the one reported.
            .is_some_and(|m| m.author.id == report.author);
        if !exists {
            return Err(ReviewError::MessageNotFound);
        }
        let reporters = inner
            .reports
            .entry((report.tenant.clone(), report.room.clone(), report.message))
            .or_default();
        let new = reporters.insert(report.reporter.clone());
        let reports = u32::try_from(reporters.len()).unwrap_or(u32::MAX);
        if new {
            inner.report_records.insert(
                (
                    report.tenant.clone(),
                    report.room.clone(),
                    report.message,
                    report.reporter.clone(),
                ),
                report.clone(),
            );
            self.emit(Change::insert(Stored::Report(report.clone())));
        }
        Ok(ReportOutcome { reports, new })
    }

    async fn put_review(&self, item: &ReviewItem) -> Result<(), ReviewError> {
        let mut inner = self.lock();
        let key = (item.tenant.clone(), item.message_id);
        match inner.reviews.get(&key) {
            Some(existing) if existing.status != ReviewStatus::Pending => {}
            // A refresh never takes the reports count back.
            Some(existing) if existing.reports > item.reports => {
                let merged = existing.refreshed(item.priority, &item.categories);
                inner.reviews.insert(key, merged);
            }
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
        at_ms: i64,
    ) -> Result<bool, ReviewError> {
        let mut inner = self.lock();
        match inner.reviews.get_mut(&(tenant.clone(), *message)) {
            Some(item) if item.status == ReviewStatus::Pending => {
                item.status = status;
                item.decided_by = Some(by.to_owned());
                inner
                    .review_decided
                    .insert((tenant.clone(), *message), at_ms);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn review_item(
        &self,
        tenant: &TenantId,
        message: &MessageId,
    ) -> Result<Option<ReviewItem>, ReviewError> {
        Ok(self
            .lock()
            .reviews
            .get(&(tenant.clone(), *message))
            .cloned())
    }

    async fn reviews_about(
        &self,
        tenant: &TenantId,
        author: &UserId,
    ) -> Result<Vec<ReviewItem>, ReviewError> {
        Ok(self
            .lock()
            .reviews
            .iter()
            .filter(|((t, _), item)| t == tenant && &item.author_id == author)
            .map(|(_, item)| item.clone())
            .collect())
    }

    async fn review_queue(
        &self,
        tenant: &TenantId,
        filter: &ReviewFilter,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<ReviewPage, ReviewError> {
        let inner = self.lock();
        let items: Vec<ReviewItem> = inner
            .reviews
            .iter()
            .filter(|((t, id), item)| {
                t == tenant && after.is_none_or(|a| id > a) && filter.matches(item)
            })
            .map(|(_, item)| item.clone())
            .take(limit.saturating_add(1))
            .collect();
        Ok(ReviewPage::from_overfetch(items, limit))
    }
}

impl RecentMessages for MemoryStore {
    async fn remember_message(
        &self,
        tenant: &TenantId,
        user: &UserId,
        message: &RecentMessage,
        keep: usize,
    ) -> Result<Vec<RecentMessage>, RecentError> {
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

impl SeenEvents for MemoryStore {
    async fn first_sighting(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
        window_s: i64,
    ) -> Result<bool, SeenError> {
        let mut inner = self.lock();
        inner.seen.retain(|_, expires| *expires > now_s);
        let key = (tenant.clone(), consumer.to_owned(), event_id.to_owned());
        if inner.seen.contains_key(&key) {
            return Ok(false);
        }
        inner.seen.insert(key, now_s.saturating_add(window_s));
        Ok(true)
    }

    async fn seen(
        &self,
        tenant: &TenantId,
        consumer: &str,
        event_id: &str,
        now_s: i64,
    ) -> Result<bool, SeenError> {
        let key = (tenant.clone(), consumer.to_owned(), event_id.to_owned());
        Ok(self
            .lock()
            .seen
            .get(&key)
            .is_some_and(|expires| *expires > now_s))
    }
}

/// Puts a user's score on a board (or takes it off, when not positive).
fn place(
    inner: &mut Inner,
    tenant: &TenantId,
    board: Board,
    user: &UserId,
    score: Decayed,
    decay_per_day: f64,
) {
    let entries = inner.boards.entry((tenant.clone(), board)).or_default();
    match board_key(&score, decay_per_day) {
        Some(key) => {
            entries.insert(user.clone(), (key, score));
        }
        None => {
            entries.remove(user);
        }
    }
}

impl MemoryStore {
    /// A board's entries, highest first (ties by user id).
    fn board(&self, tenant: &TenantId, board: &Board) -> Vec<(f64, BoardEntry)> {
        let inner = self.lock();
        let mut entries: Vec<(f64, BoardEntry)> = inner
            .boards
            .get(&(tenant.clone(), board.clone()))
            .map(|b| {
                b.iter()
                    .map(|(user, (key, score))| {
                        (
                            *key,
                            BoardEntry {
                                user: user.clone(),
                                score: *score,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.user.cmp(&b.1.user)));
        entries
    }

    /// Keeps a standing, recording a tier change for the outbox.
    fn keep_standing(
        &self,
        inner: &mut Inner,
        tenant: &TenantId,
        change: &ScoreChange,
        score_now: f64,
        now_ms: i64,
    ) {
        inner
            .standings
            .insert((tenant.clone(), change.user.clone()), change.standing);
        if change.tier_changed() {
            let record = TierChange {
                tenant: tenant.clone(),
                user: change.user.clone(),
                from: change.previous,
                to: change.standing.tier.tier,
                score: score_now,
                at_ms: now_ms,
            };
            inner
                .tier_changes
                .entry((tenant.clone(), change.user.clone()))
                .or_default()
                .push(record.clone());
            self.emit(Change::insert(Stored::TierChange(record)));
        }
    }
}

impl ScoreStore for MemoryStore {
    async fn score_event(
        &self,
        tenant: &TenantId,
        event_id: &str,
        room: Option<&RoomId>,
        contributions: &[Contribution],
        config: &TenantConfig,
        now_ms: i64,
    ) -> Result<Scored, ScoreError> {
        let mut inner = self.lock();
        inner.tenants.entry(tenant.clone()).or_insert(now_ms);
        let lambda = config.scoring.decay_per_day;
        if !inner.scored.insert((tenant.clone(), event_id.to_owned())) {
            return Ok(Scored::Duplicate);
        }
        let mut touched = Touched::gather(
            contributions,
            |k| {
                inner
                    .score_buckets
                    .get(&(tenant.clone(), k.clone()))
                    .copied()
            },
            |u| {
                inner
                    .standings
                    .get(&(tenant.clone(), u.clone()))
                    .map(|s| s.score)
            },
        );
        let before = touched.scores.clone();
        touched.apply_for(contributions, config);
        let earned = touched.earned.clone();
        for (key, bucket) in &touched.buckets {
            inner
                .score_buckets
                .insert((tenant.clone(), key.clone()), *bucket);
        }
        let tiers: BTreeMap<UserId, TierState> = touched
            .scores
            .keys()
            .filter_map(|u| {
                let kept = inner.standings.get(&(tenant.clone(), u.clone()))?;
                Some((u.clone(), kept.tier))
            })
            .collect();
        let mut changed = Vec::new();
        for (user, standing, previous) in standings_after(
            &touched.scores,
            &tiers,
            lambda,
            |u| config.tiers_for(u),
            now_ms,
        ) {
            let change = ScoreChange {
                user,
                standing,
                previous,
            };
            self.keep_standing(
                &mut inner,
                tenant,
                &change,
                standing.score.at(now_ms, lambda),
                now_ms,
            );
            place(
                &mut inner,
                tenant,
                Board::Tenant,
                &change.user,
                standing.score,
                lambda,
            );
            if change.tier_changed() && change.previous < standing.tier.tier {
                if let Some(due) =
                    standing.demotion_due(&config.scoring, config.tiers_for(&change.user))
                {
                    inner
                        .demotions
                        .insert((due, tenant.clone(), change.user.clone()));
                }
            }
            let old = before.get(&change.user).copied().unwrap_or(Decayed::ZERO);
            let delta = standing.score.minus(&old, lambda);
            for window in Window::ALL {
                let period = config.period(window, now_ms);
                // As in the table: a user is on one period's board of a window at a
                // time, and leaves the last one when they score in the next (or
                // outside any: before a tenant's first season).
                let on = (tenant.clone(), change.user.clone(), window);
                if let Some(last) = inner.window_periods.get(&on).cloned() {
                    if Some(&last) != period.as_ref() {
                        let left = (
                            tenant.clone(),
                            Board::Window {
                                window,
                                period: last,
                            },
                        );
                        if let Some(entries) = inner.boards.get_mut(&left) {
                            entries.remove(&change.user);
                        }
                        inner.window_periods.remove(&on);
                    }
                }
                let Some(period) = period else {
                    continue;
                };
                inner.window_periods.insert(on, period.clone());
                let board = Board::Window { window, period };
                let entries = inner.boards.entry((tenant.clone(), board)).or_default();
                let had = entries.get(&change.user).map_or(0.0, |(_, s)| s.value);
                let points = had + earned.get(&change.user).copied().unwrap_or(0.0);
                if points > 0.0 {
                    entries.insert(change.user.clone(), (points, Decayed::new(points, now_ms)));
                } else {
                    entries.remove(&change.user);
                }
            }
            if let Some(room) = room {
                let board = Board::Room(room.clone());
                let there = inner
                    .boards
                    .get(&(tenant.clone(), board.clone()))
                    .and_then(|b| b.get(&change.user))
                    .map_or(Decayed::ZERO, |(_, s)| *s);
                place(
                    &mut inner,
                    tenant,
                    board,
                    &change.user,
                    there.plus(&delta, lambda),
                    lambda,
                );
            }
            changed.push(change);
        }
        Ok(Scored::Changed(changed))
    }

    async fn user_score(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<Standing>, ScoreError> {
        Ok(self
            .lock()
            .standings
            .get(&(tenant.clone(), user.clone()))
            .copied())
    }

    async fn leaderboard(
        &self,
        tenant: &TenantId,
        board: &Board,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<BoardEntry>, ScoreError> {
        let end = offset.saturating_add(limit).min(MAX_BOARD_DEPTH) as usize;
        Ok(self
            .board(tenant, board)
            .into_iter()
            .take(end)
            .skip(offset as usize)
            .map(|(_, e)| e)
            .collect())
    }

    async fn board_scores(&self, tenant: &TenantId) -> Result<Vec<(UserId, Standing)>, ScoreError> {
        let entries = self.board(tenant, &Board::Tenant);
        let inner = self.lock();
        Ok(entries
            .into_iter()
            .filter_map(|(_, e)| {
                let standing = inner.standings.get(&(tenant.clone(), e.user.clone()))?;
                Some((e.user, *standing))
            })
            .collect())
    }

    async fn rank(
        &self,
        tenant: &TenantId,
        board: &Board,
        user: &UserId,
    ) -> Result<Option<(Rank, Decayed)>, ScoreError> {
        let entries = self.board(tenant, board);
        let Some(at) = entries.iter().position(|(_, e)| &e.user == user) else {
            return Ok(None);
        };
        let (key, entry) = &entries[at];
        let above = entries.iter().filter(|(k, _)| k > key).count() as u32;
        let rank = if above >= EXACT_RANKS {
            Rank::Beyond(EXACT_RANKS)
        } else {
            Rank::Exact(above + 1)
        };
        Ok(Some((rank, entry.score)))
    }

    async fn file_demotion(&self, due: &DueDemotion) -> Result<(), ScoreError> {
        self.lock()
            .demotions
            .insert((due.due_ms, due.tenant.clone(), due.user.clone()));
        Ok(())
    }

    async fn due_demotions(
        &self,
        until_ms: i64,
        limit: usize,
    ) -> Result<Vec<DueDemotion>, ScoreError> {
        let from = until_ms.saturating_sub(DEMOTION_LOOKBACK_MS);
        Ok(self
            .lock()
            .demotions
            .iter()
            .filter(|(due, _, _)| (from..=until_ms).contains(due))
            .take(limit)
            .map(|(due_ms, tenant, user)| DueDemotion {
                tenant: tenant.clone(),
                user: user.clone(),
                due_ms: *due_ms,
            })
            .collect())
    }

    async fn clear_demotion(&self, due: &DueDemotion) -> Result<(), ScoreError> {
        self.lock()
            .demotions
            .remove(&(due.due_ms, due.tenant.clone(), due.user.clone()));
        Ok(())
    }

    async fn buckets(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<(BucketKey, Bucket)>, ScoreError> {
        let inner = self.lock();
        let mut out: Vec<(BucketKey, Bucket)> = inner
            .score_buckets
            .iter()
            .filter(|((t, k), _)| t == tenant && k.user() == user)
            .map(|((_, k), b)| (k.clone(), *b))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn score_records(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<ScoreRecords, ScoreError> {
        let inner = self.lock();
        let mut records = ScoreRecords::default();
        for ((t, board), entries) in &inner.boards {
            if t != tenant {
                continue;
            }
            if let (Board::Room(room), Some((_, score))) = (board, entries.get(user)) {
                records.rooms.push((room.clone(), *score));
            }
        }
        records.rooms.sort_by(|a, b| a.0.cmp(&b.0));
        for window in Window::ALL {
            let key = (tenant.clone(), user.clone(), window);
            if let Some(period) = inner.window_periods.get(&key) {
                let board = Board::Window {
                    window,
                    period: period.clone(),
                };
                let points = inner
                    .boards
                    .get(&(tenant.clone(), board))
                    .and_then(|entries| entries.get(user))
                    .map_or(0.0, |(_, score)| score.value);
                records.windows.push((window, period.clone(), points));
            }
        }
        records.tier_changes = inner
            .tier_changes
            .get(&(tenant.clone(), user.clone()))
            .cloned()
            .unwrap_or_default();
        Ok(records)
    }

    async fn settle_tier(
        &self,
        tenant: &TenantId,
        user: &UserId,
        seen: &Standing,
        tier: TierState,
        score_now: f64,
        now_ms: i64,
    ) -> Result<bool, ScoreError> {
        let mut inner = self.lock();
        let key = (tenant.clone(), user.clone());
        if inner.standings.get(&key) != Some(seen) {
            return Ok(false);
        }
        let change = ScoreChange {
            user: user.clone(),
            standing: Standing {
                score: seen.score,
                tier,
            },
            previous: seen.tier.tier,
        };
        self.keep_standing(&mut inner, tenant, &change, score_now, now_ms);
        Ok(true)
    }
}

impl TenantConfigs for MemoryStore {
    async fn tenant_config(
        &self,
        tenant: &TenantId,
        version: Option<u64>,
    ) -> Result<Option<VersionedConfig>, ConfigStoreError> {
        let inner = self.lock();
        let Some(versions) = inner.configs.get(tenant) else {
            return Ok(None);
        };
        Ok(match version {
            None => versions.last().cloned(),
            Some(v) => versions.iter().find(|c| c.version == v).cloned(),
        })
    }

    async fn put_tenant_config(
        &self,
        tenant: &TenantId,
        expected: u64,
        config: &TenantConfig,
        now_ms: i64,
    ) -> Result<u64, ConfigStoreError> {
        let mut inner = self.lock();
        let versions = inner.configs.entry(tenant.clone()).or_default();
        let current = versions.last().map_or(0, |c| c.version);
        if current != expected {
            return Err(ConfigStoreError::Stale { current });
        }
        versions.push(VersionedConfig {
            version: current + 1,
            config: config.clone(),
            updated_at_ms: now_ms,
        });
        if config.tiers.percentiles.is_some() {
            inner.percentile_listed.insert(tenant.clone());
        }
        inner.tenants.entry(tenant.clone()).or_insert(now_ms);
        Ok(current + 1)
    }

    async fn percentile_tenants(&self) -> Result<Vec<TenantId>, ConfigStoreError> {
        Ok(self.lock().percentile_listed.iter().cloned().collect())
    }

    async fn tier_cuts(&self, tenant: &TenantId) -> Result<Option<TierCuts>, ConfigStoreError> {
        Ok(self.lock().cuts.get(tenant).copied())
    }

    async fn put_tier_cuts(
        &self,
        tenant: &TenantId,
        cuts: &TierCuts,
    ) -> Result<(), ConfigStoreError> {
        self.lock().cuts.insert(tenant.clone(), *cuts);
        Ok(())
    }
}

/// A sweep's tally: what it removed, and whether the limit stopped it.
struct Tally {
    swept: Swept,
    limit: usize,
    hold: LegalHold,
}

impl Tally {
    /// Whether the hold keeps an item of `room` naming `users` (counted).
    fn keeps(&mut self, room: Option<&RoomId>, users: &[&UserId]) -> bool {
        let held = self
            .hold
            .holds(room.map(RoomId::as_str), users.iter().map(|u| u.as_str()));
        if held {
            self.swept.held += 1;
        }
        held
    }

    /// Counts one removal of `kind`; false once the limit is reached (the item
    /// must then be left).
    fn take(&mut self, kind: &str) -> bool {
        if self.swept.removed_total() as usize >= self.limit {
            self.swept.more = true;
            return false;
        }
        *self.swept.removed.entry(kind.to_owned()).or_default() += 1;
        true
    }
}

impl MemoryStore {
    fn sweep_messages(
        &self,
        inner: &mut Inner,
        tenant: &TenantId,
        quarters: &std::ops::RangeInclusive<i64>,
        tally: &mut Tally,
    ) {
        let in_quarter = |ms: i64| quarters.contains(&quarter_of(ms));
        let message_time = |id: &MessageId, fallback: i64| id.time_ms().unwrap_or(fallback);
        for room in inner.rooms_of(tenant) {
            let Some(state) = inner.rooms.get_mut(&(tenant.clone(), room.clone())) else {
                continue;
            };
            let expired: Vec<MessageId> = state
                .messages
                .values()
                .filter(|m| in_quarter(m.created_at_ms))
                .map(|m| m.id)
                .collect();
            for id in expired {
                let author = state.messages.get(&id).map(|m| m.author.id.clone());
                if tally.keeps(Some(&room), &author.iter().collect::<Vec<_>>()) {
                    continue;
                }
                if !tally.take("message") {
                    return;
                }
                if let Some(message) = state.messages.remove(&id) {
                    state.client_ids.retain(|_, m| *m != id);
                    self.emit(Change::remove(Stored::Message(message)));
                }
            }
            let reactions: Vec<(MessageId, Emoji, UserId)> = state
                .reactions
                .iter()
                .filter(|((m, _, _), (_, at, _, _))| in_quarter(message_time(m, *at)))
                .map(|(k, _)| k.clone())
                .collect();
            for key in reactions {
                if tally.keeps(Some(&room), &[&key.2]) {
                    continue;
                }
                if !tally.take("reaction") {
                    return;
                }
                if let Some((role, at_ms, correlation_id, batched)) = state.reactions.remove(&key) {
                    let (message, emoji, user) = key;
                    self.emit(Change::remove(Stored::Reaction(Reaction {
                        tenant: tenant.clone(),
                        room: room.clone(),
                        message,
                        emoji,
                        user,
                        role,
                        at_ms,
                        correlation_id,
                        batched,
                    })));
                }
            }
            // Each report by its own record, at its message's time (its own
            // time for an id that carries none), as the table indexes it.
            let reported: Vec<(TenantId, RoomId, MessageId, UserId)> = inner
                .report_records
                .iter()
                .filter(|((t, r, m, _), report)| {
                    t == tenant && *r == room && in_quarter(message_time(m, report.at_ms))
                })
                .map(|(k, _)| k.clone())
                .collect();
            for key in reported {
                let author = inner.report_records.get(&key).map(|r| r.author.clone());
                let mut users = vec![&key.3];
                users.extend(author.iter());
                if tally.keeps(Some(&room), &users) {
                    continue;
                }
                if !tally.take("report") {
                    return;
                }
                let (t, r, m, reporter) = key.clone();
                let counted = (t, r, m);
                if let Some(set) = inner.reports.get_mut(&counted) {
                    set.remove(&reporter);
                    if set.is_empty() {
                        inner.reports.remove(&counted);
                    }
                }
                if let Some(report) = inner.report_records.remove(&key) {
                    self.emit(Change::remove(Stored::Report(report)));
                }
            }
        }
    }

    fn sweep_read_models(
        &self,
        inner: &mut Inner,
        tenant: &TenantId,
        quarters: &std::ops::RangeInclusive<i64>,
        tally: &mut Tally,
    ) {
        let users: Vec<UserId> = inner
            .standings
            .iter()
            .filter(|((t, _), s)| t == tenant && quarters.contains(&quarter_of(s.score.at_ms)))
            .map(|((_, u), _)| u.clone())
            .collect();
        for user in users {
            if tally.keeps(None, &[&user]) {
                continue;
            }
            if !tally.take("score") {
                return;
            }
            inner.standings.remove(&(tenant.clone(), user.clone()));
            // The score's item carries its tenant and window board entries.
            for ((t, board), entries) in inner.boards.iter_mut() {
                if t == tenant && matches!(board, Board::Tenant | Board::Window { .. }) {
                    entries.remove(&user);
                }
            }
            for window in Window::ALL {
                inner
                    .window_periods
                    .remove(&(tenant.clone(), user.clone(), window));
            }
        }
        let room_entries: Vec<(Board, UserId)> = inner
            .boards
            .iter()
            .filter(|((t, board), _)| t == tenant && matches!(board, Board::Room(_)))
            .flat_map(|((_, board), entries)| {
                entries
                    .iter()
                    .filter(|(_, (_, score))| quarters.contains(&quarter_of(score.at_ms)))
                    .map(move |(user, _)| (board.clone(), user.clone()))
            })
            .collect();
        for (board, user) in room_entries {
            if tally.keeps(None, &[&user]) {
                continue;
            }
            if !tally.take("room_score") {
                return;
            }
            if let Some(entries) = inner.boards.get_mut(&(tenant.clone(), board)) {
                entries.remove(&user);
            }
        }
        let changes: Vec<(UserId, i64)> = inner
            .tier_changes
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .flat_map(|((_, user), changes)| {
                changes
                    .iter()
                    .filter(|c| quarters.contains(&quarter_of(c.at_ms)))
                    .map(move |c| (user.clone(), c.at_ms))
            })
            .collect();
        for (user, at_ms) in changes {
            if tally.keeps(None, &[&user]) {
                continue;
            }
            if !tally.take("tier") {
                return;
            }
            if let Some(kept) = inner.tier_changes.get_mut(&(tenant.clone(), user)) {
                kept.retain(|c| c.at_ms != at_ms);
            }
        }
        let profiles: Vec<UserId> = inner
            .profiles
            .iter()
            .filter(|((t, _), p)| t == tenant && quarters.contains(&quarter_of(p.last_seen_ms)))
            .map(|((_, u), _)| u.clone())
            .collect();
        for user in profiles {
            if tally.keeps(None, &[&user]) {
                continue;
            }
            if !tally.take("user") {
                return;
            }
            inner.profiles.remove(&(tenant.clone(), user));
        }
    }

    fn sweep_live(
        &self,
        inner: &mut Inner,
        tenant: &TenantId,
        quarters: &std::ops::RangeInclusive<i64>,
        tally: &mut Tally,
    ) {
        let connections: Vec<ConnectionId> = inner
            .connections
            .iter()
            .filter(|((t, _), c)| {
                t == tenant && quarters.contains(&quarter_of(c.expires_at_s * 1000))
            })
            .map(|((_, id), _)| id.clone())
            .collect();
        for id in connections {
            let user = inner
                .connections
                .get(&(tenant.clone(), id.clone()))
                .map(|c| c.user.clone());
            if let Some(user) = &user {
                // The connection and the user's entry for it.
                if tally.keeps(None, &[user]) {
                    tally.swept.held += 1;
                    continue;
                }
            }
            // The connection and the user's entry for it: two items, taken together.
            if tally.swept.removed_total() as usize + 2 > tally.limit {
                tally.swept.more = true;
                return;
            }
            tally.take("connection");
            tally.take("user_connection");
            inner.connections.remove(&(tenant.clone(), id));
        }
        for room in inner.rooms_of(tenant) {
            let Some(state) = inner.rooms.get_mut(&(tenant.clone(), room.clone())) else {
                continue;
            };
            let members: Vec<ConnectionId> = state
                .members
                .iter()
                .filter(|(_, m)| quarters.contains(&quarter_of(m.expires_at_s * 1000)))
                .map(|(id, _)| id.clone())
                .collect();
            for id in members {
                let user = state.members.get(&id).map(|m| m.user.clone());
                if tally.keeps(Some(&room), &user.iter().collect::<Vec<_>>()) {
                    continue;
                }
                if !tally.take("member") {
                    return;
                }
                if let Some(member) = state.members.remove(&id) {
                    self.emit(Change::remove(member_of(tenant, &room, member)));
                }
            }
        }
    }
}

impl Retention for MemoryStore {
    async fn known_tenants(
        &self,
        after: Option<&TenantId>,
        limit: usize,
    ) -> Result<Vec<KnownTenant>, RetentionError> {
        Ok(self
            .lock()
            .tenants
            .iter()
            .filter(|(t, _)| after.is_none_or(|a| *t > a))
            .take(limit)
            .map(|(tenant, since)| KnownTenant {
                tenant: tenant.clone(),
                since_ms: *since,
            })
            .collect())
    }

    async fn known_tenant(&self, tenant: &TenantId) -> Result<Option<KnownTenant>, RetentionError> {
        Ok(self.lock().tenants.get(tenant).map(|since| KnownTenant {
            tenant: tenant.clone(),
            since_ms: *since,
        }))
    }

    async fn retention_cursor(&self) -> Result<Option<TenantId>, RetentionError> {
        Ok(self.lock().retention_cursor.clone())
    }

    async fn put_retention_cursor(&self, after: Option<&TenantId>) -> Result<(), RetentionError> {
        self.lock().retention_cursor = after.cloned();
        Ok(())
    }

    async fn retention_checkpoint(
        &self,
        tenant: &TenantId,
    ) -> Result<BTreeMap<Class, i64>, RetentionError> {
        Ok(self
            .lock()
            .retention_checkpoints
            .get(tenant)
            .cloned()
            .unwrap_or_default())
    }

    async fn put_retention_checkpoint(
        &self,
        tenant: &TenantId,
        checkpoint: &BTreeMap<Class, i64>,
    ) -> Result<(), RetentionError> {
        self.lock()
            .retention_checkpoints
            .insert(tenant.clone(), checkpoint.clone());
        Ok(())
    }

    async fn sweep(
        &self,
        tenant: &TenantId,
        class: Class,
        quarters: std::ops::RangeInclusive<i64>,
        limit: usize,
        hold: &LegalHold,
    ) -> Result<Swept, RetentionError> {
        let mut inner = self.lock();
        let mut tally = Tally {
            swept: Swept::default(),
            limit,
            hold: hold.clone(),
        };
        // Once a day keeps a held item, later days are swept but not done.
        let mut kept_back = false;
        let (first, last) = (*quarters.start(), *quarters.end());
        // Day by day, as the index is kept: a sweep cut short leaves whole days
        // behind it.
        for day in day_of_quarter(first)..=day_of_quarter(last) {
            let quarters =
                first.max(day * QUARTERS_PER_DAY)..=last.min((day + 1) * QUARTERS_PER_DAY - 1);
            tally.swept.pages += 1;
            let held_before = tally.swept.held;
            match class {
                Class::Messages => self.sweep_messages(&mut inner, tenant, &quarters, &mut tally),
                Class::ReadModels => {
                    self.sweep_read_models(&mut inner, tenant, &quarters, &mut tally)
                }
                Class::Live => self.sweep_live(&mut inner, tenant, &quarters, &mut tally),
                Class::Reviews => {
                    let decided: Vec<MessageId> = inner
                        .review_decided
                        .iter()
                        .filter(|((t, _), at)| t == tenant && quarters.contains(&quarter_of(**at)))
                        .map(|((_, m), _)| *m)
                        .collect();
                    for message in decided {
                        let item = inner.reviews.get(&(tenant.clone(), message)).cloned();
                        if let Some(item) = &item {
                            if tally.keeps(Some(&item.room), &[&item.author_id]) {
                                continue;
                            }
                        }
                        if !tally.take("review") {
                            break;
                        }
                        inner.review_decided.remove(&(tenant.clone(), message));
                        inner.reviews.remove(&(tenant.clone(), message));
                    }
                }
                Class::Audit => {
                    let decisions: Vec<_> = inner
                        .decisions
                        .iter()
                        .filter(|((t, _), d)| {
                            t == tenant && quarters.contains(&quarter_of(d.at_ms))
                        })
                        .map(|(k, _)| k.clone())
                        .collect();
                    for key in decisions {
                        let (room, subject) = inner
                            .decisions
                            .get(&key)
                            .map(|d| (d.room.clone(), d.subject.clone()))
                            .unwrap_or_default();
                        if tally.keeps(room.as_ref(), &subject.iter().collect::<Vec<_>>()) {
                            continue;
                        }
                        if !tally.take("moderation") {
                            break;
                        }
                        if let Some(decision) = inner.decisions.remove(&key) {
                            self.emit(Change::remove(Stored::Decision(decision)));
                        }
                    }
                }
            }
            if tally.swept.more {
                break;
            }
            kept_back |= tally.swept.held > held_before;
            if !kept_back {
                tally.swept.through = Some(*quarters.end());
            }
        }
        Ok(tally.swept)
    }
}

impl UserData for MemoryStore {
    async fn owned_by(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Vec<Stored>, UserDataError> {
        let inner = self.lock();
        let mut owned: Vec<(i64, Stored)> = Vec::new();
        for ((t, room), state) in &inner.rooms {
            if t != tenant {
                continue;
            }
            for m in state.messages.values().filter(|m| &m.author.id == user) {
                owned.push((m.created_at_ms, Stored::Message(m.clone())));
            }
            for ((message, emoji, who), (role, at_ms, correlation_id, batched)) in &state.reactions
            {
                if who == user {
                    owned.push((
                        *at_ms,
                        Stored::Reaction(Reaction {
                            tenant: tenant.clone(),
                            room: room.clone(),
                            message: *message,
                            emoji: emoji.clone(),
                            user: who.clone(),
                            role: *role,
                            at_ms: *at_ms,
                            correlation_id: correlation_id.clone(),
                            batched: *batched,
                        }),
                    ));
                }
            }
        }
        for ((t, _, _, reporter), report) in &inner.report_records {
            if t == tenant && reporter == user {
                owned.push((report.at_ms, Stored::Report(report.clone())));
            }
        }
        for (_, state) in inner.polls.iter().filter(|((t, _, _), _)| t == tenant) {
            if let Some(vote) = state.votes.get(user) {
                owned.push((vote.at_ms, Stored::Vote(vote.clone())));
            }
            if state.poll.created_by.is(user) {
                owned.push((state.poll.created_at_ms, Stored::Poll(state.poll.clone())));
            }
        }
        for ((t, _), decision) in &inner.decisions {
            if t == tenant && decision.subject.as_ref() == Some(user) {
                owned.push((decision.at_ms, Stored::Decision(decision.clone())));
            }
        }
        owned.sort_by_key(|(at, _)| *at);
        Ok(owned.into_iter().map(|(_, stored)| stored).collect())
    }
}

/// One item erasure reaches, in the order it erases them.
enum Work {
    Reaction(RoomId, MessageId, Emoji),
    Report(RoomId, MessageId),
    Vote(RoomId, sideline_domain::poll::PollId),
    PollCreator(RoomId, sideline_domain::poll::PollId),
    Message(RoomId, MessageId),
    Decision(sideline_domain::ids::DecisionId),
    Acted(sideline_domain::ids::DecisionId),
    Review(MessageId),
    Profile,
    Recent,
    Connection(ConnectionId),
    Sanction(SanctionKind, Scope),
    Violations(i64),
    Sends(RoomId, i64),
    Slow(RoomId),
    ClientId(RoomId, ClientMsgId),
    Standing,
    /// The user's entry on a room's board.
    RoomBoard(RoomId),
    Bucket(BucketKey),
    Demotion(i64),
    TierChange(i64),
    /// An old settings version (its index) whose legal hold names the user.
    Settings(usize),
}

impl Work {
    fn kind(&self) -> &'static str {
        match self {
            Work::Reaction(..) => kinds::REACTIONS,
            Work::Report(..) => kinds::REPORTS,
            Work::Vote(..) => kinds::VOTES,
            Work::PollCreator(..) => kinds::POLLS,
            Work::Message(..) => kinds::MESSAGES,
            Work::Decision(_) => kinds::DECISIONS,
            Work::Acted(_) => kinds::ACTS,
            Work::Review(_) => kinds::REVIEWS,
            Work::Profile | Work::Recent => kinds::PROFILE,
            Work::Connection(_) => kinds::CONNECTIONS,
            Work::Sanction(..) => kinds::SANCTIONS,
            Work::Violations(_) | Work::Sends(..) | Work::Slow(_) | Work::ClientId(..) => {
                kinds::COUNTERS
            }
            Work::Standing
            | Work::RoomBoard(_)
            | Work::Bucket(_)
            | Work::Demotion(_)
            | Work::TierChange(_) => kinds::SCORES,
            Work::Settings(_) => kinds::SETTINGS,
        }
    }
}

impl Inner {
    /// Everything erasure still has to do for `user`.
    fn erasure_work(&self, tenant: &TenantId, user: &UserId) -> Vec<Work> {
        let mut work = Vec::new();
        let t = tenant.clone();
        let mut rooms: Vec<(&RoomId, &RoomState)> = self
            .rooms
            .iter()
            .filter(|((rt, _), _)| rt == tenant)
            .map(|((_, r), state)| (r, state))
            .collect();
        rooms.sort_by(|a, b| a.0.cmp(b.0));
        for (room, state) in &rooms {
            let mut reactions: Vec<_> = state
                .reactions
                .keys()
                .filter(|(_, _, who)| who == user)
                .map(|(m, e, _)| Work::Reaction((*room).clone(), *m, e.clone()))
                .collect();
            reactions.sort_by_key(|w| match w {
                Work::Reaction(_, m, e) => (*m, e.as_str().to_owned()),
                _ => unreachable!(),
            });
            work.extend(reactions);
        }
        let mut reports: Vec<_> = self
            .report_records
            .keys()
            .filter(|(rt, _, _, who)| rt == tenant && who == user)
            .map(|(_, room, m, _)| Work::Report(room.clone(), *m))
            .collect();
        reports.sort_by_key(|w| match w {
            Work::Report(r, m) => (r.clone(), *m),
            _ => unreachable!(),
        });
        work.extend(reports);
        work.extend(
            self.polls
                .iter()
                .filter(|((pt, _, _), state)| pt == tenant && state.votes.contains_key(user))
                .map(|((_, room, poll), _)| Work::Vote(room.clone(), *poll)),
        );
        work.extend(
            self.polls
                .iter()
                .filter(|((pt, _, _), state)| pt == tenant && state.poll.created_by.is(user))
                .map(|((_, room, poll), _)| Work::PollCreator(room.clone(), *poll)),
        );
        for (room, state) in &rooms {
            work.extend(
                state
                    .messages
                    .values()
                    .filter(|m| &m.author.id == user)
                    .map(|m| Work::Message((*room).clone(), m.id)),
            );
        }
        work.extend(
            self.decisions
                .iter()
                .filter(|((dt, _), d)| dt == tenant && d.subject.as_ref() == Some(user))
                .map(|((_, id), _)| Work::Decision(*id)),
        );
        work.extend(
            self.decisions
                .iter()
                .filter(|((dt, _), d)| dt == tenant && d.actor.as_ref() == Some(user))
                .map(|((_, id), _)| Work::Acted(*id)),
        );
        work.extend(
            self.reviews
                .iter()
                .filter(|((rt, _), r)| rt == tenant && &r.author_id == user)
                .map(|((_, m), _)| Work::Review(*m)),
        );
        let tu = (t.clone(), user.clone());
        if self.profiles.contains_key(&tu) {
            work.push(Work::Profile);
        }
        if self.recent.contains_key(&tu) {
            work.push(Work::Recent);
        }
        let mut connections: Vec<_> = self
            .connections
            .values()
            .filter(|c| &c.tenant == tenant && &c.user == user)
            .map(|c| c.connection_id.clone())
            .collect();
        connections.sort();
        work.extend(connections.into_iter().map(Work::Connection));
        // One piece per sanction, as the table keeps them.
        work.extend(
            self.sanctions
                .get(&tu)
                .into_iter()
                .flatten()
                .map(|s| Work::Sanction(s.kind, s.scope.clone())),
        );
        work.extend(
            self.violations
                .keys()
                .filter(|(vt, who, _)| vt == tenant && who == user)
                .map(|(_, _, w)| Work::Violations(*w)),
        );
        work.extend(
            self.sends
                .keys()
                .filter(|(st, _, who, _)| st == tenant && who == user)
                .map(|(_, room, _, w)| Work::Sends(room.clone(), *w)),
        );
        work.extend(
            self.slow_slots
                .keys()
                .filter(|(st, _, who)| st == tenant && who == user)
                .map(|(_, room, _)| Work::Slow(room.clone())),
        );
        for (room, state) in &rooms {
            work.extend(
                state
                    .client_ids
                    .keys()
                    .filter(|(who, _)| who == user)
                    .map(|(_, c)| Work::ClientId((*room).clone(), c.clone())),
            );
        }
        // The score with its tenant and window board entries (one item in the
        // table); each room's entry on its own.
        let on_boards = |room: bool| {
            self.boards.iter().filter(move |((bt, board), entries)| {
                bt == tenant
                    && matches!(board, Board::Room(_)) == room
                    && entries.contains_key(user)
            })
        };
        if self.standings.contains_key(&tu)
            || on_boards(false).next().is_some()
            || self
                .window_periods
                .keys()
                .any(|(wt, who, _)| wt == tenant && who == user)
        {
            work.push(Work::Standing);
        }
        work.extend(on_boards(true).filter_map(|((_, board), _)| match board {
            Board::Room(room) => Some(Work::RoomBoard(room.clone())),
            _ => None,
        }));
        work.extend(
            self.score_buckets
                .keys()
                .filter(|(bt, key)| {
                    bt == tenant
                        && match key {
                            BucketKey::Own { user: u, .. } | BucketKey::Uncapped { user: u } => {
                                u == user
                            }
                            BucketKey::Given { author, giver, .. } => {
                                author == user || giver == user
                            }
                        }
                })
                .map(|(_, key)| Work::Bucket(key.clone())),
        );
        work.extend(
            self.demotions
                .iter()
                .filter(|(_, dt, who)| dt == tenant && who == user)
                .map(|(due, _, _)| Work::Demotion(*due)),
        );
        work.extend(
            self.tier_changes
                .get(&tu)
                .into_iter()
                .flatten()
                .map(|change| Work::TierChange(change.at_ms)),
        );
        // Old settings versions only: a current one naming them keeps the
        // erasure waiting.
        if let Some(versions) = self.configs.get(tenant) {
            let old = versions.len().saturating_sub(1);
            work.extend(
                versions[..old]
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.config.retention.legal_hold.users.contains(user.as_str()))
                    .map(|(i, _)| Work::Settings(i)),
            );
        }
        work
    }

    /// Does one piece of erasure's work.
    fn erase(&mut self, tenant: &TenantId, user: &UserId, subject: &str, work: &Work) {
        let t = tenant.clone();
        let tu = (t.clone(), user.clone());
        match work {
            Work::Vote(room, poll) => {
                if let Some(state) = self.polls.get_mut(&(t.clone(), room.clone(), *poll)) {
                    state.forget_vote(user);
                }
            }
            Work::PollCreator(room, poll) => {
                if let Some(state) = self.polls.get_mut(&(t.clone(), room.clone(), *poll)) {
                    if let sideline_domain::poll::PollActor::User { id, .. } =
                        &mut state.poll.created_by
                    {
                        *id = erased_author();
                    }
                }
            }
            Work::Reaction(room, message, emoji) => {
                if let Some(state) = self.rooms.get_mut(&(t.clone(), room.clone())) {
                    state
                        .reactions
                        .remove(&(*message, emoji.clone(), user.clone()));
                    if let Some(m) = state.messages.get_mut(message) {
                        if let Some(count) = m.reactions.get_mut(emoji.as_str()) {
                            *count = count.saturating_sub(1);
                            if *count == 0 {
                                m.reactions.remove(emoji.as_str());
                            }
                        }
                    }
                }
            }
            Work::Report(room, message) => {
                self.report_records
                    .remove(&(t.clone(), room.clone(), *message, user.clone()));
                if let Some(reporters) = self.reports.get_mut(&(t, room.clone(), *message)) {
                    reporters.remove(user);
                }
            }
            Work::Message(room, id) => {
                for ((rt, rr, rm, _), report) in self.report_records.iter_mut() {
                    if rt == &t && rr == room && rm == id {
                        report.author = erased_author();
                    }
                }
                if let Some(m) = self
                    .rooms
                    .get_mut(&(t, room.clone()))
                    .and_then(|state| state.messages.get_mut(id))
                {
                    m.author.id = erased_author();
                    m.author.name = String::new();
                    m.author.tier = sideline_domain::scoring::Tier::None;
                    m.text = sideline_domain::message::MessageText::from_stored(String::new());
                    m.visibility = Visibility::Removed;
                    m.correlation_id = None;
                    if let Ok(erased) = ClientMsgId::parse("erased") {
                        m.client_msg_id = erased;
                    }
                }
            }
            Work::Decision(id) => {
                if let Some(d) = self.decisions.get_mut(&(t.clone(), *id)) {
                    d.subject = None;
                    d.reason = None;
                    self.decision_subjects.insert((t, *id), subject.to_owned());
                }
            }
            Work::Acted(id) => {
                let Some(decision) = self.decisions.get_mut(&(t.clone(), *id)) else {
                    return;
                };
                decision.actor = None;
                let (target, message) = (decision.subject.clone(), decision.message);
                // What the decision wrote in the user's name.
                if let Some(target) = target {
                    for sanction in self
                        .sanctions
                        .get_mut(&(t.clone(), target))
                        .into_iter()
                        .flatten()
                    {
                        if sanction.by == user.as_str() {
                            sanction.by = subject.to_owned();
                        }
                    }
                }
                if let Some(review) = message.and_then(|m| self.reviews.get_mut(&(t.clone(), m))) {
                    if review.decided_by.as_deref() == Some(user.as_str()) {
                        review.decided_by = Some(subject.to_owned());
                    }
                }
            }
            Work::Review(message) => {
                if let Some(r) = self.reviews.get_mut(&(t, *message)) {
                    r.text = String::new();
                    r.author_id = erased_author();
                }
            }
            Work::Profile => {
                self.profiles.remove(&tu);
            }
            Work::Recent => {
                self.recent.remove(&tu);
            }
            Work::Connection(id) => {
                if let Some(record) = self.connections.remove(&(t.clone(), id.clone())) {
                    for room in &record.rooms {
                        if let Some(state) = self.rooms.get_mut(&(t.clone(), room.clone())) {
                            state.members.remove(id);
                        }
                    }
                }
            }
            Work::Sanction(kind, scope) => {
                if let Some(list) = self.sanctions.get_mut(&tu) {
                    list.retain(|s| !(s.kind == *kind && &s.scope == scope));
                    if list.is_empty() {
                        self.sanctions.remove(&tu);
                    }
                }
            }
            Work::Violations(window) => {
                self.violations.remove(&(t, user.clone(), *window));
            }
            Work::Sends(room, window) => {
                self.sends.remove(&(t, room.clone(), user.clone(), *window));
            }
            Work::Slow(room) => {
                self.slow_slots.remove(&(t, room.clone(), user.clone()));
            }
            Work::ClientId(room, client_id) => {
                if let Some(state) = self.rooms.get_mut(&(t, room.clone())) {
                    state.client_ids.remove(&(user.clone(), client_id.clone()));
                }
            }
            Work::Standing => {
                self.standings.remove(&tu);
                for ((bt, board), entries) in self.boards.iter_mut() {
                    if bt == tenant && !matches!(board, Board::Room(_)) {
                        entries.remove(user);
                    }
                }
                for window in Window::ALL {
                    self.window_periods
                        .remove(&(t.clone(), user.clone(), window));
                }
            }
            Work::RoomBoard(room) => {
                if let Some(entries) = self.boards.get_mut(&(t, Board::Room(room.clone()))) {
                    entries.remove(user);
                }
            }
            Work::Bucket(key) => {
                self.score_buckets.remove(&(t, key.clone()));
            }
            Work::Demotion(due) => {
                self.demotions.remove(&(*due, t, user.clone()));
            }
            Work::Settings(index) => {
                if let Some(version) = self
                    .configs
                    .get_mut(tenant)
                    .and_then(|versions| versions.get_mut(*index))
                {
                    version
                        .config
                        .retention
                        .legal_hold
                        .users
                        .remove(user.as_str());
                }
            }
            Work::TierChange(at_ms) => {
                if let Some(changes) = self.tier_changes.get_mut(&tu) {
                    changes.retain(|change| change.at_ms != *at_ms);
                    if changes.is_empty() {
                        self.tier_changes.remove(&tu);
                    }
                }
            }
        }
    }
}

impl Erasure for MemoryStore {
    async fn tenant_secret(
        &self,
        tenant: &TenantId,
        candidate: &[u8],
    ) -> Result<Vec<u8>, ErasureError> {
        Ok(self
            .lock()
            .secrets
            .entry(tenant.clone())
            .or_insert_with(|| candidate.to_vec())
            .clone())
    }

    async fn erasure_request(
        &self,
        tenant: &TenantId,
        request_id: &str,
    ) -> Result<Option<ErasureRequest>, ErasureError> {
        Ok(self
            .lock()
            .erasures
            .get(&(tenant.clone(), request_id.to_owned()))
            .cloned())
    }

    async fn open_erasure(&self, request: &ErasureRequest) -> Result<ErasureRequest, ErasureError> {
        let mut inner = self.lock();
        let key = (request.tenant.clone(), request.request_id.clone());
        if inner.erasures.contains_key(&key) {
            return Err(ErasureError::Conflict);
        }
        let mut stored = request.clone();
        if let Some(user) = &request.user {
            let tu = (request.tenant.clone(), user.clone());
            inner.erasing.insert(tu.clone());
            if let Some(dropped) = inner.pseudonyms.remove(&tu) {
                inner
                    .pseudonym_users
                    .remove(&(request.tenant.clone(), dropped.pseudonym.clone()));
                stored.pseudonym = Some(dropped.pseudonym);
            }
        }
        inner.erasures_due.insert(key.clone());
        inner.erasures.insert(key, stored.clone());
        Ok(stored)
    }

    async fn save_erasure(&self, request: &ErasureRequest) -> Result<(), ErasureError> {
        let mut inner = self.lock();
        let key = (request.tenant.clone(), request.request_id.clone());
        match inner.erasures.get(&key) {
            Some(stored) if stored.version + 1 == request.version => {}
            _ => return Err(ErasureError::Conflict),
        }
        if !request.status.is_open() && request.rechecked_at_ms.is_some() {
            inner.erasures_due.remove(&key);
        }
        inner.erasures.insert(key, request.clone());
        Ok(())
    }

    async fn due_erasures(&self, limit: usize) -> Result<Vec<(TenantId, String)>, ErasureError> {
        Ok(self
            .lock()
            .erasures_due
            .iter()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn erasure_inventory(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<(BTreeMap<String, u64>, Vec<RoomId>), ErasureError> {
        let inner = self.lock();
        let mut counts = BTreeMap::new();
        let mut rooms = BTreeSet::new();
        for work in inner.erasure_work(tenant, user) {
            *counts.entry(work.kind().to_owned()).or_insert(0) += 1;
            if let Work::Message(room, _)
            | Work::Reaction(room, ..)
            | Work::Report(room, _)
            | Work::Vote(room, _)
            | Work::PollCreator(room, _) = &work
            {
                rooms.insert(room.clone());
            }
        }
        Ok((counts, rooms.into_iter().collect()))
    }

    async fn erase_items(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        _rooms: &[RoomId],
        limit: usize,
    ) -> Result<Erased, ErasureError> {
        let mut inner = self.lock();
        let work = inner.erasure_work(tenant, user);
        let mut erased = Erased {
            more: work.len() > limit,
            ..Erased::default()
        };
        for piece in work.iter().take(limit) {
            inner.erase(tenant, user, subject, piece);
            *erased.counts.entry(piece.kind().to_owned()).or_insert(0) += 1;
        }
        Ok(erased)
    }

    async fn chain_head(&self, tenant: &TenantId) -> Result<Option<ChainHead>, ErasureError> {
        Ok(self.lock().receipt_chains.get(tenant).cloned())
    }

    async fn complete_erasure(
        &self,
        request: &ErasureRequest,
        user: &UserId,
        previous: Option<&ChainHead>,
    ) -> Result<(), ErasureError> {
        let mut inner = self.lock();
        let tenant = &request.tenant;
        let key = (tenant.clone(), request.request_id.clone());
        let version_ok = inner
            .erasures
            .get(&key)
            .is_some_and(|stored| stored.version + 1 == request.version);
        if !version_ok || inner.receipt_chains.get(tenant) != previous {
            return Err(ErasureError::Conflict);
        }
        if let Some(receipt) = &request.receipt {
            inner.receipt_chains.insert(
                tenant.clone(),
                ChainHead {
                    seq: receipt.seq,
                    hash: receipt.hash.clone(),
                },
            );
        }
        let at = request.completed_at_ms.unwrap_or(request.requested_at_ms);
        inner
            .ledger
            .insert((tenant.clone(), request.subject.clone()), at);
        inner.erasing.remove(&(tenant.clone(), user.clone()));
        inner.erasures.insert(key, request.clone());
        self.emit(Change::insert(Stored::ErasureDone(ErasureDone {
            tenant: tenant.clone(),
            request_id: request.request_id.clone(),
            pseudonym: request.pseudonym.clone(),
            at_ms: at,
        })));
        Ok(())
    }

    async fn erased_at(
        &self,
        tenant: &TenantId,
        subject: &str,
    ) -> Result<Option<i64>, ErasureError> {
        Ok(self
            .lock()
            .ledger
            .get(&(tenant.clone(), subject.to_owned()))
            .copied())
    }
}

impl Pseudonyms for MemoryStore {
    async fn stored_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
    ) -> Result<Option<StoredPseudonym>, ErasureError> {
        Ok(self
            .lock()
            .pseudonyms
            .get(&(tenant.clone(), user.clone()))
            .cloned())
    }

    async fn create_pseudonym(
        &self,
        tenant: &TenantId,
        user: &UserId,
        subject: &str,
        candidate: &str,
        at_ms: i64,
    ) -> Result<Option<StoredPseudonym>, ErasureError> {
        let mut inner = self.lock();
        let tu = (tenant.clone(), user.clone());
        if let Some(existing) = inner.pseudonyms.get(&tu) {
            return Ok(Some(existing.clone()));
        }
        if inner.erasing.contains(&tu) {
            return Ok(None);
        }
        let erased_at = inner
            .ledger
            .get(&(tenant.clone(), subject.to_owned()))
            .copied();
        if erased_at.is_some_and(|erased| erased >= at_ms) {
            return Ok(None);
        }
        let stored = StoredPseudonym {
            pseudonym: candidate.to_owned(),
            not_before_ms: erased_at.map_or(0, |erased| erased + 1),
        };
        inner.pseudonyms.insert(tu, stored.clone());
        inner
            .pseudonym_users
            .insert((tenant.clone(), candidate.to_owned()), user.clone());
        Ok(Some(stored))
    }

    async fn user_behind(
        &self,
        tenant: &TenantId,
        pseudonym: &str,
    ) -> Result<Option<UserId>, ErasureError> {
        Ok(self
            .lock()
            .pseudonym_users
            .get(&(tenant.clone(), pseudonym.to_owned()))
            .cloned())
    }
}
