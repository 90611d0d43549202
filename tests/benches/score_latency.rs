//! From a `send`'s ack to the new score being readable, through devstack: the
//! outbox, `ingest`, the bus's scoring rule and the `scoring` function, then the
//! `score` action over the same WebSocket, polled until the message's points show.
//! 40 users send 5 threads each (200 sends), one at a time. Prints p50, p99 and
//! the worst. Run: `cargo bench -p sideline-tests --bench score_latency`.

use std::time::{Duration, Instant};

use serde_json::json;
use sideline_tests::{send, Stack};

const USERS: usize = 40;
const PER_USER: usize = 5;

#[tokio::main]
async fn main() {
    let stack = Stack::start().await;
    let mut clients = Vec::new();
    for n in 0..USERS {
        let mut c = stack.connect("bench", &format!("user{n}"), "member").await;
        c.join("match:1").await;
        clients.push(c);
    }
    let mut waits: Vec<Duration> = Vec::new();
    let mut polls = 0usize;
    for round in 0..PER_USER {
        for (n, c) in clients.iter_mut().enumerate() {
            let before = c.request(json!({"action": "score"}), "score").await["score"]
                .as_f64()
                .unwrap_or(0.0);
            let ack = c
                .request(
                    send(
                        "match:1",
                        &format!("thread {round} from {n}"),
                        &format!("c{round}"),
                    ),
                    "ack",
                )
                .await;
            assert_eq!(ack["status"], "delivered", "{ack}");
            let acked = Instant::now();
            loop {
                polls += 1;
                let now = c.request(json!({"action": "score"}), "score").await["score"]
                    .as_f64()
                    .unwrap_or(0.0);
                if now >= before + 9.9 {
                    waits.push(acked.elapsed());
                    break;
                }
                assert!(acked.elapsed() < Duration::from_secs(10), "never scored");
            }
        }
    }
    waits.sort();
    let at = |q: f64| waits[((waits.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    println!(
        "{} sends: ack → score readable p50 {:.2} ms, p99 {:.2} ms, worst {:.2} ms ({:.1} score reads per send)",
        waits.len(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
        waits.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        polls as f64 / waits.len() as f64
    );
}
