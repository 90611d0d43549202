//! Moderation beyond the inline stage:
//!
//! - [`stage`]: the asynchronous stage (the `moderation` function), rescoring
//!   sent messages and reports with context; [`handle_sqs`] is its Lambda handler;
//! - [`classifier`]: the pluggable external classifier (off by default);
//! - [`evaluate`] and [`Report`]: the code behind `moderation-eval`, which runs the
//!   very same inline stage as `ws-message` on a corpus and measures it.

pub mod classifier;
pub mod learning;
pub mod stage;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sideline_domain::identity::Role;
use sideline_inline::{Action, AuthorStanding, InlineModerator};
use sideline_lambda::{BatchItemFailure, BatchResponse};
use sideline_ports::Ports;
use tracing::Instrument;

pub use sideline_lambda::{SqsEvent, SqsRecord};

/// One input line: `{"id","text","role"?,"reputation"?}`, and optionally the labels
/// a corpus carries: `label` (`clean`, `abuse`, `pii`, `spam`) and `pii` (the raw
/// personal data in the text, which must never be delivered).
#[derive(Debug, Clone, Deserialize)]
pub struct EvalInput {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub reputation: Option<f32>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub pii: Vec<String>,
    /// The evaluation set's finer label (one of [`CATEGORIES`]) and language.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// The evaluation set's categories, each with the coarse label it counts under.
pub const CATEGORIES: [(&str, &str); 7] = [
    ("clean", "clean"),
    ("profanity", "abuse"),
    ("obfuscated", "abuse"),
    ("threat", "abuse"),
    ("harassment", "abuse"),
    ("pii", "pii"),
    ("scam", "spam"),
];

impl EvalInput {
    /// The coarse label: `label` if given, else the one of `category`.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref().or_else(|| {
            let category = self.category.as_deref()?;
            CATEGORIES
                .iter()
                .find(|(c, _)| *c == category)
                .map(|(_, label)| *label)
        })
    }

    /// Whether `delivered` (what the room sees; `None`: nothing) is the right
    /// outcome for this line: a clean line delivered unchanged, a line with
    /// personal data without any of it, any other line not as written.
    pub fn handled(&self, delivered: Option<&str>) -> bool {
        let leaks = |text: &str| self.pii.iter().any(|secret| text.contains(secret.as_str()));
        if delivered.is_some_and(leaks) {
            return false;
        }
        match self.label() {
            Some("clean") => delivered == Some(self.text.as_str()),
            Some("pii") => true,
            _ => delivered != Some(self.text.as_str()),
        }
    }
}

/// One output line: what other room members would see (`text`, `null` for
/// nothing) and why.
#[derive(Debug, Clone, Serialize)]
pub struct EvalOutput {
    pub id: String,
    pub action: &'static str,
    pub text: Option<String>,
    pub categories: Vec<String>,
    pub scores: BTreeMap<String, f32>,
}

/// Runs the inline stage on one input.
pub fn evaluate(moderator: &InlineModerator, input: &EvalInput) -> EvalOutput {
    let standing = AuthorStanding {
        role: input
            .role
            .as_deref()
            .and_then(Role::parse)
            .unwrap_or(Role::Member),
        reputation: input.reputation.unwrap_or(0.5),
        trusted_links: false,
    };
    let verdict = moderator.moderate(&input.text, &standing);
    EvalOutput {
        id: input.id.clone(),
        action: verdict.action.as_str(),
        text: verdict.text,
        categories: verdict.categories,
        scores: verdict.scores,
    }
}

fn predicted(output: &EvalOutput, label: &str) -> bool {
    let has = |names: &[&str]| {
        output
            .categories
            .iter()
            .any(|c| names.contains(&c.as_str()))
    };
    match label {
        "clean" => output.action == Action::Allow.as_str(),
        "pii" => output.categories.iter().any(|c| c.starts_with("pii.")),
        "abuse" => has(&[
            "profanity",
            "hate",
            "sexual",
            "harassment",
            "threat",
            "blocked_word",
        ]),
        "spam" => has(&["spam", "scam"]) || output.action == Action::Shadow.as_str(),
        _ => false,
    }
}

/// Precision and recall per label, and the three targets.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub per_label: BTreeMap<String, LabelScore>,
    pub actions: BTreeMap<String, usize>,
    /// Labelled personal data still present in delivered text.
    pub pii_leaks: Vec<String>,
    /// Share of abusive messages not delivered as written.
    pub abuse_not_as_is: f64,
    /// Share of clean messages altered or withheld.
    pub clean_altered: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelScore {
    pub count: usize,
    pub precision: f64,
    pub recall: f64,
}

impl Report {
    pub fn new(pairs: &[(EvalInput, EvalOutput)]) -> Self {
        let mut report = Report::default();
        for (_, out) in pairs {
            *report.actions.entry(out.action.to_owned()).or_default() += 1;
        }
        let labels = ["clean", "abuse", "pii", "spam"];
        for label in labels {
            let (mut tp, mut fp, mut fn_, mut count) = (0.0, 0.0, 0.0, 0);
            for (input, out) in pairs {
                let Some(actual) = input.label() else {
                    continue;
                };
                let is = actual == label;
                count += usize::from(is);
                match (is, predicted(out, label)) {
                    (true, true) => tp += 1.0,
                    (false, true) => fp += 1.0,
                    (true, false) => fn_ += 1.0,
                    (false, false) => {}
                }
            }
            if count > 0 {
                report.per_label.insert(
                    label.to_owned(),
                    LabelScore {
                        count,
                        precision: if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 },
                        recall: tp / (tp + fn_).max(1.0),
                    },
                );
            }
        }
        let share = |label: &str, hit: &dyn Fn(&EvalInput, &EvalOutput) -> bool| {
            let of: Vec<_> = pairs
                .iter()
                .filter(|(i, _)| i.label() == Some(label))
                .collect();
            if of.is_empty() {
                return 0.0;
            }
            of.iter().filter(|(i, o)| hit(i, o)).count() as f64 / of.len() as f64
        };
        report.abuse_not_as_is = share("abuse", &|i, o| o.text.as_deref() != Some(i.text.as_str()));
        report.clean_altered = share("clean", &|i, o| o.text.as_deref() != Some(i.text.as_str()));
        for (input, out) in pairs {
            if let Some(text) = &out.text {
                for secret in &input.pii {
                    if text.contains(secret.as_str()) {
                        report.pii_leaks.push(format!("{}: {secret}", input.id));
                    }
                }
            }
        }
        report
    }
}

/// The share of lines handled right ([`EvalInput::handled`]) per category and
/// per language and category, and the acceptance figures, for one half of the
/// evaluation set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scorecard {
    /// category → (lines, handled right).
    pub per_category: BTreeMap<String, (usize, usize)>,
    /// language → category → (lines, handled right).
    pub per_language: BTreeMap<String, BTreeMap<String, (usize, usize)>>,
    /// Lines whose personal data reached the room, by id.
    pub pii_leaks: Vec<String>,
    /// Abusive lines (profanity, obfuscated, threat, harassment) not delivered as written.
    pub abuse_caught: f64,
    /// Clean lines altered or withheld.
    pub clean_altered: f64,
    /// Scams delivered as written.
    pub scam_through: f64,
}

impl Scorecard {
    /// Scores `(line, what the room saw)` pairs.
    pub fn new<'a>(lines: impl IntoIterator<Item = (&'a EvalInput, Option<&'a str>)>) -> Self {
        let mut card = Scorecard::default();
        let (mut abuse, mut clean, mut scam) = ((0, 0), (0, 0), (0, 0));
        for (input, delivered) in lines {
            let category = input
                .category
                .clone()
                .or_else(|| input.label().map(str::to_owned))
                .unwrap_or_else(|| "unlabelled".into());
            let right = input.handled(delivered);
            let bump = |cell: &mut (usize, usize)| {
                cell.0 += 1;
                cell.1 += usize::from(right);
            };
            bump(card.per_category.entry(category.clone()).or_default());
            let lang = input.lang.clone().unwrap_or_else(|| "?".into());
            bump(
                card.per_language
                    .entry(lang)
                    .or_default()
                    .entry(category)
                    .or_default(),
            );
            if delivered.is_some_and(|text| input.pii.iter().any(|p| text.contains(p.as_str()))) {
                card.pii_leaks.push(input.id.clone());
            }
            match input.label() {
                Some("abuse") => bump(&mut abuse),
                Some("clean") => bump(&mut clean),
                Some("spam") => bump(&mut scam),
                _ => {}
            }
        }
        let share = |(n, k): (usize, usize)| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        card.abuse_caught = share(abuse);
        card.clean_altered = 1.0 - share(clean);
        card.scam_through = 1.0 - share(scam);
        if clean.0 == 0 {
            card.clean_altered = 0.0;
        }
        if scam.0 == 0 {
            card.scam_through = 0.0;
        }
        card
    }

    /// The tables as text: per category, then language × category (handled
    /// right, %), then the acceptance figures.
    pub fn table(&self) -> String {
        let pct = |(n, k): (usize, usize)| {
            if n == 0 {
                "    -".to_owned()
            } else {
                format!("{:>5.1}", k as f64 * 100.0 / n as f64)
            }
        };
        let mut out = String::from("category      lines  right %\n");
        for (category, cell) in &self.per_category {
            out.push_str(&format!(
                "  {category:<11} {:>5}    {}\n",
                cell.0,
                pct(*cell)
            ));
        }
        let categories: Vec<&str> = CATEGORIES.iter().map(|(c, _)| *c).collect();
        out.push_str(&format!(
            "\nright %  {}\n",
            categories
                .iter()
                .map(|c| format!("{:>12}", c))
                .collect::<String>()
        ));
        for (lang, cells) in &self.per_language {
            out.push_str(&format!("  {lang:<6} "));
            for c in &categories {
                out.push_str(&format!(
                    "{:>12}",
                    pct(cells.get(*c).copied().unwrap_or_default())
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "\npersonal data delivered:     {} (target 0)\n\
             abusive not delivered as-is: {:.1}% (target ≥ 95%)\n\
             clean lines altered:         {:.1}% (target ≤ 1%)\n\
             scams let through:           {:.1}% (target ≤ 10%)\n",
            self.pii_leaks.len(),
            self.abuse_caught * 100.0,
            self.clean_altered * 100.0,
            self.scam_through * 100.0,
        ));
        out
    }
}

impl Scorecard {
    /// Several filters' scorecards side by side: handled right (%) per category,
    /// then the acceptance figures, one column per filter.
    pub fn side_by_side(cards: &[(String, Scorecard)]) -> String {
        let mut out = format!("{:<28}", "right %");
        for (name, _) in cards {
            out.push_str(&format!("{name:>20}"));
        }
        out.push('\n');
        for (category, _) in CATEGORIES {
            out.push_str(&format!("  {category:<26}"));
            for (_, card) in cards {
                let cell = match card.per_category.get(category) {
                    Some((n, k)) if *n > 0 => format!("{:.1}", *k as f64 * 100.0 / *n as f64),
                    _ => "-".into(),
                };
                out.push_str(&format!("{cell:>20}"));
            }
            out.push('\n');
        }
        type Figure = fn(&Scorecard) -> String;
        let rows: [(&str, Figure); 4] = [
            ("personal data delivered", |c| c.pii_leaks.len().to_string()),
            ("abusive not as-is %", |c| {
                format!("{:.1}", c.abuse_caught * 100.0)
            }),
            ("clean altered %", |c| {
                format!("{:.1}", c.clean_altered * 100.0)
            }),
            ("scams let through %", |c| {
                format!("{:.1}", c.scam_through * 100.0)
            }),
        ];
        for (name, value) in rows {
            out.push_str(&format!("  {name:<26}"));
            for (_, card) in cards {
                out.push_str(&format!("{:>20}", value(card)));
            }
            out.push('\n');
        }
        out
    }
}

/// Reads the JSON lines of an evaluation file.
pub fn read_lines(text: &str) -> Result<Vec<EvalInput>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// What became of one message of an SQS batch.
#[derive(Debug)]
pub struct RecordOutcome {
    pub message_id: String,
    pub result: Result<stage::Outcome, stage::StageError>,
}

/// What a batch came to: each message's outcome, and the answer for Lambda.
#[derive(Debug)]
pub struct SqsOutcome {
    pub records: Vec<RecordOutcome>,
    /// The messages to redeliver: those that failed for a reason a retry may fix
    /// (a port); unreadable ones are logged and dropped.
    pub response: BatchResponse,
}

/// Handles a batch: each message independently, in a span of its own.
pub async fn handle_sqs<P: Ports, X: classifier::Classifier>(
    event: SqsEvent,
    deps: &stage::StageRef<'_, P, X>,
) -> SqsOutcome {
    let mut records = Vec::with_capacity(event.records.len());
    let mut failures = Vec::new();
    for record in event.records {
        let span = tracing::info_span!("sqs_record", sqs_message_id = %record.message_id);
        let result = async {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&record.body);
            let outcome = match parsed {
                Ok(value) => stage::handle_event(&value, deps).await,
                Err(e) => Err(stage::StageError::BadEvent(e.to_string())),
            };
            match &outcome {
                Ok(outcome) => tracing::info!(outcome = ?outcome, "moderated"),
                Err(stage::StageError::BadEvent(reason)) => {
                    tracing::error!(reason = %reason, "unreadable event dropped")
                }
                Err(err) => {
                    tracing::warn!(error = %err, cause = ?std::error::Error::source(err), "will retry")
                }
            }
            outcome
        }
        .instrument(span)
        .await;
        if matches!(&result, Err(e) if !matches!(e, stage::StageError::BadEvent(_))) {
            failures.push(BatchItemFailure {
                item_identifier: record.message_id.clone(),
            });
        }
        records.push(RecordOutcome {
            message_id: record.message_id,
            result,
        });
    }
    SqsOutcome {
        records,
        response: BatchResponse {
            batch_item_failures: failures,
        },
    }
}
