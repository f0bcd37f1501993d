//! Installed Postfix from a real rpm database: fake postfix packages are built with the
//! `rpm` crate, installed into a scratch root by the real `rpm`, and read back.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::facts::{self, rpmdb, FileState, PostfixVersion, Tools, VersionSource};
use postfix_preupgrade::root::Root;

const MAIN_CF: &str = "# stock main.cf of the fake package\nqueue_directory = /var/spool/postfix\nalias_maps = hash:/etc/aliases\n";
const MASTER_CF: &str = "smtp      inet  n       -       n       -       -       smtpd\n";

mod support;
use support::{rpm_install, tool, PkgFile};

fn scratch(name: &str) -> PathBuf {
    support::scratch("facts_rpmdb", name)
}

fn build(dir: &Path, name: &str, version: &str, files: &[(&str, &str, bool)]) -> PathBuf {
    let files: Vec<PkgFile> = files
        .iter()
        .map(|(path, contents, config)| PkgFile {
            path,
            contents: contents.as_bytes(),
            config: *config,
        })
        .collect();
    support::build_rpm(dir, name, version, "1.el9", &files)
}

/// A RHEL 9 root with postfix, postfix-lmdb and two unrelated packages installed by the
/// real rpm into an sqlite database.
fn rhel9_root(name: &str) -> PathBuf {
    let base = scratch(name);
    let pkgs = base.join("pkgs");
    fs::create_dir_all(&pkgs).unwrap();
    let root = base.join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/os-release"),
        "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.6\"\n",
    )
    .unwrap();
    let rpms = [
        build(
            &pkgs,
            "postfix",
            "3.5.9",
            &[
                ("/etc/postfix/main.cf", MAIN_CF, true),
                ("/etc/postfix/master.cf", MASTER_CF, true),
                ("/usr/libexec/postfix/README", "not config\n", false),
            ],
        ),
        build(
            &pkgs,
            "postfix-lmdb",
            "3.5.9",
            &[("/usr/lib64/postfix/postfix-lmdb.so", "fake plugin\n", false)],
        ),
        build(
            &pkgs,
            "postfixadmin",
            "3.3.13",
            &[("/usr/share/postfixadmin/x", "x\n", false)],
        ),
        build(
            &pkgs,
            "bash",
            "5.1.8",
            &[("/usr/bin/fakebash", "x\n", false)],
        ),
    ];
    rpm_install(&root, &rpms);
    assert!(root.join("var/lib/rpm/rpmdb.sqlite").is_file());
    root
}

fn opts(root: &Path) -> GlobalOpts {
    GlobalOpts {
        color: ColorWhen::Never,
        ..GlobalOpts::for_root(root.to_path_buf())
    }
}

fn tools() -> Tools {
    Tools {
        rpm: Some(tool("rpm")),
        postconf: Some(tool("postconf")),
    }
}

fn names(pkgs: &[rpmdb::Package]) -> Vec<&str> {
    pkgs.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn reads_the_sqlite_database_rpm_wrote() {
    let root = rhel9_root("sqlite");
    // the admin changed master.cf; main.cf is as packaged; leftovers from an earlier update
    fs::write(root.join("etc/postfix/master.cf"), "# local change\n").unwrap();
    fs::write(root.join("etc/postfix/main.cf.rpmnew"), MAIN_CF).unwrap();
    fs::write(root.join("etc/postfix/master.cf.rpmsave"), MASTER_CF).unwrap();

    let f = facts::collect_with(&opts(&root), None, &tools()).unwrap();
    assert_eq!(f.source.major, 9);
    assert_eq!(f.target.major, 10);
    assert_eq!(f.postfix.version, PostfixVersion::new(3, 5, 9));
    assert_eq!(f.postfix.version_source, VersionSource::RpmdbSqlite);
    assert_eq!(names(f.postfix.packages()), ["postfix", "postfix-lmdb"]);
    let pf = &f.postfix.packages()[0];
    assert_eq!(
        (pf.version.as_str(), pf.release.as_str(), pf.arch.as_str()),
        ("3.5.9", "1.el9", "x86_64")
    );
    assert_eq!(pf.nevra(), "postfix-3.5.9-1.el9.x86_64");
    assert_eq!(f.postfix.has_package("postfix-lmdb"), Some(true));
    assert_eq!(f.postfix.has_package("postfix-pcre"), Some(false));

    let files = f.postfix.postfix_files();
    let main = files
        .iter()
        .find(|x| x.path == Path::new("/etc/postfix/main.cf"))
        .unwrap();
    assert!(main.config && main.noreplace && !main.ghost);
    assert_eq!(main.digest_algo, "sha256");
    let readme = files
        .iter()
        .find(|x| x.path == Path::new("/usr/libexec/postfix/README"))
        .unwrap();
    assert!(!readme.config && !readme.noreplace);

    let state = |p: &str| f.config_file_state(Path::new(p)).unwrap().state;
    assert_eq!(state("/etc/postfix/main.cf"), FileState::Unmodified);
    assert_eq!(state("/etc/postfix/master.cf"), FileState::Modified);
    assert!(f.replaced_on_upgrade(Path::new("/etc/postfix/main.cf")));
    assert!(!f.replaced_on_upgrade(Path::new("/etc/postfix/master.cf")));
    assert_eq!(
        f.rpm_leftovers,
        [
            PathBuf::from("/etc/postfix/main.cf.rpmnew"),
            PathBuf::from("/etc/postfix/master.cf.rpmsave")
        ]
    );
    // the version is known, so the only assumption is the default target
    assert_eq!(f.assumptions.len(), 1, "{:?}", f.assumptions);
    assert!(f.assumptions[0].contains("next major"));

    // a file the package does not own, and one it owns that was deleted
    let r = Root::new(&root).unwrap();
    fs::write(root.join("etc/postfix/extra.cf"), "x\n").unwrap();
    let st = rpmdb::verify_file(&r, &f.postfix, Path::new("/etc/postfix/extra.cf"));
    assert_eq!(st.state, FileState::NotOwned);
    fs::remove_file(root.join("etc/postfix/main.cf")).unwrap();
    let st = rpmdb::verify_file(&r, &f.postfix, Path::new("/etc/postfix/main.cf"));
    assert_eq!(st.state, FileState::Missing);

    // JSON of the facts carries what checks and the report need
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["postfix"]["version"], "3.5.9");
    assert_eq!(json["postfix"]["version_source"], "rpmdb-sqlite");
    assert_eq!(json["upgrade_path"]["steps"][0]["to"]["id"], "el10");
}

#[test]
fn rpm_query_agrees_with_the_sqlite_reader() {
    let root = rhel9_root("query");
    let r = Root::new(&root).unwrap();
    let direct = rpmdb::read_sqlite(&r, Path::new("/var/lib/rpm")).unwrap();
    let queried = rpmdb::query_rpm(&r, Path::new("/var/lib/rpm"), &tool("rpm")).unwrap();
    assert_eq!(queried.source, VersionSource::RpmQuery);
    assert_eq!(direct.packages, queried.packages);
    let mut a = direct.postfix_files.clone();
    let mut b = queried.postfix_files.clone();
    a.sort_by(|x, y| x.path.cmp(&y.path));
    b.sort_by(|x, y| x.path.cmp(&y.path));
    assert_eq!(a, b);
    assert!(a
        .iter()
        .any(|f| f.path == Path::new("/etc/postfix/master.cf") && f.noreplace));
}

#[test]
fn berkeley_db_database_goes_through_rpm_then_falls_back() {
    // A RHEL 8 layout: /var/lib/rpm/Packages (not a database rpm can open here).
    let root = scratch("bdb").join("root");
    fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    fs::create_dir_all(root.join("etc/postfix")).unwrap();
    fs::write(root.join("var/lib/rpm/Packages"), b"not a berkeley db").unwrap();
    fs::write(
        root.join("etc/os-release"),
        "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n",
    )
    .unwrap();
    let f = facts::collect_with(&opts(&root), None, &tools()).unwrap();
    assert_eq!(f.source.major, 8);
    assert_eq!(f.postfix.version_source, VersionSource::Profile);
    assert_eq!(f.postfix.version, PostfixVersion::new(3, 5, 8));
    assert!(f.postfix.rpmdb.is_none());
    let all = f.assumptions.join("\n");
    assert!(
        all.contains("Berkeley DB") && all.contains("/var/lib/rpm/Packages"),
        "{all}"
    );
    assert!(all.contains("assumed to be 3.5.8"), "{all}");
    // no rpm on the PATH: the same, said differently
    let f = facts::collect_with(&opts(&root), None, &Tools::default()).unwrap();
    assert!(f.assumptions.join("\n").contains("rpm is not on the PATH"));
    assert_eq!(
        f.config_file_state(Path::new("/etc/postfix/main.cf"))
            .unwrap()
            .state,
        FileState::Unknown
    );
}

#[test]
fn never_runs_host_postfix_for_another_root_and_override_wins() {
    let root = scratch("nodb").join("root");
    fs::create_dir_all(&root).unwrap();
    let mut o = opts(&root);
    o.source = Some("el9".into());
    o.target = Some("10".into());
    let f = facts::collect_with(&o, None, &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::Profile);
    assert_eq!(f.postfix.version, PostfixVersion::new(3, 5, 9));
    assert!(f.assumptions.iter().any(|a| a.contains("no rpm database")));

    o.postfix_version = Some("3.5.25".into());
    let f = facts::collect_with(&o, None, &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::Override);
    assert_eq!(f.postfix.version, PostfixVersion::new(3, 5, 25));

    // the installed sqlite database loses to --postfix-version too
    let root = rhel9_root("override");
    let mut o = opts(&root);
    o.postfix_version = Some("3.5.10".into());
    let f = facts::collect_with(&o, None, &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::Override);
    assert_eq!(f.postfix.version.to_string(), "3.5.10");
    assert_eq!(names(f.postfix.packages()), ["postfix", "postfix-lmdb"]);
}

#[test]
fn host_root_asks_postconf() {
    let pc = tool("postconf");
    let out = Command::new(&pc)
        .args(["-d", "mail_version"])
        .output()
        .unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    let expected = PostfixVersion::parse(expected.split('=').nth(1).unwrap()).unwrap();
    let mut assumptions = Vec::new();
    let tools = Tools {
        rpm: None,
        postconf: Some(pc),
    };
    // the host's rpm database (if any) has no postfix: postconf answers
    let got = rpmdb::detect(
        &Root::host().unwrap(),
        None,
        PostfixVersion::new(3, 5, 9),
        &tools,
        &mut assumptions,
    );
    assert_eq!(got.version_source, VersionSource::Postconf);
    assert_eq!(got.version, expected);
}

#[test]
fn target_from_option_environment_or_next_major() {
    let root = rhel9_root("target");
    let f = facts::collect_with(&opts(&root), Some("10.0"), &tools()).unwrap();
    assert_eq!((f.target.major, f.target.minor), (10, Some(0)));
    assert_eq!(f.target_origin, facts::ReleaseOrigin::Environment);
    assert!(f.assumptions.is_empty(), "{:?}", f.assumptions);
    let mut o = opts(&root);
    o.target = Some("rhel10".into());
    let f = facts::collect_with(&o, Some("garbage"), &tools()).unwrap();
    assert_eq!(f.target_origin, facts::ReleaseOrigin::Option);
    let e = facts::collect_with(&opts(&root), Some("garbage"), &tools()).unwrap_err();
    assert!(
        e.to_string().contains("LEAPP_UPGRADE_PATH_TARGET_RELEASE"),
        "{e}"
    );
    o.target = Some("9".into());
    let e = facts::collect_with(&o, None, &tools()).unwrap_err();
    assert!(e.to_string().contains("not a later major"), "{e}");
}

#[test]
fn corrupt_sqlite_database_is_reported_not_fatal() {
    let root = scratch("corrupt").join("root");
    fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    fs::write(
        root.join("var/lib/rpm/rpmdb.sqlite"),
        b"garbage, not sqlite",
    )
    .unwrap();
    let mut o = opts(&root);
    o.source = Some("9.6".into());
    let f = facts::collect_with(&o, None, &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::Profile);
    let all = f.assumptions.join("\n");
    assert!(all.contains("/var/lib/rpm/rpmdb.sqlite"), "{all}");
}

#[test]
fn database_behind_an_absolute_symlink_is_read_inside_the_root() {
    // Fedora-style layout: /var/lib/rpm -> /usr/lib/sysimage/rpm (absolute link)
    let root = rhel9_root("symlinked");
    fs::create_dir_all(root.join("usr/lib/sysimage")).unwrap();
    fs::rename(root.join("var/lib/rpm"), root.join("usr/lib/sysimage/rpm")).unwrap();
    std::os::unix::fs::symlink("/usr/lib/sysimage/rpm", root.join("var/lib/rpm")).unwrap();
    let f = facts::collect_with(&opts(&root), Some("10"), &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::RpmdbSqlite);
    assert_eq!(names(f.postfix.packages()), ["postfix", "postfix-lmdb"]);
    // rpm is pointed at the resolved directory, inside the root
    let r = Root::new(&root).unwrap();
    let q = rpmdb::query_rpm(&r, Path::new("/var/lib/rpm"), &tool("rpm")).unwrap();
    assert_eq!(q.db_path, Path::new("/usr/lib/sysimage/rpm"));
    assert_eq!(names(&q.packages), ["postfix", "postfix-lmdb"]);
}

#[test]
fn database_without_the_name_index_is_scanned_whole() {
    let root = rhel9_root("noindex");
    let db = root.join("var/lib/rpm/rpmdb.sqlite");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE Name").unwrap();
    drop(conn);
    let r = Root::new(&root).unwrap();
    let got = rpmdb::read_sqlite(&r, Path::new("/var/lib/rpm")).unwrap();
    assert_eq!(names(&got.packages), ["postfix", "postfix-lmdb"]);
    assert!(got
        .postfix_files
        .iter()
        .any(|f| f.path == Path::new("/etc/postfix/main.cf")));
}

#[test]
fn a_corrupt_header_is_skipped_and_said() {
    let root = rhel9_root("badheader");
    let conn = rusqlite::Connection::open(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    // truncate postfix-lmdb's header blob
    conn.execute_batch(
        "UPDATE Packages SET blob = substr(blob, 1, 40) WHERE hnum = \
         (SELECT hnum FROM Name WHERE key = 'postfix-lmdb')",
    )
    .unwrap();
    drop(conn);
    let f = facts::collect_with(&opts(&root), Some("10"), &tools()).unwrap();
    assert_eq!(f.postfix.version_source, VersionSource::RpmdbSqlite);
    assert_eq!(names(f.postfix.packages()), ["postfix"]);
    let all = f.assumptions.join("\n");
    assert!(
        all.contains("1 package header(s) could not be read"),
        "{all}"
    );
}
