//! `verify` (issue 14) through the real binary, on roots that model a RHEL 9 mail host
//! after its upgrade to RHEL 10 (`tests/fixtures/roots/verify-*`): everything migrated,
//! a `hash:` left in a master.cf `-o` override, a `.lmdb` never built, one older than its
//! text source, `compatibility_level` still 2, a type the installed Postfix lacks, and
//! files `postfix check` would warn about. Each root is copied to a scratch directory
//! whose mtimes the test sets (git keeps none), so "older than its source" is decided by
//! the test, not by the checkout.
mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::Value;

/// A scratch copy of a fixture root with every table source an hour older than its
/// indexed file (as after `postmap`).
fn root(fixture: &str, name: &str) -> PathBuf {
    let dir = support::scratch("verify_cli", name);
    support::copy_tree(&support::fixture_root(fixture), &dir);
    let built = SystemTime::now() - Duration::from_secs(60);
    let source = built - Duration::from_secs(3600);
    for d in ["etc", "etc/postfix"] {
        for e in fs::read_dir(dir.join(d)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let t = if p.extension().is_some_and(|x| x == "lmdb") {
                    built
                } else {
                    source
                };
                set_mtime(&p, t);
            }
        }
    }
    dir
}

fn set_mtime(p: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn verify(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .arg("verify")
        .args(args)
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .output()
        .expect("run postfix-preupgrade")
}

/// (exit code, the JSON report's findings as (id, severity, inhibitor)).
fn findings(root: &Path) -> (i32, Vec<(String, String, bool)>, Value) {
    let out = verify(root, &["--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let fs = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["inhibitor"].as_bool().unwrap(),
            )
        })
        .collect();
    (out.status.code().unwrap(), fs, doc)
}

fn owned(id: &str, sev: &str, inhibitor: bool) -> (String, String, bool) {
    (id.to_string(), sev.to_string(), inhibitor)
}

/// The files are the test's, so `config-permissions` needs them owned by root.
fn require_root() {
    let id = Command::new("id").arg("-u").output().expect("run id -u");
    assert!(
        String::from_utf8_lossy(&id.stdout).trim() == "0",
        "verify_cli must run as root: config-permissions checks that files are owned by root"
    );
}

#[test]
fn all_migrated_has_no_finding_in_any_format() {
    require_root();
    let r = root("verify-migrated", "migrated");
    let (code, fs, doc) = findings(&r);
    assert_eq!((code, fs), (0, vec![]), "{doc:#}");
    // no target: both ends of the report are the installed release
    assert_eq!(doc["source"]["release"], "10.0");
    assert_eq!(doc["target"]["release"], "10.0");
    assert_eq!(doc["target"]["postfix_version"], "3.8.5");
    let text = verify(&r, &[]);
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("inhibitors: 0"), "{text}");
    // the words are verify's: no upgrade path, no "for this upgrade"
    assert!(
        text.contains("\nInstalled: rhel 10.0 (Postfix 3.8.5)\n"),
        "{text}"
    );
    assert!(
        !text.contains("Upgrade path") && !text.contains("this upgrade"),
        "{text}"
    );
    assert!(
        text.contains("postfix-preupgrade verify --format json"),
        "{text}"
    );
    let leapp = verify(&r, &["--format", "leapp"]);
    let doc: Value = serde_json::from_slice(&leapp.stdout).unwrap();
    assert_eq!(doc["entries"], Value::Array(vec![]));
}

#[test]
fn hash_left_in_an_override_inhibits_with_the_fix_for_the_step_just_made() {
    require_root();
    let r = root("verify-override-hash", "override-hash");
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 1);
    assert_eq!(fs, vec![owned("berkeley-db-map", "high", true)], "{doc:#}");
    let f = &doc["findings"][0];
    assert_eq!(f["location"]["file"], "/etc/postfix/master.cf");
    assert_eq!(f["location"]["service"], "submission/inet");
    assert_eq!(f["location"]["parameter"], "smtpd_sender_restrictions");
    // on RHEL 10 `fix` alone would look for an upgrade after 10: the command names 9 → 10
    assert_eq!(
        f["remediation"]["commands"][0],
        serde_json::json!([
            "postfix-preupgrade",
            "--source",
            "9",
            "--target",
            "10",
            "fix",
            "--only",
            "berkeley-db-map"
        ])
    );
    // the text report's automatic-fix line says the same
    let text = verify(&r, &[]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("postfix-preupgrade --source 9 --target 10 fix --only berkeley-db-map"),
        "{text}"
    );
    assert!(!text.contains(" postfix-preupgrade fix "), "{text}");
    // leapp format: an inhibitor entry
    let out = verify(&r, &["--format", "leapp"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = doc["entries"][0]["groups"].as_array().unwrap();
    assert!(groups.contains(&Value::from("inhibitor")), "{doc:#}");
}

#[test]
fn missing_lmdb_inhibits_and_says_how_to_build_it() {
    require_root();
    let r = root("verify-missing-lmdb", "missing-lmdb");
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 1);
    assert_eq!(fs, vec![owned("table-file-state", "high", true)], "{doc:#}");
    let f = &doc["findings"][0];
    assert_eq!(f["location"]["parameter"], "virtual_alias_maps");
    assert_eq!(
        f["remediation"]["commands"][0],
        serde_json::json!(["postmap", "lmdb:/etc/postfix/virtual"])
    );
    let text = verify(&r, &[]);
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Postfix cannot work with this configuration"),
        "{text}"
    );
}

#[test]
fn lmdb_older_than_its_source_is_medium_and_rebuilt_with_postalias_for_aliases() {
    require_root();
    let r = root("verify-migrated", "stale");
    // the admin edited /etc/aliases after the last postalias
    set_mtime(&r.join("etc/aliases"), SystemTime::now());
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 0, "medium does not block");
    assert_eq!(
        fs,
        vec![owned("table-file-state", "medium", false)],
        "{doc:#}"
    );
    let f = &doc["findings"][0];
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains("/etc/aliases.lmdb is older"),
        "{f:#}"
    );
    assert_eq!(
        f["remediation"]["commands"][0],
        serde_json::json!(["postalias", "lmdb:/etc/aliases"])
    );
    // --fail-on medium makes it block, as with check
    let out = verify(&r, &["--fail-on", "medium"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn compatibility_level_still_2_lists_the_command_that_raises_it() {
    require_root();
    let r = root("verify-compat2", "compat2");
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 0);
    assert_eq!(fs.len(), 1, "{doc:#}");
    assert_eq!(fs[0].0, "compatibility-level");
    let cmds = doc["findings"][0]["remediation"]["commands"]
        .as_array()
        .unwrap();
    assert!(
        cmds.contains(&serde_json::json!([
            "postconf",
            "-c",
            "/etc/postfix",
            "compatibility_level=3.8"
        ])),
        "{doc:#}"
    );
}

#[test]
fn a_type_the_installed_postfix_lacks_and_files_postfix_check_warns_about() {
    require_root();
    let r = root("verify-migrated", "dbm-perms");
    let main = r.join("etc/postfix/main.cf");
    let mut text = fs::read_to_string(&main).unwrap();
    text.push_str("transport_maps = dbm:/etc/postfix/transport\n");
    fs::write(&main, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        r.join("etc/postfix/virtual"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    std::os::unix::fs::chown(r.join("etc/postfix/header_checks"), Some(65534), None).unwrap();
    let (code, mut fs, doc) = findings(&r);
    fs.sort();
    assert_eq!(code, 1);
    assert_eq!(
        fs,
        vec![
            owned("config-permissions", "medium", false),
            owned("installed-map-type", "high", true),
        ],
        "{doc:#}"
    );
    let perm = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "config-permissions")
        .unwrap();
    let summary = perm["summary"].as_str().unwrap();
    assert!(
        summary.contains("not owned by root: /etc/postfix/header_checks"),
        "{summary}"
    );
    assert!(
        summary.contains("group or other writable: /etc/postfix/virtual"),
        "{summary}"
    );
}

#[test]
fn a_missing_postlog_is_not_left_to_an_upgrade_that_already_ran() {
    require_root();
    let r = root("verify-migrated", "no-postlog");
    let master = r.join("etc/postfix/master.cf");
    let text = fs::read_to_string(&master).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("postlog"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&master, text).unwrap();
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 0);
    assert_eq!(
        fs,
        vec![owned("master-internal-services", "low", false)],
        "{doc:#}"
    );
    let f = &doc["findings"][0];
    let summary = f["summary"].as_str().unwrap();
    assert!(!summary.contains("the upgrade repairs it"), "{summary}");
    assert!(summary.contains("upgrade-configuration"), "{summary}");
    // fix for 9 -> 10 counts on the RPM %post to add it, which has run: no automatic fix
    // is claimed, the postconf command is what to run
    assert_eq!(f["fix"]["available"], false, "{f:#}");
    let commands = f["remediation"]["commands"].as_array().unwrap();
    assert!(
        commands.iter().any(|c| c[0] == "postconf" && c[3] == "-M"),
        "{f:#}"
    );
    assert!(
        !commands.iter().any(|c| c[0] == "postfix-preupgrade"),
        "{f:#}"
    );
}

#[test]
fn an_untyped_alias_table_is_opened_as_default_database_type() {
    require_root();
    let r = root("verify-migrated", "untyped-aliases");
    let main = r.join("etc/postfix/main.cf");
    let text = fs::read_to_string(&main)
        .unwrap()
        .replace(
            "alias_maps = lmdb:/etc/aliases",
            "alias_maps = /etc/aliases",
        )
        .replace(
            "alias_database = lmdb:/etc/aliases",
            "alias_database = /etc/aliases",
        );
    fs::write(&main, text).unwrap();
    // default_database_type = lmdb: Postfix opens /etc/aliases.lmdb, which is there
    let (code, fs, doc) = findings(&r);
    assert_eq!((code, fs), (0, vec![]), "{doc:#}");
    fs::remove_file(r.join("etc/aliases.lmdb")).unwrap();
    let (code, fs, doc) = findings(&r);
    assert_eq!(code, 1);
    assert_eq!(fs, vec![owned("table-file-state", "high", true)], "{doc:#}");
    let f = &doc["findings"][0];
    assert_eq!(f["location"]["parameter"], "alias_maps");
    assert_eq!(
        f["remediation"]["commands"][0],
        serde_json::json!(["postalias", "lmdb:/etc/aliases"])
    );
}

#[test]
fn findings_on_the_packages_own_unmodified_main_cf_keep_their_severity() {
    require_root();
    // a host whose main.cf is the package's, unmodified: no upgrade will replace it now,
    // so a missing table there is as serious as anywhere (check lowers such findings to
    // info, because the upgrade brings the target's file)
    let r = root("verify-migrated", "stock-main-cf");
    let main = fs::read(r.join("etc/postfix/main.cf")).unwrap();
    let pkgs = support::scratch("verify_cli", "stock-main-cf-rpms");
    let rpm = support::build_rpm(
        &pkgs,
        "postfix",
        "3.8.5",
        "6.el10",
        &[support::PkgFile {
            path: "/etc/postfix/main.cf",
            contents: &main,
            config: true,
        }],
    );
    support::rpm_install(&r, &[rpm]);
    fs::remove_file(r.join("etc/postfix/virtual.lmdb")).unwrap();
    let (code, fs, doc) = findings(&r);
    assert_eq!(doc["source"]["postfix_version"], "3.8.5", "{doc:#}");
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(fs, vec![owned("table-file-state", "high", true)], "{doc:#}");
}

#[test]
fn verify_has_no_target() {
    let r = support::fixture_root("verify-migrated");
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(&r)
        .args(["--target", "10", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no target"));
}
