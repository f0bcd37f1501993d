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
use crate::finding::{Applicability, ArcStr, Finding, FixWhen, Severity};

/// How the text report is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours (decide with [`super::use_color`]).
    pub color: bool,
    /// Wrap prose at this many columns.
    pub width: usize,
    /// Show info findings in full (`-v`).
    pub verbose: bool,
    /// Which command the report is for: `check` (an upgrade ahead) or `verify` (after it).
    pub kind: ReportKind,
}

/// The command a report comes from: it decides the words around the findings, never
/// the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportKind {
    /// `check`: source → target.
    #[default]
    Check,
    /// `verify`: the installed release, after the upgrade.
    Verify,
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
            kind: ReportKind::Check,
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

/// Commands printed so far: command line → id of the finding it was printed under.
type Printed = HashMap<String, String>;

/// The head line(s) of a block: tag, check id, title.
fn head(out: &mut String, f: &Finding, o: &TextOptions) {
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
}

/// `Automatic fix (safe|needs review): COMMAND`, when the finding has a fix.
fn fix_line(out: &mut String, f: &Finding, o: &TextOptions) {
    if f.fix.available {
        // the finding's own `fix` invocation (verify's names --source/--target), else plain
        let fix = f
            .remediation
            .commands
            .iter()
            .find(|c| c.first().is_some_and(|p| p == "postfix-preupgrade"))
            .and_then(|c| c.iter().position(|a| a == "fix").map(|i| c[..=i].join(" ")))
            .unwrap_or_else(|| "postfix-preupgrade fix".to_string());
        let how = match f.fix.applicability {
            Some(Applicability::Review) => {
                format!("(needs review): {fix} --unsafe --only {}", f.id)
            }
            // part of it waits for the new release: "safe" alone would promise it all now
            _ if f.fix.when == Some(FixWhen::AfterUpgrade) => {
                format!(
                    "(safe, part of it after the upgrade): {fix} --only {}",
                    f.id
                )
            }
            _ => format!("(safe): {fix} --only {}", f.id),
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
}

/// `See: title <url>` for each link.
fn links(out: &mut String, f: &Finding, o: &TextOptions) {
    for link in &f.links {
        let see = format!("{} <{}>", esc(&link.title), esc(&link.url));
        for l in wrap(&see, "  See: ", "       ", o.width) {
            let _ = writeln!(out, "{l}");
        }
    }
}

/// One block: the findings of `fs` (that say the same thing) at each of their places.
fn finding(out: &mut String, fs: &[&Finding], o: &TextOptions, printed: &mut Printed) {
    let f = fs[0];
    let color = o.color;
    head(out, f, o);
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
                let own = argv.first().map(ArcStr::as_str) == Some("postfix-preupgrade");
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
    fix_line(out, f, o);
    links(out, f, o);
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

/// What makes two findings say the same thing (all but where they are), borrowed:
/// findings with equal keys are one block.
type SameKey<'a> = (
    &'a str,
    &'a str,
    Severity,
    bool,
    &'a str,
    &'a str,
    &'a [Vec<ArcStr>],
    bool,
    Option<Applicability>,
    Option<FixWhen>,
    Vec<&'a str>,
);

fn same_key(f: &Finding) -> SameKey<'_> {
    (
        &f.id,
        &f.title,
        f.severity,
        f.inhibitor,
        &f.summary,
        &f.remediation.hint,
        &f.remediation.commands,
        f.fix.available,
        f.fix.applicability,
        f.fix.when,
        f.links.iter().map(|l| l.url.as_str()).collect(),
    )
}

/// A block of the report: findings that say the same thing (one block listing each
/// place in full), or one problem found in more than [`GROUP_ABOVE`] places (the
/// explanation once, then one line per place).
enum Block<'a> {
    Same(Vec<&'a Finding>),
    Many(Vec<&'a Finding>),
}

/// A problem found in more places than this prints its explanation once and then one
/// line per place (the same threshold as the leapp report's grouped entries).
pub use super::leapp::GROUP_ABOVE;

/// Findings in order: a problem found in more than [`GROUP_ABOVE`] places is one
/// [`Block::Many`] where its first place is; of the rest, those that say the same thing
/// as an earlier one are folded into it. Linear in the number of findings.
fn fold<'a>(group: &[&'a Finding]) -> Vec<Block<'a>> {
    let mut out: Vec<Block> = Vec::new();
    let mut index: HashMap<SameKey, usize> = HashMap::new();
    for g in super::leapp::group_refs(group.iter().copied()) {
        if g.len() > 1 {
            out.push(Block::Many(g));
            continue;
        }
        let f = g[0];
        // one key per finding, built once
        match index.entry(same_key(f)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                // only Same blocks are indexed
                if let Block::Same(b) = &mut out[*e.get()] {
                    b.push(f);
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(Block::Same(vec![f]));
            }
        }
    }
    out
}

/// One problem at many places: the head, the explanation (what every place's summary
/// ends with), what to do and the automatic fix once, then `file:line  parameter or
/// service  quoted text`, one line per place. Written to `w` as it goes.
fn many(
    out: &mut String,
    w: &mut dyn std::io::Write,
    fs: &[&Finding],
    o: &TextOptions,
    printed: &mut Printed,
) -> std::io::Result<()> {
    let f = fs[0];
    let n = fs.len();
    let (tail, explanation) = super::leapp::explanation(fs);
    head(out, f, o);
    let _ = writeln!(out, "  (the same problem at {n} places, listed below)");
    prose(out, &explanation, "  ", o.width);
    // what to do: each distinct hint once (a few), the commands once each (a few), the
    // rest counted; --format json gives each place's
    let r = super::leapp::Remedies::of(fs);
    if r.hints_total + r.commands_total > 0 {
        let _ = writeln!(out, "  {}", paint("What to do:", None, true, o.color));
        for h in &r.hints {
            prose(out, h, "    ", o.width);
        }
        for argv in &r.commands {
            let line = esc(&shell::join(argv));
            printed
                .entry(line.clone())
                .or_insert_with(|| format!("{} ({n} places)", f.id));
            let _ = writeln!(
                out,
                "    {}",
                paint(&format!("$ {line}"), Some(Color::Green), false, o.color)
            );
        }
        if r.truncated() {
            prose(
                out,
                &format!(
                    "({} hint(s) and {} command(s) in all, one set per place: \
                     `postfix-preupgrade check --format json` gives each place's.)",
                    r.hints_total, r.commands_total
                ),
                "    ",
                o.width,
            );
        }
    }
    fix_line(out, f, o);
    links(out, f, o);
    let _ = writeln!(
        out,
        "  Keys: one per place, in `postfix-preupgrade check --format json`."
    );
    let _ = writeln!(out, "  Places ({n}):");
    for (i, g) in fs.iter().enumerate() {
        // the explanation is the tail of every member's summary: never longer than one
        let _ = writeln!(out, "    {}", place(g, lines_of(g) - tail));
        if i % 256 == 255 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    Ok(())
}

fn lines_of(f: &Finding) -> usize {
    f.summary.lines().count()
}

/// One place of a [`Block::Many`] on one line: `file:line  parameter/service  text`,
/// where text is the offending text as written (else what the finding's own summary
/// lines say there). Never wrapped; control characters escaped.
fn place(f: &Finding, own_lines: usize) -> String {
    let l = &f.location;
    let mut parts: Vec<String> = Vec::with_capacity(3);
    match (&l.file, l.line, l.end_line) {
        (Some(file), Some(a), Some(b)) if b > a => parts.push(format!("{file}:{a}-{b}")),
        (Some(file), Some(a), _) => parts.push(format!("{file}:{a}")),
        (Some(file), None, _) => parts.push(file.clone()),
        (None, _, _) => {}
    }
    let what: Vec<&str> = [l.parameter.as_deref(), l.service.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !what.is_empty() {
        parts.push(what.join(" "));
    }
    let text = match &l.text {
        Some(t) => t.lines().map(str::trim).collect::<Vec<_>>().join(" \\ "),
        None => f
            .summary
            .lines()
            .take(own_lines)
            .collect::<Vec<_>>()
            .join(" "),
    };
    if !text.is_empty() {
        parts.push(text);
    }
    esc(&parts.join("  "))
}

/// Render the text report at 80 columns with info findings compact. `color` adds ANSI
/// colours (decide it with [`super::use_color`]).
pub fn render(meta: &ReportMeta, findings: &[Finding], color: bool) -> String {
    render_with(meta, findings, &TextOptions::new(color))
}

/// Render the text report laid out as `o` says. `findings` are printed in the order
/// given within each group (the engine sorts them).
pub fn render_with(meta: &ReportMeta, findings: &[Finding], o: &TextOptions) -> String {
    let mut out = Vec::new();
    write_with(meta, findings, o, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the report is built from UTF-8 text")
}

/// [`render_with`] streamed to `w`: each block is written as soon as it is laid out (a
/// block of many places every few hundred places), so the report is never whole in
/// memory.
pub fn write_with(
    meta: &ReportMeta,
    findings: &[Finding],
    o: &TextOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, w);
    let w: &mut dyn std::io::Write = &mut w;
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
    let verify = o.kind == ReportKind::Verify;
    if verify {
        let _ = writeln!(out, "Installed: {}", release_line(&meta.target));
    } else {
        let _ = writeln!(
            out,
            "Upgrade path: {} -> {}",
            release_line(&meta.source),
            release_line(&meta.target)
        );
    }
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
                if out.len() > 16 * 1024 {
                    w.write_all(out.as_bytes())?;
                    out.clear();
                }
            }
            let _ = writeln!(out, "  (-v shows what each says and what to do)");
            continue;
        }
        for (i, block) in fold(group).iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match block {
                Block::Same(fs) => finding(&mut out, fs, o, &mut printed),
                Block::Many(fs) => many(&mut out, w, fs, o, &mut printed)?,
            }
            w.write_all(out.as_bytes())?;
            out.clear();
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
    if findings.is_empty() && verify {
        let _ = writeln!(
            out,
            "No problems found: the installed Postfix can work with this configuration."
        );
    } else if findings.is_empty() {
        let _ = writeln!(out, "No problems found for this upgrade.");
    } else if s.inhibitors > 0 {
        let msg = if verify {
            format!(
                "Postfix cannot work with this configuration: {} finding(s) stop it \
                 delivering mail.",
                s.inhibitors
            )
        } else {
            format!(
                "The upgrade is inhibited: {} finding(s) would stop Postfix delivering mail \
                 after it.",
                s.inhibitors
            )
        };
        for l in wrap(&msg, "", "", o.width) {
            let _ = writeln!(out, "{}", paint(&l, Some(Color::Red), true, color));
        }
    } else if verify {
        let _ = writeln!(out, "Nothing stops Postfix; review the findings above.");
    } else {
        let _ = writeln!(
            out,
            "Nothing inhibits the upgrade; review the findings above."
        );
    }
    let command = if verify { "verify" } else { "check" };
    let last = match &meta.output {
        Some(p) => format!("This report: {}", esc(&p.display().to_string())),
        None => format!(
            "Machine-readable report: postfix-preupgrade {command} --format json --output \
             FILE (or --format leapp)"
        ),
    };
    for l in wrap(&last, "", "  ", o.width) {
        let _ = writeln!(out, "{l}");
    }
    w.write_all(out.as_bytes())?;
    w.flush()
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
