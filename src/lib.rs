//! postfix-preupgrade: find and fix what breaks in Postfix across RHEL in-place upgrades.
//!
//! Architecture: facts → checks → findings → renderers. Fixes are edits on the lossless
//! config model in [`config`].

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
