//! `unknown-parameter`: main.cf parameters and master.cf `-o` names that the TARGET
//! Postfix does not know, as `postconf` would warn "unused parameter" about them there.
//!
//! Postfix accepts more than its fixed names (postconf's "user-defined" parameters), and
//! so does this check:
//! - names used through `$name` anywhere (main.cf values, `-o` values), at any depth;
//! - `smtpd_restriction_classes` members;
//! - service-defined names `<service>_<suffix>`: for master.cf services running a
//!   delivery agent (`smtp`, `lmtp`, `local`, `virtual`, `pipe`, `error`) the
//!   per-transport suffixes, for `pipe` and `spawn` services `_time_limit` (postconf
//!   3.7.11 agrees, see the tests);
//! - parameters of map types configured in main.cf (`ldap:name` → `name_*`, also
//!   mysql, pgsql, sqlite, memcache, mongodb).
//!
//! Severity: `low` for a name the upgrade makes unknown (a RHEL-only or removed
//! parameter: its effect silently stops) and for a likely typo (the closest known name
//! is suggested: the setting never took effect); `info` for other names the source
//! Postfix did not know either (nothing changes with the upgrade).
use std::collections::HashSet;

use super::common;
use super::{Check, CheckDocs};
use crate::config::Expander;
use crate::facts::{params, Facts, Instance};
use crate::finding::{Finding, FixInfo, Severity};

pub struct UnknownParameter;

const ID: &str = "unknown-parameter";

/// Commands whose services get the per-transport parameters (postconf's service-defined
/// names).
const DELIVERY_AGENTS: &[&str] = &["smtp", "lmtp", "local", "virtual", "pipe", "error"];

/// Per-transport suffixes of delivery-agent services (postconf(5) `transport_*`).
pub const TRANSPORT_SUFFIXES: &[&str] = &[
    "delivery_slot_cost",
    "delivery_slot_discount",
    "delivery_slot_loan",
    "destination_concurrency_failed_cohort_limit",
    "destination_concurrency_limit",
    "destination_concurrency_negative_feedback",
    "destination_concurrency_positive_feedback",
    "destination_rate_delay",
    "destination_recipient_limit",
    "extra_recipient_limit",
    "initial_destination_concurrency",
    "minimum_delivery_slots",
    "recipient_limit",
    "recipient_refill_delay",
    "recipient_refill_limit",
    "transport_rate_delay",
];

/// Map types whose table name, when not a file, prefixes main.cf parameters.
const DBMS_TYPES: &[&str] = &["ldap", "mysql", "pgsql", "sqlite", "memcache", "mongodb"];

impl Check for UnknownParameter {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Parameter unknown to the target Postfix"
    }
    fn default_severity(&self) -> Severity {
        Severity::Low
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "main.cf parameters and master.cf `-o` names that the target release's \
                   Postfix does not know: RHEL-only parameters the target lacks (RHEL 8's \
                   `rhel_ipv6_normalize`), parameters removed upstream, and typos (the closest \
                   known name is suggested). Names Postfix accepts besides its own are not \
                   reported: names used through `$name`, `smtpd_restriction_classes` members, \
                   `<service>_<suffix>` names of master.cf delivery services, and parameters \
                   of map types configured in main.cf (`ldap:name` → `name_*`).",
            why: "Postfix ignores an unknown parameter with an \"unused parameter\" warning: \
                  a setting that worked on the source silently stops applying on the \
                  target, and a misspelt one never applied at all.",
            fix: "`postfix-preupgrade fix --only unknown-parameter` comments out (main.cf) or \
                  removes (-o) a name the installed Postfix still uses but the target does \
                  not: now when it is off, else after the upgrade (safe either way). A name no \
                  Postfix version knows may be a typo of what was meant: `fix --unsafe` comments \
                  it out (review); to rename it to the suggested name, edit it by hand (that \
                  changes behaviour, so look first).",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html",
                    "postconf(5): every parameter",
                ),
                (
                    "https://www.postfix.org/postconf.1.html",
                    "postconf(1): unused parameter warnings",
                ),
            ],
        }
    }
    fn run(&self, facts: &Facts) -> Vec<Finding> {
        facts
            .instances
            .iter()
            .flat_map(|inst| check_instance(facts, inst))
            .collect()
    }
}

/// Names an instance's configuration uses besides the fixed ones (see the module docs).
///
/// Service-defined names (`<service>_<suffix>`) are not listed one by one: a big host
/// has thousands of transports, each giving 16 names. [`Accepted::contains`] splits a
/// name at each known suffix and looks the rest up among the services instead.
pub struct Accepted<'a> {
    /// Names used through `$name` and `smtpd_restriction_classes` members.
    pub used: HashSet<String>,
    /// `name_` of every map of a [`DBMS_TYPES`] type configured by name.
    pub prefixes: Vec<String>,
    /// Names of master.cf services running a delivery agent ([`DELIVERY_AGENTS`]): they
    /// accept `<name>_<suffix>` for each of [`TRANSPORT_SUFFIXES`].
    transports: HashSet<&'a str>,
    /// Names of master.cf services running `pipe` or `spawn`: `<name>_time_limit`.
    timed: HashSet<&'a str>,
}

impl Accepted<'_> {
    /// Whether the configuration makes `name` a parameter Postfix accepts (besides the
    /// fixed names the caller checks itself).
    pub fn contains(&self, name: &str) -> bool {
        let service_with = |services: &HashSet<&str>, suffix: &str| {
            name.strip_suffix(suffix)
                .and_then(|n| n.strip_suffix('_'))
                .is_some_and(|svc| services.contains(svc))
        };
        self.used.contains(name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || TRANSPORT_SUFFIXES
                .iter()
                .any(|suf| service_with(&self.transports, suf))
            || service_with(&self.timed, "time_limit")
    }
}

/// Names an instance's configuration uses besides the fixed ones (see the module docs).
pub fn accepted_names<'a>(facts: &Facts, inst: &'a Instance) -> Accepted<'a> {
    let main = inst.main();
    let defaults = facts.defaults_for(inst);
    let ex = Expander::new(main, &defaults);
    let mut used: HashSet<String> = HashSet::new();
    for p in main.effective() {
        used.extend(ex.expand(&p.value).used);
    }
    let classes = ex.param("smtpd_restriction_classes").value;
    used.extend(
        classes
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    let mut transports = HashSet::new();
    let mut timed = HashSet::new();
    if let Some(m) = inst.master() {
        for s in m.services() {
            let sx = Expander::new(main, &defaults).with_service(s);
            for o in &s.overrides {
                used.extend(sx.expand(&o.value).used);
            }
            if DELIVERY_AGENTS.contains(&s.command.as_str()) {
                transports.insert(&s.name[..]);
            }
            if s.command == "pipe" || s.command == "spawn" {
                timed.insert(&s.name[..]);
            }
        }
    }
    let prefixes = facts
        .map_refs(inst)
        .iter()
        .filter(|r| DBMS_TYPES.contains(&r.map_type) && !r.name.contains('/'))
        .map(|r| format!("{}_", r.name))
        .collect();
    Accepted {
        used,
        prefixes,
        transports,
        timed,
    }
}

/// Optimal-string-alignment distance (edits and adjacent transpositions), the whole
/// table: the reference [`distance_within`] is tested against.
#[cfg(test)]
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// [`distance`] when it is at most `limit`, else None; stops as soon as every cell of a
/// row exceeds `limit` (no later row can come back under it), and keeps three rows, not
/// the whole table. An unknown name is compared with every known one (issue 12).
fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        let mut best = row[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(before[j - 2] + 1);
            }
            row[j] = v;
            best = best.min(v);
        }
        // a transposition reads two rows back, but only from a cell at least as large
        // as one in the previous row, so a row wholly above the limit ends the search
        if best > limit {
            return None;
        }
        before = std::mem::replace(&mut prev, row.clone());
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// The known name closest to `name` when it is close enough to be a typo.
pub fn suggest(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = if name.len() >= 10 { 2 } else { 1 };
    known
        .iter()
        .filter_map(|k| distance_within(name, k, limit).map(|d| (d, *k)))
        .min()
        .map(|(_, k)| k)
}

fn check_instance(facts: &Facts, inst: &Instance) -> Vec<Finding> {
    let target = facts.target_profile();
    let tv = target.postfix_version;
    let source = facts.upgrade_path.source_profile();
    let knows_source = |n: &str| params::known(&facts.postfix.version, n) || source.knows_param(n);
    let names = accepted_names(facts, inst);
    let accepted = |n: &str| target.knows_param(n) || names.contains(n);
    let mut known: Vec<&'static str> = params::names(&tv);
    known.extend(target.rhel_only_params.iter().copied());
    let dropped = facts.upgrade_path.dropped_rhel_params();
    let mut out = Vec::new();

    // (severity, why, suggested name, fix): a name the installed Postfix (or the RHEL build)
    // still uses is commented out safely (now when it is off, else after the upgrade); one
    // no version knows may be a typo of what was meant: review
    let classify = |name: &str| -> (Severity, String, Option<&'static str>, FixInfo) {
        if dropped.contains(&name) {
            let owner = facts
                .upgrade_path
                .profiles()
                .find(|p| p.is_rhel_only_param(name))
                .map(|p| p.id)
                .unwrap_or("an earlier release");
            return (
                Severity::Low,
                format!(
                    "`{name}` exists only in the {owner} build of Postfix (a distribution \
                     patch). Postfix {tv} on the target ignores it with an \"unused \
                     parameter\" warning, so what it does today stops."
                ),
                None,
                FixInfo::safe(),
            );
        }
        if knows_source(name) {
            return (
                Severity::Low,
                format!(
                    "Postfix {} knows `{name}`, Postfix {tv} on the target does not: it is \
                     ignored there with an \"unused parameter\" warning, so what it does \
                     today stops.",
                    facts.postfix.version
                ),
                None,
                FixInfo::safe(),
            );
        }
        if let Some(r) = params::removed(&tv, name) {
            return (
                Severity::Info,
                format!(
                    "Postfix removed `{name}` in {} ({}){}: Postfix {} and {tv} both ignore \
                     it with an \"unused parameter\" warning, so removing the line changes \
                     nothing.",
                    r.since,
                    r.note,
                    r.replacement
                        .map(|x| format!("; what it did is now `{x}`"))
                        .unwrap_or_default(),
                    facts.postfix.version
                ),
                None,
                FixInfo::review(),
            );
        }
        match suggest(name, &known) {
            Some(s) => (
                Severity::Low,
                format!(
                    "Neither Postfix {} nor {tv} knows `{name}`; it looks like a misspelling \
                     of `{s}`, so this setting has never taken effect.",
                    facts.postfix.version
                ),
                Some(s),
                FixInfo::review(),
            ),
            None => (
                Severity::Info,
                format!(
                    "Neither Postfix {} nor {tv} knows `{name}`, and nothing uses it as \
                     `${name}`: Postfix ignores it with an \"unused parameter\" warning, \
                     before and after the upgrade.",
                    facts.postfix.version
                ),
                None,
                FixInfo::review(),
            ),
        }
    };

    for p in inst.main().effective() {
        if accepted(&p.name) {
            continue;
        }
        let (sev, why, sugg, fix) = classify(&p.name);
        let mut f = common::at_param(ID, sev, title(&tv), inst, p);
        f.summary = why;
        match sugg {
            Some(s) => {
                f.remediation.hint = format!(
                    "If `{s}` was meant, rename the parameter (this changes behaviour: \
                     review); otherwise remove the line."
                )
                .into();
                f.remediation.commands = vec![common::postconf_command(
                    inst,
                    &[&format!("{s}={}", p.value)],
                )];
                f.remediation
                    .commands
                    .push(common::postconf_command(inst, &["-X", &p.name]));
            }
            None => {
                f.remediation.hint =
                    "Remove the line (or comment it out): the target ignores it.".into();
                f.remediation.commands = vec![common::postconf_command(inst, &["-#", &p.name])];
            }
        }
        f.fix = fix;
        out.push(f);
    }
    if let Some(m) = inst.master() {
        for s in m.services() {
            for o in &s.overrides {
                if accepted(&o.name) {
                    continue;
                }
                let (sev, why, sugg, fix) = classify(&o.name);
                let mut f = common::at_override(ID, sev, title(&tv), inst, s, o);
                f.summary = why;
                f.remediation.hint = match sugg {
                    Some(sg) => format!(
                        "If `{sg}` was meant, rename this -o (review); otherwise remove it."
                    )
                    .into(),
                    None => "Remove this -o option: the target ignores it.".into(),
                };
                f.remediation.commands = vec![common::postconf_command(
                    inst,
                    &["-PX", &format!("{}/{}", s.id(), o.name)],
                )];
                f.fix = fix;
                out.push(f);
            }
        }
    }
    out
}

fn title(tv: &crate::facts::PostfixVersion) -> String {
    format!("Parameter unknown to Postfix {tv}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_distance_is_the_distance_up_to_the_limit() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "bca",
            "mydomain",
            "mydomian",
            "mydomains",
            "smtpd_tls_security_level",
            "smtpd_tls_securty_level",
            "smtpd_tls_secruity_level",
            "smtp_tls_security_level",
            "lmtp_tls_security_level",
            "site_db",
            "alias_maps",
        ];
        for a in words {
            for b in words {
                for limit in 0..4 {
                    let d = distance(a, b);
                    assert_eq!(
                        distance_within(a, b, limit),
                        (d <= limit).then_some(d),
                        "{a:?} {b:?} {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn service_defined_names_are_the_materialised_ones() {
        // service names with underscores and suffixes that end other suffixes: every
        // split must be tried, and nothing else accepted
        let transports = ["out1", "a_b", "a_b_destination", "relay", ""];
        let timed = ["pipe_x", "out1"];
        let acc = Accepted {
            used: HashSet::new(),
            prefixes: Vec::new(),
            transports: transports.iter().copied().collect(),
            timed: timed.iter().copied().collect(),
        };
        let mut want: HashSet<String> = HashSet::new();
        for s in transports {
            want.extend(TRANSPORT_SUFFIXES.iter().map(|suf| format!("{s}_{suf}")));
        }
        want.extend(timed.iter().map(|s| format!("{s}_time_limit")));
        let mut tried = want.clone();
        for svc in [
            "out",
            "out1",
            "out12",
            "a",
            "a_b",
            "a_b_destination",
            "b",
            "pipe_x",
            "x",
        ] {
            for suf in TRANSPORT_SUFFIXES
                .iter()
                .chain(&["time_limit", "limit", "x"])
            {
                for sep in ["_", "", "__"] {
                    tried.insert(format!("{svc}{sep}{suf}"));
                }
            }
        }
        tried.extend(["_", "", "recipient_limit", "time_limit", "out1_"].map(String::from));
        for n in &tried {
            assert_eq!(acc.contains(n), want.contains(n), "{n}");
        }
    }

    #[test]
    fn typo_distance() {
        assert_eq!(
            distance("smtpd_tls_securty_level", "smtpd_tls_security_level"),
            1
        );
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
        let known = ["smtpd_tls_security_level", "mydomain", "myhostname"];
        assert_eq!(
            suggest("smtpd_tls_securty_level", &known),
            Some("smtpd_tls_security_level")
        );
        assert_eq!(suggest("mydomian", &known), Some("mydomain"));
        assert_eq!(suggest("site_db", &known), None);
    }
}
