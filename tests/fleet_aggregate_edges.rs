//! `aggregate` at its edges: a path that is not a regular file (a FIFO given as a report,
//! or named `*.json` in a collected directory) is skipped by name and never blocks (a
//! fleet directory is written by many hands; an open of a FIFO waits for a writer
//! forever), and a fix that waits for the new release is not relayed as plain "safe".
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

/// The example host's compatibility-level fix is safe, but raising the level to 3.8 waits
/// for Postfix 3.8 (3.5 reads the level as a whole number): the fleet report says so
/// instead of relaying a plain "safe" that `fix -y` cannot finish before the upgrade.
#[test]
fn a_fix_that_waits_for_the_new_release_is_not_reported_as_plain_safe() {
    let dir = support::scratch("fleet", "aggregate-after-upgrade");
    let root = dir.join("root");
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"),
        &root,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(&root)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let compat = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "compatibility-level")
        .expect("the example host is below the target's level");
    assert_eq!(compat["fix"]["applicability"], "safe");
    assert_eq!(compat["fix"]["when"], "after-upgrade");
    let file = dir.join("mx1.json");
    std::fs::write(&file, &out.stdout).unwrap();

    let agg = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(["aggregate", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let fleet: Value = serde_json::from_slice(&agg.stdout).unwrap();
    let row = fleet["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "compatibility-level")
        .unwrap_or_else(|| panic!("{fleet:#}"));
    assert_eq!(row["fix"]["after_upgrade"], 1, "{row:#}");
    assert_eq!(row["fix"]["safe"], 0, "{row:#}");

    let text = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(["aggregate", "--format", "text"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("part of it after the upgrade"), "{text}");
}
