//! Moderation end to end through an in-process devstack with real WebSocket clients:
//! moderators' tools, sanctions, slow mode, reports, escalation, the asynchronous
//! stage, shadow mode, and the decision record as events in `--events-out`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use devstack::SharedClock;
use sideline_domain::time::format_time;
use sideline_ports::ManualClock;

use serde_json::{json, Value};
use sideline_domain::ids::{TenantId, UserId};
use sideline_inline::policy::Policies;
use sideline_ports::PutEntry;
use sideline_tests::{
    assert_valid_event, fresh_table, handshake_status, send, token, Client, Stack,
};

fn uid(tenant: &str, sub: &str) -> String {
    UserId::derive(&TenantId::parse(tenant).expect("tenant"), sub).to_string()
}

fn moderate(room: &str, op: &str, extra: Value) -> Value {
    let mut frame = json!({"action": "moderate", "room": room, "op": op});
    if let (Some(frame), Some(extra)) = (frame.as_object_mut(), extra.as_object()) {
        frame.extend(extra.clone());
    }
    frame
}

/// Frames of `kind` that arrive within a short wait (none expected, usually).
async fn frames_within(client: &mut Client, kind: &str, wait: Duration) -> Vec<Value> {
    let patience = client.patience;
    client.patience = wait;
    let mut seen = Vec::new();
    // `next` panics on a timeout; ask with a ping whose pong ends the wait.
    client
        .send(json!({"action": "ping", "requestId": "fence"}))
        .await;
    loop {
        let frame = client.next().await;
        if frame["type"] == "pong" && frame["requestId"] == "fence" {
            break;
        }
        if frame["type"] == kind {
            seen.push(frame);
        }
    }
    client.patience = patience;
    seen
}

#[tokio::test]
async fn a_muted_user_is_refused_with_the_time_left_until_unmuted() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut moderator = stack.connect("acme", "mo", "moderator").await;
    let mut admin = stack.connect("acme", "root", "admin").await;
    for c in [&mut ada, &mut moderator, &mut admin] {
        c.join("r").await;
    }
    let done = moderator
        .request(
            moderate(
                "r",
                "mute",
                json!({"userId": uid("acme", "ada"), "durationS": 600, "reason": "cool off"}),
            ),
            "moderated",
        )
        .await;
    assert_eq!(done["op"], "mute", "{done}");
    assert!(done["until"].is_string(), "{done}");
    let told = ada.next_of("sanctioned").await;
    assert_eq!(told["sanction"], "mute");
    assert_eq!(told["room"], "r");
    assert_eq!(told["reason"], "cool off");

    let refused = ada.request(send("r", "hello?", "m1"), "ack").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    let left = refused["retryAfterMs"].as_u64().expect("time left");
    assert!((590_000..=600_000).contains(&left), "{left}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("muted") && message.contains("10 min") && message.contains("cool off"),
        "{message}"
    );
    // Muted users may not react either; reading still works.
    let reacted = ada
        .request(json!({"action": "react", "room": "r", "messageId": "0190a000-0000-7000-8000-000000000000", "emoji": "👍", "on": true}), "reaction")
        .await;
    assert_eq!(reacted["code"], "forbidden");
    ada.request(json!({"action": "history", "room": "r"}), "history")
        .await;
    // Elsewhere (a room-scoped mute) the user may speak.
    ada.join("other").await;
    let elsewhere = ada.request(send("other", "hi there", "m2"), "ack").await;
    assert_eq!(elsewhere["status"], "delivered", "{elsewhere}");

    moderator
        .request(
            moderate("r", "unmute", json!({"userId": uid("acme", "ada")})),
            "moderated",
        )
        .await;
    let again = ada.request(send("r", "back again", "m3"), "ack").await;
    assert_eq!(again["status"], "delivered", "{again}");
    let twice = moderator
        .request(
            moderate("r", "unmute", json!({"userId": uid("acme", "ada")})),
            "moderated",
        )
        .await;
    assert_eq!(twice["code"], "not_found", "{twice}");
}

#[tokio::test]
async fn nobody_acts_on_their_own_rank_or_above() {
    let stack = Stack::start().await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    let mut max = stack.connect("acme", "max", "moderator").await;
    let mut root = stack.connect("acme", "root", "admin").await;
    for c in [&mut bob, &mut mo, &mut max, &mut root] {
        c.join("r").await;
    }
    let mute = |who: &str| moderate("r", "mute", json!({"userId": uid("acme", who)}));
    let by_member = bob.request(mute("mo"), "moderated").await;
    assert_eq!(by_member["code"], "forbidden");
    let on_admin = mo.request(mute("root"), "moderated").await;
    assert_eq!(on_admin["code"], "forbidden", "{on_admin}");
    assert!(on_admin["message"]
        .as_str()
        .unwrap_or_default()
        .contains("a moderator may not mute a admin"));
    let on_peer = mo.request(mute("max"), "moderated").await;
    assert_eq!(on_peer["code"], "forbidden", "moderators not on moderators");
    let on_self = root.request(mute("root"), "moderated").await;
    assert_eq!(on_self["code"], "bad_request");
    let on_stranger = mo.request(mute("ghost"), "moderated").await;
    assert_eq!(
        on_stranger["code"], "not_found",
        "rank unknown: {on_stranger}"
    );
    // An admin's sanction stands against a moderator's change.
    let by_admin = root
        .request(
            moderate(
                "r",
                "ban",
                json!({"userId": uid("acme", "bob"), "durationS": 3600}),
            ),
            "moderated",
        )
        .await;
    assert_eq!(by_admin["type"], "moderated", "{by_admin}");
    for op in ["unban", "ban"] {
        let overrule = mo
            .request(
                moderate(
                    "r",
                    op,
                    json!({"userId": uid("acme", "bob"), "durationS": 1}),
                ),
                "moderated",
            )
            .await;
        assert_eq!(overrule["code"], "forbidden", "{op}: {overrule}");
    }
    root.request(
        moderate("r", "unban", json!({"userId": uid("acme", "bob")})),
        "moderated",
    )
    .await;
    bob = stack.connect("acme", "bob", "member").await;
    bob.join("r").await;
    let admin_on_mod = root.request(mute("mo"), "moderated").await;
    assert_eq!(admin_on_mod["type"], "moderated", "{admin_on_mod}");
    // A sanction binds a moderator too.
    let muted_mod = mo.request(send("r", "but I moderate", "mo1"), "ack").await;
    assert_eq!(muted_mod["code"], "forbidden", "{muted_mod}");
    // An admin's message is beyond a moderator's delete.
    let ack = root.request(send("r", "house rules", "a1"), "ack").await;
    let delete = mo
        .request(
            moderate("r", "delete", json!({"messageId": ack["messageId"]})),
            "moderated",
        )
        .await;
    assert_eq!(delete["code"], "forbidden", "{delete}");
    // Bad operations are refused with the field named and change nothing.
    for (frame, needle) in [
        (moderate("r", "mute", json!({})), "needs `userId`"),
        (
            moderate(
                "r",
                "ban",
                json!({"userId": uid("acme", "bob"), "durationS": 0}),
            ),
            "durationS",
        ),
        (
            moderate(
                "r",
                "mute",
                json!({"userId": uid("acme", "bob"), "scope": "galaxy"}),
            ),
            "scope",
        ),
        (
            moderate("r", "slow_mode", json!({"seconds": 99999})),
            "seconds",
        ),
        (moderate("r", "obliterate", json!({})), "op must be one of"),
        (moderate("r", "mute", json!({"userId": "bob"})), "userId"),
    ] {
        let err = root.request(frame.clone(), "moderated").await;
        assert_eq!(err["code"], "bad_request", "{frame}: {err}");
        assert!(
            err["message"].as_str().unwrap_or_default().contains(needle),
            "{frame}: {err}"
        );
    }
    let still = bob.request(send("r", "still here", "b1"), "ack").await;
    assert_eq!(still["status"], "delivered");
}

#[tokio::test]
async fn a_banned_user_is_disconnected_and_cannot_rejoin_the_room() {
    let stack = Stack::start().await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    bob.join("r").await;
    mo.join("r").await;
    mo.request(
        moderate(
            "r",
            "ban",
            json!({"userId": uid("acme", "bob"), "durationS": 3600, "reason": "spam"}),
        ),
        "moderated",
    )
    .await;
    let told = bob.next_of("sanctioned").await;
    assert_eq!(told["sanction"], "ban");
    assert!(bob.closed().await.is_some(), "the socket is closed");

    let mut again = stack.connect("acme", "bob", "member").await;
    let refused = again
        .request(json!({"action": "join", "room": "r"}), "joined")
        .await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    assert!(refused["message"]
        .as_str()
        .unwrap_or_default()
        .contains("banned from this room"));
    assert!(refused["retryAfterMs"].as_u64().unwrap_or_default() > 3_590_000);
    again.join("elsewhere").await;

    // A tenant-wide ban (by a tenant moderator) refuses the handshake itself.
    mo.request(
        moderate(
            "r",
            "ban",
            json!({"userId": uid("acme", "bob"), "scope": "tenant"}),
        ),
        "moderated",
    )
    .await;
    assert!(again.closed().await.is_some());
    let url = stack.ws_url(&token("acme", "bob", "member"));
    assert_eq!(handshake_status(&url).await, 403);
    mo.request(
        moderate(
            "r",
            "unban",
            json!({"userId": uid("acme", "bob"), "scope": "tenant"}),
        ),
        "moderated",
    )
    .await;
    assert_eq!(handshake_status(&url).await, 101);
}

#[tokio::test]
async fn slow_mode_spaces_each_members_messages() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    for c in [&mut ada, &mut bob, &mut mo] {
        c.join("r").await;
    }
    let set = mo
        .request(moderate("r", "slow_mode", json!({"seconds": 30})), "room")
        .await;
    assert_eq!(set["slowModeS"], 30, "{set}");
    assert_eq!(ada.next_of("room").await["slowModeS"], 30);
    let first = ada.request(send("r", "first", "a1"), "ack").await;
    assert_eq!(first["status"], "delivered");
    let second = ada.request(send("r", "second", "a2"), "ack").await;
    assert_eq!(second["code"], "rate_limited", "{second}");
    let wait = second["retryAfterMs"].as_u64().expect("retry after");
    assert!((25_000..=30_000).contains(&wait), "{wait}");
    assert!(second["message"]
        .as_str()
        .unwrap_or_default()
        .contains("slow mode"));
    // Per member, and moderators are exempt.
    assert_eq!(
        bob.request(send("r", "mine", "b1"), "ack").await["status"],
        "delivered"
    );
    for i in 0..2 {
        let ack = mo
            .request(send("r", &format!("mod {i}"), &format!("m{i}")), "ack")
            .await;
        assert_eq!(ack["status"], "delivered");
    }
    let joined = bob.join("r").await;
    assert_eq!(joined["slowModeS"], 30, "joiners learn of it");
    mo.request(moderate("r", "slow_mode", json!({"seconds": 0})), "room")
        .await;
    let freed = ada.request(send("r", "free again", "a3"), "ack").await;
    assert_eq!(freed["status"], "delivered", "{freed}");
}

#[tokio::test]
async fn a_shadow_banned_user_sees_their_messages_and_nobody_else_does() {
    let stack = Stack::start().await;
    let mut troll = stack.connect("acme", "troll", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    for c in [&mut troll, &mut bob, &mut mo] {
        c.join("r").await;
    }
    mo.request(
        moderate("r", "shadow_ban", json!({"userId": uid("acme", "troll")})),
        "moderated",
    )
    .await;
    let ack = troll
        .request(send("r", "first!!! who else is here early?", "t1"), "ack")
        .await;
    assert_eq!(ack["status"], "delivered", "they are not told: {ack}");
    let own = troll.next_of("message").await;
    assert_eq!(own["id"], ack["messageId"]);
    let mine = troll
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(mine["messages"].as_array().map(Vec::len), Some(1));
    for other in [&mut bob, &mut mo] {
        let history = other
            .request(json!({"action": "history", "room": "r"}), "history")
            .await;
        assert_eq!(history["messages"], json!([]), "{history}");
    }
    assert!(
        frames_within(&mut bob, "message", Duration::from_millis(500))
            .await
            .is_empty()
    );
    // Their reactions land for them only.
    let bobs = bob.request(send("r", "nice one", "b1"), "ack").await;
    let reaction = troll
        .request(json!({"action": "react", "room": "r", "messageId": bobs["messageId"], "emoji": "🔥", "on": true}), "reaction")
        .await;
    assert_eq!(reaction["count"], 1, "{reaction}");
    assert!(
        frames_within(&mut bob, "reaction", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let seen = bob
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert!(seen["messages"][0].get("reactions").is_none(), "{seen}");
    assert!(
        frames_within(&mut troll, "sanctioned", Duration::from_millis(200))
            .await
            .is_empty(),
        "a shadow-ban is never announced"
    );
}

#[tokio::test]
async fn repeated_violations_mute_the_author_automatically() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    let abuse = "kill yourself you worthless piece of shit";
    // A retried send (same clientMsgId) is one violation, not two.
    for (cmid, duplicate) in [("v0", None), ("v0", Some(true)), ("v1", None)] {
        let ack = ada.request(send("r", abuse, cmid), "ack").await;
        assert_eq!(ack["status"], "blocked", "{ack}");
        assert_eq!(ack.get("duplicate").and_then(Value::as_bool), duplicate);
    }
    assert!(
        frames_within(&mut ada, "sanctioned", Duration::from_millis(300))
            .await
            .is_empty(),
        "two violations so far"
    );
    let third = ada.request(send("r", abuse, "v2"), "ack").await;
    assert_eq!(third["status"], "blocked", "{third}");
    let told = ada.next_of("sanctioned").await;
    assert_eq!(told["sanction"], "mute");
    assert!(told.get("room").is_none(), "tenant-wide: {told}");
    assert!(told["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("3 moderated messages"));
    let refused = ada.request(send("r", "sorry", "s1"), "ack").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    let left = refused["retryAfterMs"].as_u64().unwrap_or_default();
    assert!((890_000..=900_000).contains(&left), "{left}");
}

#[tokio::test]
async fn enough_reports_hide_a_message_until_a_moderator_decides() {
    let stack = Stack::start().await;
    let mut author = stack.connect("acme", "ada", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    let mut reporters = Vec::new();
    for name in ["bob", "cy", "dee", "eve"] {
        reporters.push(stack.connect("acme", name, "member").await);
    }
    author.join("r").await;
    mo.join("r").await;
    for r in reporters.iter_mut() {
        r.join("r").await;
    }
    let ack = author
        .request(send("r", "the referee is corrupt", "a1"), "ack")
        .await;
    let id = ack["messageId"].clone();
    let report =
        json!({"action": "report", "room": "r", "messageId": id, "reason": "false accusation"});
    let own = author.request(report.clone(), "reported").await;
    assert_eq!(own["code"], "bad_request", "not your own: {own}");
    let empty = reporters[0]
        .request(
            json!({"action": "report", "room": "r", "messageId": id, "reason": " "}),
            "reported",
        )
        .await;
    assert_eq!(empty["code"], "bad_request");
    let first = reporters[0].request(report.clone(), "reported").await;
    assert_eq!(first["type"], "reported");
    let repeat = reporters[0].request(report.clone(), "reported").await;
    assert_eq!(repeat["duplicate"], true, "{repeat}");
    reporters[1].request(report.clone(), "reported").await;
    // Two distinct reports: still visible, but queued.
    let queue = mo
        .request(moderate("r", "review_queue", json!({})), "review_queue")
        .await;
    assert_eq!(queue["items"][0]["messageId"], id, "{queue}");
    assert_eq!(queue["items"][0]["reports"], 2);
    reporters[2].request(report.clone(), "reported").await;
    let gone = mo.next_of("message_removed").await;
    assert_eq!(gone["messageId"], id);
    let history = reporters[0]
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(history["messages"], json!([]), "hidden from the room");
    let own_view = author
        .request(json!({"action": "history", "room": "r"}), "history")
        .await;
    assert_eq!(own_view["messages"][0]["pending"], true, "{own_view}");
    let queue = mo
        .request(
            moderate("r", "review_queue", json!({"priority": "high"})),
            "review_queue",
        )
        .await;
    let item = &queue["items"][0];
    assert_eq!(item["messageId"], id);
    assert_eq!(item["reports"], 3);
    assert_eq!(item["status"], "pending");
    assert!(item["dueAt"].is_string());
    mo.request(
        moderate("r", "approve", json!({"messageId": id})),
        "moderated",
    )
    .await;
    assert_eq!(reporters[1].next_of("message").await["id"], id);
    let done = mo
        .request(
            moderate("r", "review_queue", json!({"status": "approved"})),
            "review_queue",
        )
        .await;
    assert_eq!(done["items"][0]["status"], "approved", "{done}");
    let pending = mo
        .request(moderate("r", "review_queue", json!({})), "review_queue")
        .await;
    assert_eq!(pending["items"], json!([]));
    let members = reporters[0]
        .request(moderate("r", "review_queue", json!({})), "review_queue")
        .await;
    assert_eq!(members["code"], "forbidden");
    // The moderator's approval stands: a later report neither queues nor hides it.
    let late = reporters[3].request(report.clone(), "reported").await;
    assert_eq!(late["type"], "reported");
    assert!(
        frames_within(&mut mo, "message_removed", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let still = mo
        .request(moderate("r", "review_queue", json!({})), "review_queue")
        .await;
    assert_eq!(still["items"], json!([]));
}

#[tokio::test]
async fn the_review_queue_pages_and_filters_by_room() {
    let stack = Stack::start().await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    let mut writers = Vec::new();
    for i in 0..3 {
        writers.push(stack.connect("acme", &format!("w{i}"), "member").await);
    }
    for room in ["a", "b"] {
        mo.join(room).await;
        for w in writers.iter_mut() {
            w.join(room).await;
        }
    }
    // One held message per writer per room (each writer twice: below escalation).
    let mut held = Vec::new();
    for room in ["a", "b"] {
        for (i, w) in writers.iter_mut().enumerate() {
            let ack = w
                .request(
                    send(room, "shut up you stupid bitch", &format!("{room}{i}")),
                    "ack",
                )
                .await;
            assert_eq!(ack["status"], "held", "{ack}");
            held.push((room, ack["messageId"].clone()));
        }
    }
    let first = mo
        .request(
            moderate("a", "review_queue", json!({"limit": 2})),
            "review_queue",
        )
        .await;
    let ids: Vec<&Value> = first["items"]
        .as_array()
        .map(|items| items.iter().map(|i| &i["messageId"]).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![&held[0].1, &held[1].1], "{first}");
    assert_eq!(first["items"][0]["priority"], "high");
    let rest = mo
        .request(
            moderate(
                "a",
                "review_queue",
                json!({"limit": 2, "after": first["next"]}),
            ),
            "review_queue",
        )
        .await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["next"], Value::Null);
    let everywhere = mo
        .request(
            moderate("a", "review_queue", json!({"allRooms": true})),
            "review_queue",
        )
        .await;
    assert_eq!(everywhere["items"].as_array().map(Vec::len), Some(6));
    let bad = mo
        .request(
            moderate("a", "review_queue", json!({"status": "maybe"})),
            "review_queue",
        )
        .await;
    assert_eq!(bad["code"], "bad_request");
}

#[tokio::test]
async fn moderators_delete_any_members_message_for_everyone() {
    let stack = Stack::start().await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    for c in [&mut ada, &mut bob, &mut mo] {
        c.join("r").await;
    }
    let ack = ada
        .request(send("r", "spoiler: he dies", "a1"), "ack")
        .await;
    let done = mo
        .request(
            moderate(
                "r",
                "delete",
                json!({"messageId": ack["messageId"], "reason": "spoiler"}),
            ),
            "moderated",
        )
        .await;
    assert_eq!(done["op"], "delete", "{done}");
    for c in [&mut ada, &mut bob] {
        assert_eq!(
            c.next_of("message_removed").await["messageId"],
            ack["messageId"]
        );
        let history = c
            .request(json!({"action": "history", "room": "r"}), "history")
            .await;
        assert_eq!(history["messages"], json!([]));
    }
    let again = mo
        .request(
            moderate("r", "delete", json!({"messageId": ack["messageId"]})),
            "moderated",
        )
        .await;
    assert_eq!(again["code"], "conflict");
}

#[tokio::test]
async fn the_asynchronous_stage_removes_a_flood_across_rooms() {
    let stack = Stack::start().await;
    let mut spammer = stack.connect("acme", "sp", "member").await;
    let mut watcher = stack.connect("acme", "w", "member").await;
    for room in ["r1", "r2", "r3"] {
        spammer.join(room).await;
        watcher.join(room).await;
    }
    let mut acks = Vec::new();
    for (i, room) in ["r1", "r2", "r3"].iter().enumerate() {
        let ack = spammer
            .request(
                send(
                    room,
                    "come and join our supporters club meetup tonight",
                    &format!("f{i}"),
                ),
                "ack",
            )
            .await;
        assert_eq!(ack["status"], "delivered", "{ack}");
        acks.push(ack);
    }
    let removed = watcher.next_of("message_removed").await;
    assert_eq!(removed["room"], "r3");
    assert_eq!(removed["messageId"], acks[2]["messageId"]);
    let history = watcher
        .request(json!({"action": "history", "room": "r3"}), "history")
        .await;
    assert_eq!(history["messages"], json!([]));
}

#[tokio::test]
async fn a_rule_set_in_shadow_mode_records_without_acting() {
    let stack = Stack::start_with(|c| {
        c.moderation =
            // (The learned second opinion's abuse heads are shadowed with it.)
            Policies::from_json(r#"{"tenants": {"trial": {"shadowRuleSets": ["toxicity"]}}}"#)
                .expect("policy");
    })
    .await;
    let mut ada = stack.connect("trial", "ada", "member").await;
    ada.join("r").await;
    let ack = ada
        .request(send("r", "you are worthless", "t1"), "ack")
        .await;
    assert_eq!(ack["status"], "delivered", "not enforced in shadow: {ack}");
    // The enforced policy of another tenant holds it.
    let mut bob = stack.connect("acme", "bob", "member").await;
    bob.join("r").await;
    let held = bob
        .request(send("r", "you are worthless", "b1"), "ack")
        .await;
    assert_eq!(held["status"], "held");
    let events = wait_for(&stack, |types| {
        types.contains("community.moderation.message_held")
            && types
                .iter()
                .filter(|t| *t == "community.moderation.message_held")
                .count()
                >= 1
    })
    .await;
    let shadow: Vec<&Value> = events
        .iter()
        .filter(|(t, d)| {
            t == "community.moderation.message_held"
                && d["tenantId"] == "trial"
                && d["data"]["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("shadow mode (toxicity)"))
        })
        .map(|(_, d)| d)
        .collect();
    assert_eq!(shadow.len(), 1, "{events:?}");
    assert_eq!(shadow[0]["data"]["enforced"], false);
    assert!(shadow[0]["data"]["reason"]
        .as_str()
        .unwrap_or_default()
        .starts_with("shadow mode (toxicity)"));
}

/// The published events once the pipeline has drained, as (type, detail) pairs;
/// fails unless they satisfy `done`.
async fn wait_for(stack: &Stack, done: impl Fn(&BTreeSet<String>) -> bool) -> Vec<(String, Value)> {
    assert!(
        stack.devstack.drain(Duration::from_secs(10)).await,
        "the pipeline drains"
    );
    let events: Vec<(String, Value)> = stack
        .devstack
        .published()
        .into_iter()
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).unwrap_or_default();
            (e.detail_type, detail)
        })
        .collect();
    let types: BTreeSet<String> = events.iter().map(|(t, _)| t.clone()).collect();
    assert!(
        done(&types),
        "the expected events were published: {types:?}"
    );
    events
}

#[tokio::test]
async fn every_decision_is_an_event_in_events_out() {
    let out = std::env::temp_dir().join(format!("moderation-{}.jsonl", fresh_table()));
    let path = out.clone();
    let stack = Stack::start_with(move |c| c.events_out = Some(path)).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut cy = stack.connect("acme", "cy", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    let mut root = stack.connect("acme", "root", "admin").await;
    for c in [&mut ada, &mut bob, &mut cy, &mut mo, &mut root] {
        c.join("r").await;
    }
    // Inline: masked, blocked, held (then approved and rejected), shadowed.
    ada.request(send("r", "mail me at ada@example.com", "i1"), "ack")
        .await;
    ada.request(
        send("r", "kill yourself you worthless piece of shit", "i2"),
        "ack",
    )
    .await;
    let held = ada
        .request(send("r", "shut up you stupid bitch", "i3"), "ack")
        .await;
    mo.request(
        moderate("r", "approve", json!({"messageId": held["messageId"]})),
        "moderated",
    )
    .await;
    let held2 = bob
        .request(send("r", "you are worthless", "b1"), "ack")
        .await;
    mo.request(
        moderate("r", "reject", json!({"messageId": held2["messageId"]})),
        "moderated",
    )
    .await;
    cy.request(
        send(
            "r",
            "FREE BTC giveaway!!! dm me on telegram to claim your prize",
            "c1",
        ),
        "ack",
    )
    .await;
    // Reports hide a message; a moderator deletes another.
    let plain = cy
        .request(send("r", "the keeper is awful", "c2"), "ack")
        .await;
    for reporter in [&mut ada, &mut bob, &mut mo] {
        reporter
            .request(
                json!({"action": "report", "room": "r", "messageId": plain["messageId"], "reason": "rude"}),
                "reported",
            )
            .await;
    }
    let doomed = cy.request(send("r", "spoilers ahead", "c3"), "ack").await;
    mo.request(
        moderate("r", "delete", json!({"messageId": doomed["messageId"]})),
        "moderated",
    )
    .await;
    // Sanctions and room settings.
    let bob_id = uid("acme", "bob");
    mo.request(
        moderate("r", "mute", json!({"userId": bob_id, "durationS": 60})),
        "moderated",
    )
    .await;
    mo.request(
        moderate("r", "unmute", json!({"userId": bob_id})),
        "moderated",
    )
    .await;
    mo.request(
        moderate("r", "shadow_ban", json!({"userId": uid("acme", "cy")})),
        "moderated",
    )
    .await;
    mo.request(moderate("r", "slow_mode", json!({"seconds": 5})), "room")
        .await;
    mo.request(moderate("r", "mode", json!({"mode": "stage"})), "room")
        .await;
    mo.request(
        moderate("r", "ban", json!({"userId": bob_id, "reason": "enough"})),
        "moderated",
    )
    .await;

    let expected: BTreeSet<String> = [
        "message_masked",
        "message_blocked",
        "message_held",
        "message_approved",
        "message_rejected",
        "message_shadowed",
        "message_hidden",
        "message_flagged",
        "message_removed",
        "user_muted",
        "sanction_lifted",
        "user_shadow_banned",
        "room_slow_mode_set",
        "room_mode_set",
        "user_banned",
    ]
    .iter()
    .map(|k| format!("community.moderation.{k}"))
    .chain(["community.message.reported".to_owned()])
    .collect();
    wait_for(&stack, |types| expected.is_subset(types)).await;
    let lines = std::fs::read_to_string(&out).expect("events-out written");
    let mut found = BTreeSet::new();
    for line in lines.lines() {
        let entry: PutEntry = serde_json::from_str(line).expect("a JSON line per event");
        let kind = entry.detail_type;
        let detail: Value = serde_json::from_str(&entry.detail).expect("detail JSON");
        if kind.starts_with("community.moderation.") || kind == "community.message.reported" {
            assert_valid_event(&kind, &detail);
            found.insert(kind);
        }
    }
    assert!(
        expected.is_subset(&found),
        "missing from --events-out: {:?}",
        expected.difference(&found).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_file(&out);
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn moderator_tools_work_on_dynamodb_on_moto() {
    let endpoint = sideline_tests::moto_endpoint();
    let stack = Stack::start_on_dynamodb(&endpoint).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    let mut cy = stack.connect("acme", "cy", "member").await;
    let mut dee = stack.connect("acme", "dee", "member").await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    for c in [&mut ada, &mut bob, &mut cy, &mut dee, &mut mo] {
        c.join("r").await;
    }
    // Reports hide a message and queue it; a moderator approves it.
    let ack = ada
        .request(send("r", "that was offside surely", "a1"), "ack")
        .await;
    let report =
        json!({"action": "report", "room": "r", "messageId": ack["messageId"], "reason": "rude"});
    for c in [&mut bob, &mut cy, &mut dee] {
        assert_eq!(
            c.request(report.clone(), "reported").await["type"],
            "reported"
        );
    }
    assert_eq!(
        mo.next_of("message_removed").await["messageId"],
        ack["messageId"]
    );
    let queue = mo
        .request(moderate("r", "review_queue", json!({})), "review_queue")
        .await;
    assert_eq!(queue["items"][0]["reports"], 3, "{queue}");
    mo.request(
        moderate("r", "approve", json!({"messageId": ack["messageId"]})),
        "moderated",
    )
    .await;
    // Slow mode, then a mute with the time left, then a ban that closes the socket.
    mo.request(moderate("r", "slow_mode", json!({"seconds": 20})), "room")
        .await;
    assert_eq!(
        bob.request(send("r", "one", "b1"), "ack").await["status"],
        "delivered"
    );
    let slow = bob.request(send("r", "two", "b2"), "ack").await;
    assert_eq!(slow["code"], "rate_limited", "{slow}");
    mo.request(
        moderate(
            "r",
            "mute",
            json!({"userId": uid("acme", "cy"), "durationS": 120}),
        ),
        "moderated",
    )
    .await;
    let muted = cy.request(send("r", "hello", "c1"), "ack").await;
    assert_eq!(muted["code"], "forbidden", "{muted}");
    assert!(muted["retryAfterMs"].as_u64().unwrap_or_default() > 100_000);
    mo.request(
        moderate("r", "ban", json!({"userId": uid("acme", "dee")})),
        "moderated",
    )
    .await;
    assert!(dee.closed().await.is_some());
    let mut back = stack.connect("acme", "dee", "member").await;
    let refused = back
        .request(json!({"action": "join", "room": "r"}), "joined")
        .await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
}

/// devstack runs on the clock it is given: a timed mute ends when that clock
/// passes it (no waiting), and messages are stamped — and their ids made — at
/// that clock's time.
#[tokio::test]
async fn a_timed_mute_ends_when_devstacks_clock_passes_it() {
    const T0: i64 = 1_800_000_000_000;
    let clock = Arc::new(ManualClock::at(T0));
    let shared = SharedClock(clock.clone());
    let stack = Stack::start_with(move |c| c.clock = shared).await;
    let mut mo = stack.connect("acme", "mo", "moderator").await;
    mo.join("r").await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    ada.join("r").await;
    let muted = mo
        .request(
            moderate(
                "r",
                "mute",
                json!({"userId": uid("acme", "ada"), "durationS": 60}),
            ),
            "moderated",
        )
        .await;
    assert_eq!(muted["type"], "moderated", "{muted}");
    assert_eq!(muted["until"], format_time(T0 + 60_000));
    let refused = ada.request(send("r", "hello?", "a1"), "ack").await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    assert_eq!(refused["retryAfterMs"], 60_000);

    clock.advance_ms(60_001);
    let ack = ada.request(send("r", "hello again", "a2"), "ack").await;
    assert_eq!(ack["status"], "delivered", "{ack}");
    let message = ada.next_of("message").await;
    assert_eq!(message["createdAt"], format_time(T0 + 60_001));
    let id = message["id"].as_str().unwrap_or_default().replace('-', "");
    // A UUIDv7's first 48 bits are its milliseconds.
    assert_eq!(i64::from_str_radix(&id[..12], 16).ok(), Some(T0 + 60_001));
}
