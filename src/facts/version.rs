//! Postfix release numbers (`3.5.9`, `2.10.1`), ordered numerically.
use std::fmt;

use crate::error::{Error, Result};

/// A Postfix version `major.minor.patch` (a missing patch level is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostfixVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl PostfixVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> PostfixVersion {
        PostfixVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parse `3.5.9`, `3.8`, and tolerate a trailing release or snapshot suffix such as
    /// `3.5.8-4.el8` or `3.10-20240101` (everything after the numbers is ignored).
    pub fn parse(s: &str) -> Result<PostfixVersion> {
        let bad = || Error::Usage(format!("Postfix version {s:?}: expected X.Y or X.Y.Z"));
        let t = s.trim();
        let end = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let nums: Vec<&str> = t[..end].trim_end_matches('.').split('.').collect();
        if !(2..=3).contains(&nums.len()) {
            return Err(bad());
        }
        let mut v = [0u32; 3];
        for (i, n) in nums.iter().enumerate() {
            if n.is_empty() || n.len() > 6 {
                return Err(bad());
            }
            v[i] = n.parse().map_err(|_| bad())?;
        }
        Ok(PostfixVersion::new(v[0], v[1], v[2]))
    }
}

impl fmt::Display for PostfixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for PostfixVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::str::FromStr for PostfixVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<PostfixVersion> {
        PostfixVersion::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let v = |s| PostfixVersion::parse(s).unwrap();
        assert_eq!(v("3.5.9"), PostfixVersion::new(3, 5, 9));
        assert_eq!(v("3.8"), PostfixVersion::new(3, 8, 0));
        assert_eq!(v("3.5.8-4.el8"), PostfixVersion::new(3, 5, 8));
        assert!(v("3.10.0") > v("3.8.5"));
        assert!(v("2.10.1") < v("3.3.1"));
        assert_eq!(v("3.11.0").to_string(), "3.11.0");
        for bad in ["", "3", "x.y", "3..1", "1.2.3.4", "abc3.5"] {
            assert!(PostfixVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
