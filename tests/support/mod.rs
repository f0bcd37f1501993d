//! Helpers shared by the integration tests: real tools (found or a loud failure, never a
//! skip) and fake RPM packages built with the `rpm` crate and installed by the real `rpm`
//! into a root's sqlite database, as on RHEL 9/10.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

/// A real program on the PATH; panics naming the Debian package when it is missing.
pub fn tool(name: &str) -> PathBuf {
    postfix_preupgrade::facts::rpmdb::which(name).unwrap_or_else(|| {
        panic!("`{name}` is not on the PATH: scripts/test.sh installs it (Debian: apt-get install {name})")
    })
}

/// One file of a fake package: system path, contents, and whether it is
/// `%config(noreplace)`.
pub struct PkgFile<'a> {
    pub path: &'a str,
    pub contents: &'a [u8],
    pub config: bool,
}

/// Build a fake x86_64 package into `dir` and return the .rpm path.
pub fn build_rpm(
    dir: &Path,
    name: &str,
    version: &str,
    release: &str,
    files: &[PkgFile],
) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut b = rpm::PackageBuilder::new(name, version, "MIT", "x86_64", "fake package for tests");
    b.release(release)
        .description("A fake package built by postfix-preupgrade's tests.");
    b.using_config(rpm::BuildConfig::default().compression(rpm::CompressionType::Gzip));
    for f in files {
        let mut opts = rpm::FileOptions::new(f.path).permissions(0o644);
        if f.config {
            opts = opts.config().noreplace();
        }
        b.with_file_contents(f.contents.to_vec(), opts).unwrap();
    }
    let out = dir.join(format!("{name}-{version}-{release}.x86_64.rpm"));
    b.build().unwrap().write_file(&out).unwrap();
    out
}

/// Install packages into `root` with the real rpm (sqlite database at /var/lib/rpm, no
/// dependencies or scriptlets: the root is not a whole system).
pub fn rpm_install(root: &Path, rpms: &[PathBuf]) {
    let out = Command::new(tool("rpm"))
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend sqlite"])
        .args([
            "-i",
            "--nodeps",
            "--noscripts",
            "--ignorearch",
            "--ignoreos",
        ])
        .args(rpms)
        .output()
        .expect("run rpm -i");
    assert!(
        out.status.success(),
        "rpm -i failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Python that has `modules`: $PKG_TEST_PYTHON, else /usr/bin/python3 (the system one,
/// where python3-dnf, python3-pytest and python3-jsonschema live), else python3 on PATH.
/// Panics when none has them.
pub fn python_with(modules: &[&str]) -> String {
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
        "no Python among {candidates:?} can `{probe}`: install python3-dnf, python3-pytest \
         and python3-jsonschema (scripts/test.sh does)"
    );
}

/// A fixture root shipped in the repo (`tests/fixtures/roots/NAME`).
pub fn fixture_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roots")
        .join(name)
}

/// An empty scratch directory `<target tmp>/<group>/<name>` (emptied if it exists).
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copy a directory tree (files, dirs, symlinks), keeping modes, with the real `cp -a`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let st = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success(), "cp -a {} {}", from.display(), to.display());
}

/// A copy of a tree (`from`, or an empty directory) at a path whose length does not
/// depend on the machine (`/tmp/pp-root-XXXXXX`): a text report that names `--root`
/// wraps at 80 columns, so its layout must not depend on where the repository is
/// checked out.
pub fn fixed_length_root(from: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("pp-root-")
        .rand_bytes(6)
        .tempdir_in("/tmp")
        .expect("a directory in /tmp");
    if let Some(from) = from {
        copy_tree(from, dir.path());
    }
    dir
}
