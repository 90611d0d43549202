//! Faults at the seams, with real clients: `@connections` answering 429 and 5xx to
//! the AWS SDK's management client (the adapter every function posts through).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sideline_app::fanout::post_all;
use sideline_aws::{sdk, ApiGatewayConnections, PostCounts, PostRetry};
use sideline_domain::ids::ConnectionId;
use sideline_ports::{Connections, PostError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the scripted `@connections` answers, per connection id, in order; once a
/// script runs out it answers 200.
type Scripts = Arc<Mutex<HashMap<String, VecDeque<u16>>>>;

/// An `@connections` endpoint on a free loopback port that answers each post by its
/// connection's script and counts the posts it saw.
struct ScriptedGateway {
    url: String,
    scripts: Scripts,
    seen: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedGateway {
    async fn start(scripts: &[(&str, &[u16])]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let scripts: Scripts = Arc::new(Mutex::new(
            scripts
                .iter()
                .map(|(id, statuses)| (id.to_string(), statuses.iter().copied().collect()))
                .collect(),
        ));
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let (s, n) = (scripts.clone(), seen.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, s.clone(), n.clone()));
            }
        });
        Self {
            url,
            scripts,
            seen,
            task,
        }
    }

    fn seen(&self, id: &str) -> usize {
        self.seen
            .lock()
            .expect("lock")
            .get(id)
            .copied()
            .unwrap_or(0)
    }

    fn unanswered(&self) -> usize {
        self.scripts
            .lock()
            .expect("lock")
            .values()
            .map(VecDeque::len)
            .sum()
    }
}

/// Serves one keep-alive connection: request line, headers, a body of
/// `content-length` bytes; each answered by the script of the path's last segment.
async fn serve(
    socket: tokio::net::TcpStream,
    scripts: Scripts,
    seen: Arc<Mutex<HashMap<String, usize>>>,
) {
    let mut socket = BufReader::new(socket);
    loop {
        let mut line = String::new();
        if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if socket.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if socket.read_exact(&mut body).await.is_err() {
            return;
        }
        // `/@connections/{id}`, the id percent-encoded (ours need none).
        let id = path.rsplit('/').next().unwrap_or_default().to_owned();
        *seen.lock().expect("lock").entry(id.clone()).or_default() += 1;
        let status = scripts
            .lock()
            .expect("lock")
            .get_mut(&id)
            .and_then(VecDeque::pop_front)
            .unwrap_or(200);
        let (reason, error_type) = match status {
            200 => ("OK", None),
            403 => ("Forbidden", Some("ForbiddenException")),
            410 => ("Gone", Some("GoneException")),
            429 => ("Too Many Requests", Some("LimitExceededException")),
            _ => (
                "Internal Server Error",
                Some("InternalServerErrorException"),
            ),
        };
        let body = match error_type {
            Some(_) => format!(r#"{{"message":"{reason}"}}"#),
            None => String::new(),
        };
        let mut answer = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        if let Some(error_type) = error_type {
            answer.push_str(&format!("x-amzn-errortype: {error_type}\r\n"));
        }
        answer.push_str("\r\n");
        answer.push_str(&body);
        if socket.get_mut().write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn client(gateway: &ScriptedGateway) -> ApiGatewayConnections {
    ApiGatewayConnections::for_endpoint(&sdk::local(&gateway.url), &gateway.url).with_retry(
        PostRetry {
            attempts: 4,
            initial_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(10),
        },
    )
}

fn id(raw: &str) -> ConnectionId {
    ConnectionId::parse(raw).expect("connection id")
}

#[tokio::test]
async fn throttled_and_failing_posts_are_retried_then_delivered() {
    let gateway = ScriptedGateway::start(&[
        ("throttled-twice", &[429, 429]),
        ("error-once", &[500]),
        ("unavailable-thrice", &[503, 502, 504]),
    ])
    .await;
    let connections = client(&gateway);
    for (conn, tries) in [
        ("throttled-twice", 3),
        ("error-once", 2),
        ("unavailable-thrice", 4),
        ("fine", 1),
    ] {
        let result = connections.post(&id(conn), br#"{"type":"pong"}"#).await;
        assert!(result.is_ok(), "{conn}: {result:?}");
        assert_eq!(gateway.seen(conn), tries, "{conn}: posts the gateway saw");
    }
    assert_eq!(gateway.unanswered(), 0);
    assert_eq!(
        connections.counts(),
        PostCounts {
            delivered: 4,
            retried: 6,
            ..PostCounts::default()
        }
    );
}

#[tokio::test]
async fn posts_refused_on_every_try_are_reported_and_counted() {
    let gateway = ScriptedGateway::start(&[
        ("always-throttled", &[429, 429, 429, 429]),
        ("always-failing", &[500, 500, 500, 500]),
        ("forbidden", &[403]),
        ("gone", &[410]),
    ])
    .await;
    let connections = client(&gateway);
    let post = |conn: &'static str| {
        let connections = connections.clone();
        async move { connections.post(&id(conn), br#"{"type":"pong"}"#).await }
    };
    assert!(matches!(
        post("always-throttled").await,
        Err(PostError::Throttled)
    ));
    assert!(matches!(
        post("always-failing").await,
        Err(PostError::Failed(_))
    ));
    // Neither a refusal of the caller's rights nor a closed socket is tried again.
    assert!(matches!(post("forbidden").await, Err(PostError::Failed(_))));
    assert!(matches!(post("gone").await, Err(PostError::Gone)));
    for (conn, tries) in [
        ("always-throttled", 4),
        ("always-failing", 4),
        ("forbidden", 1),
        ("gone", 1),
    ] {
        assert_eq!(gateway.seen(conn), tries, "{conn}");
    }
    assert_eq!(
        connections.counts(),
        PostCounts {
            delivered: 0,
            retried: 6,
            throttled: 1,
            failed: 2,
            gone: 1,
        }
    );
}

#[tokio::test]
async fn a_fan_out_reports_what_stayed_throttled() {
    let gateway = ScriptedGateway::start(&[
        ("m1", &[429]),
        ("m2", &[429, 429, 429, 429]),
        ("m3", &[410]),
    ])
    .await;
    let connections = client(&gateway);
    let members: Vec<ConnectionId> = ["m1", "m2", "m3", "m4"].into_iter().map(id).collect();
    let targets: Vec<&ConnectionId> = members.iter().collect();
    let report = post_all(
        &connections,
        &targets,
        br#"{"type":"pong"}"#,
        4,
        Duration::ZERO,
    )
    .await;
    assert_eq!(report.delivered, 2);
    assert_eq!(report.throttled, 1);
    assert_eq!(report.gone, vec![id("m3")]);
    assert_eq!(report.failed, 0);
}

/// Posts that always go through, under a budget that grants the scripted shares in
/// turn (then nothing), and that records when each share was asked for.
struct Budgeted {
    shares: Mutex<VecDeque<usize>>,
    asked_at: Mutex<Vec<tokio::time::Instant>>,
    posted: Mutex<Vec<ConnectionId>>,
}

impl Connections for Budgeted {
    async fn post(&self, id: &ConnectionId, _payload: &[u8]) -> Result<(), PostError> {
        self.posted.lock().expect("lock").push(id.clone());
        Ok(())
    }

    async fn disconnect(&self, _id: &ConnectionId) -> Result<(), PostError> {
        Ok(())
    }

    async fn reserve(&self, wanted: usize) -> sideline_ports::Grant {
        self.asked_at
            .lock()
            .expect("lock")
            .push(tokio::time::Instant::now());
        let share = self.shares.lock().expect("lock").pop_front().unwrap_or(0);
        sideline_ports::Grant {
            granted: share.min(wanted),
            next_in: Duration::from_millis(400),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_fan_out_waits_for_the_budget_then_leaves_the_rest_to_catch_up() {
    let members: Vec<ConnectionId> = (0..10).map(|i| id(&format!("m{i}"))).collect();
    let targets: Vec<&ConnectionId> = members.iter().collect();
    let connections = Budgeted {
        shares: Mutex::new(VecDeque::from([4, 3, 2, 5])),
        asked_at: Mutex::default(),
        posted: Mutex::default(),
    };
    let start = tokio::time::Instant::now();
    // Waits of 400 ms: two fit in a second, a third would not.
    let report = post_all(&connections, &targets, b"{}", 8, Duration::from_secs(1)).await;
    assert_eq!(report.delivered, 9);
    assert_eq!(report.deferred, 1);
    let posted = connections.posted.lock().expect("lock").clone();
    assert_eq!(posted, members[..9].to_vec(), "sent in order, each once");
    let asked: Vec<Duration> = connections
        .asked_at
        .lock()
        .expect("lock")
        .iter()
        .map(|at| *at - start)
        .collect();
    assert_eq!(
        asked,
        [0, 400, 800].map(Duration::from_millis).to_vec(),
        "each share asked for when the last one said the next would open"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fan_out_within_its_share_does_not_wait() {
    let members: Vec<ConnectionId> = (0..5).map(|i| id(&format!("m{i}"))).collect();
    let targets: Vec<&ConnectionId> = members.iter().collect();
    let connections = Budgeted {
        shares: Mutex::new(VecDeque::from([5])),
        asked_at: Mutex::default(),
        posted: Mutex::default(),
    };
    let report = post_all(&connections, &targets, b"{}", 8, Duration::from_secs(1)).await;
    assert_eq!((report.delivered, report.deferred), (5, 0));
    assert_eq!(connections.asked_at.lock().expect("lock").len(), 1);
}

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn instances_sharing_the_table_budget_never_grant_more_than_a_second_s_rate() {
    use sideline_aws::gateway::TableBudget;
    use sideline_aws::DynamoStore;
    use sideline_tests::{fresh_table, moto_endpoint};

    let sdk = sdk::local(&moto_endpoint());
    let store = DynamoStore::from_sdk(&sdk, fresh_table());
    store.ensure_table().await.expect("create table on moto");
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    // Three instances of a function, each doing fan-outs of 30 in the same second.
    let instances: Vec<TableBudget> = (0..3)
        .map(|_| TableBudget::new(client.clone(), store.table(), 200, 4))
        .collect();
    let second_ms = 1_800_000_000_000;
    // One take after another, the instances in turn: DynamoDB's ADD is atomic, but
    // moto's is not under concurrent first writes of an item (two answers of one
    // counter have been seen to agree), so concurrency here would test moto.
    let mut grants = Vec::new();
    for j in 0..10 {
        for (i, budget) in instances.iter().enumerate() {
            grants.push(budget.take_at(30, second_ms + (i * 10 + j) as i64).await);
        }
    }
    let total: usize = grants.iter().map(|g| g.granted).sum();
    // A take that falls short has found every shard spent: with 900 asked, the
    // second's budget is used exactly, however the shards were drawn.
    assert_eq!(total, 200, "granted of a budget of 200, 900 asked");
    // The next second starts afresh.
    let next = instances[0].take_at(30, second_ms + 1_000).await;
    assert_eq!(next.granted, 30);
}

/// A TCP proxy on a free loopback port in front of `upstream`, which the test can
/// cut: while cut, connections it holds are dropped and new ones are closed at
/// once, as a store that has gone away looks to its clients.
struct CuttableProxy {
    url: String,
    cut: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CuttableProxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (cut, watch) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if *watch.borrow() {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let mut watch = watch.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = watch.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Self { url, cut, task }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

/// How long DynamoDB is gone in the outage test.
const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs moto server at SIDELINE_MOTO_ENDPOINT; ./scripts/test.sh starts one"]
async fn dynamodb_gone_for_30_s_mid_conversation_loses_nothing_acknowledged() {
    use serde_json::{json, Value};
    use sideline_tests::{moto_endpoint, send, Stack};

    let moto = moto_endpoint();
    let upstream = moto
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let proxy = CuttableProxy::start(upstream).await;
    let stack = Stack::start_on_dynamodb(&proxy.url).await;
    let mut ada = stack.connect("acme", "ada", "member").await;
    let mut bob = stack.connect("acme", "bob", "member").await;
    // The SDK's own retries run before a store call fails.
    ada.patience = Duration::from_secs(20);
    bob.patience = Duration::from_secs(20);
    ada.join("final").await;
    bob.join("final").await;

    let mut acked: Vec<(String, String)> = Vec::new(); // (messageId, text)
    for i in 0..3 {
        let text = format!("early message {i}");
        let ack = ada
            .request(send("final", &text, &format!("b{i}")), "ack")
            .await;
        assert_eq!(ack["status"], "delivered", "{ack}");
        acked.push((ack["messageId"].as_str().expect("id").to_owned(), text));
    }

    // DynamoDB goes away: every send in the gap is answered with a retryable
    // error, and none is acknowledged.
    proxy.set_cut(true);
    let began = tokio::time::Instant::now();
    let mut refused = Vec::new();
    while began.elapsed() < OUTAGE {
        let n = refused.len();
        let reply = ada
            .request(
                send("final", &format!("gap message {n}"), &format!("d{n}")),
                "ack",
            )
            .await;
        assert_eq!(
            reply["type"], "error",
            "a send acknowledged with the store gone: {reply}"
        );
        assert_eq!(reply["code"], "internal", "{reply}");
        assert_eq!(reply["retryable"], true, "{reply}");
        assert_eq!(reply["clientMsgId"], format!("d{n}"));
        refused.push(n);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    assert!(
        refused.len() >= 3,
        "only {} sends tried in the gap",
        refused.len()
    );
    proxy.set_cut(false);

    // Back: the refused sends go again with their clientMsgIds (as the client
    // does), and the conversation goes on.
    let mut resend = Vec::new();
    for n in &refused {
        resend.push((format!("gap message {n}"), format!("d{n}")));
    }
    resend.push(("after".to_owned(), "a0".to_owned()));
    for (text, client_msg_id) in resend {
        // Honouring the rate limit as a client does: a burst of resends meets it.
        let ack = loop {
            let reply = ada
                .request(send("final", &text, &client_msg_id), "ack")
                .await;
            if reply["type"] == "ack" {
                break reply;
            }
            assert_eq!(reply["code"], "rate_limited", "{reply}");
            assert_eq!(reply["retryable"], true, "{reply}");
            let wait = reply["retryAfterMs"].as_u64().expect("retryAfterMs");
            tokio::time::sleep(Duration::from_millis(wait + 50)).await;
        };
        assert_eq!(ack["status"], "delivered", "{ack}");
        acked.push((ack["messageId"].as_str().expect("id").to_owned(), text));
    }

    // Bob, as a client does: a number skipped (a message whose delivery to him
    // was lost, say to the store going away in the middle of its fan-out) is
    // caught up with `history` after the last message he has.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut last_seq = 0;
    let mut caught_up = 0;
    let entry = |m: &Value| {
        (
            m["id"].as_str().expect("id").to_owned(),
            m["text"].as_str().expect("text").to_owned(),
        )
    };
    while seen.len() < acked.len() {
        let frame = bob.next_of("message").await;
        let seq = frame["seq"].as_u64().expect("public messages are numbered");
        if seq > last_seq + 1 {
            caught_up += 1;
            let page = match seen.last() {
                Some((after, _)) => bob
                    .request(
                        json!({"action": "history", "room": "final", "after": after, "limit": 100}),
                        "history",
                    )
                    .await["messages"]
                    .clone(),
                None => {
                    let mut newest_first = bob
                        .request(
                            json!({"action": "history", "room": "final", "limit": 100}),
                            "history",
                        )
                        .await["messages"]
                        .as_array()
                        .expect("messages")
                        .clone();
                    newest_first.reverse();
                    Value::Array(newest_first)
                }
            };
            for m in page.as_array().expect("messages") {
                if !seen.contains(&entry(m)) {
                    seen.push(entry(m));
                }
            }
        }
        if !seen.contains(&entry(&frame)) {
            seen.push(entry(&frame));
        }
        last_seq = last_seq.max(seq);
    }
    eprintln!("bob caught up {caught_up} time(s)");
    assert_eq!(seen, acked);
    // The room's history holds each once.
    let history = bob
        .request(
            json!({"action": "history", "room": "final", "limit": 100}),
            "history",
        )
        .await;
    let mut stored: Vec<(String, String)> = history["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m: &Value| {
            (
                m["id"].as_str().expect("id").to_owned(),
                m["text"].as_str().expect("text").to_owned(),
            )
        })
        .collect();
    stored.reverse(); // newest first
    assert_eq!(stored, acked);
    // And the stream, read again once DynamoDB was back, published each one's
    // event once.
    assert!(
        stack.devstack.drain(Duration::from_secs(30)).await,
        "the pipeline drains"
    );
    let mut sent: Vec<String> = stack
        .devstack
        .published()
        .iter()
        .filter(|e| e.detail_type == "community.message.sent")
        .map(|e| {
            let detail: Value = serde_json::from_str(&e.detail).expect("detail");
            detail["data"]["messageId"]
                .as_str()
                .expect("messageId")
                .to_owned()
        })
        .collect();
    sent.sort();
    let mut expected: Vec<String> = acked.iter().map(|(id, _)| id.clone()).collect();
    expected.sort();
    assert_eq!(sent, expected);
}
