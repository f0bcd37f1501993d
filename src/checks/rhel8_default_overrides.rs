//! `rhel8-default-overrides`: RHEL 8's Postfix 3.5.8 carries a patch that keeps Postfix
//! 3.3 behaviour by changing built-in defaults (`smtpd_discard_ehlo_keywords = chunking`,
//! `info_log_address_format = internal`) and adds `rhel_ipv6_normalize` (default off).
//! RHEL 9 drops the patch: a host that relied on those defaults changes behaviour.
//!
//! Which defaults change comes from the profiles (`dropped_default_overrides()`,
//! `dropped_rhel_params()`); this file only adds words about what each one does.
use crate::checks::{Check, CheckDocs};
use crate::config::Expander;
use crate::facts::{Facts, Instance};
use crate::finding::{Finding, FixInfo, Link, Severity};

pub struct Rhel8DefaultOverrides;

const ID: &str = "rhel8-default-overrides";

/// What changing each known override means, in words.
fn meaning(name: &str, old: &str, new: &str) -> String {
    match name {
        "smtpd_discard_ehlo_keywords" => format!(
            "The SMTP server now announces CHUNKING (the BDAT command) in its EHLO reply, \
             which the RHEL 8 default \"{old}\" hid. Clients that support it will send mail \
             with BDAT; very few clients mishandle it."
        ),
        "info_log_address_format" => format!(
            "Postfix now logs from=<...> and to=<...> in external (quoted) form \
             ({new}): an address whose local part has spaces or other special characters \
             appears as from=<\"name with spaces\"@example.com> instead of the RHEL 8 \
             \"{old}\" form. Log parsers and monitoring that match such addresses may need \
             updating."
        ),
        _ => format!(
            "Its built-in default changes from \"{old}\" to \"{}\".",
            if new.is_empty() { "(empty)" } else { new }
        ),
    }
}

/// Parameters through which another program supplies client addresses that
/// `rhel_ipv6_normalize` (off on RHEL 8) leaves unnormalised. The RHEL 8 patch only
/// touches smtpd's XCLIENT and XFORWARD handling: HaProxy addresses are normalised on
/// RHEL 8 already, so `*_upstream_proxy_protocol` changes nothing here.
const ADDRESS_SUPPLIERS: &[&str] = &[
    "smtpd_authorized_xclient_hosts",
    "smtpd_authorized_xforward_hosts",
];

/// Which of [`ADDRESS_SUPPLIERS`] the instance enables (main.cf or any `-o`).
fn address_suppliers(facts: &Facts, inst: &Instance) -> Vec<String> {
    let defaults = facts.defaults_for(inst);
    let mut out = Vec::new();
    let main_ex = Expander::new(inst.main(), &defaults);
    for n in ADDRESS_SUPPLIERS {
        if !main_ex.param(n).value.trim().is_empty() {
            out.push(format!("{n} (main.cf)"));
        }
    }
    if let Some(m) = inst.master() {
        for s in m.services() {
            for n in ADDRESS_SUPPLIERS {
                if s.override_value(n).is_some_and(|v| !v.trim().is_empty()) {
                    out.push(format!("{n} ({})", s.id()));
                }
            }
        }
    }
    out
}

impl Check for Rhel8DefaultOverrides {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "RHEL 8 back-compatibility defaults disappear on RHEL 9"
    }
    fn default_severity(&self) -> Severity {
        Severity::Info
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "On upgrades from RHEL 8.4 or later, reports each built-in default that \
                   RHEL 8's back-compatibility patch changed (smtpd_discard_ehlo_keywords, \
                   info_log_address_format) and that main.cf does not set explicitly, and \
                   rhel_ipv6_normalize when the host accepts client addresses through \
                   XCLIENT or XFORWARD without setting it to yes.",
            why: "RHEL 8's Postfix 3.5.8 keeps Postfix 3.3.1 behaviour: it hides CHUNKING, \
                  logs addresses in internal form and does not normalise IP addresses \
                  received through XCLIENT/XFORWARD (rhel_ipv6_normalize = no). \
                  RHEL 9 ships upstream behaviour: CHUNKING is announced, from=/to= are \
                  logged in external form, and such addresses are normalised, which \
                  changes logging and how check_client_access matches IPv6 subnets.",
            fix: "Nothing, if the upstream behaviour is fine. To keep RHEL 8 behaviour for \
                  a while, set the parameter explicitly before the upgrade, e.g. \
                  `postconf -e smtpd_discard_ehlo_keywords=chunking` and `postconf -e \
                  info_log_address_format=internal` (`postfix-preupgrade fix --only \
                  rhel8-default-overrides` does this, safe). rhel_ipv6_normalize has no RHEL 9 \
                  equivalent: review IPv6 entries of client access tables.",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html#smtpd_discard_ehlo_keywords",
                    "postconf(5): smtpd_discard_ehlo_keywords",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#info_log_address_format",
                    "postconf(5): info_log_address_format",
                ),
                (
                    "https://www.postfix.org/BDAT_README.html",
                    "Postfix BDAT (CHUNKING) support",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let path = &facts.upgrade_path;
        let target = path.target_profile();
        let mut out = Vec::new();
        for inst in &facts.instances {
            let main_cf = inst.main_cf_path().display().to_string();
            for (name, old) in path.dropped_default_overrides() {
                if inst.main().get(name).is_some() {
                    continue;
                }
                let new = target.builtin_default(name).unwrap_or("");
                let mut f = Finding::new(
                    ID,
                    Severity::Info,
                    format!("{name} default changes from \"{old}\" on {}", facts.target),
                );
                f.summary = format!(
                    "{main_cf} does not set {name}, so it follows the built-in default: \
                     \"{old}\" on RHEL 8 (a RHEL-only patch), \"{new}\" on {}. {}",
                    facts.target,
                    meaning(name, old, new)
                );
                f.location.file = Some(main_cf.clone());
                f.location.parameter = Some(name.to_string().into());
                f.remediation.hint = format!(
                    "To keep the RHEL 8 behaviour, set it explicitly: postconf -e \
                     '{name}={old}'. Otherwise nothing to do."
                )
                .into();
                f.remediation.commands.push(vec![
                    "postconf".into(),
                    "-e".into(),
                    format!("{name}={old}").into(),
                ]);
                f.fix = FixInfo::safe();
                f.links.push(Link {
                    url: format!("https://www.postfix.org/postconf.5.html#{name}").into(),
                    title: format!("postconf(5): {name}").into(),
                });
                out.push(f);
            }
            if path.dropped_rhel_params().contains(&"rhel_ipv6_normalize") {
                let on = inst
                    .main()
                    .value("rhel_ipv6_normalize")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"));
                let suppliers = address_suppliers(facts, inst);
                if !on && !suppliers.is_empty() {
                    let mut f = Finding::new(
                        ID,
                        Severity::Info,
                        format!(
                            "client addresses from XCLIENT/XFORWARD are normalised on {}",
                            facts.target
                        ),
                    );
                    f.summary = format!(
                        "This instance accepts client addresses from another program through \
                         XCLIENT or XFORWARD ({}), and rhel_ipv6_normalize is not yes, so RHEL 8 uses them \
                         as received. {} always normalises them (as upstream Postfix 3.5 \
                         does): IPv6 addresses are written in their compressed form, which \
                         changes logging and how check_client_access and cidr tables match \
                         IPv6 addresses and subnets.",
                        suppliers.join(", "),
                        facts.target
                    );
                    f.location.file = Some(main_cf.clone());
                    f.location.parameter = Some("rhel_ipv6_normalize".into());
                    f.remediation.hint = "Test the behaviour now with `postconf -e \
                                          rhel_ipv6_normalize=yes` on RHEL 8, review IPv6 \
                                          entries in client access tables, then remove the \
                                          parameter after the upgrade."
                        .into();
                    out.push(f);
                }
            }
        }
        out
    }
}
