//! The core checks of issue 3 on fixture roots, through the real pipeline
//! (`facts::collect_with` then the engine): config-syntax, berkeley-db-map,
//! smtps-service-renamed, compatibility-level, unknown-parameter. Positive and negative
//! cases per check; the story and the migrated host; Postfix's own postconf as oracle
//! for line numbers and "unused parameter" warnings.
mod support;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use postfix_preupgrade::checks::{find, Check, CHECKS};
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine::run_checks;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::{Applicability, Finding, Severity};
use postfix_preupgrade::policy::Selection;

fn root(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    if name == "example" {
        base.join("examples/rhel9-mailhost")
    } else {
        base.join("tests/fixtures/roots").join(name)
    }
}

fn facts_for(name: &str, target: Option<&str>) -> Facts {
    let opts = GlobalOpts {
        target: target.map(str::to_string),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root(name))
    };
    facts::collect_with(&opts, None, &Tools::default()).expect("facts of the fixture root")
}

/// Findings of one check through the engine (keys, policy, order).
fn run(id: &str, name: &str, target: Option<&str>) -> Vec<Finding> {
    let facts = facts_for(name, target);
    let check: &dyn Check = find(id).expect("registered");
    run_checks(&[check], &facts, &Selection::all())
}

/// (file, line, parameter, service, severity) of each finding.
type Place = (
    String,
    Option<usize>,
    Option<String>,
    Option<String>,
    Severity,
);

fn places(fs: &[Finding]) -> Vec<Place> {
    let mut v: Vec<Place> = fs
        .iter()
        .map(|f| {
            (
                f.location.file.clone().unwrap_or_default(),
                f.location.line,
                f.location.parameter.as_deref().map(str::to_string),
                f.location.service.as_deref().map(str::to_string),
                f.severity,
            )
        })
        .collect();
    v.sort_by(|a, b| (&a.0, a.1, &a.2).cmp(&(&b.0, b.1, &b.2)));
    v
}

fn p(
    file: &str,
    line: Option<usize>,
    param: Option<&str>,
    service: Option<&str>,
    sev: Severity,
) -> Place {
    (
        format!("/etc/postfix/{file}"),
        line,
        param.map(str::to_string),
        service.map(str::to_string),
        sev,
    )
}

use Severity::{High, Info, Low, Medium};

fn postconf() -> &'static str {
    let ok = Command::new("postconf")
        .arg("-d")
        .arg("mail_version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the real postconf is needed (apt-get install postfix; scripts/test.sh does it)"
    );
    "postconf"
}

fn scratch(name: &str) -> PathBuf {
    support::scratch("checks_core", name)
}

// ---------------------------------------------------------------- the story

#[test]
fn story_reports_each_problem_at_its_line() {
    let facts = facts_for("el9-story", None);
    let fs = run_checks(&core(), &facts, &Selection::all());
    let got: Vec<(String, Place)> = fs
        .iter()
        .map(|f| (f.id.clone(), places(std::slice::from_ref(f)).remove(0)))
        .collect();
    let b = "berkeley-db-map";
    let want = vec![
        (b, p("main.cf", Some(23), Some("alias_maps"), None, High)),
        (
            b,
            p("main.cf", Some(24), Some("alias_database"), None, High),
        ),
        (b, p("main.cf", Some(56), Some("site_db"), None, High)),
        (
            b,
            p(
                "main.cf",
                Some(61),
                Some("smtpd_sender_restrictions"),
                None,
                High,
            ),
        ),
        (
            b,
            p(
                "main.cf",
                Some(65),
                Some("smtpd_recipient_restrictions"),
                None,
                High,
            ),
        ),
        (
            b,
            p(
                "main.cf",
                Some(67),
                Some("smtpd_tls_session_cache_database"),
                None,
                High,
            ),
        ),
        (
            b,
            p(
                "master.cf",
                Some(10),
                Some("postscreen_cache_map"),
                Some("smtp/inet"),
                High,
            ),
        ),
        (
            b,
            p(
                "master.cf",
                Some(12),
                Some("smtpd_helo_restrictions"),
                Some("smtpd/pass"),
                High,
            ),
        ),
        (
            b,
            p(
                "master.cf",
                Some(23),
                Some("smtpd_client_restrictions"),
                Some("smtps/inet"),
                High,
            ),
        ),
        (
            "compatibility-level",
            p(
                "main.cf",
                Some(8),
                Some("compatibility_level"),
                None,
                Medium,
            ),
        ),
        (
            b,
            p("main.cf", None, Some("default_database_type"), None, Low),
        ),
        (
            "smtps-service-renamed",
            p("master.cf", Some(20), None, Some("smtps/inet"), Low),
        ),
    ];
    let want: Vec<(String, Place)> = want.into_iter().map(|(i, p)| (i.to_string(), p)).collect();
    assert_eq!(got, want);
    assert_eq!(fs.iter().filter(|f| f.inhibitor).count(), 9);
    // the $site_db finding names every line that uses the type
    let site = fs
        .iter()
        .find(|f| f.location.parameter.as_deref() == Some("site_db"))
        .unwrap();
    assert_eq!(site.location.text.as_deref(), Some("site_db = hash"));
    for used in [
        "/etc/postfix/main.cf:58: virtual_alias_maps",
        "/etc/postfix/main.cf:59: transport_maps = ...proxy:hash:/etc/postfix/transport",
        "/etc/postfix/master.cf:23: smtps/inet -o smtpd_client_restrictions",
    ] {
        assert!(site.summary.contains(used), "{used}\n{}", site.summary);
    }
    // smtps_access has no text source: no automatic fix for the group, its own finding
    assert!(!site.fix.available);
    let nosrc = fs
        .iter()
        .find(|f| f.title.contains("without a text source"))
        .unwrap();
    assert!(nosrc
        .summary
        .contains("/etc/postfix/smtps_access.db exists"));
    assert_eq!(
        nosrc.remediation.commands[0],
        [
            "sh",
            "-c",
            "postmap -s hash:/etc/postfix/smtps_access > /etc/postfix/smtps_access"
        ]
    );
    // tables with a text source: safe fix, postmap/postalias lmdb: commands
    let alias = &fs[0];
    assert_eq!(alias.fix.applicability, Some(Applicability::Safe));
    assert_eq!(
        alias.remediation.commands,
        vec![
            vec!["postfix-preupgrade", "fix", "--only", "berkeley-db-map"],
            vec!["postalias", "lmdb:/etc/aliases"]
        ]
    );
    // nothing reported on lmdb:, cidr:, regexp: or the commented relocated_maps line
    for f in &fs {
        let t = f.location.text.as_deref().unwrap_or("");
        assert!(
            !t.starts_with("canonical_maps")
                && !t.starts_with("header_checks")
                && !t.contains("relocated"),
            "{t}"
        );
    }
}

/// The checks of this file (issue 3's five); the whole registry is run where a test
/// speaks of the whole report.
fn core() -> Vec<&'static dyn Check> {
    const CORE: [&str; 5] = [
        "config-syntax",
        "berkeley-db-map",
        "smtps-service-renamed",
        "compatibility-level",
        "unknown-parameter",
    ];
    CHECKS
        .iter()
        .copied()
        .filter(|c| CORE.contains(&c.id()))
        .collect()
}

#[test]
fn migrated_host_has_no_inhibitor_and_check_exits_0() {
    let facts = facts_for("el9-migrated", None);
    let all = run_checks(CHECKS, &facts, &Selection::all());
    assert!(all.iter().all(|f| !f.inhibitor), "{all:#?}");
    let fs = run_checks(&core(), &facts, &Selection::all());
    assert!(fs.iter().all(|f| !f.inhibitor), "{fs:#?}");
    assert_eq!(
        fs.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["compatibility-level"]
    );
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(["--root"])
        .arg(root("el9-migrated"))
        .args(["--color", "never", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn findings_in_a_file_the_upgrade_replaces_drop_to_info() {
    use postfix_preupgrade::facts::{ConfigFileState, FileState};
    let mut facts = facts_for("el9-story", None);
    // as if rpm -V found main.cf unmodified: the target's stock main.cf replaces it
    facts
        .config_files
        .retain(|c| c.path != Path::new("/etc/postfix/main.cf"));
    facts.config_files.push(ConfigFileState {
        path: "/etc/postfix/main.cf".into(),
        state: FileState::Unmodified,
        noreplace: true,
        note: None,
    });
    let fs = run_checks(&core(), &facts, &Selection::all());
    for f in &fs {
        let in_main = f.location.file.as_deref() == Some("/etc/postfix/main.cf");
        if in_main {
            assert_eq!(f.severity, Info, "{f:#?}");
            assert!(!f.inhibitor);
            assert!(
                f.summary.contains("the upgrade replaces it"),
                "{}",
                f.summary
            );
        } else {
            assert_ne!(f.severity, Info, "{f:#?}");
        }
    }
    // master.cf findings keep their severity: postscreen cache, -o table, no-source .db
    assert_eq!(fs.iter().filter(|f| f.inhibitor).count(), 3);
}

#[test]
fn every_postmulti_instance_is_checked() {
    let fs = run_checks(&core(), &facts_for("core-multi", None), &Selection::all());
    let got: Vec<(&str, &str, Option<usize>)> = fs
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                f.location.file.as_deref().unwrap(),
                f.location.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("berkeley-db-map", "/etc/postfix-out/main.cf", Some(8)),
            // level 3.8 on the installed 3.5.9: fatal there (issue 10 item 7)
            ("compatibility-level", "/etc/postfix-out/main.cf", Some(4)),
            ("compatibility-level", "/etc/postfix/main.cf", Some(2)),
            ("unknown-parameter", "/etc/postfix-out/main.cf", Some(9)),
            (
                "smtps-service-renamed",
                "/etc/postfix-out/master.cf",
                Some(1)
            ),
        ]
    );
    // commands act on the instance the finding is about
    let unknown = &fs[3];
    assert_eq!(
        unknown.remediation.commands[0][..3],
        ["postconf", "-c", "/etc/postfix-out"]
    );
}

#[test]
fn example_root_reports_smtps_and_aliases() {
    let fs = run_checks(&core(), &facts_for("example", None), &Selection::all());
    let got: Vec<(&str, Option<usize>, Option<&str>)> = fs
        .iter()
        .map(|f| {
            (
                f.id.as_str(),
                f.location.line,
                f.location.parameter.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("berkeley-db-map", Some(23), Some("alias_maps")),
            ("berkeley-db-map", Some(24), Some("alias_database")),
            ("compatibility-level", Some(8), Some("compatibility_level")),
            ("berkeley-db-map", None, Some("default_database_type")),
            ("smtps-service-renamed", Some(16), None),
        ]
    );
}

// ---------------------------------------------------------------- config-syntax

#[test]
fn config_syntax_at_postfix_line_numbers() {
    let fs = run("config-syntax", "core-syntax", None);
    assert_eq!(
        places(&fs),
        vec![
            p("main.cf", Some(4), None, None, High),
            p("master.cf", Some(3), None, None, High),
            p("master.cf", Some(5), None, None, High),
        ]
    );
    assert!(fs.iter().all(|f| f.inhibitor));
    assert_eq!(
        fs[0].location.text.as_deref(),
        Some("smtpd_banner $myhostname ESMTP\n  continued here")
    );
    assert_eq!(fs[0].location.end_line, Some(5));
    // the real postconf names the same main.cf line and the same master.cf problem
    let pc = postconf();
    let dir = root("core-syntax").join("etc/postfix");
    let out = Command::new(pc)
        .arg("-c")
        .arg(&dir)
        .arg("-n")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("main.cf, line 4: missing '='"), "{err}");
    assert!(fs[0]
        .summary
        .contains("line 4: missing '=' after attribute name"));
    let copy = scratch("syntax-master");
    fs::write(copy.join("main.cf"), "").unwrap();
    fs::copy(dir.join("master.cf"), copy.join("master.cf")).unwrap();
    let out = Command::new(pc)
        .arg("-c")
        .arg(&copy)
        .arg("-M")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let bad_type = fs.iter().find(|f| f.location.line == Some(5)).unwrap();
    let msg = err
        .lines()
        .find_map(|l| l.split("fatal: ").nth(1))
        .unwrap_or_else(|| panic!("postconf -M accepted it: {err}"));
    assert!(
        bad_type.summary.contains(msg),
        "{msg}\n{}",
        bad_type.summary
    );
    // the private inet service is master(8)'s complaint only
    let private = fs.iter().find(|f| f.location.line == Some(3)).unwrap();
    assert!(private.summary.contains("master(8)"), "{}", private.summary);
}

#[test]
fn config_syntax_silent_on_valid_files() {
    for r in ["el9-story", "el9-migrated", "example", "core-bdb"] {
        assert!(run("config-syntax", r, None).is_empty(), "{r}");
    }
}

// ---------------------------------------------------------------- berkeley-db-map

#[test]
fn berkeley_db_everywhere_it_hides() {
    let fs = run("berkeley-db-map", "core-bdb", None);
    assert_eq!(
        places(&fs),
        vec![
            p(
                "main.cf",
                Some(4),
                Some("default_database_type"),
                None,
                High
            ),
            p("main.cf", Some(9), Some("virtual_maps"), None, High),
            p(
                "main.cf",
                Some(12),
                Some("sender_canonical_maps"),
                None,
                High
            ),
            p("main.cf", Some(14), Some("mynetworks"), None, High),
            p("main.cf", Some(20), Some("postscreen_cache_map"), None, Low),
            p(
                "master.cf",
                Some(4),
                Some("smtpd_sender_restrictions"),
                Some("submission/inet"),
                High
            ),
            p(
                "master.cf",
                Some(10),
                Some("address_verify_map"),
                Some("verify/unix"),
                High
            ),
        ]
    );
    let by = |param: &str| {
        fs.iter()
            .find(|f| f.location.parameter.as_deref() == Some(param))
            .unwrap()
    };
    // one finding where the table is written, naming both uses
    let v = by("virtual_maps");
    assert!(
        v.summary.contains("main.cf:10: virtual_alias_maps"),
        "{}",
        v.summary
    );
    // untyped alias_database falls back to the explicit btree default type
    assert!(by("default_database_type")
        .summary
        .contains("main.cf:6: alias_database = /etc/aliases (untyped"));
    // verify(8) is in use because reject_unverified_recipient asks it
    assert!(by("address_verify_map").summary.contains("main.cf:17"));
    assert!(by("postscreen_cache_map").summary.contains("does not run"));
    // the pipemap member is reported where it is written
    assert_eq!(
        by("sender_canonical_maps").location.text.as_deref(),
        Some("    btree:/etc/postfix/sender_canonical}")
    );
    let keys: BTreeSet<&str> = fs.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys.len(), fs.len());
}

#[test]
fn verify_cache_when_an_access_table_asks_for_verification() {
    let fs = run("berkeley-db-map", "core-verify", None);
    assert_eq!(
        places(&fs),
        vec![p(
            "master.cf",
            Some(3),
            Some("address_verify_map"),
            Some("verify/unix"),
            High
        )]
    );
    assert!(
        fs[0].summary.contains(
            "/etc/postfix/recipient_access (an action in lmdb:/etc/postfix/recipient_access)"
        ),
        "{}",
        fs[0].summary
    );
}

#[test]
fn berkeley_db_silent_where_the_target_has_it_or_nothing_uses_it() {
    // RHEL 9 keeps Berkeley DB
    let facts = facts_for("el9-story", None);
    assert!(facts.upgrade_path.lacks_berkeley_db());
    assert!(run("berkeley-db-map", "el8-legacy", Some("9")).is_empty());
    // the migrated host: lmdb everywhere, default_database_type pinned
    assert!(run("berkeley-db-map", "el9-migrated", None).is_empty());
    assert!(run("berkeley-db-map", "core-compat-new", None).is_empty());
}

// ---------------------------------------------------------------- smtps-service-renamed

#[test]
fn smtps_severity_and_fix_follow_the_data() {
    // RHEL 9 -> 10: known_tcp_ports on the target; submissions unknown on the source
    let fs = run("smtps-service-renamed", "el9-story", None);
    assert_eq!(
        places(&fs),
        vec![p("master.cf", Some(20), None, Some("smtps/inet"), Low)]
    );
    let f = &fs[0];
    for s in [
        "known_tcp_ports",
        "`smtps` becomes `submissions`",
        "postconf -M submissions/inet",
        "$service_name",
        "postfix/submissions",
    ] {
        assert!(f.summary.contains(s), "{s}\n{}", f.summary);
    }
    assert_eq!(f.fix.applicability, Some(Applicability::Review));
    // /etc/services names submissions: renaming is safe before the upgrade; the last of
    // duplicate entries is the one master(8) uses
    let fs = run("smtps-service-renamed", "core-smtps-el9", None);
    assert_eq!(
        places(&fs),
        vec![p("master.cf", Some(4), None, Some("smtps/inet"), Low)]
    );
    assert_eq!(fs[0].fix.applicability, Some(Applicability::Safe));
    // RHEL 8 -> 9: no known_tcp_ports, /etc/services lacks smtps: medium, host form
    let fs = run("smtps-service-renamed", "core-smtps-el8", None);
    assert_eq!(
        places(&fs),
        vec![p(
            "master.cf",
            Some(3),
            None,
            Some("192.0.2.10:smtps/inet"),
            Medium
        )]
    );
    assert!(fs[0].summary.contains("`192.0.2.10:submissions`"));
    assert!(fs[0].summary.contains("-o syslog_name"));
}

#[test]
fn smtps_silent_on_submissions_and_comments() {
    assert!(run("smtps-service-renamed", "el9-migrated", None).is_empty());
    assert!(run("smtps-service-renamed", "core-bdb", None).is_empty());
}

// ---------------------------------------------------------------- compatibility-level

#[test]
fn compatibility_level_lists_only_unpinned_defaults() {
    let fs = run("compatibility-level", "core-compat-el7", None);
    assert_eq!(
        places(&fs),
        vec![p(
            "main.cf",
            None,
            Some("compatibility_level"),
            None,
            Medium
        )]
    );
    let s = &fs[0].summary;
    assert!(s.contains("not set (level 0), below 2"), "{s}");
    for listed in [
        "append_dot_mydomain = yes",
        "smtpd_relay_restrictions = (empty)",
        "relay_domains = $mydestination",
        "chroot `-` means y now and n from level 1, for: smtp/inet, cleanup/unix",
    ] {
        assert!(s.contains(listed), "{listed}\n{s}");
    }
    // pinned in main.cf, or moot because mynetworks is set
    for pinned in ["smtputf8_enable", "mynetworks_style", "fingerprint"] {
        assert!(!s.contains(pinned), "{pinned}\n{s}");
    }
    assert!(fs[0].remediation.commands.iter().any(|c| c.ends_with(&[
        "-F".to_string().into(),
        "smtp/inet/chroot=y".to_string().into()
    ])));
    assert_eq!(fs[0].fix.applicability, Some(Applicability::Safe));

    // RHEL 9 story: level 2 below 3.8; smtpd_recipient_restrictions set: medium
    let fs = run("compatibility-level", "el9-story", None);
    assert_eq!(fs[0].severity, Medium);
    assert!(fs[0]
        .summary
        .contains("smtpd_relay_before_recipient_restrictions = no"));
    assert!(fs[0].remediation.hint.contains("after the upgrade"));
    // the migrated host relies on nothing that changes: low
    assert_eq!(
        run("compatibility-level", "el9-migrated", None)[0].severity,
        Low
    );
}

#[test]
fn compatibility_level_compares_numerically() {
    // 3.10 > 3.8 although "3.10" < "3.8" as text: not below the target's level; the
    // installed 3.5.9 cannot read it (a whole number only), and that is the one finding
    let fs = run("compatibility-level", "core-compat-new", None);
    assert_eq!(fs.len(), 1);
    assert!(
        fs[0].title.contains("not valid on the installed"),
        "{}",
        fs[0].title
    );
    assert!(!fs[0].summary.contains("below"), "{}", fs[0].summary);
    // RHEL 8 -> 9 with level 2: at the target's stock level
    assert!(run("compatibility-level", "core-smtps-el8", None).is_empty());
}

// ---------------------------------------------------------------- unknown-parameter

#[test]
fn unknown_parameters_and_no_false_alarms() {
    let fs = run("unknown-parameter", "core-unknown", None);
    assert_eq!(
        places(&fs),
        vec![
            p("main.cf", Some(3), Some("rhel_ipv6_normalize"), None, Low),
            p(
                "main.cf",
                Some(4),
                Some("smtpd_tls_securty_level"),
                None,
                Low
            ),
            p("main.cf", Some(15), Some("dkim_milter"), None, Info),
            p(
                "master.cf",
                Some(5),
                Some("smtpd_tls_securty_level"),
                Some("submission/inet"),
                Low
            ),
            p(
                "master.cf",
                Some(6),
                Some("my_private_note"),
                Some("submission/inet"),
                Info
            ),
        ]
    );
    assert!(fs[0].summary.contains("el8.4"), "{}", fs[0].summary);
    assert!(fs[1]
        .summary
        .contains("misspelling of `smtpd_tls_security_level`"));
    // nothing on the story, the example or the migrated host
    for r in ["el9-story", "example", "el9-migrated"] {
        assert!(run("unknown-parameter", r, None).is_empty(), "{r}");
    }
}

/// The names postconf warns "unused parameter" about, for a config directory.
fn postconf_unused(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for flag in ["-n", "-P"] {
        let out = Command::new(postconf())
            .arg("-c")
            .arg(dir)
            .arg(flag)
            .output()
            .unwrap();
        for line in String::from_utf8_lossy(&out.stderr).lines() {
            if let Some(rest) = line.split("unused parameter: ").nth(1) {
                names.insert(rest.split('=').next().unwrap().to_string());
            }
        }
    }
    names
}

#[test]
fn unknown_parameter_agrees_with_the_real_postconf() {
    let dir = root("core-unknown").join("etc/postfix");
    let ours: BTreeSet<String> = run("unknown-parameter", "core-unknown", None)
        .into_iter()
        .filter_map(|f| f.location.parameter.map(|p| p.to_string()))
        .collect();
    assert_eq!(ours, postconf_unused(&dir));
}

/// Every corpus config, checked against postconf 3.7.11's own warnings recorded beside it.
#[test]
fn unknown_parameter_agrees_with_the_corpus_oracle() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/corpus");
    let mut compared = 0;
    let mut flagged = 0;
    for e in fs::read_dir(&corpus).expect("shared/data/corpus") {
        let e = e.unwrap();
        if !e.file_type().unwrap().is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let r = scratch(&format!("corpus-{name}"));
        fs::create_dir_all(r.join("etc/postfix")).unwrap();
        fs::write(
            r.join("etc/os-release"),
            "ID=\"rhel\"\nVERSION_ID=\"9.5\"\n",
        )
        .unwrap();
        for f in ["main.cf", "master.cf"] {
            if e.path().join(f).exists() {
                fs::copy(e.path().join(f), r.join("etc/postfix").join(f)).unwrap();
            }
        }
        let opts = GlobalOpts {
            target: Some("10".into()),
            color: ColorWhen::Never,
            quiet: true,
            ..GlobalOpts::for_root(r.clone())
        };
        let facts = facts::collect_with(&opts, None, &Tools::default()).unwrap();
        let ours: BTreeSet<String> = find("unknown-parameter")
            .unwrap()
            .run(&facts)
            .into_iter()
            .filter_map(|f| f.location.parameter.map(|p| p.to_string()))
            .collect();
        let warnings = fs::read_to_string(e.path().join("oracle.warnings.txt")).unwrap();
        let oracle: BTreeSet<String> = warnings
            .lines()
            .filter_map(|l| l.split("unused parameter: ").nth(1))
            .map(|r| r.split('=').next().unwrap().to_string())
            .collect();
        assert_eq!(ours, oracle, "{name}");
        compared += 1;
        flagged += oracle.len();
    }
    assert!(compared >= 20 && flagged >= 9, "{compared} {flagged}");
}

#[test]
fn registered_with_docs() {
    for id in [
        "config-syntax",
        "berkeley-db-map",
        "smtps-service-renamed",
        "compatibility-level",
        "unknown-parameter",
    ] {
        let c = find(id).unwrap_or_else(|| panic!("{id} not registered"));
        assert!(!c.docs().references.is_empty(), "{id}");
    }
    let _ = Info;
}
