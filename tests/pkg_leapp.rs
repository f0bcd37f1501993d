//! The leapp repository's actor library (`leapp/postfix_preupgrade/libraries/`) under the
//! real pytest: its tests in `leapp/tests/` map `check --format leapp` documents to leapp
//! reports and validate every report against leapp's report schema (python3-jsonschema).
//! The `needs_check` tests run the real binary on the fixture roots in `leapp/tests/roots/`;
//! the `story` tests run the whole upgrade story (preupgrade, RPM upgrade, fix actor).
mod support;
use std::path::Path;
use std::process::Command;
use support::{build_rpm, copy_tree, python_with, rpm_install, scratch, PkgFile};

const LEAPP_TESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/leapp/tests");
const SHARED_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

fn pytest(marker: &str) {
    let python = python_with(&["pytest", "jsonschema"]);
    let stdout = pytest_with(&python, marker);
    // pytest exits 5 when nothing was collected; make sure tests really ran.
    assert!(stdout.contains(" passed"), "{stdout}");
}

/// Run the pytest tests with `marker` under `python`; panics when they fail. Returns the
/// output (`-rs`: with the reason of every skipped test).
fn pytest_with(python: &str, marker: &str) -> String {
    let out = Command::new(python)
        .args([
            "-m",
            "pytest",
            "-v",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-m",
            marker,
        ])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(LEAPP_TESTS)
        .env(
            "POSTFIX_PREUPGRADE_BIN",
            env!("CARGO_BIN_EXE_postfix-preupgrade"),
        )
        .env("POSTFIX_PREUPGRADE_SHARED_DATA", SHARED_DATA)
        .output()
        .expect("run pytest");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{python} -m pytest -m '{marker}' {LEAPP_TESTS}:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.into_owned()
}

#[test]
fn leapp_actor_library_tests_pass() {
    pytest("not needs_check and not story and not real_leapp");
}

/// Opt-in: the repository inside the real leapp framework (leapp/tests/test_real_leapp.py:
/// snactor discovery, the actors in the three answer states, leapp's own report files,
/// the fix actor after the simulated upgrade). Runs with $LEAPP_PYTHON, else
/// target/leapp-venv/bin/python when it exists (the test file says how to make one); says
/// loudly when there is neither, or when the importable `leapp.reporting` has no `Groups`.
#[test]
fn leapp_repository_in_the_real_framework() {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/target/leapp-venv/bin/python");
    let python = match std::env::var("LEAPP_PYTHON") {
        Ok(p) => {
            let ok = Command::new(&p)
                .args(["-c", "import leapp.reporting, pytest, jsonschema"])
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "LEAPP_PYTHON={p} cannot import leapp, pytest and jsonschema"
            );
            p
        }
        Err(_) if Path::new(venv).exists() => venv.to_string(),
        Err(_) => {
            eprintln!(
                "SKIPPED leapp_repository_in_the_real_framework (opt-in): no leapp framework: \
                 set LEAPP_PYTHON or create {venv} (see leapp/tests/test_real_leapp.py)"
            );
            return;
        }
    };
    let stdout = pytest_with(&python, "real_leapp");
    if !stdout.contains(" passed") {
        assert!(
            stdout.contains("has no Groups"),
            "nothing ran, and not for lack of Groups:\n{stdout}"
        );
        eprintln!("SKIPPED leapp_repository_in_the_real_framework: {stdout}");
        return;
    }
    assert!(!stdout.contains("SKIPPED"), "{stdout}");
}

/// The upgrade story end to end (leapp/tests/test_upgrade_story.py): preupgrade in each
/// answer state, the simulated RPM upgrade (real rpm, packages built by the real rpmbuild),
/// the fix actor and `check` on the result, on copies of the example host and el9-story.
#[test]
fn leapp_upgrade_story() {
    support::tool("rpm");
    support::tool("rpmbuild");
    support::tool("postmap");
    pytest("story");
}

#[test]
fn leapp_actor_library_on_real_binary_output() {
    pytest("needs_check");
}

/// `check` as JSON on a root.
fn check_json(root: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_postfix-preupgrade"))
        .arg("--root")
        .arg(root)
        .args(["--target", "10", "check", "--format", "json"])
        .output()
        .expect("run postfix-preupgrade");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// A root whose rpm database lists no postfix package gets no findings (the leapp actors
/// then report nothing), and says why in one line; the same root with postfix installed
/// does get findings.
#[test]
fn no_findings_when_postfix_is_not_installed() {
    let base = scratch("pkg_leapp", "no-postfix");
    let root = base.join("root");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"),
        &root,
    );
    std::fs::remove_dir_all(root.join("var/lib/rpm")).unwrap();
    let readme = PkgFile {
        path: "/usr/share/doc/bash/README",
        contents: b"fake\n",
        config: false,
    };
    let bash = build_rpm(&base.join("rpms"), "bash", "5.1.8", "9.el9", &[readme]);
    rpm_install(&root, &[bash]);
    let doc = check_json(&root);
    assert_eq!(doc["findings"], serde_json::json!([]), "{doc:#}");
    let why: Vec<&str> = doc["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .filter(|a| a.starts_with("Postfix is not installed"))
        .collect();
    assert_eq!(why.len(), 1, "{doc:#}");
    assert!(why[0].contains("lists no postfix package"), "{}", why[0]);

    let readme = PkgFile {
        path: "/usr/share/doc/postfix/README",
        contents: b"fake\n",
        config: false,
    };
    let postfix = build_rpm(&base.join("rpms"), "postfix", "3.5.9", "24.el9", &[readme]);
    rpm_install(&root, &[postfix]);
    let doc = check_json(&root);
    assert!(
        doc["summary"]["inhibitors"].as_u64().unwrap() > 0,
        "with postfix installed the example's inhibitors are back: {doc:#}"
    );
}
