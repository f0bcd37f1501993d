//! The leapp repository's actor library (`leapp/postfix_preupgrade/libraries/`) under the
//! real pytest: its tests in `leapp/tests/` map `check --format leapp` documents to leapp
//! reports and validate every report against leapp's report schema (python3-jsonschema).
//! The `needs_check` tests run the real binary on the fixture roots in `leapp/tests/roots/`.
mod support;
use std::process::Command;
use support::python_with;

const LEAPP_TESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/leapp/tests");
const SHARED_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

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
