//! Transactions: backups, all-or-nothing apply, recovery after a kill, and `undo`.
//!
//! A transaction is a directory `/var/lib/postfix-preupgrade/backups/<id>/` under the root
//! (mode 0700) with a journal, `manifest.json`, and `files/`, a copy of every file the
//! transaction replaces or removes. For each file the journal records its system path, the
//! old version (sha256, size, owner, mode, xattrs, the copy) or that there was none, the new
//! version (what was written: sha256, size, metadata) or that it is removed, and the name of
//! the temporary file that holds the new version until it is renamed into place.
//!
//! States: `prepared` (copies and temporary files written, nothing live changed),
//! `applying` (renames under way), `committed`, `rolled-back`; a fix that `undo` reversed
//! is `undone`. The journal is written atomically and fsynced before each state change, so
//! after a kill the next `fix` or `undo` finds an unfinished transaction and reverses it
//! ([`recover`]): every file that holds its new version gets its old one back, every
//! temporary file is removed. Nothing half-applied is ever built upon.
//!
//! `undo` is a transaction too: its new versions are the fix's old ones. It refuses a file
//! that changed since the fix wrote it (unless forced, and then the current copy is saved
//! in the undo's own backup first), and it validates everything it reads from a manifest.
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use rustix::fs::FileType;
use serde::{Deserialize, Serialize};

use super::fsops::{self, Content, FileMeta};
use super::BACKUP_DIR;
use crate::error::Error;
use crate::root::{Dir, Root};

/// What a transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Fix,
    Undo,
}

/// Where a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Prepared,
    Applying,
    Committed,
    RolledBack,
    /// A committed fix that an `undo` transaction reversed.
    Undone,
}

/// One version of a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub sha256: String,
    pub size: u64,
    #[serde(flatten)]
    pub meta: FileMeta,
    /// SELinux label, for people reading the manifest.
    pub selinux: Option<String>,
    /// The copy in the backup (`files/N`), for old versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<String>,
}

/// One file of a transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// System path.
    pub path: PathBuf,
    /// A table output (not a config file).
    #[serde(default)]
    pub table: bool,
    /// What was there before (None: nothing).
    pub old: Option<Version>,
    /// What the transaction puts there (None: it removes the file).
    pub new: Option<Version>,
    /// The temporary file (in the same directory) that holds `new` until the rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temp: Option<String>,
}

/// The journal of one transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub id: String,
    pub kind: Kind,
    pub state: State,
    pub created_at: String,
    pub tool_version: String,
    /// For an undo: the transaction it reverses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// For an undone fix: the undo that reversed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<String>,
    /// One line per fix applied, for `undo` to say what it reverses.
    #[serde(default)]
    pub summary: Vec<String>,
    pub entries: Vec<Entry>,
}

/// A transaction being built or applied.
#[derive(Debug)]
pub struct Txn {
    pub m: Manifest,
    dir: Dir,
    files: Dir,
    /// Host-visible messages (xattrs that could not be set, ...).
    pub warnings: Vec<String>,
}

/// New content for [`Txn::stage_all`].
pub struct New<'a> {
    pub content: Content<'a>,
    pub meta: FileMeta,
}

/// One file for [`Txn::stage_all`].
pub struct Stage<'a> {
    /// System path.
    pub path: PathBuf,
    /// A table output (not a config file).
    pub table: bool,
    /// The sha256 the caller planned against (Some(None): the file must not exist); the
    /// file changed meanwhile otherwise, and nothing is staged.
    pub expect_old: Option<Option<String>>,
    /// What the file becomes (None: it is removed).
    pub new: Option<New<'a>>,
}

fn other(msg: String) -> Error {
    Error::Other(msg)
}

/// The system path's directory handle and final name; a link or a multiply-linked file at
/// the final name is refused.
fn output(root: &Root, path: &Path) -> Result<(Dir, OsString), Error> {
    let (dir, name) = root.parent_dir(path)?;
    dir.check_output(&name)?;
    Ok((dir, name))
}

/// sha256, size and metadata of the regular file `name` in `dir`, if there is one.
fn current(dir: &Dir, name: &OsStr) -> Result<Option<(String, u64, FileMeta)>, Error> {
    if dir.stat(name)?.is_none() {
        return Ok(None);
    }
    let f = dir.open_file(name)?;
    let meta = fsops::meta_of(&f, &dir.join(name))?;
    let (sha, size) = fsops::sha256_reader(&f, &dir.join(name))?;
    Ok(Some((sha, size, meta)))
}

/// Whether a system path from a manifest is plain: absolute, no `.` or `..`, not `/`.
fn plain_system_path(p: &Path) -> bool {
    p.is_absolute()
        && p.components().count() > 1
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

impl Txn {
    /// Start a transaction: a new backup directory with an empty `prepared` journal.
    pub fn begin(root: &Root, kind: Kind, summary: Vec<String>) -> Result<Txn, Error> {
        let base = fsops::create_private_dir(root, Path::new(BACKUP_DIR))?;
        let stamp: String = crate::report::time::rfc3339_utc(std::time::SystemTime::now(), false)
            .chars()
            .filter(|c| *c != '-' && *c != ':')
            .collect();
        let mut made = None;
        for n in 0..100 {
            let id = if n == 0 {
                stamp.clone()
            } else {
                format!("{stamp}-{n:02}")
            };
            match base.mkdir(&id, 0o700) {
                Ok(d) => {
                    made = Some((id, d));
                    break;
                }
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        let (id, dir) = made.ok_or_else(|| {
            other(format!(
                "{BACKUP_DIR}: cannot create a backup directory (100 names taken)"
            ))
        })?;
        let files = dir.mkdir("files", 0o700)?;
        let t = Txn {
            m: Manifest {
                id,
                kind,
                state: State::Prepared,
                created_at: crate::report::time::rfc3339_utc(std::time::SystemTime::now(), false),
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                undoes: None,
                undone_by: None,
                summary,
                entries: Vec::new(),
            },
            dir,
            files,
            warnings: Vec::new(),
        };
        t.save()?;
        base.sync()?;
        Ok(t)
    }

    pub fn id(&self) -> &str {
        &self.m.id
    }

    /// Write the journal atomically and durably.
    fn save(&self) -> Result<(), Error> {
        save_manifest(&self.dir, &self.m)
    }

    /// Add files to the transaction: save a copy of what is at each path now, then write
    /// each new version (None: the file is removed) to a temporary file beside it. Nothing
    /// live changes. The journal is written twice for the whole batch, not per file: once
    /// naming every temporary file before any exists (so a kill leaves nothing unaccounted
    /// for), once with what was written.
    pub fn stage_all(&mut self, root: &Root, items: Vec<Stage>) -> Result<(), Error> {
        let mut pending = Vec::new();
        for it in items {
            let (dir, name) = output(root, &it.path)?;
            let old = self.back_up(&dir, &name, &it.path)?;
            if let Some(want) = it.expect_old {
                if old.as_ref().map(|v| v.sha256.as_str()) != want.as_deref() {
                    return Err(other(format!(
                        "{} changed since the plan was made; nothing was changed (run fix again)",
                        it.path.display()
                    )));
                }
            }
            let temp = it.new.as_ref().map(|_| fsops::temp_name(&name));
            self.m.entries.push(Entry {
                path: it.path,
                table: it.table,
                old,
                new: None,
                temp: temp.as_ref().map(|t| t.to_string_lossy().into_owned()),
            });
            pending.push((self.m.entries.len() - 1, dir, temp, it.new));
        }
        self.save()?;
        for (i, dir, temp, new) in pending {
            if let (Some(temp), Some(n)) = (temp, new) {
                let (sha, size, w) = fsops::write_temp(&dir, &temp, &n.content, &n.meta)?;
                self.warnings.extend(w);
                self.m.entries[i].new = Some(Version {
                    sha256: sha,
                    size,
                    selinux: n.meta.selinux_label(),
                    meta: n.meta,
                    stored: None,
                });
            }
            dir.sync()?;
        }
        self.save()?;
        self.files.sync()
    }

    /// Copy what is at `name` into `files/N` (N: the entry's index), checking the copy is
    /// what was hashed. None when nothing is there.
    fn back_up(&self, dir: &Dir, name: &OsStr, path: &Path) -> Result<Option<Version>, Error> {
        let Some((sha, size, meta)) = current(dir, name)? else {
            return Ok(None);
        };
        let n = self.m.entries.len();
        let copy_name = OsString::from(n.to_string());
        let src = dir.open_file(name)?;
        let mut dst = self.files.create_new(&copy_name, 0o600)?;
        let shown = self.files.join(&copy_name);
        std::io::copy(&mut &src, &mut dst).map_err(|e| Error::Io {
            path: shown.clone(),
            source: e,
        })?;
        dst.sync_all().map_err(|e| Error::Io {
            path: shown.clone(),
            source: e,
        })?;
        let (csha, _) = fsops::sha256_reader(self.files.open_file(&copy_name)?, &shown)?;
        if csha != sha {
            return Err(other(format!(
                "{}: changed while it was being backed up; nothing was changed",
                path.display()
            )));
        }
        Ok(Some(Version {
            sha256: sha,
            size,
            selinux: meta.selinux_label(),
            meta,
            stored: Some(format!("files/{n}")),
        }))
    }

    /// Whether anything was staged.
    pub fn is_empty(&self) -> bool {
        self.m.entries.is_empty()
    }

    /// Apply every staged file: rename each temporary file into place (or remove the file),
    /// after checking once more that nothing at the path changed and that it is not a link.
    /// Any failure rolls back what was already applied and returns the error, with the
    /// backup id in it.
    pub fn commit(&mut self, root: &Root) -> Result<(), Error> {
        self.m.state = State::Applying;
        self.save()?;
        let res = self.apply_all(root);
        match res {
            Ok(()) => {
                self.m.state = State::Committed;
                self.save()
            }
            Err(e) => {
                let mut msg = format!("{e}");
                match rollback(root, &self.dir, &mut self.m) {
                    Ok(notes) => {
                        msg.push_str(&format!(
                            "; every file was put back as it was and every new table removed \
                             (backup {} in {BACKUP_DIR})",
                            self.m.id
                        ));
                        for n in notes {
                            msg.push_str(&format!("; {n}"));
                        }
                    }
                    Err(r) => msg.push_str(&format!(
                        "; rolling back failed too: {r}; `postfix-preupgrade undo {}` or the \
                         next fix finishes it",
                        self.m.id
                    )),
                }
                Err(other(msg))
            }
        }
    }

    fn apply_all(&mut self, root: &Root) -> Result<(), Error> {
        for e in &self.m.entries {
            let (dir, name) = output(root, &e.path)?;
            let now = current(&dir, &name)?.map(|c| c.0);
            if now.as_deref() != e.old.as_ref().map(|v| v.sha256.as_str()) {
                return Err(other(format!(
                    "{} changed while fix was running",
                    e.path.display()
                )));
            }
            match (&e.temp, &e.new) {
                (Some(t), Some(_)) => dir.rename(t, &name)?,
                _ => dir.remove(&name)?,
            }
            dir.sync()?;
        }
        Ok(())
    }

    /// Undo everything staged so far (before or during commit): the same as recovery.
    pub fn abort(&mut self, root: &Root) -> Result<Vec<String>, Error> {
        rollback(root, &self.dir, &mut self.m)
    }
}

/// Write a manifest atomically (temp + rename in the backup directory) and durably.
fn save_manifest(dir: &Dir, m: &Manifest) -> Result<(), Error> {
    let json = serde_json::to_vec_pretty(m)
        .map_err(|e| other(format!("{}: {e}", dir.join("manifest.json").display())))?;
    let name = OsStr::new("manifest.json");
    let temp = fsops::temp_name(name);
    let meta = FileMeta {
        uid: rustix::process::geteuid().as_raw(),
        gid: rustix::process::getegid().as_raw(),
        mode: 0o600,
        xattrs: Vec::new(),
    };
    fsops::write_temp(dir, &temp, &Content::Bytes(&json), &meta)?;
    dir.rename(&temp, name)?;
    dir.sync()
}

/// Put back the old version of every file of `m` that holds its new version, remove
/// every temporary file, and mark the journal rolled back. Safe to run again after a kill.
/// Returns notes about files that hold neither version (left as they are).
fn rollback(root: &Root, dir: &Dir, m: &mut Manifest) -> Result<Vec<String>, Error> {
    let files = dir.subdir("files")?;
    let mut notes = Vec::new();
    for e in m.entries.iter().rev() {
        let (pdir, name) = match root.parent_dir(&e.path) {
            Ok(x) => x,
            Err(_) => continue,
        };
        if let Some(t) = &e.temp {
            let t = OsString::from(t);
            if fsops::is_temp_of(&t, &name) {
                pdir.remove(&t)?;
            }
        }
        pdir.check_output(&name)?;
        let now = current(&pdir, &name)?.map(|c| c.0);
        let old_sha = e.old.as_ref().map(|v| v.sha256.clone());
        let new_sha = e.new.as_ref().map(|v| v.sha256.clone());
        if now == old_sha {
            continue;
        }
        if now != new_sha {
            notes.push(format!(
                "{} holds neither the old nor the new version (changed by someone else); \
                 left as it is",
                e.path.display()
            ));
            continue;
        }
        restore_version(&pdir, &name, &files, e.old.as_ref(), &e.path)?;
    }
    m.state = State::RolledBack;
    save_manifest(dir, m)?;
    Ok(notes)
}

/// Make `name` in `pdir` hold `v` (from the backup copy), or remove it when `v` is None.
fn restore_version(
    pdir: &Dir,
    name: &OsStr,
    files: &Dir,
    v: Option<&Version>,
    shown: &Path,
) -> Result<(), Error> {
    let Some(v) = v else {
        pdir.remove(name)?;
        return pdir.sync();
    };
    let bytes = read_copy(files, v, shown)?;
    let temp = fsops::temp_name(name);
    fsops::write_temp(pdir, &temp, &Content::Bytes(&bytes), &v.meta)?;
    pdir.rename(&temp, name)?;
    pdir.sync()
}

/// Read a backup copy, checking everything the manifest says about it: a plain name under
/// `files/`, a regular file (no link), the recorded size and sha256.
fn read_copy(files: &Dir, v: &Version, shown: &Path) -> Result<Vec<u8>, Error> {
    let stored = v
        .stored
        .as_deref()
        .ok_or_else(|| other(format!("{}: the backup has no copy", shown.display())))?;
    let n = stored
        .strip_prefix("files/")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            other(format!(
                "{}: the backup names its copy {stored:?}, not files/N; refusing it",
                shown.display()
            ))
        })?;
    let st = files
        .stat(n)?
        .ok_or_else(|| other(format!("{}: the copy {stored} is missing", shown.display())))?;
    if st.file_type != FileType::RegularFile || st.size != v.size {
        return Err(other(format!(
            "{}: the copy {stored} is {} of {} bytes, the manifest says a regular file of {}; \
             refusing it",
            shown.display(),
            crate::root::type_name(st.file_type),
            st.size,
            v.size
        )));
    }
    let bytes = crate::root::read_bounded(files.open_file(n)?, &files.join(n))?;
    if fsops::sha256(&bytes) != v.sha256 || bytes.len() as u64 != v.size {
        return Err(other(format!(
            "{}: the saved copy {stored} does not match its sha256; nothing restored",
            shown.display()
        )));
    }
    Ok(bytes)
}

/// A transaction's id and its manifest, or why the manifest is unreadable.
type Listed = (String, Result<Manifest, String>);

/// Every transaction under the root, oldest first.
fn all(root: &Root) -> Result<Vec<Listed>, Error> {
    let base = match root.open_dir(BACKUP_DIR) {
        Ok(d) => d,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for (name, t) in base.entries()? {
        if t != FileType::Directory {
            continue;
        }
        let id = name.to_string_lossy().into_owned();
        let m = base
            .subdir(&name)
            .and_then(|d| d.read("manifest.json"))
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).map_err(|e| e.to_string()));
        out.push((id, m));
    }
    Ok(out)
}

/// The ids of transactions a killed run left unfinished (read only).
pub fn unfinished(root: &Root) -> Result<Vec<String>, Error> {
    Ok(all(root)?
        .into_iter()
        .filter(|(_, m)| {
            m.as_ref()
                .is_ok_and(|m| matches!(m.state, State::Prepared | State::Applying))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Reverse every transaction a killed run left unfinished. Returns one line per
/// transaction reversed.
pub fn recover(root: &Root) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for (id, m) in all(root)? {
        let Ok(mut m) = m else { continue };
        if !matches!(m.state, State::Prepared | State::Applying) {
            continue;
        }
        let dir = root.open_dir(Path::new(BACKUP_DIR).join(&id))?;
        validate(&m, &id)?;
        let notes = rollback(root, &dir, &mut m)?;
        let mut line = format!(
            "rolled back the interrupted {} {id}: every file it had changed holds its old \
             version again",
            if m.kind == Kind::Fix { "fix" } else { "undo" }
        );
        for n in notes {
            line.push_str(&format!("; {n}"));
        }
        out.push(line);
    }
    Ok(out)
}

/// Check what a manifest says before acting on it.
fn validate(m: &Manifest, id: &str) -> Result<(), Error> {
    let bad = |what: String| other(format!("backup {id}: {what}; refusing it"));
    if m.id != id {
        return Err(bad(format!("its manifest calls it {:?}", m.id)));
    }
    for e in &m.entries {
        if !plain_system_path(&e.path) {
            return Err(bad(format!(
                "path {:?} is not a plain absolute path",
                e.path
            )));
        }
        for v in e.old.iter().chain(e.new.iter()) {
            if let Some(r) = v.meta.unsafe_reason() {
                return Err(bad(format!("{}: {r}", e.path.display())));
            }
        }
        if e.old.as_ref().is_some_and(|v| v.stored.is_none()) {
            return Err(bad(format!(
                "{}: no copy of the old version",
                e.path.display()
            )));
        }
        if let (Some(t), Some(name)) = (&e.temp, e.path.file_name()) {
            if !fsops::is_temp_of(OsStr::new(t), name) {
                return Err(bad(format!("temporary name {t:?} is not one of ours")));
            }
        }
    }
    Ok(())
}

/// What `undo` did.
#[derive(Debug, Default)]
pub struct UndoReport {
    pub text: String,
    /// Files refused because they changed since the fix (undo changed nothing then).
    pub conflicts: Vec<PathBuf>,
}

/// Reverse fix `id` (default: the latest committed fix). A file that changed since the fix
/// wrote it is refused (nothing is changed) unless `force`; then its current version is
/// saved in the undo's own backup, which `undo UNDO-ID` reverses in turn.
pub fn undo(root: &Root, id: Option<&str>, force: bool) -> Result<UndoReport, Error> {
    let txns = all(root)?;
    let eligible = |m: &Manifest| m.state == State::Committed && !m.entries.is_empty();
    let (id, m) = match id {
        Some(i) => {
            let found = txns.iter().find(|(x, _)| x == i);
            match found {
                Some((_, Ok(m))) if eligible(m) => (i.to_string(), m.clone()),
                Some((_, Ok(m))) => {
                    return Err(Error::Usage(format!(
                        "backup {i} cannot be undone: it is {}",
                        match m.state {
                            State::Undone => format!(
                                "already undone (by {})",
                                m.undone_by.as_deref().unwrap_or("an undo")
                            ),
                            State::RolledBack => "a fix that was rolled back".into(),
                            _ => "unfinished".into(),
                        }
                    )))
                }
                Some((_, Err(e))) => {
                    return Err(other(format!("backup {i}: unreadable manifest: {e}")))
                }
                None => {
                    let ids: Vec<&str> = txns.iter().map(|(x, _)| x.as_str()).collect();
                    return Err(Error::Usage(format!(
                        "no backup {i:?} under {BACKUP_DIR} (backups: {})",
                        if ids.is_empty() {
                            "none".to_string()
                        } else {
                            ids.join(", ")
                        }
                    )));
                }
            }
        }
        None => txns
            .iter()
            .rev()
            .find_map(|(i, m)| match m {
                Ok(m) if eligible(m) && m.kind == Kind::Fix => Some((i.clone(), m.clone())),
                _ => None,
            })
            .ok_or_else(|| Error::Usage(format!("no backup to undo under {BACKUP_DIR}")))?,
    };
    validate(&m, &id)?;
    let src_dir = root.open_dir(Path::new(BACKUP_DIR).join(&id))?;
    let src_files = src_dir.subdir("files")?;

    // Every copy is checked, and every file compared with what the fix wrote, before
    // anything is changed.
    let mut report = UndoReport::default();
    let mut plan: Vec<(&Entry, Option<Vec<u8>>)> = Vec::new();
    for e in &m.entries {
        let bytes = match &e.old {
            Some(v) => Some(read_copy(&src_files, v, &e.path)?),
            None => None,
        };
        let (pdir, name) = output(root, &e.path)?;
        let now = current(&pdir, &name)?;
        let wrote = e.new.as_ref().map(|v| (&v.sha256, v.size, &v.meta));
        let same = match (&now, wrote) {
            (None, None) => true,
            (Some((s, n, meta)), Some((ws, wn, wm))) => {
                s == ws && *n == wn && meta.uid == wm.uid && meta.gid == wm.gid
            }
            _ => false,
        };
        if !same {
            report.conflicts.push(e.path.clone());
        }
        plan.push((e, bytes));
    }
    if !report.conflicts.is_empty() && !force {
        report.text = format!(
            "Not undoing {id}: these files changed after the fix wrote them, and undo would \
             lose those changes:\n{}\nNothing was changed. Look at them, then run \
             `postfix-preupgrade undo --force {id}` to restore anyway (the current versions \
             are saved first, and can be brought back with undo).\n",
            report
                .conflicts
                .iter()
                .map(|p| format!("  {}", p.display()))
                .collect::<Vec<_>>()
                .join("\n")
        );
        return Ok(report);
    }

    let summary = vec![format!("undo of {id}")];
    let mut t = Txn::begin(root, Kind::Undo, summary)?;
    t.m.undoes = Some(id.clone());
    let items: Vec<Stage> = plan
        .iter()
        .map(|(e, bytes)| Stage {
            path: e.path.clone(),
            table: e.table,
            // unless forced, the file must still be what the fix wrote: a change between
            // the check above and this copy is refused too
            expect_old: (!force).then(|| e.new.as_ref().map(|v| v.sha256.clone())),
            new: match (&e.old, bytes) {
                (Some(v), Some(b)) => Some(New {
                    content: Content::Bytes(b),
                    meta: v.meta.clone(),
                }),
                _ => None,
            },
        })
        .collect();
    let staged = t.stage_all(root, items);
    if let Err(e) = staged {
        let _ = t.abort(root);
        return Err(e);
    }
    t.commit(root)?;
    // mark the fix undone (after the undo committed: a kill in between leaves a committed
    // undo and a committed fix; undoing the fix again is then refused file by file)
    let mut done = m.clone();
    done.state = State::Undone;
    done.undone_by = Some(t.m.id.clone());
    save_manifest(&src_dir, &done)?;

    let mut text = String::new();
    for w in &t.warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    let mut restored = 0;
    for e in &m.entries {
        match (&e.old, &e.new) {
            (Some(_), _) => {
                restored += 1;
                text.push_str(&format!("restored {}\n", e.path.display()));
            }
            (None, Some(_)) => text.push_str(&format!(
                "removed {} (created by the fix)\n",
                e.path.display()
            )),
            (None, None) => {}
        }
    }
    if !report.conflicts.is_empty() {
        text.push_str(&format!(
            "The versions of {} changed after the fix were saved in backup {}; \
             `postfix-preupgrade undo {}` brings them back.\n",
            report
                .conflicts
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            t.m.id,
            t.m.id
        ));
    }
    text.push_str(&format!(
        "Backup {id}: {restored} file(s) restored byte for byte with owner, mode and labels \
         (undo recorded as {}).\n",
        t.m.id
    ));
    // under --root the files are an image's, not the running system's
    if restored > 0 && root.is_host() {
        text.push_str("Run `postfix reload` for Postfix to use the restored configuration.\n");
    }
    report.text = text;
    report.conflicts.clear();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_only() {
        assert!(plain_system_path(Path::new("/etc/postfix/main.cf")));
        assert!(!plain_system_path(Path::new("etc/postfix/main.cf")));
        assert!(!plain_system_path(Path::new("/etc/../shadow")));
        assert!(!plain_system_path(Path::new("/")));
    }
}
