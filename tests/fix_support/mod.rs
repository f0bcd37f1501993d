//! Helpers shared by the `fix` tests: temporary roots, running the real binary, the real
//! Postfix tools (which must be installed: a missing one fails the test loudly).
#![allow(dead_code)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_postfix-preupgrade");

/// Panic unless the real Postfix tools are on the PATH (and postconf lists lmdb).
pub fn require_postfix_tools() {
    for t in ["postconf", "postmap", "postalias"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(t).is_file()))
            .unwrap_or(false);
        let found = found || Path::new("/usr/sbin").join(t).is_file();
        assert!(
            found,
            "{t} is missing: install Debian's postfix and postfix-lmdb (scripts/test.sh does)"
        );
    }
    let m = Command::new("postconf")
        .arg("-m")
        .output()
        .expect("postconf -m runs");
    assert!(
        String::from_utf8_lossy(&m.stdout)
            .lines()
            .any(|l| l == "lmdb"),
        "postconf -m lacks lmdb: install postfix-lmdb"
    );
}

/// Run the binary with `args`, stdin closed (no terminal).
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[path = "../support/mod.rs"]
mod support;
#[allow(unused_imports)]
// not every fix test copies trees, builds packages or needs another tool
pub use support::{build_rpm, copy_tree, tool, PkgFile};

/// Every regular file under `dir` (relative path → bytes), skipping `skip` prefixes.
pub fn snapshot(dir: &Path, skip: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        out.insert(rel, std::fs::read(e.path()).unwrap());
    }
    out
}

/// The fixture roots of the repository.
pub fn fixture_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roots")
        .join(name)
}

/// `postconf -c DIR ARGS`: (stdout, stderr, success).
pub fn postconf(dir: &Path, args: &[&str]) -> (String, String, bool) {
    let o = Command::new("postconf")
        .arg("-c")
        .arg(dir)
        .args(args)
        .output()
        .expect("postconf runs");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.success(),
    )
}

/// Write `os-release` for a RHEL release like `9.4`.
pub fn os_release(root: &Path, version: &str) {
    let major = version.split('.').next().unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        format!(
            "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"{version}\"\n\
             PLATFORM_ID=\"platform:el{major}\"\n"
        ),
    )
    .unwrap();
}

/// A minimal RHEL 9 root with main.cf `main` (bytes), a one-service master.cf and the
/// given text files (relative path, content).
pub fn small_root(main: &[u8], files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    os_release(root, "9.4");
    std::fs::create_dir_all(root.join("etc/postfix")).unwrap();
    std::fs::write(root.join("etc/postfix/main.cf"), main).unwrap();
    std::fs::write(
        root.join("etc/postfix/master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n",
    )
    .unwrap();
    for (p, t) in files {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    tmp
}

/// Build `TYPE:FILE` from its text source with the real tool (`postmap` or `postalias`),
/// as a running host would have it.
pub fn build_table(tool: &str, map_type: &str, file: &Path) {
    let st = Command::new(tool)
        .arg(format!("{map_type}:{}", file.display()))
        .status()
        .expect("the Postfix tool runs");
    assert!(st.success(), "{tool} {map_type}:{}", file.display());
}

/// `postmap -q KEY lmdb:FILE` (or postalias): the value, or None.
pub fn lookup(tool: &str, key: &str, table: &str) -> Option<String> {
    let o = Command::new(tool)
        .args(["-q", key, table])
        .output()
        .expect("the Postfix tool runs");
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Run `fix` on a pseudo-terminal (python3's pty module) and answer its prompt with
/// `answer`; with `append`, first add that text to that file (the admin editing while the
/// prompt waits). Returns (everything the terminal showed, exit code).
pub fn fix_on_terminal(root: &Path, answer: &str, append: Option<(&Path, &str)>) -> (String, i32) {
    let script = r#"
import os, pty, sys
bin, root, answer, path, text = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(bin, [bin, "--root", root, "fix"])
out = b""
while b"Is this ok [y/N]: " not in out:
    chunk = os.read(fd, 4096)
    if not chunk:
        break
    out += chunk
if path:
    with open(path, "a") as f:
        f.write(text)
os.write(fd, answer.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(st))
"#;
    let (path, text) = append
        .map(|(p, t)| (p.display().to_string(), t.to_string()))
        .unwrap_or_default();
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .arg(root)
        .arg(answer)
        .arg(path)
        .arg(text)
        .output()
        .expect("python3 is installed");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

/// SIGKILL `child` (a `fix` on `root`) at a kill point, then reap it: `journal` as soon as
/// a backup journal exists, `Nms` that long after the start, any other point as soon as
/// `hit` says so; at the latest after 60 s, and not at all if it ended by itself first.
pub fn kill_at(
    child: &mut std::process::Child,
    root: &Path,
    point: &str,
    mut hit: impl FnMut() -> bool,
) {
    use std::time::{Duration, Instant};
    let backups = root.join("var/lib/postfix-preupgrade/backups");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) && child.try_wait().unwrap().is_none() {
        let now = match point {
            "journal" => std::fs::read_dir(&backups)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .any(|e| e.path().join("manifest.json").is_file())
                })
                .unwrap_or(false),
            ms if ms.ends_with("ms") && ms[..ms.len() - 2].parse::<u64>().is_ok() => {
                let ms: u64 = ms[..ms.len() - 2].parse().unwrap();
                start.elapsed() >= Duration::from_millis(ms)
            }
            _ => hit(),
        };
        if now {
            break;
        }
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
}
