//! Checks and planners agree: on every fixture root (a copy in a temporary directory),
//! for its source release and every target it can be upgraded to, each finding that
//! advertises a fix (`fix.available`) is acted on by `fix::plan`: a change made now, a
//! table rebuilt, a "left unchanged" entry with its reason, or a fix planned for after
//! the upgrade. And every planner remediates a registered check.
//!
//! A finding is matched to a plan entry of the same check, in the same instance (config
//! directory), that names what the finding is about (its parameter, service or text).
mod fix_support;

use std::path::{Path, PathBuf};

use fix_support::*;
use postfix_preupgrade::checks::CHECKS;
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine::run_checks;
use postfix_preupgrade::facts::{collect_with, Facts, Tools};
use postfix_preupgrade::finding::{Applicability, Finding};
use postfix_preupgrade::fix::{self, Plan, PlanOptions, Support};
use postfix_preupgrade::policy::Selection;

fn facts(root: &Path, target: u32) -> Facts {
    let opts = GlobalOpts {
        target: Some(target.to_string()),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root.to_path_buf())
    };
    collect_with(&opts, None, &Tools::from_path())
        .unwrap_or_else(|e| panic!("facts for {}: {e:#}", root.display()))
}

/// Every fixture root: `tests/fixtures/roots/*` and the README's example.
fn roots() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("etc/os-release").is_file())
        .collect();
    v.sort();
    v.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"));
    v
}

fn source_major(root: &Path) -> u32 {
    let text = std::fs::read_to_string(root.join("etc/os-release")).unwrap();
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_ID="))
        .unwrap_or_else(|| panic!("{}: no VERSION_ID", root.display()));
    v.trim_matches('"')
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// One plan entry reduced to what matching needs.
struct Entry {
    kind: &'static str,
    check: String,
    instance: String,
    text: String,
}

fn entries(plan: &Plan) -> Vec<Entry> {
    let mut v = Vec::new();
    for (kind, list) in [("fix", &plan.fixes), ("later", &plan.later)] {
        for f in list {
            v.push(Entry {
                kind,
                check: f.check.to_string(),
                instance: f.instance.clone(),
                text: format!("{} {}", f.summary, f.note.clone().unwrap_or_default()),
            });
        }
    }
    for l in &plan.left {
        v.push(Entry {
            kind: "left",
            check: l.check.to_string(),
            instance: l.instance.clone(),
            text: format!("{} {}", l.what, l.reason),
        });
    }
    v
}

/// The instance (name) whose config directory holds `file`, if any.
fn instance_of(facts: &Facts, file: &str) -> Option<String> {
    facts
        .instances
        .iter()
        .find(|i| Path::new(file).parent() == Some(i.config_directory.as_path()))
        .map(|i| i.name.clone())
}

/// What a plan entry must name for the finding: its parameter, its service (`name/type`
/// or the name alone), or the text as written.
fn names(f: &Finding) -> Vec<String> {
    let l = &f.location;
    let mut v = Vec::new();
    if let Some(p) = &l.parameter {
        v.push(p.to_string());
    }
    if let Some(s) = &l.service {
        v.push(s.to_string());
        if let Some((n, _)) = s.split_once('/') {
            v.push(n.to_string());
        }
    }
    if let Some(t) = &l.text {
        v.push(t.to_string());
    }
    v
}

/// The kinds (`fix`, `later`, `left`, `rebuild`) of the plan entries that act on `f`.
fn acted_on(facts: &Facts, plan: &Plan, entries: &[Entry], f: &Finding) -> Vec<&'static str> {
    let inst = f
        .location
        .file
        .as_deref()
        .and_then(|p| instance_of(facts, p));
    let names = names(f);
    let same_place = |e: &&Entry| {
        e.check == f.id
            && match &inst {
                Some(i) => &e.instance == i,
                None => true,
            }
            && (names.is_empty() || names.iter().any(|n| e.text.contains(n.as_str())))
    };
    let mut kinds: Vec<&'static str> = entries.iter().filter(same_place).map(|e| e.kind).collect();
    // a table rebuilt from the source the finding names
    if f.id == "berkeley-db-map"
        && plan.rebuilds.iter().any(|r| {
            let src = r.source.display().to_string();
            names.iter().any(|n| n.contains(&src))
        })
    {
        kinds.push("rebuild");
    }
    kinds
}

fn describe(f: &Finding) -> String {
    format!(
        "[{}] {} ({:?}) {} line {:?} param {:?} service {:?} text {:?}",
        f.id,
        f.title,
        f.fix.applicability,
        f.location.file.clone().unwrap_or_default(),
        f.location.line,
        f.location.parameter,
        f.location.service,
        f.location.text
    )
}

#[test]
fn every_advertised_fix_is_planned() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for fixture in roots() {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let source = source_major(&fixture);
        for target in source + 1..=10 {
            let tmp = tempfile::tempdir().unwrap();
            copy_tree(&fixture, tmp.path());
            let f = facts(tmp.path(), target);
            let findings = run_checks(CHECKS, &f, &Selection::all());
            for unsafe_fixes in [false, true] {
                let opts = PlanOptions {
                    selection: Selection::all(),
                    unsafe_fixes,
                    support: Support::default(),
                };
                let plan = fix::plan(&f, &opts);
                let entries = entries(&plan);
                for finding in findings.iter().filter(|x| x.fix.available) {
                    checked += 1;
                    let kinds = acted_on(&f, &plan, &entries, finding);
                    if kinds.is_empty() {
                        problems.push(format!(
                            "{name} {source}->{target} unsafe={unsafe_fixes}: {}",
                            describe(finding)
                        ));
                        continue;
                    }
                    // a review fix is applied only with --unsafe: without it, it is left
                    // with a reason (or waits for the upgrade), never applied
                    if !unsafe_fixes
                        && finding.fix.applicability == Some(Applicability::Review)
                        && kinds.contains(&"fix")
                    {
                        problems.push(format!(
                            "{name} {source}->{target}: review fix applied without --unsafe: {}",
                            describe(finding)
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no finding advertises a fix");
    assert!(
        problems.is_empty(),
        "{} finding(s) advertise a fix the plan does not act on:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_planner_remediates_a_registered_check() {
    // the checks of check, and those only verify runs (rpmnew-merge is fixed after the
    // upgrade)
    let all: Vec<_> = CHECKS
        .iter()
        .chain(postfix_preupgrade::verify::VERIFY_ONLY)
        .collect();
    let ids: Vec<&str> = all.iter().map(|c| c.id()).collect();
    for p in fix::PLANNERS {
        assert!(ids.contains(&p.id()), "planner {} has no check", p.id());
        let c = all.iter().find(|c| c.id() == p.id()).unwrap();
        assert!(
            c.fixable(),
            "{} has a planner but says it is not fixable",
            p.id()
        );
    }
    for c in all.iter().filter(|c| c.fixable()) {
        assert!(
            fix::planner_ids().contains(&c.id()),
            "{} says it is fixable but has no planner",
            c.id()
        );
    }
}
