//! Lossless, Postfix-exact model of main.cf and master.cf.
//!
//! * [`MainCf::parse`] / [`MasterCf::parse`] accept any bytes and never fail;
//!   `to_bytes()` gives the input back byte for byte. Problems are
//!   [`Diagnostic`]s with postconf's wording and (first physical) line numbers.
//! * Logical lines follow Postfix's `readllines()`: an indented line continues the entry
//!   above, comment and blank lines inside an entry are skipped without ending it, an
//!   indented line with no entry above is skipped with a warning, there are no
//!   end-of-line comments, and text stops at a NUL byte.
//! * Values are `String`s, and master.cf fields and `-o` values inline `CompactString`s
//!   (lossy where the file is not UTF-8); storage stays bytes.
//! * [`Expander`] / [`expand`] implement `$name` expansion; [`map_refs`] finds every
//!   lookup table; [`show_main`] / [`show_master`] print `postconf -n` / `-M`.
//! * Edits (`set`, `remove`, `comment_out`, `replace_at`, `add_entry`, `replace_entry`,
//!   `rename_entry`, `remove_entry`, `set_override`, `remove_override`) change only the
//!   lines concerned and return [`EditError`] when the target does not exist.
//!
//! ```
//! use postfix_preupgrade::config::{map_refs, show_master, MainCf, MasterCf};
//!
//! let mut main = MainCf::parse(b"db = hash\nalias_maps = $db:/etc/aliases\n");
//! let mut master = MasterCf::parse(b"smtps     inet  n       -       n       -       -       smtpd\n  -o smtpd_tls_wrappermode=yes\n");
//! // every table, with where its type is written
//! let refs = map_refs(&main, Some(&master), &|_| None);
//! let t = refs[0].type_at.clone().unwrap();
//! assert_eq!((refs[0].map_type, t.line, t.column), ("hash", 1, 5));
//! main.replace_at(t.line, t.column, &t.text, "lmdb").unwrap();
//! assert_eq!(main.to_bytes(), b"db = lmdb\nalias_maps = $db:/etc/aliases\n");
//! // rename smtps to submissions, keeping the columns
//! master.rename_entry("smtps/inet", "submissions").unwrap();
//! assert_eq!(show_master(&master),
//!     "submissions inet n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes\n");
//! ```

mod expand;
mod lines;
mod main_cf;
mod maps;
mod master_cf;
pub mod show;

pub use expand::{expand, Expander, Expansion};
pub use lines::written_lines;
pub use main_cf::{MainCf, Param, TextEdit};
pub use maps::{
    known_map_type, map_refs, takes_tables, ArcStr, ConfigFile, MapRef, SharedTexts, Span, Substr,
    Via, CACHE_PARAMETERS, MAP_TYPES,
};
pub use master_cf::{MasterCf, Override, Service, SERVICE_TYPES};
pub use show::{show_main, show_master};

/// How bad a [`Diagnostic`] is: `Fatal` is what makes postconf/master stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fatal,
    Warning,
}

/// Which Postfix program rejects or warns about a [`Diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reporter {
    /// `postconf` reports it (and, when fatal, refuses the file: `show` does the same).
    Postconf,
    /// Only master(8) rejects it at start-up; `postconf` accepts the file.
    Master,
}

/// A problem in a file, at the physical lines where Postfix reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// First physical line of the logical line (the line postconf names), 1-based.
    pub line: usize,
    /// Last physical line of the logical line.
    pub end_line: usize,
    pub severity: Severity,
    /// Postfix's message, without the file and line prefix.
    pub message: String,
    /// Which program reports it.
    pub reporter: Reporter,
}

/// Why an edit was refused. The document is unchanged when an edit fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no parameter {0:?} in main.cf")]
    NoSuchParameter(String),
    #[error("no master.cf entry {0:?}")]
    NoSuchService(String),
    #[error("master.cf entry {0:?} has no -o {1}")]
    NoSuchOverride(String, String),
    #[error("line {line}, column {column}: {expected:?} is not written there")]
    NoSuchText {
        line: usize,
        column: usize,
        expected: String,
    },
    #[error("invalid name {0:?}")]
    InvalidName(String),
    #[error("invalid value {0:?} (newline, NUL or brace)")]
    InvalidValue(String),
    #[error("invalid master.cf entry {0}")]
    InvalidEntry(String),
}
