//! The engine and the `check` command path over small checks defined here: selection,
//! default keys, policy, de-duplication, ordering, rendering to `--output`, exit codes.
use clap::Parser;
use postfix_preupgrade::checks::{Check, CheckDocs};
use postfix_preupgrade::cli::{CheckArgs, Cli, Command, GlobalOpts};
use postfix_preupgrade::commands::check;
use postfix_preupgrade::engine::run_checks;
use postfix_preupgrade::facts::Facts;
use postfix_preupgrade::finding::{Finding, Severity};
use postfix_preupgrade::policy::Selection;
use postfix_preupgrade::report::{self, ReportMeta};

/// Reports one finding per (file, line, text) given, at its severity.
struct Fixed {
    id: &'static str,
    severity: Severity,
    at: &'static [(&'static str, usize, &'static str)],
}

impl Check for Fixed {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        "test check"
    }
    fn default_severity(&self) -> Severity {
        self.severity
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "a test",
            why: "a test",
            fix: "none",
            references: &[],
        }
    }
    fn run(&self, _facts: &Facts) -> Vec<Finding> {
        self.at
            .iter()
            .map(|(file, line, text)| {
                let mut f = Finding::new(self.id, self.severity, "test finding");
                f.location.file = Some(file.to_string());
                f.location.line = Some(*line);
                f.location.text = Some((*text).into());
                // A check claiming an inhibitor it is not entitled to: policy decides.
                f.inhibitor = true;
                f
            })
            .collect()
    }
}

/// A check that sets its own key.
struct OwnKey;
impl Check for OwnKey {
    fn id(&self) -> &'static str {
        "own-key"
    }
    fn title(&self) -> &'static str {
        "own key"
    }
    fn default_severity(&self) -> Severity {
        Severity::Info
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "a test",
            why: "a test",
            fix: "none",
            references: &[],
        }
    }
    fn run(&self, _facts: &Facts) -> Vec<Finding> {
        let mut f = Finding::new("own-key", Severity::Info, "own");
        f.key = Finding::key_from("own-key", &["chosen"]);
        vec![f]
    }
}

static BDB: Fixed = Fixed {
    id: "berkeley-db-map",
    severity: Severity::High,
    at: &[
        ("/etc/postfix/main.cf", 30, "alias_maps = hash:/etc/aliases"),
        (
            "/etc/postfix/main.cf",
            7,
            "virtual_alias_maps = hash:/etc/postfix/virtual",
        ),
        // the same text again later in the file: same key, reported once
        ("/etc/postfix/main.cf", 44, "alias_maps = hash:/etc/aliases"),
    ],
};
static UNKNOWN: Fixed = Fixed {
    id: "unknown-parameter",
    severity: Severity::High,
    at: &[("/etc/postfix/main.cf", 2, "mydomian = example.com")],
};
static SMTPS: Fixed = Fixed {
    id: "smtps-service-renamed",
    severity: Severity::Low,
    at: &[("/etc/postfix/master.cf", 17, "smtps inet n - n - - smtpd")],
};
static COMPAT: Fixed = Fixed {
    id: "compatibility-level",
    severity: Severity::Medium,
    at: &[("/etc/postfix/main.cf", 50, "compatibility_level = 2")],
};

fn all() -> Vec<&'static dyn Check> {
    vec![&SMTPS, &UNKNOWN, &OwnKey, &BDB, &COMPAT]
}

fn ids() -> Vec<&'static str> {
    all().iter().map(|c| c.id()).collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn runs_keys_applies_policy_dedups_and_sorts() {
    let fs = run_checks(&all(), &example_facts(), &Selection::all());
    let got: Vec<(&str, Option<usize>, bool)> = fs
        .iter()
        .map(|f| (f.id.as_str(), f.location.line, f.inhibitor))
        .collect();
    assert_eq!(
        got,
        vec![
            ("berkeley-db-map", Some(7), true),
            ("berkeley-db-map", Some(30), true),
            // high but not in the policy table: not an inhibitor, whatever the check said
            ("unknown-parameter", Some(2), false),
            ("compatibility-level", Some(50), false),
            ("smtps-service-renamed", Some(17), false),
            ("own-key", None, false),
        ]
    );
    for f in &fs {
        assert_eq!(f.key.len(), 40, "{f:?}");
    }
    assert_eq!(
        fs[5].key,
        Finding::key_from("own-key", &["chosen"]),
        "a check's own key is kept"
    );
    let mut keys: Vec<&str> = fs.iter().map(|f| f.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), fs.len());
}

#[test]
fn keys_do_not_depend_on_order_or_selection() {
    let a = run_checks(&all(), &example_facts(), &Selection::all());
    let mut rev = all();
    rev.reverse();
    let b = run_checks(&rev, &example_facts(), &Selection::all());
    assert_eq!(
        a, b,
        "same findings in the same order whatever the registry order"
    );
    let only = Selection::new(&strings(&["berkeley-db-map"]), &[], &ids()).unwrap();
    let c = run_checks(&all(), &example_facts(), &only);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].key, a[0].key);
}

#[test]
fn only_and_skip_select_checks() {
    let known = ids();
    let sel = Selection::new(
        &strings(&["smtps-service-renamed", "compatibility-level"]),
        &strings(&["compatibility-level"]),
        &known,
    )
    .unwrap();
    let fs = run_checks(&all(), &example_facts(), &sel);
    assert_eq!(
        fs.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["smtps-service-renamed"]
    );
    let sel = Selection::new(&[], &strings(&["berkeley-db-map", "own-key"]), &known).unwrap();
    let fs = run_checks(&all(), &example_facts(), &sel);
    assert!(fs
        .iter()
        .all(|f| f.id != "berkeley-db-map" && f.id != "own-key"));
    assert_eq!(fs.len(), 3);
}

fn parse_check(argv: &[&str]) -> (CheckArgs, GlobalOpts) {
    let cli =
        Cli::try_parse_from(std::iter::once("postfix-preupgrade").chain(argv.iter().copied()))
            .unwrap();
    match cli.command {
        Some(Command::Check(args)) => (args, cli.global),
        other => panic!("not a check command: {other:?}"),
    }
}

fn meta() -> ReportMeta {
    ReportMeta::from_facts(&example_facts())
}

#[test]
fn check_command_writes_output_and_exits_by_policy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let out_s = out.to_str().unwrap();

    // An inhibitor: exit 1; the file holds the JSON report.
    let (args, global) = parse_check(&["-q", "check", "--format", "json", "--output", out_s]);
    let code =
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap();
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["summary"]["inhibitors"], 2);
    assert_eq!(v["findings"].as_array().unwrap().len(), 6);

    // Skip the inhibiting check: exit 0, but --fail-on high catches unknown-parameter.
    let (args, global) = parse_check(&[
        "-q",
        "check",
        "--format",
        "leapp",
        "--skip",
        "berkeley-db-map",
        "--output",
        out_s,
    ]);
    assert_eq!(
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap(),
        0
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 4);
    let (args, global) = parse_check(&[
        "-q",
        "check",
        "--skip",
        "berkeley-db-map",
        "--fail-on",
        "high",
        "--output",
        out_s,
    ]);
    assert_eq!(
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap(),
        1
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("== High (1) ==") && !text.contains('\x1b'),
        "{text}"
    );
    assert!(text.contains(&format!("This report: {out_s}")), "{text}");

    // Colour in a file only when asked for explicitly.
    let (args, global) = parse_check(&[
        "-q",
        "--color",
        "always",
        "check",
        "--only",
        "smtps-service-renamed",
        "--output",
        out_s,
    ]);
    assert_eq!(
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap(),
        0
    );
    assert!(std::fs::read_to_string(&out).unwrap().contains("\x1b["));

    // --fail-on below nothing found: still 0.
    let (args, global) = parse_check(&[
        "-q",
        "check",
        "--only",
        "smtps-service-renamed",
        "--fail-on",
        "medium",
        "--output",
        out_s,
    ]);
    assert_eq!(
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap(),
        0
    );
}

#[test]
fn check_command_unknown_id_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.txt");
    let (args, global) = parse_check(&[
        "check",
        "--only",
        "berkeley-db-mapp",
        "--output",
        out.to_str().unwrap(),
    ]);
    let err =
        check::run_check_with_meta(&all(), &example_facts(), &args, &global, meta()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("'berkeley-db-mapp'") && msg.contains("berkeley-db-map, compatibility-level"),
        "{msg}"
    );
    assert!(matches!(
        err.downcast_ref(),
        Some(postfix_preupgrade::error::Error::Usage(_))
    ));
    assert!(!out.exists(), "nothing written on a usage error");
}

#[test]
fn explain_and_checks_render_registry_metadata() {
    let table = report::catalog::render_checks(&all());
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("SEVERITY") && lines[0].ends_with("TITLE")
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("berkeley-db-map ") && l.contains(" high ")));
    // columns line up: every title starts at the same offset
    let col = lines[0].find("TITLE").unwrap();
    assert!(
        lines[1..]
            .iter()
            .all(|l| &l[col..] == "test check" || &l[col..] == "own key"),
        "{table}"
    );
    let text = report::catalog::explain(&all(), "berkeley-db-map").unwrap();
    assert!(text.starts_with("berkeley-db-map: test check\n"));
    assert!(text.contains("Inhibits the upgrade: when a finding is high."));
    let text = report::catalog::explain(&all(), "smtps-service-renamed").unwrap();
    assert!(text.contains("Inhibits the upgrade: never."));
    let err = report::catalog::explain(&all(), "nope")
        .unwrap_err()
        .to_string();
    assert!(err.contains("'nope'") && err.contains("own-key"), "{err}");
}

/// Facts of the example root shipped in the repo (the engine tests only need some real facts).
fn example_facts() -> Facts {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rhel9-mailhost");
    let cli = Cli::parse_from([
        "postfix-preupgrade",
        "--root",
        root,
        "--target",
        "10",
        "facts",
    ]);
    postfix_preupgrade::facts::collect(&cli.global).expect("facts of the example root")
}
