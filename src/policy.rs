//! Policy: the one place that decides which findings inhibit the upgrade, which checks
//! run (`--only`/`--skip`), and what exit code a run ends with ([`exit`]).
//!
//! Checks only report what they see, with a severity chosen from the upgrade-path
//! profile data (for example `removed-restriction` is `high` only where the target
//! Postfix rejects the restriction outright, lower where it merely warns). Whether a
//! finding *inhibits* the upgrade is decided here and nowhere else:
//!
//! > A finding is an inhibitor **iff** its check id is in [`INHIBITING_CHECKS`] **and**
//! > its severity is [`Severity::High`].
//!
//! The table lists the checks whose `high` findings mean Postfix stops delivering mail
//! once the new packages are in: it refuses the configuration, cannot open a table, or
//! cannot start a service. The `inhibitor` flag a check may have set on a finding is
//! ignored and overwritten by [`apply`]; renderers only read it.
use crate::error::Error;
use crate::finding::{Finding, Severity};

/// Exit codes from interface.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INHIBITOR: u8 = 1;
    pub const FAILURE: u8 = 2;
    pub const PARTIAL_FIX: u8 = 3;
}

/// Checks whose `high` findings stop Postfix delivering mail after the upgrade.
///
/// - `config-syntax`: the new Postfix refuses to start on a file it rejects.
/// - `berkeley-db-map`: `hash:`/`btree:` tables cannot be opened without Berkeley DB.
/// - `nis-map`: `nis:` tables cannot be opened once NIS support is gone.
/// - `map-plugin-package`: a plugin map type whose sub-package will not be installed.
/// - `service-name-unresolvable`: a master.cf service whose port name does not resolve
///   makes `master` fail to bind it.
/// - `removed-restriction`: a restriction the target no longer knows makes `smtpd`
///   reject mail with a temporary error (the check reports it `high` only then).
/// - `installed-map-type`, `table-file-state` (`verify` only): a table the installed
///   Postfix cannot open (a type it lacks, a missing file) defers the mail that needs it.
pub const INHIBITING_CHECKS: &[&str] = &[
    "config-syntax",
    "berkeley-db-map",
    "nis-map",
    "map-plugin-package",
    "service-name-unresolvable",
    "removed-restriction",
    "installed-map-type",
    "table-file-state",
];

/// Whether Postfix is installed at all is a fact ([`crate::facts::postfix_absent`]); what
/// follows from it is decided here: no check runs, and `fix` has nothing to do.
pub use crate::facts::postfix_absent;

/// Whether `finding` inhibits the upgrade (see the module documentation).
pub fn is_inhibitor(finding: &Finding) -> bool {
    finding.severity == Severity::High && INHIBITING_CHECKS.contains(&finding.id.as_str())
}

/// Apply the policy to one finding: sets `inhibitor` from [`is_inhibitor`].
pub fn apply(finding: &mut Finding) {
    finding.inhibitor = is_inhibitor(finding);
}

/// Findings located in a file that the upgrade replaces with the target's stock copy (an
/// unmodified `%config(noreplace)` file, [`crate::facts::Facts::replaced_on_upgrade`])
/// drop to `info` and say so: the problem goes away with the file. The engine calls this
/// for every finding before [`apply`], so no check implements the rule itself.
pub fn apply_replaced(finding: &mut Finding, replaced: &dyn Fn(&std::path::Path) -> bool) {
    let Some(file) = finding.location.file.as_deref() else {
        return;
    };
    if !replaced(std::path::Path::new(file)) {
        return;
    }
    finding.severity = Severity::Info;
    let note = crate::checks::common::replaced_on_upgrade_note(file);
    if finding.summary.is_empty() {
        finding.summary = note;
    } else {
        finding.summary = format!("{}\n{note}", finding.summary);
    }
}

/// Which checks run: the result of `--only` and `--skip`, validated against known ids.
///
/// `--skip` wins over `--only` when an id is in both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    only: Vec<String>,
    skip: Vec<String>,
}

impl Selection {
    /// Every check.
    pub fn all() -> Self {
        Selection::default()
    }

    /// Build a selection, checking every id against `known`. An unknown id is a usage
    /// error (exit 2) that names it and lists the valid ids.
    pub fn new(only: &[String], skip: &[String], known: &[&str]) -> Result<Self, Error> {
        for (opt, ids) in [("--only", only), ("--skip", skip)] {
            for id in ids {
                if !known.contains(&id.as_str()) {
                    return Err(unknown_id_error(opt, id, known));
                }
            }
        }
        Ok(Selection {
            only: only.to_vec(),
            skip: skip.to_vec(),
        })
    }

    /// [`Selection::new`] against the ids of the check registry.
    pub fn from_registry(only: &[String], skip: &[String]) -> Result<Self, Error> {
        Selection::new(only, skip, &registry_ids())
    }

    /// Whether the check `id` runs.
    pub fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o == id))
            && !self.skip.iter().any(|s| s == id)
    }
}

/// Ids of every registered check, in registry order.
pub fn registry_ids() -> Vec<&'static str> {
    crate::checks::CHECKS.iter().map(|c| c.id()).collect()
}

/// The usage error for an unknown check id given to `opt` (`--only`, `--skip`, `explain`).
pub fn unknown_id_error(opt: &str, id: &str, known: &[&str]) -> Error {
    let list = if known.is_empty() {
        "(no checks are registered)".to_string()
    } else {
        known.join(", ")
    };
    Error::Usage(format!("{opt}: unknown check id '{id}'; valid ids: {list}"))
}

/// Exit code of `check` (interface.md): 1 when any finding is an inhibitor or is at or
/// above `fail_on`; 0 otherwise. (2, the tool failing, is decided by the caller.)
pub fn check_exit_code(findings: &[Finding], fail_on: Option<Severity>) -> u8 {
    let blocked = findings
        .iter()
        .any(|f| f.inhibitor || fail_on.is_some_and(|min| f.severity >= min));
    if blocked {
        exit::INHIBITOR
    } else {
        exit::OK
    }
}

/// Exit code of `fix` that ran (interface.md): 0 only when nothing failed and a fresh
/// `check` finds no inhibitor, so `fix -y && leapp upgrade` is safe; 3 when an inhibitor
/// is left (unfixable, left for review, failed and rolled back, or outside `--only`) or a
/// fix failed. (2, the tool not running at all, is decided by the caller.)
pub fn fix_exit_code(inhibitors_left: usize, failed: usize) -> u8 {
    if inhibitors_left == 0 && failed == 0 {
        exit::OK
    } else {
        exit::PARTIAL_FIX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, sev: Severity) -> Finding {
        Finding::new(id, sev, "t")
    }

    #[test]
    fn inhibitor_needs_table_id_and_high() {
        for id in INHIBITING_CHECKS {
            assert!(is_inhibitor(&finding(id, Severity::High)), "{id}");
            for sev in [Severity::Info, Severity::Low, Severity::Medium] {
                assert!(!is_inhibitor(&finding(id, sev)), "{id} {sev}");
            }
        }
        assert!(!is_inhibitor(&finding(
            "smtps-service-renamed",
            Severity::High
        )));
        assert!(!is_inhibitor(&finding(
            "compatibility-level",
            Severity::High
        )));
    }

    #[test]
    fn apply_overrides_what_a_check_set() {
        let mut f = finding("unknown-parameter", Severity::High);
        f.inhibitor = true;
        apply(&mut f);
        assert!(!f.inhibitor);
        let mut g = finding("berkeley-db-map", Severity::High);
        apply(&mut g);
        assert!(g.inhibitor);
    }

    #[test]
    fn replaced_files_drop_to_info_and_say_so() {
        let replaced = |p: &std::path::Path| p == std::path::Path::new("/etc/postfix/main.cf");
        let mut f = finding("berkeley-db-map", Severity::High);
        f.location.file = Some("/etc/postfix/main.cf".into());
        f.summary = "hash: table".into();
        apply_replaced(&mut f, &replaced);
        apply(&mut f);
        assert_eq!(f.severity, Severity::Info);
        assert!(!f.inhibitor);
        assert!(f
            .summary
            .starts_with("hash: table\n/etc/postfix/main.cf is unmodified"));
        let mut g = finding("berkeley-db-map", Severity::High);
        g.location.file = Some("/etc/postfix/master.cf".into());
        apply_replaced(&mut g, &replaced);
        apply(&mut g);
        assert_eq!(g.severity, Severity::High);
        assert!(g.inhibitor && g.summary.is_empty());
        let mut h = finding("compatibility-level", Severity::Medium);
        apply_replaced(&mut h, &replaced);
        assert_eq!(h.severity, Severity::Medium, "no file: unchanged");
    }

    #[test]
    fn selection_only_skip() {
        let known = ["a-b", "c-d", "e-f"];
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let all = Selection::new(&[], &[], &known).unwrap();
        assert!(known.iter().all(|k| all.includes(k)));
        let only = Selection::new(&s(&["a-b", "c-d"]), &s(&["c-d"]), &known).unwrap();
        assert!(only.includes("a-b"));
        assert!(!only.includes("c-d"), "skip wins over only");
        assert!(!only.includes("e-f"));
        let skip = Selection::new(&[], &s(&["e-f"]), &known).unwrap();
        assert!(skip.includes("a-b") && !skip.includes("e-f"));
    }

    #[test]
    fn unknown_id_is_usage_error_naming_it_and_listing_valid() {
        let known = ["a-b", "c-d"];
        let err = Selection::new(&[], &["nope".into()], &known).unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        let msg = err.to_string();
        assert!(msg.contains("--skip") && msg.contains("'nope'"), "{msg}");
        assert!(msg.contains("a-b, c-d"), "{msg}");
        let err = Selection::new(&["x".into()], &[], &known).unwrap_err();
        assert!(err.to_string().starts_with("--only: unknown check id 'x'"));
    }

    #[test]
    fn exit_codes() {
        let mut inh = finding("berkeley-db-map", Severity::High);
        apply(&mut inh);
        let med = finding("compatibility-level", Severity::Medium);
        assert_eq!(check_exit_code(&[], None), 0);
        assert_eq!(check_exit_code(&[], Some(Severity::Info)), 0);
        assert_eq!(check_exit_code(std::slice::from_ref(&med), None), 0);
        assert_eq!(
            check_exit_code(std::slice::from_ref(&med), Some(Severity::High)),
            0
        );
        assert_eq!(
            check_exit_code(std::slice::from_ref(&med), Some(Severity::Medium)),
            1
        );
        assert_eq!(
            check_exit_code(std::slice::from_ref(&med), Some(Severity::Low)),
            1
        );
        assert_eq!(check_exit_code(&[med, inh], None), 1);
        assert_eq!(fix_exit_code(0, 0), 0);
        assert_eq!(fix_exit_code(1, 0), 3);
        assert_eq!(fix_exit_code(0, 1), 3);
        assert_eq!(fix_exit_code(2, 1), 3);
    }
}
