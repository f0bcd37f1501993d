//! `mta-alternative` on alternatives state written by a real tool: Debian's
//! `update-alternatives --root` writes the same state format as RHEL's chkconfig
//! `alternatives` (mode, link, followers, then each alternative's path, priority and
//! follower paths) and makes the same links, inside a scratch copy of the example RHEL 9
//! host (target RHEL 10) and of the upgraded `verify-migrated` host.
mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ID: &str = "mta-alternative";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost")
}

/// A copy of `base` with the MTA binaries `bins` (system paths) present.
fn root(name: &str, base: &Path, bins: &[&str]) -> PathBuf {
    let dir = support::scratch("checks_mta_alternative", name);
    support::copy_tree(base, &dir);
    for b in bins {
        let p = dir.join(b.trim_start_matches('/'));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, "#!/bin/sh\n").unwrap();
    }
    fs::create_dir_all(dir.join("etc/alternatives")).unwrap();
    fs::create_dir_all(dir.join("var/lib/alternatives")).unwrap();
    dir
}

/// `update-alternatives ARGS` on the root, with chkconfig's state directory.
fn alternatives(root: &Path, args: &[&str]) {
    let out = Command::new(support::tool("update-alternatives"))
        .arg("--root")
        .arg(root)
        .arg("--admindir")
        .arg(root.join("var/lib/alternatives"))
        .args(args)
        .output()
        .expect("run update-alternatives");
    assert!(
        out.status.success(),
        "update-alternatives {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn install(root: &Path, path: &str, priority: &str) {
    alternatives(
        root,
        &["--install", "/usr/sbin/sendmail", "mta", path, priority],
    );
}

fn findings(root: &Path, command: &str) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .args([command, "--format", "json", "--only", ID])
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == ID)
        .cloned()
        .collect()
}

fn one(root: &Path, command: &str) -> Value {
    let f = findings(root, command);
    assert_eq!(f.len(), 1, "{f:#?}");
    f[0].clone()
}

#[test]
fn postfix_chosen_is_quiet_and_no_state_is_quiet() {
    let r = root("postfix", &example(), &["/usr/sbin/sendmail.postfix"]);
    assert!(findings(&r, "check").is_empty());
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    assert!(findings(&r, "check").is_empty());
    assert_eq!(
        fs::read_link(r.join("usr/sbin/sendmail")).unwrap(),
        Path::new("/etc/alternatives/mta")
    );
}

#[test]
fn sendmail_takes_the_link_by_priority_and_rhel10_is_not_known() {
    let r = root(
        "sendmail",
        &example(),
        &["/usr/sbin/sendmail.postfix", "/usr/sbin/sendmail.sendmail"],
    );
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    install(&r, "/usr/sbin/sendmail.sendmail", "90");
    let f = one(&r, "check");
    assert_eq!(f["severity"], "low");
    let state = fs::read_to_string(r.join("var/lib/alternatives/mta")).unwrap();
    let line = state
        .lines()
        .position(|l| l == "/usr/sbin/sendmail.sendmail")
        .unwrap()
        + 1;
    assert_eq!(f["location"]["line"], line);
    assert_eq!(f["location"]["file"], "/var/lib/alternatives/mta");
    let summary = f["summary"].as_str().unwrap();
    assert!(summary.contains("auto mode"), "{summary}");
    assert!(
        summary.contains("Whether RHEL 10's repositories ship sendmail is not in this tool's data"),
        "{summary}"
    );
    assert!(f["inhibitor"] == false);
}

#[test]
fn an_epel_mta_chosen_by_hand_is_medium() {
    let r = root(
        "ssmtp",
        &example(),
        &["/usr/sbin/sendmail.postfix", "/usr/sbin/sendmail.ssmtp"],
    );
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    install(&r, "/usr/sbin/sendmail.ssmtp", "30");
    alternatives(&r, &["--set", "mta", "/usr/sbin/sendmail.ssmtp"]);
    let f = one(&r, "check");
    assert_eq!(f["severity"], "medium");
    let summary = f["summary"].as_str().unwrap();
    assert!(summary.contains("manual mode"), "{summary}");
    assert!(summary.contains("EPEL"), "{summary}");
}

#[test]
fn a_link_to_a_removed_mta_is_high_before_and_after_the_upgrade() {
    for (name, base) in [
        ("gone-el9", example()),
        ("gone-migrated", support::fixture_root("verify-migrated")),
    ] {
        let r = root(
            name,
            &base,
            &["/usr/sbin/sendmail.postfix", "/usr/sbin/sendmail.sendmail"],
        );
        install(&r, "/usr/sbin/sendmail.postfix", "60");
        install(&r, "/usr/sbin/sendmail.sendmail", "90");
        // the package went; its scriptlet did not run (rpm -e --noscripts, a broken %postun)
        fs::remove_file(r.join("usr/sbin/sendmail.sendmail")).unwrap();
        let command = if name == "gone-el9" {
            "check"
        } else {
            "verify"
        };
        let f = one(&r, command);
        assert_eq!(f["severity"], "high", "{name}: {f:#}");
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .contains("/usr/sbin/sendmail.sendmail does not exist"),
            "{f:#}"
        );
        let text = f.to_string();
        assert!(
            text.contains("\"--set\",\"mta\",\"/usr/sbin/sendmail.postfix\""),
            "{name}: the fix command names Postfix's alternative: {text}"
        );
    }
}

#[test]
fn an_unparsable_state_names_its_line() {
    let r = root("corrupt", &example(), &["/usr/sbin/sendmail.postfix"]);
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    let state = r.join("var/lib/alternatives/mta");
    let text = fs::read_to_string(&state).unwrap();
    // the priority of the only alternative (line 5: mode, link, blank, path, priority)
    let broken = text.replacen("\n60\n", "\nsixty\n", 1);
    assert_ne!(text, broken);
    fs::write(&state, broken).unwrap();
    let f = one(&r, "check");
    assert_eq!(f["severity"], "medium");
    assert_eq!(f["location"]["line"], 5, "{f:#}");
    assert!(f["summary"].as_str().unwrap().contains("line 5"), "{f:#}");
}

#[test]
fn a_fifo_or_link_loop_as_state_never_hangs() {
    let r = root("fifo", &example(), &["/usr/sbin/sendmail.postfix"]);
    let state = r.join("var/lib/alternatives/mta");
    let st = Command::new("mkfifo").arg(&state).status().unwrap();
    assert!(st.success());
    // a FIFO is not read (no regular file): no state, no finding, and no hang
    assert!(findings(&r, "check").is_empty());
    fs::remove_file(&state).unwrap();
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    let link = r.join("etc/alternatives/mta");
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("mta", &link).unwrap();
    let f = one(&r, "check");
    assert_eq!(f["severity"], "high");
}

/// The link is followed inside the root however it is written: a relative target that
/// leads to Postfix is Postfix (no finding), an absolute link to itself is a loop (the
/// sendmail command is broken), and a relative target to a missing file is broken too.
#[test]
fn the_link_is_followed_inside_the_root_relative_or_looping() {
    let r = root("relative", &example(), &["/usr/sbin/sendmail.postfix"]);
    install(&r, "/usr/sbin/sendmail.postfix", "60");
    let link = r.join("etc/alternatives/mta");
    let relink = |target: &str| {
        fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(target, &link).unwrap();
    };
    relink("../../usr/sbin/sendmail.postfix");
    assert!(findings(&r, "check").is_empty());

    relink("/etc/alternatives/mta");
    let f = one(&r, "check");
    assert_eq!(f["severity"], "high");
    assert!(f["title"]
        .as_str()
        .unwrap()
        .contains("/etc/alternatives/mta"));

    relink("../../usr/sbin/sendmail.gone");
    let f = one(&r, "check");
    assert_eq!(f["severity"], "high");
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains("/usr/sbin/sendmail.gone"),
        "{}",
        f["title"]
    );
}
