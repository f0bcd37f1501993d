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
    // each check's findings finished where they are (an in-place map)
    let mut found: Vec<Vec<Finding>> = checks
        .iter()
        .filter(|c| sel.includes(c.id()))
        .map(|c| {
            c.run(facts)
                .into_iter()
                .map(|f| {
                    // the key from what the check located (stable across releases), then
                    // the quote as the file has it
                    let mut f = f.with_default_key();
                    crate::checks::common::quote_as_written(facts, &mut f);
                    policy::apply_replaced(&mut f, &|p| facts.replaced_on_upgrade(p));
                    policy::apply(&mut f);
                    f.shrink_to_fit();
                    f
                })
                .collect()
        })
        .collect();
    // one list, grown from the largest (on a big host one check has nearly all of them):
    // no second copy of thousands of findings. The order before sorting only matters
    // among findings of one check (the sort compares check ids), which is kept.
    let total: usize = found.iter().map(Vec::len).sum();
    let largest = (0..found.len()).max_by_key(|&i| found[i].len());
    let mut findings = largest.map(|i| found.swap_remove(i)).unwrap_or_default();
    findings.reserve_exact(total - findings.len());
    for v in found {
        findings.extend(v);
    }
    sort_in_place(&mut findings);
    // the first of each key in report order; the keys are borrowed, not copied
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(findings.len());
        findings
            .iter()
            .map(|f| seen.insert(f.key.as_str()))
            .collect()
    };
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(false));
    findings
}

/// Sort `findings` by [`report_order`], stably (findings equal in that order keep the
/// order the checks gave them), without a second buffer of findings: the sort is of
/// indices, then the findings are moved into place along the permutation's cycles.
fn sort_in_place(findings: &mut [Finding]) {
    let mut idx: Vec<usize> = (0..findings.len()).collect();
    idx.sort_by(|&a, &b| report_order(&findings[a], &findings[b]));
    // position i takes the finding at idx[i]; a position done is marked idx[i] == i
    for start in 0..idx.len() {
        let mut cur = start;
        while idx[cur] != start && idx[cur] != cur {
            let next = idx[cur];
            findings.swap(cur, next);
            idx[cur] = cur;
            cur = next;
        }
        idx[cur] = cur;
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn sort_in_place_is_the_stable_sort() {
        // many ties (same severity, file, line, id, key) and a few orders
        let mut fs = Vec::new();
        for i in 0..200usize {
            let sev = Severity::ALL[(i * 7) % 4];
            let mut f = Finding::new("a", sev, format!("t{i}"));
            f.location.file = Some(format!("/f{}", (i * 13) % 5));
            f.location.line = Some((i * 31) % 9);
            f.key = format!("{}", (i * 17) % 11);
            f.inhibitor = i % 3 == 0;
            fs.push(f);
        }
        let mut want = fs.clone();
        want.sort_by(report_order);
        sort_in_place(&mut fs);
        assert_eq!(fs, want);
    }
}
