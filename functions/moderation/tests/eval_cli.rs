//! `moderation-eval` as a user runs it: JSON lines on stdin, a verdict per line
//! on stdout, rule sets put in shadow mode with `--shadow`.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moderation-eval"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("moderation-eval starts");
    // A wrong argument ends the program before it reads its input: the pipe
    // may be closed by then.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes());
    let out = child.wait_with_output().expect("moderation-eval ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn action(stdout: &str) -> String {
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    line["action"].as_str().expect("an action").to_owned()
}

#[test]
fn the_learned_second_opinion_can_be_put_in_shadow_mode_on_stdin_lines() {
    // Portuguese abuse only the learned second opinion reads.
    let input = "{\"id\":\"1\",\"text\":\"cala a boca seu arrombado\"}\n";
    let (code, stdout, _) = run(&[], input);
    assert_eq!(code, 0);
    assert_eq!(action(&stdout), "hold", "{stdout}");
    let (code, stdout, _) = run(&["--shadow", "learned"], input);
    assert_eq!(code, 0);
    assert_eq!(action(&stdout), "allow", "{stdout}");
}

#[test]
fn a_wrong_argument_is_a_clear_error_and_reads_nothing() {
    let input = "{\"id\":\"1\",\"text\":\"hello\"}\n";
    for args in [&["--shadow", "nope"][..], &["--shadow"], &["--bogus"]] {
        let (code, stdout, stderr) = run(args, input);
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains("moderation-eval:"), "{args:?}: {stderr}");
    }
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sideline-eval-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("a scratch file");
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_labelled_set_is_scored_on_its_own_in_counts_only() {
    let scratch = Scratch::new("set");
    let lines = [
        ("c1", "clean", "what a goal, the keeper had no chance"),
        ("c2", "clean", "kickoff at 20:45, who's watching?"),
        ("t1", "threat", "i will kill you after the match"),
        (
            "s1",
            "scam",
            "FREE robux for the first 50!! claim at robux-gift.xyz now",
        ),
    ];
    let text: String = lines
        .iter()
        .map(|(id, category, text)| {
            format!(
                "{}\n",
                serde_json::json!({"id": id, "lang": "en", "category": category, "text": text})
            )
        })
        .collect();
    let set = scratch.file("mine.jsonl", &text);
    let (code, stdout, stderr) = run(&["--set", &set], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("== {set}: 4 lines ==")),
        "{stdout}"
    );
    // Every line handled right: both clean lines as written, the threat and
    // the scam not.
    for row in [
        "clean           2    100.0",
        "threat          1    100.0",
        "scam            1    100.0",
    ] {
        assert!(stdout.contains(row), "{row}\n{stdout}");
    }
    assert!(
        stdout.contains("clean lines altered:         0.0%"),
        "{stdout}"
    );
    assert!(
        stdout.contains("scams let through:           0.0%"),
        "{stdout}"
    );
    // Counts only: no line of the set is printed.
    for (_, _, text) in lines {
        assert!(!stdout.contains(text), "{text}");
    }
}

#[test]
fn a_set_that_does_not_read_is_a_clear_error_and_nothing_is_scored() {
    let scratch = Scratch::new("bad-set");
    let good = scratch.file(
        "good.jsonl",
        "{\"id\":\"1\",\"lang\":\"en\",\"category\":\"clean\",\"text\":\"hello\"}\n",
    );
    let broken = scratch.file(
        "broken.jsonl",
        "{\"id\":\"1\",\"lang\":\"en\",\"category\":\"clean\",\"text\":\"hello\"}\n{\"id\":\n",
    );
    let empty = scratch.file("empty.jsonl", "\n\n");
    let missing = scratch.0.join("missing.jsonl").display().to_string();
    for (args, says) in [
        (vec!["--set", &good, "--set", &broken], "line 2"),
        (vec!["--set", &empty], "no lines"),
        (vec!["--set", &missing], "missing.jsonl"),
        (vec!["--set"], "--set needs a value"),
        (
            vec!["--half", "test", "--set", &good],
            "--half needs --corpus",
        ),
    ] {
        let (code, stdout, stderr) = run(&args, "");
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
