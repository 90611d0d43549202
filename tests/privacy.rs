//! Privacy end to end. Retention: a tenant's windows set through the server API,
//! the retention pass run on a manual clock through devstack, and what it removes
//! — and what it publishes (nothing that reads as a user's act); on moto, a pass
//! reads the index entries of what expired and nothing else, however much the
//! table holds. Export: everything seeded about a user, in one document that
//! validates against `docs/user-export.schema.json`.

use serde_json::{json, Value};
use sideline_app::retention::{retention_pass, Budget};
use sideline_app::standing::TenantSettings;
use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::DynamoStore;
use sideline_domain::connection::ConnectionRecord;
use sideline_domain::identity::Role;
use sideline_domain::ids::{ConnectionId, RoomId, TenantId, UserId};
use sideline_domain::message::{Author, ClientMsgId, MessageId, MessageText, StoredMessage};
use sideline_domain::scoring::Tier;
use sideline_ports::{ConnectionRegistry, MessageStore};
use sideline_tests::{fresh_table, moto_endpoint, send, Client, ClockedStack};

const T0: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

async fn acked(client: &mut Client, frame: Value) -> Value {
    let ack = client.request(frame, "ack").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack
}

/// Devstack on a manual clock at `T0`, with no pass on a timer (the tests run
/// them).
async fn start() -> ClockedStack {
    ClockedStack::start_with(T0, |c| {
        c.retention_every = None;
        c.demotion_pass_every = None;
    })
    .await
}

fn published_types(run: &ClockedStack) -> Vec<String> {
    run.stack
        .devstack
        .published()
        .into_iter()
        .map(|e| e.detail_type)
        .collect()
}

#[tokio::test]
async fn messages_go_within_a_run_of_their_window_and_nothing_reads_as_a_users_act() {
    let run = start().await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    let mut bob = run.stack.connect("acme", "bob", "member").await;
    ada.join("match:1").await;
    bob.join("match:1").await;
    let first = acked(&mut ada, send("match:1", "kick-off soon", "a1")).await;
    acked(&mut ada, send("match:1", "what a save", "a2")).await;
    let reacted = bob
        .request(
            json!({"action": "react", "room": "match:1", "messageId": first["messageId"], "emoji": "🔥", "on": true}),
            "reaction",
        )
        .await;
    assert_eq!(reacted["count"], 1, "{reacted}");
    let reported = bob
        .request(
            json!({"action": "report", "room": "match:1", "messageId": first["messageId"], "reason": "spoiler"}),
            "reported",
        )
        .await;
    assert_eq!(reported["type"], "reported", "{reported}");
    run.drain().await;

    // Windows are the tenant's to set; bad ones are refused and change nothing.
    let (status, body) = run
        .api(
            "PUT",
            "/v1/tenants/acme/config",
            r#"{"retention": {"messagesDays": 0}}"#,
            &[("If-Match", "0")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "retention.messagesDays", "{body}");
    let (status, body) = run
        .api(
            "PUT",
            "/v1/tenants/acme/config",
            r#"{"retention": {"messagesDays": 120, "auditDays": 100}}"#,
            &[("If-Match", "0")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "retention.auditDays", "{body}");
    let (status, body) = run
        .api(
            "PUT",
            "/v1/tenants/acme/config",
            r#"{"retention": {"messagesDays": 2}}"#,
            &[("If-Match", "0")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, config) = run.api("GET", "/v1/tenants/acme/config", "", &[]).await;
    assert_eq!(config["config"]["retention"]["messagesDays"], 2, "{config}");
    assert_eq!(config["config"]["retention"]["auditDays"], 400, "{config}");
    let published_before = published_types(&run).len();

    // A minute before the window ends: nothing of the conversation goes.
    run.clock.set_ms(T0 + 2 * DAY - MINUTE);
    let early = run.stack.devstack.retention_pass().await.expect("pass");
    for kind in ["message", "reaction", "report"] {
        assert_eq!(early.removed.get(kind), None, "{early:?}");
    }
    // The connections lapsed long ago (2 h 10 min): they go, and their
    // memberships leave as expired.
    assert_eq!(early.removed.get("connection"), Some(&2), "{early:?}");
    assert_eq!(early.removed.get("member"), Some(&2), "{early:?}");
    run.drain().await;

    // One run (15 minutes) after the window: the messages, the reaction and the
    // report are gone.
    run.clock.set_ms(T0 + 2 * DAY + 15 * MINUTE);
    let report = run.stack.devstack.retention_pass().await.expect("pass");
    assert_eq!(report.removed.get("message"), Some(&2), "{report:?}");
    assert_eq!(report.removed.get("reaction"), Some(&1), "{report:?}");
    assert_eq!(report.removed.get("report"), Some(&1), "{report:?}");
    assert_eq!(report.failed, 0);
    assert!(!report.more);
    run.drain().await;

    let mut cat = run.stack.connect("acme", "cat", "member").await;
    let joined = cat.join("match:1").await;
    assert_eq!(joined["history"], json!([]), "{joined}");

    // Removals by retention publish no deletion and no reaction taken back;
    // memberships swept after their lapse leave as expired.
    let after: Vec<String> = published_types(&run)[published_before..].to_vec();
    assert!(
        !after
            .iter()
            .any(|t| t == "community.message.deleted" || t == "community.reaction.removed"),
        "{after:?}"
    );
    let left: Vec<Value> = run
        .stack
        .devstack
        .published()
        .into_iter()
        .filter(|e| e.detail_type == "community.room.left")
        .map(|e| serde_json::from_str(&e.detail).expect("event"))
        .collect();
    assert_eq!(left.len(), 2);
    assert!(
        left.iter().all(|e| e["data"]["reason"] == "expired"),
        "{left:?}"
    );

    // Scores are read models, kept a year: Ada's thread points are still there.
    let (status, score) = run
        .api("GET", "/v1/tenants/acme/users/ada/score", "", &[])
        .await;
    assert_eq!(status, 200, "{score}");
    assert!(score["score"].as_f64().unwrap_or(0.0) > 0.0, "{score}");

    // Run on demand through the server API: nothing is left to do.
    let (status, again) = run
        .api("POST", "/v1/tenants/acme/retention/run", "", &[])
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["removed"], json!({}), "{again}");
    let (status, body) = run
        .api("POST", "/v1/tenants/nobody/retention/run", "", &[])
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = run
        .api("GET", "/v1/tenants/acme/retention/run", "", &[])
        .await;
    assert_eq!(status, 405, "{body}");
}

fn stored_message(tenant: &TenantId, room: &RoomId, n: usize, at_ms: i64) -> StoredMessage {
    StoredMessage {
        tenant: tenant.clone(),
        room: room.clone(),
        id: MessageId::at(at_ms),
        author: Author {
            id: UserId::derive(tenant, "ada"),
            name: "Ada".into(),
            role: Role::Member,
            tier: Tier::None,
        },
        text: MessageText::parse(&format!("message {n}"), 100).expect("text"),
        created_at_ms: at_ms,
        reply_to: None,
        client_msg_id: ClientMsgId::parse(&format!("c{n}")).expect("client id"),
        correlation_id: None,
        reactions: Default::default(),
        visibility: Default::default(),
    }
}

/// Seeds a tenant: a connection at `T0` (which lists the tenant), `expired`
/// messages at `T0` and `kept` messages 60 days on.
async fn seed(store: &DynamoStore, tenant: &TenantId, expired: usize, kept: usize) {
    let record = ConnectionRecord {
        tenant: tenant.clone(),
        connection_id: ConnectionId::parse("conn-1").expect("id"),
        user: UserId::derive(tenant, "ada"),
        name: "Ada".into(),
        role: Role::Member,
        connected_at_ms: T0,
        expires_at_s: T0 / 1000 + 7800,
        rooms: Default::default(),
    };
    store.put_connection(&record).await.expect("connect");
    let room = RoomId::parse("lobby").expect("room");
    for n in 0..expired {
        store
            .put_message(&stored_message(tenant, &room, n, T0 + n as i64))
            .await
            .expect("put");
    }
    for n in 0..kept {
        store
            .put_message(&stored_message(
                tenant,
                &room,
                expired + n,
                T0 + 60 * DAY + n as i64,
            ))
            .await
            .expect("put");
    }
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn a_pass_reads_what_expired_and_not_what_the_table_holds_on_moto() {
    let endpoint = moto_endpoint();
    let sdk = local_sdk_config(&endpoint);
    let settings = TenantSettings::default();
    let at = T0 + 90 * DAY + 30 * MINUTE;
    // The same expired history beside 10 and 150 kept messages, each tenant in a
    // table of its own, so each pass sees one tenant.
    let mut measured = Vec::new();
    for kept in [10, 150] {
        let store = DynamoStore::from_sdk(&sdk, fresh_table());
        store.ensure_table().await.expect("table");
        let tenant = TenantId::parse(&format!("reads-{kept}")).expect("tenant");
        seed(&store, &tenant, 40, kept).await;
        let (calls, items) = (store.retention_reads(), store.retention_items_read());
        let report = retention_pass(&store, &settings, at, Budget::default())
            .await
            .expect("pass");
        // 40 messages, and the connection and the user's entry for it.
        assert_eq!(report.removed.get("message"), Some(&40), "{report:?}");
        assert_eq!(report.removed_total(), 42, "{report:?}");
        let items_read = store.retention_items_read() - items;
        assert_eq!(items_read, 42, "only what expired is read from the index");
        measured.push(store.retention_reads() - calls);
        let page = store
            .history(&tenant, &RoomId::parse("lobby").expect("room"), None, 500)
            .await
            .expect("history");
        assert_eq!(page.messages.len(), kept, "what is not expired stays");
        // The next pass, a quarter on, has nothing to read but the new quarter.
        let calls = store.retention_reads();
        let next = retention_pass(&store, &settings, at + 15 * MINUTE, Budget::default())
            .await
            .expect("next pass");
        assert_eq!(next.removed_total(), 0);
        let next_calls = store.retention_reads() - calls;
        // The tenant page, the checkpoint, and a page per shard for each class
        // with a new quarter past its window.
        assert!(next_calls <= 2 + 5 * 4, "{next_calls} calls");
    }
    assert_eq!(
        measured[0], measured[1],
        "a pass costs the same calls whatever else the table holds"
    );
}

fn export_schema() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/user-export.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("schema is JSON")
}

#[tokio::test]
async fn an_export_holds_everything_seeded_about_the_user_and_validates() {
    let run = start().await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    let mut bob = run.stack.connect("acme", "bob", "member").await;
    let mut mo = run.stack.connect("acme", "mo", "moderator").await;
    for c in [&mut ada, &mut bob, &mut mo] {
        c.join("match:1").await;
    }
    let bobs = acked(&mut bob, send("match:1", "bob says hi", "b1")).await;
    let first = acked(&mut ada, send("match:1", "ada's thread", "a1")).await;
    let reply = json!({"action": "send", "room": "match:1", "text": "ada replies", "clientMsgId": "a2", "replyTo": bobs["messageId"]});
    acked(&mut ada, reply).await;
    ada.request(
        json!({"action": "react", "room": "match:1", "messageId": bobs["messageId"], "emoji": "🔥", "on": true}),
        "reaction",
    )
    .await;
    bob.request(
        json!({"action": "react", "room": "match:1", "messageId": first["messageId"], "emoji": "👍", "on": true}),
        "reaction",
    )
    .await;
    let reported = ada
        .request(
            json!({"action": "report", "room": "match:1", "messageId": bobs["messageId"], "reason": "off topic"}),
            "reported",
        )
        .await;
    assert_eq!(reported["type"], "reported", "{reported}");
    let ada_id = UserId::derive(&TenantId::parse("acme").expect("tenant"), "ada").to_string();
    let muted = mo
        .request(
            json!({"action": "moderate", "room": "match:1", "op": "mute", "userId": ada_id, "durationS": 600, "reason": "cool off"}),
            "moderated",
        )
        .await;
    assert_eq!(muted["op"], "mute", "{muted}");
    run.drain().await;

    let (status, export) = run
        .api("POST", "/v1/tenants/acme/users/ada/export", "", &[])
        .await;
    assert_eq!(status, 200, "{export}");
    let schema = export_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&export)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{export}");

    assert_eq!(export["userId"], ada_id);
    assert_eq!(export["profile"]["name"], "ada");
    let texts: Vec<&str> = export["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["ada's thread", "ada replies"]);
    assert_eq!(export["messages"][1]["replyTo"], bobs["messageId"]);
    assert_eq!(
        export["messages"][0]["reactions"]["👍"], 1,
        "reactions others gave, counted"
    );
    assert_eq!(export["reactions"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["reactions"][0]["emoji"], "🔥");
    assert_eq!(export["reports"][0]["reason"], "off topic");
    let decisions: Vec<&str> = export["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .map(|d| d["decision"].as_str().unwrap_or_default())
        .collect();
    assert!(decisions.contains(&"user_muted"), "{decisions:?}");
    assert_eq!(export["sanctions"][0]["sanction"], "mute");
    assert_eq!(export["sanctions"][0]["reason"], "cool off");
    assert!(
        export["score"]["value"].as_f64().unwrap_or(0.0) > 0.0,
        "{export}"
    );
    // Nothing of anyone else's: Bob's text and Bob's reaction are not in it.
    let whole = export.to_string();
    assert!(!whole.contains("bob says hi"));
    assert!(!whole.contains("\"emoji\":\"👍\""));

    let (status, body) = run
        .api("POST", "/v1/tenants/acme/users/nobody/export", "", &[])
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = run
        .api("GET", "/v1/tenants/acme/users/ada/export", "", &[])
        .await;
    assert_eq!(status, 405, "{body}");
}
