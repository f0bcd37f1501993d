//! The dnf plugin (`dnf/postfix_preupgrade.py`) running inside the real dnf 4
//! (`python3-dnf`), loaded from the source tree with `--setopt=pluginpath=`.
//!
//! - `dnf postfix-preupgrade ARGS` prints what the binary prints for ARGS, with its exit
//!   status, and dnf's `--installroot` reaches the binary as `--root`;
//! - the plugin reads its own config (`enabled`, `binary`, `transaction_check`);
//! - the resolved hook warns when a real dnf transaction upgrades postfix to another release
//!   series (two small postfix RPMs built here with the real rpmbuild).
mod support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::python_with;

const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");
const PLUGIN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/dnf");

fn require(name: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed; it is needed by this test (scripts/test.sh installs it)"
    );
}

/// A fresh scratch directory under cargo's per-target temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write a plugin config (the shipped one with `binary` and extra settings replaced) into
/// `dir/conf/postfix-preupgrade.conf`; returns the conf dir.
fn plugin_conf(dir: &Path, binary: &str, extra: &[(&str, &str)]) -> PathBuf {
    let shipped = std::fs::read_to_string(format!("{PLUGIN_DIR}/postfix-preupgrade.conf")).unwrap();
    assert!(shipped.contains("binary = /usr/bin/postfix-preupgrade\n"));
    let mut conf = shipped.replace(
        "binary = /usr/bin/postfix-preupgrade\n",
        &format!("binary = {binary}\n"),
    );
    for (key, value) in extra {
        let line = conf
            .lines()
            .find(|l| l.starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("shipped config has no `{key}`"))
            .to_string();
        conf = conf.replace(&line, &format!("{key} = {value}"));
    }
    let confdir = dir.join("conf");
    std::fs::create_dir_all(&confdir).unwrap();
    std::fs::write(confdir.join("postfix-preupgrade.conf"), conf).unwrap();
    confdir
}

/// The real dnf, with the plugin from the source tree, no repositories, its cache in `dir`.
fn dnf(dir: &Path, confdir: &Path) -> Command {
    require("dnf");
    let mut cmd = Command::new("dnf");
    cmd.arg(format!("--setopt=pluginpath={PLUGIN_DIR}"))
        .arg(format!("--setopt=pluginconfpath={}", confdir.display()))
        .arg(format!("--setopt=cachedir={}", dir.join("cache").display()))
        .arg("--setopt=reposdir=/nonexistent")
        .arg("--releasever=9")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("NO_COLOR");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// JSON documents differ between two runs only in their generation time and run id.
fn normalise(stdout: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(stdout) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("generated_at");
                o.remove("leapp_run_id");
            }
            v.to_string()
        }
        Err(_) => stdout.to_string(),
    }
}

#[test]
fn dnf_command_passes_arguments_and_output_through() {
    let dir = scratch("pkg-dnf-pass");
    let confdir = plugin_conf(&dir, BIN, &[]);
    let root = dir.join("emptyroot");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["--", "--version"],
        &["--", "--help"],
        &["checks"],
        &["check", "--format", "json", "--only", "config-syntax"],
        &["show", "bogus"],
        &["--", "--root", root, "check", "--format", "leapp"],
    ];
    for args in cases {
        let via_dnf = run(dnf(&dir, &confdir)
            .args(["-q", "postfix-preupgrade"])
            .args(*args));
        let direct_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--").collect();
        let direct = run(Command::new(BIN).args(&direct_args));
        assert_eq!(
            via_dnf.status.code(),
            direct.status.code(),
            "exit status of dnf postfix-preupgrade {args:?}; dnf stderr: {}",
            text(&via_dnf.stderr)
        );
        assert_eq!(
            normalise(&text(&via_dnf.stdout)),
            normalise(&text(&direct.stdout)),
            "stdout of dnf postfix-preupgrade {args:?}"
        );
        assert!(
            text(&via_dnf.stderr).contains(&text(&direct.stderr)),
            "stderr of dnf postfix-preupgrade {args:?}: {} / direct: {}",
            text(&via_dnf.stderr),
            text(&direct.stderr)
        );
    }
    // Without -q too: dnf adds nothing to standard output.
    let version = run(dnf(&dir, &confdir).args(["postfix-preupgrade", "--", "--version"]));
    assert_eq!(
        text(&version.stdout).trim(),
        format!("postfix-preupgrade {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn dnf_installroot_becomes_the_binary_root() {
    // `binary` may name any program: /bin/echo shows the exact argv the plugin builds.
    let dir = scratch("pkg-dnf-installroot");
    let confdir = plugin_conf(&dir, "/bin/echo", &[]);
    let root = dir.join("sysimage");
    std::fs::create_dir_all(&root).unwrap();
    let out = run(dnf(&dir, &confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["postfix-preupgrade", "check", "--format", "json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("--root {} check --format json\n", root.display())
    );
    // An explicit --root wins over the installroot.
    let out = run(dnf(&dir, &confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["postfix-preupgrade", "--", "--root", "/srv/other", "facts"]));
    assert_eq!(text(&out.stdout), "--root /srv/other facts\n");
    // No installroot: nothing added.
    let out = run(dnf(&dir, &confdir).args(["postfix-preupgrade", "facts"]));
    assert_eq!(text(&out.stdout), "facts\n");
}

#[test]
fn dnf_plugin_reads_its_config() {
    let dir = scratch("pkg-dnf-config");
    let confdir = plugin_conf(&dir, BIN, &[("enabled", "0")]);
    let out = run(dnf(&dir, &confdir).args(["postfix-preupgrade", "checks"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("No such command: postfix-preupgrade"),
        "{}",
        text(&out.stderr)
    );

    let missing = dir.join("no-such-binary");
    let confdir = plugin_conf(&dir, missing.to_str().unwrap(), &[]);
    let out = run(dnf(&dir, &confdir).args(["postfix-preupgrade", "checks"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("cannot run {}", missing.display())),
        "{}",
        text(&out.stderr)
    );
}

/// Build `postfix-VERSION-1.DIST.noarch.rpm` (an empty package named postfix) with the real
/// rpmbuild into `dir`; returns its path.
fn postfix_rpm(dir: &Path, version: &str, dist: &str) -> PathBuf {
    require("rpmbuild");
    let spec = dir.join("postfix-test.spec");
    std::fs::write(
        &spec,
        "Name: postfix\nVersion: %{pfver}\nRelease: 1%{?dist}\nSummary: stand-in\n\
         License: IPL-1.0\nBuildArch: noarch\n%description\nstand-in\n%files\n",
    )
    .unwrap();
    let out = run(Command::new("rpmbuild")
        .args(["-bb", "--nodeps", "--quiet"])
        .arg("-D")
        .arg(format!("_topdir {}", dir.join("top").display()))
        .arg("-D")
        .arg(format!("pfver {version}"))
        .arg("-D")
        .arg(format!("dist {dist}"))
        .arg(&spec));
    assert!(out.status.success(), "rpmbuild: {}", text(&out.stderr));
    let rpm = dir
        .join("top/RPMS/noarch")
        .join(format!("postfix-{version}-1{dist}.noarch.rpm"));
    assert!(rpm.is_file(), "{} not built", rpm.display());
    rpm
}

/// Install postfix `from` into a fresh installroot with real dnf, then ask dnf to upgrade to
/// `to` (answering no); returns dnf's combined output of the upgrade.
fn upgrade_transcript(dir: &Path, confdir: &Path, from: &Path, to: &Path) -> (PathBuf, String) {
    let root = dir.join("installroot");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let out = run(dnf(dir, confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["-y", "--nogpgcheck", "install"])
        .arg(from));
    assert!(out.status.success(), "dnf install: {}", text(&out.stderr));
    let out = run(dnf(dir, confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["--assumeno", "--nogpgcheck", "upgrade"])
        .arg(to));
    (root, format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn dnf_resolved_hook_runs_the_binary_when_postfix_changes_series() {
    let dir = scratch("pkg-dnf-hook");
    let old = postfix_rpm(&dir, "3.5.9", ".el9");
    let same_series = postfix_rpm(&dir, "3.5.25", ".el9");
    let new = postfix_rpm(&dir, "3.8.5", ".el10");

    let confdir = plugin_conf(&dir, BIN, &[]);
    let (root, transcript) = upgrade_transcript(&dir, &confdir, &old, &new);
    assert!(
        transcript.contains("postfix-preupgrade: this transaction upgrades postfix 3.5.9 to 3.8.5"),
        "{transcript}"
    );
    // The real binary ran for the target of the new package, on the installroot: its own
    // verdict (inhibitor count, or its error) follows the header.
    let direct = run(Command::new(BIN)
        .arg("--root")
        .arg(&root)
        .args(["--target", "rhel10", "check", "--format", "json"]));
    match direct.status.code() {
        Some(0) | Some(1) => assert!(
            transcript.contains("inhibitor"),
            "hook should report the inhibitor count: {transcript}"
        ),
        _ => assert!(
            transcript.contains(text(&direct.stderr).trim()),
            "hook should relay the binary's error: {transcript}"
        ),
    }

    let (_, transcript) = upgrade_transcript(&dir, &confdir, &old, &same_series);
    assert!(!transcript.contains("postfix-preupgrade"), "{transcript}");

    let confdir = plugin_conf(&dir, BIN, &[("transaction_check", "0")]);
    let (_, transcript) = upgrade_transcript(&dir, &confdir, &old, &new);
    assert!(!transcript.contains("postfix-preupgrade"), "{transcript}");
}

#[test]
fn dnf_resolved_hook_counts_the_inhibitors_of_the_installroot() {
    let dir = scratch("pkg-dnf-hook-inhibitor");
    let old = postfix_rpm(&dir, "3.5.9", ".el9");
    let new = postfix_rpm(&dir, "3.8.5", ".el10");
    let confdir = plugin_conf(&dir, BIN, &[]);
    // An installroot whose main.cf uses a Berkeley DB table: an inhibitor for RHEL 10.
    let root = dir.join("installroot");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.6\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/postfix/main.cf"),
        "compatibility_level = 2\nalias_maps = hash:/etc/aliases\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/postfix/master.cf"),
        "smtp inet n - n - - smtpd\n",
    )
    .unwrap();
    let out = run(dnf(&dir, &confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["-y", "--nogpgcheck", "install"])
        .arg(&old));
    assert!(out.status.success(), "dnf install: {}", text(&out.stderr));
    let out = run(dnf(&dir, &confdir)
        .arg(format!("--installroot={}", root.display()))
        .args(["--assumeno", "--nogpgcheck", "upgrade"])
        .arg(&new));
    let transcript = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let direct = run(Command::new(BIN)
        .arg("--root")
        .arg(&root)
        .args(["--target", "rhel10", "check", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&direct.stdout)
        .unwrap_or_else(|e| panic!("binary JSON: {e}: {}", text(&direct.stderr)));
    let inhibitors = report["summary"]["inhibitors"].as_u64().unwrap();
    assert!(
        inhibitors >= 1,
        "fixture should have an inhibitor: {report}"
    );
    assert!(
        transcript.contains(&format!("; {inhibitors} inhibitor(s) found")),
        "{transcript}"
    );
}

#[test]
fn dnf_plugin_unit_tests_pass_under_pytest() {
    let python = python_with(&["dnf", "pytest"]);
    let out = run(Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(format!("{PLUGIN_DIR}/tests")));
    assert!(
        out.status.success(),
        "pytest dnf/tests:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
