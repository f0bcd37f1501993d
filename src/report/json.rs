//! The JSON report (`check --format json`): exactly the object in interface.md, plus the
//! `assumptions` list (facts that fell back to an assumption). Field order follows the
//! interface so that a person reading it finds what the documentation shows.
use serde::Serialize;

use super::{InstanceInfo, ReleaseInfo, ReportMeta, Summary, ToolInfo};
use crate::finding::Finding;

#[derive(Serialize)]
struct Document<'a> {
    tool: &'a ToolInfo,
    generated_at: String,
    hostname: &'a str,
    source: &'a ReleaseInfo,
    target: &'a ReleaseInfo,
    instances: &'a [InstanceInfo],
    assumptions: &'a [String],
    findings: &'a [Finding],
    summary: Summary,
}

/// The report as a JSON value (what [`render`] prints).
pub fn to_value(meta: &ReportMeta, findings: &[Finding]) -> serde_json::Value {
    serde_json::to_value(document(meta, findings)).expect("report data always serializes")
}

fn document<'a>(meta: &'a ReportMeta, findings: &'a [Finding]) -> Document<'a> {
    Document {
        tool: &meta.tool,
        generated_at: super::time::rfc3339_utc(meta.generated_at, false),
        hostname: &meta.hostname,
        source: &meta.source,
        target: &meta.target,
        instances: &meta.instances,
        assumptions: &meta.assumptions,
        findings,
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
    serde_json::to_writer_pretty(&mut out, &document(meta, findings))
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}
