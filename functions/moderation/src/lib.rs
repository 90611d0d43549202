//! Moderation beyond the inline stage:
//!
//! - [`stage`]: the asynchronous stage (the `moderation` function), rescoring
//!   sent messages and reports with context; [`handle_sqs`] is its Lambda handler;
//! - [`classifier`]: the pluggable external classifier (off by default);
//! - [`evaluate`] and [`Report`]: the code behind `moderation-eval`, which runs the
//!   very same inline stage as `ws-message` on a corpus and measures it.

pub mod classifier;
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
        "abuse" => has(&["profanity", "hate", "sexual", "harassment", "blocked_word"]),
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
                let Some(actual) = input.label.as_deref() else {
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
                .filter(|(i, _)| i.label.as_deref() == Some(label))
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
