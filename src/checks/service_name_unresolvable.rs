//! `service-name-unresolvable`: master.cf `inet` services whose port name master(8)
//! cannot turn into a number, on the target (after the upgrade) and on the source (now).
//!
//! master resolves the port (the part after the last `:` of `[host:]port`) as a number,
//! else through `known_tcp_ports` (Postfix 3.6.3+, profile data), else through the
//! services database (`/etc/services` under the root, parsed here: name and aliases,
//! `tcp` entries). An unresolvable name makes master exit at start.
use std::collections::BTreeMap;

use super::Check;
use crate::checks::CheckDocs;
use crate::facts::{params, Facts, Instance};
use crate::finding::{Finding, FixInfo, Link, Related, Severity};

pub struct ServiceNameUnresolvable;

const ID: &str = "service-name-unresolvable";
const SERVICES: &str = "/etc/services";
/// Names every services(5) database defines (IANA, and every RHEL `setup` package): when
/// the root has no /etc/services these are not reported as unverifiable.
const UNIVERSAL: &[&str] = &["smtp", "submission", "lmtp"];

impl Check for ServiceNameUnresolvable {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "master.cf inet services whose port name does not resolve"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "The port part of every master.cf inet service ([host:]port, IPv6 hosts in \
                   []) that is not a number: it must be named in known_tcp_ports (Postfix \
                   3.6.3 and later: lmtp, smtp, smtps, submissions, submission by default) or \
                   as a tcp service (name or alias) in /etc/services under the root. Checked \
                   for the target Postfix and for the installed one.",
            why: "master(8) cannot bind a service whose port name does not resolve and exits \
                  (\"fatal: unknown service: submissions/tcp\"), so no Postfix service runs. \
                  smtps and submissions are the usual cases on Postfix 3.5 and older, which \
                  have no known_tcp_ports and depend on how /etc/services names port 465; a \
                  typo is the other. The target's /etc/services may differ from this one (the \
                  setup package is upgraded too): the check uses the file under the root.",
            fix: "Write the port number (465, 587) instead of the name, or use a name that the \
                  target resolves (known_tcp_ports on Postfix 3.6+, /etc/services otherwise).",
            references: &[
                (
                    "https://www.postfix.org/master.5.html",
                    "master(5): service name syntax",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#known_tcp_ports",
                    "postconf(5): known_tcp_ports",
                ),
                (
                    "https://www.rfc-editor.org/rfc/rfc8314#section-7.3",
                    "RFC 8314: port 465 registered as submissions",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        // absent and unreadable are different things to say (a FIFO, a directory, bad
        // UTF-8 or a permission problem is not "no /etc/services")
        let (services, unreadable) = match facts.root.read_to_string(SERVICES) {
            Ok(t) => (Some(parse_services(&t)), None),
            Err(_) if !facts.root.exists(SERVICES) => (None, None),
            Err(e) => (None, Some(e.to_string())),
        };
        let path = &facts.upgrade_path;
        let mut out = Vec::new();
        for inst in &facts.instances {
            let Some(master) = inst.master() else {
                continue;
            };
            let target_ktp = path
                .has_known_tcp_ports()
                .then(|| known_tcp_ports(facts, inst, &path.target_postfix_version()));
            let source_ktp = path
                .source_profile()
                .known_tcp_ports
                .then(|| known_tcp_ports(facts, inst, &facts.postfix.version));
            for s in master.services() {
                let Some((_, port)) = s.endpoint() else {
                    continue;
                };
                if port.is_empty() || port.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let in_services = services.as_ref().map(|m| m.get(port).copied());
                let resolve = |ktp: &Option<BTreeMap<String, String>>| -> Resolution {
                    if let Some(n) = ktp.as_ref().and_then(|k| k.get(port)) {
                        return Resolution::Known(n.clone());
                    }
                    match in_services {
                        Some(Some(n)) => Resolution::Services(n),
                        Some(None) => Resolution::No,
                        None => Resolution::Unknown,
                    }
                };
                let (t, src) = (resolve(&target_ktp), resolve(&source_ktp));
                if let Some(f) = finding(facts, inst, s, port, &t, &src, unreadable.as_deref()) {
                    out.push(f);
                }
            }
        }
        out
    }
}

enum Resolution {
    /// Through known_tcp_ports, to this port.
    Known(String),
    /// Through /etc/services.
    Services(u16),
    /// Not at all.
    No,
    /// /etc/services is missing under the root: cannot tell.
    Unknown,
}

impl Resolution {
    fn ok(&self) -> bool {
        matches!(self, Resolution::Known(_) | Resolution::Services(_))
    }
}

fn finding(
    facts: &Facts,
    inst: &Instance,
    s: &crate::config::Service,
    port: &str,
    target: &Resolution,
    source: &Resolution,
    unreadable: Option<&str>,
) -> Option<Finding> {
    let tmaj = facts.target.major;
    let smaj = facts.source.major;
    let tv = facts.upgrade_path.target_postfix_version();
    let sv = facts.postfix.version;
    let (severity, what) = match (target, source) {
        (t, _) if t.ok() && source.ok() => return None,
        (Resolution::No, s) => (
            Severity::High,
            format!(
                "On RHEL {tmaj} (Postfix {tv}) \"{port}\" is {}not a tcp service in \
                 /etc/services, so master cannot bind {} and exits at start{}",
                if facts.upgrade_path.has_known_tcp_ports() {
                    "not in known_tcp_ports and "
                } else {
                    ""
                },
                s_name(s),
                match s {
                    Resolution::No | Resolution::Unknown => format!(
                        "; it does not resolve on the installed Postfix {sv} either, so \
                         Postfix cannot be running with this master.cf now"
                    ),
                    _ => String::new(),
                }
            ),
        ),
        (t, Resolution::No) if t.ok() => (
            Severity::Medium,
            format!(
                "The installed Postfix {sv} (RHEL {smaj}) cannot resolve \"{port}\", so master \
                 cannot start with this master.cf now; on RHEL {tmaj} it resolves {}",
                how(t)
            ),
        ),
        (t, _) if t.ok() => return None,
        _ if UNIVERSAL.contains(&port) => return None,
        _ => (
            Severity::Medium,
            match unreadable {
                None => format!(
                    "There is no {SERVICES} under the root, so whether \"{port}\" resolves \
                     on RHEL {tmaj} (Postfix {tv}) cannot be checked"
                ),
                Some(e) => format!(
                    "{SERVICES} under the root could not be read ({e}), so whether \
                     \"{port}\" resolves on RHEL {tmaj} (Postfix {tv}) cannot be checked"
                ),
            },
        ),
    };
    let path = catalog_data_master_path(inst);
    let mut f = Finding::new(
        ID,
        severity,
        format!("master.cf service {} uses the port name \"{port}\"", s.id()),
    );
    f.summary = format!(
        "The inet service {} (line {}) listens on port \"{port}\". {what}. The check reads \
         {SERVICES} under the root; the target system's file may differ after the upgrade.",
        s.id(),
        s.line,
    );
    f.location.file = Some(path.clone());
    f.location.line = Some(s.line);
    f.location.end_line = Some(s.end_line);
    f.location.service = Some(s.id().into());
    f.location.text = Some(s.name.as_str().into());
    f.related.push(Related::file(path));
    let number = match port {
        "smtps" | "submissions" | "urd" => Some("465"),
        "submission" => Some("587"),
        "smtp" => Some("25"),
        "lmtp" => Some("24"),
        _ => match (target, source) {
            (Resolution::Services(n), _) | (_, Resolution::Services(n)) => {
                return Some(with_hint(f, s, port, Some(&n.to_string())))
            }
            (Resolution::Known(n), _) | (_, Resolution::Known(n)) => {
                return Some(with_hint(f, s, port, Some(n)))
            }
            _ => None,
        },
    };
    Some(with_hint(f, s, port, number))
}

fn with_hint(
    mut f: Finding,
    s: &crate::config::Service,
    port: &str,
    number: Option<&str>,
) -> Finding {
    f.remediation.hint = format!(
        "\"{port}\" looks like a typo or a local name: write the port number in the \
         service name of {}, or add the name to /etc/services.",
        s.id()
    )
    .into();
    // rename only the port part: the host part may contain the same text
    if let Some(n) = number {
        let new_name = match s.name.rfind(':') {
            Some(i) => format!("{}:{n}", &s.name[..i]),
            None => n.to_string(),
        };
        f.remediation.hint = format!(
            "Write the port number: rename the entry {} to {new_name}/{} (edit master.cf, or \
             postconf -M). Keep -o syslog_name if logs are filtered on the service name.",
            s.id(),
            s.kind
        )
        .into();
    }
    // renaming the entry is left to a person (`fix` has no planner for it): the name
    // may be filtered on in logs, and smtps/submissions are `smtps-service-renamed`'s
    f.fix = FixInfo::none();
    f.links.push(Link {
        url: "https://www.postfix.org/master.5.html".into(),
        title: "master(5)".into(),
    });
    f
}

fn catalog_data_master_path(inst: &Instance) -> String {
    super::catalog_data::master_path(inst)
}

fn s_name(r: &Resolution) -> &'static str {
    match r {
        Resolution::Known(_) | Resolution::Services(_) => "the service (it resolves today)",
        _ => "the service",
    }
}

fn how(r: &Resolution) -> String {
    match r {
        Resolution::Known(n) => format!("through known_tcp_ports (port {n})"),
        Resolution::Services(n) => format!("through /etc/services (port {n})"),
        _ => String::new(),
    }
}

/// `known_tcp_ports` for an instance on Postfix `version`: main.cf's value, else that
/// version's default. `name=name=port` chains give every name the port.
fn known_tcp_ports(
    facts: &Facts,
    inst: &Instance,
    version: &crate::facts::PostfixVersion,
) -> BTreeMap<String, String> {
    let value = match inst.main().get("known_tcp_ports") {
        Some(_) => super::catalog_data::effective(facts, inst, None, "known_tcp_ports"),
        None => params::default(version, "known_tcp_ports")
            .unwrap_or("")
            .to_string(),
    };
    let mut out = BTreeMap::new();
    for item in value
        .split([',', ' ', '\t', '\n'])
        .filter(|s| !s.is_empty())
    {
        let parts: Vec<&str> = item.split('=').map(str::trim).collect();
        if parts.len() < 2 {
            continue;
        }
        let port = parts[parts.len() - 1];
        for name in &parts[..parts.len() - 1] {
            out.insert(name.to_string(), port.to_string());
        }
    }
    out
}

/// `/etc/services`: tcp names and aliases → port.
fn parse_services(text: &str) -> BTreeMap<String, u16> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut f = line.split_whitespace();
        let (Some(name), Some(pp)) = (f.next(), f.next()) else {
            continue;
        };
        let Some((port, proto)) = pp.split_once('/') else {
            continue;
        };
        if proto != "tcp" {
            continue;
        }
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        for n in std::iter::once(name).chain(f) {
            out.entry(n.to_string()).or_insert(port);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_services;

    #[test]
    fn services_names_and_aliases() {
        let m = parse_services(
            "# c\nsmtp 25/tcp mail\nurd 465/tcp smtps # x\nfoo 99/udp\nsubmission\t587/tcp msa\n",
        );
        assert_eq!(m.get("smtps"), Some(&465));
        assert_eq!(m.get("mail"), Some(&25));
        assert_eq!(m.get("msa"), Some(&587));
        assert_eq!(m.get("foo"), None);
        assert_eq!(m.get("submissions"), None);
    }
}
