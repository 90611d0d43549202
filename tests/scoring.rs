//! Engagement scoring end to end through devstack: users' actions over real
//! WebSockets, the stream, `ingest`, the bus's scoring rule and the `scoring`
//! function; scores read back over the WebSocket (`score`) and the server API,
//! against the closed form; duplicates; a tier crossed, its frame and event; a
//! privilege taking effect; settings changed without a restart.

use serde_json::{json, Value};
use sideline_domain::ids::{TenantId, UserId};
use sideline_domain::scoring::DAY_MS;
use sideline_inline::policy::Policies;
use sideline_ports::Clock;
use sideline_tests::{api_call, send, Client, ClockedStack};

const T0: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;
const LAMBDA: f64 = 0.05;

fn uid(sub: &str) -> String {
    UserId::derive(&TenantId::parse("acme").expect("tenant"), sub).to_string()
}

/// `w` points earned at `t`, as they stand at `now`.
fn decayed(w: f64, t: i64, now: i64) -> f64 {
    w * (-LAMBDA * (now - t) as f64 / DAY_MS as f64).exp()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

async fn sent(client: &mut Client, frame: Value) -> Value {
    let ack = client.request(frame, "ack").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack
}

fn react(message_id: &Value, on: bool) -> Value {
    json!({"action": "react", "room": "match:1", "messageId": message_id, "emoji": "🔥", "on": on})
}

/// The tests' devstack: on a manual clock at `T0`.
struct Run(ClockedStack);

impl std::ops::Deref for Run {
    type Target = ClockedStack;

    fn deref(&self) -> &ClockedStack {
        &self.0
    }
}

impl Run {
    /// Devstack on a manual clock at `T0`, taking signed host events and server
    /// API calls, with `adjust` applied last.
    async fn start_with(adjust: impl FnOnce(&mut devstack::DevstackConfig)) -> Self {
        Self(ClockedStack::start_with(T0, adjust).await)
    }

    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Writes the tenant's settings document over version `over`.
    async fn put_config(&self, doc: &str, over: u64) -> (u16, Value) {
        let over = over.to_string();
        self.api(
            "PUT",
            "/v1/tenants/acme/config",
            doc,
            &[("If-Match", &over)],
        )
        .await
    }

    /// The pseudonym events name a user by (the server API's score read says).
    async fn pseudonym(&self, sub: &str) -> String {
        let (status, body) = self
            .api(
                "GET",
                &format!("/v1/tenants/acme/users/{sub}/score"),
                "",
                &[],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["pseudonym"]
            .as_str()
            .expect("a user with events has a pseudonym")
            .to_owned()
    }

    /// A user's score through the server API, checked against what the same
    /// user reads over their WebSocket at the same instant.
    async fn score(&self, sub: &str, client: &mut Client) -> f64 {
        let (status, body) = self
            .api(
                "GET",
                &format!("/v1/tenants/acme/users/{sub}/score"),
                "",
                &[],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let frame = client.request(json!({"action": "score"}), "score").await;
        assert_eq!(frame["type"], "score", "{frame}");
        assert_eq!(frame["userId"], uid(sub));
        assert_eq!(
            frame["score"], body["score"],
            "the WebSocket and the API agree"
        );
        assert_eq!(frame["tier"], body["tier"]);
        body["score"].as_f64().expect("a number")
    }
}

#[tokio::test]
async fn scores_move_by_the_weights_and_tiers_unlock_privileges() {
    let run = Run::start_with(move |c| {
        // Links from anyone short of a 0.9 reputation are held, unless their tier
        // lets them post links without review.
        c.moderation =
            Policies::from_json(r#"{"default": {"linksMinReputation": 0.9}}"#).expect("policies");
    })
    .await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    let mut bob = run.stack.connect("acme", "bob", "member").await;
    let mut cat = run.stack.connect("acme", "cat", "member").await;
    for c in [&mut ada, &mut bob, &mut cat] {
        c.join("match:1").await;
    }

    // A link from someone with no tier is held.
    let held = sent(
        &mut cat,
        send("match:1", "odds at https://example.com/odds", "c0"),
    )
    .await;
    assert_eq!(held["status"], "held", "{held}");

    // t1: ada starts a thread (10); t2: bob replies (5, and 2 to ada);
    // t3: cat reacts (1, and 1 to ada); ada reacts to her own message (nothing);
    // cat reacts to bob's reply and takes it back an hour later (nothing).
    let t1 = T0;
    let thread = sent(&mut ada, send("match:1", "kick-off!", "a1")).await;
    let thread_id = thread["messageId"].clone();
    run.clock.set_ms(T0 + HOUR);
    let t2 = T0 + HOUR;
    let mut reply = send("match:1", "what a start", "b1");
    reply["replyTo"] = thread_id.clone();
    let reply_ack = sent(&mut bob, reply).await;
    let reply_id = reply_ack["messageId"].clone();
    run.clock.set_ms(T0 + 2 * HOUR);
    let t3 = T0 + 2 * HOUR;
    let r = cat.request(react(&thread_id, true), "reaction").await;
    assert_eq!(r["type"], "reaction", "{r}");
    ada.request(react(&thread_id, true), "reaction").await;
    cat.request(react(&reply_id, true), "reaction").await;
    run.drain().await;
    run.clock.set_ms(T0 + 3 * HOUR);
    cat.request(react(&reply_id, false), "reaction").await;
    run.drain().await;

    // Two days on, every score is the closed form.
    let now = T0 + 2 * DAY_MS;
    run.clock.set_ms(now);
    let expected_ada = decayed(10.0, t1, now) + decayed(2.0, t2, now) + decayed(1.0, t3, now);
    let expected_bob = decayed(5.0, t2, now);
    let expected_cat = decayed(1.0, t3, now);
    let ada_score = run.score("ada", &mut ada).await;
    let bob_score = run.score("bob", &mut bob).await;
    let cat_score = run.score("cat", &mut cat).await;
    assert!(
        close(ada_score, expected_ada),
        "ada {ada_score} vs {expected_ada}"
    );
    assert!(
        close(bob_score, expected_bob),
        "bob {bob_score} vs {expected_bob}"
    );
    assert!(
        close(cat_score, expected_cat),
        "cat {cat_score} vs {expected_cat}"
    );
    let (_, ada_body) = run
        .api("GET", "/v1/tenants/acme/users/ada/score", "", &[])
        .await;
    assert_eq!(ada_body["tier"], "none");
    assert!(close(
        ada_body["pointsToNext"].as_f64().expect("points"),
        150.0 - expected_ada
    ));
    let parts: f64 = ada_body["breakdown"]
        .as_object()
        .expect("breakdown")
        .values()
        .filter_map(Value::as_f64)
        .sum();
    assert!(close(parts, expected_ada), "{ada_body}");

    // Every scoring delivery again, newest first: nothing changes.
    let deliveries: Vec<_> = run
        .stack
        .devstack
        .deliveries()
        .into_iter()
        .filter(|d| d.rule == "ScoringRule")
        .collect();
    assert!(
        deliveries.len() >= 6,
        "{} scoring deliveries",
        deliveries.len()
    );
    for d in deliveries.iter().rev() {
        assert!(run.stack.devstack.redeliver(d));
    }
    run.drain().await;
    assert_eq!(run.score("ada", &mut ada).await, ada_score);
    assert_eq!(run.score("bob", &mut bob).await, bob_score);
    assert_eq!(run.score("cat", &mut cat).await, cat_score);

    // Boards: the tenant's and the room's, paged, with the caller's place.
    let board = bob
        .request(json!({"action": "leaderboard"}), "leaderboard")
        .await;
    assert_eq!(board["type"], "leaderboard", "{board}");
    let order: Vec<&str> = board["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["userId"].as_str())
        .collect();
    assert_eq!(order, [uid("ada"), uid("bob"), uid("cat")]);
    assert_eq!(board["entries"][0]["score"].as_f64(), Some(ada_score));
    assert_eq!(board["me"]["rank"], 2, "{board}");
    assert_eq!(board["me"]["score"].as_f64(), Some(bob_score));
    let (status, page) = run
        .api(
            "GET",
            "/v1/tenants/acme/leaderboard?room=match%3A1&limit=2&user=cat",
            "",
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["room"], "match:1");
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["me"]["rank"], 3);
    let next = page["next"].as_str().expect("a next page").to_owned();
    let (_, rest) = run
        .api(
            "GET",
            &format!("/v1/tenants/acme/leaderboard?room=match%3A1&limit=2&cursor={next}"),
            "",
            &[],
        )
        .await;
    assert_eq!(rest["entries"][0]["userId"], uid("cat"), "{rest}");
    assert_eq!(rest["entries"][0]["rank"], 3);
    assert!(rest.get("next").is_none(), "{rest}");
    for bad in [
        "limit=101",
        "limit=0",
        "cursor=garbage",
        "cursor=o99999",
        "room=%20",
    ] {
        let (status, body) = run
            .api(
                "GET",
                &format!("/v1/tenants/acme/leaderboard?{bad}"),
                "",
                &[],
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let refused = bob
        .request(
            json!({"action": "leaderboard", "limit": 500}),
            "leaderboard",
        )
        .await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    // This week's board: points earned this week, undecayed (13, 5, 1).
    let week = cat
        .request(
            json!({"action": "leaderboard", "window": "week"}),
            "leaderboard",
        )
        .await;
    assert_eq!(week["window"], "week", "{week}");
    let points: Vec<f64> = week["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["score"].as_f64())
        .collect();
    assert_eq!(points.len(), 3, "{week}");
    for (got, want) in points.iter().zip([13.0, 5.0, 1.0]) {
        assert!(close(*got, want), "{week}");
    }
    assert_eq!(week["me"]["rank"], 3);
    let (status, month) = run
        .api(
            "GET",
            "/v1/tenants/acme/leaderboard?window=month&user=bob",
            "",
            &[],
        )
        .await;
    assert_eq!(status, 200, "{month}");
    assert_eq!(month["me"]["rank"], 2, "{month}");
    let (status, _) = run
        .api(
            "GET",
            "/v1/tenants/acme/leaderboard?window=week&period=2020-W60",
            "",
            &[],
        )
        .await;
    assert_eq!(status, 400);
    let (_, old_week) = run
        .api(
            "GET",
            "/v1/tenants/acme/leaderboard?window=week&period=2020-W10",
            "",
            &[],
        )
        .await;
    assert_eq!(old_week["entries"], json!([]), "{old_week}");

    // A bad settings document stores nothing; a good one changes the weights for
    // the next event, with no restart.
    let (status, body) = run
        .put_config(r#"{"scoring": {"threadStart": -5}}"#, 0)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["path"], "scoring.threadStart");
    let (_, current) = run.api("GET", "/v1/tenants/acme/config", "", &[]).await;
    assert_eq!(current["version"], 0, "{current}");
    let (status, body) = run
        .put_config(r#"{"scoring": {"threadStart": 140}}"#, 0)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);

    // ada's next thread is worth 140: past 150, she is silver — told at once on
    // her socket, and as an event.
    let t4 = now + 60_000;
    run.clock.set_ms(t4);
    sent(&mut ada, send("match:1", "second half!", "a2")).await;
    let tier = ada.next_of("tier").await;
    assert_eq!(tier["tier"], "silver", "{tier}");
    assert_eq!(tier["previous"], "none");
    assert_eq!(tier["privileges"]["linksWithoutReview"], true);
    run.drain().await;
    let changed: Vec<Value> = run
        .stack
        .devstack
        .published()
        .iter()
        .filter(|e| e.detail_type == "community.user.tier_changed")
        .map(|e| serde_json::from_str(&e.detail).expect("detail"))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["data"]["userId"], run.pseudonym("ada").await);
    assert_eq!(changed[0]["data"]["to"], "silver");
    sideline_tests::assert_valid_event("community.user.tier_changed", &changed[0]);
    let expected_ada = decayed(10.0, t1, t4)
        + decayed(2.0, t2, t4)
        + decayed(1.0, t3, t4)
        + decayed(140.0, t4, t4);
    assert!(close(run.score("ada", &mut ada).await, expected_ada));

    // Her tier's privilege: a link is no longer held, and her messages show it.
    let link = sent(
        &mut ada,
        send("match:1", "highlights at https://example.com/hl", "a3"),
    )
    .await;
    assert_eq!(link["status"], "delivered", "{link}");
    let shown = bob.next_of("message").await;
    let shown = if shown["text"] == "second half!" {
        bob.next_of("message").await
    } else {
        shown
    };
    assert_eq!(shown["author"]["tier"], "silver", "{shown}");
    // A new tab of ada's joins as silver, and presence shows it.
    let mut tab = run.stack.connect("acme", "ada", "member").await;
    let joined = tab.join("match:1").await;
    assert_eq!(joined["tier"], "silver", "{joined}");
    let me = joined["presence"]["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["id"] == uid("ada") && u["tier"] == "silver");
    assert!(me.is_some(), "{joined}");
    // cat, with no tier, is still held.
    let held = sent(
        &mut cat,
        send("match:1", "more at https://example.com/more", "c1"),
    )
    .await;
    assert_eq!(held["status"], "held", "{held}");
}

#[tokio::test]
async fn the_server_api_refuses_what_it_should() {
    let run = Run::start().await;
    let (status, _) = run
        .api("GET", "/v1/tenants/acme/users/nobody/score", "", &[])
        .await;
    assert_eq!(status, 404);
    let (status, _) = run.api("GET", "/v1/tenants/acme/nothing", "", &[]).await;
    assert_eq!(status, 404);
    let (status, body) = run.put_config("{}", 7).await;
    assert_eq!(status, 409, "{body}");
    // Unsigned, and signed for another secret.
    let addr = run.stack.devstack.addr();
    let (status, _) = sideline_tests::http(addr, "GET", "/v1/tenants/acme/config", &[], "").await;
    assert_eq!(status, 401);
    let (status, _) = api_call(
        addr,
        "another-secret",
        run.clock.now_ms() / 1000,
        "GET",
        "/v1/tenants/acme/config",
        "",
        &[],
    )
    .await;
    assert_eq!(status, 401);
}

/// The settings document's moderation section is the tenant's policy from the
/// next message on; other tenants keep the deployment's.
#[tokio::test]
async fn a_moderation_policy_in_the_settings_document_applies_without_restart() {
    let run = Run::start().await;
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    ada.join("match:1").await;
    let mut zed = run.stack.connect("other", "zed", "member").await;
    zed.join("match:1").await;
    let before = sent(&mut ada, send("match:1", "no spoiler please", "a1")).await;
    assert_eq!(before["status"], "delivered", "{before}");
    let (status, body) = run
        .put_config(r#"{"moderation": {"blockedWords": ["spoiler"]}}"#, 0)
        .await;
    assert_eq!(status, 200, "{body}");
    let after = sent(&mut ada, send("match:1", "no spoiler please", "a2")).await;
    assert_eq!(after["status"], "blocked", "{after}");
    let elsewhere = sent(&mut zed, send("match:1", "no spoiler please", "z1")).await;
    assert_eq!(elsewhere["status"], "delivered", "{elsewhere}");
}

/// Scores rebuilt from `--events-out` with `scoring-rebuild`'s replay equal the
/// live ones.
#[tokio::test]
async fn a_rebuild_from_the_events_equals_the_live_scores() {
    let out = std::env::temp_dir().join(format!(
        "sideline-rebuild-{}-{}.jsonl",
        std::process::id(),
        T0
    ));
    let _ = std::fs::remove_file(&out);
    let path = out.clone();
    let run = Run::start_with(move |c| c.events_out = Some(path)).await;
    let mut users = Vec::new();
    for name in ["ada", "bob", "cat"] {
        let mut c = run.stack.connect("acme", name, "member").await;
        c.join("match:1").await;
        users.push(c);
    }
    let mut last: Option<Value> = None;
    for step in 0..12usize {
        run.clock.set_ms(T0 + step as i64 * 7 * HOUR);
        let who = step % 3;
        let mut frame = send("match:1", &format!("step {step}"), &format!("s{step}"));
        if let (Some(parent), true) = (&last, step % 2 == 1) {
            frame["replyTo"] = parent.clone();
        }
        let ack = sent(&mut users[who], frame).await;
        let id = ack["messageId"].clone();
        let other = (who + 1) % 3;
        users[other].request(react(&id, true), "reaction").await;
        if step % 4 == 0 {
            users[other].request(react(&id, false), "reaction").await;
        }
        last = Some(id);
        run.drain().await;
    }
    let now = T0 + 5 * DAY_MS;
    run.clock.set_ms(now);

    let mut replay = scoring::replay::Replay::new(Default::default());
    let text = std::fs::read_to_string(&out).expect("events-out");
    for line in text.lines() {
        let event = scoring::replay::event_of_line(line).expect("a line");
        replay.feed(&event).await.expect("fed");
    }
    let tenant = TenantId::parse("acme").expect("tenant");
    let ledger = replay.ledgers().get(&tenant).expect("acme rebuilt");
    for (name, client) in ["ada", "bob", "cat"].into_iter().zip(users.iter_mut()) {
        let live = run.score(name, client).await;
        // The replay knows users by the pseudonym their events carry.
        let user = scoring::replay::stand_in(&run.pseudonym(name).await).expect("pseudonym");
        let rebuilt = ledger.score(&user, now);
        assert!(live > 0.0, "{name} scored");
        assert!(
            (live - rebuilt).abs() <= 1e-12 * live.abs(),
            "{name}: live {live}, rebuilt {rebuilt}"
        );
    }
    let _ = std::fs::remove_file(&out);
}

/// An idle user's tier falls when decay takes the score below the floor, by the
/// scheduled pass, with nobody reading it.
#[tokio::test]
async fn the_demotion_pass_takes_down_tiers_decay_has_undone() {
    let run = Run::start_with(move |c| {
        c.demotion_pass_every = None;
    })
    .await;
    let (status, _) = run
        .put_config(r#"{"scoring": {"threadStart": 160}}"#, 0)
        .await;
    assert_eq!(status, 200);
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    ada.join("match:1").await;
    sent(&mut ada, send("match:1", "kick-off", "a1")).await;
    assert_eq!(ada.next_of("tier").await["tier"], "silver");
    run.drain().await;

    // Within the week after the promotion nothing falls, whatever the score.
    run.clock.set_ms(T0 + 6 * DAY_MS);
    let early = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(early.demoted, 0, "{early:?}");
    // 160·e^(−0.05·7) ≈ 112.7 < 135 and the week is over: the filed check is due.
    run.clock.set_ms(T0 + 7 * DAY_MS + 60_000);
    let report = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(report.demoted, 1, "{report:?}");
    let frame = ada.next_of("tier").await;
    assert_eq!(frame["tier"], "none", "{frame}");
    assert_eq!(frame["previous"], "silver");
    run.drain().await;
    let changes: Vec<Value> = run
        .stack
        .devstack
        .published()
        .iter()
        .filter(|e| e.detail_type == "community.user.tier_changed")
        .map(|e| serde_json::from_str(&e.detail).expect("detail"))
        .collect();
    let to: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["data"]["to"].as_str())
        .collect();
    assert_eq!(to, ["silver", "none"]);
    // Nothing left to check.
    let again = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(again.checked, 0, "{again:?}");
}

/// An experiment in the settings document: each arm earns and is held by its own
/// settings, the server API says which arm a user is in, and their events carry it.
#[tokio::test]
async fn an_experiment_scores_each_arm_by_its_settings_and_marks_its_events() {
    use sideline_domain::tenant::TenantConfig;

    let doc = r#"{"experiment": {"name": "thread_weight", "variants": [
        {"name": "control", "percent": 40},
        {"name": "double", "percent": 40, "scoring": {"threadStart": 20, "replyReceived": 4},
         "tiers": {"silver": 20}}]}}"#;
    let config = TenantConfig::parse(doc).expect("a good document");
    let tenant = TenantId::parse("acme").expect("tenant");
    // One user in each arm and one in none, found by the same hash the functions use.
    let arm_of = |sub: &str| {
        config
            .enrolment(&UserId::derive(&tenant, sub))
            .map(|(_, v)| v.name.clone())
    };
    let pick = |want: Option<&str>| {
        (0..1000)
            .map(|n| format!("fan-{n}"))
            .find(|sub| arm_of(sub).as_deref() == want)
            .expect("a user in that arm")
    };
    let (treated, control, outside) = (pick(Some("double")), pick(Some("control")), pick(None));

    let run = Run::start().await;
    let (status, body) = run.put_config(doc, 0).await;
    assert_eq!(status, 200, "{body}");

    let mut clients = Vec::new();
    for sub in [&treated, &control, &outside] {
        let mut c = run.stack.connect("acme", sub, "member").await;
        c.join("match:1").await;
        clients.push(c);
    }
    // Each starts a thread; the control user replies to the treated one's.
    let mut threads = Vec::new();
    for (i, c) in clients.iter_mut().enumerate() {
        let ack = sent(c, send("match:1", &format!("thread {i}"), &format!("t{i}"))).await;
        threads.push(ack["messageId"].clone());
    }
    let mut reply = send("match:1", "a reply", "r1");
    reply["replyTo"] = threads[0].clone();
    sent(&mut clients[1], reply).await;
    run.drain().await;

    let now = T0 + DAY_MS;
    run.clock.set_ms(now);
    let expected = [
        (&treated, decayed(20.0 + 4.0, T0, now), Some("double")),
        (&control, decayed(10.0 + 5.0, T0, now), Some("control")),
        (&outside, decayed(10.0, T0, now), None),
    ];
    for ((sub, want, arm), client) in expected.into_iter().zip(clients.iter_mut()) {
        let score = run.score(sub, client).await;
        assert!(close(score, want), "{sub}: {score} against {want}");
        let (_, body) = run
            .api(
                "GET",
                &format!("/v1/tenants/acme/users/{sub}/score"),
                "",
                &[],
            )
            .await;
        assert_eq!(body["variant"].as_str(), arm, "{body}");
        let experiment = arm.map(|_| "thread_weight");
        assert_eq!(body["experiment"].as_str(), experiment, "{body}");
    }
    // The treated user's arm has silver at 20: their 24 points hold it.
    let (_, body) = run
        .api(
            "GET",
            &format!("/v1/tenants/acme/users/{treated}/score"),
            "",
            &[],
        )
        .await;
    assert_eq!(body["tier"], "silver", "{body}");

    // Every message event names its author's arm, and only enrolled authors';
    // every event, stamped or not, is valid against its schema.
    let mut pseudonyms = Vec::new();
    for (sub, _, _) in &expected {
        pseudonyms.push(run.pseudonym(sub).await);
    }
    let mut seen = 0;
    for entry in run.stack.devstack.published() {
        let detail: Value = serde_json::from_str(&entry.detail).expect("detail");
        sideline_tests::assert_valid_event(&entry.detail_type, &detail);
        if entry.detail_type != "community.message.sent" {
            continue;
        }
        let author = detail["actor"]["canonicalId"].as_str().expect("actor");
        let (_, _, arm) = expected
            .iter()
            .zip(&pseudonyms)
            .find(|(_, named)| named.as_str() == author)
            .map(|(e, _)| e)
            .expect("one of the three");
        assert_eq!(detail["meta"]["variant"].as_str(), *arm, "{detail}");
        assert_eq!(
            detail["meta"]["experiment"].as_str(),
            arm.map(|_| "thread_weight"),
            "{detail}"
        );
        seen += 1;
    }
    assert_eq!(seen, 4);
}

/// Thresholds as percentiles of the tenant's active users: the scheduled pass cuts
/// them from the board and moves the tiers the cuts move, with frames and events;
/// they are cut again an hour later, not before.
#[tokio::test]
async fn percentile_thresholds_are_cut_from_the_active_users() {
    let run = Run::start_with(move |c| {
        c.demotion_pass_every = None;
    })
    .await;
    let (status, body) = run
        .put_config(
            r#"{"tiers": {"percentiles": {"silver": 50, "gold": 80, "platinum": 95}}}"#,
            0,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // 20 users (the fewest percentiles are used for): fan-i starts i + 1 threads,
    // so scores run 10, 20, …, 200 (a send every 3 s, under the rate limit).
    let mut clients = Vec::new();
    let mut sends = 0;
    for i in 0..20usize {
        let sub = format!("fan-{i}");
        let mut c = run.stack.connect("acme", &sub, "member").await;
        c.join("match:1").await;
        for k in 0..=i {
            run.clock.set_ms(T0 + sends * 3_000);
            sends += 1;
            sent(
                &mut c,
                send("match:1", &format!("{i}/{k}"), &format!("m{i}-{k}")),
            )
            .await;
        }
        clients.push(c);
    }
    run.drain().await;
    // Until the first cut, the document's points hold: 150 and up is silver (fan-14's
    // 150 had decayed a little by its last thread).
    let run = &run;
    let tier_of = |i: usize| {
        let path = format!("/v1/tenants/acme/users/fan-{i}/score");
        async move { run.api("GET", &path, "", &[]).await.1["tier"].clone() }
    };
    assert_eq!(tier_of(15).await, "silver");
    assert_eq!(tier_of(14).await, "none");

    run.clock.set_ms(T0 + HOUR);
    let cut = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!((cut.recut, cut.moved), (1, 0), "{cut:?}");
    // Cut, but not in force until every process has re-read its settings.
    assert_eq!(tier_of(19).await, "silver");
    run.clock.set_ms(T0 + HOUR + 2 * 60_000);
    let report = run.stack.devstack.demotion_pass().await.expect("pass");
    // Ranked from the top, 50 % falls on the 10th (fan-10, about 110 points), 80 %
    // on the 4th (fan-16), 95 % on the 1st (fan-19): fans 10–14 rise to silver,
    // 16–18 to gold, 19 to platinum; 15 stays silver.
    assert_eq!((report.recut, report.moved), (0, 9), "{report:?}");
    let want = |i: usize| match i {
        19 => "platinum",
        16..=18 => "gold",
        10..=15 => "silver",
        _ => "none",
    };
    for (i, client) in clients.iter_mut().enumerate() {
        assert_eq!(tier_of(i).await, want(i), "fan-{i}");
        if (10..=14).contains(&i) || i >= 16 {
            let frame = client.next_of("tier").await;
            assert_eq!(frame["tier"], want(i), "fan-{i}: {frame}");
        }
    }
    // Points to the next tier are against the cut: fan-10's score, as it was cut.
    let (_, body) = run
        .api("GET", "/v1/tenants/acme/users/fan-9/score", "", &[])
        .await;
    let to_silver = body["pointsToNext"].as_f64().expect("points to next");
    let fan9 = body["score"].as_f64().expect("score");
    let (_, body) = run
        .api("GET", "/v1/tenants/acme/users/fan-10/score", "", &[])
        .await;
    let cut = body["score"].as_f64().expect("score");
    assert!(
        (to_silver - (cut - fan9)).abs() < 1e-9 * cut,
        "against the cut: {to_silver} vs {cut} - {fan9}"
    );
    let (_, config) = run.api("GET", "/v1/tenants/acme/config", "", &[]).await;
    let shown = &config["thresholdsInForce"];
    assert!(
        (shown["silver"].as_f64().expect("silver") - cut).abs() < 1e-9 * cut,
        "{config}"
    );
    assert_eq!(shown["activeUsers"], 20, "{config}");
    run.drain().await;
    let changed = run
        .stack
        .devstack
        .published()
        .iter()
        .filter(|e| e.detail_type == "community.user.tier_changed")
        .count();
    // fan-15..19 reached silver on the way up; the cut moved nine.
    assert_eq!(changed, 5 + 9);

    // Not cut again within the hour; cut again after it, and again at once for
    // other percentiles.
    run.clock.set_ms(T0 + HOUR + 30 * 60_000);
    let soon = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(soon.recut, 0, "{soon:?}");
    run.clock.set_ms(T0 + 2 * HOUR + 1);
    let later = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(
        (later.recut, later.moved, later.failed),
        (1, 0, 0),
        "{later:?}"
    );
    run.clock.set_ms(T0 + 2 * HOUR + 3 * 60_000);
    let settled = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!((settled.recut, settled.moved), (0, 0), "{settled:?}");
    let (status, _) = run
        .put_config(
            r#"{"tiers": {"percentiles": {"silver": 50, "gold": 80, "platinum": 90}}}"#,
            1,
        )
        .await;
    assert_eq!(status, 200);
    let other = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!(other.recut, 1, "new percentiles are cut at once: {other:?}");

    // Back on points: everyone is judged once against them. Tiers are all within
    // the week after their promotion, so nothing falls yet, but each holder gets a
    // demotion check, and the pass takes them down once the week is over.
    let (status, _) = run.put_config("{}", 2).await;
    assert_eq!(status, 200);
    let back = run.stack.devstack.demotion_pass().await.expect("pass");
    assert_eq!((back.recut, back.moved, back.failed), (0, 0, 0), "{back:?}");
    run.clock.set_ms(T0 + 9 * DAY_MS);
    let week = run.stack.devstack.demotion_pass().await.expect("pass");
    // At 9 days every score is at most 200·e^(−0.45) ≈ 128: below silver's floor
    // of 135 — the ten tiers held (fans 10–19) all fall.
    assert_eq!(week.demoted, 10, "{week:?}");
}

/// Season boards follow the tenant's own seasons: nothing before the first, the
/// points of the season an event falls in, over the WebSocket and the API.
#[tokio::test]
async fn season_boards_follow_the_tenants_seasons() {
    use sideline_domain::time::format_time;

    let run = Run::start().await;
    let start = (T0.div_euclid(DAY_MS) + 1) * DAY_MS;
    let doc = json!({"seasons": [{"name": "cup-2027", "start": &format_time(start)[..10]}]});
    let (status, body) = run.put_config(&doc.to_string(), 0).await;
    assert_eq!(status, 200, "{body}");
    let mut ada = run.stack.connect("acme", "ada", "member").await;
    ada.join("match:1").await;
    sent(&mut ada, send("match:1", "before the cup", "a0")).await;
    run.drain().await;
    let early = ada
        .request(
            json!({"action": "leaderboard", "window": "season"}),
            "error",
        )
        .await;
    assert_eq!(early["code"], "not_found", "{early}");
    let (status, _) = run
        .api("GET", "/v1/tenants/acme/leaderboard?window=season", "", &[])
        .await;
    assert_eq!(status, 404);

    run.clock.set_ms(start + HOUR);
    sent(&mut ada, send("match:1", "cup day one", "a1")).await;
    sent(&mut ada, send("match:1", "cup day one again", "a2")).await;
    run.drain().await;
    let board = ada
        .request(
            json!({"action": "leaderboard", "window": "season"}),
            "leaderboard",
        )
        .await;
    assert_eq!(board["window"], "season", "{board}");
    assert_eq!(board["period"], "cup-2027", "{board}");
    let entries = board["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{board}");
    assert_eq!(entries[0]["score"], 20.0, "only the cup's points: {board}");
    let (status, api) = run
        .api(
            "GET",
            "/v1/tenants/acme/leaderboard?window=season&period=cup-2027",
            "",
            &[],
        )
        .await;
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["entries"], board["entries"]);
    // A tenant without seasons has calendar quarters.
    let mut zed = run.stack.connect("other", "zed", "member").await;
    zed.join("match:1").await;
    sent(&mut zed, send("match:1", "hello", "z1")).await;
    run.drain().await;
    let quarter = zed
        .request(
            json!({"action": "leaderboard", "window": "season"}),
            "leaderboard",
        )
        .await;
    let want = sideline_domain::scoring::Window::Season.period_of(start + HOUR);
    assert_eq!(quarter["period"], want.as_str(), "{quarter}");
    assert_eq!(quarter["entries"].as_array().map(Vec::len), Some(1));
}
