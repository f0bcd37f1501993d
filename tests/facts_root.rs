//! `Root` confinement: every path stays inside the root, whatever the links say.
mod support;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use postfix_preupgrade::root::Root;

/// A fresh directory under the target dir, removed first if it exists.
fn scratch(name: &str) -> PathBuf {
    support::scratch("facts_root", name)
}

/// A root with /etc/postfix/main.cf and, beside it (outside the root), a secret file.
fn setup(name: &str) -> (PathBuf, Root) {
    let base = scratch(name);
    fs::write(base.join("secret"), "outside\n").unwrap();
    let r = base.join("root");
    fs::create_dir_all(r.join("etc/postfix")).unwrap();
    fs::write(r.join("etc/postfix/main.cf"), "inside\n").unwrap();
    fs::write(r.join("secret"), "root secret\n").unwrap();
    let root = Root::new(&r).unwrap();
    (r, root)
}

fn inside(root: &Root, p: &Path) -> bool {
    p.starts_with(root.dir())
}

#[test]
fn plain_paths_map_into_the_root() {
    let (r, root) = setup("plain");
    let host = root.resolve("/etc/postfix/main.cf").unwrap();
    assert_eq!(
        host,
        fs::canonicalize(&r).unwrap().join("etc/postfix/main.cf")
    );
    assert_eq!(root.read("/etc/postfix/main.cf").unwrap(), b"inside\n");
    assert!(root.exists("/etc/postfix/main.cf"));
    assert!(!root.exists("/etc/postfix/nope.cf"));
    assert!(!root.is_host());
    assert!(Root::new("/").unwrap().is_host());
    assert_eq!(
        root.system_path(&host).unwrap(),
        Path::new("/etc/postfix/main.cf")
    );
}

#[test]
fn dotdot_never_climbs_above_the_root() {
    let (_r, root) = setup("dotdot");
    let host = root.resolve("/../../../secret").unwrap();
    assert!(inside(&root, &host), "{}", host.display());
    assert_eq!(root.read("/../../secret").unwrap(), b"root secret\n");
    assert_eq!(
        root.read("/etc/../../../etc/postfix/main.cf").unwrap(),
        b"inside\n"
    );
}

#[test]
fn absolute_link_targets_are_rerooted() {
    let (r, root) = setup("absolute");
    let outside = fs::canonicalize(r.parent().unwrap().join("secret")).unwrap();
    // a link to the host's path of the outside file: re-rooted, so it is not found
    symlink(&outside, r.join("etc/postfix/evil.cf")).unwrap();
    let host = root.resolve("/etc/postfix/evil.cf").unwrap();
    assert!(inside(&root, &host), "{}", host.display());
    let e = root.read("/etc/postfix/evil.cf").unwrap_err().to_string();
    assert!(e.starts_with("/etc/postfix/evil.cf:"), "{e}");
    // a link to /secret reads the root's /secret, not the host's
    symlink("/secret", r.join("etc/postfix/abs.cf")).unwrap();
    assert_eq!(root.read("/etc/postfix/abs.cf").unwrap(), b"root secret\n");
    // a directory link to / stays at the root
    symlink("/", r.join("etc/postfix/top")).unwrap();
    assert_eq!(
        root.read("/etc/postfix/top/etc/postfix/main.cf").unwrap(),
        b"inside\n"
    );
}

#[test]
fn relative_links_cannot_escape() {
    let (r, root) = setup("relative");
    symlink("../../../../../../secret", r.join("etc/postfix/up.cf")).unwrap();
    let host = root.resolve("/etc/postfix/up.cf").unwrap();
    assert!(inside(&root, &host));
    assert_eq!(root.read("/etc/postfix/up.cf").unwrap(), b"root secret\n");
    // a chain of relative directory links that climbs through the top
    symlink("../..", r.join("etc/postfix/d1")).unwrap();
    symlink("d1/../../..", r.join("etc/postfix/d2")).unwrap();
    let host = root.resolve("/etc/postfix/d2/secret").unwrap();
    assert!(inside(&root, &host), "{}", host.display());
    assert_eq!(
        root.read("/etc/postfix/d2/secret").unwrap(),
        b"root secret\n"
    );
    // a relative link to a sibling
    symlink("main.cf", r.join("etc/postfix/alias.cf")).unwrap();
    assert_eq!(root.read("/etc/postfix/alias.cf").unwrap(), b"inside\n");
}

#[test]
fn link_loops_are_errors_naming_the_path() {
    let (r, root) = setup("loops");
    symlink("loop2", r.join("etc/postfix/loop1")).unwrap();
    symlink("/etc/postfix/loop1", r.join("etc/postfix/loop2")).unwrap();
    let e = root.resolve("/etc/postfix/loop1").unwrap_err().to_string();
    assert!(
        e.contains("/etc/postfix/loop1") && e.contains("symbolic links"),
        "{e}"
    );
    symlink("self", r.join("etc/postfix/self")).unwrap();
    let e = root
        .read("/etc/postfix/self/main.cf")
        .unwrap_err()
        .to_string();
    assert!(e.contains("/etc/postfix/self/main.cf"), "{e}");
    assert!(!root.exists("/etc/postfix/self"));
}

#[test]
fn missing_paths_and_bad_input() {
    let (_r, root) = setup("missing");
    let host = root.resolve("/no/such/../dir/file").unwrap();
    assert!(inside(&root, &host));
    assert!(host.ends_with("no/dir/file"), "{}", host.display());
    // a file used as a directory
    let host = root.resolve("/etc/postfix/main.cf/x").unwrap();
    assert!(inside(&root, &host));
    let e = root.read("/etc/postfix/main.cf/x").unwrap_err().to_string();
    assert!(e.starts_with("/etc/postfix/main.cf/x:"), "{e}");
    let e = root.resolve("etc/postfix").unwrap_err().to_string();
    assert!(e.contains("not an absolute path"), "{e}");
    let e = Root::new(scratch("missing-new").join("nope"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
}
