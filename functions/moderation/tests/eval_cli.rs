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
