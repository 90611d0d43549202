//! The function on the in-memory store, with events made the way `ingest` makes
//! them (the outbox's envelopes, as EventBridge delivers them).

use std::collections::BTreeMap;

use serde_json::json;
use sideline_domain::connection::ConnectionRecord;
use sideline_domain::events::Envelope;
use sideline_domain::identity::Role;
use sideline_domain::ids::ConnectionId;
use sideline_domain::message::{Author, ClientMsgId, MessageText, Reaction};
use sideline_domain::outbox::{event_for, Change, OutboxRecord, Stored};
use sideline_domain::scoring::{Tier, DAY_MS};
use sideline_lambda::SqsRecord;
use sideline_memory::{MemoryStore, RecordingConnections};
use sideline_ports::{Adapters, ConnectionRegistry, ManualClock, TenantConfigs};

use super::*;

const T0: i64 = 1_800_000_000_000;

type Deps = ScoringDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>>;

fn deps() -> Deps {
    ScoringDeps {
        ports: Adapters {
            store: MemoryStore::new(),
            connections: RecordingConnections::new(),
            clock: ManualClock::at(T0),
        },
        settings: Arc::new(TenantSettings::default()),
    }
}

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn user(name: &str) -> UserId {
    UserId::derive(&tenant(), name)
}

fn room() -> RoomId {
    RoomId::parse("match:1").unwrap()
}

fn message(author: &str, at_ms: i64, reply_to: Option<MessageId>) -> StoredMessage {
    StoredMessage {
        tenant: tenant(),
        room: room(),
        id: MessageId::at(at_ms),
        author: Author {
            id: user(author),
            name: author.into(),
            role: Role::Member,
            tier: Tier::None,
        },
        text: MessageText::parse("hello", 2000).unwrap(),
        created_at_ms: at_ms,
        reply_to,
        client_msg_id: ClientMsgId::parse(&format!("c{at_ms}")).unwrap(),
        correlation_id: None,
        reactions: BTreeMap::new(),
        visibility: Visibility::Public,
        seq: None,
        batched: false,
    }
}

/// The event a change makes, as the scoring queue delivers it.
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

fn reaction(by: &str, on: &StoredMessage, at_ms: i64) -> Reaction {
    Reaction {
        tenant: tenant(),
        room: room(),
        message: on.id,
        emoji: sideline_domain::message::Emoji::parse("🔥").unwrap(),
        user: user(by),
        role: Role::Member,
        at_ms,
        correlation_id: None,
        batched: false,
    }
}

async fn score(deps: &Deps, name: &str, at: i64) -> f64 {
    deps.ports
        .store
        .user_score(&tenant(), &user(name))
        .await
        .unwrap()
        .map_or(0.0, |s| s.score.at(at, 0.05))
}

#[tokio::test]
async fn events_score_once_in_any_order() {
    let deps = deps();
    let thread = message("ada", T0, None);
    let reply = message("bob", T0 + 1000, Some(thread.id));
    for m in [&thread, &reply] {
        deps.ports.store.put_message(m).await.unwrap();
    }
    let events = [
        delivered(Change::insert(Stored::Message(thread.clone())), "m1"),
        delivered(Change::insert(Stored::Message(reply.clone())), "m2"),
        delivered(
            Change::insert(Stored::Reaction(reaction("cat", &thread, T0 + 2000))),
            "r1",
        ),
        delivered(
            Change::insert(Stored::Reaction(reaction("ada", &thread, T0 + 3000))),
            "r2",
        ),
    ];
    // Newest first, then all again: the same as once in order.
    let mut outcomes = Vec::new();
    for event in events.iter().rev().chain(events.iter()) {
        outcomes.push(handle_event(event, &deps).await.expect("handled"));
    }
    assert_eq!(
        outcomes[..4],
        [
            Outcome::Skipped("nothing to score (self-credit, no weight)"),
            Outcome::Scored { users: 2, tiers: 0 },
            Outcome::Scored { users: 2, tiers: 0 },
            Outcome::Scored { users: 1, tiers: 0 },
        ]
    );
    assert!(outcomes[4..]
        .iter()
        .all(|o| matches!(o, Outcome::Duplicate | Outcome::Skipped(_))));
    let at = T0 + DAY_MS;
    let d = |w: f64, t: i64| w * (-0.05 * (at - t) as f64 / DAY_MS as f64).exp();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(close(
        score(&deps, "ada", at).await,
        d(10.0, T0) + d(2.0, T0 + 1000) + d(1.0, T0 + 2000)
    ));
    assert!(close(score(&deps, "bob", at).await, d(5.0, T0 + 1000)));
    assert!(close(score(&deps, "cat", at).await, d(1.0, T0 + 2000)));
}

#[tokio::test]
async fn unreadable_events_fail_back_and_others_do_not() {
    let deps = deps();
    let thread = message("ada", T0, None);
    deps.ports.store.put_message(&thread).await.unwrap();
    let good = delivered(Change::insert(Stored::Message(thread.clone())), "m1");
    let mut no_room = delivered(
        Change::insert(Stored::Reaction(reaction("cat", &thread, T0))),
        "r1",
    );
    no_room["detail"].as_object_mut().unwrap().remove("roomId");
    let mut bad_time = good.clone();
    bad_time["detail"]["occurredAt"] = json!("yesterday");
    let mut bad_actor = good.clone();
    bad_actor["detail"]["eventId"] = json!("other");
    bad_actor["detail"]["actor"]["canonicalId"] = json!("nobody");
    let joined = json!({"detail-type": "community.room.joined", "detail": good["detail"].clone()});
    let body = |v: &Value| v.to_string();
    let records = [
        ("good", body(&good)),
        ("not-json", "{".to_owned()),
        ("no-room", body(&no_room)),
        ("bad-time", body(&bad_time)),
        ("bad-actor", body(&bad_actor)),
        ("not-scored", body(&joined)),
    ];
    let event = SqsEvent {
        records: records
            .iter()
            .map(|(id, body)| SqsRecord {
                message_id: (*id).to_owned(),
                body: body.clone(),
            })
            .collect(),
    };
    let outcome = handle_sqs(event, &deps).await;
    let failed: Vec<&str> = outcome
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["not-json", "no-room", "bad-time", "bad-actor"]);
    // Nothing of the bad ones was scored: only the good message's 10 points.
    assert_eq!(score(&deps, "ada", T0).await, 10.0);
    assert_eq!(score(&deps, "cat", T0).await, 0.0);
}

#[tokio::test]
async fn crossing_a_threshold_tells_the_users_connections() {
    let deps = deps();
    let connection = ConnectionId::parse("conn-ada").unwrap();
    deps.ports
        .store
        .put_connection(&ConnectionRecord {
            tenant: tenant(),
            connection_id: connection.clone(),
            user: user("ada"),
            name: "ada".into(),
            role: Role::Member,
            connected_at_ms: T0,
            expires_at_s: T0 / 1000 + 7200,
            rooms: Default::default(),
        })
        .await
        .unwrap();
    deps.ports.connections.open(&connection);
    let mut config = sideline_domain::tenant::TenantConfig::default();
    config.scoring.thread_start = 160.0;
    deps.ports
        .store
        .put_tenant_config(&tenant(), 0, &config, T0)
        .await
        .unwrap();
    let thread = message("ada", T0, None);
    deps.ports.store.put_message(&thread).await.unwrap();
    let outcome = handle_event(
        &delivered(Change::insert(Stored::Message(thread)), "m1"),
        &deps,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Scored { users: 1, tiers: 1 });
    let frames = deps.ports.connections.take(&connection);
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["type"], "tier");
    assert_eq!(frames[0]["tier"], "silver");
    assert_eq!(frames[0]["previous"], "none");
    assert_eq!(frames[0]["score"], 160.0);
}

#[tokio::test]
async fn the_schedule_runs_the_demotion_pass_and_other_payloads_are_refused() {
    let deps = deps();
    let scheduled = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let answer = handle(scheduled, &deps).await.expect("a pass");
    assert_eq!(
        answer,
        json!({"recut": 0, "moved": 0, "failed": 0, "checked": 0, "demoted": 0, "refiled": 0})
    );
    let batch = json!({"Records": []});
    assert_eq!(
        handle(batch, &deps).await.expect("a batch"),
        json!({"batchItemFailures": []})
    );
    assert!(handle(json!({"hello": "world"}), &deps).await.is_err());
    assert!(handle(json!({"Records": "nope"}), &deps).await.is_err());
}
