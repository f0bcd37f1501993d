//! The real-world acceptance test of issue 10: every entry of `../shared/data/corpus`
//! (read from there, never copied) becomes a RHEL 9 root as a running host would have it
//! (os-release, its main.cf/master.cf, `/etc/aliases`, and for every `hash:`/`btree:`
//! table it names a text source and a `.db` built by the real Debian postmap/postalias),
//! then the binary runs `check`, `fix -y`, a second `fix -y` and `undo`, and the real
//! postconf/postmap/postalias verify:
//!
//! * accepted: a config postconf accepted before is accepted after, with no new warning;
//! * bdb-free: no `hash:`/`btree:` left in `postconf -nx`, `-Px`, `-Mx`;
//! * lookups: every table switched to lmdb answers its probe key with the right tool
//!   (postalias for alias tables, postmap for the rest);
//! * exit: `fix` exits 0 only when a following `check` has no inhibitor, else 3;
//! * idempotent: a second `fix -y` changes no file;
//! * undo: `undo` restores every file byte for byte (the built tables go too).
//!
//! All entries run in a loop in this one test (a handful of processes each); the counts
//! per criterion are printed (`cargo test --test fix_corpus -- --nocapture`), and the test
//! fails naming each entry and criterion that does not hold.
mod fix_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use fix_support::*;

/// The probe every non-alias text source answers.
const PROBE: (&str, &str) = ("corpus-probe.example", "OK");
/// The probe every alias source answers.
const ALIAS_PROBE: (&str, &str) = ("postmaster", "root");

const CRITERIA: &[&str] = &[
    "accepted",
    "bdb-free",
    "lookups",
    "exit",
    "idempotent",
    "undo",
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/corpus")
}

/// `type:/path` references of the given map types in one line of postconf output, with
/// the parameter (the last `/`-separated part of the name before ` = `).
fn refs_in(line: &str, types: &[&str]) -> Vec<(String, String, String)> {
    let Some((name, value)) = line.split_once(" = ") else {
        return Vec::new();
    };
    let param = name.rsplit('/').next().unwrap_or(name).trim().to_string();
    let b = value.as_bytes();
    let mut out = Vec::new();
    for ty in types {
        let pat = format!("{ty}:");
        let mut from = 0;
        while let Some(i) = value[from..].find(&pat) {
            let at = from + i;
            from = at + pat.len();
            if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_') {
                continue; // texthash:, a longer type name
            }
            let rest = &value[at + pat.len()..];
            let end = rest
                .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
                .unwrap_or(rest.len());
            out.push((param.clone(), ty.to_string(), rest[..end].to_string()));
        }
    }
    out
}

/// A system path from postconf's expanded output (`$config_directory` expands to the
/// root's real directory).
fn system_path(root: &Path, p: &str) -> String {
    let r = root.display().to_string();
    p.strip_prefix(&r).unwrap_or(p).to_string()
}

fn host(root: &Path, system: &str) -> PathBuf {
    root.join(system.trim_start_matches('/'))
}

/// Every line of `postconf -nx`, `-Px` and `-Mx` (with its success).
fn expanded(dir: &Path) -> (Vec<String>, bool, String) {
    let mut lines = Vec::new();
    let mut ok = true;
    let mut err = String::new();
    for args in [&["-nx"][..], &["-Px"], &["-Mx"]] {
        let (o, e, s) = postconf(dir, args);
        ok &= s;
        err.push_str(&e);
        lines.extend(o.lines().map(str::to_string));
    }
    (lines, ok, err)
}

/// Warnings of `postconf -n` with postconf's success, each reduced to what it is about:
/// - without its line number (a line added above moves an old warning, it is not new);
/// - "overriding earlier entry: NAME=..." without the value: postconf reads main.cf
///   again when it evaluates some settings and then names the other duplicate's value,
///   about the same duplicate definition the file had before;
/// - "open \"mysql\" configuration ...: No such file" dropped: whether the client file
///   exists depends on the machine, not the config (the corpus README says so).
fn warnings(dir: &Path) -> (BTreeSet<String>, bool) {
    let (_, e, ok) = postconf(dir, &["-n"]);
    let reduce = |l: &str| -> Option<String> {
        if l.contains(" configuration \"") && l.ends_with("No such file or directory") {
            return None;
        }
        let mut l = match l.find(", line ") {
            Some(i) => {
                let rest = &l[i + 7..];
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                format!("{}{}", &l[..i], &rest[digits..])
            }
            None => l.to_string(),
        };
        if let Some(i) = l.find("overriding earlier entry: ") {
            if let Some(eq) = l[i..].find('=') {
                l.truncate(i + eq);
            }
        }
        Some(l)
    };
    (e.lines().filter_map(reduce).collect(), ok)
}

fn lookup(tool: &str, key: &str, file: &Path) -> String {
    let o = Command::new(tool)
        .arg("-q")
        .arg(key)
        .arg(format!("lmdb:{}", file.display()))
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs: {e}"));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn build(tool: &str, ty: &str, source: &Path) {
    let o = Command::new(tool)
        .arg(format!("{ty}:{}", source.display()))
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs: {e}"));
    assert!(
        o.status.success(),
        "{tool} {ty}:{}: {}",
        source.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The root of one entry: os-release, its files (an empty stand-in for a missing one,
/// as the corpus oracle did), /etc/aliases and a text source + `.db` for every table.
/// Returns the tables made: system path → alias table or not.
fn make_root(entry: &Path, root: &Path) -> BTreeMap<String, bool> {
    os_release(root, "9.4");
    let dir = root.join("etc/postfix");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["main.cf", "master.cf"] {
        let bytes = std::fs::read(entry.join(f)).unwrap_or_default();
        std::fs::write(dir.join(f), bytes).unwrap();
    }
    // every RHEL host has /etc/aliases and its .db (newaliases runs at install)
    let mut tables: BTreeMap<String, (bool, String)> = BTreeMap::new();
    tables.insert("/etc/aliases".into(), (true, "hash".into()));
    let (lines, _, _) = expanded(&dir);
    let refs: Vec<(String, String, String)> = lines
        .iter()
        .flat_map(|l| refs_in(l, &["hash", "btree"]))
        .collect();
    let aliases: BTreeSet<String> = refs
        .iter()
        .filter(|(p, _, _)| p == "alias_maps" || p == "alias_database")
        .map(|(_, _, n)| system_path(root, n))
        .collect();
    for (param, ty, name) in &refs {
        let name = system_path(root, name);
        if postfix_preupgrade::config::CACHE_PARAMETERS.contains(&param.as_str())
            || !name.starts_with('/')
            || name.contains('$')
        {
            continue;
        }
        let alias = aliases.contains(&name);
        tables.entry(name).or_insert((alias, ty.clone()));
    }
    let mut made = BTreeMap::new();
    for (name, (alias, ty)) in tables {
        let src = host(root, &name);
        if let Some(p) = src.parent() {
            std::fs::create_dir_all(p).unwrap();
        }
        let (text, tool) = if alias {
            (
                format!("{}: {}\n", ALIAS_PROBE.0, ALIAS_PROBE.1),
                "postalias",
            )
        } else {
            (format!("{} {}\n", PROBE.0, PROBE.1), "postmap")
        };
        if src.is_dir() {
            continue; // a directory named like a table: nothing a host could build
        }
        std::fs::write(&src, text).unwrap();
        build(tool, &ty, &src);
        made.insert(name, alias);
    }
    made
}

/// Inhibitors of a `check --format json` run on the root, with its exit code.
fn inhibitors(r: &str) -> (usize, Option<i32>, Vec<String>) {
    let o = run(&["--root", r, "--target", "10", "check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("check --format json on {r}: {e}\n{}", text(&o)));
    let ids = v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["inhibitor"] == true)
                .map(|f| {
                    format!(
                        "{} at {}:{}",
                        f["id"].as_str().unwrap_or(""),
                        f["location"]["file"].as_str().unwrap_or(""),
                        f["location"]["line"]
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (
        v["summary"]["inhibitors"].as_u64().unwrap_or(0) as usize,
        o.status.code(),
        ids,
    )
}

fn has_bdb(line: &str) -> bool {
    !refs_in(line, &["hash", "btree"]).is_empty()
}

#[test]
fn corpus_check_fix_fix_undo_verified_by_postfix() {
    require_postfix_tools();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap_or_else(|e| panic!("{}: {e}", corpus().display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("main.cf").is_file() || p.join("master.cf").is_file())
        .collect();
    entries.sort();
    assert!(entries.len() >= 25, "corpus too small: {}", entries.len());
    // FIX_CORPUS_ONLY=substring runs only the matching entries (when looking into one)
    if let Ok(only) = std::env::var("FIX_CORPUS_ONLY") {
        entries.retain(|e| e.to_string_lossy().contains(&only));
    }

    let mut pass: BTreeMap<&str, usize> = CRITERIA.iter().map(|c| (*c, 0)).collect();
    let mut applicable: BTreeMap<&str, usize> = CRITERIA.iter().map(|c| (*c, 0)).collect();
    let mut failures: Vec<String> = Vec::new();
    let mut switched_tables = 0;
    for entry in &entries {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        let mut tmp = tempfile::tempdir().unwrap();
        // FIX_CORPUS_KEEP=1 keeps the roots to look at
        tmp.disable_cleanup(std::env::var_os("FIX_CORPUS_KEEP").is_some());
        let root = tmp.path();
        let r = root.display().to_string();
        let dir = root.join("etc/postfix");
        let tables = make_root(entry, root);
        let mut verdict = |c: &'static str, ok: bool, why: String| {
            *applicable.get_mut(c).unwrap() += 1;
            if ok {
                *pass.get_mut(c).unwrap() += 1;
            } else {
                failures.push(format!("{name}: {c}: {why}"));
            }
        };

        let (warn_before, accepted_before) = warnings(&dir);
        let lmdb_before: BTreeSet<String> = expanded(&dir)
            .0
            .iter()
            .flat_map(|l| refs_in(l, &["lmdb"]))
            .map(|(_, _, n)| system_path(root, &n))
            .collect();
        let (inh_before, check_rc, _) = inhibitors(&r);
        assert!(
            matches!(check_rc, Some(0) | Some(1)),
            "{name}: check exited {check_rc:?}"
        );
        assert_eq!(
            check_rc == Some(1),
            inh_before > 0,
            "{name}: check exit code"
        );
        let before = snapshot(root, &["var"]);

        let fix = run(&["--root", &r, "--target", "10", "fix", "-y"]);
        let fix_out = text(&fix);
        assert!(
            matches!(fix.status.code(), Some(0) | Some(3)),
            "{name}: fix exited {:?}:\n{fix_out}",
            fix.status.code()
        );

        // accepted, with no new warning
        if accepted_before {
            let (warn_after, ok) = warnings(&dir);
            let new: Vec<&String> = warn_after.difference(&warn_before).collect();
            verdict(
                "accepted",
                ok && new.is_empty(),
                format!("postconf ok={ok}, new warnings {new:?}"),
            );
        }

        // no Berkeley DB type left anywhere postconf expands (in a config it accepts)
        let (lines, ok, err) = expanded(&dir);
        if accepted_before {
            let left: Vec<&String> = lines.iter().filter(|l| has_bdb(l)).collect();
            let why = if ok {
                format!("left: {left:?}")
            } else {
                format!("postconf failed: {err}")
            };
            verdict("bdb-free", ok && left.is_empty(), why);
        }

        // every table this run switched to lmdb answers with the right tool
        let lmdb: BTreeSet<String> = lines
            .iter()
            .flat_map(|l| refs_in(l, &["lmdb"]))
            .map(|(_, _, n)| system_path(root, &n))
            .collect();
        let mut bad = Vec::new();
        for (table, alias) in &tables {
            if !lmdb.contains(table) || lmdb_before.contains(table) {
                continue;
            }
            switched_tables += 1;
            let (tool, (k, v)) = if *alias {
                ("postalias", ALIAS_PROBE)
            } else {
                ("postmap", PROBE)
            };
            let got = lookup(tool, k, &host(root, table));
            if got != v {
                bad.push(format!("{tool} -q {k} lmdb:{table} gave {got:?}"));
            }
        }
        verdict("lookups", bad.is_empty(), format!("{bad:?}"));

        // exit 0 only with no inhibitor left; with one left, 3 (3 also when a fix failed
        // and was rolled back although nothing inhibits)
        let (inh_after, _, ids) = inhibitors(&r);
        let rc = fix.status.code();
        verdict(
            "exit",
            if inh_after == 0 {
                matches!(rc, Some(0) | Some(3))
            } else {
                rc == Some(3)
            },
            format!(
                "fix exited {:?} with {inh_after} inhibitor(s) left {ids:?}",
                fix.status.code()
            ),
        );

        // a second run changes nothing
        let fixed = snapshot(root, &["var"]);
        let again = run(&["--root", &r, "--target", "10", "fix", "-y"]);
        let now = snapshot(root, &["var"]);
        let changed: Vec<&PathBuf> = now
            .keys()
            .chain(fixed.keys())
            .filter(|k| now.get(*k) != fixed.get(*k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        verdict(
            "idempotent",
            changed.is_empty(),
            format!("changed {changed:?}:\n{}", text(&again)),
        );

        // undo restores the state before the first fix byte for byte
        let u = run(&["--root", &r, "undo"]);
        let after_undo = snapshot(root, &["var"]);
        let diff: Vec<&PathBuf> = after_undo
            .keys()
            .chain(before.keys())
            .filter(|k| after_undo.get(*k) != before.get(*k))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        verdict(
            "undo",
            u.status.code() == Some(0) && diff.is_empty(),
            format!("undo exited {:?}, differs: {diff:?}", u.status.code()),
        );
    }

    println!(
        "fix_corpus: {} entries, {switched_tables} tables switched and looked up",
        entries.len()
    );
    for c in CRITERIA {
        println!("  {c:<11} {}/{}", pass[c], applicable[c]);
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
