//! `postfix-preupgrade facts` end to end: JSON on stdout, exit 2 with a clear message
//! when the facts cannot be collected.
mod support;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    support::scratch("facts_cli", name)
}

fn facts(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("facts")
        .args(args)
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .output()
        .unwrap()
}

#[test]
fn prints_facts_as_json() {
    let root = scratch("rocky");
    fs::create_dir_all(root.join("etc/postfix")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\nPRETTY_NAME=\"Rocky Linux 8.10 (Green Obsidian)\"\n",
    )
    .unwrap();
    fs::write(root.join("etc/postfix/main.cf.rpmnew"), "x\n").unwrap();
    let out = facts(&["--root", root.to_str().unwrap(), "--target", "rhel10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["source"]["major"], 8);
    assert_eq!(j["source"]["id"], "rocky");
    assert_eq!(j["source_origin"], "os-release");
    assert_eq!(j["target"]["major"], 10);
    assert_eq!(j["target_origin"], "option");
    let steps: Vec<(&str, &str)> = j["upgrade_path"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["from"]["id"].as_str().unwrap(),
                s["to"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, [("el8.4", "el9"), ("el9", "el10")]);
    assert_eq!(j["postfix"]["version"], "3.5.8");
    assert_eq!(j["postfix"]["version_source"], "profile");
    assert_eq!(j["instances"][0]["config_directory"], "/etc/postfix");
    assert_eq!(j["rpm_leftovers"][0], "/etc/postfix/main.cf.rpmnew");
    let assumptions = j["assumptions"].as_array().unwrap();
    assert!(assumptions
        .iter()
        .any(|a| a.as_str().unwrap().contains("assumed to be 3.5.8")));
}

#[test]
fn non_rhel_root_fails_with_exit_2_naming_the_file() {
    let root = scratch("debian");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let out = facts(&["--root", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/etc/os-release") && err.contains("ID=debian"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = facts(&["--root", root.join("missing").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));

    let out = facts(&[
        "--root",
        root.to_str().unwrap(),
        "--source",
        "9",
        "--target",
        "rhel11",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported"));
}
