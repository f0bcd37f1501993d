//! The leapp report (`check --format leapp`): `{"leapp_run_id", "entries"}` as leapp writes
//! `leapp-report.json`, valid against its report schema 1.2.0 (`groups`) or 1.1.0
//! (`flags` + `tags`). Entry `key` is the finding key, so it is the same in both schemas
//! and in every run; `id` is unique per run, as in leapp.
//!
//! Findings of one check that report the same problem (same title, severity, inhibitor
//! flag and fix) in more than [`GROUP_ABOVE`] places become one entry: the explanation
//! once, the places listed (capped, with the count), the files as related resources
//! (capped), the commands once each (capped); its key is its first place's finding key.
//! A problem found in fewer places gives an entry per place, exactly as before.
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{LeappSchema, ReportMeta};
use crate::error::Error;
use crate::finding::{Applicability, ArcStr, Finding};

/// The actor name entries carry (the leapp custom actor that runs this tool).
pub const ACTOR: &str = "postfix_preupgrade_check";
/// Groups every entry belongs to.
pub const GROUPS: &[&str] = &["email", "services"];

#[derive(Serialize)]
struct Document<'a> {
    leapp_run_id: &'a str,
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    title: Cow<'a, str>,
    summary: String,
    severity: &'static str,
    audience: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<Vec<&'static str>>,
    key: &'a str,
    id: String,
    actor: &'static str,
    hostname: &'a str,
    #[serde(rename = "timeStamp")]
    time_stamp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<Detail<'a>>,
}

#[derive(Serialize)]
struct Detail<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_resources: Vec<Resource<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remediations: Vec<Remediation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external: Vec<External<'a>>,
}

impl<'a> Detail<'a> {
    /// The entry's detail, or none when all three lists are empty (leapp's schema wants
    /// no empty `detail`).
    fn of(
        related_resources: Vec<Resource<'a>>,
        remediations: Vec<Remediation<'a>>,
        external: Vec<External<'a>>,
    ) -> Option<Self> {
        (!related_resources.is_empty() || !remediations.is_empty() || !external.is_empty())
            .then_some(Detail {
                related_resources,
                remediations,
                external,
            })
    }
}

#[derive(Serialize)]
struct Resource<'a> {
    scheme: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type", content = "context", rename_all = "lowercase")]
enum Remediation<'a> {
    Hint(Cow<'a, str>),
    Command(&'a [ArcStr]),
}

#[derive(Serialize)]
struct External<'a> {
    url: &'a str,
    title: &'a str,
}

/// A fresh uuid4 for `leapp_run_id`, from the kernel's generator.
pub fn new_run_id() -> Result<String, Error> {
    let path = "/proc/sys/kernel/random/uuid";
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
}

/// The entry `id`: sha256 of run id, key and position, so unique within and across runs.
fn entry_id(run_id: &str, key: &str, index: usize) -> String {
    let mut h = Sha256::new();
    h.update(run_id.as_bytes());
    h.update(b"\0");
    h.update(key.as_bytes());
    h.update(b"\0");
    h.update(index.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The summary leapp shows: the finding's summary, then where it is, since leapp's own
/// text report prints no location field.
fn summary(f: &Finding) -> String {
    let mut s = f.summary.clone();
    let l = &f.location;
    if let Some(file) = &l.file {
        let mut at = format!("Location: {file}");
        if let Some(line) = l.line {
            at.push_str(&format!(", line {line}"));
            if let Some(end) = l.end_line.filter(|e| *e > line) {
                at.push_str(&format!("-{end}"));
            }
        }
        if let Some(text) = &l.text {
            at.push_str(&format!(
                ": {}",
                text.lines().collect::<Vec<_>>().join(" \\ ")
            ));
        }
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(&at);
    }
    s
}

type Groups = Option<Vec<&'static str>>;

/// `groups` (1.2.0), or `tags` and `flags` (1.1.0).
fn entry_groups(schema: LeappSchema, inhibitor: bool) -> (Groups, Groups, Groups) {
    match schema {
        LeappSchema::V120 => {
            let mut g = GROUPS.to_vec();
            if inhibitor {
                g.push("inhibitor");
            }
            (Some(g), None, None)
        }
        LeappSchema::V110 => (
            None,
            Some(GROUPS.to_vec()),
            inhibitor.then(|| vec!["inhibitor"]),
        ),
    }
}

/// Places a grouped entry's summary lists, at most.
pub const PLACES_SHOWN: usize = 20;
/// Related resources a grouped entry keeps, at most.
pub const RESOURCES_SHOWN: usize = 50;
/// Distinct hints and commands a grouped entry keeps, at most (each).
pub const HINTS_SHOWN: usize = 5;
pub const COMMANDS_SHOWN: usize = 10;

/// What to do about a group of places of one problem: each distinct hint and command once,
/// the first [`HINTS_SHOWN`] and [`COMMANDS_SHOWN`] of them, with how many there are in all
/// (the leapp entry and the text report say the rest is in the JSON report).
pub(crate) struct Remedies<'a> {
    pub hints: Vec<&'a str>,
    pub hints_total: usize,
    pub commands: Vec<&'a [ArcStr]>,
    pub commands_total: usize,
}

impl<'a> Remedies<'a> {
    pub fn of(members: &[&'a Finding]) -> Remedies<'a> {
        let mut r = Remedies {
            hints: Vec::new(),
            hints_total: 0,
            commands: Vec::new(),
            commands_total: 0,
        };
        let mut seen_hints: HashSet<&str> = HashSet::new();
        let mut seen_commands: HashSet<&[ArcStr]> = HashSet::new();
        for f in members {
            let h = f.remediation.hint.as_str();
            if !h.is_empty() && seen_hints.insert(h) {
                r.hints_total += 1;
                if r.hints.len() < HINTS_SHOWN {
                    r.hints.push(h);
                }
            }
            for argv in &f.remediation.commands {
                if seen_commands.insert(argv.as_slice()) {
                    r.commands_total += 1;
                    if r.commands.len() < COMMANDS_SHOWN {
                        r.commands.push(argv.as_slice());
                    }
                }
            }
        }
        r
    }

    /// Whether some hints or commands were left out.
    pub fn truncated(&self) -> bool {
        self.hints_total > self.hints.len() || self.commands_total > self.commands.len()
    }
}

/// A problem found in more places than this is one entry listing them; up to this many,
/// each place is an entry of its own as before (a small host reads as it always did, and
/// tools that key on each finding keep working there).
pub const GROUP_ABOVE: usize = 10;

/// The findings that report the same problem: same check, title, severity, inhibitor
/// flag and fix (available, applicability), so that the leapp actor can defer a whole
/// entry to the fix or none of it; groups in the order their first finding comes,
/// findings in report order. Groups of [`GROUP_ABOVE`] or fewer are split back into
/// single findings, in report order.
pub(crate) fn group(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    group_refs(findings.iter())
}

/// [`group`] over findings given by reference (a report section), in the order given.
pub(crate) fn group_refs<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<Vec<&'a Finding>> {
    // what a group shares, borrowed from its findings: no copy per finding
    let key = |f: &'a Finding| {
        let fix = match f.fix.applicability {
            _ if !f.fix.available => 0u8,
            Some(Applicability::Safe) => 1,
            Some(Applicability::Review) => 2,
            None => 3,
        };
        (
            f.id.as_str(),
            &*f.title,
            f.severity.as_str(),
            f.inhibitor,
            fix,
            f.fix.when,
        )
    };
    let findings: Vec<&Finding> = findings.collect();
    let mut index = HashMap::new();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut first_of: Vec<usize> = Vec::with_capacity(findings.len());
    for f in &findings {
        let g = *index.entry(key(f)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(*f);
        first_of.push(g);
    }
    // in report order: a big group where its first finding is, the rest one by one
    let big: Vec<bool> = groups.iter().map(|g| g.len() > GROUP_ABOVE).collect();
    let mut out = Vec::new();
    for (f, g) in findings.iter().zip(first_of) {
        if !big[g] {
            out.push(vec![*f]);
        } else if !groups[g].is_empty() {
            out.push(std::mem::take(&mut groups[g]));
        }
    }
    out
}

/// The explanation of a group: the trailing summary lines every member shares, as
/// (their number, their text). What comes before them in a summary is that place's own.
pub(crate) fn explanation(members: &[&Finding]) -> (usize, String) {
    let tail = common_tail(members);
    let lines: Vec<&str> = members[0].summary.lines().collect();
    (tail, lines[lines.len() - tail..].join("\n"))
}

/// Number of trailing summary lines every finding of the group shares.
fn common_tail(members: &[&Finding]) -> usize {
    let first: Vec<&str> = members[0].summary.lines().collect();
    let mut n = first.len();
    for f in &members[1..] {
        let lines: Vec<&str> = f.summary.lines().collect();
        let same = first
            .iter()
            .rev()
            .zip(lines.iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        n = n.min(same);
        if n == 0 {
            break;
        }
    }
    n
}

/// One place of a grouped entry: `file, line N: what the finding says there`.
fn place_line(f: &Finding, own_lines: usize) -> String {
    let l = &f.location;
    let own: Vec<&str> = f.summary.lines().take(own_lines).collect();
    let what = if own.is_empty() {
        l.text
            .as_deref()
            .map(|t| t.lines().collect::<Vec<_>>().join(" \\ "))
            .unwrap_or_default()
    } else {
        own.join(" ")
    };
    let mut at = String::new();
    if let Some(file) = &l.file {
        at.push_str(file);
        if let Some(line) = l.line {
            at.push_str(&format!(", line {line}"));
            if let Some(end) = l.end_line.filter(|e| *e > line) {
                at.push_str(&format!("-{end}"));
            }
        }
    }
    if let Some(svc) = l.service.as_deref().filter(|s| !what.contains(*s)) {
        at.push_str(&format!(" ({svc})"));
    }
    match (at.is_empty(), what.is_empty()) {
        (true, _) => what,
        (false, true) => at,
        (false, false) => format!("{at}: {what}"),
    }
}

/// One entry for a problem found in several places.
fn group_entry<'a>(
    meta: &'a ReportMeta,
    members: &[&'a Finding],
    schema: LeappSchema,
    run_id: &str,
    index: usize,
    time_stamp: &'a str,
) -> Entry<'a> {
    let f0 = members[0];
    let n = members.len();
    let (groups, tags, flags) = entry_groups(schema, f0.inhibitor);

    let (tail, common) = explanation(members);
    let mut summary = String::new();
    if !common.is_empty() {
        summary.push_str(&common);
        summary.push('\n');
    }
    let shown = n.min(PLACES_SHOWN);
    if shown < n {
        summary.push_str(&format!("Found in {n} places, the first {shown} listed:"));
    } else {
        summary.push_str(&format!("Found in {n} places:"));
    }
    for f in &members[..shown] {
        let own = f.summary.lines().count() - tail;
        summary.push_str("\n- ");
        summary.push_str(&place_line(f, own));
    }
    if shown < n {
        summary.push_str(&format!(
            "\n- and {} more: `postfix-preupgrade check --format json` lists every place.",
            n - shown
        ));
    }

    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut related: Vec<Resource> = Vec::new();
    let mut related_total = 0;
    for f in members {
        let file = f.location.file.as_deref().map(|t| ("file", t));
        let rel = f.related.iter().map(|r| (r.scheme, r.title.as_str()));
        for (scheme, title) in file.into_iter().chain(rel) {
            if seen.insert((scheme, title)) {
                related_total += 1;
                if related.len() < RESOURCES_SHOWN {
                    related.push(Resource { scheme, title });
                }
            }
        }
    }
    if related_total > related.len() {
        summary.push_str(&format!(
            "\nRelated resources: the first {} of {related_total}.",
            related.len()
        ));
    }

    let mut remediations = Vec::new();
    let r = Remedies::of(members);
    remediations.extend(r.hints.iter().map(|h| Remediation::Hint(Cow::Borrowed(*h))));
    if r.truncated() {
        remediations.push(Remediation::Hint(Cow::Owned(format!(
            "{} hints and {} commands in all, one set per place; \
             `postfix-preupgrade check --format json` gives each place's.",
            r.hints_total, r.commands_total
        ))));
    }
    remediations.extend(r.commands.into_iter().map(Remediation::Command));

    let mut seen_links: HashSet<(&str, &str)> = HashSet::new();
    let external: Vec<External> = members
        .iter()
        .flat_map(|f| &f.links)
        .filter(|l| seen_links.insert((&l.url, &l.title)))
        .map(|l| External {
            url: &l.url,
            title: &l.title,
        })
        .collect();

    // The key of the group's first place: stable across runs for the same problem in the
    // same places, and a key of the JSON report, which is how the leapp actor finds the
    // check (and its fix) behind an entry.
    let key = f0.key.as_str();
    let id = entry_id(run_id, key, index);
    let detail = Detail::of(related, remediations, external);
    Entry {
        title: Cow::Owned(format!("{} ({n} places)", f0.title)),
        summary,
        severity: f0.severity.as_str(),
        audience: "sysadmin",
        groups,
        tags,
        flags,
        key,
        id,
        actor: ACTOR,
        hostname: &meta.hostname,
        time_stamp,
        detail,
    }
}

fn entry<'a>(
    meta: &'a ReportMeta,
    f: &'a Finding,
    schema: LeappSchema,
    run_id: &str,
    index: usize,
    time_stamp: &'a str,
) -> Entry<'a> {
    let (groups, tags, flags) = entry_groups(schema, f.inhibitor);
    let mut related: Vec<Resource> = f
        .related
        .iter()
        .map(|r| Resource {
            scheme: r.scheme,
            title: &r.title,
        })
        .collect();
    if let Some(file) = &f.location.file {
        if !related
            .iter()
            .any(|r| r.scheme == "file" && r.title == file)
        {
            related.insert(
                0,
                Resource {
                    scheme: "file",
                    title: file,
                },
            );
        }
    }
    let mut remediations = Vec::new();
    if !f.remediation.hint.is_empty() {
        remediations.push(Remediation::Hint(Cow::Borrowed(&f.remediation.hint)));
    }
    for argv in &f.remediation.commands {
        remediations.push(Remediation::Command(argv));
    }
    let external: Vec<External> = f
        .links
        .iter()
        .map(|l| External {
            url: &l.url,
            title: &l.title,
        })
        .collect();
    let detail = Detail::of(related, remediations, external);
    Entry {
        title: Cow::Borrowed(&f.title),
        summary: summary(f),
        severity: f.severity.as_str(),
        audience: "sysadmin",
        groups,
        tags,
        flags,
        key: &f.key,
        id: entry_id(run_id, &f.key, index),
        actor: ACTOR,
        hostname: &meta.hostname,
        time_stamp,
        detail,
    }
}

fn document<'a>(
    meta: &'a ReportMeta,
    findings: &'a [Finding],
    schema: LeappSchema,
    run_id: &'a str,
    ts: &'a str,
) -> Document<'a> {
    Document {
        leapp_run_id: run_id,
        entries: group(findings)
            .into_iter()
            .enumerate()
            .map(|(i, members)| match members.as_slice() {
                [f] => entry(meta, f, schema, run_id, i, ts),
                _ => group_entry(meta, &members, schema, run_id, i, ts),
            })
            .collect(),
    }
}

/// The leapp report as a JSON value (what [`render`] prints).
pub fn to_value(
    meta: &ReportMeta,
    findings: &[Finding],
    schema: LeappSchema,
    run_id: &str,
) -> serde_json::Value {
    let ts = super::time::rfc3339_utc(meta.generated_at, true);
    serde_json::to_value(document(meta, findings, schema, run_id, &ts))
        .expect("report data always serializes")
}

/// Render the leapp report for `schema` with the given run id (see [`new_run_id`]),
/// pretty-printed with a final newline.
pub fn render(
    meta: &ReportMeta,
    findings: &[Finding],
    schema: LeappSchema,
    run_id: &str,
) -> String {
    let mut out = Vec::new();
    write(meta, findings, schema, run_id, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] streamed to `out` as it is serialized (the report is never whole in memory).
pub fn write(
    meta: &ReportMeta,
    findings: &[Finding],
    schema: LeappSchema,
    run_id: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let ts = super::time::rfc3339_utc(meta.generated_at, true);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &document(meta, findings, schema, run_id, &ts))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_uuid4_and_fresh() {
        let a = new_run_id().unwrap();
        let b = new_run_id().unwrap();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "version 4: {a}");
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn entry_ids_differ_by_run_and_position() {
        let a = entry_id("r1", "k", 0);
        assert_eq!(a.len(), 64);
        assert_ne!(a, entry_id("r2", "k", 0));
        assert_ne!(a, entry_id("r1", "k", 1));
        assert_eq!(a, entry_id("r1", "k", 0));
    }
}
