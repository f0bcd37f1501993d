//! `rpmnew-pending`: `.rpmnew` / `.rpmsave` files left in the Postfix config directories by
//! earlier package updates, summarised as parameter and service changes (not a raw diff),
//! and a prediction, from the rpm database, of which config files the upgrade replaces and
//! which it keeps.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::checks::{Check, CheckDocs};
use crate::config::{MainCf, MasterCf};
use crate::facts::{ConfigFileState, Facts, FileState};
use crate::finding::{Finding, Link, Related, Severity};

pub struct RpmnewPending;

const ID: &str = "rpmnew-pending";

/// Differences between two parameter or service sets, by name.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Delta {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Delta {
    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn norm(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn delta(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Delta {
    let mut d = Delta::default();
    for (k, v) in new {
        match old.get(k) {
            None => d.added.push(k.clone()),
            Some(o) if o != v => d.changed.push(k.clone()),
            Some(_) => {}
        }
    }
    d.removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    d
}

fn main_params(m: &MainCf) -> BTreeMap<String, String> {
    m.effective()
        .into_iter()
        .map(|p| (p.name.clone(), norm(&p.value)))
        .collect()
}

fn master_services(m: &MasterCf) -> BTreeMap<String, String> {
    m.services()
        .iter()
        .map(|s| {
            let mut v: Vec<&str> = s.fields()[2..].to_vec();
            let args = s.args();
            v.extend(args.iter().map(String::as_str));
            (s.id(), v.join(" "))
        })
        .collect()
}

/// Parameter changes from `admin` (the file in use) to `other` (the leftover).
pub(crate) fn main_delta(admin: &[u8], other: &[u8]) -> Delta {
    delta(
        &main_params(&MainCf::parse(admin)),
        &main_params(&MainCf::parse(other)),
    )
}

/// Service changes from `admin` to `other`.
pub(crate) fn master_delta(admin: &[u8], other: &[u8]) -> Delta {
    delta(
        &master_services(&MasterCf::parse(admin)),
        &master_services(&MasterCf::parse(other)),
    )
}

/// At most `n` names, then how many more.
fn list(names: &[String], n: usize) -> String {
    let mut s = names.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > n {
        s.push_str(&format!(" and {} more", names.len() - n));
    }
    s
}

/// `d` compares the file in use (old) with the leftover (new); `subject` names the
/// leftover in the sentence.
fn describe(d: &Delta, what: &str, subject: &str) -> String {
    if d.is_empty() {
        return format!("{subject} sets the same {what}s with the same values as the file in use.");
    }
    let mut parts = Vec::new();
    if !d.added.is_empty() {
        parts.push(format!(
            "has {} {what}(s) the file in use does not: {}",
            d.added.len(),
            list(&d.added, 12)
        ));
    }
    if !d.removed.is_empty() {
        parts.push(format!(
            "lacks {} {what}(s) of the file in use: {}",
            d.removed.len(),
            list(&d.removed, 12)
        ));
    }
    if !d.changed.is_empty() {
        parts.push(format!(
            "gives {} {what}(s) a different value: {}",
            d.changed.len(),
            list(&d.changed, 12)
        ));
    }
    format!("{subject} {}.", parts.join("; "))
}

fn leftover_finding(facts: &Facts, path: &Path) -> Finding {
    let name = path.display().to_string();
    let (base, kind) = if let Some(b) = name.strip_suffix(".rpmnew") {
        (b.to_string(), "rpmnew")
    } else {
        (
            name.strip_suffix(".rpmsave").unwrap_or(&name).to_string(),
            "rpmsave",
        )
    };
    let base_name = Path::new(&base)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let admin = facts.root.read(&base).ok();
    let other = facts.root.read(path).ok();
    let subject = if kind == "rpmnew" {
        "The new stock file"
    } else {
        "The saved file"
    };
    let comparison = match (&admin, &other, base_name.as_str()) {
        (Some(a), Some(o), "main.cf") => describe(&main_delta(a, o), "parameter", subject),
        (Some(a), Some(o), "master.cf") => describe(&master_delta(a, o), "service", subject),
        (None, _, _) => format!("{base} itself does not exist."),
        _ => String::new(),
    };
    let mut f = Finding::new(
        ID,
        Severity::Low,
        if kind == "rpmnew" {
            format!("unmerged new stock file {name}")
        } else {
            format!("saved configuration {name} was never merged back")
        },
    );
    f.summary = if kind == "rpmnew" {
        format!(
            "{name} is the stock file an earlier package update installed beside your \
             modified {base}, which rpm kept; it was never merged or removed. If {base} is \
             still modified at the upgrade to {}, rpm writes that release's stock file over \
             {name}, and the changes of both updates are left to review at once. \
             {comparison}",
            facts.target
        )
    } else {
        format!(
            "{name} is your earlier version of {base}, which rpm saved when it replaced or \
             removed the file. Settings in it are not in force. Review it before the upgrade \
             so that nothing you still need is lost. {comparison}"
        )
    }
    .trim_end()
    .to_string();
    f.location.file = Some(name.clone());
    f.related.push(Related::file(name.clone()));
    f.related.push(Related::file(base.clone()));
    f.remediation.hint = format!(
        "Compare {name} with {base} (postconf -c on a copy, or diff), merge what you need \
         into {base}, then delete {name}."
    )
    .into();
    f.remediation.commands.push(vec![
        "diff".into(),
        "-u".into(),
        base.clone().into(),
        name.clone().into(),
    ]);
    f.links.push(Link {
        url: "https://rpm-software-management.github.io/rpm/manual/spec.html#directives".into(),
        title: "RPM spec: %config(noreplace), .rpmnew and .rpmsave".into(),
    });
    f
}

/// What the package transaction does with one config file.
fn fate(c: &ConfigFileState) -> Option<&'static str> {
    match (c.state, c.noreplace) {
        (FileState::Unmodified, _) => Some("replaced by the target's stock file"),
        (FileState::Modified, true) => Some("kept as it is; the new stock file lands as .rpmnew"),
        (FileState::Modified, false) => {
            Some("replaced by the target's stock file; yours is saved as .rpmsave")
        }
        (FileState::Missing, _) => Some("installed fresh from the target's package"),
        _ => None,
    }
}

fn prediction(facts: &Facts) -> Option<Finding> {
    facts.postfix.rpmdb.as_ref()?;
    let mut groups: BTreeMap<&'static str, BTreeSet<PathBuf>> = BTreeMap::new();
    for c in &facts.config_files {
        if let Some(what) = fate(c) {
            groups.entry(what).or_default().insert(c.path.clone());
        }
    }
    if groups.is_empty() {
        return None;
    }
    let mut f = Finding::new(
        ID,
        Severity::Info,
        "which Postfix config files the upgrade replaces or keeps",
    );
    let mut parts = Vec::new();
    for (what, paths) in &groups {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        parts.push(format!("{}: {what}.", names.join(", ")));
    }
    f.summary = format!(
        "Compared with the rpm database, the package upgrade to {} treats the postfix \
         package's config files as follows. {} Only files you never changed are replaced; \
         a replaced main.cf takes the target's stock settings (for example its \
         compatibility_level and table types).",
        facts.target,
        parts.join(" ")
    );
    f.key = Finding::key_from(ID, &["prediction"]);
    for paths in groups.values() {
        for p in paths {
            f.related.push(Related::file(p.display().to_string()));
        }
    }
    f.remediation.hint = "Nothing to do; after the upgrade, review any new .rpmnew files."
        .to_string()
        .into();
    Some(f)
}

impl Check for RpmnewPending {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "unmerged .rpmnew/.rpmsave config files"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Lists main.cf.rpmnew, master.cf.rpmnew and other .rpmnew/.rpmsave files in \
                   the Postfix config directories, with a summary of the parameters and \
                   services the leftover file adds, drops or changes compared with the file \
                   in use. When the rpm database is readable, also predicts which config \
                   files the upgrade replaces (unmodified ones) and which it keeps (modified \
                   %config(noreplace) ones, with the new file landing as .rpmnew).",
            why: "rpm never overwrites a modified %config(noreplace) file: the new stock file \
                  lands beside it as .rpmnew, and a replaced or removed file is saved as \
                  .rpmsave. Leftovers from earlier updates mean stock changes were never \
                  reviewed; the major upgrade adds more, so changes the new Postfix expects \
                  may be missing. An unmodified main.cf, on the other hand, is replaced by \
                  the target's stock file and takes its defaults.",
            fix: "Review each leftover against the file in use, merge what you need, delete \
                  the leftover. Nothing is changed automatically.",
            references: &[
                (
                    "https://rpm-software-management.github.io/rpm/manual/spec.html#directives",
                    "RPM spec file: %config(noreplace)",
                ),
                (
                    "https://www.postfix.org/postconf.1.html",
                    "postconf(1): compare configurations with postconf -c DIR -n",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out: Vec<Finding> = facts
            .rpm_leftovers
            .iter()
            .map(|p| leftover_finding(facts, p))
            .collect();
        out.extend(prediction(facts));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_delta_by_name_and_value() {
        let d = main_delta(
            b"a = 1\nb = x  y\nc = 3\nc = 4\n",
            b"a = 1\nb = x y\nc = 5\nd = new\n",
        );
        assert_eq!(
            d,
            Delta {
                added: vec!["d".into()],
                removed: vec![],
                changed: vec!["c".into()],
            }
        );
    }

    #[test]
    fn master_delta_by_service() {
        let admin = b"smtp inet n - n - - smtpd\nold unix - - n - - x\n";
        let new = b"smtp inet n - n - - smtpd -o a=b\npostlog unix-dgram n - n - 1 postlogd\n";
        let d = master_delta(admin, new);
        assert_eq!(d.added, vec!["postlog/unix-dgram"]);
        assert_eq!(d.removed, vec!["old/unix"]);
        assert_eq!(d.changed, vec!["smtp/inet"]);
    }

    #[test]
    fn long_lists_are_cut() {
        let names: Vec<String> = (0..15).map(|i| format!("p{i}")).collect();
        assert!(list(&names, 12).ends_with("p11 and 3 more"));
    }
}
