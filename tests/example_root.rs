//! The README's first command, on the example root shipped in the repo: it must run and
//! say true things (the story: a RHEL 9.4 host with smtps enabled and hash: aliases, a
//! real rpm database written by rpm itself, heading to RHEL 10).
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");

/// The arguments of the README's `cargo run -- ARGS` line.
fn readme_args() -> Vec<String> {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let line = readme
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cargo run -- "))
        .expect("README gives a `cargo run -- ...` command");
    line["cargo run -- ".len()..]
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_command_runs_on_the_example_root() {
    let args = readme_args();
    assert!(
        args.iter().any(|a| a == "examples/rhel9-mailhost"),
        "{args:?}"
    );
    let out = Command::new(BIN)
        .args(&args)
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // 0 or 1 (inhibitors): never a tool failure.
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("mail1.example.com"), "{text}");
    assert!(
        text.contains("Postfix 3.5.9") && text.contains("Postfix 3.8.5"),
        "{text}"
    );
}

#[test]
fn example_facts_come_from_its_rpm_database() {
    let out = Command::new(BIN)
        .args([
            "--root",
            "examples/rhel9-mailhost",
            "--target",
            "10",
            "facts",
        ])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["postfix"]["version"], "3.5.9");
    assert_eq!(v["postfix"]["version_source"], "rpmdb-sqlite");
    let states: Vec<(String, String)> = v["config_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().into(),
                c["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    // The admin edited both files (smtps enabled, site settings): rpm -V says modified,
    // so the upgrade keeps them and the new stock files land as .rpmnew.
    assert!(
        states.contains(&("/etc/postfix/main.cf".into(), "modified".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("/etc/postfix/master.cf".into(), "modified".into())),
        "{states:?}"
    );
    assert_eq!(v["assumptions"].as_array().unwrap().len(), 0, "{v}");
}
