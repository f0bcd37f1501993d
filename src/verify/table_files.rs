//! `table-file-state` (verify only): every file-backed lookup table the installed Postfix
//! will open is there, and an indexed one is not older than its text source.
//!
//! - indexed types (`lmdb:` → `NAME.lmdb`, `cdb:` → `NAME.cdb`, and where the release
//!   still has Berkeley DB `hash:`/`btree:` → `NAME.db`): the indexed file must exist
//!   (else Postfix cannot open the table), and must not be older than `NAME` (Postfix
//!   then logs "database NAME.lmdb is older than source file NAME" and answers from the
//!   old contents: the last edit never took effect);
//! - text types Postfix reads directly (`regexp:`, `pcre:`, `cidr:`, `texthash:`): the
//!   file must exist.
//!
//! Caches Postfix creates itself (`address_verify_map`, `postscreen_cache_map`, the TLS
//! session caches) are left out: they need no file in advance.
use std::collections::BTreeMap;
use std::time::Duration;

use crate::checks::{common, Check, CheckDocs};
use crate::config::MapRef;
use crate::facts::{Facts, Instance};
use crate::finding::{ArcStr, Finding, FixInfo, Related, Severity};

pub struct TableFiles;

const ID: &str = "table-file-state";

/// How much newer than its indexed file a source must be to count as edited after the
/// last build: files written together (a package, a copy, postmap itself) are never this
/// far apart.
const STALE_AFTER: Duration = Duration::from_secs(2);

/// Indexed map types and the suffix of the file Postfix opens.
const INDEXED: &[(&str, &str)] = &[
    ("lmdb", ".lmdb"),
    ("cdb", ".cdb"),
    ("hash", ".db"),
    ("btree", ".db"),
];
/// Map types whose file Postfix reads as it is.
const TEXT: &[&str] = &["regexp", "pcre", "cidr", "texthash"];

/// Whether a parameter names a cache Postfix creates on its own.
fn is_cache(parameter: &str) -> bool {
    parameter == "address_verify_map"
        || parameter == "postscreen_cache_map"
        || parameter.ends_with("_cache_database")
}

impl Check for TableFiles {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Table files missing or older than their text source"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "(verify) Every file-backed lookup table the configuration names (main.cf, \
                   master.cf -o, through $name, proxy: or unionmap:): an lmdb:/cdb: (or, \
                   where the release has Berkeley DB, hash:/btree:) table's indexed file \
                   exists and is not older than its text source; a regexp:/pcre:/cidr:/\
                   texthash: file exists. Caches Postfix creates itself are left out.",
            why: "A missing indexed file cannot be opened: lookups fail with a temporary \
                  error and mail is deferred (high). An indexed file older than its source \
                  means the last edit of the source never reached Postfix: it logs \"database \
                  ... is older than source file\" and answers from the old contents \
                  (medium).",
            fix: "Rebuild the table from its source: `postmap TYPE:FILE` (`postalias` for \
                  alias tables), then `postfix reload`.",
            references: &[("https://www.postfix.org/postmap.1.html", "postmap(1)")],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let profile = facts.upgrade_path.target_profile();
        let mut out = Vec::new();
        for inst in &facts.instances {
            let aliases = facts.alias_tables(inst);
            // (type, name) → references, each table reported once at its first use
            let mut tables: BTreeMap<(&str, &str), Vec<&MapRef>> = BTreeMap::new();
            for r in facts.map_refs(inst) {
                let known =
                    INDEXED.iter().any(|(t, _)| *t == r.map_type) || TEXT.contains(&r.map_type);
                if !known
                    || !profile.supports_map(r.map_type)
                    || is_cache(&r.parameter)
                    || !common::is_file_name(&r.name)
                {
                    continue;
                }
                tables
                    .entry((r.map_type, r.name.as_str()))
                    .or_default()
                    .push(r);
            }
            let untyped = untyped_aliases(facts, inst, &aliases, &tables);
            for ((t, name), refs) in tables {
                let alias = aliases.iter().any(|a| a == name);
                if let Some(f) = table_finding(facts, inst, t, name, alias, refs[0]) {
                    out.push(f);
                }
            }
            for r in &untyped {
                if let Some(f) = table_finding(facts, inst, r.map_type, &r.name, true, r) {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// Alias tables main.cf names without a type (`alias_database = /etc/aliases`): Postfix
/// opens them as `$default_database_type` tables. Each as a reference located at the
/// parameter that names it.
fn untyped_aliases(
    facts: &Facts,
    inst: &Instance,
    aliases: &[String],
    typed: &BTreeMap<(&str, &str), Vec<&MapRef>>,
) -> Vec<MapRef> {
    let main = inst.main();
    let defaults = facts.defaults_for(inst);
    let ex = crate::config::Expander::new(main, &defaults);
    // a type Postfix does not know has no indexed file: nothing to report (see the end)
    let Some(db_type) =
        crate::config::known_map_type(ex.param("default_database_type").value.trim())
    else {
        return Vec::new();
    };
    let mut out: Vec<MapRef> = Vec::new();
    for param in crate::facts::ALIAS_PARAMS {
        let Some(p) = main.get(param) else { continue };
        let value = ex.param(param).value;
        for name in value
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|t| !t.is_empty() && !t.contains(':'))
        {
            let seen = typed.keys().any(|(_, n)| *n == name) || out.iter().any(|r| r.name == name);
            if seen || !aliases.iter().any(|a| a == name) || !common::is_file_name(name) {
                continue;
            }
            let text = crate::config::ArcStr::from(name);
            out.push(MapRef {
                map_type: db_type,
                name: text.substr(..),
                wrappers: Vec::new(),
                text,
                parameter: param.to_string().into(),
                service: None,
                file: crate::config::ConfigFile::Main,
                line: p.line,
                at: None,
                type_at: None,
                via: None,
            });
        }
    }
    // only types with a file Postfix opens, and that this Postfix has
    let profile = facts.upgrade_path.target_profile();
    out.retain(|r| {
        INDEXED.iter().any(|(t, _)| *t == r.map_type) && profile.supports_map(r.map_type)
    });
    out
}

fn table_finding(
    facts: &Facts,
    inst: &Instance,
    t: &str,
    name: &str,
    alias: bool,
    first: &MapRef,
) -> Option<Finding> {
    let root = &facts.root;
    let source = root.modified(name).ok();
    let Some(&(_, suffix)) = INDEXED.iter().find(|(ty, _)| *ty == t) else {
        // a text table: Postfix reads the file itself
        if root.is_file(name) {
            return None;
        }
        let mut f = base(
            inst,
            first,
            Severity::High,
            format!("{t}:{name} does not exist"),
        );
        f.summary = format!(
            "{} names `{t}:{name}`, and {name} does not exist: Postfix cannot open the table, \
             so every lookup through it fails with a temporary error.",
            common::place(inst, first.file, first.line)
        );
        f.remediation.hint = format!("Restore {name}, or remove the reference.").into();
        return Some(f);
    };
    let indexed = format!("{name}{suffix}");
    let build = if alias { "postalias" } else { "postmap" };
    let command: Vec<ArcStr> = vec![build.into(), format!("{t}:{name}").into()];
    let built = root.modified(&indexed).ok();
    let mut f = match (built, source) {
        (None, _) => {
            let mut f = base(
                inst,
                first,
                Severity::High,
                format!("{indexed} does not exist"),
            );
            f.summary = format!(
                "{} names `{t}:{name}`, so Postfix opens {indexed}, which does not exist: \
                 every lookup through the table fails with a temporary error and the mail \
                 that needs it is deferred.",
                common::place(inst, first.file, first.line)
            );
            if source.is_some() {
                f.remediation.hint =
                    format!("Build it from its text source: `{build} {t}:{name}`.").into();
                f.remediation.commands.push(command);
                f.fix = FixInfo::none();
            } else {
                f.remediation.hint = format!(
                    "Its text source {name} does not exist either: restore the source (from a \
                     backup or the host it came from), then run `{build} {t}:{name}`."
                )
                .into();
            }
            f
        }
        (Some(b), Some(s)) if s.duration_since(b).is_ok_and(|d| d > STALE_AFTER) => {
            let mut f = base(
                inst,
                first,
                Severity::Medium,
                format!("{indexed} is older than its source {name}"),
            );
            f.summary = format!(
                "{name} was changed after {indexed} was built: Postfix logs \"database \
                 {indexed} is older than source file {name}\" and answers from the old \
                 contents, so the last edit of {name} is not in effect (table used at {}).",
                common::place(inst, first.file, first.line)
            );
            f.remediation.hint =
                format!("Rebuild it: `{build} {t}:{name}`, then `postfix reload`.").into();
            f.remediation.commands.push(command);
            f.remediation
                .commands
                .push(vec!["postfix".into(), "reload".into()]);
            f
        }
        _ => return None,
    };
    f.related.push(Related::file(indexed));
    Some(f)
}

fn base(inst: &Instance, r: &MapRef, severity: Severity, title: String) -> Finding {
    let mut f = common::at_map_ref(ID, severity, title, inst, r);
    f.related.push(Related::file(r.name.to_string()));
    f.key = Finding::key_from(
        ID,
        &[
            &inst.config_directory.display().to_string(),
            r.map_type,
            &r.name,
        ],
    );
    f
}
