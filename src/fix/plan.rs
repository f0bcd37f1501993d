//! Planning: fixes as data. Each planner, keyed by the check id it remediates, reads the
//! facts and the working copy of one instance's main.cf/master.cf and edits that copy with
//! the lossless config API; planners run in turn until a whole pass changes nothing (the
//! fixed point), so the plan that comes out is already what a re-run would find clean.
//!
//! Planners never depend on the checks' code: they compute their edits from the same
//! facts (`map_refs`, spans, the master.cf edit API).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::{MainCf, MasterCf};
use crate::facts::{Facts, Instance};
use crate::finding::Applicability;

/// When a planned fix is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// By this run, before the upgrade.
    Now,
    /// Only once the new release is installed (it is not valid on the installed Postfix).
    AfterUpgrade,
}

/// One remediation in the plan: what it does, for which check, and how safe it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    /// The check id it remediates.
    pub check: &'static str,
    pub applicability: Applicability,
    pub when: When,
    /// Instance name (`-` for the primary).
    pub instance: String,
    /// The config file it edits (system path), if any.
    pub file: Option<PathBuf>,
    /// What it does, one sentence.
    pub summary: String,
    /// Why it is `review` or why it waits for the upgrade.
    pub note: Option<String>,
    /// For fixes after the upgrade: the commands that apply them then.
    pub commands: Vec<Vec<String>>,
}

/// Something the plan leaves unchanged, with the reason and the exact remediation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Left {
    pub check: &'static str,
    pub instance: String,
    pub file: Option<PathBuf>,
    /// What is left, e.g. `hash:/etc/postfix/smtps_access`.
    pub what: String,
    pub reason: String,
    /// Commands that remedy it (argv lists), may be empty.
    pub commands: Vec<Vec<String>>,
}

/// Which Postfix tool rebuilds a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Postmap,
    Postalias,
}

impl Tool {
    pub fn program(self) -> &'static str {
        match self {
            Tool::Postmap => "postmap",
            Tool::Postalias => "postalias",
        }
    }
}

/// A table to build from its text source before the config switches to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Rebuild {
    pub tool: Tool,
    /// The instance's config directory (system path), given as `-c`.
    pub config_dir: PathBuf,
    /// Map type the table is built as (`lmdb`).
    pub map_type: String,
    /// The text source (system path).
    pub source: PathBuf,
}

impl Rebuild {
    /// The file the tool writes (system path): `SOURCE.lmdb`.
    pub fn output(&self) -> PathBuf {
        let mut s = self.source.clone().into_os_string();
        s.push(".");
        s.push(&self.map_type);
        PathBuf::from(s)
    }

    /// The command as it runs on the inspected system.
    pub fn argv(&self) -> Vec<String> {
        vec![
            self.tool.program().to_string(),
            "-c".to_string(),
            self.config_dir.display().to_string(),
            format!("{}:{}", self.map_type, self.source.display()),
        ]
    }
}

/// What the host can do, decided before planning.
#[derive(Debug, Clone, Default)]
pub struct Support {
    /// Why lmdb tables cannot be built (`postconf -m` lacks lmdb, `postfix-lmdb` is not
    /// installed); `None` when they can.
    pub lmdb_missing: Option<String>,
    /// Tables (text source, system path) whose rebuild failed in this run, with the
    /// tool's message: their type is not switched.
    pub failed_tables: Vec<(PathBuf, String)>,
}

/// Options that shape the plan.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Which planners run (check ids).
    pub selection: crate::policy::Selection,
    /// Apply `review` fixes too (`--unsafe`).
    pub unsafe_fixes: bool,
    pub support: Support,
}

/// The working copy of one instance's files during planning.
#[derive(Debug, Clone)]
pub struct Draft {
    pub main: MainCf,
    pub master: Option<MasterCf>,
}

impl Draft {
    /// A SHA-256 of both files' bytes: whether a planner pass changed anything, without
    /// keeping a copy of a master.cf of thousands of services from before the pass.
    fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.main.as_bytes());
        // a separator that keeps (main, master) pairs from colliding by concatenation
        h.update((self.main.as_bytes().len() as u64).to_le_bytes());
        if let Some(m) = &self.master {
            h.update(m.as_bytes());
        }
        h.finalize().into()
    }
}

/// A file the fix removes (a `.rpmnew` whose content is wholly merged), in the same
/// transaction as the edits: backed up, and brought back by undo or a rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub instance: String,
    /// System path.
    pub path: PathBuf,
    /// The bytes the plan was made from (the file must still hold them).
    pub old: Vec<u8>,
    /// The fix record shown for it.
    pub fix: Fix,
}

/// What one planner pass over one instance produced besides edits to the draft.
#[derive(Debug, Default)]
pub struct Out {
    pub fixes: Vec<Fix>,
    pub left: Vec<Left>,
    pub later: Vec<Fix>,
    pub rebuilds: Vec<Rebuild>,
    /// Files to remove, decided on the draft as the pass left it (only the last pass's
    /// count, as for `left`).
    pub removals: Vec<Removal>,
}

/// The context a planner sees.
pub struct Cx<'a> {
    pub facts: &'a Facts,
    pub inst: &'a Instance,
    pub opts: &'a PlanOptions,
}

impl Cx<'_> {
    /// The built-in default of a parameter for this instance ([`Facts::default_value`]:
    /// the RHEL build's value where upstream only says "see postconf -d output").
    pub fn default_value(&self, name: &str) -> Option<String> {
        self.facts.default_value(self.inst, name)
    }

    /// Fully expanded value of a main.cf parameter in the draft.
    pub fn expanded(&self, draft: &Draft, name: &str) -> String {
        let defaults = |n: &str| self.default_value(n);
        crate::config::Expander::new(&draft.main, &defaults)
            .param(name)
            .value
    }

    /// Text expanded against the draft's main.cf and the built-in defaults.
    pub fn expanded_text(&self, draft: &Draft, text: &str) -> String {
        let defaults = |n: &str| self.default_value(n);
        crate::config::Expander::new(&draft.main, &defaults)
            .expand(text)
            .value
    }

    /// A fix record for this instance.
    pub fn fix(
        &self,
        check: &'static str,
        applicability: Applicability,
        file: Option<&Path>,
        summary: String,
    ) -> Fix {
        Fix {
            check,
            applicability,
            when: When::Now,
            instance: self.inst.name.clone(),
            file: file.map(Path::to_path_buf),
            summary,
            note: None,
            commands: Vec::new(),
        }
    }

    /// A left-unchanged record for this instance.
    pub fn left(
        &self,
        check: &'static str,
        file: Option<&Path>,
        what: String,
        reason: String,
        commands: Vec<Vec<String>>,
    ) -> Left {
        Left {
            check,
            instance: self.inst.name.clone(),
            file: file.map(Path::to_path_buf),
            what,
            reason,
            commands,
        }
    }

    /// `postconf -c DIR ARGS...` for this instance.
    pub fn postconf(&self, args: &[&str]) -> Vec<String> {
        let mut v = vec![
            "postconf".to_string(),
            "-c".to_string(),
            self.inst.config_directory.display().to_string(),
        ];
        v.extend(args.iter().map(|s| s.to_string()));
        v
    }

    /// The command that runs this tool's fix for `ids` once the new release is installed.
    pub fn after_upgrade_command(&self, ids: &[&str]) -> Vec<String> {
        let f = self.facts;
        let mut v = vec![
            "postfix-preupgrade".to_string(),
            "--source".to_string(),
            format!("rhel{}", f.source.major),
            "--target".to_string(),
            format!("rhel{}", f.target.major),
        ];
        if !self.inst.primary || self.inst.config_directory != Path::new("/etc/postfix") {
            v.push("-c".into());
            v.push(f.primary().config_directory.display().to_string());
        }
        v.extend(["fix".to_string(), "--only".to_string(), ids.join(",")]);
        v
    }
}

/// A planner: the fix for one check id.
pub trait Planner: Sync {
    /// The check id it remediates.
    fn id(&self) -> &'static str;
    /// Examine the draft, edit it for every fix that applies now, and record the fixes,
    /// what is left and what waits for the upgrade.
    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out);
}

/// Every planner, in the order they run.
pub const PLANNERS: &[&dyn Planner] = &[
    &super::berkeley::BerkeleyDb,
    &super::nis::NisMap,
    &super::smtps::SmtpsRenamed,
    &super::deprecated::DeprecatedParameter,
    &super::deprecated::RemovedRestriction,
    // before compatibility-level: chroot "-" is pinned by what it means today
    &super::master::MasterInternalServices,
    &super::compat::CompatibilityLevel,
    &super::rhel_params::RhelOnlyParameter,
    &super::rhel_params::UnknownParameter,
    &super::rhel_params::DefaultOverrides,
    // last: it merges the new stock file into what the other fixes made (after
    // compatibility-level, so a stock level is never taken without its pins)
    &super::rpmnew::RpmnewMerge,
];

/// Ids the planners fix.
pub fn planner_ids() -> Vec<&'static str> {
    PLANNERS.iter().map(|p| p.id()).collect()
}

/// A changed config file: its old and new bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub instance: String,
    /// System path.
    pub path: PathBuf,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// The whole plan.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files whose bytes change (never one whose bytes stay the same).
    pub changes: Vec<FileChange>,
    /// Tables to build before the switch.
    pub rebuilds: Vec<Rebuild>,
    /// Fixes this run applies.
    pub fixes: Vec<Fix>,
    /// Fixes planned for after the upgrade.
    pub later: Vec<Fix>,
    /// What is left unchanged, with reasons.
    pub left: Vec<Left>,
    /// Files removed (each also has its record in `fixes`).
    pub removals: Vec<Removal>,
}

impl Plan {
    /// Nothing to write, remove or build.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.rebuilds.is_empty() && self.removals.is_empty()
    }
}

/// Passes over an instance before giving up on reaching a fixed point.
const MAX_PASSES: usize = 8;

/// Plan every fix for every instance: run the selected planners on a working copy of
/// each instance's files until a pass changes nothing.
pub fn plan(facts: &Facts, opts: &PlanOptions) -> Plan {
    let mut p = Plan::default();
    let mut rebuilds = BTreeSet::new();
    for inst in &facts.instances {
        let Some(main_loaded) = &inst.main_cf else {
            continue;
        };
        let mut draft = Draft {
            main: main_loaded.doc.clone(),
            master: inst.master().cloned(),
        };
        let cx = Cx { facts, inst, opts };
        let mut last = Out::default();
        for _ in 0..MAX_PASSES {
            let before = draft.digest();
            let mut out = Out::default();
            for planner in PLANNERS {
                if opts.selection.includes(planner.id()) {
                    planner.plan(&cx, &mut draft, &mut out);
                }
            }
            p.fixes.append(&mut out.fixes);
            rebuilds.extend(out.rebuilds.drain(..));
            last = out;
            if before == draft.digest() {
                break;
            }
        }
        p.left.append(&mut last.left);
        p.later.append(&mut last.later);
        for r in last.removals.drain(..) {
            p.fixes.push(r.fix.clone());
            p.removals.push(r);
        }
        let new_main = draft.main.to_bytes();
        if new_main != main_loaded.doc.as_bytes() {
            p.changes.push(FileChange {
                instance: inst.name.clone(),
                path: main_loaded.path.clone(),
                old: main_loaded.doc.to_bytes(),
                new: new_main,
            });
        }
        if let (Some(orig), Some(m)) = (&inst.master_cf, &draft.master) {
            let new_master = m.to_bytes();
            if new_master != orig.doc.as_bytes() {
                p.changes.push(FileChange {
                    instance: inst.name.clone(),
                    path: orig.path.clone(),
                    old: orig.doc.to_bytes(),
                    new: new_master,
                });
            }
        }
    }
    p.rebuilds = rebuilds.into_iter().collect();
    p
}

/// Parameters main.cf sets that are related to `name` by name, best first: those sharing
/// the most leading `_`-separated words with it (at least one: `smtpd_`, `postscreen_`,
/// `mynetworks`), the later one in the file on a tie. A new parameter goes next to the
/// first ([`MainCf::set_near`]) rather than at the end of the file.
pub fn related(main: &MainCf, name: &str) -> Vec<String> {
    let words: Vec<&str> = name.split('_').collect();
    let shared = |other: &str| {
        words
            .iter()
            .zip(other.split('_'))
            .take_while(|(a, b)| *a == b)
            .count()
    };
    let mut v: Vec<(usize, usize, String)> = main
        .effective()
        .into_iter()
        .filter(|p| p.name != name)
        .map(|p| (shared(&p.name), p.line, p.name.clone()))
        .filter(|(n, _, _)| *n > 0)
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    v.into_iter().map(|(_, _, n)| n).collect()
}

/// Split a Postfix list value into (offset, token) pairs (separators `, \t\r\n`, `{}`
/// grouping kept inside a token).
pub fn list_tokens(v: &str) -> Vec<(usize, &str)> {
    let b = v.as_bytes();
    let sep = |c: u8| matches!(c, b',' | b' ' | b'\t' | b'\r' | b'\n');
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && sep(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let s = i;
        let mut level = 0usize;
        while i < b.len() {
            match b[i] {
                b'{' => level += 1,
                b'}' if level > 0 => level -= 1,
                c if level == 0 && sep(c) => break,
                _ => {}
            }
            i += 1;
        }
        out.push((s, &v[s..i]));
    }
    out
}

/// Compare Postfix version-like strings numerically (`3.10 > 3.8`, `2 < 3.6`).
pub fn level_tuple(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.trim().split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    let c = it.next().map(str::parse).transpose().ok()?.unwrap_or(0);
    if it.next().is_some() {
        return None;
    }
    Some((a, b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_levels() {
        let t = list_tokens("permit_mynetworks,\n    check_client_access unionmap:{a, b}, x");
        let words: Vec<&str> = t.iter().map(|(_, w)| *w).collect();
        assert_eq!(
            words,
            [
                "permit_mynetworks",
                "check_client_access",
                "unionmap:{a, b}",
                "x"
            ]
        );
        assert!(level_tuple("3.10") > level_tuple("3.8"));
        assert!(level_tuple("2") < level_tuple("3.6"));
        assert_eq!(level_tuple("x"), None);
    }

    #[test]
    fn related_names_share_leading_words() {
        let m = MainCf::parse(
            b"smtpd_tls_cert_file = a\nmyhostname = x\nsmtpd_banner = b\nsmtpd_tls_key_file = c\n",
        );
        assert_eq!(
            related(&m, "smtpd_tls_security_level"),
            ["smtpd_tls_key_file", "smtpd_tls_cert_file", "smtpd_banner"]
        );
        assert!(related(&m, "info_log_address_format").is_empty());
    }
}
