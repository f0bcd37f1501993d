//! `undo`: restore the files of a backup ([`crate::fix::run_undo`]).
use std::path::Path;

/// `undo [BACKUP_ID] [--force]` on the system under `root` (default: the latest backup).
pub fn run(root: &Path, backup_id: Option<&str>, force: bool) -> anyhow::Result<u8> {
    crate::fix::run_undo(root, backup_id, force)
}
