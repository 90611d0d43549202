//! Helpers for Sideline's cross-crate tests: moto endpoints, a devstack per test,
//! real WebSocket clients and token minting.
//!
//! # Layout
//!
//! - [`moto_endpoint`]: where moto server listens, from `SIDELINE_MOTO_ENDPOINT`.
//! - [`Stack`]: an in-process devstack on a free loopback port, stopped on drop.
//! - [`ClockedStack`]: the same on a manual clock, with signed server API calls.
//! - [`Client`]: a WebSocket client that reads frames with a timeout.
//! - [`mapping`]: Lambda's stream event source mapping, to drive consumers through failures.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use sideline_token::{mint_hs256, Claims};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use devstack::{Devstack, DevstackConfig};

pub mod mapping;

/// The secret every test stack uses.
pub const SECRET: &str = "integration-test-secret-0123456789";

/// The moto server to test AWS adapters against, from `SIDELINE_MOTO_ENDPOINT`.
/// Tests that need it are `#[ignore]`d, so a plain `cargo test` lists them as
/// ignored (not passed); the test command starts moto and runs them with
/// `--include-ignored`, and a missing endpoint then fails them.
pub fn moto_endpoint() -> String {
    match std::env::var("SIDELINE_MOTO_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => endpoint,
        _ => panic!(
            "SIDELINE_MOTO_ENDPOINT is not set: run ./scripts/test.sh, which starts moto server, \
             or start `moto_server -p PORT` and set it to http://127.0.0.1:PORT"
        ),
    }
}

/// A table name no other test uses.
pub fn fresh_table() -> String {
    format!("sideline-test-{}", uuid_simple())
}

fn uuid_simple() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:x}{:x}{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Seconds since the epoch.
pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A token for `sub` in `tenant` with `role`, valid for an hour.
pub fn token(tenant: &str, sub: &str, role: &str) -> String {
    token_with(Claims {
        sub: sub.into(),
        tenant: tenant.into(),
        exp: now_s() + 3600,
        role: Some(role.into()),
        name: Some(sub.into()),
        ..Claims::default()
    })
}

pub fn token_with(claims: Claims) -> String {
    mint_hs256(SECRET.as_bytes(), &claims).expect("mint token")
}

/// A devstack for one test, with short limits where tests need them.
pub struct Stack {
    pub devstack: Devstack,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut DevstackConfig)) -> Self {
        let mut config = DevstackConfig::for_tests(SECRET);
        adjust(&mut config);
        let devstack = Devstack::start_in_memory(config)
            .await
            .expect("devstack starts");
        Self { devstack }
    }

    /// A devstack whose state lives in a fresh DynamoDB table at `endpoint`.
    pub async fn start_on_dynamodb(endpoint: &str) -> Self {
        let config = DevstackConfig::for_tests(SECRET);
        let devstack = Devstack::start_with_dynamodb(config, endpoint, &fresh_table())
            .await
            .expect("devstack starts on DynamoDB");
        Self { devstack }
    }

    pub fn ws_url(&self, token: &str) -> String {
        format!("ws://{}/?token={token}", self.devstack.addr())
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.devstack.addr())
    }

    pub async fn connect(&self, tenant: &str, sub: &str, role: &str) -> Client {
        Client::connect(&self.ws_url(&token(tenant, sub, role))).await
    }
}

/// A devstack on a manual clock the test moves, taking signed host events and
/// server API calls.
pub struct ClockedStack {
    pub stack: Stack,
    pub clock: std::sync::Arc<sideline_ports::ManualClock>,
}

impl ClockedStack {
    /// Starts at `at_ms`, with `adjust` applied last.
    pub async fn start_with(at_ms: i64, adjust: impl FnOnce(&mut DevstackConfig)) -> Self {
        let clock = std::sync::Arc::new(sideline_ports::ManualClock::at(at_ms));
        let shared = devstack::SharedClock(clock.clone());
        let stack = Stack::start_with(move |c| {
            c.clock = shared;
            c.host_events_secret = Some(SECRET.to_owned());
            adjust(c);
        })
        .await;
        Self { stack, clock }
    }

    /// Waits for the pipeline to settle (10 s at most).
    pub async fn drain(&self) {
        assert!(
            self.stack.devstack.drain(Duration::from_secs(10)).await,
            "the pipeline settles"
        );
    }

    /// A signed server API call at the clock's time.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        body: &str,
        extra: &[(&str, &str)],
    ) -> (u16, Value) {
        use sideline_ports::Clock as _;
        api_call(
            self.stack.devstack.addr(),
            SECRET,
            self.clock.now_ms() / 1000,
            method,
            path,
            body,
            extra,
        )
        .await
    }
}

/// A `send` frame.
pub fn send(room: &str, text: &str, client_msg_id: &str) -> serde_json::Value {
    serde_json::json!({"action": "send", "room": room, "text": text, "clientMsgId": client_msg_id})
}

/// The HTTP status of a WebSocket handshake (101 when it was accepted).
pub async fn handshake_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected handshake error {other}"),
    }
}

/// A real WebSocket client.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// How long to wait for an expected frame.
    pub patience: Duration,
}

impl Client {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket handshake");
        Self {
            ws,
            patience: Duration::from_secs(5),
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::text(text)).await.expect("send frame");
    }

    /// The next text frame, parsed.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(self.patience, self.ws.next())
                .await
                .expect("a frame arrives in time")
                .expect("socket still open")
                .expect("readable frame");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("JSON frame")
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next frame of type `kind`, skipping others (presence, typing, …).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Sends a frame and waits for its reply, matched by `requestId` (one is added
    /// if the frame has none). The reply must be of type `kind` or an `error`.
    pub async fn request(&mut self, mut frame: Value, kind: &str) -> Value {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        if frame.get("requestId").is_none() {
            frame["requestId"] =
                Value::String(format!("auto-{}", NEXT.fetch_add(1, Ordering::SeqCst)));
        }
        let id = frame["requestId"].clone();
        self.send(frame).await;
        loop {
            let reply = self.next().await;
            if reply.get("requestId") == Some(&id) {
                assert!(
                    reply["type"] == kind || reply["type"] == "error",
                    "expected {kind}: {reply}"
                );
                return reply;
            }
        }
    }

    /// Joins and returns the `joined` frame.
    pub async fn join(&mut self, room: &str) -> Value {
        let reply = self
            .request(
                serde_json::json!({"action": "join", "room": room}),
                "joined",
            )
            .await;
        assert_eq!(reply["type"], "joined", "{reply}");
        reply
    }

    /// The close frame (code, reason) or `None` if the socket ended without one.
    pub async fn closed(&mut self) -> Option<(u16, String)> {
        loop {
            match tokio::time::timeout(self.patience, self.ws.next())
                .await
                .expect("closes in time")
            {
                Some(Ok(Message::Close(frame))) => {
                    return frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        // Drain until the server's close arrives, so $disconnect has run.
        while let Ok(Some(Ok(_))) =
            tokio::time::timeout(Duration::from_secs(2), self.ws.next()).await
        {}
    }
}

/// The JSON Schema of an event type (`events/schemas/`); host product events
/// (`product.*`) share one.
pub fn schema_for(detail_type: &str) -> Value {
    let name = if detail_type.starts_with("product.") {
        "product.event"
    } else {
        detail_type
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events/schemas")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("schema is JSON")
}

/// Fails the test unless `detail` is valid against its type's schema.
pub fn assert_valid_event(detail_type: &str, detail: &Value) {
    let schema = schema_for(detail_type);
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(detail)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{detail_type} event is not valid against its schema: {errors:?}\n{detail}"
    );
}

/// A fresh bus on moto with one rule (`pattern`) whose target is a fresh SQS queue.
/// Returns the bus name, an SQS client and the queue URL.
pub async fn bus_with_rule(endpoint: &str, pattern: &str) -> (String, aws_sdk_sqs::Client, String) {
    use aws_sdk_eventbridge::types::Target;
    let sdk = sideline_aws::sdk::local(endpoint);
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let bus = fresh_table().replace("sideline-test", "bus");
    events
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("bus");
    let queue_url = sqs
        .create_queue()
        .queue_name(fresh_table())
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("url");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("queue attributes");
    let queue_arn = attrs
        .attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("arn")
        .clone();
    events
        .put_rule()
        .name("all-community")
        .event_bus_name(&bus)
        .event_pattern(pattern)
        .send()
        .await
        .expect("rule");
    events
        .put_targets()
        .rule("all-community")
        .event_bus_name(&bus)
        .targets(
            Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("targets");
    (bus, sqs, queue_url)
}

/// Receives `count` EventBridge events from the queue (or fails after a while).
pub async fn receive(sqs: &aws_sdk_sqs::Client, queue_url: &str, count: usize) -> Vec<Value> {
    let mut events = Vec::new();
    for _ in 0..50 {
        if events.len() >= count {
            break;
        }
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("receive");
        for m in out.messages() {
            events.push(serde_json::from_str(m.body().unwrap_or_default()).expect("event JSON"));
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
        if out.messages().is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    events
}

/// Whatever is still in the queue after a short wait (moto delivers rule targets
/// within the `PutEvents` call, so anything due is already there).
pub async fn receive_nothing(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Value> {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("receive");
    out.messages()
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap_or_default()).expect("event JSON"))
        .collect()
}

/// One HTTP/1.1 request to `addr`: the status and the body as JSON (`Null` if it
/// is not JSON).
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> (u16, Value) {
    let (status, body) = http_text(addr, method, path, headers, body).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// A GET of an `http://host:port/…` URL (a presigned link to moto): its status
/// and body.
pub async fn get_url(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr = tokio::net::lookup_host(host)
        .await
        .expect("resolve")
        .next()
        .expect("an address");
    http_text(addr, "GET", path, &[], "").await
}

/// One HTTP/1.1 request (the connection closed after it): the status and body.
pub async fn http_text(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").expect("http answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

/// A chunked body, joined.
fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// Calls devstack's server API as a host's backend does: signed (v2) with
/// `secret` at `now_s`. Each call signs at a second of its own (a later one each
/// time, within the allowed skew), since the same request signed in the same
/// second is a replay.
pub async fn api_call(
    addr: std::net::SocketAddr,
    secret: &str,
    now_s: i64,
    method: &str,
    path: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    use sideline_token::signing::{sign, Scheme};
    use std::sync::atomic::{AtomicI64, Ordering};
    static SECOND: AtomicI64 = AtomicI64::new(0);
    let at = now_s - 250 + SECOND.fetch_add(1, Ordering::SeqCst) % 500;
    let signature = sign(
        secret.as_bytes(),
        at,
        Scheme::V2 {
            method,
            path_and_query: path,
            body,
        },
    );
    let mut headers = vec![
        ("X-Sideline-Timestamp".to_owned(), at.to_string()),
        ("X-Sideline-Signature".to_owned(), signature),
    ];
    headers.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    http(addr, method, path, &headers, body).await
}

/// Writes items straight to the table (`BatchWriteItem`, 25 a call, unprocessed
/// ones again), as months of traffic would have left them: benchmarks' seeding.
pub async fn batch_put(store: &sideline_aws::DynamoStore, items: Vec<sideline_aws::dynamo::Item>) {
    let requests: Vec<aws_sdk_dynamodb::types::WriteRequest> = items
        .into_iter()
        .map(|item| {
            aws_sdk_dynamodb::types::WriteRequest::builder()
                .put_request(
                    aws_sdk_dynamodb::types::PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .expect("put"),
                )
                .build()
        })
        .collect();
    for chunk in requests.chunks(25) {
        let mut left = chunk.to_vec();
        while !left.is_empty() {
            let out = store
                .client()
                .batch_write_item()
                .request_items(store.table(), left)
                .send()
                .await
                .expect("seed");
            left = out
                .unprocessed_items
                .and_then(|mut m| m.remove(store.table()))
                .unwrap_or_default();
        }
    }
}

/// A bus that turns some entries down, for tests: `refusals` holds, per entry, the
/// error code it fails with (`None`: it goes on to `bus`). Answers in the
/// entries' order, as `PutEvents` does.
pub async fn put_except<E: sideline_ports::EventSink>(
    bus: &E,
    entries: &[sideline_ports::PutEntry],
    refusals: Vec<Option<String>>,
) -> Result<Vec<Option<String>>, sideline_ports::SinkError> {
    let (forward, index): (Vec<_>, Vec<_>) = entries
        .iter()
        .zip(&refusals)
        .enumerate()
        .filter(|(_, (_, refusal))| refusal.is_none())
        .map(|(i, (entry, _))| (entry.clone(), i))
        .unzip();
    let mut results = refusals;
    if !forward.is_empty() {
        for (i, r) in index.into_iter().zip(bus.put_events(&forward).await?) {
            results[i] = r;
        }
    }
    Ok(results)
}

/// Helpers the benchmarks share.
pub mod bench {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
    use tokio_tungstenite::tungstenite::Message;

    /// A benchmark client's socket.
    pub type Socket = super::WebSocketStream<super::MaybeTlsStream<super::TcpStream>>;

    /// A benchmark client connected at `url` (token included) with
    /// [`client_config`], joined to `room`: its `joined` answer has been read.
    pub async fn joined(url: &str, room: &str) -> Socket {
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, client_config(), false)
            .await
            .expect("connect");
        ws.send(Message::text(
            serde_json::json!({"action": "join", "room": room}).to_string(),
        ))
        .await
        .expect("join");
        loop {
            let frame = ws.next().await.expect("open").expect("frame");
            if frame
                .to_text()
                .is_ok_and(|t| t.contains("\"type\":\"joined\""))
            {
                return ws;
            }
        }
    }

    /// A number from the environment, else `default`.
    pub fn env_usize(name: &str, default: usize) -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// tungstenite zero-fills its read buffer up to capacity on every read; with
    /// the default 128 KiB, a thousand benchmark clients would spend more time
    /// clearing memory than devstack spends delivering. Browsers have no such cost.
    pub fn client_config() -> Option<WebSocketConfig> {
        Some(WebSocketConfig::default().read_buffer_size(4096))
    }

    /// The `p` quantile of sorted durations (zero when there are none).
    pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index.min(sorted.len() - 1)]
    }

    pub fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    const DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];

    /// An index as spelled digits (`"two nine"`): bench texts the inline
    /// moderation stage leaves alone (a digit run can read as a phone number, and
    /// three moderated messages mute the sender).
    pub fn spell(index: usize) -> String {
        index
            .to_string()
            .bytes()
            .map(|b| DIGITS[usize::from(b - b'0')])
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The index a spelled text stands for.
    pub fn unspell(text: &str) -> Option<usize> {
        let mut n = 0usize;
        let mut any = false;
        for word in text.split(' ') {
            let digit = DIGITS.iter().position(|w| *w == word)?;
            n = n.checked_mul(10)?.checked_add(digit)?;
            any = true;
        }
        any.then_some(n)
    }
}
