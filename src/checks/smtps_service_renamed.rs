//! `smtps-service-renamed`: an active master.cf `smtps` inet service (also `host:smtps`).
//!
//! Upstream renamed the stock stanza to `submissions` in Postfix 3.7 (RFC 8314 names port
//! 465 "submissions"). The severity comes from the profile data and the root's
//! `/etc/services`: `low` when the target resolves `smtps` itself (`known_tcp_ports`,
//! Postfix 3.6.3+) or `/etc/services` names it, `medium` when the name would not resolve
//! on the target. Whether renaming is safe *before* the upgrade depends on the source:
//! `submissions` must resolve there too, else the fix needs review.
use super::common;
use super::{Check, CheckDocs};
use crate::config::Service;
use crate::facts::{Facts, Instance};
use crate::finding::Finding;
use crate::finding::{FixInfo, Severity};

pub struct SmtpsServiceRenamed;

const ID: &str = "smtps-service-renamed";

impl Check for SmtpsServiceRenamed {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "The smtps service is named submissions upstream"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "An active master.cf `inet` service listening on the port named `smtps` \
                   (also `host:smtps`), in any instance.",
            why: "Postfix 3.7 renamed the stock `smtps` stanza to `submissions`, the name \
                  RFC 8314 gives port 465; RHEL 10's master.cf has no `smtps` line. On a \
                  target with `known_tcp_ports` (Postfix 3.6.3 and later) the old name still \
                  resolves to 465 and the entry keeps working, it merely differs from the \
                  stock file (low). Where neither `known_tcp_ports` nor /etc/services knows \
                  `smtps`, master(8) cannot bind the service (medium). Renaming changes the \
                  service name, `$service_name` in its `-o` values, the `syslog_name` \
                  (`postfix/smtps` becomes `postfix/submissions`, which log filters and \
                  fail2ban jails match on) and how postconf addresses the entry \
                  (`postconf -M submissions/inet` instead of `smtps/inet`).",
            fix: "`postfix-preupgrade fix --only smtps-service-renamed` renames the entry to \
                  `submissions` keeping its columns and sets `syslog_name=postfix/submissions` \
                  where it said `postfix/smtps`. It is safe when `submissions` resolves on \
                  the source already (known_tcp_ports, or /etc/services names it); otherwise \
                  it needs review: add `submissions` to /etc/services first, or rename after \
                  the upgrade.",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html#known_tcp_ports",
                    "postconf(5): known_tcp_ports",
                ),
                (
                    "https://www.rfc-editor.org/rfc/rfc8314#section-7.3",
                    "RFC 8314: port 465 is submissions",
                ),
                ("https://www.postfix.org/master.5.html", "master(5)"),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            let Some(master) = inst.master() else {
                continue;
            };
            for s in master.services() {
                let is_smtps = s.endpoint().is_some_and(|(_, port)| port == "smtps");
                // master(8) uses the last of duplicate entries
                let effective = master.get(&s.id()).is_some_and(|e| std::ptr::eq(e, s));
                if is_smtps && effective {
                    out.push(finding(facts, inst, s));
                }
            }
        }
        out
    }
}

fn finding(facts: &Facts, inst: &Instance, s: &Service) -> Finding {
    let target = facts.target_profile();
    let tv = target.postfix_version;
    let services_smtps = common::etc_services_names(facts, "smtps");
    let (severity, works) = if facts.upgrade_path.has_known_tcp_ports() {
        (
            Severity::Low,
            format!(
                "Postfix {tv} on the target maps `smtps` to port 465 itself (known_tcp_ports), \
                 so this entry keeps working; it only differs from the stock master.cf."
            ),
        )
    } else if services_smtps == Some(true) {
        (
            Severity::Low,
            format!(
                "Postfix {tv} on the target has no known_tcp_ports, but /etc/services names \
                 `smtps`, so this entry keeps working as long as that line stays."
            ),
        )
    } else {
        (
            Severity::Medium,
            format!(
                "Postfix {tv} on the target has no known_tcp_ports and /etc/services {}: \
                 master(8) cannot resolve `smtps` and will not listen on port 465.",
                if services_smtps.is_none() {
                    "could not be read"
                } else {
                    "does not name `smtps`"
                }
            ),
        )
    };
    let new_name = match s.name.rfind(':') {
        Some(i) => format!("{}submissions", &s.name[..=i]),
        None => "submissions".to_string(),
    };
    let new_id = format!("{new_name}/inet");
    let mut changes = vec![format!(
        "- the service name: `{}` becomes `{new_name}`;",
        s.name
    )];
    changes.push(format!(
        "- postconf addresses the entry as `postconf -M {new_id}` (and `-P {new_id}/...`) \
         instead of `{}`;",
        s.id()
    ));
    let uses_service_name: Vec<&str> = s
        .overrides
        .iter()
        .filter(|o| o.value.contains("$service_name") || o.value.contains("${service_name}"))
        .map(|o| o.name.as_str())
        .collect();
    if uses_service_name.is_empty() {
        changes.push(format!(
            "- `$service_name` becomes `{new_name}` for this daemon (none of its -o \
                 values uses it now);"
        ));
    } else {
        changes.push(format!(
            "- `$service_name` becomes `{new_name}`, which changes its -o {};",
            uses_service_name.join(", ")
        ));
    }
    match s.override_value("syslog_name") {
        Some(v) if v.ends_with("/smtps") => changes.push(format!(
            "- `syslog_name` ({v}): the fix makes it {}/submissions, so the daemon logs \
             under that name; update log filters and fail2ban jails that match {v}.",
            &v[..v.len() - "/smtps".len()]
        )),
        Some(v) if v.contains("service_name") => changes.push(format!(
            "- `syslog_name` ({v}) follows the service name: logs change from postfix/{} \
             to postfix/{new_name}; update log filters and fail2ban jails.",
            s.name
        )),
        Some(v) => changes.push(format!("- `syslog_name` ({v}) does not change.")),
        None => changes.push(
            "- `syslog_name` is not set for this service, so its logging does not change."
                .to_string(),
        ),
    }
    // what the fix does to syslog_name: only a `.../smtps` value follows the rename
    let syslog = match s.override_value("syslog_name") {
        Some(v) if v.ends_with("/smtps") => format!(
            " and set syslog_name={}/submissions",
            &v[..v.len() - "/smtps".len()]
        ),
        _ => String::new(),
    };
    // Renaming before the upgrade needs `submissions` to resolve on the source.
    let source_resolves = facts.upgrade_path.source_profile().known_tcp_ports
        || common::etc_services_names(facts, "submissions") == Some(true);
    let mut f = common::at_service(
        ID,
        severity,
        "The smtps service is named submissions upstream",
        inst,
        s,
    );
    f.summary = format!(
        "{works}\nPostfix 3.7 renamed this stanza `submissions` (RFC 8314), and the target's \
         stock master.cf has no `smtps` line. Renaming it changes:\n{}",
        changes.join("\n")
    );
    if source_resolves {
        f.fix = FixInfo::safe();
        f.remediation.hint = format!(
            "Rename the entry to `{new_name}`{syslog}; `submissions` already resolves on \
             this host."
        )
        .into();
        f.remediation.commands = vec![common::fix_command(ID)];
    } else {
        f.fix = FixInfo::review();
        f.remediation.hint = format!(
            "Rename the entry to `{new_name}`{syslog}. On the source (Postfix {}) `submissions` does not resolve (no known_tcp_ports, \
             not in /etc/services): add `submissions 465/tcp` to /etc/services first, or \
             rename after the upgrade.",
            facts.postfix.version
        ).into();
        f.remediation.commands = vec![common::argv(&[
            "postfix-preupgrade",
            "fix",
            "--unsafe",
            "--only",
            ID,
        ])];
    }
    f.links.push(common::link(
        "https://www.postfix.org/postconf.5.html#known_tcp_ports",
        "postconf(5): known_tcp_ports",
    ));
    f
}
