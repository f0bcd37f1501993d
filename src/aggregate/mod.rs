//! `aggregate`: many hosts' `check --format json` reports merged into one fleet view.
//!
//! Input: report files and directories of them (every `*.json` directly inside, in name
//! order). Each file is one of:
//! - a host report (`check --format json`, any tool version: merged by check id);
//! - a failure record: `{"tool": {"name": "postfix-preupgrade"}, "hostname": H, "error": E}`,
//!   written by the Ansible role for a host whose check could not run: the host "failed to
//!   report";
//! - anything else (unreadable, empty, truncated, not JSON, another tool's JSON, a leapp
//!   report, a fleet aggregate): listed by name with the reason and skipped; never an abort.
//!
//! The fleet view ([`Fleet`]) is pure data; [`text`], [`html`] and the JSON serialization
//! render it. Hosts are ordered blocked first, then ready, then failed to report.
pub mod html;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;

use crate::finding::Severity;
use crate::report::ToolInfo;

/// Reports larger than this are skipped (a real one is a few hundred KiB at most).
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// How the fleet view is rendered (`aggregate --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AggregateFormat {
    #[default]
    Text,
    Json,
    Html,
}

/// A host's state in the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At least one finding inhibits the upgrade.
    Blocked,
    /// A report without inhibitors.
    Ready,
    /// A failure record instead of a report.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Blocked => "blocked",
            Status::Ready => "ready",
            Status::Failed => "failed",
        }
    }
}

/// Whether `fix` can clear a check's findings on a host, from best to worst (the order
/// matters: a host's level for a check is the worst of its findings').
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixLevel {
    /// Every finding there has a safe fix (`fix -y` clears them).
    Safe,
    /// Every finding there has a safe fix, part of which needs the new release (the leapp
    /// fix actor, or `fix` after the upgrade, applies the rest).
    AfterUpgrade,
    /// Every finding there has a fix, at least one needs review (`fix --unsafe`).
    Review,
    /// At least one finding there has no automatic fix.
    None,
}

impl FixLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            FixLevel::Safe => "safe",
            FixLevel::AfterUpgrade => "after-upgrade",
            FixLevel::Review => "review",
            FixLevel::None => "none",
        }
    }
}

/// Counts per severity and inhibitors (an inhibitor is also counted at its severity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub inhibitors: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

/// One end of a host's upgrade path, as its report says (`None`: not in the report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Release {
    pub os: Option<String>,
    pub release: Option<String>,
    pub postfix_version: Option<String>,
}

/// One host: its report's header and counts, or the reason it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    /// The name shown: the report's host name (with the file name when two share it).
    pub host: String,
    /// The file it came from, as given on the command line (or found in a directory).
    pub file: String,
    pub status: Status,
    pub tool_version: Option<String>,
    pub generated_at: Option<String>,
    pub source: Option<Release>,
    pub target: Option<Release>,
    pub counts: Counts,
    /// Why the host failed to report (failure records only).
    pub error: Option<String>,
}

/// One cell of the checks × hosts matrix: a check's findings on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub host: String,
    pub findings: usize,
    /// The highest severity among them.
    pub severity: Severity,
    pub inhibitor: bool,
    pub fix: FixLevel,
}

/// One check across the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    pub id: String,
    /// The title given by the newest tool version that reported it.
    pub title: String,
    /// Hosts where it fires.
    pub hosts: usize,
    /// Hosts where it inhibits the upgrade.
    pub blocked_hosts: usize,
    pub findings: usize,
    /// The highest severity on any host.
    pub severity: Severity,
    /// Hosts per fix level.
    pub fix: FixCounts,
    /// The hosts it fires on, in the fleet's host order.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FixCounts {
    pub safe: usize,
    /// Safe, but part of it waits for the new release.
    #[serde(skip_serializing_if = "is_zero")]
    pub after_upgrade: usize,
    pub review: usize,
    pub none: usize,
}

/// A value seen in the fleet (an upgrade path, a Postfix version, a tool version) and the
/// hosts that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub name: String,
    pub hosts: Vec<String>,
}

/// A file that is not a host report, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HostCounts {
    pub total: usize,
    pub ready: usize,
    pub blocked: usize,
    pub failed: usize,
}

/// The fleet view; serialized as-is for `--format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fleet {
    /// Always `"fleet"`: tells an aggregate from a host report.
    pub kind: &'static str,
    pub tool: ToolInfo,
    pub generated_at: String,
    pub summary: HostCounts,
    /// Blocked hosts first, then ready, then failed to report; by name within each.
    pub hosts: Vec<Host>,
    /// Blocked hosts first, then by severity, hosts, id.
    pub checks: Vec<CheckRow>,
    pub upgrade_paths: Vec<Seen>,
    pub postfix_versions: Vec<Seen>,
    pub tool_versions: Vec<Seen>,
    pub skipped: Vec<Skipped>,
}

/// One finding as the aggregate needs it.
#[derive(Debug, Clone)]
struct Item {
    id: String,
    title: Option<String>,
    severity: Severity,
    inhibitor: bool,
    fix: FixLevel,
}

/// What one input file turned out to be.
#[derive(Debug)]
enum Input {
    Report {
        hostname: Option<String>,
        tool_version: Option<String>,
        generated_at: Option<String>,
        source: Release,
        target: Release,
        items: Vec<Item>,
    },
    Failure {
        hostname: Option<String>,
        error: String,
    },
}

/// The files named by `paths`: files as given, directories' `*.json` files in name order.
/// A path that cannot be listed becomes a skipped entry.
fn expand(paths: &[PathBuf], skipped: &mut Vec<Skipped>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(p) {
                Ok(rd) => {
                    let mut found: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|f| f.extension().is_some_and(|x| x == "json") && !f.is_dir())
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        skipped.push(Skipped {
                            file: p.display().to_string(),
                            reason: "a directory without *.json files".into(),
                        });
                    }
                    files.extend(found);
                }
                Err(e) => skipped.push(Skipped {
                    file: p.display().to_string(),
                    reason: format!("cannot list the directory: {e}"),
                }),
            },
            Ok(m) if m.is_file() => files.push(p.clone()),
            // a FIFO, socket or device would block the read or never end: not a report
            Ok(_) => skipped.push(Skipped {
                file: p.display().to_string(),
                reason: "not a regular file".into(),
            }),
            Err(e) => skipped.push(Skipped {
                file: p.display().to_string(),
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    files
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a file swapped for a FIFO after it was listed must not block the open
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let regular = f.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !regular.is_file() {
        return Err("not a regular file".into());
    }
    let mut bytes = Vec::new();
    f.take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!(
            "larger than {} MiB: not a report",
            MAX_REPORT_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// Classify one file's bytes; `Err` is the reason it is skipped.
fn parse_input(bytes: &[u8]) -> Result<Input, String> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty file".into());
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            format!(
                "truncated JSON (it ends inside a value, line {} column {})",
                e.line(),
                e.column()
            )
        } else {
            format!("not JSON ({e})")
        }
    })?;
    let Some(obj) = v.as_object() else {
        return Err(format!(
            "foreign JSON: a {}, not a postfix-preupgrade report",
            json_kind(&v)
        ));
    };
    if obj.contains_key("leapp_run_id") {
        return Err("a leapp report (check --format leapp); aggregate reads --format json".into());
    }
    if obj
        .get("tool")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        != Some("postfix-preupgrade")
    {
        return Err("foreign JSON: not a postfix-preupgrade report (no tool.name)".into());
    }
    if obj.get("kind").and_then(Value::as_str) == Some("fleet") {
        return Err("a fleet aggregate, not a host report".into());
    }
    let string = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let hostname = string(obj.get("hostname"));
    let findings = match obj.get("findings") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err("`findings` is not a list".into()),
        None => {
            if let Some(error) = string(obj.get("error")) {
                return Ok(Input::Failure { hostname, error });
            }
            return Err("no `findings` list: not a check --format json report".into());
        }
    };
    let mut items = Vec::with_capacity(findings.len());
    for (n, f) in findings.iter().enumerate() {
        items.push(
            parse_finding(f, obj.get("checks")).map_err(|e| format!("finding {}: {e}", n + 1))?,
        );
    }
    let release = |key: &str| {
        let r = obj.get(key);
        Release {
            os: string(r.and_then(|r| r.get("os"))),
            release: string(r.and_then(|r| r.get("release"))),
            postfix_version: string(r.and_then(|r| r.get("postfix_version"))),
        }
    };
    Ok(Input::Report {
        hostname,
        tool_version: string(obj.get("tool").and_then(|t| t.get("version"))),
        generated_at: string(obj.get("generated_at")),
        source: release("source"),
        target: release("target"),
        items,
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// One finding of a report. `checks` is the report's `checks` object (reports of this
/// version with a check found in many places): a finding without `title` has its
/// check's there; an older report has none and every finding its own title.
fn parse_finding(f: &Value, checks: Option<&Value>) -> Result<Item, String> {
    let id = f
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("no check id")?;
    let severity: Severity = f
        .get("severity")
        .and_then(Value::as_str)
        .ok_or("no severity")?
        .parse()?;
    let inhibitor = match f.get("inhibitor") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("`inhibitor` is not true or false".into()),
    };
    let fix = f.get("fix");
    let available = fix
        .and_then(|x| x.get("available"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let when = fix.and_then(|x| x.get("when")).and_then(Value::as_str);
    let fix = match fix
        .and_then(|x| x.get("applicability"))
        .and_then(Value::as_str)
    {
        _ if !available => FixLevel::None,
        Some("safe") if when == Some("after-upgrade") => FixLevel::AfterUpgrade,
        Some("safe") => FixLevel::Safe,
        // a fix that is not known to be safe needs a person
        _ => FixLevel::Review,
    };
    Ok(Item {
        id: id.to_string(),
        title: f
            .get("title")
            .or_else(|| checks?.get(id)?.get("title"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        severity,
        inhibitor,
        fix,
    })
}

/// `0.10.2` > `0.9`: dotted numbers compared as numbers (a non-number part counts as 0).
fn version_key(v: Option<&str>) -> Vec<u64> {
    v.unwrap_or("")
        .split(['.', '-', '+'])
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect()
}

fn release_label(r: &Release) -> String {
    match (&r.os, &r.release) {
        (Some(os), Some(rel)) => format!("{os} {rel}"),
        (None, Some(rel)) => rel.clone(),
        (Some(os), None) => format!("{os} ?"),
        (None, None) => "?".into(),
    }
}

/// Make the host names unique. Two files for one host name (two hosts with the same
/// /etc/hostname, or an old and a new report) are both kept, told apart by their file names
/// (by their paths when the file names are equal too, by a number as a last resort).
fn label_uniquely(inputs: &mut [(String, String, Input)]) {
    let count = |inputs: &[(String, String, Input)], name: &str| {
        inputs.iter().filter(|(_, n, _)| n == name).count()
    };
    let dups: Vec<usize> = (0..inputs.len())
        .filter(|&i| count(inputs, &inputs[i].1) > 1)
        .collect();
    let base = |file: &str| {
        Path::new(file)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_string())
    };
    let named: Vec<(usize, String)> = dups
        .iter()
        .map(|&i| (i, format!("{} ({})", inputs[i].1, base(&inputs[i].0))))
        .collect();
    for (i, n) in named.iter() {
        let clash = named.iter().filter(|(_, m)| m == n).count() > 1;
        inputs[*i].1 = if clash {
            format!("{} ({})", inputs[*i].1, inputs[*i].0)
        } else {
            n.clone()
        };
    }
    for i in 0..inputs.len() {
        let mut k = 2;
        while inputs[..i].iter().any(|(_, n, _)| *n == inputs[i].1) {
            let candidate = format!("{} #{k}", inputs[i].1);
            if !inputs.iter().any(|(_, n, _)| *n == candidate) {
                inputs[i].1 = candidate;
            }
            k += 1;
        }
    }
}

/// Merge the files under `paths` into the fleet view. Never fails: what cannot be read is
/// in [`Fleet::skipped`].
pub fn aggregate(paths: &[PathBuf]) -> Fleet {
    let mut skipped = Vec::new();
    // A file named twice (given and inside a given directory, say) is one host.
    let mut seen_files = BTreeSet::new();
    let files: Vec<PathBuf> = expand(paths, &mut skipped)
        .into_iter()
        .filter(|f| seen_files.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())))
        .collect();
    let mut inputs: Vec<(String, String, Input)> = Vec::new(); // (file, name, input)
    for file in files {
        let shown = file.display().to_string();
        match read_limited(&file).and_then(|b| parse_input(&b)) {
            Ok(input) => {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| shown.clone());
                let name = match &input {
                    Input::Report { hostname, .. } | Input::Failure { hostname, .. } => {
                        hostname.clone().unwrap_or(stem)
                    }
                };
                inputs.push((shown, name, input));
            }
            Err(reason) => skipped.push(Skipped {
                file: shown,
                reason,
            }),
        }
    }
    label_uniquely(&mut inputs);

    // Each host with its findings (none for a failure record), sorted into fleet order.
    let mut entries: Vec<(Host, Vec<Item>)> = Vec::new();
    for (file, name, input) in inputs {
        match input {
            Input::Report {
                tool_version,
                generated_at,
                source,
                target,
                items,
                ..
            } => {
                let mut counts = Counts::default();
                for i in &items {
                    counts.inhibitors += usize::from(i.inhibitor);
                    match i.severity {
                        Severity::High => counts.high += 1,
                        Severity::Medium => counts.medium += 1,
                        Severity::Low => counts.low += 1,
                        Severity::Info => counts.info += 1,
                    }
                }
                let host = Host {
                    host: name,
                    file,
                    status: if counts.inhibitors > 0 {
                        Status::Blocked
                    } else {
                        Status::Ready
                    },
                    tool_version,
                    generated_at,
                    source: Some(source),
                    target: Some(target),
                    counts,
                    error: None,
                };
                entries.push((host, items));
            }
            Input::Failure { error, .. } => {
                let host = Host {
                    host: name,
                    file,
                    status: Status::Failed,
                    tool_version: None,
                    generated_at: None,
                    source: None,
                    target: None,
                    counts: Counts::default(),
                    error: Some(error),
                };
                entries.push((host, Vec::new()));
            }
        }
    }
    entries.sort_by(|a, b| (a.0.status, &a.0.host).cmp(&(b.0.status, &b.0.host)));

    // Checks, merged by id over every report whatever its tool version.
    struct Acc {
        title: Option<(Vec<u64>, String)>,
        cells: Vec<Cell>,
    }
    let mut checks: BTreeMap<String, Acc> = BTreeMap::new();
    for (h, items) in entries.iter().filter(|(h, _)| h.status != Status::Failed) {
        let vkey = version_key(h.tool_version.as_deref());
        let mut per_check: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
        for i in items {
            per_check.entry(i.id.as_str()).or_default().push(i);
        }
        for (id, its) in per_check {
            let acc = checks.entry(id.to_string()).or_insert(Acc {
                title: None,
                cells: Vec::new(),
            });
            for i in &its {
                if let Some(t) = &i.title {
                    if acc.title.as_ref().is_none_or(|(v, _)| vkey > *v) {
                        acc.title = Some((vkey.clone(), t.clone()));
                    }
                }
            }
            // the levels are ordered from best to worst: a cell is as fixable as its
            // least fixable finding
            let fix = its.iter().map(|i| i.fix).max().unwrap_or(FixLevel::Safe);
            acc.cells.push(Cell {
                host: h.host.clone(),
                findings: its.len(),
                severity: its
                    .iter()
                    .map(|i| i.severity)
                    .max()
                    .unwrap_or(Severity::Info),
                inhibitor: its.iter().any(|i| i.inhibitor),
                fix,
            });
        }
    }
    let hosts: Vec<Host> = entries.into_iter().map(|(h, _)| h).collect();
    let mut rows: Vec<CheckRow> = checks
        .into_iter()
        .map(|(id, acc)| {
            let mut fix = FixCounts::default();
            for c in &acc.cells {
                match c.fix {
                    FixLevel::Safe => fix.safe += 1,
                    FixLevel::AfterUpgrade => fix.after_upgrade += 1,
                    FixLevel::Review => fix.review += 1,
                    FixLevel::None => fix.none += 1,
                }
            }
            CheckRow {
                title: acc.title.map(|(_, t)| t).unwrap_or_default(),
                hosts: acc.cells.len(),
                blocked_hosts: acc.cells.iter().filter(|c| c.inhibitor).count(),
                findings: acc.cells.iter().map(|c| c.findings).sum(),
                severity: acc
                    .cells
                    .iter()
                    .map(|c| c.severity)
                    .max()
                    .unwrap_or(Severity::Info),
                fix,
                cells: acc.cells,
                id,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.blocked_hosts, b.severity, b.hosts)
            .cmp(&(a.blocked_hosts, a.severity, a.hosts))
            .then_with(|| a.id.cmp(&b.id))
    });

    let reported: Vec<&Host> = hosts
        .iter()
        .filter(|h| h.status != Status::Failed)
        .collect();
    let seen = |label: &dyn Fn(&Host) -> String| -> Vec<Seen> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for h in &reported {
            m.entry(label(h)).or_default().insert(h.host.clone());
        }
        let mut v: Vec<Seen> = m
            .into_iter()
            .map(|(name, hosts)| Seen {
                name,
                hosts: hosts.into_iter().collect(),
            })
            .collect();
        v.sort_by(|a, b| b.hosts.len().cmp(&a.hosts.len()).then(a.name.cmp(&b.name)));
        v
    };
    let upgrade_paths = seen(&|h| {
        format!(
            "{} -> {}",
            release_label(h.source.as_ref().unwrap_or(&Release::default())),
            release_label(h.target.as_ref().unwrap_or(&Release::default()))
        )
    });
    let postfix_versions = seen(&|h| {
        let v = |r: &Option<Release>| {
            r.as_ref()
                .and_then(|r| r.postfix_version.clone())
                .unwrap_or_else(|| "?".into())
        };
        format!("{} -> {}", v(&h.source), v(&h.target))
    });
    let tool_versions = seen(&|h| h.tool_version.clone().unwrap_or_else(|| "?".into()));

    let summary = HostCounts {
        total: hosts.len(),
        ready: hosts.iter().filter(|h| h.status == Status::Ready).count(),
        blocked: hosts.iter().filter(|h| h.status == Status::Blocked).count(),
        failed: hosts.iter().filter(|h| h.status == Status::Failed).count(),
    };
    Fleet {
        kind: "fleet",
        tool: ToolInfo::this(),
        generated_at: crate::report::time::rfc3339_utc(std::time::SystemTime::now(), false),
        summary,
        hosts,
        checks: rows,
        upgrade_paths,
        postfix_versions,
        tool_versions,
        skipped,
    }
}

impl Fleet {
    /// Exit status: 0 every host ready and every file read, 1 otherwise (a host blocked or
    /// failed to report, a file skipped: the fleet is not known to be ready).
    pub fn exit_code(&self) -> u8 {
        if self.summary.blocked + self.summary.failed + self.skipped.len() == 0
            && self.summary.total > 0
        {
            crate::policy::exit::OK
        } else {
            crate::policy::exit::INHIBITOR
        }
    }
}

/// Render the fleet view in `format`.
pub fn render(fleet: &Fleet, format: AggregateFormat) -> String {
    match format {
        AggregateFormat::Text => text::render(fleet),
        AggregateFormat::Json => {
            let mut s = serde_json::to_string_pretty(fleet).expect("fleet data always serializes");
            s.push('\n');
            s
        }
        AggregateFormat::Html => html::render(fleet),
    }
}

/// Each check's cells by host name, for the host × check matrices of the renderers: one
/// lookup per cell instead of a scan of the check's cells (hosts × checks × hosts). The
/// first cell of a name wins, as a scan would find it.
pub fn cells_by_host(fleet: &Fleet) -> Vec<std::collections::HashMap<&str, &Cell>> {
    fleet
        .checks
        .iter()
        .map(|c| {
            let mut m = std::collections::HashMap::with_capacity(c.cells.len());
            for x in &c.cells {
                m.entry(x.host.as_str()).or_insert(x);
            }
            m
        })
        .collect()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// ", {n} after the upgrade" for a count line, nothing when there is none.
pub fn after_upgrade_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(", {n} safe after the upgrade")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Input, String> {
        parse_input(s.as_bytes())
    }

    #[test]
    fn bad_inputs_are_named_not_fatal() {
        assert_eq!(parse("").unwrap_err(), "empty file");
        assert!(parse("{\"tool\": {\"name\"")
            .unwrap_err()
            .starts_with("truncated JSON"));
        assert!(parse("hello").unwrap_err().starts_with("not JSON"));
        assert!(parse("[1,2]").unwrap_err().contains("a list"));
        assert!(parse("{\"tool\":{\"name\":\"other\"},\"findings\":[]}")
            .unwrap_err()
            .starts_with("foreign JSON"));
        assert!(parse("{\"leapp_run_id\":\"x\",\"entries\":[]}")
            .unwrap_err()
            .contains("leapp"));
        assert!(parse(
            "{\"tool\":{\"name\":\"postfix-preupgrade\"},\"findings\":[{\"id\":\"x\",\"severity\":\"fatal\"}]}"
        )
        .unwrap_err()
        .starts_with("finding 1: unknown severity"));
        assert!(
            parse("{\"kind\":\"fleet\",\"tool\":{\"name\":\"postfix-preupgrade\"}}")
                .unwrap_err()
                .contains("aggregate")
        );
    }

    #[test]
    fn failure_record_and_fix_levels() {
        match parse(
            "{\"tool\":{\"name\":\"postfix-preupgrade\"},\"hostname\":\"h\",\"error\":\"boom\"}",
        )
        .unwrap()
        {
            Input::Failure { hostname, error } => {
                assert_eq!(hostname.as_deref(), Some("h"));
                assert_eq!(error, "boom");
            }
            other => panic!("{other:?}"),
        }
        let f = |fix: &str| {
            parse_finding(
                &serde_json::from_str::<Value>(&format!(
                    "{{\"id\":\"a\",\"severity\":\"low\",\"fix\":{fix}}}"
                ))
                .unwrap(),
                None,
            )
            .unwrap()
            .fix
        };
        assert_eq!(
            f("{\"available\":true,\"applicability\":\"safe\"}"),
            FixLevel::Safe
        );
        assert_eq!(
            f("{\"available\":true,\"applicability\":\"review\"}"),
            FixLevel::Review
        );
        assert_eq!(
            f("{\"available\":true,\"applicability\":\"safe\",\"when\":\"after-upgrade\"}"),
            FixLevel::AfterUpgrade
        );
        // a review fix stays review, whenever it can be applied
        assert_eq!(
            f("{\"available\":true,\"applicability\":\"review\",\"when\":\"after-upgrade\"}"),
            FixLevel::Review
        );
        assert_eq!(
            f("{\"available\":true,\"applicability\":\"later\"}"),
            FixLevel::Review
        );
        assert_eq!(
            f("{\"available\":false,\"applicability\":null}"),
            FixLevel::None
        );
        assert_eq!(f("null"), FixLevel::None);
    }

    #[test]
    fn a_title_left_to_the_checks_object_is_read_from_it() {
        let report = |checks: &str| {
            format!(
                "{{\"tool\":{{\"name\":\"postfix-preupgrade\"}},\"hostname\":\"h\",{checks}\
                 \"findings\":[{{\"id\":\"a\",\"severity\":\"high\"}},\
                 {{\"id\":\"a\",\"severity\":\"high\",\"title\":\"own\"}}]}}"
            )
        };
        let titles = |doc: &str| match parse(doc).unwrap() {
            Input::Report { items, .. } => items.into_iter().map(|i| i.title).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            titles(&report("\"checks\":{\"a\":{\"title\":\"shared\"}},")),
            [Some("shared".to_string()), Some("own".to_string())]
        );
        // an older report: no checks object, a finding without a title has none
        assert_eq!(titles(&report("")), [None, Some("own".to_string())]);
    }

    #[test]
    fn host_names_are_made_unique() {
        let failure = || Input::Failure {
            hostname: None,
            error: String::new(),
        };
        let mut inputs = vec![
            ("d1/a.json".to_string(), "mx".to_string(), failure()),
            ("d2/a.json".to_string(), "mx".to_string(), failure()),
            ("d3/b.json".to_string(), "mx".to_string(), failure()),
            (
                "d4/c.json".to_string(),
                "mx (b.json)".to_string(),
                failure(),
            ),
            ("d5/d.json".to_string(), "relay".to_string(), failure()),
        ];
        label_uniquely(&mut inputs);
        let names: Vec<&str> = inputs.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "mx (d1/a.json)",
                "mx (d2/a.json)",
                "mx (b.json)",
                "mx (b.json) #2",
                "relay"
            ]
        );
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_key(Some("0.10.0")) > version_key(Some("0.9.9")));
        assert!(version_key(Some("1.0.0")) > version_key(None));
    }
}
