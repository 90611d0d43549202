//! Scoring benchmark: events (10 % of them duplicates, all shuffled) through the
//! `scoring` function — threads, replies, reactions and reactions taken back among
//! 300 users in 40 rooms over 30 days. Prints events per second, the items written
//! per scored event, and checks every user's score against the closed form
//! `Σ wᵢ·e^(−λ(t−tᵢ))`. Two runs: 10,000 events on the in-memory store, and
//! `SIDELINE_BENCH_MOTO_EVENTS` (default 1,000) on DynamoDB (moto). Plain moto
//! copies the whole table for every item of a transaction, so its cost per event
//! grows with the table; `scripts/moto_server_txn.py` (moto with transactions at
//! their own cost) runs the 10,000 in minutes (docs/benchmarks.md).
//! Needs `SIDELINE_MOTO_ENDPOINT`. Run:
//! `cargo bench -p sideline-tests --bench scoring`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use sideline_app::standing::TenantSettings;
use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::DynamoStore;
use sideline_domain::events::Envelope;
use sideline_domain::identity::Role;
use sideline_domain::ids::{RoomId, TenantId, UserId};
use sideline_domain::message::{
    Author, ClientMsgId, Emoji, MessageId, MessageText, Reaction, StoredMessage, Visibility,
};
use sideline_domain::outbox::{event_for, Change, OutboxRecord, Stored};
use sideline_domain::scoring::{Tier, DAY_MS};
use sideline_memory::{MemoryStore, RecordingConnections};
use sideline_ports::{Adapters, ManualClock, Store};
use sideline_tests::{fresh_table, moto_endpoint};

const USERS: u64 = 300;
const ROOMS: u64 = 40;
const T0: i64 = 1_800_000_000_000;
const LAMBDA: f64 = 0.05;

/// A deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the workload did, for the closed form: (user, points, at).
type Points = Vec<(UserId, f64, i64)>;

fn delivered(change: Change, key: &str) -> Value {
    let envelope: Envelope = event_for(&OutboxRecord {
        change,
        item_key: key.to_owned(),
        sequence: "1".into(),
        at_ms: None,
        expired: false,
    })
    .expect("an event");
    json!({"detail-type": envelope.event_type, "detail": envelope})
}

struct Workload {
    messages: Vec<StoredMessage>,
    events: Vec<Value>,
    points: Points,
    /// Raw points per (user, kind-ish, day) and per (author, giver, day), to show
    /// no cap was reached (the closed form has no caps in it).
    own: HashMap<(UserId, &'static str, i64), f64>,
    given: HashMap<(UserId, UserId, i64), f64>,
}

fn workload(unique: usize, duplicates: usize) -> Workload {
    let tenant = TenantId::parse("bench").expect("tenant");
    let user = |n: u64| UserId::derive(&tenant, &format!("user{n}"));
    let mut rng = Rng(7);
    let mut w = Workload {
        messages: Vec::new(),
        events: Vec::new(),
        points: Vec::new(),
        own: HashMap::new(),
        given: HashMap::new(),
    };
    let mut reactions: Vec<Reaction> = Vec::new();
    let span = 30 * DAY_MS;
    for i in 0..unique {
        let at = T0 + (i as i64) * span / unique as i64;
        let day = at.div_euclid(DAY_MS);
        let roll = rng.below(100);
        let me = rng.below(USERS);
        if roll < 50 || w.messages.is_empty() {
            // A thread (30 %) or a reply (20 %).
            let parent = (roll >= 30 && !w.messages.is_empty())
                .then(|| w.messages[rng.below(w.messages.len() as u64) as usize].clone());
            let room = match &parent {
                Some(p) => p.room.clone(),
                None => RoomId::parse(&format!("match:{}", rng.below(ROOMS))).expect("room"),
            };
            let m = StoredMessage {
                tenant: tenant.clone(),
                room,
                id: MessageId::at(at),
                author: Author {
                    id: user(me),
                    name: format!("User {me}"),
                    role: Role::Member,
                    tier: Tier::None,
                },
                text: MessageText::parse(&format!("message {i}"), 2000).expect("text"),
                created_at_ms: at,
                reply_to: parent.as_ref().map(|p| p.id),
                client_msg_id: ClientMsgId::parse(&format!("c{i}")).expect("id"),
                correlation_id: None,
                reactions: BTreeMap::new(),
                visibility: Visibility::Public,
                seq: None,
                batched: false,
            };
            match &parent {
                None => {
                    w.points.push((m.author.id.clone(), 10.0, at));
                    *w.own
                        .entry((m.author.id.clone(), "thread", day))
                        .or_default() += 10.0;
                }
                Some(p) if p.author.id != m.author.id => {
                    w.points.push((m.author.id.clone(), 5.0, at));
                    w.points.push((p.author.id.clone(), 2.0, at));
                    *w.own
                        .entry((m.author.id.clone(), "reply", day))
                        .or_default() += 5.0;
                    *w.given
                        .entry((p.author.id.clone(), m.author.id.clone(), day))
                        .or_default() += 2.0;
                }
                Some(_) => {}
            }
            w.events.push(delivered(
                Change::insert(Stored::Message(m.clone())),
                &format!("m{i}"),
            ));
            w.messages.push(m);
        } else if roll < 90 || reactions.is_empty() {
            let target = w.messages[rng.below(w.messages.len() as u64) as usize].clone();
            let r = Reaction {
                tenant: tenant.clone(),
                room: target.room.clone(),
                message: target.id,
                emoji: Emoji::parse(["🔥", "👏", "😂"][rng.below(3) as usize]).expect("emoji"),
                user: user(me),
                role: Role::Member,
                at_ms: at,
                correlation_id: None,
                batched: false,
            };
            if r.user != target.author.id {
                w.points.push((r.user.clone(), 1.0, at));
                w.points.push((target.author.id.clone(), 1.0, at));
                *w.own.entry((r.user.clone(), "reaction", day)).or_default() += 1.0;
                *w.given
                    .entry((target.author.id.clone(), r.user.clone(), day))
                    .or_default() += 1.0;
            }
            w.events.push(delivered(
                Change::insert(Stored::Reaction(r.clone())),
                &format!("r{i}"),
            ));
            reactions.push(r);
        } else {
            // A reaction taken back: its points go, at the time it was added.
            let r = reactions.swap_remove(rng.below(reactions.len() as u64) as usize);
            let author = w
                .messages
                .iter()
                .find(|m| m.id == r.message)
                .map(|m| m.author.id.clone())
                .expect("the message");
            if r.user != author {
                w.points.push((r.user.clone(), -1.0, r.at_ms));
                w.points.push((author.clone(), -1.0, r.at_ms));
            }
            w.events.push(delivered(
                Change::remove(Stored::Reaction(r.clone())),
                &format!("x{i}"),
            ));
        }
    }
    // 909 duplicates, then everything shuffled.
    for _ in 0..duplicates {
        let pick = w.events[rng.below(unique as u64) as usize].clone();
        w.events.push(pick);
    }
    for i in (1..w.events.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        w.events.swap(i, j);
    }
    w
}

/// Items a store counts as written by scoring (`None`: it does not count).
trait Written {
    fn written(&self) -> Option<u64>;
}

impl Written for MemoryStore {
    fn written(&self) -> Option<u64> {
        None
    }
}

impl Written for DynamoStore {
    fn written(&self) -> Option<u64> {
        Some(self.score_items_written())
    }
}

async fn run<S: Store + Written>(label: &str, store: S, unique: usize, duplicates: usize) {
    let w = workload(unique, duplicates);
    let caps_reached = w.own.values().filter(|p| **p > 200.0).count()
        + w.given.values().filter(|p| **p > 5.0).count();
    assert_eq!(caps_reached, 0, "the closed form below has no caps in it");
    for m in &w.messages {
        store.put_message(m).await.expect("message");
    }
    let deps = scoring::ScoringDeps {
        ports: Adapters {
            store,
            connections: RecordingConnections::new(),
            clock: ManualClock::at(T0 + 30 * DAY_MS),
        },
        settings: Arc::new(TenantSettings::default()),
    };
    let written_before = deps.ports.store.written();
    let started = Instant::now();
    let (mut scored, mut duplicates_dropped, mut skipped, mut items) = (0usize, 0, 0, 0);
    for event in &w.events {
        match scoring::handle_event(event, &deps).await.expect("scored") {
            scoring::Outcome::Scored { users, tiers } => {
                scored += 1;
                // What its transaction wrote: the event's mark; per user touched,
                // one bucket (their own or their received one), their score and
                // their room score; and any tier change.
                items += 1 + 3 * users + tiers;
            }
            scoring::Outcome::Duplicate => duplicates_dropped += 1,
            scoring::Outcome::Skipped(_) => skipped += 1,
        }
    }
    let elapsed = started.elapsed();
    let measured = match (written_before, deps.ports.store.written()) {
        (Some(before), Some(after)) => format!(
            " (counted at the table: {:.2})",
            (after - before) as f64 / scored.max(1) as f64
        ),
        _ => String::new(),
    };
    let tenant = TenantId::parse("bench").expect("tenant");
    let at = T0 + 31 * DAY_MS;
    let mut expected: BTreeMap<UserId, f64> = BTreeMap::new();
    for (user, points, t) in &w.points {
        *expected.entry(user.clone()).or_default() +=
            points * (-LAMBDA * (at - t) as f64 / DAY_MS as f64).exp();
    }
    let users: BTreeSet<UserId> = (0..USERS)
        .map(|n| UserId::derive(&tenant, &format!("user{n}")))
        .collect();
    let mut worst = 0.0f64;
    for user in &users {
        let want = expected.get(user).copied().unwrap_or(0.0);
        let got = deps
            .ports
            .store
            .user_score(&tenant, user)
            .await
            .expect("read")
            .map_or(0.0, |s| s.score.at(at, LAMBDA));
        let error = (got - want).abs() / want.abs().max(1e-9);
        assert!(error <= 1e-9, "{user}: {got} vs {want}");
        worst = worst.max(error);
    }
    println!(
        "{label}: {} events ({unique} unique, {duplicates} duplicates) in {:.2} s: {:.0} events/s; \
         scored {scored}, duplicates dropped {duplicates_dropped}, skipped {skipped} (self-credit); \
         items written per scored event {:.2}{measured}; all {} users' scores equal the \
         closed form (worst relative error {worst:.1e})",
        w.events.len(),
        elapsed.as_secs_f64(),
        w.events.len() as f64 / elapsed.as_secs_f64(),
        items as f64 / scored.max(1) as f64,
        users.len()
    );
}

#[tokio::main]
async fn main() {
    run("memory", MemoryStore::new(), 9_091, 909).await;
    let moto_events: usize = std::env::var("SIDELINE_BENCH_MOTO_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let store = DynamoStore::from_sdk(&local_sdk_config(&moto_endpoint()), fresh_table());
    store
        .ensure_table_without_stream()
        .await
        .expect("table on moto");
    let duplicates = moto_events / 11;
    run(
        "DynamoDB (moto)",
        store,
        moto_events - duplicates,
        duplicates,
    )
    .await;
}
