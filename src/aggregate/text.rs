//! The fleet view as plain text, for a terminal or a change ticket's body. Every text that
//! came from a report passes through [`escape_controls`].
use std::fmt::Write;

use super::{Fleet, Seen, Status};
use crate::finding::Severity;
use crate::report::escape::escape_controls;

fn sev_letter(s: Severity) -> char {
    match s {
        Severity::High => 'H',
        Severity::Medium => 'M',
        Severity::Low => 'L',
        Severity::Info => 'I',
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn seen_section(out: &mut String, title: &str, seen: &[Seen]) {
    let _ = writeln!(out, "{title}:");
    if seen.is_empty() {
        let _ = writeln!(out, "  (no host reported)");
    }
    let w = seen.iter().map(|s| width(&s.name)).max().unwrap_or(0);
    for s in seen {
        let _ = writeln!(
            out,
            "  {}  {}: {}",
            pad(&escape_controls(&s.name), w),
            plural(s.hosts.len(), "host", "hosts"),
            escape_controls(&s.hosts.join(", "))
        );
    }
}

/// Render the fleet view as text.
pub fn render(fleet: &Fleet) -> String {
    let mut out = String::new();
    let s = &fleet.summary;
    let _ = writeln!(
        out,
        "postfix-preupgrade {} fleet report ({})",
        fleet.tool.version, fleet.generated_at
    );
    let _ = writeln!(
        out,
        "{}: {} blocked, {} ready, {} failed to report",
        plural(s.total, "host", "hosts"),
        s.blocked,
        s.ready,
        s.failed
    );
    let _ = writeln!(out);

    // Hosts, blocked first.
    let _ = writeln!(out, "== Hosts ==");
    let name_w = fleet
        .hosts
        .iter()
        .map(|h| width(&escape_controls(&h.host)))
        .max()
        .unwrap_or(0);
    for h in &fleet.hosts {
        let detail = match h.status {
            Status::Failed => format!(
                "failed to report: {}",
                escape_controls(h.error.as_deref().unwrap_or(""))
            ),
            _ => {
                let c = &h.counts;
                let path = match (&h.source, &h.target) {
                    (Some(a), Some(b)) => {
                        format!("{} -> {}", super::release_label(a), super::release_label(b))
                    }
                    _ => String::new(),
                };
                format!(
                    "{:<7}  {} inhibitor(s); high {}, medium {}, low {}, info {}  ({})",
                    h.status.as_str(),
                    c.inhibitors,
                    c.high,
                    c.medium,
                    c.low,
                    c.info,
                    escape_controls(&path)
                )
            }
        };
        let _ = writeln!(
            out,
            "  {}  {}",
            pad(&escape_controls(&h.host), name_w),
            detail
        );
    }
    let _ = writeln!(out);

    // The matrix: one row per host that reported (blocked first), one numbered column per
    // check (those that block hosts first); it stays readable with hundreds of hosts.
    let _ = writeln!(out, "== Checks x hosts ==");
    if fleet.checks.is_empty() {
        let _ = writeln!(out, "  no check fired on any host");
    } else {
        let id_w = fleet.checks.iter().map(|c| width(&c.id)).max().unwrap_or(0);
        for (i, c) in fleet.checks.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:>4} {}  {}, {} blocked, highest {}",
                format!("[{}]", i + 1),
                pad(&escape_controls(&c.id), id_w),
                plural(c.hosts, "host", "hosts"),
                c.blocked_hosts,
                c.severity
            );
        }
        let _ = writeln!(
            out,
            "  cell: highest severity (H high, M medium, L low, I info), ! inhibits, then the number of findings; . not found"
        );
        let rows: Vec<&super::Host> = fleet
            .hosts
            .iter()
            .filter(|h| h.status != Status::Failed)
            .collect();
        let host_w = rows
            .iter()
            .map(|h| width(&escape_controls(&h.host)))
            .max()
            .unwrap_or(0)
            .max("hosts affected".len());
        let col_w = format!("[{}]", fleet.checks.len()).len().max(4);
        let mut head = format!("  {}  {:<7}", pad("host", host_w), "status");
        for i in 0..fleet.checks.len() {
            let _ = write!(head, " {:>col_w$}", format!("[{}]", i + 1));
        }
        let _ = writeln!(out, "{}", head.trim_end());
        let by_host = super::cells_by_host(fleet);
        for h in rows {
            let mut line = format!(
                "  {}  {:<7}",
                pad(&escape_controls(&h.host), host_w),
                h.status.as_str()
            );
            for cells in &by_host {
                let cell = match cells.get(h.host.as_str()) {
                    Some(x) => format!(
                        "{}{}{}",
                        sev_letter(x.severity),
                        if x.inhibitor { "!" } else { "" },
                        x.findings
                    ),
                    None => ".".to_string(),
                };
                let _ = write!(line, " {cell:>col_w$}");
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let mut total = format!("  {}  {:<7}", pad("hosts affected", host_w), "");
        for c in &fleet.checks {
            let _ = write!(total, " {:>col_w$}", c.hosts);
        }
        let _ = writeln!(out, "{}", total.trim_end());
    }
    let _ = writeln!(out);

    // Per check: the hosts it affects and what fix can do there.
    if !fleet.checks.is_empty() {
        let _ = writeln!(out, "== Per check: hosts affected and what fix can do ==");
        for c in &fleet.checks {
            let _ = writeln!(
                out,
                "{}: {}",
                escape_controls(&c.id),
                escape_controls(&c.title)
            );
            let _ = writeln!(
                out,
                "  {}, {} blocked, {}; highest severity {}; fix: {} safe{}, {} needs review, {} none",
                plural(c.hosts, "host", "hosts"),
                c.blocked_hosts,
                plural(c.findings, "finding", "findings"),
                c.severity,
                c.fix.safe,
                super::after_upgrade_note(c.fix.after_upgrade),
                c.fix.review,
                c.fix.none
            );
            let w = c
                .cells
                .iter()
                .map(|x| width(&escape_controls(&x.host)))
                .max()
                .unwrap_or(0);
            for x in &c.cells {
                let fix = match x.fix {
                    super::FixLevel::Safe => "safe (fix -y)",
                    super::FixLevel::AfterUpgrade => {
                        "safe (fix -y; part of it after the upgrade, by the leapp fix actor)"
                    }
                    super::FixLevel::Review => "needs review (fix --unsafe)",
                    super::FixLevel::None => "none",
                };
                let _ = writeln!(
                    out,
                    "  {}  {}{}, {}  fix: {}",
                    pad(&escape_controls(&x.host), w),
                    x.severity,
                    if x.inhibitor { ", inhibitor" } else { "" },
                    plural(x.findings, "finding", "findings"),
                    fix
                );
            }
        }
        let _ = writeln!(out);
    }

    seen_section(&mut out, "Upgrade paths", &fleet.upgrade_paths);
    seen_section(&mut out, "Postfix versions", &fleet.postfix_versions);
    seen_section(&mut out, "Tool versions", &fleet.tool_versions);

    if !fleet.skipped.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Skipped files ({}):", fleet.skipped.len());
        for s in &fleet.skipped {
            let _ = writeln!(
                out,
                "  {}: {}",
                escape_controls(&s.file),
                escape_controls(&s.reason)
            );
        }
    }
    out
}
