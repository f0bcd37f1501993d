//! Fix for `berkeley-db-map`: every `hash:`/`btree:` table becomes `lmdb:`.
//!
//! * The type is changed where it is written: `site_db = hash` feeding three tables is one
//!   edit of that line. `proxy:` wrappers and `unionmap:{...}` members stay as they are
//!   (only the type word changes).
//! * A table with a text source is rebuilt (`postmap -c DIR lmdb:FILE`, `postalias` for
//!   alias tables) before the config switches to it. Caches (TLS session, postscreen,
//!   verify) have no source: they start empty as lmdb.
//! * A type word shared by several tables is switched only if every one of them can be:
//!   a table without a text source (or whose rebuild failed) keeps the whole group as it
//!   is, with the reason and the remediation.
//! * `default_database_type = lmdb`; `postscreen_cache_map` and `address_verify_map` are
//!   set explicitly when postscreen/verify are in use and their built-in default is
//!   Berkeley DB.
//! * Without lmdb support nothing changes: the remediation is `dnf install postfix-lmdb`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::plan::{Cx, Draft, Out, Planner, Rebuild, Tool};
use crate::config::{ConfigFile, MapRef};
use crate::facts::{lmdb_value, ALIAS_PARAMS};
use crate::finding::Applicability;

pub struct BerkeleyDb;

const ID: &str = "berkeley-db-map";

/// Berkeley DB map types.
const BDB: [&str; 2] = ["hash", "btree"];

/// Why one reference cannot be switched, with the remediation.
struct Blocked {
    reason: String,
    commands: Vec<Vec<String>>,
}

struct Item<'a> {
    r: &'a MapRef,
    rebuild: Option<Rebuild>,
    blocked: Option<Blocked>,
}

fn describe(r: &MapRef) -> String {
    let mut s = String::new();
    for w in &r.wrappers {
        s.push_str(w);
        s.push(':');
    }
    s.push_str(&r.text);
    match &r.service {
        Some(svc) => format!("{s} (master.cf {svc} -o {})", r.parameter),
        None => format!("{s} ({})", r.parameter),
    }
}

impl BerkeleyDb {
    /// How a reference is switched: its rebuild, or why it cannot be. `aliases`: the
    /// alias tables ([`crate::facts::alias_tables`]), built with postalias.
    fn classify<'a>(&self, cx: &Cx, r: &'a MapRef, aliases: &[String]) -> Item<'a> {
        let mut item = Item {
            r,
            rebuild: None,
            blocked: None,
        };
        if crate::config::CACHE_PARAMETERS.contains(&r.parameter.as_str()) {
            return item;
        }
        let alias =
            ALIAS_PARAMS.contains(&r.parameter.as_str()) || aliases.iter().any(|a| *a == *r.name);
        match rebuild_for(cx, r.map_type, &r.name, &r.text, alias) {
            Ok(rb) => item.rebuild = Some(rb),
            Err(bl) => item.blocked = Some(bl),
        }
        item
    }
}

/// The lmdb build of table `name` (now of type `map_type`, written `text`) from its text
/// source, or why there is none.
fn rebuild_for(
    cx: &Cx,
    map_type: &str,
    name: &str,
    text: &str,
    alias: bool,
) -> Result<Rebuild, Blocked> {
    if !name.starts_with('/') {
        return Err(Blocked {
            reason: format!(
                "the table name {name:?} is not an absolute file name, so there is no text \
                 source to rebuild it from"
            ),
            commands: Vec::new(),
        });
    }
    let tool = if alias {
        Tool::Postalias
    } else {
        Tool::Postmap
    };
    let source = PathBuf::from(name);
    // through a handle inside the root: no host path is stat-ed
    if !cx.facts.root.is_file(&source) {
        let dump = format!("{} -s {map_type}:{name} > {name}", tool.program());
        return Err(Blocked {
            reason: format!(
                "{text} has no text source ({name} does not exist), so an lmdb table cannot be \
                 built; recreate the source from the Berkeley DB file while this release \
                 can still read it, then run the fix again"
            ),
            commands: vec![
                vec!["sh".into(), "-c".into(), dump],
                crate::checks::common::owned(crate::checks::common::fix_command(ID)),
            ],
        });
    }
    if let Some((_, msg)) = cx
        .opts
        .support
        .failed_tables
        .iter()
        .find(|(p, _)| *p == source)
    {
        return Err(Blocked {
            reason: format!("building the lmdb table from {name} failed: {msg}"),
            commands: vec![vec![
                tool.program().into(),
                "-c".into(),
                cx.inst.config_directory.display().to_string(),
                format!("lmdb:{name}"),
            ]],
        });
    }
    Ok(Rebuild {
        tool,
        config_dir: cx.inst.config_directory.clone(),
        map_type: "lmdb".into(),
        source,
    })
}

/// Pin `param`, which main.cf does not set, to its built-in default with every Berkeley
/// DB type changed to lmdb, and build its tables. `why` says what uses it. Returns false
/// (and records what is left) when a table of it cannot be built.
fn pin_default(
    cx: &Cx,
    draft: &mut Draft,
    out: &mut Out,
    param: &str,
    why: &str,
    aliases: &[String],
) -> bool {
    let main_path = cx.inst.main_cf_path();
    let Some(default) = cx.default_value(param) else {
        return true;
    };
    let new = lmdb_value(&default);
    if new == default || draft.main.get(param).is_some() {
        return true;
    }
    let mut rebuilds = Vec::new();
    for (_, tok) in super::plan::list_tokens(&cx.expanded_text(draft, &new)) {
        let Some(name) = tok.strip_prefix("lmdb:") else {
            continue;
        };
        if crate::config::CACHE_PARAMETERS.contains(&param) {
            continue;
        }
        let alias = ALIAS_PARAMS.contains(&param) || aliases.iter().any(|a| a == name);
        let old_text = format!("{}:{name}", type_of(&default).unwrap_or("hash"));
        match rebuild_for(
            cx,
            type_of(&default).unwrap_or("hash"),
            name,
            &old_text,
            alias,
        ) {
            Ok(rb) => rebuilds.push(rb),
            Err(bl) => {
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    format!("{param} (built-in default {default}; {why})"),
                    bl.reason,
                    bl.commands,
                ));
                return false;
            }
        }
    }
    let near = super::plan::related(&draft.main, param);
    let near: Vec<&str> = near.iter().map(String::as_str).collect();
    if let Err(e) = draft.main.set_near(param, &new, &near) {
        out.left.push(cx.left(
            ID,
            Some(&main_path),
            format!("{param} = {new}"),
            format!("internal: the edit was refused: {e}"),
            Vec::new(),
        ));
        return false;
    }
    let fix = cx.fix(
        ID,
        Applicability::Safe,
        Some(&main_path),
        format!("{param} = {new} (its built-in default is {default}; {why})"),
    );
    push_with_builds(out, fix, rebuilds);
    true
}

/// Record `fix`, noting the tables built before it applies, and queue those builds.
fn push_with_builds(out: &mut Out, mut fix: super::plan::Fix, rebuilds: Vec<Rebuild>) {
    let built: Vec<String> = rebuilds
        .iter()
        .map(|r| r.output().display().to_string())
        .collect();
    if !built.is_empty() {
        fix.note = Some(format!("after building {}", built.join(", ")));
    }
    out.fixes.push(fix);
    out.rebuilds.extend(rebuilds);
}

/// Services in the draft's master.cf that run `command`.
fn runs(draft: &Draft, command: &str) -> bool {
    draft.master.as_ref().is_some_and(|m| {
        m.services()
            .iter()
            .any(|s| s.command == command || s.command.rsplit('/').next() == Some(command))
    })
}

/// Whether a reference's type came through `default_database_type`.
fn via_ddt(r: &MapRef) -> bool {
    r.via
        .as_ref()
        .is_some_and(|v| v.parameter == "default_database_type")
}

/// Whether a reference's type is the built-in default of `default_database_type`
/// (main.cf does not set it, so there is no place to edit but adding it).
fn from_builtin_ddt(r: &MapRef) -> bool {
    r.via
        .as_ref()
        .is_some_and(|v| v.parameter == "default_database_type" && v.line.is_none())
}

/// The map type of `type:name` text.
fn type_of(v: &str) -> Option<&str> {
    v.split_once(':').map(|(t, _)| t)
}

impl Planner for BerkeleyDb {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        if !cx.facts.upgrade_path.lacks_berkeley_db() {
            return;
        }
        let main_path = cx.inst.main_cf_path();
        let master_path = cx.inst.master_cf_path();
        let defaults = |n: &str| cx.default_value(n);
        let refs = crate::config::map_refs(&draft.main, draft.master.as_ref(), &defaults);
        let bdb: Vec<&MapRef> = refs.iter().filter(|r| BDB.contains(&r.map_type)).collect();

        // built-in Berkeley DB caches of services in use
        let mut implicit: Vec<(&str, String)> = Vec::new();
        let in_use = [
            ("postscreen_cache_map", runs(draft, "postscreen")),
            // verify(8) runs on demand once it is in master.cf
            ("address_verify_map", runs(draft, "verify")),
        ];
        for (param, used) in in_use {
            if !used || draft.main.get(param).is_some() {
                continue;
            }
            if let Some(d) = cx.default_value(param) {
                if type_of(&d).is_some_and(|t| BDB.contains(&t)) {
                    implicit.push((param, d));
                }
            }
        }
        let ddt = {
            let v = cx.expanded(draft, "default_database_type");
            let v = if draft.main.get("default_database_type").is_none() {
                cx.default_value("default_database_type").unwrap_or(v)
            } else {
                v
            };
            BDB.contains(&v.trim())
        };
        if bdb.is_empty() && implicit.is_empty() && !ddt {
            return;
        }

        if let Some(why) = &cx.opts.support.lmdb_missing {
            let cmd = vec![vec!["dnf".into(), "install".into(), "postfix-lmdb".into()]];
            let reason = format!("{why}; nothing is switched to lmdb until it is installed");
            for r in &bdb {
                let file = match r.file {
                    ConfigFile::Main => &main_path,
                    ConfigFile::Master => &master_path,
                };
                out.left
                    .push(cx.left(ID, Some(file), describe(r), reason.clone(), cmd.clone()));
            }
            for (p, d) in &implicit {
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    format!("{p} (built-in default {d})"),
                    reason.clone(),
                    cmd.clone(),
                ));
            }
            if ddt {
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    "default_database_type".into(),
                    reason,
                    cmd,
                ));
            }
            return;
        }

        // group the references by where their type word is written
        let aliases = crate::facts::alias_tables(&draft.main, draft.master.as_ref(), &defaults);
        let items: Vec<Item> = bdb.iter().map(|r| self.classify(cx, r, &aliases)).collect();
        // references whose type is the built-in default of a parameter main.cf does not
        // set (`$alias_maps` with no alias_maps line): that parameter is pinned
        let mut via_default: BTreeMap<String, Vec<&Item>> = BTreeMap::new();
        let mut groups: BTreeMap<(u8, usize, usize), Vec<&Item>> = BTreeMap::new();
        let mut implicit_ddt: Vec<&Item> = Vec::new();
        // set when a table that cannot be switched takes its type from
        // default_database_type: then that stays as it is
        let mut ddt_blocked: Option<String> = None;
        for it in &items {
            match &it.r.type_at {
                Some(s) => {
                    let f = match s.file {
                        ConfigFile::Main => 0,
                        ConfigFile::Master => 1,
                    };
                    groups.entry((f, s.line, s.column)).or_default().push(it);
                }
                // the type is default_database_type's built-in value: switched by
                // setting default_database_type below
                None if from_builtin_ddt(it.r) => implicit_ddt.push(it),
                None if it.r.via.as_ref().is_some_and(|v| v.line.is_none()) => {
                    let p = it.r.via.as_ref().map(|v| v.parameter.to_string());
                    via_default
                        .entry(p.unwrap_or_default())
                        .or_default()
                        .push(it);
                }
                None => {
                    let file = match it.r.file {
                        ConfigFile::Main => &main_path,
                        ConfigFile::Master => &master_path,
                    };
                    out.left.push(
                        cx.left(
                            ID,
                            Some(file),
                            describe(it.r),
                            "the map type is assembled by $name expansion and is not written in \
                         one place; change it to lmdb by hand"
                                .into(),
                            Vec::new(),
                        ),
                    );
                }
            }
        }
        let mut edits: Vec<(u8, usize, usize, String)> = Vec::new();
        for ((f, line, column), members) in &groups {
            let file = if *f == 0 { &main_path } else { &master_path };
            let blocker = members.iter().find(|m| m.blocked.is_some());
            if let Some(b) = blocker {
                if members.iter().any(|m| via_ddt(m.r)) {
                    ddt_blocked = Some(b.r.text.to_string());
                }
                let b_desc = b.r.name.clone();
                for m in members {
                    let (reason, commands) = match &m.blocked {
                        Some(bl) => (bl.reason.clone(), bl.commands.clone()),
                        None => (
                            format!(
                                "its type is written at {} line {line}, which also gives the \
                                 type of {b_desc}; that table cannot be switched: {}",
                                file.display(),
                                b.blocked.as_ref().map(|x| x.reason.as_str()).unwrap_or("")
                            ),
                            b.blocked
                                .as_ref()
                                .map(|x| x.commands.clone())
                                .unwrap_or_default(),
                        ),
                    };
                    out.left
                        .push(cx.left(ID, Some(file), describe(m.r), reason, commands));
                }
                continue;
            }
            let first = members[0].r;
            let ty = first
                .type_at
                .as_ref()
                .map(|s| s.text.to_string())
                .unwrap_or_default();
            edits.push((*f, *line, *column, ty.clone()));
            let used: Vec<String> = members.iter().map(|m| describe(m.r)).collect();
            let place = match &first.via {
                Some(v)
                    if v.line == Some(*line) && v.file == first.type_at.as_ref().unwrap().file =>
                {
                    format!("{} line {line} ({})", file.display(), v.parameter)
                }
                _ => format!("{} line {line}", file.display()),
            };
            let mut fix = cx.fix(
                ID,
                Applicability::Safe,
                Some(file),
                format!("{ty} -> lmdb at {place}: {}", used.join(", ")),
            );
            let built: Vec<String> = members
                .iter()
                .filter_map(|m| m.rebuild.as_ref())
                .map(|r| r.output().display().to_string())
                .collect();
            if !built.is_empty() {
                fix.note = Some(format!("after building {}", built.join(", ")));
            }
            out.fixes.push(fix);
            out.rebuilds
                .extend(members.iter().filter_map(|m| m.rebuild.clone()));
        }
        // one pass and one parse per file, however many tables (issue 12)
        edits.sort_by(|a, b| b.cmp(a));
        for file in [0, 1] {
            let mine: Vec<_> = edits.iter().filter(|e| e.0 == file).collect();
            let text: Vec<crate::config::TextEdit> = mine
                .iter()
                .map(|(_, line, column, ty)| crate::config::TextEdit {
                    line: *line,
                    column: *column,
                    expected: ty,
                    replacement: "lmdb",
                })
                .collect();
            let results = if file == 0 {
                draft.main.replace_many(&text)
            } else {
                match draft.master.as_mut() {
                    Some(m) => m.replace_many(&text),
                    None => continue,
                }
            };
            for ((f, line, _, ty), res) in mine.into_iter().zip(results) {
                let Err(e) = res else { continue };
                let f = *f;
                out.left.push(cx.left(
                    ID,
                    Some(if f == 0 { &main_path } else { &master_path }),
                    format!("{ty} at line {line}"),
                    format!("internal: the edit was refused: {e}"),
                    Vec::new(),
                ));
            }
        }
        for (param, d) in implicit {
            let new = format!("lmdb:{}", d.split_once(':').map(|x| x.1).unwrap_or(""));
            let near = super::plan::related(&draft.main, param);
            let near: Vec<&str> = near.iter().map(String::as_str).collect();
            if draft.main.set_near(param, &new, &near).is_ok() {
                out.fixes.push(cx.fix(
                    ID,
                    Applicability::Safe,
                    Some(&main_path),
                    format!("{param} = {new} (the built-in default is {d}, in use here)"),
                ));
            }
        }
        for (param, members) in &via_default {
            let used: Vec<String> = members.iter().map(|m| describe(m.r)).collect();
            let why = format!("used through ${param} by {}", used.join(", "));
            if pin_default(cx, draft, out, param, &why, &aliases) && param == "alias_maps" {
                pin_default(
                    cx,
                    draft,
                    out,
                    "alias_database",
                    "newaliases builds it",
                    &aliases,
                );
            }
        }
        if let Some(b) = implicit_ddt.iter().find(|m| m.blocked.is_some()) {
            ddt_blocked = Some(b.r.text.to_string());
            for m in &implicit_ddt {
                let bl = b.blocked.as_ref().expect("found above");
                let reason = match &m.blocked {
                    Some(own) => own.reason.clone(),
                    None => format!(
                        "its type is default_database_type's, which also gives the type of {}: {}",
                        b.r.text, bl.reason
                    ),
                };
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    describe(m.r),
                    reason,
                    bl.commands.clone(),
                ));
            }
        }
        // untyped alias tables take default_database_type: rebuilt with it
        let mut untyped = Vec::new();
        if ddt && ddt_blocked.is_none() {
            for p in ALIAS_PARAMS {
                if draft.main.get(p).is_none() {
                    continue;
                }
                let v = cx.expanded(draft, p);
                for (_, tok) in super::plan::list_tokens(&v) {
                    if tok.contains(':') || !tok.starts_with('/') {
                        continue;
                    }
                    match rebuild_for(cx, "hash", tok, tok, true) {
                        Ok(rb) => untyped.push(rb),
                        Err(bl) => {
                            out.left.push(cx.left(
                                ID,
                                Some(&main_path),
                                format!("{p} = ...{tok} (untyped)"),
                                bl.reason,
                                bl.commands,
                            ));
                            ddt_blocked = Some(tok.to_string());
                        }
                    }
                }
            }
        }
        if ddt {
            if let Some(t) = ddt_blocked {
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    "default_database_type".into(),
                    format!("it gives the type of {t}, which cannot be switched (see above)"),
                    Vec::new(),
                ));
            } else if draft.main.set("default_database_type", "lmdb").is_ok() {
                let fix = cx.fix(
                    ID,
                    Applicability::Safe,
                    Some(&main_path),
                    "default_database_type = lmdb (untyped tables, postmap and newaliases)".into(),
                );
                untyped.extend(implicit_ddt.iter().filter_map(|m| m.rebuild.clone()));
                push_with_builds(out, fix, untyped);
            }
            // what the finding advises: the alias tables get an explicit lmdb type
            // (their built-in defaults name hash: whatever default_database_type says)
            for (p, why) in [
                ("alias_maps", "local(8) looks aliases up in it"),
                ("alias_database", "newaliases builds it"),
            ] {
                pin_default(cx, draft, out, p, why, &aliases);
            }
        }
    }
}
