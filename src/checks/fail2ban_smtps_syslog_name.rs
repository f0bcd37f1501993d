//! `fail2ban-smtps-syslog-name`: fail2ban filters and jails, and rsyslog rules, that match
//! the log tag `postfix/smtps` while the `smtps` → `submissions` rename changes it.
//!
//! The stock master.cf `smtps` stanza logs as `postfix/smtps/smtpd` (`-o
//! syslog_name=postfix/smtps`); the renamed `submissions` stanza, and what
//! `postfix-preupgrade fix --only smtps-service-renamed` writes, log as
//! `postfix/submissions/smtpd`. fail2ban's stock `postfix` filter matches both
//! (`_daemon = postfix(-\w+)?/\w+(?:/smtp[ds])?`), but a rule that names `postfix/smtps`
//! stops matching after the rename: password guessing on port 465 is no longer banned,
//! and nothing says so. Reported when master.cf still logs as `postfix/smtps` (the rename
//! is ahead: low) or already logs as `postfix/submissions` and nothing as `postfix/smtps`
//! (the rules are dead now: medium).
use std::path::{Path, PathBuf};

use super::common;
use super::{Check, CheckDocs};
use crate::facts::Facts;
use crate::finding::{Finding, Related, Severity};

pub struct Fail2banSmtpsSyslogName;

const ID: &str = "fail2ban-smtps-syslog-name";
const OLD: &str = "postfix/smtps";
const NEW: &str = "postfix/submissions";

/// Files and directories (every `*.conf` / `*.local` in them) with log-matching rules.
const FILES: &[&str] = &[
    "/etc/fail2ban/jail.conf",
    "/etc/fail2ban/jail.local",
    "/etc/rsyslog.conf",
];
const DIRS: &[&str] = &[
    "/etc/fail2ban/filter.d",
    "/etc/fail2ban/jail.d",
    "/etc/rsyslog.d",
];

impl Check for Fail2banSmtpsSyslogName {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Log rules that match postfix/smtps, which the smtps rename changes"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "fail2ban filters and jails (/etc/fail2ban/jail.conf, jail.local, jail.d, \
                   filter.d) and rsyslog rules (/etc/rsyslog.conf, rsyslog.d) whose text \
                   names the log tag postfix/smtps, when master.cf logs as postfix/smtps \
                   (the rename to submissions is ahead) or already as postfix/submissions.",
            why: "Renaming the smtps service to submissions (Postfix 3.7's stock name, and \
                  what `fix --only smtps-service-renamed` does) changes its syslog_name from \
                  postfix/smtps to postfix/submissions. A rule that names postfix/smtps then \
                  matches nothing: SASL password guessing on port 465 is no longer banned, \
                  silently. fail2ban's stock postfix filter matches both tags.",
            fix: "Make the rule match both tags, for example `postfix/(smtps|submissions)`, \
                  before renaming; then check it with `fail2ban-regex` on a log line of each.",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html#syslog_name",
                    "postconf(5): syslog_name",
                ),
                (
                    "https://fail2ban.readthedocs.io/en/latest/filters.html",
                    "fail2ban filters",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let (mut old, mut new) = (false, false);
        for inst in &facts.instances {
            for s in inst.master().map(|m| m.services()).unwrap_or(&[]) {
                match s.override_value("syslog_name") {
                    Some(v) if v.contains(OLD) => old = true,
                    Some(v) if v.contains(NEW) => new = true,
                    _ => {}
                }
            }
        }
        let severity = match (old, new) {
            (true, _) => Severity::Low,
            (false, true) => Severity::Medium,
            (false, false) => return Vec::new(),
        };
        let mut out = Vec::new();
        for file in files(facts) {
            let Ok(text) = facts.root.read_to_string(&file) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let rule = line.trim_start();
                if rule.starts_with('#') || rule.starts_with(';') || !names_old(line) {
                    continue;
                }
                let mut f = finding(&file, i + 1, severity);
                // the rule as written: one finding per rule, keyed by it, not by its line
                f.location.text = Some(line.trim().to_string().into());
                out.push(f);
            }
        }
        out
    }
}

/// Whether a rule's text names the old tag, also as a regex (`postfix\/smtps`), and
/// not as the start of a longer word (`postfix/smtpsomething`); a rule that names the
/// new tag too (an alternation) is fine.
fn names_old(line: &str) -> bool {
    let l = line.replace("\\/", "/");
    if l.contains("submissions") {
        return false;
    }
    l.match_indices(OLD).any(|(i, m)| {
        !l[i + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn files(facts: &Facts) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = FILES.iter().map(PathBuf::from).collect();
    for dir in DIRS {
        if let Ok(entries) = facts.root.read_dir(dir) {
            for (name, _) in entries {
                let name = name.to_string_lossy().into_owned();
                if name.ends_with(".conf") || name.ends_with(".local") {
                    out.push(Path::new(dir).join(name));
                }
            }
        }
    }
    out
}

fn finding(file: &Path, line: usize, severity: Severity) -> Finding {
    let path = file.display().to_string();
    let mut f = Finding::new(
        ID,
        severity,
        format!("{path} matches the log tag postfix/smtps"),
    );
    f.location.file = Some(path.clone());
    f.location.line = Some(line);
    f.location.end_line = Some(line);
    f.related.push(Related::file(path));
    f.summary = if severity == Severity::Medium {
        "master.cf logs the submissions service as postfix/submissions and nothing as \
         postfix/smtps any more, so this rule matches nothing: what it was to catch on port \
         465 (for fail2ban: password guessing) goes unnoticed."
            .to_string()
    } else {
        "master.cf logs a service as postfix/smtps. Renaming smtps to submissions (Postfix \
         3.7's stock name; `postfix-preupgrade fix --only smtps-service-renamed`) makes it \
         log as postfix/submissions, and this rule then matches nothing: what it was to \
         catch on port 465 (for fail2ban: password guessing) would go unnoticed."
            .to_string()
    };
    f.remediation.hint = "Make the rule match both tags, e.g. `postfix/(smtps|submissions)`, \
                          and check it with `fail2ban-regex LOG FILTER` on a line of each; \
                          then reload fail2ban (or rsyslog)."
        .to_string()
        .into();
    f.links.push(common::link(
        "https://www.postfix.org/postconf.5.html#syslog_name",
        "postconf(5): syslog_name",
    ));
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_old_tag_only() {
        assert!(names_old(r"failregex = postfix/smtps/smtpd\[\d+\]"));
        assert!(names_old(r"failregex = postfix\/smtps\/smtpd"));
        assert!(names_old(
            r#":programname, startswith, "postfix/smtps" /var/log/x"#
        ));
        assert!(!names_old(r"failregex = postfix/(smtps|submissions)/smtpd"));
        assert!(!names_old(r"_daemon = postfix(-\w+)?/\w+(?:/smtp[ds])?"));
        assert!(!names_old("postfix/smtpsfoo"));
    }
}
