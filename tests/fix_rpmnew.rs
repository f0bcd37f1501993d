//! `fix` on the upgraded host applies the non-conflicting part of the three-way `.rpmnew`
//! merge (issue 14), on real stock files (`data/stock/`, made by `gen.sh` with the real
//! postconf) with an admin's changes made by a script of real `postconf` commands:
//!
//! - RHEL 9 → 10, main.cf: the stock changes the admin never touched are taken (the alias
//!   tables move to lmdb, `default_database_type` arrives next to its stock neighbour),
//!   the admin's changes are kept, the `compatibility_level` both changed is left, shown
//!   side by side; the `.rpmnew` stays until that is decided, then the next fix removes it;
//!   every other byte of main.cf is as it was; `undo` brings back every byte, the
//!   `.rpmnew` included;
//! - master.cf, service by service: a changed entry replaced, a removed one removed, a new
//!   one added after its stock neighbour with its stock comment paragraph, an admin's
//!   entry kept, an entry both changed left;
//! - RHEL 8 → 9: the stock files are byte-identical, so the merge keeps every admin
//!   change, changes no byte of main.cf and only removes the `.rpmnew`;
//! - the removal is part of the transaction: SIGKILL anywhere leaves the `.rpmnew` whole
//!   or gone together with the edits, undo and the next fix sort it out; an `.rpmnew`
//!   edited while the prompt waits is not removed; a link there is never followed.
//!
//! Every merged result is read by the real `postconf -n` and `postconf -M` with no new
//! warning.
mod fix_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use fix_support::*;

fn stock(release: &str, file: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/stock")
            .join(release)
            .join(file),
    )
    .unwrap()
}

/// `file` of the stock `release` after `postconf ARGS` runs on it (the admin's script).
fn edited(release: &str, file: &str, scripts: &[&[&str]]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    for f in ["main.cf", "master.cf"] {
        std::fs::write(dir.path().join(f), stock(release, f)).unwrap();
    }
    for args in scripts {
        let (_, err, ok) = postconf(dir.path(), args);
        assert!(ok && err.is_empty(), "postconf {args:?}: {err}");
    }
    std::fs::read(dir.path().join(file)).unwrap()
}

/// A root upgraded to RHEL `version` with this main.cf and master.cf, the `.rpmnew` files
/// given, and `/etc/aliases` with its lmdb table (built by the real postalias).
fn upgraded(
    version: &str,
    main: &[u8],
    master: &[u8],
    rpmnew: &[(&str, &[u8])],
) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    os_release(root, version);
    let etc = root.join("etc/postfix");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("main.cf"), main).unwrap();
    std::fs::write(etc.join("master.cf"), master).unwrap();
    for (name, bytes) in rpmnew {
        std::fs::write(etc.join(name), bytes).unwrap();
    }
    std::fs::write(root.join("etc/aliases"), "postmaster: root\n").unwrap();
    build_table("postalias", "lmdb", &root.join("etc/aliases"));
    tmp
}

fn r(p: &Path) -> String {
    p.display().to_string()
}

fn read(root: &Path, rel: &str) -> Option<Vec<u8>> {
    std::fs::read(root.join(rel)).ok()
}

/// The warnings postconf prints for a config directory (`-n` and `-M`), which must read.
fn warnings(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for flag in ["-n", "-M"] {
        let (_, err, ok) = postconf(dir, &[flag]);
        assert!(ok, "postconf {flag} on {}: {err}", dir.display());
        out.extend(err.lines().map(str::to_string));
    }
    out
}

/// Nothing postconf says about `after` that it did not say about `before`.
fn no_new_warnings(before: &[u8], after: &[u8], file: &str) {
    let w = |bytes: &[u8]| {
        let d = tempfile::tempdir().unwrap();
        let other = if file == "main.cf" {
            "master.cf"
        } else {
            "main.cf"
        };
        std::fs::write(d.path().join(file), bytes).unwrap();
        std::fs::write(d.path().join(other), b"").unwrap();
        // the directory's own name differs per call: compare without it
        warnings(d.path())
            .into_iter()
            .map(|l| l.replace(&d.path().display().to_string(), "DIR"))
            .collect::<Vec<_>>()
    };
    let old = w(before);
    let new: Vec<String> = w(after).into_iter().filter(|l| !old.contains(l)).collect();
    assert!(new.is_empty(), "new postconf warnings: {new:?}");
}

/// `verify --only rpmnew-merge` findings as JSON.
fn merge_findings(root: &Path) -> Vec<serde_json::Value> {
    let o = run(&[
        "--root",
        &r(root),
        "verify",
        "--format",
        "json",
        "--only",
        "rpmnew-merge",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

#[test]
fn el9_to_el10_main_cf_takes_keeps_and_leaves_the_conflict_until_decided() {
    require_postfix_tools();
    let ours = edited(
        "el9-3.5.9",
        "main.cf",
        &[
            &[
                "-e",
                "myhostname = mail2.example.com",
                "inet_interfaces = all",
                "compatibility_level = 3.6",
                "smtpd_banner = $myhostname ESMTP",
            ],
            &["-X", "unknown_local_recipient_reject_code"],
        ],
    );
    let theirs = stock("el10-3.8.5", "main.cf");
    // rpm replaced the unmodified master.cf with the new stock one
    let tmp = upgraded(
        "10.0",
        &ours,
        &stock("el10-3.8.5", "master.cf"),
        &[("main.cf.rpmnew", &theirs)],
    );
    let root = tmp.path();
    let o = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(
            "[rpmnew-merge] (safe) main.cf: take 3 change(s) made only in the new stock file \
             /etc/postfix/main.cf.rpmnew: alias_database `hash:/etc/aliases` → \
             `lmdb:/etc/aliases`; alias_maps `hash:/etc/aliases` → `lmdb:/etc/aliases`; \
             default_database_type (not set) → `lmdb`; your own changes are kept \
             (inet_interfaces, myhostname, smtpd_banner, unknown_local_recipient_reject_code); \
             1 conflict(s) left for you to decide"
        ),
        "{out}"
    );
    // the conflict, side by side with the recommendation and the command for the other way
    assert!(
        out.contains(
            "[rpmnew-merge] main.cf compatibility_level: changed on both sides: \
             compatibility_level: was `2`, new stock `3.8`, yours `3.6`; recommended: keep yours"
        ),
        "{out}"
    );
    assert!(
        out.contains("remedy: postconf -c /etc/postfix -e compatibility_level=3.8"),
        "{out}"
    );
    assert!(out.contains("/etc/postfix/main.cf.rpmnew: kept until the 1 conflict(s)"));
    // only the lines of the names concerned changed; the new one sits after its stock
    // neighbour (meta_directory), as in the new stock file
    let expected = String::from_utf8(ours.clone())
        .unwrap()
        .replace(
            "alias_maps = hash:/etc/aliases\n",
            "alias_maps = lmdb:/etc/aliases\n",
        )
        .replace(
            "alias_database = hash:/etc/aliases\n",
            "alias_database = lmdb:/etc/aliases\n",
        )
        .replace(
            "meta_directory = /etc/postfix\n",
            "meta_directory = /etc/postfix\ndefault_database_type = lmdb\n",
        );
    let merged = read(root, "etc/postfix/main.cf").unwrap();
    assert_eq!(String::from_utf8_lossy(&merged), expected);
    assert_eq!(read(root, "etc/postfix/main.cf.rpmnew").unwrap(), theirs);
    no_new_warnings(&ours, &merged, "main.cf");
    // verify agrees: nothing left to take, the conflict stays
    let f = merge_findings(root);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0]["title"]
        .as_str()
        .unwrap()
        .contains("0 new stock change(s) not in /etc/postfix/main.cf, 1 conflict(s)"));
    // a second fix changes nothing (the fixed point)
    let again = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("Nothing to fix now"),
        "{}",
        text(&again)
    );

    // the admin takes the new stock level: the next fix only removes the .rpmnew
    let (_, err, ok) = postconf(
        &root.join("etc/postfix"),
        &["-e", "compatibility_level = 3.8"],
    );
    assert!(ok, "{err}");
    let decided = read(root, "etc/postfix/main.cf").unwrap();
    let o = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(
            "Files to remove (backed up first; undo brings them back):\n  /etc/postfix/main.cf.rpmnew"
        ),
        "{out}"
    );
    assert!(!root.join("etc/postfix/main.cf.rpmnew").exists());
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), decided);
    assert!(merge_findings(root).is_empty());

    // undo, twice: byte for byte, the .rpmnew included
    let u = run(&["--root", &r(root), "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert_eq!(read(root, "etc/postfix/main.cf.rpmnew").unwrap(), theirs);
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), decided);
    let first = std::fs::read_dir(root.join("var/lib/postfix-preupgrade/backups"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .min()
        .unwrap();
    // (the admin's own edit came after it: undo wants --force, and keeps a copy of it)
    let u = run(&["--root", &r(root), "undo", &first]);
    assert_eq!(u.status.code(), Some(2), "{}", text(&u));
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), decided);
    let u = run(&["--root", &r(root), "undo", "--force", &first]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), ours);
    assert_eq!(read(root, "etc/postfix/main.cf.rpmnew").unwrap(), theirs);
}

/// The RHEL 10 stock master.cf as a later package might ship it: `scache` changed,
/// `retry` gone, a new `tlsproxy` with its comment paragraph after `scache`, `anvil`
/// changed.
fn theirs_master() -> Vec<u8> {
    let s = String::from_utf8(stock("el10-3.8.5", "master.cf")).unwrap();
    let scache = "scache    unix  -       -       n       -       1       scache\n";
    let retry = "retry     unix  -       -       n       -       -       error\n";
    let anvil = "anvil     unix  -       -       n       -       1       anvil\n";
    assert!(s.contains(scache) && s.contains(retry) && s.contains(anvil));
    s.replace(
        scache,
        "scache    unix  -       -       n       -       2       scache\n\n\
         # The tlsproxy service turns TLS on for postscreen and the SMTP client.\n\
         #\n\
         tlsproxy  unix  -       -       n       -       0       tlsproxy\n",
    )
    .replace(retry, "")
    .replace(
        anvil,
        "anvil     unix  -       -       n       -       3       anvil\n",
    )
    .into_bytes()
}

#[test]
fn master_cf_by_service_with_the_new_stock_comment_paragraph() {
    require_postfix_tools();
    let ours = edited(
        "el9-3.5.9",
        "master.cf",
        &[
            &[
                "-M",
                "submission/inet=submission inet n - n - - smtpd -o syslog_name=postfix/submission",
            ],
            &["-M", "anvil/unix=anvil unix - - n - 2 anvil"],
            &["-MX", "discard/unix"],
        ],
    );
    let theirs = theirs_master();
    let main = stock("el10-3.8.5", "main.cf");
    let tmp = upgraded("10.0", &main, &ours, &[("master.cf.rpmnew", &theirs)]);
    let root = tmp.path();
    let o = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("master.cf: take 3 change(s)"), "{out}");
    assert!(
        out.contains("master.cf anvil/unix: changed on both sides"),
        "{out}"
    );
    let merged = String::from_utf8(read(root, "etc/postfix/master.cf").unwrap()).unwrap();
    let ours_s = String::from_utf8(ours.clone()).unwrap();
    let expected = ours_s
        .replace(
            "scache    unix  -       -       n       -       1       scache\n",
            "scache    unix  -       -       n       -       2       scache\n\n\
             # The tlsproxy service turns TLS on for postscreen and the SMTP client.\n\
             #\n\
             tlsproxy  unix  -       -       n       -       0       tlsproxy\n",
        )
        .replace(
            "retry     unix  -       -       n       -       -       error\n",
            "",
        );
    assert_eq!(merged, expected);
    // the admin's entries stay as they wrote them
    let etc = root.join("etc/postfix");
    let (m, _, _) = postconf(&etc, &["-M", "anvil/unix"]);
    assert!(m.starts_with("anvil"), "{m}");
    assert_eq!(m.split_whitespace().nth(6), Some("2"), "{m}");
    let (m, _, _) = postconf(&etc, &["-M", "submission/inet"]);
    assert!(m.contains("syslog_name=postfix/submission"), "{m}");
    let (m, _, _) = postconf(&etc, &["-M", "discard/unix"]);
    assert!(m.is_empty(), "{m}");
    no_new_warnings(&ours, merged.as_bytes(), "master.cf");
    let (m, _, _) = postconf(&root.join("etc/postfix"), &["-M", "tlsproxy/unix"]);
    assert!(m.starts_with("tlsproxy"), "{m}");
    assert!(root.join("etc/postfix/master.cf.rpmnew").exists());
    // undo: byte for byte
    let u = run(&["--root", &r(root), "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert_eq!(read(root, "etc/postfix/master.cf").unwrap(), ours);
    assert_eq!(read(root, "etc/postfix/master.cf.rpmnew").unwrap(), theirs);
}

#[test]
fn el8_to_el9_keeps_every_admin_change_and_only_removes_the_rpmnew() {
    require_postfix_tools();
    // RHEL 8.4+ and RHEL 9 ship byte-identical stock files: nothing to take, nothing in
    // conflict, whatever the admin did
    assert_eq!(stock("el8-3.5.8", "main.cf"), stock("el9-3.5.9", "main.cf"));
    let ours = edited(
        "el8-3.5.8",
        "main.cf",
        &[&[
            "-e",
            "myhostname = mail3.example.com",
            "alias_maps = lmdb:/etc/aliases",
            "alias_database = lmdb:/etc/aliases",
            "compatibility_level = 3.6",
        ]],
    );
    let master = edited(
        "el8-3.5.8",
        "master.cf",
        &[&["-M", "anvil/unix=anvil unix - - n - 2 anvil"]],
    );
    let tmp = upgraded(
        "9.4",
        &ours,
        &master,
        &[
            ("main.cf.rpmnew", &stock("el9-3.5.9", "main.cf")),
            ("master.cf.rpmnew", &stock("el9-3.5.9", "master.cf")),
        ],
    );
    let root = tmp.path();
    // how verify names the step just made; plain `fix` on RHEL 9 plans the next upgrade
    let o = run(&[
        "--root",
        &r(root),
        "--source",
        "8",
        "--target",
        "9",
        "fix",
        "-y",
        "--only",
        "rpmnew-merge",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("take "), "{out}");
    assert!(!root.join("etc/postfix/main.cf.rpmnew").exists(), "{out}");
    assert!(!root.join("etc/postfix/master.cf.rpmnew").exists(), "{out}");
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), ours);
    assert_eq!(read(root, "etc/postfix/master.cf").unwrap(), master);
    let u = run(&["--root", &r(root), "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert_eq!(
        read(root, "etc/postfix/main.cf.rpmnew").unwrap(),
        stock("el9-3.5.9", "main.cf")
    );
    assert_eq!(
        read(root, "etc/postfix/master.cf.rpmnew").unwrap(),
        stock("el9-3.5.9", "master.cf")
    );
}

/// A RHEL 10 root whose whole merge has no conflict: main.cf edited and main.cf.rpmnew
/// removed by one fix.
fn no_conflict_root() -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let ours = edited(
        "el9-3.5.9",
        "main.cf",
        // the admin raised the level already (as the new stock file does)
        &[&[
            "-e",
            "myhostname = mail4.example.com",
            "compatibility_level = 3.8",
        ]],
    );
    let theirs = stock("el10-3.8.5", "main.cf");
    let tmp = upgraded(
        "10.0",
        &ours,
        &stock("el10-3.8.5", "master.cf"),
        &[("main.cf.rpmnew", &theirs)],
    );
    (tmp, ours, theirs)
}

fn temps(root: &Path) -> Vec<PathBuf> {
    snapshot(root, &["var"])
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".postfix-preupgrade."))
        .collect()
}

#[test]
fn sigkill_anywhere_keeps_the_rpmnew_with_its_merge_and_undo_brings_it_back() {
    require_postfix_tools();
    // a clean run: its time and the merged file
    let (reft, ours, theirs) = no_conflict_root();
    let start = Instant::now();
    let o = run(&[
        "--root",
        &r(reft.path()),
        "fix",
        "-y",
        "--only",
        "rpmnew-merge",
    ]);
    let clean = start.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let merged = read(reft.path(), "etc/postfix/main.cf").unwrap();
    assert_ne!(merged, ours);
    assert!(read(reft.path(), "etc/postfix/main.cf.rpmnew").is_none());

    let mut points: Vec<String> = vec!["journal".into(), "rpmnew-gone".into()];
    for i in 1..=6u32 {
        points.push(format!("{}ms", (clean * i / 6).as_millis()));
    }
    for (n, point) in points.iter().enumerate() {
        let (tmp, _, _) = no_conflict_root();
        let root = tmp.path();
        let mut child = Command::new(BIN)
            .args(["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"])
            .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_at(&mut child, root, point, || {
            // "rpmnew-gone"
            !root.join("etc/postfix/main.cf.rpmnew").exists()
        });
        // each file wholly old or wholly new
        let main = read(root, "etc/postfix/main.cf").unwrap();
        assert!(
            main == ours || main == merged,
            "{point}: main.cf is half-written"
        );
        let rpmnew = read(root, "etc/postfix/main.cf.rpmnew");
        assert!(
            rpmnew.is_none() || rpmnew.as_deref() == Some(&theirs[..]),
            "{point}: main.cf.rpmnew is half-written"
        );
        if n % 2 == 0 {
            // undo reverses it, killed before or after the commit
            let u = run(&["--root", &r(root), "undo"]);
            assert!(
                matches!(u.status.code(), Some(0) | Some(2)),
                "{point}: {}",
                text(&u)
            );
            assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), ours, "{point}");
            assert_eq!(
                read(root, "etc/postfix/main.cf.rpmnew").as_deref(),
                Some(&theirs[..]),
                "{point}: undo did not bring the .rpmnew back"
            );
        }
        // the next run converges to what a clean run gives
        let f = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
        assert_eq!(f.status.code(), Some(0), "{point}: {}", text(&f));
        assert_eq!(
            read(root, "etc/postfix/main.cf").unwrap(),
            merged,
            "{point}"
        );
        assert!(
            read(root, "etc/postfix/main.cf.rpmnew").is_none(),
            "{point}"
        );
        assert!(temps(root).is_empty(), "{point}: {:?}", temps(root));
    }
}

#[test]
fn an_rpmnew_edited_at_the_prompt_is_neither_removed_nor_merged() {
    require_postfix_tools();
    let (tmp, ours, theirs) = no_conflict_root();
    let root = tmp.path();
    let rpmnew = root.join("etc/postfix/main.cf.rpmnew");
    let (out, code) = fix_on_terminal(root, "y", Some((&rpmnew, "# edited meanwhile\n")));
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("changed since the plan was made"), "{out}");
    let mut edited = theirs.clone();
    edited.extend_from_slice(b"# edited meanwhile\n");
    assert_eq!(std::fs::read(&rpmnew).unwrap(), edited);
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), ours);
}

#[test]
fn a_link_at_the_rpmnew_is_never_followed_or_removed() {
    require_postfix_tools();
    let (tmp, ours, theirs) = no_conflict_root();
    let root = tmp.path();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious");
    std::fs::write(&target, &theirs).unwrap();
    let rpmnew = root.join("etc/postfix/main.cf.rpmnew");
    std::fs::remove_file(&rpmnew).unwrap();
    std::os::unix::fs::symlink(&target, &rpmnew).unwrap();
    let o = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    assert!(
        text(&o).contains("/etc/postfix/main.cf.rpmnew: not merged and not removed"),
        "{}",
        text(&o)
    );
    assert!(
        std::fs::symlink_metadata(&rpmnew)
            .unwrap()
            .file_type()
            .is_symlink(),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&target).unwrap(), theirs);
    assert_eq!(
        read(root, "etc/postfix/main.cf").unwrap(),
        ours,
        "{}",
        text(&o)
    );
}

#[test]
fn the_stock_level_is_raised_by_its_own_fix_with_the_pins_never_by_the_merge() {
    require_postfix_tools();
    // compatibility_level still the RHEL 9 stock 2: "changed only in the new stock file"
    let ours = edited(
        "el9-3.5.9",
        "main.cf",
        &[&[
            "-e",
            "myhostname = mail5.example.com",
            "alias_maps = lmdb:/etc/aliases",
            "alias_database = lmdb:/etc/aliases",
            "default_database_type = lmdb",
        ]],
    );
    let theirs = stock("el10-3.8.5", "main.cf");
    let tmp = upgraded(
        "10.0",
        &ours,
        &stock("el10-3.8.5", "master.cf"),
        &[("main.cf.rpmnew", &theirs)],
    );
    let root = tmp.path();
    // the merge alone does not raise it: listed, with the fix that does, .rpmnew kept
    let o = run(&["--root", &r(root), "fix", "-y", "--only", "rpmnew-merge"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Nothing to fix now"), "{out}");
    assert!(
        out.contains(
            "[rpmnew-merge] main.cf compatibility_level: changed only in the new stock file \
             (`2` → `3.8`), but the level is raised by the compatibility-level fix"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "remedy: postfix-preupgrade --source 9 --target 10 fix --only compatibility-level"
        ),
        "{out}"
    );
    assert_eq!(read(root, "etc/postfix/main.cf").unwrap(), ours);
    assert!(root.join("etc/postfix/main.cf.rpmnew").exists());
    // fix on the new release: the level with its pins, then the merge has nothing left
    let o = run(&["--root", &r(root), "fix", "-y"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let main = String::from_utf8(read(root, "etc/postfix/main.cf").unwrap()).unwrap();
    assert!(main.contains("compatibility_level = 3.8\n"), "{main}");
    assert!(main.contains("respectful_logging = no\n"), "{main}");
    assert!(!root.join("etc/postfix/main.cf.rpmnew").exists(), "{out}");
    no_new_warnings(&ours, main.as_bytes(), "main.cf");
}
