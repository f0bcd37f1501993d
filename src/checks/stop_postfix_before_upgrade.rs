//! `stop-postfix-before-upgrade`: Postfix 3.6 changed its internal protocols; running
//! daemons of the old version cannot talk to programs of the new one, so Postfix must be
//! stopped before its packages are replaced. One note per upgrade path that crosses 3.6.
use crate::checks::{Check, CheckDocs};
use crate::facts::{Facts, PostfixVersion};
use crate::finding::{Finding, Link, Severity};

pub struct StopPostfixBeforeUpgrade;

const ID: &str = "stop-postfix-before-upgrade";

/// The release whose internal protocol change requires `postfix stop` before updating.
const PROTOCOL_CHANGE: PostfixVersion = PostfixVersion::new(3, 6, 0);

impl Check for StopPostfixBeforeUpgrade {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "stop Postfix before its packages are replaced (internal protocols changed in 3.6)"
    }
    fn default_severity(&self) -> Severity {
        Severity::Info
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "A note on upgrade paths from a Postfix older than 3.6 to 3.6 or later \
                   (RHEL 9 to 10).",
            why: "Postfix 3.6 changed the internal protocols between its programs: every \
                  internal service announces its protocol name and clients verify it. \
                  Long-running daemons of the old version (pickup, qmgr, verify, tlsproxy, \
                  postscreen) cannot talk to new programs, so mail is delayed until Postfix \
                  is restarted. leapp replaces packages in its own upgrade environment, \
                  where Postfix is not running; the note matters when packages are replaced \
                  any other way, and for backing out to the old version.",
            fix: "Run `postfix stop` (systemctl stop postfix) before replacing the packages \
                  outside leapp, and before any rollback; start it again afterwards.",
            references: &[
                (
                    "https://www.postfix.org/announcements/postfix-3.6.0.html",
                    "Postfix 3.6.0 announcement: internal protocol change",
                ),
                (
                    "https://www.postfix.org/COMPATIBILITY_README.html",
                    "Postfix backwards-compatibility safety net",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let from = facts.postfix.version;
        let to = facts.upgrade_path.target_postfix_version();
        if from >= PROTOCOL_CHANGE || to < PROTOCOL_CHANGE {
            return Vec::new();
        }
        let mut f = Finding::new(ID, Severity::Info, self.title());
        f.summary = format!(
            "The upgrade replaces Postfix {from} with {to}. Postfix 3.6 changed the protocols \
             its programs use to talk to each other: daemons of the old version still running \
             when the new binaries arrive (pickup, qmgr, verify, tlsproxy, postscreen) fail \
             to talk to them and delay mail until Postfix restarts. leapp replaces the \
             packages while Postfix is not running, so a leapp upgrade is safe; stop Postfix \
             first if you replace the packages any other way or roll back."
        );
        f.key = Finding::key_from(ID, &[&from.to_string(), &to.to_string()]);
        f.remediation.hint =
            "Outside leapp: run `postfix stop` before replacing the packages, start it after."
                .into();
        f.remediation
            .commands
            .push(vec!["systemctl".into(), "stop".into(), "postfix".into()]);
        f.links.push(Link {
            url: "https://www.postfix.org/announcements/postfix-3.6.0.html".into(),
            title: "Postfix 3.6.0 announcement".into(),
        });
        vec![f]
    }
}
