//! The contract every [`CommunityStore`] adapter must pass. The same checks run
//! against the in-memory store and against DynamoDB (moto in tests); each check
//! works in a tenant of its own, so they can share one table.

use std::collections::{BTreeMap, BTreeSet};

use crate::identity::{Role, TenantId, UserId};
use crate::message::{Author, ClientMsgId, Emoji, MessageId, MessageText, StoredMessage};
use crate::ports::{
    CommunityStore, ConnectionId, ConnectionRecord, Member, PutMessage, ReactionRequest,
    SeenEvents, StoreError,
};
use crate::room::{RoomId, RoomMode};

const NOW_MS: i64 = 1_800_000_000_000;

fn fresh_tenant(tag: &str) -> TenantId {
    TenantId::parse(&format!("{tag}-{}", uuid::Uuid::now_v7().simple())).expect("valid tenant")
}

fn room(name: &str) -> RoomId {
    RoomId::parse(name).expect("valid room")
}

fn conn(name: &str) -> ConnectionId {
    ConnectionId::parse(name).expect("valid connection id")
}

fn connection(tenant: &TenantId, id: &str, sub: &str) -> ConnectionRecord {
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

fn member_of(record: &ConnectionRecord) -> Member {
    Member {
        connection_id: record.connection_id.clone(),
        user: record.user.clone(),
        name: record.name.clone(),
        role: record.role,
        joined_at_ms: NOW_MS,
        expires_at_s: record.expires_at_s,
        correlation_id: Some("join-1".into()),
    }
}

fn message(
    tenant: &TenantId,
    room: &RoomId,
    author: &ConnectionRecord,
    client_id: &str,
    text: &str,
) -> StoredMessage {
    StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id: MessageId::new_v7(),
        author: Author {
            id: author.user.clone(),
            name: author.name.clone(),
            role: author.role,
        },
        text: MessageText::parse(text, 2000).expect("valid text"),
        created_at_ms: NOW_MS,
        reply_to: None,
        client_msg_id: ClientMsgId::parse(client_id).expect("valid client id"),
        correlation_id: Some(format!("req-{client_id}")),
        reactions: BTreeMap::new(),
        visibility: Default::default(),
    }
}

fn react<'a>(
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
    }
}

/// Runs every check.
pub async fn run_all<S: CommunityStore + SeenEvents>(store: &S) {
    connections_round_trip(store).await;
    join_creates_room_and_lists_members(store).await;
    join_needs_a_connection_and_respects_the_room_limit(store).await;
    leave_and_remove_connection_clear_memberships(store).await;
    room_mode_changes_only_existing_rooms(store).await;
    messages_are_idempotent_per_author_and_client_id(store).await;
    history_pages_newest_first(store).await;
    reactions_count_once_per_user(store).await;
    send_counter_counts_per_window(store).await;
    tenants_never_meet(store).await;
    repeated_events_are_seen_once_per_window(store).await;
    held_messages_are_approved_or_rejected_once(store).await;
}

pub async fn held_messages_are_approved_or_rejected_once<S: CommunityStore>(store: &S) {
    use crate::message::Visibility;
    let t = fresh_tenant("held");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let mut held = message(&t, &r, &a, "h1", "pending text");
    held.visibility = Visibility::Held;
    store.put_message(&held).await.expect("put");
    let approved = store
        .set_visibility(&t, &r, &held.id, Visibility::Held, Visibility::Public)
        .await
        .expect("approve");
    assert_eq!(approved.visibility, Visibility::Public);
    assert_eq!(approved.text, held.text);
    let err = store
        .set_visibility(&t, &r, &held.id, Visibility::Held, Visibility::Removed)
        .await
        .expect_err("no longer held");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .set_visibility(
            &t,
            &r,
            &MessageId::new_v7(),
            Visibility::Held,
            Visibility::Public,
        )
        .await
        .expect_err("unknown");
    assert!(
        matches!(err, StoreError::NotFound { what: "message" }),
        "{err:?}"
    );
    let stored = store
        .message(&t, &r, &held.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored.visibility, Visibility::Public);
}

pub async fn repeated_events_are_seen_once_per_window<S: SeenEvents>(store: &S) {
    let t = fresh_tenant("seen");
    let other = fresh_tenant("seen-b");
    let now = NOW_MS / 1000;
    assert!(store
        .first_sighting(&t, "moderation", "e1", now, 300)
        .await
        .expect("first"));
    assert!(!store
        .first_sighting(&t, "moderation", "e1", now + 10, 300)
        .await
        .expect("repeat"));
    assert!(store
        .first_sighting(&t, "scoring", "e1", now + 10, 300)
        .await
        .expect("other consumer"));
    assert!(store
        .first_sighting(&other, "moderation", "e1", now + 10, 300)
        .await
        .expect("other tenant"));
    assert!(store
        .first_sighting(&t, "moderation", "e2", now + 10, 300)
        .await
        .expect("other event"));
    assert!(
        store
            .first_sighting(&t, "moderation", "e1", now + 301, 300)
            .await
            .expect("after the window"),
        "a repeat after the window is handled again"
    );
}

pub async fn connections_round_trip<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("conn");
    let record = connection(&t, "c1", "ada");
    store.put_connection(&record).await.expect("put");
    assert_eq!(
        store
            .connection(&t, &record.connection_id)
            .await
            .expect("get"),
        Some(record.clone())
    );
    let removed = store
        .remove_connection(&t, &record.connection_id)
        .await
        .expect("remove");
    assert_eq!(removed, Some(record.clone()));
    assert_eq!(
        store
            .connection(&t, &record.connection_id)
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        store
            .remove_connection(&t, &record.connection_id)
            .await
            .expect("remove again"),
        None
    );
}

pub async fn join_creates_room_and_lists_members<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("join");
    let r = room("match:1");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    store.put_connection(&a).await.expect("put a");
    store.put_connection(&b).await.expect("put b");
    let info = store
        .join_room(&t, &r, &member_of(&a), 10)
        .await
        .expect("join a");
    assert_eq!(info.mode, RoomMode::Open);
    store
        .join_room(&t, &r, &member_of(&b), 10)
        .await
        .expect("join b");
    // Joining twice refreshes, it does not duplicate.
    store
        .join_room(&t, &r, &member_of(&b), 10)
        .await
        .expect("join b again");
    let mut ids: Vec<String> = store
        .room_members(&t, &r)
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.connection_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["ca", "cb"]);
    let (m, room_info) = store
        .membership(&t, &r, &a.connection_id)
        .await
        .expect("membership")
        .expect("is member");
    assert_eq!(m, member_of(&a));
    assert_eq!(room_info.mode, RoomMode::Open);
    let record = store
        .connection(&t, &a.connection_id)
        .await
        .expect("get")
        .expect("exists");
    assert!(
        record.rooms.contains(&r),
        "the connection remembers its rooms"
    );
    assert!(store
        .membership(&t, &room("match:2"), &a.connection_id)
        .await
        .expect("membership")
        .is_none());
}

pub async fn join_needs_a_connection_and_respects_the_room_limit<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("limit");
    let ghost = connection(&t, "ghost", "nobody");
    let err = store
        .join_room(&t, &room("r1"), &member_of(&ghost), 10)
        .await
        .expect_err("no connection");
    assert!(
        matches!(err, StoreError::NotFound { what: "connection" }),
        "{err:?}"
    );
    assert!(store
        .room_members(&t, &room("r1"))
        .await
        .expect("members")
        .is_empty());

    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    store
        .join_room(&t, &room("r1"), &member_of(&a), 2)
        .await
        .expect("first");
    store
        .join_room(&t, &room("r2"), &member_of(&a), 2)
        .await
        .expect("second");
    store
        .join_room(&t, &room("r2"), &member_of(&a), 2)
        .await
        .expect("rejoin is not a new room");
    let err = store
        .join_room(&t, &room("r3"), &member_of(&a), 2)
        .await
        .expect_err("third");
    assert!(matches!(err, StoreError::LimitReached(_)), "{err:?}");
    assert!(store
        .room_members(&t, &room("r3"))
        .await
        .expect("members")
        .is_empty());
}

pub async fn leave_and_remove_connection_clear_memberships<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("leave");
    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    for r in ["r1", "r2", "r3"] {
        store
            .join_room(&t, &room(r), &member_of(&a), 10)
            .await
            .expect("join");
    }
    assert!(store
        .leave_room(&t, &room("r1"), &a.connection_id, Some("leave-1"))
        .await
        .expect("leave"));
    assert!(!store
        .leave_room(&t, &room("r1"), &a.connection_id, Some("leave-1"))
        .await
        .expect("leave again"));
    assert!(store
        .room_members(&t, &room("r1"))
        .await
        .expect("members")
        .is_empty());
    let record = store
        .connection(&t, &a.connection_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(record.rooms, BTreeSet::from([room("r2"), room("r3")]));

    let removed = store
        .remove_connection(&t, &a.connection_id)
        .await
        .expect("remove")
        .expect("was there");
    assert_eq!(removed.rooms, BTreeSet::from([room("r2"), room("r3")]));
    for r in ["r2", "r3"] {
        assert!(
            store
                .room_members(&t, &room(r))
                .await
                .expect("members")
                .is_empty(),
            "{r} emptied"
        );
    }
}

pub async fn room_mode_changes_only_existing_rooms<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("mode");
    let err = store
        .set_room_mode(&t, &room("nowhere"), RoomMode::Stage)
        .await
        .expect_err("no room");
    assert!(
        matches!(err, StoreError::NotFound { what: "room" }),
        "{err:?}"
    );
    let a = connection(&t, "ca", "ada");
    store.put_connection(&a).await.expect("put");
    store
        .join_room(&t, &room("stage:1"), &member_of(&a), 10)
        .await
        .expect("join");
    store
        .set_room_mode(&t, &room("stage:1"), RoomMode::Stage)
        .await
        .expect("set");
    let (_, info) = store
        .membership(&t, &room("stage:1"), &a.connection_id)
        .await
        .expect("get")
        .expect("member");
    assert_eq!(info.mode, RoomMode::Stage);
    // A later join keeps the mode.
    let info = store
        .join_room(&t, &room("stage:1"), &member_of(&a), 10)
        .await
        .expect("rejoin");
    assert_eq!(info.mode, RoomMode::Stage);
}

pub async fn messages_are_idempotent_per_author_and_client_id<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("idem");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let first = message(&t, &r, &a, "c1", "hello");
    assert_eq!(
        store.put_message(&first).await.expect("put"),
        PutMessage::Created
    );
    let retry = message(&t, &r, &a, "c1", "hello");
    assert_eq!(
        store.put_message(&retry).await.expect("retry"),
        PutMessage::Duplicate { existing: first.id }
    );
    // The same client id from someone else, or in another room, is a new message.
    assert_eq!(
        store
            .put_message(&message(&t, &r, &b, "c1", "hi"))
            .await
            .expect("other author"),
        PutMessage::Created
    );
    assert_eq!(
        store
            .put_message(&message(&t, &room("chat2"), &a, "c1", "hi"))
            .await
            .expect("other room"),
        PutMessage::Created
    );
    assert_eq!(
        store.message(&t, &r, &first.id).await.expect("get"),
        Some(first.clone())
    );
    assert_eq!(
        store.message(&t, &r, &retry.id).await.expect("get"),
        None,
        "the retry stored nothing"
    );
    let page = store.history(&t, &r, None, 10).await.expect("history");
    assert_eq!(page.messages.len(), 2);
}

pub async fn history_pages_newest_first<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("hist");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let empty = store.history(&t, &r, None, 10).await.expect("empty");
    assert!(empty.messages.is_empty() && empty.next.is_none());
    let mut ids = Vec::new();
    for i in 0..7 {
        let m = message(&t, &r, &a, &format!("c{i}"), &format!("m{i}"));
        ids.push(m.id);
        store.put_message(&m).await.expect("put");
    }
    ids.reverse(); // newest first
    let p1 = store.history(&t, &r, None, 3).await.expect("p1");
    assert_eq!(
        p1.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[0..3]
    );
    assert_eq!(p1.next, Some(ids[2]));
    let p2 = store
        .history(&t, &r, p1.next.as_ref(), 3)
        .await
        .expect("p2");
    assert_eq!(
        p2.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[3..6]
    );
    let p3 = store
        .history(&t, &r, p2.next.as_ref(), 3)
        .await
        .expect("p3");
    assert_eq!(
        p3.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[6..7]
    );
    assert_eq!(p3.next, None);
    let exact = store.history(&t, &r, None, 7).await.expect("exact");
    assert_eq!(exact.messages.len(), 7);
    assert_eq!(exact.next, None, "no next page when everything fit");
}

pub async fn reactions_count_once_per_user<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("react");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let m = message(&t, &r, &a, "c1", "react to me");
    store.put_message(&m).await.expect("put");
    let fire = Emoji::parse("🔥").expect("emoji");
    let up = Emoji::parse("👍").expect("emoji");

    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, true))
        .await
        .expect("a on");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, true))
        .await
        .expect("a on again");
    assert_eq!((c.count, c.changed), (1, false));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &b.user, true))
        .await
        .expect("b on");
    assert_eq!((c.count, c.changed), (2, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &up, &b.user, true))
        .await
        .expect("b up");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, false))
        .await
        .expect("a off");
    assert_eq!((c.count, c.changed), (1, true));
    let c = store
        .set_reaction(&t, &r, &react(&m.id, &fire, &a.user, false))
        .await
        .expect("a off again");
    assert_eq!((c.count, c.changed), (1, false));

    let stored = store
        .message(&t, &r, &m.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        stored.reactions,
        BTreeMap::from([("🔥".to_owned(), 1), ("👍".to_owned(), 1)])
    );
    let page = store.history(&t, &r, None, 5).await.expect("history");
    assert_eq!(
        page.messages[0].reactions, stored.reactions,
        "history carries counts"
    );

    let unknown = MessageId::new_v7();
    let err = store
        .set_reaction(&t, &r, &react(&unknown, &fire, &a.user, true))
        .await
        .expect_err("unknown");
    assert!(
        matches!(err, StoreError::NotFound { what: "message" }),
        "{err:?}"
    );
    assert!(
        store
            .message(&t, &r, &unknown)
            .await
            .expect("get")
            .is_none(),
        "nothing created"
    );
}

pub async fn send_counter_counts_per_window<S: CommunityStore>(store: &S) {
    let t = fresh_tenant("rate");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let exp = NOW_MS / 1000 + 60;
    for expected in 1..=3 {
        assert_eq!(
            store
                .count_send(&t, &r, &a.user, NOW_MS, exp)
                .await
                .expect("count"),
            expected
        );
    }
    assert_eq!(
        store
            .count_send(&t, &r, &b.user, NOW_MS, exp)
            .await
            .expect("other user"),
        1
    );
    assert_eq!(
        store
            .count_send(&t, &room("other"), &a.user, NOW_MS, exp)
            .await
            .expect("other room"),
        1
    );
    assert_eq!(
        store
            .count_send(&t, &r, &a.user, NOW_MS + 10_000, exp)
            .await
            .expect("next window"),
        1
    );
}

pub async fn tenants_never_meet<S: CommunityStore>(store: &S) {
    let t1 = fresh_tenant("iso-a");
    let t2 = fresh_tenant("iso-b");
    let r = room("match:7");
    let a = connection(&t1, "same-id", "ada");
    let b = connection(&t2, "same-id", "ada");
    assert_ne!(
        a.user, b.user,
        "the same host user in two tenants is two users"
    );
    store.put_connection(&a).await.expect("put a");
    store.put_connection(&b).await.expect("put b");
    store
        .join_room(&t1, &r, &member_of(&a), 10)
        .await
        .expect("join a");
    store
        .set_room_mode(&t1, &r, RoomMode::Readonly)
        .await
        .expect("mode a");
    let info = store
        .join_room(&t2, &r, &member_of(&b), 10)
        .await
        .expect("join b");
    assert_eq!(info.mode, RoomMode::Open, "tenant B's room is its own");
    let m = message(&t1, &r, &a, "c1", "secret");
    store.put_message(&m).await.expect("put");
    assert!(store
        .history(&t2, &r, None, 10)
        .await
        .expect("history b")
        .messages
        .is_empty());
    assert!(store
        .message(&t2, &r, &m.id)
        .await
        .expect("get b")
        .is_none());
    let members_b = store.room_members(&t2, &r).await.expect("members b");
    assert_eq!(members_b.len(), 1);
    assert_eq!(members_b[0].user, b.user);
    let thumbs = Emoji::parse("👍").expect("emoji");
    let err = store
        .set_reaction(&t2, &r, &react(&m.id, &thumbs, &b.user, true))
        .await
        .expect_err("cross-tenant react");
    assert!(matches!(err, StoreError::NotFound { .. }));
    store
        .remove_connection(&t2, &b.connection_id)
        .await
        .expect("remove b");
    assert!(
        store
            .connection(&t1, &a.connection_id)
            .await
            .expect("a")
            .is_some(),
        "removing B's connection leaves A's"
    );
    assert_eq!(
        store.room_members(&t1, &r).await.expect("members a").len(),
        1
    );
}
