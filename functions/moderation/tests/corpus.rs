//! The labelled corpus through the inline stage: the targets of the moderation issue.

use moderation::{evaluate, EvalInput, Report};
use sideline_inline::{InlineModerator, ModerationConfig, RuleSet};

#[test]
fn the_labelled_corpus_meets_the_targets() {
    // The rules alone: the learned second opinion has learnt from these lines.
    let moderator = InlineModerator::new(ModerationConfig {
        shadow_rule_sets: vec![RuleSet::Learned],
        ..ModerationConfig::default()
    });
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

/// The evaluation set: two halves written apart, six languages, every line
/// labelled with a known category, personal data marked where it is in the text.
#[test]
fn the_evaluation_set_is_whole_and_its_halves_apart() {
    use moderation::{read_lines, Scorecard, CATEGORIES};
    use std::collections::{BTreeMap, BTreeSet};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/eval");
    let mut texts = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut total = 0;
    for half in ["dev", "test"] {
        let mut langs = BTreeSet::new();
        for entry in std::fs::read_dir(dir.join(half)).expect("half") {
            let path = entry.expect("entry").path();
            let lang = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_owned();
            let lines = read_lines(&std::fs::read_to_string(&path).expect("read")).expect("lines");
            assert_eq!(lines.len(), 100, "{}", path.display());
            for line in &lines {
                assert!(ids.insert(line.id.clone()), "repeated id {}", line.id);
                assert!(
                    line.id.starts_with(&format!("{lang}-{half}-")),
                    "{}",
                    line.id
                );
                assert_eq!(line.lang.as_deref(), Some(lang.as_str()), "{}", line.id);
                let category = line.category.as_deref().expect("category");
                assert!(
                    CATEGORIES.iter().any(|(c, _)| *c == category),
                    "{}",
                    line.id
                );
                assert_eq!(category == "pii", !line.pii.is_empty(), "{}", line.id);
                for secret in &line.pii {
                    assert!(line.text.contains(secret.as_str()), "{}: {secret}", line.id);
                }
                let normal: String = line.text.to_lowercase().split_whitespace().collect();
                if let Some(other) = texts.insert(normal, line.id.clone()) {
                    assert!(
                        other.split('-').nth(1) == Some(half),
                        "{} and {other} are the same line in both halves",
                        line.id
                    );
                }
            }
            // Every line is scored, each in its language's row.
            let card = Scorecard::new(lines.iter().map(|l| (l, Some(l.text.as_str()))));
            assert_eq!(
                card.per_language[&lang]
                    .values()
                    .map(|c| c.0)
                    .sum::<usize>(),
                100
            );
            assert_eq!(card.per_category["clean"].1, card.per_category["clean"].0);
            langs.insert(lang);
            total += lines.len();
        }
        assert_eq!(
            langs,
            ["de", "en", "es", "fr", "nl", "pt"]
                .map(String::from)
                .into(),
            "{half}"
        );
    }
    assert!(total >= 1000, "{total} lines");
}

/// What counts as handled right: a clean line unchanged, personal data never
/// delivered, anything else not as written.
#[test]
fn a_line_is_handled_right_by_what_the_room_sees() {
    use moderation::EvalInput;
    let line = |category: &str, text: &str, pii: &[&str]| EvalInput {
        id: "x".into(),
        text: text.into(),
        role: None,
        reputation: None,
        label: None,
        pii: pii.iter().map(|s| s.to_string()).collect(),
        category: Some(category.into()),
        lang: Some("en".into()),
    };
    let clean = line("clean", "Scunthorpe away", &[]);
    assert!(clean.handled(Some("Scunthorpe away")));
    assert!(!clean.handled(Some("S****horpe away")));
    assert!(!clean.handled(None));
    let threat = line("threat", "we know where you live", &[]);
    assert!(!threat.handled(Some("we know where you live")));
    assert!(threat.handled(None));
    assert!(threat.handled(Some("[held]")));
    let pii = line(
        "pii",
        "mail ana [at] x [dot] com",
        &["ana [at] x [dot] com"],
    );
    assert!(!pii.handled(Some("mail ana [at] x [dot] com")));
    assert!(pii.handled(Some("mail [email]")));
    assert!(pii.handled(None));
    assert_eq!(pii.label(), Some("pii"));
    assert_eq!(line("obfuscated", "f u c k", &[]).label(), Some("abuse"));
}
