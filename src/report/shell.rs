//! Shell quoting for display: commands are argv lists in the data, and the text report
//! shows them as a line a person can paste into a POSIX shell.
use std::borrow::Cow;

/// `arg` quoted for a POSIX shell: unchanged when it has only characters no shell treats
/// specially, else in single quotes (an embedded `'` becomes `'\''`).
pub fn quote(arg: &str) -> Cow<'_, str> {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-+=/.,:@%".contains(&b));
    if plain {
        Cow::Borrowed(arg)
    } else {
        Cow::Owned(format!("'{}'", arg.replace('\'', r"'\''")))
    }
}

/// An argv list as one shell command line.
pub fn join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|a| quote(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("postmap"), "postmap");
        assert_eq!(
            quote("lmdb:/etc/postfix/virtual"),
            "lmdb:/etc/postfix/virtual"
        );
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$x"), "'$x'");
        assert_eq!(
            quote("smtpd_recipient_restrictions=permit_mynetworks, reject"),
            "'smtpd_recipient_restrictions=permit_mynetworks, reject'"
        );
    }

    #[test]
    fn round_trips_through_a_real_shell() {
        let argv: Vec<String> = ["printf", "%s\\n", "a b", "it's", "$HOME", "", "x;y", "*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = std::process::Command::new("sh")
            .args(["-c", &join(&argv)])
            .output()
            .expect("sh is needed by this test");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "a b\nit's\n$HOME\n\nx;y\n*\n"
        );
    }
}
