//! Fix for `compatibility-level`: raise `compatibility_level` to the target's stock level
//! without changing behaviour. The old defaults the host relies on (the parameters it does
//! not set explicitly, per COMPATIBILITY_README) are pinned explicitly first; master.cf
//! `chroot` fields left at `-` are pinned to `y` when the level crosses 1.
//!
//! When: a pin whose parameter the installed Postfix does not know (e.g.
//! `respectful_logging` on 3.5) and a level the installed Postfix cannot parse or does
//! not reach (`3.8` on 3.5) wait for after the upgrade; the rest is applied now.
use super::plan::{level_tuple, Cx, Draft, Fix, Out, Planner, When};
use crate::facts::params;
use crate::finding::Applicability;

pub struct CompatibilityLevel;

const ID: &str = "compatibility-level";

/// (level from which the new default applies, parameter, the old default to pin).
pub const PINS: &[(&str, &str, &str)] = &[
    ("1", "append_dot_mydomain", "yes"),
    ("1", "smtputf8_enable", "no"),
    ("1", "smtpd_relay_restrictions", ""),
    ("2", "mynetworks_style", "subnet"),
    ("2", "relay_domains", "$mydestination"),
    ("3.6", "smtpd_tls_fingerprint_digest", "md5"),
    ("3.6", "smtp_tls_fingerprint_digest", "md5"),
    ("3.6", "lmtp_tls_fingerprint_digest", "md5"),
    ("3.6", "smtpd_relay_before_recipient_restrictions", "no"),
    ("3.6", "respectful_logging", "no"),
    ("3.11", "smtp_tlsrpt_skip_reused_handshakes", "yes"),
];

fn assign(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{name} =")
    } else {
        format!("{name} = {value}")
    }
}

impl Planner for CompatibilityLevel {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let Some(target) = cx.facts.upgrade_path.target_compatibility_level() else {
            return;
        };
        let path = cx.inst.main_cf_path();
        let installed = cx.facts.postfix.version;
        let raw = if draft.main.get("compatibility_level").is_some() {
            cx.expanded(draft, "compatibility_level")
        } else {
            "0".to_string()
        };
        let (Some(cur), Some(tgt)) = (level_tuple(&raw), level_tuple(target)) else {
            out.left.push(cx.left(
                ID,
                Some(&path),
                format!("compatibility_level = {raw}"),
                "the level is not a number this tool can compare; set it by hand".into(),
                Vec::new(),
            ));
            return;
        };
        if cur >= tgt {
            return;
        }
        let inst_t = (installed.major, installed.minor, installed.patch);
        let level_now = tgt <= inst_t && (!target.contains('.') || inst_t >= (3, 6, 0));
        let mut now: Vec<(&str, &str)> = Vec::new();
        let mut later: Vec<(&str, &str)> = Vec::new();
        for (thr, name, old) in PINS {
            let Some(t) = level_tuple(thr) else { continue };
            if !(cur < t && t <= tgt) || draft.main.get(name).is_some() {
                continue;
            }
            if params::known(&installed, name) {
                now.push((name, old));
            } else {
                later.push((name, old));
            }
        }
        // master.cf chroot "-" meant "y" below level 1
        let mut chroots: Vec<(String, usize, usize)> = Vec::new();
        if cur < (1, 0, 0) && (1, 0, 0) <= tgt {
            if let Some(m) = &draft.master {
                for s in m.services() {
                    if s.chroot == "-" && s.exact {
                        let (line, column) = m.field_position(s, 4);
                        chroots.push((s.id(), line, column));
                    }
                }
            }
        }
        // entries whose chroot field cannot be edited (not valid UTF-8): the safe fix is
        // impossible; the review fix only raises the level
        let unpinnable: Vec<String> = match &draft.master {
            Some(m) if cur < (1, 0, 0) && (1, 0, 0) <= tgt => m
                .services()
                .iter()
                .filter(|s| s.chroot == "-" && !s.exact)
                .map(|s| s.id())
                .collect(),
            _ => Vec::new(),
        };
        if !unpinnable.is_empty() {
            let why = format!(
                "the old default chroot = y cannot be pinned for master.cf {} (the entry is \
                 not valid UTF-8), so raising the level changes behaviour there",
                unpinnable.join(", ")
            );
            if !cx.opts.unsafe_fixes {
                out.left.push(cx.left(
                    ID,
                    Some(&path),
                    format!("compatibility_level = {raw}"),
                    format!("needs review (fix --unsafe only raises the level to {target}): {why}"),
                    Vec::new(),
                ));
                return;
            }
            let summary = format!("compatibility_level = {target} (old defaults not pinned)");
            if level_now {
                if draft.main.set("compatibility_level", target).is_ok() {
                    let mut fix = cx.fix(ID, Applicability::Review, Some(&path), summary);
                    fix.note = Some(why);
                    out.fixes.push(fix);
                }
            } else {
                let arg = format!("compatibility_level = {target}");
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(why),
                    commands: vec![cx.postconf(&["-e", &arg])],
                    ..cx.fix(ID, Applicability::Review, Some(&path), summary)
                });
            }
            return;
        }
        let mut did = Vec::new();
        // each pin goes next to a related parameter, else with the other pins after
        // compatibility_level (in order), else at the end
        let mut last: Option<&str> = None;
        for (name, old) in &now {
            let mut near = super::plan::related(&draft.main, name);
            let grouped = near.is_empty();
            if grouped {
                near.extend(last.map(str::to_string));
                near.push("compatibility_level".into());
            }
            let near: Vec<&str> = near.iter().map(String::as_str).collect();
            if draft.main.set_near(name, old, &near).is_ok() {
                did.push(assign(name, old));
                if grouped {
                    last = Some(name);
                }
            }
        }
        if !chroots.is_empty() {
            if let Some(m) = draft.master.as_mut() {
                chroots.sort_by_key(|c| std::cmp::Reverse(c.1));
                for (id, line, col) in &chroots {
                    if m.replace_at(*line, *col, "-", "y").is_ok() {
                        did.push(format!("master.cf {id} chroot = y"));
                    }
                }
            }
        }
        let raise = later.is_empty() && level_now;
        if raise && draft.main.set("compatibility_level", target).is_ok() {
            did.push(format!("compatibility_level = {target}"));
        }
        if !did.is_empty() {
            let mut fix = cx.fix(
                ID,
                Applicability::Safe,
                Some(&path),
                format!(
                    "pin the old defaults this host relies on: {}",
                    did.join(", ")
                ),
            );
            if !raise {
                fix.note = Some(format!(
                    "compatibility_level {target} itself waits for the upgrade"
                ));
            }
            out.fixes.push(fix);
        }
        if !raise {
            let mut args: Vec<String> = later.iter().map(|(n, v)| assign(n, v)).collect();
            args.push(format!("compatibility_level = {target}"));
            let mut cmd = cx.postconf(&["-e"]);
            cmd.extend(args.iter().cloned());
            let why = if level_now {
                format!(
                    "Postfix {installed} does not know {}",
                    later.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )
            } else {
                format!("compatibility_level {target} is not valid on the installed Postfix {installed}")
            };
            out.later.push(Fix {
                when: When::AfterUpgrade,
                note: Some(why),
                commands: vec![cmd],
                ..cx.fix(
                    ID,
                    Applicability::Safe,
                    Some(&path),
                    format!(
                        "set {} once Postfix {} is installed",
                        args.join(", "),
                        cx.facts.upgrade_path.target_postfix_version()
                    ),
                )
            });
        }
    }
}
