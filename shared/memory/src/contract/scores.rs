//! The contract of scores: each event once, the same scores as the rules say in
//! any order, and tenants apart.

use sideline_domain::scoring::{
    breakdown, contributions, Activity, Decayed, Ledger, Parent, ScoringConfig, DAY_MS,
};
use sideline_domain::scoring::{Standing, Tier, TierState};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{ConfigStoreError, ScoreChange, ScoreStore, Scored, TenantConfigs};

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
                parent: Parent::None,
            },
            NOW_MS,
        ),
        (
            "sent-2".to_owned(),
            Activity::MessageSent {
                author: bob.clone(),
                parent: Parent::Author(ada.clone()),
            },
            NOW_MS + 60_000,
        ),
        (
            "self-reply".to_owned(),
            Activity::MessageSent {
                author: ada.clone(),
                parent: Parent::Author(ada.clone()),
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
            parent: Parent::Author(ada),
            sent_at_ms: NOW_MS + 60_000,
        },
        NOW_MS + 2 * DAY_MS,
    ));
    out
}

async fn play<S: ScoreStore>(store: &S, t: &TenantId, order: &[usize]) {
    let config = TenantConfig::default();
    let events = script(t);
    for &i in order {
        let (id, activity, at) = &events[i];
        let made = contributions(activity, *at, &config.scoring);
        store
            .score_event(t, id, &made, &config, *at)
            .await
            .expect("scored");
    }
}

async fn score_of<S: ScoreStore>(store: &S, t: &TenantId, user: &UserId) -> Option<Decayed> {
    store
        .user_score(t, user)
        .await
        .expect("read")
        .map(|s| s.score)
}

pub async fn each_event_is_scored_once<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("score-once");
    let config = TenantConfig::default();
    let ada = UserId::derive(&t, "ada");
    let sent = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        },
        NOW_MS,
        &config.scoring,
    );
    let first = store
        .score_event(&t, "e1", &sent, &config, NOW_MS)
        .await
        .expect("score");
    assert_eq!(
        first,
        Scored::Changed(vec![ScoreChange {
            user: ada.clone(),
            standing: Standing {
                score: Decayed::new(10.0, NOW_MS),
                tier: TierState::START,
            },
            previous: Tier::None,
        }])
    );
    let again = store
        .score_event(&t, "e1", &sent, &config, NOW_MS)
        .await
        .expect("again");
    assert_eq!(again, Scored::Duplicate);
    assert_eq!(
        score_of(store, &t, &ada).await,
        Some(Decayed::new(10.0, NOW_MS))
    );
    let other = fresh_tenant("score-once");
    assert_eq!(
        score_of(store, &other, &UserId::derive(&other, "ada")).await,
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
            let stored = score_of(store, t, &user)
                .await
                .map_or(0.0, |s| s.at(at, 0.05));
            let expected = ledger.score(&user, at);
            assert!(close(stored, expected), "{name}: {stored} vs {expected}");
        }
    }
    // The buckets account for every point.
    for name in ["ada", "bob", "cat"] {
        let user = UserId::derive(&a, name);
        let buckets = store.buckets(&a, &user).await.expect("buckets");
        let parts = breakdown(&buckets, &ScoringConfig::default(), at);
        let total: f64 = parts.values().sum();
        let score = score_of(store, &a, &user)
            .await
            .map_or(0.0, |s| s.at(at, 0.05));
        assert!(close(total, score), "{name}: {parts:?} vs {score}");
    }
    // The giver's cap held: cat's 8 reactions credit ada 5, less the one taken back.
    let ada = UserId::derive(&a, "ada");
    let ada_now = score_of(store, &a, &ada).await.expect("scored");
    assert!(ada_now.at(NOW_MS + 200_000, 0.05) < 10.0 + 2.0 + 5.0 + 1e-6);
}

/// Crossing a threshold moves the tier in the same write; a tier settled by decay
/// is written only over the standing it was computed from.
pub async fn tiers_move_with_the_score<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("score-tier");
    let mut config = TenantConfig::default();
    config.scoring.thread_start = 100.0;
    let ada = UserId::derive(&t, "ada");
    let sent = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        },
        NOW_MS,
        &config.scoring,
    );
    store
        .score_event(&t, "t1", &sent, &config, NOW_MS)
        .await
        .expect("first");
    let second = store
        .score_event(&t, "t2", &sent, &config, NOW_MS)
        .await
        .expect("second");
    let Scored::Changed(changes) = second else {
        panic!("scored: {second:?}")
    };
    assert_eq!(changes.len(), 1);
    assert!(changes[0].tier_changed());
    assert_eq!(changes[0].previous, Tier::None);
    assert_eq!(
        changes[0].standing.tier,
        TierState {
            tier: Tier::Silver,
            promoted_at_ms: NOW_MS
        }
    );
    let kept = store
        .user_score(&t, &ada)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(kept, changes[0].standing);
    // 30 days idle: 200·e^(−1.5) ≈ 44.6, under 135, past the week: demoted.
    let later = NOW_MS + 30 * DAY_MS;
    let settled = kept.tier_at(later, &config.scoring, &config.tiers);
    assert_eq!(settled.tier, Tier::None);
    let stale = Standing {
        score: Decayed::new(1.0, NOW_MS),
        ..kept
    };
    assert!(!store
        .settle_tier(&t, &ada, &stale, settled, 44.6, later)
        .await
        .expect("stale settle"));
    assert!(store
        .settle_tier(&t, &ada, &kept, settled, 44.6, later)
        .await
        .expect("settle"));
    let after = store
        .user_score(&t, &ada)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(after.tier.tier, Tier::None);
    assert_eq!(after.score, kept.score);
}

/// Every version kept; a writer that read an old version is refused.
pub async fn tenant_configs_are_versioned<S: TenantConfigs>(store: &S) {
    let t = fresh_tenant("config");
    assert_eq!(store.tenant_config(&t, None).await.expect("read"), None);
    let mut first = TenantConfig::default();
    first.scoring.thread_start = 12.0;
    assert_eq!(
        store
            .put_tenant_config(&t, 0, &first, NOW_MS)
            .await
            .expect("v1"),
        1
    );
    match store.put_tenant_config(&t, 0, &first, NOW_MS).await {
        Err(ConfigStoreError::Stale { current: 1 }) => {}
        other => panic!("a stale write: {other:?}"),
    }
    let mut second = first.clone();
    second.scoring.thread_start = 20.0;
    assert_eq!(
        store
            .put_tenant_config(&t, 1, &second, NOW_MS + 1)
            .await
            .expect("v2"),
        2
    );
    let current = store
        .tenant_config(&t, None)
        .await
        .expect("read")
        .expect("current");
    assert_eq!((current.version, current.config), (2, second));
    let old = store
        .tenant_config(&t, Some(1))
        .await
        .expect("read")
        .expect("v1");
    assert_eq!(
        (old.version, old.config, old.updated_at_ms),
        (1, first, NOW_MS)
    );
    assert_eq!(store.tenant_config(&t, Some(3)).await.expect("read"), None);
    let other = fresh_tenant("config");
    assert_eq!(store.tenant_config(&other, None).await.expect("read"), None);
}

/// Runs every scores check.
pub async fn run_all<S: ScoreStore + TenantConfigs>(store: &S) {
    each_event_is_scored_once(store).await;
    scores_follow_the_rules_in_any_order(store).await;
    tiers_move_with_the_score(store).await;
    tenant_configs_are_versioned(store).await;
}
