//! `check` (the default command): collect the facts, run the registry, render the report
//! in `--format`, write it to `--output` or stdout; the exit code is the policy's.
use std::path::PathBuf;

use super::Ui;
use crate::checks::Check;
use crate::facts::Facts;
use crate::finding::Severity;
use crate::report::text::{self, ReportKind};
use crate::report::{ColorWhen, Format, LeappSchema, ReportMeta};

/// What `check` (and `verify`) report and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Which renderer.
    pub format: Format,
    /// Write the report to this file (atomically) instead of stdout.
    pub output: Option<PathBuf>,
    /// Run only these checks.
    pub only: Vec<String>,
    /// Skip these checks.
    pub skip: Vec<String>,
    /// Exit 1 when any finding is at or above this severity.
    pub fail_on: Option<Severity>,
    /// The leapp schema for [`Format::Leapp`].
    pub leapp_schema: LeappSchema,
}

/// `check`: the facts for `facts`, every registered check, one report.
pub fn run(facts: &crate::facts::Request, report: &Request, ui: &Ui) -> anyhow::Result<u8> {
    let facts = crate::facts::collect(facts)?;
    let meta = ReportMeta::from_facts(&facts);
    run_report(
        crate::checks::CHECKS,
        &facts,
        report,
        ui,
        meta,
        ReportKind::Check,
    )
}

/// `check` once facts are collected, over any list of checks and a given header.
/// An unknown check id in `--only`/`--skip` is a usage error and nothing is written.
pub fn run_check_with_meta(
    checks: &[&dyn Check],
    facts: &Facts,
    report: impl Into<Request>,
    ui: impl Into<Ui>,
    meta: ReportMeta,
) -> anyhow::Result<u8> {
    run_report(
        checks,
        facts,
        &report.into(),
        &ui.into(),
        meta,
        ReportKind::Check,
    )
}

/// The report of `check` or `verify` (`kind` only changes the words of the text report
/// around the findings): selection (`--only`/`--skip`), run `checks`, render in the
/// requested format, write to `--output` or stdout; returns the exit code from
/// [`crate::policy::check_exit_code`].
pub fn run_report(
    checks: &[&dyn Check],
    facts: &Facts,
    args: &Request,
    ui: &Ui,
    mut meta: ReportMeta,
    kind: ReportKind,
) -> anyhow::Result<u8> {
    let known: Vec<&str> = checks.iter().map(|c| c.id()).collect();
    let sel = crate::policy::Selection::new(&args.only, &args.skip, &known)?;
    let findings = crate::engine::run_checks(checks, facts, &sel);
    meta.output = args.output.clone();
    // A file gets colour only with an explicit --color always, as with ls and grep.
    let color = match args.output {
        Some(_) => ui.color == ColorWhen::Always,
        None => crate::report::use_color(ui.color),
    };
    // wrapped at the terminal's width when stdout is one, else at 80 columns
    let width = match args.output {
        Some(_) => None,
        None => crate::report::terminal_width(),
    };
    let layout = text::TextOptions {
        color,
        width: width.unwrap_or(text::DEFAULT_WIDTH),
        verbose: ui.verbose > 0,
        kind,
    };
    // streamed to the output as it is rendered: never the whole report in memory
    let report = |w: &mut dyn std::io::Write| {
        crate::report::render(args.format, args.leapp_schema, &meta, &findings, &layout, w)
    };
    match &args.output {
        Some(path) => {
            crate::report::write_output_with(path, report)?;
            if !ui.quiet {
                eprintln!("postfix-preupgrade: report written to {}", path.display());
            }
        }
        None => crate::report::write_stdout(report)?,
    }
    Ok(crate::policy::check_exit_code(&findings, args.fail_on))
}
