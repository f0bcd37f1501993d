//! `master-internal-services`: master.cf entries the target's Postfix needs but that are
//! missing or wrong, `chroot` fields written as `-` whose meaning depends on
//! `compatibility_level`, and entries for daemons the target no longer ships.
//!
//! Which entries each version needs, and which of them `postfix upgrade-configuration`
//! (run by the RPM's %post for /etc/postfix) appends on its own, is data in
//! [`super::catalog_data`]; what it repairs is only `info`.
use super::catalog_data::{self, DAEMONS, INTERNAL_SERVICES};
use super::Check;
use crate::checks::CheckDocs;
use crate::config::MasterCf;
use crate::facts::{Facts, Instance, PostfixVersion};
use crate::finding::{ArcStr, Finding, FixInfo, Link, Related, Severity};

pub struct MasterInternalServices;

const ID: &str = "master-internal-services";

impl Check for MasterInternalServices {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "master.cf internal services missing or wrong for the target Postfix"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Internal master.cf services the target's Postfix needs (postlog unix-dgram \
                   from 3.4, tlsmgr, retry, proxywrite, scache, anvil, discard), a tlsproxy \
                   entry whose process limit is not 0 (required from 3.4), services whose \
                   chroot field is \"-\" (its meaning is y below compatibility_level 1 and n \
                   from 1 on; Postfix before 3.0 always meant y), and entries whose command is \
                   a Postfix daemon the target no longer ships.",
            why: "A missing internal service disables the feature that needs it (postlogd: \
                  logging to maillog_file). The RPM's %post runs `postfix set-permissions \
                  upgrade-configuration`, which appends the missing entries to \
                  /etc/postfix/master.cf (and, through multi_instance_wrapper, to every \
                  postmulti instance): those findings are info. It does not repair secondary \
                  instances without a wrapper, tlsproxy's process limit or chroot fields. A \
                  \"-\" chroot field silently turns from y to n when compatibility_level \
                  reaches 1, and Postfix logs a backwards-compatibility warning for it while \
                  the level is below 1.",
            fix: "Add the stock entry (postconf -M), set tlsproxy's process limit with \
                  `postconf -F tlsproxy/unix/process_limit=0`, and write chroot fields \
                  explicitly (y keeps today's behaviour where \"-\" means y).",
            references: &[
                ("https://www.postfix.org/master.5.html", "master(5)"),
                (
                    "https://www.postfix.org/COMPATIBILITY_README.html",
                    "Postfix backwards-compatibility safety net",
                ),
                ("https://www.postfix.org/postlogd.8.html", "postlogd(8)"),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            let Some(master) = inst.master() else {
                continue;
            };
            missing_services(facts, inst, master, &mut out);
            tlsproxy_limit(facts, inst, master, &mut out);
            chroot_dash(facts, inst, master, &mut out);
            gone_daemons(facts, inst, master, &mut out);
        }
        out
    }
}

fn base(inst: &Instance, severity: Severity, title: String) -> Finding {
    let mut f = Finding::new(ID, severity, title);
    let path = catalog_data::master_path(inst);
    f.location.file = Some(path.clone());
    f.related.push(Related::file(path));
    f.links.push(Link {
        url: "https://www.postfix.org/master.5.html".into(),
        title: "master(5)".into(),
    });
    f
}

fn missing_services(facts: &Facts, inst: &Instance, master: &MasterCf, out: &mut Vec<Finding>) {
    let target = facts.upgrade_path.target_postfix_version();
    // In multi-instance mode postfix(1) runs upgrade-configuration for every instance
    // through the multi_instance_wrapper (postfix-wrapper(5)).
    let wrapped = facts
        .primary()
        .main()
        .value("multi_instance_wrapper")
        .is_some_and(|w| !w.trim().is_empty());
    for svc in INTERNAL_SERVICES.iter().filter(|s| target >= s.since) {
        if master.services().iter().any(|s| s.name == svc.name) {
            continue;
        }
        // after the upgrade (verify) its %post has run already: nothing repairs it now
        let ahead = facts.upgrade_path.upgrades();
        let repaired = ahead && svc.upgrade_configuration_adds && (inst.primary || wrapped);
        let logs_to_file = svc.name == "postlog"
            && !catalog_data::effective(facts, inst, None, "maillog_file")
                .trim()
                .is_empty();
        let severity = if repaired {
            Severity::Info
        } else if logs_to_file {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut f = base(
            inst,
            severity,
            format!("master.cf has no {}/{} entry", svc.name, svc.kind),
        );
        let who = if repaired {
            format!(
                "The RPM's %post runs `postfix upgrade-configuration`, which appends the stock \
                 entry to this file{}: the upgrade repairs it.",
                if inst.primary {
                    ""
                } else {
                    " (multi_instance_wrapper runs it for every instance)"
                }
            )
        } else if !ahead {
            format!(
                "The installed Postfix runs without it. Add the stock entry (the command \
                 below), or run `postfix -c {} upgrade-configuration`, then `postfix reload`.",
                inst.config_directory.display()
            )
        } else if svc.upgrade_configuration_adds {
            format!(
                "The RPM's %post runs `postfix upgrade-configuration` for /etc/postfix only: \
                 without multi_instance_wrapper in the primary main.cf, secondary instances are \
                 not repaired. Run `postfix -c {} upgrade-configuration` after the upgrade, or \
                 add the entry now.",
                inst.config_directory.display()
            )
        } else {
            "Nothing adds it automatically.".to_string()
        };
        f.summary = format!(
            "Postfix {target} (RHEL {}) needs the {}/{} service from Postfix {} on, and {} has \
             none: {}. {who}",
            facts.target.major,
            svc.name,
            svc.kind,
            svc.since,
            catalog_data::master_path(inst),
            svc.breaks,
        );
        f.location.service = Some(format!("{}/{}", svc.name, svc.kind).into());
        // the entry to add (the text report quotes only lines the file has)
        f.location.text = Some(svc.entry.to_string().into());
        f.key = Finding::key_from(
            ID,
            &[
                &catalog_data::master_path(inst),
                "missing",
                svc.name,
                svc.kind,
            ],
        );
        f.remediation.hint = if repaired {
            "Nothing to do by hand. To have it before the upgrade anyway, add the stock \
             entry (the command below writes the line the upgrade would add)."
                .to_string()
                .into()
        } else {
            "Add the stock entry to master.cf (the command below writes it)."
                .to_string()
                .into()
        };
        f.remediation.commands = commands(
            facts,
            vec![vec![
                "postconf".into(),
                "-c".into(),
                inst.config_directory.display().to_string().into(),
                "-M".into(),
                format!("{}/{}={}", svc.name, svc.kind, svc.entry).into(),
            ]],
        );
        // the RPM's %post adds it: nothing for `fix` to do
        f.fix = if repaired {
            FixInfo::none()
        } else {
            FixInfo::safe()
        };
        out.push(f);
    }
}

/// `postconf -M` / `-F` (master.cf editing) exist from Postfix 2.11.
const POSTCONF_MASTER_EDIT: PostfixVersion = PostfixVersion::new(2, 11, 0);

/// The remediation commands, only where the installed postconf can edit master.cf.
fn commands(facts: &Facts, cmds: Vec<Vec<ArcStr>>) -> Vec<Vec<ArcStr>> {
    if facts.postfix.version >= POSTCONF_MASTER_EDIT {
        cmds
    } else {
        Vec::new()
    }
}

const TLSPROXY_ZERO_SINCE: PostfixVersion = PostfixVersion::new(3, 4, 0);

fn tlsproxy_limit(facts: &Facts, inst: &Instance, master: &MasterCf, out: &mut Vec<Finding>) {
    let target = facts.upgrade_path.target_postfix_version();
    if target < TLSPROXY_ZERO_SINCE {
        return;
    }
    for s in master.services() {
        if s.command != "tlsproxy" || s.kind != "unix" || s.maxproc == "0" {
            continue;
        }
        let new = facts.postfix.version < TLSPROXY_ZERO_SINCE;
        let mut f = base(
            inst,
            if new { Severity::Medium } else { Severity::Low },
            format!("tlsproxy process limit is {} instead of 0", s.maxproc),
        );
        f.summary = format!(
            "{} (line {}) runs tlsproxy with process limit {}. Postfix 3.4 and later require \
             0 (no limit) for tlsproxy, to avoid a loss of performance under load (postscreen \
             STARTTLS and SMTP client TLS connection reuse go through it){}. upgrade-configuration does not change it.",
            s.id(),
            s.line,
            s.maxproc,
            if new {
                format!(
                    "; the installed Postfix {} did not need it",
                    facts.postfix.version
                )
            } else {
                String::new()
            }
        );
        f.location.line = Some(s.line);
        f.location.end_line = Some(s.end_line);
        f.location.service = Some(s.id().into());
        f.location.text = Some(s.maxproc.as_str().into());
        f.key = Finding::key_from(ID, &[&catalog_data::master_path(inst), "tlsproxy", &s.id()]);
        f.remediation.hint = "Set the process limit (7th field) of tlsproxy to 0.".into();
        f.remediation.commands = commands(
            facts,
            vec![vec![
                "postconf".into(),
                "-c".into(),
                inst.config_directory.display().to_string().into(),
                "-F".into(),
                format!("{}/process_limit=0", s.id()).into(),
            ]],
        );
        f.fix = FixInfo::safe();
        out.push(f);
    }
}

/// Whether `-` in the chroot field means `y`: Postfix before 3.0 always, later only
/// below compatibility_level 1. `fix` uses it to write what `-` means today.
pub(crate) fn dash_means_y(version: PostfixVersion, level: &str) -> bool {
    if version < PostfixVersion::new(3, 0, 0) {
        return true;
    }
    let major: u32 = level
        .trim()
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    major < 1
}

fn chroot_dash(facts: &Facts, inst: &Instance, master: &MasterCf, out: &mut Vec<Finding>) {
    let dashed: Vec<_> = master
        .services()
        .iter()
        .filter(|s| s.chroot == "-")
        .collect();
    if dashed.is_empty() {
        return;
    }
    let level = match inst.main().get("compatibility_level") {
        Some(_) => catalog_data::effective(facts, inst, None, "compatibility_level"),
        None => "0".to_string(),
    };
    let before = dash_means_y(facts.postfix.version, &level);
    let after = dash_means_y(facts.upgrade_path.target_postfix_version(), &level);
    if !before && !after {
        return;
    }
    let yn = |b: bool| if b { "y" } else { "n" };
    let names: Vec<String> = dashed.iter().map(|s| s.id()).collect();
    let (severity, what) = if before != after {
        (
            Severity::Medium,
            format!(
                "The installed Postfix {} runs them chrooted ({}); Postfix {} with \
                 compatibility_level {} runs them {} (chroot {}): the daemons then see the real \
                 /etc, not the copies under the queue directory",
                facts.postfix.version,
                yn(before),
                facts.upgrade_path.target_postfix_version(),
                level.trim(),
                if after { "chrooted" } else { "without chroot" },
                yn(after)
            ),
        )
    } else {
        (
            Severity::Low,
            format!(
                "With compatibility_level {} they stay chrooted after the upgrade, but Postfix \
                 logs a backwards-compatibility warning for each, and raising \
                 compatibility_level to 1 or more (as the target's stock main.cf does) \
                 silently runs them without chroot",
                if inst.main().get("compatibility_level").is_some() {
                    level.trim().to_string()
                } else {
                    "unset (0)".to_string()
                }
            ),
        )
    };
    let mut f = base(
        inst,
        severity,
        format!(
            "{} master.cf service{} with chroot \"-\"",
            names.len(),
            if names.len() == 1 { "" } else { "s" }
        ),
    );
    f.summary = format!(
        "The chroot field of {} is \"-\", whose meaning depends on compatibility_level \
         (below 1: y; 1 and later: n). {what}.",
        names.join(", ")
    );
    f.location.line = Some(dashed[0].line);
    f.location.service = Some(dashed[0].id().into());
    f.location.text = Some("-".into());
    f.key = Finding::key_from(ID, &[&catalog_data::master_path(inst), "chroot-dash"]);
    f.remediation.hint = format!(
        "Write the chroot field explicitly: \"{}\" keeps what the installed Postfix does \
         today{}.",
        yn(before),
        if before {
            "; \"n\" is what RHEL's stock master.cf uses, and needs no copies of /etc files in \
             the queue directory"
        } else {
            ""
        }
    )
    .into();
    let cmds = dashed
        .iter()
        .map(|s| {
            vec![
                "postconf".into(),
                "-c".into(),
                inst.config_directory.display().to_string().into(),
                "-F".into(),
                format!("{}/chroot={}", s.id(), yn(before)).into(),
            ]
        })
        .collect();
    f.remediation.commands = commands(facts, cmds);
    f.fix = FixInfo::safe();
    out.push(f);
}

fn gone_daemons(facts: &Facts, inst: &Instance, master: &MasterCf, out: &mut Vec<Finding>) {
    let target = facts.upgrade_path.target_postfix_version();
    let ships =
        |v: PostfixVersion, (_, since, until): &(&str, PostfixVersion, Option<PostfixVersion>)| {
            v >= *since && until.is_none_or(|u| v < u)
        };
    for s in master.services() {
        if s.command.contains('/') {
            continue;
        }
        let Some(d) = DAEMONS.iter().find(|d| d.0 == s.command) else {
            continue;
        };
        if ships(target, d) {
            continue;
        }
        let mut f = base(
            inst,
            Severity::Medium,
            format!(
                "{} runs {}, which Postfix {target} does not ship",
                s.id(),
                s.command
            ),
        );
        f.summary = format!(
            "{} (line {}) runs the daemon {}, which Postfix {target} on RHEL {} does not have: \
             master cannot start the service.",
            s.id(),
            s.line,
            s.command,
            facts.target.major
        );
        f.location.line = Some(s.line);
        f.location.end_line = Some(s.end_line);
        f.location.service = Some(s.id().into());
        f.location.text = Some(s.command.as_str().into());
        f.remediation.hint = format!("Remove or comment out the {} entry.", s.id()).into();
        f.fix = FixInfo::review();
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_meaning() {
        let v = PostfixVersion::new;
        assert!(dash_means_y(v(2, 10, 1), "2"));
        assert!(dash_means_y(v(3, 3, 1), "0"));
        assert!(dash_means_y(v(3, 3, 1), ""));
        assert!(!dash_means_y(v(3, 3, 1), "2"));
        assert!(!dash_means_y(v(3, 8, 5), "3.8"));
        assert!(!dash_means_y(v(3, 8, 5), "1"));
    }
}
