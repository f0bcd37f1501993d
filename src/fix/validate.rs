//! Validation of the new files with the real `postconf` before anything live changes.
//!
//! The instance's main.cf and master.cf are copied into a scratch directory, first as
//! they are, then as the plan leaves them; `postconf -c COPY -n`, `-M` and `-P` run on
//! each and their diagnostics are compared. Anything new (a warning that was not there,
//! or a fatal error) fails the validation. Scratch files get an mtime a few seconds in
//! the past: postconf sleeps about a second on files changed within the last second.
//!
//! Under `--root`, the host's postconf must not read a host file on the root's behalf:
//! the only files postconf opens besides main.cf and master.cf are the configuration files
//! of database tables (`mysql:/etc/postfix/x.cf`, `ldap:`, `pgsql:`, `sqlite:`,
//! `memcache:`, `mongodb:`), so each such absolute name in the staged copies is pointed at
//! a copy of the root's file (read through the root) in the scratch directory. A table
//! whose file name comes through a `$parameter` cannot be redirected that way: that
//! instance is then not validated with postconf, and the run says so.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::plan::Plan;
use crate::error::Error;
use crate::facts::Facts;
use crate::root::Root;

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Write a scratch file with an mtime in the past.
pub(crate) fn write_aged(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| io(path, e))?;
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .map_err(|e| io(path, e))?;
    f.set_modified(SystemTime::now() - Duration::from_secs(10))
        .map_err(|e| io(path, e))
}

/// postconf's diagnostics for a config directory: (lines without file/line prefixes,
/// whether every run succeeded).
fn diagnostics(postconf: &Path, dir: &Path, shown_as: &Path) -> Result<(Vec<String>, bool), Error> {
    let mut lines = Vec::new();
    let mut ok = true;
    for flag in ["-n", "-M", "-P"] {
        let o = Command::new(postconf)
            .arg("-c")
            .arg(dir)
            .arg(flag)
            .output()
            .map_err(|e| io(postconf, e))?;
        ok &= o.status.success();
        for l in String::from_utf8_lossy(&o.stderr).lines() {
            lines.push(normalise(l, dir, shown_as));
        }
    }
    lines.sort();
    lines.dedup();
    Ok((lines, ok))
}

/// Drop `, line N` (edits move lines) and show the scratch path as the real one.
fn normalise(line: &str, dir: &Path, shown_as: &Path) -> String {
    let mut s = line.replace(&dir.display().to_string(), &shown_as.display().to_string());
    while let Some(i) = s.find(", line ") {
        let rest = &s[i + 7..];
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            break;
        }
        s.replace_range(i..i + 7 + n, "");
    }
    // a parameter set twice: the warning names the earlier value, which a fix may change
    // (hash: -> lmdb:); the warning itself is the same one
    const OVERRIDE: &str = "overriding earlier entry: ";
    if let Some(i) = s.find(OVERRIDE) {
        let start = i + OVERRIDE.len();
        if let Some(eq) = s[start..].find('=') {
            s.truncate(start + eq);
        }
    }
    s
}

/// Table types whose configuration file postconf reads (postconf_dbms.c).
const DBMS_TYPES: &[&str] = &["ldap", "mysql", "pgsql", "sqlite", "memcache", "mongodb"];

/// Point every `TYPE:/abs/path` of a database type in `text` at `stage/abs/path`, copying
/// the root's file there (through the root: a regular file, never a host file). Returns
/// the rewritten text, or the first database table whose file name postconf would take
/// from a `$parameter` (which cannot be redirected).
fn stage_dbms(root: &Root, text: &[u8], stage: &Path) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < text.len() {
        for t in DBMS_TYPES {
            let at = &text[i..];
            let boundary = i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_');
            if !boundary || !at.starts_with(t.as_bytes()) || at.get(t.len()) != Some(&b':') {
                continue;
            }
            let rest = &at[t.len() + 1..];
            match rest.first() {
                Some(b'/') => {
                    let end = rest
                        .iter()
                        .position(|&b| b.is_ascii_whitespace() || b == b',' || b == b'}')
                        .unwrap_or(rest.len());
                    let name = String::from_utf8_lossy(&rest[..end]).into_owned();
                    let copy = stage.join(name.trim_start_matches('/'));
                    if let Ok(bytes) = root.read(&name) {
                        if let Some(d) = copy.parent() {
                            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
                        }
                        write_aged(&copy, &bytes).map_err(|e| e.to_string())?;
                    }
                    out.extend_from_slice(&at[..t.len() + 1]);
                    out.extend_from_slice(copy.display().to_string().as_bytes());
                    i += t.len() + 1 + end;
                    continue 'scan;
                }
                Some(b'$') => {
                    return Err(format!(
                        "{t}:{}",
                        String::from_utf8_lossy(
                            &rest[..rest
                                .iter()
                                .position(|&b| b.is_ascii_whitespace() || b == b',')
                                .unwrap_or(rest.len())]
                        )
                    ))
                }
                _ => {}
            }
        }
        out.push(text[i]);
        i += 1;
    }
    Ok(out)
}

/// The outcome of validating the plan.
#[derive(Debug, Default)]
pub struct Validation {
    /// Instances not validated with postconf, and why (said in the run's output).
    pub skipped: Vec<String>,
}

/// Validate every instance the plan changes. `Err` names what is new.
pub fn validate(
    facts: &Facts,
    plan: &Plan,
    postconf: &Path,
    scratch: &Path,
) -> Result<Validation, String> {
    let mut v = Validation::default();
    for inst in &facts.instances {
        let changes: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.path.parent() == Some(inst.config_directory.as_path()))
            .collect();
        if changes.is_empty() {
            continue;
        }
        let work = tempfile::Builder::new()
            .prefix("validate.")
            .tempdir_in(scratch)
            .map_err(|e| e.to_string())?;
        let dir = work.path().join("cf");
        let stage = work.path().join("root");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut files: Vec<(PathBuf, Vec<u8>, Vec<u8>)> = Vec::new();
        let mut unredirectable = None;
        for name in ["main.cf", "master.cf"] {
            let sys = inst.config_directory.join(name);
            let old = match facts.root.read(&sys) {
                Ok(b) => b,
                Err(_) => continue,
            };
            let new = changes
                .iter()
                .find(|c| c.path == sys)
                .map(|c| c.new.clone())
                .unwrap_or_else(|| old.clone());
            let (old, new) = if facts.root.is_host() {
                (old, new)
            } else {
                match (
                    stage_dbms(&facts.root, &old, &stage),
                    stage_dbms(&facts.root, &new, &stage),
                ) {
                    (Ok(o), Ok(n)) => (o, n),
                    (Err(e), _) | (_, Err(e)) => {
                        unredirectable = Some(e);
                        break;
                    }
                }
            };
            files.push((dir.join(name), old, new));
        }
        if let Some(t) = unredirectable {
            v.skipped.push(format!(
                "{}: not validated with postconf: the table {t} names its configuration \
                 file through a parameter, and postconf would read that file from this \
                 host, not from the root (assumed valid)",
                inst.config_directory.display()
            ));
            continue;
        }
        for (p, old, _) in &files {
            write_aged(p, old).map_err(|e| e.to_string())?;
        }
        let shown = |s: String| s.replace(&format!("{}/", stage.display()), "/");
        let (before, ok_before) =
            diagnostics(postconf, &dir, &inst.config_directory).map_err(|e| e.to_string())?;
        for (p, _, new) in &files {
            write_aged(p, new).map_err(|e| e.to_string())?;
        }
        let (after, ok_after) =
            diagnostics(postconf, &dir, &inst.config_directory).map_err(|e| e.to_string())?;
        let new: Vec<String> = after
            .iter()
            .filter(|l| {
                !before.contains(l) && !old_map_config(l, &files) && !old_duplicate(l, &files)
            })
            .map(|l| shown(l.clone()))
            .collect();
        if (ok_before && !ok_after) || !new.is_empty() {
            return Err(format!(
                "{} with the fixes applied: postconf {}:\n  {}",
                inst.config_directory.display(),
                if ok_before && !ok_after {
                    "fails"
                } else {
                    "reports something new"
                },
                new.join("\n  ")
            ));
        }
    }
    Ok(v)
}

/// "overriding earlier entry: NAME" for a parameter the old main.cf already set more than
/// once: postconf stays silent while both values are equal, and speaks once a fix changes
/// the one in effect; the duplicate is the admin's, not something the fix made.
fn old_duplicate(line: &str, files: &[(PathBuf, Vec<u8>, Vec<u8>)]) -> bool {
    let Some((_, name)) = line.split_once("overriding earlier entry: ") else {
        return false;
    };
    let name = name.trim();
    files.iter().any(|(p, old, _)| {
        p.file_name().is_some_and(|n| n == "main.cf")
            && old
                .split(|&b| b == b'\n')
                .filter(|l| {
                    l.starts_with(name.as_bytes())
                        && l[name.len()..].trim_ascii_start().starts_with(b"=")
                })
                .count()
                > 1
    })
}

/// A warning that postconf cannot open a database client's configuration file (`open
/// "mysql" configuration "/etc/postfix/x.cf": ...`) that the old files already name: the
/// table was there before; postconf only reads its file now because a renamed parameter
/// (`virtual_maps` → `virtual_alias_maps`) is one it scans. (Validation under `--root`
/// runs on copies, where such absolute paths are the host's.)
fn old_map_config(line: &str, files: &[(PathBuf, Vec<u8>, Vec<u8>)]) -> bool {
    let Some(rest) = line.split_once("\" configuration \"").map(|(_, r)| r) else {
        return false;
    };
    let Some((path, _)) = rest.split_once('"') else {
        return false;
    };
    !path.is_empty()
        && files
            .iter()
            .any(|(_, old, _)| old.windows(path.len()).any(|w| w == path.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_drops_lines_and_scratch() {
        let s = normalise(
            "postconf: warning: /tmp/x/main.cf, line 12: overriding earlier entry",
            Path::new("/tmp/x"),
            Path::new("/etc/postfix"),
        );
        assert_eq!(
            s,
            "postconf: warning: /etc/postfix/main.cf: overriding earlier entry"
        );
        // the same duplicate before and after a fix changed its earlier value
        let before = normalise(
            "postconf: warning: /tmp/x/main.cf, line 9: overriding earlier entry: alias_maps=hash:/etc/aliases",
            Path::new("/tmp/x"),
            Path::new("/etc/postfix"),
        );
        let after = normalise(
            "postconf: warning: /tmp/x/main.cf, line 9: overriding earlier entry: alias_maps=lmdb:/etc/aliases",
            Path::new("/tmp/x"),
            Path::new("/etc/postfix"),
        );
        assert_eq!(before, after);
        assert!(
            before.ends_with("overriding earlier entry: alias_maps"),
            "{before}"
        );
    }

    #[test]
    fn database_table_files_point_into_the_stage() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc/postfix")).unwrap();
        std::fs::write(d.path().join("etc/postfix/my.cf"), "user = x\n").unwrap();
        let root = Root::new(d.path()).unwrap();
        let s = d.path().join("stage");
        let got = stage_dbms(
            &root,
            b"virtual_alias_maps = proxy:mysql:/etc/postfix/my.cf, hash:/etc/x\n\
              a = ldap:/etc/shadow,xmysql:/y ldap:src\n",
            &s,
        )
        .unwrap();
        let want = format!(
            "virtual_alias_maps = proxy:mysql:{}/etc/postfix/my.cf, hash:/etc/x\n\
              a = ldap:{}/etc/shadow,xmysql:/y ldap:src\n",
            s.display(),
            s.display()
        );
        assert_eq!(String::from_utf8(got).unwrap(), want);
        assert_eq!(
            std::fs::read(s.join("etc/postfix/my.cf")).unwrap(),
            b"user = x\n"
        );
        // the root has no /etc/shadow: nothing is copied, and the host's is never read
        assert!(!s.join("etc/shadow").exists());
        let e = stage_dbms(&root, b"a = mysql:$config_directory/x.cf\n", &s).unwrap_err();
        assert_eq!(e, "mysql:$config_directory/x.cf");
    }
}
