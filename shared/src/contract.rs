//! The contract every [`CommunityStore`] adapter must pass. The same checks run
//! against the in-memory store and against DynamoDB (moto in tests); each check
//! works in a tenant of its own, so they can share one table.

use std::collections::{BTreeMap, BTreeSet};

use crate::identity::{Role, TenantId, UserId};
use crate::message::{Author, ClientMsgId, Emoji, MessageId, MessageText, StoredMessage};
use crate::moderation::record::{
    Decision, DecisionKind, Priority, RecentMessage, Report, ReportOutcome, ReviewFilter,
    ReviewItem, ReviewStatus, Sanction, SanctionKind, Scope, Stage,
};
use crate::ports::{
    CommunityStore, ConnectionId, ConnectionRecord, Member, PutMessage, ReactionRequest,
    SeenEvents, Store, StoreError,
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
pub async fn run_all<S: Store>(store: &S) {
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
    sanctions_are_scoped_timed_and_lifted(store).await;
    decisions_are_written_once(store).await;
    violations_count_per_window(store).await;
    slow_mode_spaces_messages_per_user(store).await;
    reports_count_distinct_users(store).await;
    review_queue_filters_pages_and_closes(store).await;
    users_connections_and_profiles_follow_connect(store).await;
    recent_messages_keep_the_latest(store).await;
}

pub async fn sanctions_are_scoped_timed_and_lifted<S: Store>(store: &S) {
    let t = fresh_tenant("sanction");
    let user = UserId::derive(&t, "ada");
    let r = room("chat");
    let mute = Sanction {
        user: user.clone(),
        kind: SanctionKind::Mute,
        scope: Scope::Room(r.clone()),
        until_ms: Some(NOW_MS + 60_000),
        reason: Some("calm down".into()),
        by: "u_mod".into(),
        by_role: Some(Role::Moderator),
        at_ms: NOW_MS,
    };
    let ban = Sanction {
        kind: SanctionKind::Ban,
        scope: Scope::Tenant,
        until_ms: None,
        reason: None,
        ..mute.clone()
    };
    store.put_sanction(&t, &mute).await.expect("mute");
    store.put_sanction(&t, &ban).await.expect("ban");
    let mut now = store.sanctions(&t, &user, NOW_MS).await.expect("read");
    now.sort_by_key(|s| s.kind);
    assert_eq!(now, vec![mute.clone(), ban.clone()]);
    // A longer mute replaces the first; an expired one is not in force.
    let longer = Sanction {
        until_ms: Some(NOW_MS + 120_000),
        ..mute.clone()
    };
    store.put_sanction(&t, &longer).await.expect("replace");
    let later = store
        .sanctions(&t, &user, NOW_MS + 90_000)
        .await
        .expect("read");
    assert!(later.contains(&longer) && later.len() == 2, "{later:?}");
    let much_later = store
        .sanctions(&t, &user, NOW_MS + 200_000)
        .await
        .expect("read");
    assert_eq!(much_later, vec![ban.clone()]);
    assert!(store
        .lift_sanction(&t, &user, SanctionKind::Ban, &Scope::Tenant)
        .await
        .expect("lift"));
    assert!(!store
        .lift_sanction(&t, &user, SanctionKind::Ban, &Scope::Tenant)
        .await
        .expect("lift again"));
    let other = fresh_tenant("sanction");
    assert!(store
        .sanctions(&other, &user, NOW_MS)
        .await
        .expect("other tenant")
        .is_empty());
}

pub async fn decisions_are_written_once<S: Store>(store: &S) {
    let t = fresh_tenant("decision");
    let d = Decision::automatic(&t, DecisionKind::MessageBlocked, Stage::Inline, NOW_MS);
    store.record_decision(&d).await.expect("record");
    let again = store.record_decision(&d).await.expect_err("immutable");
    assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");
}

pub async fn violations_count_per_window<S: Store>(store: &S) {
    let t = fresh_tenant("viol");
    let user = UserId::derive(&t, "ada");
    assert_eq!(store.violations(&t, &user, 0).await.expect("none"), 0);
    for expected in 1..=3 {
        let n = store
            .count_violation(&t, &user, 0, NOW_MS / 1000)
            .await
            .expect("count");
        assert_eq!(n, expected);
    }
    assert_eq!(store.violations(&t, &user, 0).await.expect("read"), 3);
    let mute = Sanction {
        user: user.clone(),
        kind: SanctionKind::Mute,
        scope: Scope::Tenant,
        until_ms: None,
        reason: None,
        by: "system".into(),
        by_role: None,
        at_ms: NOW_MS,
    };
    store.put_sanction(&t, &mute).await.expect("mute");
    let standing = store
        .standing(&t, &user, NOW_MS, 0)
        .await
        .expect("standing");
    assert_eq!(standing.sanctions, vec![mute]);
    assert_eq!(standing.violations, 3);
    assert_eq!(
        store
            .count_violation(&t, &user, 600_000, NOW_MS / 1000)
            .await
            .expect("next window"),
        1
    );
}

pub async fn slow_mode_spaces_messages_per_user<S: Store>(store: &S) {
    let t = fresh_tenant("slow");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let b = connection(&t, "cb", "bob");
    let err = store.set_slow_mode(&t, &r, 5).await.expect_err("no room");
    assert!(matches!(err, StoreError::NotFound { what: "room" }));
    store.put_connection(&a).await.expect("conn");
    store
        .join_room(&t, &r, &member_of(&a), 10)
        .await
        .expect("join");
    store.set_slow_mode(&t, &r, 5).await.expect("slow");
    let (_, info) = store
        .membership(&t, &r, &a.connection_id)
        .await
        .expect("read")
        .expect("member");
    assert_eq!(info.slow_mode_s, 5);
    for (user, at, expected) in [
        (&a.user, NOW_MS, None),
        (&a.user, NOW_MS + 2_000, Some(3_000)),
        (&b.user, NOW_MS + 2_000, None),
        (&a.user, NOW_MS + 5_000, None),
    ] {
        let got = store
            .claim_slow_slot(&t, &r, user, at, 5_000)
            .await
            .expect("claim");
        assert_eq!(got, expected, "at {at}");
    }
}

pub async fn reports_count_distinct_users<S: Store>(store: &S) {
    let t = fresh_tenant("report");
    let r = room("chat");
    let a = connection(&t, "ca", "ada");
    let m = message(&t, &r, &a, "m1", "a message");
    store.put_message(&m).await.expect("put");
    let report = |who: &str| Report {
        tenant: t.clone(),
        room: r.clone(),
        message: m.id,
        author: a.user.clone(),
        reporter: UserId::derive(&t, who),
        reporter_role: Role::Member,
        reason: "spam".into(),
        at_ms: NOW_MS,
        correlation_id: None,
    };
    let first = store.report(&report("bob")).await.expect("report");
    assert_eq!(
        first,
        ReportOutcome {
            reports: 1,
            new: true
        }
    );
    let repeat = store.report(&report("bob")).await.expect("again");
    assert_eq!(
        repeat,
        ReportOutcome {
            reports: 1,
            new: false
        }
    );
    let second = store.report(&report("cy")).await.expect("another");
    assert_eq!(
        second,
        ReportOutcome {
            reports: 2,
            new: true
        }
    );
    let missing = Report {
        message: MessageId::new_v7(),
        ..report("dee")
    };
    let err = store.report(&missing).await.expect_err("no message");
    assert!(
        matches!(err, StoreError::NotFound { what: "message" }),
        "{err:?}"
    );
}

pub async fn review_queue_filters_pages_and_closes<S: Store>(store: &S) {
    let t = fresh_tenant("review");
    let author = UserId::derive(&t, "ada");
    let item = |room_name: &str, priority: Priority| ReviewItem {
        tenant: t.clone(),
        room: room(room_name),
        message_id: MessageId::new_v7(),
        author_id: author.clone(),
        text: "held text".into(),
        status: ReviewStatus::Pending,
        priority,
        reason: "held for review".into(),
        categories: vec!["harassment".into()],
        reports: 0,
        due_at_ms: NOW_MS + 4 * 3_600_000,
        created_at_ms: NOW_MS,
        decided_by: None,
    };
    let items = [
        item("a", Priority::High),
        item("b", Priority::Normal),
        item("a", Priority::Normal),
        item("a", Priority::High),
    ];
    for i in &items {
        store.put_review(i).await.expect("queue");
    }
    let pending = ReviewFilter {
        status: Some(ReviewStatus::Pending),
        ..ReviewFilter::default()
    };
    let page = store
        .review_queue(&t, &pending, None, 3)
        .await
        .expect("page");
    assert_eq!(page.items, items[..3].to_vec(), "oldest first");
    let rest = store
        .review_queue(&t, &pending, page.next.as_ref(), 3)
        .await
        .expect("next page");
    assert_eq!(rest.items, items[3..].to_vec());
    assert_eq!(rest.next, None);
    let room_a_high = ReviewFilter {
        room: Some(room("a")),
        priority: Some(Priority::High),
        ..pending.clone()
    };
    let ids: Vec<MessageId> = store
        .review_queue(&t, &room_a_high, None, 10)
        .await
        .expect("filtered")
        .items
        .iter()
        .map(|i| i.message_id)
        .collect();
    assert_eq!(ids, vec![items[0].message_id, items[3].message_id]);
    assert!(store
        .close_review(&t, &items[0].message_id, ReviewStatus::Approved, "u_mod")
        .await
        .expect("close"));
    assert!(!store
        .close_review(&t, &items[0].message_id, ReviewStatus::Rejected, "u_mod")
        .await
        .expect("closed already"));
    let decided = store
        .review_item(&t, &items[0].message_id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(decided.status, ReviewStatus::Approved);
    assert!(store
        .review_item(&t, &MessageId::new_v7())
        .await
        .expect("read")
        .is_none());
    // A decided item stays decided when queued again.
    store.put_review(&items[0]).await.expect("requeue");
    let left = store
        .review_queue(&t, &pending, None, 10)
        .await
        .expect("left");
    assert_eq!(left.items.len(), 3);
    let approved = ReviewFilter {
        status: Some(ReviewStatus::Approved),
        ..ReviewFilter::default()
    };
    let done = store
        .review_queue(&t, &approved, None, 10)
        .await
        .expect("done");
    assert_eq!(done.items.len(), 1);
    assert_eq!(done.items[0].decided_by.as_deref(), Some("u_mod"));
}

pub async fn users_connections_and_profiles_follow_connect<S: Store>(store: &S) {
    let t = fresh_tenant("users");
    let mut a1 = connection(&t, "c1", "ada");
    a1.role = Role::Moderator;
    let a2 = connection(&t, "c2", "ada");
    let b = connection(&t, "c3", "bob");
    for c in [&a1, &b, &a2] {
        store.put_connection(c).await.expect("connect");
    }
    let mut ids = store.user_connections(&t, &a1.user).await.expect("list");
    ids.sort();
    assert_eq!(ids, vec![conn("c1"), conn("c2")]);
    let profile = store
        .user_profile(&t, &a1.user)
        .await
        .expect("profile")
        .expect("known");
    assert_eq!(profile.role, Role::Member, "the latest connection's role");
    store
        .remove_connection(&t, &conn("c1"))
        .await
        .expect("remove");
    assert_eq!(
        store.user_connections(&t, &a1.user).await.expect("list"),
        vec![conn("c2")]
    );
    assert!(store
        .user_profile(&t, &UserId::derive(&t, "nobody"))
        .await
        .expect("profile")
        .is_none());
}

pub async fn recent_messages_keep_the_latest<S: Store>(store: &S) {
    let t = fresh_tenant("recent");
    let user = UserId::derive(&t, "ada");
    let entry = |at: i64| RecentMessage {
        room: room("chat"),
        message: MessageId::new_v7(),
        fingerprint: u64::MAX - at as u64,
        at_ms: at,
    };
    let first = entry(1);
    store
        .remember_message(&t, &user, &first, 2)
        .await
        .expect("1");
    store
        .remember_message(&t, &user, &first, 2)
        .await
        .expect("same again");
    let second = entry(2);
    let third = entry(3);
    store
        .remember_message(&t, &user, &second, 2)
        .await
        .expect("2");
    let kept = store
        .remember_message(&t, &user, &third, 2)
        .await
        .expect("3");
    assert_eq!(kept, vec![third, second]);
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
    // `seen` only looks.
    assert!(!store
        .seen(&t, "moderation", "e3", now)
        .await
        .expect("unseen"));
    assert!(!store
        .seen(&t, "moderation", "e3", now)
        .await
        .expect("still unseen"));
    assert!(store
        .first_sighting(&t, "moderation", "e3", now, 300)
        .await
        .expect("record"));
    assert!(store
        .seen(&t, "moderation", "e3", now + 10)
        .await
        .expect("seen"));
    assert!(!store
        .seen(&t, "moderation", "e3", now + 301)
        .await
        .expect("expired"));
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
