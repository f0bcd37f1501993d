//! The leapp report (`check --format leapp`): `{"leapp_run_id", "entries"}` as leapp writes
//! `leapp-report.json`, valid against its report schema 1.2.0 (`groups`) or 1.1.0
//! (`flags` + `tags`). Entry `key` is the finding key, so it is the same in both schemas
//! and in every run; `id` is unique per run, as in leapp.
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ReportMeta;
use crate::cli::LeappSchema;
use crate::error::Error;
use crate::finding::Finding;

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
    title: &'a str,
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

#[derive(Serialize)]
struct Resource<'a> {
    scheme: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type", content = "context", rename_all = "lowercase")]
enum Remediation<'a> {
    Hint(&'a str),
    Command(&'a [String]),
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

fn entry<'a>(
    meta: &'a ReportMeta,
    f: &'a Finding,
    schema: LeappSchema,
    run_id: &str,
    index: usize,
    time_stamp: &'a str,
) -> Entry<'a> {
    let (groups, tags, flags) = match schema {
        LeappSchema::V120 => {
            let mut g = GROUPS.to_vec();
            if f.inhibitor {
                g.push("inhibitor");
            }
            (Some(g), None, None)
        }
        LeappSchema::V110 => (
            None,
            Some(GROUPS.to_vec()),
            f.inhibitor.then(|| vec!["inhibitor"]),
        ),
    };
    let mut related: Vec<Resource> = f
        .related
        .iter()
        .map(|r| Resource {
            scheme: &r.scheme,
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
        remediations.push(Remediation::Hint(&f.remediation.hint));
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
    let detail = (!related.is_empty() || !remediations.is_empty() || !external.is_empty())
        .then_some(Detail {
            related_resources: related,
            remediations,
            external,
        });
    Entry {
        title: &f.title,
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
        entries: findings
            .iter()
            .enumerate()
            .map(|(i, f)| entry(meta, f, schema, run_id, i, ts))
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
    let ts = super::time::rfc3339_utc(meta.generated_at, true);
    let mut s = serde_json::to_string_pretty(&document(meta, findings, schema, run_id, &ts))
        .expect("report data always serializes");
    s.push('\n');
    s
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
