//! Text and JSON snapshots of the real `check` command on the story fixture and on the
//! README's example root. Only what depends on the machine is normalised: the time of
//! the run and where the repository is checked out.
use std::path::Path;
use std::process::Command;

mod support;

fn check(root: &str, format: &str) -> (String, Option<i32>) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    // a copy at a path of fixed length: the text report wraps lines that name the root
    let copy = support::fixed_length_root(Some(&base.join(root)));
    let dir = copy.path();
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .env("NO_COLOR", "1")
        .arg("--root")
        .arg(dir)
        .args(["--color", "never", "check", "--format", format])
        .output()
        .expect("run postfix-preupgrade");
    let text = String::from_utf8(out.stdout).expect("utf-8 report");
    (
        text.replace(&dir.display().to_string(), "[ROOT]"),
        out.status.code(),
    )
}

/// The text report with the run's timestamp in its first line replaced.
fn text(root: &str) -> String {
    let (t, code) = check(root, "text");
    assert_eq!(code, Some(1), "both hosts have inhibitors");
    let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
    let first = &lines[0];
    let open = first.rfind('(').expect("timestamp in the header");
    assert!(first.ends_with("Z)"), "{first}");
    lines[0] = format!("{}([generated_at])", &first[..open]);
    lines.join("\n") + "\n"
}

fn json(root: &str) -> String {
    let (t, code) = check(root, "json");
    assert_eq!(code, Some(1));
    let mut v: serde_json::Value = serde_json::from_str(&t).expect("JSON report");
    assert!(v["generated_at"].as_str().unwrap().ends_with('Z'));
    v["generated_at"] = "[generated_at]".into();
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

#[test]
fn story_text() {
    insta::assert_snapshot!("story_text", text("tests/fixtures/roots/el9-story"));
}

#[test]
fn story_json() {
    insta::assert_snapshot!("story_json", json("tests/fixtures/roots/el9-story"));
}

#[test]
fn example_text() {
    insta::assert_snapshot!("example_text", text("examples/rhel9-mailhost"));
}

#[test]
fn example_json() {
    insta::assert_snapshot!("example_json", json("examples/rhel9-mailhost"));
}
