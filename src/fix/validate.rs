//! Validation of the new files with the real `postconf` before anything live changes.
//!
//! The instance's main.cf and master.cf are copied into a scratch directory, first as
//! they are, then as the plan leaves them; `postconf -c COPY -n`, `-M` and `-P` run on
//! each and their diagnostics are compared. Anything new (a warning that was not there,
//! or a fatal error) fails the validation. Scratch files get an mtime a few seconds in
//! the past: postconf sleeps about a second on files changed within the last second.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::plan::Plan;
use super::FixTools;
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
fn write_aged(path: &Path, bytes: &[u8]) -> Result<(), Error> {
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
    s
}

/// Validate every instance the plan changes. `Err` names what is new.
pub fn validate(facts: &Facts, plan: &Plan, postconf: &Path) -> Result<(), String> {
    for inst in &facts.instances {
        let changes: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.path.parent() == Some(inst.config_directory.as_path()))
            .collect();
        if changes.is_empty() {
            continue;
        }
        let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = scratch.path();
        let mut files: Vec<(PathBuf, Vec<u8>, Vec<u8>)> = Vec::new();
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
            files.push((dir.join(name), old, new));
        }
        for (p, old, _) in &files {
            write_aged(p, old).map_err(|e| e.to_string())?;
        }
        let (before, ok_before) =
            diagnostics(postconf, dir, &inst.config_directory).map_err(|e| e.to_string())?;
        for (p, _, new) in &files {
            write_aged(p, new).map_err(|e| e.to_string())?;
        }
        let (after, ok_after) =
            diagnostics(postconf, dir, &inst.config_directory).map_err(|e| e.to_string())?;
        let new: Vec<&String> = after
            .iter()
            .filter(|l| !before.contains(l) && !old_map_config(l, &files))
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
                new.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    Ok(())
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

/// A config directory for running the host's postmap/postalias on a root's tables: the
/// instance's main.cf with the host Postfix's `shlib_directory` and `meta_directory`
/// (where its map plugins are), so `lmdb` loads. Everything else is the root's own.
pub fn host_tool_config(
    root: &Root,
    config_dir: &Path,
    scratch: &Path,
    tools: &FixTools,
) -> anyhow::Result<PathBuf> {
    let name: String = config_dir
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let dir = scratch.join(name);
    if dir.join("main.cf").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir)?;
    let mut main = root.read(config_dir.join("main.cf")).unwrap_or_default();
    let postconf = tools
        .postconf
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("postconf not found on the PATH"))?;
    let o = Command::new(postconf)
        .args(["-d", "-h", "shlib_directory", "meta_directory"])
        .output()?;
    let vals: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if !o.status.success() || vals.len() != 2 {
        anyhow::bail!(
            "{} -d shlib_directory meta_directory failed",
            postconf.display()
        );
    }
    if !main.is_empty() && !main.ends_with(b"\n") {
        main.push(b'\n');
    }
    main.extend_from_slice(
        format!(
            "shlib_directory = {}\nmeta_directory = {}\n",
            vals[0], vals[1]
        )
        .as_bytes(),
    );
    write_aged(&dir.join("main.cf"), &main)?;
    Ok(dir)
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
    }
}
