//! `moderation-eval`: JSON lines `{"id","text","role"?,"reputation"?}` on stdin, one
//! line `{"id","action","text","categories","scores"}` per input on stdout, where
//! `text` is what other room members would see (`null`: nothing). A summary goes to
//! stderr: counts per action, messages per second, and — for labelled input
//! (`label`, `pii`) — precision and recall per label and the targets.
//! Runs the same inline stage as `ws-message`; `--shadow RULE_SET` (repeatable)
//! puts a rule set in shadow mode there too (`--shadow learned`: the rules alone).
//!
//! `moderation-eval --corpus DIR [--half dev|test] [--shadow RULE_SET]… [--peer NAME=FILE]…` scores the
//! evaluation set instead (`DIR/dev/*.jsonl`, `DIR/test/*.jsonl`, lines with
//! `category` and `lang`): per half, the share of lines handled right per
//! category and per language, and the acceptance figures. `--set FILE`
//! (repeatable, with or without `--corpus`) scores a labelled file of the same
//! lines the same way, on its own: a sample of a tenant's own chat, or a set
//! kept apart from the halves. Only counts are printed, never a line. Each
//! `--peer` adds a column scored the same way from what another filter would
//! let the room see (FILE: `{"id","text"}` lines, `text` null for nothing),
//! beside a column for the rules alone (the learned second opinion in shadow
//! mode). `--shadow` puts a rule set in shadow mode, as a tenant's
//! `shadowRuleSets` does.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use moderation::{evaluate, EvalInput, Report, Scorecard};
use sideline_inline::{InlineModerator, ModerationConfig, RuleSet};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let shadow = match stdin_shadow(&args) {
        Ok(Some(shadow)) => shadow,
        Ok(None) => {
            return match corpus(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("moderation-eval: {err}");
                    ExitCode::from(2)
                }
            }
        }
        Err(err) => {
            eprintln!("moderation-eval: {err}");
            return ExitCode::from(2);
        }
    };
    let moderator = InlineModerator::new(ModerationConfig {
        shadow_rule_sets: shadow,
        ..ModerationConfig::default()
    });
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

const USAGE: &str = "usage: moderation-eval [--shadow RULE_SET]... (JSON lines on stdin) | moderation-eval [--corpus DIR [--half dev|test]] [--set FILE]... [--shadow RULE_SET]... [--peer NAME=FILE]... (one of --corpus and --set at least)";

/// What a peer let the room see, by line id.
type Seen = HashMap<String, Option<String>>;

fn read_seen(path: &str) -> Result<Seen, String> {
    // `text` must be there (null for nothing): a line without it is an error,
    // not a withheld line.
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        #[serde(deserialize_with = "present")]
        text: Option<String>,
    }
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut seen = HashMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line: Line =
            serde_json::from_str(line).map_err(|e| format!("{path}: line {}: {e}", n + 1))?;
        seen.insert(line.id, line.text);
    }
    Ok(seen)
}

/// `--corpus`: scores each half of the evaluation set, beside any peers.
/// The rule sets in shadow mode when `args` ask for the stdin mode (nothing, or
/// only `--shadow RULE_SET` pairs); `None` when they ask for a corpus.
fn stdin_shadow(args: &[String]) -> Result<Option<Vec<RuleSet>>, String> {
    let mut shadow = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg != "--shadow" {
            return Ok(None);
        }
        let name = args
            .next()
            .ok_or_else(|| format!("--shadow needs a value; {USAGE}"))?;
        shadow.push(rule_set(name)?);
    }
    Ok(Some(shadow))
}

/// A rule set by its name in a tenant's `shadowRuleSets`.
fn rule_set(name: &str) -> Result<RuleSet, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        format!("--shadow takes a rule set (lists, toxicity, spam, links, learned), not `{name}`")
    })
}

fn corpus(args: &[String]) -> Result<(), String> {
    let (mut dir, mut half, mut peers, mut sets) = (None, None, Vec::new(), Vec::new());
    let mut shadow: Vec<RuleSet> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value; {USAGE}"))
        };
        match arg.as_str() {
            "--corpus" => dir = Some(PathBuf::from(value()?)),
            "--half" => half = Some(value()?),
            "--set" => sets.push(PathBuf::from(value()?)),
            "--shadow" => shadow.push(rule_set(&value()?)?),
            "--peer" => {
                let spec = value()?;
                let (name, path) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--peer takes NAME=FILE, not `{spec}`"))?;
                peers.push((name.to_owned(), read_seen(path)?));
            }
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    if dir.is_none() && sets.is_empty() {
        return Err(USAGE.to_owned());
    }
    if dir.is_none() && half.is_some() {
        return Err(format!("--half needs --corpus; {USAGE}"));
    }
    let halves: Vec<&str> = match half.as_deref() {
        None => vec!["dev", "test"],
        Some(h @ ("dev" | "test")) => vec![h],
        Some(other) => return Err(format!("--half must be dev or test, not `{other}`")),
    };
    // What is scored, each on its own: the halves, then the sets, all read
    // before anything is scored (a set that does not read is an error, and
    // nothing is printed).
    let mut groups: Vec<(String, Vec<EvalInput>)> = Vec::new();
    if let Some(dir) = &dir {
        for half in halves {
            let lines = moderation::learning::read_dir(&dir.join(half))?;
            groups.push((format!("{half} half"), lines));
        }
    }
    for set in &sets {
        let lines = moderation::learning::read_file(set)?;
        if lines.is_empty() {
            return Err(format!("{}: no lines", set.display()));
        }
        groups.push((set.display().to_string(), lines));
    }
    let moderator = InlineModerator::new(ModerationConfig {
        shadow_rule_sets: shadow.clone(),
        ..ModerationConfig::default()
    });
    // Beside peers, the rules alone too: what the learned second opinion adds.
    let rules_only = InlineModerator::new(ModerationConfig {
        shadow_rule_sets: [shadow.as_slice(), &[RuleSet::Learned]].concat(),
        ..ModerationConfig::default()
    });
    for (name, lines) in &groups {
        let ours: Vec<Option<String>> = lines
            .iter()
            .map(|line| evaluate(&moderator, line).text)
            .collect();
        let card = Scorecard::new(lines.iter().zip(ours.iter().map(Option::as_deref)));
        println!("== {name}: {} lines ==\n{}", lines.len(), card.table());
        if peers.is_empty() {
            continue;
        }
        let rules: Vec<Option<String>> = lines
            .iter()
            .map(|line| evaluate(&rules_only, line).text)
            .collect();
        let rules_card = Scorecard::new(lines.iter().zip(rules.iter().map(Option::as_deref)));
        let mut cards = vec![
            ("sideline".to_owned(), card),
            ("rules only".to_owned(), rules_card),
        ];
        for (name, seen) in &peers {
            let theirs: Vec<Option<&str>> = lines
                .iter()
                .map(|line| {
                    seen.get(&line.id)
                        .map(Option::as_deref)
                        .ok_or_else(|| format!("{name} has no line `{}`", line.id))
                })
                .collect::<Result<_, _>>()?;
            cards.push((name.clone(), Scorecard::new(lines.iter().zip(theirs))));
        }
        println!("{}", Scorecard::side_by_side(&cards));
    }
    Ok(())
}
