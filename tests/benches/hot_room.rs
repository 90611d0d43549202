//! Hot-room benchmark: one room of N members (default 1,000) and a sender, first
//! at one message a second for W seconds (default 5: under the threshold, so each
//! message is fanned out on its own, the reference), then at R messages a second
//! (default 100) for S seconds (default 10), through devstack with the coalesced
//! fan-out on at its default threshold. During the fast phase, 50 more members
//! react to the latest message, X reactions a second in all (default 50). Every
//! member checks it got every message once, in order, and counts the reactions
//! it was told of; the benchmark prints the posts (frames) per delivered message
//! and reaction and the delivery latency of each phase, and what batching adds
//! to the reference. Prints numbers; asserts nothing about them. Run: `cargo
//! bench -p sideline-tests --bench hot_room` (env `HOT_MEMBERS`, `HOT_RATE`,
//! `HOT_SECONDS`, `HOT_WARM_SECONDS`, `HOT_REACTIONS`).
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

/// What a frame carries: the bench messages (index, seq), the reactions turned
/// on, and whether it was a `batch`.
fn carried(text: &str) -> (Vec<(usize, u64)>, usize, bool) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return (Vec::new(), 0, false);
    };
    let one = |m: &Value| -> Option<(usize, u64)> {
        let index = unspell(m["text"].as_str()?.strip_prefix("hot ")?)?;
        Some((index, m["seq"].as_u64()?))
    };
    let reaction = |r: &Value| r["type"] == "reaction" && r["on"] == true;
    match frame["type"].as_str() {
        Some("message") => (one(&frame).into_iter().collect(), 0, false),
        Some("reaction") => (Vec::new(), usize::from(reaction(&frame)), false),
        Some("batch") => {
            let frames = frame["frames"].as_array().map_or(&[][..], Vec::as_slice);
            (
                frames.iter().filter_map(one).collect(),
                frames.iter().filter(|f| reaction(f)).count(),
                true,
            )
        }
        _ => (Vec::new(), 0, false),
    }
}

/// Reacting members: each reacts at most once a second, so never twice to one
/// message at 100 messages a second.
const REACTORS: usize = 50;

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
    /// Reactions turned on it was told of.
    reactions: usize,
    /// Of them, those that came alone (not in a `batch`).
    lone_reactions: usize,
}

#[tokio::main]
async fn main() {
    let members = env_usize("HOT_MEMBERS", 1000);
    let rate = env_usize("HOT_RATE", 100);
    let seconds = env_usize("HOT_SECONDS", 10);
    let warm = env_usize("HOT_WARM_SECONDS", 5);
    let reaction_rate = env_usize("HOT_REACTIONS", 50);
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
                let (messages, reactions, batch) = carried(text);
                if messages.is_empty() && reactions == 0 {
                    continue;
                }
                let at = Instant::now();
                let mut m = member.lock().expect("lock");
                m.frames += 1;
                // Reactions only come in the fast phase.
                m.fast_frames +=
                    usize::from(reactions > 0 || messages.iter().any(|(i, _)| *i >= warm));
                m.batches += usize::from(batch);
                m.reactions += reactions;
                if !batch {
                    m.lone_reactions += reactions;
                }
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
    let latest: Arc<Mutex<Option<String>>> = Arc::default();
    let (mut sink, mut stream) = sender.split();
    let counter = acked.clone();
    let newest = latest.clone();
    tokio::spawn(async move {
        while let Some(Ok(frame)) = stream.next().await {
            let Ok(text) = frame.to_text() else { continue };
            let Ok(frame) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if frame["type"] == "ack" {
                counter.fetch_add(1, Ordering::SeqCst);
                if let Some(id) = frame["messageId"].as_str() {
                    *newest.lock().expect("lock") = Some(id.to_owned());
                }
            }
        }
    });

    // The reacting members: each one's answers are counted, the rest read and
    // dropped.
    let reacted = Arc::new(AtomicUsize::new(0));
    let mut reactors = Vec::new();
    for r in 0..REACTORS {
        let url = stack.ws_url(&token("bench", &format!("react{r}"), "member"));
        let (sink, mut stream) = joined(&url, "hot:1").await.split();
        let answered = reacted.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if frame.to_text().is_ok_and(|t| {
                    t.contains("\"type\":\"reaction\"") && t.contains("\"requestId\"")
                }) {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        reactors.push(sink);
    }
    let reacting = reaction_rate > 0;
    let mut react_tick =
        tokio::time::interval(Duration::from_secs(1) / reaction_rate.max(1) as u32);
    let mut reactions_sent = 0usize;

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
                react_tick.reset();
            }
            // Reactions due before this message go first.
            loop {
                tokio::select! {
                    biased;
                    _ = tick.tick() => break,
                    _ = react_tick.tick(), if reacting => {
                        let target = latest.lock().expect("lock").clone();
                        if let Some(id) = target {
                            let frame = json!({"action": "react", "room": "hot:1", "messageId": id, "emoji": "🔥", "on": true, "requestId": format!("r{reactions_sent}")});
                            reactors[reactions_sent % REACTORS]
                                .send(Message::text(frame.to_string()))
                                .await
                                .expect("react");
                            reactions_sent += 1;
                        }
                    }
                }
            }
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
    // The last window's reactions may trail its messages.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut complete = 0;
    let mut missing = 0;
    let mut duplicates = 0;
    let mut inversions = 0;
    let mut frames = 0;
    let mut fast_frames = 0;
    let mut batches = 0;
    let mut reactions_seen = 0;
    let mut lone_reactions = 0;
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
        reactions_seen += m.reactions;
        lone_reactions += m.lone_reactions;
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
    let answered = reacted.load(Ordering::SeqCst);
    println!(
        "  reactions               {reactions_sent} sent at {reaction_rate}/s by {REACTORS} members while fast, {answered} answered; members told of {reactions_seen} of {} ({}), {lone_reactions} of them alone",
        answered * members,
        if reactions_seen == answered * members { "all" } else { "NOT all" }
    );
    println!(
        "  frames (posts) received {frames}, of them batch {batches}: {:.3} posts per delivered message or reaction",
        frames as f64 / (total * members + reactions_seen).max(1) as f64
    );
    println!(
        "  of them at {rate}/s                {fast_frames}: {:.3} posts per delivered message or reaction",
        fast_frames as f64 / ((total - warm) * members + reactions_seen).max(1) as f64
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
