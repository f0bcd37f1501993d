//! The text report (the default format): for a person at a terminal or reading a file.
//!
//! Findings come grouped: inhibitors first, then high, medium, low, info. Each shows
//! where (file:line), what is written there, why it matters on this upgrade path, and
//! what to do (hint and commands, shell-quoted). An overview like leapp's closes it.
//!
//! Say each thing once, readably:
//! - findings that say the same thing (same check, title, summary, advice) at several
//!   places are one block listing every place;
//! - a command already printed under an earlier finding is not printed again: a line
//!   names the finding it is under;
//! - prose is wrapped at the width (the terminal's, 80 otherwise), never inside a
//!   `quoted` span, a quoted config line or a command;
//! - `|` is only ever followed by the file's own lines at the cited place;
//! - info findings are one line each unless `-v`;
//! - every text that comes from the inspected system goes through
//!   [`super::escape::escape_controls`]: no control character reaches the terminal.
use std::collections::HashMap;
use std::fmt::Write;

use colored::Color;

use super::escape::escape_controls;
use super::{shell, ReportMeta, Summary};
use crate::finding::{Applicability, Finding, Severity};

/// How the text report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (decide with [`super::use_color`]).
    pub color: bool,
    /// Wrap prose at this many columns.
    pub width: usize,
    /// Show info findings in full (`-v`).
    pub verbose: bool,
}

/// The width when the output is not a terminal.
pub const DEFAULT_WIDTH: usize = 80;

impl TextOptions {
    /// Colour as given, 80 columns, info findings compact.
    pub fn new(color: bool) -> Self {
        TextOptions {
            color,
            width: DEFAULT_WIDTH,
            verbose: false,
        }
    }
}

/// Text from the inspected system, safe for a terminal.
fn esc(s: &str) -> String {
    escape_controls(s).into_owned()
}

/// Split prose into words, keeping a `quoted span` (backticks) in one piece.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        if c == '`' {
            in_quote = !in_quote;
        }
        if c == ' ' && !in_quote {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// `text` wrapped at `width`: the first line starts with `first`, the others with `rest`.
/// A word longer than the line stays whole on its own line.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = first.to_string();
    let mut empty = true;
    for w in words(text) {
        let len = |s: &str| s.chars().count();
        if !empty && len(&cur) + 1 + len(w) > width {
            lines.push(std::mem::replace(&mut cur, rest.to_string()));
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(w);
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Write wrapped prose lines (a `- ` item gets a hanging indent).
fn prose(out: &mut String, text: &str, indent: &str, width: usize) {
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
            continue;
        }
        let line = esc(line);
        let lead = line.len() - line.trim_start().len();
        let body = line.trim_start();
        let first = format!("{indent}{}", &line[..lead]);
        let hang = if body.starts_with("- ") { 2 } else { 0 };
        let rest = format!("{first}{}", " ".repeat(hang));
        for l in wrap(body, &first, &rest, width) {
            let _ = writeln!(out, "{l}");
        }
    }
}

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

/// What makes two findings say the same thing (all but where they are).
fn same_thing(a: &Finding, b: &Finding) -> bool {
    a.id == b.id
        && a.title == b.title
        && a.severity == b.severity
        && a.inhibitor == b.inhibitor
        && a.summary == b.summary
        && a.remediation.hint == b.remediation.hint
        && a.remediation.commands == b.remediation.commands
        && a.fix.available == b.fix.available
        && a.fix.applicability == b.fix.applicability
        && a.links.len() == b.links.len()
        && a.links.iter().zip(&b.links).all(|(x, y)| x.url == y.url)
}

/// Commands printed so far: command line → id of the finding it was printed under.
type Printed = HashMap<String, String>;

/// One block: the findings of `fs` (that say the same thing) at each of their places.
fn finding(out: &mut String, fs: &[&Finding], o: &TextOptions, printed: &mut Printed) {
    let f = fs[0];
    let color = o.color;
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
    let head = wrap(
        &format!("{tag} {}: {}", f.id, esc(&f.title)),
        "",
        "  ",
        o.width,
    );
    for (i, l) in head.iter().enumerate() {
        let lead = format!("{tag} {}", f.id);
        let l = match l.strip_prefix(&lead) {
            Some(rest) if i == 0 => format!(
                "{} {}{rest}",
                paint(&tag, Some(tag_color), true, color),
                paint(&f.id, None, true, color)
            ),
            _ => l.clone(),
        };
        let _ = writeln!(out, "{l}");
    }
    if fs.len() > 1 {
        let _ = writeln!(out, "  (the same at {} places)", fs.len());
    }
    for g in fs {
        if let Some(w) = where_(g) {
            for l in wrap(&esc(&w), "  at ", "     ", o.width) {
                let _ = writeln!(out, "{l}");
            }
        }
        // the file's own lines at the cited place, never wrapped
        if let Some(text) = &g.location.lines {
            for line in text.lines() {
                let _ = writeln!(
                    out,
                    "    | {}",
                    paint(&esc(line), Some(Color::Magenta), false, color)
                );
            }
        }
    }
    prose(out, &f.summary, "  ", o.width);
    let r = &f.remediation;
    if !r.hint.is_empty() || !r.commands.is_empty() {
        let _ = writeln!(out, "  {}", paint("What to do:", None, true, color));
        prose(out, &r.hint, "    ", o.width);
        // commands printed under an earlier finding are named, not repeated, when they
        // are several or long (a short one reads better than a pointer to it)
        let lines: Vec<(String, bool)> = r
            .commands
            .iter()
            .map(|argv| {
                let own = argv.first().map(String::as_str) == Some("postfix-preupgrade");
                (esc(&shell::join(argv)), own)
            })
            .collect();
        let repeated: Vec<&String> = lines
            .iter()
            .filter(|(l, own)| !own && printed.contains_key(l))
            .map(|(l, _)| l)
            .collect();
        let fold = repeated.len() >= 3 || repeated.iter().map(|l| l.len()).sum::<usize>() > 100;
        let mut again: Vec<String> = Vec::new();
        for (line, own) in &lines {
            if fold && repeated.contains(&line) {
                let under = &printed[line];
                if !again.contains(under) {
                    again.push(under.clone());
                }
                continue;
            }
            if !own && !printed.contains_key(line) {
                let place = f
                    .location
                    .file
                    .as_ref()
                    .map(|file| match f.location.line {
                        Some(l) => format!(" at {}:{l}", esc(file)),
                        None => format!(" on {}", esc(file)),
                    })
                    .unwrap_or_default();
                printed.insert(line.clone(), format!("{}{place}", f.id));
            }
            let _ = writeln!(
                out,
                "    {}",
                paint(&format!("$ {line}"), Some(Color::Green), false, color)
            );
        }
        for under in again {
            prose(
                out,
                &format!(
                    "({} command(s), as listed under {under} above)",
                    repeated.len()
                ),
                "    ",
                o.width,
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
        // the command is never broken: on its own line when the line is too long
        let line = format!("  Automatic fix {how}");
        match how.split_once(": ") {
            Some((kind, cmd)) if line.chars().count() > o.width => {
                let _ = writeln!(out, "  Automatic fix {kind}:");
                let _ = writeln!(out, "    {cmd}");
            }
            _ => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    for link in &f.links {
        let see = format!("{} <{}>", esc(&link.title), esc(&link.url));
        for l in wrap(&see, "  See: ", "       ", o.width) {
            let _ = writeln!(out, "{l}");
        }
    }
    let keys: Vec<&str> = fs.iter().map(|g| g.key.as_str()).collect();
    let label = if keys.len() > 1 { "Keys:" } else { "Key:" };
    for l in wrap(&keys.join(" "), &format!("  {label} "), "        ", o.width) {
        let _ = writeln!(out, "{l}");
    }
}

/// An info finding on one line: tag, id, title, where.
fn compact(out: &mut String, f: &Finding, color: bool) {
    let tag = paint("[info]", Some(severity_color(Severity::Info)), true, color);
    let at = where_(f)
        .map(|w| format!("; at {}", esc(&w)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{tag} {}: {}{at}",
        paint(&f.id, None, true, color),
        esc(&f.title)
    );
}

/// Findings in order, those that say the same thing as an earlier one folded into it.
fn fold<'a>(group: &[&'a Finding]) -> Vec<Vec<&'a Finding>> {
    let mut out: Vec<Vec<&Finding>> = Vec::new();
    for f in group {
        match out.iter_mut().find(|b| same_thing(b[0], f)) {
            Some(b) => b.push(f),
            None => out.push(vec![f]),
        }
    }
    out
}

/// Render the text report at 80 columns with info findings compact. `color` adds ANSI
/// colours (decide it with [`super::use_color`]).
pub fn render(meta: &ReportMeta, findings: &[Finding], color: bool) -> String {
    render_with(meta, findings, &TextOptions::new(color))
}

/// Render the text report laid out as `o` says. `findings` are printed in the order
/// given within each group (the engine sorts them).
pub fn render_with(meta: &ReportMeta, findings: &[Finding], o: &TextOptions) -> String {
    let color = o.color;
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
        for l in wrap(&esc(&list.join(", ")), "Instances: ", "  ", o.width) {
            let _ = writeln!(out, "{l}");
        }
    }
    if !meta.assumptions.is_empty() {
        let _ = writeln!(out, "Assumed (not detected):");
        for a in &meta.assumptions {
            for l in wrap(&esc(a), "  - ", "    ", o.width) {
                let _ = writeln!(out, "{l}");
            }
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
    let mut printed = Printed::new();
    for (title, c, group) in &groups {
        out.push('\n');
        let head = format!("== {title} ({}) ==", group.len());
        let _ = writeln!(out, "{}", paint(&head, Some(*c), true, color));
        let compact_info = title == "Info" && !o.verbose;
        if compact_info {
            for f in group {
                compact(&mut out, f, color);
            }
            let _ = writeln!(out, "  (-v shows what each says and what to do)");
            continue;
        }
        for (i, block) in fold(group).iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            finding(&mut out, block, o, &mut printed);
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
        for l in wrap(&msg, "", "", o.width) {
            let _ = writeln!(out, "{}", paint(&l, Some(Color::Red), true, color));
        }
    } else {
        let _ = writeln!(
            out,
            "Nothing inhibits the upgrade; review the findings above."
        );
    }
    let last = match &meta.output {
        Some(p) => format!("This report: {}", esc(&p.display().to_string())),
        None => "Machine-readable report: postfix-preupgrade check --format json --output \
                 FILE (or --format leapp)"
            .to_string(),
    };
    for l in wrap(&last, "", "  ", o.width) {
        let _ = writeln!(out, "{l}");
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
