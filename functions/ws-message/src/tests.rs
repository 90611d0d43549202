//! Handler tests with the in-memory adapters and a controllable clock.

use serde_json::{json, Value};
use sideline_domain::config::Limits;
use sideline_domain::connection::{ConnectionRecord, CONNECTION_TTL_SECS};
use sideline_domain::identity::{Identity, Role};
use sideline_domain::ids::ConnectionId;
use sideline_lambda::WebSocketEvent;
use sideline_memory::{MemoryStore, RecordingConnections};
use sideline_ports::{Adapters, ConnectionRegistry, ManualClock, MessageStore, RoomStore};
use sideline_token::Claims;

use crate::{handle, MessageDeps};

type Deps = MessageDeps<Adapters<MemoryStore, RecordingConnections, ManualClock>>;

const T0: i64 = 1_800_000_000_000;

fn deps() -> Deps {
    MessageDeps::new(
        MemoryStore::new(),
        RecordingConnections::new(),
        ManualClock::at(T0),
        Limits::default(),
    )
}

fn identity(tenant: &str, sub: &str, role: &str) -> Identity {
    Claims {
        sub: sub.into(),
        tenant: tenant.into(),
        exp: 0,
        role: Some(role.into()),
        name: Some(sub.into()),
        ..Claims::default()
    }
    .into_identity()
    .expect("valid claims")
}

/// A connected client: recorded in the store (as `$connect` does) and open.
async fn connect(deps: &Deps, id: &str, who: &Identity) -> ConnectionId {
    let connection = ConnectionId::parse(id).expect("id");
    deps.store
        .put_connection(&ConnectionRecord {
            tenant: who.tenant.clone(),
            connection_id: connection.clone(),
            user: who.user.clone(),
            name: who.name.clone(),
            role: who.role,
            connected_at_ms: T0,
            expires_at_s: T0 / 1000 + CONNECTION_TTL_SECS,
            rooms: Default::default(),
        })
        .await
        .expect("put connection");
    deps.connections.open(&connection);
    connection
}

async fn frame(deps: &Deps, connection: &ConnectionId, who: &Identity, body: Value) {
    raw(deps, connection, who, &body.to_string()).await;
}

async fn raw(deps: &Deps, connection: &ConnectionId, who: &Identity, body: &str) {
    let event: WebSocketEvent = serde_json::from_value(json!({
        "requestContext": {
            "routeKey": "$default",
            "eventType": "MESSAGE",
            "connectionId": connection.as_str(),
            "authorizer": Value::Object(who.to_context()),
        },
        "body": body,
        "isBase64Encoded": false,
    }))
    .expect("event");
    let response = handle(event, deps).await;
    assert_eq!(response.status_code, 200);
}

fn types(frames: &[Value]) -> Vec<&str> {
    frames.iter().filter_map(|f| f["type"].as_str()).collect()
}

#[tokio::test]
async fn two_members_chat_and_see_each_other() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let bob = identity("acme", "bob", "member");
    let ca = connect(&deps, "ca", &ada).await;
    let cb = connect(&deps, "cb", &bob).await;
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "join", "room": "match:1", "requestId": "j1"}),
    )
    .await;
    let joined = deps.connections.take(&ca);
    assert_eq!(joined[0]["type"], "joined");
    assert_eq!(joined[0]["requestId"], "j1");
    assert_eq!(joined[0]["capabilities"], json!(["read", "react", "write"]));
    assert_eq!(joined[0]["presence"]["count"], 1);

    frame(
        &deps,
        &cb,
        &bob,
        json!({"action": "join", "room": "match:1"}),
    )
    .await;
    assert_eq!(deps.connections.take(&cb)[0]["presence"]["count"], 2);
    let seen_by_ada = deps.connections.take(&ca);
    assert_eq!(types(&seen_by_ada), ["presence"]);
    assert_eq!(seen_by_ada[0]["count"], 2);
    assert_eq!(seen_by_ada[0]["users"][1]["name"], "bob");

    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "match:1", "text": "goal!", "clientMsgId": "c1"}),
    )
    .await;
    let to_ada = deps.connections.take(&ca);
    assert_eq!(types(&to_ada), ["ack", "message"]);
    assert_eq!(to_ada[0]["status"], "delivered");
    let to_bob = deps.connections.take(&cb);
    assert_eq!(types(&to_bob), ["message"]);
    assert_eq!(to_bob[0]["text"], "goal!");
    assert_eq!(to_bob[0]["author"]["name"], "ada");
    assert_eq!(to_bob[0]["id"], to_ada[0]["messageId"]);
}

#[tokio::test]
async fn viewer_cannot_send_and_nothing_is_stored() {
    let deps = deps();
    let viv = identity("acme", "viv", "viewer");
    let cv = connect(&deps, "cv", &viv).await;
    frame(&deps, &cv, &viv, json!({"action": "join", "room": "r"})).await;
    deps.connections.take(&cv);
    frame(
        &deps,
        &cv,
        &viv,
        json!({"action": "send", "room": "r", "text": "hi", "clientMsgId": "c1", "requestId": "q"}),
    )
    .await;
    let frames = deps.connections.take(&cv);
    assert_eq!(frames[0]["type"], "error");
    assert_eq!(frames[0]["code"], "forbidden");
    assert_eq!(frames[0]["requestId"], "q");
    assert_eq!(frames[0]["clientMsgId"], "c1");
    assert_eq!(frames[0]["action"], "send");
    assert_eq!(deps.store.message_count(), 0);
}

#[tokio::test]
async fn rate_limit_resets_with_the_window() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let ca = connect(&deps, "ca", &ada).await;
    frame(&deps, &ca, &ada, json!({"action": "join", "room": "r"})).await;
    for i in 0..5 {
        frame(
            &deps,
            &ca,
            &ada,
            json!({"action": "send", "room": "r", "text": "x", "clientMsgId": format!("c{i}")}),
        )
        .await;
    }
    deps.connections.take(&ca);
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "x", "clientMsgId": "c5"}),
    )
    .await;
    let frames = deps.connections.take(&ca);
    assert_eq!(frames[0]["code"], "rate_limited");
    let retry = frames[0]["retryAfterMs"].as_u64().expect("retryAfterMs");
    assert!(retry > 0 && retry <= 10_000, "{retry}");
    assert_eq!(deps.store.message_count(), 5);

    // A repeat of a stored send (its first answer lost) is not a new send: it is
    // answered as the first, over the limit or not.
    let first = deps
        .store
        .history(
            &ada.tenant,
            &sideline_domain::ids::RoomId::parse("r").expect("room"),
            None,
            10,
        )
        .await
        .expect("history")
        .messages
        .into_iter()
        .find(|m| m.client_msg_id.as_str() == "c2")
        .expect("c2 stored");
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "x", "clientMsgId": "c2"}),
    )
    .await;
    let frames = deps.connections.take(&ca);
    assert_eq!(types(&frames), ["ack"], "{frames:?}");
    assert_eq!(frames[0]["duplicate"], true);
    assert_eq!(frames[0]["messageId"], first.id.to_string());
    assert_eq!(frames[0]["status"], "delivered");
    assert_eq!(deps.store.message_count(), 5);

    deps.clock.advance_ms(retry as i64);
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "x", "clientMsgId": "c6"}),
    )
    .await;
    assert_eq!(types(&deps.connections.take(&ca)), ["ack", "message"]);
}

#[tokio::test]
async fn typing_is_throttled_and_never_stored() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let bob = identity("acme", "bob", "member");
    let ca = connect(&deps, "ca", &ada).await;
    let cb = connect(&deps, "cb", &bob).await;
    frame(&deps, &ca, &ada, json!({"action": "join", "room": "r"})).await;
    frame(&deps, &cb, &bob, json!({"action": "join", "room": "r"})).await;
    deps.connections.take(&ca);
    deps.connections.take(&cb);
    for _ in 0..3 {
        frame(&deps, &ca, &ada, json!({"action": "typing", "room": "r"})).await;
    }
    assert_eq!(types(&deps.connections.take(&cb)), ["typing"]);
    assert!(
        deps.connections.take(&ca).is_empty(),
        "the typist hears nothing back"
    );
    deps.clock
        .advance_ms(Limits::default().typing_throttle.as_millis() as i64);
    frame(&deps, &ca, &ada, json!({"action": "typing", "room": "r"})).await;
    assert_eq!(types(&deps.connections.take(&cb)), ["typing"]);
    assert_eq!(deps.store.message_count(), 0);
}

#[tokio::test]
async fn gone_connection_is_forgotten_and_delivery_continues() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let bob = identity("acme", "bob", "member");
    let cat = identity("acme", "cat", "member");
    let ca = connect(&deps, "ca", &ada).await;
    let cb = connect(&deps, "cb", &bob).await;
    let cc = connect(&deps, "cc", &cat).await;
    for (c, who) in [(&ca, &ada), (&cb, &bob), (&cc, &cat)] {
        frame(&deps, c, who, json!({"action": "join", "room": "r"})).await;
    }
    deps.connections.take(&ca);
    deps.connections.take(&cc);
    deps.connections.kill(&cb);
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "still there?", "clientMsgId": "c1"}),
    )
    .await;
    let to_cat = deps.connections.take(&cc);
    assert_eq!(types(&to_cat), ["message", "presence"]);
    assert_eq!(to_cat[1]["count"], 2);
    assert!(deps
        .store
        .connection(&bob.tenant, &cb)
        .await
        .expect("get")
        .is_none());
    assert_eq!(
        deps.store
            .room_members(&ada.tenant, &"r".parse_room())
            .await
            .expect("members")
            .len(),
        2
    );
}

trait ParseRoom {
    fn parse_room(&self) -> sideline_domain::ids::RoomId;
}

impl ParseRoom for &str {
    fn parse_room(&self) -> sideline_domain::ids::RoomId {
        sideline_domain::ids::RoomId::parse(self).expect("room")
    }
}

#[tokio::test]
async fn bad_frames_get_errors_and_store_nothing() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let ca = connect(&deps, "ca", &ada).await;
    frame(&deps, &ca, &ada, json!({"action": "join", "room": "r"})).await;
    deps.connections.take(&ca);
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "bad_request"),
        (json!({"action": "fly"}).to_string(), "bad_request"),
        (json!({"room": "r"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": 7, "text": "x", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": "", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": "x".repeat(2001), "clientMsgId": "c"}).to_string(), "too_large"),
        (json!({"action": "send", "room": "no spaces", "text": "x", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "other", "text": "x", "clientMsgId": "c"}).to_string(), "forbidden"),
        (json!({"action": "react", "room": "r", "messageId": "0190a000-0000-7000-8000-000000000000", "emoji": "👍", "on": true}).to_string(), "not_found"),
        (json!({"action": "configure", "room": "r", "mode": "stage"}).to_string(), "forbidden"),
    ];
    for (body, code) in cases {
        raw(&deps, &ca, &ada, &body).await;
        let frames = deps.connections.take(&ca);
        assert_eq!(frames.len(), 1, "{body}");
        assert_eq!(frames[0]["type"], "error", "{body}");
        assert_eq!(frames[0]["code"], code, "{body}: {}", frames[0]);
    }
    assert_eq!(deps.store.message_count(), 0);
    // Still usable.
    frame(&deps, &ca, &ada, json!({"action": "ping"})).await;
    assert_eq!(types(&deps.connections.take(&ca)), ["pong"]);
}

#[tokio::test]
async fn room_role_override_lets_a_member_speak_on_stage() {
    let deps = deps();
    let admin = identity("acme", "root", "admin");
    let mut star = identity("acme", "star", "member");
    star.room_roles
        .insert("stage:1".parse_room(), Role::Speaker);
    let plain = identity("acme", "plain", "member");
    let c_admin = connect(&deps, "c0", &admin).await;
    let c_star = connect(&deps, "c1", &star).await;
    let c_plain = connect(&deps, "c2", &plain).await;
    frame(
        &deps,
        &c_admin,
        &admin,
        json!({"action": "join", "room": "stage:1"}),
    )
    .await;
    frame(
        &deps,
        &c_admin,
        &admin,
        json!({"action": "configure", "room": "stage:1", "mode": "stage"}),
    )
    .await;
    assert!(types(&deps.connections.take(&c_admin)).contains(&"room"));
    frame(
        &deps,
        &c_star,
        &star,
        json!({"action": "join", "room": "stage:1"}),
    )
    .await;
    frame(
        &deps,
        &c_plain,
        &plain,
        json!({"action": "join", "room": "stage:1"}),
    )
    .await;
    let joined = deps.connections.take(&c_plain);
    assert_eq!(joined[0]["mode"], "stage");
    assert_eq!(joined[0]["capabilities"], json!(["read", "react"]));
    deps.connections.take(&c_star);
    frame(
        &deps,
        &c_plain,
        &plain,
        json!({"action": "send", "room": "stage:1", "text": "me too", "clientMsgId": "p1"}),
    )
    .await;
    assert_eq!(deps.connections.take(&c_plain)[0]["code"], "forbidden");
    frame(
        &deps,
        &c_star,
        &star,
        json!({"action": "send", "room": "stage:1", "text": "hello stage", "clientMsgId": "s1"}),
    )
    .await;
    assert_eq!(types(&deps.connections.take(&c_plain)), ["message"]);
}

/// Ada (member) and Mo (moderator) in `r`, Ada's message sent; frames taken.
async fn room_with_a_message(
    deps: &Deps,
) -> (Identity, ConnectionId, Identity, ConnectionId, String) {
    let ada = identity("acme", "ada", "member");
    let mo = identity("acme", "mo", "moderator");
    let ca = connect(deps, "ca", &ada).await;
    let cm = connect(deps, "cm", &mo).await;
    for (c, who) in [(&ca, &ada), (&cm, &mo)] {
        frame(deps, c, who, json!({"action": "join", "room": "r"})).await;
    }
    frame(
        deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "hello all", "clientMsgId": "m1"}),
    )
    .await;
    let acked = deps.connections.take(&ca);
    let id = acked
        .iter()
        .find(|f| f["type"] == "ack")
        .and_then(|f| f["messageId"].as_str())
        .expect("acked")
        .to_owned();
    deps.connections.take(&cm);
    (ada, ca, mo, cm, id)
}

fn of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

#[tokio::test]
async fn react_counts_once_per_user_and_tells_the_room_of_changes_only() {
    let deps = deps();
    let (ada, ca, mo, cm, id) = room_with_a_message(&deps).await;
    let react = |on: bool| json!({"action": "react", "room": "r", "messageId": id, "emoji": "🔥", "on": on, "requestId": "x"});
    frame(&deps, &cm, &mo, react(true)).await;
    let to_mo = deps.connections.take(&cm);
    assert_eq!(to_mo[0]["count"], 1);
    assert_eq!(to_mo[0]["requestId"], "x");
    assert_eq!(of_type(&deps.connections.take(&ca), "reaction").len(), 1);
    // A repeat changes nothing: only the sender hears the count.
    frame(&deps, &cm, &mo, react(true)).await;
    assert_eq!(deps.connections.take(&cm)[0]["count"], 1);
    assert!(deps.connections.take(&ca).is_empty());
    frame(&deps, &cm, &mo, react(false)).await;
    assert_eq!(deps.connections.take(&cm)[0]["count"], 0);
    assert_eq!(
        of_type(&deps.connections.take(&ca), "reaction")[0]["on"],
        false
    );
    // An unknown message is not found; nothing stored.
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "react", "room": "r", "messageId": "01a1fd1e-9833-7c11-9d4e-0a1b2c3d4e5f", "emoji": "🔥", "on": true}),
    )
    .await;
    let err = deps.connections.take(&ca);
    assert_eq!(err[0]["code"], "not_found", "{err:?}");
}

#[tokio::test]
async fn history_pages_back_with_a_cursor_and_hides_others_held_messages() {
    let deps = deps();
    let (ada, ca, mo, cm, _) = room_with_a_message(&deps).await;
    for n in 2..=4 {
        deps.clock.advance_ms(1);
        frame(
            &deps,
            &ca,
            &ada,
            json!({"action": "send", "room": "r", "text": format!("message {n}"), "clientMsgId": format!("m{n}")}),
        )
        .await;
    }
    deps.connections.take(&ca);
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "history", "room": "r", "limit": 3}),
    )
    .await;
    let page = deps.connections.take(&cm);
    let page = of_type(&page, "history")[0];
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["message 4", "message 3", "message 2"]);
    let next = page["next"].as_str().expect("a next page");
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "history", "room": "r", "before": next}),
    )
    .await;
    let rest = deps.connections.take(&cm);
    let rest = of_type(&rest, "history")[0];
    assert_eq!(rest["messages"][0]["text"], "hello all");
    assert!(rest["next"].is_null());
    // Catching up after the first message: the rest, oldest first, in pages.
    let first = rest["messages"][0]["id"].clone();
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "history", "room": "r", "after": first, "limit": 2}),
    )
    .await;
    let newer = deps.connections.take(&cm);
    let newer = of_type(&newer, "history")[0];
    let texts: Vec<&str> = newer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["message 2", "message 3"]);
    let next = newer["next"].clone();
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "history", "room": "r", "after": next}),
    )
    .await;
    let last = deps.connections.take(&cm);
    let last = of_type(&last, "history")[0];
    assert_eq!(last["messages"][0]["text"], "message 4");
    assert!(last["next"].is_null(), "caught up");
    // Not in the room: forbidden.
    let eve = identity("acme", "eve", "member");
    let ce = connect(&deps, "ce", &eve).await;
    frame(&deps, &ce, &eve, json!({"action": "history", "room": "r"})).await;
    assert_eq!(deps.connections.take(&ce)[0]["code"], "forbidden");
}

#[tokio::test]
async fn configure_is_for_admins_and_tells_the_room() {
    let deps = deps();
    let (ada, ca, mo, cm, _) = room_with_a_message(&deps).await;
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "configure", "room": "r", "mode": "readonly"}),
    )
    .await;
    assert_eq!(
        deps.connections.take(&cm)[0]["code"],
        "forbidden",
        "moderators use moderate"
    );
    let root = identity("acme", "root", "admin");
    let cr = connect(&deps, "cr", &root).await;
    frame(&deps, &cr, &root, json!({"action": "join", "room": "r"})).await;
    deps.connections.take(&cr);
    deps.connections.take(&ca);
    frame(
        &deps,
        &cr,
        &root,
        json!({"action": "configure", "room": "r", "mode": "readonly", "requestId": "c1"}),
    )
    .await;
    let to_root = deps.connections.take(&cr);
    assert_eq!(to_root[0]["type"], "room");
    assert_eq!(to_root[0]["mode"], "readonly");
    assert_eq!(to_root[0]["requestId"], "c1");
    assert_eq!(
        of_type(&deps.connections.take(&ca), "room")[0]["mode"],
        "readonly"
    );
    // Members may no longer write; the change is on the record.
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "hi", "clientMsgId": "m9"}),
    )
    .await;
    assert_eq!(deps.connections.take(&ca)[0]["code"], "forbidden");
    let kinds: Vec<_> = deps
        .store
        .decisions()
        .iter()
        .map(|d| d.kind.as_str())
        .collect();
    assert_eq!(kinds, ["room_mode_set"]);
}

#[tokio::test]
async fn moderators_delete_and_mute_and_the_record_shows_it() {
    let deps = deps();
    let (ada, ca, mo, cm, id) = room_with_a_message(&deps).await;
    frame(&deps, &cm, &mo, json!({"action": "moderate", "room": "r", "op": "delete", "messageId": id, "reason": "off topic"})).await;
    assert_eq!(deps.connections.take(&cm)[0]["type"], "moderated");
    assert_eq!(
        of_type(&deps.connections.take(&ca), "message_removed").len(),
        1
    );
    // Deleting again is a conflict, not a second decision.
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "moderate", "room": "r", "op": "delete", "messageId": id}),
    )
    .await;
    assert_eq!(deps.connections.take(&cm)[0]["code"], "conflict");
    frame(&deps, &cm, &mo, json!({"action": "moderate", "room": "r", "op": "mute", "userId": ada.user.as_str(), "durationS": 60})).await;
    let moderated = deps.connections.take(&cm);
    assert_eq!(
        moderated[0]["until"],
        sideline_domain::time::format_time(T0 + 60_000)
    );
    assert_eq!(of_type(&deps.connections.take(&ca), "sanctioned").len(), 1);
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "send", "room": "r", "text": "again", "clientMsgId": "m2"}),
    )
    .await;
    assert_eq!(deps.connections.take(&ca)[0]["code"], "forbidden");
    // A member may not moderate, and nobody acts on their own rank.
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "moderate", "room": "r", "op": "mute", "userId": mo.user.as_str()}),
    )
    .await;
    assert_eq!(deps.connections.take(&ca)[0]["code"], "forbidden");
    let kinds: Vec<_> = deps
        .store
        .decisions()
        .iter()
        .map(|d| d.kind.as_str())
        .collect();
    assert_eq!(kinds, ["message_removed", "user_muted"]);
}

#[tokio::test]
async fn reports_are_taken_once_and_enough_of_them_hide_the_message() {
    let deps = deps();
    let (ada, ca, _mo, cm, id) = room_with_a_message(&deps).await;
    let mut reporters = Vec::new();
    for name in ["r1", "r2", "r3"] {
        let who = identity("acme", name, "member");
        let c = connect(&deps, name, &who).await;
        frame(&deps, &c, &who, json!({"action": "join", "room": "r"})).await;
        deps.connections.take(&c);
        reporters.push((who, c));
    }
    let report = json!({"action": "report", "room": "r", "messageId": id, "reason": "rude"});
    for (_, c) in &reporters {
        deps.connections.take(c);
    }
    deps.connections.take(&ca);
    frame(&deps, &ca, &ada, report.clone()).await;
    assert_eq!(
        deps.connections.take(&ca)[0]["code"],
        "bad_request",
        "not one's own"
    );
    let (first, c1) = &reporters[0];
    frame(&deps, c1, first, report.clone()).await;
    assert_eq!(deps.connections.take(c1)[0]["type"], "reported");
    frame(&deps, c1, first, report.clone()).await;
    assert_eq!(deps.connections.take(c1)[0]["duplicate"], true);
    deps.connections.take(&cm);
    for (who, c) in &reporters[1..] {
        frame(&deps, c, who, report.clone()).await;
    }
    // The third distinct reporter hides it from everyone but its author.
    assert_eq!(
        of_type(&deps.connections.take(&cm), "message_removed").len(),
        1
    );
    assert!(of_type(&deps.connections.take(&ca), "message_removed").is_empty());
    let kinds: Vec<_> = deps
        .store
        .decisions()
        .iter()
        .map(|d| d.kind.as_str())
        .collect();
    assert_eq!(kinds, ["message_hidden"]);
}

/// A moderator and `n` members in room `match:9`, joined, their frames taken.
async fn poll_room(
    deps: &Deps,
    n: usize,
) -> (Identity, ConnectionId, Vec<(Identity, ConnectionId)>) {
    let mo = identity("acme", "mo", "moderator");
    let cm = connect(deps, "cm", &mo).await;
    frame(deps, &cm, &mo, json!({"action": "join", "room": "match:9"})).await;
    let mut members = Vec::new();
    for i in 0..n {
        let who = identity("acme", &format!("fan{i}"), "member");
        let c = connect(deps, &format!("c{i}"), &who).await;
        frame(deps, &c, &who, json!({"action": "join", "room": "match:9"})).await;
        members.push((who, c));
    }
    deps.connections.take(&cm);
    for (_, c) in &members {
        deps.connections.take(c);
    }
    (mo, cm, members)
}

fn created_poll_id(frames: &[Value]) -> String {
    of_type(frames, "poll")[0]["poll"]["id"]
        .as_str()
        .expect("poll id")
        .to_owned()
}

#[tokio::test]
async fn a_poll_is_created_voted_with_coalesced_results_and_closed() {
    let deps = deps();
    let (mo, cm, members) = poll_room(&deps, 20).await;
    frame(
        &deps,
        &cm,
        &mo,
        json!({"action": "poll", "room": "match:9", "op": "create", "requestId": "p1",
               "question": "Who scores next?", "options": ["Home", "Away", "Nobody"],
               "closesInS": 300, "context": {"object": "match:9", "at": "67:12"}}),
    )
    .await;
    let to_mo = deps.connections.take(&cm);
    assert_eq!(to_mo[0]["requestId"], "p1");
    assert_eq!(to_mo[0]["poll"]["status"], "open");
    assert_eq!(
        to_mo[0]["poll"]["context"],
        json!({"object": "match:9", "at": "67:12"})
    );
    let id = created_poll_id(&to_mo);
    let seen = deps.connections.take(&members[0].1);
    assert_eq!(
        of_type(&seen, "poll")[0]["poll"]["counts"],
        json!([0, 0, 0])
    );

    // Twenty votes at once: each voter gets their own answer at once, and the
    // room one update with all of them, half a second later.
    let votes = members.iter().enumerate().map(|(i, (who, c))| {
        let body = json!({"action": "poll", "room": "match:9", "op": "vote",
                          "pollId": id, "choice": i % 2, "requestId": format!("v{i}")});
        let deps = &deps;
        async move { frame(deps, c, who, body).await }
    });
    futures_util::future::join_all(votes).await;
    let first = deps.connections.take(&members[0].1);
    let answer = first
        .iter()
        .find(|f| f["requestId"] == "v0")
        .expect("answer");
    assert_eq!(answer["poll"]["mine"], json!([0]));
    let updates: Vec<&Value> = of_type(&first, "poll")
        .into_iter()
        .filter(|f| f.get("requestId").is_none())
        .collect();
    assert_eq!(updates.len(), 1, "one coalesced update: {first:?}");
    assert_eq!(updates[0]["poll"]["counts"], json!([10, 10, 0]));
    assert_eq!(updates[0]["poll"]["voters"], 20);
    assert!(
        updates[0]["poll"].get("mine").is_none(),
        "no one's vote in a room frame"
    );
    let to_mo = deps.connections.take(&cm);
    assert_eq!(of_type(&to_mo, "poll").len(), 1);

    // A change of mind moves the count; a repeat changes nothing and sends no update.
    deps.clock.advance_ms(1_000);
    let (ada, ca) = &members[0];
    let vote = |choice: u8| json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": id, "choices": [choice]});
    frame(&deps, ca, ada, vote(2)).await;
    let after = deps.connections.take(&cm);
    assert_eq!(
        of_type(&after, "poll")[0]["poll"]["counts"],
        json!([9, 10, 1])
    );
    deps.clock.advance_ms(1_000);
    frame(&deps, ca, ada, vote(2)).await;
    assert!(
        deps.connections.take(&cm).is_empty(),
        "a repeated vote sends nothing"
    );
    let to_ada = deps.connections.take(ca);
    assert_eq!(
        to_ada.len(),
        3,
        "the change's answer, the update, the repeat's answer"
    );

    // Closing: members may not; the moderator does, and everyone sees the turnout.
    let close = json!({"action": "poll", "room": "match:9", "op": "close", "pollId": id});
    frame(&deps, ca, ada, close.clone()).await;
    assert_eq!(deps.connections.take(ca)[0]["code"], "forbidden");
    frame(&deps, &cm, &mo, close.clone()).await;
    let to_fan = deps.connections.take(&members[5].1);
    let closed = to_fan.last().expect("the close");
    assert_eq!(closed["poll"]["status"], "closed");
    assert_eq!(closed["poll"]["voters"], 20);
    assert_eq!(closed["poll"]["counts"], json!([9, 10, 1]));
    deps.connections.take(ca);
    frame(&deps, ca, ada, vote(1)).await;
    let refused = deps.connections.take(ca);
    assert_eq!(refused[0]["code"], "conflict");
    assert_eq!(refused[0]["message"], "the poll is closed");
    assert_eq!(
        of_type(&deps.connections.take(&cm), "poll")[0]["poll"]["status"],
        "closed"
    );
    frame(&deps, &cm, &mo, close).await;
    assert_eq!(deps.connections.take(&cm)[0]["code"], "conflict");
}

#[tokio::test]
async fn bad_polls_and_votes_get_clear_errors_and_store_nothing() {
    let deps = deps();
    let (mo, cm, members) = poll_room(&deps, 1).await;
    let (fan, cf) = &members[0];
    let create = |options: Value| json!({"action": "poll", "room": "match:9", "op": "create", "question": "Q?", "options": options});
    let eleven: Vec<String> = (0..11).map(|i| format!("o{i}")).collect();
    for (body, code, says) in [
        (create(json!(["only"])), "bad_request", "2 to 10 options"),
        (create(json!(eleven)), "bad_request", "2 to 10 options"),
        (create(json!(["a", " "])), "bad_request", "option 1"),
        (create(json!(["a", "A"])), "bad_request", "repeats"),
        (
            json!({"action": "poll", "room": "match:9", "op": "create", "question": "Q?", "options": ["a", "b"], "closesInS": 0}),
            "bad_request",
            "closesInS",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "create", "question": "Q?", "options": ["a", "b"], "context": {"where": 1}}),
            "bad_request",
            "context",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "spin"}),
            "bad_request",
            "op must be",
        ),
    ] {
        frame(&deps, &cm, &mo, body.clone()).await;
        let err = deps.connections.take(&cm);
        assert_eq!(err[0]["code"], code, "{body}: {err:?}");
        assert!(
            err[0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{err:?}"
        );
    }
    // A member without the tier privilege may not create one.
    frame(&deps, cf, fan, create(json!(["a", "b"]))).await;
    assert_eq!(deps.connections.take(cf)[0]["code"], "forbidden");
    let tenant = &mo.tenant;
    let room = sideline_domain::ids::RoomId::parse("match:9").expect("room");
    assert!(
        sideline_ports::PollStore::unclosed_polls(&deps.store, tenant, &room)
            .await
            .expect("list")
            .is_empty()
    );

    frame(&deps, &cm, &mo, create(json!(["a", "b"]))).await;
    let id = created_poll_id(&deps.connections.take(&cm));
    deps.connections.take(cf);
    for (body, code) in [
        (
            json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": id, "choice": 2}),
            "bad_request",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": id, "choices": [0, 1]}),
            "bad_request",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": id}),
            "bad_request",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": "01a1fd1e-9833-7c11-9d4e-0a1b2c3d4e5f", "choice": 0}),
            "not_found",
        ),
        (
            json!({"action": "poll", "room": "match:9", "op": "close", "pollId": id}),
            "forbidden",
        ),
    ] {
        frame(&deps, cf, fan, body.clone()).await;
        let err = deps.connections.take(cf);
        assert_eq!(err[0]["code"], code, "{body}: {err:?}");
    }
    let stored = sideline_ports::PollStore::unclosed_polls(&deps.store, tenant, &room)
        .await
        .expect("list");
    assert_eq!(
        (stored[0].voters, stored[0].counts.clone()),
        (0, vec![0, 0])
    );
}

#[tokio::test]
async fn joining_shows_open_polls_with_my_vote_and_closes_lapsed_ones() {
    let deps = deps();
    let (mo, cm, members) = poll_room(&deps, 1).await;
    let (fan, cf) = &members[0];
    let create = |closes: i64| json!({"action": "poll", "room": "match:9", "op": "create", "question": "Q?", "options": ["a", "b"], "closesInS": closes, "results": "closed"});
    frame(&deps, &cm, &mo, create(60)).await;
    let short = created_poll_id(&deps.connections.take(&cm));
    frame(&deps, &cm, &mo, create(3600)).await;
    let long = created_poll_id(&deps.connections.take(&cm));
    frame(
        &deps,
        cf,
        fan,
        json!({"action": "poll", "room": "match:9", "op": "vote", "pollId": long, "choice": 1}),
    )
    .await;
    let answer = deps.connections.take(cf);
    let mine = answer
        .iter()
        .find(|f| f["poll"]["mine"].is_array())
        .expect("answer");
    assert!(
        mine["poll"].get("counts").is_none(),
        "results at close: no counts while open"
    );
    assert_eq!(mine["poll"]["voters"], 1);
    let update = deps.connections.take(&cm);
    assert_eq!(
        of_type(&update, "poll")[0]["poll"]["voters"],
        1,
        "turnout shows"
    );

    deps.clock.advance_ms(61_000);
    let c2 = connect(&deps, "cf2", fan).await;
    frame(
        &deps,
        &c2,
        fan,
        json!({"action": "join", "room": "match:9"}),
    )
    .await;
    let joined = deps.connections.take(&c2);
    let polls = &of_type(&joined, "joined")[0]["polls"];
    assert_eq!(polls.as_array().map(Vec::len), Some(1), "{polls}");
    assert_eq!(polls[0]["id"], long);
    assert_eq!(polls[0]["mine"], json!([1]));
    // The lapsed poll was closed and the room told, with its results.
    let told = deps.connections.take(&cm);
    let closed = of_type(&told, "poll");
    assert_eq!(closed[0]["poll"]["id"], short);
    assert_eq!(closed[0]["poll"]["status"], "closed");
    assert_eq!(closed[0]["poll"]["counts"], json!([0, 0]));
}

#[tokio::test]
async fn a_scheduled_room_is_read_only_outside_its_hours() {
    let deps = deps();
    let ada = identity("acme", "ada", "member");
    let ca = connect(&deps, "ca", &ada).await;
    let room = sideline_domain::ids::RoomId::parse("match:10").expect("room");
    RoomStore::put_room_profile(
        &deps.store,
        &ada.tenant,
        &room,
        &sideline_domain::room::RoomProfile {
            title: Some("Ajax – PSV".into()),
            object: Some("match:10".into()),
            opens_at_ms: Some(T0 + 60_000),
            closes_at_ms: Some(T0 + 120_000),
        },
        T0,
    )
    .await
    .expect("set up");
    frame(
        &deps,
        &ca,
        &ada,
        json!({"action": "join", "room": "match:10"}),
    )
    .await;
    let joined = deps.connections.take(&ca);
    assert_eq!(joined[0]["mode"], "readonly");
    assert_eq!(joined[0]["capabilities"], json!(["read"]));
    assert_eq!(joined[0]["title"], "Ajax – PSV");
    assert_eq!(joined[0]["opensAt"], "2027-01-15T08:01:00.000Z");
    let send =
        |id: &str| json!({"action": "send", "room": "match:10", "text": "hi", "clientMsgId": id});
    frame(&deps, &ca, &ada, send("early")).await;
    assert_eq!(deps.connections.take(&ca)[0]["code"], "forbidden");
    deps.clock.advance_ms(60_000);
    frame(&deps, &ca, &ada, send("on-time")).await;
    assert_eq!(deps.connections.take(&ca)[0]["status"], "delivered");
    deps.clock.advance_ms(60_000);
    frame(&deps, &ca, &ada, send("late")).await;
    assert_eq!(deps.connections.take(&ca)[0]["code"], "forbidden");
    assert_eq!(deps.store.message_count(), 1);
}

#[tokio::test]
async fn a_big_room_gets_its_presence_as_a_count_at_most_once_per_interval() {
    let deps = MessageDeps::new(
        MemoryStore::new(),
        RecordingConnections::new(),
        ManualClock::at(T0),
        Limits {
            presence_broadcast_max: 2,
            presence_list_max: 1,
            ..Limits::default()
        },
    );
    let mut members = Vec::new();
    for n in 0..6 {
        let who = identity("acme", &format!("fan{n}"), "member");
        let c = connect(&deps, &format!("c{n}"), &who).await;
        members.push((who, c));
    }
    let join = json!({"action": "join", "room": "big"});
    let presences = |deps: &Deps, c: &ConnectionId| -> Vec<Value> {
        deps.connections
            .take(c)
            .into_iter()
            .filter(|f| f["type"] == "presence")
            .collect()
    };
    // Up to 2 connections, each join is broadcast (as before).
    for (who, c) in &members[..2] {
        frame(&deps, c, who, join.clone()).await;
    }
    assert_eq!(presences(&deps, &members[0].1).len(), 1, "fan1's join");
    // The third join makes the room big: one count, no users, to everyone.
    let (who, c) = &members[2];
    frame(&deps, c, who, join.clone()).await;
    let seen = presences(&deps, &members[0].1);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["count"], 3);
    assert!(seen[0].get("users").is_none(), "{seen:?}");
    assert_eq!(presences(&deps, &members[1].1).len(), 1);
    // Joins within the interval send nothing more.
    for (who, c) in &members[3..5] {
        deps.clock.advance_ms(1_000);
        frame(&deps, c, who, join.clone()).await;
    }
    assert!(presences(&deps, &members[0].1).is_empty());
    // After it, the next change sends the count as it is then.
    deps.clock.advance_ms(3_000);
    let (who, c) = &members[5];
    frame(&deps, c, who, join.clone()).await;
    let seen = presences(&deps, &members[0].1);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["count"], 6);
    // A leave within the next interval sends nothing; one after it does.
    let (who, c) = &members[1];
    frame(&deps, c, who, json!({"action": "leave", "room": "big"})).await;
    assert!(presences(&deps, &members[0].1).is_empty());
    deps.clock.advance_ms(5_000);
    let (who, c) = &members[2];
    frame(&deps, c, who, json!({"action": "leave", "room": "big"})).await;
    let seen = presences(&deps, &members[0].1);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["count"], 4);
}
