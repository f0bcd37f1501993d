//! `fix` and `undo` through the real binary on temporary roots, with Debian's real
//! postconf, postmap and postalias (postfix-lmdb): the "done when" scenario on a
//! copy of the el9-story root, confinement to `--root`, Latin-1 bytes, refusal without a
//! terminal, the lock, and a failed table build (exit 3).
mod fix_support;

use std::path::Path;
use std::process::Command;

use fix_support::*;

/// Serialises the tests that look at or write the host's /var/lib/postfix-preupgrade.
static HOST: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Backup ids on the host (root `/`).
fn host_backups() -> Vec<String> {
    backups(Path::new("/"))
}

fn bdb_free(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("hash:") || l.contains("btree:"))
        .collect()
}

fn backups(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("var/lib/postfix-preupgrade/backups"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `postmap -q KEY lmdb:FILE` with the host's own config (where its plugins are).
fn lmdb_lookup(tool: &str, key: &str, file: &Path) -> String {
    let o = Command::new(tool)
        .arg("-q")
        .arg(key)
        .arg(format!("lmdb:{}", file.display()))
        .output()
        .expect("postmap runs");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn el9_story_done_when() {
    require_postfix_tools();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&fixture_root("el9-story"), root);
    let r = root.display().to_string();
    let dir = root.join("etc/postfix");

    // the plan names the table without a text source, with the exact remedy
    let dry = run(&["--root", &r, "fix", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let plan = text(&dry);
    assert!(
        plan.contains("hash:/etc/postfix/smtps_access has no text source"),
        "{plan}"
    );
    assert!(
        plan.contains(
            "remedy: sh -c 'postmap -s hash:/etc/postfix/smtps_access > /etc/postfix/smtps_access'"
        ),
        "{plan}"
    );
    assert!(plan.contains("Dry run: nothing was changed."), "{plan}");
    assert!(
        !root.join("var/lib/postfix-preupgrade").exists(),
        "--dry-run wrote a backup"
    );

    // follow the remedy with the real postmap, inside the root
    let dump = Command::new("postmap")
        .arg("-s")
        .arg(format!("hash:{}", dir.join("smtps_access").display()))
        .output()
        .unwrap();
    assert!(dump.status.success() && !dump.stdout.is_empty());
    std::fs::write(dir.join("smtps_access"), &dump.stdout).unwrap();

    let before = snapshot(root, &[]);
    let (_, warn_before, _) = postconf(&dir, &["-n"]);
    let o = run(&["--root", &r, "fix", "-y"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("For after the upgrade:"), "{out}");
    assert!(out.contains("smtps/inet -> submissions/inet"), "{out}");
    assert!(out.contains("compatibility_level = 3.8"), "{out}");
    assert!(
        out.contains("rm -f -- /etc/postfix/client_access.db"),
        "{out}"
    );

    // postconf accepts it, with no new warning, and no Berkeley DB table is left,
    // expanded values included
    let (n, warn_after, ok) = postconf(&dir, &["-n"]);
    assert!(ok, "{warn_after}");
    for l in warn_after.lines() {
        assert!(warn_before.contains(l), "new warning: {l}");
    }
    assert!(n.contains("default_database_type = lmdb"), "{n}");
    for args in [&["-x"][..], &["-nx"], &["-Px"], &["-Mx"]] {
        let (t, e, ok) = postconf(&dir, args);
        assert!(ok, "postconf {args:?}: {e}");
        assert_eq!(bdb_free(&t), Vec::<&str>::new(), "postconf {args:?}");
    }

    // the tables are built and answer like their sources
    for (file, key, want) in [
        (
            "etc/postfix/virtual",
            "info@example.net",
            "admin@example.com",
        ),
        (
            "etc/postfix/transport",
            "example.org",
            "smtp:[relay.example.org]:25",
        ),
        ("etc/postfix/sender_access", "spammer@bad.example", "REJECT"),
        ("etc/postfix/client_access", "198.51.100.7", "REJECT"),
        ("etc/postfix/helo_access", "bad.helo.example", "REJECT"),
        ("etc/postfix/smtps_access", "x@example.com", "OK"),
    ] {
        assert!(root.join(format!("{file}.lmdb")).is_file(), "{file}.lmdb");
        assert_eq!(
            lmdb_lookup("postmap", key, &root.join(file)),
            want,
            "{file}"
        );
    }
    assert_eq!(
        lmdb_lookup("postalias", "postmaster", &root.join("etc/aliases")),
        "root"
    );
    // the old .db files stay until undo is no longer wanted
    assert!(dir.join("virtual.db").is_file() && root.join("etc/aliases.db").is_file());

    // no line outside the findings changed: in-place type changes, and the new settings
    // (each next to a related one, or at the end)
    let old = String::from_utf8(before[Path::new("etc/postfix/main.cf")].clone()).unwrap();
    let new = std::fs::read_to_string(dir.join("main.cf")).unwrap();
    let (ol, nl): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut added: Vec<&str> = Vec::new();
    let mut i = 0;
    for b in &nl {
        let same = ol
            .get(i)
            .is_some_and(|a| a == b || a.replace("hash", "lmdb").replace("btree", "lmdb") == *b);
        if same {
            i += 1;
        } else {
            added.push(b.split(" = ").next().unwrap());
        }
    }
    assert_eq!(i, ol.len(), "an old main.cf line changed or went:\n{new}");
    added.sort_unstable();
    assert_eq!(
        added,
        [
            "address_verify_map",
            "default_database_type",
            "lmtp_tls_fingerprint_digest",
            "postscreen_cache_map",
            "smtp_tls_fingerprint_digest",
            "smtpd_tls_fingerprint_digest",
        ]
    );
    let oldm = String::from_utf8(before[Path::new("etc/postfix/master.cf")].clone()).unwrap();
    let newm = std::fs::read_to_string(dir.join("master.cf")).unwrap();
    let changed: Vec<(&str, &str)> = oldm
        .lines()
        .zip(newm.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "  -o { smtpd_helo_restrictions = check_helo_access hash:/etc/postfix/helo_access, permit }",
            "  -o { smtpd_helo_restrictions = check_helo_access lmdb:/etc/postfix/helo_access, permit }"
        )]
    );
    assert_eq!(oldm.lines().count(), newm.lines().count());

    // a second run does nothing and makes no backup
    let ids = backups(root);
    assert_eq!(ids.len(), 1);
    let fixed = snapshot(root, &["var"]);
    let o2 = run(&["--root", &r, "fix", "-y"]);
    assert_eq!(o2.status.code(), Some(0), "{}", text(&o2));
    assert!(String::from_utf8_lossy(&o2.stdout).starts_with("Nothing to fix now"));
    assert_eq!(backups(root), ids);
    assert_eq!(snapshot(root, &["var"]), fixed);

    // the manifest records path, sha256, owner, mode, label
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            root.join("var/lib/postfix-preupgrade/backups")
                .join(&ids[0])
                .join("manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(m["kind"], "fix");
    assert_eq!(m["state"], "committed");
    let entries = m["entries"].as_array().unwrap();
    let configs: Vec<_> = entries.iter().filter(|e| e["table"] == false).collect();
    assert_eq!(configs.len(), 2, "{m}");
    assert!(
        entries.len() > 2,
        "the built tables are in the transaction: {m}"
    );
    for e in entries {
        assert!(e["path"].is_string(), "{e}");
        // what fix wrote is recorded, so undo can tell a later edit from it
        let sides: &[&str] = if e["table"] == true {
            &["new"]
        } else {
            &["old", "new"]
        };
        for side in sides {
            for k in ["sha256", "size", "uid", "gid", "mode", "selinux", "xattrs"] {
                assert!(e[side].get(k).is_some(), "manifest lacks {side}.{k}: {e}");
            }
        }
    }
    use std::os::unix::fs::PermissionsExt;
    let bdir = root.join("var/lib/postfix-preupgrade/backups");
    assert_eq!(
        std::fs::metadata(&bdir).unwrap().permissions().mode() & 0o777,
        0o700
    );

    // undo restores every file byte for byte (and removes the built tables)
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    // an image is not the running system: nothing to reload
    assert!(!text(&u).contains("postfix reload"), "{}", text(&u));
    let mut restored = snapshot(root, &["var"]);
    let mut want = before.clone();
    want.retain(|k, _| !k.starts_with("var"));
    restored.retain(|k, _| !k.starts_with("var"));
    assert_eq!(
        restored.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert!(restored == want, "undo did not restore byte for byte");
}

#[test]
fn fix_under_root_never_touches_host_etc() {
    require_postfix_tools();
    let host_state = |p: &Path| -> Vec<(std::path::PathBuf, Vec<u8>, std::time::SystemTime)> {
        let mut v = Vec::new();
        for e in walkdir::WalkDir::new(p).into_iter().filter_map(|e| e.ok()) {
            if e.file_type().is_file() {
                let m = e.metadata().unwrap();
                v.push((
                    e.path().to_path_buf(),
                    std::fs::read(e.path()).unwrap(),
                    m.modified().unwrap(),
                ));
            }
        }
        v
    };
    let _host = HOST.lock().unwrap_or_else(|e| e.into_inner());
    let host_backups_before = host_backups();
    let watched = [Path::new("/etc/postfix"), Path::new("/etc/aliases")];
    let before: Vec<_> = watched.iter().map(|p| host_state(p)).collect();
    let lmdb_before = Path::new("/etc/aliases.lmdb").exists();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&fixture_root("el9-story"), root);
    let r = root.display().to_string();
    let o = run(&["--root", &r, "fix", "-y"]);
    // el9-story keeps a .db without a text source: an inhibitor is left, so exit 3
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("Still inhibiting the upgrade (2):"),
        "{}",
        text(&o)
    );
    assert!(root.join("etc/aliases.lmdb").is_file());
    assert!(root.join("var/lib/postfix-preupgrade/backups").is_dir());
    let after: Vec<_> = watched.iter().map(|p| host_state(p)).collect();
    assert!(before == after, "the host's /etc changed");
    assert_eq!(Path::new("/etc/aliases.lmdb").exists(), lmdb_before);
    assert_eq!(
        host_backups(),
        host_backups_before,
        "a backup was made on the host"
    );
}

#[test]
fn latin1_bytes_outside_the_fix_survive() {
    require_postfix_tools();
    let main: &[u8] = b"# R\xe9glages du serveur de courrier (Latin-1)\n\
        smtpd_banner = $myhostname ESMTP caf\xe9 cr\xe8me\n\
        alias_maps = hash:/etc/aliases\n\
        # fin \xbb\n";
    let tmp = small_root(main, &[("etc/aliases", "postmaster: root\n")]);
    let r = tmp.path().display().to_string();
    let o = run(&["--root", &r, "fix", "-y", "--only", "berkeley-db-map"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let got = std::fs::read(tmp.path().join("etc/postfix/main.cf")).unwrap();
    let mut want: Vec<u8> = Vec::new();
    want.extend_from_slice(
        b"# R\xe9glages du serveur de courrier (Latin-1)\n\
        smtpd_banner = $myhostname ESMTP caf\xe9 cr\xe8me\n\
        alias_maps = lmdb:/etc/aliases\n\
        alias_database = lmdb:/etc/aliases\n\
        # fin \xbb\n\
        default_database_type = lmdb\n",
    );
    assert_eq!(got, want);
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert_eq!(
        std::fs::read(tmp.path().join("etc/postfix/main.cf")).unwrap(),
        main
    );
}

#[test]
fn refuses_without_terminal_or_yes() {
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\n",
        &[("etc/aliases", "a: b\n")],
    );
    let r = tmp.path().display().to_string();
    let before = snapshot(tmp.path(), &[]);
    let o = run(&["--root", &r, "fix"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("refusing to change files without confirmation"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("+alias_maps = lmdb:/etc/aliases"),
        "the plan is shown first"
    );
    assert_eq!(snapshot(tmp.path(), &[]), before);
}

#[test]
fn unknown_only_id_is_usage_error() {
    let tmp = small_root(b"", &[]);
    let r = tmp.path().display().to_string();
    let o = run(&["--root", &r, "fix", "--dry-run", "--only", "no-such-check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("unknown check id 'no-such-check'"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("berkeley-db-map"));
}

#[test]
fn lock_stops_a_second_fix() {
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\n",
        &[("etc/aliases", "a: b\n")],
    );
    let r = tmp.path().display().to_string();
    let _held = postfix_preupgrade::fix::fsops::Lock::acquire(
        &postfix_preupgrade::root::Root::new(tmp.path()).unwrap(),
        std::path::Path::new("/var/lib/postfix-preupgrade/lock"),
    )
    .unwrap();
    let before = snapshot(tmp.path(), &["var"]);
    let o = run(&["--root", &r, "fix", "-y"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("another postfix-preupgrade fix or undo is running"));
    assert_eq!(snapshot(tmp.path(), &["var"]), before);
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(2), "{}", text(&u));
}

#[test]
fn failed_build_rolls_that_table_back_and_exits_3() {
    require_postfix_tools();
    let tmp = small_root(
        b"virtual_alias_maps = hash:/etc/postfix/virtual\ntransport_maps = hash:/etc/postfix/transport\n",
        &[
            ("etc/postfix/virtual", "info@example.net user1\n"),
            ("etc/postfix/transport", "example.org smtp:[relay.example.org]\n"),
        ],
    );
    let root = tmp.path();
    // postmap cannot write transport.lmdb: a directory is in the way
    std::fs::create_dir(root.join("etc/postfix/transport.lmdb")).unwrap();
    let r = root.display().to_string();
    let o = run(&["--root", &r, "fix", "-y", "--only", "berkeley-db-map"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(
        out.contains("/etc/postfix/transport.lmdb: refusing to write: it is a directory"),
        "{out}"
    );
    let main = std::fs::read_to_string(root.join("etc/postfix/main.cf")).unwrap();
    assert!(
        main.contains("virtual_alias_maps = lmdb:/etc/postfix/virtual"),
        "{main}"
    );
    assert!(
        main.contains("transport_maps = hash:/etc/postfix/transport"),
        "{main}"
    );
    assert!(root.join("etc/postfix/virtual.lmdb").is_file());
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert!(!root.join("etc/postfix/virtual.lmdb").exists());
    assert!(std::fs::read_to_string(root.join("etc/postfix/main.cf"))
        .unwrap()
        .starts_with("virtual_alias_maps = hash:"));
}

#[test]
fn undo_without_backup_is_an_error() {
    let tmp = small_root(b"", &[]);
    let r = tmp.path().display().to_string();
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(2));
    assert!(text(&u).contains("no backup to undo"), "{}", text(&u));
    let u = run(&["--root", &r, "undo", "nope"]);
    assert_eq!(u.status.code(), Some(2));
    assert!(text(&u).contains("no backup \"nope\""), "{}", text(&u));
}

#[test]
fn asks_on_a_terminal_like_dnf() {
    require_postfix_tools();
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\n",
        &[("etc/aliases", "postmaster: root\n")],
    );
    let before = snapshot(tmp.path(), &[]);
    let (out, code) = fix_on_terminal(tmp.path(), "n", None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Is this ok [y/N]: "), "{out}");
    assert!(
        out.contains("Operation aborted: nothing was changed."),
        "{out}"
    );
    assert_eq!(snapshot(tmp.path(), &[]), before);
    let (out, code) = fix_on_terminal(tmp.path(), "y", None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("  Applied ("), "{out}");
    assert!(out.contains("Nothing inhibits the upgrade now."), "{out}");
    let main = std::fs::read_to_string(tmp.path().join("etc/postfix/main.cf")).unwrap();
    assert!(
        main.starts_with("alias_maps = lmdb:/etc/aliases\n"),
        "{main}"
    );
}

#[test]
fn fix_on_the_running_system_with_config_dir() {
    let _host = HOST.lock().unwrap_or_else(|e| e.into_inner());
    // root `/`: the tools run on the real paths with `-c DIR`; everything the fix
    // names lives in a temporary directory, backups go to the host's
    // /var/lib/postfix-preupgrade (this test removes the one it made)
    require_postfix_tools();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("postfix");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.display().to_string();
    std::fs::write(
        dir.join("main.cf"),
        format!("alias_maps = hash:{d}/aliases\nalias_database = hash:{d}/aliases\nvirtual_alias_maps = btree:{d}/virtual\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n",
    )
    .unwrap();
    std::fs::write(dir.join("aliases"), "postmaster: root\n").unwrap();
    std::fs::write(dir.join("virtual"), "info@example.net user1\n").unwrap();
    let before = snapshot(&dir, &[]);
    let args = ["--root", "/", "-c", &d, "--source", "9.4", "--target", "10"];
    let mut fix: Vec<&str> = args.to_vec();
    fix.extend(["fix", "-y", "--only", "berkeley-db-map"]);
    let o = run(&fix);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("postalias -c {d} lmdb:{d}/aliases")),
        "{out}"
    );
    assert!(out.contains("Run `postfix reload`"), "{out}");
    let id = out
        .lines()
        .find_map(|l| l.strip_prefix("Undo with: postfix-preupgrade undo "))
        .expect("backup id printed")
        .to_string();
    assert_eq!(
        lmdb_lookup("postalias", "postmaster", &dir.join("aliases")),
        "root"
    );
    assert_eq!(
        lmdb_lookup("postmap", "info@example.net", &dir.join("virtual")),
        "user1"
    );
    let main = std::fs::read_to_string(dir.join("main.cf")).unwrap();
    assert!(
        main.contains(&format!("virtual_alias_maps = lmdb:{d}/virtual")),
        "{main}"
    );
    let mut undo: Vec<&str> = args.to_vec();
    undo.extend(["undo", &id]);
    let u = run(&undo);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert!(text(&u).contains("Run `postfix reload`"), "{}", text(&u));
    assert!(
        snapshot(&dir, &[]) == before,
        "undo did not restore the files"
    );
    let bdir = Path::new("/var/lib/postfix-preupgrade/backups").join(&id);
    assert!(bdir.join("manifest.json").is_file());
    std::fs::remove_dir_all(&bdir).unwrap();
}

#[test]
fn a_root_without_postfix_has_nothing_to_fix() {
    let tmp = tempfile::tempdir().unwrap();
    os_release(tmp.path(), "9.4");
    let before = snapshot(tmp.path(), &[]);
    let o = run(&["--root", &tmp.path().display().to_string(), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Postfix is not installed") && text(&o).contains("nothing to fix"),
        "{}",
        text(&o)
    );
    assert_eq!(
        snapshot(tmp.path(), &[]),
        before,
        "fix wrote into a root without Postfix"
    );
}

#[test]
fn a_parameter_set_twice_does_not_stop_the_fix() {
    require_postfix_tools();
    // postconf warns "overriding earlier entry: alias_maps=hash:..." before and
    // "...=lmdb:..." after: the same warning, not a new one
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\nalias_maps = hash:/etc/aliases\n",
        &[("etc/aliases", "postmaster: root\n")],
    );
    let o = run(&["--root", &tmp.path().display().to_string(), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // the definition in effect is switched (the earlier, dead one is left as written)
    let (n, _, ok) = postconf(&tmp.path().join("etc/postfix"), &["-n", "alias_maps"]);
    assert!(ok);
    assert_eq!(n.trim(), "alias_maps = lmdb:/etc/aliases");
}
