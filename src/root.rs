//! Confinement to the inspected system's root (`--root DIR`).
//!
//! Every path the tool reads on the inspected system is an absolute *system path* (as the
//! inspected system sees it, e.g. `/etc/postfix/main.cf`). [`Root::resolve`] maps it to a
//! *host path* inside the root, following symbolic links one component at a time as if the
//! root were `/`: absolute link targets are re-rooted, `..` never climbs above the root, so a
//! hostile link can never lead outside it.
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Links followed while resolving one path before giving up (Linux uses 40 too).
const MAX_LINKS: usize = 40;

/// The root directory of the inspected system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Root {
    dir: PathBuf,
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
        Ok(Root { dir: canon })
    }

    /// The root `/`: the running system itself.
    pub fn host() -> Root {
        Root {
            dir: PathBuf::from("/"),
        }
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

    /// Read a file of the inspected system. Errors name the system path.
    pub fn read(&self, system_path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let system_path = system_path.as_ref();
        let host = self.resolve(system_path)?;
        std::fs::read(&host).map_err(|source| Error::Io {
            path: system_path.to_path_buf(),
            source,
        })
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

    /// Whether the system path exists inside the root (after resolving links).
    pub fn exists(&self, system_path: impl AsRef<Path>) -> bool {
        self.resolve(system_path)
            .map(|p| p.exists())
            .unwrap_or(false)
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
