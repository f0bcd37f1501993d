//! The whole story of issue 14, through the real binary, on a copy of the example RHEL 9
//! mail host (`examples/rhel9-mailhost`, its rpm database made by the real rpmbuild/rpm):
//!
//! 1. `check`: Berkeley DB tables inhibit the upgrade;
//! 2. `fix -y`: what it can do now is done, but postfix-lmdb is missing, so the tables
//!    stay and the exit code says something still inhibits (3);
//! 3. the admin installs postfix-lmdb (the real rpm, into the root's database); `fix -y`
//!    switches the tables, and nothing inhibits (0); the rest waits for the upgrade;
//! 4. the "upgrade": RHEL 10's postfix, postfix-pcre and postfix-lmdb 3.8.5 (the stock
//!    files of `data/stock/el10-3.8.5` as `%config(noreplace)`) installed over the RHEL 9
//!    ones with the real `rpm -U`, which leaves `main.cf.rpmnew` and `master.cf.rpmnew`
//!    beside the admin's modified files as it does on a real host; os-release says 10;
//! 5. `verify`: the postponed changes and the `.rpmnew` merge are reported, naming `fix`;
//! 6. `fix -y` (no release options: the host is on the newest release) applies them: the
//!    smtps rename judged against the installed 3.8.5 (no `--unsafe`), the level raised
//!    with its pins, the merge, and the `.rpmnew` files removed;
//! 7. `verify` again: no finding, exit 0; postconf reads the result with no warning;
//! 8. `undo` brings back every byte of the upgraded host, the `.rpmnew` files included.
mod fix_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use fix_support::{
    build_rpm, copy_tree, postconf, require_postfix_tools, run, snapshot, text, tool, PkgFile,
};

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn rpm(root: &Path, args: &[&str], pkgs: &[PathBuf]) -> String {
    let o = Command::new(tool("rpm"))
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"])
        .args(args)
        .args(pkgs)
        .output()
        .expect("run rpm");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "rpm {args:?}: {out}");
    out
}

/// A package with no files (a map-type plugin stands in for its shared object).
fn plugin(dir: &Path, name: &str, version: &str, release: &str) -> PathBuf {
    build_rpm(dir, name, version, release, &[])
}

fn stock(file: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/stock/el10-3.8.5")
            .join(file),
    )
    .unwrap()
}

/// (exit code, finding ids) of `verify --format json`.
fn verify(root: &Path) -> (Option<i32>, Vec<String>) {
    let o = run(&["--root", &s(root), "verify", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("verify --format json: {e}: {}", text(&o)));
    let ids = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    (o.status.code(), ids)
}

#[test]
fn check_fix_upgrade_verify_merge_verify_clean() {
    require_postfix_tools();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"),
        root,
    );
    let pkgs = tempfile::tempdir().unwrap();
    let etc = root.join("etc/postfix");

    // 1. check
    let o = run(&["--root", &s(root), "check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("\"berkeley-db-map\""), "{}", text(&o));

    // 2. fix: without postfix-lmdb the tables cannot switch: still inhibited
    let o = run(&["--root", &s(root), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("dnf install postfix-lmdb"),
        "{}",
        text(&o)
    );

    // 3. the admin installs postfix-lmdb; fix again: nothing inhibits
    let lmdb9 = plugin(pkgs.path(), "postfix-lmdb", "3.5.9", "24.el9");
    rpm(
        root,
        &[
            "-i",
            "--nodeps",
            "--noscripts",
            "--ignorearch",
            "--ignoreos",
        ],
        &[lmdb9],
    );
    let o = run(&["--root", &s(root), "fix", "-y"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Nothing inhibits the upgrade now."), "{out}");
    assert!(out.contains("For after the upgrade:"), "{out}");
    assert!(out.contains("[smtps-service-renamed]"), "{out}");
    assert!(root.join("etc/aliases.lmdb").is_file());

    // 4. the upgrade: rpm -U puts the new stock files beside the modified ones
    let new = [
        build_rpm(
            pkgs.path(),
            "postfix",
            "3.8.5",
            "6.el10",
            &[
                PkgFile {
                    path: "/etc/postfix/main.cf",
                    contents: &stock("main.cf"),
                    config: true,
                },
                PkgFile {
                    path: "/etc/postfix/master.cf",
                    contents: &stock("master.cf"),
                    config: true,
                },
            ],
        ),
        plugin(pkgs.path(), "postfix-pcre", "3.8.5", "6.el10"),
        plugin(pkgs.path(), "postfix-lmdb", "3.8.5", "6.el10"),
    ];
    let before = (
        std::fs::read(etc.join("main.cf")).unwrap(),
        std::fs::read(etc.join("master.cf")).unwrap(),
    );
    let said = rpm(
        root,
        &[
            "-U",
            "--nodeps",
            "--noscripts",
            "--ignorearch",
            "--ignoreos",
        ],
        &new,
    );
    assert!(
        said.contains("/etc/postfix/main.cf created as /etc/postfix/main.cf.rpmnew"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(etc.join("main.cf.rpmnew")).unwrap(),
        stock("main.cf")
    );
    assert_eq!(
        std::fs::read(etc.join("master.cf.rpmnew")).unwrap(),
        stock("master.cf")
    );
    assert_eq!(std::fs::read(etc.join("main.cf")).unwrap(), before.0);
    assert_eq!(std::fs::read(etc.join("master.cf")).unwrap(), before.1);
    let q = rpm(root, &["-qa"], &[]);
    assert!(q.contains("postfix-3.8.5-6.el10"), "{q}");
    assert!(!q.contains("el9"), "{q}");
    fix_support::os_release(root, "10.0");

    // 5. verify: the postponed changes and the merge, each with fix as the remedy
    let (code, ids) = verify(root);
    assert_eq!(code, Some(0), "{ids:?}");
    for id in [
        "compatibility-level",
        "smtps-service-renamed",
        "rpmnew-merge",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} not in {ids:?}");
    }
    let o = run(&["--root", &s(root), "verify"]);
    assert!(
        text(&o).contains(
            "postfix-preupgrade --source 9 --target 10 fix --only compatibility-level,rpmnew-merge"
        ),
        "{}",
        text(&o)
    );
    // the command verify names plans the same as plain fix on the new release
    let named = run(&[
        "--root",
        &s(root),
        "--source",
        "9",
        "--target",
        "10",
        "fix",
        "--dry-run",
    ]);
    let plain = run(&["--root", &s(root), "fix", "--dry-run"]);
    assert_eq!(named.status.code(), Some(0), "{}", text(&named));
    assert_eq!(text(&named), text(&plain));
    let upgraded = snapshot(root, &["var/lib/postfix-preupgrade", "var/lib/rpm"]);

    // 6. fix on the new release
    let o = run(&["--root", &s(root), "fix", "-y"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("submissions resolves now: Postfix 3.8.5 maps it in known_tcp_ports"),
        "{out}"
    );
    assert!(out.contains("compatibility_level = 3.8"), "{out}");
    assert!(
        out.contains("[rpmnew-merge] remove /etc/postfix/main.cf.rpmnew"),
        "{out}"
    );
    assert!(!out.contains("For after the upgrade"), "{out}");
    assert!(!etc.join("main.cf.rpmnew").exists());
    assert!(!etc.join("master.cf.rpmnew").exists());

    // 7. verify: clean; postconf reads it all without a warning
    let (code, ids) = verify(root);
    assert_eq!((code, ids), (Some(0), vec![]));
    for flag in ["-n", "-M"] {
        let (_, err, ok) = postconf(&etc, &[flag]);
        assert!(ok && err.is_empty(), "postconf {flag}: {err}");
    }
    let (m, _, _) = postconf(&etc, &["-M", "submissions/inet"]);
    assert!(m.contains("syslog_name=postfix/submissions"), "{m}");
    let again = run(&["--root", &s(root), "fix", "-y"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("Nothing to fix now"),
        "{}",
        text(&again)
    );

    // 8. undo: the upgraded host byte for byte, .rpmnew files included
    let u = run(&["--root", &s(root), "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert!(snapshot(root, &["var/lib/postfix-preupgrade", "var/lib/rpm"]) == upgraded);
}

/// On the new release without an rpm database (an image), the installed Postfix is the
/// release's (3.8.5): the smtps rename is applied as safe, without `--unsafe`, by plain
/// `fix` and by the command verify prints alike; before the upgrade it would wait.
#[test]
fn after_the_upgrade_the_rename_is_judged_by_the_installed_postfix() {
    require_postfix_tools();
    let make = || {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fix_support::os_release(root, "10.0");
        let etc = root.join("etc/postfix");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(etc.join("main.cf"), stock("main.cf")).unwrap();
        let mut master = stock("master.cf");
        master.extend_from_slice(
            b"smtps     inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n",
        );
        std::fs::write(etc.join("master.cf"), master).unwrap();
        std::fs::write(root.join("etc/aliases"), "postmaster: root\n").unwrap();
        fix_support::build_table("postalias", "lmdb", &root.join("etc/aliases"));
        tmp
    };
    let mut results = Vec::new();
    for args in [
        &["fix", "-y"][..],
        &["--source", "9", "--target", "10", "fix", "-y"][..],
    ] {
        let tmp = make();
        let root = tmp.path();
        let mut full = vec!["--root".to_string(), s(root)];
        full.extend(args.iter().map(|a| a.to_string()));
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        let o = run(&full);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {out}");
        assert!(
            out.contains("[smtps-service-renamed] (safe) master.cf smtps/inet -> submissions/inet"),
            "{args:?}: {out}"
        );
        assert!(!out.contains("For after the upgrade"), "{args:?}: {out}");
        let (m, _, _) = postconf(&root.join("etc/postfix"), &["-M", "submissions/inet"]);
        assert!(m.contains("syslog_name=postfix/submissions"), "{m}");
        results.push(std::fs::read(root.join("etc/postfix/master.cf")).unwrap());
    }
    assert_eq!(results[0], results[1]);
}
