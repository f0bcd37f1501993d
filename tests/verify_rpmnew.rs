//! `rpmnew-merge` (verify): the three-way analysis of `main.cf.rpmnew` on real stock
//! files. Base: RHEL 9's stock main.cf as its RPM installs it (`data/stock/el9-3.5.9`).
//! Theirs: upstream 3.8.5's main.cf with RHEL 10's changes made by the real postconf as
//! the package build makes them (install paths; compatibility_level 3.8; Fedora's %prep
//! for RHEL 10: alias tables lmdb:, `default_database_type = lmdb`). Ours: the RHEL 9
//! file with an admin's changes, also made by the real postconf, one of them a conflict.
//! The commands the finding gives are run with the real postconf; postconf accepts the
//! result and a second verify has only the conflict left.
mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn postconf(dir: &Path, args: &[&str]) {
    let out = Command::new(support::tool("postconf"))
        .arg("-c")
        .arg(dir)
        .args(args)
        .output()
        .expect("run postconf");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "postconf {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn host() -> PathBuf {
    let r = support::scratch("verify_rpmnew", "host");
    support::copy_tree(&support::fixture_root("verify-migrated"), &r);
    let etc = r.join("etc/postfix");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/stock/el9-3.5.9");
    // ours: the RHEL 9 file as installed, then the admin's changes
    fs::copy(data.join("main.cf"), etc.join("main.cf")).unwrap();
    postconf(
        &etc,
        &[
            "-e",
            "myhostname = mail2.example.com",
            "inet_interfaces = all",
            "compatibility_level = 3.6",
        ],
    );
    // theirs: what the RHEL 10 package installs as main.cf.rpmnew
    let new = support::scratch("verify_rpmnew", "rpmnew");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/stock/rhel-like/el10-3.8.5-approx/main.cf");
    fs::copy(&shared, new.join("main.cf")).expect("shared stock data");
    postconf(
        &new,
        &[
            "-e",
            "sendmail_path = /usr/sbin/sendmail.postfix",
            "newaliases_path = /usr/bin/newaliases.postfix",
            "mailq_path = /usr/bin/mailq.postfix",
            "setgid_group = postdrop",
            "html_directory = no",
            "manpage_directory = /usr/share/man",
            "sample_directory = /usr/share/doc/postfix/samples",
            "readme_directory = /usr/share/doc/postfix/README_FILES",
            "meta_directory = /etc/postfix",
            "shlib_directory = /usr/lib64/postfix",
            "alias_maps = lmdb:/etc/aliases",
            "alias_database = lmdb:/etc/aliases",
            "default_database_type = lmdb",
        ],
    );
    fs::copy(new.join("main.cf"), etc.join("main.cf.rpmnew")).unwrap();
    r
}

fn merge_finding(root: &Path) -> Option<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .args(["verify", "--format", "json", "--only", "rpmnew-merge"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = doc["findings"].as_array().unwrap();
    assert!(fs.len() <= 1, "{doc:#}");
    fs.first().cloned()
}

#[test]
fn takes_stock_changes_keeps_the_admins_and_shows_the_conflict() {
    let r = host();
    let f = merge_finding(&r).expect("a finding for main.cf.rpmnew");
    let summary = f["summary"].as_str().unwrap();
    // the untouched stock alias tables move to lmdb with the new stock file
    assert!(
        summary.contains("alias_maps `hash:/etc/aliases` → `lmdb:/etc/aliases`"),
        "{summary}"
    );
    assert!(
        summary.contains("default_database_type (not set) → `lmdb`"),
        "{summary}"
    );
    // the admin's own settings are kept, the level is a conflict shown side by side
    assert!(
        summary.contains("Changed only by you (kept): inet_interfaces, myhostname"),
        "{summary}"
    );
    assert!(
        summary.contains("compatibility_level: was `2`, new stock `3.8`, yours `3.6`"),
        "{summary}"
    );
    let commands: Vec<Vec<String>> =
        serde_json::from_value(f["remediation"]["commands"].clone()).unwrap();
    assert_eq!(commands.len(), 4, "{commands:?}");
    // first the fix that applies them (tests/fix_rpmnew.rs runs it), then the same by hand
    assert_eq!(
        commands[0].join(" "),
        "postfix-preupgrade --source 9 --target 10 fix --only rpmnew-merge"
    );
    // the commands, run by the real postconf on the root's config directory
    let etc = r.join("etc/postfix");
    for c in &commands[1..] {
        assert_eq!(&c[..3], ["postconf", "-c", "/etc/postfix"], "{c:?}");
        let args: Vec<&str> = c[3..].iter().map(String::as_str).collect();
        postconf(&etc, &args);
    }
    postconf(&etc, &["-n"]);
    // what is left: the conflict only
    let f = merge_finding(&r).expect("the conflict stays");
    assert_eq!(f["remediation"]["commands"], Value::Array(vec![]));
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains("0 new stock change(s)"),
        "{f:#}"
    );
    assert!(f["summary"]
        .as_str()
        .unwrap()
        .contains("compatibility_level: was"));
    // deciding it (taking the stock level) leaves only the .rpmnew to remove
    postconf(&etc, &["-e", "compatibility_level = 3.8"]);
    let f = merge_finding(&r).expect("a reminder");
    assert_eq!(f["severity"], "info");
    assert_eq!(
        f["remediation"]["commands"],
        serde_json::json!([["rm", "/etc/postfix/main.cf.rpmnew"]])
    );
    fs::remove_file(etc.join("main.cf.rpmnew")).unwrap();
    assert_eq!(merge_finding(&r), None);
}

#[test]
fn master_cf_by_service_an_admins_service_is_kept_and_nothing_is_missing() {
    let r = support::scratch("verify_rpmnew", "master");
    support::copy_tree(&support::fixture_root("verify-migrated"), &r);
    let etc = r.join("etc/postfix");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/stock/el9-3.5.9");
    fs::copy(data.join("master.cf"), etc.join("master.cf")).unwrap();
    postconf(
        &etc,
        &[
            "-M",
            "submission/inet=submission inet n - n - - smtpd -o syslog_name=postfix/submission",
        ],
    );
    let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/stock/rhel-like/el10-3.8.5-approx/master.cf");
    fs::copy(&shared, etc.join("master.cf.rpmnew")).expect("shared stock data");
    // 3.5.9 and 3.8.5 differ in comments only (the submissions stanza is commented
    // out in both): the new services to take are none, the admin's is kept
    let f = merge_finding(&r).expect("a finding for master.cf.rpmnew");
    assert_eq!(f["severity"], "info", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("kept): submission/inet"),
        "{f:#}"
    );
    // an entry the new stock file changed and the admin did not: taken with postconf -M
    let mut theirs = fs::read_to_string(etc.join("master.cf.rpmnew")).unwrap();
    theirs = theirs.replace(
        "anvil     unix  -       -       n       -       1       anvil",
        "anvil     unix  -       -       n       -       2       anvil",
    );
    fs::write(etc.join("master.cf.rpmnew"), theirs).unwrap();
    let f = merge_finding(&r).expect("a finding");
    let commands: Vec<Vec<String>> =
        serde_json::from_value(f["remediation"]["commands"].clone()).unwrap();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert_eq!(commands[1][3], "-M");
    let args: Vec<&str> = commands[1][3..].iter().map(String::as_str).collect();
    postconf(&etc, &args);
    postconf(&etc, &["-M", "anvil/unix"]);
    assert_eq!(merge_finding(&r).unwrap()["severity"], "info");
}
