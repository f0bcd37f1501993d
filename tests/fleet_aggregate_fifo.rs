//! `aggregate` never blocks on a path that is not a regular file: a FIFO given as a report,
//! or named `*.json` in a collected directory, is skipped by name (a fleet directory is
//! written by many hands; an open of a FIFO would wait for a writer forever).
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("run mkfifo");
    assert!(st.success());
}

#[test]
fn fifos_are_skipped_by_name_and_never_block() {
    let dir = support::scratch("fleet", "aggregate-fifo");
    let given = dir.join("given.json");
    mkfifo(&given);
    let collected = dir.join("collected");
    std::fs::create_dir_all(&collected).unwrap();
    let inside = collected.join("mx9.json");
    mkfifo(&inside);

    let mut child = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(["aggregate", "--format", "json"])
        .arg(&given)
        .arg(&collected)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("aggregate blocked on a FIFO for 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing merged: not known ready"
    );
    let agg: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let skipped: Vec<(String, String)> = agg["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (
                given.display().to_string(),
                "not a regular file".to_string()
            ),
            (
                inside.display().to_string(),
                "not a regular file".to_string()
            ),
        ]
    );
}
