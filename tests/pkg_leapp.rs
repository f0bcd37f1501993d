//! The leapp repository's actor library (`leapp/postfix_preupgrade/libraries/`) under the
//! real pytest: its tests in `leapp/tests/` map `check --format leapp` documents to leapp
//! reports and validate every report against leapp's report schema (python3-jsonschema).
//! The `needs_check` tests run the real binary on the fixture roots in `leapp/tests/roots/`.
use std::process::Command;

const LEAPP_TESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/leapp/tests");
const SHARED_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// The Python that has `modules`: $PKG_TEST_PYTHON, else /usr/bin/python3 (the system one,
/// where python3-pytest lives), else python3 on PATH. Panics when none has them.
fn python_with(modules: &[&str]) -> String {
    let candidates: Vec<String> = match std::env::var("PKG_TEST_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["/usr/bin/python3".into(), "python3".into()],
    };
    let probe = format!("import {}", modules.join(", "));
    for p in &candidates {
        if Command::new(p)
            .args(["-c", &probe])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
        {
            return p.clone();
        }
    }
    panic!(
        "no Python among {candidates:?} can `{probe}`: install python3-pytest and \
         python3-jsonschema (scripts/test.sh does)"
    );
}

fn pytest(marker: &str) {
    let python = python_with(&["pytest", "jsonschema"]);
    let out = Command::new(&python)
        .args(["-m", "pytest", "-v", "-p", "no:cacheprovider", "-m", marker])
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
        "pytest -m '{marker}' {LEAPP_TESTS}:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pytest exits 5 when nothing was collected; make sure tests really ran.
    assert!(stdout.contains(" passed"), "{stdout}");
}

#[test]
fn leapp_actor_library_tests_pass() {
    pytest("not needs_check");
}

#[test]
fn leapp_actor_library_on_real_binary_output() {
    pytest("needs_check");
}
