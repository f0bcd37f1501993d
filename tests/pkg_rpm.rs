//! The RPMs, built by the real `rpm/build.sh` (rpmbuild, offline from the vendored crates)
//! once per test run and shared by every test here:
//!
//! - the SRPM and the three binary RPMs exist, with the files, dependencies and bundled-crate
//!   provides they should have (`rpm -qp`);
//! - `rpmlint` reports 0 errors (with rpm/rpmlint.toml, whose filters all say why);
//! - they install into an empty root with the real `rpm --root … --dbpath /var/lib/rpm -i`,
//!   `rpm -V` finds every file as packaged, the installed binary runs, the installed man
//!   page renders cleanly, and the leapp repository and dnf plugin sit where leapp and dnf
//!   look for them: the installed plugin runs inside the real dnf;
//! - the spec's License covers every crate linked into the binary (`cargo tree`).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const LEAPP_REPO: &str = "usr/share/leapp-repository/custom-repositories/postfix_preupgrade";
/// build.sh's default --dist: RHEL 9, whose dnf runs on Python 3.9.
const DIST: &str = "el9";
const SITELIB: &str = "usr/lib/python3.9/site-packages";

fn require(name: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not installed; it is needed by this test (scripts/test.sh installs it)"
    );
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Built {
    srpm: PathBuf,
    main: PathBuf,
    leapp: PathBuf,
    dnf: PathBuf,
}

impl Built {
    fn binary_rpms(&self) -> [&Path; 3] {
        [&self.main, &self.leapp, &self.dnf]
    }
}

/// Run rpm/build.sh once for the whole test binary; every test gets the same RPMs.
fn built() -> &'static Built {
    static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        for tool in ["rpmbuild", "rpm", "cargo", "tar", "gzip"] {
            require(tool);
        }
        let out = run(Command::new(format!("{ROOT}/rpm/build.sh")).current_dir(ROOT));
        if !out.status.success() {
            let stderr = text(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(60).collect();
            return Err(format!(
                "rpm/build.sh failed ({}):\n{}\n{}",
                out.status,
                text(&out.stdout),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        let top = Path::new(ROOT).join("target/rpmbuild");
        let arch = text(&run(Command::new("rpm").args(["--eval", "%{_arch}"])).stdout)
            .trim()
            .to_string();
        let rel = format!("{VERSION}-1.{DIST}");
        let built = Built {
            srpm: top.join(format!("SRPMS/postfix-preupgrade-{rel}.src.rpm")),
            main: top.join(format!("RPMS/{arch}/postfix-preupgrade-{rel}.{arch}.rpm")),
            leapp: top.join(format!(
                "RPMS/noarch/postfix-preupgrade-leapp-{rel}.noarch.rpm"
            )),
            dnf: top.join(format!(
                "RPMS/noarch/python3-dnf-plugin-postfix-preupgrade-{rel}.noarch.rpm"
            )),
        };
        for p in [&built.srpm, &built.main, &built.leapp, &built.dnf] {
            if !p.is_file() {
                return Err(format!(
                    "rpm/build.sh did not make {}; it printed:\n{}",
                    p.display(),
                    text(&out.stdout)
                ));
            }
        }
        Ok(built)
    });
    match result {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    }
}

fn query(rpm: &Path, args: &[&str]) -> String {
    let out = run(Command::new("rpm").arg("-qp").args(args).arg(rpm));
    assert!(
        out.status.success(),
        "rpm -qp {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn rpms_have_the_expected_files() {
    let b = built();
    let main = query(&b.main, &["-l"]);
    for f in [
        "/usr/bin/postfix-preupgrade",
        "/usr/share/man/man8/postfix-preupgrade.8.gz",
        "/usr/share/bash-completion/completions/postfix-preupgrade",
        "/usr/share/zsh/site-functions/_postfix-preupgrade",
        "/usr/share/fish/vendor_completions.d/postfix-preupgrade.fish",
        "/var/lib/postfix-preupgrade",
        "/usr/share/licenses/postfix-preupgrade/LICENSE.dependencies",
        "/usr/share/doc/postfix-preupgrade/README.md",
    ] {
        assert!(
            main.lines().any(|l| l == f),
            "{f} not in the main RPM:\n{main}"
        );
    }
    assert!(
        !main.contains("postfix-preupgrade-gen"),
        "the build-time generator must not be shipped:\n{main}"
    );
    let leapp = query(&b.leapp, &["-l"]);
    for f in [
        ".leapp/info",
        ".leapp/leapp.conf",
        "actors/postfix_preupgrade_scanner/actor.py",
        "actors/postfix_preupgrade_check/actor.py",
        "actors/postfix_preupgrade_fix/actor.py",
        "libraries/postfixpreupgrade.py",
        "models/postfixpreupgrade.py",
    ] {
        let path = format!("/{LEAPP_REPO}/{f}");
        assert!(
            leapp.lines().any(|l| l == path),
            "{path} not in the leapp RPM:\n{leapp}"
        );
    }
    assert!(
        leapp
            .lines()
            .any(|l| l == "/etc/leapp/repos.d/postfix_preupgrade"),
        "the repository's own link in /etc/leapp/repos.d/ (leapp-repository < 0.26 has \
         none):\n{leapp}"
    );
    assert!(!leapp.contains("/tests"), "tests are not shipped:\n{leapp}");
    assert!(
        !leapp.contains("__pycache__") && !leapp.contains(".pyc"),
        "no stray bytecode from a test run:\n{leapp}"
    );
    let dnf = query(&b.dnf, &["-l"]);
    for f in [
        format!("/{SITELIB}/dnf-plugins/postfix_preupgrade.py"),
        "/etc/dnf/plugins/postfix-preupgrade.conf".to_string(),
    ] {
        assert!(
            dnf.lines().any(|l| l == f),
            "{f} not in the dnf plugin RPM:\n{dnf}"
        );
    }
    // Config files are marked so.
    let configs = query(&b.dnf, &["-c"]);
    assert!(
        configs.contains("/etc/dnf/plugins/postfix-preupgrade.conf"),
        "{configs}"
    );
    let modes = query(&b.main, &["--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]"]);
    assert!(
        modes.contains("-rwxr-xr-x /usr/bin/postfix-preupgrade\n"),
        "{modes}"
    );
}

#[test]
fn rpms_declare_their_relations() {
    let b = built();
    let nevr = format!("postfix-preupgrade = {VERSION}-1.{DIST}");
    for sub in [&b.leapp, &b.dnf] {
        let requires = query(sub, &["--requires"]);
        assert!(requires.lines().any(|l| l == nevr), "{requires}");
    }
    assert!(query(&b.dnf, &["--requires"])
        .lines()
        .any(|l| l == "python3-dnf"));
    let supplements = query(&b.leapp, &["--supplements"]);
    assert!(
        supplements.contains("leapp-upgrade-el9toel10"),
        "{supplements}"
    );
    let enhances = query(&b.leapp, &["--enhances"]);
    assert!(enhances.contains("leapp-upgrade-el8toel9"), "{enhances}");

    let provides = query(&b.main, &["--provides"]);
    let crates = std::fs::read_to_string(Path::new(ROOT).join(format!(
        "target/rpmbuild/SOURCES/postfix-preupgrade-{VERSION}-bundled-crates.txt"
    )))
    .unwrap();
    assert!(crates.lines().any(|l| l.starts_with("clap ")), "{crates}");
    for line in crates.lines() {
        let (name, version) = line.split_once(' ').unwrap();
        let want = format!("bundled(crate({name})) = {version}");
        assert!(
            provides.lines().any(|l| l == want),
            "{want} missing:\n{provides}"
        );
    }
    let license = query(&b.main, &["--qf", "%{LICENSE}"]);
    assert_eq!(license, spec_license());
    // The SRPM carries the three sources and builds offline from them.
    let srpm_files = query(&b.srpm, &["-l"]);
    for f in [
        format!("postfix-preupgrade-{VERSION}.tar.gz"),
        format!("postfix-preupgrade-{VERSION}-vendor.tar.gz"),
        format!("postfix-preupgrade-{VERSION}-bundled-crates.txt"),
        "postfix-preupgrade.spec".to_string(),
    ] {
        assert!(
            srpm_files.lines().any(|l| l == f),
            "{f} not in SRPM:\n{srpm_files}"
        );
    }
}

#[test]
fn rpmlint_reports_no_errors() {
    let b = built();
    require("rpmlint");
    let config = format!("{ROOT}/rpm/rpmlint.toml");
    // Every filter says why it is there.
    let toml = std::fs::read_to_string(&config).unwrap();
    let lines: Vec<&str> = toml.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.starts_with('\'') || t.starts_with('"') {
            assert!(
                i > 0 && lines[i - 1].trim().starts_with('#'),
                "rpm/rpmlint.toml line {}: a filter without a comment above it",
                i + 1
            );
        }
    }
    let out = run(Command::new("rpmlint")
        .arg("-c")
        .arg(&config)
        .arg(&b.srpm)
        .args(b.binary_rpms()));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(" 0 errors"),
        "rpmlint:\n{stdout}{}",
        text(&out.stderr)
    );
    assert!(
        out.status.success(),
        "rpmlint exit {}:\n{stdout}",
        out.status
    );
}

#[test]
fn rpms_install_into_an_empty_root() {
    let b = built();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pkg-rpm-root");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // --nodeps: an empty root has no glibc, python3-dnf or leapp to satisfy Requires.
    let out = run(Command::new("rpm")
        .arg("--root")
        .arg(&root)
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps"])
        .args(b.binary_rpms()));
    assert!(
        out.status.success(),
        "rpm -i: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let rpm_root = |args: &[&str]| {
        run(Command::new("rpm")
            .arg("--root")
            .arg(&root)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(args))
    };
    let qa = text(&rpm_root(&["-qa", "--qf", "%{NAME}\n"]).stdout);
    let names: BTreeSet<&str> = qa.lines().collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "postfix-preupgrade",
            "postfix-preupgrade-leapp",
            "python3-dnf-plugin-postfix-preupgrade"
        ])
    );
    // Every installed file is as packaged (digest, mode, owner); dependencies are absent.
    let verify = rpm_root(&["-V", "--nodeps", "-a"]);
    assert!(
        verify.status.success(),
        "rpm -V: {}{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );

    // The binary runs.
    let bin = root.join("usr/bin/postfix-preupgrade");
    let out = run(Command::new(&bin).arg("--version"));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("postfix-preupgrade {VERSION}")
    );

    // man finds and renders the page by name in the root's man tree.
    require("man");
    let out = run(Command::new("man")
        .args(["--warnings", "-M"])
        .arg(root.join("usr/share/man"))
        .arg("8")
        .arg("postfix-preupgrade")
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("MANPAGER")
        .env("PAGER", "cat"));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "man: {}",
        text(&out.stderr)
    );
    let rendered = text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        rendered.contains("postfix-preupgrade - find and fix"),
        "{rendered}"
    );

    // Leapp: the package links its repository from /etc/leapp/repos.d/ itself (older
    // leapp-repository has no link there); leapp-repository 0.26+ also links the whole
    // custom-repositories directory: both reach the same repository (one id, loaded once).
    let repos_d = root.join("etc/leapp/repos.d");
    std::os::unix::fs::symlink(
        "/usr/share/leapp-repository/custom-repositories",
        repos_d.join("custom-repositories"),
    )
    .unwrap();
    // Resolve the absolute links inside the root, as leapp inside the root would.
    let inside = |link: &str| {
        root.join(
            std::fs::read_link(repos_d.join(link))
                .unwrap()
                .strip_prefix("/")
                .unwrap(),
        )
    };
    let own = inside("postfix_preupgrade");
    assert_eq!(own, root.join(LEAPP_REPO));
    let info_path = own.join(".leapp/info");
    assert_eq!(
        std::fs::read(&info_path).unwrap(),
        std::fs::read(inside("custom-repositories").join("postfix_preupgrade/.leapp/info"))
            .unwrap()
    );
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&info_path).unwrap()).unwrap();
    assert_eq!(info["name"], "postfix_preupgrade");
    assert!(root
        .join(LEAPP_REPO)
        .join("actors/postfix_preupgrade_check/actor.py")
        .is_file());

    // dnf: the installed plugin, from the root's site-packages, runs the installed binary.
    let plugin_dir = root.join(SITELIB).join("dnf-plugins");
    let conf = std::fs::read_to_string(root.join("etc/dnf/plugins/postfix-preupgrade.conf"))
        .unwrap()
        .replace(
            "binary = /usr/bin/postfix-preupgrade",
            &format!("binary = {}", bin.display()),
        );
    let confdir = root.join("tmp/dnf-conf");
    std::fs::create_dir_all(&confdir).unwrap();
    std::fs::write(confdir.join("postfix-preupgrade.conf"), conf).unwrap();
    require("dnf");
    let out = run(Command::new("dnf")
        .arg(format!("--setopt=pluginpath={}", plugin_dir.display()))
        .arg(format!("--setopt=pluginconfpath={}", confdir.display()))
        .arg(format!(
            "--setopt=cachedir={}",
            root.join("tmp/dnf-cache").display()
        ))
        .args(["--setopt=reposdir=/nonexistent", "--releasever=9", "-q"])
        .env("LC_ALL", "C.UTF-8")
        .args(["postfix-preupgrade", "--", "--version"]));
    assert!(out.status.success(), "dnf: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("postfix-preupgrade {VERSION}")
    );
}

/// The spec's License: value.
fn spec_license() -> String {
    let spec = std::fs::read_to_string(format!("{ROOT}/rpm/postfix-preupgrade.spec")).unwrap();
    spec.lines()
        .find_map(|l| l.strip_prefix("License:"))
        .expect("License: in the spec")
        .trim()
        .to_string()
}

#[test]
fn spec_license_covers_every_linked_crate() {
    require("cargo");
    let out = run(Command::new("cargo")
        .args([
            "tree",
            "--locked",
            "-e",
            "no-build,no-dev,no-proc-macro",
            "--prefix",
            "none",
            "--format",
            "{l}",
        ])
        .current_dir(ROOT));
    assert!(out.status.success(), "cargo tree: {}", text(&out.stderr));
    let license = spec_license();
    // The spec's terms: the AND-ed expressions, without outer parentheses.
    let terms: BTreeSet<String> = license
        .split(" AND ")
        .map(|t| {
            t.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_string()
        })
        .collect();
    let normalise = |l: &str| -> BTreeSet<String> {
        let mut words: Vec<String> = l
            .replace('/', " OR ")
            .split(" OR ")
            .map(|w| w.trim().to_string())
            .collect();
        words.sort();
        words.into_iter().collect()
    };
    let spec_terms: Vec<BTreeSet<String>> = terms.iter().map(|t| normalise(t)).collect();
    let mut missing = Vec::new();
    for crate_license in text(&out.stdout).lines().collect::<BTreeSet<_>>() {
        let l = crate_license.trim().trim_end_matches("(*)").trim();
        if l.is_empty() {
            continue;
        }
        // Each AND-part of a crate's licence must be one of the spec's terms.
        for part in l.split(" AND ") {
            let part = part.trim().trim_start_matches('(').trim_end_matches(')');
            if !spec_terms.contains(&normalise(part)) {
                missing.push(part.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "rpm/postfix-preupgrade.spec License `{license}` lacks {missing:?} (cargo tree)"
    );
}

#[test]
fn spec_version_is_the_crate_version() {
    let spec = std::fs::read_to_string(format!("{ROOT}/rpm/postfix-preupgrade.spec")).unwrap();
    let version = spec
        .lines()
        .find_map(|l| l.strip_prefix("Version:"))
        .unwrap()
        .trim();
    assert_eq!(version, VERSION, "spec Version vs Cargo.toml");
    assert!(
        spec.contains(&format!("> - {VERSION}-1\n")),
        "the newest %changelog entry names {VERSION}-1"
    );
}

/// RHEL 9 and 10 build with their rust-toolset: every locked crate must build with the
/// crate's stated minimum Rust (`rust-version`), which rust-toolset ships.
#[test]
fn locked_crates_build_with_the_stated_rust_version() {
    require("cargo");
    let out = run(Command::new("cargo")
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(ROOT));
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        text(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // "1.88" and "1.88.0" are the same version: compare (major, minor, patch).
    let parse = |v: &str| -> Vec<u32> {
        let mut p: Vec<u32> = v.split('.').map(|x| x.parse().unwrap()).collect();
        p.resize(3, 0);
        p
    };
    let msrv = env!("CARGO_PKG_RUST_VERSION");
    assert!(!msrv.is_empty(), "Cargo.toml must state rust-version");
    let too_new: Vec<String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (parse(rv) > parse(msrv))
                .then(|| format!("{} {} needs Rust {rv}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "Cargo.lock has crates newer than rust-version {msrv}: {too_new:?}"
    );
}
