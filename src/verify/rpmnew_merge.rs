//! `rpmnew-merge`: a three-way look at `main.cf.rpmnew` / `master.cf.rpmnew`, by
//! parameter and by service, not by line.
//!
//! - base: the stock file of the release the host came from, as its RPM installed it
//!   (`data/stock/<release>/`, see `data/stock/gen.sh`);
//! - theirs: the `.rpmnew` the upgrade left (the new release's stock file);
//! - ours: the file Postfix reads.
//!
//! For each parameter (each master.cf service, by `name/type`): changed only in the new
//! stock file → take it; changed only by the admin → keep it; changed on both sides to
//! different values → a conflict, shown side by side. The same comparison ([`pending`],
//! [`merge_main`], [`merge_master`]) serves this check (verify) and the fix that applies
//! the non-conflicting part (`crate::fix::rpmnew`, `fix --only rpmnew-merge`), which
//! removes the `.rpmnew` only once nothing is left to take and nothing conflicts.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::checks::{common, Check, CheckDocs};
use crate::config::{MainCf, MasterCf};
use crate::facts::{Facts, Instance, Profile};
use crate::finding::{ArcStr, Finding, FixInfo, Related, Severity};

pub struct RpmnewMerge;

/// The check id (and the fix's).
pub const ID: &str = "rpmnew-merge";

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

/// One `.rpmnew` beside an instance's main.cf or master.cf, with what it is compared to.
#[derive(Debug, Clone)]
pub struct Pending {
    /// `main.cf` or `master.cf`.
    pub file: &'static str,
    /// The admin's file (system path).
    pub path: PathBuf,
    /// The `.rpmnew` (system path).
    pub rpmnew: PathBuf,
    /// Its bytes (theirs).
    pub theirs: Vec<u8>,
    /// The stock file of the release the host came from (base).
    pub base: &'static str,
    /// That release's profile id.
    pub from: &'static str,
}

impl Pending {
    /// The three-way result against `ours` (a main.cf or master.cf, as `file` says).
    pub fn merge(&self, main: &MainCf, master: Option<&MasterCf>) -> Option<Merge> {
        if self.file == "main.cf" {
            Some(merge_main(self.base, main, &self.theirs))
        } else {
            master.map(|m| merge_master(self.base, m, &self.theirs))
        }
    }
}

/// The `.rpmnew` files of one instance that the upgrade to the installed release left,
/// read from the root. None without a stock file of the previous release.
pub fn pending(facts: &Facts, inst: &Instance) -> Vec<Pending> {
    pending_or_unreadable(facts, inst).0
}

/// [`pending`], and the `.rpmnew` files that are there but cannot be read (a link, a
/// special file), with the reason.
pub fn pending_or_unreadable(
    facts: &Facts,
    inst: &Instance,
) -> (Vec<Pending>, Vec<(PathBuf, String)>) {
    let from = Profile::latest(facts.target.major.saturating_sub(1)).map(|p| p.id);
    let Some(&(from, base_main, base_master)) = BASES.iter().find(|(id, _, _)| Some(*id) == from)
    else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for (file, base) in [("main.cf", base_main), ("master.cf", base_master)] {
        let rpmnew = inst.config_directory.join(format!("{file}.rpmnew"));
        if !facts.rpm_leftovers.contains(&rpmnew) {
            continue;
        }
        let theirs = match facts.root.read(&rpmnew) {
            Ok(t) => t,
            Err(e) => {
                unreadable.push((rpmnew, e.to_string()));
                continue;
            }
        };
        out.push(Pending {
            file,
            path: inst.config_directory.join(file),
            rpmnew,
            theirs,
            base,
            from,
        });
    }
    (out, unreadable)
}

/// The three-way result for main.cf, parameter by parameter.
pub fn merge_main(base: &str, ours: &MainCf, theirs: &[u8]) -> Merge {
    three_way(
        &params(&MainCf::parse(base.as_bytes())),
        &params(ours),
        &params(&MainCf::parse(theirs)),
    )
}

/// The three-way result for master.cf, service by service (`name/type`).
pub fn merge_master(base: &str, ours: &MasterCf, theirs: &[u8]) -> Merge {
    three_way(
        &services(&MasterCf::parse(base.as_bytes())),
        &services(ours),
        &services(&MasterCf::parse(theirs)),
    )
}

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
            fix: "`postfix-preupgrade fix` on the new release takes what changed only in the \
                  new stock file (new stock comment blocks come with new parameters and \
                  services), keeps the admin's changes and leaves each conflict, listed side \
                  by side with a recommendation; it removes the .rpmnew only when nothing \
                  is left to take and nothing conflicts (diff, backup, postconf validation \
                  and undo as for every fix). The listed postconf commands do the same by \
                  hand.",
            references: &[("https://www.postfix.org/postconf.1.html", "postconf(1)")],
        }
    }
    fn fixable(&self) -> bool {
        true
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            for p in pending(facts, inst) {
                if let Some(m) = p.merge(inst.main(), inst.master()) {
                    out.push(finding(facts, inst, &p, &m));
                }
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

/// A value with every run of whitespace collapsed to one space, as compared.
pub fn norm(v: &str) -> String {
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
    /// Nothing to take and nothing in conflict: the `.rpmnew` holds nothing that is not
    /// in force or the admin's choice.
    pub fn is_empty(&self) -> bool {
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

/// A side's value for people: `` `v` `` or `(not set)`.
pub fn shown(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("`{v}`"),
        None => "(not set)".to_string(),
    }
}

/// A conflict side by side: what it was, the new stock value, yours.
pub fn side_by_side(s: &Side) -> String {
    format!(
        "{}: was {}, new stock {}, yours {}",
        s.name,
        shown(&s.base),
        shown(&s.theirs),
        shown(&s.ours)
    )
}

/// What to do about a conflict: yours stays in force, the new stock value only by choice.
pub fn recommendation(s: &Side) -> String {
    match (&s.ours, &s.theirs) {
        (Some(_), Some(_)) => "keep yours (it is in force and was changed on purpose); take              the new stock value only if its change is what you want"
            .to_string(),
        (Some(_), None) => "keep yours: the new stock file no longer sets it, which changes              nothing while yours is there"
            .to_string(),
        (None, _) => "you removed it and the new stock file changes it: leave it out unless              you want the new stock value"
            .to_string(),
    }
}

/// The postconf command that takes the new stock side of `s` into `inst`'s `file`.
pub fn take_command(inst: &Instance, file: &str, s: &Side) -> Vec<ArcStr> {
    match (file, &s.theirs) {
        ("main.cf", Some(v)) => common::postconf_command(inst, &["-e", &format!("{}={v}", s.name)]),
        ("main.cf", None) => common::postconf_command(inst, &["-X", &s.name]),
        (_, Some(v)) => common::postconf_command(inst, &["-M", &format!("{}={v}", s.name)]),
        (_, None) => common::postconf_command(inst, &["-MX", &s.name]),
    }
}

fn finding(facts: &Facts, inst: &Instance, p: &Pending, m: &Merge) -> Finding {
    let file = p.file;
    let path = p.path.display().to_string();
    let new = p.rpmnew.display().to_string();
    let from = p.from;
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
    f.key = Finding::key_from(ID, &[&new]);
    let mut lines = vec![format!(
        "Compared {what} by {what}: the {from} stock {file} (base), {new} (the new stock file) \
         and {file} (yours)."
    )];
    if !m.take.is_empty() {
        lines.push(format!(
            "Changed only in the new stock file (fix takes them): {}.",
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
                .map(|s| format!("{} (recommended: {})", side_by_side(s), recommendation(s)))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    // `fix` on the new release applies the non-conflicting part, and removes the .rpmnew
    // when that is everything
    // (the stock compatibility_level comes from its own fix, which pins the old defaults)
    let ids = if file == "main.cf" && m.take.iter().any(|s| s.name == "compatibility_level") {
        format!("compatibility-level,{ID}")
    } else {
        ID.to_string()
    };
    let fix = crate::verify::fix_after_upgrade(facts, common::fix_command(&ids));
    f.fix = FixInfo::safe();
    if m.is_empty() {
        // everything in it is in force already (or was the admin's choice)
        f.severity = Severity::Info;
        f.title = format!("{new} is merged: nothing in it is missing from {file}").into();
        lines.push("Nothing is left to take and nothing conflicts.".to_string());
        f.summary = lines.join(" ");
        f.remediation.hint = format!("Remove {new} (fix removes it too, with a backup).").into();
        f.remediation.commands.push(common::argv(&["rm", &new]));
        return f;
    }
    f.summary = lines.join(" ");
    f.remediation.hint = if m.conflict.is_empty() {
        format!(
            "Run fix: it takes the new stock changes (the postconf commands below do the same \
             by hand) and then removes {new}; run `postfix check` after."
        )
        .into()
    } else {
        format!(
            "Run fix: it takes the new stock changes (the postconf commands below do the same \
             by hand) and leaves the conflicts; decide each (keep yours unless the new stock \
             value is what you want), then remove {new}."
        )
        .into()
    };
    if !m.take.is_empty() {
        f.remediation.commands.push(fix);
    }
    for s in &m.take {
        f.remediation.commands.push(take_command(inst, file, s));
    }
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
