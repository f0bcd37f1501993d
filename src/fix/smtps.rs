//! Fix for `smtps-service-renamed`: the master.cf `smtps` entry becomes `submissions`
//! (RFC 8314's name for port 465), `syslog_name=.../smtps` becomes `.../submissions`;
//! every other override, the columns and the comments stay.
//!
//! master(8) must resolve the new name when it starts, so the rename is applied now only
//! if `submissions` resolves on the installed system: the root's `/etc/services` lists
//! it for tcp, or the installed Postfix (3.6.3+) maps it in `known_tcp_ports`. Otherwise
//! it is planned for after the upgrade (the target's Postfix knows the name).
use super::plan::{Cx, Draft, Fix, Out, Planner, When};
use crate::facts::PostfixVersion;
use crate::finding::Applicability;

pub struct SmtpsRenamed;

const ID: &str = "smtps-service-renamed";

/// `known_tcp_ports` works from 3.6.3 (ineffective in 3.6.0–3.6.2).
const KNOWN_TCP_PORTS_SINCE: PostfixVersion = PostfixVersion::new(3, 6, 3);

/// Whether `services` (an /etc/services text) lists `name` for tcp.
pub fn services_lists(services: &str, name: &str) -> bool {
    services.lines().any(|l| {
        let l = l.split('#').next().unwrap_or("");
        let mut w = l.split_whitespace();
        let (Some(svc), Some(port)) = (w.next(), w.next()) else {
            return false;
        };
        port.ends_with("/tcp") && (svc == name || w.any(|a| a == name))
    })
}

/// Where `submissions` resolves on the installed system, if it does.
fn submissions_resolves(cx: &Cx, draft: &Draft) -> Option<String> {
    if let Ok(text) = cx.facts.root.read("/etc/services") {
        if services_lists(&String::from_utf8_lossy(&text), "submissions") {
            return Some("/etc/services lists submissions".into());
        }
    }
    let v = &cx.facts.postfix.version;
    if *v >= KNOWN_TCP_PORTS_SINCE {
        let ports = cx.expanded(draft, "known_tcp_ports");
        let ports = if draft.main.get("known_tcp_ports").is_none() && ports.is_empty() {
            cx.default_value("known_tcp_ports").unwrap_or_default()
        } else {
            ports
        };
        if ports
            .split(|c: char| c == ',' || c.is_whitespace() || c == '=')
            .any(|w| w == "submissions")
        {
            return Some(format!("Postfix {v} maps it in known_tcp_ports"));
        }
    }
    None
}

impl Planner for SmtpsRenamed {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let Some(master) = draft.master.as_ref() else {
            return;
        };
        let path = cx.inst.master_cf_path();
        let targets: Vec<(String, String, Option<String>)> = master
            .services()
            .iter()
            .filter(|s| s.kind == "inet")
            .filter_map(|s| {
                let (host, port) = s.endpoint()?;
                (port == "smtps").then(|| {
                    let new_name = match host {
                        Some(_) => format!("{}submissions", &s.name[..s.name.len() - 5]),
                        None => "submissions".to_string(),
                    };
                    let syslog = s
                        .override_value("syslog_name")
                        .filter(|v| v.ends_with("/smtps"))
                        .map(|v| format!("{}/submissions", &v[..v.len() - 6]));
                    (s.id(), new_name, syslog)
                })
            })
            .collect();
        if targets.is_empty() {
            return;
        }
        // never create a duplicate entry
        let resolves = submissions_resolves(cx, draft);
        for (id, new_name, syslog) in targets {
            let new_id = format!("{new_name}/inet");
            let summary = match &syslog {
                Some(s) => format!("master.cf {id} -> {new_id}, syslog_name={s}"),
                None => format!("master.cf {id} -> {new_id}"),
            };
            if draft
                .master
                .as_ref()
                .is_some_and(|m| m.get(&new_id).is_some())
            {
                out.left.push(cx.left(
                    ID,
                    Some(&path),
                    id.clone(),
                    format!("master.cf already has a {new_id} entry; merge the two by hand"),
                    Vec::new(),
                ));
                continue;
            }
            match &resolves {
                Some(why) => {
                    let m = draft.master.as_mut().expect("checked above");
                    if m.rename_entry(&id, &new_name).is_err() {
                        continue;
                    }
                    if let Some(s) = &syslog {
                        let _ = m.set_override(&new_id, "syslog_name", s);
                    }
                    let mut fix = cx.fix(ID, Applicability::Safe, Some(&path), summary);
                    fix.note = Some(format!("submissions resolves now: {why}"));
                    out.fixes.push(fix);
                }
                None => out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "submissions does not resolve on this system (not in /etc/services, \
                         and Postfix {} predates known_tcp_ports): master would fail to \
                         start; the target's Postfix {} knows the name",
                        cx.facts.postfix.version,
                        cx.facts.upgrade_path.target_postfix_version()
                    )),
                    commands: vec![cx.after_upgrade_command(&[ID])],
                    ..cx.fix(ID, Applicability::Safe, Some(&path), summary)
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_parsing() {
        let s = "urd             465/tcp         smtps\nsubmission 587/tcp msa\n# submissions 465/tcp\n";
        assert!(services_lists(s, "smtps"));
        assert!(!services_lists(s, "submissions"));
        assert!(services_lists(
            "submissions 465/tcp # RFC 8314\n",
            "submissions"
        ));
        assert!(!services_lists("submissions 465/udp\n", "submissions"));
    }
}
