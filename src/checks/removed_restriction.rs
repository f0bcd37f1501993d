//! `removed-restriction`: SMTP restrictions upstream removed (`permit_naked_ip_address`,
//! `reject_maps_rbl`, `check_relay_domains`), wherever a restriction list holds them.
//!
//! Severity comes from the removal version in [`super::catalog_data`] compared with the
//! target's Postfix: `high` where the target answers with a temporary error, `low` where
//! it still only logs a warning.
use super::catalog_data::{self, RemovedRestriction, REMOVED_RESTRICTIONS};
use super::Check;
use crate::checks::CheckDocs;
use crate::facts::{Facts, PostfixVersion};
use crate::finding::{Finding, FixInfo, Severity};

pub struct RemovedRestrictionCheck;

const ID: &str = "removed-restriction";

impl Check for RemovedRestrictionCheck {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SMTP restrictions that Postfix removed"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "permit_naked_ip_address, reject_maps_rbl and check_relay_domains in any \
                   smtpd_*_restrictions list of main.cf, in master.cf -o overrides of those \
                   lists, and in the restriction classes of smtpd_restriction_classes.",
            why: "These restrictions have logged deprecation warnings since Postfix 2.0-2.2 and \
                  were removed in Postfix 3.9: from then on the SMTP server answers a client \
                  that reaches them with a temporary error (451 4.3.5 server configuration \
                  error), so mail is not accepted. Up to 3.8 they still work with a warning. \
                  The finding is high only when the target Postfix has removed them.",
            fix: "Replace each with its documented replacement: permit_naked_ip_address with \
                  permit_mynetworks or permit_sasl_authenticated; reject_maps_rbl with one \
                  reject_rbl_client per DNS list; check_relay_domains with permit_mynetworks, \
                  permit_sasl_authenticated, reject_unauth_destination.",
            references: &[
                (
                    "https://www.postfix.org/DEPRECATION_README.html",
                    "Postfix: replacements for deprecated features",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#smtpd_recipient_restrictions",
                    "postconf(5): smtpd_recipient_restrictions",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let target = facts.upgrade_path.target_postfix_version();
        let mut out = Vec::new();
        for inst in &facts.instances {
            for u in catalog_data::restriction_uses_of(facts, inst, |t| {
                REMOVED_RESTRICTIONS.iter().any(|r| r.name == t)
            }) {
                let Some(r) = REMOVED_RESTRICTIONS.iter().find(|r| r.name == u.token) else {
                    continue;
                };
                let (severity, gone) = severity(target, r);
                let mut f = Finding::new(
                    ID,
                    severity,
                    format!("{} uses the removed restriction {}", u.parameter, r.name),
                );
                let place = match &u.service {
                    Some(s) => format!("The -o {} override of {s}", u.parameter),
                    None => u.parameter.clone(),
                };
                f.summary = format!(
                    "{place} ({}, line {}) lists {}. {}",
                    u.file,
                    u.line,
                    r.name,
                    effect(r, facts, gone)
                );
                u.locate(&mut f);
                f.remediation.hint = format!(
                    "Replace {} with {} in {}. Upstream removed it because {}.",
                    r.name,
                    r.replacement,
                    lower_first(&place),
                    r.why
                )
                .into();
                // what `fix` does: reject_maps_rbl becomes one reject_rbl_client per
                // maps_rbl_domains entry (safe), check_relay_domains is replaced as a review
                // fix, permit_naked_ip_address has no faithful replacement
                f.fix = match r.name {
                    "reject_maps_rbl"
                        if !catalog_data::effective(facts, inst, None, "maps_rbl_domains")
                            .trim()
                            .is_empty() =>
                    {
                        FixInfo::safe()
                    }
                    "check_relay_domains" => FixInfo::review(),
                    _ => FixInfo::none(),
                };
                f.links.push(catalog_data::deprecation_link());
                out.push(f);
            }
        }
        out
    }
}

/// `high` (and removed) where the target no longer has the restriction, else `low`:
/// it still works there, with the warning every version since `warn_since` logs.
fn severity(target: PostfixVersion, r: &RemovedRestriction) -> (Severity, bool) {
    if target >= r.removed {
        (Severity::High, true)
    } else {
        (Severity::Low, false)
    }
}

fn effect(r: &RemovedRestriction, facts: &Facts, gone: bool) -> String {
    let tv = facts.upgrade_path.target_postfix_version();
    if gone {
        format!(
            "It was removed in Postfix {}, and RHEL {} ships {tv}: the SMTP server answers \
             with a temporary error when it reaches it, so senders see their mail deferred.",
            r.removed, facts.target.major
        )
    } else {
        format!(
            "Postfix {tv} on RHEL {} still accepts it with a deprecation warning (as every \
             version since {} does); it is removed in Postfix {}, where the SMTP server answers \
             with a temporary error instead.",
            facts.target.major, r.warn_since, r.removed
        )
    }
}

/// `s` with its first letter in lower case (a place named mid-sentence).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_from_the_removal_version_on() {
        let v = PostfixVersion::new;
        for r in REMOVED_RESTRICTIONS {
            assert_eq!(
                severity(v(3, 8, 5), r),
                (Severity::Low, false),
                "{}",
                r.name
            );
            assert_eq!(
                severity(v(3, 9, 0), r),
                (Severity::High, true),
                "{}",
                r.name
            );
            assert_eq!(severity(v(3, 11, 0), r).0, Severity::High);
        }
        // every RHEL profile's Postfix still has them today
        for p in crate::facts::profile::PROFILES.iter() {
            assert_eq!(
                severity(p.postfix_version, &REMOVED_RESTRICTIONS[0]).0,
                Severity::Low
            );
        }
    }
}
