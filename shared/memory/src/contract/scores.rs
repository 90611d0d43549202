//! The contract of scores: each event once, the same scores as the rules say in
//! any order, and tenants apart.

use sideline_domain::scoring::{contributions, Activity, Decayed, Ledger, ScoringConfig, DAY_MS};
use sideline_ports::{ScoreStore, Scored};

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A day of a small room: threads, replies, reactions (one over the giver's cap),
/// a reaction taken back, a removal.
fn script(t: &TenantId) -> Vec<(String, Activity, i64)> {
    let ada = UserId::derive(t, "ada");
    let bob = UserId::derive(t, "bob");
    let cat = UserId::derive(t, "cat");
    let mut out = vec![
        (
            "sent-1".to_owned(),
            Activity::MessageSent {
                author: ada.clone(),
                parent_author: None,
            },
            NOW_MS,
        ),
        (
            "sent-2".to_owned(),
            Activity::MessageSent {
                author: bob.clone(),
                parent_author: Some(ada.clone()),
            },
            NOW_MS + 60_000,
        ),
        (
            "self-reply".to_owned(),
            Activity::MessageSent {
                author: ada.clone(),
                parent_author: Some(ada.clone()),
            },
            NOW_MS + 90_000,
        ),
    ];
    for n in 0..8 {
        out.push((
            format!("react-{n}"),
            Activity::ReactionAdded {
                reactor: cat.clone(),
                author: ada.clone(),
            },
            NOW_MS + 120_000 + n * 1000,
        ));
    }
    out.push((
        "unreact".to_owned(),
        Activity::ReactionRemoved {
            reactor: cat.clone(),
            author: ada.clone(),
            added_at_ms: NOW_MS + 120_000,
        },
        NOW_MS + 3 * DAY_MS,
    ));
    out.push((
        "removed".to_owned(),
        Activity::MessageRemoved {
            author: bob,
            parent_author: Some(ada),
            sent_at_ms: NOW_MS + 60_000,
        },
        NOW_MS + 2 * DAY_MS,
    ));
    out
}

async fn play<S: ScoreStore>(store: &S, t: &TenantId, order: &[usize]) {
    let config = ScoringConfig::default();
    let events = script(t);
    for &i in order {
        let (id, activity, at) = &events[i];
        let made = contributions(activity, *at, &config);
        store
            .score_event(t, id, &made, &config)
            .await
            .expect("scored");
    }
}

pub async fn each_event_is_scored_once<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("score-once");
    let config = ScoringConfig::default();
    let ada = UserId::derive(&t, "ada");
    let sent = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent_author: None,
        },
        NOW_MS,
        &config,
    );
    let first = store
        .score_event(&t, "e1", &sent, &config)
        .await
        .expect("score");
    assert_eq!(
        first,
        Scored::Changed(vec![(ada.clone(), Decayed::new(10.0, NOW_MS))])
    );
    let again = store
        .score_event(&t, "e1", &sent, &config)
        .await
        .expect("again");
    assert_eq!(again, Scored::Duplicate);
    assert_eq!(
        store.score(&t, &ada).await.expect("read"),
        Some(Decayed::new(10.0, NOW_MS))
    );
    let other = fresh_tenant("score-once");
    assert_eq!(
        store
            .score(&other, &UserId::derive(&other, "ada"))
            .await
            .expect("read"),
        None
    );
}

pub async fn scores_follow_the_rules_in_any_order<S: ScoreStore>(store: &S) {
    let (a, b) = (fresh_tenant("score-fwd"), fresh_tenant("score-rev"));
    let n = script(&a).len();
    let forward: Vec<usize> = (0..n).collect();
    let backward: Vec<usize> = (0..n).rev().chain(0..n).collect();
    play(store, &a, &forward).await;
    play(store, &b, &backward).await;
    let at = NOW_MS + 10 * DAY_MS;
    for t in [&a, &b] {
        let mut ledger = Ledger::new(ScoringConfig::default());
        for (id, activity, when) in script(t) {
            ledger.record(&id, &activity, when);
        }
        for name in ["ada", "bob", "cat"] {
            let user = UserId::derive(t, name);
            let stored = store
                .score(t, &user)
                .await
                .expect("read")
                .map_or(0.0, |s| s.at(at, 0.05));
            let expected = ledger.score(&user, at);
            assert!(close(stored, expected), "{name}: {stored} vs {expected}");
        }
    }
    // The giver's cap held: cat's 8 reactions credit ada 5, less the one taken back.
    let ada = UserId::derive(&a, "ada");
    let ada_now = store.score(&a, &ada).await.expect("read").expect("scored");
    assert!(ada_now.at(NOW_MS + 200_000, 0.05) < 10.0 + 2.0 + 5.0 + 1e-6);
}

/// Runs every scores check.
pub async fn run_all<S: ScoreStore>(store: &S) {
    each_event_is_scored_once(store).await;
    scores_follow_the_rules_in_any_order(store).await;
}
