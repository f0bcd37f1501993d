//! Fixes for `deprecated-parameter` and `removed-restriction`: the mechanical
//! replacements DEPRECATION_README gives.
//!
//! * `*_use_tls` / `*_enforce_tls` (and `smtp_tls_enforce_peername`) →
//!   `*_tls_security_level` (`may`, `encrypt`, or `verify` for the client when peer name
//!   checks were on). When a security level is already set, Postfix ignores the old
//!   names, so they are only removed. Same in master.cf `-o` overrides, per service.
//! * `disable_dns_lookups` → `smtp_dns_support_level = disabled` (or removed when `no`).
//! * `reject_maps_rbl` → one `reject_rbl_client` per `maps_rbl_domains` entry (safe);
//!   `check_relay_domains` → `permit_mynetworks, reject_unauth_destination` (review: the
//!   old restriction also let clients whose host name matched `relay_domains` relay).
//!   `permit_naked_ip_address` has no mechanical replacement and is left with a reason.
//! * Renamed parameters (postscreen `*whitelist*`/`*blacklist*`, `*_per_record_deadline`,
//!   `tlsproxy_client_level`/`_policy`, `virtual_maps`, ...): renamed in place, value and
//!   line kept, when the installed Postfix already knows the new name and the new name is
//!   not set; planned for after the upgrade when the installed Postfix lacks it; left
//!   with a reason when both names are set (merging them is a person's call).
//! * Settings Postfix ignores (`tls_dane_digest_agility`, ...) and settings whose value
//!   is what they would inherit anyway are deleted (safe); settings whose removal leaves
//!   a new default in force (`smtpd_tls_dh1024_param_file`, ...) are deleted as a
//!   `review` fix.
use super::plan::{list_tokens, Cx, Draft, Fix, Out, Planner, When};
use crate::checks::catalog_data::{DeprecatedParam, Replace, DEPRECATED_PARAMS};
use crate::config::{EditError, Expander, MainCf};
use crate::facts::params;
use crate::finding::Applicability;

pub struct DeprecatedParameter;
pub struct RemovedRestriction;

const DEP: &str = "deprecated-parameter";
const REM: &str = "removed-restriction";

fn is_yes(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "1")
}

/// The obsolete TLS names of one prefix and the level they amount to.
struct TlsNames {
    use_: String,
    enforce: String,
    peername: Option<String>,
    level: String,
}

impl TlsNames {
    fn new(prefix: &'static str) -> Self {
        let client = prefix != "smtpd";
        TlsNames {
            use_: format!("{prefix}_use_tls"),
            enforce: format!("{prefix}_enforce_tls"),
            peername: client.then(|| format!("{prefix}_tls_enforce_peername")),
            level: format!("{prefix}_tls_security_level"),
        }
    }

    fn obsolete(&self) -> Vec<&str> {
        let mut v = vec![self.use_.as_str(), self.enforce.as_str()];
        if let Some(p) = &self.peername {
            v.push(p);
        }
        v
    }

    /// The level the obsolete settings amount to ("" = none), given a lookup.
    fn equivalent(&self, get: &dyn Fn(&str) -> Option<String>) -> String {
        let enforce = get(&self.enforce).is_some_and(|v| is_yes(&v));
        let use_ = get(&self.use_).is_some_and(|v| is_yes(&v));
        if enforce {
            // the client checked the peer name unless told not to (default yes)
            let peer = self
                .peername
                .as_ref()
                .map(|p| get(p).map(|v| is_yes(&v)).unwrap_or(true))
                .unwrap_or(false);
            if peer { "verify" } else { "encrypt" }.to_string()
        } else if use_ {
            "may".to_string()
        } else {
            String::new()
        }
    }
}

/// A master.cf change: (service id, level to set (None: only remove), names to remove,
/// summary).
type Todo = (String, Option<(String, String)>, Vec<String>, String);

/// A restriction's replacement: (text, applicability, note).
type Replacement = (String, Applicability, Option<String>);

/// Turn the effective definition of `old` into `new = value` on the same line(s), so the
/// setting stays where the admin put it (`new` must not be set yet). Earlier, dead
/// definitions of `old` stay for the caller to remove.
fn replace_in_place(main: &mut MainCf, old: &str, new: &str, value: &str) -> Result<(), EditError> {
    let line = main
        .get(old)
        .map(|p| p.line)
        .ok_or_else(|| EditError::NoSuchParameter(old.to_string()))?;
    main.replace_at(line, 0, old, new)?;
    main.set(new, value)
}

const TLS_PREFIXES: [&str; 3] = ["smtpd", "smtp", "lmtp"];

impl DeprecatedParameter {
    fn main_tls(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.main_cf_path();
        for prefix in TLS_PREFIXES {
            let n = TlsNames::new(prefix);
            let set: Vec<String> = n
                .obsolete()
                .into_iter()
                .filter(|o| draft.main.get(o).is_some())
                .map(str::to_string)
                .collect();
            // peername alone means nothing without enforce
            if set.is_empty() || (set.len() == 1 && Some(&set[0]) == n.peername.as_ref()) {
                continue;
            }
            let level_set = draft.main.get(&n.level).is_some();
            let defaults = |n: &str| cx.default_value(n);
            let ex = Expander::new(&draft.main, &defaults);
            let get = |name: &str| draft.main.get(name).map(|_| ex.param(name).value);
            let level = n.equivalent(&get);
            let summary = if level_set {
                format!(
                    "remove {} ({} is set, so Postfix ignores them)",
                    set.join(", "),
                    n.level
                )
            } else if level.is_empty() {
                format!(
                    "remove {} (they leave TLS off, the default)",
                    set.join(", ")
                )
            } else {
                format!("{} -> {} = {level}", set.join(", "), n.level)
            };
            if !level_set
                && !level.is_empty()
                && replace_in_place(&mut draft.main, &set[0], &n.level, &level).is_err()
            {
                continue;
            }
            for o in &set {
                let _ = draft.main.remove(o);
            }
            out.fixes
                .push(cx.fix(DEP, Applicability::Safe, Some(&path), summary));
        }
        // disable_dns_lookups
        if draft.main.get("disable_dns_lookups").is_some() {
            let yes = is_yes(&cx.expanded(draft, "disable_dns_lookups"));
            let level_set = draft.main.get("smtp_dns_support_level").is_some();
            let summary = if level_set {
                "remove disable_dns_lookups (smtp_dns_support_level is set and wins)".to_string()
            } else if yes {
                "disable_dns_lookups = yes -> smtp_dns_support_level = disabled".to_string()
            } else {
                "remove disable_dns_lookups = no (the default)".to_string()
            };
            if yes
                && !level_set
                && replace_in_place(
                    &mut draft.main,
                    "disable_dns_lookups",
                    "smtp_dns_support_level",
                    "disabled",
                )
                .is_err()
            {
                return;
            }
            let _ = draft.main.remove("disable_dns_lookups");
            out.fixes
                .push(cx.fix(DEP, Applicability::Safe, Some(&path), summary));
        }
    }

    fn master_tls(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.master_cf_path();
        let Some(master) = draft.master.as_ref() else {
            return;
        };
        let defaults = |n: &str| cx.default_value(n);
        // (service id, level to set (None: only remove), names to remove, summary)
        let mut todo: Vec<Todo> = Vec::new();
        for s in master.services() {
            for prefix in TLS_PREFIXES {
                let n = TlsNames::new(prefix);
                let set: Vec<String> = n
                    .obsolete()
                    .into_iter()
                    .filter(|o| s.override_value(o).is_some())
                    .map(str::to_string)
                    .collect();
                if set.is_empty() || (set.len() == 1 && Some(&set[0]) == n.peername.as_ref()) {
                    continue;
                }
                let ex = Expander::new(&draft.main, &defaults).with_service(s);
                let get = |name: &str| {
                    (s.override_value(name).is_some() || draft.main.get(name).is_some())
                        .then(|| ex.param(name).value)
                };
                let effective_level = get(&n.level).unwrap_or_default();
                let id = s.id();
                if !effective_level.trim().is_empty() {
                    todo.push((
                        id.clone(),
                        None,
                        set.clone(),
                        format!(
                            "master.cf {id}: remove -o {} ({} = {} is in force, so Postfix \
                             ignores them)",
                            set.join(", -o "),
                            n.level,
                            effective_level.trim()
                        ),
                    ));
                    continue;
                }
                let level = n.equivalent(&get);
                let summary = if level.is_empty() {
                    format!(
                        "master.cf {id}: remove -o {} (TLS stays off)",
                        set.join(", -o ")
                    )
                } else {
                    format!(
                        "master.cf {id}: -o {} -> -o {}={level}",
                        set.join(", -o "),
                        n.level
                    )
                };
                let set_level = (!level.is_empty()).then(|| (n.level.clone(), level));
                todo.push((id, set_level, set, summary));
            }
        }
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        for (id, set_level, remove, summary) in todo {
            if let Some((name, value)) = &set_level {
                if m.set_override(&id, name, value).is_err() {
                    continue;
                }
            }
            for r in &remove {
                let _ = m.remove_override(&id, r);
            }
            out.fixes
                .push(cx.fix(DEP, Applicability::Safe, Some(&path), summary));
        }
    }
}

impl Planner for DeprecatedParameter {
    fn id(&self) -> &'static str {
        DEP
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        // services first: they see main.cf's obsolete values before main.cf changes
        self.master_tls(cx, draft, out);
        self.main_tls(cx, draft, out);
        self.master_catalog(cx, draft, out);
        self.main_catalog(cx, draft, out);
    }
}

/// What to do with one deprecated setting (TLS and DNS switches excepted).
enum Act {
    /// Delete it: (applicability, why).
    Delete(Applicability, String),
    /// Rename it in place.
    Rename(&'static str),
    /// Rename it once the new release is installed.
    RenameLater(&'static str),
    /// Leave it: (why).
    Left(String),
}

/// The action for `d` set to `value`, which would otherwise inherit `inherited`; `None`
/// when there is nothing to do here (handled elsewhere, or by hand).
fn catalog_act(
    cx: &Cx,
    d: &DeprecatedParam,
    value: &str,
    inherited: Option<&str>,
    new_is_set: &dyn Fn(&str) -> bool,
) -> Option<Act> {
    let target = cx.facts.upgrade_path.target_postfix_version();
    let installed = cx.facts.postfix.version;
    if matches!(d.replace, Replace::TlsLevel(_) | Replace::DnsSupportLevel)
        || d.name.ends_with("_tls_enforce_peername")
        || (!params::known(&target, d.name) && d.ignored_since.is_none())
    {
        return None;
    }
    if inherited.map(str::trim) == Some(value.trim()) {
        return Some(Act::Delete(
            Applicability::Safe,
            "its value is what it inherits anyway".into(),
        ));
    }
    match d.replace {
        Replace::Ignored => Some(Act::Delete(
            Applicability::Safe,
            "Postfix ignores it".into(),
        )),
        Replace::LeaveDefault => Some(Act::Delete(Applicability::Review, d.note.to_string())),
        Replace::Rename(new) => {
            if !params::known(&target, new) {
                None
            } else if new_is_set(new) {
                Some(Act::Left(format!(
                    "{new} is set too: merge the two by hand (the old name is only the default                      of the new one) and delete {}",
                    d.name
                )))
            } else if params::known(&installed, new) {
                Some(Act::Rename(new))
            } else {
                Some(Act::RenameLater(new))
            }
        }
        _ => None,
    }
}

impl DeprecatedParameter {
    fn main_catalog(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.main_cf_path();
        let target = cx.facts.upgrade_path.target_postfix_version();
        let todo: Vec<(&'static DeprecatedParam, String, Act)> = draft
            .main
            .effective()
            .into_iter()
            .filter_map(|p| {
                let d = DEPRECATED_PARAMS.iter().find(|d| d.name == p.name)?;
                let inherited = params::default(&target, d.name);
                let set = |n: &str| draft.main.get(n).is_some();
                let act = catalog_act(cx, d, &p.value, inherited, &set)?;
                Some((d, p.value.clone(), act))
            })
            .collect();
        for (d, value, act) in todo {
            let setting = format!("{} = {}", d.name, value.trim());
            match act {
                Act::Delete(app, why) => {
                    if app == Applicability::Review && !cx.opts.unsafe_fixes {
                        out.left.push(cx.left(
                            DEP,
                            Some(&path),
                            setting,
                            format!("needs review (fix --unsafe deletes it): {why}"),
                            Vec::new(),
                        ));
                        continue;
                    }
                    if draft.main.remove(d.name).is_ok() {
                        out.fixes.push(cx.fix(
                            DEP,
                            app,
                            Some(&path),
                            format!("delete {setting} ({why})"),
                        ));
                    }
                }
                Act::Rename(new) => {
                    let Some(line) = draft.main.get(d.name).map(|p| p.line) else {
                        continue;
                    };
                    // earlier, dead definitions of the old name go; the effective one is
                    // renamed where it is
                    let ok = draft.main.replace_at(line, 0, d.name, new).is_ok();
                    if ok {
                        if draft.main.get(d.name).is_some() {
                            let _ = draft.main.remove(d.name);
                        }
                        out.fixes.push(cx.fix(
                            DEP,
                            Applicability::Safe,
                            Some(&path),
                            format!("rename {} to {new} (same value)", d.name),
                        ));
                    }
                }
                Act::RenameLater(new) => out.later.push(rename_later(
                    cx,
                    &path,
                    new,
                    format!("rename {} to {new} (same value)", d.name),
                )),
                Act::Left(why) => {
                    out.left
                        .push(cx.left(DEP, Some(&path), setting, why, Vec::new()))
                }
            }
        }
    }

    fn master_catalog(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.master_cf_path();
        let Some(m) = draft.master.as_ref() else {
            return;
        };
        // (service, old name, value, act, position of the name when written `-o name=`)
        type Todo = (
            String,
            &'static DeprecatedParam,
            String,
            Act,
            Option<(usize, usize)>,
        );
        let mut todo: Vec<Todo> = Vec::new();
        for s in m.services() {
            for o in &s.overrides {
                if s.override_value(&o.name) != Some(o.value.as_str()) {
                    continue;
                }
                let Some(d) = DEPRECATED_PARAMS.iter().find(|d| d.name == o.name) else {
                    continue;
                };
                let inherited = cx.expanded(draft, d.name);
                let set = |n: &str| draft.main.get(n).is_some() || s.override_value(n).is_some();
                // a renamed -o keeps its new name even when its value is what it inherits:
                // `-o fallback_relay=` guards the service against a relay set later
                // (upstream renamed it smtp_fallback_relay; deleting it drops the guard)
                let inherited = match d.replace {
                    Replace::Rename(_) => None,
                    _ => Some(inherited.as_str()),
                };
                let Some(act) = catalog_act(cx, d, &o.value, inherited, &set) else {
                    continue;
                };
                let pos = m
                    .override_position(s, o, 0)
                    .filter(|(_, col)| !o.long_form && *col > d.name.len())
                    .map(|(line, col)| (line, col - 1 - d.name.len()));
                todo.push((s.id(), d, o.value.to_string(), act, pos));
            }
        }
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        for (id, d, value, act, pos) in todo {
            let setting = format!("master.cf {id} -o {}={}", d.name, value.trim());
            match act {
                Act::Delete(app, why) => {
                    if app == Applicability::Review && !cx.opts.unsafe_fixes {
                        out.left.push(cx.left(
                            DEP,
                            Some(&path),
                            setting,
                            format!("needs review (fix --unsafe deletes it): {why}"),
                            Vec::new(),
                        ));
                        continue;
                    }
                    if m.remove_override(&id, d.name).is_ok() {
                        out.fixes.push(cx.fix(
                            DEP,
                            app,
                            Some(&path),
                            format!("delete {setting} ({why})"),
                        ));
                    }
                }
                Act::Rename(new) => {
                    let renamed = match pos {
                        Some((line, col)) => m.replace_at(line, col, d.name, new).is_ok(),
                        None => false,
                    };
                    let ok = renamed
                        || (m.set_override(&id, new, &value).is_ok()
                            && m.remove_override(&id, d.name).is_ok());
                    if ok {
                        out.fixes.push(cx.fix(
                            DEP,
                            Applicability::Safe,
                            Some(&path),
                            format!("master.cf {id}: rename -o {} to {new} (same value)", d.name),
                        ));
                    }
                }
                Act::RenameLater(new) => out.later.push(rename_later(
                    cx,
                    &path,
                    new,
                    format!("master.cf {id}: rename -o {} to {new} (same value)", d.name),
                )),
                Act::Left(why) => {
                    out.left
                        .push(cx.left(DEP, Some(&path), setting, why, Vec::new()))
                }
            }
        }
    }
}

/// Whether a parameter holds restrictions.
fn is_restriction_list(name: &str, classes: &[String]) -> bool {
    name.ends_with("_restrictions") || classes.iter().any(|c| c == name)
}

/// A restriction replacement: (replacement text joined with `sep`, applicability, note).
fn replacement(
    cx: &Cx,
    draft: &Draft,
    word: &str,
    sep: &str,
) -> Option<Result<Replacement, String>> {
    match word {
        "check_relay_domains" => Some(Ok((
            ["permit_mynetworks", "reject_unauth_destination"].join(sep),
            Applicability::Review,
            Some(
                "check_relay_domains also let clients whose host name matches relay_domains \
                 relay; the replacement permits only mynetworks clients"
                    .into(),
            ),
        ))),
        "reject_maps_rbl" => {
            let domains = cx.expanded(draft, "maps_rbl_domains");
            let domains: Vec<&str> = list_tokens(&domains).into_iter().map(|(_, d)| d).collect();
            if domains.is_empty() {
                return Some(Err(
                    "reject_maps_rbl with an empty maps_rbl_domains does nothing; remove it".into(),
                ));
            }
            let text: Vec<String> = domains
                .iter()
                .map(|d| {
                    if sep.contains(' ') {
                        format!("reject_rbl_client {d}")
                    } else {
                        format!("reject_rbl_client,{d}")
                    }
                })
                .collect();
            Some(Ok((text.join(sep), Applicability::Safe, None)))
        }
        "permit_naked_ip_address" => Some(Err(
            "permit_naked_ip_address has no mechanical replacement: use permit_mynetworks \
             or permit_sasl_authenticated, whichever matches the clients it was for"
                .into(),
        )),
        _ => None,
    }
}

impl Planner for RemovedRestriction {
    fn id(&self) -> &'static str {
        REM
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let classes: Vec<String> = list_tokens(&cx.expanded(draft, "smtpd_restriction_classes"))
            .into_iter()
            .map(|(_, w)| w.to_string())
            .collect();
        let main_path = cx.inst.main_cf_path();
        let master_path = cx.inst.master_cf_path();
        // (file 0/1, line, column, word, replacement, applicability, summary, note)
        type Edit = (
            u8,
            usize,
            usize,
            String,
            String,
            Applicability,
            String,
            Option<String>,
        );
        let mut edits: Vec<Edit> = Vec::new();
        let mut consider = |file: u8,
                            pos: Option<(usize, usize)>,
                            word: &str,
                            sep: &str,
                            where_: String,
                            out: &mut Out| {
            let Some(r) = replacement(cx, draft, word, sep) else {
                return;
            };
            let path = if file == 0 { &main_path } else { &master_path };
            match (r, pos) {
                (Err(reason), _) => out.left.push(cx.left(
                    REM,
                    Some(path),
                    format!("{word} in {where_}"),
                    reason,
                    Vec::new(),
                )),
                (Ok(_), None) => out.left.push(cx.left(
                    REM,
                    Some(path),
                    format!("{word} in {where_}"),
                    "the line is not valid UTF-8; edit it by hand".into(),
                    Vec::new(),
                )),
                (Ok((text, app, note)), Some((line, col))) => {
                    if app == Applicability::Review && !cx.opts.unsafe_fixes {
                        out.left.push(cx.left(
                            REM,
                            Some(path),
                            format!("{word} in {where_}"),
                            format!(
                                "needs review (fix --unsafe replaces it with {text}): {}",
                                note.clone().unwrap_or_default()
                            ),
                            Vec::new(),
                        ));
                        return;
                    }
                    let summary = format!("{word} -> {text} in {where_}");
                    edits.push((file, line, col, word.to_string(), text, app, summary, note));
                }
            }
        };
        for p in draft.main.effective() {
            if !is_restriction_list(&p.name, &classes) {
                continue;
            }
            for (off, w) in list_tokens(&p.value) {
                let pos = draft.main.value_position(p, off);
                consider(0, pos, w, ", ", p.name.clone(), out);
            }
        }
        if let Some(m) = &draft.master {
            for s in m.services() {
                for o in &s.overrides {
                    if !is_restriction_list(&o.name, &classes) {
                        continue;
                    }
                    let sep = if o.long_form { ", " } else { "," };
                    for (off, w) in list_tokens(&o.value) {
                        let pos = m.override_position(s, o, off);
                        consider(1, pos, w, sep, format!("{} -o {}", s.id(), o.name), out);
                    }
                }
            }
        }
        edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1, e.2)));
        for (file, line, col, word, text, app, summary, note) in edits {
            let res = if file == 0 {
                draft.main.replace_at(line, col, &word, &text)
            } else {
                match draft.master.as_mut() {
                    Some(m) => m.replace_at(line, col, &word, &text),
                    None => continue,
                }
            };
            if res.is_ok() {
                let path = if file == 0 { &main_path } else { &master_path };
                let mut fix = cx.fix(REM, app, Some(path), summary);
                fix.note = note;
                out.fixes.push(fix);
            }
        }
    }
}

/// A rename the installed Postfix cannot take yet: planned for after the upgrade.
fn rename_later(cx: &Cx, path: &std::path::Path, new: &str, what: String) -> Fix {
    Fix {
        when: When::AfterUpgrade,
        note: Some(format!(
            "the installed Postfix {} does not know {new}",
            cx.facts.postfix.version
        )),
        commands: vec![cx.after_upgrade_command(&[DEP])],
        ..cx.fix(DEP, Applicability::Safe, Some(path), what)
    }
}
