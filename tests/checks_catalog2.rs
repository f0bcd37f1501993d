//! Fixture tests for pcre-x-flag, tls-weak-certificate, rpmnew-pending,
//! tls-fingerprint-digest, rhel8-default-overrides and stop-postfix-before-upgrade:
//! each check through the real facts collection on fixture roots, positive and negative,
//! with severities on 7→8, 8→9 and 9→10, and text + JSON snapshots.
//!
//! TLS certificates are generated at test time with the real `openssl`; the rpm database
//! for the upgrade prediction is built with the real `rpm`.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use postfix_preupgrade::checks::{find, Check};
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine::run_checks;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::{Finding, Severity};
use postfix_preupgrade::policy::Selection;
use postfix_preupgrade::report::{self, ReportMeta};

fn fixture(name: &str) -> PathBuf {
    support::fixture_root(name)
}

fn scratch(name: &str) -> PathBuf {
    support::scratch("checks_catalog2", name)
}

fn collect(root: &Path, source: &str, target: &str) -> Facts {
    let opts = GlobalOpts {
        target: Some(target.to_string()),
        source: Some(source.to_string()),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root.to_path_buf())
    };
    facts::collect_with(&opts, None, &Tools::from_path())
        .unwrap_or_else(|e| panic!("facts for {}: {e:#}", root.display()))
}

fn check(id: &str) -> &'static dyn Check {
    find(id).unwrap_or_else(|| panic!("{id} is not registered"))
}

/// The check's findings as the engine reports them (keys, policy, order).
fn run(id: &str, facts: &Facts) -> Vec<Finding> {
    run_checks(&[check(id)], facts, &Selection::all())
}

fn run_on(id: &str, root: &Path, source: &str, target: &str) -> Vec<Finding> {
    run(id, &collect(root, source, target))
}

/// (severity, file, line) of each finding.
fn places(fs: &[Finding]) -> Vec<(Severity, String, Option<usize>)> {
    fs.iter()
        .map(|f| {
            (
                f.severity,
                f.location.file.clone().unwrap_or_default(),
                f.location.line,
            )
        })
        .collect()
}

/// A report header that does not change between runs.
fn meta(facts: &Facts) -> ReportMeta {
    let mut m = ReportMeta::from_facts(facts);
    m.generated_at = UNIX_EPOCH;
    m.hostname = "mail.example.test".into();
    m.assumptions.clear();
    m
}

fn snapshots(name: &str, facts: &Facts, findings: &[Finding]) {
    let m = meta(facts);
    insta::assert_snapshot!(
        format!("{name}_text"),
        report::text::render(&m, findings, false)
    );
    insta::assert_snapshot!(format!("{name}_json"), report::json::render(&m, findings));
}

// ---------------------------------------------------------------- pcre-x-flag

#[test]
fn pcre_x_flag_reports_table_lines_on_9_to_10() {
    let root = fixture("cat2-pcre");
    let facts = collect(&root, "9.6", "10");
    let f = run("pcre-x-flag", &facts);
    let got: Vec<(String, Option<usize>, Option<String>)> = f
        .iter()
        .map(|f| {
            (
                f.location.file.clone().unwrap(),
                f.location.line,
                f.location.text.as_deref().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "/etc/postfix/header_checks.pcre".to_string(),
                Some(2),
                Some("/^Subject:.*viagra/iX".to_string())
            ),
            (
                "/etc/postfix/header_checks.pcre".to_string(),
                Some(4),
                Some("/^Received:/X".to_string())
            ),
            (
                "/etc/postfix/sender.pcre".to_string(),
                Some(1),
                Some("!#@example\\.com$#X".to_string())
            ),
        ]
    );
    assert!(f
        .iter()
        .all(|f| f.severity == Severity::Low && !f.inhibitor));
    // The table behind $header_checks (mime_header_checks) is reported once, not twice.
    snapshots("catalog2_pcre", &facts, &f);
}

#[test]
fn pcre_x_flag_only_where_pcre2_arrives() {
    let root = fixture("cat2-pcre");
    assert!(run_on("pcre-x-flag", &root, "7.9", "8").is_empty());
    assert!(run_on("pcre-x-flag", &root, "8.10", "9").is_empty());
    assert_eq!(run_on("pcre-x-flag", &root, "8.10", "10").len(), 3);
}

#[test]
fn pcre_x_flag_negative() {
    let root = fixture("cat2-pcre-clean");
    assert!(run_on("pcre-x-flag", &root, "9.6", "10").is_empty());
}

// ---------------------------------------------------------------- tls-fingerprint-digest

#[test]
fn fingerprint_md5_tables_low_while_level_stays_below_3_6() {
    let root = fixture("cat2-fingerprint");
    let facts = collect(&root, "9.6", "10");
    let f = run("tls-fingerprint-digest", &facts);
    let mut got: Vec<(String, String, Option<usize>)> = f
        .iter()
        .map(|f| {
            (
                f.location.parameter.as_deref().unwrap().to_string(),
                f.location.file.clone().unwrap(),
                f.location.line,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "relay_clientcerts".into(),
                "/etc/postfix/relay_clientcerts".into(),
                Some(2)
            ),
            (
                "smtp_tls_fingerprint_cert_match".into(),
                "/etc/postfix/master.cf".into(),
                Some(3)
            ),
            (
                "smtp_tls_policy_maps".into(),
                "/etc/postfix/tls_policy".into(),
                Some(1)
            ),
            (
                "smtpd_relay_restrictions".into(),
                "/etc/postfix/ccert_access".into(),
                Some(1)
            ),
        ]
    );
    // compatibility_level = 2 is kept: md5 stays the default (with a warning).
    assert!(f.iter().all(|f| f.severity == Severity::Low), "{f:#?}");
    assert_eq!(
        f.iter()
            .find(|f| f.location.parameter.as_deref() == Some("smtp_tls_policy_maps"))
            .unwrap()
            .summary
            .matches("2 MD5")
            .count(),
        1
    );
    snapshots("catalog2_fingerprint", &facts, &f);
    // 3.5 → 3.5 (8→9) and 2.10 → 3.5 (7→8) never reach the sha256 default.
    assert!(run_on("tls-fingerprint-digest", &root, "8.10", "9").is_empty());
    assert!(run_on("tls-fingerprint-digest", &root, "7.9", "8").is_empty());
}

#[test]
fn fingerprint_negative_when_digest_explicit() {
    let root = fixture("cat2-fingerprint-explicit");
    assert!(run_on("tls-fingerprint-digest", &root, "9.6", "10").is_empty());
}

#[test]
fn fingerprint_overrides_reach_parameters_that_read_them() {
    // main.cf expands once; a service re-evaluates only what its -o overrides can change:
    // relay_clientcerts reads $cert_maps, which one service overrides, and
    // smtpd_client_restrictions reads $service_name. A service whose overrides nothing
    // reads adds nothing. (The place named is the parameter's main.cf line: neither is
    // overridden itself; the tables found prove the services' values were used.)
    let root = scratch("fingerprint-reads").join("root");
    fs::create_dir_all(root.join("etc/postfix")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.6\"\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/postfix/main.cf"),
        "compatibility_level = 2\n\
         cert_maps = texthash:/etc/postfix/none\n\
         relay_clientcerts = $cert_maps\n\
         smtpd_client_restrictions = check_ccert_access texthash:/etc/postfix/ccert_$service_name\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/postfix/master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n\
         127.0.0.1:2525 inet n - n - - smtpd\n  -o cert_maps=texthash:/etc/postfix/a_certs\n  -o syslog_name=postfix/a\n\
         127.0.0.1:2526 inet n - n - - smtpd\n  -o syslog_name=postfix/b\n\
         ccsvc     unix  -       -       n       -       -       smtpd\n  -o { syslog_name = postfix/c }\n",
    )
    .unwrap();
    let md5 = "3D:95:34:51:24:66:33:B9:D2:40:F8:55:1E:DA:5C:9A OK\n";
    fs::write(root.join("etc/postfix/a_certs"), md5).unwrap();
    fs::write(root.join("etc/postfix/ccert_ccsvc"), md5).unwrap();
    let f = run_on("tls-fingerprint-digest", &root, "9.6", "10");
    let got: Vec<(Option<String>, Option<String>, Option<String>)> = f
        .iter()
        .map(|f| {
            (
                f.location.service.as_deref().map(str::to_string),
                f.location.parameter.as_deref().map(str::to_string),
                f.location.file.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                None,
                Some("relay_clientcerts".into()),
                Some("/etc/postfix/a_certs".into())
            ),
            (
                None,
                Some("smtpd_client_restrictions".into()),
                Some("/etc/postfix/ccert_ccsvc".into())
            ),
        ]
    );
}

// ---------------------------------------------------------------- rhel8-default-overrides

#[test]
fn rhel8_overrides_on_8_to_9() {
    let root = fixture("cat2-rhel8");
    let facts = collect(&root, "8.10", "9");
    let f = run("rhel8-default-overrides", &facts);
    let mut got: Vec<(Severity, String)> = f
        .iter()
        .map(|f| {
            (
                f.severity,
                f.location.parameter.as_deref().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    // info_log_address_format is set explicitly: only CHUNKING, and the normalisation
    // note because XFORWARD is in use.
    assert_eq!(
        got,
        vec![
            (Severity::Info, "rhel_ipv6_normalize".to_string()),
            (Severity::Info, "smtpd_discard_ehlo_keywords".to_string()),
        ]
    );
    let norm = f
        .iter()
        .find(|f| f.location.parameter.as_deref() == Some("rhel_ipv6_normalize"))
        .unwrap();
    assert!(norm
        .summary
        .contains("smtpd_authorized_xforward_hosts (main.cf)"));
    // The RHEL 8 patch leaves HaProxy addresses normalised: no change to report there.
    assert!(!norm.summary.contains("proxy_protocol"), "{}", norm.summary);
    snapshots("catalog2_rhel8", &facts, &f);
    // 8→10 crosses 9 too.
    assert_eq!(
        run_on("rhel8-default-overrides", &root, "8.10", "10").len(),
        2
    );
    // 9→10 and 7→8 have no RHEL 8 patch to lose; 8.2 (3.3.1) never had it.
    assert!(run_on("rhel8-default-overrides", &root, "9.6", "10").is_empty());
    assert!(run_on("rhel8-default-overrides", &root, "7.9", "8").is_empty());
    assert!(run_on("rhel8-default-overrides", &root, "8.2", "9").is_empty());
}

#[test]
fn rhel8_overrides_negative_when_set_explicitly() {
    let root = fixture("cat2-rhel8-explicit");
    assert!(run_on("rhel8-default-overrides", &root, "8.10", "9").is_empty());
}

// ---------------------------------------------------------------- stop-postfix-before-upgrade

#[test]
fn stop_note_only_when_crossing_3_6() {
    let root = fixture("cat2-rhel8");
    let f = run_on("stop-postfix-before-upgrade", &root, "9.6", "10");
    assert_eq!(places(&f), vec![(Severity::Info, String::new(), None)]);
    assert!(
        f[0].summary.contains("3.5.9 with 3.8.5"),
        "{}",
        f[0].summary
    );
    assert_eq!(
        run_on("stop-postfix-before-upgrade", &root, "8.10", "10").len(),
        1
    );
    assert!(run_on("stop-postfix-before-upgrade", &root, "8.10", "9").is_empty());
    assert!(run_on("stop-postfix-before-upgrade", &root, "7.9", "8").is_empty());
}

// ---------------------------------------------------------------- rpmnew-pending

#[test]
fn rpmnew_and_rpmsave_summaries() {
    let root = fixture("cat2-rpmnew");
    let facts = collect(&root, "8.10", "9");
    let f = run("rpmnew-pending", &facts);
    assert_eq!(
        places(&f),
        vec![
            (Severity::Low, "/etc/postfix/main.cf.rpmnew".into(), None),
            (Severity::Low, "/etc/postfix/master.cf.rpmsave".into(), None),
        ]
    );
    let s = &f[0].summary;
    assert!(
        s.contains("has 3 parameter(s) the file in use does not: smtpd_tls_cert_file, smtpd_tls_key_file, smtpd_tls_security_level"),
        "{s}"
    );
    assert!(
        s.contains("lacks 2 parameter(s) of the file in use: myhostname, relayhost"),
        "{s}"
    );
    assert!(s.contains("different value: inet_interfaces"), "{s}");
    let s = &f[1].summary;
    assert!(
        s.contains("lacks 1 service(s) of the file in use: relay/unix"),
        "{s}"
    );
    assert!(s.contains("different value: smtp/inet"), "{s}");
    // No rpm database under the fixture: no prediction.
    snapshots("catalog2_rpmnew", &facts, &f);
    for (s, t) in [("7.9", "8"), ("9.6", "10")] {
        assert_eq!(run_on("rpmnew-pending", &root, s, t).len(), 2);
    }
}

#[test]
fn rpmnew_negative() {
    assert!(run_on("rpmnew-pending", &fixture("cat2-pcre"), "9.6", "10").is_empty());
}

mod support;
use support::{build_rpm, rpm_install, tool, PkgFile};

/// A RHEL 9 root whose postfix package (built with the `rpm` crate, installed by the real
/// rpm) ships `main` and `master`; master.cf is then changed by the "admin".
fn rpm_root(name: &str, main: &str, master: &str) -> PathBuf {
    let base = scratch(name);
    let root = base.join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.6\"\n",
    )
    .unwrap();
    let files = [
        PkgFile {
            path: "/etc/postfix/main.cf",
            contents: main.as_bytes(),
            config: true,
        },
        PkgFile {
            path: "/etc/postfix/master.cf",
            contents: master.as_bytes(),
            config: true,
        },
    ];
    let pkg = build_rpm(&base, "postfix", "3.5.9", "1.el9", &files);
    rpm_install(&root, &[pkg]);
    let mut m = master.to_string();
    m.push_str("relay     unix  -       -       n       -       -       smtp\n");
    fs::write(root.join("etc/postfix/master.cf"), m).unwrap();
    root
}

const CCERT_MAIN: &str = "smtpd_relay_restrictions = permit_mynetworks, check_ccert_access texthash:/etc/postfix/ccert, reject_unauth_destination\n";
const PLAIN_MASTER: &str = "smtp      inet  n       -       n       -       -       smtpd\n";

#[test]
fn rpm_prediction_and_replaced_main_cf_raise_the_level() {
    let root = rpm_root("predict", CCERT_MAIN, PLAIN_MASTER);
    fs::write(
        root.join("etc/postfix/ccert"),
        "3D:95:34:51:24:66:33:B9:D2:40:F8:55:1E:DA:5C:9A OK\n",
    )
    .unwrap();
    let facts = collect(&root, "9.6", "10");
    let f = run("rpmnew-pending", &facts);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Info);
    let s = &f[0].summary;
    assert!(
        s.contains("/etc/postfix/main.cf: replaced by the target's stock file."),
        "{s}"
    );
    assert!(
        s.contains("/etc/postfix/master.cf: kept as it is; the new stock file lands as .rpmnew."),
        "{s}"
    );
    // main.cf is unmodified, so RHEL 10's stock main.cf (compatibility_level = 3.8)
    // replaces it: md5 fingerprints stop matching at once.
    let f = run("tls-fingerprint-digest", &facts);
    assert_eq!(
        places(&f),
        vec![(Severity::High, "/etc/postfix/ccert".into(), Some(1))]
    );
    assert!(f[0].summary.contains("level is 3.8"), "{}", f[0].summary);
}

// ---------------------------------------------------------------- tls-weak-certificate

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new(tool("openssl"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `cat2-tls` root with its certificates generated now by the real openssl:
/// a 1024-bit RSA certificate (PKCS#1 key), a good 2048-bit one, a leaf signed with SHA-1
/// by a test CA, an expired one, a chain file whose key belongs to another certificate,
/// a matching EC pair, a 2048-bit DSA client certificate and 1024-bit DH parameters.
fn tls_root(name: &str) -> PathBuf {
    let base = scratch(name);
    let root = base.join("root");
    let src = fixture("cat2-tls");
    for e in walk(&src) {
        let rel = e.strip_prefix(&src).unwrap();
        let dst = root.join(rel);
        fs::create_dir_all(dst.parent().unwrap()).unwrap();
        fs::copy(&e, &dst).unwrap();
    }
    let w = base.join("work");
    fs::create_dir_all(&w).unwrap();
    let o = |a: &[&str]| openssl(&w, a);
    o(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Test CA",
        "-days",
        "3650",
        "-sha256",
    ]);
    // 1024-bit, self-signed, key in PKCS#1 ("RSA PRIVATE KEY").
    o(&["genrsa", "-traditional", "-out", "weak.key", "1024"]);
    o(&[
        "req",
        "-x509",
        "-key",
        "weak.key",
        "-out",
        "weak.pem",
        "-subj",
        "/CN=weak.example.test",
        "-days",
        "3650",
        "-sha256",
    ]);
    // Good 2048-bit pair (PKCS#8 key).
    o(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "good.key",
        "-out",
        "good.pem",
        "-subj",
        "/CN=good.example.test",
        "-days",
        "3650",
        "-sha256",
    ]);
    // Leaf signed by the CA with SHA-1; the file carries leaf then CA.
    o(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=sha1.example.test",
    ]);
    o(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-sha1",
        "-days",
        "3650",
        "-out",
        "leaf.pem",
    ]);
    // Expired: issued by the CA for 2020.
    fs::write(
        w.join("ca.cnf"),
        "[ca]\ndefault_ca = c\n[c]\ndir = .\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n",
    )
    .unwrap();
    fs::write(w.join("index.txt"), "").unwrap();
    fs::write(w.join("serial"), "1000\n").unwrap();
    o(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "expired.key",
        "-out",
        "expired.csr",
        "-subj",
        "/CN=expired.example.test",
    ]);
    o(&[
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca.key",
        "-startdate",
        "20200101000000Z",
        "-enddate",
        "20210101000000Z",
        "-in",
        "expired.csr",
        "-out",
        "expired.pem",
        "-notext",
    ]);
    // EC pair (SEC1 key with its public point).
    o(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.pem",
        "-subj",
        "/CN=other.example.test",
        "-days",
        "3650",
        "-sha256",
    ]);
    o(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ec.key",
    ]);
    o(&[
        "req",
        "-x509",
        "-key",
        "ec.key",
        "-out",
        "ec.pem",
        "-subj",
        "/CN=ec.example.test",
        "-days",
        "3650",
        "-sha256",
    ]);
    o(&["dhparam", "-dsaparam", "-out", "dh1024.pem", "1024"]);
    // A 2048-bit DSA client certificate: its size is that of p, never flagged.
    o(&["dsaparam", "-out", "dsaparam.pem", "2048"]);
    o(&[
        "req",
        "-x509",
        "-newkey",
        "dsa:dsaparam.pem",
        "-nodes",
        "-keyout",
        "dsa.key",
        "-out",
        "dsa.pem",
        "-subj",
        "/CN=dsa.example.test",
        "-days",
        "3650",
        "-sha256",
    ]);
    let certs = root.join("etc/pki/tls/certs");
    let private = root.join("etc/pki/tls/private");
    fs::create_dir_all(&certs).unwrap();
    fs::create_dir_all(&private).unwrap();
    let cp = |f: &str, to: &Path| fs::copy(w.join(f), to.join(f)).unwrap();
    for f in ["weak.pem", "good.pem", "expired.pem", "ec.pem", "dsa.pem"] {
        cp(f, &certs);
    }
    for f in [
        "weak.key",
        "good.key",
        "expired.key",
        "leaf.key",
        "ec.key",
        "dsa.key",
    ] {
        cp(f, &private);
    }
    let cat = |parts: &[&str]| -> Vec<u8> {
        parts
            .iter()
            .flat_map(|p| fs::read(w.join(p)).unwrap())
            .collect()
    };
    fs::write(certs.join("sha1-leaf.pem"), cat(&["leaf.pem", "ca.pem"])).unwrap();
    // Chain file: the good key followed by another certificate (they do not match).
    fs::write(
        private.join("mismatch.pem"),
        cat(&["good.key", "other.pem"]),
    )
    .unwrap();
    fs::copy(w.join("dh1024.pem"), root.join("etc/postfix/dh1024.pem")).unwrap();
    root
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// (severity, kind of problem by title words, service or parameter)
fn tls_summary(f: &[Finding]) -> Vec<(Severity, String, String)> {
    let mut v: Vec<(Severity, String, String)> = f
        .iter()
        .map(|f| {
            (
                f.severity,
                f.location
                    .service
                    .as_deref()
                    .map_or_else(|| "main.cf".to_string(), str::to_string),
                f.location.parameter.as_deref().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn tls_weak_certificate_on_9_to_10() {
    let root = tls_root("tls-9-10");
    let facts = collect(&root, "9.6", "10");
    let f = run("tls-weak-certificate", &facts);
    let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
    let has = |s: &str| titles.iter().any(|t| t.contains(s));
    assert!(
        has("1024-bit RSA key in /etc/pki/tls/certs/weak.pem"),
        "{titles:#?}"
    );
    assert!(has(
        "certificate in /etc/pki/tls/certs/sha1-leaf.pem is signed with SHA-1"
    ));
    assert!(has(
        "certificate in /etc/pki/tls/certs/expired.pem expired on 2021-01-01"
    ));
    assert!(has(
        "private key /etc/pki/tls/private/mismatch.pem does not match"
    ));
    assert!(has("1024-bit DH parameters in /etc/postfix/dh1024.pem"));
    assert!(has("smtpd_tls_mandatory_protocols leaves no TLS protocol"));
    assert!(has("smtp_tls_protocols names protocol versions"));
    assert!(has("smtpd_tls_ciphers = export becomes medium"));
    assert!(has("tls_low_cipherlist is ignored"));
    assert!(has("tls_high_cipherlist enables ciphers"));
    assert!(has(
        "smtpd_tls_dh512_param_file is ignored by Postfix 3.8.5"
    ));
    // The good RSA pair (submission) and the EC pair raise nothing.
    assert!(!titles
        .iter()
        .any(|t| t.contains("good.pem") || t.contains("ec.pem")));
    assert_eq!(
        tls_summary(&f),
        vec![
            (
                Severity::Info,
                "main.cf".into(),
                "smtpd_tls_dcert_file".into()
            ),
            (
                Severity::Info,
                "main.cf".into(),
                "smtpd_tls_dh512_param_file".into()
            ),
            (
                Severity::Low,
                "2525/inet".into(),
                "smtpd_tls_cert_file".into()
            ),
            (Severity::Low, "main.cf".into(), "smtp_tls_protocols".into()),
            (Severity::Low, "main.cf".into(), "smtpd_tls_ciphers".into()),
            (
                Severity::Low,
                "main.cf".into(),
                "smtpd_tls_dh1024_param_file".into()
            ),
            (
                Severity::Low,
                "main.cf".into(),
                "tls_high_cipherlist".into()
            ),
            (Severity::Low, "main.cf".into(), "tls_low_cipherlist".into()),
            (
                Severity::Medium,
                "main.cf".into(),
                "smtpd_tls_cert_file".into()
            ),
            (
                Severity::High,
                "10587/inet".into(),
                "smtpd_tls_chain_files".into()
            ),
            (
                Severity::High,
                "main.cf".into(),
                "smtpd_tls_mandatory_protocols".into()
            ),
            (
                Severity::High,
                "smtps/inet".into(),
                "smtpd_tls_cert_file".into()
            ),
        ],
        "{f:#?}"
    );
    // Nothing here is an inhibitor: policy keeps tls-weak-certificate advisory.
    assert!(f.iter().all(|f| !f.inhibitor));
    snapshots("catalog2_tls", &facts, &f);
}

#[test]
fn tls_weak_certificate_severities_per_path() {
    let root = tls_root("tls-paths");
    // 8→9: SHA-1 refused from 9 on; Postfix stays 3.5, so the 3.8 cipher changes and
    // nothing about export grades is reported.
    let f = run_on("tls-weak-certificate", &root, "8.10", "9");
    let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
    assert!(titles.iter().any(|t| t.contains("signed with SHA-1")));
    assert!(!titles
        .iter()
        .any(|t| t.contains("becomes medium") || t.contains("is ignored by")));
    assert!(titles.iter().any(|t| t.contains("1024-bit RSA")));
    // 7→8: RHEL 8's DEFAULT policy still accepts SHA-1 but not 1024-bit RSA.
    let f = run_on("tls-weak-certificate", &root, "7.9", "8");
    let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
    assert!(!titles.iter().any(|t| t.contains("SHA-1")), "{titles:#?}");
    let weak = f.iter().find(|f| f.title.contains("1024-bit RSA")).unwrap();
    assert_eq!(weak.severity, Severity::Medium);
    assert!(!weak
        .summary
        .contains("source release's policy refuses it already"));
    assert!(titles.iter().any(|t| t.contains("does not match")));
    // On 8→9 the 1024-bit key is refused by RHEL 8 already: said so.
    let f = run_on("tls-weak-certificate", &root, "8.10", "9");
    let weak = f.iter().find(|f| f.title.contains("1024-bit RSA")).unwrap();
    assert!(weak
        .summary
        .contains("source release's policy refuses it already"));
}

#[test]
fn tls_weak_certificate_negative() {
    // The pcre fixture names no certificate and no TLS settings.
    assert!(run_on("tls-weak-certificate", &fixture("cat2-pcre"), "9.6", "10").is_empty());
}

// ---------------------------------------------------------------- the real binary

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

const IDS: [&str; 6] = [
    "pcre-x-flag",
    "tls-weak-certificate",
    "rpmnew-pending",
    "tls-fingerprint-digest",
    "rhel8-default-overrides",
    "stop-postfix-before-upgrade",
];

#[test]
fn cli_explains_and_lists_each_check() {
    let list = bin(&["checks"]);
    assert_eq!(list.status.code(), Some(0));
    let list = String::from_utf8(list.stdout).unwrap();
    for id in IDS {
        assert!(list.contains(id), "checks does not list {id}:\n{list}");
        let out = bin(&["explain", id]);
        assert_eq!(out.status.code(), Some(0), "explain {id}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(check(id).docs().what), "{id}: {text}");
        assert!(text.contains("https://"), "{id}: no reference");
    }
}

#[test]
fn cli_check_json_on_fixtures() {
    let root = fixture("cat2-pcre");
    let out = bin(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--source",
        "9.6",
        "--target",
        "10",
        "--only",
        "pcre-x-flag",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 3);
    assert_eq!(f[0]["location"]["file"], "/etc/postfix/header_checks.pcre");
    assert_eq!(f[0]["location"]["line"], 2);
    assert_eq!(v["summary"]["low"], 3);

    // A certificate that stops mail: high, and --fail-on high turns it into exit 1,
    // while no inhibitor is raised (exit 0 without it).
    let root = tls_root("tls-cli");
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "check".to_string(),
            "--root".into(),
            root.to_str().unwrap().to_string(),
            "--source".into(),
            "9.6".into(),
            "--target".into(),
            "10".into(),
            "--only".into(),
            "tls-weak-certificate".into(),
            "--format".into(),
            "json".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let a = args(&[]);
    let out = bin(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["high"], 3);
    assert_eq!(v["summary"]["inhibitors"], 0);
    let a = args(&["--fail-on", "high"]);
    let out = bin(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1));
}
