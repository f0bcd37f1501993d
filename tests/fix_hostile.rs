//! The hostile battery: `fix` and `undo` tried as an attacker (or an unlucky admin) would,
//! each defect of the trust issue as a test. Every run is bounded in time; inputs that
//! could hang or exhaust memory run under a deadline and an address-space limit.
mod fix_support;

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fix_support::*;

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Run the binary with a deadline and a 4 GiB address-space limit; a hang or a blow-up
/// fails the test instead of the machine.
fn run_bounded(args: &[&str], secs: u64) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 4194304; exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LEAPP_UPGRADE_PATH_TARGET_RELEASE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("sh runs");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!("{args:?} did not finish in {secs} s: {}", text(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Files whose name is one of our temporary names, anywhere under `dir`.
fn our_temps(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .contains(".postfix-preupgrade.")
        })
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// A root whose aliases are `hash:` with a built `.db`.
fn alias_root(aliases: &str) -> tempfile::TempDir {
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n",
        &[("etc/aliases", aliases)],
    );
    build_table("postalias", "hash", &tmp.path().join("etc/aliases"));
    tmp
}

#[test]
fn a_link_at_a_table_output_is_refused_and_the_file_it_names_is_untouched() {
    require_postfix_tools();
    for kind in ["symlink", "hardlink"] {
        let tmp = alias_root("postmaster: root\n");
        let root = tmp.path();
        // an existing lmdb table outside the root, with keys of its own
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x"), "outsider: me\n").unwrap();
        build_table("postalias", "lmdb", &outside.path().join("x"));
        let target = outside.path().join("x.lmdb");
        let before = std::fs::read(&target).unwrap();
        let out_path = root.join("etc/aliases.lmdb");
        if kind == "symlink" {
            symlink(&target, &out_path).unwrap();
        } else {
            std::fs::hard_link(&target, &out_path).unwrap();
        }
        let main_before = std::fs::read(root.join("etc/postfix/main.cf")).unwrap();
        let o = run_bounded(&["--root", &s(root), "fix", "-y"], 60);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(3), "{kind}: {out}");
        let why = if kind == "symlink" {
            "/etc/aliases.lmdb: refusing to write: it is a symbolic link"
        } else {
            "/etc/aliases.lmdb: refusing to write: it has 2 hard links"
        };
        assert!(out.contains(why), "{kind}: {out}");
        assert_eq!(
            std::fs::read(&target).unwrap(),
            before,
            "{kind}: outside file changed"
        );
        assert_eq!(
            lookup(
                "postalias",
                "outsider",
                &format!("lmdb:{}", s(&outside.path().join("x")))
            ),
            Some("me".into())
        );
        // the table was not switched, so main.cf still names hash: (an inhibitor stays)
        let main = std::fs::read_to_string(root.join("etc/postfix/main.cf")).unwrap();
        assert!(
            main.contains("alias_maps = hash:/etc/aliases\n"),
            "{kind}: {main}"
        );
        assert!(
            main.starts_with(std::str::from_utf8(&main_before).unwrap()),
            "{kind}"
        );
        assert!(
            out.contains("Still inhibiting the upgrade"),
            "{kind}: {out}"
        );
    }
}

#[test]
fn swapping_a_directory_for_a_symlink_while_fix_runs_never_writes_outside() {
    require_postfix_tools();
    let outside = tempfile::tempdir().unwrap();
    let bait = outside.path().join("postfix");
    let start = Instant::now();
    let mut runs = 0;
    // bounded: at most 25 runs or 45 seconds
    while runs < 25 && start.elapsed() < Duration::from_secs(45) {
        runs += 1;
        let tmp = alias_root("postmaster: root\n");
        let root = tmp.path().to_path_buf();
        std::fs::write(
            root.join("etc/postfix/main.cf"),
            "alias_maps = hash:/etc/aliases\nsmtpd_use_tls = yes\n",
        )
        .unwrap();
        // the bait: a copy of the config directory outside the root
        let _ = std::fs::remove_dir_all(&bait);
        std::fs::create_dir_all(&bait).unwrap();
        for f in ["main.cf", "master.cf"] {
            std::fs::copy(root.join("etc/postfix").join(f), bait.join(f)).unwrap();
        }
        let bait_before = snapshot(outside.path(), &[]);
        let mut child = Command::new(BIN)
            .args(["--root", &s(&root), "fix", "-y"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let dir = root.join("etc/postfix");
        let real = root.join("etc/postfix.real");
        // a relative link that climbs far above the root, and an absolute one
        let up = format!("../../../../../../../../..{}", s(&bait));
        let mut flip = 0u32;
        while child.try_wait().unwrap().is_none() {
            let link: &str = if flip.is_multiple_of(2) {
                &up
            } else {
                &s(&bait)
            };
            flip += 1;
            if std::fs::rename(&dir, &real).is_ok() {
                let _ = symlink(link, &dir);
                std::thread::sleep(Duration::from_micros(300));
                let _ = std::fs::remove_file(&dir);
                let _ = std::fs::rename(&real, &dir);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = std::fs::remove_file(&dir);
        let _ = std::fs::rename(&real, &dir);
        assert_eq!(
            snapshot(outside.path(), &[]),
            bait_before,
            "run {runs}: a file outside the root was written"
        );
        assert!(our_temps(outside.path()).is_empty(), "run {runs}");
    }
    eprintln!("{runs} runs raced");
}

#[test]
fn undo_refuses_to_destroy_a_later_edit_and_force_keeps_a_copy() {
    require_postfix_tools();
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    let r = s(root);
    let main = root.join("etc/postfix/main.cf");
    let original = std::fs::read(&main).unwrap();
    let o = run(&["--root", &r, "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // the admin edits main.cf after the fix
    let mut edited = std::fs::read(&main).unwrap();
    edited.extend_from_slice(b"relayhost = [smarthost.example.com]:587\n");
    std::fs::write(&main, &edited).unwrap();

    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(2), "{}", text(&u));
    assert!(text(&u).contains("/etc/postfix/main.cf"), "{}", text(&u));
    assert!(text(&u).contains("Nothing was changed"), "{}", text(&u));
    assert_eq!(
        std::fs::read(&main).unwrap(),
        edited,
        "undo destroyed the edit"
    );
    assert!(root.join("etc/aliases.lmdb").is_file());

    // --force restores, after saving the edited version in the undo's own backup
    let f = run(&["--root", &r, "undo", "--force"]);
    assert_eq!(f.status.code(), Some(0), "{}", text(&f));
    assert_eq!(std::fs::read(&main).unwrap(), original);
    assert!(!root.join("etc/aliases.lmdb").exists());
    let undo_id = text(&f)
        .lines()
        .find_map(|l| l.split("undo recorded as ").nth(1))
        .map(|x| x.trim_end_matches(").").to_string())
        .expect("undo id printed");
    // and undoing the undo brings the edit back
    let b = run(&["--root", &r, "undo", &undo_id]);
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    assert_eq!(std::fs::read(&main).unwrap(), edited);
}

/// Clears the immutable flag even when the test fails, so the temporary root can go.
struct Mutable(PathBuf);
impl Drop for Mutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn an_immutable_second_file_rolls_back_the_first_and_the_tables() {
    require_postfix_tools();
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    let dir = root.join("etc/postfix");
    std::fs::write(
        dir.join("main.cf"),
        "alias_maps = hash:/etc/aliases\nsmtpd_use_tls = yes\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n\
         submission inet n       -       n       -       -       smtpd\n  -o smtpd_enforce_tls=yes\n",
    )
    .unwrap();
    let r = s(root);
    let dry = run(&["--root", &r, "fix", "--dry-run"]);
    let plan = text(&dry);
    assert!(plan.contains("+++ /etc/postfix/main.cf"), "{plan}");
    assert!(plan.contains("+++ /etc/postfix/master.cf"), "{plan}");
    assert!(plan.contains("smtpd_tls_security_level=encrypt"), "{plan}");
    let before = snapshot(root, &["var"]);
    let st = Command::new("chattr")
        .arg("+i")
        .arg(dir.join("master.cf"))
        .status()
        .expect("chattr (e2fsprogs) is installed");
    assert!(st.success(), "chattr +i");
    let _guard = Mutable(dir.join("master.cf"));
    let o = run_bounded(&["--root", &r, "fix", "-y"], 60);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("every file was put back as it was"), "{out}");
    assert!(
        out.contains("(backup 20"),
        "the message gives the backup id: {out}"
    );
    assert!(out.contains("Applied: nothing."), "{out}");
    assert_eq!(snapshot(root, &["var"]), before, "half a fix was left");
    assert!(our_temps(root)
        .iter()
        .all(|p| p.starts_with(root.join("var"))));
    // undo has nothing to reverse: the transaction was rolled back
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(2), "{}", text(&u));
    assert_eq!(snapshot(root, &["var"]), before);
}

#[test]
fn a_secret_table_keeps_the_owner_mode_and_label_of_its_db() {
    require_postfix_tools();
    let tmp = small_root(
        b"smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n",
        &[(
            "etc/postfix/sasl_passwd",
            "[smtp.example.com]:587 user:s3cret\n",
        )],
    );
    let root = tmp.path();
    let src = root.join("etc/postfix/sasl_passwd");
    build_table("postmap", "hash", &src);
    let db = root.join("etc/postfix/sasl_passwd.db");
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&db, Some(89), Some(12)).unwrap();
    let label = b"system_u:object_r:postfix_etc_t:s0\0";
    let f = std::fs::File::open(&db).unwrap();
    rustix::fs::fsetxattr(
        &f,
        "security.selinux",
        label,
        rustix::fs::XattrFlags::empty(),
    )
    .expect("security.selinux can be set here");
    let o = run(&["--root", &s(root), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("s3cret"), "a secret reached the output");
    let lmdb = root.join("etc/postfix/sasl_passwd.lmdb");
    let m = std::fs::metadata(&lmdb).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600, "mode of the .db, the stricter one");
    assert_eq!((m.uid(), m.gid()), (89, 12), "owner of the .db");
    let f = std::fs::File::open(&lmdb).unwrap();
    let mut buf = [0u8; 64];
    let n = rustix::fs::fgetxattr(&f, "security.selinux", &mut buf).unwrap();
    assert_eq!(&buf[..n], label);
    assert_eq!(
        lookup(
            "postmap",
            "[smtp.example.com]:587",
            &format!("lmdb:{}", s(&src))
        ),
        Some("user:s3cret".into())
    );
}

#[test]
fn a_source_edited_after_postmap_is_not_switched_without_review() {
    require_postfix_tools();
    let tmp = alias_root("postmaster: root\nroot: alice\n");
    let root = tmp.path();
    // edited after the last postalias: the .db Postfix uses still says alice
    std::fs::write(root.join("etc/aliases"), "postmaster: root\nroot: bob\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(root.join("etc/aliases.db"))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let r = s(root);
    // the finding says so (fix then compares the contents before it switches)
    let c = run(&["--root", &r, "check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "berkeley-db-map" && f["location"]["line"] == 1)
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert!(
        f["remediation"]["hint"]
            .as_str()
            .unwrap()
            .contains("/etc/aliases changed after its .db was last built"),
        "{f:#}"
    );
    let main_before = std::fs::read(root.join("etc/postfix/main.cf")).unwrap();
    let o = run(&["--root", &r, "fix", "-y"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(
        out.contains("the text source /etc/aliases differs from /etc/aliases.db"),
        "{out}"
    );
    assert!(out.contains("1 key(s) differ: root"), "{out}");
    assert!(
        !out.contains("bob") && !out.contains("alice"),
        "values shown: {out}"
    );
    let main = std::fs::read_to_string(root.join("etc/postfix/main.cf")).unwrap();
    assert!(main.contains("alias_maps = hash:/etc/aliases\n"), "{main}");
    assert!(main.starts_with(std::str::from_utf8(&main_before).unwrap()));
    assert!(!root.join("etc/aliases.lmdb").exists());
    // with --unsafe the admin takes the text as it is
    let u = run(&["--root", &r, "fix", "-y", "--unsafe"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert!(
        text(&u).contains("built from the text (--unsafe)"),
        "{}",
        text(&u)
    );
    assert_eq!(
        lookup(
            "postalias",
            "root",
            &format!("lmdb:{}", s(&root.join("etc/aliases")))
        ),
        Some("bob".into())
    );
}

#[test]
fn a_symlinked_source_gets_its_table_where_postfix_reads_it() {
    require_postfix_tools();
    let tmp = small_root(
        b"alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n",
        &[("etc/mail/aliases", "postmaster: root\n")],
    );
    let root = tmp.path();
    symlink("/etc/mail/aliases", root.join("etc/aliases")).unwrap();
    // what the running host has: postalias wrote aliases.db next to the name it was given
    std::fs::copy(root.join("etc/mail/aliases"), root.join("tmp-aliases")).unwrap();
    build_table("postalias", "hash", &root.join("tmp-aliases"));
    std::fs::rename(root.join("tmp-aliases.db"), root.join("etc/aliases.db")).unwrap();
    std::fs::remove_file(root.join("tmp-aliases")).unwrap();
    let r = s(root);
    let o = run(&["--root", &r, "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(root.join("etc/aliases.lmdb").is_file());
    assert!(!root.join("etc/mail/aliases.lmdb").exists());
    assert_eq!(
        lookup(
            "postalias",
            "postmaster",
            &format!("lmdb:{}", s(&root.join("etc/aliases")))
        ),
        Some("root".into())
    );
    let u = run(&["--root", &r, "undo"]);
    assert_eq!(u.status.code(), Some(0), "{}", text(&u));
    assert!(!root.join("etc/aliases.lmdb").exists());
}

/// Absolute paths a traced run touched (from `strace -f -e trace=%file,%desc`-style logs).
fn traced_paths(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        // readlink's second string is what it read, not a path it touched
        let only_first = line.contains("readlink");
        let mut rest = line;
        while let Some(i) = rest.find("\"/") {
            let tail = &rest[i + 1..];
            let Some(j) = tail.find('"') else { break };
            out.push(tail[..j].to_string());
            if only_first {
                break;
            }
            rest = &tail[j + 1..];
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn no_host_file_is_read_or_written_under_root() {
    require_postfix_tools();
    let strace = tool("strace");
    // a host file a hostile root names as a table's configuration file
    let host = tempfile::tempdir().unwrap();
    let secret = host.path().join("db.cf");
    std::fs::write(&secret, "password = HOSTSECRET\n").unwrap();
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    std::fs::write(
        root.join("etc/postfix/main.cf"),
        format!(
            "alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n\
             virtual_alias_maps = mysql:{}\nmyorigin = /etc/mailname\nsetgid_group = nosuchgroup\n\
             smtpd_use_tls = yes\n",
            s(&secret)
        ),
    )
    .unwrap();
    let log = host.path().join("trace");
    for args in [&["check"][..], &["fix", "-y"], &["undo"]] {
        let mut cmd = Command::new(&strace);
        cmd.args(["-f", "-qq", "-s", "4096", "-e", "trace=%file", "-o"])
            .arg(&log)
            .arg(BIN)
            .args(["--root", &s(root)])
            .args(args)
            .env("NO_COLOR", "1")
            // cargo's library path for the test harness is not the program's
            .env_remove("LD_LIBRARY_PATH")
            .stdin(Stdio::null());
        let o = cmd.output().unwrap();
        let out = text(&o);
        assert!(
            !out.contains("HOSTSECRET"),
            "{args:?}: a host file was disclosed: {out}"
        );
        let trace = std::fs::read_to_string(&log).unwrap();
        let canon_root = std::fs::canonicalize(root).unwrap();
        let tmp_dir = std::env::temp_dir();
        let path_dirs: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap()).collect();
        let mut bad = Vec::new();
        for p in traced_paths(&trace) {
            let path = Path::new(&p);
            // looking a host program up on the PATH (the host's Postfix tools may run)
            let program_lookup = path
                .parent()
                .is_some_and(|d| path_dirs.iter().any(|x| x == d))
                && ["postconf", "postmap", "postalias", "postfix", "rpm"]
                    .iter()
                    .any(|t| path.file_name().is_some_and(|n| n == *t));
            let allowed = path.starts_with(&canon_root)
                || path.starts_with(root)
                // the root's own ancestors, when --root is made canonical
                || canon_root.starts_with(path)
                || program_lookup
                // our scratch directory, and the programs and libraries that run
                || p.starts_with(&format!("{}/postfix-preupgrade.", tmp_dir.display()))
                // the Berkeley DB library's look for a temporary directory
                || p == "/var/tmp"
                || p == "/tmp"
                || ["/usr/", "/lib", "/proc", "/sys", "/dev"]
                    .iter()
                    .any(|a| p.starts_with(a))
                || p.starts_with("/etc/ld.so")
                || p == BIN
                // the host Postfix's own plugin registry (its meta_directory)
                || p.starts_with("/etc/postfix/dynamicmaps.cf")
                || p.starts_with("/etc/postfix/postfix-files")
                // the name service, for the host tools' own mail_owner / setgid_group
                || ["/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/localtime"]
                    .contains(&p.as_str())
                || p == "/";
            if !allowed || (path.starts_with(host.path()) && path != log) {
                bad.push(p);
            }
        }
        assert!(
            bad.is_empty(),
            "{args:?} touched host paths {bad:?}\n{trace}"
        );
    }
}

/// The manifest of the only backup under `root`.
fn manifest(root: &Path) -> (PathBuf, serde_json::Value) {
    let base = root.join("var/lib/postfix-preupgrade/backups");
    let dir = std::fs::read_dir(&base)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let m = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    (dir, m)
}

#[test]
fn a_tampered_manifest_is_refused_before_anything_changes() {
    require_postfix_tools();
    let fixed = alias_root("postmaster: root\n");
    let o = run(&["--root", &s(fixed.path()), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    type Tamper = fn(&Path, &mut serde_json::Value);
    let cases: &[(&str, Tamper, &str)] = &[
        (
            "stored ..",
            |_, m| m["entries"][1]["old"]["stored"] = "files/../../../../../etc/shadow".into(),
            "not files/N",
        ),
        (
            "stored absolute",
            |_, m| m["entries"][1]["old"]["stored"] = "/etc/shadow".into(),
            "not files/N",
        ),
        (
            "files/ is a symlink",
            |d, _| {
                std::fs::rename(d.join("files"), d.join("files.real")).unwrap();
                symlink("/etc", d.join("files")).unwrap();
            },
            "files: a symbolic link, not a directory",
        ),
        (
            "copy is a FIFO",
            |d, _| {
                std::fs::remove_file(d.join("files/1")).unwrap();
                rustix::fs::mknodat(
                    rustix::fs::CWD,
                    d.join("files/1"),
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::from_raw_mode(0o600),
                    0,
                )
                .unwrap();
            },
            "a FIFO of 0 bytes",
        ),
        (
            "copy links to /dev/zero",
            |d, _| {
                std::fs::remove_file(d.join("files/1")).unwrap();
                symlink("/dev/zero", d.join("files/1")).unwrap();
            },
            "a symbolic link",
        ),
        (
            "set-uid mode",
            |_, m| m["entries"][1]["old"]["mode"] = 0o4755.into(),
            "set-id",
        ),
        (
            "capability xattr",
            |_, m| {
                m["entries"][1]["old"]["xattrs"] =
                    serde_json::json!([["security.capability", "01000002"]])
            },
            "security.capability",
        ),
        (
            "path with ..",
            |_, m| m["entries"][1]["path"] = "/etc/postfix/../../etc/passwd".into(),
            "not a plain absolute path",
        ),
        (
            "size differs",
            |_, m| m["entries"][1]["old"]["size"] = 5.into(),
            "the manifest says a regular file of 5",
        ),
    ];
    for (name, tamper, want) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        copy_tree(fixed.path(), root);
        let (dir, mut m) = manifest(root);
        // entries[1] is main.cf (the table comes first)
        assert_eq!(m["entries"][1]["path"], "/etc/postfix/main.cf", "{m}");
        tamper(&dir, &mut m);
        std::fs::write(dir.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
        let before = snapshot(root, &["var"]);
        let u = run_bounded(&["--root", &s(root), "undo"], 20);
        assert_eq!(u.status.code(), Some(2), "{name}: {}", text(&u));
        assert!(text(&u).contains(want), "{name}: {}", text(&u));
        assert_eq!(
            snapshot(root, &["var"]),
            before,
            "{name}: undo changed files"
        );
    }
}

#[test]
fn special_files_as_inputs_fail_cleanly_without_hanging() {
    require_postfix_tools();
    let fifo = |p: &Path| {
        let _ = std::fs::remove_file(p);
        rustix::fs::mknodat(
            rustix::fs::CWD,
            p,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
    };
    let zero = |p: &Path| {
        let _ = std::fs::remove_file(p);
        rustix::fs::mknodat(
            rustix::fs::CWD,
            p,
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::from_raw_mode(0o644),
            rustix::fs::makedev(1, 5),
        )
        .expect("mknod /dev/zero (tests run as root)");
    };
    type Make = fn(&Path);
    let fatal: &[(&str, &str, &str)] = &[
        (
            "etc/postfix/main.cf",
            "fifo",
            "/etc/postfix/main.cf: a FIFO, not a regular file",
        ),
        (
            "etc/postfix/master.cf",
            "fifo",
            "/etc/postfix/master.cf: a FIFO, not a regular file",
        ),
        (
            "etc/os-release",
            "fifo",
            "/etc/os-release: a FIFO, not a regular file",
        ),
        (
            "etc/postfix/main.cf",
            "zero",
            "/etc/postfix/main.cf: a character device, not a regular file",
        ),
    ];
    for (file, kind, want) in fatal {
        let tmp = alias_root("postmaster: root\n");
        let root = tmp.path();
        let make: Make = if *kind == "fifo" { fifo } else { zero };
        make(&root.join(file));
        for cmd in [&["check"][..], &["fix", "--dry-run"], &["fix", "-y"]] {
            let rs = s(root);
            let mut args = vec!["--root", rs.as_str()];
            args.extend_from_slice(cmd);
            let o = run_bounded(&args, 30);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{file} {kind} {cmd:?}: {}",
                text(&o)
            );
            assert!(
                text(&o).contains(want),
                "{file} {kind} {cmd:?}: {}",
                text(&o)
            );
        }
    }
    // optional inputs: the run goes on, and says what it could not read
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    std::fs::write(
        root.join("etc/postfix/main.cf"),
        "alias_maps = hash:/etc/aliases\nsmtpd_tls_cert_file = /etc/pki/cert.pem\n\
         smtpd_tls_key_file = /etc/pki/cert.pem\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("etc/pki")).unwrap();
    std::fs::write(
        root.join("etc/postfix/master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n\
         mysubmit  inet  n       -       n       -       -       smtpd\n",
    )
    .unwrap();
    fifo(&root.join("etc/pki/cert.pem"));
    fifo(&root.join("etc/services"));
    fifo(&root.join("etc/hostname"));
    // an unreadable /etc/services is said to be unreadable, not missing a name
    let rs = s(root);
    let o = run_bounded(&["--root", &rs, "check"], 30);
    assert!(
        text(&o).contains("/etc/services under the root could not be read"),
        "{}",
        text(&o)
    );
    for cmd in [&["check"][..], &["fix", "-y"]] {
        let rs = s(root);
        let mut args = vec!["--root", rs.as_str()];
        args.extend_from_slice(cmd);
        let o = run_bounded(&args, 30);
        assert!(
            matches!(o.status.code(), Some(0) | Some(1) | Some(3)),
            "{cmd:?}: {}",
            text(&o)
        );
    }
}

#[test]
fn foreign_temporary_files_are_never_removed() {
    require_postfix_tools();
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    let foreign = root.join("etc/postfix/.main.cf.AbC123.tmp");
    std::fs::write(&foreign, "the admin's\n").unwrap();
    let o = run(&["--root", &s(root), "fix", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(&foreign).unwrap(), b"the admin's\n");
    assert!(our_temps(&root.join("etc")).is_empty());
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    require_postfix_tools();
    let tmp = small_root(
        b"smtpd_banner = \x1b]0;pwned\x07 $myhostname\x1b[2J\nalias_maps = hash:/etc/aliases\n",
        &[("etc/aliases", "postmaster: root\n")],
    );
    build_table("postalias", "hash", &tmp.path().join("etc/aliases"));
    let o = run(&["--root", &s(tmp.path()), "fix", "--dry-run"]);
    let out = text(&o);
    assert!(out.contains("smtpd_banner = \\x1b]0;pwned\\x07"), "{out}");
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
}

#[test]
fn check_leaves_the_image_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rhel9-mailhost"),
        root,
    );
    let before = snapshot(root, &[]);
    let o = run(&["--root", &s(root), "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("3.5.9"),
        "the rpm database was read: {}",
        text(&o)
    );
    assert_eq!(snapshot(root, &[]), before, "check wrote into the image");
}

#[test]
fn a_plan_gone_stale_at_the_prompt_changes_nothing() {
    require_postfix_tools();
    let tmp = alias_root("postmaster: root\n");
    let root = tmp.path();
    // answer the prompt only after main.cf changed under the waiting fix
    let (out, code) = fix_on_terminal(
        root,
        "y",
        Some((
            &root.join("etc/postfix/main.cf"),
            "relayhost = [edited.example.com]\n",
        )),
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("changed since the plan was made; nothing was changed"),
        "{out}"
    );
    assert!(!root.join("etc/aliases.lmdb").exists(), "a table was built");
    assert!(
        std::fs::read_dir(root.join("var/lib/postfix-preupgrade/backups"))
            .map(|d| d.count() == 0)
            .unwrap_or(true),
        "a backup was written"
    );
}
