//! File operations `fix` and `undo` rely on: metadata capture (owner, mode, xattrs
//! including the SELinux label), atomic replacement that keeps that metadata, and the
//! lock that stops two runs at once.
//!
//! Atomic replacement: the new bytes go to a temporary file in the same directory, which
//! gets the old file's owner, mode and extended attributes, is fsynced, renamed over the
//! old one, and the directory is fsynced. A reader (or a crash) sees the old file or the
//! new one, never a mix.
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::XattrFlags;

use crate::error::Error;

/// The extended attribute SELinux keeps a file's label in.
pub const SELINUX_XATTR: &str = "security.selinux";

/// Owner, mode and extended attributes of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileMeta {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Every extended attribute: (name, value as lowercase hex).
    pub xattrs: Vec<(String, String)>,
}

impl FileMeta {
    /// The SELinux label, if the file has one (without the trailing NUL).
    pub fn selinux_label(&self) -> Option<String> {
        let (_, hex) = self.xattrs.iter().find(|(n, _)| n == SELINUX_XATTR)?;
        let bytes = from_hex(hex)?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
    }
}

fn io_err(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn rx(path: &Path, e: rustix::io::Errno) -> Error {
    io_err(path, io::Error::from(e))
}

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of a lowercase or uppercase hex string (None when it is not hex).
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// sha256 of bytes, lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    to_hex(&Sha256::digest(bytes))
}

/// Read the metadata of an open file.
pub fn meta_of(file: &File, path: &Path) -> Result<FileMeta, Error> {
    let m = file.metadata().map_err(|e| io_err(path, e))?;
    Ok(FileMeta {
        uid: m.uid(),
        gid: m.gid(),
        mode: m.mode() & 0o7777,
        xattrs: read_xattrs(file, path)?,
    })
}

/// Every extended attribute of an open file. A file system without xattr support has none.
fn read_xattrs(file: &File, path: &Path) -> Result<Vec<(String, String)>, Error> {
    let len = match rustix::fs::flistxattr_query(file) {
        Ok(n) => n,
        Err(e) if e == rustix::io::Errno::OPNOTSUPP || e == rustix::io::Errno::NOSYS => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(rx(path, e)),
    };
    if len == 0 {
        return Ok(Vec::new());
    }
    let mut buf = vec![0u8; len];
    let n = rustix::fs::flistxattr(file, &mut buf[..]).map_err(|e| rx(path, e))?;
    let mut out = Vec::new();
    for name in buf[..n].split(|&b| b == 0).filter(|s| !s.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let vlen = rustix::fs::fgetxattr_query(file, name.as_str()).map_err(|e| rx(path, e))?;
        let mut v = vec![0u8; vlen];
        let got = if vlen == 0 {
            0
        } else {
            rustix::fs::fgetxattr(file, name.as_str(), &mut v[..]).map_err(|e| rx(path, e))?
        };
        out.push((name, to_hex(&v[..got])));
    }
    out.sort();
    Ok(out)
}

/// Give an open file the owner, mode and xattrs of `meta`. Owner changes need root; they
/// are only attempted when they differ. An xattr the kernel refuses to set (for example
/// `security.selinux` on a system without SELinux) is returned as a warning.
fn apply_meta(file: &File, path: &Path, meta: &FileMeta) -> Result<Vec<String>, Error> {
    let cur = file.metadata().map_err(|e| io_err(path, e))?;
    if cur.uid() != meta.uid || cur.gid() != meta.gid {
        std::os::unix::fs::fchown(file, Some(meta.uid), Some(meta.gid))
            .map_err(|e| io_err(path, e))?;
    }
    file.set_permissions(std::fs::Permissions::from_mode(meta.mode))
        .map_err(|e| io_err(path, e))?;
    let mut warnings = Vec::new();
    for (name, hex) in &meta.xattrs {
        let Some(value) = from_hex(hex) else {
            warnings.push(format!(
                "{}: xattr {name}: bad value in manifest",
                path.display()
            ));
            continue;
        };
        if let Err(e) = rustix::fs::fsetxattr(file, name.as_str(), &value, XattrFlags::empty()) {
            warnings.push(format!(
                "{}: could not set xattr {name}: {}",
                path.display(),
                io::Error::from(e)
            ));
        }
    }
    Ok(warnings)
}

/// Replace `path` (a host path) atomically with `bytes`, giving the new file `meta`.
/// Returns warnings (xattrs that could not be set).
pub fn replace_atomic(path: &Path, bytes: &[u8], meta: &FileMeta) -> Result<Vec<String>, Error> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Other(format!("{}: no parent directory", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(dir, &name)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_err(path, e))?;
    tmp.write_all(bytes).map_err(|e| io_err(path, e))?;
    let warnings = apply_meta(tmp.as_file(), path, meta)?;
    tmp.as_file().sync_all().map_err(|e| io_err(path, e))?;
    tmp.persist(path).map_err(|e| io_err(path, e.error))?;
    sync_dir(dir)?;
    Ok(warnings)
}

/// Remove temporary files a killed run left next to `name` (`.NAME.XXXXXX.tmp`). Only
/// called under the lock, so no other run is writing them.
fn remove_stale_temps(dir: &Path, name: &str) -> Result<(), Error> {
    let prefix = format!(".{name}.");
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return Err(io_err(dir, e)),
    };
    for e in rd.filter_map(|e| e.ok()) {
        let n = e.file_name();
        let n = n.to_string_lossy();
        let stale = n.starts_with(&prefix)
            && n.ends_with(".tmp")
            && n.len() == prefix.len() + 6 + 4
            && e.file_type().is_ok_and(|t| t.is_file());
        if stale {
            std::fs::remove_file(e.path()).map_err(|x| io_err(&e.path(), x))?;
        }
    }
    Ok(())
}

/// fsync a directory (makes a rename in it durable).
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

/// Create `dir` and its missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_err(dir, e))
}

/// Write a new file (that must not exist yet) durably with mode 0600.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    f.write_all(bytes).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
}

/// An exclusive lock held for as long as the value lives (`flock`, so a killed process
/// never leaves a stale lock behind).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

impl Lock {
    /// Take the lock at `path` (created if needed), or fail at once naming the file.
    pub fn acquire(path: &Path) -> Result<Lock, Error> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Lock {
                _file: file,
                path: path.to_path_buf(),
            }),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(Error::Usage(format!(
                "another postfix-preupgrade fix or undo is running (lock {} is held)",
                path.display()
            ))),
            Err(e) => Err(rx(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let b = b"system_u:object_r:postfix_etc_t:s0\0";
        assert_eq!(from_hex(&to_hex(b)).unwrap(), b.to_vec());
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }

    #[test]
    fn replace_keeps_mode_and_xattrs() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("main.cf");
        std::fs::write(&p, b"old\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let f = File::open(&p).unwrap();
        // user.* xattrs work on most file systems; tolerate one that has none
        let has_x = rustix::fs::fsetxattr(&f, "user.test", b"v1", XattrFlags::empty()).is_ok();
        let meta = meta_of(&f, &p).unwrap();
        drop(f);
        replace_atomic(&p, b"new\n", &meta).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new\n");
        let f = File::open(&p).unwrap();
        let after = meta_of(&f, &p).unwrap();
        assert_eq!(after.mode, 0o640);
        assert_eq!(after, meta);
        if has_x {
            assert!(after
                .xattrs
                .iter()
                .any(|(n, v)| n == "user.test" && v == "7631"));
        }
        // no temporary file left behind, and a killed run's leftover is cleared
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        std::fs::write(d.path().join(".main.cf.AbC123.tmp"), b"half").unwrap();
        std::fs::write(d.path().join(".other.AbC123.tmp"), b"not ours").unwrap();
        replace_atomic(&p, b"newer\n", &meta).unwrap();
        assert!(!d.path().join(".main.cf.AbC123.tmp").exists());
        assert!(d.path().join(".other.AbC123.tmp").exists());
    }

    #[test]
    fn second_lock_fails_until_first_dropped() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x/lock");
        let a = Lock::acquire(&p).unwrap();
        let e = Lock::acquire(&p).unwrap_err().to_string();
        assert!(e.contains("another postfix-preupgrade"), "{e}");
        drop(a);
        Lock::acquire(&p).unwrap();
    }
}
