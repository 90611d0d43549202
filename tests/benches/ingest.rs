//! Ingest benchmark: 10,000 stream records (new messages) through `ingest` to an
//! EventBridge bus on moto, in batches of 100 as the event source mapping delivers
//! them. Prints events per second and PutEvents calls per event, clean and with
//! every 50th entry sent (2 %) throttled. Needs `SIDELINE_MOTO_ENDPOINT` (the test command's moto,
//! or `moto_server -p 5000`). Run: `cargo bench -p sideline-tests --bench ingest`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sideline_app::publish::RetryPolicy;
use sideline_aws::sdk::local as local_sdk_config;
use sideline_aws::stream::{AttrValue, StreamChange, StreamEvent, StreamRecord};
use sideline_aws::EventBridgeSink;
use sideline_domain::ids::{TenantId, UserId};
use sideline_ports::{EventSink, PutEntry, SinkError};
use sideline_tests::put_except;

const RECORDS: usize = 10_000;
const BATCH: usize = 100;

struct Counting {
    inner: EventBridgeSink,
    calls: AtomicUsize,
    entries: AtomicUsize,
    /// Every n-th entry sent is throttled, retries included (0: none).
    fail_every: usize,
    seen: AtomicUsize,
}

impl EventSink for Counting {
    async fn put_events(&self, entries: &[PutEntry]) -> Result<Vec<Option<String>>, SinkError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.entries.fetch_add(entries.len(), Ordering::Relaxed);
        let refusals = entries
            .iter()
            .map(|_| {
                let n = self.seen.fetch_add(1, Ordering::Relaxed);
                (self.fail_every > 0 && n.is_multiple_of(self.fail_every))
                    .then(|| "ThrottlingException".to_owned())
            })
            .collect();
        put_except(&self.inner, entries, refusals).await
    }
}

fn s(v: impl Into<String>) -> AttrValue {
    AttrValue::S(v.into())
}

fn records() -> Vec<StreamRecord> {
    let tenant = TenantId::parse("bench").expect("tenant");
    (0..RECORDS)
        .map(|i| {
            let room = format!("match:{}", i % 50);
            let user = UserId::derive(&tenant, &format!("user{}", i % 500)).to_string();
            let id = format!("01a1fd1e-9833-7c11-9d4e-{i:012}");
            let pk = format!("T#bench#R#{room}");
            let sk = format!("MSG#{id}");
            let image: HashMap<String, AttrValue> = HashMap::from([
                ("PK".into(), s(&pk)),
                ("SK".into(), s(&sk)),
                ("kind".into(), s("message")),
                ("tenant".into(), s("bench")),
                ("room".into(), s(&room)),
                ("messageId".into(), s(&id)),
                ("authorId".into(), s(&user)),
                ("authorName".into(), s(format!("User {}", i % 500))),
                ("authorRole".into(), s("member")),
                (
                    "text".into(),
                    s(format!(
                        "message number {i}: what a match, what a goal from the left wing!"
                    )),
                ),
                (
                    "createdAt".into(),
                    AttrValue::N((1_800_000_000_000i64 + i as i64).to_string()),
                ),
                ("clientMsgId".into(), s(format!("c{i}"))),
                ("correlationId".into(), s(format!("req-{i}"))),
                ("reactions".into(), AttrValue::M(HashMap::new())),
            ]);
            StreamRecord {
                event_id: Some(format!("e{i}")),
                event_name: "INSERT".into(),
                dynamodb: StreamChange {
                    approximate_creation_date_time: Some(1_800_000_000.0),
                    keys: HashMap::from([("PK".into(), s(pk)), ("SK".into(), s(sk))]),
                    new_image: Some(image),
                    old_image: None,
                    sequence_number: format!("{i:021}"),
                },
                user_identity: None,
            }
        })
        .collect()
}

async fn run(endpoint: &str, label: &str, fail_every: usize) {
    let sdk = local_sdk_config(endpoint);
    let bus = format!("bench-{}-{}", label.replace(' ', "-"), std::process::id());
    aws_sdk_eventbridge::Client::new(&sdk)
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("bus on moto");
    let sink = Counting {
        inner: EventBridgeSink::from_sdk(&sdk),
        calls: AtomicUsize::new(0),
        entries: AtomicUsize::new(0),
        fail_every,
        seen: AtomicUsize::new(0),
    };
    let config = ingest::IngestConfig {
        source: "sideline".into(),
        bus,
        retry: RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(10),
        },
        host_secret: None,
    };
    let all = records();
    let started = Instant::now();
    let mut failed = 0;
    for chunk in all.chunks(BATCH) {
        let response = ingest::handle_stream(
            StreamEvent {
                records: chunk.to_vec(),
            },
            &sink,
            &config,
            &ingest::Unstamped,
        )
        .await;
        failed += response.batch_item_failures.len();
    }
    let elapsed = started.elapsed();
    let calls = sink.calls.load(Ordering::Relaxed);
    println!("ingest → EventBridge on moto, {label}");
    println!("  records              {RECORDS} in batches of {BATCH}");
    println!("  time                 {:.2} s", elapsed.as_secs_f64());
    println!(
        "  events per second    {:.0}",
        RECORDS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  PutEvents calls      {calls} ({:.3} per event)",
        calls as f64 / RECORDS as f64
    );
    println!(
        "  entries sent         {} (retries: {})",
        sink.entries.load(Ordering::Relaxed),
        sink.entries.load(Ordering::Relaxed) - RECORDS
    );
    println!("  records failed back  {failed}");
}

#[tokio::main]
async fn main() {
    let Ok(endpoint) = std::env::var("SIDELINE_MOTO_ENDPOINT") else {
        eprintln!("set SIDELINE_MOTO_ENDPOINT to a moto server (moto_server -p 5000)");
        std::process::exit(2);
    };
    run(&endpoint, "clean", 0).await;
    run(&endpoint, "every 50th entry sent throttled (2 %)", 50).await;
}
