//! A `fix` killed with SIGKILL in the middle of a large job (25 postmulti instances,
//! large main.cf files, 52 tables to build): every config file is wholly old or wholly
//! new, and `undo` brings back the old bytes (or, killed before the backup was complete,
//! nothing had changed). A fresh `fix` then completes.
mod fix_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fix_support::*;

const INSTANCES: usize = 25;

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

#[test]
fn sigkill_leaves_files_whole_and_undo_works() {
    require_postfix_tools();
    // reference: the old bytes and the new bytes of every config file
    let reft = tempfile::tempdir().unwrap();
    build_root(reft.path());
    let old = configs(reft.path());
    let o = run(&["--root", &reft.path().display().to_string(), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let new = configs(reft.path());
    assert_eq!(old.len(), 2 * (INSTANCES + 1));
    assert!(
        old.iter().all(|(p, b)| new[p] != *b),
        "every file is part of the fix"
    );

    // kill points: once the backup manifest exists (tables being built), once the first
    // config file changed (files being replaced), and after fixed delays
    let mut saw_mixed = false;
    for point in ["manifest", "first-file", "300ms"] {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        build_root(root);
        let first = root.join("etc/postfix/main.cf");
        let backups = root.join("var/lib/postfix-preupgrade/backups");
        let mut child = spawn_fix(root);
        let start = Instant::now();
        loop {
            if start.elapsed() > Duration::from_secs(120) || child.try_wait().unwrap().is_some() {
                break;
            }
            let hit = match point {
                "manifest" => std::fs::read_dir(&backups)
                    .map(|d| {
                        d.filter_map(|e| e.ok())
                            .any(|e| e.path().join("manifest.json").is_file())
                    })
                    .unwrap_or(false),
                "first-file" => std::fs::read(&first)
                    .map(|b| b != old[Path::new("etc/postfix/main.cf")])
                    .unwrap_or(false),
                _ => start.elapsed() >= Duration::from_millis(300),
            };
            if hit {
                break;
            }
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

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
        let complete = std::fs::read_dir(&backups)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .any(|e| e.path().join("manifest.json").is_file())
            })
            .unwrap_or(false);
        let u = run(&["--root", &root.display().to_string(), "undo"]);
        if complete {
            assert_eq!(u.status.code(), Some(0), "{point}: {}", text(&u));
            assert!(
                configs(root) == old,
                "{point}: undo did not restore the old bytes"
            );
        } else {
            assert_eq!(
                n_new, 0,
                "{point}: files changed before the backup was complete"
            );
            assert_eq!(u.status.code(), Some(2), "{point}: {}", text(&u));
        }
        // and a fresh fix completes
        let f = run(&["--root", &root.display().to_string(), "fix", "-y"]);
        assert_eq!(f.status.code(), Some(0), "{point}: {}", text(&f));
        assert!(configs(root) == new, "{point}: the fresh fix differs");
        let leftovers: Vec<_> = snapshot(root, &["var"])
            .into_keys()
            .filter(|p| p.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{point}: temporary files left: {leftovers:?}"
        );
    }
    eprintln!("a kill landed between files: {saw_mixed}");
}
