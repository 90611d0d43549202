//! `moderation-eval`: JSON lines `{"id","text","role"?,"reputation"?}` on stdin, one
//! line `{"id","action","text","categories","scores"}` per input on stdout, where
//! `text` is what other room members would see (`null`: nothing). A summary goes to
//! stderr: counts per action, messages per second, and — for labelled input
//! (`label`, `pii`) — precision and recall per label and the targets.
//! Runs the same inline stage as `ws-message`.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Instant;

use moderation::{evaluate, EvalInput, Report};
use sideline_inline::InlineModerator;

fn main() -> ExitCode {
    let moderator = InlineModerator::default();
    // Load the lazy tables (phone metadata, word lists) before anything is timed.
    let _ = moderator.moderate(
        "warm up: call +44 20 7946 0958 or ada@example.com, f u c k",
        &Default::default(),
    );
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut pairs = Vec::new();
    let mut spent = std::time::Duration::ZERO;
    for (number, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                eprintln!("moderation-eval: cannot read stdin: {err}");
                return ExitCode::from(1);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let input: EvalInput = match serde_json::from_str(&line) {
            Ok(input) => input,
            Err(err) => {
                eprintln!("moderation-eval: line {}: {err}", number + 1);
                return ExitCode::from(2);
            }
        };
        let started = Instant::now();
        let output = evaluate(&moderator, &input);
        spent += started.elapsed();
        if let Err(err) = serde_json::to_writer(&mut out, &output)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
        {
            eprintln!("moderation-eval: cannot write stdout: {err}");
            return ExitCode::from(1);
        }
        pairs.push((input, output));
    }
    let _ = out.flush();
    let report = Report::new(&pairs);
    eprintln!("messages: {}", pairs.len());
    for (action, count) in &report.actions {
        eprintln!("  {action:<8} {count}");
    }
    if !spent.is_zero() {
        eprintln!(
            "throughput: {:.0} messages/s (moderation only, one core)",
            pairs.len() as f64 / spent.as_secs_f64()
        );
    }
    if !report.per_label.is_empty() {
        eprintln!("label     count  precision  recall");
        for (label, score) in &report.per_label {
            eprintln!(
                "  {label:<8} {:>4}     {:>5.1}%  {:>5.1}%",
                score.count,
                score.precision * 100.0,
                score.recall * 100.0
            );
        }
        eprintln!(
            "abusive not delivered as-is: {:.1}% (target ≥ 90%)",
            report.abuse_not_as_is * 100.0
        );
        eprintln!(
            "clean messages altered:      {:.1}% (target ≤ 2%)",
            report.clean_altered * 100.0
        );
        eprintln!(
            "personal data delivered:     {} (target 0)",
            report.pii_leaks.len()
        );
        for leak in &report.pii_leaks {
            eprintln!("  leak: {leak}");
        }
    }
    ExitCode::SUCCESS
}
