//! Fix for RHEL-only parameters the target no longer knows (`rhel_ipv6_normalize`,
//! RHEL 8 only): they turn into "unused parameter" warnings after the upgrade, reported
//! by `unknown-parameter`. Set to `no` (the default, no behaviour) the line is commented
//! out now; set to anything else, commenting it out would change RHEL 8's behaviour
//! before the upgrade, so it waits for after the upgrade.
use super::plan::{Cx, Draft, Fix, Out, Planner, When};
use crate::finding::Applicability;

pub struct RhelOnlyParameter;

const ID: &str = "unknown-parameter";

impl Planner for RhelOnlyParameter {
    fn id(&self) -> &'static str {
        ID
    }

    fn plan(&self, cx: &Cx, draft: &mut Draft, out: &mut Out) {
        let path = cx.inst.main_cf_path();
        for name in cx.facts.upgrade_path.dropped_rhel_params() {
            if draft.main.get(name).is_none() {
                continue;
            }
            let value = cx.expanded(draft, name);
            let off = matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "no" | "false" | "0" | ""
            );
            let summary = format!(
                "comment out {name} = {} (RHEL {} only; unknown to the target's Postfix)",
                value.trim(),
                cx.facts.source.major
            );
            if off {
                if draft.main.comment_out(name).is_ok() {
                    out.fixes
                        .push(cx.fix(ID, Applicability::Safe, Some(&path), summary));
                }
            } else {
                out.later.push(Fix {
                    when: When::AfterUpgrade,
                    note: Some(format!(
                        "{name} = {} still acts on this release; after the upgrade it does nothing",
                        value.trim()
                    )),
                    commands: vec![cx.postconf(&["-#", name])],
                    ..cx.fix(ID, Applicability::Safe, Some(&path), summary)
                });
            }
        }
    }
}
