//! `facts::collect_with` on fixture roots without an rpm database: releases, assumptions
//! and instances.
mod support;
use std::fs;
use std::path::{Path, PathBuf};

use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::facts::{self, FileState, ReleaseOrigin, Tools};

fn scratch(name: &str) -> PathBuf {
    support::scratch("facts_collect", name)
}

fn opts(root: &Path) -> GlobalOpts {
    GlobalOpts {
        color: ColorWhen::Never,
        ..GlobalOpts::for_root(root.to_path_buf())
    }
}

#[test]
fn usr_lib_os_release_is_read_when_etc_has_none() {
    let root = scratch("usrlib");
    fs::create_dir_all(root.join("usr/lib")).unwrap();
    fs::write(
        root.join("usr/lib/os-release"),
        "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"9\"\n",
    )
    .unwrap();
    let f = facts::collect_with(&opts(&root), None, &Tools::default()).unwrap();
    assert_eq!((f.source.major, f.source.minor), (9, None));
    assert_eq!(f.source.id.as_deref(), Some("centos"));
    assert_eq!(f.source_origin, ReleaseOrigin::OsRelease);
    assert_eq!(f.target_origin, ReleaseOrigin::NextMajor);
    // no os-release at all: the error names the file
    let empty = scratch("none");
    let e = facts::collect_with(&opts(&empty), None, &Tools::default()).unwrap_err();
    assert!(e.to_string().contains("/etc/os-release"), "{e}");
}

#[test]
fn unknown_rhel8_minor_is_an_assumption() {
    let root = scratch("el8");
    let mut o = opts(&root);
    o.source = Some("rhel8".into());
    o.target = Some("9".into());
    let f = facts::collect_with(&o, None, &Tools::default()).unwrap();
    assert_eq!(f.upgrade_path.source_profile().id, "el8.4");
    assert!(
        f.assumptions
            .iter()
            .any(|a| a.contains("source minor release unknown")),
        "{:?}",
        f.assumptions
    );
    o.source = Some("8.10".into());
    let f = facts::collect_with(&o, None, &Tools::default()).unwrap();
    assert!(!f.assumptions.iter().any(|a| a.contains("minor")));
    // 9 has one profile: nothing to assume
    o.source = Some("9".into());
    o.target = Some("10".into());
    let f = facts::collect_with(&o, None, &Tools::default()).unwrap();
    assert!(!f.assumptions.iter().any(|a| a.contains("minor")));
}

#[test]
fn instances_and_their_leftovers() {
    let root = scratch("multi");
    for d in ["etc/postfix", "etc/postfix-out/dynamicmaps.cf.d"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(root.join("etc/postfix/main.cf"), "x\n").unwrap();
    fs::write(root.join("etc/postfix-out/main.cf.rpmsave"), "x\n").unwrap();
    fs::write(
        root.join("etc/postfix-out/dynamicmaps.cf.d/lmdb.rpmnew"),
        "x\n",
    )
    .unwrap();
    let mut o = opts(&root);
    o.source = Some("9.6".into());
    o.target = Some("10".into());
    let mut f = facts::collect_with(&o, None, &Tools::default()).unwrap();
    assert_eq!(f.instances.len(), 1);
    assert!(f.primary().primary && f.primary().name == "-");
    assert!(f.rpm_leftovers.is_empty());
    f.add_instance("postfix-out", PathBuf::from("/etc/postfix-out"))
        .unwrap();
    assert_eq!(f.instances.len(), 2);
    assert!(!f.instances[1].primary);
    assert_eq!(
        f.rpm_leftovers,
        [
            PathBuf::from("/etc/postfix-out/dynamicmaps.cf.d/lmdb.rpmnew"),
            PathBuf::from("/etc/postfix-out/main.cf.rpmsave"),
        ]
    );
    // no database: states are unknown, never guessed
    let st = f
        .config_file_state(Path::new("/etc/postfix-out/main.cf"))
        .unwrap();
    assert_eq!(st.state, FileState::Unknown);
    assert!(!f.replaced_on_upgrade(Path::new("/etc/postfix/main.cf")));
}

#[test]
fn config_dir_option_is_a_system_path() {
    let root = scratch("cdir");
    fs::create_dir_all(root.join("srv/pf")).unwrap();
    let mut o = opts(&root);
    o.source = Some("9".into());
    o.config_dir = Some(PathBuf::from("/srv/pf"));
    let f = facts::collect_with(&o, None, &Tools::default()).unwrap();
    assert_eq!(f.primary().config_directory, Path::new("/srv/pf"));
    o.config_dir = Some(PathBuf::from("srv/pf"));
    let e = facts::collect_with(&o, None, &Tools::default()).unwrap_err();
    assert!(e.to_string().contains("absolute"), "{e}");
}

#[test]
fn os_release_through_rhels_relative_link() {
    // RHEL: /etc/os-release -> ../usr/lib/os-release
    let root = scratch("oslink");
    fs::create_dir_all(root.join("usr/lib")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("usr/lib/os-release"),
        "ID=\"rhel\"\nVERSION_ID=\"8.10\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
    let f = facts::collect_with(&opts(&root), None, &Tools::default()).unwrap();
    assert_eq!((f.source.major, f.source.minor), (8, Some(10)));
    assert_eq!(f.target.major, 9);
}
