//! Inline moderation benchmark: typical chat lines (about 80 characters; 90 % clean,
//! 5 % with personal data, 5 % abusive or spam) through the inline stage on one
//! core, after a warm-up. Prints messages per second and p50/p99 per message.
//! Run: `cargo bench -p moderation --bench inline`.

use std::time::{Duration, Instant};

use sideline_inline::{AuthorStanding, InlineModerator};

const CLEAN: [&str; 20] = [
    "What a goal from the left wing, did anyone else see that run from the halfway line",
    "2-1 at half time and we look much sharper than last week, keep the pressure on lads",
    "kick-off moved to 19:45 because of the TV schedule, annoying for the away fans",
    "tickets were $12.99 in the end which is fair for a midweek cup game like this one",
    "anyone heading to Scunthorpe on Saturday? looking for a lift from the station",
    "the keeper has been brilliant this season, three clean sheets in a row now",
    "that was never a penalty, he clearly went down before any contact was made",
    "resistance at 1.0850 held again, waiting for the close before adding to my position",
    "the Q3 report shows 12% growth in the region but margins are still under pressure",
    "who is starting up front tonight? I'd love to see the young lad get a chance",
    "VAR checking again... this is taking forever, the atmosphere is just dying down",
    "brilliant tackle, perfectly timed, the kind of defending we have missed all year",
    "Middlesex need 45 from 30 balls with six wickets left, this is going to be close",
    "the cocktail bar by the north stand does a decent pint if you get there early",
    "happy birthday to our captain, what a servant to this club over the years",
    "if we win the next two we are right back in the title race, big if though",
    "the assassin's creed trailer drops at 9 apparently, anyone watching it live?",
    "transfer fee rumoured at 45 million which seems a lot for a winger his age",
    "great save by the keeper there, fingertips onto the bar, what a reaction",
    "can someone explain the 0.618 fib level on this chart, never understood it",
];
const OTHER: [&str; 10] = [
    "call me after the game on +44 20 7946 0958 and we can sort the tickets out mate",
    "send the details to ada.lovelace@example.com and I will forward them to the club",
    "pay the kitty to GB82 WEST 1234 5698 7654 32 before Friday please everyone",
    "my number is (415) 555-2671 if anyone has a spare ticket for the derby",
    "you are a f u c k i n g idiot ref, get off the pitch and never come back",
    "what a shit finish that was, absolute garbage from a striker on that wage",
    "FREE BTC giveaway!!! dm me on telegram to claim your prize before it ends",
    "piece of sh!t keeper, how did he let that one in from thirty yards out",
    "double your crypto in 24h, message me on whatsapp for the investment details",
    "ada at example dot com is where to send the photos from the away end",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs `rounds` rounds over `lines` (each line passed through `vary` with the
/// round number first) and prints throughput and latency.
fn measure(
    title: &str,
    moderator: &InlineModerator,
    lines: &[&str],
    rounds: usize,
    vary: impl Fn(&str, usize) -> String,
) {
    let standing = AuthorStanding::default();
    let mut per_message = Vec::with_capacity(rounds * lines.len());
    let inputs: Vec<Vec<String>> = (0..rounds)
        .map(|round| lines.iter().map(|l| vary(l, round)).collect())
        .collect();
    let started = Instant::now();
    for round in &inputs {
        for line in round {
            let t = Instant::now();
            std::hint::black_box(moderator.moderate(line, &standing));
            per_message.push(t.elapsed());
        }
    }
    let elapsed = started.elapsed();
    per_message.sort();
    let chars: usize = inputs[0].iter().map(|l| l.chars().count()).sum::<usize>() / lines.len();
    println!(
        "{title}: {} messages (mean {chars} characters; 90 % clean)",
        per_message.len()
    );
    println!(
        "  messages per second   {:.0}",
        per_message.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  per message           p50 {:.1} µs   p99 {:.1} µs   max {:.1} µs",
        percentile(&per_message, 0.5).as_secs_f64() * 1e6,
        percentile(&per_message, 0.99).as_secs_f64() * 1e6,
        per_message.last().map_or(0.0, |d| d.as_secs_f64() * 1e6)
    );
}

/// A pronounceable nonsense word per number: 0 → "ba", 1 → "be", …
fn made_up_word(mut n: usize) -> String {
    const C: &[u8] = b"bdfgklmnprstvz";
    const V: &[u8] = b"aeiou";
    let mut word = String::new();
    loop {
        word.push(C[n % C.len()] as char);
        n /= C.len();
        word.push(V[n % V.len()] as char);
        n /= V.len();
        if n == 0 {
            return word;
        }
    }
}

fn main() {
    let moderator = InlineModerator::default();
    let standing = AuthorStanding::default();
    let lines: Vec<&str> = (0..200)
        .map(|i| {
            if i % 10 == 9 {
                OTHER[(i / 10) % OTHER.len()]
            } else {
                CLEAN[i % CLEAN.len()]
            }
        })
        .collect();
    // Warm-up: lazy tables (phone metadata, word lists) load on first use.
    for line in &lines {
        std::hint::black_box(moderator.moderate(line, &standing));
    }
    measure(
        "inline moderation, one core, the same 200 lines again and again",
        &moderator,
        &lines,
        1_000,
        |line, _| line.to_owned(),
    );
    // Every message different: a made-up word changes each round, so no message
    // and none of the phrases with that word were seen before (only words repeat,
    // as in real chat). Letters, not digits: rustrict reads digits as letters
    // (leetspeak), and long digit runs cost it more whatever the cache does.
    measure(
        "inline moderation, one core, every message new",
        &moderator,
        &lines,
        1_000,
        |line, round| format!("{line} {}", made_up_word(round)),
    );
    measure(
        "inline moderation, one core, again the same lines",
        &moderator,
        &lines,
        1_000,
        |line, _| line.to_owned(),
    );
}
