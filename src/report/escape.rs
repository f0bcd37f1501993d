//! Control characters in text meant for a terminal.
//!
//! Parameter names, values and whole config lines come from files an attacker may have
//! written. Printed raw, an ESC or CSI sequence in them could move the cursor, rewrite
//! what the admin sees or set the window title. Every text renderer passes such bytes
//! through [`escape_controls`]: tab stays a tab, every other C0 control, DEL and every C1
//! control becomes a visible `\xNN` (or `\u{NN}` for C1), and a backslash is left alone
//! (it is ordinary config text).
use std::borrow::Cow;

/// `s` with control characters shown escaped; borrowed when there is nothing to escape.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let n = c as u32;
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:02x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c != '\t' && c != '\n' && c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c0_del_c1_but_not_tab_or_newline() {
        assert_eq!(escape_controls("a\tb\nc"), "a\tb\nc");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("x\x1b]0;pwned\x07y\x7f\u{9b}"),
            "x\\x1b]0;pwned\\x07y\\x7f\\u{9b}"
        );
        assert_eq!(escape_controls("cr\rhere"), "cr\\x0dhere");
    }
}
