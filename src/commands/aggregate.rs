//! `aggregate`: many hosts' JSON reports merged into one fleet report
//! ([`crate::aggregate`]), written to `--output` or stdout.
use std::path::PathBuf;

use super::Ui;
use crate::aggregate::{aggregate, render, AggregateFormat};
use crate::report::escape::escape_controls;

/// What `aggregate` merges and how it writes the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Host reports or directories of them.
    pub paths: Vec<PathBuf>,
    pub format: AggregateFormat,
    /// Write the fleet report to this file (atomically) instead of stdout.
    pub output: Option<PathBuf>,
}

/// Merge, render, write to `--output` or stdout; skipped files are also named on stderr
/// (unless `-q`).
pub fn run(request: &Request, ui: &Ui) -> anyhow::Result<u8> {
    let fleet = aggregate(&request.paths);
    if !ui.quiet {
        for s in &fleet.skipped {
            eprintln!(
                "postfix-preupgrade: aggregate: skipped {}: {}",
                escape_controls(&s.file),
                escape_controls(&s.reason)
            );
        }
    }
    let out = render(&fleet, request.format);
    match request.output.as_deref() {
        Some(path) => {
            crate::report::write_output(path, out.as_bytes())?;
            if !ui.quiet {
                eprintln!(
                    "postfix-preupgrade: fleet report written to {}",
                    path.display()
                );
            }
        }
        None => crate::report::print_stdout(out.as_bytes())?,
    }
    Ok(fleet.exit_code())
}
