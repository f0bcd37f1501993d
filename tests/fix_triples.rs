//! Fix triples: for each case under `tests/fixtures/fix/<case>/` (a root tree, the
//! source release, the `fix` arguments), run the real binary with `-y` on a copy, compare
//! the unified diff of every changed file (and the files created) with
//! `expected.diff`, check that the real `postconf` accepts the result with no new
//! warning, that a re-run finds nothing to fix and makes no backup, and that `undo`
//! restores every file byte for byte.
//!
//! `FIX_BLESS=1 cargo test --test fix_triples` rewrites `expected.diff` (review it).
mod fix_support;

use std::path::Path;

use fix_support::*;
use postfix_preupgrade::fix::{unified_diff, FileChange};

fn diff_of(
    before: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
    after: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
) -> String {
    let mut out = String::new();
    for (rel, old) in before {
        let new = after
            .get(rel)
            .unwrap_or_else(|| panic!("{} vanished", rel.display()));
        if new != old {
            out.push_str(&unified_diff(&FileChange {
                instance: "-".into(),
                path: Path::new("/").join(rel),
                old: old.clone(),
                new: new.clone(),
            }));
        }
    }
    for rel in after.keys().filter(|k| !before.contains_key(*k)) {
        out.push_str(&format!("created /{}\n", rel.display()));
    }
    out
}

fn backups(root: &Path) -> usize {
    std::fs::read_dir(root.join("var/lib/postfix-preupgrade/backups"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn run_case(case: &Path) {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    os_release(
        root,
        std::fs::read_to_string(case.join("release"))
            .unwrap()
            .trim(),
    );
    copy_tree(&case.join("root"), root);
    let args: Vec<String> = std::fs::read_to_string(case.join("args"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let root_s = root.display().to_string();
    let mut cmd: Vec<&str> = vec!["--root", &root_s, "fix", "-y"];
    cmd.extend(args.iter().map(String::as_str));
    let before = snapshot(root, &["var"]);
    let (_, warn_before, ok_before) = postconf(&root.join("etc/postfix"), &["-n"]);

    let o = run(&cmd);
    // 0 when nothing inhibits the upgrade afterwards; cases that leave an inhibitor (a
    // table without a source, a nis: table inside a restriction) say 3 in `exit`
    let want: i32 = std::fs::read_to_string(case.join("exit"))
        .map(|s| s.trim().parse().unwrap())
        .unwrap_or(0);
    assert_eq!(o.status.code(), Some(want), "{name}: {}", text(&o));
    if want == 3 {
        assert!(text(&o).contains("Still inhibiting the upgrade"), "{name}");
    }
    let after = snapshot(root, &["var"]);
    let diff = diff_of(&before, &after);
    let expected_path = case.join("expected.diff");
    if std::env::var_os("FIX_BLESS").is_some() {
        std::fs::write(&expected_path, &diff).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("{name}: no expected.diff (FIX_BLESS=1 writes it)"));
    assert_eq!(
        diff,
        expected,
        "{name}: diff differs; output:\n{}",
        text(&o)
    );

    // the real postconf accepts the result, with no warning that was not there before
    let dir = root.join("etc/postfix");
    let (_, warn_after, ok_after) = postconf(&dir, &["-n"]);
    assert!(
        ok_after || !ok_before,
        "{name}: postconf refuses:\n{warn_after}"
    );
    for l in warn_after.lines() {
        assert!(
            warn_before
                .lines()
                .any(|b| b.contains(l.split(": ").last().unwrap_or(l))),
            "{name}: new postconf warning: {l}"
        );
    }
    let (_, m_err, m_ok) = postconf(&dir, &["-M"]);
    assert!(m_ok, "{name}: postconf -M: {m_err}");

    // a re-run finds nothing fixable and makes no backup
    let n = backups(root);
    let mut again: Vec<&str> = vec!["--root", &root_s, "fix", "-y"];
    again.extend(args.iter().map(String::as_str));
    let o2 = run(&again);
    assert_eq!(o2.status.code(), Some(want), "{name}: {}", text(&o2));
    assert!(
        String::from_utf8_lossy(&o2.stdout).starts_with("Nothing to fix now"),
        "{name}: re-run:\n{}",
        text(&o2)
    );
    assert_eq!(backups(root), n, "{name}: the re-run made a backup");
    assert_eq!(snapshot(root, &["var"]), after, "{name}: the re-run wrote");

    // undo restores every file byte for byte
    if n > 0 {
        let u = run(&["--root", &root_s, "undo"]);
        assert_eq!(u.status.code(), Some(0), "{name}: {}", text(&u));
        assert_eq!(snapshot(root, &["var"]), before, "{name}: undo");
    } else {
        assert_eq!(after, before, "{name}: files changed without a backup");
    }
}

#[test]
fn fix_triples() {
    require_postfix_tools();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("root").is_dir())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 8,
        "fix triples missing under {}",
        dir.display()
    );
    for c in cases {
        run_case(&c);
    }
}
