//! Fix for `master-internal-services`, in master.cf:
//!
//! * a missing internal service the target needs (postlog from 3.4, tlsmgr, ...) is
//!   added in the file's column style, but only where the RPM's %post
//!   (`postfix upgrade-configuration`) would not add it: secondary instances without
//!   `multi_instance_wrapper`. When the installed Postfix does not have the daemon yet
//!   (postlogd on 3.3 and older), the entry waits for after the upgrade;
//! * `tlsproxy` gets process limit 0 (safe: 0 is "no limit" on every version);
//! * `chroot` fields written `-` are written as what they mean today (`y` below
//!   compatibility_level 1 or before Postfix 3.0, else `n`): behaviour stays;
//! * (review) an entry whose daemon the target does not ship is removed.
use super::plan::{Cx, Draft, Fix, Out, Planner, When};
use crate::checks::catalog_data::{DAEMONS, INTERNAL_SERVICES};
use crate::config::MasterCf;
use crate::facts::PostfixVersion;
use crate::finding::Applicability;

pub struct MasterInternalServices;

const ID: &str = "master-internal-services";

const TLSPROXY_ZERO_SINCE: PostfixVersion = PostfixVersion::new(3, 4, 0);

use crate::checks::master_internal_services::dash_means_y;

/// `entry` (blank-separated fields) laid out like the file's entries: the column starts
/// most of its single-line, space-aligned entries share (at least one blank between
/// fields); single blanks or tabs when most entries separate their fields that way.
pub fn styled_entry(master: &MasterCf, entry: &str) -> String {
    let fields: Vec<&str> = entry.split_ascii_whitespace().collect();
    let data = master.as_bytes();
    let mut layouts: Vec<(Vec<usize>, usize)> = Vec::new();
    let mut tabs = 0;
    let mut single = 0;
    for s in master.services() {
        let start = master.line_start(s.line);
        let end = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| start + p);
        let Ok(line) = std::str::from_utf8(&data[start..end]) else {
            continue;
        };
        let line = line.trim_end_matches('\r');
        if line.contains('\t') {
            tabs += 1;
            continue;
        }
        // column starts of the 8 fields
        let mut starts = Vec::new();
        let mut prev_blank = true;
        for (i, c) in line.char_indices() {
            if c != ' ' && prev_blank {
                starts.push(i);
            }
            prev_blank = c == ' ';
        }
        if starts.len() >= 8 {
            starts.truncate(8);
            if line[..starts[7] - 1].split(' ').all(|w| !w.is_empty()) {
                single += 1;
                continue;
            }
            match layouts.iter_mut().find(|(l, _)| *l == starts) {
                Some((_, n)) => *n += 1,
                None => layouts.push((starts, 1)),
            }
        }
    }
    let spaced: usize = layouts.iter().map(|(_, n)| n).sum();
    if tabs > spaced.max(single) {
        return fields.join("\t");
    }
    if single > spaced {
        return fields.join(" ");
    }
    // the most common layout; the first one on a tie
    let Some((cols, _)) = layouts.iter().rev().max_by_key(|(_, n)| *n) else {
        return fields.join(" ");
    };
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            let want = cols.get(i).copied().unwrap_or(0);
            let pad = want.saturating_sub(out.len()).max(1);
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(f);
    }
    out
}

impl MasterInternalServices {
    fn missing(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.master_cf_path();
        let target = cx.facts.upgrade_path.target_postfix_version();
        let installed = cx.facts.postfix.version;
        let wrapped = cx
            .facts
            .primary()
            .main()
            .value("multi_instance_wrapper")
            .is_some_and(|w| !w.trim().is_empty());
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        for svc in INTERNAL_SERVICES.iter().filter(|s| target >= s.since) {
            if m.services().iter().any(|s| s.name == svc.name) {
                continue;
            }
            // the RPM's %post adds it (through the wrapper for every instance)
            if svc.upgrade_configuration_adds && (cx.inst.primary || wrapped) {
                continue;
            }
            let entry = styled_entry(m, svc.entry);
            let summary = format!("add the {}/{} entry: {entry}", svc.name, svc.kind);
            if installed >= svc.since {
                if m.add_entry(&entry).is_ok() {
                    out.fixes
                        .push(cx.fix(ID, Applicability::Safe, Some(&path), summary));
                }
            } else {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "the installed Postfix {installed} has no {} daemon; Postfix {} needs it",
                        svc.entry
                            .split_ascii_whitespace()
                            .last()
                            .unwrap_or(svc.name),
                        svc.since
                    )),
                    commands: vec![
                        cx.postconf(&["-M", &format!("{}/{}={}", svc.name, svc.kind, svc.entry)])
                    ],
                    ..cx.fix(ID, Applicability::Safe, Some(&path), summary)
                });
            }
        }
    }

    fn tlsproxy(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        if cx.facts.upgrade_path.target_postfix_version() < TLSPROXY_ZERO_SINCE {
            return;
        }
        let path = cx.inst.master_cf_path();
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        let ids: Vec<(String, String)> = m
            .services()
            .iter()
            .filter(|s| s.command == "tlsproxy" && s.kind == "unix" && s.maxproc != "0")
            .map(|s| (s.id(), s.maxproc.to_string()))
            .collect();
        for (id, old) in ids {
            if m.set_field(&id, 6, "0").is_ok() {
                out.fixes.push(cx.fix(
                    ID,
                    Applicability::Safe,
                    Some(&path),
                    format!("master.cf {id}: process limit {old} -> 0 (no limit)"),
                ));
            }
        }
    }

    fn chroot(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.master_cf_path();
        let level = match draft.main.get("compatibility_level") {
            Some(_) => cx.expanded(draft, "compatibility_level"),
            None => "0".to_string(),
        };
        let before = dash_means_y(cx.facts.postfix.version, &level);
        let after = dash_means_y(cx.facts.upgrade_path.target_postfix_version(), &level);
        if !before && !after {
            return;
        }
        let yn = if before { "y" } else { "n" };
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        let ids: Vec<String> = m
            .services()
            .iter()
            .filter(|s| s.chroot == "-")
            .map(|s| s.id())
            .collect();
        let mut done = Vec::new();
        for id in ids {
            if m.set_field(&id, 4, yn).is_ok() {
                done.push(id);
            }
        }
        if !done.is_empty() {
            out.fixes.push(cx.fix(
                ID,
                Applicability::Safe,
                Some(&path),
                format!(
                    "master.cf chroot \"-\" -> {yn} (what it means today) for {}",
                    done.join(", ")
                ),
            ));
        }
    }

    fn gone(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.master_cf_path();
        let target = cx.facts.upgrade_path.target_postfix_version();
        let Some(m) = draft.master.as_mut() else {
            return;
        };
        let gone: Vec<(String, String)> = m
            .services()
            .iter()
            .filter(|s| !s.command.contains('/'))
            .filter(|s| {
                DAEMONS.iter().any(|(d, since, until)| {
                    *d == s.command && !(target >= *since && until.is_none_or(|u| target < u))
                })
            })
            .map(|s| (s.id(), s.command.to_string()))
            .collect();
        for (id, daemon) in gone {
            let summary = format!(
                "remove the master.cf {id} entry (Postfix {target} has no {daemon} daemon)"
            );
            if !cx.opts.unsafe_fixes {
                out.left.push(cx.left(
                    ID,
                    Some(&path),
                    format!("master.cf {id}"),
                    format!(
                        "needs review (fix --unsafe removes the entry): Postfix {target} has no \
                         {daemon} daemon, so the service cannot start"
                    ),
                    vec![cx.postconf(&["-MX", &id])],
                ));
                continue;
            }
            if m.remove_entry(&id).is_ok() {
                let mut f = cx.fix(ID, Applicability::Review, Some(&path), summary);
                f.note = Some("whatever used the service needs another transport".into());
                out.fixes.push(f);
            }
        }
    }
}

impl Planner for MasterInternalServices {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        self.missing(cx, draft, out);
        self.tlsproxy(cx, draft, out);
        self.chroot(cx, draft, out);
        self.gone(cx, draft, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_take_the_file_columns() {
        let m = MasterCf::parse(
            b"# comment\nsmtp      inet  n       -       n       -       -       smtpd\n",
        );
        assert_eq!(
            styled_entry(
                &m,
                "postlog   unix-dgram n  -       n       -       1       postlogd"
            ),
            "postlog   unix-dgram n  -       n       -       1       postlogd"
        );
        let m = MasterCf::parse(
            b"127.0.0.1:2525 inet n - n - - smtpd\nsmtp inet n - n - - smtpd\nx unix - - n - - x\n",
        );
        assert_eq!(
            styled_entry(
                &m,
                "tlsmgr    unix  -       -       n       1000?   1       tlsmgr"
            ),
            "tlsmgr unix - - n 1000? 1 tlsmgr"
        );
        let m = MasterCf::parse(b"smtp\tinet\tn\t-\tn\t-\t-\tsmtpd\n");
        assert_eq!(
            styled_entry(&m, "anvil unix - - n - 1 anvil"),
            "anvil\tunix\t-\t-\tn\t-\t1\tanvil"
        );
    }
}
