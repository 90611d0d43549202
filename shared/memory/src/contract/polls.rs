//! The contract of polls: creation within the room's limit, votes that move the
//! tally once per user, changes of mind, and closing.

use sideline_domain::erasure::kinds;
use sideline_domain::outbox::Stored;
use sideline_domain::poll::{Moment, Poll, PollActor, PollId, ResultsShown, Vote};
use sideline_ports::{Erasure, PollError, PollStore, UserData};

use super::*;

fn poll(tenant: &TenantId, room: &RoomId, at_ms: i64, multiple: bool) -> Poll {
    Poll {
        tenant: tenant.clone(),
        room: room.clone(),
        id: PollId::at(at_ms),
        question: "Who scores next?".into(),
        options: vec!["Home".into(), "Away".into(), "Nobody".into()],
        multiple,
        results: ResultsShown::Live,
        closes_at_ms: Some(NOW_MS + 60_000),
        created_by: PollActor::User {
            id: UserId::derive(tenant, "mod"),
            role: Role::Moderator,
        },
        created_at_ms: at_ms,
        context: Some(Moment {
            object: Some("match:123".into()),
            at: Some("67:12".into()),
            position_ms: None,
        }),
        counts: vec![0, 0, 0],
        voters: 0,
        closed_at_ms: None,
        closed_by: None,
        correlation_id: Some("poll-1".into()),
    }
}

fn vote(p: &Poll, who: &str, choices: &[u8], at_ms: i64) -> Vote {
    Vote {
        tenant: p.tenant.clone(),
        room: p.room.clone(),
        poll: p.id,
        user: UserId::derive(&p.tenant, who),
        role: Role::Member,
        choices: choices.to_vec(),
        at_ms,
        version: 0,
        correlation_id: None,
        batched: false,
    }
}

pub async fn polls_tally_one_vote_per_user<S: PollStore>(store: &S) {
    let t = fresh_tenant("poll");
    let r = room("match:1");
    let p = poll(&t, &r, NOW_MS, false);
    store.create_poll(&p, 10, NOW_MS).await.expect("create");
    assert_eq!(
        store.poll(&t, &r, &p.id).await.expect("read"),
        Some(p.clone())
    );
    store
        .create_poll(&p, 10, NOW_MS)
        .await
        .expect("a retried create stands");

    let first = store
        .vote(&vote(&p, "ada", &[0], NOW_MS + 1))
        .await
        .expect("vote");
    assert!(first.changed);
    assert_eq!(first.previous, None);
    assert_eq!(
        (first.poll.counts.clone(), first.poll.voters),
        (vec![1, 0, 0], 1)
    );
    let again = store
        .vote(&vote(&p, "ada", &[0], NOW_MS + 2))
        .await
        .expect("repeat");
    assert!(!again.changed, "a repeated vote changes nothing");
    assert_eq!(again.poll.counts, vec![1, 0, 0]);
    let moved = store
        .vote(&vote(&p, "ada", &[2], NOW_MS + 3))
        .await
        .expect("change");
    assert!(moved.changed);
    assert_eq!(moved.previous, Some(vec![0]));
    assert_eq!(
        (moved.poll.counts.clone(), moved.poll.voters),
        (vec![0, 0, 1], 1)
    );
    store
        .vote(&vote(&p, "bob", &[2], NOW_MS + 4))
        .await
        .expect("bob");
    let stored = store
        .poll(&t, &r, &p.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!((stored.counts, stored.voters), (vec![0, 0, 2], 2));
    let mine = store
        .user_vote(&t, &r, &p.id, &UserId::derive(&t, "ada"))
        .await
        .expect("read vote")
        .expect("voted");
    assert_eq!(mine.choices, vec![2]);
    assert_eq!(
        mine.version, 2,
        "numbered by the store: a first vote, then a change"
    );

    let unknown = Vote {
        poll: PollId::at(NOW_MS + 5),
        ..vote(&p, "cy", &[0], NOW_MS + 5)
    };
    assert!(matches!(
        store.vote(&unknown).await,
        Err(PollError::NotFound)
    ));
    // Past its closing time, no vote lands, whether or not the close is recorded.
    let late = store.vote(&vote(&p, "cy", &[1], NOW_MS + 60_000)).await;
    assert!(matches!(late, Err(PollError::Closed)), "{late:?}");
    let stored = store
        .poll(&t, &r, &p.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!((stored.counts, stored.voters), (vec![0, 0, 2], 2));
}

pub async fn multiple_choice_votes_move_every_count<S: PollStore>(store: &S) {
    let t = fresh_tenant("pollmulti");
    let r = room("match:2");
    let p = poll(&t, &r, NOW_MS, true);
    store.create_poll(&p, 10, NOW_MS).await.expect("create");
    store
        .vote(&vote(&p, "ada", &[0, 1], NOW_MS + 1))
        .await
        .expect("vote");
    let out = store
        .vote(&vote(&p, "ada", &[1, 2], NOW_MS + 2))
        .await
        .expect("change");
    assert_eq!((out.poll.counts, out.poll.voters), (vec![0, 1, 1], 1));
}

pub async fn polls_close_once_and_count_against_the_room_limit<S: PollStore>(store: &S) {
    let t = fresh_tenant("pollclose");
    let r = room("match:3");
    let a = poll(&t, &r, NOW_MS, false);
    let b = poll(&t, &r, NOW_MS + 1, false);
    store.create_poll(&a, 2, NOW_MS).await.expect("first");
    store.create_poll(&b, 2, NOW_MS).await.expect("second");
    let c = poll(&t, &r, NOW_MS + 2, false);
    let err = store.create_poll(&c, 2, NOW_MS).await.expect_err("a third");
    assert!(matches!(err, PollError::TooMany { max: 2 }), "{err:?}");
    assert_eq!(
        store.poll(&t, &r, &c.id).await.expect("read"),
        None,
        "nothing stored"
    );

    let closer = PollActor::User {
        id: UserId::derive(&t, "mod"),
        role: Role::Moderator,
    };
    store
        .vote(&vote(&a, "ada", &[1], NOW_MS + 5))
        .await
        .expect("vote");
    let closed = store
        .close_poll(&t, &r, &a.id, Some(&closer), NOW_MS + 10)
        .await
        .expect("close");
    assert_eq!(closed.closed_at_ms, Some(NOW_MS + 10));
    assert_eq!(closed.closed_by, Some(closer.clone()));
    assert_eq!(closed.counts, vec![0, 1, 0]);
    let again = store
        .close_poll(&t, &r, &a.id, Some(&closer), NOW_MS + 11)
        .await;
    assert!(matches!(again, Err(PollError::Closed)), "{again:?}");
    let after = store.vote(&vote(&a, "bob", &[0], NOW_MS + 12)).await;
    assert!(matches!(after, Err(PollError::Closed)), "{after:?}");
    let unclosed = store.unclosed_polls(&t, &r).await.expect("list");
    assert_eq!(
        unclosed.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![b.id]
    );
    // A closed poll frees its place.
    store
        .create_poll(&c, 2, NOW_MS + 12)
        .await
        .expect("room again");

    // A lapsed poll's close is recorded at its time, by nobody.
    let lapsed = store
        .close_poll(&t, &r, &b.id, None, NOW_MS + 120_000)
        .await
        .expect("close lapsed");
    assert_eq!(lapsed.closed_at_ms, Some(NOW_MS + 60_000));
    assert_eq!(lapsed.closed_by, None);
    let missing = store
        .close_poll(&t, &r, &PollId::at(NOW_MS + 99), None, NOW_MS)
        .await;
    assert!(matches!(missing, Err(PollError::NotFound)), "{missing:?}");
}

pub async fn one_result_update_per_slot<S: PollStore>(store: &S) {
    let t = fresh_tenant("pollslot");
    let r = room("match:4");
    let p = poll(&t, &r, NOW_MS, false);
    store.create_poll(&p, 10, NOW_MS).await.expect("create");
    assert!(store
        .claim_results_slot(&t, &r, &p.id, 1_000)
        .await
        .expect("claim"));
    assert!(!store
        .claim_results_slot(&t, &r, &p.id, 1_000)
        .await
        .expect("again"));
    assert!(!store
        .claim_results_slot(&t, &r, &p.id, 500)
        .await
        .expect("older"));
    assert!(store
        .claim_results_slot(&t, &r, &p.id, 1_500)
        .await
        .expect("next"));
    // The slot is bookkeeping: the poll reads the same.
    let stored = store
        .poll(&t, &r, &p.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, p);
}

/// A user's votes and polls are theirs: exported, and erased — a vote in an open
/// poll leaves its tally, one in a closed poll leaves the published result as it
/// was, and a poll they created no longer names them.
pub async fn votes_and_polls_are_exported_and_erased<S: PollStore + Erasure + UserData>(store: &S) {
    let t = fresh_tenant("pollerase");
    let r = room("match:5");
    let ada = UserId::derive(&t, "ada");
    let open = Poll {
        created_by: PollActor::User {
            id: ada.clone(),
            role: Role::Speaker,
        },
        ..poll(&t, &r, NOW_MS, false)
    };
    let closed = poll(&t, &r, NOW_MS + 1, false);
    for p in [&open, &closed] {
        store.create_poll(p, 10, NOW_MS).await.expect("create");
        store
            .vote(&vote(p, "ada", &[1], NOW_MS + 2))
            .await
            .expect("ada");
        store
            .vote(&vote(p, "bob", &[1], NOW_MS + 3))
            .await
            .expect("bob");
    }
    store
        .close_poll(
            &t,
            &r,
            &closed.id,
            Some(&PollActor::Staff(Role::Moderator)),
            NOW_MS + 4,
        )
        .await
        .expect("close");
    let owned = store.owned_by(&t, &ada).await.expect("owned");
    let votes = owned
        .iter()
        .filter(|s| matches!(s, Stored::Vote(_)))
        .count();
    let polls = owned
        .iter()
        .filter(|s| matches!(s, Stored::Poll(_)))
        .count();
    assert_eq!((votes, polls), (2, 1), "{owned:?}");
    let (counts, rooms) = store.erasure_inventory(&t, &ada).await.expect("inventory");
    assert_eq!(counts.get(kinds::VOTES), Some(&2), "{counts:?}");
    assert_eq!(counts.get(kinds::POLLS), Some(&1), "{counts:?}");
    assert_eq!(rooms, vec![r.clone()]);
    let step = store
        .erase_items(&t, &ada, "h_ada", &rooms, 100)
        .await
        .expect("erase");
    assert_eq!(step.counts.get(kinds::VOTES), Some(&2), "{step:?}");
    assert_eq!(step.failed, 0);
    assert!(store.owned_by(&t, &ada).await.expect("owned").is_empty());
    let (left, _) = store.erasure_inventory(&t, &ada).await.expect("inventory");
    assert!(left.is_empty(), "{left:?}");
    for p in [&open, &closed] {
        assert_eq!(
            store.user_vote(&t, &r, &p.id, &ada).await.expect("read"),
            None
        );
        let bob = UserId::derive(&t, "bob");
        assert!(store
            .user_vote(&t, &r, &p.id, &bob)
            .await
            .expect("read")
            .is_some());
    }
    let open_now = store
        .poll(&t, &r, &open.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (open_now.counts.clone(), open_now.voters),
        (vec![0, 1, 0], 1)
    );
    assert!(!open_now.created_by.is(&ada), "{:?}", open_now.created_by);
    let closed_now = store
        .poll(&t, &r, &closed.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (closed_now.counts, closed_now.voters),
        (vec![0, 2, 0], 2),
        "a result stands"
    );
    assert_eq!(
        closed_now.closed_by,
        Some(PollActor::Staff(Role::Moderator))
    );
}

pub async fn run_all<S: PollStore>(store: &S) {
    polls_tally_one_vote_per_user(store).await;
    multiple_choice_votes_move_every_count(store).await;
    polls_close_once_and_count_against_the_room_limit(store).await;
    one_result_update_per_slot(store).await;
}
