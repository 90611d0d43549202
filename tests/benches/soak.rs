//! Load and soak: a devstack binary (its own process, so its memory is its own)
//! with quiet rooms and one hot room, real WebSocket clients, for a bounded time.
//! Every member records every message it gets; at the end the tool checks that
//! every acknowledged message reached every member of its room once and is in the
//! room's history, and prints delivery latency, posts per delivered message and
//! devstack's memory over time. Prints numbers; asserts nothing about them.
//!
//! ```sh
//! cargo build --profile bench -p devstack
//! SOAK_DEVSTACK_BIN=$CARGO_TARGET_DIR/release/devstack cargo bench -p sideline-tests --bench soak
//! ```
//!
//! Env: `SOAK_QUIET_ROOMS` (100), `SOAK_PER_ROOM` (100), `SOAK_QUIET_EVERY_MS`
//! (5,000: one message per quiet room every 5 s), `SOAK_HOT_MEMBERS` (1,000),
//! `SOAK_HOT_RATE` (100 a second), `SOAK_SECONDS` (300). Needs about 2.2 file
//! descriptors per connection (`ulimit -n`).

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sideline_tests::bench::{env_usize, joined, ms, percentile, spell, unspell, Socket};
use sideline_token::{mint_hs256, Claims};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "soak-secret-0123456789abcdef";

fn token(sub: &str, role: &str) -> String {
    let claims = Claims {
        sub: sub.into(),
        tenant: "soak".into(),
        exp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
            + 3 * 3600,
        role: Some(role.into()),
        ..Claims::default()
    };
    mint_hs256(SECRET.as_bytes(), &claims).expect("token")
}

/// A member's record of its room's messages: which indices it got (a bitset),
/// how many twice, the frames they came in.
#[derive(Default)]
struct Got {
    bits: Vec<u64>,
    twice: usize,
    frames: usize,
    /// Send-to-arrival of each message, for the members that keep them.
    latencies: Vec<Duration>,
}

impl Got {
    fn mark(&mut self, index: usize) {
        let (word, bit) = (index / 64, index % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if self.bits[word] & (1 << bit) != 0 {
            self.twice += 1;
        }
        self.bits[word] |= 1 << bit;
    }

    fn has(&self, index: usize) -> bool {
        self.bits
            .get(index / 64)
            .is_some_and(|w| w & (1 << (index % 64)) != 0)
    }
}

/// One room: its name, its members' records, when each message was sent, and
/// which were acknowledged.
struct Room {
    name: String,
    members: Vec<Arc<Mutex<Got>>>,
    sent_at: Arc<Mutex<Vec<Instant>>>,
    acked: Arc<Mutex<Vec<usize>>>,
}

/// The message indices a frame carries (`{room}: {spelled index}` texts), in
/// order, by a substring scan rather than a JSON parse (11,000 clients share the
/// machine with devstack); `true` when the frame is a `message` or a `batch`.
fn indices(text: &str, room: &str) -> (Vec<usize>, bool) {
    let counted =
        text.starts_with("{\"type\":\"message\"") || text.starts_with("{\"type\":\"batch\"");
    if !counted {
        return (Vec::new(), false);
    }
    let needle = format!("\"text\":\"{room}: ");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        if let Some(index) = unspell(&rest[..end]) {
            found.push(index);
        }
    }
    (found, true)
}

async fn connect(url: &str, sub: &str, role: &str, room: &str) -> Socket {
    joined(&format!("{url}/?token={}", token(sub, role)), room).await
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let Ok(bin) = std::env::var("SOAK_DEVSTACK_BIN") else {
        eprintln!(
            "set SOAK_DEVSTACK_BIN to a devstack binary (cargo build --profile bench -p devstack)"
        );
        return;
    };
    let quiet_rooms = env_usize("SOAK_QUIET_ROOMS", 100);
    let per_room = env_usize("SOAK_PER_ROOM", 100);
    let quiet_every = Duration::from_millis(env_usize("SOAK_QUIET_EVERY_MS", 5_000) as u64);
    let hot_members = env_usize("SOAK_HOT_MEMBERS", 1_000);
    let hot_rate = env_usize("SOAK_HOT_RATE", 100);
    let seconds = env_usize("SOAK_SECONDS", 300);

    let mut child = tokio::process::Command::new(&bin)
        .args(["--port", "0", "--jwt-secret", SECRET])
        .env("RUST_LOG", "warn")
        .env("SIDELINE_RATE_LIMIT_MESSAGES", "1000000")
        .env("SIDELINE_JOIN_HISTORY", "0")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("devstack starts");
    let pid = child.id().expect("pid");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("devstack prints its address");
        if let Some(at) = line.find("ws://") {
            let addr: String = line[at + 5..]
                .chars()
                .take_while(|c| *c != '/' && !c.is_whitespace())
                .collect();
            break format!("ws://{addr}");
        }
    };
    eprintln!("soak: devstack at {url} (pid {pid})");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let rss_start = rss_kb(pid);

    // Members: quiet rooms first, then the hot one. The first 50 hot members keep
    // every latency.
    let setup = Instant::now();
    let mut rooms: Vec<Room> = Vec::new();
    let specs: Vec<(String, usize)> = (0..quiet_rooms)
        .map(|r| (format!("quiet-{r}"), per_room))
        .chain(std::iter::once(("hot".to_owned(), hot_members)))
        .collect();
    for (name, count) in &specs {
        let sent_at: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let mut members = Vec::new();
        for m in 0..*count {
            let got: Arc<Mutex<Got>> = Arc::default();
            let mut ws = connect(&url, &format!("{name}-m{m}"), "member", name).await;
            let (record, room, sent) = (got.clone(), name.clone(), sent_at.clone());
            let keep_latency = name == "hot" && m < 50;
            tokio::spawn(async move {
                while let Some(Ok(frame)) = ws.next().await {
                    let Ok(text) = frame.to_text() else { continue };
                    let (found, counted) = indices(text, &room);
                    if !counted || found.is_empty() {
                        continue;
                    }
                    let now = Instant::now();
                    let mut g = record.lock().expect("lock");
                    g.frames += 1;
                    for index in found {
                        g.mark(index);
                        if keep_latency {
                            if let Some(at) = sent.lock().expect("lock").get(index) {
                                g.latencies.push(now - *at);
                            }
                        }
                    }
                }
            });
            members.push(got);
        }
        rooms.push(Room {
            name: name.clone(),
            members,
            sent_at,
            acked: Arc::default(),
        });
    }
    let connections = specs.iter().map(|(_, n)| n).sum::<usize>();
    println!(
        "soak: {connections} members in {} rooms (+ {} senders) connected and joined in {:.1} s; devstack RSS {} MB",
        rooms.len(),
        rooms.len(),
        setup.elapsed().as_secs_f64(),
        rss_kb(pid) / 1024
    );

    // Senders, one per room, each at its pace; acks counted by index.
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds as u64);
    let sent_total = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for room in &rooms {
        let ws = connect(
            &url,
            &format!("{}-sender", room.name),
            "speaker",
            &room.name,
        )
        .await;
        let (mut sink, mut stream) = ws.split();
        let acked = room.acked.clone();
        let name = room.name.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Ok(text) = frame.to_text() else { continue };
                if !text.contains("\"type\":\"ack\"") {
                    continue;
                }
                let Ok(ack) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                if ack["status"] == "delivered" {
                    if let Some(index) = ack["clientMsgId"]
                        .as_str()
                        .and_then(|c| c.strip_prefix(&format!("{name}:")))
                        .and_then(|n| n.parse().ok())
                    {
                        acked.lock().expect("lock").push(index);
                    }
                }
            }
        });
        let every = if room.name == "hot" {
            Duration::from_secs(1) / hot_rate as u32
        } else {
            quiet_every
        };
        let (name, sent_at, total) = (room.name.clone(), room.sent_at.clone(), sent_total.clone());
        // Quiet rooms start spread over their period.
        let offset = every.mul_f64(fastish(&name));
        senders.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut tick = tokio::time::interval(every);
            let mut index = 0;
            while Instant::now() < until {
                tick.tick().await;
                sent_at.lock().expect("lock").push(Instant::now());
                let frame = json!({"action": "send", "room": name, "text": format!("{name}: {}", spell(index)), "clientMsgId": format!("{name}:{index}")});
                if sink.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
                index += 1;
                total.fetch_add(1, Ordering::Relaxed);
            }
            sink
        }));
    }
    // Memory every 30 s while it runs.
    let mut memory = vec![(0u64, rss_kb(pid))];
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(30).min(until - Instant::now())).await;
        memory.push((started.elapsed().as_secs(), rss_kb(pid)));
    }
    let mut sinks = Vec::new();
    for sender in senders {
        if let Ok(sink) = sender.await {
            sinks.push(sink);
        }
    }
    // Let the last deliveries arrive.
    tokio::time::sleep(Duration::from_secs(5)).await;
    memory.push((started.elapsed().as_secs(), rss_kb(pid)));

    // Check: every acknowledged message reached every member once, and is in
    // the room's history.
    let mut report = Vec::new();
    let reader = connect(&url, "soak-reader", "member", "soak-reader").await;
    let (mut rsink, mut rstream) = reader.split();
    for room in &rooms {
        let acked = room.acked.lock().expect("lock").clone();
        let sent = room.sent_at.lock().expect("lock").len();
        let mut missing = 0;
        let mut twice = 0;
        let mut frames = 0;
        for member in &room.members {
            let g = member.lock().expect("lock");
            missing += acked.iter().filter(|i| !g.has(**i)).count();
            twice += g.twice;
            frames += g.frames;
        }
        // History, newest first, page by page back to the first message.
        rsink
            .send(Message::text(
                json!({"action": "join", "room": room.name, "requestId": "j"}).to_string(),
            ))
            .await
            .expect("join");
        next_reply(&mut rstream, "j").await;
        let mut stored = std::collections::HashSet::new();
        let mut before: Option<String> = None;
        loop {
            let mut page =
                json!({"action": "history", "room": room.name, "limit": 100, "requestId": "h"});
            if let Some(b) = &before {
                page["before"] = json!(b);
            }
            rsink
                .send(Message::text(page.to_string()))
                .await
                .expect("history");
            let answer = next_reply(&mut rstream, "h").await;
            for m in answer["messages"].as_array().into_iter().flatten() {
                if let Some(t) = m["text"].as_str() {
                    stored.insert(t.to_owned());
                }
            }
            match answer["next"].as_str() {
                Some(n) => before = Some(n.to_owned()),
                None => break,
            }
        }
        // A connection may be in at most 50 rooms: leave this one.
        rsink
            .send(Message::text(
                json!({"action": "leave", "room": room.name, "requestId": "l"}).to_string(),
            ))
            .await
            .expect("leave");
        next_reply(&mut rstream, "l").await;
        let not_stored = acked
            .iter()
            .filter(|i| !stored.contains(&format!("{}: {}", room.name, spell(**i))))
            .count();
        report.push((
            room.name.clone(),
            sent,
            acked.len(),
            room.members.len(),
            missing,
            twice,
            frames,
            not_stored,
        ));
    }
    drop(sinks);

    let (
        mut q_sent,
        mut q_acked,
        mut q_missing,
        mut q_twice,
        mut q_frames,
        mut q_unstored,
        mut q_deliveries,
    ) = (0, 0, 0, 0, 0, 0, 0);
    for (name, sent, acked, members, missing, twice, frames, unstored) in &report {
        if name == "hot" {
            println!(
                "hot room: {members} members, {sent} sent at {hot_rate}/s, {acked} acked; missing deliveries {missing}, twice {twice}, not in history {unstored}; {frames} frames: {:.3} posts per delivered message",
                *frames as f64 / (acked * members).max(1) as f64
            );
        } else {
            q_sent += sent;
            q_acked += acked;
            q_missing += missing;
            q_twice += twice;
            q_frames += frames;
            q_unstored += unstored;
            q_deliveries += acked * members;
        }
    }
    println!(
        "quiet rooms: {quiet_rooms} × {per_room} members, {q_sent} sent, {q_acked} acked; missing deliveries {q_missing}, twice {q_twice}, not in history {q_unstored}; {:.3} posts per delivered message",
        q_frames as f64 / q_deliveries.max(1) as f64
    );
    let mut latencies: Vec<Duration> = rooms
        .iter()
        .filter(|r| r.name == "hot")
        .flat_map(|r| r.members.iter().take(50))
        .flat_map(|m| m.lock().expect("lock").latencies.clone())
        .collect();
    latencies.sort();
    println!(
        "hot room delivery latency (50 members, every message): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&latencies, 1.0))
    );
    println!(
        "devstack RSS (MB) before connections {} | {}",
        rss_start / 1024,
        memory
            .iter()
            .map(|(s, kb)| format!("{s}s {}", kb / 1024))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!(
        "sent {} messages in {:.0} s",
        sent_total.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    let _ = child.kill().await;
}

/// A number in [0, 1) from a name, to spread the quiet rooms' senders.
fn fastish(name: &str) -> f64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (hash % 1000) as f64 / 1000.0
}

/// The next frame answering `request_id`.
async fn next_reply<S>(stream: &mut S, request_id: &str) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .expect("an answer in time")
            .expect("open")
            .expect("frame");
        let Ok(text) = frame.to_text() else { continue };
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        if value["requestId"] == request_id {
            return value;
        }
    }
}
