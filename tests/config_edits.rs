//! Edits on every corpus and stock config, checked two ways: only the lines of the edited
//! entry change, and the real `/usr/sbin/postconf` reads the result as intended.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use postfix_preupgrade::config::{MainCf, MasterCf, Reporter, Severity};

fn data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}

/// Accepted configs: (name, main.cf bytes, master.cf bytes).
fn configs() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(data().join("corpus"))
        .follow_links(true)
        .min_depth(1)
        .max_depth(1)
        .into_iter()
        .chain(
            walkdir::WalkDir::new(data().join("stock"))
                .follow_links(true)
                .min_depth(1),
        )
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_dir())
    {
        let d = e.path();
        let main = std::fs::read(d.join("main.cf")).unwrap_or_default();
        let master = std::fs::read(d.join("master.cf")).unwrap_or_default();
        if main.is_empty() && master.is_empty() {
            continue;
        }
        let fatal = |ds: Vec<postfix_preupgrade::config::Diagnostic>| {
            ds.iter()
                .any(|d| d.severity == Severity::Fatal && d.reporter == Reporter::Postconf)
        };
        if fatal(MainCf::parse(&main).diagnostics())
            || fatal(MasterCf::parse(&master).diagnostics())
        {
            continue;
        }
        out.push((d.display().to_string(), main, master));
    }
    out.sort();
    out
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// Run the real postconf on a scratch copy; returns stdout.
fn postconf(main: &[u8], master: &[u8], flag: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "pfx-config-edits-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // postconf sleeps about a second when a file changed within the last second:
    // date the scratch files back
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for (f, b) in [("main.cf", main), ("master.cf", master)] {
        std::fs::write(dir.join(f), b).unwrap();
        std::fs::File::options()
            .write(true)
            .open(dir.join(f))
            .and_then(|h| h.set_modified(past))
            .unwrap();
    }
    let out = Command::new("/usr/sbin/postconf")
        .arg("-c")
        .arg(&dir)
        .arg(flag)
        .output()
        .unwrap_or_else(|e| panic!("the real postconf is needed (apt-get install postfix): {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "postconf {flag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Only physical lines `first..=last` (1-based) of `old` may differ in `new`.
fn only_lines_changed(old: &[u8], new: &[u8], first: usize, last: usize) -> Result<(), String> {
    let o: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let n: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
    let head = first - 1;
    let tail = o.len() - last;
    let fix_last = |v: &[u8]| v.strip_suffix(b"\n").unwrap_or(v).to_vec();
    if n.len() < head + tail || o[..head] != n[..head] {
        return Err(format!("lines before {first} changed"));
    }
    for k in 1..=tail {
        let (a, b) = (o[o.len() - k], n[n.len() - k]);
        // appending to a file without a final newline adds one to its last line
        if a != b && !(k == tail && fix_last(a) == fix_last(b)) {
            return Err(format!("lines after {last} changed"));
        }
    }
    Ok(())
}

#[test]
fn main_cf_edits_touch_only_their_lines_and_postconf_agrees() {
    let mut checked = 0;
    for (name, main, master) in configs() {
        let m = MainCf::parse(&main);
        let Some(p) = m
            .effective()
            .into_iter()
            .max_by_key(|p| p.end_line - p.line)
        else {
            continue;
        };
        let (pname, line, end) = (p.name.clone(), p.line, p.end_line);
        let mut e = m.clone();
        e.set(&pname, "edited.example").unwrap();
        only_lines_changed(&main, &e.to_bytes(), line, end)
            .unwrap_or_else(|x| panic!("{name}: set {pname}: {x}"));
        let shown = postconf(&e.to_bytes(), &master, "-n");
        assert!(
            shown
                .lines()
                .any(|l| l == format!("{pname} = edited.example"))
                || !shown.contains(&format!("{pname} =")),
            "{name}: postconf does not see {pname} = edited.example:\n{shown}"
        );
        // comment_out and remove: one postconf run on both edits in turn
        let mut e = m.clone();
        e.comment_out(&pname).unwrap();
        assert!(e.get(&pname).is_none(), "{name}: comment_out {pname}");
        only_lines_changed(&main, &e.to_bytes(), line, end)
            .unwrap_or_else(|x| panic!("{name}: comment_out {pname}: {x}"));
        let shown = postconf(&e.to_bytes(), &master, "-n");
        assert!(
            !shown.lines().any(|l| l.starts_with(&format!("{pname} ="))),
            "{name}: comment_out {pname} left it:\n{shown}"
        );
        let mut e = m.clone();
        e.remove(&pname).unwrap();
        assert!(e.get(&pname).is_none(), "{name}: remove {pname}");
        let shown = postconf(&e.to_bytes(), &master, "-n");
        assert!(
            !shown.lines().any(|l| l.starts_with(&format!("{pname} ="))),
            "{name}: remove {pname} left it:\n{shown}"
        );
        let mut e = m.clone();
        e.set("zz_added_by_test", "1").unwrap();
        assert_eq!(e.value("zz_added_by_test"), Some("1"), "{name}");
        checked += 1;
    }
    println!("main.cf edits verified with postconf on {checked} configs");
    assert!(checked >= 30, "{checked}");
}

#[test]
fn master_cf_edits_touch_only_their_lines_and_postconf_agrees() {
    let mut checked = 0;
    for (name, main, master) in configs() {
        let m = MasterCf::parse(&master);
        if m.services().is_empty() {
            continue;
        }
        // one service with overrides (if any) and the first one
        let mut picks = vec![m.services()[0].clone()];
        if let Some(s) = m.services().iter().find(|s| !s.overrides.is_empty()) {
            picks.push(s.clone());
        }
        for s in picks {
            let id = s.id();
            if m.services().iter().filter(|x| x.id() == id).count() > 1 {
                continue;
            }
            let mut e = m.clone();
            e.set_override(&id, "syslog_name", "edited/x").unwrap();
            let new = e.to_bytes();
            // a new -o goes on the entry's lines or on one new line right after them
            let grown = new.iter().filter(|&&b| b == b'\n').count()
                - master.iter().filter(|&&b| b == b'\n').count();
            only_lines_changed(&master, &new, s.line, s.end_line + grown)
                .unwrap_or_else(|x| panic!("{name}: {id}: {x}"));
            let p = postconf(&main, &new, "-P");
            assert!(
                p.lines()
                    .any(|l| l == format!("{id}/syslog_name = edited/x")),
                "{name}: {id}:\n{p}"
            );
            assert!(e
                .diagnostics()
                .iter()
                .all(|d| d.severity != Severity::Fatal));
            if let Some(o) = s.overrides.first() {
                let mut e = m.clone();
                e.remove_override(&id, &o.name).unwrap();
                assert!(
                    e.get(&id).unwrap().override_value(&o.name).is_none(),
                    "{name}: {id} still has {}",
                    o.name
                );
                assert_eq!(e.services().len(), m.services().len());
                let p = postconf(&main, &e.to_bytes(), "-P");
                assert!(
                    !p.lines()
                        .any(|l| l.starts_with(&format!("{id}/{} =", o.name))),
                    "{name}: {id} still has {}:\n{p}",
                    o.name
                );
            }
            // the maxproc field, in place, the columns after it kept
            let mut e = m.clone();
            e.set_field(&id, 6, "77").unwrap();
            only_lines_changed(&master, &e.to_bytes(), s.line, s.end_line)
                .unwrap_or_else(|x| panic!("{name}: set_field {id}: {x}"));
            assert_eq!(e.get(&id).unwrap().maxproc, "77", "{name}: {id}");
            assert_eq!(e.get(&id).unwrap().command, s.command, "{name}: {id}");
            let f = postconf(&main, &e.to_bytes(), "-F");
            assert!(
                f.lines().any(|l| l == format!("{id}/process_limit = 77")),
                "{name}: {id}:\n{f}"
            );
            assert!(e.set_field(&id, 6, "two words").is_err());
            assert!(e.set_field(&id, 8, "x").is_err());
            let mut e = m.clone();
            e.rename_entry(&id, "renamed-by-test").unwrap();
            only_lines_changed(&master, &e.to_bytes(), s.line, s.line)
                .unwrap_or_else(|x| panic!("{name}: rename {id}: {x}"));
            let r = e
                .get(&format!("renamed-by-test/{}", s.kind))
                .expect("renamed entry");
            assert_eq!((r.args(), &r.command), (s.args(), &s.command), "{name}");
            let mm = postconf(&main, &e.to_bytes(), "-M");
            assert!(
                mm.lines().any(|l| l.starts_with("renamed-by-test ")),
                "{name}:\n{mm}"
            );
        }
        checked += 1;
    }
    println!("master.cf edits verified with postconf on {checked} configs");
    assert!(checked >= 30, "{checked}");
}

#[test]
fn smtps_becomes_submissions_in_stock_rhel9_master() {
    let p = data().join("stock/rhel-like/el9-3.5.9/master.cf");
    let text = std::fs::read_to_string(&p).unwrap();
    // enable the commented stanza like the admin in the story did
    let enabled = text
        .replace("#smtps     inet", "smtps     inet")
        .replace(
            "#  -o syslog_name=postfix/smtps",
            "  -o syslog_name=postfix/smtps",
        )
        .replace(
            "#  -o smtpd_tls_wrappermode=yes",
            "  -o smtpd_tls_wrappermode=yes",
        );
    let mut m = MasterCf::parse(enabled.as_bytes());
    assert!(
        m.get("smtps/inet").is_some(),
        "stock file changed: {}",
        Path::new(&p).display()
    );
    m.rename_entry("smtps/inet", "submissions").unwrap();
    m.set_override("submissions/inet", "syslog_name", "postfix/submissions")
        .unwrap();
    let s = m.get("submissions/inet").unwrap();
    assert_eq!(s.override_value("smtpd_tls_wrappermode"), Some("yes"));
    let out = String::from_utf8(m.to_bytes()).unwrap();
    assert!(out.contains("submissions inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/submissions\n"), "{out}");
}
