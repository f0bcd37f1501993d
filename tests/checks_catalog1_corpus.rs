//! The catalog checks over every real-world config in shared/data/corpus and the RHEL-like
//! stock configs, on each single upgrade step. Each config gets a scratch root
//! (`etc/postfix/{main,master}.cf`, an os-release, and the services(5) file of the
//! `cat1-el8-mixed` fixture, which names 465 `urd`/`smtps` and has no `submissions`).
//!
//! The findings are recorded in one snapshot, reviewed by hand (see the judgement notes in
//! the module docs of each check); the stock config of each target release must give
//! nothing above `info` on the step that lands on that release.
use std::fs;
use std::path::{Path, PathBuf};

use postfix_preupgrade::checks;
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::{Finding, Severity};
use postfix_preupgrade::policy::{self, Selection};

const IDS: [&str; 6] = [
    "nis-map",
    "map-plugin-package",
    "removed-restriction",
    "deprecated-parameter",
    "service-name-unresolvable",
    "master-internal-services",
];

const STEPS: [(&str, &str); 3] = [("7.9", "8"), ("8.10", "9"), ("9.6", "10")];

fn shared() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).to_path_buf()
}

/// (name, directory) of every corpus entry and RHEL-like stock config.
fn entries() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["corpus", "stock/rhel-like"] {
        let dir = shared().join(sub);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("main.cf").is_file())
            .collect();
        names.sort();
        for p in names {
            let name = format!("{sub}/{}", p.file_name().unwrap().to_string_lossy());
            out.push((name, p));
        }
    }
    assert!(
        out.len() >= 30,
        "corpus not found under {}",
        shared().display()
    );
    out
}

fn root_for(name: &str, src: &Path, source: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("checks_catalog1_corpus")
        .join(format!("{}-{source}", name.replace('/', "_")));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("etc/postfix")).unwrap();
    for f in ["main.cf", "master.cf"] {
        // a few corpus entries have no master.cf: Postfix then has none either
        if src.join(f).is_file() {
            fs::copy(src.join(f), root.join("etc/postfix").join(f)).unwrap();
        }
    }
    fs::write(
        root.join("etc/os-release"),
        format!("ID=\"rhel\"\nVERSION_ID=\"{source}\"\n"),
    )
    .unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/roots/cat1-el8-mixed/etc/services"),
        root.join("etc/services"),
    )
    .unwrap();
    root
}

fn collect(root: &Path, source: &str, target: &str) -> Facts {
    let opts = GlobalOpts {
        target: Some(target.into()),
        source: Some(source.into()),
        color: ColorWhen::Never,
        ..GlobalOpts::for_root(root.to_path_buf())
    };
    facts::collect_with(&opts, None, &Tools::default()).unwrap()
}

fn run(facts: &Facts) -> Vec<Finding> {
    let list: Vec<_> = IDS.iter().map(|id| checks::find(id).unwrap()).collect();
    engine::run_checks(&list, facts, &Selection::all())
}

/// Which target release a RHEL-like stock directory belongs to (`el9-3.5.9` → 9).
fn stock_major(name: &str) -> Option<&str> {
    let base = name.strip_prefix("stock/rhel-like/el")?;
    base.split('-').next()
}

#[test]
fn corpus_and_stock_findings() {
    let mut lines = Vec::new();
    let mut counts = std::collections::BTreeMap::<(String, Severity), usize>::new();
    for (name, dir) in entries() {
        for (source, target) in STEPS {
            let root = root_for(&name, &dir, source);
            let facts = collect(&root, source, target);
            let findings = run(&facts);
            for f in &findings {
                // every finding points at a file and says what to do
                assert!(f.location.file.is_some(), "{name}: {f:#?}");
                assert!(f.location.text.is_some(), "{name}: {f:#?}");
                assert!(!f.summary.is_empty() && !f.remediation.hint.is_empty());
                assert_eq!(f.inhibitor, policy::is_inhibitor(f));
                *counts.entry((f.id.clone(), f.severity)).or_default() += 1;
                let l = &f.location;
                lines.push(format!(
                    "{name} {source}->{target} {} {} {} | {}",
                    f.severity,
                    f.id,
                    l.service
                        .as_deref()
                        .or(l.parameter.as_deref())
                        .unwrap_or("-"),
                    l.text
                        .as_deref()
                        .unwrap_or("")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                ));
            }
            // the stock config of a release, on the step that lands on it: info at most
            if stock_major(&name) == Some(target) {
                let above: Vec<_> = findings
                    .iter()
                    .filter(|f| f.severity > Severity::Info)
                    .map(|f| (&f.id, f.severity, &f.title))
                    .collect();
                assert!(above.is_empty(), "{name} on {source}->{target}: {above:#?}");
            }
            let _ = fs::remove_dir_all(&root);
        }
    }
    let mut table = String::from("check severity count\n");
    for ((id, sev), n) in &counts {
        table.push_str(&format!("{id} {sev} {n}\n"));
    }
    insta::assert_snapshot!("corpus_counts", table);
    insta::assert_snapshot!("corpus_findings", lines.join("\n"));
}
