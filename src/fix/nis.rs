//! Fix for `nis-map` (review): the target is built without NIS, so a `nis:` table can no
//! longer be opened and every lookup through the list fails temporarily. The fix removes
//! the `nis:` member from the main.cf list where it is written, keeping the other members
//! and the layout (the separator next to it goes with it; a member alone on its
//! continuation line takes the line).
//!
//! It is `review`: where NIS is in use (`/etc/yp.conf` exists) the data must first be
//! exported to a local table. Members written inside a restriction (where the map is the
//! argument of `check_*_access`), wrapped (`proxy:nis:`, `unionmap:{...}`), coming through
//! `$name`, or in a master.cf `-o` are left with the reason.
use super::plan::{Cx, Draft, Out, Planner};
use crate::config::{takes_tables, ConfigFile, MainCf};
use crate::finding::Applicability;

pub struct NisMap;

const ID: &str = "nis-map";

fn is_sep(b: u8) -> bool {
    matches!(b, b',' | b' ' | b'\t')
}

/// `data` without the list member `token` written at `line`/`column`: the separators
/// after it go too, or, when it ends its line, those before it; a member alone on a
/// continuation line takes the whole line. `None` when the text is not there.
fn without_member(data: &[u8], line: usize, column: usize, token: &str) -> Option<Vec<u8>> {
    let mut ls = 0;
    for _ in 1..line {
        ls += data[ls..].iter().position(|&b| b == b'\n')? + 1;
    }
    let mut le = data[ls..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |p| ls + p);
    let eol = (le + 1).min(data.len());
    if le > ls && data[le - 1] == b'\r' {
        le -= 1;
    }
    let a = ls + column;
    let b = a + token.len();
    if b > le || &data[a..b] != token.as_bytes() {
        return None;
    }
    let mut b2 = b;
    while b2 < le && is_sep(data[b2]) {
        b2 += 1;
    }
    let mut a2 = a;
    while a2 > ls && is_sep(data[a2 - 1]) {
        a2 -= 1;
    }
    let (from, to) = if b2 < le {
        (a, b2)
    } else if a2 > ls {
        (a2, le)
    } else {
        (ls, eol)
    };
    let mut d = Vec::with_capacity(data.len());
    d.extend_from_slice(&data[..from]);
    d.extend_from_slice(&data[to..]);
    Some(d)
}

impl Planner for NisMap {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        if !cx.facts.upgrade_path.lacks_nis() {
            return;
        }
        let defaults = |n: &str| cx.default_value(n);
        let refs = crate::config::map_refs(&draft.main, draft.master.as_ref(), &defaults);
        let classes: Vec<String> =
            super::plan::list_tokens(&cx.expanded(draft, "smtpd_restriction_classes"))
                .into_iter()
                .map(|(_, w)| w.to_string())
                .collect();
        let yp = cx.facts.root.exists(std::path::Path::new("/etc/yp.conf"));
        let main_path = cx.inst.main_cf_path();
        let master_path = cx.inst.master_cf_path();
        // (line, column, text, parameter), last first so positions stay valid
        let mut edits: Vec<(usize, usize, String, String)> = Vec::new();
        for r in refs.iter().filter(|r| r.map_type == "nis") {
            // a nis: type that only a built-in default supplies is not in the files
            if r.via.as_ref().is_some_and(|v| v.line.is_none()) {
                continue;
            }
            let what = format!("{} in {}", r.text, r.parameter);
            let path = match r.file {
                ConfigFile::Main => &main_path,
                ConfigFile::Master => &master_path,
            };
            let by_hand = |why: &str| {
                cx.left(
                    ID,
                    Some(path),
                    what.clone(),
                    format!("{why}: remove it by hand (export the NIS map to a local table first if NIS is in use)"),
                    Vec::new(),
                )
            };
            let restriction = r.parameter.ends_with("_restrictions")
                || classes.iter().any(|c| c == &r.parameter)
                || !takes_tables(&r.parameter, &classes)
                || r.parameter.ends_with("_checks");
            let at = match (&r.at, r.file) {
                _ if restriction => {
                    out.left
                        .push(by_hand("it is the argument of a restriction"));
                    continue;
                }
                _ if !r.wrappers.is_empty() => {
                    out.left.push(by_hand(&format!(
                        "it is wrapped in {}:",
                        r.wrappers.join(":")
                    )));
                    continue;
                }
                (_, ConfigFile::Master) => {
                    out.left.push(by_hand("it is in a master.cf -o override"));
                    continue;
                }
                (None, _) => {
                    out.left.push(by_hand(
                        "it is not written literally (it comes through $name)",
                    ));
                    continue;
                }
                (Some(at), ConfigFile::Main) => at,
            };
            if !cx.opts.unsafe_fixes {
                out.left.push(cx.left(
                    ID,
                    Some(path),
                    what,
                    format!(
                        "needs review (fix --unsafe removes it from the list): {}",
                        if yp {
                            "/etc/yp.conf exists, so NIS may be in use: export the map to a \
                             local table first"
                        } else {
                            "there is no /etc/yp.conf, so the lookup most likely never \
                             answered anything"
                        }
                    ),
                    Vec::new(),
                ));
                continue;
            }
            edits.push((
                at.line,
                at.column,
                at.text.to_string(),
                r.parameter.to_string(),
            ));
        }
        edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        edits.dedup();
        for (line, column, text, parameter) in edits {
            let Some(d) = without_member(draft.main.as_bytes(), line, column, &text) else {
                continue;
            };
            draft.main = MainCf::parse(&d);
            let mut f = cx.fix(
                ID,
                Applicability::Review,
                Some(&main_path),
                format!("remove {text} from {parameter}"),
            );
            f.note = Some(if yp {
                "/etc/yp.conf exists: the NIS data must be in a local table first".into()
            } else {
                "no /etc/yp.conf: the NIS lookup most likely never answered".into()
            });
            out.fixes.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rm(s: &str, line: usize, col: usize, t: &str) -> String {
        String::from_utf8(without_member(s.as_bytes(), line, col, t).unwrap()).unwrap()
    }

    #[test]
    fn members_go_with_their_separator() {
        assert_eq!(
            rm("a = hash:/x, nis:y\nb = 1\n", 1, 13, "nis:y"),
            "a = hash:/x\nb = 1\n"
        );
        assert_eq!(rm("a = nis:y, hash:/x\n", 1, 4, "nis:y"), "a = hash:/x\n");
        assert_eq!(
            rm("a = hash:/x,\n    nis:y\nb = 1\n", 2, 4, "nis:y"),
            "a = hash:/x,\nb = 1\n"
        );
        assert_eq!(rm("a = nis:y\r\n", 1, 4, "nis:y"), "a =\r\n");
        assert!(without_member(b"a = nis:y\n", 1, 3, "nis:y").is_none());
    }
}
