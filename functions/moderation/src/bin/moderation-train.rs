//! `moderation-train [--corpus DIR] [--write FILE] [--top N]`: trains the inline
//! stage's learned second opinion from the development side of the corpus
//! (`DIR/eval/dev`, `DIR/train`, `DIR/labelled.jsonl`; default
//! `functions/moderation/corpus`), prints the cross-validated figures and each
//! head's heaviest features, and with `--write` writes the weight file
//! (`shared/inline/data/learned.bin` is the shipped one; a test checks that it is
//! what this writes). `--out-of-fold FILE` writes each line's probabilities from
//! the fold that did not learn it (JSON lines: text, category, one per head), to
//! study the model on lines it has not seen.

use std::path::PathBuf;
use std::process::ExitCode;

use moderation::learning::{self, CLEAN_FLAGGED, FOLDS, THREAT_CLEAN_FLAGGED};
use sideline_inline::learned::Training;

const USAGE: &str = "usage: moderation-train [--corpus DIR] [--write FILE] [--top N] [--out-of-fold FILE] [--explain TEXT (the shipped model on TEXT)] [--bits B --epochs E --learning-rate R --l2 L --clean-weight W (to explore; the shipped model uses the defaults)]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("moderation-train: {err}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut corpus = PathBuf::from("functions/moderation/corpus");
    let mut write = None;
    let mut out_of_fold = None;
    let mut top = 15usize;
    let mut training = Training::default();
    let mut explain = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--corpus" => corpus = PathBuf::from(value()?),
            "--explain" => explain.push(value()?),
            "--write" => write = Some(PathBuf::from(value()?)),
            "--out-of-fold" => out_of_fold = Some(PathBuf::from(value()?)),
            "--top" => {
                let v = value()?;
                top = v
                    .parse()
                    .map_err(|_| format!("--top takes a number, not `{v}`"))?;
            }
            "--bits" => training.bits = number(&value()?)?,
            "--epochs" => training.epochs = number(&value()?)?,
            "--learning-rate" => training.learning_rate = number(&value()?)?,
            "--l2" => training.l2 = number(&value()?)?,
            "--min-lines" => training.min_lines = number(&value()?)?,
            "--clean-weight" => {
                let v = value()?;
                training.clean_weight = number(&v)?;
                if !(training.clean_weight.is_finite() && training.clean_weight > 0.0) {
                    return Err(format!("--clean-weight takes a positive number, not `{v}`"));
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !explain.is_empty() {
        let model = sideline_inline::learned::model().ok_or("the shipped model does not load")?;
        for text in &explain {
            println!("{text}");
            for sideline_inline::learned::Explained {
                head,
                probability: p,
                weights,
            } in model.explain(text)
            {
                let shown: Vec<String> = weights
                    .iter()
                    .filter(|(_, w)| *w != 0)
                    .take(8)
                    .map(|(n, w)| format!("{n} {w:+}"))
                    .collect();
                println!("  {head} {p:.3}: {}", shown.join(", "));
            }
        }
        return Ok(());
    }
    let lines = learning::training_lines(&corpus)?;
    let outcome = learning::train(&lines, training);
    println!(
        "{} lines; {} buckets, {} epochs; thresholds by {FOLDS}-fold cross-validation, at most {:.1} % of clean lines per head ({:.1} % for the threat head)",
        lines.len(),
        1u64 << training.bits,
        training.epochs,
        CLEAN_FLAGGED * 100.0,
        THREAT_CLEAN_FLAGGED * 100.0
    );
    println!("\n| head | threshold | caught (out of fold) | clean reaching it |");
    println!("|---|---|---|---|");
    for h in &outcome.heads {
        println!(
            "| {} | {:.3} | {}/{} ({:.1} %) | {}/{} |",
            h.name,
            h.threshold,
            h.caught,
            h.positives,
            pct(h.caught, h.positives),
            h.clean_flagged,
            h.clean
        );
    }
    let (caught, abusive) = outcome.abusive_caught;
    let (flagged, clean) = outcome.clean_flagged;
    println!(
        "\nabusive lines reaching an abuse head: {caught}/{abusive} ({:.1} %); clean lines reaching any head: {flagged}/{clean} ({:.1} %)",
        pct(caught, abusive),
        pct(flagged, clean)
    );
    let [rules, both] = learning::with_rules(&lines, &outcome);
    println!("\ndevelopment half, the model out of fold: | abusive not as written | clean altered | scams through |");
    println!(
        "rules alone:      | {:.1} % | {:.1} % | {:.1} % |",
        rules.0, rules.1, rules.2
    );
    println!(
        "rules and model:  | {:.1} % | {:.1} % | {:.1} % |",
        both.0, both.1, both.2
    );
    if top > 0 {
        for (head, features) in learning::top_features(&outcome.model, &lines, top) {
            println!("\n{head}:");
            for (weight, names) in features {
                println!("  {weight:>4}  {names}");
            }
        }
    }
    if let Some(path) = out_of_fold {
        let mut out = String::new();
        for (line, p) in lines.iter().zip(&outcome.out_of_fold) {
            let heads: serde_json::Map<String, serde_json::Value> = outcome
                .heads
                .iter()
                .zip(p)
                .map(|(h, p)| (h.name.to_owned(), serde_json::json!(p)))
                .collect();
            let row = serde_json::json!({
                "text": line.text,
                "category": line.category.as_deref().or(line.label.as_deref()),
                "heads": heads,
            });
            out.push_str(&row.to_string());
            out.push('\n');
        }
        std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("\nwrote {} (out-of-fold probabilities)", path.display());
    }
    if let Some(path) = write {
        let bytes = outcome.model.encode();
        std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("\nwrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}

fn number<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("`{v}` is not a number of the kind expected"))
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
