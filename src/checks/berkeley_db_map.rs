//! `berkeley-db-map`: every `hash:`/`btree:` table on a target built without Berkeley DB
//! (profile data: [`UpgradePath::lacks_berkeley_db`](crate::facts::UpgradePath)).
//!
//! Where the types hide, and how each is reported:
//! - every table in main.cf values and master.cf `-o` values (both forms), wrapped in
//!   `proxy:`, inside `unionmap:{}`/`pipemap:{}`, in restriction lists
//!   ([`crate::config::map_refs`] finds them, commented lines never reach it);
//! - a type that arrives through `$name`: ONE finding at the line that writes the type,
//!   naming every line that uses it (references are grouped by where the type is
//!   written);
//! - `default_database_type` (explicitly hash/btree, or unset on a source whose built-in
//!   is hash) and the untyped tables that fall back to it (`alias_database =
//!   /etc/aliases`, an unset `alias_maps`/`alias_database`);
//! - the built-in `btree:` defaults of `postscreen_cache_map` (when a master.cf service
//!   runs `postscreen`) and `address_verify_map` (when a `verify` service exists AND a
//!   `reject_unverified_*` restriction asks it, in a restriction list or as the action
//!   of an access table named in one: verify(8) is in every stock master.cf but only
//!   starts when something queries it);
//! - a `.db` file whose text source is gone: it cannot be rebuilt as lmdb.
//!
//! Caches (`*_session_cache_database`, `postscreen_cache_map`, `address_verify_map`,
//! `*_sasl_auth_cache_name`) are recreated by Postfix: no postmap, no text source needed.
//! An explicit cache map for a daemon that does not run here is `low`.
use std::collections::HashSet;

use super::common;
use super::{Check, CheckDocs};
use crate::config::{ConfigFile, Expander, MapRef, Service};
use crate::facts::{lmdb_value, params, Facts, Instance, ALIAS_PARAMS};
use crate::finding::{ArcStr, Finding, FixInfo, Link, Related, Severity};

pub struct BerkeleyDbMap;

const ID: &str = "berkeley-db-map";

/// The Berkeley DB map types.
pub const BDB_TYPES: &[&str] = &["hash", "btree"];

/// `address_verify_map`'s built-in default where Postfix has Berkeley DB (postconf(5)
/// gives it only as "see postconf -d output"; facts §2).
const VERIFY_MAP_DEFAULT: &str = "btree:$data_directory/verify_cache";

const LMDB_LINK: (&str, &str) = (
    "https://www.postfix.org/LMDB_README.html",
    "Postfix LMDB support",
);

/// [`LMDB_LINK`] as a finding's link (static texts: nothing allocated per finding).
fn lmdb_link() -> Link {
    Link {
        url: arcstr::literal!(LMDB_LINK.0),
        title: arcstr::literal!(LMDB_LINK.1),
    }
}

impl Check for BerkeleyDbMap {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Berkeley DB table on a target without Berkeley DB"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Every `hash:` and `btree:` lookup table Postfix would open on a target \
                   built without Berkeley DB: main.cf values and master.cf `-o` overrides \
                   (both forms), `proxy:` wrappers, `unionmap:`/`pipemap:` members, \
                   restriction lists, types that arrive through `$name` (reported once at \
                   the line that writes the type, naming the lines that use it), \
                   `alias_database`, untyped tables that fall back to \
                   `default_database_type`, the built-in btree: caches of postscreen(8) and \
                   verify(8) when those run, and `.db` files whose text source is gone. \
                   Silent on lmdb:, cdb:, cidr:, regexp: and commented lines.",
            why: "RHEL 10 builds Postfix without Berkeley DB. Daemons log \"unsupported \
                  dictionary type: hash\", every lookup in such a table fails with a \
                  temporary error and the mail that needs it is deferred (451 4.3.0); \
                  postmap, postalias and newaliases exit with a fatal error. A `.db` file \
                  without its text source cannot be converted once Berkeley DB is gone.",
            fix: "`postfix-preupgrade fix --only berkeley-db-map` rewrites each type to \
                  `lmdb:` where it is written (in the `$name` definition when it came \
                  through one), pins `default_database_type = lmdb` and the caches' lmdb: \
                  equivalents, and rebuilds each table from its text source with `postmap \
                  lmdb:FILE` / `postalias lmdb:FILE`. postfix-lmdb exists on RHEL 8.4+ and \
                  9, so the conversion is done and tested before the upgrade. A `.db` \
                  without a text source must first be dumped by hand (`postmap -s \
                  hash:FILE > FILE`) while Berkeley DB is still there.",
            references: &[
                LMDB_LINK,
                (
                    "https://www.postfix.org/DATABASE_README.html",
                    "Postfix lookup table overview",
                ),
                (
                    "https://www.postfix.org/NON_BERKELEYDB_README.html",
                    "Postfix without Berkeley DB",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        if !facts.upgrade_path.lacks_berkeley_db() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inst in &facts.instances {
            check_instance(facts, inst, &mut out);
        }
        out
    }
}

fn is_bdb(t: &str) -> bool {
    BDB_TYPES.contains(&t)
}

/// Where a group of references has its type written.
#[derive(PartialEq, Eq, Hash, Clone)]
enum DefAt {
    /// (file, line, column) of the type word.
    Span(ConfigFile, usize, usize),
    /// The built-in default of this parameter (main.cf does not set it).
    Default(String),
    /// No exact place (not valid UTF-8): grouped by the use.
    Use(ConfigFile, usize, ArcStr, Option<ArcStr>, ArcStr),
}

/// The parameter whose built-in default gives a reference its type, if it does.
fn from_default(r: &MapRef) -> Option<&str> {
    match (&r.type_at, &r.via) {
        (None, Some(v)) if v.line.is_none() => Some(&v.parameter),
        _ => None,
    }
}

fn def_at(r: &MapRef) -> DefAt {
    if let Some(p) = from_default(r) {
        return DefAt::Default(p.to_string());
    }
    match &r.type_at {
        Some(s) => DefAt::Span(s.file, s.line, s.column),
        None => DefAt::Use(
            r.file,
            r.line,
            r.parameter.clone(),
            r.service.clone(),
            r.text.clone(),
        ),
    }
}

/// What the daemons behind cache parameters need to run here.
struct Usage {
    postscreen: Vec<usize>,
    verify: Option<usize>,
    /// Where `reject_unverified_*` is asked for: a main.cf value, an -o value, or an
    /// action in the text source of an access table of a restriction list.
    unverified: Vec<String>,
}

fn usage(facts: &Facts, inst: &Instance, all_refs: &[MapRef]) -> Usage {
    let mut u = Usage {
        postscreen: Vec::new(),
        verify: None,
        unverified: Vec::new(),
    };
    let is_unverified = |v: &str| {
        v.contains("reject_unverified_sender") || v.contains("reject_unverified_recipient")
    };
    for p in inst.main().effective() {
        if is_unverified(&p.value) {
            u.unverified.push(format!(
                "{} ({})",
                common::place(inst, ConfigFile::Main, p.line),
                p.name
            ));
        }
    }
    if let Some(m) = inst.master() {
        for (i, s) in m.services().iter().enumerate() {
            match s.command.as_str() {
                "postscreen" => u.postscreen.push(i),
                "verify" => u.verify = Some(i),
                _ => {}
            }
            for o in &s.overrides {
                if is_unverified(&o.value) {
                    u.unverified.push(format!(
                        "{} ({} -o {})",
                        common::place(inst, ConfigFile::Master, o.line),
                        s.id(),
                        o.name
                    ));
                }
            }
        }
    }
    // access tables may answer with reject_unverified_* as their action
    let mut read = HashSet::new();
    for r in all_refs {
        if !r.parameter.ends_with("_restrictions") || !common::is_file_name(&r.name) {
            continue;
        }
        if !read.insert(r.name.clone()) {
            continue;
        }
        if let Ok(text) = facts.root.read_to_string(r.name.as_str()) {
            if text
                .lines()
                .any(|l| !l.trim_start().starts_with('#') && is_unverified(l))
            {
                u.unverified
                    .push(format!("{} (an action in {})", r.name, r.text));
            }
        }
    }
    u
}

impl Usage {
    fn verify_in_use(&self) -> bool {
        self.verify.is_some() && !self.unverified.is_empty()
    }
    /// Whether the daemon behind a cache parameter runs here (true for other parameters).
    fn runs(&self, parameter: &str) -> bool {
        match parameter {
            "postscreen_cache_map" => !self.postscreen.is_empty(),
            "address_verify_map" => self.verify_in_use(),
            _ => true,
        }
    }
}

/// A table's state on disk.
struct Table {
    name: String,
    alias: bool,
    cache: bool,
    source: bool,
    db: bool,
    /// The text source is newer than the `.db` Postfix reads (by more than
    /// [`STALE_AFTER`]): edited after the last postmap, so the two may differ (Postfix's
    /// own `postfix check` warns the same).
    stale: bool,
}

/// How much newer than its `.db` a text source must be to count as edited after the
/// build: files written together (a package, a checkout, a copy) are never this far apart.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

fn table(facts: &Facts, r: &MapRef, aliases: &[String]) -> Table {
    let cache = crate::config::CACHE_PARAMETERS.contains(&r.parameter.as_str());
    let file = common::is_file_name(&r.name);
    // each of the two paths resolved and stat-ed once (thousands of tables on a big host)
    let (source, db) = if file {
        (
            facts.root.stat(r.name.as_str()).ok(),
            facts.root.stat(format!("{}.db", r.name)).ok(),
        )
    } else {
        (None, None)
    };
    Table {
        name: r.name.to_string(),
        alias: ALIAS_PARAMS.contains(&r.parameter.as_str())
            || aliases.iter().any(|a| *a == *r.name),
        cache,
        source: source.is_some(),
        db: db.is_some(),
        stale: matches!((source, db), (Some((_, src)), Some((_, db))) if src > db + STALE_AFTER),
    }
}

fn rebuild(t: &Table) -> Vec<ArcStr> {
    let tool = if t.alias { "postalias" } else { "postmap" };
    common::argv(&[tool, &format!("lmdb:{}", t.name)])
}

fn describe_use(inst: &Instance, r: &MapRef) -> String {
    let mut what = r.text.to_string();
    for w in r.wrappers.iter().rev() {
        what = if *w == "proxy" {
            format!("proxy:{what}")
        } else {
            format!("{what} (in {w}:{{...}})")
        };
    }
    let owner = match &r.service {
        Some(s) => format!("{s} -o {}", r.parameter),
        None => r.parameter.to_string(),
    };
    format!(
        "- {}: {owner} = ...{what}",
        common::place(inst, r.file, r.line)
    )
}

fn check_instance(facts: &Facts, inst: &Instance, out: &mut Vec<Finding>) {
    let target = facts.target.to_string();
    let tv = facts.upgrade_path.target_postfix_version();
    let consequence = format!(
        "{target} builds Postfix {tv} without Berkeley DB: hash: and btree: tables cannot be \
         opened, lookups fail with a temporary error and the mail that needs them is \
         deferred; postmap and postalias refuse them."
    );
    let all_refs = facts.map_refs(inst);
    let aliases = facts.alias_tables(inst);
    let u = usage(facts, inst, all_refs);
    let refs: Vec<&MapRef> = all_refs.iter().filter(|r| is_bdb(r.map_type)).collect();
    let master = inst.master();

    // Group references by where their type is written, groups in the order of their
    // first reference; the index goes before the findings are built
    let mut index: std::collections::HashMap<DefAt, usize> = Default::default();
    let mut grouped: Vec<(DefAt, Vec<&MapRef>)> = Vec::new();
    for r in &refs {
        let k = def_at(r);
        match index.get(&k) {
            Some(&i) => grouped[i].1.push(r),
            None => {
                index.insert(k.clone(), grouped.len());
                grouped.push((k, vec![*r]));
            }
        }
    }
    drop(index);
    let mut sourceless_done: HashSet<String> = HashSet::new();
    let mut hints = common::SharedTexts::default();
    // the same words in every finding: made once, shared
    let fix_command = common::fix_command(ID);
    // about one finding per place (and a few more for the instance): thousands on a big
    // host, reserved once instead of doubled (a doubling holds old and new at once)
    out.reserve(grouped.len() + 8);
    for (k, group) in &grouped {
        let group = group.as_slice();
        let first = group[0];
        let tables: Vec<Table> = group.iter().map(|r| table(facts, r, &aliases)).collect();
        // The defining place (for a built-in default: the first use).
        let (file, line, column) = match &k {
            DefAt::Span(f, l, c) => (*f, *l, Some(*c)),
            DefAt::Use(f, l, ..) => (*f, *l, None),
            DefAt::Default(_) => (first.file, first.line, None),
        };
        let builtin = match &k {
            DefAt::Default(p) => Some(p.as_str()),
            _ => None,
        };
        let via = group.iter().find_map(|r| r.via.as_ref());
        let def_param = match (via, &first.type_at) {
            (Some(v), Some(_)) => v.parameter.clone(),
            _ => first.parameter.clone(),
        };
        let through_name = group.iter().any(|r| r.via.is_some());
        let mut f = common::finding_at_lines(
            ID,
            Severity::High,
            arcstr::literal!("Berkeley DB table on a target without Berkeley DB"),
            inst,
            file,
            line,
            line,
        );
        f.location.parameter = Some(def_param.clone());
        if file == ConfigFile::Master {
            f.location.service = first.service.clone();
        }
        let all_idle = group
            .iter()
            .all(|r| r.service.is_none() && !u.runs(&r.parameter));
        let type_word = first
            .type_at
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_else(|| first.map_type.into());
        let mut summary = if let Some(p) = builtin {
            let uses: Vec<String> = group.iter().map(|r| describe_use(inst, r)).collect();
            let default = facts.default_value(inst, p).unwrap_or_default();
            format!(
                "main.cf does not set `{p}`, so its built-in default `{default}` is used, \
                 and its type `{type_word}` is a Berkeley DB type. It is used through `${}` \
                 at:\n{}\n{consequence}",
                via.map(|v| v.expanded.as_str()).unwrap_or(p),
                uses.join("\n")
            )
        } else if through_name {
            let uses: Vec<String> = group.iter().map(|r| describe_use(inst, r)).collect();
            format!(
                "The table type `{type_word}` is written here, in `{def_param}`, and is used \
                 through `${}` at:\n{}\n{consequence}",
                via.map(|v| v.expanded.as_str()).unwrap_or(&def_param),
                uses.join("\n")
            )
        } else {
            let shown = match &first.at {
                Some(a) => format!("`{}`", a.text),
                None => format!("`{}` (as expanded)", first.text),
            };
            format!(
                "{shown} ({}{}) is a Berkeley DB table.\n{consequence}",
                match &first.service {
                    Some(s) => format!("{s} -o "),
                    None => String::new(),
                },
                first.parameter,
            )
        };
        if all_idle {
            f.severity = Severity::Low;
            summary.push_str(&format!(
                "\nThe daemon that uses `{}` does not run on this host now, so nothing \
                 breaks until it is enabled.",
                first.parameter
            ));
        }
        // Rebuild commands and missing sources.
        let mut commands = vec![fix_command.clone()];
        let mut missing = Vec::new();
        // whether every missing source has a .db left (then a finding about it exists)
        let mut missing_all_db = true;
        let mut seen = HashSet::new();
        for t in &tables {
            if t.cache {
                continue;
            }
            if !seen.insert((t.name.clone(), t.alias)) {
                continue;
            }
            if t.source {
                commands.push(rebuild(t));
            } else if common::is_file_name(&t.name) {
                missing.push(t.name.clone());
                missing_all_db &= t.db;
            }
        }
        if tables.iter().any(|t| t.cache) {
            summary.push_str(
                "\nCaches are recreated by Postfix: changing the type is enough (LMDB caches \
                 grow as needed, see lmdb_map_size).",
            );
        }
        f.summary = summary;
        // the package is named only when the rpm database does not show it installed
        let install = match facts.postfix.has_package("postfix-lmdb") {
            Some(true) => "",
            _ => "Install postfix-lmdb, ",
        };
        let rewrite = match (column, builtin) {
            (Some(_), _) => format!("change `{type_word}` to `lmdb` here"),
            (None, Some(p)) => format!(
                "set `{p} = {}` in main.cf (its default with an explicit lmdb type{})",
                lmdb_value(&facts.default_value(inst, p).unwrap_or_default()),
                if p == "alias_maps" {
                    ", and alias_database likewise"
                } else {
                    ""
                }
            ),
            (None, None) => format!("change the type of `{}` to lmdb", first.text),
        };
        let mut hint;
        if tables.iter().all(|t| t.cache) {
            f.fix = FixInfo::safe();
            hint = format!(
                "{install}{rewrite} and reload Postfix: the cache is recreated \
                 empty."
            );
        } else if missing.is_empty() {
            let stale: Vec<&str> = tables
                .iter()
                .filter(|t| t.stale && !t.cache)
                .map(|t| t.name.as_str())
                .collect();
            // fix compares a stale-looking table's contents with its .db and switches it
            // only when they match (or with --unsafe), so the fix itself stays safe
            f.fix = FixInfo::safe();
            let when = if facts.upgrade_path.upgrades() {
                "all before the upgrade"
            } else {
                "Postfix cannot open these tables until then"
            };
            hint = format!(
                "{install}{rewrite}, rebuild the tables as lmdb (the .lmdb files \
                 are created next to the text sources), reload Postfix; {when}."
            );
            if !stale.is_empty() {
                hint.push_str(&format!(
                    " But {} changed after its .db was last built, so the table Postfix \
                     uses now may differ from the text, and an lmdb table built from the \
                     text would change what Postfix does: fix compares the two and switches \
                     such a table only when they match; if they differ, check the text, \
                     rebuild the .db from it or correct it, or run fix --unsafe.",
                    stale.join(", ")
                ));
            }
        } else {
            f.fix = FixInfo::none();
            hint = format!(
                "{install}{rewrite}, but first recreate the text source of {} ({}): \
                 without it the table cannot be rebuilt as lmdb.",
                missing.join(", "),
                if missing_all_db {
                    "see the finding about its .db file"
                } else {
                    "neither it nor a .db file exists here"
                }
            );
        }
        // the same few hints in thousands of findings: one string each
        f.remediation.hint = hints.get(&capitalise(&hint));
        f.remediation.commands = commands;
        f.links.push(lmdb_link());
        let defining_text = f.location.text.clone().unwrap_or_default();
        f.key = Finding::key_from(
            ID,
            &[
                &common::config_path(inst, file).display().to_string(),
                f.location.service.as_deref().unwrap_or(""),
                &def_param,
                &defining_text,
                &first.text,
            ],
        );
        for r in group {
            let p = common::config_path(inst, r.file).display().to_string();
            if !f.related.iter().any(|x| x.title == p) {
                f.related.push(Related::file(p));
            }
        }
        // one of thousands on a big host: no slack kept with it
        f.shrink_to_fit();
        out.push(f);

        // A .db whose text source is gone: its own finding, at the first use.
        for (r, t) in group.iter().zip(&tables) {
            if t.cache || t.source || !t.db || !sourceless_done.insert(t.name.clone()) {
                continue;
            }
            out.push(sourceless(inst, r, t, &consequence));
        }
    }

    builtin_caches(
        facts,
        inst,
        &u,
        master.map(|m| m.services()).unwrap_or(&[]),
        out,
    );
    default_type(facts, inst, out);
}

/// The sentence with its first letter in upper case.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sourceless(inst: &Instance, r: &MapRef, t: &Table, consequence: &str) -> Finding {
    let mut f = common::at_map_ref(
        ID,
        Severity::High,
        "Berkeley DB file without a text source",
        inst,
        r,
    );
    let dump = if t.alias { "postalias" } else { "postmap" };
    f.summary = format!(
        "`{}` is used here, {}.db exists but its text source {} does not: it cannot be \
         rebuilt as lmdb, and once Berkeley DB is gone nothing can read it.\n{consequence}",
        r.text, t.name, t.name
    );
    f.remediation.hint = format!(
        "While Berkeley DB is still installed, dump the table to a text source ({dump} -s), \
         check it, then build it as lmdb."
    )
    .into();
    f.remediation.commands = vec![
        common::argv(&[
            "sh",
            "-c",
            &format!("{dump} -s {}:{} > {}", r.map_type, t.name, t.name),
        ]),
        rebuild(t),
    ];
    f.fix = FixInfo::none();
    f.related.push(Related::file(format!("{}.db", t.name)));
    f.key = Finding::key_from(ID, &["no-text-source", &format!("{}.db", t.name)]);
    f.links.push(common::link(LMDB_LINK.0, LMDB_LINK.1));
    f
}

/// The built-in btree: caches of postscreen(8) and verify(8), when those run and the
/// parameter is set nowhere.
fn builtin_caches(
    facts: &Facts,
    inst: &Instance,
    u: &Usage,
    services: &[Service],
    out: &mut Vec<Finding>,
) {
    let tv = facts.upgrade_path.target_postfix_version();
    let main = inst.main();
    let mut cases: Vec<(&str, usize, String)> = Vec::new();
    if let Some(&i) = u.postscreen.first() {
        let default = params::default(&tv, "postscreen_cache_map")
            .unwrap_or("btree:$data_directory/postscreen_cache");
        cases.push(("postscreen_cache_map", i, default.to_string()));
    }
    if u.verify_in_use() {
        let default = params::default(&tv, "address_verify_map")
            .filter(|d| d.contains(':'))
            .unwrap_or(VERIFY_MAP_DEFAULT);
        cases.push((
            "address_verify_map",
            u.verify.unwrap_or(0),
            default.to_string(),
        ));
    }
    for (param, si, default) in cases {
        let s = &services[si];
        if main.get(param).is_some() || s.override_value(param).is_some() {
            continue; // explicit: the map references cover it
        }
        let ty = default
            .trim_start_matches("proxy:")
            .split(':')
            .next()
            .unwrap_or("");
        if !is_bdb(ty) {
            continue;
        }
        let lmdb = format!(
            "lmdb:{}",
            default.split_once(':').map(|x| x.1).unwrap_or("")
        );
        let mut f = common::at_service(
            ID,
            Severity::High,
            "Built-in Berkeley DB cache on a target without Berkeley DB",
            inst,
            s,
        );
        f.location.parameter = Some(param.to_string().into());
        let why_used = if param == "postscreen_cache_map" {
            format!("{} runs postscreen(8)", s.id())
        } else {
            format!(
                "{} runs verify(8) and address verification is asked for at {}",
                s.id(),
                u.unverified.join(", ")
            )
        };
        f.summary = format!(
            "{why_used}; {param} is not set, so it uses the built-in default `{default}` of \
             Postfix {tv}, a Berkeley DB table. On the target the daemon cannot open its \
             cache and fails.{}",
            if param == "address_verify_map" {
                " (postconf(5) gives this default only as \"see postconf -d output\": check \
                 it on the target host.)"
            } else {
                ""
            }
        );
        f.remediation.hint = format!(
            "Set {param} = {lmdb} in main.cf (the cache is recreated; LMDB caches grow as \
             needed)."
        )
        .into();
        f.remediation.commands = vec![
            common::fix_command(ID),
            common::postconf_command(inst, &[&format!("{param}={lmdb}")]),
        ];
        f.fix = FixInfo::safe();
        f.key = Finding::key_from(
            ID,
            &[
                &common::config_path(inst, ConfigFile::Master)
                    .display()
                    .to_string(),
                &s.id(),
                param,
                "built-in default",
            ],
        );
        f.links.push(lmdb_link());
        out.push(f);
    }
}

/// `default_database_type` and the untyped tables that fall back to it.
fn default_type(facts: &Facts, inst: &Instance, out: &mut Vec<Finding>) {
    let main = inst.main();
    let defaults = facts.defaults_for(inst);
    let ex = Expander::new(main, &defaults);
    let mut uses = Vec::new();
    if let Some(p) = main.get("alias_database") {
        let v = ex.param("alias_database").value;
        for tok in v
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|t| !t.is_empty() && !t.contains(':'))
        {
            uses.push(format!(
                "- {}: alias_database = {tok} (untyped: newaliases builds it with \
                 default_database_type)",
                common::place(inst, ConfigFile::Main, p.line)
            ));
        }
    } else {
        uses.push(format!(
            "- alias_database is not set: newaliases builds its built-in default `{}`",
            facts
                .default_value(inst, "alias_database")
                .unwrap_or_default()
        ));
    }
    if main.get("alias_maps").is_none() {
        uses.push(format!(
            "- alias_maps is not set: local(8) looks aliases up in its built-in default `{}`",
            facts.default_value(inst, "alias_maps").unwrap_or_default()
        ));
    }
    // A host already running the target's Postfix has the target's build default (the
    // source profile's hash default no longer describes it).
    let installed_is_target = facts.postfix.version >= facts.upgrade_path.target_postfix_version();
    let source_default = if facts.upgrade_path.source_profile().berkeley_db && !installed_is_target
    {
        "hash"
    } else {
        "lmdb"
    };
    let title = "Default database type is Berkeley DB";
    let mut f = match main.get("default_database_type") {
        Some(p) => {
            let v = ex.param("default_database_type").value;
            let v = v.trim();
            if !is_bdb(v) {
                return;
            }
            let mut f = common::at_param(ID, Severity::High, title, inst, p);
            f.summary = format!(
                "default_database_type = {v}: postmap, postalias and newaliases create {v} \
                 tables for every table named without a type, and the target cannot."
            );
            f
        }
        None => {
            if source_default != "hash" {
                return;
            }
            let sev = if uses.is_empty() {
                Severity::Low
            } else {
                Severity::Medium
            };
            let mut f = Finding::new(ID, sev, title);
            let path = common::config_path(inst, ConfigFile::Main)
                .display()
                .to_string();
            f.location.file = Some(path.clone());
            f.location.parameter = Some("default_database_type".into());
            f.related.push(Related::file(path));
            f.summary = format!(
                "default_database_type is not set, so tables named without a type use the \
                 build's default: {source_default} on the source. Whether the target's \
                 build defaults to lmdb is not verified: check with `postconf -d \
                 default_database_type` on a {} host; setting it explicitly removes the \
                 doubt.",
                facts.target
            );
            f
        }
    };
    if !uses.is_empty() {
        f.summary
            .push_str(&format!("\nWhat depends on it here:\n{}", uses.join("\n")));
    }
    f.remediation.hint =
        "Set default_database_type = lmdb (postfix-lmdb installed), and give alias_maps and \
         alias_database an explicit lmdb: type, then run newaliases."
            .to_string()
            .into();
    let mut set = vec!["default_database_type=lmdb".to_string()];
    for p in ALIAS_PARAMS {
        if main.get(p).is_none() {
            if let Some(d) = facts.default_value(inst, p) {
                set.push(format!("{p}={}", lmdb_value(&d)));
            }
        }
    }
    let set: Vec<&str> = set.iter().map(String::as_str).collect();
    f.remediation.commands = vec![
        common::fix_command(ID),
        common::postconf_command(inst, &set),
    ];
    if inst.primary {
        f.remediation.commands.push(common::argv(&["newaliases"]));
    }
    f.fix = FixInfo::safe();
    f.links.push(common::link(
        "https://www.postfix.org/postconf.5.html#default_database_type",
        "postconf(5): default_database_type",
    ));
    out.push(f);
}
