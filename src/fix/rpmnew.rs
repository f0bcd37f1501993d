//! Fix for `rpmnew-merge` (on the new release): the non-conflicting part of the three-way
//! merge of `main.cf.rpmnew` / `master.cf.rpmnew` ([`crate::verify::rpmnew_merge`] decides
//! what is taken, kept or in conflict; this file only applies it).
//!
//! - a parameter (service) changed only in the new stock file is taken: its value set in
//!   place (the entry replaced by the new stock one), or removed; a new one is added
//!   after the parameter (service) that precedes it in the new stock file, with the stock
//!   comment paragraph right above it there (unless the admin's file has that text
//!   already);
//! - the admin's changes are kept; nothing else in the file moves (edits on the lossless
//!   model touch only the lines of the names concerned);
//! - `compatibility_level` is never taken here: the `compatibility-level` fix (which runs
//!   before this one) raises it with the old defaults pinned; left alone it stays listed;
//! - a name changed on both sides is left, listed side by side with a recommendation and
//!   the command that would take the new stock value;
//! - the `.rpmnew` is removed, in the same transaction (backed up, put back by undo and by
//!   a rollback), only when nothing is left to take and nothing conflicts.
//!
//! Only on the release the `.rpmnew` came with (`fix` after the upgrade, no upgrade
//! ahead): before an upgrade the base would be the wrong release's stock file.
use super::plan::{Cx, Draft, Out, Planner, Removal};
use crate::config::{MainCf, MasterCf};
use crate::finding::Applicability;
use crate::verify::rpmnew_merge::{
    self as merge, recommendation, shown, side_by_side, take_command, Pending, Side, ID,
};

pub struct RpmnewMerge;

/// Never taken by the merge: the `compatibility-level` fix raises it with its pins.
const LEVEL: &str = "compatibility_level";

impl Planner for RpmnewMerge {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        if cx.facts.upgrade_path.upgrades() {
            return;
        }
        let (pending, unreadable) = merge::pending_or_unreadable(cx.facts, cx.inst);
        for (path, why) in unreadable {
            out.left.push(cx.left(
                ID,
                Some(&path),
                path.display().to_string(),
                format!("not merged and not removed: {why}"),
                Vec::new(),
            ));
        }
        for p in pending {
            let Some(before) = p.merge(&draft.main, draft.master.as_ref()) else {
                continue;
            };
            let mut taken: Vec<&Side> = Vec::new();
            let is_level = |s: &Side| p.file == "main.cf" && s.name == LEVEL;
            // the new stock file, parsed and split into lines once for all it gives
            let stock_lines = lines(&p.theirs);
            let (stock_main, stock_master) = if p.file == "main.cf" {
                (Some(MainCf::parse(&p.theirs)), None)
            } else {
                (None, Some(MasterCf::parse(&p.theirs)))
            };
            for s in &before.take {
                if is_level(s) {
                    // raised by its own fix, which pins the old defaults first
                    continue;
                }
                let ok = match (&stock_main, &stock_master, draft.master.as_mut()) {
                    (Some(t), _, _) => take_param(&mut draft.main, t, &stock_lines, s),
                    (_, Some(t), Some(m)) => take_service(m, t, &stock_lines, s),
                    _ => false,
                };
                if ok {
                    taken.push(s);
                }
            }
            let Some(after) = p.merge(&draft.main, draft.master.as_ref()) else {
                continue;
            };
            if !taken.is_empty() {
                let mut fix = cx.fix(
                    ID,
                    Applicability::Safe,
                    Some(&p.path),
                    format!(
                        "{}: take {} change(s) made only in the new stock file {}: {}",
                        p.file,
                        taken.len(),
                        p.rpmnew.display(),
                        taken
                            .iter()
                            .map(|s| format!(
                                "{} {} → {}",
                                s.name,
                                shown(&s.ours),
                                shown(&s.theirs)
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                );
                let mut note = Vec::new();
                if !after.keep.is_empty() {
                    note.push(format!(
                        "your own changes are kept ({})",
                        after
                            .keep
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !after.conflict.is_empty() {
                    note.push(format!(
                        "{} conflict(s) left for you to decide",
                        after.conflict.len()
                    ));
                }
                if !note.is_empty() {
                    fix.note = Some(note.join("; "));
                }
                out.fixes.push(fix);
            }
            for s in &after.take {
                let (reason, commands) = if is_level(s) {
                    let fix = crate::checks::common::fix_command("compatibility-level");
                    (
                        "the level is raised by the compatibility-level fix, which first pins \
                         the old defaults this host relies on",
                        vec![crate::verify::fix_after_upgrade(
                            cx.facts,
                            crate::checks::common::owned(fix),
                        )],
                    )
                } else {
                    (
                        "the edit could not be made here",
                        vec![crate::checks::common::owned(take_command(
                            cx.inst, p.file, s,
                        ))],
                    )
                };
                out.left.push(cx.left(
                    ID,
                    Some(&p.path),
                    format!("{} {}", p.file, s.name),
                    format!(
                        "changed only in the new stock file ({} → {}), but {reason}; {} is kept \
                         until it is taken",
                        shown(&s.ours),
                        shown(&s.theirs),
                        p.rpmnew.display()
                    ),
                    commands,
                ));
            }
            for s in &after.conflict {
                out.left.push(cx.left(
                    ID,
                    Some(&p.path),
                    format!("{} {}", p.file, s.name),
                    format!(
                        "changed on both sides: {}; recommended: {} (the remedy takes the new \
                         stock value instead)",
                        side_by_side(s),
                        recommendation(s)
                    ),
                    vec![crate::checks::common::owned(take_command(
                        cx.inst, p.file, s,
                    ))],
                ));
            }
            if !after.conflict.is_empty() {
                out.left.push(cx.left(
                    ID,
                    Some(&p.rpmnew),
                    p.rpmnew.display().to_string(),
                    format!(
                        "kept until the {} conflict(s) above are decided; then run fix again \
                         (it removes it) or remove it",
                        after.conflict.len()
                    ),
                    Vec::new(),
                ));
            }
            if after.is_empty() {
                out.removals.push(removal(cx, &p));
            }
        }
    }
}

fn removal(cx: &Cx, p: &Pending) -> Removal {
    let mut fix = cx.fix(
        ID,
        Applicability::Safe,
        Some(&p.rpmnew),
        format!(
            "remove {}: everything in it is in {} (taken, or changed by you)",
            p.rpmnew.display(),
            p.file
        ),
    );
    fix.note = Some("backed up: undo brings it back".into());
    Removal {
        instance: cx.inst.name.clone(),
        path: p.rpmnew.clone(),
        old: p.theirs.clone(),
        fix,
    }
}

/// The physical lines of a file, each with its newline.
fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

fn is_comment(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(b"#")
}

/// The comment paragraph right above physical line `line` (1-based): the comment lines
/// up to the first blank or non-comment line.
fn comment_block(lines: &[&[u8]], line: usize) -> Vec<u8> {
    let end = line - 1;
    let mut start = end;
    while start > 0 && is_comment(lines[start - 1]) {
        start -= 1;
    }
    lines[start..end].concat()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// `data` with `text` (the stock paragraph and definition) inserted after physical line
/// `after` (1-based; None: at the end).
fn insert_after(data: &[u8], after: Option<usize>, block: &[u8], def: &[u8]) -> Vec<u8> {
    let at = match after {
        Some(l) => lines(data)[..l].iter().map(|x| x.len()).sum(),
        None => data.len(),
    };
    let mut d = Vec::with_capacity(data.len() + block.len() + def.len() + 2);
    d.extend_from_slice(&data[..at]);
    if !d.is_empty() && !d.ends_with(b"\n") {
        d.push(b'\n');
    }
    if !block.is_empty() {
        // a comment paragraph starts after a blank line, as in the stock file
        if !d.is_empty() && !d.ends_with(b"\n\n") {
            d.push(b'\n');
        }
        d.extend_from_slice(block);
    }
    d.extend_from_slice(def);
    if !d.ends_with(b"\n") {
        d.push(b'\n');
    }
    d.extend_from_slice(&data[at..]);
    d
}

/// Take the new stock side of one main.cf parameter.
/// `t` is the new stock main.cf, `tl` its physical lines.
fn take_param(main: &mut MainCf, t: &MainCf, tl: &[&[u8]], s: &Side) -> bool {
    match &s.theirs {
        None => main.remove(&s.name).is_ok(),
        Some(v) if main.get(&s.name).is_some() => main.set(&s.name, v).is_ok(),
        Some(v) => {
            let Some(tp) = t.get(&s.name) else {
                return false;
            };
            let def = tl[tp.line - 1..tp.end_line].concat();
            let mut block = comment_block(tl, tp.line);
            if contains(main.as_bytes(), &block) {
                block.clear();
            }
            let anchor = t
                .params()
                .iter()
                .filter(|q| q.end_line < tp.line && q.name != s.name)
                .rev()
                .find_map(|q| main.get(&q.name))
                .map(|q| q.end_line);
            let new = MainCf::parse(&insert_after(main.as_bytes(), anchor, &block, &def));
            if new.value(&s.name).map(merge::norm).as_deref() != Some(v.as_str()) {
                return false;
            }
            *main = new;
            true
        }
    }
}

/// Take the new stock side of one master.cf service (`name/type`).
/// `t` is the new stock master.cf, `tl` its physical lines.
fn take_service(m: &mut MasterCf, t: &MasterCf, tl: &[&[u8]], s: &Side) -> bool {
    let Some(ts) = t.get(&s.name) else {
        return s.theirs.is_none() && m.remove_entry(&s.name).is_ok();
    };
    let def = tl[ts.line - 1..ts.end_line].concat();
    if m.get(&s.name).is_some() {
        return match std::str::from_utf8(&def) {
            Ok(text) => m.replace_entry(&s.name, text).is_ok(),
            Err(_) => false,
        };
    }
    let mut block = comment_block(tl, ts.line);
    if contains(m.as_bytes(), &block) {
        block.clear();
    }
    let anchor = t
        .services()
        .iter()
        .filter(|q| q.end_line < ts.line)
        .rev()
        .find_map(|q| m.get(&q.id()))
        .map(|q| q.end_line);
    let new = MasterCf::parse(&insert_after(m.as_bytes(), anchor, &block, &def));
    if new.get(&s.name).is_none() || new.services().len() != m.services().len() + 1 {
        return false;
    }
    *m = new;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_after_the_anchor_with_the_stock_paragraph() {
        let ours = b"a = 1\nb = 2\n";
        let d = insert_after(ours, Some(1), b"# about c\n#\n", b"c = 3\n");
        assert_eq!(d, b"a = 1\n\n# about c\n#\nc = 3\nb = 2\n");
        let d = insert_after(b"a = 1", None, b"", b"c = 3\n");
        assert_eq!(d, b"a = 1\nc = 3\n");
        let t: &[&[u8]] = &[b"x = 1\n", b"\n", b"# one\n", b"  # two\n", b"c = 3\n"];
        assert_eq!(comment_block(t, 5), b"# one\n  # two\n");
        assert_eq!(comment_block(t, 1), b"");
    }

    #[test]
    fn takes_a_new_parameter_next_to_its_stock_neighbour() {
        let mut main =
            MainCf::parse(b"# mine\nmyhostname = h\nalias_maps = lmdb:/etc/aliases\n# end\n");
        let theirs =
            b"alias_maps = lmdb:/etc/aliases\n\n# The new one.\n#\nnew_param = yes\nother = 1\n";
        let side = Side {
            name: "new_param".into(),
            base: None,
            ours: None,
            theirs: Some("yes".into()),
        };
        assert!(take_param(
            &mut main,
            &MainCf::parse(theirs),
            &lines(theirs),
            &side
        ));
        assert_eq!(
            String::from_utf8_lossy(main.as_bytes()),
            "# mine\nmyhostname = h\nalias_maps = lmdb:/etc/aliases\n\n# The new one.\n#\nnew_param = yes\n# end\n"
        );
    }
}
