//! `config-permissions` (verify only): what `postfix check` warns about in a config
//! directory, seen statically: everything under `$config_directory` must be owned by
//! root ("not owned by root") and not group- or other-writable ("group or other
//! writable"), as postfix-script's `check-warn` has it (`find $config_directory/. !
//! -user root`, `find -L ... \( -perm -020 -o -perm -002 \)`). The tables kept there are
//! included: whoever can write one can reroute mail.
//!
//! The upgrade itself rarely causes this, but it is the moment it is looked at: files
//! restored from a backup, an image built elsewhere, or a table rebuilt by hand as
//! another user. Symbolic links are not followed (their target may be anywhere).
use rustix::fs::FileType;

use crate::checks::{common, Check, CheckDocs};
use crate::facts::{Facts, Instance};
use crate::finding::{Finding, Related, Severity};
use crate::root::Dir;

pub struct ConfigPermissions;

const ID: &str = "config-permissions";

/// How deep below the config directory, and how many entries, are looked at.
const MAX_DEPTH: usize = 6;
const MAX_ENTRIES: usize = 10_000;
/// How many files a finding names (the rest are counted).
const SHOWN: usize = 20;

impl Check for ConfigPermissions {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Config files not owned by root or writable by others"
    }
    fn default_severity(&self) -> Severity {
        Severity::Medium
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "(verify) Files and directories under each instance's config directory \
                   (main.cf, master.cf, the tables kept there) not owned by root, or group- \
                   or other-writable: what `postfix check` warns about.",
            why: "Postfix's daemons trust these files: whoever can write them can change where \
                  mail goes or run commands as the mail system. `postfix check` (run by \
                  `postfix start`) warns, and security reviews flag it.",
            fix: "`chown root FILE` and `chmod go-w FILE` for each file listed (the finding \
                  gives the commands).",
            references: &[(
                "https://www.postfix.org/postfix.1.html",
                "postfix(1): postfix check",
            )],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            let Ok(dir) = facts.root.open_dir(&inst.config_directory) else {
                continue;
            };
            let mut bad = Problems::default();
            let mut seen = 0;
            // the directory itself, then what it holds
            if let Ok((parent, name)) = facts.root.parent_dir(&inst.config_directory) {
                if let Ok(Some(e)) = parent.stat(&name) {
                    bad.note(inst.config_directory.display().to_string(), e);
                }
            }
            walk(&dir, 0, &mut seen, &mut bad);
            if let Some(f) = finding(inst, &bad) {
                out.push(f);
            }
        }
        out
    }
}

#[derive(Default)]
struct Problems {
    not_root: Vec<String>,
    writable: Vec<String>,
}

impl Problems {
    fn note(&mut self, path: String, e: crate::root::Entry) {
        if e.uid != 0 {
            self.not_root.push(path.clone());
        }
        if e.file_type != FileType::Symlink && e.mode & 0o022 != 0 {
            self.writable.push(path);
        }
    }
}

fn walk(dir: &Dir, depth: usize, seen: &mut usize, bad: &mut Problems) {
    let Ok(entries) = dir.entries() else {
        return;
    };
    for (name, _) in entries {
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return;
        }
        let Ok(Some(e)) = dir.stat(&name) else {
            continue;
        };
        bad.note(dir.join(&name).display().to_string(), e);
        if e.file_type == FileType::Directory && depth < MAX_DEPTH {
            if let Ok(sub) = dir.subdir(&name) {
                walk(&sub, depth + 1, seen, bad);
            }
        }
    }
}

fn finding(inst: &Instance, bad: &Problems) -> Option<Finding> {
    if bad.not_root.is_empty() && bad.writable.is_empty() {
        return None;
    }
    let dir = inst.config_directory.display().to_string();
    let mut f = Finding::new(
        ID,
        Severity::Medium,
        format!("Files under {dir} that postfix check warns about"),
    );
    f.location.file = Some(dir.clone());
    f.related.push(Related::file(dir.clone()));
    let list = |v: &[String]| {
        let mut s = v.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > SHOWN {
            s.push_str(&format!(" and {} more", v.len() - SHOWN));
        }
        s
    };
    let mut parts = Vec::new();
    if !bad.not_root.is_empty() {
        parts.push(format!("not owned by root: {}", list(&bad.not_root)));
        for p in bad.not_root.iter().take(SHOWN) {
            f.remediation
                .commands
                .push(common::argv(&["chown", "root", p]));
        }
    }
    if !bad.writable.is_empty() {
        parts.push(format!("group or other writable: {}", list(&bad.writable)));
        for p in bad.writable.iter().take(SHOWN) {
            f.remediation
                .commands
                .push(common::argv(&["chmod", "go-w", p]));
        }
    }
    f.summary = format!(
        "`postfix check` warns about these, and whoever can write them can change how this \
         host handles mail: {}.",
        parts.join("; ")
    );
    f.remediation.hint = "Give each file back to root and take away group and other write \
                          permission, then run `postfix check`."
        .to_string()
        .into();
    f.links.push(common::link(
        "https://www.postfix.org/postfix.1.html",
        "postfix(1)",
    ));
    Some(f)
}
