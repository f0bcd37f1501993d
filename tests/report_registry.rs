//! The check registry's invariants: ids unique and kebab-case, titles and docs present,
//! and every id interface.md requires registered.
use std::collections::HashSet;

use postfix_preupgrade::checks::{find, CHECKS};

/// The ids interface.md requires ("Check ids").
const REQUIRED: &[&str] = &[
    "config-syntax",
    "berkeley-db-map",
    "smtps-service-renamed",
    "nis-map",
    "map-plugin-package",
    "removed-restriction",
    "deprecated-parameter",
    "unknown-parameter",
    "compatibility-level",
    "service-name-unresolvable",
    "pcre-x-flag",
    "tls-weak-certificate",
    "rpmnew-pending",
    "master-internal-services",
];

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[test]
fn kebab_case_rule() {
    for ok in ["config-syntax", "pcre-x-flag", "tls1-check"] {
        assert!(is_kebab(ok), "{ok}");
    }
    for bad in ["", "Config", "a--b", "-a", "a-", "a_b", "1a", "a b"] {
        assert!(!is_kebab(bad), "{bad}");
    }
}

#[test]
fn ids_unique_and_kebab_case() {
    let mut seen = HashSet::new();
    for c in CHECKS {
        assert!(is_kebab(c.id()), "not kebab-case: {:?}", c.id());
        assert!(seen.insert(c.id()), "duplicate id {}", c.id());
        assert!(std::ptr::addr_eq(find(c.id()).unwrap(), *c));
    }
}

#[test]
fn titles_and_docs_present() {
    for c in CHECKS {
        let d = c.docs();
        assert!(!c.title().trim().is_empty(), "{}: title", c.id());
        for (part, text) in [("what", d.what), ("why", d.why), ("fix", d.fix)] {
            assert!(!text.trim().is_empty(), "{}: docs.{part}", c.id());
        }
        for (url, title) in d.references {
            assert!(
                url.starts_with("https://") || url.starts_with("http://"),
                "{}: {url}",
                c.id()
            );
            assert!(!title.trim().is_empty(), "{}: reference title", c.id());
        }
    }
}

#[test]
fn required_ids_registered() {
    for id in REQUIRED {
        assert!(find(id).is_some(), "required check {id} is not registered");
    }
    for id in REQUIRED {
        assert!(is_kebab(id));
    }
}
