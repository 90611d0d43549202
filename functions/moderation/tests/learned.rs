//! The learned second opinion: the shipped weights are what the development side
//! of the corpus trains, its training lines are none of the evaluation set's, and
//! out of fold it finds abuse the way the documentation says.

use std::collections::BTreeMap;
use std::path::Path;

use moderation::learning::{self, training_lines};
use sideline_inline::learned::{self, Training};

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

#[test]
fn the_shipped_weights_are_what_the_development_side_trains() {
    let lines = training_lines(&corpus()).expect("training lines");
    let outcome = learning::train(&lines, Training::default());
    let shipped_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/inline/data/learned.bin");
    let shipped = std::fs::read(&shipped_path).expect("shipped weights");
    assert!(
        outcome.model.encode() == shipped,
        "{} is not what the corpus trains; rebuild it with \
         `cargo run --release -p moderation --bin moderation-train -- --write shared/inline/data/learned.bin`",
        shipped_path.display()
    );
    assert_eq!(learned::model(), Some(&outcome.model));

    // Out of fold, each head finds a part of its kind (threats and harassment
    // least: see docs/moderation.md) and almost no clean line.
    for head in &outcome.heads {
        assert!(
            head.caught * 100 >= head.positives * 10,
            "{}: {}/{} out of fold",
            head.name,
            head.caught,
            head.positives
        );
        assert!(
            head.clean_flagged * 100 <= head.clean,
            "{}: {} of {} clean lines",
            head.name,
            head.clean_flagged,
            head.clean
        );
    }
    // The model learnt words, not noise: a head's heaviest features are its own.
    let top = learning::top_features(&outcome.model, &lines, 40);
    let names: BTreeMap<&str, String> = top
        .iter()
        .map(|(head, features)| {
            (
                head.as_str(),
                features
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    assert!(
        names["profanity"].contains("fuck") || names["profanity"].contains("shit"),
        "{names:?}"
    );
}

#[test]
fn the_training_lines_are_not_evaluation_lines() {
    let normal = |t: &str| t.to_lowercase().split_whitespace().collect::<String>();
    let train = learning::read_dir(&corpus().join("train")).expect("train");
    assert!(train.len() >= 2_990, "{} training lines", train.len());
    let mut eval = std::collections::BTreeSet::new();
    for half in ["dev", "test"] {
        for line in learning::read_dir(&corpus().join("eval").join(half)).expect("half") {
            eval.insert(normal(&line.text));
        }
    }
    for line in &train {
        assert!(
            !eval.contains(&normal(&line.text)),
            "{} repeats an evaluation line",
            line.id
        );
        assert!(
            line.category.is_some() && line.lang.is_some(),
            "{}",
            line.id
        );
    }
}
