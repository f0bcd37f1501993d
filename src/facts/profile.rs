//! Upgrade-path profiles: what each RHEL release's Postfix build provides, as data.
//! Checks ask an [`UpgradePath`] (source → target, with every major step in between)
//! instead of testing release numbers themselves.
//!
//! Sources: Fedora/RHEL postfix spec files and config patches, upstream release notes and
//! postconf(5); see shared/reference/postfix-upgrade-facts.md §1–2.
use super::release::Release;
use super::version::PostfixVersion;
use crate::error::{Error, Result};

/// The system-wide crypto policy (`DEFAULT`) a release applies to OpenSSL, and so to
/// Postfix (`tls_config_file = default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CryptoPolicy {
    /// Smallest RSA key accepted, bits.
    pub min_rsa_bits: u32,
    /// Smallest finite-field DH group accepted, bits.
    pub min_dh_bits: u32,
    /// Lowest TLS protocol version, as OpenSSL names it.
    pub min_tls: &'static str,
    /// Whether SHA-1 signatures (certificates, key exchange) are accepted.
    pub sha1_signatures: bool,
    /// Whether plain RSA key exchange (no forward secrecy) is accepted.
    pub rsa_key_exchange: bool,
}

/// What one RHEL release's Postfix build provides.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct Profile {
    /// Short id: `el7`, `el8.0`, `el8.4`, `el9`, `el10`.
    pub id: &'static str,
    pub major: u32,
    /// First minor release this profile applies to (8.4+ differs from 8.0–8.3).
    pub min_minor: u32,
    /// The Postfix version the release ships.
    pub postfix_version: PostfixVersion,
    /// Whether `hash:` and `btree:` (Berkeley DB) exist.
    pub berkeley_db: bool,
    /// Whether `nis:` maps exist.
    pub nis: bool,
    /// Map types built into the main package besides `hash`/`btree` and `nis`, which
    /// [`Profile::builtin`] derives from `berkeley_db` and `nis`.
    pub builtin_maps: &'static [&'static str],
    /// Map types that are dynamically loaded plugins, with the sub-package providing each.
    #[serde(serialize_with = "ser_pairs")]
    pub plugin_maps: &'static [(&'static str, &'static str)],
    /// Sub-packages the `postfix` package itself requires on this release.
    pub required_packages: &'static [&'static str],
    /// Whether the `pcre:` map type is built on PCRE2 (the `X` flag is ignored).
    pub pcre2: bool,
    /// `compatibility_level` in the stock main.cf (None: the stock file has none).
    pub stock_compatibility_level: Option<&'static str>,
    /// Whether `known_tcp_ports` exists and works (Postfix 3.6.3 and later), so `smtps` and
    /// `submissions` resolve without /etc/services.
    pub known_tcp_ports: bool,
    /// Whether the release's firewalld (2.1+) has the `submission` service (port 587),
    /// keeping `smtp-submission` only as a deprecated alias that includes it.
    pub firewalld_submission: bool,
    /// `DEFAULT` crypto policy (None: no system-wide crypto policies).
    pub crypto: Option<CryptoPolicy>,
    /// Parameters only this RHEL build knows (distribution patches).
    pub rhel_only_params: &'static [&'static str],
    /// Built-in defaults a distribution patch changes from upstream: (name, value).
    #[serde(serialize_with = "ser_pairs")]
    pub default_overrides: &'static [(&'static str, &'static str)],
    /// Plugin sub-packages that only exist from a package release on: (package, first
    /// postfix release, e.g. `3.3.1-9`); older builds had the map type compiled in.
    #[serde(serialize_with = "ser_pairs")]
    pub plugin_package_since: &'static [(&'static str, &'static str)],
}

/// (key, value) pairs as a JSON object.
fn ser_pairs<S: serde::Serializer>(
    pairs: &&'static [(&'static str, &'static str)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (*k, *v)))
}

const ALL_PLUGINS_NO_LMDB: &[(&str, &str)] = &[
    ("cdb", "postfix-cdb"),
    ("ldap", "postfix-ldap"),
    ("mysql", "postfix-mysql"),
    ("pcre", "postfix-pcre"),
    ("pgsql", "postfix-pgsql"),
    ("sqlite", "postfix-sqlite"),
];
const ALL_PLUGINS: &[(&str, &str)] = &[
    ("cdb", "postfix-cdb"),
    ("ldap", "postfix-ldap"),
    ("lmdb", "postfix-lmdb"),
    ("mysql", "postfix-mysql"),
    ("pcre", "postfix-pcre"),
    ("pgsql", "postfix-pgsql"),
    ("sqlite", "postfix-sqlite"),
];

/// Map types every Postfix build has (no library needed).
const CORE_MAPS: &[&str] = &[
    "cidr",
    "environ",
    "fail",
    "inline",
    "internal",
    "memcache",
    "pipemap",
    "proxy",
    "randmap",
    "regexp",
    "socketmap",
    "static",
    "tcp",
    "texthash",
    "unionmap",
    "unix",
];

/// Postfix 2.10 as RHEL 7 builds it: an older core set, with ldap, mysql, pcre and sdbm
/// compiled in.
const EL7_BUILTIN: &[&str] = &[
    "cidr", "environ", "fail", "internal", "ldap", "memcache", "mysql", "pcre", "proxy", "regexp",
    "sdbm", "static", "tcp", "texthash", "unix",
];

const CRYPTO_EL8: CryptoPolicy = CryptoPolicy {
    min_rsa_bits: 2048,
    min_dh_bits: 2048,
    min_tls: "TLSv1.2",
    sha1_signatures: true,
    rsa_key_exchange: true,
};
const CRYPTO_EL9: CryptoPolicy = CryptoPolicy {
    sha1_signatures: false,
    ..CRYPTO_EL8
};
const CRYPTO_EL10: CryptoPolicy = CryptoPolicy {
    rsa_key_exchange: false,
    ..CRYPTO_EL9
};

/// Every profile, oldest first.
pub static PROFILES: [Profile; 5] = [
    Profile {
        id: "el7",
        major: 7,
        min_minor: 0,
        postfix_version: PostfixVersion::new(2, 10, 1),
        berkeley_db: true,
        nis: true,
        builtin_maps: EL7_BUILTIN,
        plugin_maps: &[],
        required_packages: &[],
        pcre2: false,
        stock_compatibility_level: None,
        known_tcp_ports: false,
        firewalld_submission: false,
        crypto: None,
        rhel_only_params: &[],
        default_overrides: &[],
        plugin_package_since: &[],
    },
    Profile {
        id: "el8.0",
        major: 8,
        min_minor: 0,
        postfix_version: PostfixVersion::new(3, 3, 1),
        berkeley_db: true,
        nis: true,
        builtin_maps: CORE_MAPS,
        plugin_maps: ALL_PLUGINS_NO_LMDB,
        required_packages: &[],
        pcre2: false,
        stock_compatibility_level: Some("2"),
        known_tcp_ports: false,
        firewalld_submission: false,
        crypto: Some(CRYPTO_EL8),
        rhel_only_params: &[],
        default_overrides: &[],
        plugin_package_since: &[
            ("postfix-ldap", "3.3.1-9"),
            ("postfix-pcre", "3.3.1-10"),
            ("postfix-cdb", "3.3.1-10"),
            ("postfix-sqlite", "3.3.1-10"),
        ],
    },
    Profile {
        id: "el8.4",
        major: 8,
        min_minor: 4,
        postfix_version: PostfixVersion::new(3, 5, 8),
        berkeley_db: true,
        nis: true,
        builtin_maps: CORE_MAPS,
        plugin_maps: ALL_PLUGINS,
        required_packages: &[],
        pcre2: false,
        stock_compatibility_level: Some("2"),
        known_tcp_ports: false,
        firewalld_submission: false,
        crypto: Some(CRYPTO_EL8),
        rhel_only_params: &["rhel_ipv6_normalize"],
        default_overrides: &[
            ("smtpd_discard_ehlo_keywords", "chunking"),
            ("info_log_address_format", "internal"),
        ],
        plugin_package_since: &[],
    },
    Profile {
        id: "el9",
        major: 9,
        min_minor: 0,
        postfix_version: PostfixVersion::new(3, 5, 9),
        berkeley_db: true,
        nis: false,
        builtin_maps: CORE_MAPS,
        plugin_maps: ALL_PLUGINS,
        required_packages: &[],
        pcre2: false,
        stock_compatibility_level: Some("2"),
        known_tcp_ports: false,
        firewalld_submission: false,
        crypto: Some(CRYPTO_EL9),
        rhel_only_params: &[],
        default_overrides: &[],
        plugin_package_since: &[],
    },
    Profile {
        id: "el10",
        major: 10,
        min_minor: 0,
        postfix_version: PostfixVersion::new(3, 8, 5),
        berkeley_db: false,
        nis: false,
        builtin_maps: CORE_MAPS,
        plugin_maps: ALL_PLUGINS,
        required_packages: &["postfix-lmdb"],
        pcre2: true,
        stock_compatibility_level: Some("3.8"),
        known_tcp_ports: true,
        firewalld_submission: true,
        crypto: Some(CRYPTO_EL10),
        rhel_only_params: &[],
        default_overrides: &[],
        plugin_package_since: &[],
    },
];

impl Profile {
    /// The profile of a release; a release without a minor gets its major's latest profile
    /// (leapp upgrades only from the latest minor).
    pub fn for_release(rel: &Release) -> Option<&'static Profile> {
        let minor = rel.minor.unwrap_or(u32::MAX);
        PROFILES
            .iter()
            .rev()
            .find(|p| p.major == rel.major && p.min_minor <= minor)
    }

    /// The latest profile of a major release.
    pub fn latest(major: u32) -> Option<&'static Profile> {
        PROFILES.iter().rev().find(|p| p.major == major)
    }

    /// The sub-package providing a plugin map type, None when it is built in or unknown.
    pub fn plugin_package(&self, map_type: &str) -> Option<&'static str> {
        self.plugin_maps
            .iter()
            .find(|(t, _)| *t == map_type)
            .map(|(_, p)| *p)
    }

    /// Whether a map type is built into the main package.
    pub fn builtin(&self, map_type: &str) -> bool {
        match map_type {
            "hash" | "btree" => self.berkeley_db,
            "nis" => self.nis,
            _ => self.builtin_maps.contains(&map_type),
        }
    }

    /// Whether the build supports a map type at all (built in or through a plugin).
    pub fn supports_map(&self, map_type: &str) -> bool {
        self.builtin(map_type) || self.plugin_package(map_type).is_some()
    }

    /// Whether this release's Postfix knows a fixed parameter name (upstream tables plus
    /// the distribution's own parameters).
    pub fn knows_param(&self, name: &str) -> bool {
        super::params::known(&self.postfix_version, name) || self.is_rhel_only_param(name)
    }

    /// The built-in default of a parameter on this release: the distribution's override,
    /// else upstream's default for the shipped version.
    pub fn builtin_default(&self, name: &str) -> Option<&'static str> {
        self.default_override(name)
            .or_else(|| super::params::default(&self.postfix_version, name))
    }

    /// Whether a parameter exists only through this release's distribution patch.
    pub fn is_rhel_only_param(&self, name: &str) -> bool {
        self.rhel_only_params.contains(&name)
    }

    /// The distribution's changed built-in default of a parameter, if any.
    pub fn default_override(&self, name: &str) -> Option<&'static str> {
        self.default_overrides
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// One major-release step of an upgrade (leapp upgrades one major at a time).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub from: &'static Profile,
    pub to: &'static Profile,
}

/// Source → target, with each major step in between: 8→10 is 8→9 then 9→10.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UpgradePath {
    pub source: Release,
    pub target: Release,
    pub steps: Vec<Step>,
}

impl UpgradePath {
    /// The path from `source` to `target`; the target must be a later major release.
    pub fn new(source: Release, target: Release) -> Result<UpgradePath> {
        if target.major <= source.major {
            return Err(Error::Usage(format!(
                "target {target} is not a later major release than the source {source}"
            )));
        }
        let first = Profile::for_release(&source).ok_or_else(|| {
            Error::Usage(format!(
                "no upgrade profile for the source release {source}"
            ))
        })?;
        let last = Profile::for_release(&target).ok_or_else(|| {
            Error::Usage(format!(
                "no upgrade profile for the target release {target}"
            ))
        })?;
        let mut chain = vec![first];
        for major in source.major + 1..target.major {
            chain.push(
                Profile::latest(major)
                    .ok_or_else(|| Error::Usage(format!("no upgrade profile for RHEL {major}")))?,
            );
        }
        chain.push(last);
        let steps = chain
            .windows(2)
            .map(|w| Step {
                from: w[0],
                to: w[1],
            })
            .collect();
        Ok(UpgradePath {
            source,
            target,
            steps,
        })
    }

    /// No upgrade: the installed release is both ends (one step from its profile to
    /// itself), so every question about "the target" is answered by what is installed.
    /// `verify` runs on this path after the upgrade.
    pub fn installed(release: Release) -> Result<UpgradePath> {
        let p = Profile::for_release(&release).ok_or_else(|| {
            Error::Usage(format!("no profile for the installed release {release}"))
        })?;
        Ok(UpgradePath {
            source: release.clone(),
            target: release,
            steps: vec![Step { from: p, to: p }],
        })
    }

    /// Whether an upgrade is ahead (false for [`UpgradePath::installed`]: after it, what
    /// the upgrade itself would have done, such as the RPM's %post, is history).
    pub fn upgrades(&self) -> bool {
        self.steps.iter().any(|s| s.from.id != s.to.id)
    }

    pub fn source_profile(&self) -> &'static Profile {
        self.steps[0].from
    }

    pub fn target_profile(&self) -> &'static Profile {
        self.steps[self.steps.len() - 1].to
    }

    /// Every profile on the path, source first.
    pub fn profiles(&self) -> impl Iterator<Item = &'static Profile> + '_ {
        std::iter::once(self.source_profile()).chain(self.steps.iter().map(|s| s.to))
    }

    /// Whether the path lands on (or passes through) this major release.
    pub fn reaches_major(&self, major: u32) -> bool {
        self.steps.iter().any(|s| s.to.major == major)
    }

    /// The target build lacks Berkeley DB (`hash:`, `btree:`).
    pub fn lacks_berkeley_db(&self) -> bool {
        !self.target_profile().berkeley_db
    }

    /// The target build lacks NIS (`nis:`).
    pub fn lacks_nis(&self) -> bool {
        !self.target_profile().nis
    }

    /// The target's sub-package for a plugin map type (None: built in or unknown).
    pub fn plugin_package(&self, map_type: &str) -> Option<&'static str> {
        self.target_profile().plugin_package(map_type)
    }

    /// A map type that is built in on the source but a separately packaged plugin on the
    /// target (e.g. `mysql` on 7→8): the package that must be installed.
    pub fn becomes_plugin(&self, map_type: &str) -> Option<&'static str> {
        let src = self.source_profile();
        if src.builtin(map_type) {
            self.plugin_package(map_type)
        } else {
            None
        }
    }

    /// The target supports a map type (built in or via a plugin).
    pub fn target_supports_map(&self, map_type: &str) -> bool {
        self.target_profile().supports_map(map_type)
    }

    /// The target Postfix has `known_tcp_ports` (3.6.3+).
    pub fn has_known_tcp_ports(&self) -> bool {
        self.target_profile().known_tcp_ports
    }

    /// The target's pcre maps are built on PCRE2.
    pub fn uses_pcre2(&self) -> bool {
        self.target_profile().pcre2
    }

    /// The Postfix version the target release ships.
    pub fn target_postfix_version(&self) -> PostfixVersion {
        self.target_profile().postfix_version
    }

    /// The target's stock `compatibility_level`.
    pub fn target_compatibility_level(&self) -> Option<&'static str> {
        self.target_profile().stock_compatibility_level
    }

    /// The target's crypto-policy minimums.
    pub fn target_crypto(&self) -> Option<CryptoPolicy> {
        self.target_profile().crypto
    }

    /// RHEL-only parameters known somewhere on the path but not on the target (they turn
    /// into "unused parameter" warnings), e.g. `rhel_ipv6_normalize` on 8→9.
    pub fn dropped_rhel_params(&self) -> Vec<&'static str> {
        let target = self.target_profile();
        let mut out: Vec<&'static str> = self
            .profiles()
            .flat_map(|p| p.rhel_only_params.iter().copied())
            .filter(|n| !target.is_rhel_only_param(n))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Distribution default overrides in force on the source but not on the target:
    /// (name, source value). A host that does not set these explicitly sees them change.
    pub fn dropped_default_overrides(&self) -> Vec<(&'static str, &'static str)> {
        let target = self.target_profile();
        self.source_profile()
            .default_overrides
            .iter()
            .filter(|(n, _)| target.default_override(n).is_none())
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str, t: &str) -> UpgradePath {
        UpgradePath::new(Release::parse(s).unwrap(), Release::parse(t).unwrap()).unwrap()
    }

    #[test]
    fn the_installed_path_asks_about_what_is_installed() {
        let p = UpgradePath::installed(Release::parse("10.0").unwrap()).unwrap();
        assert_eq!(p.source_profile().id, "el10");
        assert_eq!(p.target_profile().id, "el10");
        assert!(!p.upgrades());
        assert!(p.lacks_berkeley_db());
        assert!(path("9.4", "10").upgrades());
        // RHEL 9's firewalld has no `submission` service, RHEL 10's has
        assert!(!path("9.4", "10").source_profile().firewalld_submission);
        assert!(p.target_profile().firewalld_submission);
    }

    #[test]
    fn profiles_by_release() {
        let p = |s: &str| {
            Profile::for_release(&Release::parse(s).unwrap())
                .unwrap()
                .id
        };
        assert_eq!(p("7.9"), "el7");
        assert_eq!(p("8.2"), "el8.0");
        assert_eq!(p("8.4"), "el8.4");
        assert_eq!(p("8.10"), "el8.4");
        assert_eq!(p("8"), "el8.4");
        assert_eq!(p("9.6"), "el9");
        assert_eq!(p("10.0"), "el10");
    }

    #[test]
    fn single_steps() {
        let p = path("9.6", "10");
        assert_eq!(p.steps.len(), 1);
        assert!(p.lacks_berkeley_db() && p.lacks_nis() && p.uses_pcre2());
        assert!(p.has_known_tcp_ports());
        assert_eq!(p.target_postfix_version().to_string(), "3.8.5");
        assert_eq!(p.target_compatibility_level(), Some("3.8"));
        assert!(!p.target_crypto().unwrap().rsa_key_exchange);
        assert!(!p.target_supports_map("hash") && p.target_supports_map("lmdb"));

        let p = path("8.10", "9");
        assert!(!p.lacks_berkeley_db() && p.lacks_nis() && !p.has_known_tcp_ports());
        assert_eq!(p.dropped_rhel_params(), vec!["rhel_ipv6_normalize"]);
        assert_eq!(p.dropped_default_overrides().len(), 2);
        assert!(!p.target_crypto().unwrap().sha1_signatures);

        let p = path("7.9", "8");
        assert_eq!(p.becomes_plugin("mysql"), Some("postfix-mysql"));
        assert_eq!(p.becomes_plugin("pgsql"), None);
        assert_eq!(p.plugin_package("pgsql"), Some("postfix-pgsql"));
        assert_eq!(p.plugin_package("cidr"), None);
        assert!(!p.lacks_nis());
        assert!(p.source_profile().crypto.is_none());
    }

    #[test]
    fn params_through_profiles() {
        let el84 = Profile::for_release(&Release::parse("8.10").unwrap()).unwrap();
        let el9 = Profile::latest(9).unwrap();
        let el10 = Profile::latest(10).unwrap();
        assert!(el84.knows_param("rhel_ipv6_normalize"));
        assert!(!el9.knows_param("rhel_ipv6_normalize"));
        assert!(el10.knows_param("known_tcp_ports") && !el9.knows_param("known_tcp_ports"));
        assert_eq!(
            el84.builtin_default("smtpd_discard_ehlo_keywords"),
            Some("chunking")
        );
        assert_eq!(el9.builtin_default("smtpd_discard_ehlo_keywords"), Some(""));
        assert_eq!(el10.builtin_default("no_such_param"), None);
        let el80 = Profile::for_release(&Release::parse("8.1").unwrap()).unwrap();
        assert_eq!(el80.plugin_package_since.len(), 4);
    }

    #[test]
    fn multi_step_is_union_of_steps() {
        let p = path("8.10", "10");
        let ids: Vec<_> = p.steps.iter().map(|s| (s.from.id, s.to.id)).collect();
        assert_eq!(ids, vec![("el8.4", "el9"), ("el9", "el10")]);
        assert!(p.reaches_major(9) && p.reaches_major(10) && !p.reaches_major(8));
        assert!(p.lacks_berkeley_db());
        assert_eq!(p.dropped_rhel_params(), vec!["rhel_ipv6_normalize"]);
        let p = path("7", "10");
        assert_eq!(p.steps.len(), 3);
        assert_eq!(p.becomes_plugin("ldap"), Some("postfix-ldap"));
    }

    #[test]
    fn refuses_backwards_paths() {
        let e = UpgradePath::new(Release::new(9, None), Release::new(9, Some(6))).unwrap_err();
        assert!(e.to_string().contains("not a later major"), "{e}");
    }
}
