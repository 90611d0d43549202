//! End to end through an in-process devstack with real WebSocket clients, and the
//! AWS SDK's own management client against devstack's `@connections`.

use std::time::Duration;

use serde_json::{json, Value};
use sideline_aws::sdk::local as local_sdk_config;
use sideline_tests::{
    handshake_status, moto_endpoint, now_s, send, token, token_with, Client, Stack,
};
use sideline_token::Claims;

#[tokio::test]
async fn two_users_chat_and_see_each_others_presence() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;

    let joined = ada.join("match:1").await;
    assert_eq!(joined["presence"]["count"], 1);
    assert_eq!(joined["role"], "member");
    assert_eq!(joined["mode"], "open");
    let joined = bob.join("match:1").await;
    assert_eq!(joined["presence"]["count"], 2);
    let names: Vec<&str> = joined["presence"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob"]);

    let presence = ada.next_of("presence").await;
    assert_eq!(presence["count"], 2);
    assert_eq!(presence["room"], "match:1");

    let ack = ada.request(json!({"action": "send", "room": "match:1", "text": "what a goal", "clientMsgId": "c1", "requestId": "r1"}), "ack").await;
    assert_eq!(ack["status"], "delivered");
    assert_eq!(ack["requestId"], "r1");
    let seen = bob.next_of("message").await;
    assert_eq!(seen["text"], "what a goal");
    assert_eq!(seen["author"]["name"], "ada");
    assert_eq!(seen["id"], ack["messageId"]);
    assert_eq!(seen["room"], "match:1");
    let own = ada.next_of("message").await;
    assert_eq!(
        own["id"], ack["messageId"],
        "the sender's socket gets the message too"
    );

    let reply = bob.request(json!({"action": "send", "room": "match:1", "text": "indeed", "clientMsgId": "b1", "replyTo": ack["messageId"]}), "ack").await;
    assert_eq!(reply["type"], "ack");
    let seen = ada.next_of("message").await;
    assert_eq!(seen["replyTo"], ack["messageId"]);
}

#[tokio::test]
async fn the_senders_other_tabs_get_the_message_and_two_tabs_are_one_person() {
    let stack = Stack::start().await;
    let mut tab1 = stack.connect("acme", "ada", "member").await;
    let mut tab2 = stack.connect("acme", "ada", "member").await;
    tab1.join("r").await;
    let joined = tab2.join("r").await;
    assert_eq!(joined["presence"]["count"], 1, "two tabs are one person");
    tab1.request(send("r", "from tab one", "t1"), "ack").await;
    assert_eq!(tab2.next_of("message").await["text"], "from tab one");
}

#[tokio::test]
async fn a_viewer_can_read_but_not_send() {
    let stack = Stack::start().await;
    let mut viewer = stack.connect("acme", "vic", "viewer").await;
    let mut member = stack.connect("acme", "meg", "member").await;
    let joined = viewer.join("r").await;
    assert_eq!(joined["capabilities"], json!(["read"]));
    member.join("r").await;
    let err = viewer.request(send("r", "let me talk", "v1"), "ack").await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["clientMsgId"], "v1");
    member.request(send("r", "members can", "m1"), "ack").await;
    assert_eq!(viewer.next_of("message").await["text"], "members can");
    let history = viewer
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        1,
        "the viewer's attempt was not stored"
    );
}

#[tokio::test]
async fn a_speaker_can_send_in_a_stage_room_where_a_member_cannot() {
    let stack = Stack::start().await;
    let mut admin = stack.connect("acme", "root", "admin").await;
    let mut speaker = stack.connect("acme", "star", "speaker").await;
    let mut member = stack.connect("acme", "fan", "member").await;
    admin.join("stage:1").await;
    let room = admin
        .request(
            json!({"action": "configure", "room": "stage:1", "mode": "stage", "requestId": "cfg"}),
            "room",
        )
        .await;
    assert_eq!(room["mode"], "stage");
    assert_eq!(room["requestId"], "cfg");
    speaker.join("stage:1").await;
    let joined = member.join("stage:1").await;
    assert_eq!(joined["capabilities"], json!(["read", "react"]));

    let err = member.request(send("stage:1", "can I?", "m1"), "ack").await;
    assert_eq!(err["code"], "forbidden", "{err}");
    let ack = speaker
        .request(send("stage:1", "welcome to the show", "s1"), "ack")
        .await;
    assert_eq!(ack["status"], "delivered");
    assert_eq!(
        member.next_of("message").await["text"],
        "welcome to the show"
    );

    // Members may still react on stage.
    let reaction = member.request(json!({"action": "react", "room": "stage:1", "messageId": ack["messageId"], "emoji": "👏", "on": true}), "reaction").await;
    assert_eq!(reaction["count"], 1);

    // Only admins configure.
    let err = speaker
        .request(
            json!({"action": "configure", "room": "stage:1", "mode": "open"}),
            "room",
        )
        .await;
    assert_eq!(err["code"], "forbidden");
}

#[tokio::test]
async fn a_repeated_client_msg_id_is_acked_with_the_first_id_and_not_rebroadcast() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.join("r").await;
    bob.join("r").await;
    let first = ada.request(send("r", "once", "same"), "ack").await;
    let again = ada.request(send("r", "once", "same"), "ack").await;
    assert_eq!(again["messageId"], first["messageId"]);
    assert_eq!(again["duplicate"], true);
    assert!(first.get("duplicate").is_none());
    ada.request(send("r", "next", "other"), "ack").await;
    // Bob's next two messages are the first and the next one: the retry never came.
    assert_eq!(bob.next_of("message").await["text"], "once");
    assert_eq!(bob.next_of("message").await["text"], "next");
    let history = bob
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn history_pages_newest_first_with_a_cursor() {
    let stack = Stack::start_with(|c| c.limits.rate_limit_messages = 100).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    for i in 0..25 {
        ada.request(send("r", &format!("m{i}"), &format!("c{i}")), "ack")
            .await;
    }
    let mut late = stack.connect("acme", "bob", "member").await;
    let joined = late.join("r").await;
    let texts = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = texts(&joined["history"]);
    assert_eq!(first.len(), 25, "joined carries the latest messages");
    assert_eq!(first[0], "m24");

    let mut seen = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = late.request(json!({"action": "history", "room": "r", "limit": 10, "before": before, "requestId": "h"}), "history").await;
        assert_eq!(page["requestId"], "h");
        seen.extend(texts(&page["messages"]));
        if page["next"].is_null() {
            break;
        }
        before = page["next"].clone();
    }
    let expected: Vec<String> = (0..25).rev().map(|i| format!("m{i}")).collect();
    assert_eq!(seen, expected);
    let err = late
        .request(
            json!({"action": "history", "room": "r", "limit": 1000}),
            "history",
        )
        .await;
    assert_eq!(err["code"], "bad_request");
}

#[tokio::test]
async fn reactions_count_once_per_user() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.join("r").await;
    bob.join("r").await;
    let ack = ada.request(send("r", "react to this", "c1"), "ack").await;
    let id = ack["messageId"].clone();
    let react = |on: bool| json!({"action": "react", "room": "r", "messageId": id, "emoji": "🔥", "on": on});

    assert_eq!(bob.request(react(true), "reaction").await["count"], 1);
    assert_eq!(
        bob.request(react(true), "reaction").await["count"],
        1,
        "a second 'on' is no second vote"
    );
    assert_eq!(ada.request(react(true), "reaction").await["count"], 2);
    let seen = bob.next_of("reaction").await;
    assert_eq!(
        (seen["count"].as_u64(), seen["on"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(seen["user"]["name"], "ada");
    assert_eq!(bob.request(react(false), "reaction").await["count"], 1);
    let history = ada
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(history["messages"][0]["reactions"], json!({"🔥": 1}));
}

#[tokio::test]
async fn closing_a_socket_updates_presence() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.join("r").await;
    bob.join("r").await;
    assert_eq!(ada.next_of("presence").await["count"], 2);
    bob.close().await;
    let presence = ada.next_of("presence").await;
    assert_eq!(presence["count"], 1);
    assert_eq!(presence["users"][0]["name"], "ada");

    let mut cat = stack.connect("acme", "cat", "member").await;
    cat.join("r").await;
    assert_eq!(ada.next_of("presence").await["count"], 2);
    let left = cat
        .request(json!({"action": "leave", "room": "r"}), "left")
        .await;
    assert_eq!(left["room"], "r");
    assert_eq!(ada.next_of("presence").await["count"], 1);
}

#[tokio::test]
async fn a_dead_socket_is_forgotten_on_the_next_fan_out_without_breaking_delivery() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut cat = stack.connect("acme", "cat", "member").await;
    for c in [&mut ada, &mut bob, &mut cat] {
        c.join("r").await;
    }
    let bob_id = bob.request(json!({"action": "ping"}), "pong").await["connectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The socket dies with no $disconnect: the store still lists Bob.
    assert!(stack.devstack.sever(&bob_id));
    let presence = cat
        .request(json!({"action": "presence", "room": "r"}), "presence")
        .await;
    assert_eq!(presence["count"], 3, "nothing has noticed yet");

    ada.request(send("r", "anyone there?", "c1"), "ack").await;
    assert_eq!(cat.next_of("message").await["text"], "anyone there?");
    let presence = cat.next_of("presence").await;
    assert_eq!(presence["count"], 2, "the 410 made the room forget Bob");
    let presence = cat
        .request(json!({"action": "presence", "room": "r"}), "presence")
        .await;
    assert_eq!(presence["count"], 2);
    ada.request(send("r", "still works", "c2"), "ack").await;
    assert_eq!(cat.next_of("message").await["text"], "still works");
}

#[tokio::test]
async fn tenants_with_the_same_room_name_never_meet() {
    let stack = Stack::start().await;
    let mut a1 = stack.connect("acme", "ada", "member").await;
    let mut a2 = stack.connect("acme", "bob", "member").await;
    let mut g1 = stack.connect("globex", "ada", "member").await;
    a1.join("match:1").await;
    a2.join("match:1").await;
    a1.request(send("match:1", "acme only", "c1"), "ack").await;
    let joined = g1.join("match:1").await;
    assert_eq!(joined["presence"]["count"], 1, "globex sees only itself");
    assert_eq!(joined["history"], json!([]), "globex sees no acme history");
    g1.request(send("match:1", "globex only", "c1"), "ack")
        .await;
    assert_eq!(g1.next_of("message").await["text"], "globex only");
    // Acme's next message is its own; globex's never arrives, nor its presence.
    a1.request(send("match:1", "acme again", "c2"), "ack").await;
    let mut seen = Vec::new();
    loop {
        let frame = a2.next().await;
        if frame["type"] == "message" {
            seen.push(frame["text"].as_str().unwrap().to_owned());
            if seen.len() == 2 {
                break;
            }
        }
        assert_ne!(
            frame["type"], "presence",
            "no presence from another tenant: {frame}"
        );
    }
    assert_eq!(seen, ["acme only", "acme again"]);
    let history = g1
        .request(json!({"action": "history", "room": "match:1"}), "history")
        .await;
    let texts: Vec<&str> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["globex only"]);
}

#[tokio::test]
async fn bad_input_gets_the_right_error_and_the_connection_stays_usable() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    let cases: Vec<(String, &str)> = vec![
        ("this is not json".into(), "bad_request"),
        ("[1, 2, 3]".into(), "bad_request"),
        (json!({"action": "teleport", "requestId": "x1"}).to_string(), "bad_request"),
        (json!({"room": "r"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": 42, "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "react", "room": "r", "messageId": "m", "emoji": "👍", "on": "yes"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": "", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": "   ", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "r", "text": "x".repeat(2001), "clientMsgId": "c"}).to_string(), "too_large"),
        (json!({"action": "send", "room": "not a room!", "text": "hi", "clientMsgId": "c"}).to_string(), "bad_request"),
        (json!({"action": "join", "room": "r".repeat(200)}).to_string(), "bad_request"),
        (json!({"action": "send", "room": "elsewhere", "text": "hi", "clientMsgId": "c"}).to_string(), "forbidden"),
        (json!({"action": "react", "room": "r", "messageId": "0190a000-0000-7000-8000-000000000000", "emoji": "👍", "on": true}).to_string(), "not_found"),
        (json!({"action": "send", "room": "r", "text": "hi", "clientMsgId": "c", "replyTo": "0190a000-0000-7000-8000-000000000000"}).to_string(), "not_found"),
    ];
    for (body, code) in &cases {
        ada.send_text(body.clone()).await;
        let reply = ada.next().await;
        assert_eq!(reply["type"], "error", "{body}: {reply}");
        assert_eq!(reply["code"], *code, "{body}: {reply}");
        assert!(!reply["message"].as_str().unwrap_or_default().is_empty());
    }
    let pong = ada
        .request(json!({"action": "ping", "requestId": "still-here"}), "pong")
        .await;
    assert_eq!(pong["requestId"], "still-here");
    let history = ada
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(
        history["messages"],
        json!([]),
        "no bad frame stored anything"
    );

    // Rate limit: five per ten seconds by default, counted in windows that
    // start on the clock's multiples of ten seconds. The burst below must fall
    // in one window: with less than five seconds of this one left, wait for
    // the next (the stack runs on this machine's clock).
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let left_ms = 10_000 - now_ms % 10_000;
    if left_ms < 5_000 {
        tokio::time::sleep(Duration::from_millis(left_ms + 50)).await;
    }
    for i in 0..5 {
        assert_eq!(
            ada.request(send("r", &format!("line {i}"), &format!("s{i}")), "ack")
                .await["type"],
            "ack"
        );
    }
    let limited = ada.request(send("r", "spam", "s5"), "ack").await;
    assert_eq!(limited["code"], "rate_limited");
    assert!(limited["retryAfterMs"].as_u64().unwrap() <= 10_000);
    let history = ada
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_frame_over_32_kb_closes_the_socket_with_1009() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    let big =
        json!({"action": "send", "room": "r", "text": "x".repeat(40 * 1024), "clientMsgId": "big"});
    ada.send(big).await;
    let (code, _) = ada.closed().await.expect("a close frame");
    assert_eq!(code, 1009);
    let mut bob = stack.connect("acme", "bob", "member").await;
    let joined = bob.join("r").await;
    assert_eq!(joined["history"], json!([]));
    assert_eq!(
        joined["presence"]["count"], 1,
        "the closed socket left the room"
    );
}

#[tokio::test]
async fn idle_sockets_are_closed_with_1001() {
    let stack = Stack::start_with(|c| c.idle_timeout = Duration::from_millis(300)).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let (code, _) = ada.closed().await.expect("close frame");
    assert_eq!(code, 1001);
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_are_refused_at_the_handshake() {
    let stack = Stack::start().await;
    let base = format!("ws://{}/", stack.devstack.addr());
    assert_eq!(handshake_status(&base).await, 401);
    assert_eq!(
        handshake_status(&format!("{base}?token=garbage")).await,
        401
    );
    let forged = sideline_token::mint_hs256(
        b"someone-elses-secret-123456",
        &Claims {
            sub: "x".into(),
            tenant: "acme".into(),
            exp: now_s() + 60,
            ..Claims::default()
        },
    )
    .unwrap();
    assert_eq!(
        handshake_status(&format!("{base}?token={forged}")).await,
        401
    );
    let expired = token_with(Claims {
        sub: "x".into(),
        tenant: "acme".into(),
        exp: now_s() - 3600,
        ..Claims::default()
    });
    assert_eq!(
        handshake_status(&format!("{base}?token={expired}")).await,
        401
    );
    let bad_role = token_with(Claims {
        sub: "x".into(),
        tenant: "acme".into(),
        exp: now_s() + 60,
        role: Some("owner".into()),
        ..Claims::default()
    });
    assert_eq!(
        handshake_status(&format!("{base}?token={bad_role}")).await,
        401
    );
    assert_eq!(
        stack.devstack.open_sockets(),
        0,
        "no refused handshake left a socket behind"
    );
    assert_eq!(
        handshake_status(&stack.ws_url(&token("acme", "ok", "member"))).await,
        101
    );
}

#[tokio::test]
async fn the_aws_sdk_management_client_works_against_devstack() {
    use aws_sdk_apigatewaymanagement::primitives::Blob;
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let id = ada.request(json!({"action": "ping"}), "pong").await["connectionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let endpoint = stack.http_url();
    for base in [endpoint.clone(), format!("{endpoint}/local")] {
        let conf =
            aws_sdk_apigatewaymanagement::config::Builder::from(&local_sdk_config(&base)).build();
        let client = aws_sdk_apigatewaymanagement::Client::from_conf(conf);

        client
            .post_to_connection()
            .connection_id(&id)
            .data(Blob::new(br#"{"type":"hello"}"#.to_vec()))
            .send()
            .await
            .expect("post");
        assert_eq!(ada.next().await, json!({"type": "hello"}));

        let info = client
            .get_connection()
            .connection_id(&id)
            .send()
            .await
            .expect("get");
        assert!(info.connected_at().is_some());
        assert!(info.last_active_at().is_some());
        assert_eq!(
            info.identity().and_then(|i| i.source_ip()),
            Some("127.0.0.1")
        );

        let err = client
            .post_to_connection()
            .connection_id("no-such-connection")
            .data(Blob::new(b"x".to_vec()))
            .send()
            .await
            .expect_err("gone");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_gone_exception()),
            "{err:?}"
        );
        let err = client
            .get_connection()
            .connection_id("no-such-connection")
            .send()
            .await
            .expect_err("gone");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_gone_exception()),
            "{err:?}"
        );
        let err = client
            .delete_connection()
            .connection_id("no-such-connection")
            .send()
            .await
            .expect_err("gone");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_gone_exception()),
            "{err:?}"
        );
    }
    let client = aws_sdk_apigatewaymanagement::Client::from_conf(
        aws_sdk_apigatewaymanagement::config::Builder::from(&local_sdk_config(&endpoint)).build(),
    );
    client
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .expect("delete");
    assert!(ada.closed().await.is_some(), "deleting closes the socket");
    let err = client
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .expect_err("gone after delete");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_gone_exception()));
}

#[tokio::test]
async fn the_dev_token_endpoint_mints_usable_tokens() {
    let stack = Stack::start().await;
    let addr = stack.devstack.addr();
    let fetch = |query: &str| {
        let query = query.to_owned();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            tcp.write_all(
                format!("GET /dev/token?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .unwrap();
            let mut out = String::new();
            tcp.read_to_string(&mut out).await.unwrap();
            let (head, body) = out.split_once("\r\n\r\n").unwrap();
            (head.split(' ').nth(1).unwrap().to_owned(), body.to_owned())
        }
    };
    let (status, token) = fetch("tenant=demo&sub=zoe&role=moderator").await;
    assert_eq!(status, "200");
    let mut zoe = Client::connect(&stack.ws_url(token.trim())).await;
    let joined = zoe.join("r").await;
    assert_eq!(joined["role"], "moderator");
    let (status, body) = fetch("tenant=bad%23tenant").await;
    assert_eq!(status, "400", "{body}");
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn devstack_on_dynamodb_runs_a_whole_conversation_on_moto() {
    let endpoint = moto_endpoint();
    let stack = Stack::start_on_dynamodb(&endpoint).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.join("match:9").await;
    assert_eq!(bob.join("match:9").await["presence"]["count"], 2);
    let ack = ada
        .request(send("match:9", "stored in DynamoDB", "c1"), "ack")
        .await;
    assert_eq!(ack["status"], "delivered");
    assert_eq!(bob.next_of("message").await["text"], "stored in DynamoDB");
    let again = ada
        .request(send("match:9", "stored in DynamoDB", "c1"), "ack")
        .await;
    assert_eq!(again["duplicate"], true);
    let reaction = bob.request(json!({"action": "react", "room": "match:9", "messageId": ack["messageId"], "emoji": "⚽", "on": true}), "reaction").await;
    assert_eq!(reaction["count"], 1);
    let history = bob
        .request(json!({"action": "history", "room": "match:9"}), "history")
        .await;
    assert_eq!(history["messages"][0]["reactions"], json!({"⚽": 1}));
    bob.close().await;
    assert_eq!(ada.next_of("presence").await["count"], 1);
}

#[tokio::test]
async fn a_token_for_another_audience_is_forbidden_at_the_handshake() {
    let stack = Stack::start_with(|c| c.jwt_audience = Some("sideline".into())).await;
    let claims = |aud: &str| Claims {
        sub: "x".into(),
        tenant: "acme".into(),
        exp: now_s() + 60,
        aud: Some(aud.into()),
        ..Claims::default()
    };
    let foreign = token_with(claims("another-app"));
    assert_eq!(handshake_status(&stack.ws_url(&foreign)).await, 403);
    let ours = token_with(claims("sideline"));
    assert_eq!(handshake_status(&stack.ws_url(&ours)).await, 101);
}

#[tokio::test]
async fn personal_data_is_masked_for_the_room_and_the_ack_says_masked() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    ada.join("r").await;
    bob.join("r").await;
    let ack = ada
        .request(
            send("r", "call me on +44 20 7946 0958 or ada@example.com", "p1"),
            "ack",
        )
        .await;
    assert_eq!(ack["status"], "masked", "{ack}");
    let seen = bob.next_of("message").await;
    assert_eq!(seen["text"], "call me on [phone] or [email]");
    let history = bob
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(
        history["messages"][0]["text"], "call me on [phone] or [email]",
        "nothing unmasked is stored"
    );
}

#[tokio::test]
async fn abuse_is_blocked_with_a_reason_and_nothing_is_stored() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    let ack = ada
        .request(send("r", "kill yourself you worthless idiot", "a1"), "ack")
        .await;
    assert!(
        ack["status"] == "blocked" || ack["status"] == "held",
        "{ack}"
    );
    if ack["status"] == "blocked" {
        assert!(ack.get("messageId").is_none());
        assert!(
            ack["reason"]
                .as_str()
                .is_some_and(|r| r.contains("abusive")),
            "{ack}"
        );
        let history = ada
            .request(json!({"action": "history", "room": "r"}), "history")
            .await;
        assert_eq!(history["messages"], json!([]));
    }
}

#[tokio::test]
async fn a_shadowed_scam_is_seen_by_its_author_only_and_a_held_message_as_pending() {
    let stack = Stack::start().await;
    let mut spammer = stack.connect("acme", "spammer", "member").await;
    let mut spammer_tab = stack.connect("acme", "spammer", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    spammer.join("r").await;
    spammer_tab.join("r").await;
    bob.join("r").await;
    let ack = spammer
        .request(
            send(
                "r",
                "FREE BTC giveaway!!! dm me on telegram to claim your prize",
                "s1",
            ),
            "ack",
        )
        .await;
    assert_eq!(ack["status"], "shadowed", "{ack}");
    assert_eq!(
        spammer.next_of("message").await["id"],
        ack["messageId"],
        "the author sees it"
    );
    assert_eq!(
        spammer_tab.next_of("message").await["id"],
        ack["messageId"],
        "in every tab"
    );
    let held = spammer
        .request(
            send("r", "BUY NOW BUY NOW BUY NOW BUY NOW BUY NOW", "s2"),
            "ack",
        )
        .await;
    assert_eq!(held["status"], "held", "{held}");
    let pending = spammer.next_of("message").await;
    assert_eq!(pending["pending"], true);
    // Bob's next message is this one: neither the shadowed nor the held one reached him.
    let clean = spammer
        .request(send("r", "sorry, wrong chat", "s3"), "ack")
        .await;
    assert_eq!(clean["status"], "delivered");
    assert_eq!(bob.next_of("message").await["id"], clean["messageId"]);
    let bob_history = bob
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(bob_history["messages"].as_array().unwrap().len(), 1);
    let own_history = spammer
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(
        own_history["messages"].as_array().unwrap().len(),
        3,
        "the author's history has all three"
    );
}

#[tokio::test]
async fn a_held_message_reaches_the_room_only_after_a_moderator_approves_it() {
    let stack = Stack::start().await;
    let mut author = stack.connect("acme", "eager", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut moderator = stack.connect("acme", "mod", "moderator").await;
    for c in [&mut author, &mut bob, &mut moderator] {
        c.join("r").await;
    }
    let held = author
        .request(
            send("r", "BUY NOW BUY NOW BUY NOW BUY NOW BUY NOW", "h1"),
            "ack",
        )
        .await;
    assert_eq!(held["status"], "held", "{held}");
    let id = held["messageId"].clone();
    let moderate = |op: &str| json!({"action": "moderate", "room": "r", "op": op, "messageId": id});

    let refused = bob.request(moderate("approve"), "moderated").await;
    assert_eq!(refused["code"], "forbidden", "members cannot moderate");
    let history = bob
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(history["messages"], json!([]), "nobody else sees it yet");

    let done = moderator.request(moderate("approve"), "moderated").await;
    assert_eq!(done["type"], "moderated", "{done}");
    let delivered = bob.next_of("message").await;
    assert_eq!(delivered["id"], id);
    assert!(delivered.get("pending").is_none());
    let again = moderator.request(moderate("approve"), "moderated").await;
    assert_eq!(again["code"], "conflict", "a decision is taken once");

    let second = author
        .request(
            send("r", "WIN WIN WIN WIN WIN WIN WIN WIN WIN WIN", "h2"),
            "ack",
        )
        .await;
    assert_eq!(second["status"], "held", "{second}");
    moderator
        .request(json!({"action": "moderate", "room": "r", "op": "reject", "messageId": second["messageId"]}), "moderated")
        .await;
    let removed = author.next_of("message_removed").await;
    assert_eq!(removed["messageId"], second["messageId"]);
    let own = author
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(
        own["messages"].as_array().unwrap().len(),
        1,
        "the rejected message is gone for its author too"
    );
}

/// Reads `bob`'s frames for up to `within`: each message he got, with whether it
/// came in a `batch`, and how many frames carried them.
async fn messages_until(
    bob: &mut sideline_tests::Client,
    want: usize,
    got: &mut Vec<(u64, String, bool)>,
    frames: &mut usize,
) {
    while got.len() < want {
        let frame = bob.next().await;
        match frame["type"].as_str() {
            Some("message") => {
                *frames += 1;
                got.push((
                    frame["seq"].as_u64().expect("seq"),
                    frame["text"].as_str().expect("text").to_owned(),
                    false,
                ));
            }
            Some("batch") => {
                *frames += 1;
                assert_eq!(frame["room"], "hot");
                for inner in frame["frames"].as_array().expect("frames") {
                    if inner["type"] == "presence" {
                        // The room's presence rides a window when it changed.
                        continue;
                    }
                    assert_eq!(inner["type"], "message", "{inner}");
                    got.push((
                        inner["seq"].as_u64().expect("seq"),
                        inner["text"].as_str().expect("text").to_owned(),
                        true,
                    ));
                }
            }
            _ => {}
        }
    }
}

/// devstack batching above 10 posts a second, with no rate limit in the way.
async fn hot_stack() -> Stack {
    Stack::start_with(|c| {
        c.limits.batch_above = 10;
        c.limits.rate_limit_messages = 1_000;
    })
    .await
}

#[tokio::test]
async fn a_hot_room_switches_to_batch_frames_and_back() {
    // Three members; batched above 10 posts a second (3 members at 3.3 a
    // second), back under 5.
    let stack = hot_stack().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut cy = stack.connect("acme", "cy", "member").await;
    for client in [&mut ada, &mut bob, &mut cy] {
        client.join("hot").await;
    }
    let mut got = Vec::new();
    let mut frames = 0;
    // Ten a second for three seconds: 30 posts a second needed.
    let mut sent = Vec::new();
    for n in 0..30 {
        let text = format!("fast {n}");
        let ack = ada
            .request(send("hot", &text, &format!("f{n}")), "ack")
            .await;
        assert_eq!(ack["status"], "delivered", "{ack}");
        sent.push(text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    messages_until(&mut bob, sent.len(), &mut got, &mut frames).await;
    let hot_frames = frames;
    let batched = got.iter().filter(|(_, _, in_batch)| *in_batch).count();
    assert!(batched >= 15, "only {batched} of 30 came batched");
    assert!(
        hot_frames < 20,
        "{hot_frames} frames carried 30 messages: not coalesced"
    );
    // Then one every 1.5 s: 2 posts a second, under half the threshold.
    for n in 0..4 {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let text = format!("slow {n}");
        ada.request(send("hot", &text, &format!("s{n}")), "ack")
            .await;
        sent.push(text);
    }
    messages_until(&mut bob, sent.len(), &mut got, &mut frames).await;
    let last = got.last().expect("a message");
    assert!(
        !last.2,
        "the room cooled but its message still came batched"
    );
    // Every message once, in the order sent, numbered one after another.
    let texts: Vec<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(texts, sent.iter().map(String::as_str).collect::<Vec<_>>());
    let seqs: Vec<u64> = got.iter().map(|(s, _, _)| *s).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    eprintln!(
        "hot room: 30 messages in {hot_frames} frames ({batched} batched); then {} frames for 4",
        frames - hot_frames
    );
}

#[tokio::test]
async fn reactions_and_poll_tallies_in_a_hot_room_ride_its_batch_frames() {
    // Five members, then six; batched above 10 posts a second.
    let stack = hot_stack().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut cy = stack.connect("acme", "cy", "member").await;
    let mut dee = stack.connect("acme", "dee", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    for client in [&mut ada, &mut bob, &mut cy, &mut dee, &mut mo] {
        client.join("hot").await;
    }
    // A poll, opened while the room is quiet, reaches dee alone.
    let created = mo
        .request(
            json!({"action": "poll", "room": "hot", "op": "create",
                   "question": "Who scores next?", "options": ["Home", "Away"]}),
            "poll",
        )
        .await;
    let poll = created["poll"]["id"].clone();
    assert_eq!(dee.next_of("poll").await["poll"]["id"], poll);
    // Ten a second for two seconds: hot.
    let mut first = None;
    let mut eve = None;
    for n in 0..20 {
        if n == 15 {
            // Someone joins while it is hot.
            let mut joiner = stack.connect("acme", "eve", "member").await;
            joiner.join("hot").await;
            eve = Some(joiner);
        }
        let ack = ada
            .request(send("hot", &format!("fast {n}"), &format!("f{n}")), "ack")
            .await;
        first.get_or_insert(ack["messageId"].clone());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = first.expect("a message");
    let react = |on: bool| json!({"action": "react", "room": "hot", "messageId": first, "emoji": "🔥", "on": on});
    // Each reactor is answered at once, with the count as it stands.
    let by_bob = bob.request(react(true), "reaction").await;
    assert_eq!(by_bob["count"], 1, "{by_bob}");
    let by_cy = cy.request(react(true), "reaction").await;
    assert_eq!(by_cy["count"], 2, "{by_cy}");
    // And each voter, with the tally.
    let vote = |choice: u8| json!({"action": "poll", "room": "hot", "op": "vote", "pollId": poll, "choice": choice});
    let by_bob = bob.request(vote(0), "poll").await;
    assert_eq!(by_bob["poll"]["mine"], json!([0]), "{by_bob}");
    let by_cy = cy.request(vote(1), "poll").await;
    assert_eq!(by_cy["poll"]["counts"], json!([1, 1]), "{by_cy}");

    // Dee, who only watches, gets both reactions in a batch, after the
    // messages, with the count read when the window went out and each user as
    // the room shows them; and the tally in a batch, last.
    let mut batched = Vec::new();
    let mut tally = json!(null);
    let mut presence = Vec::new();
    let mut messages = 0;
    while batched.len() < 2 || tally["voters"] != 2 {
        let frame = dee.next().await;
        match frame["type"].as_str() {
            Some("batch") => {
                let mut seen = "message";
                for inner in frame["frames"].as_array().expect("frames") {
                    let kind = inner["type"].as_str().expect("type");
                    let order = |k: &str| {
                        ["message", "reaction", "poll", "presence"]
                            .iter()
                            .position(|o| *o == k)
                    };
                    assert!(order(kind) >= order(seen), "{kind} after {seen}: {frame}");
                    seen = kind;
                    match kind {
                        "message" => messages += 1,
                        "reaction" => batched.push(inner.clone()),
                        "poll" => tally = inner["poll"].clone(),
                        "presence" => presence.push(inner["count"].clone()),
                        _ => panic!("unexpected inner frame {inner}"),
                    }
                }
            }
            Some("message") => messages += 1,
            Some("reaction" | "poll") => panic!("a hot room's update came alone: {frame}"),
            _ => {}
        }
    }
    // The room's presence rode its windows when it changed: five, then six
    // once eve joined (only six if the room was found hot after that).
    assert!(eve.is_some());
    assert_eq!(presence.last(), Some(&json!(6)), "{presence:?}");
    assert!(presence.windows(2).all(|w| w[0] != w[1]), "{presence:?}");
    assert_eq!(tally["id"], poll);
    assert_eq!(tally["counts"], json!([1, 1]), "{tally}");
    assert!(tally.get("mine").is_none(), "{tally}");
    assert_eq!(messages, 20, "every message reached dee");
    let users: Vec<&str> = batched
        .iter()
        .map(|r| r["user"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(users, ["bob", "cy"]);
    for reaction in &batched {
        assert_eq!(reaction["messageId"], first);
        assert_eq!(reaction["emoji"], "🔥");
        assert_eq!(reaction["on"], true);
        // The count as read when its window went out: 2 once both are stored.
        assert!(
            reaction["count"] == 1 || reaction["count"] == 2,
            "{reaction}"
        );
        assert!(reaction.get("requestId").is_none(), "{reaction}");
    }
    assert_eq!(batched[1]["count"], 2, "{batched:?}");

    // A reaction taken back goes the immediate way, hot or not.
    let off = bob.request(react(false), "reaction").await;
    assert_eq!(off["count"], 1, "{off}");
    let alone = dee.next_of("reaction").await;
    assert_eq!(alone["on"], false, "{alone}");
    assert_eq!(alone["count"], 1, "{alone}");
    assert_eq!(alone["user"]["name"], "bob");
    // And, since the `on` it takes back was batched, in the stream's order in
    // a window too: a client that got the `on` late still ends with the `off`.
    let in_batch = loop {
        let frame = dee.next_of("batch").await;
        let off = frame["frames"]
            .as_array()
            .expect("frames")
            .iter()
            .find(|f| f["type"] == "reaction" && f["on"] == false)
            .cloned();
        if let Some(off) = off {
            break off;
        }
    };
    assert_eq!(in_batch["user"]["name"], "bob", "{in_batch}");
    assert_eq!(in_batch["count"], 1, "{in_batch}");
}
