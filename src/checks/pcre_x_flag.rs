//! `pcre-x-flag`: patterns in pcre tables that use the `X` flag, which Postfix built on
//! PCRE2 (3.7 and later, RHEL 10) no longer supports: it warns and ignores the flag.
//!
//! The check reads every `pcre:` table file the configuration names (main.cf and master.cf
//! `-o`, through `proxy:` and `unionmap:`), inside the root, and parses it as
//! pcre_table(5) does: logical lines (indented lines continue the previous one), `#`
//! comments, `/pattern/flags result`, `!/pattern/flags`, `if /pattern/flags` ... `endif`,
//! with any delimiter character.
use std::collections::BTreeSet;

use crate::checks::{Check, CheckDocs};
use crate::facts::Facts;
use crate::finding::{Finding, Link, Related, Severity};

pub struct PcreXFlag;

const ID: &str = "pcre-x-flag";

/// One pattern using the `X` flag: physical line, the pattern as written (delimiters and
/// flags included).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct XFlagUse {
    pub line: usize,
    pub pattern: String,
}

/// The pattern at the start of `text` (after an optional `!`): (pattern with delimiters
/// and flags, flags). None when the text does not start with a delimited pattern.
fn split_pattern(text: &str) -> Option<(&str, &str)> {
    let start = usize::from(text.starts_with('!'));
    let body = &text[start..];
    let delim = body.chars().next()?;
    if delim.is_whitespace() {
        return None;
    }
    let dl = delim.len_utf8();
    let bytes = body.as_bytes();
    let mut i = dl;
    let mut close = None;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if body[i..].starts_with(delim) {
            close = Some(i);
            break;
        }
        i += 1;
    }
    let close = close?;
    let flags_start = close + dl;
    let flags_end = body[flags_start..]
        .find(char::is_whitespace)
        .map_or(body.len(), |n| flags_start + n);
    Some((&text[..start + flags_end], &body[flags_start..flags_end]))
}

/// Every pattern of a pcre table that carries the `X` flag. Lines are physical, 1-based.
pub(crate) fn x_flag_uses(table: &str) -> Vec<XFlagUse> {
    let mut out = Vec::new();
    for (n, raw) in table.lines().enumerate() {
        // Continuation lines (leading whitespace), comments and blank lines never start a
        // pattern.
        if raw.is_empty() || raw.starts_with(char::is_whitespace) || raw.starts_with('#') {
            continue;
        }
        let mut text = raw.trim_end();
        if text == "endif" {
            continue;
        }
        if let Some(rest) = text.strip_prefix("if") {
            if rest.starts_with(char::is_whitespace) {
                text = rest.trim_start();
            }
        }
        if let Some((pattern, flags)) = split_pattern(text) {
            if flags.contains('X') {
                out.push(XFlagUse {
                    line: n + 1,
                    pattern: pattern.to_string(),
                });
            }
        }
    }
    out
}

impl Check for PcreXFlag {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "pcre table pattern uses the X flag, which PCRE2 ignores"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Reads every pcre: table file named in main.cf or a master.cf -o override \
                   (also behind proxy: and unionmap:) and reports each pattern whose flags \
                   include X, with the table's file and line.",
            why: "Postfix 3.7 and later build pcre: tables on the PCRE2 library when it is \
                  available, as RHEL 10 does. PCRE2 has no equivalent of PCRE's X \
                  (PCRE_EXTRA) flag: Postfix logs a warning for every such pattern and \
                  ignores the flag. X only made an unknown backslash escape an error, so \
                  the match result rarely changes, but the warnings repeat in the log and a \
                  pattern that relied on the error now quietly matches a literal letter.",
            fix: "Remove the X from the flags of each reported pattern, check that the \
                  pattern contains no unknown backslash escape (such as \\y), then run \
                  `postmap -q TEXT pcre:FILE` to confirm the table still answers as before.",
            references: &[
                (
                    "https://www.postfix.org/pcre_table.5.html",
                    "pcre_table(5): table format and pattern flags",
                ),
                (
                    "https://www.postfix.org/announcements/postfix-3.7.0.html",
                    "Postfix 3.7.0 announcement: pcre2 support, X flag no longer supported",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let path = &facts.upgrade_path;
        if !path.uses_pcre2() || path.source_profile().pcre2 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for inst in &facts.instances {
            for r in facts.map_refs(inst) {
                if r.map_type != "pcre" || !r.name.starts_with('/') {
                    continue;
                }
                if !seen.insert(r.name.clone()) {
                    continue;
                }
                let Ok(bytes) = facts.root.read(r.name.as_str()) else {
                    // A missing or unreadable table is another check's business.
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                for u in x_flag_uses(&text) {
                    let mut f = Finding::new(ID, Severity::Low, self.title());
                    f.summary = format!(
                        "{}:{}: the pattern {} uses the X flag. The target's Postfix {} reads \
                         pcre tables with PCRE2, which does not support X: every process \
                         that opens the table logs a warning and the flag is ignored. The \
                         table is used by {} ({}).",
                        r.name,
                        u.line,
                        u.pattern,
                        path.target_postfix_version(),
                        r.parameter,
                        r.service.as_deref().map_or_else(
                            || inst.main_cf_path().display().to_string(),
                            |s| format!("{} service {s}", inst.master_cf_path().display())
                        ),
                    );
                    f.location.file = Some(r.name.to_string());
                    f.location.line = Some(u.line);
                    f.location.end_line = Some(u.line);
                    f.location.text = Some(u.pattern.clone().into());
                    f.related.push(Related::file(r.name.to_string()));
                    f.remediation.hint = format!(
                        "Remove the X flag from the pattern on line {} of {} and confirm the \
                         pattern has no unknown backslash escape; then test with postmap -q.",
                        u.line, r.name
                    )
                    .into();
                    f.links.push(Link {
                        url: "https://www.postfix.org/pcre_table.5.html".into(),
                        title: "pcre_table(5)".into(),
                    });
                    out.push(f);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(t: &str) -> Vec<(usize, String)> {
        x_flag_uses(t)
            .into_iter()
            .map(|u| (u.line, u.pattern))
            .collect()
    }

    #[test]
    fn finds_x_in_plain_negated_and_if_patterns() {
        let t = "# /commented/X REJECT\n\
                 /^From: .*spam/iX REJECT spam\n\
                 /plain/i OK\n\
                 !/^To:/X DUNNO\n\
                 if /^Subject:/X\n\
                 /x/ WARN\n\
                 endif\n\
                 \x20 /continued/X not a pattern start\n\
                 #x#X REJECT other delimiter\n\
                 |a\\|b|X REJECT escaped delimiter\n";
        assert_eq!(
            lines(t),
            vec![
                (2, "/^From: .*spam/iX".to_string()),
                (4, "!/^To:/X".to_string()),
                (5, "/^Subject:/X".to_string()),
                (10, "|a\\|b|X".to_string()),
            ]
        );
    }

    #[test]
    fn ignores_x_outside_the_flags() {
        let t = "/X/ REJECT X in the pattern\n\
                 /a\\/X/i REJECT X after an escaped delimiter\n\
                 /unterminated X\n\
                 /b/ PREPEND X-Header: X\n";
        assert!(lines(t).is_empty(), "{:?}", lines(t));
    }

    #[test]
    fn comment_delimiter_is_a_comment() {
        // pcre_table(5): a line whose first non-blank character is # is a comment, so
        // `#pat#X` at the start of a line never is a pattern.
        assert!(lines("#pat#X REJECT\n").is_empty());
    }
}
