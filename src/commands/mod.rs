//! One module per command: each takes plain request values (never the command line's
//! types: [`crate::cli`] parses and maps), does the command's work through the layers
//! below, and returns the exit code ([`crate::policy::exit`]).
//!
//! `check` and `verify` share [`check::run_report`]; `fix` and `undo` keep their flow in
//! [`crate::fix`], which the modules here only call.
pub mod aggregate;
pub mod check;
pub mod checks;
pub mod explain;
pub mod facts;
pub mod fix;
pub mod show;
pub mod undo;
pub mod verify;

use crate::report::ColorWhen;

/// How a command talks to whoever runs it: the global options that are not facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    /// When to colour the text report.
    pub color: ColorWhen,
    /// Less on stderr (`-q`).
    pub quiet: bool,
    /// More detail (`-v`, counted).
    pub verbose: u8,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            color: ColorWhen::Auto,
            quiet: false,
            verbose: 0,
        }
    }
}
