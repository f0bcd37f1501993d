//! `mta-alternative`: which MTA `/usr/sbin/sendmail` runs, and whether that survives the
//! upgrade.
//!
//! On RHEL the `sendmail` command (used by cron, at, logwatch, PHP `mail()`, ...) is an
//! `alternatives` link: `/usr/sbin/sendmail` → `/etc/alternatives/mta` → the chosen MTA's
//! binary. Each MTA package registers itself in its %post scriptlet (Postfix:
//! `/usr/sbin/sendmail.postfix`; sendmail registers with priority 90, above Postfix, so
//! installing it takes the link in `auto` mode). chkconfig keeps the choice in
//! `/var/lib/alternatives/mta`:
//!
//! ```text
//! auto|manual
//! /usr/sbin/sendmail               the link
//! mta-mailq                        follower name, then its link, pairs until a blank line
//! /usr/bin/mailq
//!
//! /usr/sbin/sendmail.postfix       each alternative: its path,
//! 60                               [@family@]priority [initscript],
//! /usr/bin/mailq.postfix           one line per follower (blank when it has none)
//! ```
//!
//! Findings (the same in `verify`, on the installed release):
//! - the link is missing or names a file that is not in the system: `high`, local mail
//!   submission fails;
//! - the link names another MTA than Postfix: `medium` when the package is not a RHEL
//!   package (leapp upgrades only Red Hat's packages, so the old build stays) or is not
//!   known, `low` when the target's own repositories ship it (or when it is not known
//!   whether they do: then the report says so).
//!
//! Which packages register which path, and where each comes from, is data:
//! `data/mta-alternatives.tsv`.
use std::path::{Component, Path, PathBuf};

use super::{Check, CheckDocs};
use crate::facts::Facts;
use crate::finding::{Finding, Related, Severity};

pub struct MtaAlternative;

const ID: &str = "mta-alternative";
/// chkconfig's state for the `mta` group.
pub const STATE: &str = "/var/lib/alternatives/mta";
/// The group's link, naming the chosen alternative.
pub const LINK: &str = "/etc/alternatives/mta";
const POSTFIX: &str = "/usr/sbin/sendmail.postfix";

const TABLE: &str = include_str!("../../data/mta-alternatives.tsv");

/// Where an alternative's package comes from, per `data/mta-alternatives.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub path: &'static str,
    pub package: &'static str,
    /// RHEL majors whose own repositories ship the package; empty: EPEL only.
    pub rhel: Vec<u32>,
}

/// The rows of `data/mta-alternatives.tsv`.
pub fn known() -> Vec<Known> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let path = cols.next()?;
            let package = cols.next()?;
            let rhel = cols.next()?;
            let rhel = if rhel == "epel" {
                Vec::new()
            } else {
                rhel.split(' ').filter_map(|m| m.parse().ok()).collect()
            };
            Some(Known {
                path,
                package,
                rhel,
            })
        })
        .collect()
}

/// One alternative of the group, as the state file lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    pub path: String,
    pub priority: i64,
    /// 1-based line of its path in the state file.
    pub line: usize,
}

/// chkconfig's state of one alternatives group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub manual: bool,
    pub link: String,
    pub alternatives: Vec<Alternative>,
}

/// Parse a chkconfig (or dpkg `update-alternatives`, whose format it shares) state file.
/// An error names the 1-based line and what was expected there.
pub fn parse_state(text: &str) -> Result<State, (usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let at = |i: usize| lines.get(i).copied();
    let manual = match at(0) {
        Some("auto") => false,
        Some("manual") => true,
        other => {
            return Err((
                1,
                format!(
                    "mode `auto` or `manual` expected, found {:?}",
                    other.unwrap_or("")
                ),
            ))
        }
    };
    let link = match at(1) {
        Some(l) if l.starts_with('/') => l.to_string(),
        _ => return Err((2, "the group's link (an absolute path) expected".into())),
    };
    // followers: name, link pairs up to a blank line
    let mut i = 2;
    let mut followers = 0;
    loop {
        match at(i) {
            None => return Err((i + 1, "unexpected end of file in the follower list".into())),
            Some("") => break,
            Some(name) if name.starts_with('/') => {
                return Err((i + 1, format!("follower name expected, found path {name}")))
            }
            Some(_) => match at(i + 1) {
                Some(l) if l.starts_with('/') => {
                    followers += 1;
                    i += 2;
                }
                _ => return Err((i + 2, "path of the follower link expected".into())),
            },
        }
    }
    i += 1;
    let mut alternatives = Vec::new();
    while let Some(path) = at(i) {
        if path.is_empty() {
            break;
        }
        if !path.starts_with('/') {
            return Err((
                i + 1,
                format!("path of an alternative expected, found {path:?}"),
            ));
        }
        let prio_line = at(i + 1).unwrap_or("");
        let prio = match prio_line.strip_prefix('@') {
            Some(rest) => match rest.split_once('@') {
                Some((family, p)) if !family.is_empty() => p,
                _ => return Err((i + 2, "closing `@` of the family missing".into())),
            },
            None => prio_line,
        };
        let digits = prio.split_whitespace().next().unwrap_or("");
        let priority = digits.parse::<i64>().map_err(|_| {
            (
                i + 2,
                format!("numeric priority expected, found {prio_line:?}"),
            )
        })?;
        alternatives.push(Alternative {
            path: path.to_string(),
            priority,
            line: i + 1,
        });
        i += 2 + followers;
    }
    Ok(State {
        manual,
        link,
        alternatives,
    })
}

impl Check for MtaAlternative {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "The sendmail command (mta alternative) is not Postfix's, or is broken"
    }
    fn default_severity(&self) -> Severity {
        Severity::Medium
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "The `mta` alternative (`alternatives --display mta`: /usr/sbin/sendmail → \
                   /etc/alternatives/mta → an MTA's binary), read from \
                   /var/lib/alternatives/mta and the link.",
            why: "Programs that send mail locally (cron, at, logwatch, PHP mail(), monitoring \
                  agents) run /usr/sbin/sendmail. When the link names a file that is gone, \
                  their mail is lost; when it names another MTA than Postfix, that MTA \
                  receives it, and an MTA from outside RHEL (EPEL) is not upgraded by leapp, \
                  which upgrades only Red Hat's packages: its old build stays on the new \
                  release.",
            fix: "Point the link at Postfix: `alternatives --set mta \
                  /usr/sbin/sendmail.postfix` (or `dnf reinstall postfix` when Postfix's \
                  alternative is not registered), or remove the other MTA.",
            references: &[
                (
                    "https://access.redhat.com/documentation/en-US/Red_Hat_Enterprise_Linux/7/html/System_Administrators_Guide/s1-email-mta.html",
                    "RHEL 7 System Administrator's Guide: Mail Transport Agents",
                ),
                ("https://github.com/fedora-sysv/chkconfig", "chkconfig: alternatives(8)"),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let root = &facts.root;
        // no state file: alternatives does not manage sendmail here (or not a RHEL system)
        let Ok(text) = root.read_to_string(STATE) else {
            return Vec::new();
        };
        let state = match parse_state(&text) {
            Ok(s) => s,
            Err((line, msg)) => return vec![unreadable(line, &msg)],
        };
        let major = facts.upgrade_path.target_profile().major;
        let current = root.read_link(LINK).ok();
        let postfix_registered = state.alternatives.iter().any(|a| a.path == POSTFIX);
        let Some(current) = current else {
            return vec![broken(&state, None, postfix_registered)];
        };
        let cur = link_target(&current);
        // the root follows the whole chain inside it (relative targets, links to links);
        // a missing end or a loop leaves the sendmail command nowhere to go
        if !root.exists(LINK) {
            return vec![broken(&state, Some(&cur), postfix_registered)];
        }
        if cur == POSTFIX {
            return Vec::new();
        }
        vec![other_mta(&state, &cur, major, postfix_registered)]
    }
}

/// The absolute path a target of [`LINK`] names: alternatives writes absolute targets;
/// a relative one (written by hand) is read from the link's directory, `..` and `.`
/// taken as written.
fn link_target(target: &Path) -> String {
    let mut p = PathBuf::from("/");
    let dir = Path::new(LINK).parent().unwrap_or(Path::new("/"));
    for c in dir.join(target).components() {
        match c {
            Component::ParentDir => {
                p.pop();
            }
            Component::Normal(n) => p.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    p.to_string_lossy().into_owned()
}

fn base(severity: Severity, title: String, line: Option<usize>) -> Finding {
    let mut f = Finding::new(ID, severity, title);
    f.location.file = Some(STATE.to_string());
    f.location.line = line;
    f.location.end_line = line;
    f.related.push(Related::file(STATE));
    f.related.push(Related::file(LINK));
    f
}

fn set_postfix(f: &mut Finding, postfix_registered: bool) {
    if postfix_registered {
        f.remediation.hint = "Point the sendmail command at Postfix.".into();
        f.remediation.commands = vec![vec![
            "alternatives".into(),
            "--set".into(),
            "mta".into(),
            POSTFIX.into(),
        ]];
    } else {
        f.remediation.hint = "Postfix's alternative is not registered: reinstall Postfix, \
                              which registers it and, with the highest priority left, \
                              points the link at it."
            .into();
        f.remediation.commands = vec![vec!["dnf".into(), "reinstall".into(), "postfix".into()]];
    }
}

fn unreadable(line: usize, msg: &str) -> Finding {
    let mut f = base(
        Severity::Medium,
        "The mta alternatives state cannot be read".into(),
        Some(line),
    );
    f.summary = format!(
        "{STATE} line {line}: {msg}. `alternatives` refuses a state file it cannot parse, \
         so `alternatives --display mta` and the MTA packages' scriptlets fail on it, \
         during the upgrade too."
    );
    f.remediation.hint = "Repair the file (compare `alternatives --display mta`), or \
                          remove it and reinstall the MTA packages to register them again."
        .into();
    f.key = Finding::key_from(ID, &["state"]);
    f
}

fn broken(state: &State, current: Option<&str>, postfix_registered: bool) -> Finding {
    let (title, what) = match current {
        None => (
            "The sendmail command is broken: /etc/alternatives/mta is missing".to_string(),
            format!("{LINK} is missing, so {} leads nowhere", state.link),
        ),
        Some(p) => (
            format!("The sendmail command is broken: the mta alternative names {p}, which does not exist"),
            format!("{} → {LINK} → {p}, and {p} does not exist", state.link),
        ),
    };
    let line = current.and_then(|p| {
        state
            .alternatives
            .iter()
            .find(|a| a.path == p)
            .map(|a| a.line)
    });
    let mut f = base(Severity::High, title, line);
    f.summary = format!(
        "{what}. Mail that programs on this host send with sendmail(1) (cron, at, \
         logwatch, PHP mail()) fails now and after the upgrade; Postfix itself still \
         receives mail over SMTP."
    );
    set_postfix(&mut f, postfix_registered);
    f.key = Finding::key_from(ID, &["broken"]);
    f
}

fn other_mta(state: &State, cur: &str, major: u32, postfix_registered: bool) -> Finding {
    let known = known();
    let row = known.iter().find(|k| k.path == cur);
    let line = state
        .alternatives
        .iter()
        .find(|a| a.path == cur)
        .map(|a| a.line);
    let mode = if state.manual {
        "chosen by hand (manual mode): the upgrade keeps the choice"
    } else {
        "chosen by priority (auto mode): it stays while its package is installed"
    };
    let (severity, package, why) = match row {
        Some(k) if k.rhel.is_empty() => (
            Severity::Medium,
            k.package,
            format!(
                "{} is not a RHEL package (it comes from EPEL). leapp upgrades only Red \
                 Hat's packages, so the old build stays on RHEL {major} unless EPEL {major} \
                 is enabled for the upgrade, and it may then fail on the new release's \
                 libraries.",
                k.package
            ),
        ),
        Some(k) if k.rhel.contains(&major) => (
            Severity::Low,
            k.package,
            format!(
                "RHEL {major} ships {} too, so the choice carries over.",
                k.package
            ),
        ),
        Some(k) => (
            Severity::Low,
            k.package,
            format!(
                "Whether RHEL {major}'s repositories ship {} is not in this tool's data \
                 (data/mta-alternatives.tsv): leapp's own report says whether the upgrade \
                 removes it. If it does, the link is left naming a file that is gone.",
                k.package
            ),
        ),
        None => (
            Severity::Medium,
            "",
            format!(
                "{cur} is not an MTA this tool knows. If its package is not Red Hat's, \
                 leapp does not upgrade it and the old build stays on RHEL {major}."
            ),
        ),
    };
    let who = if package.is_empty() {
        cur.to_string()
    } else {
        format!("{package} ({cur})")
    };
    let mut f = base(
        severity,
        format!("The sendmail command runs {who}, not Postfix"),
        line,
    );
    f.summary = format!(
        "{} → {LINK} → {cur}, {mode}. Mail that programs on this host send with \
         sendmail(1) goes to that MTA, not to Postfix. {why}",
        state.link
    );
    if !package.is_empty() {
        f.related.push(Related::package(package));
    }
    set_postfix(&mut f, postfix_registered);
    f.key = Finding::key_from(ID, &["other", cur]);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const RHEL: &str =
        "auto\n/usr/sbin/sendmail\nmta-mailq\n/usr/bin/mailq\nmta-pam\n/etc/pam.d/smtp\n\n\
/usr/sbin/sendmail.postfix\n60 postfix\n/usr/bin/mailq.postfix\n/etc/pam.d/smtp.postfix\n\
/usr/sbin/sendmail.sendmail\n@mta@90\n/usr/bin/mailq.sendmail\n\n";

    #[test]
    fn parses_chkconfig_state_with_family_initscript_and_empty_follower() {
        let s = parse_state(RHEL).unwrap();
        assert!(!s.manual);
        assert_eq!(s.link, "/usr/sbin/sendmail");
        let got: Vec<_> = s
            .alternatives
            .iter()
            .map(|a| (a.path.as_str(), a.priority, a.line))
            .collect();
        assert_eq!(
            got,
            [
                ("/usr/sbin/sendmail.postfix", 60, 8),
                ("/usr/sbin/sendmail.sendmail", 90, 12)
            ]
        );
    }

    #[test]
    fn bad_state_names_the_line() {
        assert_eq!(parse_state("sometimes\n").unwrap_err().0, 1);
        let e = parse_state("auto\n/usr/sbin/sendmail\n\n/usr/sbin/sendmail.postfix\nhigh\n")
            .unwrap_err();
        assert_eq!(e.0, 5);
        assert!(e.1.contains("numeric priority"), "{e:?}");
        assert_eq!(
            parse_state("manual\n/usr/sbin/sendmail\nmta-mailq\n")
                .unwrap_err()
                .0,
            4
        );
    }

    #[test]
    fn table_rows_parse() {
        let k = known();
        assert!(k.iter().any(|r| r.path == POSTFIX && r.rhel.contains(&10)));
        assert!(k.iter().any(|r| r.package == "ssmtp" && r.rhel.is_empty()));
        assert!(k.iter().all(|r| r.path.starts_with("/usr/")));
    }
}
