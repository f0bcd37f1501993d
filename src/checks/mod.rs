//! The check registry: one check per file, all listed in [`CHECKS`].
//!
//! A check never prints: it turns [`Facts`] into [`Finding`]s. Policy (inhibitors,
//! `--only`/`--skip`, exit codes) lives in [`crate::policy`], not here.
pub mod berkeley_db_map;
pub(crate) mod catalog_data;
pub mod common;
pub mod compatibility_level;
pub mod config_syntax;
pub mod deprecated_parameter;
pub mod fail2ban_smtps_syslog_name;
pub mod firewalld_smtp_submission;
pub mod map_plugin_package;
pub mod master_internal_services;
pub mod mta_alternative;
pub mod nis_map;
pub mod removed_restriction;
pub mod service_name_unresolvable;
pub mod smtps_service_renamed;
pub mod unknown_parameter;

use crate::facts::Facts;
use crate::finding::{Finding, Severity};

pub mod pcre_x_flag;
pub mod rhel8_default_overrides;
pub mod rpmnew_pending;
pub mod stop_postfix_before_upgrade;
pub mod tls_fingerprint_digest;
pub mod tls_weak_certificate;

/// Documentation of a check, shown by `explain` and the man page.
pub struct CheckDocs {
    /// What the check looks for.
    pub what: &'static str,
    /// Why it matters on an upgrade.
    pub why: &'static str,
    /// How it is fixed (by `fix` or by hand).
    pub fix: &'static str,
    /// References: (url, title).
    pub references: &'static [(&'static str, &'static str)],
}

pub trait Check: Sync {
    /// Stable kebab-case id. Never rename: finding keys derive from it.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// Whether `fix` can remediate (some of) this check's findings.
    fn fixable(&self) -> bool {
        false
    }
    fn docs(&self) -> CheckDocs;
    fn run(&self, facts: &Facts) -> Vec<Finding>;
}

/// Every check, in report order.
pub const CHECKS: &[&dyn Check] = &[
    &config_syntax::ConfigSyntax,
    &berkeley_db_map::BerkeleyDbMap,
    &nis_map::NisMap,
    &map_plugin_package::MapPluginPackage,
    &service_name_unresolvable::ServiceNameUnresolvable,
    &smtps_service_renamed::SmtpsServiceRenamed,
    &removed_restriction::RemovedRestrictionCheck,
    &deprecated_parameter::DeprecatedParameter,
    &compatibility_level::CompatibilityLevel,
    &unknown_parameter::UnknownParameter,
    &master_internal_services::MasterInternalServices,
    &pcre_x_flag::PcreXFlag,
    &tls_weak_certificate::TlsWeakCertificate,
    &tls_fingerprint_digest::TlsFingerprintDigest,
    &rpmnew_pending::RpmnewPending,
    &rhel8_default_overrides::Rhel8DefaultOverrides,
    &stop_postfix_before_upgrade::StopPostfixBeforeUpgrade,
    &firewalld_smtp_submission::FirewalldSmtpSubmission,
    &fail2ban_smtps_syslog_name::Fail2banSmtpsSyslogName,
    &mta_alternative::MtaAlternative,
];

/// Look a check up by id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS.iter().copied().find(|c| c.id() == id)
}
