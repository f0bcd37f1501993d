//! Reports: three renderers (text, JSON, leapp) over the same `(&ReportMeta, &[Finding])`,
//! the formats they are asked for in, the atomic `--output` writer and the colour decision.
//! Running a command (facts, engine, a renderer, where the bytes go) is
//! [`crate::commands`]' business, not this module's.
//!
//! Renderers never decide policy: they print the `inhibitor` flag and the order that the
//! engine and [`crate::policy`] produced.
pub mod catalog;
pub mod escape;
pub mod json;
pub mod leapp;
pub mod shell;
pub mod text;
pub mod time;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::error::Error;
use crate::facts::Facts;
use crate::finding::{Finding, Severity};

// The formats below derive `clap::ValueEnum` here rather than being mirrored by copies in
// `cli`: their names (`text`, `json`, `leapp`, `1.2.0`) are the report's own vocabulary,
// and one definition keeps `--help`, the man page and the renderers from drifting apart.

/// When to colour the text report (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Which renderer writes the report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Leapp,
}

/// The leapp report schema the leapp renderer writes (`--leapp-schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LeappSchema {
    #[default]
    #[value(name = "1.2.0")]
    V120,
    #[value(name = "1.1.0")]
    V110,
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    /// This build: the crate name and version.
    pub fn this() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// One end of the upgrade path. `None` is "not known" and prints as JSON `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReleaseInfo {
    /// `rhel`, `centos`, `almalinux`, ... (os-release `ID`).
    pub os: Option<String>,
    /// `9.4`, `10`, ...
    pub release: Option<String>,
    pub postfix_version: Option<String>,
}

/// A Postfix instance: `-` for the primary one, else its `multi_instance_name` or directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceInfo {
    pub name: String,
    pub config_directory: String,
}

/// Everything a report says besides the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMeta {
    pub tool: ToolInfo,
    /// When the report was made; printed as RFC 3339 UTC.
    pub generated_at: SystemTime,
    /// Host name of the inspected system.
    pub hostname: String,
    pub source: ReleaseInfo,
    pub target: ReleaseInfo,
    pub instances: Vec<InstanceInfo>,
    /// Facts that fell back to an assumption, one sentence each.
    pub assumptions: Vec<String>,
    /// The `--output` path, if the report goes to a file.
    pub output: Option<PathBuf>,
}

impl ReportMeta {
    /// The report header for these facts, generated now on this host.
    ///
    /// `Facts` carries no release, version or instance fields yet; they are mapped here
    /// (and only here) once the facts module provides them.
    pub fn from_facts(facts: &Facts) -> Self {
        let release = |r: &crate::facts::Release, postfix: String| ReleaseInfo {
            os: Some(r.id.clone().unwrap_or_else(|| "rhel".to_string())),
            release: Some(match r.minor {
                Some(m) => format!("{}.{m}", r.major),
                None => r.major.to_string(),
            }),
            postfix_version: Some(postfix),
        };
        // The target keeps the source's distribution (an AlmaLinux host stays AlmaLinux).
        let mut target = release(
            &facts.target,
            facts.upgrade_path.target_postfix_version().to_string(),
        );
        target.os = release(&facts.source, String::new()).os;
        // Under --root the report is about that system: use its host name, never this
        // machine's; when the root does not say, that is an assumption of the report.
        let mut assumptions = facts.assumptions.clone();
        let hostname = if facts.root.is_host() {
            local_hostname()
        } else {
            facts
                .root
                .read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| {
                    assumptions.push(format!(
                        "host name unknown: {} has no /etc/hostname; the report says \
                         \"{UNKNOWN_HOST}\"",
                        facts.root.dir().display()
                    ));
                    UNKNOWN_HOST.to_string()
                })
        };
        ReportMeta {
            tool: ToolInfo::this(),
            generated_at: SystemTime::now(),
            hostname,
            source: release(&facts.source, facts.postfix.version.to_string()),
            target,
            instances: facts
                .instances
                .iter()
                .map(|i| InstanceInfo {
                    name: i.name.clone(),
                    config_directory: i.config_directory.display().to_string(),
                })
                .collect(),
            assumptions,
            output: None,
        }
    }
}

/// The host name of a root that does not say its own.
pub const UNKNOWN_HOST: &str = "unknown-host";

/// This machine's host name (the kernel's, as `hostname` prints it).
pub fn local_hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Counts per severity. Severity counts include inhibitors (an inhibitor is also `high`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub inhibitors: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Self {
        let mut s = Summary::default();
        for f in findings {
            s.inhibitors += usize::from(f.inhibitor);
            *s.count_mut(f.severity) += 1;
        }
        s
    }

    pub fn count(&self, sev: Severity) -> usize {
        match sev {
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn count_mut(&mut self, sev: Severity) -> &mut usize {
        match sev {
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// Whether to colour the text report: `--color never|always` decide; `auto` colours
/// only when `NO_COLOR` is unset or empty (no-color.org) and stdout is a terminal.
pub fn use_color(when: ColorWhen) -> bool {
    decide_color(
        when,
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::io::stdout().is_terminal(),
    )
}

/// The pure rule behind [`use_color`].
pub fn decide_color(when: ColorWhen, no_color_set: bool, stdout_is_terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => !no_color_set && stdout_is_terminal,
    }
}

/// Render a report in `format` (`text` laid out as it says). Only the leapp format can
/// fail (it needs a random run id).
pub fn render(
    format: Format,
    schema: LeappSchema,
    meta: &ReportMeta,
    findings: &[Finding],
    text: &text::TextOptions,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: PathBuf::from("<output>"),
        source,
    };
    // streamed: the report is written as it is rendered, never whole in memory
    match format {
        Format::Text => text::write_with(meta, findings, text, out).map_err(io),
        Format::Json => json::write(meta, findings, out).map_err(io),
        Format::Leapp => {
            let run_id = leapp::new_run_id()?;
            leapp::write(meta, findings, schema, &run_id, out).map_err(io)
        }
    }
}

/// Write `bytes` to `path` atomically: see [`write_output_with`].
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_output_with(path, |w| {
        w.write_all(bytes).map_err(|source| Error::Io {
            path: PathBuf::from("<output>"),
            source,
        })
    })
}

/// Write what `fill` writes to `path` atomically: a temporary file in the same directory,
/// streamed into, fsynced, renamed over `path`, then the directory fsynced. Readers see
/// the old file or the new one, never a part; on an error the temporary file is removed
/// and `path` is untouched. A new file gets mode 0644; an existing one keeps its mode.
/// An I/O error of `fill` on `<output>` is reported on `path`.
pub fn write_output_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mode = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )))
        }
        Ok(m) => m.permissions(),
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::Permissions::from_mode(0o644)
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".postfix-preupgrade.")
        .tempfile_in(dir)
        .map_err(io)?;
    {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
        match fill(&mut w) {
            Err(Error::Io { path: p, source }) if p == Path::new("<output>") => {
                return Err(io(source))
            }
            r => r?,
        }
        w.flush().map_err(io)?;
    }
    tmp.as_file().set_permissions(mode).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    Ok(())
}

/// Stream what `fill` writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(fill: impl FnOnce(&mut dyn Write) -> Result<(), Error>) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let r = fill(&mut w).and_then(|()| {
        w.flush().map_err(|source| Error::Io {
            path: PathBuf::from("<output>"),
            source,
        })
    });
    match r {
        Err(Error::Io { path, source }) if path == Path::new("<output>") => {
            if source.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            Err(Error::Io {
                path: PathBuf::from("<stdout>"),
                source,
            })
        }
        r => r,
    }
}

/// The width of the terminal on stdout, if stdout is one (at least 40 columns).
pub fn terminal_width() -> Option<usize> {
    let out = std::io::stdout();
    if !out.is_terminal() {
        return None;
    }
    let ws = rustix::termios::tcgetwinsize(&out).ok()?;
    (ws.ws_col > 0).then(|| usize::from(ws.ws_col).max(40))
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(bytes: &[u8]) -> Result<(), Error> {
    write_stdout(|w| {
        w.write_all(bytes).map_err(|source| Error::Io {
            path: PathBuf::from("<output>"),
            source,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_decision() {
        use ColorWhen::*;
        assert!(decide_color(Always, true, false));
        assert!(!decide_color(Never, false, true));
        assert!(decide_color(Auto, false, true));
        assert!(
            !decide_color(Auto, true, true),
            "NO_COLOR wins on a terminal"
        );
        assert!(!decide_color(Auto, false, false), "no colour into a pipe");
    }

    #[test]
    fn summary_counts() {
        let mut a = Finding::new("berkeley-db-map", Severity::High, "t");
        a.inhibitor = true;
        let b = Finding::new("x", Severity::Low, "t");
        let s = Summary::of(&[a, b.clone(), b]);
        assert_eq!(
            s,
            Summary {
                inhibitors: 1,
                high: 1,
                medium: 0,
                low: 2,
                info: 0
            }
        );
    }

    #[test]
    fn write_output_is_atomic_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        write_output(&p, b"one\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one\n");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_output(&p, b"two\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two\n");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // no temporary file left behind
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn write_output_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/report.txt");
        let err = write_output(&missing, b"x").unwrap_err().to_string();
        assert!(err.contains("no/such/dir/report.txt"), "{err}");
        let err = write_output(dir.path(), b"x").unwrap_err().to_string();
        assert!(err.contains(&*dir.path().to_string_lossy()), "{err}");
        assert!(!missing.exists());
    }
}
