//! Issue 10, the check side: a table reached through a built-in default names that
//! default; alias tables are only ever built with postalias in what a finding suggests.
mod support;

use std::path::{Path, PathBuf};

use postfix_preupgrade::checks::{find, Check};
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::engine::run_checks;
use postfix_preupgrade::facts::{self, Facts, Tools};
use postfix_preupgrade::finding::Finding;
use postfix_preupgrade::policy::Selection;

fn facts_at(root: &Path, target: Option<&str>) -> Facts {
    let opts = GlobalOpts {
        target: target.map(str::to_string),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root.to_path_buf())
    };
    facts::collect_with(&opts, None, &Tools::default()).expect("facts of the root")
}

fn run_at(id: &str, root: &Path, target: Option<&str>) -> Vec<Finding> {
    let facts = facts_at(root, target);
    let check: &dyn Check = find(id).expect("registered");
    run_checks(&[check], &facts, &Selection::all())
}

fn fixture(name: &str) -> PathBuf {
    support::fixture_root(name)
}

/// A scratch RHEL 9 root with this main.cf, a one-line master.cf and /etc/aliases.
fn scratch_root(name: &str, main: &str) -> PathBuf {
    let r = support::scratch("checks_issue10", name);
    std::fs::create_dir_all(r.join("etc/postfix")).unwrap();
    std::fs::write(
        r.join("etc/os-release"),
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
    )
    .unwrap();
    std::fs::write(r.join("etc/postfix/main.cf"), main).unwrap();
    std::fs::write(
        r.join("etc/postfix/master.cf"),
        "smtp inet n - n - - smtpd\nlocal unix - n n - - local\n",
    )
    .unwrap();
    std::fs::write(r.join("etc/aliases"), "postmaster: root\n").unwrap();
    std::fs::write(r.join("etc/postfix/aliases"), "postmaster: root\n").unwrap();
    r
}

/// Every command a finding suggests, as one line each.
fn commands(fs: &[Finding]) -> Vec<String> {
    fs.iter()
        .flat_map(|f| f.remediation.commands.iter().map(|c| c.join(" ")))
        .collect()
}

#[test]
fn alias_maps_default_is_named_as_the_origin() {
    let fs = run_at(
        "berkeley-db-map",
        &fixture("issue10-alias-default"),
        Some("10"),
    );
    let f = fs
        .iter()
        .find(|f| f.location.parameter.as_deref() == Some("local_recipient_maps"))
        .unwrap_or_else(|| panic!("no finding at local_recipient_maps: {fs:#?}"));
    assert_eq!(f.location.line, Some(5));
    assert!(
        f.summary.contains("does not set `alias_maps`")
            && f.summary.contains("built-in default `hash:/etc/aliases`"),
        "{}",
        f.summary
    );
    assert!(!f.summary.contains("written here"), "{}", f.summary);
    assert!(f.summary.contains("proxy_read_maps"), "{}", f.summary);
    assert!(f
        .remediation
        .hint
        .contains("alias_maps = lmdb:/etc/aliases"));
    let cmds = commands(&fs);
    assert!(
        cmds.contains(&"postalias lmdb:/etc/aliases".to_string()),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c.starts_with("postmap")), "{cmds:?}");
}

#[test]
fn alias_tables_are_never_suggested_to_postmap() {
    let root = scratch_root(
        "alias-through-name",
        "mine = hash:/etc/postfix/aliases\nalias_maps = $mine\nalias_database = $mine\n\
         local_recipient_maps = $alias_maps\nvirtual_alias_maps = hash:/etc/postfix/aliases\n",
    );
    let fs = run_at("berkeley-db-map", &root, Some("10"));
    let cmds = commands(&fs);
    assert!(
        cmds.iter()
            .any(|c| c == "postalias lmdb:/etc/postfix/aliases"),
        "{cmds:?}"
    );
    assert!(
        !cmds
            .iter()
            .any(|c| c.contains("postmap") && c.contains("aliases")),
        "{cmds:?}"
    );
}

#[test]
fn default_database_type_advice_names_the_alias_pins() {
    let root = scratch_root("ddt", "myhostname = mail.example.com\n");
    let fs = run_at("berkeley-db-map", &root, Some("10"));
    let f = fs
        .iter()
        .find(|f| f.title.starts_with("Default database type"))
        .unwrap_or_else(|| panic!("{fs:#?}"));
    let cmds = commands(std::slice::from_ref(f));
    assert!(
        cmds.iter().any(|c| c.contains("default_database_type=lmdb")
            && c.contains("alias_maps=lmdb:/etc/aliases")
            && c.contains("alias_database=lmdb:/etc/aliases")),
        "{cmds:?}"
    );
}

/// Issue 10 item 8: every parameter name of the 2.10.1, 3.3.1 and 3.5.8 lists that the
/// real postconf (3.7.x) calls "unused" (so Postfix removed it, or it is
/// service-defined and this master.cf has no such service) is reported by
/// unknown-parameter for a 3.8.5 target, smtp_skip_4xx_greeting among them.
#[test]
fn every_removed_parameter_postconf_calls_unused_is_reported() {
    let params = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/params");
    let mut names = std::collections::BTreeSet::new();
    for v in ["2.10.1", "3.3.1", "3.5.8"] {
        let f = params.join(format!("params-{v}.txt"));
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        names.extend(text.lines().map(str::to_string));
    }
    let main: String = names.iter().map(|n| format!("{n} = x\n")).collect();
    let root = scratch_root("all-old-names", &main);
    std::fs::write(root.join("etc/postfix/master.cf"), "").unwrap();
    let out = std::process::Command::new(support::tool("postconf"))
        .arg("-c")
        .arg(root.join("etc/postfix"))
        .arg("-n")
        .output()
        .expect("postconf runs");
    let unused: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split_once("unused parameter: "))
        .map(|(_, r)| r.split('=').next().unwrap_or("").trim().to_string())
        .collect();
    assert!(unused.contains("smtp_skip_4xx_greeting"), "{unused:?}");
    // service-defined names (`<service>_<suffix>` of a delivery agent): postconf knows
    // them only for services in master.cf, and this one is empty; they were not removed
    let service_defined = |n: &str| {
        n.starts_with("transport_")
            || postfix_preupgrade::checks::unknown_parameter::TRANSPORT_SUFFIXES
                .iter()
                .chain(&["time_limit"])
                .any(|suf| {
                    n.strip_suffix(suf).is_some_and(|svc| {
                        ["smtp_", "lmtp_", "relay_", "virtual_", "local_"].contains(&svc)
                    })
                })
    };
    // an ignored parameter that a dedicated check reports is reported too
    let mut reported = std::collections::BTreeSet::new();
    for id in ["unknown-parameter", "deprecated-parameter"] {
        reported.extend(
            run_at(id, &root, Some("10"))
                .into_iter()
                .filter_map(|f| f.location.parameter.map(|p| p.to_string())),
        );
    }
    let missed: Vec<&String> = unused
        .difference(&reported)
        .filter(|n| !service_defined(n))
        .collect();
    assert!(
        missed.is_empty(),
        "postconf calls these unused, the check does not report them: {missed:?}"
    );
}

/// Issue 10 item 7: Postfix 3.5 reads compatibility_level with strtol and exits on
/// "3.6" (mail_conf_int.c: bad numerical configuration); 3.6 and later accept any
/// major.minor level. A dotted level on a 3.5.9 host is one high finding saying so; a
/// whole number is compared as before.
#[test]
fn dotted_compatibility_level_on_postfix_3_5_is_reported_as_fatal_there() {
    for level in ["3.6", "3.7", "3.8", "3.10", "3.11"] {
        let root = scratch_root(
            &format!("compat-{level}"),
            &format!("compatibility_level = {level}\n"),
        );
        let fs = run_at("compatibility-level", &root, Some("10"));
        assert_eq!(fs.len(), 1, "{level}: {fs:#?}");
        let f = &fs[0];
        assert_eq!(
            f.severity,
            postfix_preupgrade::finding::Severity::High,
            "{level}"
        );
        assert!(
            f.summary.contains(&format!(
                "bad numerical configuration: compatibility_level = {level}"
            )),
            "{level}: {}",
            f.summary
        );
        assert!(!f.inhibitor, "{level}: the target accepts it");
        let below = level == "3.6" || level == "3.7";
        assert_eq!(f.summary.contains("below 3.8"), below, "{}", f.summary);
    }
    // a whole number is valid on 3.5: only "below the target's level"
    let root = scratch_root("compat-3", "compatibility_level = 3\n");
    let fs = run_at("compatibility-level", &root, Some("10"));
    assert_eq!(fs.len(), 1);
    assert!(fs[0].title.contains("below"), "{}", fs[0].title);
    assert!(fs[0].severity < postfix_preupgrade::finding::Severity::High);
}

/// On a host already running Postfix 3.6 or later, 3.10 is a valid level above 3.8.
#[test]
fn dotted_level_is_fine_on_postfix_3_6_and_later() {
    let root = scratch_root("compat-3.10-on-3.8", "compatibility_level = 3.10\n");
    let opts = GlobalOpts {
        target: Some("10".into()),
        postfix_version: Some("3.8.5".into()),
        color: ColorWhen::Never,
        quiet: true,
        ..GlobalOpts::for_root(root.clone())
    };
    let facts = facts::collect_with(&opts, None, &Tools::default()).unwrap();
    let check: &dyn Check = find("compatibility-level").unwrap();
    assert!(run_checks(&[check], &facts, &Selection::all()).is_empty());
}

/// Issue 10: a private key where a certificate is expected is called a private key, and
/// the advice is not `openssl x509` on it.
#[test]
fn a_private_key_is_not_called_a_certificate() {
    let root = scratch_root(
        "key-as-cert",
        "smtpd_tls_cert_file = /etc/pki/tls/private/key.pem\n\
         smtpd_tls_key_file = /etc/pki/tls/private/key.pem\n\
         smtpd_tls_security_level = may\n",
    );
    let dir = root.join("etc/pki/tls/private");
    std::fs::create_dir_all(&dir).unwrap();
    let o = std::process::Command::new(support::tool("openssl"))
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .arg("-out")
        .arg(dir.join("key.pem"))
        .output()
        .expect("openssl runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fs = run_at("tls-weak-certificate", &root, Some("10"));
    assert!(!fs.is_empty(), "no finding");
    for f in &fs {
        assert!(
            !f.title
                .contains("TLS certificate /etc/pki/tls/private/key.pem"),
            "{}",
            f.title
        );
        assert!(
            !f.remediation
                .hint
                .contains("x509 -in /etc/pki/tls/private/key.pem"),
            "{}",
            f.remediation.hint
        );
    }
    assert!(
        fs.iter()
            .any(|f| f.title.contains("holds a private key, not a certificate")),
        "{fs:#?}"
    );
}

/// Issue 10's broken sentences, over every fixture root and every check: no advice
/// starts with an orphan "Or"; nothing says "nothing to do by hand" and then asks for
/// a hand edit; the smtps rename mentions syslog_name only when the fix changes it; no
/// "Instance - uses"; every summary and hint starts with a capital letter or a quote.
#[test]
fn no_broken_sentences_on_any_fixture_root() {
    let roots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots");
    let mut n = 0;
    for e in std::fs::read_dir(&roots).unwrap() {
        let root = e.unwrap().path();
        if !root.join("etc/os-release").is_file() {
            continue;
        }
        // a root of the newest release models a host after its upgrade: verify's words
        let release = postfix_preupgrade::root::Root::new(&root)
            .and_then(|r| facts::Release::detect(&r))
            .expect("os-release of the fixture root");
        let fs = if release.major >= facts::release::MAX_MAJOR {
            let opts = GlobalOpts {
                color: ColorWhen::Never,
                quiet: true,
                ..GlobalOpts::for_root(root.clone())
            };
            let facts = facts::collect_installed(&opts, &Tools::default()).expect("facts");
            run_checks(
                postfix_preupgrade::verify::VERIFY_CHECKS,
                &facts,
                &Selection::all(),
            )
        } else {
            let facts = facts_at(&root, None);
            run_checks(
                postfix_preupgrade::checks::CHECKS,
                &facts,
                &Selection::all(),
            )
        };
        for f in &fs {
            let at = format!("{} {}: {}", root.display(), f.id, f.title);
            let hint = &f.remediation.hint;
            assert!(!hint.starts_with("Or "), "{at}: {hint}");
            assert!(
                !(f.summary.contains("nothing to do by hand") && hint.contains("Add this line")),
                "{at}"
            );
            assert!(!f.summary.contains("Instance - uses"), "{at}");
            if f.id == "smtps-service-renamed" && hint.contains("syslog_name=") {
                assert!(f.summary.contains("the fix makes it"), "{at}: {hint}");
            }
            // a sentence may start with a name (postfix-ldap, smtpd_use_tls), not with
            // a plain lower-case word ("the -o ... override")
            for text in [f.summary.as_str(), hint.as_str()] {
                let first = text.split(' ').next().unwrap_or("");
                let plain_word = !first.is_empty()
                    && first.chars().all(|c| c.is_ascii_lowercase())
                    && !f.summary.is_empty();
                assert!(!plain_word, "{at}: starts in lower case: {text}");
            }
            n += 1;
        }
    }
    assert!(n > 50, "only {n} findings");
}
