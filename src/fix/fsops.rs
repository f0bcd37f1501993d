//! File operations `fix` and `undo` rely on: metadata capture (owner, mode, xattrs
//! including the SELinux label), temporary files that carry that metadata, and the lock
//! that stops two runs at once. Everything here works on [`Dir`] handles inside the root
//! (see [`crate::root`]): no path is opened by name from `/`.
//!
//! A new version of a file is written to a temporary file of our own name
//! (`.NAME.postfix-preupgrade.XXXXXX`) in the same directory, given the metadata, fsynced,
//! and renamed over the old one by the transaction ([`super::txn`]); a reader (or a crash)
//! sees the old file or the new one, never a mix.
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::XattrFlags;

use crate::error::Error;
use crate::root::{Dir, Root};

/// The extended attribute SELinux keeps a file's label in.
pub const SELINUX_XATTR: &str = "security.selinux";

/// The marker in the name of every temporary file this tool creates.
pub const TEMP_MARK: &str = ".postfix-preupgrade.";

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

    /// Why this metadata must not be applied to a config file or a table (a set-id or
    /// sticky bit, or an extended attribute other than the SELinux label and `user.*`,
    /// such as `security.capability`); None when it is fine. Guards `undo` against a
    /// tampered manifest.
    pub fn unsafe_reason(&self) -> Option<String> {
        if self.mode & !0o777 != 0 {
            return Some(format!("mode {:o} has set-id or sticky bits", self.mode));
        }
        self.xattrs
            .iter()
            .find(|(n, _)| n != SELINUX_XATTR && !n.starts_with("user."))
            .map(|(n, _)| format!("extended attribute {n} is not one this tool restores"))
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

/// sha256 and length of everything an open file holds from its current offset.
pub fn sha256_reader(r: impl io::Read, path: &Path) -> Result<(String, u64), Error> {
    copy_hashing(r, None, path)
}

/// Read `r` to its end, hashing it, and write every byte to `to` (a writer and the path
/// named in its errors) as it goes: one pass, so what is hashed is what is written.
fn copy_hashing(
    mut r: impl io::Read,
    mut to: Option<(&mut dyn Write, &Path)>,
    path: &Path,
) -> Result<(String, u64), Error> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let got = r.read(&mut buf).map_err(|e| io_err(path, e))?;
        if got == 0 {
            break;
        }
        h.update(&buf[..got]);
        if let Some((w, wp)) = to.as_mut() {
            w.write_all(&buf[..got]).map_err(|e| io_err(wp, e))?;
        }
        n += got as u64;
    }
    Ok((to_hex(&h.finalize()), n))
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
pub fn apply_meta(file: &File, path: &Path, meta: &FileMeta) -> Result<Vec<String>, Error> {
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

/// A fresh temporary name for `name`: `.NAME.postfix-preupgrade.XXXXXX`.
pub fn temp_name(name: &OsStr) -> OsString {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    let mut x = h.finish();
    let mut tail = String::new();
    for _ in 0..6 {
        tail.push(ALNUM[(x % ALNUM.len() as u64) as usize] as char);
        x /= ALNUM.len() as u64;
    }
    let mut s = OsString::from(".");
    s.push(name);
    s.push(TEMP_MARK);
    s.push(tail);
    s
}

/// Whether `temp` is one of our temporary names for `name`.
pub fn is_temp_of(temp: &OsStr, name: &OsStr) -> bool {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(TEMP_MARK);
    let (t, p) = (temp.as_encoded_bytes(), prefix.as_encoded_bytes());
    t.len() == p.len() + 6 && t.starts_with(p)
}

/// Where new bytes for a file come from.
pub enum Content<'a> {
    Bytes(&'a [u8]),
    /// A file built in a scratch directory on the host (a table the tools built there).
    Scratch(&'a Path),
}

/// Write `content` into the new file `temp` of `dir`, give it `meta`, fsync it. Returns
/// (sha256, size, warnings). On error the half-written temp is removed.
pub fn write_temp(
    dir: &Dir,
    temp: &OsStr,
    content: &Content,
    meta: &FileMeta,
) -> Result<(String, u64, Vec<String>), Error> {
    let shown = dir.join(temp);
    let mut f = dir.create_new(temp, 0o600)?;
    let res = (|| {
        let (sha, size) = match content {
            Content::Bytes(b) => {
                f.write_all(b).map_err(|e| io_err(&shown, e))?;
                (sha256(b), b.len() as u64)
            }
            Content::Scratch(p) => {
                let src = File::open(p).map_err(|e| io_err(p, e))?;
                copy_hashing(src, Some((&mut f, &shown)), p)?
            }
        };
        let w = apply_meta(&f, &shown, meta)?;
        f.sync_all().map_err(|e| io_err(&shown, e))?;
        Ok((sha, size, w))
    })();
    if res.is_err() {
        let _ = dir.remove(temp);
    }
    res
}

/// Create `dir` and its missing parents inside the root with mode 0700.
pub fn create_private_dir(root: &Root, dir: &Path) -> Result<Dir, Error> {
    root.create_dir_all(dir, 0o700)
}

/// Write a new file (that must not exist yet) of `dir` durably with mode 0600.
pub fn write_new(dir: &Dir, name: &OsStr, bytes: &[u8]) -> Result<(), Error> {
    let shown = dir.join(name);
    let mut f = dir.create_new(name, 0o600)?;
    f.write_all(bytes).map_err(|e| io_err(&shown, e))?;
    f.sync_all().map_err(|e| io_err(&shown, e))
}

/// An exclusive lock held for as long as the value lives (`flock`, so a killed process
/// never leaves a stale lock behind).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

impl Lock {
    /// Take the lock at the system path `path` of the root (created if needed, through a
    /// handle inside the root), or fail at once naming the file.
    pub fn acquire(root: &Root, path: &Path) -> Result<Lock, Error> {
        let (parent, name) = match (path.parent(), path.file_name()) {
            (Some(p), Some(n)) => (p, n),
            _ => return Err(Error::Other(format!("{}: bad lock path", path.display()))),
        };
        let dir = create_private_dir(root, parent)?;
        dir.check_output(name)?;
        let file = dir.open_or_create(name)?;
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
    fn temp_names_are_ours_and_distinct() {
        let a = temp_name(OsStr::new("main.cf"));
        assert!(is_temp_of(&a, OsStr::new("main.cf")));
        assert!(!is_temp_of(&a, OsStr::new("master.cf")));
        assert!(!is_temp_of(
            OsStr::new(".main.cf.AbC123.tmp"),
            OsStr::new("main.cf")
        ));
        assert_ne!(a, temp_name(OsStr::new("main.cf")));
    }

    #[test]
    fn unsafe_meta_is_named() {
        let mut m = FileMeta {
            uid: 0,
            gid: 0,
            mode: 0o644,
            xattrs: vec![(SELINUX_XATTR.into(), "00".into())],
        };
        assert_eq!(m.unsafe_reason(), None);
        m.mode = 0o4755;
        assert!(m.unsafe_reason().unwrap().contains("set-id"));
        m.mode = 0o644;
        m.xattrs.push(("security.capability".into(), "00".into()));
        assert!(m.unsafe_reason().unwrap().contains("security.capability"));
    }

    #[test]
    fn temp_keeps_mode_and_xattrs() {
        let d = tempfile::tempdir().unwrap();
        let root = Root::new(d.path()).unwrap();
        let dir = root.open_dir("/").unwrap();
        std::fs::write(d.path().join("main.cf"), b"old\n").unwrap();
        std::fs::set_permissions(
            d.path().join("main.cf"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let f = File::open(d.path().join("main.cf")).unwrap();
        // user.* xattrs work on most file systems; tolerate one that has none
        let has_x = rustix::fs::fsetxattr(&f, "user.test", b"v1", XattrFlags::empty()).is_ok();
        let meta = meta_of(&f, Path::new("/main.cf")).unwrap();
        let t = temp_name(OsStr::new("main.cf"));
        let (sha, size, _) = write_temp(&dir, &t, &Content::Bytes(b"new\n"), &meta).unwrap();
        assert_eq!((sha, size), (sha256(b"new\n"), 4));
        let after = meta_of(&File::open(d.path().join(&t)).unwrap(), Path::new("/t")).unwrap();
        assert_eq!(after.mode, 0o640);
        assert_eq!(after, meta);
        if has_x {
            assert!(after
                .xattrs
                .iter()
                .any(|(n, v)| n == "user.test" && v == "7631"));
        }
    }

    #[test]
    fn second_lock_fails_until_first_dropped() {
        let d = tempfile::tempdir().unwrap();
        let root = Root::new(d.path()).unwrap();
        let p = Path::new("/x/lock");
        let a = Lock::acquire(&root, p).unwrap();
        let e = Lock::acquire(&root, p).unwrap_err().to_string();
        assert!(e.contains("another postfix-preupgrade"), "{e}");
        drop(a);
        Lock::acquire(&root, p).unwrap();
    }
}
