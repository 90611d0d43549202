//! The contract of scores: each event once, the same scores as the rules say in
//! any order, and tenants apart.

use sideline_domain::scoring::{
    breakdown, contributions, Activity, Decayed, Ledger, Parent, ScoringConfig, Window, DAY_MS,
};
use sideline_domain::scoring::{Standing, Tier, TierCuts, TierState};
use sideline_domain::tenant::TenantConfig;
use sideline_ports::{
    Board, ConfigStoreError, DueDemotion, Rank, ScoreChange, ScoreRecords, ScoreStore, Scored,
    TenantConfigs,
};

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
            .score_event(t, id, None, &made, &config, *at)
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
        .score_event(&t, "e1", None, &sent, &config, NOW_MS)
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
        .score_event(&t, "e1", None, &sent, &config, NOW_MS)
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
        .score_event(&t, "t1", None, &sent, &config, NOW_MS)
        .await
        .expect("first");
    let second = store
        .score_event(&t, "t2", None, &sent, &config, NOW_MS)
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

    // What export reads: the tier history, the room's score, the windows.
    let room = RoomId::parse("r1").expect("room");
    let sent_later = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        },
        later,
        &config.scoring,
    );
    store
        .score_event(&t, "t3", Some(&room), &sent_later, &config, later)
        .await
        .expect("in a room");
    let records = store.score_records(&t, &ada).await.expect("records");
    let moves: Vec<(Tier, Tier, i64)> = records
        .tier_changes
        .iter()
        .map(|c| (c.from, c.to, c.at_ms))
        .collect();
    assert_eq!(
        moves,
        [
            (Tier::None, Tier::Silver, NOW_MS),
            (Tier::Silver, Tier::None, later)
        ]
    );
    assert_eq!(records.rooms.len(), 1, "{records:?}");
    assert_eq!(records.rooms[0].0, room);
    let (then, lambda) = (100.0, config.scoring.decay_per_day);
    assert!(
        close(records.rooms[0].1.at(later, lambda), then),
        "{records:?}"
    );
    let week = config
        .period(Window::Week, later)
        .expect("weeks by default");
    assert!(
        records
            .windows
            .iter()
            .any(|(w, p, points)| *w == Window::Week && *p == week && close(*points, then)),
        "{records:?}"
    );
    let other = UserId::derive(&t, "nobody");
    assert_eq!(
        store.score_records(&t, &other).await.expect("none"),
        ScoreRecords::default()
    );
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

/// Boards order by the score now, whenever each was last changed; pages and ranks
/// agree; a room's board holds what was earned there.
pub async fn boards_order_by_the_score_now<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("board");
    let config = TenantConfig::default();
    let (r1, r2) = (
        RoomId::parse("r1").expect("room"),
        RoomId::parse("r2").expect("room"),
    );
    // u0 earned 10·(n+1) points n days before the end, so older big scores
    // compete with newer small ones: 12 users, a thread each (some two).
    let end = NOW_MS + 30 * DAY_MS;
    for n in 0..12i64 {
        let user = UserId::derive(&t, &format!("u{n}"));
        let mut c = TenantConfig::default();
        c.scoring.thread_start = 10.0 * (n + 1) as f64;
        let at = end - n * 5 * DAY_MS;
        let made = contributions(
            &Activity::MessageSent {
                author: user.clone(),
                parent: Parent::None,
            },
            at,
            &c.scoring,
        );
        let room = if n % 2 == 0 { &r1 } else { &r2 };
        store
            .score_event(&t, &format!("b{n}"), Some(room), &made, &c, at)
            .await
            .expect("scored");
    }
    // u3 also earns in r2.
    let u3 = UserId::derive(&t, "u3");
    let more = contributions(
        &Activity::MessageSent {
            author: u3.clone(),
            parent: Parent::None,
        },
        end,
        &config.scoring,
    );
    store
        .score_event(&t, "b-more", Some(&r2), &more, &config, end)
        .await
        .expect("scored");
    let mut expected: Vec<(f64, UserId)> = Vec::new();
    for n in 0..12i64 {
        let user = UserId::derive(&t, &format!("u{n}"));
        let s = score_of(store, &t, &user)
            .await
            .expect("scored")
            .at(end, 0.05);
        expected.push((s, user));
    }
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let first = store
        .leaderboard(&t, &Board::Tenant, 0, 5)
        .await
        .expect("page 1");
    let second = store
        .leaderboard(&t, &Board::Tenant, 5, 100)
        .await
        .expect("page 2");
    let got: Vec<&UserId> = first.iter().chain(&second).map(|e| &e.user).collect();
    let want: Vec<&UserId> = expected.iter().map(|(_, u)| u).collect();
    assert_eq!(got, want, "the board in order of the scores now");
    assert_eq!(first.len(), 5);
    for (place, (_, user)) in expected.iter().enumerate() {
        let (rank, _) = store
            .rank(&t, &Board::Tenant, user)
            .await
            .expect("rank")
            .expect("on the board");
        assert_eq!(rank, Rank::Exact(place as u32 + 1));
    }
    let nobody = UserId::derive(&t, "nobody");
    assert_eq!(
        store.rank(&t, &Board::Tenant, &nobody).await.expect("rank"),
        None
    );
    // Room boards: who earned there, and what.
    let r2_board = store
        .leaderboard(&t, &Board::Room(r2.clone()), 0, 100)
        .await
        .expect("room board");
    assert_eq!(r2_board.len(), 6, "{r2_board:?}");
    let u3_r2 = r2_board
        .iter()
        .find(|e| e.user == u3)
        .expect("u3 in r2")
        .score
        .at(end, 0.05);
    let u3_all = score_of(store, &t, &u3)
        .await
        .expect("scored")
        .at(end, 0.05);
    assert!(close(u3_r2, u3_all), "{u3_r2} vs {u3_all}");
    assert!(store
        .leaderboard(&t, &Board::Room(r1.clone()), 0, 100)
        .await
        .expect("room board")
        .iter()
        .all(|e| e.user != u3));
    assert!(store
        .leaderboard(&t, &Board::Tenant, 200, 100)
        .await
        .expect("past the end")
        .is_empty());
    // Windowed boards: the points earned in the period, undecayed.
    for window in Window::ALL {
        let period = window.period_of(end);
        let mut want: Vec<(f64, UserId)> = (0..12i64)
            .filter(|n| window.period_of(end - n * 5 * DAY_MS) == period)
            .map(|n| {
                let extra = if n == 3 { 10.0 } else { 0.0 };
                (
                    10.0 * (n + 1) as f64 + extra,
                    UserId::derive(&t, &format!("u{n}")),
                )
            })
            .collect();
        if window.period_of(end) == period && !want.iter().any(|(_, u)| *u == u3) {
            want.push((10.0, u3.clone()));
        }
        want.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let board = Board::Window {
            window,
            period: period.clone(),
        };
        let got = store
            .leaderboard(&t, &board, 0, 100)
            .await
            .expect("windowed board");
        assert_eq!(got.len(), want.len(), "{window:?} {period}: {got:?}");
        for (entry, (points, user)) in got.iter().zip(&want) {
            assert_eq!(&entry.user, user, "{window:?}");
            assert!(close(entry.score.value, *points), "{window:?}: {entry:?}");
        }
        let (first, _) = &want[0];
        let (rank, score) = store
            .rank(&t, &board, &want[0].1)
            .await
            .expect("rank")
            .expect("on it");
        assert_eq!(rank, Rank::Exact(1));
        assert!(close(score.value, *first));
        // Another period's board is another board.
        let other = Board::Window {
            window,
            period: window.period_of(end - 400 * DAY_MS),
        };
        assert!(store
            .leaderboard(&t, &other, 0, 100)
            .await
            .expect("empty")
            .is_empty());
        assert_eq!(
            store.rank(&t, &other, &want[0].1).await.expect("rank"),
            None
        );
    }
}

/// A tenant's own seasons: points go to the season the event falls in, none
/// before the first; a user's entry moves on when they score in the next one.
pub async fn season_boards_follow_the_tenants_seasons<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("season");
    let day = |ms: i64| ms.div_euclid(DAY_MS) * DAY_MS;
    let s1 = day(NOW_MS) + DAY_MS;
    let s2 = s1 + 10 * DAY_MS;
    let date = |ms: i64| sideline_domain::time::format_time(ms)[..10].to_owned();
    let config = TenantConfig::parse(&format!(
        r#"{{"seasons": [{{"name": "s1", "start": "{}"}}, {{"name": "s2", "start": "{}"}}]}}"#,
        date(s1),
        date(s2)
    ))
    .expect("seasons");
    let thread = |n: u32, at: i64| {
        contributions(
            &Activity::MessageSent {
                author: UserId::derive(&t, &format!("u{n}")),
                parent: Parent::None,
            },
            at,
            &config.scoring,
        )
    };
    for (id, n, at) in [
        ("before", 0, NOW_MS),
        ("s1-a", 1, s1 + 3_600_000),
        ("s1-b", 2, s1 + 7_200_000),
        ("s1-c", 1, s1 + 9_000_000),
        ("s2-a", 2, s2 + 3_600_000),
    ] {
        store
            .score_event(&t, id, None, &thread(n, at), &config, at)
            .await
            .expect("scored");
    }
    let board = |period: &str| Board::Window {
        window: Window::Season,
        period: period.to_owned(),
    };
    // A season's board, as (user, points).
    let season = |period: &'static str| {
        let (t, board) = (&t, board(period));
        async move {
            store
                .leaderboard(t, &board, 0, 10)
                .await
                .expect("season board")
                .into_iter()
                .map(|e| (e.user, e.score.value))
                .collect::<Vec<(UserId, f64)>>()
        }
    };
    let u = |n: u32| UserId::derive(&t, &format!("u{n}"));
    assert_eq!(
        season("s1").await,
        [(u(1), 20.0)],
        "u2 moved on to s2; u0 scored before any season"
    );
    assert_eq!(season("s2").await, [(u(2), 10.0)]);
    // A tier settled without an event leaves the windows as they were.
    let kept = store
        .user_score(&t, &u(1))
        .await
        .expect("read")
        .expect("scored");
    let promoted = TierState {
        tier: Tier::Silver,
        promoted_at_ms: s2,
    };
    assert!(store
        .settle_tier(&t, &u(1), &kept, promoted, 20.0, s2)
        .await
        .expect("settled"));
    assert_eq!(
        season("s1").await,
        [(u(1), 20.0)],
        "still on the season board after a settle"
    );
    // The calendar quarter is not this tenant's season board.
    let quarter = Window::Season.period_of(s1);
    assert!(store
        .leaderboard(&t, &board(&quarter), 0, 10)
        .await
        .expect("quarter")
        .is_empty());
}

/// Checks are found when due, oldest first, until cleared; a promotion files one.
pub async fn tier_checks_are_filed_and_found_when_due<S: ScoreStore>(store: &S) {
    let t = fresh_tenant("demote");
    // Far in the future, so other tests' checks (at their own times) stay apart.
    let base = NOW_MS + 5_000 * DAY_MS;
    let check = |n: i64, at: i64| DueDemotion {
        tenant: t.clone(),
        user: UserId::derive(&t, &format!("u{n}")),
        due_ms: at,
    };
    let (a, b, c) = (
        check(1, base),
        check(2, base + 3_600_000),
        check(3, base + 10 * 3_600_000),
    );
    for due in [&c, &a, &b] {
        store.file_demotion(due).await.expect("filed");
    }
    let found = store
        .due_demotions(base + 3_600_000, 100)
        .await
        .expect("due");
    assert_eq!(found, vec![a.clone(), b.clone()]);
    assert_eq!(
        store.due_demotions(base + 3_600_000, 1).await.expect("due"),
        vec![a.clone()]
    );
    store.clear_demotion(&a).await.expect("cleared");
    assert_eq!(
        store
            .due_demotions(base + 20 * 3_600_000, 100)
            .await
            .expect("due"),
        vec![b.clone(), c.clone()]
    );
    // Older than the look-back: not found.
    assert!(store
        .due_demotions(base + 100 * 3_600_000, 100)
        .await
        .expect("due")
        .is_empty());
    store.clear_demotion(&b).await.expect("cleared");
    store.clear_demotion(&c).await.expect("cleared");

    // A promotion files a check for when decay could undo it.
    let mut config = TenantConfig::default();
    config.scoring.thread_start = 160.0;
    let ada = UserId::derive(&t, "ada");
    let sent = contributions(
        &Activity::MessageSent {
            author: ada.clone(),
            parent: Parent::None,
        },
        base,
        &config.scoring,
    );
    store
        .score_event(&t, "promote", None, &sent, &config, base)
        .await
        .expect("scored");
    let standing = store
        .user_score(&t, &ada)
        .await
        .expect("read")
        .expect("kept");
    let due = standing
        .demotion_due(&config.scoring, &config.tiers)
        .expect("a tier to lose");
    let filed = store.due_demotions(due, 100).await.expect("due");
    assert_eq!(
        filed,
        vec![DueDemotion {
            tenant: t.clone(),
            user: ada,
            due_ms: due
        }]
    );
    store.clear_demotion(&filed[0]).await.expect("cleared");
}

/// What percentile thresholds need: the whole tenant board, the tenants that
/// have asked for them, and the cuts kept.
pub async fn percentile_inputs_are_kept<S: ScoreStore + TenantConfigs>(store: &S) {
    let t = fresh_tenant("pct");
    let config = TenantConfig::default();
    for n in 0..5i64 {
        let user = UserId::derive(&t, &format!("u{n}"));
        let at = NOW_MS + n * DAY_MS;
        let made = contributions(
            &Activity::MessageSent {
                author: user,
                parent: Parent::None,
            },
            at,
            &config.scoring,
        );
        store
            .score_event(&t, &format!("p{n}"), None, &made, &config, at)
            .await
            .expect("scored");
    }
    let mut all: Vec<(UserId, Decayed)> = store
        .board_scores(&t)
        .await
        .expect("board")
        .into_iter()
        .map(|(user, standing)| {
            assert_eq!(standing.tier.tier, Tier::None, "the kept tier comes along");
            (user, standing.score)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected: Vec<(UserId, Decayed)> = (0..5i64)
        .map(|n| {
            (
                UserId::derive(&t, &format!("u{n}")),
                Decayed::new(10.0, NOW_MS + n * DAY_MS),
            )
        })
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(all, expected, "every user on the board, with their score");
    assert!(store
        .board_scores(&fresh_tenant("pct"))
        .await
        .expect("board")
        .is_empty());

    let listed = |tenants: Vec<TenantId>, t: &TenantId| tenants.contains(t);
    assert!(!listed(store.percentile_tenants().await.expect("list"), &t));
    let doc = TenantConfig::parse(
        r#"{"tiers": {"percentiles": {"silver": 50, "gold": 90, "platinum": 99}}}"#,
    )
    .expect("doc");
    store
        .put_tenant_config(&t, 0, &doc, NOW_MS)
        .await
        .expect("v1");
    assert!(listed(store.percentile_tenants().await.expect("list"), &t));
    store
        .put_tenant_config(&t, 1, &TenantConfig::default(), NOW_MS)
        .await
        .expect("v2");
    assert!(
        listed(store.percentile_tenants().await.expect("list"), &t),
        "a tenant back on points stays listed (its tiers are re-judged once)"
    );

    assert_eq!(store.tier_cuts(&t).await.expect("cuts"), None);
    let percentiles = doc.tiers.percentiles.expect("percentiles");
    let mut cuts = TierCuts::from_scores(
        (1..=321).map(f64::from).collect(),
        &doc.tiers,
        percentiles,
        NOW_MS,
        NOW_MS + 120_000,
        None,
    );
    store.put_tier_cuts(&t, &cuts).await.expect("kept");
    assert_eq!(store.tier_cuts(&t).await.expect("cuts"), Some(cuts));
    // The next cut, with the one before it and settled.
    cuts.before = cuts.cut;
    cuts.cut = Some(sideline_domain::scoring::Thresholds {
        silver: 12.5,
        gold: 40.25,
        platinum: 99.125,
        at_ms: NOW_MS + 3_600_000,
        active_users: 400,
    });
    cuts.settled = true;
    store.put_tier_cuts(&t, &cuts).await.expect("kept");
    assert_eq!(store.tier_cuts(&t).await.expect("cuts"), Some(cuts));
}

/// Runs every scores check.
pub async fn run_all<S: ScoreStore + TenantConfigs>(store: &S) {
    each_event_is_scored_once(store).await;
    scores_follow_the_rules_in_any_order(store).await;
    tiers_move_with_the_score(store).await;
    tenant_configs_are_versioned(store).await;
    boards_order_by_the_score_now(store).await;
    tier_checks_are_filed_and_found_when_due(store).await;
    percentile_inputs_are_kept(store).await;
    season_boards_follow_the_tenants_seasons(store).await;
}
