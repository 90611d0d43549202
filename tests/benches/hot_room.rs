//! Hot-room benchmark: one room of N members (default 1,000) and a sender, first
//! at one message a second for W seconds (default 5: under the threshold, so each
//! message is fanned out on its own, the reference), then at R messages a second
//! (default 100) for S seconds (default 10), through devstack with the coalesced
//! fan-out on at its default threshold. Every member checks it got every message
//! once, in order; the benchmark prints the posts (frames) per delivered message
//! and the delivery latency of each phase, and what batching adds to the
//! reference. Prints numbers; asserts nothing about them. Run: `cargo bench -p
//! sideline-tests --bench hot_room` (env `HOT_MEMBERS`, `HOT_RATE`,
//! `HOT_SECONDS`, `HOT_WARM_SECONDS`).
//! Needs about 2.2 file descriptors per member (`ulimit -n`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sideline_tests::bench::{client_config, env_usize, joined, ms, percentile, spell, unspell};
use sideline_tests::{token, Stack};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

// The same allocator as the devstack binary, which this benchmark runs in-process.
#[global_allocator]
static ALLOCATOR: devstack::Allocator = devstack::Allocator {};

/// The bench messages a frame carries: (index, seq), whether it was a `batch`.
fn messages_of(text: &str) -> (Vec<(usize, u64)>, bool) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return (Vec::new(), false);
    };
    let one = |m: &Value| -> Option<(usize, u64)> {
        let index = unspell(m["text"].as_str()?.strip_prefix("hot ")?)?;
        Some((index, m["seq"].as_u64()?))
    };
    match frame["type"].as_str() {
        Some("message") => (one(&frame).into_iter().collect(), false),
        Some("batch") => (
            frame["frames"]
                .as_array()
                .map(|frames| frames.iter().filter_map(one).collect())
                .unwrap_or_default(),
            true,
        ),
        _ => (Vec::new(), false),
    }
}

/// What one member saw.
#[derive(Default)]
struct Member {
    /// Frames that carried bench messages (each one post).
    frames: usize,
    /// Of them, frames of the fast phase.
    fast_frames: usize,
    batches: usize,
    /// Every bench message index received, in arrival order.
    got: Vec<usize>,
    /// Arrivals out of `seq` order.
    inversions: usize,
}

#[tokio::main]
async fn main() {
    let members = env_usize("HOT_MEMBERS", 1000);
    let rate = env_usize("HOT_RATE", 100);
    let seconds = env_usize("HOT_SECONDS", 10);
    let warm = env_usize("HOT_WARM_SECONDS", 5);
    let total = warm + rate * seconds;
    let stack = Stack::start_with(|c| {
        c.limits.rate_limit_messages = 1_000_000;
        c.limits.join_history = 0;
        c.limits.batch_above = sideline_app::coalesce::DEFAULT_BATCH_ABOVE;
    })
    .await;

    // Each member reports (index, arrival) for every bench message it gets.
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let seen_by: Vec<Arc<Mutex<Member>>> = (0..members).map(|_| Arc::default()).collect();
    let setup = Instant::now();
    for (i, member) in seen_by.iter().enumerate() {
        let url = stack.ws_url(&token("bench", &format!("fan{i}"), "member"));
        let mut ws = joined(&url, "hot:1").await;
        let seen = seen_tx.clone();
        let member = member.clone();
        tokio::spawn(async move {
            let mut last_seq = 0;
            while let Some(Ok(frame)) = ws.next().await {
                let Ok(text) = frame.to_text() else { continue };
                let (messages, batch) = messages_of(text);
                if messages.is_empty() {
                    continue;
                }
                let at = Instant::now();
                let mut m = member.lock().expect("lock");
                m.frames += 1;
                m.fast_frames += usize::from(messages.iter().any(|(i, _)| *i >= warm));
                m.batches += usize::from(batch);
                for (index, seq) in messages {
                    if seq < last_seq {
                        m.inversions += 1;
                    }
                    last_seq = last_seq.max(seq);
                    m.got.push(index);
                    let _ = seen.send((index, at));
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
            json!({"action": "join", "room": "hot:1"}).to_string(),
        ))
        .await
        .expect("join");
    let acked = Arc::new(AtomicUsize::new(0));
    let (mut sink, mut stream) = sender.split();
    let counter = acked.clone();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            if frame
                .to_text()
                .is_ok_and(|t| t.contains("\"type\":\"ack\""))
            {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    });

    // The sender keeps its pace whatever the acks do.
    let sent_at: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let started = Instant::now();
    let mut slow = tokio::time::interval(Duration::from_secs(1));
    let mut tick = tokio::time::interval(Duration::from_secs(1) / rate as u32);
    let mut latencies: HashMap<usize, Vec<Duration>> = HashMap::new();
    let mut arrivals = 0usize;
    for index in 0..total {
        if index < warm {
            slow.tick().await;
        } else {
            if index == warm {
                // The last slow message's second runs out first.
                slow.tick().await;
                tick.reset();
            }
            tick.tick().await;
        }
        sent_at.lock().expect("lock").push(Instant::now());
        let frame = json!({"action": "send", "room": "hot:1", "text": format!("hot {}", spell(index)), "clientMsgId": format!("h{index}")});
        sink.send(Message::text(frame.to_string()))
            .await
            .expect("send");
        while let Ok((i, at)) = seen_rx.try_recv() {
            let sent = sent_at.lock().expect("lock")[i];
            latencies.entry(i).or_default().push(at - sent);
            arrivals += 1;
        }
    }
    let sending = started.elapsed();
    // Then until everything arrived, or 10 s of silence.
    let expected = total * members;
    while arrivals < expected {
        match tokio::time::timeout(Duration::from_secs(10), seen_rx.recv()).await {
            Ok(Some((i, at))) => {
                let sent = sent_at.lock().expect("lock")[i];
                latencies.entry(i).or_default().push(at - sent);
                arrivals += 1;
            }
            _ => break,
        }
    }

    let mut complete = 0;
    let mut missing = 0;
    let mut duplicates = 0;
    let mut inversions = 0;
    let mut frames = 0;
    let mut fast_frames = 0;
    let mut batches = 0;
    for member in &seen_by {
        let m = member.lock().expect("lock");
        let mut got = m.got.clone();
        got.sort_unstable();
        let before = got.len();
        got.dedup();
        duplicates += before - got.len();
        missing += total - got.len();
        complete += usize::from(got.len() == total);
        inversions += m.inversions;
        frames += m.frames;
        fast_frames += m.fast_frames;
        batches += m.batches;
    }
    // The slow phase (each message on its own), the fast phase's first second
    // (before the room is found hot) and the rest of it (hot).
    let phase = |from: usize, to: usize| {
        let mut all: Vec<Duration> = (from..to.min(total))
            .flat_map(|i| latencies.get(&i).cloned().unwrap_or_default())
            .collect();
        all.sort();
        all
    };
    let reference = phase(0, warm);
    let warming = phase(warm, warm + rate);
    let hot = phase(warm + 2 * rate, total);
    println!("hot room through devstack (in-memory store, real WebSocket clients, SDK @connections posts)");
    println!(
        "  members                 {members} (+ sender), batched above {} posts/s",
        sideline_app::coalesce::DEFAULT_BATCH_ABOVE
    );
    println!(
        "  messages                {warm} at 1/s, then {} at {rate}/s (sent in {:.1} s), acked {}",
        total - warm,
        sending.as_secs_f64(),
        acked.load(Ordering::SeqCst)
    );
    println!(
        "  setup (connect + join)  {:.1} s",
        setup_time.as_secs_f64()
    );
    println!(
        "  every message to every member: {} ({complete} of {members} members complete, {missing} missing, {duplicates} twice, {inversions} out of order)",
        if missing == 0 && duplicates == 0 { "yes" } else { "NO" }
    );
    println!(
        "  frames (posts) received {frames}, of them batch {batches}: {:.3} posts per delivered message",
        frames as f64 / (total * members).max(1) as f64
    );
    println!(
        "  of them at {rate}/s                {fast_frames}: {:.3} posts per delivered message",
        fast_frames as f64 / ((total - warm) * members).max(1) as f64
    );
    println!(
        "  latency, 1/s (each on its own)            p50 {:.1} ms   p99 {:.1} ms",
        ms(percentile(&reference, 0.5)),
        ms(percentile(&reference, 0.99))
    );
    println!(
        "  latency, {rate}/s first second (not yet hot) p50 {:.1} ms   p99 {:.1} ms",
        ms(percentile(&warming, 0.5)),
        ms(percentile(&warming, 0.99))
    );
    println!(
        "  latency, {rate}/s from the third second (hot) p50 {:.1} ms   p99 {:.1} ms",
        ms(percentile(&hot, 0.5)),
        ms(percentile(&hot, 0.99))
    );
    println!(
        "  added by batching (hot - each on its own)  p50 {:+.1} ms   p99 {:+.1} ms",
        ms(percentile(&hot, 0.5)) - ms(percentile(&reference, 0.5)),
        ms(percentile(&hot, 0.99)) - ms(percentile(&reference, 0.99))
    );
}
