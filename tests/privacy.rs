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
        seq: None,
        batched: false,
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
    // A low first tier, so Ada's thread promotes her and her tier has a history.
    let (status, body) = run
        .api(
            "PUT",
            "/v1/tenants/acme/config",
            r#"{"tiers": {"silver": 5}}"#,
            &[("If-Match", "0")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
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
    // A message held for review: the review item about it is Ada's too.
    let held = acked(&mut ada, send("match:1", "shut up you stupid bitch", "a3")).await;
    assert_eq!(held["status"], "held", "{held}");
    let ada_id = UserId::derive(&TenantId::parse("acme").expect("tenant"), "ada").to_string();
    let muted = mo
        .request(
            json!({"action": "moderate", "room": "match:1", "op": "mute", "userId": ada_id, "durationS": 600, "reason": "cool off"}),
            "moderated",
        )
        .await;
    assert_eq!(muted["op"], "mute", "{muted}");
    run.drain().await;
    // The mute (10 minutes) ends: an ended sanction is still exported, marked so.
    run.clock.advance_ms(11 * MINUTE);

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
    assert_eq!(
        texts,
        ["ada's thread", "ada replies", "shut up you stupid bitch"]
    );
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
    assert_eq!(export["sanctions"][0]["inForce"], false, "{export}");
    assert_eq!(
        export["reviews"].as_array().map(Vec::len),
        Some(1),
        "{export}"
    );
    assert_eq!(export["reviews"][0]["messageId"], held["messageId"]);
    assert_eq!(export["reviews"][0]["status"], "pending");
    assert_eq!(export["roomScores"][0]["roomId"], "match:1", "{export}");
    assert!(export["roomScores"][0]["value"].as_f64().unwrap_or(0.0) > 0.0);
    let tiers: Vec<(&str, &str)> = export["tierHistory"]
        .as_array()
        .expect("tier history")
        .iter()
        .map(|c| {
            (
                c["from"].as_str().unwrap_or(""),
                c["to"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(tiers, [("none", "silver")], "{export}");
    let windows: Vec<&str> = export["windowPoints"]
        .as_array()
        .expect("window points")
        .iter()
        .map(|w| w["window"].as_str().unwrap_or_default())
        .collect();
    assert!(windows.contains(&"week"), "{windows:?}");
    assert!(
        export["score"]["value"].as_f64().unwrap_or(0.0) > 0.0,
        "{export}"
    );
    assert!(
        export["pseudonym"]
            .as_str()
            .is_some_and(|p| p.starts_with("p_")),
        "{export}"
    );
    assert_eq!(export["connections"].as_array().map(Vec::len), Some(1));
    assert_eq!(export["connections"][0]["rooms"][0], "match:1");
    let kinds: Vec<&str> = export["scoreBuckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| b["kind"].as_str().unwrap_or_default())
        .collect();
    assert!(kinds.contains(&"thread_start"), "{kinds:?}");
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

/// Every item of the table, as text (keys and values), by a full scan.
async fn scan_all(store: &DynamoStore) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = store
            .client()
            .scan()
            .table_name(store.table())
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in out.items() {
            let mut fields: Vec<String> = item.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            fields.sort();
            items.push(fields.join(" "));
        }
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            return items;
        }
    }
}

/// Acceptance: on DynamoDB (moto), a user with messages in several rooms,
/// reactions both ways, reports both ways, a sanction, decisions and scores is
/// erased; afterwards a full scan of the table and every event written hold no
/// readable trace of them, while the other user's data is intact.
#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn an_erased_user_leaves_no_readable_trace_on_moto() {
    use sideline_tests::{api_call, token, token_with, SECRET};
    let endpoint = moto_endpoint();
    let table = fresh_table();
    let events_out = std::env::temp_dir().join(format!("sideline-erasure-{table}.jsonl"));
    let mut config = devstack::DevstackConfig::for_tests(SECRET);
    config.events_out = Some(events_out.clone());
    config.host_events_secret = Some(SECRET.to_owned());
    config.retention_every = None;
    // Exports over a kilobyte are kept in a bucket (moto's S3) behind a link.
    config.export_bucket = Some(devstack::ExportBucket {
        endpoint: endpoint.clone(),
        bucket: format!("exports-{}", table.to_ascii_lowercase()),
    });
    config.export_inline_bytes = 1024;
    let stack = devstack::Devstack::start_with_dynamodb(config, &endpoint, &table)
        .await
        .expect("devstack on moto");
    let addr = stack.addr();
    let scanner = DynamoStore::from_sdk(&local_sdk_config(&endpoint), table.clone());
    let api = |method: &'static str, path: String| async move {
        api_call(
            addr,
            SECRET,
            sideline_tests::now_s(),
            method,
            &path,
            "",
            &[],
        )
        .await
    };
    let drain = || async {
        assert!(
            stack.drain(std::time::Duration::from_secs(60)).await,
            "the pipeline settles"
        );
    };
    let host_id = "ada-host-7731";
    let name = "Ada Lovelace";
    let ada_token = token_with(sideline_token::Claims {
        sub: host_id.into(),
        tenant: "acme".into(),
        exp: sideline_tests::now_s() + 3600,
        role: Some("member".into()),
        name: Some(name.into()),
        ..Default::default()
    });
    let url = |t: &str| format!("ws://{addr}/?token={t}");
    let mut ada = Client::connect(&url(&ada_token)).await;
    let mut bob = Client::connect(&url(&token("acme", "bob", "member"))).await;
    let mut mo = Client::connect(&url(&token("acme", "mo", "moderator"))).await;
    let rooms = ["match:1", "match:2", "match:3"];
    for room in rooms {
        for c in [&mut ada, &mut bob, &mut mo] {
            c.join(room).await;
        }
    }
    let mut ada_texts = Vec::new();
    let mut ada_ids = Vec::new();
    for (i, room) in rooms.iter().enumerate() {
        let text = format!("ada's secret number {i} zebra");
        let ack = acked(&mut ada, send(room, &text, &format!("a{i}"))).await;
        ada_ids.push(ack["messageId"].clone());
        ada_texts.push(text);
    }
    let bobs = acked(&mut bob, send("match:1", "bob keeps this", "b1")).await;
    let reply = json!({"action": "send", "room": "match:1", "text": "bob answers ada", "clientMsgId": "b2", "replyTo": ada_ids[0]});
    let bob_reply = acked(&mut bob, reply).await;
    let ada_reply = json!({"action": "send", "room": "match:1", "text": "ada answers bob quietly", "clientMsgId": "a9", "replyTo": bobs["messageId"]});
    acked(&mut ada, ada_reply).await;
    ada_texts.push("ada answers bob quietly".into());
    let react = |room: &str, id: &Value, emoji: &str| json!({"action": "react", "room": room, "messageId": id, "emoji": emoji, "on": true});
    ada.request(react("match:1", &bobs["messageId"], "🔥"), "reaction")
        .await;
    bob.request(react("match:1", &ada_ids[0], "👍"), "reaction")
        .await;
    bob.request(react("match:2", &ada_ids[1], "🔥"), "reaction")
        .await;
    for (who, id) in [(&mut ada, &bobs["messageId"]), (&mut bob, &ada_ids[0])] {
        let reported = who
            .request(
                json!({"action": "report", "room": "match:1", "messageId": id, "reason": "off topic"}),
                "reported",
            )
            .await;
        assert_eq!(reported["type"], "reported", "{reported}");
    }
    let tenant = TenantId::parse("acme").expect("tenant");
    let ada_id = UserId::derive(&tenant, host_id).to_string();
    let muted = mo
        .request(
            json!({"action": "moderate", "room": "match:2", "op": "mute", "userId": ada_id, "durationS": 600, "reason": "ada was rude"}),
            "moderated",
        )
        .await;
    assert_eq!(muted["op"], "mute", "{muted}");
    drain().await;

    let (status, before) = api("GET", format!("/v1/tenants/acme/users/{host_id}/score")).await;
    assert_eq!(status, 200, "{before}");
    assert!(before["score"].as_f64().unwrap_or(0.0) > 0.0, "{before}");
    let pseudonym = before["pseudonym"].as_str().expect("pseudonym").to_owned();
    let (_, bob_before) = api("GET", "/v1/tenants/acme/users/bob/score".into()).await;
    let bob_score = bob_before["score"].as_f64().expect("bob scored");
    assert!(bob_score > 0.0);
    let found_before = scan_all(&scanner).await;
    assert!(
        found_before.iter().any(|i| i.contains(&ada_id)),
        "the scan sees ada before"
    );

    // Her export is too large to answer: kept in the bucket, answered by a link.
    let (status, link) = api("POST", format!("/v1/tenants/acme/users/{host_id}/export")).await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(link["format"], "sideline.user-export-link", "{link}");
    let link_url = link["url"].as_str().expect("url").to_owned();
    assert!(link_url.contains("X-Amz-Signature="), "{link_url}");
    assert!(!link_url.contains(&ada_id), "the file's name holds no id");
    let (status, file) = sideline_tests::get_url(&link_url).await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(Some(file.len() as u64), link["bytes"].as_u64());
    let document: Value = serde_json::from_str(&file).expect("the export document");
    assert_eq!(document["userId"], ada_id);
    assert!(file.contains(&ada_texts[0]));

    // The request, taken once.
    let (status, taken) = api("POST", format!("/v1/tenants/acme/users/{host_id}/erasure")).await;
    assert_eq!(status, 202, "{taken}");
    let id = taken["requestId"].as_str().expect("id").to_owned();
    let (_, again) = api("POST", format!("/v1/tenants/acme/users/{ada_id}/erasure")).await;
    assert_eq!(again["requestId"], taken["requestId"]);
    // (New connections are refused while it runs: the store contract shows it
    // on moto, and the in-memory test below through devstack. Not here: after
    // a cancelled transaction moto's stream stops delivering records.)
    // Runs until completed (the on-demand run erases 500 items at most).
    let mut view = Value::Null;
    for _ in 0..10 {
        let (status, _) = api("POST", "/v1/tenants/acme/retention/run".into()).await;
        assert_eq!(status, 200);
        view = api("GET", format!("/v1/tenants/acme/erasures/{id}"))
            .await
            .1;
        if view["status"] == "completed" {
            break;
        }
    }
    assert_eq!(view["status"], "completed", "{view}");
    assert!(
        ada.closed().await.is_some(),
        "ada's live connection was closed"
    );
    let receipt = &view["receipt"];
    assert_eq!(receipt["counts"]["messages"], 4, "{view}");
    assert_eq!(receipt["counts"]["reactions"], 1, "{view}");
    assert_eq!(receipt["counts"]["reports"], 1, "{view}");
    assert!(
        receipt["counts"]["decisionsPseudonymised"].as_u64() >= Some(1),
        "{view}"
    );
    assert!(receipt["counts"]["scores"].as_u64() >= Some(1), "{view}");
    drain().await;

    // Nothing readable of ada in the table...
    let mut needles = vec![ada_id.clone(), host_id.to_owned(), name.to_owned()];
    needles.extend(ada_texts.iter().cloned());
    let found = scan_all(&scanner).await;
    for item in &found {
        for needle in &needles {
            assert!(
                !item.contains(needle.as_str()),
                "`{needle}` still in {item}"
            );
        }
    }
    // ...nor in the bucket: the export file is gone...
    let (status, gone) = sideline_tests::get_url(&link_url).await;
    assert_eq!(status, 404, "{gone}");
    // ...nor in any event written.
    let events = std::fs::read_to_string(&events_out).expect("events-out");
    let _ = std::fs::remove_file(&events_out);
    for needle in &needles {
        assert!(!events.contains(needle.as_str()), "`{needle}` in an event");
    }
    // Her pseudonym names nobody now; the erasure is announced under it.
    assert!(!found
        .iter()
        .any(|i| i.contains(&format!("T#acme#P#{pseudonym}"))));
    let erased: Vec<Value> = events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["DetailType"] == "community.user.erased")
        .map(|e| serde_json::from_str(e["Detail"].as_str().unwrap_or("{}")).expect("detail"))
        .collect();
    assert_eq!(
        erased.len(),
        1,
        "{:?}",
        events
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|e| e["DetailType"].to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(erased[0]["actor"]["canonicalId"], pseudonym);
    assert_eq!(erased[0]["data"]["requestId"], id);
    sideline_tests::assert_valid_event("community.user.erased", &erased[0]);

    // Bob's data is intact and consistent.
    let (_, bob_after) = api("GET", "/v1/tenants/acme/users/bob/score".into()).await;
    // (Decayed by the seconds the test took, nothing more.)
    let bob_now = bob_after["score"].as_f64().expect("bob's score");
    assert!(
        (bob_now - bob_score).abs() <= bob_score * 1e-4,
        "bob's score stands: {bob_score} then {bob_now}"
    );
    let (_, board) = api("GET", "/v1/tenants/acme/leaderboard".into()).await;
    let board_text = board.to_string();
    assert!(
        board_text.contains(&UserId::derive(&tenant, "bob").to_string()),
        "{board}"
    );
    assert!(!board_text.contains(&ada_id), "{board}");
    let history = bob
        .request(json!({"action": "history", "room": "match:1"}), "history")
        .await;
    let history_text = history.to_string();
    assert!(history_text.contains("bob keeps this"), "{history}");
    assert!(history_text.contains("bob answers ada"), "{history}");
    for text in &ada_texts {
        assert!(!history_text.contains(text.as_str()), "{history}");
    }
    let messages = history["messages"].as_array().expect("messages");
    let kept = messages
        .iter()
        .find(|m| m["id"] == bobs["messageId"])
        .expect("bob's message");
    assert!(
        kept["reactions"].get("🔥").is_none_or(|n| n == 0),
        "ada's reaction taken off the count: {kept}"
    );
    let answer = messages
        .iter()
        .find(|m| m["id"] == bob_reply["messageId"])
        .expect("bob's reply");
    assert_eq!(answer["replyTo"], ada_ids[0], "the thread keeps its shape");
    let (status, export) = api("POST", format!("/v1/tenants/acme/users/{host_id}/export")).await;
    assert_eq!(status, 404, "nothing is held of ada: {export}");
}

/// Through devstack: connections are closed and refused while an erasure runs,
/// nothing of the user is published meanwhile, runs that die part-way are
/// finished by the next, and the receipt counts what was found before the first
/// item went.
#[tokio::test]
async fn an_erasure_survives_crashes_and_refuses_the_user_meanwhile() {
    use sideline_app::erasure::Interrupt;
    let run = start().await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    let mut bob = run.stack.connect("acme", "bob", "member").await;
    for room in ["a", "b"] {
        ada.join(room).await;
        bob.join(room).await;
    }
    for i in 0..6 {
        let room = if i % 2 == 0 { "a" } else { "b" };
        acked(&mut ada, send(room, &format!("ada {i}"), &format!("a{i}"))).await;
    }
    let bobs = acked(&mut bob, send("a", "bob here", "b1")).await;
    ada.request(
        json!({"action": "react", "room": "a", "messageId": bobs["messageId"], "emoji": "🔥", "on": true}),
        "reaction",
    )
    .await;
    run.drain().await;

    let (status, taken) = run
        .api("POST", "/v1/tenants/acme/users/ada/erasure", "", &[])
        .await;
    assert_eq!(status, 202, "{taken}");
    assert_eq!(taken["status"], "pending");
    let id = taken["requestId"].as_str().expect("id").to_owned();
    let ws = run
        .stack
        .ws_url(&sideline_tests::token("acme", "ada", "member"));
    assert_eq!(
        sideline_tests::handshake_status(&ws).await,
        403,
        "refused meanwhile"
    );
    let published_before = run.stack.devstack.published().len();

    // Each run dies after 2 items.
    let devstack = &run.stack.devstack;
    let first = devstack
        .erasure_run(100, Interrupt::AfterItems(2))
        .await
        .expect("run");
    assert_eq!(first.started, 1, "{first:?}");
    assert!(ada.closed().await.is_some(), "ada's connection was closed");
    let path = format!("/v1/tenants/acme/erasures/{id}");
    let (_, running) = run.api("GET", &path, "", &[]).await;
    assert_eq!(running["status"], "running", "{running}");
    let counted = running["counts"].clone();
    assert_eq!(counted["messages"], 6, "{running}");
    let mut runs = 1;
    loop {
        let report = devstack
            .erasure_run(100, Interrupt::AfterItems(2))
            .await
            .expect("run");
        runs += 1;
        if report.completed == 1 {
            break;
        }
        assert!(runs < 30, "erasure does not finish: {report:?}");
    }
    assert!(runs > 3, "the crashes took several runs");
    let (_, done) = run.api("GET", &path, "", &[]).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        done["receipt"]["counts"], counted,
        "the receipt counts what was found first"
    );
    run.drain().await;
    // Nothing about ada was published while her erasure ran but its completion
    // (and its decision in the moderation record).
    let during: Vec<String> = run.stack.devstack.published()[published_before..]
        .iter()
        .map(|e| e.detail_type.clone())
        .collect();
    assert_eq!(
        during,
        ["community.moderation.user_erased", "community.user.erased"],
        "{during:?}"
    );
    let audit = run
        .stack
        .devstack
        .published()
        .into_iter()
        .find(|e| e.detail_type == "community.moderation.user_erased")
        .expect("the decision");
    let audit: Value = serde_json::from_str(&audit.detail).expect("detail");
    sideline_tests::assert_valid_event("community.moderation.user_erased", &audit);
    assert_eq!(audit["actor"]["role"], "host");
    assert_eq!(audit["data"]["reason"], format!("erasure request {id}"));
    assert!(audit["data"].get("subjectId").is_none(), "{audit}");
    // Once completed, ada may come back, as someone new.
    assert_eq!(sideline_tests::handshake_status(&ws).await, 101);
}

/// A legal hold on a user blocks their erasure until it is lifted; putting it on
/// and lifting it are decisions in the moderation record.
#[tokio::test]
async fn a_hold_blocks_an_erasure_and_holds_are_audit_decisions() {
    use sideline_app::erasure::Interrupt;
    let run = start().await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    ada.join("a").await;
    acked(&mut ada, send("a", "ada's words", "a1")).await;
    run.drain().await;
    let ada_id = UserId::derive(&TenantId::parse("acme").expect("tenant"), "ada").to_string();
    let held = format!(r#"{{"retention": {{"legalHold": {{"users": ["{ada_id}"]}}}}}}"#);
    let (status, body) = run
        .api(
            "PUT",
            "/v1/tenants/acme/config",
            &held,
            &[("If-Match", "0")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, taken) = run
        .api("POST", "/v1/tenants/acme/users/ada/erasure", "", &[])
        .await;
    assert_eq!(status, 202);
    assert_eq!(taken["status"], "blocked", "{taken}");
    let path = format!(
        "/v1/tenants/acme/erasures/{}",
        taken["requestId"].as_str().expect("id")
    );
    let report = run
        .stack
        .devstack
        .erasure_run(100, Interrupt::None)
        .await
        .expect("run");
    assert_eq!(report.blocked, 1, "{report:?}");
    assert_eq!(run.api("GET", &path, "", &[]).await.1["status"], "blocked");
    let (status, body) = run
        .api("PUT", "/v1/tenants/acme/config", "{}", &[("If-Match", "1")])
        .await;
    assert_eq!(status, 200, "{body}");
    run.stack
        .devstack
        .erasure_run(100, Interrupt::None)
        .await
        .expect("run");
    assert_eq!(
        run.api("GET", &path, "", &[]).await.1["status"],
        "completed"
    );
    run.drain().await;
    let holds: Vec<Value> = run
        .stack
        .devstack
        .published()
        .into_iter()
        .filter(|e| e.detail_type.starts_with("community.moderation.legal_hold"))
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).expect("detail");
            sideline_tests::assert_valid_event(&e.detail_type, &detail);
            detail
        })
        .collect();
    let types: Vec<&str> = holds
        .iter()
        .map(|h| h["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        [
            "community.moderation.legal_hold_set",
            "community.moderation.legal_hold_lifted"
        ]
    );
    assert!(holds[0]["data"]["subjectId"]
        .as_str()
        .is_some_and(|s| s.starts_with("p_")));
    assert_eq!(holds[0]["actor"]["role"], "host");
}
