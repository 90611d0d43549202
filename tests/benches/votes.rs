//! Votes benchmark: how many votes one room's poll absorbs per second through
//! devstack, and how many result updates its members get meanwhile (coalesced:
//! at most two a second). Prints numbers; asserts only that the final tally
//! equals the votes stored. Run: `cargo bench -p sideline-tests --bench votes`
//! (env `VOTES_VOTERS`, default 500; `VOTES_SECONDS`, default 10).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sideline_tests::bench::{env_usize, joined, Socket};
use sideline_tests::{token, Stack};
use tokio_tungstenite::tungstenite::Message;

// The same allocator as the devstack binary, which this benchmark runs in-process.
#[global_allocator]
static ALLOCATOR: devstack::Allocator = devstack::Allocator {};

async fn join(stack: &Stack, sub: &str, role: &str, room: &str) -> Socket {
    joined(&stack.ws_url(&token("bench", sub, role)), room).await
}

#[tokio::main]
async fn main() {
    let voters = env_usize("VOTES_VOTERS", 500);
    let seconds = env_usize("VOTES_SECONDS", 10) as u64;
    let room = "bench:votes";
    let stack = Stack::start_with(|c| {
        c.limits.join_history = 0;
    })
    .await;
    let mut host = join(&stack, "host", "moderator", room).await;
    host.send(Message::text(
        json!({"action": "poll", "room": room, "op": "create", "requestId": "p",
               "question": "Who scores next?", "options": ["Home", "Away", "Nobody"]})
        .to_string(),
    ))
    .await
    .expect("create");
    let poll_id = loop {
        let text = host
            .next()
            .await
            .expect("open")
            .expect("frame")
            .into_text()
            .expect("text");
        let v: Value = serde_json::from_str(&text).expect("json");
        if v["type"] == "poll" && v["requestId"] == "p" {
            break v["poll"]["id"].as_str().expect("id").to_owned();
        }
    };

    let setup = Instant::now();
    let mut sockets = Vec::with_capacity(voters);
    for i in 0..voters {
        sockets.push(join(&stack, &format!("fan{i}"), "member", room).await);
    }
    println!(
        "{voters} voters joined in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    // The host only watches: every result update the room gets, with its time.
    let watch = tokio::spawn(async move {
        let mut updates: Vec<(Instant, u64)> = Vec::new();
        while let Some(Ok(frame)) = host.next().await {
            let text = frame.to_text().unwrap_or_default().to_owned();
            if text.contains("\"type\":\"poll\"") && !text.contains("requestId") {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                updates.push((Instant::now(), v["poll"]["voters"].as_u64().unwrap_or(0)));
                if v["poll"]["status"] == "closed" {
                    break;
                }
            }
        }
        updates
    });

    // Each voter votes, waits for its answer, and votes again (changing its
    // mind round the options), until the time is up.
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, mut ws) in sockets.into_iter().enumerate() {
        let poll_id = poll_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut answered = 0u64;
            let mut last = None;
            let mut n = i;
            while Instant::now() < end {
                let choice = n % 3;
                n += 1;
                let body = json!({"action": "poll", "room": room, "op": "vote",
                                  "pollId": poll_id, "choice": choice, "requestId": "v"});
                if ws.send(Message::text(body.to_string())).await.is_err() {
                    break;
                }
                // A vote sent just before the end gets a few seconds more; one
                // not answered by then counts as late (its choice unknown: the
                // tally check is skipped).
                let deadline = end.max(Instant::now()) + Duration::from_secs(5);
                loop {
                    let wait = deadline.saturating_duration_since(Instant::now());
                    let Ok(Some(Ok(frame))) = tokio::time::timeout(wait, ws.next()).await else {
                        return (answered, last, true);
                    };
                    let text = frame.to_text().unwrap_or_default();
                    if text.contains("\"requestId\":\"v\"") {
                        if text.contains("\"type\":\"poll\"") {
                            answered += 1;
                            last = Some(choice);
                        }
                        break;
                    }
                }
            }
            (answered, last, false)
        }));
    }
    let mut answered = 0;
    let mut late = 0;
    let mut final_counts = [0u64; 3];
    for task in tasks {
        let (n, last, was_late) = task.await.expect("voter");
        answered += n;
        late += usize::from(was_late);
        if let Some(choice) = last {
            final_counts[choice] += 1;
        }
    }
    let elapsed = start.elapsed();

    let mut closer = join(&stack, "closer", "moderator", room).await;
    closer
        .send(Message::text(
            json!({"action": "poll", "room": room, "op": "close", "pollId": poll_id, "requestId": "c"})
                .to_string(),
        ))
        .await
        .expect("close");
    let closed = loop {
        let text = closer
            .next()
            .await
            .expect("open")
            .expect("frame")
            .into_text()
            .expect("text");
        let v: Value = serde_json::from_str(&text).expect("json");
        if v["requestId"] == "c" {
            break v;
        }
    };
    let updates = watch.await.expect("watcher");
    let during: Vec<&(Instant, u64)> = updates
        .iter()
        .filter(|(at, _)| *at <= start + elapsed)
        .collect();
    // Updates are due at half-second marks; delivery jitter can bring two a
    // little closer, so the least gap between them is what shows coalescing.
    let least_gap = during
        .windows(2)
        .map(|w| w[1].0.duration_since(w[0].0))
        .min()
        .unwrap_or_default();
    let mut per_second = std::collections::BTreeMap::<u64, usize>::new();
    for (at, _) in &during {
        *per_second
            .entry(at.duration_since(start).as_secs())
            .or_default() += 1;
    }
    let worst_second = per_second.values().copied().max().unwrap_or(0);
    let counts: Vec<u64> = closed["poll"]["counts"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    println!(
        "{answered} votes answered in {:.1} s: {:.0} votes/s ({voters} voters, each one vote at a time)",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64()
    );
    println!(
        "result updates to the room while voting: {} ({:.2}/s; most in one second of the run: {worst_second}; least gap {:.0} ms)",
        during.len(),
        during.len() as f64 / elapsed.as_secs_f64(),
        least_gap.as_secs_f64() * 1000.0
    );
    println!(
        "final tally {counts:?}, turnout {}",
        closed["poll"]["voters"]
    );
    if late == 0 {
        assert_eq!(
            counts,
            final_counts.to_vec(),
            "the tally is each voter's last vote"
        );
    } else {
        println!("{late} voters' last vote was not answered within 5 s (tally check skipped)");
    }
}
