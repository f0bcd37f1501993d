//! Confinement to the inspected system's root (`--root DIR`).
//!
//! Every path the tool reads on the inspected system is an absolute *system path* (as the
//! inspected system sees it, e.g. `/etc/postfix/main.cf`). [`Root::resolve`] maps it to a
//! *host path* inside the root, following symbolic links one component at a time as if the
//! root were `/`: absolute link targets are re-rooted, `..` never climbs above the root, so a
//! hostile link can never lead outside it. That host path is for messages and for the
//! programs the tool runs; the tool itself never opens a file by it.
//!
//! Every file the tool reads or writes under the root goes through handles instead:
//! [`Root::open`] and [`Root::read`] resolve the path with `openat2` and `RESOLVE_IN_ROOT`
//! on a handle of the root (falling back to `pathrs`, whose checked `O_PATH` walk works
//! where the kernel has no `openat2`), so a directory swapped for a symlink while the tool
//! runs cannot redirect it outside the root. Only regular files are read (a FIFO, device or socket is an error naming the path,
//! checked before the file is opened), and at most [`MAX_READ`] bytes of one. Writes go
//! through a [`Dir`]: a handle on the directory, with `*at()` calls that never follow a
//! link at the final name.
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::error::{Error, Result};

/// The most bytes [`Root::read`] takes from one file: far more than any real main.cf,
/// master.cf, certificate or alias file, and a bound on what a hostile one can make the
/// tool allocate.
pub const MAX_READ: u64 = 64 * 1024 * 1024;

/// Links followed while resolving one path before giving up (Linux uses 40 too).
const MAX_LINKS: usize = 40;

/// The root directory of the inspected system.
#[derive(Clone, serde::Serialize)]
pub struct Root {
    dir: PathBuf,
    /// The handle every file operation resolves through.
    #[serde(skip)]
    fs: Arc<pathrs::Root>,
    /// Resolve with `openat2` directly (see [`Root::openat2_in_root`]); off only in tests
    /// that exercise the pathrs fallback older kernels take.
    #[serde(skip)]
    openat2: bool,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root").field("dir", &self.dir).finish()
    }
}

impl PartialEq for Root {
    fn eq(&self, other: &Root) -> bool {
        self.dir == other.dir
    }
}
impl Eq for Root {}

/// An `io::Error` for a pathrs error (the errno when there is one).
fn px(e: pathrs::error::Error) -> io::Error {
    match e.kind() {
        pathrs::error::ErrorKind::OsError(Some(n)) => io::Error::from_raw_os_error(n),
        _ => io::Error::other(e.to_string()),
    }
}

fn io_at(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a file type is called in an error.
pub fn type_name(t: FileType) -> &'static str {
    match t {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "a file of unknown type",
    }
}

/// Read at most [`MAX_READ`] bytes of an open regular file; more is an error naming `path`.
pub fn read_bounded(mut f: impl Read, path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    (&mut f)
        .take(MAX_READ + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_at(path, e))?;
    if bytes.len() as u64 > MAX_READ {
        return Err(io_at(
            path,
            io::Error::other(format!(
                "larger than {} MiB, the most this tool reads of one file",
                MAX_READ / (1024 * 1024)
            )),
        ));
    }
    Ok(bytes)
}

impl Root {
    /// A root at `dir` (canonicalised). `dir` must be an existing directory.
    pub fn new(dir: impl AsRef<Path>) -> Result<Root> {
        let dir = dir.as_ref();
        let canon = std::fs::canonicalize(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        if !canon.is_dir() {
            return Err(Error::Usage(format!(
                "--root {}: not a directory",
                dir.display()
            )));
        }
        let fs = pathrs::Root::open(&canon).map_err(|e| io_at(dir, px(e)))?;
        Ok(Root {
            dir: canon,
            fs: Arc::new(fs),
            openat2: true,
        })
    }

    /// The root `/`: the running system itself.
    pub fn host() -> Result<Root> {
        Root::new("/")
    }

    /// The root's directory on the host.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// True when the root is `/`, i.e. the inspected system is the running one.
    pub fn is_host(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// Map an absolute system path to a host path inside the root, resolving symbolic
    /// links component by component inside the root. Components that do not exist are
    /// appended as they are (so the result of a missing file is still inside the root).
    /// Errors: relative paths, link loops, unreadable links; each names the system path.
    pub fn resolve(&self, system_path: impl AsRef<Path>) -> Result<PathBuf> {
        let system_path = system_path.as_ref();
        if !system_path.is_absolute() {
            return Err(Error::Other(format!(
                "{}: not an absolute path on the inspected system",
                system_path.display()
            )));
        }
        let mut todo: VecDeque<OsString> = VecDeque::new();
        push_components(&mut todo, system_path, false);
        // Resolved components below the root, each one known not to be a symlink (or
        // missing, once `missing` is set).
        let mut done: Vec<OsString> = Vec::new();
        let mut links = 0usize;
        let mut missing = false;
        while let Some(comp) = todo.pop_front() {
            if comp == ".." {
                done.pop();
                continue;
            }
            if comp == "." || comp.is_empty() {
                continue;
            }
            if missing {
                done.push(comp);
                continue;
            }
            let mut candidate = self.host_of(&done);
            candidate.push(&comp);
            match std::fs::symlink_metadata(&candidate) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(Error::Io {
                            path: system_path.to_path_buf(),
                            source: io::Error::other(format!(
                                "too many levels of symbolic links inside root {}",
                                self.dir.display()
                            )),
                        });
                    }
                    let target = std::fs::read_link(&candidate).map_err(|source| Error::Io {
                        path: system_path.to_path_buf(),
                        source,
                    })?;
                    if target.is_absolute() {
                        done.clear();
                    }
                    push_components(&mut todo, &target, true);
                }
                Ok(_) => done.push(comp),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    missing = true;
                    done.push(comp);
                }
                Err(e) if e.raw_os_error() == Some(20) => {
                    // ENOTDIR: a regular file used as a directory; nothing below exists.
                    missing = true;
                    done.push(comp);
                }
                Err(source) => {
                    return Err(Error::Io {
                        path: system_path.to_path_buf(),
                        source,
                    })
                }
            }
        }
        Ok(self.host_of(&done))
    }

    /// The system path of a host path inside the root (the inverse of `resolve` for
    /// resolved paths). None when `host_path` is not inside the root.
    pub fn system_path(&self, host_path: impl AsRef<Path>) -> Option<PathBuf> {
        let rel = host_path.as_ref().strip_prefix(&self.dir).ok()?;
        Some(Path::new("/").join(rel))
    }

    /// The root-relative form of an absolute system path (pathrs resolves it inside the
    /// root handle).
    fn rel(system_path: &Path) -> Result<&Path> {
        if !system_path.is_absolute() {
            return Err(Error::Other(format!(
                "{}: not an absolute path on the inspected system",
                system_path.display()
            )));
        }
        let rel = system_path.strip_prefix("/").unwrap_or(system_path);
        Ok(if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        })
    }

    /// Open a root-relative path with `openat2(2)` and `RESOLVE_IN_ROOT |
    /// RESOLVE_NO_MAGICLINKS` on the root's handle: the resolution pathrs's openat2
    /// resolver does, without its error path, which reads the root's name back from
    /// procfs (about ten system calls) for every path that does not exist. `None` when the
    /// kernel has no `openat2` (or keeps answering EAGAIN because of renames elsewhere):
    /// the caller then goes through pathrs, whose fallback resolver is safe there.
    fn openat2_in_root(&self, rel: &Path, flags: OFlags) -> Option<io::Result<OwnedFd>> {
        use rustix::fs::ResolveFlags;
        if !self.openat2 {
            return None;
        }
        let resolve = ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS;
        // pathrs retries EAGAIN (a rename anywhere on the system) the same way
        for _ in 0..128 {
            match rustix::fs::openat2(
                &*self.fs,
                rel,
                flags | OFlags::CLOEXEC,
                Mode::empty(),
                resolve,
            ) {
                Ok(fd) => return Some(Ok(fd)),
                Err(rustix::io::Errno::AGAIN) => continue,
                // no openat2, a filter that forbids it, or flags this kernel does not know
                Err(
                    rustix::io::Errno::NOSYS
                    | rustix::io::Errno::PERM
                    | rustix::io::Errno::INVAL
                    | rustix::io::Errno::TOOBIG,
                ) => return None,
                Err(e) => return Some(Err(e.into())),
            }
        }
        None
    }

    /// An `O_PATH` handle on a system path, links followed inside the root.
    fn handle(&self, system_path: &Path) -> Result<OwnedFd> {
        let rel = Self::rel(system_path)?;
        match self.openat2_in_root(rel, OFlags::PATH) {
            Some(r) => r.map_err(|e| io_at(system_path, e)),
            None => self
                .fs
                .resolve(rel)
                .map(OwnedFd::from)
                .map_err(|e| io_at(system_path, px(e))),
        }
    }

    /// Open the file a handle from [`Root::handle`] names, with `flags` (read-only, never
    /// creating). Where the kernel has `openat2`, the path is opened again inside the root
    /// and must still be the same file (device and inode), so a file swapped between the
    /// two opens is refused rather than read; elsewhere pathrs reopens the handle itself.
    fn reopen(&self, system_path: &Path, h: &OwnedFd, flags: OFlags) -> Result<File> {
        let rel = Self::rel(system_path)?;
        match self.openat2_in_root(rel, flags | OFlags::NOCTTY) {
            Some(r) => {
                let f = File::from(r.map_err(|e| io_at(system_path, e))?);
                let was = rustix::fs::fstat(h).map_err(|e| io_at(system_path, e.into()))?;
                let now = rustix::fs::fstat(&f).map_err(|e| io_at(system_path, e.into()))?;
                if (was.st_dev, was.st_ino) != (now.st_dev, now.st_ino) {
                    return Err(io_at(
                        system_path,
                        io::Error::other("replaced by another file while it was being opened"),
                    ));
                }
                Ok(f)
            }
            None => {
                let h = pathrs::Handle::from_fd(h.try_clone().map_err(|e| io_at(system_path, e))?);
                h.reopen(pathrs::flags::OpenFlags::from_bits_retain(u64::from(
                    flags.bits(),
                )))
                .map_err(|e| io_at(system_path, px(e)))
            }
        }
    }

    /// The type of what a system path names (links followed inside the root).
    pub fn file_type(&self, system_path: impl AsRef<Path>) -> Result<FileType> {
        let system_path = system_path.as_ref();
        let h = self.handle(system_path)?;
        let st = rustix::fs::fstat(&h).map_err(|e| io_at(system_path, e.into()))?;
        Ok(FileType::from_raw_mode(st.st_mode))
    }

    /// The type and modification time of what a system path names (links followed inside
    /// the root), from one resolution and one `fstat`: a caller that needs both (or
    /// whether it exists and when it changed) asks once per path.
    pub fn stat(&self, system_path: impl AsRef<Path>) -> Result<(FileType, std::time::SystemTime)> {
        let system_path = system_path.as_ref();
        let h = self.handle(system_path)?;
        let st = rustix::fs::fstat(&h).map_err(|e| io_at(system_path, e.into()))?;
        let secs = u64::try_from(st.st_mtime).unwrap_or(0);
        let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
        Ok((
            FileType::from_raw_mode(st.st_mode),
            std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos),
        ))
    }

    /// The modification time of what a system path names (links followed inside the root).
    pub fn modified(&self, system_path: impl AsRef<Path>) -> Result<std::time::SystemTime> {
        let system_path = system_path.as_ref();
        let h = self.handle(system_path)?;
        let st = rustix::fs::fstat(&h).map_err(|e| io_at(system_path, e.into()))?;
        let secs = u64::try_from(st.st_mtime).unwrap_or(0);
        let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
        Ok(std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
    }

    /// Open a regular file of the inspected system for reading. Anything else (a FIFO, a
    /// device, a socket, a directory) is refused before it is opened, so nothing blocks.
    pub fn open(&self, system_path: impl AsRef<Path>) -> Result<File> {
        let system_path = system_path.as_ref();
        let h = self.handle(system_path)?;
        let st = rustix::fs::fstat(&h).map_err(|e| io_at(system_path, e.into()))?;
        let t = FileType::from_raw_mode(st.st_mode);
        if t != FileType::RegularFile {
            return Err(io_at(
                system_path,
                io::Error::other(format!("{}, not a regular file", type_name(t))),
            ));
        }
        self.reopen(system_path, &h, OFlags::RDONLY | OFlags::NONBLOCK)
    }

    /// Read a regular file of the inspected system (at most [`MAX_READ`] bytes). Errors
    /// name the system path.
    pub fn read(&self, system_path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let system_path = system_path.as_ref();
        read_bounded(self.open(system_path)?, system_path)
    }

    /// Read a text file of the inspected system (invalid UTF-8 is an error naming it).
    pub fn read_to_string(&self, system_path: impl AsRef<Path>) -> Result<String> {
        let system_path = system_path.as_ref();
        let bytes = self.read(system_path)?;
        String::from_utf8(bytes).map_err(|_| Error::Io {
            path: system_path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"),
        })
    }

    /// The target of a symbolic link of the inspected system, as written in the link (the
    /// link itself is not followed; its parent directories are, inside the root).
    pub fn read_link(&self, system_path: impl AsRef<Path>) -> Result<PathBuf> {
        let system_path = system_path.as_ref();
        let rel = Self::rel(system_path)?;
        self.fs.readlink(rel).map_err(|e| io_at(system_path, px(e)))
    }

    /// Whether the system path exists inside the root (after resolving links).
    pub fn exists(&self, system_path: impl AsRef<Path>) -> bool {
        self.handle(system_path.as_ref()).is_ok()
    }

    /// Whether the system path is a regular file inside the root (after resolving links).
    pub fn is_file(&self, system_path: impl AsRef<Path>) -> bool {
        self.file_type(system_path)
            .is_ok_and(|t| t == FileType::RegularFile)
    }

    /// A handle on a directory of the inspected system (links followed inside the root).
    pub fn open_dir(&self, system_path: impl AsRef<Path>) -> Result<Dir> {
        let system_path = system_path.as_ref();
        let h = self.handle(system_path)?;
        let fd = self.reopen(system_path, &h, OFlags::RDONLY | OFlags::DIRECTORY)?;
        Ok(Dir {
            fd: fd.into(),
            path: system_path.to_path_buf(),
        })
    }

    /// Create a directory and its missing parents inside the root (new ones get `mode`),
    /// and return a handle on it.
    pub fn create_dir_all(&self, system_path: impl AsRef<Path>, mode: u32) -> Result<Dir> {
        use std::os::unix::fs::PermissionsExt;
        let system_path = system_path.as_ref();
        let rel = Self::rel(system_path)?;
        self.fs
            .mkdir_all(rel, &std::fs::Permissions::from_mode(mode))
            .map_err(|e| io_at(system_path, px(e)))?;
        self.open_dir(system_path)
    }

    /// The parent directory of a system path as a handle, and the final name. The parent
    /// is resolved inside the root; the final name is not followed (see [`Dir`]).
    pub fn parent_dir(&self, system_path: impl AsRef<Path>) -> Result<(Dir, OsString)> {
        let system_path = system_path.as_ref();
        let (Some(parent), Some(name)) = (system_path.parent(), system_path.file_name()) else {
            return Err(Error::Other(format!(
                "{}: not a file path",
                system_path.display()
            )));
        };
        Ok((self.open_dir(parent)?, name.to_os_string()))
    }

    /// The entries of a directory of the inspected system: (name, type), sorted by name,
    /// without `.` and `..`. Links are not followed (their type is `Symlink`).
    pub fn read_dir(&self, system_path: impl AsRef<Path>) -> Result<Vec<(OsString, FileType)>> {
        self.open_dir(system_path)?.entries()
    }

    fn host_of(&self, comps: &[OsString]) -> PathBuf {
        let mut p = self.dir.clone();
        for c in comps {
            p.push(c);
        }
        p
    }
}

/// Queue the normal, `.` and `..` components of `path` (at the front when `front`).
fn push_components(todo: &mut VecDeque<OsString>, path: &Path, front: bool) {
    let comps: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::CurDir => Some(OsString::from(".")),
            Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    if front {
        for c in comps.into_iter().rev() {
            todo.push_front(c);
        }
    } else {
        todo.extend(comps);
    }
}

/// A handle on a directory inside the root. Every operation names one entry of it and
/// never follows a link at that name, so what it touches is fixed by the handle, not by
/// a path that could change while the tool runs.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    /// The directory's system path, for messages.
    path: PathBuf,
}

/// What is at a name in a [`Dir`] (not following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub file_type: FileType,
    pub nlink: u64,
    pub size: u64,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

impl AsFd for Dir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Dir {
    /// The directory's system path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The system path of an entry, for messages.
    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }

    fn err(&self, name: &OsStr, e: impl Into<io::Error>) -> Error {
        io_at(&self.join(name), e.into())
    }

    /// What is at `name` (None when nothing is), without following a link.
    pub fn stat(&self, name: impl AsRef<OsStr>) -> Result<Option<Entry>> {
        let name = name.as_ref();
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(Entry {
                file_type: FileType::from_raw_mode(st.st_mode),
                nlink: st.st_nlink,
                size: st.st_size as u64,
                uid: st.st_uid,
                gid: st.st_gid,
                mode: st.st_mode & 0o7777,
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(self.err(name, e)),
        }
    }

    /// Refuse to write at `name` unless it is absent or a regular file with one link: a
    /// symlink or a hard link there would carry the write to another file, maybe outside
    /// the root. Returns what is there.
    pub fn check_output(&self, name: impl AsRef<OsStr>) -> Result<Option<Entry>> {
        let name = name.as_ref();
        let st = self.stat(name)?;
        match st {
            None => Ok(None),
            Some(e) if e.file_type == FileType::RegularFile && e.nlink == 1 => Ok(st),
            Some(e) if e.file_type == FileType::RegularFile => Err(Error::Other(format!(
                "{}: refusing to write: it has {} hard links, so writing it would change \
                 another file too",
                self.join(name).display(),
                e.nlink
            ))),
            Some(e) => Err(Error::Other(format!(
                "{}: refusing to write: it is {}, not a regular file",
                self.join(name).display(),
                type_name(e.file_type)
            ))),
        }
    }

    /// Open the regular file `name` for reading (a link or anything else is refused).
    pub fn open_file(&self, name: impl AsRef<OsStr>) -> Result<File> {
        let name = name.as_ref();
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
        )
        .map_err(|e| self.err(name, e))?;
        let f = File::from(fd);
        let st = rustix::fs::fstat(&f).map_err(|e| self.err(name, e))?;
        let t = FileType::from_raw_mode(st.st_mode);
        if t != FileType::RegularFile {
            return Err(self.err(
                name,
                io::Error::other(format!("{}, not a regular file", type_name(t))),
            ));
        }
        Ok(f)
    }

    /// Read the regular file `name` (bounded by [`MAX_READ`]).
    pub fn read(&self, name: impl AsRef<OsStr>) -> Result<Vec<u8>> {
        let name = name.as_ref();
        read_bounded(self.open_file(name)?, &self.join(name))
    }

    /// Create the new file `name` (it must not exist; a link there is not followed) for
    /// writing, with `mode`.
    pub fn create_new(&self, name: impl AsRef<OsStr>, mode: u32) -> Result<File> {
        let name = name.as_ref();
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        )
        .map_err(|e| self.err(name, e))?;
        Ok(File::from(fd))
    }

    /// Open (or create, mode 0600) `name` for writing without truncating it; a link there
    /// is refused.
    pub fn open_or_create(&self, name: impl AsRef<OsStr>) -> Result<File> {
        let name = name.as_ref();
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| self.err(name, e))?;
        Ok(File::from(fd))
    }

    /// Rename `from` to `to` inside this directory (replacing `to`).
    pub fn rename(&self, from: impl AsRef<OsStr>, to: impl AsRef<OsStr>) -> Result<()> {
        let (from, to) = (from.as_ref(), to.as_ref());
        rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(|e| self.err(to, e))
    }

    /// Remove the file `name` (not a directory). Absent is fine.
    pub fn remove(&self, name: impl AsRef<OsStr>) -> Result<()> {
        let name = name.as_ref();
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(self.err(name, e)),
        }
    }

    /// A handle on the subdirectory `name` (a link there is refused).
    pub fn subdir(&self, name: impl AsRef<OsStr>) -> Result<Dir> {
        let name = name.as_ref();
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match self.stat(name) {
            Ok(Some(st)) if st.file_type != FileType::Directory => self.err(
                name,
                io::Error::other(format!("{}, not a directory", type_name(st.file_type))),
            ),
            _ => self.err(name, e),
        })?;
        Ok(Dir {
            fd,
            path: self.join(name),
        })
    }

    /// Create the subdirectory `name` with `mode` (an existing one is an error) and return
    /// a handle on it.
    pub fn mkdir(&self, name: impl AsRef<OsStr>, mode: u32) -> Result<Dir> {
        let name = name.as_ref();
        rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(mode))
            .map_err(|e| self.err(name, e))?;
        self.subdir(name)
    }

    /// Make renames and creations in this directory durable.
    pub fn sync(&self) -> Result<()> {
        rustix::fs::fsync(&self.fd).map_err(|e| io_at(&self.path, e.into()))
    }

    /// The entries: (name, type) sorted by name, without `.` and `..`.
    pub fn entries(&self) -> Result<Vec<(OsString, FileType)>> {
        let dup = rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io_at(&self.path, e.into()))?;
        let mut d = rustix::fs::Dir::read_from(&dup).map_err(|e| io_at(&self.path, e.into()))?;
        let mut out = Vec::new();
        while let Some(e) = d.read() {
            let e = e.map_err(|e| io_at(&self.path, e.into()))?;
            let name = e.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            use std::os::unix::ffi::OsStrExt;
            out.push((OsStr::from_bytes(name).to_os_string(), e.file_type()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A scratch root with a file, a directory, a FIFO, an escaping link and a link inside.
    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pp-root-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("etc/postfix")).unwrap();
        std::fs::write(d.join("etc/postfix/main.cf"), "myhostname = a\n").unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            d.join("etc/postfix/fifo"),
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        symlink("/etc/postfix/main.cf", d.join("etc/abs-link")).unwrap();
        symlink("../../../../../../etc/passwd", d.join("etc/escape")).unwrap();
        d
    }

    /// What a root answers for a set of paths, as comparable text.
    fn answers(root: &Root) -> Vec<String> {
        let mut out = Vec::new();
        for p in [
            "/etc/postfix/main.cf",
            "/etc/abs-link",
            "/etc/escape",
            "/etc/postfix/fifo",
            "/etc/postfix/missing",
            "/etc/postfix",
        ] {
            let read = match root.read(p) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => format!("error: {e}"),
            };
            let stat = match root.stat(p) {
                Ok((t, _)) => type_name(t).to_string(),
                Err(e) => format!("error: {e}"),
            };
            let dir = root.open_dir(p).map(|d| d.entries().unwrap().len()).ok();
            out.push(format!(
                "{p}: exists={} stat={stat} read={read} dir={dir:?}",
                root.exists(p)
            ));
        }
        out
    }

    #[test]
    fn openat2_and_the_pathrs_fallback_answer_alike() {
        let d = scratch("alike");
        let fast = Root::new(&d).unwrap();
        let mut slow = fast.clone();
        slow.openat2 = false;
        let (a, b) = (answers(&fast), answers(&slow));
        assert_eq!(a, b);
        let all = a.join("\n");
        // the absolute link is re-rooted, the escaping one stays inside (no host passwd)
        assert!(all.contains("/etc/abs-link: exists=true stat=a regular file read=myhostname = a"));
        assert!(all.contains("/etc/escape: exists=false"), "{all}");
        assert!(
            all.contains("/etc/postfix/fifo: exists=true stat=a FIFO read=error:"),
            "{all}"
        );
        assert!(all.contains("a FIFO, not a regular file"), "{all}");
        assert!(all.contains("/etc/postfix/missing: exists=false"), "{all}");
        assert!(
            all.contains("/etc/postfix: exists=true stat=a directory"),
            "{all}"
        );
        assert!(all.contains("dir=Some(2)"), "{all}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_replaced_between_check_and_open_is_refused() {
        let d = scratch("swap");
        let root = Root::new(&d).unwrap();
        let p = Path::new("/etc/postfix/main.cf");
        let h = root.handle(p).unwrap();
        // the checked file goes, a FIFO takes its name: the second open must not read it
        std::fs::remove_file(d.join("etc/postfix/main.cf")).unwrap();
        std::fs::rename(d.join("etc/postfix/fifo"), d.join("etc/postfix/main.cf")).unwrap();
        let e = root
            .reopen(p, &h, OFlags::RDONLY | OFlags::NONBLOCK)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/etc/postfix/main.cf"), "{e}");
        assert!(e.contains("replaced by another file"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
