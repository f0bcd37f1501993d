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
//! 3. `fix`, `aggregate`: remediation (which, after the upgrade, judges by `verify`'s
//!    checks and shares its three-way `.rpmnew` comparison), the fleet view;
//! 4. `verify`: the post-upgrade checks;
//! 5. `report`: the renderers, the formats and the shared output helpers (escaping,
//!    shell quoting, time stamps, the atomic `--output` writer), which `fix` and
//!    `aggregate` use too; no renderer decides anything;
//! 6. `engine`: runs the checks and applies the policy to their findings;
//! 7. `policy`: what inhibits, which checks run, the exit codes;
//! 8. `checks`: the registry of checks, each a function of the facts;
//! 9. `facts`: what is collected about the system, from a `facts::Request`;
//! 10. `finding`, `config`, `root`: findings as data, the lossless config model, file
//!     access under `--root`;
//! 11. `error`: the library's error type.

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
