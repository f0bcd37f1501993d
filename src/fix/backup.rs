//! Backups and `undo`.
//!
//! A backup is a directory `/var/lib/postfix-preupgrade/backups/<id>/` under the root
//! (directories mode 0700) holding a copy of every file `fix` is about to change and a
//! JSON manifest: each file's system path, sha256, owner, mode, SELinux label and every
//! extended attribute, plus the files `fix` creates (the built `.lmdb` tables). The
//! manifest is written atomically after the copies, so a backup without one is
//! incomplete and ignored. `undo` restores each file byte for byte with its metadata
//! (atomically) and removes the files the fix created.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fsops::{self, FileMeta};
use super::plan::Plan;
use super::BACKUP_DIR;
use crate::error::Error;
use crate::root::Root;

/// One saved file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// System path (as Postfix sees it).
    pub path: PathBuf,
    /// The copy, relative to the backup directory.
    pub stored: String,
    pub sha256: String,
    /// SELinux label (`security.selinux`), when the file has one.
    pub selinux: Option<String>,
    #[serde(flatten)]
    pub meta: FileMeta,
    /// A table output that existed before and was rebuilt (not a config file).
    #[serde(default)]
    pub table: bool,
}

/// A file the fix created (undo removes it if it still holds what the fix wrote).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    pub path: PathBuf,
    pub sha256: Option<String>,
}

/// The manifest of one backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub id: String,
    pub created_at: String,
    pub tool_version: String,
    pub files: Vec<Entry>,
    #[serde(default)]
    pub created: Vec<Created>,
}

/// A backup being made by `fix`.
#[derive(Debug)]
pub struct Backup {
    pub id: String,
    /// Host path of the backup directory.
    pub dir: PathBuf,
    pub manifest: Manifest,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Read a file of the root (not following a symlink out of it) with its metadata.
fn read_with_meta(root: &Root, system: &Path) -> Result<(Vec<u8>, FileMeta), Error> {
    use std::io::Read;
    let host = root.resolve(system)?;
    let mut f = std::fs::File::open(&host).map_err(|e| io(system, e))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| io(system, e))?;
    let meta = fsops::meta_of(&f, system)?;
    Ok((bytes, meta))
}

impl Backup {
    /// Save every file the plan changes, and every table output it will overwrite.
    pub fn create(root: &Root, plan: &Plan) -> Result<Backup, Error> {
        let base = root.resolve(BACKUP_DIR)?;
        fsops::create_private_dir(&base)?;
        let stamp: String = crate::report::time::rfc3339_utc(std::time::SystemTime::now(), false)
            .chars()
            .filter(|c| *c != '-' && *c != ':')
            .collect();
        let (id, dir) = (0..100)
            .map(|n| {
                let id = if n == 0 {
                    stamp.clone()
                } else {
                    format!("{stamp}-{n:02}")
                };
                let dir = base.join(&id);
                (id, dir)
            })
            .find(|(_, d)| {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().mode(0o700).create(d).is_ok()
            })
            .ok_or_else(|| {
                Error::Other(format!(
                    "{}: cannot create a backup directory",
                    base.display()
                ))
            })?;
        let files_dir = dir.join("files");
        fsops::create_private_dir(&files_dir)?;
        let mut manifest = Manifest {
            id: id.clone(),
            created_at: crate::report::time::rfc3339_utc(std::time::SystemTime::now(), false),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            files: Vec::new(),
            created: Vec::new(),
        };
        let mut paths: Vec<(PathBuf, bool)> = plan
            .changes
            .iter()
            .map(|c| (c.path.clone(), false))
            .collect();
        for r in &plan.rebuilds {
            let out = r.output();
            if root.resolve(&out).map(|p| p.is_file()).unwrap_or(false) {
                paths.push((out, true));
            }
        }
        for (i, (path, table)) in paths.into_iter().enumerate() {
            let (bytes, meta) = read_with_meta(root, &path)?;
            let stored = format!("files/{i}");
            fsops::write_new(&dir.join(&stored), &bytes)?;
            manifest.files.push(Entry {
                path,
                stored,
                sha256: fsops::sha256(&bytes),
                selinux: meta.selinux_label(),
                meta,
                table,
            });
        }
        fsops::sync_dir(&files_dir)?;
        let b = Backup { id, dir, manifest };
        b.save()?;
        Ok(b)
    }

    /// Write the manifest atomically.
    fn save(&self) -> Result<(), Error> {
        let path = self.dir.join("manifest.json");
        let json = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        use std::os::unix::fs::MetadataExt;
        let d = std::fs::metadata(&self.dir).map_err(|e| io(&self.dir, e))?;
        let meta = FileMeta {
            uid: d.uid(),
            gid: d.gid(),
            mode: 0o600,
            xattrs: Vec::new(),
        };
        fsops::replace_atomic(&path, &json, &meta)?;
        Ok(())
    }

    /// The saved metadata of a file of the backup.
    pub fn meta_of(&self, path: &Path) -> Option<&FileMeta> {
        self.manifest
            .files
            .iter()
            .find(|e| e.path == path)
            .map(|e| &e.meta)
    }

    /// Record, before a tool writes it, a file the fix is about to create.
    pub fn note_created(&mut self, _root: &Root, path: &Path) -> Result<(), Error> {
        if self.manifest.files.iter().any(|e| e.path == path)
            || self.manifest.created.iter().any(|c| c.path == path)
        {
            return Ok(());
        }
        self.manifest.created.push(Created {
            path: path.to_path_buf(),
            sha256: None,
        });
        self.save()
    }

    /// Record what a created file holds once it is written.
    pub fn record_created(&mut self, root: &Root, path: &Path) -> Result<(), Error> {
        let Some(i) = self.manifest.created.iter().position(|c| c.path == path) else {
            return Ok(());
        };
        let bytes = root.read(path)?;
        self.manifest.created[i].sha256 = Some(fsops::sha256(&bytes));
        self.save()
    }

    /// Undo the table builds: remove created files, restore overwritten table outputs.
    pub fn rollback_created(&mut self, root: &Root) -> Result<(), Error> {
        for c in std::mem::take(&mut self.manifest.created) {
            let host = root.resolve(&c.path)?;
            if host.is_file() {
                std::fs::remove_file(&host).map_err(|e| io(&c.path, e))?;
            }
        }
        for e in self.manifest.files.iter().filter(|e| e.table) {
            let bytes = std::fs::read(self.dir.join(&e.stored)).map_err(|x| io(&e.path, x))?;
            fsops::replace_atomic(&root.resolve(&e.path)?, &bytes, &e.meta)?;
        }
        self.save()
    }
}

/// Complete backups (with a manifest) under the root, oldest first.
pub fn list(root: &Root) -> Result<Vec<String>, Error> {
    let base = root.resolve(BACKUP_DIR)?;
    let rd = match std::fs::read_dir(&base) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(Path::new(BACKUP_DIR), e)),
    };
    let mut ids: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("manifest.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    Ok(ids)
}

/// Restore backup `id` (default: the latest). Returns the report text.
pub fn restore(root: &Root, id: Option<&str>) -> Result<String, Error> {
    let ids = list(root)?;
    let id = match id {
        Some(i) => {
            if i.contains('/') || !ids.iter().any(|x| x == i) {
                return Err(Error::Usage(format!(
                    "no backup {i:?} under {BACKUP_DIR} (backups: {})",
                    if ids.is_empty() {
                        "none".to_string()
                    } else {
                        ids.join(", ")
                    }
                )));
            }
            i.to_string()
        }
        None => ids
            .last()
            .cloned()
            .ok_or_else(|| Error::Usage(format!("no backup to undo under {BACKUP_DIR}")))?,
    };
    let dir = root.resolve(Path::new(BACKUP_DIR).join(&id))?;
    let mpath = dir.join("manifest.json");
    let text = std::fs::read(&mpath).map_err(|e| io(&mpath, e))?;
    let m: Manifest = serde_json::from_slice(&text)
        .map_err(|e| Error::Other(format!("{}: bad manifest: {e}", mpath.display())))?;
    let mut report = String::new();
    // check every copy first: restore nothing from a damaged backup
    let mut copies = Vec::new();
    for e in &m.files {
        let p = dir.join(&e.stored);
        let bytes = std::fs::read(&p).map_err(|x| io(&p, x))?;
        if fsops::sha256(&bytes) != e.sha256 {
            return Err(Error::Other(format!(
                "{}: the saved copy of {} does not match its sha256; nothing restored",
                p.display(),
                e.path.display()
            )));
        }
        copies.push(bytes);
    }
    let mut restored = 0;
    for (e, bytes) in m.files.iter().zip(copies) {
        let host = root.resolve(&e.path)?;
        let same = match std::fs::File::open(&host) {
            Ok(f) => {
                let cur = std::fs::read(&host).map_err(|x| io(&e.path, x))?;
                cur == bytes && fsops::meta_of(&f, &e.path)? == e.meta
            }
            Err(_) => false,
        };
        if same {
            continue;
        }
        for w in fsops::replace_atomic(&host, &bytes, &e.meta)? {
            report.push_str(&format!("warning: {w}\n"));
        }
        restored += 1;
        report.push_str(&format!("restored {}\n", e.path.display()));
    }
    for c in &m.created {
        let host = root.resolve(&c.path)?;
        if !host.is_file() {
            continue;
        }
        let bytes = std::fs::read(&host).map_err(|x| io(&c.path, x))?;
        if c.sha256
            .as_deref()
            .is_none_or(|s| s == fsops::sha256(&bytes))
        {
            std::fs::remove_file(&host).map_err(|x| io(&c.path, x))?;
            report.push_str(&format!(
                "removed {} (created by the fix)\n",
                c.path.display()
            ));
        } else {
            report.push_str(&format!(
                "kept {}: it changed since the fix created it\n",
                c.path.display()
            ));
        }
    }
    report.push_str(&format!(
        "Backup {id}: {restored} file(s) restored byte for byte with owner, mode and labels.\n"
    ));
    if restored > 0 {
        report.push_str("Run `postfix reload` for Postfix to use the restored configuration.\n");
    }
    Ok(report)
}
