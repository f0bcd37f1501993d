//! `compatibility-level`: main.cf's `compatibility_level` is below the target's stock
//! level, or missing (0). The finding lists exactly the defaults that change for this
//! host when the level is raised: only those it does not set explicitly.
//!
//! Levels compare numerically as Postfix does: `0`, `1`, `2`, then `major.minor[.patch]`
//! from 3.6, so `3.10` is above `3.8`. The table of changes is COMPATIBILITY_README's.
use super::common;
use super::{Check, CheckDocs};
use crate::config::{Expander, MainCf};
use crate::facts::{params, Facts, Instance};
use crate::finding::{Finding, FixInfo, Severity};

pub struct CompatibilityLevel;

const ID: &str = "compatibility-level";

/// A compatibility level as Postfix compares it: (major, minor, patch).
pub type Level = (u32, u32, u32);

/// Parse a level: `2`, `3.6`, `3.10.1`. None when it is not one.
pub fn parse_level(s: &str) -> Option<Level> {
    let s = s.trim();
    let mut parts = s.split('.');
    let mut n = [0u32; 3];
    for (i, slot) in n.iter_mut().enumerate() {
        match parts.next() {
            Some(p) if !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()) => {
                *slot = p.parse().ok()?
            }
            Some(_) => return None,
            None if i == 0 => return None,
            None => break,
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some((n[0], n[1], n[2]))
}

/// One default that changes at a compatibility level.
struct Change {
    level: Level,
    param: &'static str,
    old: &'static str,
    new: &'static str,
    /// Whether this host's mail flow depends on the old value (else it is cosmetic here).
    relied: fn(&Ctx) -> bool,
}

struct Ctx<'a> {
    main: &'a MainCf,
    /// Every main.cf value and every master.cf `-o` value, as written.
    values: Vec<&'a str>,
}

impl Ctx<'_> {
    fn mentions(&self, word: &str) -> bool {
        self.values.iter().any(|v| v.contains(word))
    }
    fn set(&self, name: &str) -> bool {
        self.main.get(name).is_some()
    }
}

fn always(_: &Ctx) -> bool {
    true
}
fn never(_: &Ctx) -> bool {
    false
}
fn smtpd_fingerprints(c: &Ctx) -> bool {
    c.mentions("check_ccert_access")
        || c.mentions("permit_tls_clientcerts")
        || c.set("relay_clientcerts")
}
fn smtp_fingerprints(c: &Ctx) -> bool {
    c.set("smtp_tls_policy_maps")
        || c.set("smtp_tls_fingerprint_cert_match")
        || c.main.value("smtp_tls_security_level") == Some("fingerprint")
}
fn lmtp_fingerprints(c: &Ctx) -> bool {
    c.set("lmtp_tls_policy_maps")
        || c.set("lmtp_tls_fingerprint_cert_match")
        || c.main.value("lmtp_tls_security_level") == Some("fingerprint")
}
fn own_recipient_restrictions(c: &Ctx) -> bool {
    c.set("smtpd_recipient_restrictions")
}

/// COMPATIBILITY_README: what each level changes (main.cf parameters).
const CHANGES: &[Change] = &[
    Change {
        level: (1, 0, 0),
        param: "append_dot_mydomain",
        old: "yes",
        new: "no",
        relied: always,
    },
    Change {
        level: (1, 0, 0),
        param: "smtputf8_enable",
        old: "no",
        new: "yes",
        relied: always,
    },
    Change {
        level: (1, 0, 0),
        param: "smtpd_relay_restrictions",
        old: "",
        new: "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
        relied: always,
    },
    Change {
        level: (2, 0, 0),
        param: "mynetworks_style",
        old: "subnet",
        new: "host",
        relied: always,
    },
    Change {
        level: (2, 0, 0),
        param: "relay_domains",
        old: "$mydestination",
        new: "(empty)",
        relied: always,
    },
    Change {
        level: (3, 6, 0),
        param: "smtpd_tls_fingerprint_digest",
        old: "md5",
        new: "sha256",
        relied: smtpd_fingerprints,
    },
    Change {
        level: (3, 6, 0),
        param: "smtp_tls_fingerprint_digest",
        old: "md5",
        new: "sha256",
        relied: smtp_fingerprints,
    },
    Change {
        level: (3, 6, 0),
        param: "lmtp_tls_fingerprint_digest",
        old: "md5",
        new: "sha256",
        relied: lmtp_fingerprints,
    },
    Change {
        level: (3, 6, 0),
        param: "smtpd_relay_before_recipient_restrictions",
        old: "no",
        new: "yes",
        relied: own_recipient_restrictions,
    },
    Change {
        level: (3, 6, 0),
        param: "respectful_logging",
        old: "no",
        new: "yes",
        relied: never,
    },
    Change {
        level: (3, 11, 0),
        param: "smtp_tlsrpt_skip_reused_handshakes",
        old: "yes",
        new: "no",
        relied: never,
    },
    Change {
        level: (3, 11, 0),
        param: "smtp_tls_security_level",
        old: "",
        new: "may",
        relied: always,
    },
    Change {
        level: (3, 11, 0),
        param: "tlsproxy_client_security_level",
        old: "",
        new: "may",
        relied: never,
    },
];

impl Check for CompatibilityLevel {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "compatibility_level is below the target's stock level"
    }
    fn default_severity(&self) -> Severity {
        Severity::Medium
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Each instance's `compatibility_level` (missing means 0) compared \
                   numerically with the level in the target release's stock main.cf, and \
                   the defaults that would change for this host when it is raised: only the \
                   ones main.cf (or, for chroot, master.cf) does not set explicitly.",
            why: "The upgrade keeps the old main.cf, so Postfix runs the new release with \
                  backwards-compatible defaults and logs warnings about it. Raising the level \
                  silently changes every default the host relies on (relay policy, \
                  mynetworks, SMTPUTF8, TLS fingerprint digests, restriction order, log \
                  wording). The finding is medium when one of those changes reaches this \
                  host's mail flow, low when they are cosmetic here. Postfix 3.5 and older \
                  read the level as a whole number and exit on anything else (\"bad \
                  numerical configuration\"): a level such as 3.8 must only be set once \
                  the new Postfix is installed, and a main.cf that already has one (3.6, \
                  3.10 ...) on such a host is reported high: Postfix cannot start with it.",
            fix: "Safe: `postfix-preupgrade fix --only compatibility-level` pins the old value \
                  of every listed default in main.cf (and `chroot=y` on master.cf entries \
                  that leave it at `-`), then sets the target's level, so nothing changes. \
                  Needs review: only raising the level (`postconf compatibility_level=N`) \
                  accepts the new defaults.",
            references: &[
                (
                    "https://www.postfix.org/COMPATIBILITY_README.html",
                    "Postfix backwards-compatibility safety net",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#compatibility_level",
                    "postconf(5): compatibility_level",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let Some(target_text) = facts.upgrade_path.target_compatibility_level() else {
            return Vec::new();
        };
        let Some(target) = parse_level(target_text) else {
            return Vec::new();
        };
        facts
            .instances
            .iter()
            .filter_map(|inst| check_instance(facts, inst, target_text, target))
            .collect()
    }
}

fn level_text(l: Level) -> String {
    match l {
        (m, 0, 0) if m < 3 => m.to_string(),
        (a, b, 0) => format!("{a}.{b}"),
        (a, b, c) => format!("{a}.{b}.{c}"),
    }
}

fn check_instance(
    facts: &Facts,
    inst: &Instance,
    target_text: &str,
    target: Level,
) -> Option<Finding> {
    let main = inst.main();
    let defaults = facts.defaults_for(inst);
    let param = main.get("compatibility_level");
    let current_text = match param {
        Some(_) => Expander::new(main, &defaults)
            .param("compatibility_level")
            .value
            .trim()
            .to_string(),
        None => "0".to_string(),
    };
    let title = "compatibility_level is below the target's stock level";
    let mut f = match param {
        Some(p) => common::at_param(ID, Severity::Low, title, inst, p),
        None => {
            let mut f = Finding::new(ID, Severity::Low, title);
            let path = common::config_path(inst, crate::config::ConfigFile::Main);
            f.location.file = Some(path.display().to_string());
            f.location.parameter = Some("compatibility_level".into());
            f.related
                .push(crate::finding::Related::file(path.display().to_string()));
            f
        }
    };
    let Some(current) = parse_level(&current_text) else {
        f.severity = Severity::Medium;
        f.title = "compatibility_level is not a level Postfix understands".into();
        f.summary = format!(
            "compatibility_level = {current_text} is not a number such as 2 or 3.8: Postfix \
             refuses it or falls back to level 0 (all backwards-compatible defaults)."
        );
        f.remediation.hint =
            format!("Set a numeric level: the target's stock level is {target_text}.").into();
        return Some(f);
    };
    let target_version = facts.upgrade_path.target_postfix_version();
    let source_version = facts.postfix.version;
    // Postfix before 3.6 reads the level with strtol(3) and exits on anything after the
    // digits (mail_conf_int.c: "bad numerical configuration"); 3.6 and later parse
    // major.minor.patch and accept any level, also one above their own (3.10 on 3.8).
    let whole_number = current_text.bytes().all(|b| b.is_ascii_digit());
    if source_version < crate::facts::PostfixVersion::new(3, 6, 0) && !whole_number {
        f.severity = Severity::High;
        f.title = "compatibility_level is not valid on the installed Postfix".into();
        f.summary = format!(
            "compatibility_level = {current_text}: Postfix {source_version} reads \
             compatibility_level as a whole number, so every Postfix program stops with \
             \"fatal: bad numerical configuration: compatibility_level = {current_text}\": \
             Postfix cannot start with this main.cf before the upgrade. Postfix \
             {target_version} on the target accepts it{}.",
            if current < target {
                format!(" (it is below {target_text}, the target's stock level)")
            } else {
                String::new()
            }
        );
        f.remediation.hint = format!(
            "Until the upgrade, set compatibility_level = 2, the highest level Postfix \
             {source_version} knows (it has none of the later defaults, so nothing else \
             changes); set it to {} once Postfix {target_version} is installed.",
            if current < target {
                target_text.to_string()
            } else {
                current_text.clone()
            }
        )
        .into();
        f.remediation.commands = vec![common::postconf_command(inst, &["compatibility_level=2"])];
        f.fix = FixInfo::none();
        f.links.push(common::link(
            "https://www.postfix.org/COMPATIBILITY_README.html",
            "Postfix backwards-compatibility safety net",
        ));
        return Some(f);
    }
    if current >= target {
        return None;
    }
    let mut values: Vec<&str> = main.effective().iter().map(|p| p.value.as_str()).collect();
    if let Some(m) = inst.master() {
        for s in m.services() {
            values.extend(s.overrides.iter().map(|o| o.value.as_str()));
        }
    }
    let ctx = Ctx { main, values };
    let mut lines = Vec::new();
    let mut pins: Vec<String> = Vec::new();
    let mut relied_any = false;
    for c in CHANGES {
        if !(current < c.level && c.level <= target) {
            continue;
        }
        if !params::known(&target_version, c.param) || ctx.set(c.param) {
            continue;
        }
        // mynetworks_style only matters while mynetworks itself is left at its default
        if c.param == "mynetworks_style" && ctx.set("mynetworks") {
            continue;
        }
        let relied = (c.relied)(&ctx);
        relied_any |= relied;
        let old = if c.old.is_empty() { "(empty)" } else { c.old };
        lines.push(format!(
            "- {} = {old} becomes {} (from level {}){}",
            c.param,
            c.new,
            level_text(c.level),
            if relied {
                ""
            } else {
                ": not used in a way that changes mail flow here"
            }
        ));
        pins.push(format!("{}={}", c.param, c.old));
    }
    let mut chroot_pins = Vec::new();
    if current < (1, 0, 0) && (1, 0, 0) <= target {
        if let Some(m) = inst.master() {
            let dash: Vec<String> = m
                .services()
                .iter()
                .filter(|s| s.chroot == "-")
                .map(|s| s.id())
                .collect();
            if !dash.is_empty() {
                relied_any = true;
                lines.push(format!(
                    "- master.cf chroot `-` means y now and n from level 1, for: {}",
                    dash.join(", ")
                ));
                for id in dash {
                    chroot_pins.push(format!("{id}/chroot=y"));
                }
            }
        }
    }
    f.severity = if relied_any {
        Severity::Medium
    } else {
        Severity::Low
    };
    let shown = if param.is_some() {
        format!("compatibility_level = {current_text}")
    } else {
        "compatibility_level is not set (level 0)".to_string()
    };
    let changes = if lines.is_empty() {
        "No default changes for this host: it sets every affected parameter explicitly.".to_string()
    } else {
        format!(
            "Defaults that change for this host when the level is raised:\n{}",
            lines.join("\n")
        )
    };
    f.summary = format!(
        "{shown}, below {target_text}, the level of the target's stock main.cf. The kept \
         main.cf runs Postfix {target_version} with backwards-compatible defaults.\n{changes}"
    );
    let late = source_version < crate::facts::PostfixVersion::new(3, 6, 0)
        && target.0 >= 3
        && (target.1 > 0 || target.2 > 0);
    let mut hint = String::new();
    if !pins.is_empty() || !chroot_pins.is_empty() {
        hint.push_str(&format!(
            "Keep today's behaviour: pin the listed old defaults, then raise the level \
             (safe). Or only raise the level to {target_text} and accept the new defaults \
             (needs review)."
        ));
    } else {
        hint.push_str(&format!(
            "Raise the level to {target_text}: no default this host relies on changes."
        ));
    }
    if late {
        hint.push_str(&format!(
            " Set the level after the upgrade: Postfix {source_version} reads \
             compatibility_level as a whole number and refuses {target_text}."
        ));
    }
    f.remediation.hint = hint.into();
    f.remediation.commands.push(common::fix_command(ID));
    if !pins.is_empty() {
        let refs: Vec<&str> = pins.iter().map(String::as_str).collect();
        f.remediation
            .commands
            .push(common::postconf_command(inst, &refs));
    }
    for p in &chroot_pins {
        f.remediation
            .commands
            .push(common::postconf_command(inst, &["-F", p]));
    }
    f.remediation.commands.push(common::postconf_command(
        inst,
        &[&format!("compatibility_level={target_text}")],
    ));
    // the level, or a pin the installed Postfix does not know, waits for the new release
    let waits = late
        || pins.iter().any(|p| {
            let name = p.split_once('=').map_or(p.as_str(), |(n, _)| n);
            !crate::facts::params::known(&source_version, name)
        });
    f.fix = if waits {
        FixInfo::safe().after_upgrade()
    } else {
        FixInfo::safe()
    };
    f.links.push(common::link(
        "https://www.postfix.org/COMPATIBILITY_README.html",
        "Postfix backwards-compatibility safety net",
    ));
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_compare_numerically() {
        assert_eq!(parse_level("2"), Some((2, 0, 0)));
        assert_eq!(parse_level(" 3.6 "), Some((3, 6, 0)));
        assert_eq!(parse_level("3.10.1"), Some((3, 10, 1)));
        assert!(parse_level("3.10").unwrap() > parse_level("3.8").unwrap());
        assert!(parse_level("2").unwrap() < parse_level("3.6").unwrap());
        assert!(parse_level("3").unwrap() < parse_level("3.6").unwrap());
        assert!(parse_level("9999").unwrap() > parse_level("3.11").unwrap());
        for bad in ["", "x", "3.", ".3", "3.6.1.2", "3,6", "-1"] {
            assert_eq!(parse_level(bad), None, "{bad:?}");
        }
        assert_eq!(level_text((2, 0, 0)), "2");
        assert_eq!(level_text((3, 6, 0)), "3.6");
    }
}
