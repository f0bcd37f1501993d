//! The Ansible fleet playbook (contrib/ansible) run by the real ansible-playbook against
//! two "hosts" (local connections inspecting two fixture roots) and the real binary.
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is required for this test (scripts/test.sh installs it)"
    );
}

fn run_playbook(dir: &Path, extra: &[&str]) -> std::process::Output {
    let inventory = dir.join("inventory");
    std::fs::write(
        &inventory,
        format!(
            "[mail]\n\
             migrated ansible_connection=local pp_root={ROOT}/tests/fixtures/roots/el9-migrated\n\
             story ansible_connection=local pp_root={ROOT}/tests/fixtures/roots/el9-story\n"
        ),
    )
    .unwrap();
    let reports = dir.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let mut cmd = Command::new("ansible-playbook");
    cmd.arg("-i")
        .arg(&inventory)
        .arg(format!("{ROOT}/contrib/ansible/postfix-preupgrade.yml"))
        .arg("-e")
        .arg(format!(
            "pp_binary={}",
            env!("CARGO_BIN_EXE_postfix-preupgrade")
        ))
        .arg("-e")
        .arg(format!("pp_report_dir={}", reports.display()))
        .arg("-e")
        .arg("pp_target=10")
        .args(extra)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", dir.join("tmp"))
        .env("ANSIBLE_HOME", dir.join("home"))
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3");
    cmd.output().expect("ansible-playbook runs")
}

#[test]
fn playbook_collects_reports_and_summary_from_every_host() {
    require("ansible-playbook");
    let dir = tempfile::tempdir().unwrap();
    let out = run_playbook(dir.path(), &[]);
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "playbook failed:\n{log}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for host in ["migrated", "story"] {
        let text =
            std::fs::read_to_string(dir.path().join(format!("reports/{host}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["tool"]["name"], "postfix-preupgrade");
        assert_eq!(v["target"]["release"], "10");
    }
    let summary = std::fs::read_to_string(dir.path().join("reports/summary.tsv")).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines[0], "host\tinhibitors\thigh\tmedium\tlow\tinfo");
    assert_eq!(lines.len(), 3, "{summary}");
    assert!(lines[1].starts_with("migrated\t0\t"), "{summary}");
    assert!(lines[2].starts_with("story\t"), "{summary}");
}

#[test]
fn playbook_fails_inhibited_hosts_only_when_asked() {
    require("ansible-playbook");
    let dir = tempfile::tempdir().unwrap();
    let out = run_playbook(dir.path(), &["-e", "pp_fail_on_inhibitor=true"]);
    let log = String::from_utf8_lossy(&out.stdout);
    let summary = std::fs::read_to_string(dir.path().join("reports/summary.tsv")).unwrap();
    let story = summary.lines().find(|l| l.starts_with("story\t")).unwrap();
    let inhibitors: u32 = story.split('\t').nth(1).unwrap().parse().unwrap();
    // The story host (hash: tables heading to RHEL 10) is inhibited and fails; the migrated
    // host passes.
    assert!(inhibitors > 0, "{summary}");
    assert!(log.contains("migrated"), "{log}");
    assert!(!log.contains("fatal: [migrated]"), "{log}");
    assert!(log.contains("fatal: [story]"), "{log}");
    assert!(!out.status.success(), "{log}");
}
