//! `rpmnew-merge` (verify only): a three-way look at `main.cf.rpmnew` / `master.cf.rpmnew`,
//! by parameter and by service, not by line.
//!
//! - base: the stock file of the release the host came from, as its RPM installed it
//!   (`data/stock/<release>/`, see `data/stock/gen.sh`);
//! - theirs: the `.rpmnew` the upgrade left (the new release's stock file);
//! - ours: the file Postfix reads.
//!
//! For each parameter (each master.cf service, by `name/type`): changed only in the new
//! stock file → take it; changed only by the admin → keep it; changed on both sides to
//! different values → a conflict, shown side by side. The finding gives the `postconf`
//! commands that take the new stock changes; conflicts are left to the admin. Nothing is
//! changed automatically (fix does not merge yet), and the `.rpmnew` stays until the admin
//! removes it.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::checks::{common, Check, CheckDocs};
use crate::config::{MainCf, MasterCf};
use crate::facts::{Facts, Instance, Profile};
use crate::finding::{Finding, Related, Severity};

pub struct RpmnewMerge;

const ID: &str = "rpmnew-merge";

/// The stock files a host upgrades from, by the profile it came from.
const BASES: &[(&str, &str, &str)] = &[
    (
        "el8.4",
        include_str!("../../data/stock/el8-3.5.8/main.cf"),
        include_str!("../../data/stock/el8-3.5.8/master.cf"),
    ),
    (
        "el9",
        include_str!("../../data/stock/el9-3.5.9/main.cf"),
        include_str!("../../data/stock/el9-3.5.9/master.cf"),
    ),
];

impl Check for RpmnewMerge {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "New stock config (.rpmnew) not merged, by parameter and service"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "(verify) main.cf.rpmnew / master.cf.rpmnew next to the admin's files after \
                   the upgrade, compared three ways: the stock file of the release the host \
                   came from (as its RPM installed it), the new stock file (.rpmnew) and the \
                   admin's file; per parameter and per master.cf service.",
            why: "rpm keeps a modified config file and puts the new stock one beside it: new \
                  stock defaults and services the admin never touched are then silently not \
                  in force. A line diff (rpmconf) mixes those with the admin's own changes.",
            fix: "Run the listed postconf commands (they take only what changed in the new \
                  stock file and nowhere else), decide each conflict, check with `postfix \
                  check`, then remove the .rpmnew. Nothing is changed automatically.",
            references: &[("https://www.postfix.org/postconf.1.html", "postconf(1)")],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let from = Profile::latest(facts.target.major.saturating_sub(1)).map(|p| p.id);
        let Some(&(_, base_main, base_master)) = BASES.iter().find(|(id, _, _)| Some(*id) == from)
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for inst in &facts.instances {
            for (file, base) in [("main.cf", base_main), ("master.cf", base_master)] {
                let new = inst.config_directory.join(format!("{file}.rpmnew"));
                if !facts.rpm_leftovers.contains(&new) {
                    continue;
                }
                let Ok(theirs) = facts.root.read(&new) else {
                    continue;
                };
                let (b, o, t) = if file == "main.cf" {
                    (
                        params(&MainCf::parse(base.as_bytes())),
                        params(inst.main()),
                        params(&MainCf::parse(&theirs)),
                    )
                } else {
                    let Some(ours) = inst.master() else { continue };
                    (
                        services(&MasterCf::parse(base.as_bytes())),
                        services(ours),
                        services(&MasterCf::parse(&theirs)),
                    )
                };
                let m = three_way(&b, &o, &t);
                out.push(finding(inst, file, &new, from.unwrap_or("?"), &m));
            }
        }
        out
    }
}

/// name → value (whitespace collapsed) of every explicit main.cf setting.
fn params(m: &MainCf) -> BTreeMap<String, String> {
    m.effective()
        .into_iter()
        .map(|p| (p.name.clone(), norm(&p.value)))
        .collect()
}

/// `name/type` → the entry as `postconf -M` prints it (whitespace collapsed).
fn services(m: &MasterCf) -> BTreeMap<String, String> {
    crate::config::show_master(m)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let id = format!("{}/{}", w.next()?, w.next()?);
            Some((id, norm(l)))
        })
        .collect()
}

fn norm(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One name's three sides (`None`: not set / no such service).
#[derive(Debug, PartialEq, Eq)]
pub struct Side {
    pub name: String,
    pub base: Option<String>,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

/// The three-way result: what to take from the new stock file, what the admin changed
/// (kept), what both changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Merge {
    pub take: Vec<Side>,
    pub keep: Vec<Side>,
    pub conflict: Vec<Side>,
}

impl Merge {
    fn is_empty(&self) -> bool {
        self.take.is_empty() && self.conflict.is_empty()
    }
}

/// Classify every name of the three maps.
pub fn three_way(
    base: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
    theirs: &BTreeMap<String, String>,
) -> Merge {
    let names: BTreeSet<&String> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .collect();
    let mut m = Merge::default();
    for name in names {
        let side = Side {
            name: name.clone(),
            base: base.get(name).cloned(),
            ours: ours.get(name).cloned(),
            theirs: theirs.get(name).cloned(),
        };
        if side.ours == side.theirs {
            continue;
        } else if side.ours == side.base {
            m.take.push(side);
        } else if side.theirs == side.base {
            m.keep.push(side);
        } else {
            m.conflict.push(side);
        }
    }
    m
}

fn shown(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("`{v}`"),
        None => "(not set)".to_string(),
    }
}

fn finding(inst: &Instance, file: &str, rpmnew: &Path, from: &str, m: &Merge) -> Finding {
    let path = inst.config_directory.join(file).display().to_string();
    let new = rpmnew.display().to_string();
    let what = if file == "main.cf" {
        "parameter"
    } else {
        "service"
    };
    let mut f = Finding::new(
        ID,
        Severity::Low,
        format!(
            "{new}: {} new stock change(s) not in {path}, {} conflict(s)",
            m.take.len(),
            m.conflict.len()
        ),
    );
    f.location.file = Some(path.clone());
    f.related.push(Related::file(path));
    f.related.push(Related::file(new.clone()));
    let mut lines = vec![format!(
        "Compared {what} by {what}: the {from} stock {file} (base), {new} (the new stock file) \
         and {file} (yours)."
    )];
    if !m.take.is_empty() {
        lines.push(format!(
            "Changed only in the new stock file (take them: the commands below): {}.",
            m.take
                .iter()
                .map(|s| format!("{} {} → {}", s.name, shown(&s.ours), shown(&s.theirs)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if !m.keep.is_empty() {
        lines.push(format!(
            "Changed only by you (kept): {}.",
            m.keep
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !m.conflict.is_empty() {
        lines.push(format!(
            "Changed on both sides (yours is in force; decide each): {}.",
            m.conflict
                .iter()
                .map(|s| format!(
                    "{}: was {}, new stock {}, yours {}",
                    s.name,
                    shown(&s.base),
                    shown(&s.theirs),
                    shown(&s.ours)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if m.is_empty() {
        // everything in it is in force already (or was the admin's choice)
        f.severity = Severity::Info;
        f.title = format!("{new} is merged: nothing in it is missing from {file}");
        lines.push("Nothing is left to take and nothing conflicts.".to_string());
        f.summary = lines.join(" ");
        f.remediation.hint = format!("Remove {new}.");
        f.remediation.commands.push(common::argv(&["rm", &new]));
        f.key = Finding::key_from(ID, &[&new]);
        return f;
    }
    f.summary = lines.join(" ");
    f.remediation.hint = format!(
        "Run the postconf commands to take the new stock changes, decide the conflicts (keep \
         yours unless the new stock value is what you want), run `postfix check`, then \
         remove {new}."
    );
    for s in &m.take {
        let cmd = match (file, &s.theirs) {
            ("main.cf", Some(v)) => {
                common::postconf_command(inst, &["-e", &format!("{}={v}", s.name)])
            }
            ("main.cf", None) => common::postconf_command(inst, &["-X", &s.name]),
            (_, Some(v)) => common::postconf_command(inst, &["-M", &format!("{}={v}", s.name)]),
            (_, None) => common::postconf_command(inst, &["-MX", &s.name]),
        };
        f.remediation.commands.push(cmd);
    }
    f.key = Finding::key_from(ID, &[&new]);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn take_keep_conflict() {
        let base = map(&[("a", "1"), ("b", "1"), ("c", "1"), ("gone", "x")]);
        let ours = map(&[
            ("a", "1"),
            ("b", "2"),
            ("c", "2"),
            ("gone", "x"),
            ("mine", "m"),
        ]);
        let theirs = map(&[("a", "3"), ("b", "1"), ("c", "3"), ("new", "n")]);
        let m = three_way(&base, &ours, &theirs);
        let names = |v: &[Side]| v.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&m.take), ["a", "gone", "new"]);
        assert_eq!(names(&m.keep), ["b", "mine"]);
        assert_eq!(names(&m.conflict), ["c"]);
    }
}
