//! The profanity lexicon (`shared/inline/data/lexicon.txt`, see
//! `shared/inline/src/lexicon.rs`) rebuilt from its sources: the swear-word lists
//! that `scripts/host-words.sh` puts in `$SIDELINE_HOST_WORD_SOURCES/lexicon`,
//! kept where the development side of the corpus confirms them (at least one
//! line of swearing uses the entry, no clean line does), single words that are
//! English words left out. The test fails when the
//! committed file differs; `SIDELINE_WRITE_HOST_WORDS=1` writes it instead.
//! Without the variable only the committed file's own checks run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use moderation::learning::training_lines;
use moderation::EvalInput;
use sideline_inline::lexicon::{self, Lexicon};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/inline/data")
        .join(name)
}

/// A line of swearing: threats and harassment do not count, as the words they
/// use (`hammer`, `sweetheart`) are no swear words.
fn swearing(line: &EvalInput) -> bool {
    matches!(line.category.as_deref(), Some("profanity" | "obfuscated"))
        || line.category.is_none() && line.label.as_deref() == Some("abuse")
}

fn clean(line: &EvalInput) -> bool {
    line.category.as_deref() == Some("clean")
        || line.category.is_none() && line.label.as_deref() == Some("clean")
}

#[test]
fn the_committed_lexicon_matches_its_sources() {
    let Some(dir) = std::env::var_os("SIDELINE_HOST_WORD_SOURCES") else {
        eprintln!("SIDELINE_HOST_WORD_SOURCES unset: the lexicon is not rebuilt");
        return;
    };
    let dir = PathBuf::from(dir).join("lexicon");
    let version = std::fs::read_to_string(dir.join("VERSION")).unwrap_or_default();
    let writing = std::env::var_os("SIDELINE_WRITE_HOST_WORDS").is_some();
    let manifest = data("lexicon.sources");
    if !writing && std::fs::read_to_string(&manifest).unwrap_or_default() != version {
        eprintln!("the lexicon's sources here are not the ones it was made from: not compared");
        return;
    }
    let mut candidates: Vec<(String, String)> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the launch languages' lists in {}",
        dir.display()
    );
    for file in &files {
        let lang: String = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .chars()
            .take(2)
            .collect();
        let text = std::fs::read_to_string(file).expect("list");
        let entries: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
        for entry in entries {
            let entry = entry.trim().to_lowercase();
            // One- and two-letter words (`cu`, `pis` once read) match too much.
            let usable = entry
                .split_whitespace()
                .map(lexicon::normal_word)
                .collect::<Option<Vec<_>>>()
                .is_some_and(|w| w.len() > 1 || w[0].chars().count() >= 3);
            if usable {
                candidates.push((lang.clone(), entry));
            }
        }
    }
    // A single word that is an English word is left out (French `bite` is "a bite
    // to eat"; rustrict reads English swearing).
    let sources = dir.parent().expect("the sources folder").to_path_buf();
    let mut english = BTreeSet::new();
    for file in ["american-english.txt", "british-english.txt"] {
        let text = std::fs::read(sources.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", sources.join(file).display()));
        english.extend(
            String::from_utf8_lossy(&text)
                .lines()
                .map(str::to_lowercase),
        );
    }
    candidates.retain(|(_, entry)| entry.contains(' ') || !english.contains(entry));
    let lex = Lexicon::new(candidates.iter().map(|(_, e)| e.as_str()));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let lines = training_lines(&corpus).expect("the development side of the corpus");
    let mut in_abuse = vec![0usize; candidates.len()];
    let mut in_clean = vec![0usize; candidates.len()];
    for line in &lines {
        let counts = if swearing(line) {
            &mut in_abuse
        } else if clean(line) {
            &mut in_clean
        } else {
            continue;
        };
        for index in lexicon::entries_in(&lex, &line.text) {
            counts[index] += 1;
        }
    }
    let kept: BTreeSet<String> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| in_abuse[*i] > 0 && in_clean[*i] == 0)
        .map(|(_, (lang, entry))| format!("{lang}\t{entry}"))
        .collect();
    let built: String = kept.iter().map(|l| format!("{l}\n")).collect();
    eprintln!(
        "{} candidates, {} kept; {} used cleanly",
        candidates.len(),
        kept.len(),
        in_clean.iter().filter(|c| **c > 0).count()
    );
    if writing {
        std::fs::write(data("lexicon.txt"), &built).expect("write the lexicon");
        std::fs::write(&manifest, &version).expect("write its sources");
        return;
    }
    let committed = std::fs::read_to_string(data("lexicon.txt")).expect("the committed lexicon");
    assert!(
        committed == built,
        "data/lexicon.txt differs from the lexicon rebuilt from its sources; rewrite it with \
         SIDELINE_WRITE_HOST_WORDS=1 scripts/host-words.sh --write"
    );
}

#[test]
fn the_committed_lexicon_is_sorted_and_no_clean_development_line_uses_it() {
    let text = std::fs::read_to_string(data("lexicon.txt")).expect("the committed lexicon");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 50, "only {} entries", lines.len());
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "not sorted without repeats"
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for line in training_lines(&corpus).expect("corpus") {
        if clean(&line) {
            assert!(
                lexicon::find(&line.text).is_empty(),
                "{}: {}",
                line.id,
                line.text
            );
        }
    }
}
