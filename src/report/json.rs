//! The JSON report (`check --format json`): exactly the object in interface.md, plus the
//! `assumptions` list (facts that fell back to an assumption). Field order follows the
//! interface so that a person reading it finds what the documentation shows.
//!
//! A check that reports one problem in more than [`GROUP_ABOVE`] places has its fixed
//! texts once, in the top-level `checks` object under its id: the `title` and the
//! `explanation` (the summary lines all its findings with that title end with), the
//! remediation `hint` and the `links` most of those have (when more than [`GROUP_ABOVE`]
//! do). Its findings keep one record per place and leave out what `checks` holds:
//! - no `title`: the title is `checks[id].title` and the summary is the finding's
//!   `summary`, a newline and `checks[id].explanation` (just the explanation when the
//!   finding's `summary` is empty; the summary unchanged when there is no explanation);
//! - no `remediation.hint` / no `links`: `checks[id].hint` / `checks[id].links`.
//!
//! A report with no such check has no `checks` object and reads exactly as before.
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::leapp::GROUP_ABOVE;
use super::{InstanceInfo, ReleaseInfo, ReportMeta, Summary, ToolInfo};
use crate::finding::{ArcStr, Finding, FixInfo, Link, Location, Related, Severity};

#[derive(Serialize)]
struct Document<'a> {
    tool: &'a ToolInfo,
    generated_at: String,
    hostname: &'a str,
    source: &'a ReleaseInfo,
    target: &'a ReleaseInfo,
    instances: &'a [InstanceInfo],
    assumptions: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    checks: &'a Checks<'a>,
    #[serde(serialize_with = "findings_out")]
    findings: (&'a [Finding], &'a Checks<'a>),
    summary: Summary,
}

/// The texts every finding of one check shares, in the `checks` object; its findings
/// leave out what they have the same.
#[derive(Serialize)]
struct CheckTexts<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<&'a [Link]>,
}

/// The `checks` object: by check id.
type Checks<'a> = BTreeMap<&'a str, CheckTexts<'a>>;

/// A finding as the report prints it: every field of [`Finding`], in its order, less what
/// its check's `checks` entry holds.
#[derive(Serialize)]
struct FindingOut<'a> {
    id: &'a str,
    key: &'a str,
    severity: Severity,
    inhibitor: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    summary: &'a str,
    location: &'a Location,
    related: &'a [Related],
    remediation: RemediationOut<'a>,
    fix: &'a FixInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<&'a [Link]>,
}

#[derive(Serialize)]
struct RemediationOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    commands: &'a [Vec<ArcStr>],
}

/// `f` less what `shared` holds. The title and the explanation leave together: a finding
/// without `title` has its check's title, and its summary is its own lines followed by
/// the check's explanation; a finding whose summary does not end with the explanation
/// keeps both. `hint` and `links` leave when they are the check's.
fn finding_out<'a>(f: &'a Finding, shared: Option<&CheckTexts>) -> FindingOut<'a> {
    let mut out = FindingOut {
        id: &f.id,
        key: &f.key,
        severity: f.severity,
        inhibitor: f.inhibitor,
        title: Some(&f.title),
        summary: &f.summary,
        location: &f.location,
        related: &f.related,
        remediation: RemediationOut {
            hint: Some(&f.remediation.hint),
            commands: &f.remediation.commands,
        },
        fix: &f.fix,
        links: Some(&f.links),
    };
    let Some(s) = shared else {
        return out;
    };
    if s.title == &*f.title {
        let own = if s.explanation.is_empty() {
            Some(f.summary.as_str())
        } else if f.summary == s.explanation {
            Some("")
        } else {
            f.summary
                .strip_suffix(s.explanation.as_str())
                .and_then(|own| own.strip_suffix('\n'))
        };
        if let Some(own) = own {
            out.title = None;
            out.summary = own;
        }
    }
    if s.hint == Some(f.remediation.hint.as_str()) {
        out.remediation.hint = None;
    }
    if s.links == Some(f.links.as_slice()) {
        out.links = None;
    }
    out
}

/// The findings, one at a time (each built as it is written, not all at once).
fn findings_out<S: serde::Serializer>(v: &(&[Finding], &Checks), s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let (findings, shared) = v;
    let mut seq = s.serialize_seq(Some(findings.len()))?;
    for f in *findings {
        seq.serialize_element(&finding_out(f, shared.get(f.id.as_str())))?;
    }
    seq.end()
}

/// The value most of `items` have, if more than [`GROUP_ABOVE`] have it (the first such
/// on a tie, so that the report is reproducible).
fn most_common<T: Eq + std::hash::Hash + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut count: HashMap<T, (usize, usize)> = HashMap::new();
    for (i, t) in items.enumerate() {
        count.entry(t).or_insert((0, i)).0 += 1;
    }
    count
        .into_iter()
        .filter(|(_, (n, _))| *n > GROUP_ABOVE)
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map(|(t, _)| t)
}

/// The `checks` object and what each check's findings leave out: for a check with more
/// than [`GROUP_ABOVE`] findings of one title (the same problem in many places), that
/// title, the summary lines all of those share (the explanation), and their most common
/// hint and links, each when more than [`GROUP_ABOVE`] of them have it.
fn shared_texts(findings: &[Finding]) -> Checks<'_> {
    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_id.entry(f.id.as_str()).or_default().push(f);
    }
    let mut checks = BTreeMap::new();
    for (id, fs) in by_id {
        if fs.len() <= GROUP_ABOVE {
            continue;
        }
        // the same problem (one title) in many places; a check reporting different
        // problems, each in few places, keeps its findings whole
        let Some(title) = most_common(fs.iter().map(|f| &*f.title)) else {
            continue;
        };
        let same: Vec<&Finding> = fs.iter().copied().filter(|f| f.title == title).collect();
        let (_, explanation) = super::leapp::explanation(&same);
        let hint = most_common(
            same.iter()
                .map(|f| f.remediation.hint.as_str())
                .filter(|h| !h.is_empty()),
        );
        let links = most_common(
            same.iter()
                .map(|f| f.links.as_slice())
                .filter(|l| !l.is_empty()),
        );
        checks.insert(
            id,
            CheckTexts {
                title,
                explanation,
                hint,
                links,
            },
        );
    }
    checks
}

/// The report as a JSON value (what [`render`] prints).
pub fn to_value(meta: &ReportMeta, findings: &[Finding]) -> serde_json::Value {
    let checks = shared_texts(findings);
    serde_json::to_value(document(meta, findings, &checks)).expect("report data always serializes")
}

fn document<'a>(
    meta: &'a ReportMeta,
    findings: &'a [Finding],
    checks: &'a Checks<'a>,
) -> Document<'a> {
    Document {
        tool: &meta.tool,
        generated_at: super::time::rfc3339_utc(meta.generated_at, false),
        hostname: &meta.hostname,
        source: &meta.source,
        target: &meta.target,
        instances: &meta.instances,
        assumptions: &meta.assumptions,
        checks,
        findings: (findings, checks),
        summary: Summary::of(findings),
    }
}

/// Render the JSON report, pretty-printed, with a final newline.
pub fn render(meta: &ReportMeta, findings: &[Finding]) -> String {
    let mut out = Vec::new();
    write(meta, findings, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`] streamed to `out` as it is serialized (the report is never whole in memory).
pub fn write(
    meta: &ReportMeta,
    findings: &[Finding],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let checks = shared_texts(findings);
    serde_json::to_writer_pretty(&mut out, &document(meta, findings, &checks))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}
