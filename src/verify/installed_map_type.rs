//! `installed-map-type` (verify only): a lookup table whose type the installed Postfix
//! does not have at all: neither compiled in nor a plugin of this release (for example
//! `dbm:` or `sdbm:` after leaving RHEL 7, `mongodb:` on any RHEL).
//!
//! What the build has comes from the installed release's profile (what its postfix
//! package compiles in and which sub-packages provide plugins), never from the host's
//! `postconf -m`. `hash:`/`btree:`, `nis:` and plugin types whose package is missing have
//! their own checks (`berkeley-db-map`, `nis-map`, `map-plugin-package`) with their fixes.
use std::collections::BTreeMap;

use crate::checks::{common, Check, CheckDocs};
use crate::config::MapRef;
use crate::facts::Facts;
use crate::finding::{Finding, Related, Severity};

pub struct InstalledMapType;

const ID: &str = "installed-map-type";

/// Types another check reports with its own fix.
const OTHER_CHECKS: &[&str] = &["hash", "btree", "nis"];

impl Check for InstalledMapType {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Lookup table types the installed Postfix does not have"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "(verify) Lookup tables, in main.cf, master.cf -o overrides, through $name, \
                   proxy: or unionmap:, whose type the installed release's Postfix neither \
                   compiles in nor ships as a plugin package.",
            why: "Postfix cannot open such a table (\"unsupported dictionary type\"): every \
                  lookup through it is a temporary error and the mail that needs it is \
                  deferred.",
            fix: "Rebuild the table as a type the release has (lmdb: for indexed files, \
                  texthash: or regexp: for small ones) and change the reference; nothing is \
                  changed automatically.",
            references: &[(
                "https://www.postfix.org/DATABASE_README.html",
                "Postfix lookup table overview",
            )],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let profile = facts.upgrade_path.target_profile();
        let mut out = Vec::new();
        for inst in &facts.instances {
            // map type → its references, first one first
            let mut unknown: BTreeMap<&str, Vec<&MapRef>> = BTreeMap::new();
            for r in facts.map_refs(inst) {
                let types = r.wrappers.iter().copied().chain([r.map_type]);
                for t in types {
                    if !OTHER_CHECKS.contains(&t) && !profile.supports_map(t) {
                        unknown.entry(t).or_default().push(r);
                    }
                }
            }
            for (t, refs) in unknown {
                let first = refs[0];
                let mut f = common::at_map_ref(
                    ID,
                    Severity::High,
                    format!("{t}: tables do not exist in the installed Postfix"),
                    inst,
                    first,
                );
                let places: Vec<String> = refs
                    .iter()
                    .map(|r| {
                        format!(
                            "{} ({}: {})",
                            common::place(inst, r.file, r.line),
                            r.parameter,
                            r.text
                        )
                    })
                    .collect();
                f.summary = format!(
                    "Postfix {} of {} ({}) has no `{t}` map type, neither built in nor as a \
                     plugin package, so it cannot open these tables: every lookup through \
                     them fails with a temporary error. Used at: {}.",
                    facts.postfix.version,
                    facts.target,
                    profile.id,
                    places.join("; ")
                );
                f.remediation.hint = format!(
                    "Rebuild each {t}: table as lmdb: (`postmap lmdb:FILE` from its text \
                     source) or texthash:, and change the references listed."
                )
                .into();
                f.related.push(Related::package("postfix"));
                f.key = Finding::key_from(ID, &[&inst.config_directory.display().to_string(), t]);
                out.push(f);
            }
        }
        out
    }
}
