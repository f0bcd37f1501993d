//! Building the new tables, away from the root.
//!
//! For each table the plan switches (`hash:/etc/aliases` → `lmdb:/etc/aliases`):
//!
//! 1. the text source is read through a handle inside the root (a regular file; a symlinked
//!    source is read where its link points *inside the root*, but the table is built for
//!    the name Postfix uses, `/etc/aliases.lmdb`, not beside the link's target) and copied
//!    into a private scratch directory on the host;
//! 2. the host's `postmap` or `postalias` builds it there, with a scratch `main.cf` that
//!    holds only what the build needs (the plugin directories of the host's Postfix, and
//!    the instance's `smtputf8_enable` and `lmdb_map_size`): no file of the root and no
//!    host config is named, so the tool can neither read a host file for the root nor
//!    write anywhere in the root;
//! 3. the new table is verified: it lists every key (`-s`), and its first key answers a
//!    lookup (`-q`);
//! 4. its content is compared with the `.db` Postfix uses now (dumped from a scratch copy,
//!    when this host's Postfix reads Berkeley DB): a text source edited after the last
//!    `postmap` would change mail routing, so such a table is not switched without
//!    `--unsafe`;
//! 5. it gets the owner, group and SELinux label of the `.db` it replaces and the stricter
//!    of the `.db`'s and the source's modes (a 0600 `sasl_passwd.db` gives a 0600
//!    `sasl_passwd.lmdb`, whatever the source's mode).
//!
//! The transaction ([`super::txn`]) then copies the built file into the root.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::fsops::{FileMeta, SELINUX_XATTR};
use super::plan::{Plan, Rebuild, Tool};
use super::FixTools;
use crate::error::Error;
use crate::facts::{Facts, Instance};

/// A table built in the scratch directory, ready to be staged.
#[derive(Debug)]
pub struct Built {
    pub rebuild: Rebuild,
    /// The built file on the host (in the scratch directory).
    pub file: PathBuf,
    /// Owner, mode and label it gets in the root.
    pub meta: FileMeta,
    /// Things the admin should know (content compared or not, ...).
    pub notes: Vec<String>,
}

/// Keys whose values postalias sets itself (time, host name): not compared.
const GENERATED_KEYS: &[&str] = &["@", "YP_LAST_MODIFIED", "YP_MASTER_NAME"];

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// The scratch `main.cf` for building an instance's tables: the host Postfix's plugin
/// directories (so `lmdb` loads) and the two parameters that change what a build
/// produces. Nothing else of the instance is carried, so nothing in it can make the host's
/// tool read a file.
pub fn build_config(
    facts: &Facts,
    inst: &Instance,
    postconf: &Path,
    dir: &Path,
) -> Result<PathBuf, Error> {
    if dir.join("main.cf").is_file() {
        return Ok(dir.to_path_buf());
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let o = super::host_postconf(postconf, dir.parent().unwrap_or(dir))
        .and_then(|mut c| {
            c.args(["-d", "-h", "shlib_directory", "meta_directory"])
                .output()
        })
        .map_err(|e| io(postconf, e))?;
    let vals: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if !o.status.success() || vals.len() != 2 {
        return Err(Error::Other(format!(
            "{} -d shlib_directory meta_directory failed",
            postconf.display()
        )));
    }
    let mut main = format!(
        "shlib_directory = {}\nmeta_directory = {}\n",
        vals[0], vals[1]
    );
    let defaults = |n: &str| facts.default_value(inst, n);
    let ex = crate::config::Expander::new(inst.main(), &defaults);
    for name in ["smtputf8_enable", "lmdb_map_size"] {
        let v = ex.param(name).value;
        // a plain value only: anything that still needs expansion stays at the default
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            main.push_str(&format!("{name} = {v}\n"));
        }
    }
    super::validate::write_aged(&dir.join("main.cf"), main.as_bytes())?;
    Ok(dir.to_path_buf())
}

/// Run a tool, returning stdout or a message with its stderr.
fn run(cmd: &mut Command, what: &str) -> Result<Vec<u8>, String> {
    let o = cmd
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if o.status.success() {
        Ok(o.stdout)
    } else {
        let msg = String::from_utf8_lossy(&o.stderr).trim().to_string();
        Err(if msg.is_empty() {
            format!("{what} exited {}", o.status)
        } else {
            msg
        })
    }
}

/// A table's content as `key → value`, from `postmap -s` / `postalias -s` output.
fn entries(dump: &[u8], tool: Tool) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut out = BTreeMap::new();
    for line in dump.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let (k, v) = match line.iter().position(|&b| b == b'\t') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        let k = match tool {
            Tool::Postalias => k.strip_suffix(b":").unwrap_or(k),
            Tool::Postmap => k,
        };
        if GENERATED_KEYS.iter().any(|g| g.as_bytes() == k) {
            continue;
        }
        out.insert(k.to_vec(), v.to_vec());
    }
    out
}

/// Keys whose values differ between two tables (only the keys: values may be secrets).
fn differing_keys(a: &BTreeMap<Vec<u8>, Vec<u8>>, b: &BTreeMap<Vec<u8>, Vec<u8>>) -> Vec<String> {
    let mut keys: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .map(|k| crate::report::escape::escape_controls(&String::from_utf8_lossy(k)).into_owned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The metadata of a regular file of the root, if it is one.
fn meta_in_root(facts: &Facts, path: &Path) -> Option<FileMeta> {
    let f = facts.root.open(path).ok()?;
    super::fsops::meta_of(&f, path).ok()
}

/// Owner, group and label of the `.db`, and the stricter of the two modes.
fn new_meta(db: Option<&FileMeta>, src: &FileMeta) -> FileMeta {
    let label = |m: &FileMeta| {
        m.xattrs
            .iter()
            .filter(|(n, _)| n == SELINUX_XATTR)
            .cloned()
            .collect::<Vec<_>>()
    };
    match db {
        Some(db) => FileMeta {
            uid: db.uid,
            gid: db.gid,
            mode: db.mode & src.mode & 0o777,
            xattrs: if label(db).is_empty() {
                label(src)
            } else {
                label(db)
            },
        },
        None => FileMeta {
            uid: src.uid,
            gid: src.gid,
            mode: src.mode & 0o777,
            xattrs: label(src),
        },
    }
}

/// Build every table of the plan in `scratch`. Returns the tables built and the sources
/// whose build failed or must not be switched, with the reason.
pub fn build_all(
    facts: &Facts,
    plan: &Plan,
    tools: &FixTools,
    scratch: &Path,
    host_types: &Option<Vec<String>>,
    unsafe_fixes: bool,
) -> (Vec<Built>, Vec<(PathBuf, String)>) {
    let mut built = Vec::new();
    let mut failed = Vec::new();
    let host_reads_bdb = host_types
        .as_ref()
        .is_some_and(|types| types.iter().any(|t| t == "hash"));
    // one build per output file (instances sharing a table name it once each)
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in plan.rebuilds.iter().enumerate() {
        if !seen.insert(r.output()) {
            continue;
        }
        match build_one(
            facts,
            r,
            tools,
            &scratch.join(format!("t{i}")),
            scratch,
            host_reads_bdb,
            unsafe_fixes,
        ) {
            Ok(b) => built.push(b),
            Err(msg) => failed.push((r.source.clone(), msg)),
        }
    }
    (built, failed)
}

fn build_one(
    facts: &Facts,
    r: &Rebuild,
    tools: &FixTools,
    work: &Path,
    scratch: &Path,
    host_reads_bdb: bool,
    unsafe_fixes: bool,
) -> Result<Built, String> {
    let prog = tools
        .tool(r.tool)
        .ok_or_else(|| format!("{} not found on the PATH", r.tool.program()))?;
    let postconf = tools
        .postconf
        .as_deref()
        .ok_or_else(|| "postconf not found on the PATH".to_string())?;
    let inst = facts
        .instances
        .iter()
        .find(|i| i.config_directory == r.config_dir)
        .unwrap_or_else(|| facts.primary());
    let cfg_name: String = r
        .config_dir
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let cfg = build_config(
        facts,
        inst,
        postconf,
        &scratch.join(format!("cf{cfg_name}")),
    )
    .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;

    // 0. where it goes: a link, a hard link or anything but a regular file there is refused
    let out_path = r.output();
    facts
        .root
        .parent_dir(&out_path)
        .and_then(|(d, n)| d.check_output(n))
        .map_err(|e| e.to_string())?;

    // 1. the source, read through the root
    let mut src = facts.root.open(&r.source).map_err(|e| e.to_string())?;
    let src_meta = super::fsops::meta_of(&src, &r.source).map_err(|e| e.to_string())?;
    let copy = work.join("source");
    let mut dst = std::fs::File::create(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    std::io::copy(&mut src, &mut dst).map_err(|e| format!("{}: {e}", r.source.display()))?;
    drop(dst);

    // 2. build
    let typed = |p: &Path| format!("{}:{}", r.map_type, p.display());
    run(
        Command::new(prog).arg("-c").arg(&cfg).arg(typed(&copy)),
        &format!("{} {}", r.tool.program(), typed(&r.source)),
    )?;
    let file = work.join(format!("source.{}", r.map_type));
    if !file.is_file() {
        return Err(format!(
            "{} did not write {}",
            r.tool.program(),
            r.output().display()
        ));
    }

    // 3. verify
    let dump = run(
        Command::new(prog)
            .arg("-c")
            .arg(&cfg)
            .arg("-s")
            .arg(typed(&copy)),
        &format!("{} -s {}", r.tool.program(), typed(&r.source)),
    )?;
    let new = entries(&dump, r.tool);
    let source_has_entries = std::fs::read(&copy).is_ok_and(|b| {
        b.split(|&c| c == b'\n').any(|l| {
            let t = l.trim_ascii();
            !t.is_empty() && !t.starts_with(b"#")
        })
    });
    match new.keys().next() {
        Some(k) => {
            let key = String::from_utf8_lossy(k).into_owned();
            run(
                Command::new(prog)
                    .arg("-c")
                    .arg(&cfg)
                    .arg("-q")
                    .arg(&key)
                    .arg(typed(&copy)),
                &format!("{} -q", r.tool.program()),
            )
            .map_err(|m| {
                format!(
                    "the new table {} does not answer a lookup of its own key {}: {m}",
                    r.output().display(),
                    crate::report::escape::escape_controls(&key)
                )
            })?;
        }
        None if source_has_entries => {
            return Err(format!(
                "the new table {} came out empty although {} has entries",
                r.output().display(),
                r.source.display()
            ))
        }
        None => {}
    }

    // 4. compare with the .db in use
    let mut notes = Vec::new();
    let db_path = {
        let mut s = r.source.clone().into_os_string();
        s.push(".db");
        PathBuf::from(s)
    };
    let db_meta = meta_in_root(facts, &db_path);
    if db_meta.is_some() {
        if host_reads_bdb {
            let old = work.join("old");
            let copied = facts
                .root
                .open(&db_path)
                .map_err(|e| e.to_string())
                .and_then(|mut f| {
                    let mut out = std::fs::File::create(work.join("old.db"))
                        .map_err(|e| format!("{}: {e}", old.display()))?;
                    std::io::copy(&mut f, &mut out)
                        .map_err(|e| format!("{}: {e}", db_path.display()))
                });
            copied?;
            let dumped = ["hash", "btree"].iter().find_map(|t| {
                run(
                    Command::new(prog)
                        .arg("-c")
                        .arg(&cfg)
                        .arg("-s")
                        .arg(format!("{t}:{}", old.display())),
                    "dump",
                )
                .ok()
            });
            match dumped {
                Some(d) => {
                    let keys = differing_keys(&entries(&d, r.tool), &new);
                    if !keys.is_empty() {
                        let shown: Vec<&str> = keys.iter().take(3).map(String::as_str).collect();
                        let msg = format!(
                            "the text source {} differs from {}, which Postfix reads now \
                             ({} key(s) differ: {}{}): it was edited after the last {}, and \
                             building from it would change what Postfix does",
                            r.source.display(),
                            db_path.display(),
                            keys.len(),
                            shown.join(", "),
                            if keys.len() > 3 { ", ..." } else { "" },
                            r.tool.program()
                        );
                        if !unsafe_fixes {
                            return Err(format!(
                                "{msg}; needs review: if the text is right, run `{} hash:{}` \
                                 and fix again, or run fix --unsafe to build from the text",
                                r.tool.program(),
                                r.source.display()
                            ));
                        }
                        notes.push(format!("{msg}; built from the text (--unsafe)"));
                    }
                }
                None => notes.push(format!(
                    "{} could not be read to compare it with its source; built from {}",
                    db_path.display(),
                    r.source.display()
                )),
            }
        } else {
            // no Berkeley DB here (after the upgrade): the modification times are all
            // there is; a source edited after its .db is not trusted without review
            let edited_after = matches!(
                (facts.root.modified(&r.source), facts.root.modified(&db_path)),
                (Ok(src), Ok(db)) if src > db + std::time::Duration::from_secs(2)
            );
            if edited_after && !unsafe_fixes {
                return Err(format!(
                    "{} cannot be compared with {}: this host's Postfix cannot read Berkeley \
                     DB, and the text was changed after the .db was built, so it may differ \
                     from what Postfix used; needs review: check the text, then run fix \
                     --unsafe",
                    db_path.display(),
                    r.source.display()
                ));
            }
            notes.push(format!(
                "not compared with {}: this host's Postfix cannot read Berkeley DB; built \
                 from {} as it is ({})",
                db_path.display(),
                r.source.display(),
                if edited_after {
                    "--unsafe"
                } else {
                    "it is not newer than the .db, so assumed to match"
                }
            ));
        }
    }

    Ok(Built {
        rebuild: r.clone(),
        file,
        meta: new_meta(db_meta.as_ref(), &src_meta),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_compare_by_key_without_generated_ones() {
        let a = entries(
            b"@:\t@\nYP_LAST_MODIFIED:\t1\nroot:\talice\npostmaster:\troot\n",
            Tool::Postalias,
        );
        let b = entries(
            b"@:\t@\nYP_LAST_MODIFIED:\t2\nroot:\tbob\npostmaster:\troot\nnew:\tx\n",
            Tool::Postalias,
        );
        assert_eq!(differing_keys(&a, &b), ["new", "root"]);
        assert!(differing_keys(&a, &a).is_empty());
    }

    /// Without Berkeley DB on the host (after the upgrade), a source edited after its
    /// .db is not switched without --unsafe; one that is not newer is built.
    #[test]
    fn without_berkeley_db_the_modification_times_decide() {
        let d = tempfile::tempdir().unwrap();
        let etc = d.path().join("etc");
        std::fs::create_dir_all(etc.join("postfix")).unwrap();
        std::fs::write(etc.join("os-release"), "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n").unwrap();
        std::fs::write(
            etc.join("postfix/main.cf"),
            "alias_maps = hash:/etc/aliases\n",
        )
        .unwrap();
        std::fs::write(etc.join("aliases"), "postmaster: root\n").unwrap();
        std::fs::write(etc.join("aliases.db"), "not read here").unwrap();
        let opts = crate::facts::Request::for_root(d.path().to_path_buf());
        let facts = crate::facts::collect(&opts).unwrap();
        let tools = FixTools::from_path();
        let r = Rebuild {
            tool: Tool::Postalias,
            config_dir: PathBuf::from("/etc/postfix"),
            map_type: "lmdb".into(),
            source: PathBuf::from("/etc/aliases"),
        };
        let scratch = tempfile::tempdir().unwrap();
        let age = |p: &Path, secs: u64| {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs))
                .unwrap()
        };
        age(&etc.join("aliases.db"), 3600);
        let e = build_one(
            &facts,
            &r,
            &tools,
            &scratch.path().join("a"),
            scratch.path(),
            false,
            false,
        )
        .unwrap_err();
        assert!(e.contains("cannot read Berkeley DB"), "{e}");
        let b = build_one(
            &facts,
            &r,
            &tools,
            &scratch.path().join("b"),
            scratch.path(),
            false,
            true,
        )
        .unwrap();
        assert!(
            b.notes.iter().any(|n| n.contains("--unsafe")),
            "{:?}",
            b.notes
        );
        // a .db not older than its source: built, and the note says it was assumed to match
        age(&etc.join("aliases"), 7200);
        let b = build_one(
            &facts,
            &r,
            &tools,
            &scratch.path().join("c"),
            scratch.path(),
            false,
            false,
        )
        .unwrap();
        assert!(
            b.notes.iter().any(|n| n.contains("assumed to match")),
            "{:?}",
            b.notes
        );
    }

    #[test]
    fn the_stricter_mode_and_the_db_owner_win() {
        let db = FileMeta {
            uid: 0,
            gid: 0,
            mode: 0o600,
            xattrs: vec![(SELINUX_XATTR.into(), "6c61626500".into())],
        };
        let src = FileMeta {
            uid: 89,
            gid: 89,
            mode: 0o644,
            xattrs: vec![("user.x".into(), "00".into())],
        };
        let m = new_meta(Some(&db), &src);
        assert_eq!((m.uid, m.gid, m.mode), (0, 0, 0o600));
        assert_eq!(m.xattrs, db.xattrs);
        let m = new_meta(None, &src);
        assert_eq!((m.uid, m.mode), (89, 0o644));
        assert!(m.xattrs.is_empty());
    }
}
