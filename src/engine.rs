//! The check engine: runs the selected checks over the facts and turns their raw
//! findings into the report's list (keys filled, policy applied, duplicates dropped,
//! sorted). Checks never see each other; the engine is the only thing that combines them.
use std::cmp::Ordering;
use std::collections::HashSet;

use crate::checks::Check;
use crate::facts::Facts;
use crate::finding::Finding;
use crate::policy::{self, Selection};

/// Run every check in `checks` that `sel` includes, in order, and return the findings:
///
/// 1. each finding gets its default key ([`Finding::with_default_key`]) unless the check
///    set one, then quotes its file's lines as written
///    ([`crate::checks::common::quote_as_written`]);
/// 2. findings in a file the upgrade replaces drop to info ([`policy::apply_replaced`]),
///    then the policy decides `inhibitor` ([`policy::apply`]);
/// 3. findings are sorted by [`report_order`] (inhibitors first, then severity
///    descending, then file and line);
/// 4. of findings sharing a key only the first in that order is kept (the most severe).
///
/// No check runs when Postfix is not installed ([`policy::postfix_absent`]; the facts say
/// so in their assumptions).
pub fn run_checks(checks: &[&dyn Check], facts: &Facts, sel: &Selection) -> Vec<Finding> {
    if policy::postfix_absent(facts).is_some() {
        return Vec::new();
    }
    let mut findings: Vec<Finding> = checks
        .iter()
        .filter(|c| sel.includes(c.id()))
        .flat_map(|c| c.run(facts))
        .map(|f| {
            // the key from what the check located (stable across releases), then the
            // quote as the file has it
            let mut f = f.with_default_key();
            crate::checks::common::quote_as_written(facts, &mut f);
            policy::apply_replaced(&mut f, &|p| facts.replaced_on_upgrade(p));
            policy::apply(&mut f);
            f
        })
        .collect();
    findings.sort_by(report_order);
    let mut seen = HashSet::new();
    findings.retain(|f| seen.insert(f.key.clone()));
    findings
}

/// The order of findings in every report: inhibitors first, then severity (high to
/// info), then file, then line (findings without a file or line last in their group),
/// then check id and key so that the order is total and reproducible.
pub fn report_order(a: &Finding, b: &Finding) -> Ordering {
    fn none_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    b.inhibitor
        .cmp(&a.inhibitor)
        .then(b.severity.cmp(&a.severity))
        .then_with(|| none_last(&a.location.file, &b.location.file))
        .then_with(|| none_last(&a.location.line, &b.location.line))
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.key.cmp(&b.key))
}
