//! A `fix` killed with SIGKILL anywhere in a large multi-file, multi-table job (25
//! postmulti instances, large main.cf files, 19 tables): every config file is wholly old
//! or wholly new; `undo` (which first reverses the interrupted transaction) brings back
//! the old bytes; and the next `fix` converges to exactly what a clean run gives, with no
//! temporary file left. The kill points are bounded: 10 kills, each at most 60 s.
mod fix_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use fix_support::*;

const INSTANCES: usize = 8;

fn build_root(root: &Path) {
    os_release(root, "9.4");
    let dirs: Vec<String> = (1..=INSTANCES)
        .map(|i| format!("/etc/postfix-{i}"))
        .collect();
    let filler: String = (0..3000)
        .map(|i| format!("# filler comment line {i} that makes main.cf large\n"))
        .collect();
    let mut all = vec!["/etc/postfix".to_string()];
    all.extend(dirs.iter().cloned());
    for (n, d) in all.iter().enumerate() {
        let host = root.join(d.trim_start_matches('/'));
        std::fs::create_dir_all(&host).unwrap();
        let mut main = String::new();
        if n == 0 {
            main.push_str(&format!(
                "multi_instance_directories = {}\n",
                dirs.join(" ")
            ));
        } else {
            main.push_str(&format!("multi_instance_name = postfix-{n}\n"));
        }
        main.push_str(&filler);
        main.push_str(&format!(
            "virtual_alias_maps = hash:{d}/virtual\ntransport_maps = btree:{d}/transport\n"
        ));
        std::fs::write(host.join("main.cf"), main).unwrap();
        std::fs::write(
            host.join("master.cf"),
            "smtp      inet  n       -       n       -       -       smtpd\n  -o smtpd_helo_restrictions=check_helo_access,hash:/etc/postfix/helo\n",
        )
        .unwrap();
        let mut virt = String::new();
        for k in 0..2000 {
            virt.push_str(&format!("user{k}@example.net user{k}@example.com\n"));
        }
        std::fs::write(host.join("virtual"), virt).unwrap();
        std::fs::write(
            host.join("transport"),
            "example.org smtp:[relay.example.org]\n",
        )
        .unwrap();
    }
    std::fs::write(root.join("etc/postfix/helo"), "bad.example REJECT\n").unwrap();
}

/// Config files (relative path → bytes).
fn configs(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(root, &["var"])
        .into_iter()
        .filter(|(p, _)| {
            let n = p.file_name().unwrap().to_string_lossy();
            n == "main.cf" || n == "master.cf"
        })
        .collect()
}

fn spawn_fix(root: &Path) -> std::process::Child {
    Command::new(BIN)
        .args(["--root", &root.display().to_string(), "fix", "-y"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every file (outside the backups) whose name is one of our temporary names.
fn temps(root: &Path) -> Vec<PathBuf> {
    snapshot(root, &["var"])
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".postfix-preupgrade."))
        .collect()
}

/// The built tables (relative path → bytes).
fn tables(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(root, &["var"])
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "lmdb"))
        .collect()
}

#[test]
fn sigkill_anywhere_leaves_whole_files_and_the_next_run_converges() {
    require_postfix_tools();
    // reference: a clean run, its time, and the old and new bytes of every config file
    let reft = tempfile::tempdir().unwrap();
    build_root(reft.path());
    let old = configs(reft.path());
    let start = Instant::now();
    let o = run(&["--root", &reft.path().display().to_string(), "fix", "-y"]);
    let clean = start.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let new = configs(reft.path());
    let new_tables = tables(reft.path());
    assert_eq!(old.len(), 2 * (INSTANCES + 1));
    assert_eq!(new_tables.len(), 2 * (INSTANCES + 1) + 1);
    assert!(
        old.iter().all(|(p, b)| new[p] != *b),
        "every file is part of the fix"
    );

    // kill points: as soon as the journal exists, as soon as the first config file
    // changed (renames under way), and at delays spread over a clean run's duration
    let mut points: Vec<String> = vec!["journal".into(), "first-file".into()];
    let steps = 8u32;
    for i in 1..=steps {
        points.push(format!("{}ms", (clean * i / steps).as_millis()));
    }
    let mut saw_mixed = false;
    for (n, point) in points.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        build_root(root);
        let first = root.join("etc/postfix/main.cf");
        let mut child = spawn_fix(root);
        kill_at(&mut child, root, point, || {
            // "first-file"
            std::fs::read(&first)
                .map(|b| b != old[Path::new("etc/postfix/main.cf")])
                .unwrap_or(false)
        });

        // every config file is wholly old or wholly new
        let now = configs(root);
        let mut n_new = 0;
        for (p, b) in &now {
            assert!(
                *b == old[p] || *b == new[p],
                "{point}: {} is neither the old nor the new file",
                p.display()
            );
            n_new += usize::from(*b == new[p]);
        }
        saw_mixed |= n_new > 0 && n_new < now.len();
        eprintln!("{point}: {n_new} of {} files new when killed", now.len());

        if n.is_multiple_of(2) {
            // undo reverses it, whether the kill came before or after the commit
            let u = run(&["--root", &root.display().to_string(), "undo"]);
            assert!(
                matches!(u.status.code(), Some(0) | Some(2)),
                "{point}: {}",
                text(&u)
            );
            assert!(
                configs(root) == old,
                "{point}: undo did not restore the old bytes"
            );
            assert!(tables(root).is_empty(), "{point}: undo left built tables");
        }
        // the next run converges to what a clean run gives
        let f = run(&["--root", &root.display().to_string(), "fix", "-y"]);
        assert_eq!(f.status.code(), Some(0), "{point}: {}", text(&f));
        assert!(
            configs(root) == new,
            "{point}: the next fix differs from a clean run"
        );
        assert_eq!(
            tables(root).keys().collect::<Vec<_>>(),
            new_tables.keys().collect::<Vec<_>>(),
            "{point}: tables"
        );
        assert_eq!(
            temps(root),
            Vec::<PathBuf>::new(),
            "{point}: temporary files left"
        );
        // and nothing is left half-done in the journal
        let u = run(&["--root", &root.display().to_string(), "undo"]);
        assert_eq!(u.status.code(), Some(0), "{point}: {}", text(&u));
        assert!(
            configs(root) == old,
            "{point}: undo after the converged fix"
        );
    }
    eprintln!("a kill landed between files: {saw_mixed}");
}
