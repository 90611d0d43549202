//! The contract every storage adapter must pass, one module per port. The same
//! checks run against the in-memory store and against DynamoDB (moto in tests);
//! each check works in a tenant of its own, so they can share one table. A check
//! is bound by the ports it uses, so an adapter of one port runs its module alone.

#![allow(clippy::missing_panics_doc)]

pub mod counters;
pub mod decisions;
pub mod erasure;
pub mod messages;
pub mod polls;
pub mod recent;
pub mod registry;
pub mod retention;
pub mod reviews;
pub mod rooms;
pub mod sanctions;
pub mod scores;
pub mod seen;
pub mod tenants;
pub mod user_data;

pub(crate) use std::collections::{BTreeMap, BTreeSet};

pub(crate) use sideline_domain::connection::{ConnectionRecord, Member};
pub(crate) use sideline_domain::identity::Role;
pub(crate) use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
pub(crate) use sideline_domain::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, StoredMessage, Visibility,
};
pub(crate) use sideline_domain::moderation::{
    Decision, DecisionKind, Priority, RecentMessage, Report, ReportOutcome, ReviewFilter,
    ReviewItem, ReviewStatus, Sanction, SanctionKind, Scope, Stage,
};
pub(crate) use sideline_domain::room::RoomMode;
pub(crate) use sideline_ports::{
    ConnectionRegistry, Counters, DecisionError, DecisionLog, MessageError, MessageStore,
    PutMessage, ReactionRequest, RecentMessages, ReviewError, ReviewQueue, RoomError, RoomStore,
    Sanctions, SeenEvents, Store,
};

pub(crate) const NOW_MS: i64 = 1_800_000_000_000;

pub(crate) fn fresh_tenant(tag: &str) -> TenantId {
    TenantId::parse(&format!("{tag}-{}", uuid::Uuid::now_v7().simple())).expect("valid tenant")
}

pub(crate) fn room(name: &str) -> RoomId {
    RoomId::parse(name).expect("valid room")
}

pub(crate) fn conn(name: &str) -> ConnectionId {
    ConnectionId::parse(name).expect("valid connection id")
}

pub(crate) fn connection(tenant: &TenantId, id: &str, sub: &str) -> ConnectionRecord {
    ConnectionRecord {
        tenant: tenant.clone(),
        connection_id: conn(id),
        user: UserId::derive(tenant, sub),
        name: sub.to_owned(),
        role: Role::Member,
        connected_at_ms: NOW_MS,
        expires_at_s: NOW_MS / 1000 + 7800,
        rooms: BTreeSet::new(),
    }
}

pub(crate) fn member_of(record: &ConnectionRecord) -> Member {
    Member {
        connection_id: record.connection_id.clone(),
        user: record.user.clone(),
        name: record.name.clone(),
        role: record.role,
        joined_at_ms: NOW_MS,
        expires_at_s: record.expires_at_s,
        correlation_id: Some("join-1".into()),
        tier: sideline_domain::scoring::Tier::None,
    }
}

pub(crate) fn message(
    tenant: &TenantId,
    room: &RoomId,
    author: &ConnectionRecord,
    client_id: &str,
    text: &str,
) -> StoredMessage {
    StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id: MessageId::at(NOW_MS),
        author: Author {
            id: author.user.clone(),
            name: author.name.clone(),
            role: author.role,
            tier: sideline_domain::scoring::Tier::None,
        },
        text: MessageText::parse(text, 2000).expect("valid text"),
        created_at_ms: NOW_MS,
        reply_to: None,
        client_msg_id: ClientMsgId::parse(client_id).expect("valid client id"),
        correlation_id: Some(format!("req-{client_id}")),
        reactions: BTreeMap::new(),
        visibility: Default::default(),
        seq: None,
        batched: false,
    }
}

pub(crate) fn react<'a>(
    message: &'a MessageId,
    emoji: &'a Emoji,
    user: &'a UserId,
    on: bool,
) -> ReactionRequest<'a> {
    ReactionRequest {
        message,
        emoji,
        user,
        role: Role::Member,
        on,
        at_ms: NOW_MS,
        correlation_id: Some("react-1"),
        batched: false,
    }
}

/// Runs every check.
/// Runs every check on an adapter of every storage port.
pub async fn run_all<S: Store>(store: &S) {
    registry::connections_round_trip(store).await;
    rooms::join_creates_room_and_lists_members(store).await;
    rooms::join_needs_a_connection_and_respects_the_room_limit(store).await;
    rooms::leave_and_remove_connection_clear_memberships(store).await;
    rooms::room_mode_changes_only_existing_rooms(store).await;
    rooms::the_host_sets_a_room_up_ahead_and_joins_keep_it(store).await;
    rooms::a_presence_count_is_claimed_once_per_interval(store).await;
    messages::messages_are_idempotent_per_author_and_client_id(store).await;
    messages::history_pages_newest_first(store).await;
    messages::history_after_catches_up_oldest_first(store).await;
    messages::public_messages_are_numbered_per_room(store).await;
    messages::reactions_count_once_per_user(store).await;
    counters::send_counter_counts_per_window(store).await;
    tenants::tenants_never_meet(store).await;
    seen::repeated_events_are_seen_once_per_window(store).await;
    messages::held_messages_are_approved_or_rejected_once(store).await;
    sanctions::sanctions_are_scoped_timed_and_lifted(store).await;
    decisions::decisions_are_written_once(store).await;
    counters::violations_count_per_window(store).await;
    counters::slow_mode_spaces_messages_per_user(store).await;
    reviews::reports_count_distinct_users(store).await;
    reviews::review_queue_filters_pages_and_closes(store).await;
    reviews::a_stale_refresh_keeps_the_reports_counted(store).await;
    registry::users_connections_and_profiles_follow_connect(store).await;
    recent::recent_messages_keep_the_latest(store).await;
    user_data::a_users_data_is_found_through_them(store).await;
    polls::run_all(store).await;
    polls::votes_and_polls_are_exported_and_erased(store).await;
}
