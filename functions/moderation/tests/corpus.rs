//! The labelled corpus through the inline stage: the targets of the moderation issue.

use moderation::{evaluate, EvalInput, Report};
use sideline_inline::InlineModerator;

#[test]
fn the_labelled_corpus_meets_the_targets() {
    let moderator = InlineModerator::default();
    let pairs: Vec<_> = include_str!("../corpus/labelled.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let input: EvalInput = serde_json::from_str(l).expect("corpus line");
            let output = evaluate(&moderator, &input);
            (input, output)
        })
        .collect();
    let report = Report::new(&pairs);
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    let altered: Vec<_> = pairs
        .iter()
        .filter(|(i, o)| {
            i.label.as_deref() == Some("clean") && o.text.as_deref() != Some(i.text.as_str())
        })
        .map(|(i, o)| format!("{} -> {:?} {:?}", i.text, o.action, o.categories))
        .collect();
    let as_is: Vec<_> = pairs
        .iter()
        .filter(|(i, o)| {
            i.label.as_deref() == Some("abuse") && o.text.as_deref() == Some(i.text.as_str())
        })
        .map(|(i, _)| i.text.clone())
        .collect();
    assert!(
        report.pii_leaks.is_empty(),
        "personal data delivered: {:?}",
        report.pii_leaks
    );
    assert!(
        report.abuse_not_as_is >= 0.90,
        "abuse delivered as-is: {as_is:?}"
    );
    assert!(
        report.clean_altered <= 0.02,
        "clean messages altered: {altered:?}"
    );
}
