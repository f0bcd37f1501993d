//! postfix-preupgrade: find and fix what breaks in Postfix across RHEL in-place upgrades.
//!
//! Architecture: facts → checks → findings → renderers. Fixes are edits on the lossless
//! config model in [`config`].
//!
//! Imports run one way. The modules form layers, top to bottom; a module uses only
//! modules of the layers below its own, never one above it nor a neighbour in its own
//! layer (`tests/layering.rs` holds the same list and fails on any import against it):
//!
//! 1. `cli`: parses the command line and maps it to the requests below;
//! 2. `commands`: one module per command, each doing its command's work;
//! 3. `fix`, `verify`, `aggregate`: remediation, the post-upgrade checks, the fleet view;
//! 4. `report`: the renderers, the formats and the shared output helpers (escaping,
//!    shell quoting, time stamps, the atomic `--output` writer), which `fix` and
//!    `aggregate` use too; no renderer decides anything;
//! 5. `engine`: runs the checks and applies the policy to their findings;
//! 6. `policy`: what inhibits, which checks run, the exit codes;
//! 7. `checks`: the registry of checks, each a function of the facts;
//! 8. `facts`: what is collected about the system, from a `facts::Request`;
//! 9. `finding`, `config`, `root`: findings as data, the lossless config model, file
//!    access under `--root`;
//! 10. `error`: the library's error type.

pub mod aggregate;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod facts;
pub mod finding;
pub mod fix;
pub mod policy;
pub mod report;
pub mod root;
pub mod verify;
