//! The asynchronous stage on the in-memory store, with a real HTTP classifier
//! endpoint on loopback where one is configured.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moderation::classifier::{HttpClassifier, NoClassifier};
use moderation::stage::{handle_event, Outcome, StageDeps};
use moderation::{handle_sqs, SqsEvent, SqsRecord};
use serde_json::{json, Value};
use sideline_domain::config::Limits;
use sideline_domain::connection::{ConnectionRecord, Member};
use sideline_domain::events::{
    Actor, Envelope, EventData, MessageEdited, MessageReported, MessageSent, RoomJoined,
};
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{
    Author, ClientMsgId, MessageId, MessageText, StoredMessage, Visibility,
};
use sideline_domain::moderation::{DecisionKind, Priority, ReviewFilter, SanctionKind, Stage};
use sideline_domain::time::format_time;
use sideline_inline::policy::Policies;
use sideline_memory::{MemoryStore, RecordingConnections};
use sideline_ports::{
    Adapters, ConnectionRegistry, ManualClock, MessageStore, ReviewQueue, RoomStore, Sanctions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NOW: i64 = 1_800_000_000_000;

struct World {
    tenant: TenantId,
    room: RoomId,
    author: UserId,
    watcher: ConnectionId,
}

async fn world<C>(
    deps: &StageDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>, C>,
) -> World {
    let tenant = TenantId::parse("acme").unwrap();
    let room = RoomId::parse("r").unwrap();
    let watcher = ConnectionId::parse("watcher").unwrap();
    let user = UserId::derive(&tenant, "w");
    deps.store
        .put_connection(&ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: watcher.clone(),
            user: user.clone(),
            name: "w".into(),
            role: Role::Member,
            connected_at_ms: NOW,
            expires_at_s: NOW / 1000 + 7800,
            rooms: Default::default(),
        })
        .await
        .unwrap();
    deps.store
        .join_room(
            &tenant,
            &room,
            &Member {
                connection_id: watcher.clone(),
                user,
                name: "w".into(),
                role: Role::Member,
                joined_at_ms: NOW,
                expires_at_s: NOW / 1000 + 7800,
                correlation_id: None,
                tier: sideline_domain::scoring::Tier::None,
            },
            10,
        )
        .await
        .unwrap();
    deps.connections.open(&watcher);
    World {
        author: UserId::derive(&tenant, "ada"),
        tenant,
        room,
        watcher,
    }
}

fn deps<C>(
    classifier: Option<C>,
) -> StageDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>, C> {
    StageDeps {
        ports: Adapters {
            store: MemoryStore::new(),
            connections: RecordingConnections::new(),
            clock: ManualClock::at(NOW),
        },
        limits: Limits::default(),
        policies: Policies::default(),
        classifier,
        idempotency_window_s: 300,
        settings: Default::default(),
    }
}

async fn post<C>(
    deps: &StageDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>, C>,
    w: &World,
    text: &str,
    visibility: Visibility,
) -> StoredMessage {
    let message = StoredMessage {
        tenant: w.tenant.clone(),
        room: w.room.clone(),
        id: MessageId::at(NOW),
        author: Author {
            id: w.author.clone(),
            name: "ada".into(),
            role: Role::Member,
            tier: sideline_domain::scoring::Tier::None,
        },
        text: MessageText::parse(text, 2000).unwrap(),
        created_at_ms: NOW,
        reply_to: None,
        client_msg_id: ClientMsgId::parse(&format!("c{}", MessageId::at(NOW))).unwrap(),
        correlation_id: Some("req-1".into()),
        reactions: Default::default(),
        visibility,
        seq: None,
        batched: false,
    };
    deps.store.put_message(&message).await.unwrap();
    message
}

/// The EventBridge event of type `kind` about `message`, as `ingest` makes it.
fn event(kind: &str, w: &World, message: &StoredMessage) -> Value {
    let data = match kind {
        "community.message.sent" => EventData::MessageSent(MessageSent {
            message_id: message.id,
            text_length: message.text.as_str().chars().count(),
            visibility: message.visibility,
            reply_to: None,
        }),
        "community.message.edited" => EventData::MessageEdited(MessageEdited {
            message_id: message.id,
            text_length: message.text.as_str().chars().count(),
        }),
        "community.message.reported" => EventData::MessageReported(MessageReported {
            message_id: message.id,
            author_id: message.author.id.to_string(),
            reason: "spam".into(),
        }),
        _ => EventData::RoomJoined(RoomJoined {
            connection_id: w.watcher.clone(),
        }),
    };
    let kind_of = data.event_type();
    let detail = Envelope {
        event_id: uuid_like(&message.id, kind),
        event_type: kind_of.detail_type().to_owned(),
        analytics_name: kind_of.analytics_name().to_owned(),
        schema_version: kind_of.schema_version(),
        occurred_at: format_time(NOW),
        correlation_id: "req-1".into(),
        tenant_id: w.tenant.to_string(),
        room_id: Some(w.room.to_string()),
        actor: Actor {
            canonical_id: message.author.id.to_string(),
            role: "member".into(),
        },
        data: data.to_value(),
        meta: Default::default(),
    };
    json!({"detail-type": kind, "source": "sideline", "detail": detail})
}

fn uuid_like(id: &MessageId, kind: &str) -> String {
    format!("{id}-{}", kind.len())
}

fn kinds(store: &MemoryStore) -> Vec<DecisionKind> {
    store.decisions().iter().map(|d| d.kind).collect()
}

/// A one-route HTTP server on loopback answering every request with `status` and
/// `body`; returns its URL and the bodies it received.
async fn classifier_endpoint(status: u16, body: Value) -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/moderations", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then as many body bytes as Content-Length says.
            let request = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break Some(rest[..length].to_owned());
                    }
                }
            };
            if let Some(body) = request {
                log.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
            }
            let payload = body.to_string();
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, seen)
}

#[tokio::test]
async fn an_external_classifier_can_remove_what_the_inline_stage_let_through() {
    let (url, seen) = classifier_endpoint(
        200,
        json!({"results": [{"flagged": true,
            "categories": {"harassment": true, "violence": false},
            "category_scores": {"harassment": 0.97, "violence": 0.01}}]}),
    )
    .await;
    let classifier = HttpClassifier::new(
        &url,
        Some("k-123".into()),
        Some("omni".into()),
        Duration::from_secs(2),
    )
    .unwrap();
    let deps = deps(Some(classifier));
    let w = world(&deps).await;
    let message = post(&deps, &w, "you are an idiot", Visibility::Public).await;
    let outcome = handle_event(
        &event("community.message.sent", &w, &message),
        &deps.stage(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Removed);
    let stored = deps
        .store
        .message(&w.tenant, &w.room, &message.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.visibility, Visibility::Removed);
    let frames = deps.connections.take(&w.watcher);
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "message_removed" && f["messageId"] == message.id.to_string()),
        "{frames:?}"
    );
    let decision = deps.store.decisions().pop().unwrap();
    assert_eq!(decision.kind, DecisionKind::MessageRemoved);
    assert_eq!(decision.stage, Stage::Async);
    assert_eq!(decision.scores.get("external.harassment"), Some(&0.97));
    assert!(decision
        .categories
        .contains(&"external.harassment".to_owned()));
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        vec![json!({"input": "you are an idiot", "model": "omni"})]
    );
}

#[tokio::test]
async fn a_failing_classifier_leaves_the_judgement_to_the_rest() {
    let (url, _) = classifier_endpoint(503, json!({"error": "busy"})).await;
    let classifier = HttpClassifier::new(&url, None, None, Duration::from_secs(2)).unwrap();
    let deps = deps(Some(classifier));
    let w = world(&deps).await;
    let message = post(&deps, &w, "what a save", Visibility::Public).await;
    let outcome = handle_event(
        &event("community.message.sent", &w, &message),
        &deps.stage(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Kept);
    assert!(deps.store.decisions().is_empty());
}

#[test]
fn the_classifier_url_is_checked() {
    for bad in ["not a url", "ftp://example.com/x"] {
        assert!(HttpClassifier::new(bad, None, None, Duration::from_secs(1)).is_err());
    }
}

#[tokio::test]
async fn the_same_event_is_handled_once() {
    let deps = deps(None::<NoClassifier>);
    let w = world(&deps).await;
    let message = post(&deps, &w, "hello all", Visibility::Public).await;
    let e = event("community.message.sent", &w, &message);
    assert_eq!(
        handle_event(&e, &deps.stage()).await.unwrap(),
        Outcome::Kept
    );
    assert_eq!(
        handle_event(&e, &deps.stage()).await.unwrap(),
        Outcome::Duplicate
    );
}

#[tokio::test]
async fn a_held_message_the_second_look_is_sure_of_reaches_the_room() {
    let deps = deps(None::<NoClassifier>);
    let w = world(&deps).await;
    let message = post(&deps, &w, "see you at the game tonight", Visibility::Held).await;
    let outcome = handle_event(
        &event("community.message.sent", &w, &message),
        &deps.stage(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Approved);
    let frames = deps.connections.take(&w.watcher);
    assert!(frames
        .iter()
        .any(|f| f["type"] == "message" && f["id"] == message.id.to_string()));
    assert_eq!(kinds(&deps.store), vec![DecisionKind::MessageApproved]);
}

#[tokio::test]
async fn a_held_message_still_in_doubt_stays_for_a_moderator() {
    let deps = deps(None::<NoClassifier>);
    let w = world(&deps).await;
    let message = post(&deps, &w, "shut up you stupid bitch", Visibility::Held).await;
    let outcome = handle_event(
        &event("community.message.sent", &w, &message),
        &deps.stage(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Kept);
    assert!(deps.connections.take(&w.watcher).is_empty());
}

#[tokio::test]
async fn a_reported_message_is_queued_with_high_priority() {
    let deps = deps(None::<NoClassifier>);
    let w = world(&deps).await;
    let message = post(&deps, &w, "the keeper is a disgrace", Visibility::Public).await;
    let outcome = handle_event(
        &event("community.message.reported", &w, &message),
        &deps.stage(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Flagged);
    let queue = deps
        .store
        .review_queue(&w.tenant, &ReviewFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1);
    assert_eq!(queue.items[0].priority, Priority::High);
    assert!(queue.items[0].due_at_ms == NOW + 4 * 3_600_000);
    assert_eq!(kinds(&deps.store), vec![DecisionKind::MessageFlagged]);
}

#[tokio::test]
async fn removals_count_towards_escalation() {
    let mut deps = deps(None::<NoClassifier>);
    deps.limits.escalation_violations = 1;
    let w = world(&deps).await;
    // The same text three times is a flood: the third is removed.
    let mut last = Outcome::Skipped;
    for _ in 0..3 {
        let m = post(&deps, &w, "Follow me!! Follow me!!", Visibility::Public).await;
        last = handle_event(&event("community.message.sent", &w, &m), &deps.stage())
            .await
            .unwrap();
    }
    assert_eq!(last, Outcome::Removed);
    let sanctions = deps
        .store
        .sanctions(&w.tenant, &w.author, NOW)
        .await
        .unwrap();
    assert_eq!(sanctions.len(), 1);
    assert_eq!(sanctions[0].kind, SanctionKind::Mute);
    let kinds: BTreeSet<DecisionKind> = kinds(&deps.store).into_iter().collect();
    assert!(kinds.contains(&DecisionKind::UserMuted), "{kinds:?}");
}

#[tokio::test]
async fn other_events_and_vanished_messages_are_skipped_and_bad_ones_dropped() {
    let deps = deps(None::<NoClassifier>);
    let w = world(&deps).await;
    let message = post(&deps, &w, "fine", Visibility::Public).await;
    let mut joined = event("community.room.joined", &w, &message);
    assert_eq!(
        handle_event(&joined, &deps.stage()).await.unwrap(),
        Outcome::Skipped
    );
    let mut unknown = message.clone();
    unknown.id = MessageId::at(NOW + 1);
    joined = event("community.message.sent", &w, &unknown);
    assert_eq!(
        handle_event(&joined, &deps.stage()).await.unwrap(),
        Outcome::Skipped
    );
    let outcome = handle_sqs(
        SqsEvent {
            records: vec![
                SqsRecord {
                    message_id: "m1".into(),
                    body: "not json".into(),
                },
                SqsRecord {
                    message_id: "m2".into(),
                    body: json!({"detail-type": "community.message.sent", "detail": {}})
                        .to_string(),
                },
                SqsRecord {
                    message_id: "m3".into(),
                    body: event("community.message.sent", &w, &message).to_string(),
                },
            ],
        },
        &deps.stage(),
    )
    .await;
    assert!(
        outcome.response.batch_item_failures.is_empty(),
        "unreadable events are not retried"
    );
    let results: Vec<_> = outcome
        .records
        .iter()
        .map(|r| (r.message_id.as_str(), r.result.as_ref().ok().copied()))
        .collect();
    assert_eq!(
        results,
        [("m1", None), ("m2", None), ("m3", Some(Outcome::Kept))],
        "two unreadable, one looked at"
    );
    assert!(deps.store.decisions().is_empty());
}
