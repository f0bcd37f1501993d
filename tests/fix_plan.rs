//! Planning through the library on real facts: every corpus config (real-world main.cf
//! and master.cf) planned for a RHEL 9 → 10 upgrade reaches a fixed point and the real
//! postconf reports nothing new on the result; lmdb support missing changes nothing and
//! names `dnf install postfix-lmdb`; a path whose target keeps Berkeley DB plans no
//! lmdb switch.
mod fix_support;

use std::path::Path;

use fix_support::*;
use postfix_preupgrade::cli::{ColorWhen, GlobalOpts};
use postfix_preupgrade::facts::{collect_with, Facts, Tools};
use postfix_preupgrade::fix::{self, PlanOptions, Support};
use postfix_preupgrade::policy::Selection;

fn opts(root: &Path, target: Option<&str>) -> GlobalOpts {
    GlobalOpts {
        target: target.map(str::to_string),
        color: ColorWhen::Never,
        ..GlobalOpts::for_root(root.to_path_buf())
    }
}

fn facts(root: &Path, target: Option<&str>) -> Facts {
    let tools = Tools {
        rpm: None,
        postconf: None,
    };
    collect_with(&opts(root, target), None, &tools).unwrap()
}

fn all(support: Support) -> PlanOptions {
    PlanOptions {
        selection: Selection::all(),
        unsafe_fixes: false,
        support,
    }
}

/// Only the planner of `id`.
fn only(id: &str) -> PlanOptions {
    PlanOptions {
        selection: Selection::new(&[id.to_string()], &[], &fix::known_ids()).unwrap(),
        unsafe_fixes: false,
        support: Support::default(),
    }
}

fn root_with(main: &[u8], master: &[u8], release: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    os_release(tmp.path(), release);
    let d = tmp.path().join("etc/postfix");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("main.cf"), main).unwrap();
    std::fs::write(d.join("master.cf"), master).unwrap();
    tmp
}

#[test]
fn corpus_plans_reach_a_fixed_point_postconf_accepts() {
    require_postfix_tools();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/corpus");
    let mut n = 0;
    let mut changed = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("main.cf").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let main = std::fs::read(dir.join("main.cf")).unwrap();
        let master = std::fs::read(dir.join("master.cf")).unwrap_or_default();
        let tmp = root_with(&main, &master, "9.4");
        let f = facts(tmp.path(), Some("10"));
        let plan = fix::plan(&f, &all(Support::default()));
        n += 1;
        if plan.changes.is_empty() {
            continue;
        }
        changed += 1;
        // the real postconf finds nothing new in the planned files
        let scratch = tempfile::tempdir().unwrap();
        fix::validate::validate(&f, &plan, Path::new("postconf"), scratch.path())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        // re-planned on the planned bytes: nothing more to change
        for c in &plan.changes {
            let host = tmp.path().join(c.path.strip_prefix("/").unwrap());
            std::fs::write(host, &c.new).unwrap();
        }
        let again = fix::plan(&facts(tmp.path(), Some("10")), &all(Support::default()));
        assert!(
            again.changes.is_empty(),
            "{}: not at a fixed point:\n{}",
            dir.display(),
            fix::render_plan(&again)
        );
    }
    assert!(n >= 20, "corpus too small: {n}");
    assert!(changed >= 5, "only {changed} corpus configs needed a fix");
}

#[test]
fn without_lmdb_support_nothing_switches() {
    let tmp = root_with(
        b"alias_maps = hash:/etc/aliases\ndefault_database_type = hash\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    std::fs::write(tmp.path().join("etc/aliases"), "a: b\n").unwrap();
    let f = facts(tmp.path(), Some("10"));
    let plan = fix::plan(
        &f,
        &all(Support {
            lmdb_missing: Some("the postfix-lmdb package is not installed".into()),
            failed_tables: Vec::new(),
        }),
    );
    assert!(plan
        .changes
        .iter()
        .all(|c| !String::from_utf8_lossy(&c.new).contains("lmdb")));
    assert!(plan.rebuilds.is_empty());
    let left: Vec<_> = plan
        .left
        .iter()
        .filter(|l| l.check == "berkeley-db-map")
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    for l in left {
        assert!(l.reason.contains("postfix-lmdb package is not installed"));
        assert_eq!(l.commands, vec![vec!["dnf", "install", "postfix-lmdb"]]);
    }
}

#[test]
fn target_with_berkeley_db_plans_no_switch() {
    let tmp = root_with(
        b"alias_maps = hash:/etc/aliases\n",
        b"smtp inet n - n - - smtpd\n",
        "8.10",
    );
    std::fs::write(tmp.path().join("etc/aliases"), "a: b\n").unwrap();
    let f = facts(tmp.path(), Some("9"));
    let plan = fix::plan(&f, &all(Support::default()));
    assert!(plan.rebuilds.is_empty());
    assert!(plan.fixes.iter().all(|x| x.check != "berkeley-db-map"));
}

#[test]
fn review_fix_needs_unsafe() {
    let tmp = root_with(
        b"smtpd_recipient_restrictions = check_relay_domains\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    let f = facts(tmp.path(), Some("10"));
    let plan = fix::plan(&f, &all(Support::default()));
    assert!(plan
        .changes
        .iter()
        .all(|c| !String::from_utf8_lossy(&c.new).contains("reject_unauth_destination")));
    let l = plan
        .left
        .iter()
        .find(|l| l.check == "removed-restriction")
        .unwrap();
    assert!(
        l.reason.starts_with("needs review (fix --unsafe"),
        "{}",
        l.reason
    );
    let mut o = all(Support::default());
    o.unsafe_fixes = true;
    let plan = fix::plan(&f, &o);
    let fixd = plan
        .fixes
        .iter()
        .find(|x| x.check == "removed-restriction")
        .unwrap();
    assert_eq!(
        fixd.applicability,
        postfix_preupgrade::finding::Applicability::Review
    );
    assert!(fixd.note.as_deref().unwrap().contains("relay_domains"));
}

#[test]
fn validation_rejects_what_postconf_newly_complains_about() {
    require_postfix_tools();
    let tmp = root_with(
        b"myhostname = mail.example.com\n",
        b"smtp      inet  n       -       n       -       -       smtpd\n",
        "9.4",
    );
    let f = facts(tmp.path(), Some("10"));
    let change = |main: &[u8], master: &[u8]| fix::Plan {
        changes: vec![
            fix::FileChange {
                instance: "-".into(),
                path: "/etc/postfix/main.cf".into(),
                old: b"myhostname = mail.example.com\n".to_vec(),
                new: main.to_vec(),
            },
            fix::FileChange {
                instance: "-".into(),
                path: "/etc/postfix/master.cf".into(),
                old: b"smtp      inet  n       -       n       -       -       smtpd\n".to_vec(),
                new: master.to_vec(),
            },
        ],
        ..Default::default()
    };
    let pc = Path::new("postconf");
    let scratch = tempfile::tempdir().unwrap();
    let sc = scratch.path();
    // an edit postconf accepts silently
    let ok = change(
        b"myhostname = mail.example.com\ndefault_database_type = lmdb\n",
        b"smtp      inet  n       -       n       -       -       smtpd\n",
    );
    fix::validate::validate(&f, &ok, pc, sc).unwrap();
    // a new warning (unused parameter), named as on the inspected system
    let warn = change(
        b"myhostname = mail.example.com\nno_such_parameter_here = 1\n",
        b"smtp      inet  n       -       n       -       -       smtpd\n",
    );
    let e = fix::validate::validate(&f, &warn, pc, sc).unwrap_err();
    assert!(
        e.contains("unused parameter: no_such_parameter_here=1"),
        "{e}"
    );
    assert!(e.contains("/etc/postfix/main.cf"), "{e}");
    // a file postconf refuses
    let fatal = change(
        b"myhostname = mail.example.com\n",
        b"smtp      inet  n       -       n       -       -\n",
    );
    let e = fix::validate::validate(&f, &fatal, pc, sc).unwrap_err();
    assert!(e.contains("postconf fails") || e.contains("fatal"), "{e}");
}

#[test]
fn compatibility_level_review_fix_only_raises_the_level() {
    // a chroot "-" entry that is not valid UTF-8 cannot be pinned to y
    let tmp = root_with(
        b"myhostname = mail.example.com\n",
        b"smtp      inet  n       -       -       -       -       smtpd -o smtpd_banner=caf\xe9\n",
        "8.10",
    );
    let f = facts(tmp.path(), Some("9"));
    let mut o = all(Support::default());
    o.selection = Selection::new(&["compatibility-level".into()], &[], &fix::known_ids()).unwrap();
    let plan = fix::plan(&f, &o);
    assert!(plan.changes.is_empty(), "{}", fix::render_plan(&plan));
    let l = &plan.left[0];
    assert!(
        l.reason
            .starts_with("needs review (fix --unsafe only raises the level to 2)"),
        "{}",
        l.reason
    );
    o.unsafe_fixes = true;
    let plan = fix::plan(&f, &o);
    assert_eq!(plan.changes.len(), 1, "{}", fix::render_plan(&plan));
    assert_eq!(
        plan.changes[0].new,
        b"myhostname = mail.example.com\ncompatibility_level = 2\n".to_vec()
    );
    assert_eq!(
        plan.fixes[0].applicability,
        postfix_preupgrade::finding::Applicability::Review
    );
    // with the entry valid, the safe fix pins instead
    let tmp = root_with(
        b"myhostname = mail.example.com\n",
        b"smtp      inet  n       -       -       -       -       smtpd\n",
        "8.10",
    );
    let plan = fix::plan(&facts(tmp.path(), Some("9")), &o);
    assert_eq!(
        plan.fixes[0].applicability,
        postfix_preupgrade::finding::Applicability::Safe
    );
    assert_eq!(
        String::from_utf8_lossy(&plan.changes[1].new),
        "smtp      inet  n       -       y       -       -       smtpd\n"
    );
}

#[test]
fn rename_with_both_names_set_is_left_with_the_reason() {
    let tmp = root_with(
        b"virtual_maps = regexp:/etc/postfix/a\nvirtual_alias_maps = regexp:/etc/postfix/b\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    let plan = fix::plan(
        &facts(tmp.path(), Some("10")),
        &only("deprecated-parameter"),
    );
    assert!(plan.changes.is_empty(), "{}", fix::render_plan(&plan));
    let l = plan
        .left
        .iter()
        .find(|l| l.check == "deprecated-parameter")
        .unwrap();
    assert!(l.reason.contains("virtual_alias_maps is set too"), "{l:?}");
}

#[test]
fn postlog_for_an_unwrapped_instance_waits_for_a_postfix_with_postlogd() {
    // RHEL 7 (Postfix 2.10) to 8: the primary instance is repaired by the RPM's %post;
    // the second one is not, and 2.10's master cannot run a unix-dgram service yet
    let tmp = root_with(
        b"multi_instance_directories = /etc/postfix-b\n",
        b"smtp      inet  n       -       n       -       -       smtpd\n",
        "7.9",
    );
    let b = tmp.path().join("etc/postfix-b");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("main.cf"), "multi_instance_name = postfix-b\n").unwrap();
    std::fs::write(
        b.join("master.cf"),
        "smtp      inet  n       -       n       -       -       smtpd\n",
    )
    .unwrap();
    let plan = fix::plan(
        &facts(tmp.path(), Some("8")),
        &only("master-internal-services"),
    );
    let later: Vec<_> = plan
        .later
        .iter()
        .filter(|f| f.check == "master-internal-services")
        .collect();
    assert!(
        later
            .iter()
            .any(|f| f.summary.contains("postlog/unix-dgram")
                && f.file.as_deref() == Some(Path::new("/etc/postfix-b/master.cf"))),
        "{}",
        fix::render_plan(&plan)
    );
    assert!(later.iter().all(|f| f.instance != "-"));
    // entries 2.10 has (tlsmgr, anvil, ...) are added now, in the file's columns
    let c = plan
        .changes
        .iter()
        .find(|c| c.path == Path::new("/etc/postfix-b/master.cf"))
        .unwrap();
    let new = String::from_utf8_lossy(&c.new);
    assert!(new.contains("\nanvil     unix  -       -       n       -       1       anvil\n"));
    assert!(!new.contains("postlog"));
    assert!(plan
        .changes
        .iter()
        .all(|c| c.path != Path::new("/etc/postfix/master.cf")
            || !String::from_utf8_lossy(&c.new).contains("anvil")));
}

#[test]
fn nis_member_needs_unsafe() {
    let tmp = root_with(
        b"alias_maps = hash:/etc/aliases, nis:mail.aliases\n",
        b"smtp inet n - n - - smtpd\n",
        "8.10",
    );
    let f = facts(tmp.path(), Some("9"));
    let plan = fix::plan(&f, &only("nis-map"));
    assert!(plan.changes.is_empty());
    let l = plan.left.iter().find(|l| l.check == "nis-map").unwrap();
    assert!(l.reason.contains("no /etc/yp.conf"), "{}", l.reason);
    let mut o = only("nis-map");
    o.unsafe_fixes = true;
    let plan = fix::plan(&f, &o);
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].new, b"alias_maps = hash:/etc/aliases\n");
}

/// The main.cf the plan writes, as text.
fn planned_main(plan: &fix::Plan) -> String {
    plan.changes
        .iter()
        .find(|c| c.path.ends_with("main.cf"))
        .map(|c| String::from_utf8_lossy(&c.new).into_owned())
        .unwrap_or_default()
}

/// Issue 10 item 1: a table reached through alias_maps' built-in default (no alias_maps
/// line) is switched by pinning alias_maps (and alias_database) to lmdb and building
/// /etc/aliases with postalias; the plan of the planned config is empty.
#[test]
fn alias_maps_reached_through_its_default_is_pinned_and_built_with_postalias() {
    let tmp = root_with(
        b"default_database_type = lmdb\nlocal_recipient_maps = unix:passwd.byname $alias_maps\n\
          proxy_read_maps = $local_recipient_maps $mydestination\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    std::fs::write(tmp.path().join("etc/aliases"), "postmaster: root\n").unwrap();
    let plan = fix::plan(&facts(tmp.path(), Some("10")), &only("berkeley-db-map"));
    let main = planned_main(&plan);
    assert!(
        main.contains("\nalias_maps = lmdb:/etc/aliases\n"),
        "{main}"
    );
    assert!(
        main.contains("\nalias_database = lmdb:/etc/aliases\n"),
        "{main}"
    );
    let tools: Vec<_> = plan.rebuilds.iter().map(|r| r.argv()).collect();
    assert_eq!(
        tools,
        [["postalias", "-c", "/etc/postfix", "lmdb:/etc/aliases"]],
        "{}",
        fix::render_plan(&plan)
    );
    for c in &plan.changes {
        let host = tmp.path().join(c.path.strip_prefix("/").unwrap());
        std::fs::write(host, &c.new).unwrap();
    }
    let again = fix::plan(&facts(tmp.path(), Some("10")), &only("berkeley-db-map"));
    assert!(again.is_empty(), "{}", fix::render_plan(&again));
}

/// Issue 10 item 2: a table that is an alias table through `$name` (virtual_alias_maps
/// would be postmap, but here alias_maps names the same file through $mine) is built
/// only with postalias, never postmap.
#[test]
fn alias_table_through_a_name_is_built_only_with_postalias() {
    let tmp = root_with(
        b"default_database_type = lmdb\nmine = hash:/etc/postfix/aliases\n\
          alias_maps = $mine\nalias_database = $mine\nlocal_recipient_maps = $alias_maps\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    std::fs::write(tmp.path().join("etc/postfix/aliases"), "postmaster: root\n").unwrap();
    let plan = fix::plan(&facts(tmp.path(), Some("10")), &only("berkeley-db-map"));
    let argv: Vec<_> = plan.rebuilds.iter().map(|r| r.argv()).collect();
    assert_eq!(
        argv,
        [[
            "postalias",
            "-c",
            "/etc/postfix",
            "lmdb:/etc/postfix/aliases"
        ]]
    );
    assert!(planned_main(&plan).contains("mine = lmdb:/etc/postfix/aliases"));
}

/// Issue 10 item 6: the default-database-type fix does what its advice says: explicit
/// lmdb alias_maps/alias_database and the alias table built, not only
/// default_database_type.
#[test]
fn default_database_type_fix_also_pins_and_builds_the_alias_tables() {
    let tmp = root_with(
        b"myhostname = mail.example.com\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    std::fs::write(tmp.path().join("etc/aliases"), "postmaster: root\n").unwrap();
    let plan = fix::plan(&facts(tmp.path(), Some("10")), &only("berkeley-db-map"));
    let main = planned_main(&plan);
    for line in [
        "default_database_type = lmdb",
        "alias_maps = lmdb:/etc/aliases",
        "alias_database = lmdb:/etc/aliases",
    ] {
        assert!(main.lines().any(|l| l == line), "no {line:?} in:\n{main}");
    }
    let argv: Vec<_> = plan.rebuilds.iter().map(|r| r.argv()).collect();
    assert_eq!(
        argv,
        [["postalias", "-c", "/etc/postfix", "lmdb:/etc/aliases"]]
    );

    // untyped alias_database: rebuilt with postalias as the new default type
    let tmp = root_with(
        b"alias_database = /etc/aliases\nalias_maps = hash:/etc/aliases\n",
        b"smtp inet n - n - - smtpd\n",
        "9.4",
    );
    std::fs::write(tmp.path().join("etc/aliases"), "postmaster: root\n").unwrap();
    let plan = fix::plan(&facts(tmp.path(), Some("10")), &only("berkeley-db-map"));
    assert!(plan
        .rebuilds
        .iter()
        .all(|r| r.tool == fix::plan::Tool::Postalias && r.map_type == "lmdb"));
    assert!(!plan.rebuilds.is_empty(), "{}", fix::render_plan(&plan));
}

/// Issue 10: `-o fallback_relay=` (the empty guard against MX loops in old Debian
/// master.cf files) is renamed to `smtp_fallback_relay=`, the name upstream gave it,
/// not deleted because its value equals what it inherits.
#[test]
fn empty_fallback_relay_override_is_renamed_not_deleted() {
    let master = b"smtp inet n - n - - smtpd\n\
        # When relaying mail as backup MX, disable fallback_relay to avoid MX loops\n\
        relay unix - - n - - smtp\n    -o fallback_relay=\n";
    let tmp = root_with(b"myhostname = mail.example.com\n", master, "9.4");
    let plan = fix::plan(
        &facts(tmp.path(), Some("10")),
        &only("deprecated-parameter"),
    );
    let new = plan
        .changes
        .iter()
        .find(|c| c.path.ends_with("master.cf"))
        .map(|c| String::from_utf8_lossy(&c.new).into_owned())
        .unwrap_or_else(|| panic!("master.cf unchanged:\n{}", fix::render_plan(&plan)));
    assert!(
        new.ends_with("relay unix - - n - - smtp\n    -o smtp_fallback_relay=\n"),
        "{new}"
    );
}

/// The unknown-parameter planner judges names on the draft (user-defined names that are
/// referenced, service-defined names of a transport, `-o` names) and, with --unsafe,
/// comments out or removes only the unknown ones, every other byte as it was.
#[test]
fn unknown_parameters_are_judged_on_the_draft_and_only_they_change() {
    let main = concat!(
        "# relay\n",
        "cust_rbl = reject_rbl_client zen.example\n",
        "out1_destination_concurrency_limit = 2\n",
        "frobnicate_limit = 5\n",
        "myhostname = mail.example.com\n",
    );
    let master = concat!(
        "smtp inet n - n - - smtpd\n",
        "  -o smtpd_client_restrictions=$cust_rbl\n",
        "  -o frobnicate_level=2\n",
        "out1 unix - - n - - smtp\n",
        "  -o smtp_bind_address=192.0.2.1\n",
    );
    let tmp = root_with(main.as_bytes(), master.as_bytes(), "9.4");
    let f = facts(tmp.path(), Some("10"));

    let plan = fix::plan(&f, &only("unknown-parameter"));
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    let mut left: Vec<&str> = plan.left.iter().map(|l| l.what.as_str()).collect();
    left.sort();
    assert_eq!(
        left,
        [
            "frobnicate_limit = 5",
            "master.cf smtp/inet -o frobnicate_level=2"
        ]
    );

    let mut o = only("unknown-parameter");
    o.unsafe_fixes = true;
    let plan = fix::plan(&f, &o);
    assert!(plan.left.is_empty(), "{:?}", plan.left);
    assert_eq!(plan.changes.len(), 2, "{:?}", plan.changes);
    for c in &plan.changes {
        let (old, new) = (
            String::from_utf8(c.old.clone()).unwrap(),
            String::from_utf8(c.new.clone()).unwrap(),
        );
        let gone: Vec<&str> = old
            .lines()
            .filter(|l| !new.lines().any(|n| n == *l))
            .collect();
        if c.path.ends_with("main.cf") {
            assert_eq!(gone, ["frobnicate_limit = 5"]);
            assert!(new.contains("cust_rbl = reject_rbl_client zen.example\n"));
            assert!(new.contains("out1_destination_concurrency_limit = 2\n"));
            assert!(
                new.starts_with("# relay\n") && new.ends_with("myhostname = mail.example.com\n")
            );
        } else {
            assert_eq!(gone, ["  -o frobnicate_level=2"]);
            assert_eq!(new, master.replace("  -o frobnicate_level=2\n", ""));
        }
    }
}
