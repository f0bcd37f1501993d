//! `verify`: after the upgrade, the facts of the installed system (no target) and the
//! verify checks ([`crate::verify::VERIFY_CHECKS`]), reported as `check` reports.
use super::check::{run_report, Request};
use super::Ui;
use crate::facts::Tools;
use crate::report::text::ReportKind;
use crate::report::ReportMeta;

/// `verify`: facts of the installed system, the verify checks, the report in `--format`,
/// exit code as `check`.
pub fn run(facts: &crate::facts::Request, report: &Request, ui: &Ui) -> anyhow::Result<u8> {
    let facts = crate::facts::collect_installed(facts, &Tools::from_path())?;
    let meta = ReportMeta::from_facts(&facts);
    run_report(
        crate::verify::VERIFY_CHECKS,
        &facts,
        report,
        ui,
        meta,
        ReportKind::Verify,
    )
}
