//! `checks` and `explain ID`: the check catalogue, printed from the registry's own
//! metadata and docs so that it cannot drift from what the checks do.
use std::fmt::Write;

use crate::checks::Check;
use crate::error::Error;
use crate::policy;

/// The `checks` table: id, default severity, fixable, title; one line per check, in
/// registry order, columns aligned.
pub fn render_checks(checks: &[&dyn Check]) -> String {
    let rows: Vec<[String; 4]> = checks
        .iter()
        .map(|c| {
            [
                c.id().to_string(),
                c.default_severity().to_string(),
                if c.fixable() { "yes" } else { "no" }.to_string(),
                c.title().to_string(),
            ]
        })
        .collect();
    let head = ["ID", "SEVERITY", "FIXABLE", "TITLE"].map(String::from);
    let mut width = [0usize; 3];
    for row in std::iter::once(&head).chain(&rows) {
        for (w, cell) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        );
    }
    if rows.is_empty() {
        out.push_str("(no checks are registered)\n");
    }
    out
}

/// The `explain` text of one check: title, id line, what / why / how fixed / references.
pub fn render_explain(check: &dyn Check) -> String {
    let docs = check.docs();
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", check.id(), check.title());
    let _ = writeln!(
        out,
        "Default severity: {}. Fixable: {}. Inhibits the upgrade: {}.",
        check.default_severity(),
        if check.fixable() { "yes" } else { "no" },
        if policy::INHIBITING_CHECKS.contains(&check.id()) {
            "when a finding is high"
        } else {
            "never"
        }
    );
    for (head, body) in [
        ("What it looks for", docs.what),
        ("Why it matters", docs.why),
        ("How it is fixed", docs.fix),
    ] {
        let _ = writeln!(out, "\n{head}:");
        for line in body.trim().lines().map(str::trim_end) {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    if !docs.references.is_empty() {
        let _ = writeln!(out, "\nReferences:");
        for (url, title) in docs.references {
            let _ = writeln!(out, "  - {title} <{url}>");
        }
    }
    out
}

/// `explain ID` over `checks`: the docs, or a usage error (exit 2) naming the id and
/// listing the valid ones.
pub fn explain(checks: &[&dyn Check], id: &str) -> Result<String, Error> {
    match checks.iter().find(|c| c.id() == id) {
        Some(c) => Ok(render_explain(*c)),
        None => {
            let known: Vec<&str> = checks.iter().map(|c| c.id()).collect();
            Err(policy::unknown_id_error("explain", id, &known))
        }
    }
}
