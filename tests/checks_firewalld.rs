//! `firewalld-smtp-submission` with the real `firewall-offline-cmd` (Debian's firewalld,
//! 1.3, the series RHEL 9 ships) on zone files inside scratch roots.
//!
//! What the target's firewalld does with the old name is not assumed: the test gives the
//! real tool a default configuration with upstream firewalld 2.3's service files
//! (`data/firewalld/v2.3.0`, RHEL 10's series) and asks it. It accepts a zone naming
//! `smtp-submission` (a deprecated alias including `submission`), so the finding is low;
//! without that alias file the same zone is a configuration error.
mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// firewalld's default configuration as RHEL 9 has it (Debian's /usr/lib/firewalld) or
/// with the target's service files over it.
fn default_config(name: &str, target: bool) -> PathBuf {
    let dir = support::scratch("checks_firewalld", name);
    support::copy_tree(Path::new("/usr/lib/firewalld"), &dir);
    if target {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/firewalld/v2.3.0/services");
        for e in fs::read_dir(data).unwrap() {
            let p = e.unwrap().path();
            fs::copy(&p, dir.join("services").join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The real firewall-offline-cmd on `root`'s /etc/firewalld with `defaults`.
fn offline(root: &Path, defaults: &Path, args: &[&str]) -> Output {
    let out = Command::new(support::tool("firewall-offline-cmd"))
        .arg("--system-config")
        .arg(root.join("etc/firewalld"))
        .arg("--default-config")
        .arg(defaults)
        .args(args)
        .output()
        .expect("run firewall-offline-cmd");
    out
}

fn ok(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "firewall-offline-cmd failed: {text}");
    text
}

/// A scratch copy of a fixture root whose public zone the real RHEL-9-series firewalld
/// made to open smtp and smtp-submission.
fn root_with_zone(fixture: &str, name: &str) -> PathBuf {
    let root = support::scratch("checks_firewalld", name);
    support::copy_tree(&support::fixture_root(fixture), &root);
    fs::create_dir_all(root.join("etc/firewalld")).unwrap();
    fs::copy(
        "/etc/firewalld/firewalld.conf",
        root.join("etc/firewalld/firewalld.conf"),
    )
    .expect("Debian's firewalld package installs /etc/firewalld/firewalld.conf");
    let source = default_config(&format!("{name}-source"), false);
    for s in ["smtp", "smtp-submission"] {
        ok(&offline(
            &root,
            &source,
            &["--zone=public", &format!("--add-service={s}")],
        ));
    }
    root
}

fn json(args: &[&str], root: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .args(args)
        .args(["--format", "json", "--only", "firewalld-smtp-submission"])
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap(), doc)
}

fn zone_line(root: &Path, service: &str) -> usize {
    let text = fs::read_to_string(root.join("etc/firewalld/zones/public.xml")).unwrap();
    text.lines()
        .position(|l| l.contains(&format!("name=\"{service}\"")))
        .expect("the service in the zone")
        + 1
}

#[test]
fn the_targets_firewalld_keeps_the_old_name_as_an_alias() {
    let root = root_with_zone("el9-migrated", "alias");
    let target = default_config("alias-target", true);
    // RHEL 10's service files: the zone loads, and the old name includes the new one
    ok(&offline(&root, &target, &["--check-config"]));
    let info = ok(&offline(
        &root,
        &target,
        &["--info-service=smtp-submission"],
    ));
    assert!(info.contains("includes: submission"), "{info}");
    let listed = ok(&offline(
        &root,
        &target,
        &["--zone=public", "--list-services"],
    ));
    assert!(
        listed.split_whitespace().any(|s| s == "smtp-submission"),
        "{listed}"
    );
    // were the alias gone, the same zone would not load: that is what low rests on
    fs::remove_file(target.join("services/smtp-submission.xml")).unwrap();
    let broken = offline(&root, &target, &["--check-config"]);
    assert!(!broken.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&broken.stdout),
        String::from_utf8_lossy(&broken.stderr)
    );
    assert!(said.contains("INVALID_SERVICE"), "{said}");
}

#[test]
fn check_before_the_upgrade_is_low_and_defers_the_rename() {
    let root = root_with_zone("el9-migrated", "check");
    let (code, doc) = json(&["--target", "10", "check"], &root);
    assert_eq!(code, 0);
    let fs = doc["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "{doc:#}");
    let f = &fs[0];
    assert_eq!(f["severity"], "low");
    assert_eq!(f["location"]["file"], "/etc/firewalld/zones/public.xml");
    assert_eq!(f["location"]["line"], zone_line(&root, "smtp-submission"));
    // RHEL 9's firewalld has no `submission`: no command to run now
    assert_eq!(f["remediation"]["commands"], Value::Array(vec![]));
    assert!(f["summary"].as_str().unwrap().contains("after the upgrade"));
    // an upgrade to RHEL 9 does not touch firewalld's names: nothing to say
    let el8 = root_with_zone("el8-legacy", "check-el8");
    let (_, doc) = json(&["--target", "9", "check"], &el8);
    assert_eq!(doc["findings"], Value::Array(vec![]), "{doc:#}");
}

#[test]
fn verify_gives_commands_that_the_targets_firewalld_applies() {
    let root = root_with_zone("verify-migrated", "verify");
    let (code, doc) = json(&["verify"], &root);
    assert_eq!(code, 0);
    let f = &doc["findings"][0];
    assert_eq!(f["id"], "firewalld-smtp-submission", "{doc:#}");
    let target = default_config("verify-target", true);
    // run the finding's firewall-cmd commands with firewall-offline-cmd, as on an image
    for cmd in f["remediation"]["commands"].as_array().unwrap() {
        let argv: Vec<&str> = cmd
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(argv[0], "firewall-cmd");
        if argv[1] == "--reload" {
            continue;
        }
        assert_eq!(argv[1], "--permanent");
        // firewall-offline-cmd spells a zone's removal --remove-service-from-zone (its
        // --remove-service is the lokkit option), as the finding's hint says
        let args: Vec<String> = argv[2..]
            .iter()
            .map(|a| a.replace("--remove-service=", "--remove-service-from-zone="))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&offline(&root, &target, &args));
    }
    ok(&offline(&root, &target, &["--check-config"]));
    let listed = ok(&offline(
        &root,
        &target,
        &["--zone=public", "--list-services"],
    ));
    let services: Vec<&str> = listed.split_whitespace().collect();
    assert!(services.contains(&"submission"), "{listed}");
    assert!(!services.contains(&"smtp-submission"), "{listed}");
    let (code, doc) = json(&["verify"], &root);
    assert_eq!((code, &doc["findings"]), (0, &Value::Array(vec![])));
}

#[test]
fn a_rich_rule_naming_the_old_service_gets_no_commands_that_miss_it() {
    let root = root_with_zone("verify-migrated", "rich");
    let source = default_config("rich-source", false);
    let rule = |s: &str| {
        format!("rule family=\"ipv4\" source address=\"192.0.2.0/24\" service name=\"{s}\" accept")
    };
    ok(&offline(
        &root,
        &source,
        &[
            "--zone=public",
            &format!("--add-rich-rule={}", rule("smtp-submission")),
        ],
    ));
    let (_, doc) = json(&["verify"], &root);
    let fs = doc["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 2, "{doc:#}");
    let in_rule: Vec<&Value> = fs
        .iter()
        .filter(|f| f["remediation"]["commands"] == Value::Array(vec![]))
        .collect();
    assert_eq!(in_rule.len(), 1, "{doc:#}");
    assert!(in_rule[0]["remediation"]["hint"]
        .as_str()
        .unwrap()
        .contains("rich rule"));
    // replacing the rule as the hint says, with the target's firewalld, clears it
    let target = default_config("rich-target", true);
    ok(&offline(
        &root,
        &target,
        &[
            "--zone=public",
            &format!("--remove-rich-rule={}", rule("smtp-submission")),
        ],
    ));
    ok(&offline(
        &root,
        &target,
        &[
            "--zone=public",
            &format!("--add-rich-rule={}", rule("submission")),
        ],
    ));
    ok(&offline(&root, &target, &["--check-config"]));
    let (_, doc) = json(&["verify"], &root);
    let fs = doc["findings"].as_array().unwrap();
    assert_eq!(fs.len(), 1, "{doc:#}");
    assert_ne!(fs[0]["remediation"]["commands"], Value::Array(vec![]));
}
