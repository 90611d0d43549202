//! `scoring-rebuild`: tenants' scores rebuilt from events, with the very rules of
//! the `scoring` function.
//!
//! ```sh
//! scoring-rebuild events.jsonl [--config tenant-config.json] [--at 2026-11-23T09:00:00.000Z]
//! ```
//!
//! The file holds one event per line: devstack's `--events-out`, or EventBridge
//! events (an archive replayed to a queue and saved). `--config` is a tenant
//! settings document (the defaults without it), used for every event; `--at` the
//! time scores are given at (default: the last event's). Prints one JSON line per
//! user: `tenantId`, `userId`, `score` (at `--at`), and `value` / `at` as kept.
//! Unreadable lines are reported on stderr and counted; the exit code is 1 if any.

use std::io::BufRead;
use std::process::ExitCode;

use scoring::replay::{event_of_line, Fed, Replay};
use sideline_domain::tenant::TenantConfig;
use sideline_domain::time::{format_time, parse_time};

fn usage() -> ExitCode {
    eprintln!("usage: scoring-rebuild EVENTS.jsonl [--config DOC.json] [--at TIME]");
    ExitCode::from(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut file, mut config, mut at) = (None, TenantConfig::default(), None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => {
                let Some(path) = it.next() else {
                    return usage();
                };
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(2);
                    }
                };
                config = match TenantConfig::parse(&text) {
                    Ok(config) => config,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        return ExitCode::from(2);
                    }
                };
            }
            "--at" => {
                let Some(raw) = it.next() else { return usage() };
                match parse_time(raw) {
                    Some(ms) => at = Some(ms),
                    None => {
                        eprintln!("--at: `{raw}` is not a time like 2026-11-23T09:00:00.000Z");
                        return ExitCode::from(2);
                    }
                }
            }
            "-h" | "--help" => return usage(),
            path if file.is_none() => file = Some(path.to_owned()),
            _ => return usage(),
        }
    }
    let Some(path) = file else { return usage() };
    let reader = match std::fs::File::open(&path) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut replay = Replay::new(config);
    let (mut scored, mut duplicates, mut skipped, mut bad) = (0, 0, 0, 0);
    let mut last = 0i64;
    for (n, line) in reader.lines().enumerate() {
        let line = match line {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => line,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        let fed = match event_of_line(&line) {
            Ok(event) => {
                if let Some(t) = event["detail"]["occurredAt"].as_str().and_then(parse_time) {
                    last = last.max(t);
                }
                replay.feed(&event).await
            }
            Err(e) => Err(e),
        };
        match fed {
            Ok(Fed::Scored) => scored += 1,
            Ok(Fed::Duplicate) => duplicates += 1,
            Ok(Fed::Skipped) => skipped += 1,
            Err(e) => {
                bad += 1;
                eprintln!("line {}: {e}", n + 1);
            }
        }
    }
    let at = at.unwrap_or(last);
    for (tenant, ledger) in replay.ledgers() {
        for (user, score) in ledger.scores() {
            println!(
                "{}",
                serde_json::json!({
                    "tenantId": tenant.as_str(),
                    "userId": user.as_str(),
                    "score": ledger.score(user, at),
                    "value": score.value,
                    "at": format_time(score.at_ms),
                })
            );
        }
    }
    eprintln!(
        "{scored} scored, {duplicates} duplicates, {skipped} skipped, {bad} unreadable; scores at {}",
        format_time(at)
    );
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
