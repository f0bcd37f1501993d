//! `config-syntax`: lines Postfix refuses in main.cf or master.cf, at Postfix's own line
//! numbers. The parser in [`crate::config`] reproduces postconf's and master(8)'s fatal
//! errors; this check turns each fatal [`Diagnostic`] into a
//! finding. Warnings (an overridden entry, a stray indented line) are not reported here.
use super::common;
use super::{Check, CheckDocs};
use crate::config::{ConfigFile, Diagnostic, Reporter, Severity as DiagSeverity};
use crate::facts::{Facts, Instance};
use crate::finding::{Finding, Severity};

pub struct ConfigSyntax;

const ID: &str = "config-syntax";

impl Check for ConfigSyntax {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Postfix rejects a line of its configuration"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Lines of main.cf or master.cf, in every instance, that postconf(1) or \
                   master(8) refuse: a main.cf line without `name = value`, a master.cf entry \
                   with a bad type, private, unprivileged, chroot, wakeup or process-limit \
                   field, a missing or unbalanced brace, an inet service marked private.",
            why: "Postfix stops at the first such line: `postfix start` (and so the mail \
                  service after the upgrade reboots into the new release) fails, and \
                  postconf refuses to edit the file, so the upgrade's own post-install \
                  scripts cannot update it either.",
            fix: "By hand: correct the line Postfix names (the report shows it as written), \
                  then run `postfix check`. There is no automatic fix: only a person knows \
                  what the line was meant to say.",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html",
                    "postconf(5): main.cf syntax",
                ),
                (
                    "https://www.postfix.org/master.5.html",
                    "master(5): master.cf syntax",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = Vec::new();
        for inst in &facts.instances {
            let main = inst.main_cf.as_ref().map(|l| l.doc.diagnostics());
            let master = inst.master_cf.as_ref().map(|l| l.doc.diagnostics());
            for (file, diags) in [(ConfigFile::Main, main), (ConfigFile::Master, master)] {
                for d in diags.unwrap_or_default() {
                    if d.severity == DiagSeverity::Fatal {
                        out.push(finding(inst, file, &d));
                    }
                }
            }
        }
        out
    }
}

fn finding(inst: &Instance, file: ConfigFile, d: &Diagnostic) -> Finding {
    let who = match d.reporter {
        Reporter::Postconf => "postconf and every Postfix program",
        Reporter::Master => "master(8) at start-up (postconf accepts it)",
    };
    let mut f = common::finding_at_lines(
        ID,
        Severity::High,
        "Postfix rejects a line of its configuration",
        inst,
        file,
        d.line,
        d.end_line,
    );
    let path = common::config_path(inst, file).display().to_string();
    f.summary = format!(
        "{path}, line {}: {}\nRejected by {who}: Postfix does not start with this file, \
         before or after the upgrade.",
        d.line, d.message
    );
    f.remediation.hint = format!(
        "Correct line {} of {path} as postconf(5)/master(5) describe, then run \
         `postfix check`.",
        d.line
    )
    .into();
    f.remediation.commands = vec![common::argv(&[
        "postfix",
        "-c",
        &inst.config_directory.display().to_string(),
        "check",
    ])];
    f.key = Finding::key_from(
        ID,
        &[&path, f.location.text.as_deref().unwrap_or(""), &d.message],
    );
    f.links.push(common::link(
        match file {
            ConfigFile::Main => "https://www.postfix.org/postconf.5.html",
            ConfigFile::Master => "https://www.postfix.org/master.5.html",
        },
        match file {
            ConfigFile::Main => "postconf(5)",
            ConfigFile::Master => "master(5)",
        },
    ));
    f
}
