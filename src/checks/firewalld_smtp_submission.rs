//! `firewalld-smtp-submission`: firewalld zones and policies (`/etc/firewalld/zones/*.xml`,
//! `/etc/firewalld/policies/*.xml`) that open port 587 through the old service name
//! `smtp-submission`.
//!
//! firewalld 2.1 (Fedora 40, RHEL 10) added the service `submission` (commit d6a9561)
//! and turned `smtp-submission` into a deprecated alias, `<include service="submission"/>`
//! (commit 46d54dcb); the old file is still shipped (firewalld 2.5), so a zone naming it
//! keeps opening 587/tcp on the target. RHEL 9's firewalld (1.3) has no `submission`, so
//! the rename can only be made on the new release. Hence `low`, and only where the target
//! (or, for `verify`, the installed release) has `submission`: whether it does is the
//! profile's `firewalld_submission`.
use std::path::PathBuf;

use super::common;
use super::{Check, CheckDocs};
use crate::facts::Facts;
use crate::finding::{Finding, Related, Severity};

pub struct FirewalldSmtpSubmission;

const ID: &str = "firewalld-smtp-submission";
const OLD: &str = "smtp-submission";
const NEW: &str = "submission";

/// Where the admin's firewalld configuration names services: (directory, firewall-cmd
/// option that selects an object there).
const DIRS: &[(&str, &str)] = &[
    ("/etc/firewalld/zones", "--zone"),
    ("/etc/firewalld/policies", "--policy"),
];

impl Check for FirewalldSmtpSubmission {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "firewalld opens the submission port by its deprecated name smtp-submission"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "firewalld zones and policies in /etc/firewalld that name the service \
                   `smtp-submission` (port 587), on a target whose firewalld has the service \
                   `submission`.",
            why: "firewalld 2.1 (Fedora 40, RHEL 10) named the port 587 service `submission`, \
                  as IANA and /etc/services do, and kept `smtp-submission` only as a \
                  deprecated alias that includes `submission`. The zone keeps working after \
                  the upgrade, but the name is deprecated and tools that compare service \
                  names (configuration management, audits) no longer match. RHEL 9's \
                  firewalld has no `submission`, so the rename waits for the new release.",
            fix: "After the upgrade: `firewall-cmd --permanent --zone ZONE --add-service \
                  submission`, `firewall-cmd --permanent --zone ZONE --remove-service \
                  smtp-submission`, then `firewall-cmd --reload` (`--policy POLICY` for a policy; on an image \
                  `firewall-offline-cmd` without `--permanent`, where the removal is spelt \
                  `--remove-service-from-zone`).",
            references: &[
                (
                    "https://github.com/firewalld/firewalld/commit/d6a9561260c0ff81fb2e0a105768749c5c819561",
                    "firewalld: add submission service (tcp 587)",
                ),
                (
                    "https://github.com/firewalld/firewalld/commit/46d54dcbdff94423686d67befc78ca8d601fce60",
                    "firewalld: smtp-submission: mark deprecated",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let path = &facts.upgrade_path;
        if !path.target_profile().firewalld_submission {
            return Vec::new();
        }
        // after the upgrade (verify), or already on a release that has `submission`
        let now = path.source_profile().firewalld_submission;
        let mut out = Vec::new();
        for (dir, option) in DIRS {
            let Ok(entries) = facts.root.read_dir(dir) else {
                continue;
            };
            for (name, _) in entries {
                let name = name.to_string_lossy().into_owned();
                let Some(object) = name.strip_suffix(".xml") else {
                    continue;
                };
                let file = PathBuf::from(dir).join(&name);
                let Ok(text) = facts.root.read_to_string(&file) else {
                    continue;
                };
                let mut rules = 0;
                for (line, in_rule) in service_lines(&text, OLD) {
                    let mut f = finding(&file, line, option, object, now, in_rule);
                    // a zone lists a service once, but any number of rich rules may name it
                    let path = file.display().to_string();
                    f.key = if in_rule {
                        rules += 1;
                        Finding::key_from(ID, &[&path, "rule", &rules.to_string()])
                    } else {
                        Finding::key_from(ID, &[&path, "service"])
                    };
                    out.push(f);
                }
            }
        }
        out
    }
}

fn finding(
    file: &std::path::Path,
    line: usize,
    option: &str,
    object: &str,
    now: bool,
    in_rule: bool,
) -> Finding {
    let path = file.display().to_string();
    let kind = if option == "--zone" { "zone" } else { "policy" };
    let mut f = Finding::new(
        ID,
        Severity::Low,
        format!("firewalld {kind} {object} names the deprecated service smtp-submission"),
    );
    f.location.file = Some(path.clone());
    f.location.line = Some(line);
    f.location.end_line = Some(line);
    f.related.push(Related::file(path));
    let when = if now {
        "This firewalld has `submission`: rename it now."
    } else {
        "The source release's firewalld has no `submission` service: rename it after the \
         upgrade (`postfix-preupgrade verify` reminds you)."
    };
    f.summary = format!(
        "The {kind} {object} opens port 587 through `smtp-submission`. The new firewalld \
         names this service `submission` and keeps `smtp-submission` only as a deprecated \
         alias that includes it, so the port stays open; the old name is what changes. {when}"
    );
    if in_rule {
        // --remove-service does not touch a rich rule: the rule itself is replaced
        f.remediation.hint = format!(
            "The name is in a rich rule of the {kind}: replace the rule with one naming \
             `service name=\"submission\"` (`firewall-cmd --permanent {option}={object} \
             --remove-rich-rule=RULE --add-rich-rule=NEW`), then reload firewalld."
        )
        .into();
        f.links.push(common::link(
            "https://github.com/firewalld/firewalld/commit/46d54dcbdff94423686d67befc78ca8d601fce60",
            "firewalld: smtp-submission: mark deprecated",
        ));
        return f;
    }
    f.remediation.hint = format!(
        "Replace the service in the {kind}, then reload firewalld (on an image: \
         firewall-offline-cmd with the same options without --permanent, and \
         --remove-service-from-{kind} for --remove-service)."
    )
    .into();
    if now {
        // one change per call: firewall-offline-cmd refuses a remove and an add together
        f.remediation.commands = vec![
            common::argv(&[
                "firewall-cmd",
                "--permanent",
                &format!("{option}={object}"),
                &format!("--add-service={NEW}"),
            ]),
            common::argv(&[
                "firewall-cmd",
                "--permanent",
                &format!("{option}={object}"),
                &format!("--remove-service={OLD}"),
            ]),
            common::argv(&["firewall-cmd", "--reload"]),
        ];
    }
    f.links.push(common::link(
        "https://github.com/firewalld/firewalld/commit/46d54dcbdff94423686d67befc78ca8d601fce60",
        "firewalld: smtp-submission: mark deprecated",
    ));
    f
}

/// The 1-based lines of the `<service name="NAME"/>` elements of a firewalld zone or
/// policy file, comments left out, each with whether it is inside a rich `<rule>`.
pub fn service_lines(xml: &str, name: &str) -> Vec<(usize, bool)> {
    // blank out comments, keeping newlines so line numbers stay right
    let mut text = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<!--") {
        text.push_str(&rest[..start]);
        let end = rest[start..]
            .find("-->")
            .map_or(rest.len(), |e| start + e + 3);
        text.extend(
            rest[start..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &rest[end..];
    }
    text.push_str(rest);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("<service") {
        let start = from + i;
        let after = start + "<service".len();
        from = after;
        // `<service ` or `<service/>`, not `<services>`
        if !text[after..].starts_with(|c: char| c.is_whitespace() || c == '/' || c == '>') {
            continue;
        }
        let end = text[after..].find('>').map_or(text.len(), |e| after + e);
        if attribute(&text[after..end], "name") == Some(name) {
            let before = &text[..start];
            let in_rule = before
                .rfind("<rule")
                .is_some_and(|r| before.rfind("</rule>").is_none_or(|c| c < r));
            out.push((before.matches('\n').count() + 1, in_rule));
        }
    }
    out
}

/// The value of `attr="..."` (or `'...'`) in the inside of a tag.
fn attribute<'a>(tag: &'a str, attr: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(i) = rest.find(attr) {
        let before_ok = rest[..i].chars().last().is_none_or(|c| c.is_whitespace());
        let after = rest[i + attr.len()..].trim_start();
        rest = &rest[i + attr.len()..];
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            continue;
        }
        return value[1..].split(quote).next();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_by_name_not_in_comments() {
        let z =
            "<?xml version=\"1.0\"?>\n<zone>\n  <!-- <service name=\"smtp-submission\"/> -->\n  \
                 <service name=\"smtp\"/>\n  <service\n    name='smtp-submission'/>\n  \
                 <service name=\"smtp-submissions\"/>\n</zone>\n";
        assert_eq!(service_lines(z, "smtp-submission"), vec![(5, false)]);
        assert_eq!(service_lines(z, "smtp"), vec![(4, false)]);
        let r = "<zone>\n<rule family=\"ipv4\">\n <source address=\"192.0.2.0/24\"/>\n                  <service name=\"smtp-submission\"/>\n <accept/>\n</rule>\n\
                 <service name=\"smtp-submission\"/>\n</zone>\n";
        assert_eq!(
            service_lines(r, "smtp-submission"),
            vec![(4, true), (7, false)]
        );
        assert_eq!(
            service_lines("<zone><service name=", "smtp"),
            Vec::<(usize, bool)>::new()
        );
    }
}
