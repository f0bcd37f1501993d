//! The text report (the default format): for a person at a terminal or reading a file.
//!
//! Findings come grouped: inhibitors first, then high, medium, low, info. Each shows
//! where (file:line), what is written there, why it matters on this upgrade path, and
//! what to do (hint and commands, shell-quoted). An overview like leapp's closes it.
use std::fmt::Write;

use colored::Color;

use super::{shell, ReportMeta, Summary};
use crate::finding::{Applicability, Finding, Severity};

/// Wrap `s` in an ANSI style when `on`. Built from `colored`'s colour codes directly so
/// that the caller's decision (not `colored`'s global environment probe) rules.
fn paint(s: &str, color: Option<Color>, bold: bool, on: bool) -> String {
    if !on || (color.is_none() && !bold) {
        return s.to_string();
    }
    let mut codes = Vec::new();
    if bold {
        codes.push("1".to_string());
    }
    if let Some(c) = color {
        codes.push(c.to_fg_str().into_owned());
    }
    format!("\x1b[{}m{s}\x1b[0m", codes.join(";"))
}

fn severity_color(sev: Severity) -> Color {
    match sev {
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Info => Color::Blue,
    }
}

fn group_title(sev: Severity) -> &'static str {
    match sev {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

fn release_line(r: &super::ReleaseInfo) -> String {
    let mut s = match (&r.os, &r.release) {
        (Some(os), Some(rel)) => format!("{os} {rel}"),
        (Some(os), None) => format!("{os} (release unknown)"),
        (None, Some(rel)) => rel.clone(),
        (None, None) => "unknown".to_string(),
    };
    if let Some(v) = &r.postfix_version {
        let _ = write!(s, " (Postfix {v})");
    }
    s
}

/// `file:line`, `file:line-end`, or the service/parameter when there is no file.
fn where_(f: &Finding) -> Option<String> {
    let l = &f.location;
    let mut s = match (&l.file, l.line, l.end_line) {
        (Some(file), Some(a), Some(b)) if b > a => format!("{file}:{a}-{b}"),
        (Some(file), Some(a), _) => format!("{file}:{a}"),
        (Some(file), None, _) => file.clone(),
        (None, _, _) => String::new(),
    };
    let mut what = Vec::new();
    if let Some(svc) = &l.service {
        what.push(format!("service {svc}"));
    }
    if let Some(p) = &l.parameter {
        what.push(format!("parameter {p}"));
    }
    if !what.is_empty() {
        if s.is_empty() {
            s = what.join(", ");
        } else {
            let _ = write!(s, " ({})", what.join(", "));
        }
    }
    (!s.is_empty()).then_some(s)
}

fn finding(out: &mut String, f: &Finding, color: bool) {
    let sev = f.severity;
    let tag = if f.inhibitor {
        format!("[{sev}, inhibitor]")
    } else {
        format!("[{sev}]")
    };
    let tag_color = if f.inhibitor {
        Color::Red
    } else {
        severity_color(sev)
    };
    let _ = writeln!(
        out,
        "{} {}: {}",
        paint(&tag, Some(tag_color), true, color),
        paint(&f.id, None, true, color),
        f.title
    );
    if let Some(w) = where_(f) {
        let _ = writeln!(out, "  at {w}");
    }
    if let Some(text) = &f.location.text {
        for line in text.lines() {
            let _ = writeln!(
                out,
                "    | {}",
                paint(line, Some(Color::Magenta), false, color)
            );
        }
    }
    for line in f.summary.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
    let r = &f.remediation;
    if !r.hint.is_empty() || !r.commands.is_empty() {
        let _ = writeln!(out, "  {}", paint("What to do:", None, true, color));
        for line in r.hint.lines() {
            let _ = writeln!(out, "    {line}");
        }
        for argv in &r.commands {
            let _ = writeln!(
                out,
                "    {}",
                paint(
                    &format!("$ {}", shell::join(argv)),
                    Some(Color::Green),
                    false,
                    color
                )
            );
        }
    }
    if f.fix.available {
        let how = match f.fix.applicability {
            Some(Applicability::Review) => format!(
                "(needs review): postfix-preupgrade fix --unsafe --only {}",
                f.id
            ),
            _ => format!("(safe): postfix-preupgrade fix --only {}", f.id),
        };
        let _ = writeln!(out, "  Automatic fix {how}");
    }
    for link in &f.links {
        let _ = writeln!(out, "  See: {} <{}>", link.title, link.url);
    }
    let _ = writeln!(out, "  Key: {}", f.key);
}

/// Render the text report. `color` adds ANSI colours (decide it with [`super::use_color`]).
/// `findings` are printed in the order given within each group (the engine sorts them).
pub fn render(meta: &ReportMeta, findings: &[Finding], color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} report for {} ({})",
        meta.tool.name,
        meta.tool.version,
        meta.hostname,
        super::time::rfc3339_utc(meta.generated_at, false)
    );
    let _ = writeln!(
        out,
        "Upgrade path: {} -> {}",
        release_line(&meta.source),
        release_line(&meta.target)
    );
    if !meta.instances.is_empty() {
        let list: Vec<String> = meta
            .instances
            .iter()
            .map(|i| format!("{} ({})", i.name, i.config_directory))
            .collect();
        let _ = writeln!(out, "Instances: {}", list.join(", "));
    }
    if !meta.assumptions.is_empty() {
        let _ = writeln!(out, "Assumed (not detected):");
        for a in &meta.assumptions {
            let _ = writeln!(out, "  - {a}");
        }
    }

    let inhibitors: Vec<&Finding> = findings.iter().filter(|f| f.inhibitor).collect();
    let mut groups: Vec<(String, Color, Vec<&Finding>)> = Vec::new();
    if !inhibitors.is_empty() {
        groups.push(("Inhibitors".into(), Color::Red, inhibitors));
    }
    for sev in Severity::ALL.iter().rev() {
        let g: Vec<&Finding> = findings
            .iter()
            .filter(|f| !f.inhibitor && f.severity == *sev)
            .collect();
        if !g.is_empty() {
            groups.push((group_title(*sev).into(), severity_color(*sev), g));
        }
    }
    for (title, c, group) in &groups {
        out.push('\n');
        let head = format!("== {title} ({}) ==", group.len());
        let _ = writeln!(out, "{}", paint(&head, Some(*c), true, color));
        for (i, f) in group.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            finding(&mut out, f, color);
        }
    }

    let s = Summary::of(findings);
    out.push('\n');
    let _ = writeln!(out, "{}", paint("== Overview ==", None, true, color));
    let _ = writeln!(out, "  inhibitors: {}", s.inhibitors);
    for sev in Severity::ALL.iter().rev() {
        let _ = writeln!(out, "  {:<11} {}", format!("{sev}:"), s.count(*sev));
    }
    out.push('\n');
    if findings.is_empty() {
        let _ = writeln!(out, "No problems found for this upgrade.");
    } else if s.inhibitors > 0 {
        let msg = format!(
            "The upgrade is inhibited: {} finding(s) would stop Postfix delivering mail after it.",
            s.inhibitors
        );
        let _ = writeln!(out, "{}", paint(&msg, Some(Color::Red), true, color));
    } else {
        let _ = writeln!(
            out,
            "Nothing inhibits the upgrade; review the findings above."
        );
    }
    match &meta.output {
        Some(p) => {
            let _ = writeln!(out, "This report: {}", p.display());
        }
        None => {
            let _ = writeln!(
                out,
                "Machine-readable report: postfix-preupgrade check --format json --output FILE \
                 (or --format leapp)"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_when_on() {
        assert_eq!(paint("x", Some(Color::Red), true, false), "x");
        assert_eq!(
            paint("x", Some(Color::Red), true, true),
            "\x1b[1;31mx\x1b[0m"
        );
        assert_eq!(paint("x", None, false, true), "x");
    }

    #[test]
    fn where_forms() {
        let mut f = Finding::new("a", Severity::Low, "t");
        assert_eq!(where_(&f), None);
        f.location.service = Some("smtps/inet".into());
        assert_eq!(where_(&f).unwrap(), "service smtps/inet");
        f.location.file = Some("/etc/postfix/master.cf".into());
        f.location.line = Some(17);
        f.location.end_line = Some(17);
        assert_eq!(
            where_(&f).unwrap(),
            "/etc/postfix/master.cf:17 (service smtps/inet)"
        );
        f.location.end_line = Some(19);
        assert_eq!(
            where_(&f).unwrap(),
            "/etc/postfix/master.cf:17-19 (service smtps/inet)"
        );
    }
}
