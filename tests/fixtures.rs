//! Every sample payload in `events/` runs through its handler, so none can rot.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sideline_domain::config::Limits;
use sideline_domain::connection::{ConnectionRecord, Member};
use sideline_domain::identity::{Identity, Role};
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{Author, ClientMsgId, MessageId, MessageText, StoredMessage};
use sideline_lambda::{AuthorizerRequest, WebSocketEvent};
use sideline_memory::{MemoryStore, RecordingConnections};
use sideline_ports::{
    Adapters, ConnectionRegistry, ManualClock, MessageStore, RoomStore, ScoreStore, SystemClock,
};
use sideline_token::{TokenConfig, TokenVerifier, VerifyingKey};

const FIXTURE_SECRET: &[u8] = b"sideline-fixture-secret-not-for-production";
const FIXTURE_MESSAGE: &str = "01a1fd1e-9833-7c11-9d4e-0a1b2c3d4e5f";
/// A message by Bob in the same room (to report, and for the moderation function).
const BOB_MESSAGE: &str = "019a8f3c-5b2e-7c11-9d4e-0a1b2c3d4e60";

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read events dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn load<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).expect("read fixture");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn alice() -> (TenantId, UserId) {
    let tenant = TenantId::parse("demo").expect("tenant");
    let user = UserId::derive(&tenant, "alice");
    (tenant, user)
}

/// The fixture connection, recorded and in `match:123`, with one stored message.
async fn seeded(store: &MemoryStore, event: &WebSocketEvent) -> ConnectionId {
    let (tenant, user) = alice();
    let connection = ConnectionId::parse(&event.request_context.connection_id).expect("id");
    store
        .put_connection(&ConnectionRecord {
            tenant: tenant.clone(),
            connection_id: connection.clone(),
            user: user.clone(),
            name: "Alice".into(),
            role: Role::Admin,
            connected_at_ms: 0,
            expires_at_s: 9_999_999_999,
            rooms: Default::default(),
        })
        .await
        .expect("connection");
    let room = RoomId::parse("match:123").expect("room");
    let member = Member {
        connection_id: connection.clone(),
        user: user.clone(),
        name: "Alice".into(),
        role: Role::Admin,
        joined_at_ms: 0,
        expires_at_s: 9_999_999_999,
        correlation_id: None,
        tier: sideline_domain::scoring::Tier::None,
    };
    store
        .join_room(&tenant, &room, &member, 10)
        .await
        .expect("join");
    store
        .put_message(&StoredMessage {
            tenant,
            room,
            id: MessageId::parse(FIXTURE_MESSAGE).expect("id"),
            author: Author {
                id: user,
                name: "Alice".into(),
                role: Role::Admin,
                tier: sideline_domain::scoring::Tier::None,
            },
            text: MessageText::parse("seeded", 100).expect("text"),
            created_at_ms: 1_795_248_000_000,
            reply_to: None,
            client_msg_id: ClientMsgId::parse("seed").expect("client id"),
            correlation_id: None,
            reactions: BTreeMap::new(),
            visibility: Default::default(),
            seq: None,
            batched: false,
        })
        .await
        .expect("seed message");
    let bob = UserId::derive(&alice().0, "bob");
    // Bob has connected once (so moderators know his rank).
    store
        .put_connection(&ConnectionRecord {
            tenant: alice().0,
            connection_id: ConnectionId::parse("bob-connection").expect("id"),
            user: bob.clone(),
            name: "Bob".into(),
            role: Role::Member,
            connected_at_ms: 0,
            expires_at_s: 9_999_999_999,
            rooms: Default::default(),
        })
        .await
        .expect("bob's connection");
    store
        .put_message(&StoredMessage {
            tenant: alice().0,
            room: RoomId::parse("match:123").expect("room"),
            id: MessageId::parse(BOB_MESSAGE).expect("id"),
            author: Author {
                id: bob,
                name: "Bob".into(),
                role: Role::Member,
                tier: sideline_domain::scoring::Tier::None,
            },
            text: MessageText::parse("seeded by bob", 100).expect("text"),
            created_at_ms: 1_795_248_000_000,
            reply_to: None,
            client_msg_id: ClientMsgId::parse("seed-bob").expect("client id"),
            correlation_id: None,
            reactions: BTreeMap::new(),
            visibility: Default::default(),
            seq: None,
            batched: false,
        })
        .await
        .expect("seed bob's message");
    connection
}

#[tokio::test]
async fn every_sample_event_runs_through_its_handler() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    assert!(files.len() >= 13, "found only {} fixtures", files.len());
    let (tenant, user) = alice();

    for path in &files {
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        match folder {
            "authorizer" => {
                let verifier = TokenVerifier::new(&TokenConfig {
                    key: VerifyingKey::Hs256 {
                        secret: FIXTURE_SECRET.to_vec(),
                    },
                    audience: None,
                    issuer: None,
                })
                .expect("verifier");
                let event: AuthorizerRequest = load(path);
                let response = authorizer::handle(event, &verifier)
                    .await
                    .expect("fixture token is valid");
                assert!(response.allows());
                assert_eq!(
                    Identity::from_context(&response.context)
                        .expect("context")
                        .user,
                    user
                );
            }
            "ws-connect" => {
                let event: WebSocketEvent = load(path);
                let store = MemoryStore::new();
                let id = ConnectionId::parse(&event.request_context.connection_id).expect("id");
                assert_eq!(
                    ws_connect::handle(event, &store, &SystemClock)
                        .await
                        .status_code,
                    200
                );
                assert!(store.connection(&tenant, &id).await.expect("get").is_some());
            }
            "ws-disconnect" => {
                let event: WebSocketEvent = load(path);
                let store = MemoryStore::new();
                let id = seeded(&store, &event).await;
                let response = ws_disconnect::handle(
                    event,
                    &store,
                    &RecordingConnections::new(),
                    &Limits::default(),
                )
                .await;
                assert_eq!(response.status_code, 200);
                assert!(store.connection(&tenant, &id).await.expect("get").is_none());
            }
            "ws-message" => {
                let event: WebSocketEvent = load(path);
                let deps = ws_message::MessageDeps::new(
                    MemoryStore::new(),
                    RecordingConnections::new(),
                    ManualClock::at(1_795_248_000_123),
                    Limits::default(),
                );
                let id = seeded(&deps.store, &event).await;
                deps.connections.open(&id);
                assert_eq!(ws_message::handle(event, &deps).await.status_code, 200);
                let frames = deps.connections.take(&id);
                let types: Vec<&str> = frames.iter().filter_map(|f| f["type"].as_str()).collect();
                let expected = match name {
                    "join" => "joined",
                    "leave" => "left",
                    "send" | "send-reply" => "ack",
                    "react" => "reaction",
                    "history" => "history",
                    "presence" => "presence",
                    "ping" => "pong",
                    "configure" | "moderate-slow-mode" => "room",
                    "moderate-mute" => "moderated",
                    "moderate-review-queue" => "review_queue",
                    "report" => "reported",
                    "typing" => {
                        assert!(
                            frames.is_empty(),
                            "typing echoes nothing to the typist: {frames:?}"
                        );
                        continue;
                    }
                    other => panic!("no expectation for ws-message fixture `{other}`"),
                };
                assert_eq!(types.first().copied(), Some(expected), "{name}: {frames:?}");
                assert!(
                    frames.iter().all(|f: &Value| f["type"] != "error"),
                    "{name}: {frames:?}"
                );
            }
            "ingest" => {
                let event: sideline_aws::stream::StreamEvent = load(path);
                let sink = sideline_memory::RecordingSink::new();
                let config = ingest::IngestConfig {
                    source: "sideline".into(),
                    bus: "community".into(),
                    retry: sideline_app::publish::RetryPolicy::default(),
                    host_secret: None,
                };
                let response =
                    ingest::handle_stream(event, &sink, &config, &ingest::Unstamped).await;
                let types: Vec<String> =
                    sink.accepted().into_iter().map(|e| e.detail_type).collect();
                assert_eq!(
                    types,
                    [
                        "community.room.joined",
                        "community.message.sent",
                        "community.reaction.added",
                        "community.reaction.removed",
                        "community.room.left",
                    ],
                    "{name}: every interaction, nothing else"
                );
                let failed: Vec<&str> = response
                    .batch_item_failures
                    .iter()
                    .map(|f| f.item_identifier.as_str())
                    .collect();
                assert_eq!(
                    failed,
                    ["109000000000000000000001"],
                    "{name}: only the message without text is refused"
                );
            }
            "fanout" => {
                let event: sideline_aws::stream::StreamEvent = load(path);
                let connections = RecordingConnections::new();
                let store = MemoryStore::new();
                let fake: WebSocketEvent = load(&path.with_file_name("../ws-message/join.json"));
                let member = seeded(&store, &fake).await;
                connections.open(&member);
                let ports = Adapters {
                    store,
                    connections,
                    clock: ManualClock::at(1_795_248_003_000),
                };
                let (response, report) =
                    fanout::handle_stream(event, &ports, &Limits::default(), &Default::default())
                        .await;
                assert!(response.batch_item_failures.is_empty(), "{name}");
                assert_eq!((report.rooms, report.messages), (1, 2), "{name}");
                // One post: both messages in one batch frame, in number order.
                let frames = ports.connections.take(&member);
                assert_eq!(frames.len(), 1, "{name}: {frames:?}");
                assert_eq!(frames[0]["type"], "batch");
                let inner = frames[0]["frames"].as_array().expect("frames");
                let seqs: Vec<u64> = inner
                    .iter()
                    .filter(|f| f["type"] == "message")
                    .map(|f| f["seq"].as_u64().expect("seq"))
                    .collect();
                assert_eq!(seqs, [41, 42], "{name}");
                // Then the room's presence, which this consumer had not sent.
                assert_eq!(inner.len(), 3, "{name}: {inner:?}");
                assert_eq!(inner[2]["type"], "presence", "{name}");
                assert_eq!(inner[2]["count"], 1, "{name}");
            }
            "moderation" => {
                let event: moderation::SqsEvent = load(path);
                let deps = moderation::stage::StageDeps {
                    ports: Adapters {
                        store: MemoryStore::new(),
                        connections: RecordingConnections::new(),
                        clock: ManualClock::at(1_795_248_000_600),
                    },
                    limits: Limits::default(),
                    policies: Default::default(),
                    classifier: None::<moderation::classifier::NoClassifier>,
                    idempotency_window_s: 300,
                    settings: Default::default(),
                };
                let fake: WebSocketEvent = load(&path.with_file_name("../ws-message/join.json"));
                seeded(&deps.store, &fake).await;
                let records = event.records.len();
                assert!(records > 0, "{name}: no records");
                let outcome = moderation::handle_sqs(event, &deps.stage()).await;
                assert!(
                    outcome.response.batch_item_failures.is_empty(),
                    "{name}: {outcome:?}"
                );
                // Bob's clean, public message is looked at and kept.
                let results: Vec<_> = outcome
                    .records
                    .iter()
                    .map(|r| r.result.as_ref().ok().copied())
                    .collect();
                assert_eq!(
                    results,
                    vec![Some(moderation::stage::Outcome::Kept); records],
                    "{name}: {outcome:?}"
                );
                assert!(deps.store.decisions().is_empty(), "{name}: nothing decided");
            }
            "scoring" => {
                let event: sideline_lambda::SqsEvent = load(path);
                let deps = scoring::ScoringDeps {
                    ports: Adapters {
                        store: MemoryStore::new(),
                        connections: RecordingConnections::new(),
                        clock: ManualClock::at(1_795_248_000_600),
                    },
                    settings: Default::default(),
                };
                let fake: WebSocketEvent = load(&path.with_file_name("../ws-message/join.json"));
                seeded(&deps.ports.store, &fake).await;
                let records = event.records.len();
                let outcome = scoring::handle_sqs(event, &deps).await;
                assert!(
                    outcome.response.batch_item_failures.is_empty(),
                    "{name}: {outcome:?}"
                );
                let results: Vec<_> = outcome
                    .records
                    .iter()
                    .map(|r| r.result.as_ref().ok().cloned())
                    .collect();
                // Bob's thread: 10 points to Bob, no tier yet.
                assert_eq!(
                    results,
                    vec![Some(scoring::Outcome::Scored { users: 1, tiers: 0 }); records],
                    "{name}"
                );
                let bob = UserId::derive(&tenant, "bob");
                let standing = deps
                    .ports
                    .store
                    .user_score(&tenant, &bob)
                    .await
                    .expect("read")
                    .expect("scored");
                assert_eq!(standing.score.value, 10.0 * records as f64);
            }
            "api" => {
                let mut request: api::ApiRequest = load(path);
                // Samples carry placeholder signatures: sign afresh, now.
                let now_ms = 1_795_248_000_600;
                let body = request.body.clone().unwrap_or_default();
                let path_and_query = if request.raw_query_string.is_empty() {
                    request.raw_path.clone()
                } else {
                    format!("{}?{}", request.raw_path, request.raw_query_string)
                };
                let signature = sideline_token::signing::sign(
                    FIXTURE_SECRET,
                    now_ms / 1000,
                    sideline_token::signing::Scheme::V2 {
                        method: &request.request_context.http.method,
                        path_and_query: &path_and_query,
                        body: &body,
                    },
                );
                request
                    .headers
                    .insert("x-sideline-signature".into(), signature);
                request
                    .headers
                    .insert("x-sideline-timestamp".into(), (now_ms / 1000).to_string());
                let deps = api::ApiDeps {
                    ports: Adapters {
                        store: MemoryStore::new(),
                        connections: RecordingConnections::new(),
                        clock: ManualClock::at(now_ms),
                    },
                    settings: Default::default(),
                    secret: Some(FIXTURE_SECRET.to_vec()),
                    files: None::<sideline_memory::RecordingExportFiles>,
                    export_inline_bytes: api::DEFAULT_EXPORT_INLINE_BYTES,
                    limits: Default::default(),
                };
                let fake: WebSocketEvent = load(&path.with_file_name("../ws-message/join.json"));
                seeded(&deps.ports.store, &fake).await;
                let response = api::handle(request, &deps).await;
                // Bob is known (he has a profile) though never scored.
                assert_eq!(response.status_code, 200, "{name}: {}", response.body);
                let body = response.value();
                match name {
                    "get-score" => assert_eq!(body["tier"], "none", "{body}"),
                    "get-leaderboard" => assert_eq!(body["room"], "match:123", "{body}"),
                    "put-config" => assert_eq!(body["version"], 1, "{body}"),
                    other => panic!("no expectation for api/{other}"),
                }
            }
            // Loaded and compiled by `every_event_type_has_a_schema_and_every_schema_a_type`.
            "schemas" => {}
            other => panic!("fixture in unknown folder `{other}`: {}", path.display()),
        }
    }
}
