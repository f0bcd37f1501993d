//! Data tables and small shared helpers of the deprecated/removed-feature checks
//! (`removed-restriction`, `deprecated-parameter`, `master-internal-services`).
//!
//! Versions come from upstream DEPRECATION_README (3.9+), RELEASE_NOTES-3.2/3.4/3.6/3.7/
//! 3.9/3.11 and the `upgrade-configuration` code of `post-install`. Checks compare them with
//! the target's Postfix version from the profile data; nothing here names a RHEL release.
use crate::config::{Expander, MainCf};
use crate::facts::{Facts, Instance, PostfixVersion};
use crate::finding::Link;

const fn v(major: u32, minor: u32) -> PostfixVersion {
    PostfixVersion::new(major, minor, 0)
}

/// A restriction that upstream removed (smtpd answers a temporary error from `removed`).
pub struct RemovedRestriction {
    pub name: &'static str,
    /// First version that logs a deprecation warning.
    pub warn_since: PostfixVersion,
    /// First version without it.
    pub removed: PostfixVersion,
    /// The documented replacement.
    pub replacement: &'static str,
    /// Why upstream dropped it, in words.
    pub why: &'static str,
}

pub const REMOVED_RESTRICTIONS: &[RemovedRestriction] = &[
    RemovedRestriction {
        name: "permit_naked_ip_address",
        warn_since: v(2, 0),
        removed: v(3, 9),
        replacement: "permit_mynetworks, permit_sasl_authenticated",
        why: "it matched a bare IP address in HELO and was easily abused as an open relay",
    },
    RemovedRestriction {
        name: "reject_maps_rbl",
        warn_since: v(2, 1),
        removed: v(3, 9),
        replacement: "reject_rbl_client <dnsbl-domain> (once per DNS list in maps_rbl_domains)",
        why: "reject_rbl_client is a superset of it",
    },
    RemovedRestriction {
        name: "check_relay_domains",
        warn_since: v(2, 2),
        removed: v(3, 9),
        replacement: "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
        why: "it relayed on the client's host name, which is not robust",
    },
];

/// How the replacement of a deprecated parameter is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// A pure rename: the old value moves to the new name.
    Rename(&'static str),
    /// `*_use_tls` / `*_enforce_tls`: fold into the named `*_security_level`.
    TlsLevel(&'static str),
    /// `disable_dns_lookups`: `yes` → `smtp_dns_support_level = disabled`.
    DnsSupportLevel,
    /// Has no effect any more: delete it.
    Ignored,
    /// Leave the new default in force: delete it (behaviour may change).
    LeaveDefault,
    /// A different mechanism; hand work (`*_per_site` → `*_policy_maps`).
    Manual(&'static str),
}

/// A deprecated main.cf/master.cf parameter.
pub struct DeprecatedParam {
    pub name: &'static str,
    pub replace: Replace,
    /// First version whose `postconf` warns about it (None: never warns, ignored silently).
    pub warn_since: Option<PostfixVersion>,
    /// First version that ignores it or no longer knows it.
    pub ignored_since: Option<PostfixVersion>,
    pub note: &'static str,
}

const fn dp(
    name: &'static str,
    replace: Replace,
    warn_since: Option<PostfixVersion>,
    ignored_since: Option<PostfixVersion>,
    note: &'static str,
) -> DeprecatedParam {
    DeprecatedParam {
        name,
        replace,
        warn_since,
        ignored_since,
        note,
    }
}

const W39: Option<PostfixVersion> = Some(v(3, 9));
const W311: Option<PostfixVersion> = Some(v(3, 11));

pub const DEPRECATED_PARAMS: &[DeprecatedParam] = &[
    dp("smtp_use_tls", Replace::TlsLevel("smtp_tls_security_level"), W39, None, ""),
    dp("smtpd_use_tls", Replace::TlsLevel("smtpd_tls_security_level"), W39, None, ""),
    dp("lmtp_use_tls", Replace::TlsLevel("lmtp_tls_security_level"), W39, None, ""),
    dp("postscreen_use_tls", Replace::TlsLevel("postscreen_tls_security_level"), W39, None, ""),
    dp("tlsproxy_use_tls", Replace::TlsLevel("tlsproxy_tls_security_level"), W39, None, ""),
    dp("tlsproxy_client_use_tls", Replace::TlsLevel("tlsproxy_client_security_level"), W39, None, ""),
    dp("smtp_enforce_tls", Replace::TlsLevel("smtp_tls_security_level"), W39, None, ""),
    dp("smtpd_enforce_tls", Replace::TlsLevel("smtpd_tls_security_level"), W39, None, ""),
    dp("lmtp_enforce_tls", Replace::TlsLevel("lmtp_tls_security_level"), W39, None, ""),
    dp("postscreen_enforce_tls", Replace::TlsLevel("postscreen_tls_security_level"), W39, None, ""),
    dp("tlsproxy_enforce_tls", Replace::TlsLevel("tlsproxy_tls_security_level"), W39, None, ""),
    dp("tlsproxy_client_enforce_tls", Replace::TlsLevel("tlsproxy_client_security_level"), W39, None, ""),
    dp("smtp_tls_per_site", Replace::Manual("smtp_tls_policy_maps"), W39, None,
       "the policy table has a different format and lookup order: there is no mechanical conversion"),
    dp("lmtp_tls_per_site", Replace::Manual("lmtp_tls_policy_maps"), W39, None,
       "the policy table has a different format and lookup order: there is no mechanical conversion"),
    dp("tlsproxy_client_per_site", Replace::Manual("tlsproxy_client_policy_maps"), W39, None,
       "the policy table has a different format and lookup order: there is no mechanical conversion"),
    dp("smtp_tls_enforce_peername", Replace::Manual("smtp_tls_security_level"), W311, None,
       "yes becomes security level verify or secure, no becomes may or encrypt, depending on the other TLS settings"),
    dp("lmtp_tls_enforce_peername", Replace::Manual("lmtp_tls_security_level"), W311, None,
       "yes becomes security level verify or secure, no becomes may or encrypt, depending on the other TLS settings"),
    dp("disable_dns_lookups", Replace::DnsSupportLevel, W39, None, ""),
    dp("smtpd_tls_dh1024_param_file", Replace::LeaveDefault, W39, None,
       "the built-in FFDHE groups replace hand-made DH parameters; a 1024-bit file is also refused by current crypto policies"),
    dp("smtpd_tls_eecdh_grade", Replace::LeaveDefault, W39, None,
       "curve selection is automatic (tls_eecdh_auto_curves)"),
    dp("tls_dane_digest_agility", Replace::Ignored, None, Some(v(3, 2)),
       "Postfix behaves as if it were \"on\" since 3.2"),
    dp("tls_dane_trust_anchor_digest_enable", Replace::Ignored, None, Some(v(3, 2)),
       "Postfix behaves as if it were \"yes\" since 3.2"),
    dp("authorized_verp_clients", Replace::Rename("smtpd_authorized_verp_clients"), W311, None, ""),
    dp("fallback_relay", Replace::Rename("smtp_fallback_relay"), W311, None, ""),
    dp("lmtp_per_record_deadline", Replace::Rename("lmtp_per_request_deadline"), W311, None, ""),
    dp("smtp_per_record_deadline", Replace::Rename("smtp_per_request_deadline"), W311, None, ""),
    dp("smtpd_per_record_deadline", Replace::Rename("smtpd_per_request_deadline"), W311, None, ""),
    dp("postscreen_blacklist_action", Replace::Rename("postscreen_denylist_action"), W311, None, ""),
    dp("postscreen_dnsbl_ttl", Replace::Rename("postscreen_dnsbl_max_ttl"), W311, None, ""),
    dp("postscreen_dnsbl_whitelist_threshold", Replace::Rename("postscreen_dnsbl_allowlist_threshold"), W311, None, ""),
    dp("postscreen_whitelist_interfaces", Replace::Rename("postscreen_allowlist_interfaces"), W311, None, ""),
    dp("smtpd_client_connection_limit_exceptions", Replace::Rename("smtpd_client_event_limit_exceptions"), W311, None, ""),
    dp("tlsproxy_client_level", Replace::Rename("tlsproxy_client_security_level"), W311, None, ""),
    dp("tlsproxy_client_policy", Replace::Rename("tlsproxy_client_policy_maps"), W311, None, ""),
    dp("virtual_maps", Replace::Rename("virtual_alias_maps"), W311, None, ""),
    dp("smtp_cname_overrides_servername", Replace::LeaveDefault, W311, None,
       "the default (no) has been in force since 2.11"),
    dp("lmtp_cname_overrides_servername", Replace::LeaveDefault, W311, None,
       "the default (no) has been in force since 2.11"),
];

/// A restriction that still works but warns from `warn_since` (`deprecated-parameter`).
pub struct DeprecatedRestriction {
    pub name: &'static str,
    pub warn_since: PostfixVersion,
    pub replacement: &'static str,
    pub note: &'static str,
}

pub const DEPRECATED_RESTRICTIONS: &[DeprecatedRestriction] = &[DeprecatedRestriction {
    name: "permit_mx_backup",
    warn_since: v(3, 9),
    replacement: "relay_domains (list the backup-MX domains) with relay_recipient_maps",
    note: "not mechanical: list the domains this host is backup MX for in relay_domains, and \
           their valid recipients in relay_recipient_maps to avoid backscatter",
}];

/// One token of a restriction list, where it is written.
pub struct RestrictionUse {
    pub token: String,
    /// The parameter (or `-o` name) holding the list.
    pub parameter: String,
    /// `name/type` for a master.cf `-o` override.
    pub service: Option<String>,
    /// System path of the file and the physical line of the definition.
    pub file: String,
    pub line: usize,
    pub end_line: usize,
}

impl RestrictionUse {
    /// Point `f` at this token: file and lines of its definition, service, parameter, the
    /// token itself, and the file as a related resource.
    pub fn locate(&self, f: &mut crate::finding::Finding) {
        f.location.file = Some(self.file.clone());
        f.location.line = Some(self.line);
        f.location.end_line = Some(self.end_line);
        f.location.service = self.service.clone().map(Into::into);
        f.location.parameter = Some(self.parameter.clone().into());
        f.location.text = Some(self.token.clone().into());
        f.related
            .push(crate::finding::Related::file(self.file.clone()));
    }
}

/// Postfix list splitting on `, \t\r\n`, ignoring `{...}` groups.
pub fn list_tokens(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let (mut i, mut level, mut start) = (0, 0usize, None);
    while i <= b.len() {
        let c = b.get(i).copied();
        let sep = matches!(c, None | Some(b',' | b' ' | b'\t' | b'\r' | b'\n'));
        match c {
            Some(b'{') => level += 1,
            Some(b'}') if level > 0 => level -= 1,
            _ => {}
        }
        if sep && (level == 0 || c.is_none()) {
            if let Some(s) = start.take() {
                out.push(&value[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
        i += 1;
    }
    out
}

/// The restriction classes named by `smtpd_restriction_classes` (raw main.cf value).
fn restriction_classes(main: &MainCf) -> Vec<String> {
    main.value("smtpd_restriction_classes")
        .map(|v| list_tokens(v).into_iter().map(str::to_string).collect())
        .unwrap_or_default()
}

fn is_restriction_list(name: &str, classes: &[String]) -> bool {
    (name.starts_with("smtpd_") && name.ends_with("_restrictions"))
        || classes.iter().any(|c| c == name)
}

/// The tokens of every SMTP restriction list of an instance: main.cf
/// `smtpd_*_restrictions`, the restriction classes, and master.cf `-o` overrides of them.
/// A list that uses `$name` is expanded first (with the service's overrides for `-o`), so
/// a restriction hidden in another parameter is found where the list uses it.
///
/// Only the tokens `wanted` accepts are kept: a check looking for a few names keeps a few
/// records, not one per token of every list of every service (tens of thousands on a
/// host with thousands of services).
pub fn restriction_uses_of(
    facts: &Facts,
    inst: &Instance,
    wanted: impl Fn(&str) -> bool,
) -> Vec<RestrictionUse> {
    let main = inst.main();
    let classes = restriction_classes(main);
    let main_path = inst.main_cf_path().display().to_string();
    let defaults = facts.defaults_for(inst);
    let mut out = Vec::new();
    let mut push =
        |value: &str, ex: &Expander, name: &str, svc: Option<String>, at: (&str, usize, usize)| {
            let expanded;
            let value = if value.contains('$') {
                expanded = ex.expand(value).value;
                expanded.as_str()
            } else {
                value
            };
            for t in list_tokens(value).into_iter().filter(|t| wanted(t)) {
                out.push(RestrictionUse {
                    token: t.to_string(),
                    parameter: name.to_string(),
                    service: svc.clone(),
                    file: at.0.to_string(),
                    line: at.1,
                    end_line: at.2,
                });
            }
        };
    let ex = Expander::new(main, &defaults);
    for p in main.effective() {
        if is_restriction_list(&p.name, &classes) {
            push(
                &p.value,
                &ex,
                &p.name,
                None,
                (&main_path, p.line, p.end_line),
            );
        }
    }
    if let Some(master) = inst.master() {
        let path = inst.master_cf_path().display().to_string();
        for s in master.services() {
            let sex = Expander::new(main, &defaults).with_service(s);
            for o in &s.overrides {
                if is_restriction_list(&o.name, &classes) {
                    push(
                        &o.value,
                        &sex,
                        &o.name,
                        Some(s.id()),
                        (&path, o.line, o.line),
                    );
                }
            }
        }
    }
    out
}

/// A master.cf entry the Postfix build needs from some version on.
pub struct InternalService {
    pub name: &'static str,
    pub kind: &'static str,
    /// The stock entry, as `post-install` writes it.
    pub entry: &'static str,
    /// First version that needs it.
    pub since: PostfixVersion,
    /// Whether `postfix upgrade-configuration` (run by the RPM's %post) appends it when
    /// missing.
    pub upgrade_configuration_adds: bool,
    /// What breaks without it.
    pub breaks: &'static str,
}

pub const INTERNAL_SERVICES: &[InternalService] = &[
    InternalService {
        name: "postlog",
        kind: "unix-dgram",
        entry: "postlog   unix-dgram n  -       n       -       1       postlogd",
        since: v(3, 4),
        upgrade_configuration_adds: true,
        breaks: "logging to a file (maillog_file) and `postfix start-fg` logging need postlogd",
    },
    InternalService {
        name: "tlsmgr",
        kind: "unix",
        entry: "tlsmgr    unix  -       -       n       1000?   1       tlsmgr",
        since: v(2, 2),
        upgrade_configuration_adds: true,
        breaks: "TLS session caches and the PRNG pool need tlsmgr",
    },
    InternalService {
        name: "retry",
        kind: "unix",
        entry: "retry     unix  -       -       n       -       -       error",
        since: v(2, 2),
        upgrade_configuration_adds: true,
        breaks: "mail for the retry transport is deferred with no transport",
    },
    InternalService {
        name: "proxywrite",
        kind: "unix",
        entry: "proxywrite unix -       -       n       -       1       proxymap",
        since: v(2, 5),
        upgrade_configuration_adds: true,
        breaks: "proxy:-wrapped caches (address verification, postscreen) cannot be updated",
    },
    InternalService {
        name: "scache",
        kind: "unix",
        entry: "scache    unix  -       -       n       -       1       scache",
        since: v(2, 2),
        upgrade_configuration_adds: true,
        breaks: "SMTP connection caching is unavailable",
    },
    InternalService {
        name: "anvil",
        kind: "unix",
        entry: "anvil     unix  -       -       n       -       1       anvil",
        since: v(2, 2),
        upgrade_configuration_adds: true,
        breaks: "smtpd client rate limits cannot be enforced",
    },
    InternalService {
        name: "discard",
        kind: "unix",
        entry: "discard   unix  -       -       n       -       -       discard",
        since: v(2, 2),
        upgrade_configuration_adds: true,
        breaks: "DISCARD actions have no transport",
    },
];

/// Programs the Postfix package installs in `daemon_directory`, with the first and (if
/// any) last version shipping each. master.cf commands without a `/` name one of these.
pub const DAEMONS: &[(&str, PostfixVersion, Option<PostfixVersion>)] = &[
    ("anvil", v(2, 2), None),
    ("bounce", v(1, 0), None),
    ("cleanup", v(1, 0), None),
    ("discard", v(2, 2), None),
    ("dnsblog", v(2, 8), None),
    ("error", v(1, 0), None),
    ("flush", v(1, 0), None),
    ("lmtp", v(1, 0), None),
    ("local", v(1, 0), None),
    ("nqmgr", v(1, 0), None),
    ("oqmgr", v(2, 1), None),
    ("pickup", v(1, 0), None),
    ("pipe", v(1, 0), None),
    ("postlogd", v(3, 4), None),
    ("postscreen", v(2, 8), None),
    ("proxymap", v(2, 0), None),
    ("qmgr", v(1, 0), None),
    ("qmqpd", v(1, 0), None),
    ("scache", v(2, 2), None),
    ("showq", v(1, 0), None),
    ("smtp", v(1, 0), None),
    ("smtpd", v(1, 0), None),
    ("spawn", v(1, 0), None),
    ("tlsmgr", v(2, 2), None),
    ("tlsproxy", v(2, 8), None),
    ("trivial-rewrite", v(1, 0), None),
    ("verify", v(2, 1), None),
    ("virtual", v(1, 0), None),
];

/// The instance's main.cf path, for findings.
pub fn main_path(inst: &Instance) -> String {
    inst.main_cf_path().display().to_string()
}

/// The instance's master.cf path, for findings.
pub fn master_path(inst: &Instance) -> String {
    inst.master_cf_path().display().to_string()
}

/// The effective value of `name` for an instance (service overrides win), expanded with
/// the installed Postfix's defaults.
pub fn effective(
    facts: &Facts,
    inst: &Instance,
    service: Option<&crate::config::Service>,
    name: &str,
) -> String {
    let defaults = facts.defaults_for(inst);
    let ex = crate::config::Expander::new(inst.main(), &defaults);
    match service {
        Some(s) => ex.with_service(s).param(name).value,
        None => ex.param(name).value,
    }
}

/// Whether `name` is set explicitly in main.cf or by an `-o` of `service`.
pub fn is_set(main: &MainCf, service: Option<&crate::config::Service>, name: &str) -> bool {
    main.get(name).is_some() || service.is_some_and(|s| s.override_value(name).is_some())
}

/// A link to the upstream DEPRECATION_README.
pub fn deprecation_link() -> Link {
    Link {
        url: "https://www.postfix.org/DEPRECATION_README.html".into(),
        title: "Postfix: replacements for deprecated features".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_like_postfix() {
        assert_eq!(
            list_tokens("permit_mynetworks,\n  check_client_access {hash:/a, b}\treject"),
            vec![
                "permit_mynetworks",
                "check_client_access",
                "{hash:/a, b}",
                "reject"
            ]
        );
        assert!(list_tokens("  ,, ").is_empty());
    }

    #[test]
    fn tables_are_sane() {
        for r in REMOVED_RESTRICTIONS {
            assert!(r.warn_since < r.removed, "{}", r.name);
        }
        let mut names: Vec<_> = DEPRECATED_PARAMS.iter().map(|d| d.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate deprecated parameter");
        // every deprecated name and every rename target is a parameter Postfix 3.11 knows
        let v311 = PostfixVersion::new(3, 11, 0);
        for d in DEPRECATED_PARAMS {
            assert!(crate::facts::params::known(&v311, d.name), "{}", d.name);
            if let Replace::Rename(new) | Replace::TlsLevel(new) | Replace::Manual(new) = d.replace
            {
                assert!(crate::facts::params::known(&v311, new), "{new}");
            }
        }
    }
}
