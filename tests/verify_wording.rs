//! `verify` runs the pre-upgrade checks on the installed release: their findings must speak
//! of that release, not of "the target" (there is none after the upgrade). Every fixture
//! root and the example host, verified as they are.
use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn verify_findings_never_speak_of_a_target() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots");
    let mut roots: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"));
    roots.sort();
    let (mut seen, mut bad) = (0, Vec::new());
    for root in &roots {
        let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
            .arg("--root")
            .arg(root)
            .args(["verify", "--format", "json"])
            .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
            .output()
            .unwrap();
        // roots verify cannot read (an os-release it has no profile for) are not the point
        let Ok(doc) = serde_json::from_slice::<Value>(&out.stdout) else {
            continue;
        };
        // a check found in many places has its fixed texts once, in `checks`
        let shared: Vec<&Value> = doc["checks"]
            .as_object()
            .map(|c| c.values().collect())
            .unwrap_or_default();
        for f in doc["findings"].as_array().unwrap() {
            seen += 1;
            let mut texts = vec![&f["title"], &f["summary"], &f["remediation"]["hint"]];
            for c in &shared {
                texts.extend([&c["title"], &c["explanation"], &c["hint"]]);
            }
            for text in texts {
                let text = text.as_str().unwrap_or("");
                for phrase in ["the target", "a target"] {
                    if text.contains(phrase) {
                        bad.push(format!("{} {}: {text}", root.display(), f["id"]));
                    }
                }
            }
        }
    }
    assert!(seen > 20, "only {seen} findings: the roots did not verify");
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}
