//! The contract of retention's index: a sweep of a tenant's class and quarter
//! removes exactly the items whose reference time falls in it, within its limit,
//! and nothing of other quarters, classes or tenants.

use sideline_domain::retention::{quarter_of, Class, LegalHold};
use sideline_domain::scoring::{contributions, Activity, Parent};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{Board, Swept};

use super::*;

const HOUR_MS: i64 = 3_600_000;

fn kinds(swept: &Swept) -> Vec<(&str, u64)> {
    swept
        .removed
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect()
}

/// A sweep with no legal hold.
async fn sweep<S: Store>(
    store: &S,
    tenant: &TenantId,
    class: Class,
    quarters: std::ops::RangeInclusive<i64>,
    limit: usize,
) -> Result<Swept, sideline_ports::RetentionError> {
    store
        .sweep(tenant, class, quarters, limit, &LegalHold::default())
        .await
}

/// One quarter, as a range.
fn one(quarter: i64) -> std::ops::RangeInclusive<i64> {
    quarter..=quarter
}

fn at(mut m: StoredMessage, at_ms: i64) -> StoredMessage {
    m.id = MessageId::at(at_ms);
    m.created_at_ms = at_ms;
    m
}

/// Messages go with their reactions and reports, by the message's time; a sweep
/// stops at its limit and the next one goes on.
pub async fn messages_go_by_quarter_with_their_reactions_and_reports<S: Store>(store: &S) {
    let t = fresh_tenant("retain-msg");
    let r = room("lobby");
    let ada = connection(&t, "ada-1", "ada");
    let bob = connection(&t, "bob-1", "bob");
    store.put_connection(&ada).await.expect("ada");
    store.put_connection(&bob).await.expect("bob");
    let old = at(message(&t, &r, &ada, "c1", "first"), NOW_MS);
    let old2 = at(message(&t, &r, &ada, "c2", "second"), NOW_MS + 60_000);
    let later = at(message(&t, &r, &ada, "c3", "an hour on"), NOW_MS + HOUR_MS);
    for m in [&old, &old2, &later] {
        store.put_message(m).await.expect("put");
    }
    let fire = Emoji::parse("🔥").expect("emoji");
    // Bob reacts to the old message a while after it was sent: it goes with it.
    let mut late_reaction = react(&old.id, &fire, &bob.user, true);
    late_reaction.at_ms = NOW_MS + 2 * HOUR_MS;
    store
        .set_reaction(&t, &r, &late_reaction)
        .await
        .expect("react");
    store
        .set_reaction(&t, &r, &react(&later.id, &fire, &bob.user, true))
        .await
        .expect("react later");
    store
        .report(&Report {
            tenant: t.clone(),
            room: r.clone(),
            message: old.id,
            author: ada.user.clone(),
            reporter: bob.user.clone(),
            reporter_role: Role::Member,
            reason: "spam".into(),
            at_ms: NOW_MS + 2 * HOUR_MS,
            correlation_id: None,
        })
        .await
        .expect("report");

    let q = quarter_of(NOW_MS);
    let swept = sweep(store, &t, Class::Messages, one(q), 100)
        .await
        .expect("sweep");
    assert_eq!(
        kinds(&swept),
        vec![("message", 2), ("reaction", 1), ("report", 1)]
    );
    assert!(!swept.more);
    assert_eq!(swept.failed, 0);
    let page = store.history(&t, &r, None, 10).await.expect("history");
    let left: Vec<MessageId> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(left, vec![later.id]);
    assert_eq!(
        page.messages[0].reactions.get("🔥"),
        Some(&1),
        "the later message keeps its reaction"
    );
    // Swept again: nothing left to take.
    let again = sweep(store, &t, Class::Messages, one(q), 100)
        .await
        .expect("again");
    assert_eq!(again.removed_total(), 0);
    // Other classes of the same quarter are not touched by a messages sweep.
    assert!(store
        .connection(&t, &ada.connection_id)
        .await
        .expect("read")
        .is_some());

    // Three messages in one quarter, swept two at a time.
    let base = NOW_MS + 10 * HOUR_MS;
    for i in 0..3 {
        let m = at(
            message(&t, &r, &ada, &format!("b{i}"), "batch"),
            base + i * 1000,
        );
        store.put_message(&m).await.expect("put");
    }
    let first = sweep(store, &t, Class::Messages, one(quarter_of(base)), 2)
        .await
        .expect("first");
    assert_eq!(first.removed_total(), 2);
    assert!(first.more, "one is left for the next sweep");
    assert_eq!(first.through, None, "its only day is not done");
    let second = sweep(store, &t, Class::Messages, one(quarter_of(base)), 2)
        .await
        .expect("second");
    assert_eq!(second.removed_total(), 1);
    assert!(!second.more);
    let page = store.history(&t, &r, None, 10).await.expect("history");
    assert_eq!(page.messages.len(), 1);

    // A range spans days: what lies in it goes, what lies past it stays.
    let day = 86_400_000;
    let far = NOW_MS + 20 * day;
    for (i, at_ms) in [far, far + day + 1000, far + 2 * day + 2000, far + 5 * day]
        .into_iter()
        .enumerate()
    {
        let m = at(message(&t, &r, &ada, &format!("d{i}"), "days"), at_ms);
        store.put_message(&m).await.expect("put");
    }
    let swept = sweep(
        store,
        &t,
        Class::Messages,
        quarter_of(far)..=quarter_of(far + 2 * day + 2000),
        100,
    )
    .await
    .expect("range");
    assert_eq!(kinds(&swept), vec![("message", 3)]);
    assert_eq!(swept.through, Some(quarter_of(far + 2 * day + 2000)));
    let page = store.history(&t, &r, None, 10).await.expect("history");
    assert_eq!(
        page.messages.len(),
        2,
        "the batch's last and the fifth day's"
    );

    // Cut short by its limit on a later day, a sweep is done through the days
    // before it.
    let later = far + 10 * day;
    for (i, at_ms) in [later, later + day, later + day + 1000]
        .into_iter()
        .enumerate()
    {
        let m = at(message(&t, &r, &ada, &format!("e{i}"), "later"), at_ms);
        store.put_message(&m).await.expect("put");
    }
    let range = quarter_of(later)..=quarter_of(later + 3 * day);
    let cut = sweep(store, &t, Class::Messages, range.clone(), 2)
        .await
        .expect("cut short");
    assert_eq!(cut.removed_total(), 2);
    assert!(cut.more);
    let end_of_first_day = (quarter_of(later) / 96 + 1) * 96 - 1;
    assert_eq!(cut.through, Some(end_of_first_day));
    let rest = sweep(store, &t, Class::Messages, range, 2)
        .await
        .expect("rest");
    assert_eq!(rest.removed_total(), 1);
    assert!(!rest.more);
}

/// Decisions, decided review items, connections and memberships each go by
/// their own reference time; tenants never meet.
pub async fn audit_reviews_and_live_items_go_by_their_own_times<S: Store>(store: &S) {
    let t = fresh_tenant("retain-misc");
    let other = fresh_tenant("retain-other");
    let r = room("lobby");

    let d = Decision::automatic(&t, DecisionKind::MessageBlocked, Stage::Inline, NOW_MS);
    store.record_decision(&d).await.expect("decision");
    let theirs = Decision::automatic(&other, DecisionKind::MessageBlocked, Stage::Inline, NOW_MS);
    store.record_decision(&theirs).await.expect("decision");
    let swept = sweep(store, &t, Class::Audit, one(quarter_of(NOW_MS)), 100)
        .await
        .expect("audit");
    assert_eq!(kinds(&swept), vec![("moderation", 1)]);
    let theirs_swept = sweep(store, &other, Class::Audit, one(quarter_of(NOW_MS)), 100)
        .await
        .expect("other tenant's audit");
    assert_eq!(
        kinds(&theirs_swept),
        vec![("moderation", 1)],
        "the first sweep left the other tenant's decision"
    );

    // A review item goes by its decision, not its creation; a pending one stays.
    let author = UserId::derive(&t, "ada");
    let item = |id: MessageId| ReviewItem {
        tenant: t.clone(),
        room: r.clone(),
        message_id: id,
        author_id: author.clone(),
        text: "held text".into(),
        status: ReviewStatus::Pending,
        priority: Priority::Normal,
        reason: "held for review".into(),
        categories: vec![],
        reports: 0,
        due_at_ms: NOW_MS + 4 * HOUR_MS,
        created_at_ms: NOW_MS,
        decided_by: None,
    };
    let decided = MessageId::at(NOW_MS);
    let pending = MessageId::at(NOW_MS + 1);
    store.put_review(&item(decided)).await.expect("review");
    store.put_review(&item(pending)).await.expect("review");
    let decided_at = NOW_MS + 5 * HOUR_MS;
    assert!(store
        .close_review(&t, &decided, ReviewStatus::Approved, "mod", decided_at)
        .await
        .expect("close"));
    let early = sweep(store, &t, Class::Reviews, one(quarter_of(NOW_MS)), 100)
        .await
        .expect("by creation");
    assert_eq!(early.removed_total(), 0, "reviews go by their decision");
    let swept = sweep(store, &t, Class::Reviews, one(quarter_of(decided_at)), 100)
        .await
        .expect("reviews");
    assert_eq!(kinds(&swept), vec![("review", 1)]);
    assert_eq!(store.review_item(&t, &decided).await.expect("read"), None);
    assert!(store
        .review_item(&t, &pending)
        .await
        .expect("read")
        .is_some());

    // A connection and its membership go by their expiry; a refreshed one stays.
    let ada = connection(&t, "ada-1", "ada");
    let bob = connection(&t, "bob-1", "bob");
    store.put_connection(&ada).await.expect("ada");
    store.put_connection(&bob).await.expect("bob");
    store
        .join_room(&t, &r, &member_of(&ada), 10)
        .await
        .expect("join");
    store
        .join_room(&t, &r, &member_of(&bob), 10)
        .await
        .expect("join");
    let mut refreshed = member_of(&bob);
    refreshed.expires_at_s += 7200;
    store
        .join_room(&t, &r, &refreshed, 10)
        .await
        .expect("rejoin");
    let expiry = quarter_of(ada.expires_at_s * 1000);
    let swept = sweep(store, &t, Class::Live, one(expiry), 100)
        .await
        .expect("live");
    assert_eq!(
        kinds(&swept),
        vec![("connection", 2), ("member", 1), ("user_connection", 2)]
    );
    assert!(store
        .connection(&t, &ada.connection_id)
        .await
        .expect("read")
        .is_none());
    let members = store.room_members(&t, &r).await.expect("members");
    assert_eq!(
        members.iter().map(|m| m.user.clone()).collect::<Vec<_>>(),
        vec![bob.user.clone()],
        "the refreshed membership stays"
    );

    let known = store.known_tenants(None, 10_000).await.expect("tenants");
    let mine = known.iter().find(|k| k.tenant == t).expect("listed");
    assert_eq!(mine.since_ms, NOW_MS);
    assert_eq!(
        store
            .known_tenant(&t)
            .await
            .expect("one")
            .map(|k| k.since_ms),
        Some(NOW_MS)
    );
    assert_eq!(
        store
            .known_tenant(&fresh_tenant("never-seen"))
            .await
            .expect("none"),
        None
    );
    let after = store.known_tenants(Some(&t), 10_000).await.expect("after");
    assert!(after.iter().all(|k| k.tenant > t));

    let listed = store.known_tenants(None, 10_000).await.expect("tenants");
    store.put_retention_cursor(Some(&t)).await.expect("cursor");
    assert_eq!(
        store.retention_cursor().await.expect("cursor"),
        Some(t.clone())
    );
    // The cursor is kept beside the tenant list, not in it.
    assert_eq!(
        store.known_tenants(None, 10_000).await.expect("tenants"),
        listed
    );
    store.put_retention_cursor(None).await.expect("cursor");
    assert_eq!(store.retention_cursor().await.expect("cursor"), None);

    let mut checkpoint = BTreeMap::new();
    assert_eq!(
        store.retention_checkpoint(&t).await.expect("none yet"),
        checkpoint
    );
    checkpoint.insert(Class::Messages, 42);
    checkpoint.insert(Class::Live, 7);
    store
        .put_retention_checkpoint(&t, &checkpoint)
        .await
        .expect("put");
    assert_eq!(
        store.retention_checkpoint(&t).await.expect("read"),
        checkpoint
    );
}

/// A score goes a window after its last change: one that changed since stays.
pub async fn read_models_go_from_their_last_change<S: Store>(store: &S) {
    let t = fresh_tenant("retain-score");
    let config = TenantConfig::default();
    let r = room("lobby");
    let ada = UserId::derive(&t, "ada");
    let bob = UserId::derive(&t, "bob");
    for (user, event, at_ms) in [(&ada, "a1", NOW_MS), (&bob, "b1", NOW_MS)] {
        let made = contributions(
            &Activity::MessageSent {
                author: user.clone(),
                parent: Parent::None,
            },
            at_ms,
            &config.scoring,
        );
        store
            .score_event(&t, event, Some(&r), &made, &config, at_ms)
            .await
            .expect("score");
    }
    // Bob acts again two hours on: his score and room score move on.
    let later = NOW_MS + 2 * HOUR_MS;
    let made = contributions(
        &Activity::MessageSent {
            author: bob.clone(),
            parent: Parent::None,
        },
        later,
        &config.scoring,
    );
    store
        .score_event(&t, "b2", Some(&r), &made, &config, later)
        .await
        .expect("score");
    let swept = sweep(store, &t, Class::ReadModels, one(quarter_of(NOW_MS)), 100)
        .await
        .expect("models");
    assert_eq!(kinds(&swept), vec![("room_score", 1), ("score", 1)]);
    assert!(store.user_score(&t, &ada).await.expect("read").is_none());
    assert!(store.user_score(&t, &bob).await.expect("read").is_some());
    let board = store
        .leaderboard(&t, &Board::Tenant, 0, 10)
        .await
        .expect("board");
    assert_eq!(
        board.iter().map(|e| e.user.clone()).collect::<Vec<_>>(),
        vec![bob.clone()]
    );
    let room_board = store
        .leaderboard(&t, &Board::Room(r.clone()), 0, 10)
        .await
        .expect("room board");
    assert_eq!(
        room_board
            .iter()
            .map(|e| e.user.clone())
            .collect::<Vec<_>>(),
        vec![bob]
    );
}

/// A legal hold keeps what it names — a room's items, a user's — past their
/// windows; the day is not done, so they go once the hold is lifted.
pub async fn a_legal_hold_keeps_what_it_names<S: Store>(store: &S) {
    let t = fresh_tenant("retain-hold");
    let held_room = room("held-room");
    let free_room = room("free-room");
    let ada = connection(&t, "ada-1", "ada");
    let bob = connection(&t, "bob-1", "bob");
    store.put_connection(&ada).await.expect("ada");
    store.put_connection(&bob).await.expect("bob");
    for (i, (r, who)) in [(&held_room, &ada), (&free_room, &ada), (&free_room, &bob)]
        .into_iter()
        .enumerate()
    {
        let m = at(
            message(&t, r, who, &format!("h{i}"), "kept or not"),
            NOW_MS + i as i64,
        );
        store.put_message(&m).await.expect("put");
    }
    let mut hold = LegalHold::default();
    hold.rooms.insert(held_room.as_str().to_owned());
    hold.users.insert(bob.user.as_str().to_owned());
    let q = one(quarter_of(NOW_MS));
    let swept = store
        .sweep(&t, Class::Messages, q.clone(), 100, &hold)
        .await
        .expect("held sweep");
    assert_eq!(
        kinds(&swept),
        vec![("message", 1)],
        "only Ada's in the free room"
    );
    assert_eq!(swept.held, 2);
    assert_eq!(swept.through, None, "a day with held items is not done");
    let lifted = sweep(store, &t, Class::Messages, q, 100)
        .await
        .expect("lifted");
    assert_eq!(kinds(&lifted), vec![("message", 2)]);
    assert_eq!(lifted.held, 0);
}

/// Runs every retention check.
pub async fn run_all<S: Store>(store: &S) {
    messages_go_by_quarter_with_their_reactions_and_reports(store).await;
    audit_reviews_and_live_items_go_by_their_own_times(store).await;
    read_models_go_from_their_last_change(store).await;
    a_legal_hold_keeps_what_it_names(store).await;
}
