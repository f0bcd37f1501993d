//! The catalog checks `nis-map`, `map-plugin-package`, `removed-restriction`,
//! `deprecated-parameter`, `service-name-unresolvable` and `master-internal-services` on
//! fixture roots, through the real facts collection and engine, on 7→8, 8→9 and 9→10
//! (and the multi-step 8→10). Package facts come from real rpm databases that the real
//! `rpm` writes into scratch copies of the roots.
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use postfix_preupgrade::checks;
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::{Applicability, Finding, Severity};
use postfix_preupgrade::policy::Selection;
use postfix_preupgrade::report::{self, ReportMeta};

const IDS: [&str; 6] = [
    "nis-map",
    "map-plugin-package",
    "removed-restriction",
    "deprecated-parameter",
    "service-name-unresolvable",
    "master-internal-services",
];

fn fixture(name: &str) -> PathBuf {
    support::fixture_root(name)
}

fn scratch(name: &str) -> PathBuf {
    support::scratch("checks_catalog1", name)
}

/// A scratch root with the given files (path relative to the root, content).
fn root_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = scratch(name).join("root");
    for (p, c) in files {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, c).unwrap();
    }
    root
}

fn opts(root: &Path, source: Option<&str>, target: &str) -> GlobalOpts {
    GlobalOpts {
        target: Some(target.into()),
        source: source.map(str::to_string),
        color: ColorWhen::Never,
        ..GlobalOpts::for_root(root.to_path_buf())
    }
}

mod support;
use support::{build_rpm, copy_tree, rpm_install, tool, PkgFile};

fn collect(root: &Path, source: Option<&str>, target: &str) -> Facts {
    let tools = Tools {
        rpm: Some(tool("rpm")),
        postconf: None,
    };
    facts::collect_with(&opts(root, source, target), None, &tools).unwrap()
}

/// Copy a fixture root and install fake packages (name, version, release) into a real
/// rpm database inside it.
fn with_packages(fixture_name: &str, tag: &str, pkgs: &[(&str, &str, &str)]) -> PathBuf {
    let base = scratch(&format!("{fixture_name}-{tag}"));
    let root = base.join("root");
    copy_tree(&fixture(fixture_name), &root);
    let dir = base.join("pkgs");
    let rpms: Vec<PathBuf> = pkgs
        .iter()
        .map(|(name, version, release)| {
            let readme = format!("/usr/share/doc/{name}/README");
            let file = PkgFile {
                path: &readme,
                contents: b"fake
",
                config: false,
            };
            build_rpm(&dir, name, version, release, &[file])
        })
        .collect();
    rpm_install(&root, &rpms);
    root
}

fn run(facts: &Facts, id: &str) -> Vec<Finding> {
    let check = checks::find(id).unwrap_or_else(|| panic!("{id} is not registered"));
    engine::run_checks(&[check], facts, &Selection::all())
}

fn run_all(facts: &Facts) -> Vec<Finding> {
    let list: Vec<_> = IDS.iter().map(|id| checks::find(id).unwrap()).collect();
    engine::run_checks(&list, facts, &Selection::all())
}

/// (severity, text) of each finding, sorted.
fn sev_text(findings: &[Finding]) -> Vec<(Severity, String)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.severity,
                f.location.text.as_deref().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn by_text<'a>(findings: &'a [Finding], text: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.location.text.as_deref() == Some(text))
        .unwrap_or_else(|| panic!("no finding at {text:?}: {:#?}", sev_text(findings)))
}

// ---------------------------------------------------------------- nis-map

#[test]
fn nis_map_high_on_8_to_9_and_10_through_name_and_override() {
    let f = collect(&fixture("el8-legacy"), None, "9");
    let got = run(&f, "nis-map");
    assert_eq!(
        sev_text(&got),
        vec![(Severity::High, "nis:mail.aliases".to_string())]
    );
    assert!(got[0].inhibitor);
    assert_eq!(got[0].location.line, Some(11));
    assert_eq!(got[0].location.parameter.as_deref(), Some("alias_maps"));

    for target in ["9", "10"] {
        let f = collect(&fixture("cat1-el8-mixed"), None, target);
        let got = run(&f, "nis-map");
        assert_eq!(got.len(), 2, "{target}: {:#?}", sev_text(&got));
        let via = by_text(&got, "nis:mail.aliases");
        assert_eq!(via.location.line, Some(14), "where $nis_aliases is used");
        assert!(via.summary.contains("$nis_aliases"), "{}", via.summary);
        let o = by_text(&got, "nis:mail.senders");
        assert_eq!(o.location.service.as_deref(), Some("[::1]:submission/inet"));
        assert!(got
            .iter()
            .all(|x| x.severity == Severity::High && x.inhibitor));
    }
}

#[test]
fn nis_map_silent_where_the_target_has_nis_or_the_config_has_none() {
    let main = "alias_maps = hash:/etc/aliases, nis:mail.aliases\n";
    let root = root_with(
        "nis-el7",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"7.9\"\n"),
            ("etc/postfix/main.cf", main),
        ],
    );
    assert!(
        run(&collect(&root, None, "8"), "nis-map").is_empty(),
        "RHEL 8 has NIS"
    );
    // RHEL 9 does not
    assert_eq!(run(&collect(&root, None, "9"), "nis-map").len(), 1);
    // a main.cf that leaves alias_maps at its built-in default: nothing to report
    let root = root_with(
        "nis-default",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"8.10\"\n"),
            ("etc/postfix/main.cf", "myhostname = a.example\n"),
        ],
    );
    assert!(run(&collect(&root, None, "9"), "nis-map").is_empty());
    for r in ["el9-story", "el9-migrated"] {
        assert!(
            run(&collect(&fixture(r), None, "10"), "nis-map").is_empty(),
            "{r}"
        );
    }
}

// ---------------------------------------------------------------- map-plugin-package

#[test]
fn plugin_package_7_to_8_high_when_rpm_says_missing_medium_when_unknown() {
    // no rpm database: unknown, medium, and the leapp to_install remedy
    let f = collect(&fixture("el7-legacy"), None, "8");
    let got = run(&f, "map-plugin-package");
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::Medium, "ldap:/etc/postfix/ldap-virtual.cf".into()),
            (
                Severity::Medium,
                "pcre:/etc/postfix/header_checks.pcre".into()
            ),
        ]
    );
    assert!(got.iter().all(|x| x.summary.contains("No rpm database")));
    let ldap = by_text(&got, "ldap:/etc/postfix/ldap-virtual.cf");
    assert_eq!(
        ldap.remediation.commands,
        vec![vec![
            "sh".to_string(),
            "-c".into(),
            "echo postfix-ldap >> /etc/leapp/transaction/to_install".into()
        ]]
    );
    // the real rpm database says only postfix is installed: both tables break
    let root = with_packages("el7-legacy", "rpm", &[("postfix", "2.10.1", "9.el7")]);
    let f = collect(&root, None, "8");
    let got = run(&f, "map-plugin-package");
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|x| x.severity == Severity::High && x.inhibitor));
    // leapp's to_install list counts as installed
    fs::create_dir_all(root.join("etc/leapp/transaction")).unwrap();
    fs::write(
        root.join("etc/leapp/transaction/to_install"),
        "postfix-ldap\n",
    )
    .unwrap();
    let got = run(&collect(&root, None, "8"), "map-plugin-package");
    assert_eq!(
        sev_text(&got),
        vec![(
            Severity::High,
            "pcre:/etc/postfix/header_checks.pcre".into()
        )]
    );
}

#[test]
fn plugin_package_8_to_9_dnf_install_and_installed_packages() {
    let root = with_packages("el8-legacy", "no-mysql", &[("postfix", "3.5.8", "7.el8")]);
    let got = run(&collect(&root, None, "9"), "map-plugin-package");
    assert_eq!(got.len(), 1);
    // already a plugin on RHEL 8 and not installed: broken today, the upgrade changes nothing
    assert_eq!(got[0].severity, Severity::Medium);
    assert!(!got[0].inhibitor);
    assert_eq!(
        got[0].remediation.commands,
        vec![vec![
            "dnf".to_string(),
            "install".into(),
            "postfix-mysql".into()
        ]]
    );
    let root = with_packages(
        "el8-legacy",
        "mysql",
        &[
            ("postfix", "3.5.8", "7.el8"),
            ("postfix-mysql", "3.5.8", "7.el8"),
        ],
    );
    assert!(run(&collect(&root, None, "9"), "map-plugin-package").is_empty());
}

#[test]
fn plugin_package_groups_per_package_and_reads_dynamicmaps() {
    let f = collect(&fixture("cat1-el8-mixed"), None, "10");
    let got = run(&f, "map-plugin-package");
    // pcre is registered in dynamicmaps.cf.d: installed; mysql (2 tables) and ldap are not known
    assert_eq!(got.len(), 2, "{:#?}", sev_text(&got));
    let mysql = by_text(&got, "mysql:/etc/postfix/mysql-relay.cf");
    assert!(
        mysql.title.starts_with("2 mysql: tables"),
        "{}",
        mysql.title
    );
    assert!(mysql.summary.contains("transport_maps"));
    assert!(got.iter().all(|x| x.severity == Severity::Medium));
    // 9→10: lmdb is a plugin, but the RHEL 10 postfix package requires postfix-lmdb
    assert!(run(
        &collect(&fixture("el9-migrated"), None, "10"),
        "map-plugin-package"
    )
    .is_empty());
}

// ---------------------------------------------------------------- removed-restriction

#[test]
fn removed_restrictions_everywhere_low_while_the_target_only_warns() {
    let got = run(
        &collect(&fixture("el7-legacy"), None, "8"),
        "removed-restriction",
    );
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::Low, "check_relay_domains".into()),
            (Severity::Low, "permit_naked_ip_address".into()),
            (Severity::Low, "reject_maps_rbl".into()),
        ]
    );
    for target in ["9", "10"] {
        let got = run(
            &collect(&fixture("cat1-el8-mixed"), None, target),
            "removed-restriction",
        );
        assert_eq!(got.len(), 3, "{target}");
        assert_eq!(
            by_text(&got, "permit_naked_ip_address")
                .location
                .parameter
                .as_deref(),
            Some("legacy_clients"),
            "restriction class"
        );
        let o = by_text(&got, "check_relay_domains");
        assert_eq!(o.location.service.as_deref(), Some("submissions/inet"));
        assert!(got
            .iter()
            .all(|x| x.severity == Severity::Low && !x.inhibitor));
        assert!(o.remediation.hint.contains("reject_unauth_destination"));
    }
    assert!(run(
        &collect(&fixture("el9-story"), None, "10"),
        "removed-restriction"
    )
    .is_empty());
    // a list that pulls the restriction in through $name
    let root = root_with(
        "restriction-via-name",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.6\"\n"),
            (
                "etc/postfix/main.cf",
                "old_helo = permit_naked_ip_address\nsmtpd_helo_restrictions = $old_helo, \
                 permit\n",
            ),
        ],
    );
    let got = run(&collect(&root, None, "10"), "removed-restriction");
    assert_eq!(
        sev_text(&got),
        vec![(Severity::Low, "permit_naked_ip_address".into())]
    );
    assert_eq!(
        got[0].location.parameter.as_deref(),
        Some("smtpd_helo_restrictions")
    );
    assert_eq!(got[0].location.line, Some(2));
}

// ---------------------------------------------------------------- deprecated-parameter

/// What a finding says: its summary and its advice (the advice is said once, there).
fn said(f: &Finding) -> String {
    format!("{}\n{}", f.summary, f.remediation.hint)
}

#[test]
fn deprecated_parameters_with_modern_equivalents() {
    let got = run(
        &collect(&fixture("el7-legacy"), None, "8"),
        "deprecated-parameter",
    );
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::Info, "disable_dns_lookups = yes".into()),
            (Severity::Info, "smtp_use_tls = yes".into()),
        ]
    );
    let tls = by_text(&got, "smtp_use_tls = yes");
    assert!(
        said(tls).contains("smtp_tls_security_level = may"),
        "{}",
        said(tls)
    );
    assert_eq!(tls.fix.applicability, Some(Applicability::Safe));
    // Postfix 2.10 has no smtp_dns_support_level: only after the upgrade
    let dns = by_text(&got, "disable_dns_lookups = yes");
    assert!(!dns.fix.available && said(dns).contains("after the upgrade"));

    let got = run(
        &collect(&fixture("el8-legacy"), None, "9"),
        "deprecated-parameter",
    );
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::Info, "disable_dns_lookups = no".into()),
            (Severity::Info, "permit_mx_backup".into()),
            (Severity::Info, "smtpd_use_tls = yes".into()),
        ]
    );
    assert!(!by_text(&got, "permit_mx_backup").fix.available);

    let nine = run(
        &collect(&fixture("cat1-el8-mixed"), None, "9"),
        "deprecated-parameter",
    );
    let ten = run(
        &collect(&fixture("cat1-el8-mixed"), None, "10"),
        "deprecated-parameter",
    );
    // postscreen_allowlist_interfaces exists from 3.6: only the 3.8.5 target can rename
    assert!(nine
        .iter()
        .all(|x| x.location.parameter.as_deref() != Some("postscreen_whitelist_interfaces")));
    let ps = ten
        .iter()
        .find(|x| x.location.parameter.as_deref() == Some("postscreen_whitelist_interfaces"))
        .expect("postscreen rename on 8→10");
    assert!(!ps.fix.available && said(ps).contains("after the upgrade"));
    let per_site = by_text(&ten, "smtp_tls_per_site = hash:/etc/postfix/tls_per_site");
    assert!(said(per_site).contains("no mechanical conversion") && !per_site.fix.available);
    let dane = by_text(&ten, "tls_dane_digest_agility = on");
    assert_eq!(dane.severity, Severity::Low, "ignored since 3.2");
    let enforce = by_text(&ten, "smtpd_enforce_tls = yes");
    assert_eq!(
        enforce.location.service.as_deref(),
        Some("127.0.0.1:10025/inet")
    );
    assert!(said(enforce).contains("smtpd_tls_security_level = encrypt"));
    // the secondary instance is checked too
    assert!(ten
        .iter()
        .any(|x| x.location.file.as_deref() == Some("/etc/postfix-out/main.cf")));
    assert!(ten.iter().all(|x| x.severity <= Severity::Low));
    assert!(run(
        &collect(&fixture("el9-migrated"), None, "10"),
        "deprecated-parameter"
    )
    .is_empty());
}

#[test]
fn use_tls_is_deleted_when_a_security_level_is_set() {
    let root = root_with(
        "tls-level-set",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.6\"\n"),
            (
                "etc/postfix/main.cf",
                "smtpd_tls_security_level = encrypt\nsmtpd_use_tls = yes\nfallback_relay =\n\
                 smtp_tls_security_level = may\n",
            ),
            (
                "etc/postfix/master.cf",
                "submission inet n - n - - smtpd\n  -o smtpd_tls_security_level=may\n  \
                 -o smtpd_enforce_tls=yes\nrelay unix - - n - - smtp\n  -o fallback_relay=\n\
                 relay2 unix - - n - - smtp\n  -o smtp_enforce_tls=yes\n",
            ),
        ],
    );
    let got = run(&collect(&root, None, "10"), "deprecated-parameter");
    let tls = by_text(&got, "smtpd_use_tls = yes");
    assert!(
        said(tls).contains("overrides smtpd_use_tls"),
        "{}",
        said(tls)
    );
    assert_eq!(tls.fix.applicability, Some(Applicability::Safe));
    let fb = by_text(&got, "fallback_relay = ");
    assert!(said(fb).contains("built-in default"), "{}", fb.summary);
    // a renamed -o keeps its guard even when it equals what main.cf gives: renamed to
    // the new name, not deleted (issue 10: `-o fallback_relay=` under its MX-loop comment)
    let o = got
        .iter()
        .find(|f| f.location.service.as_deref() == Some("relay/unix"))
        .unwrap();
    assert!(
        said(o).contains("rename it to smtp_fallback_relay"),
        "{}",
        said(o)
    );
    // an override that a stronger-sounding obsolete switch cannot reach: said plainly
    let weak = got
        .iter()
        .find(|f| f.location.service.as_deref() == Some("submission/inet"))
        .unwrap();
    assert!(said(weak).contains("has no effect"), "{}", weak.summary);
    assert!(said(weak).contains("smtpd_tls_security_level = encrypt"));
    let relay2 = got
        .iter()
        .find(|f| f.location.service.as_deref() == Some("relay2/unix"))
        .unwrap();
    assert!(said(relay2).contains("has no effect"), "{}", said(relay2));
}

// ---------------------------------------------------------------- service-name-unresolvable

#[test]
fn service_names_resolved_for_target_and_source() {
    let got = run(
        &collect(&fixture("cat1-el8-mixed"), None, "9"),
        "service-name-unresolvable",
    );
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::High, "smtpss".into()),
            (Severity::High, "submissions".into()),
        ]
    );
    assert!(got.iter().all(|x| x.inhibitor));
    assert!(by_text(&got, "submissions")
        .remediation
        .hint
        .contains("465/inet"));
    // RHEL 10 has known_tcp_ports: submissions resolves there, but not on the source today
    let got = run(
        &collect(&fixture("cat1-el8-mixed"), None, "10"),
        "service-name-unresolvable",
    );
    assert_eq!(
        sev_text(&got),
        vec![
            (Severity::Medium, "submissions".into()),
            (Severity::High, "smtpss".into()),
        ]
    );
    assert!(by_text(&got, "submissions")
        .summary
        .contains("known_tcp_ports (port 465)"));
    // smtps is an alias of urd in the root's /etc/services
    assert!(run(
        &collect(&fixture("el9-story"), None, "10"),
        "service-name-unresolvable"
    )
    .is_empty());
    // el9-migrated has submissions in /etc/services
    assert!(run(
        &collect(&fixture("el9-migrated"), None, "10"),
        "service-name-unresolvable"
    )
    .is_empty());
}

#[test]
fn service_names_without_etc_services_are_unverifiable_not_wrong() {
    let master =
        "smtp inet n - n - - smtpd\nsmtps inet n - n - - smtpd\n2525 inet n - n - - smtpd\n";
    let root = root_with(
        "no-services",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"8.10\"\n"),
            ("etc/postfix/main.cf", ""),
            ("etc/postfix/master.cf", master),
        ],
    );
    let got = run(&collect(&root, None, "9"), "service-name-unresolvable");
    assert_eq!(sev_text(&got), vec![(Severity::Medium, "smtps".into())]);
    assert!(got[0].summary.contains("cannot be checked"));
    // on 9→10 known_tcp_ports resolves smtps for the target, the source stays unknown
    let root9 = root_with(
        "no-services-9",
        &[
            ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.6\"\n"),
            ("etc/postfix/main.cf", ""),
            ("etc/postfix/master.cf", master),
        ],
    );
    assert!(run(&collect(&root9, None, "10"), "service-name-unresolvable").is_empty());
}

// ---------------------------------------------------------------- master-internal-services

#[test]
fn internal_services_info_when_the_rpm_repairs_them() {
    let got = run(
        &collect(&fixture("el7-legacy"), None, "8"),
        "master-internal-services",
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].severity, Severity::Info);
    assert_eq!(
        got[0].location.service.as_deref(),
        Some("postlog/unix-dgram")
    );
    assert!(got[0].summary.contains("upgrade-configuration"));
    for (r, t) in [
        ("el8-legacy", "9"),
        ("el9-story", "10"),
        ("el9-migrated", "10"),
    ] {
        assert!(
            run(&collect(&fixture(r), None, t), "master-internal-services").is_empty(),
            "{r}"
        );
    }
}

#[test]
fn internal_services_secondary_instance_tlsproxy_and_chroot() {
    let got = run(
        &collect(&fixture("cat1-el8-mixed"), None, "9"),
        "master-internal-services",
    );
    let mut v: Vec<_> = got
        .iter()
        .map(|f| {
            (
                f.location.file.clone().unwrap(),
                f.location.service.clone().unwrap(),
                f.severity,
            )
        })
        .collect();
    v.sort();
    assert_eq!(
        v,
        vec![
            (
                "/etc/postfix-out/master.cf".into(),
                "postlog/unix-dgram".into(),
                Severity::Medium
            ),
            (
                "/etc/postfix/master.cf".into(),
                "postlog/unix-dgram".into(),
                Severity::Info
            ),
            (
                "/etc/postfix/master.cf".into(),
                "tlsproxy/unix".into(),
                Severity::Low
            ),
        ]
    );
    // with a multi-instance wrapper, upgrade-configuration runs for the secondary too
    let base = scratch("wrapper").join("root");
    copy_tree(&fixture("cat1-el8-mixed"), &base);
    let main = fs::read_to_string(base.join("etc/postfix/main.cf")).unwrap();
    fs::write(
        base.join("etc/postfix/main.cf"),
        format!("{main}multi_instance_wrapper = ${{command_directory}}/postmulti -p --\n"),
    )
    .unwrap();
    let got = run(&collect(&base, None, "9"), "master-internal-services");
    let out = got
        .iter()
        .find(|f| f.location.file.as_deref() == Some("/etc/postfix-out/master.cf"))
        .unwrap();
    assert_eq!(out.severity, Severity::Info);
    assert!(
        out.summary.contains("multi_instance_wrapper"),
        "{}",
        out.summary
    );

    // 7→8: tlsproxy's limit is a new requirement; "-" chroot stays y under level 0
    let got = run(
        &collect(&fixture("cat1-el7-chroot"), None, "8"),
        "master-internal-services",
    );
    let tls = got
        .iter()
        .find(|f| f.location.service.as_deref() == Some("tlsproxy/unix"))
        .unwrap();
    assert_eq!(tls.severity, Severity::Medium);
    // Postfix 2.10's postconf cannot edit master.cf: the hint says what to do by hand
    assert!(tls.remediation.commands.is_empty());
    assert!(tls.remediation.hint.contains("to 0"));
    let chroot = got.iter().find(|f| f.title.contains("chroot")).unwrap();
    assert_eq!(chroot.severity, Severity::Low);
    assert!(
        chroot.title.starts_with("22 master.cf services"),
        "{}",
        chroot.title
    );
    assert_eq!(chroot.fix.applicability, Some(Applicability::Safe));

    // with compatibility_level = 2 in the kept main.cf, "-" flips from y to n
    let base = scratch("chroot-flip").join("root");
    copy_tree(&fixture("cat1-el7-chroot"), &base);
    let main = fs::read_to_string(base.join("etc/postfix/main.cf")).unwrap();
    fs::write(
        base.join("etc/postfix/main.cf"),
        format!("{main}compatibility_level = 2\n"),
    )
    .unwrap();
    let got = run(&collect(&base, None, "8"), "master-internal-services");
    let chroot = got.iter().find(|f| f.title.contains("chroot")).unwrap();
    assert_eq!(chroot.severity, Severity::Medium);
    assert!(
        chroot.summary.contains("without chroot"),
        "{}",
        chroot.summary
    );
    // on RHEL 8.10 (postconf 3.5) the commands are given, one per service
    let got = run(
        &collect(&fixture("cat1-el8-mixed"), None, "9"),
        "master-internal-services",
    );
    let tls = got
        .iter()
        .find(|f| f.location.service.as_deref() == Some("tlsproxy/unix"))
        .unwrap();
    assert_eq!(
        tls.remediation.commands,
        vec![vec![
            "postconf".to_string(),
            "-c".into(),
            "/etc/postfix".into(),
            "-F".into(),
            "tlsproxy/unix/process_limit=0".into()
        ]]
    );
}

// ---------------------------------------------------------------- registry and snapshots

#[test]
fn registered_with_docs() {
    for id in IDS {
        let c = checks::find(id).unwrap_or_else(|| panic!("{id} missing"));
        let d = c.docs();
        assert!(
            !d.what.is_empty() && !d.why.is_empty() && !d.fix.is_empty(),
            "{id}"
        );
        assert!(!d.references.is_empty(), "{id}");
        for (url, title) in d.references {
            assert!(
                url.starts_with("https://") && !title.is_empty(),
                "{id}: {url}"
            );
        }
    }
}

fn snapshot_meta(facts: &Facts) -> ReportMeta {
    let mut m = ReportMeta::from_facts(facts);
    m.generated_at = SystemTime::UNIX_EPOCH;
    m.hostname = "snapshot.example".into();
    let root = facts.root.dir().display().to_string();
    m.assumptions = m
        .assumptions
        .iter()
        .map(|a| a.replace(&root, "<root>"))
        .collect();
    m
}

#[test]
fn snapshots_text_and_json() {
    for (name, root, target) in [
        ("el7_legacy_to_8", fixture("el7-legacy"), "8"),
        ("el8_mixed_to_9", fixture("cat1-el8-mixed"), "9"),
        ("el8_mixed_to_10", fixture("cat1-el8-mixed"), "10"),
        ("el7_chroot_to_8", fixture("cat1-el7-chroot"), "8"),
    ] {
        let facts = collect(&root, None, target);
        let findings = run_all(&facts);
        let meta = snapshot_meta(&facts);
        insta::assert_snapshot!(
            format!("text_{name}"),
            report::text::render(&meta, &findings, false)
        );
        insta::assert_snapshot!(
            format!("json_{name}"),
            report::json::render(&meta, &findings)
        );
    }
}
