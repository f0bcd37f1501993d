//! `deprecated-parameter`: parameters (and the `permit_mx_backup` restriction) that
//! upstream deprecated, renamed or stopped honouring, with their modern equivalent.
//!
//! Severity from the data in [`super::catalog_data`] against the target's Postfix: `low`
//! where the target warns about the setting or ignores it, `info` where the target still
//! accepts it silently (a future-proofing note).
use super::catalog_data::{
    self, DeprecatedParam, Replace, DEPRECATED_PARAMS, DEPRECATED_RESTRICTIONS,
};
use super::Check;
use crate::checks::CheckDocs;
use crate::config::Service;
use crate::facts::{params, Facts, Instance, PostfixVersion};
use crate::finding::{Finding, FixInfo, Related, Severity};

pub struct DeprecatedParameter;

const ID: &str = "deprecated-parameter";

impl Check for DeprecatedParameter {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Deprecated, renamed or ignored parameters"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "main.cf parameters and master.cf -o overrides that upstream deprecated: \
                   *_use_tls, *_enforce_tls, *_tls_per_site, *_tls_enforce_peername, \
                   disable_dns_lookups, smtpd_tls_dh1024_param_file, smtpd_tls_eecdh_grade, \
                   the ignored tls_dane_digest_agility and tls_dane_trust_anchor_digest_enable, \
                   the renamed postscreen whitelist/blacklist, *_per_record_deadline, \
                   tlsproxy_client_level/policy, virtual_maps, fallback_relay and \
                   authorized_verp_clients names, the CNAME override switches, and the \
                   permit_mx_backup restriction.",
            why: "Postfix 3.9 and later log a warning for most of these and will remove them; \
                  the renamed ones warn from 3.11. Some are already ignored. On a target that \
                  still accepts them silently this is a note for the future (info); where the \
                  target warns or ignores them it is low. None of them stops mail today.",
            fix: "Use the modern equivalent. Mechanical, behaviour-preserving replacements \
                  (use_tls=yes → tls_security_level=may when no level is set, a rename whose new \
                  name is unset, deleting a setting that has no effect) are safe fixes. Others \
                  need a person: *_tls_per_site tables have a different format than \
                  *_tls_policy_maps, permit_mx_backup needs relay_domains and \
                  relay_recipient_maps, and dropping DH or curve settings changes the TLS \
                  handshake.",
            references: &[
                (
                    "https://www.postfix.org/DEPRECATION_README.html",
                    "Postfix: replacements for deprecated features",
                ),
                (
                    "https://www.postfix.org/TLS_README.html",
                    "Postfix TLS support",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            let main = inst.main();
            for p in main.effective() {
                if let Some(d) = DEPRECATED_PARAMS.iter().find(|d| d.name == p.name) {
                    let at = At {
                        file: catalog_data::main_path(inst),
                        line: p.line,
                        end_line: p.end_line,
                        service: None,
                        value: p.value.clone(),
                    };
                    out.extend(param_finding(facts, inst, d, &at));
                }
            }
            if let Some(master) = inst.master() {
                for s in master.services() {
                    for o in &s.overrides {
                        // the last -o of a name wins
                        if s.override_value(&o.name) != Some(o.value.as_str()) {
                            continue;
                        }
                        if let Some(d) = DEPRECATED_PARAMS.iter().find(|d| d.name == o.name) {
                            let at = At {
                                file: catalog_data::master_path(inst),
                                line: o.line,
                                end_line: o.line,
                                service: Some(s),
                                value: o.value.to_string(),
                            };
                            out.extend(param_finding(facts, inst, d, &at));
                        }
                    }
                }
            }
            out.extend(restriction_findings(facts, inst));
        }
        out
    }
}

/// Where a deprecated setting is written.
struct At<'a> {
    file: String,
    line: usize,
    end_line: usize,
    service: Option<&'a Service>,
    value: String,
}

/// `info` while the target accepts it silently, `low` once it warns or ignores it.
fn severity(target: PostfixVersion, d: &DeprecatedParam) -> (Severity, String) {
    if let Some(v) = d.ignored_since.filter(|v| target >= *v) {
        return (
            Severity::Low,
            format!("Postfix ignores it since {v}: the setting has no effect"),
        );
    }
    match d.warn_since {
        Some(v) if target >= v => (
            Severity::Low,
            format!("Postfix {target} logs a deprecation warning for it (since {v})"),
        ),
        Some(v) => (
            Severity::Info,
            format!(
                "Postfix {target} still accepts it silently; Postfix {v} and later warn and \
                 will remove it"
            ),
        ),
        None => (Severity::Info, "it is deprecated upstream".into()),
    }
}

fn yes(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("yes")
}

fn param_finding(facts: &Facts, inst: &Instance, d: &DeprecatedParam, at: &At) -> Option<Finding> {
    let target = facts.upgrade_path.target_postfix_version();
    let source = facts.postfix.version;
    if !params::known(&target, d.name) && d.ignored_since.is_none() {
        // unknown on the target: unknown-parameter reports it
        return None;
    }
    let main = inst.main();
    let svc = at.service;
    let eff = |name: &str| catalog_data::effective(facts, inst, svc, name);
    let both_know = |n: &str| params::known(&source, n) && params::known(&target, n);
    let after_upgrade = |n: &str| {
        if params::known(&source, n) {
            String::new()
        } else {
            format!(" after the upgrade (Postfix {source} does not know {n})")
        }
    };
    let (severity, status) = severity(target, d);
    let setting = format!("{} = {}", d.name, at.value);
    // (advice, fix)
    // What the setting falls back to when deleted: main.cf's value for a -o override,
    // the built-in default for main.cf.
    // A renamed -o keeps its (new) name even when its value is what main.cf gives: it
    // guards the service against a later main.cf setting (`-o fallback_relay=`).
    let inherited = match (svc, d.replace) {
        (Some(_), Replace::Rename(_)) => None,
        (Some(_), _) => Some(catalog_data::effective(facts, inst, None, d.name)),
        (None, _) => params::default(&target, d.name).map(str::to_string),
    };
    let (advice, fix) = match d.replace {
        _ if inherited.as_deref().map(str::trim) == Some(at.value.trim()) => (
            format!(
                "delete it: its value is what {} gives anyway ({}), so nothing changes",
                if svc.is_some() {
                    "main.cf"
                } else {
                    "the built-in default"
                },
                if at.value.trim().is_empty() {
                    "empty"
                } else {
                    at.value.trim()
                }
            ),
            FixInfo::safe(),
        ),
        Replace::TlsLevel(level) => {
            let cur = eff(level);
            let implied = match (d.name.ends_with("_enforce_tls"), yes(&at.value)) {
                (true, true) => "encrypt",
                (false, true) => "may",
                (false, false) => "none",
                (true, false) => "",
            };
            // only a weaker level than the obsolete setting asks for is worth a warning
            if implied == "encrypt" && matches!(cur.trim(), "none" | "may") {
                (
                    format!(
                        "{level} = {} wins over it, so this setting has no effect and TLS is \
                         not \"{implied}\" as it suggests: delete it to keep today's behaviour, \
                         or set {level} = {implied} if that was the intent (a behaviour change)",
                        cur.trim()
                    ),
                    FixInfo::safe(),
                )
            } else if !cur.trim().is_empty() {
                (
                    format!(
                        "{level} is set ({}), which overrides {}: delete {}; nothing changes",
                        cur.trim(),
                        d.name,
                        d.name
                    ),
                    FixInfo::safe(),
                )
            } else {
                let stem = d
                    .name
                    .trim_end_matches("_use_tls")
                    .trim_end_matches("_enforce_tls");
                let enforce = yes(&eff(&format!("{stem}_enforce_tls")));
                let usetls = yes(&eff(&format!("{stem}_use_tls")));
                let want = if enforce {
                    "encrypt"
                } else if usetls {
                    "may"
                } else {
                    "none"
                };
                (
                    format!(
                        "set {level} = {want} and delete {stem}_use_tls and {stem}_enforce_tls \
                         (the same behaviour: use_tls=yes is may, enforce_tls=yes is \
                         encrypt){}",
                        after_upgrade(level)
                    ),
                    if both_know(level) {
                        FixInfo::safe()
                    } else {
                        FixInfo::none()
                    },
                )
            }
        }
        Replace::DnsSupportLevel => {
            let level = eff("smtp_dns_support_level");
            if !level.trim().is_empty() || !yes(&at.value) {
                (
                    "delete it: smtp_dns_support_level decides (DNS lookups stay as they are)"
                        .into(),
                    FixInfo::safe(),
                )
            } else {
                (
                    format!(
                        "set smtp_dns_support_level = disabled and delete disable_dns_lookups{}",
                        after_upgrade("smtp_dns_support_level")
                    ),
                    if both_know("smtp_dns_support_level") {
                        FixInfo::safe()
                    } else {
                        FixInfo::none()
                    },
                )
            }
        }
        Replace::Ignored => ("delete it; nothing changes".into(), FixInfo::safe()),
        Replace::LeaveDefault => (
            format!(
                "delete it and leave the default in force ({}); this changes behaviour, so test \
                 it",
                d.note
            ),
            FixInfo::review(),
        ),
        Replace::Rename(new) => {
            if !params::known(&target, new) {
                return None;
            }
            if catalog_data::is_set(main, svc, new) {
                (
                    format!(
                        "{new} is set too: merge the two (the old name is only the default of \
                         the new one) and delete {}",
                        d.name
                    ),
                    // merging is a person's call: `fix` leaves it with the reason
                    FixInfo::none(),
                )
            } else if both_know(new) {
                (
                    format!("rename it to {new} (same value, same behaviour)"),
                    FixInfo::safe(),
                )
            } else {
                (
                    format!(
                        "rename it to {new} after the upgrade (Postfix {source} does not know \
                         {new} yet)"
                    ),
                    // not now; `fix` lists the rename for after the upgrade
                    FixInfo::none(),
                )
            }
        }
        Replace::Manual(new) => (
            format!("replace it with {new}: {}", d.note),
            FixInfo::none(),
        ),
    };
    let mut f = Finding::new(ID, severity, format!("{} is deprecated", d.name));
    let place = match svc {
        Some(s) => format!("The -o {} override of {}", d.name, s.id()),
        None => d.name.to_string(),
    };
    let note =
        if d.note.is_empty() || matches!(d.replace, Replace::Manual(_) | Replace::LeaveDefault) {
            String::new()
        } else {
            format!(" ({})", d.note)
        };
    // the advice is said once, under "What to do"
    f.summary = format!("{place} ({}, line {}): {status}{note}.", at.file, at.line);
    f.location.file = Some(at.file.clone());
    f.location.line = Some(at.line);
    f.location.end_line = Some(at.end_line);
    f.location.service = svc.map(|s| s.id().into());
    f.location.parameter = Some(d.name.to_string().into());
    f.location.text = Some(setting.into());
    f.related.push(Related::file(at.file.clone()));
    f.remediation.hint = match svc {
        Some(s) => format!("In the {} entry of master.cf: {advice}.", s.id()).into(),
        None => format!("In main.cf: {advice}.").into(),
    };
    f.fix = fix;
    f.links.push(catalog_data::deprecation_link());
    Some(f)
}

fn restriction_findings(facts: &Facts, inst: &Instance) -> Vec<Finding> {
    let target = facts.upgrade_path.target_postfix_version();
    let mut out = Vec::new();
    for u in catalog_data::restriction_uses_of(facts, inst, |t| {
        DEPRECATED_RESTRICTIONS.iter().any(|r| r.name == t)
    }) {
        let Some(r) = DEPRECATED_RESTRICTIONS.iter().find(|r| r.name == u.token) else {
            continue;
        };
        let (severity, status) = if target >= r.warn_since {
            (
                Severity::Low,
                format!("Postfix {target} logs a deprecation warning for it"),
            )
        } else {
            (
                Severity::Info,
                format!(
                    "Postfix {target} accepts it silently; Postfix {} and later warn and will \
                     remove it",
                    r.warn_since
                ),
            )
        };
        let place = match &u.service {
            Some(s) => format!("The -o {} override of {s}", u.parameter),
            None => u.parameter.clone(),
        };
        let mut f = Finding::new(
            ID,
            severity,
            format!("{} uses the deprecated restriction {}", u.parameter, r.name),
        );
        f.summary = format!(
            "{place} ({}, line {}) lists {}: {status}. Modern equivalent: {}; {}.",
            u.file, u.line, r.name, r.replacement, r.note
        );
        u.locate(&mut f);
        f.remediation.hint = format!(
            "Remove {} from {}; use {}.",
            r.name,
            place.replacen("The -o", "the -o", 1),
            r.replacement
        )
        .into();
        f.fix = FixInfo::none();
        f.links.push(catalog_data::deprecation_link());
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_the_target_version() {
        let v = PostfixVersion::new;
        let find = |n: &str| DEPRECATED_PARAMS.iter().find(|d| d.name == n).unwrap();
        let use_tls = find("smtpd_use_tls");
        assert_eq!(severity(v(3, 8, 5), use_tls).0, Severity::Info);
        assert_eq!(severity(v(3, 9, 0), use_tls).0, Severity::Low);
        let renamed = find("virtual_maps");
        assert_eq!(severity(v(3, 10, 0), renamed).0, Severity::Info);
        assert_eq!(severity(v(3, 11, 0), renamed).0, Severity::Low);
        let dane = find("tls_dane_digest_agility");
        assert_eq!(severity(v(3, 3, 1), dane).0, Severity::Low);
        assert!(severity(v(3, 3, 1), dane).1.contains("no effect"));
    }
}
