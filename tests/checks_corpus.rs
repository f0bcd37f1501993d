//! Every registered check over real-world configurations and the stock files.
//!
//! * Each `shared/data/corpus` entry and each stock config is placed in a scratch root
//!   (`etc/postfix/main.cf`, `master.cf`, an os-release of the source release) and every
//!   check in [`CHECKS`] runs on it for 7→8, 8→9 and 9→10. No check may panic; the per-check
//!   counts per severity are printed (`cargo test --test checks_corpus -- --nocapture`).
//! * The stock configuration of each target release, as the RPM installs it (install-path
//!   parameters filled in as `postfix-install` does; RHEL 10's `hash:` → `lmdb:` alias
//!   tables), checked on the upgrade path INTO that release with the target's Postfix
//!   version installed, produces nothing above `info`: after the upgrade that is exactly
//!   what the host runs, so anything higher would be a false positive.
use std::collections::BTreeMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use postfix_preupgrade::checks::CHECKS;
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::config::MainCf;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::{Finding, Severity};

fn data() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).to_path_buf()
}

/// The three single-step paths: (source, target).
const PATHS: [(&str, &str); 3] = [("7.9", "8.10"), ("8.10", "9.6"), ("9.6", "10.0")];

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("checks_corpus")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("etc/postfix")).unwrap();
    dir
}

/// A root holding `main`/`master` (when given) as /etc/postfix/{main,master}.cf.
fn make_root(name: &str, source: &str, main: Option<&[u8]>, master: Option<&[u8]>) -> PathBuf {
    let root = scratch(name);
    fs::write(
        root.join("etc/os-release"),
        format!("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"{source}\"\n"),
    )
    .unwrap();
    if let Some(m) = main {
        fs::write(root.join("etc/postfix/main.cf"), m).unwrap();
    }
    if let Some(m) = master {
        fs::write(root.join("etc/postfix/master.cf"), m).unwrap();
    }
    root
}

fn collect(root: &Path, source: &str, target: &str, version: Option<&str>) -> Facts {
    let opts = GlobalOpts {
        target: Some(target.to_string()),
        source: Some(source.to_string()),
        postfix_version: version.map(str::to_string),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root.to_path_buf())
    };
    facts::collect_with(&opts, None, &Tools::from_path())
        .unwrap_or_else(|e| panic!("facts for {}: {e:#}", root.display()))
}

/// Run every registered check; a panicking check fails the test naming check and entry.
fn run_all(facts: &Facts, entry: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in CHECKS {
        let r = catch_unwind(AssertUnwindSafe(|| c.run(facts)));
        match r {
            Ok(fs) => {
                for f in &fs {
                    assert_eq!(f.id, c.id(), "{entry}: {} reported id {}", c.id(), f.id);
                }
                out.extend(fs);
            }
            Err(_) => panic!("check {} panicked on {entry}", c.id()),
        }
    }
    out
}

/// One configuration: name, main.cf and master.cf (when present).
type Input = (String, Option<Vec<u8>>, Option<Vec<u8>>);

/// Corpus entries and stock configs.
fn inputs() -> Vec<Input> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for sub in ["corpus", "stock", "stock/rhel-like"] {
        let mut d: Vec<PathBuf> = fs::read_dir(data().join(sub))
            .unwrap_or_else(|e| panic!("{}: {e}", data().join(sub).display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("main.cf").is_file() || p.join("master.cf").is_file())
            .collect();
        d.sort();
        dirs.extend(d);
    }
    for d in dirs {
        let name = d
            .strip_prefix(data())
            .unwrap()
            .display()
            .to_string()
            .replace('/', "_");
        out.push((
            name,
            fs::read(d.join("main.cf")).ok(),
            fs::read(d.join("master.cf")).ok(),
        ));
    }
    out
}

#[test]
fn every_check_over_corpus_and_stock_on_every_path() {
    let inputs = inputs();
    assert!(
        inputs.len() >= 40,
        "corpus and stock not found ({})",
        inputs.len()
    );
    // check id → path → severity → count
    let mut table: BTreeMap<String, BTreeMap<String, [usize; 4]>> = BTreeMap::new();
    let mut details: Vec<String> = Vec::new();
    for (name, main, master) in &inputs {
        for (s, t) in PATHS {
            let root = make_root(
                &format!("{name}-{s}"),
                s,
                main.as_deref(),
                master.as_deref(),
            );
            let facts = collect(&root, s, t, None);
            let path = format!(
                "{}→{}",
                &s[..s.find('.').unwrap()],
                &t[..t.find('.').unwrap()]
            );
            for f in run_all(&facts, &format!("{name} {path}")) {
                let row = table.entry(f.id.clone()).or_default();
                row.entry(path.clone()).or_default()[f.severity as usize] += 1;
                if f.severity > Severity::Info {
                    details.push(format!(
                        "{path} {name}: [{}] {}: {} ({}:{})",
                        f.severity,
                        f.id,
                        f.title,
                        f.location.file.as_deref().unwrap_or("-"),
                        f.location.line.map_or("-".to_string(), |l| l.to_string())
                    ));
                }
            }
        }
    }
    println!(
        "\nfindings on {} configs per check, path and severity:",
        inputs.len()
    );
    println!(
        "{:<30} {:<6} {:>5} {:>5} {:>6} {:>5}",
        "check", "path", "info", "low", "medium", "high"
    );
    for c in CHECKS {
        let rows = table.get(c.id());
        for (s, t) in PATHS {
            let path = format!(
                "{}→{}",
                &s[..s.find('.').unwrap()],
                &t[..t.find('.').unwrap()]
            );
            let n = rows.and_then(|r| r.get(&path)).copied().unwrap_or_default();
            println!(
                "{:<30} {:<6} {:>5} {:>5} {:>6} {:>5}",
                c.id(),
                path,
                n[0],
                n[1],
                n[2],
                n[3]
            );
        }
    }
    println!("\nfindings above info:");
    for d in &details {
        println!("  {d}");
    }
}

/// The install-path parameters `postfix-install` writes into the RPM's main.cf (the stock
/// files in shared/data leave them empty), with RHEL's values.
const INSTALL_PATHS: &[(&str, &str)] = &[
    ("command_directory", "/usr/sbin"),
    ("daemon_directory", "/usr/libexec/postfix"),
    ("data_directory", "/var/lib/postfix"),
    ("mail_owner", "postfix"),
    ("setgid_group", "postdrop"),
    ("sendmail_path", "/usr/sbin/sendmail.postfix"),
    ("newaliases_path", "/usr/bin/newaliases.postfix"),
    ("mailq_path", "/usr/bin/mailq.postfix"),
    ("html_directory", "no"),
    ("manpage_directory", "/usr/share/man"),
    ("sample_directory", "/usr/share/doc/postfix/samples"),
    ("readme_directory", "/usr/share/doc/postfix/README_FILES"),
];

/// Postfix 3.x adds these two install paths.
const INSTALL_PATHS_3: &[(&str, &str)] = &[
    ("shlib_directory", "/usr/lib64/postfix"),
    ("meta_directory", "/etc/postfix"),
];

/// The stock main.cf as the RPM installs it: install paths filled in, and for a target
/// without Berkeley DB the alias tables switched to lmdb (RHEL 10's spec does this).
fn as_installed(main: &[u8], lmdb_aliases: bool) -> Vec<u8> {
    let mut m = MainCf::parse(main);
    for (n, v) in INSTALL_PATHS.iter().chain(INSTALL_PATHS_3) {
        m.set(n, v).unwrap();
    }
    if lmdb_aliases {
        for n in ["alias_maps", "alias_database"] {
            if let Some(v) = m.value(n).map(str::to_string) {
                m.set(n, &v.replace("hash:", "lmdb:")).unwrap();
            }
        }
    }
    m.to_bytes()
}

#[test]
fn target_stock_config_is_clean_on_its_own_release() {
    // (stock dir, source, target, target's Postfix version, lmdb aliases)
    let cases = [
        ("rhel-like/el8-3.5.8", "7.9", "8.10", "3.5.8", false),
        ("rhel-like/el9-3.5.9", "8.10", "9.6", "3.5.9", false),
        ("rhel-like/el10-3.8.5-approx", "9.6", "10.0", "3.8.5", true),
        ("3.8.5", "9.6", "10.0", "3.8.5", true),
    ];
    let mut bad = Vec::new();
    for (dir, s, t, v, lmdb) in cases {
        let d = data().join("stock").join(dir);
        let main = as_installed(&fs::read(d.join("main.cf")).unwrap(), lmdb);
        let master = fs::read(d.join("master.cf")).unwrap();
        let root = make_root(
            &format!("own-{}", dir.replace('/', "_")),
            s,
            Some(&main),
            Some(&master),
        );
        let facts = collect(&root, s, t, Some(v));
        assert_eq!(facts.postfix.version.to_string(), v);
        let findings = run_all(&facts, dir);
        for f in findings.iter().filter(|f| f.severity > Severity::Info) {
            bad.push(format!(
                "{dir} ({s}→{t}): [{}] {}: {} — {}",
                f.severity, f.id, f.title, f.summary
            ));
        }
        println!("{dir} {s}→{t}: {} info finding(s)", findings.len());
    }
    assert!(
        bad.is_empty(),
        "stock configs must produce nothing above info on their own release:\n{}",
        bad.join("\n")
    );
}

#[test]
fn as_installed_fills_paths_and_switches_aliases() {
    let m = as_installed(
        b"sendmail_path =\nalias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n",
        true,
    );
    let m = MainCf::parse(&m);
    assert_eq!(m.value("sendmail_path"), Some("/usr/sbin/sendmail.postfix"));
    assert_eq!(m.value("alias_maps"), Some("lmdb:/etc/aliases"));
    assert_eq!(m.value("alias_database"), Some("lmdb:/etc/aliases"));
}
