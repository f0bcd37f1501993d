//! Fix for RHEL-only parameters the target no longer knows (`rhel_ipv6_normalize`,
//! RHEL 8 only): they turn into "unused parameter" warnings after the upgrade, reported
//! by `unknown-parameter`. Set to `no` (the default, no behaviour) the line is commented
//! out now; set to anything else, commenting it out would change RHEL 8's behaviour
//! before the upgrade, so it waits for after the upgrade.
use super::plan::{Cx, Draft, Fix, Out, Planner, When};
use crate::finding::Applicability;

pub struct RhelOnlyParameter;

const ID: &str = "unknown-parameter";

impl Planner for RhelOnlyParameter {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.main_cf_path();
        for name in cx.facts.upgrade_path.dropped_rhel_params() {
            if draft.main.get(name).is_none() {
                continue;
            }
            let value = cx.expanded(draft, name);
            let off = matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "no" | "false" | "0" | ""
            );
            let summary = format!(
                "comment out {name} = {} (RHEL {} only; unknown to the target's Postfix)",
                value.trim(),
                cx.facts.source.major
            );
            if off {
                if draft.main.comment_out(name).is_ok() {
                    out.fixes
                        .push(cx.fix(ID, Applicability::Safe, Some(&path), summary));
                }
            } else {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "{name} = {} still acts on this release; after the upgrade it does nothing",
                        value.trim()
                    )),
                    commands: vec![cx.postconf(&["-#", name])],
                    ..cx.fix(ID, Applicability::Safe, Some(&path), summary)
                });
            }
        }
    }
}

/// Fix for `rhel8-default-overrides`: RHEL 8's build changed built-in defaults
/// (`smtpd_discard_ehlo_keywords = chunking`, `info_log_address_format = internal`) and
/// the target's does not. Where main.cf does not set them, the RHEL 8 value is pinned
/// explicitly: nothing changes on RHEL 8 (it is the default there) nor after the upgrade.
///
/// Pinning in main.cf keeps what inherits from it too: postscreen's
/// `postscreen_discard_ehlo_keywords` defaults to `$smtpd_discard_ehlo_keywords`, and a
/// master.cf `-o smtpd_discard_ehlo_keywords=...` (or `-o ...=$smtpd_discard_ehlo_keywords,
/// dsn`) keeps its own value or expands to the pinned one, as it did on RHEL 8. A value
/// main.cf sets explicitly already replaced RHEL 8's default, so it is left alone.
pub struct DefaultOverrides;

const OVERRIDES: &str = "rhel8-default-overrides";

impl Planner for DefaultOverrides {
    fn id(&self) -> &'static str {
        OVERRIDES
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.main_cf_path();
        let target = cx.facts.upgrade_path.target_profile();
        let installed = cx.facts.postfix.version;
        for (name, old) in cx.facts.upgrade_path.dropped_default_overrides() {
            if draft.main.get(name).is_some() {
                continue;
            }
            let new = target.builtin_default(name).unwrap_or("");
            let new = if new.is_empty() {
                "an empty value".to_string()
            } else {
                format!("\"{new}\"")
            };
            let summary = format!(
                "pin {name} = {old} (the RHEL {} default; {} would use {new})",
                cx.facts.source.major, cx.facts.target
            );
            if crate::facts::params::known(&installed, name) {
                let near = super::plan::related(&draft.main, name);
                let near: Vec<&str> = near.iter().map(String::as_str).collect();
                if draft.main.set_near(name, old, &near).is_ok() {
                    out.fixes
                        .push(cx.fix(OVERRIDES, Applicability::Safe, Some(&path), summary));
                }
            } else {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "the installed Postfix {installed} does not know {name}"
                    )),
                    commands: vec![cx.postconf(&["-e", &format!("{name}={old}")])],
                    ..cx.fix(OVERRIDES, Applicability::Safe, Some(&path), summary)
                });
            }
        }
    }
}

/// Fix for the other `unknown-parameter` findings: names the target's Postfix does not
/// know and nothing uses (as `$name`, a restriction class, a service's or a map's
/// parameter). One the installed Postfix knows still acts today, so commenting it out
/// waits for after the upgrade (then the target ignores it anyway: safe). One neither
/// knows never took effect: commenting it out changes nothing, but it may be a typo of a
/// setting that was meant, so it is `review` (main.cf: commented out; master.cf: the
/// `-o` is removed).
pub struct UnknownParameter;

impl Planner for UnknownParameter {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let facts = cx.facts;
        let target = facts.target_profile();
        let source = facts.upgrade_path.source_profile();
        let installed = facts.postfix.version;
        let dropped = facts.upgrade_path.dropped_rhel_params();
        // What the configuration itself accepts, judged on the draft as it stands: the
        // draft lends its documents to an instance for the check's `accepted_names` and
        // takes them back (a copy of a master.cf of thousands of services would cost more
        // than the rest of the fix).
        let lent = crate::facts::Instance::new(
            cx.inst.name.clone(),
            cx.inst.primary,
            cx.inst.config_directory.clone(),
            Some(crate::facts::Loaded {
                path: cx.inst.main_cf_path(),
                doc: std::mem::replace(&mut draft.main, crate::config::MainCf::parse(b"")),
            }),
            draft.master.take().map(|doc| crate::facts::Loaded {
                path: cx.inst.master_cf_path(),
                doc,
            }),
        );
        let (names, todo) = {
            let accepted = crate::checks::unknown_parameter::accepted_names(facts, &lent);
            let unknown =
                |n: &str| !(target.knows_param(n) || accepted.contains(n) || dropped.contains(&n));
            let names: Vec<String> = lent
                .main()
                .effective()
                .into_iter()
                .filter(|p| unknown(&p.name))
                .map(|p| p.name.clone())
                .collect();
            let mut todo: Vec<(String, String, String)> = Vec::new();
            for s in lent.master().map(|m| m.services()).unwrap_or_default() {
                for o in &s.overrides {
                    if unknown(&o.name)
                        && !todo.iter().any(|(i, n, _)| *i == s.id() && *n == o.name)
                    {
                        todo.push((s.id(), o.name.to_string(), o.value.to_string()));
                    }
                }
            }
            (names, todo)
        };
        let crate::facts::Instance {
            main_cf, master_cf, ..
        } = lent;
        if let Some(l) = main_cf {
            draft.main = l.doc;
        }
        draft.master = master_cf.map(|l| l.doc);
        let knows_source =
            |n: &str| crate::facts::params::known(&installed, n) || source.knows_param(n);
        let main_path = cx.inst.main_cf_path();
        let master_path = cx.inst.master_cf_path();
        for name in names {
            let value = draft
                .main
                .value(&name)
                .unwrap_or_default()
                .trim()
                .to_string();
            let summary = format!(
                "comment out {name} = {value} (unknown to Postfix {})",
                target.postfix_version
            );
            if knows_source(&name) {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "the installed Postfix {installed} still uses {name}; the target ignores it"
                    )),
                    commands: vec![cx.postconf(&["-#", &name])],
                    ..cx.fix(ID, Applicability::Safe, Some(&main_path), summary)
                });
            } else if !cx.opts.unsafe_fixes {
                out.left.push(cx.left(
                    ID,
                    Some(&main_path),
                    format!("{name} = {value}"),
                    "needs review (fix --unsafe comments it out): no Postfix version knows it, \
                     so it never took effect; if it is a typo of a setting you meant, rename \
                     it by hand instead"
                        .into(),
                    vec![cx.postconf(&["-#", &name])],
                ));
            } else if draft.main.comment_out(&name).is_ok() {
                let mut f = cx.fix(ID, Applicability::Review, Some(&main_path), summary);
                f.note = Some("it never took effect; if it is a typo, rename it by hand".into());
                out.fixes.push(f);
            }
        }
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        for (id, name, value) in todo {
            let summary = format!(
                "master.cf {id}: remove -o {name}={value} (unknown to Postfix {})",
                target.postfix_version
            );
            let cmd = cx.postconf(&["-PX", &format!("{id}/{name}")]);
            if knows_source(&name) {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "the installed Postfix {installed} still uses {name}; the target ignores it"
                    )),
                    commands: vec![cmd],
                    ..cx.fix(ID, Applicability::Safe, Some(&master_path), summary)
                });
            } else if !cx.opts.unsafe_fixes {
                out.left.push(cx.left(
                    ID,
                    Some(&master_path),
                    format!("master.cf {id} -o {name}={value}"),
                    "needs review (fix --unsafe removes it): no Postfix version knows it, so it \
                     never took effect; if it is a typo of a setting you meant, rename it by \
                     hand instead"
                        .into(),
                    vec![cmd],
                ));
            } else if m.remove_override(&id, &name).is_ok() {
                let mut f = cx.fix(ID, Applicability::Review, Some(&master_path), summary);
                f.note = Some("it never took effect; if it is a typo, rename it by hand".into());
                out.fixes.push(f);
            }
        }
    }
}
