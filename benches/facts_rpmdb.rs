//! How long reading the installed Postfix takes on a database of realistic size.
//! Builds N fake packages (default 600, like a RHEL server; `FACTS_BENCH_PACKAGES=N`),
//! installs them with the real rpm into an sqlite database, then times the direct
//! reader and `rpm -qa`. Run: `cargo bench --bench facts_rpmdb`.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use postfix_preupgrade::facts::rpmdb;
use postfix_preupgrade::root::Root;

fn main() {
    let n: usize = std::env::var("FACTS_BENCH_PACKAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let rpm_bin = rpmdb::which("rpm").expect("rpm is not on the PATH");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-facts-rpmdb");
    let _ = std::fs::remove_dir_all(&base);
    let pkgs = base.join("pkgs");
    let root = base.join("root");
    std::fs::create_dir_all(&pkgs).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for i in 0..n {
        let name = if i == 0 {
            "postfix".to_string()
        } else if i < 4 {
            format!("postfix-sub{i}")
        } else {
            format!("filler{i}")
        };
        let mut b = rpm::PackageBuilder::new(&name, "1.0", "MIT", "x86_64", "bench");
        b.release("1.el9");
        b.using_config(rpm::BuildConfig::default().compression(rpm::CompressionType::Gzip));
        // 40 files each: headers of a few tens of KiB, like real packages
        for f in 0..40 {
            let opts = rpm::FileOptions::new(format!("/usr/share/{name}/file{f}"));
            b.with_file_contents(format!("{name} {f}\n").into_bytes(), opts)
                .unwrap();
        }
        let out = pkgs.join(format!("{name}.rpm"));
        b.build().unwrap().write_file(&out).unwrap();
        files.push(out);
    }
    let t = Instant::now();
    for chunk in files.chunks(200) {
        let st = Command::new(&rpm_bin)
            .arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"])
            .args([
                "-i",
                "--nodeps",
                "--noscripts",
                "--ignorearch",
                "--ignoreos",
                "--justdb",
            ])
            .args(chunk)
            .status()
            .unwrap();
        assert!(st.success());
    }
    eprintln!("installed {n} packages in {:?}", t.elapsed());
    let r = Root::new(&root).unwrap();
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        let db = rpmdb::read_sqlite(&r, Path::new("/var/lib/rpm")).unwrap();
        assert_eq!(db.packages.len(), 4);
    }
    println!(
        "read_sqlite ({n} packages): {:?} per run",
        t.elapsed() / runs
    );
    let t = Instant::now();
    let db = rpmdb::query_rpm(&r, Path::new("/var/lib/rpm"), &rpm_bin).unwrap();
    assert_eq!(db.packages.len(), 4);
    println!("query_rpm ({n} packages): {:?}", t.elapsed());
    // the whole-scan path (no Name index)
    let conn = rusqlite::Connection::open(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    conn.execute_batch("DROP TABLE Name").unwrap();
    drop(conn);
    let t = Instant::now();
    for _ in 0..runs {
        let db = rpmdb::read_sqlite(&r, Path::new("/var/lib/rpm")).unwrap();
        assert_eq!(db.packages.len(), 4);
    }
    println!(
        "read_sqlite without Name index ({n} packages): {:?} per run",
        t.elapsed() / runs
    );
}
