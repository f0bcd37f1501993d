//! RHEL releases: the source read from `/etc/os-release` under the root, and release
//! strings given on the command line (`rhel8`, `el9`, `9`, `9.6`, `10.0`).
use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::root::Root;

/// Lowest and highest RHEL major this tool knows profiles for.
pub const MIN_MAJOR: u32 = 7;
pub const MAX_MAJOR: u32 = 10;

/// The system path of the os-release file read for the source release.
pub const OS_RELEASE: &str = "/etc/os-release";
/// Read when [`OS_RELEASE`] does not exist.
pub const OS_RELEASE_FALLBACK: &str = "/usr/lib/os-release";

/// A RHEL (or rebuild) release: major and, when known, minor version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Release {
    pub major: u32,
    pub minor: Option<u32>,
    /// os-release `ID` (`rhel`, `centos`, `almalinux`, `rocky`, `ol`), when read from a system.
    pub id: Option<String>,
    /// os-release `PRETTY_NAME`, when read from a system.
    pub pretty_name: Option<String>,
}

impl Release {
    /// A release with no distribution details.
    pub fn new(major: u32, minor: Option<u32>) -> Release {
        Release {
            major,
            minor,
            id: None,
            pretty_name: None,
        }
    }

    /// Parse a release given on the command line or in `LEAPP_UPGRADE_PATH_TARGET_RELEASE`:
    /// `rhel8`, `RHEL-9`, `el9`, `el9.6`, `9`, `9.6`, `10.0`. Majors 7 to 10 only.
    pub fn parse(spec: &str) -> Result<Release> {
        let s = spec.trim().to_ascii_lowercase();
        let rest = match s.strip_prefix("rhel").or_else(|| s.strip_prefix("el")) {
            Some(r) => r.strip_prefix(['-', '_']).unwrap_or(r),
            None => &s,
        };
        let bad = || {
            Error::Usage(format!(
                "release {spec:?}: expected a RHEL release such as rhel9, el9, 9 or 9.6"
            ))
        };
        let (maj, min) = match rest.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let major: u32 = parse_num(maj).ok_or_else(bad)?;
        let minor = match min {
            Some(m) => Some(parse_num(m).ok_or_else(bad)?),
            None => None,
        };
        if !(MIN_MAJOR..=MAX_MAJOR).contains(&major) {
            return Err(Error::Usage(format!(
                "release {spec:?}: RHEL {major} is not supported (only {MIN_MAJOR} to {MAX_MAJOR})"
            )));
        }
        Ok(Release::new(major, minor))
    }

    /// Read the source release from `/etc/os-release` under the root (or, when that does
    /// not exist, `/usr/lib/os-release`, as os-release(5) says).
    pub fn detect(root: &Root) -> Result<Release> {
        let path = if !root.exists(OS_RELEASE) && root.exists(OS_RELEASE_FALLBACK) {
            OS_RELEASE_FALLBACK
        } else {
            OS_RELEASE
        };
        let text = root.read_to_string(path)?;
        Release::from_os_release(&text, Path::new(path))
    }

    /// Parse os-release text; `path` names the file in errors.
    pub fn from_os_release(text: &str, path: &Path) -> Result<Release> {
        let osr = OsRelease::parse(text);
        let id = osr.get("ID").unwrap_or("").to_ascii_lowercase();
        let like = osr.get("ID_LIKE").unwrap_or("").to_ascii_lowercase();
        let rhel_like = matches!(
            id.as_str(),
            "rhel" | "centos" | "almalinux" | "rocky" | "ol" | "redhat"
        ) || like
            .split_whitespace()
            .any(|w| w == "rhel" || w == "centos");
        if !rhel_like {
            let what = if id.is_empty() {
                "no ID".to_string()
            } else if like.is_empty() {
                format!("ID={id}")
            } else {
                format!("ID={id}, ID_LIKE={like}")
            };
            return Err(Error::Other(format!(
                "{}: {what} is not RHEL or a rebuild of it (CentOS Stream, AlmaLinux, Rocky \
                 Linux, Oracle Linux); postfix-preupgrade only covers RHEL-like upgrades \
                 (use --source to override)",
                path.display()
            )));
        }
        let vid = osr.get("VERSION_ID").ok_or_else(|| {
            Error::Other(format!(
                "{}: no VERSION_ID (use --source to give the release)",
                path.display()
            ))
        })?;
        let mut rel = Release::parse(vid)
            .map_err(|e| Error::Other(format!("{}: VERSION_ID={vid}: {e}", path.display())))?;
        rel.id = Some(id);
        rel.pretty_name = osr.get("PRETTY_NAME").map(str::to_string);
        Ok(rel)
    }

    /// The next major release.
    pub fn next_major(&self) -> Release {
        Release::new(self.major + 1, None)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minor {
            Some(m) => write!(f, "RHEL {}.{}", self.major, m),
            None => write!(f, "RHEL {}", self.major),
        }
    }
}

fn parse_num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 4 {
        return None;
    }
    s.parse().ok()
}

/// The key/value pairs of an os-release file (shell-like quoting, comments ignored).
#[derive(Debug, Default)]
pub struct OsRelease {
    pub pairs: Vec<(String, String)>,
}

impl OsRelease {
    pub fn parse(text: &str) -> OsRelease {
        let mut pairs = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            pairs.push((k.trim().to_string(), unquote(v.trim())));
        }
        OsRelease { pairs }
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn unquote(v: &str) -> String {
    let bytes = v.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        let inner = &v[1..v.len() - 1];
        if bytes[0] == b'"' {
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            return out;
        }
        return inner.to_string();
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_strings() {
        for (s, maj, min) in [
            ("rhel8", 8, None),
            ("RHEL-9", 9, None),
            ("el9", 9, None),
            ("el9.6", 9, Some(6)),
            ("9", 9, None),
            ("9.6", 9, Some(6)),
            ("10.0", 10, Some(0)),
            ("rhel10", 10, None),
            (" 7.9 ", 7, Some(9)),
        ] {
            let r = Release::parse(s).unwrap();
            assert_eq!((r.major, r.minor), (maj, min), "{s}");
        }
        for s in [
            "", "rhel", "fedora40", "9.x", "6", "11", "9.6.1", "-9", "el 9a",
        ] {
            assert!(Release::parse(s).is_err(), "{s:?} accepted");
        }
    }

    fn osr(text: &str) -> Result<Release> {
        Release::from_os_release(text, Path::new("/etc/os-release"))
    }

    #[test]
    fn reads_rhel_and_rebuilds() {
        let r = osr("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.6\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.6 (Plow)\"\n").unwrap();
        assert_eq!((r.major, r.minor), (9, Some(6)));
        assert_eq!(r.id.as_deref(), Some("rhel"));
        assert_eq!(
            r.pretty_name.as_deref(),
            Some("Red Hat Enterprise Linux 9.6 (Plow)")
        );
        let r = osr("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"9\"\n").unwrap();
        assert_eq!((r.major, r.minor), (9, None));
        let r =
            osr("ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n").unwrap();
        assert_eq!((r.major, r.minor), (8, Some(10)));
        let r = osr("ID=\"rocky\"\nVERSION_ID='8.4'\n").unwrap();
        assert_eq!((r.major, r.minor), (8, Some(4)));
        let r = osr("# comment\nID=\"ol\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"7.9\"\n").unwrap();
        assert_eq!((r.major, r.minor), (7, Some(9)));
        let r = osr("ID=someclone\nID_LIKE=\"rhel\"\nVERSION_ID=10.0\n").unwrap();
        assert_eq!((r.major, r.minor), (10, Some(0)));
    }

    #[test]
    fn refuses_other_systems_clearly() {
        let e = osr("ID=debian\nVERSION_ID=\"12\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/etc/os-release") && e.contains("ID=debian"),
            "{e}"
        );
        assert!(e.contains("not RHEL"), "{e}");
        let e = osr("ID=fedora\nVERSION_ID=40\n").unwrap_err().to_string();
        assert!(e.contains("ID=fedora"), "{e}");
        let e = osr("ID=ubuntu\nID_LIKE=debian\n").unwrap_err().to_string();
        assert!(e.contains("ID_LIKE=debian"), "{e}");
        let e = osr("ID=rhel\n").unwrap_err().to_string();
        assert!(e.contains("VERSION_ID"), "{e}");
        let e = osr("ID=rhel\nVERSION_ID=6.10\n").unwrap_err().to_string();
        assert!(e.contains("not supported"), "{e}");
    }
}
