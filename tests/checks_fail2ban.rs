//! `fail2ban-smtps-syslog-name` with the real `fail2ban-regex` (Debian's fail2ban).
//!
//! `tests/fixtures/roots/fail2ban-smtps` is an overlay (a site filter and its jail for port
//! 465, written against the `postfix/smtps` tag), copied over a mail host root: the
//! example RHEL 9 host (its smtps stanza logs as postfix/smtps: the rename is ahead) and
//! the upgraded `verify-migrated` host (its submissions stanza logs as
//! postfix/submissions: the rule is dead). The premise is the real tool's: the site
//! filter matches a SASL failure logged under the old tag and not under the new one,
//! while fail2ban's stock postfix filter matches both.
mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const OLD_LINE: &str = "Nov 29 21:00:01 mail postfix/smtps/smtpd[1234]: warning: \
                        unknown[192.0.2.7]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n";
const NEW_LINE: &str = "Nov 29 21:00:02 mail postfix/submissions/smtpd[1235]: warning: \
                        unknown[192.0.2.8]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n";
const FILTER: &str = "etc/fail2ban/filter.d/postfix-smtps.local";

fn root(base: &Path, name: &str) -> PathBuf {
    let dir = support::scratch("checks_fail2ban", name);
    support::copy_tree(base, &dir);
    support::copy_tree(&support::fixture_root("fail2ban-smtps"), &dir);
    dir
}

/// How many of the log lines `filter` (a file, `[mode=...]` allowed) matches, by the
/// real fail2ban-regex.
fn matched(name: &str, log: &str, filter: &str) -> usize {
    let dir = support::scratch("checks_fail2ban", name);
    let log_file = dir.join("mail.log");
    fs::write(&log_file, log).unwrap();
    let out = Command::new(support::tool("fail2ban-regex"))
        .arg(&log_file)
        .arg(filter)
        .output()
        .expect("run fail2ban-regex");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "fail2ban-regex: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("Lines:"))
        .unwrap_or_else(|| panic!("no Lines: in {text}"));
    // "Lines: 2 lines, 0 ignored, 1 matched, 1 missed"
    line.split(", ")
        .find_map(|p| p.strip_suffix(" matched"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

fn findings(root: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .args(args)
        .args(["--format", "json", "--only", "fail2ban-smtps-syslog-name"])
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn the_site_filter_misses_the_renamed_tag_and_the_stock_one_does_not() {
    let site = support::fixture_root("fail2ban-smtps").join(FILTER);
    let site = site.to_str().unwrap();
    assert_eq!(matched("old-site", OLD_LINE, site), 1);
    assert_eq!(matched("new-site", NEW_LINE, site), 0);
    let stock = "/etc/fail2ban/filter.d/postfix.conf[mode=auth]";
    assert_eq!(
        matched("both-stock", &format!("{OLD_LINE}{NEW_LINE}"), stock),
        2
    );
}

#[test]
fn check_warns_before_the_rename_at_the_rule() {
    let r = root(
        &support::fixture_root("../../../examples/rhel9-mailhost"),
        "check",
    );
    // the stock filter in the same root is not reported: it matches both tags
    fs::copy(
        "/etc/fail2ban/filter.d/postfix.conf",
        r.join("etc/fail2ban/filter.d/postfix.conf"),
    )
    .expect("Debian's fail2ban installs filter.d/postfix.conf");
    let fs = findings(&r, &["--target", "10", "check"]);
    // one finding per rule: the failregex line and its continuation
    assert_eq!(fs.len(), 2, "{fs:#?}");
    for (f, line) in fs.iter().zip([4, 5]) {
        assert_eq!(f["severity"], "low");
        assert_eq!(f["location"]["file"], format!("/{FILTER}"));
        assert_eq!(f["location"]["line"], line);
    }
}

#[test]
fn verify_after_the_rename_says_the_rule_is_dead_until_it_matches_both() {
    let r = root(&support::fixture_root("verify-migrated"), "verify");
    let fs = findings(&r, &["verify"]);
    assert_eq!(fs.len(), 2, "{fs:#?}");
    assert!(fs.iter().all(|f| f["severity"] == "medium"), "{fs:#?}");
    // the remedy the finding gives, checked with the real tool, then verify is quiet
    let filter = r.join(FILTER);
    let text = fs::read_to_string(&filter).unwrap();
    fs::write(
        &filter,
        text.replace("postfix/smtps/", "postfix/(smtps|submissions)/"),
    )
    .unwrap();
    let both = format!("{OLD_LINE}{NEW_LINE}");
    assert_eq!(matched("fixed", &both, filter.to_str().unwrap()), 2);
    assert_eq!(findings(&r, &["verify"]), Vec::<Value>::new());
}
