//! Fan-out benchmark: one message to N connections in one room through devstack,
//! timed from the send until the last connection has it. Prints numbers; asserts
//! nothing about them. Run: `cargo bench -p sideline-tests --bench fanout`
//! (env `FANOUT_CONNECTIONS`, default 1000; `FANOUT_ROUNDS`, default 100).
//! Needs about 2.2 file descriptors per connection (`ulimit -n`).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use sideline_tests::bench::{client_config, env_usize, joined, ms, percentile};
use sideline_tests::{token, Stack};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

// The same allocator as the devstack binary, which this benchmark runs in-process.
#[global_allocator]
static ALLOCATOR: devstack::Allocator = devstack::Allocator {};

/// The round number of a benchmark message frame. A substring test, not a JSON
/// parse, keeps the clients' own cost low.
fn bench_round(text: &str) -> Option<usize> {
    let at = text.find("\"text\":\"bench-")?;
    let digits: String = text[at + 14..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[tokio::main]
async fn main() {
    let connections = env_usize("FANOUT_CONNECTIONS", 1000);
    let rounds = env_usize("FANOUT_ROUNDS", 100);
    let warmup = 5;
    let concurrency = env_usize(
        "FANOUT_CONCURRENCY",
        sideline_domain::config::Limits::default().fanout_concurrency,
    );
    let stack = Stack::start_with(|c| {
        c.limits.fanout_concurrency = concurrency;
        c.limits.rate_limit_messages = 1_000_000;
        c.limits.join_history = 0;
    })
    .await;

    // Receivers: each reports (round, arrival time) for every bench message.
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let setup = Instant::now();
    for i in 0..connections {
        let url = stack.ws_url(&token("bench", &format!("user{i}"), "member"));
        let mut ws = joined(&url, "bench:1").await;
        let seen = seen_tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = ws.next().await {
                if let Some(round) = frame.to_text().ok().and_then(bench_round) {
                    let _ = seen.send((round, Instant::now()));
                }
            }
        });
    }
    let setup_time = setup.elapsed();

    let sender_url = stack.ws_url(&token("bench", "sender", "speaker"));
    let (mut sender, _) =
        tokio_tungstenite::connect_async_with_config(sender_url, client_config(), false)
            .await
            .expect("connect sender");
    sender
        .send(Message::text(
            json!({"action": "join", "room": "bench:1"}).to_string(),
        ))
        .await
        .expect("join");
    // The sender gets its own message too, so it counts as a receiver.
    let expected = connections + 1;
    let sender_seen_tx = seen_tx.clone();
    let (mut sender_sink, mut sender_stream) = sender.split();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = sender_stream.next().await {
            if let Some(round) = frame.to_text().ok().and_then(bench_round) {
                let _ = sender_seen_tx.send((round, Instant::now()));
            }
        }
    });

    let mut last_delivery = Vec::with_capacity(rounds);
    let mut all_deliveries = Vec::with_capacity(rounds * expected);
    for round in 0..rounds + warmup {
        let frame = json!({"action": "send", "room": "bench:1", "text": format!("bench-{round}"), "clientMsgId": format!("b{round}")});
        let started = Instant::now();
        sender_sink
            .send(Message::text(frame.to_string()))
            .await
            .expect("send");
        let mut got = 0;
        let mut last = started;
        let mut this_round = Vec::with_capacity(expected);
        while got < expected {
            let (r, at) = tokio::time::timeout(Duration::from_secs(30), seen_rx.recv())
                .await
                .expect("deliveries keep coming")
                .expect("receivers alive");
            if r == round {
                got += 1;
                last = last.max(at);
                this_round.push(at - started);
            }
        }
        if round >= warmup {
            last_delivery.push(last - started);
            all_deliveries.extend(this_round);
        }
    }
    last_delivery.sort();
    all_deliveries.sort();
    println!("fan-out through devstack (in-memory store, real WebSocket clients, SDK @connections posts)");
    println!("  connections in room     {connections} (+ sender)");
    println!("  rounds                  {rounds} (after {warmup} warm-up)");
    println!("  fan-out concurrency     {concurrency}");
    println!(
        "  setup (connect + join)  {:.1} s",
        setup_time.as_secs_f64()
    );
    println!(
        "  time to LAST receiver   p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        ms(percentile(&last_delivery, 0.50)),
        ms(percentile(&last_delivery, 0.99)),
        ms(*last_delivery.last().expect("rounds"))
    );
    println!(
        "  per-receiver latency    p50 {:.1} ms   p99 {:.1} ms",
        ms(percentile(&all_deliveries, 0.50)),
        ms(percentile(&all_deliveries, 0.99))
    );
    println!(
        "  posts per second        {:.0}",
        (expected as f64) / percentile(&last_delivery, 0.50).as_secs_f64()
    );
}
