//! `verify`: after the upgrade, on the upgraded host or an image of it (`--root`).
//!
//! There is no target: the installed release and the Postfix in the root's rpm database
//! are the facts ([`crate::facts::collect_installed`], an upgrade path from the installed
//! release to itself), so every check below asks "does the Postfix that is installed now
//! work with this configuration?". The report, its formats and the exit codes are those
//! of `check` (the same renderers and [`crate::policy`]); the command itself is
//! [`crate::commands::verify`].
//!
//! The checks are the pre-upgrade checks whose question still makes sense on the new
//! release (Berkeley DB and NIS tables, plugin packages, syntax, the postponed
//! `compatibility_level` and `smtps` changes, the internal services the new version
//! expects, and the neighbours the renames affect: firewalld and fail2ban), wrapped in
//! [`Installed`] so their `fix` commands name the upgrade that just happened, plus checks
//! that only make sense afterwards, one file each in this module: a table type the build
//! lacks, table files missing or stale, what `postfix check` says of the config directory,
//! and the three-way look at the `.rpmnew` files.
pub mod config_permissions;
pub mod installed_map_type;
pub mod rpmnew_merge;
pub mod table_files;

use crate::checks::{self, Check, CheckDocs};
use crate::facts::Facts;
use crate::finding::{Finding, Severity};

/// A pre-upgrade check run by `verify`: same id, docs and findings, except that a
/// `postfix-preupgrade fix` command gets `--source PREVIOUS --target INSTALLED` (the
/// step that just happened, as the leapp fix actor runs it). `fix` without them works
/// too on the newest release (it then plans on the installed system, see
/// [`crate::fix::fix_facts`]), but on a release that has a later one it would plan the
/// next upgrade: the explicit step is right in both cases. A finding without such a
/// command claims no automatic fix.
pub struct Installed(pub &'static dyn Check);

impl Check for Installed {
    fn id(&self) -> &'static str {
        self.0.id()
    }
    fn title(&self) -> &'static str {
        self.0.title()
    }
    fn default_severity(&self) -> Severity {
        self.0.default_severity()
    }
    fn fixable(&self) -> bool {
        self.0.fixable()
    }
    fn docs(&self) -> CheckDocs {
        self.0.docs()
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let mut out = self.0.run(facts);
        let mut texts = crate::checks::common::SharedTexts::default();
        for f in &mut out {
            // `fix` plans for the step just made, so only a finding whose commands name
            // `fix` has one that works now; the others (master-internal-services counts
            // on the RPM %post, which has run) say what to do by hand, and no automatic
            // fix is claimed
            let names_fix = f.remediation.commands.iter().any(|c| is_fix_command(c));
            if !names_fix {
                f.fix = crate::finding::FixInfo::none();
            }
            for cmd in &mut f.remediation.commands {
                *cmd = fix_after_upgrade(facts, std::mem::take(cmd));
            }
            // a text the check shares among its findings stays shared: only a changed
            // one is replaced, by one string per distinct result
            if let Some(t) = installed_words(&f.title) {
                f.title = texts.get(&t);
            }
            if let Some(t) = installed_words(&f.summary) {
                f.summary = t;
            }
            if let Some(t) = installed_words(&f.remediation.hint) {
                f.remediation.hint = texts.get(&t);
            }
        }
        out
    }
}

/// The checks speak of "the target" (the release ahead); in `verify` that release is the
/// installed one, so their phrases are put in its terms. The phrases are whole words of
/// the checks' own texts (never quoted config), listed here once.
const INSTALLED_WORDS: &[(&str, &str)] = &[
    ("the target's ", "this release's "),
    (" on the target ", " on this release "),
    (" on a target without ", " on a release without "),
    ("on a target that ", "on a release that "),
];

/// `text` in the installed release's terms, `None` when no phrase of it changes.
pub fn installed_words(text: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (from, to) in INSTALLED_WORDS {
        let cur = out.as_deref().unwrap_or(text);
        if cur.contains(from) {
            out = Some(cur.replace(from, to));
        }
    }
    out
}

/// Whether a remediation command runs this tool's `fix`.
fn is_fix_command<S: AsRef<str>>(cmd: &[S]) -> bool {
    cmd.len() >= 2 && cmd[0].as_ref() == "postfix-preupgrade" && cmd[1].as_ref() == "fix"
}

/// `postfix-preupgrade fix ...` → `postfix-preupgrade --source N-1 --target N fix ...`
/// for the installed major release N; any other command as it is.
pub fn fix_after_upgrade<S: AsRef<str> + Clone + From<String>>(
    facts: &Facts,
    cmd: Vec<S>,
) -> Vec<S> {
    let is_fix = is_fix_command(&cmd);
    let major = facts.target.major;
    let previous = major.saturating_sub(1);
    if !is_fix || crate::facts::Profile::latest(previous).is_none() {
        return cmd;
    }
    let mut out = vec![
        cmd[0].clone(),
        S::from("--source".to_string()),
        S::from(previous.to_string()),
        S::from("--target".to_string()),
        S::from(major.to_string()),
    ];
    out.extend(cmd.into_iter().skip(1));
    out
}

/// Every check `verify` runs, in report order.
pub const VERIFY_CHECKS: &[&dyn Check] = &[
    &Installed(&checks::config_syntax::ConfigSyntax),
    &Installed(&checks::berkeley_db_map::BerkeleyDbMap),
    &Installed(&checks::nis_map::NisMap),
    &Installed(&checks::map_plugin_package::MapPluginPackage),
    &installed_map_type::InstalledMapType,
    &table_files::TableFiles,
    &Installed(&checks::compatibility_level::CompatibilityLevel),
    &Installed(&checks::smtps_service_renamed::SmtpsServiceRenamed),
    &Installed(&checks::master_internal_services::MasterInternalServices),
    &config_permissions::ConfigPermissions,
    &Installed(&checks::firewalld_smtp_submission::FirewalldSmtpSubmission),
    &Installed(&checks::fail2ban_smtps_syslog_name::Fail2banSmtpsSyslogName),
    &Installed(&checks::mta_alternative::MtaAlternative),
    &rpmnew_merge::RpmnewMerge,
];

/// The checks that exist only in `verify` (for `explain`; the man page's verify section
/// names them).
pub const VERIFY_ONLY: &[&dyn Check] = &[
    &installed_map_type::InstalledMapType,
    &table_files::TableFiles,
    &config_permissions::ConfigPermissions,
    &rpmnew_merge::RpmnewMerge,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Tools;

    #[test]
    fn fix_commands_name_the_step_just_made() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/roots/verify-migrated"
        );
        let facts = crate::facts::collect_installed(
            crate::facts::Request::for_root(root),
            &Tools::default(),
        )
        .unwrap();
        let fix = checks::common::fix_command("berkeley-db-map");
        assert_eq!(
            fix_after_upgrade(&facts, fix).join(" "),
            "postfix-preupgrade --source 9 --target 10 fix --only berkeley-db-map"
        );
        let other = checks::common::argv(&["postmap", "lmdb:/etc/postfix/virtual"]);
        assert_eq!(fix_after_upgrade(&facts, other.clone()), other);
        assert_eq!(
            fix_after_upgrade(&facts, Vec::<String>::new()),
            Vec::<String>::new()
        );
    }
}
