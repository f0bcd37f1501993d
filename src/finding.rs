//! Findings: what a check reports. Pure data; renderers live in [`crate::report`].
//!
//! Texts that are often the same in many findings (a title, a hint, a link, the quoted
//! lines) are [`ArcStr`]s: a check that reports one problem in thousands of places makes
//! such a text once and gives every finding a reference to it (a literal costs nothing).
//! They serialize as plain strings.
pub use arcstr::ArcStr;
use serde::Serialize;

/// Severity of a finding, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            other => Err(format!(
                "unknown severity '{other}' (info, low, medium, high)"
            )),
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points. Paths are as Postfix sees them on the inspected system
/// (never prefixed by `--root`); lines are 1-based physical lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub end_line: Option<usize>,
    /// master.cf service as `name/type`.
    pub service: Option<ArcStr>,
    pub parameter: Option<ArcStr>,
    /// The offending text, as written.
    pub text: Option<ArcStr>,
    /// The file's physical lines `line..=end_line` exactly as written, which the text
    /// report quotes; filled by the engine
    /// ([`crate::checks::common::quote_as_written`]), not part of the JSON.
    /// Often the very lines of `text`: then the same shared string.
    #[serde(skip)]
    pub lines: Option<ArcStr>,
}

/// A resource related to a finding, in leapp's terms (`file`, `package`, `directory`, `service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    pub scheme: &'static str,
    pub title: String,
}

impl Related {
    pub fn file(path: impl Into<String>) -> Self {
        Related {
            scheme: "file",
            title: path.into(),
        }
    }
    pub fn package(name: impl Into<String>) -> Self {
        Related {
            scheme: "package",
            title: name.into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remediation {
    pub hint: ArcStr,
    /// Commands as argv lists: they survive quoting. The words are shared strings: the
    /// `fix --only ID` command of a check is the same in each of its findings.
    pub commands: Vec<Vec<ArcStr>>,
}

/// How safe an available fix is (ruff/clippy style applicability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Applied by `fix` by default: behaviour does not change.
    Safe,
    /// Needs `fix --unsafe`: behaviour may change, a person should look.
    Review,
}

/// When an available fix can be applied, if not all of it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixWhen {
    /// Part of the fix (or all of it) needs the new release's Postfix: `fix` applies the
    /// rest now and the leapp fix actor (or `fix` on the new release) the remainder.
    AfterUpgrade,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixInfo {
    pub available: bool,
    pub applicability: Option<Applicability>,
    /// Absent when all of the fix can be applied now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<FixWhen>,
}

impl FixInfo {
    pub fn none() -> Self {
        FixInfo {
            available: false,
            applicability: None,
            when: None,
        }
    }
    pub fn safe() -> Self {
        FixInfo {
            available: true,
            applicability: Some(Applicability::Safe),
            when: None,
        }
    }
    pub fn review() -> Self {
        FixInfo {
            available: true,
            applicability: Some(Applicability::Review),
            when: None,
        }
    }
    /// The same fix, part of which waits for the new release.
    pub fn after_upgrade(mut self) -> Self {
        self.when = Some(FixWhen::AfterUpgrade);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Link {
    pub url: ArcStr,
    pub title: ArcStr,
}

/// One problem found by one check at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check id (stable, kebab-case).
    pub id: String,
    /// Stable 40-hex key: sha1 of id and the location discriminator, see [`Finding::compute_key`].
    pub key: String,
    pub severity: Severity,
    pub inhibitor: bool,
    pub title: ArcStr,
    pub summary: String,
    pub location: Location,
    pub related: Vec<Related>,
    pub remediation: Remediation,
    pub fix: FixInfo,
    pub links: Vec<Link>,
}

impl Finding {
    /// A finding with the check's id, severity and title; everything else empty.
    /// The key is filled in by [`Finding::with_default_key`] (the engine calls it)
    /// unless the check set one with [`Finding::key_from`].
    pub fn new(id: &str, severity: Severity, title: impl Into<ArcStr>) -> Self {
        Finding {
            id: id.to_string(),
            key: String::new(),
            severity,
            inhibitor: false,
            title: title.into(),
            summary: String::new(),
            location: Location::default(),
            related: Vec::new(),
            remediation: Remediation::default(),
            fix: FixInfo::none(),
            links: Vec::new(),
        }
    }

    /// Stable key from the check id and caller-chosen parts (never line numbers:
    /// an edit elsewhere in the file must not change the key).
    pub fn key_from(id: &str, parts: &[&str]) -> String {
        use sha1::{Digest, Sha1};
        let mut h = Sha1::new();
        h.update(b"postfix-preupgrade\0");
        h.update(id.as_bytes());
        for p in parts {
            h.update(b"\0");
            h.update(p.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Give back the spare capacity of every string and list of the finding. A check that
    /// reports thousands of findings (one per table on a big host) calls it on each: a
    /// list of one related file or link holds room for four, a formatted text some slack.
    pub fn shrink_to_fit(&mut self) {
        // (the shared texts are exactly as long as they are)
        for s in [&mut self.id, &mut self.key, &mut self.summary] {
            s.shrink_to_fit();
        }
        let l = &mut self.location;
        if let Some(s) = &mut l.file {
            s.shrink_to_fit();
        }
        self.related.shrink_to_fit();
        self.links.shrink_to_fit();
        self.remediation.commands.shrink_to_fit();
        for argv in &mut self.remediation.commands {
            argv.shrink_to_fit();
        }
    }

    /// Fill in the key from id, file, service, parameter and offending text, if unset.
    pub fn with_default_key(mut self) -> Self {
        if self.key.is_empty() {
            let l = &self.location;
            let parts = [
                l.file.as_deref().unwrap_or(""),
                l.service.as_deref().unwrap_or(""),
                l.parameter.as_deref().unwrap_or(""),
                l.text.as_deref().unwrap_or(""),
            ];
            self.key = Finding::key_from(&self.id, &parts);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_40_hex_and_stable_across_lines() {
        let mut a = Finding::new("berkeley-db-map", Severity::High, "t");
        a.location.file = Some("/etc/postfix/main.cf".into());
        a.location.parameter = Some("alias_maps".into());
        a.location.line = Some(3);
        let mut b = a.clone();
        b.location.line = Some(30);
        let (a, b) = (a.with_default_key(), b.with_default_key());
        assert_eq!(a.key.len(), 40);
        assert!(a.key.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.key, b.key);
        let mut c = Finding::new("nis-map", Severity::High, "t");
        c.location = a.location.clone();
        assert_ne!(c.with_default_key().key, a.key);
    }

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::High > Severity::Medium && Severity::Low > Severity::Info);
        assert_eq!("MEDIUM".parse::<Severity>().unwrap(), Severity::Medium);
        assert!("fatal".parse::<Severity>().is_err());
    }
}
