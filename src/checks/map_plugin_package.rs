//! `map-plugin-package`: lookup tables whose map type is a dynamically loaded plugin on
//! the target, packaged separately (`postfix-mysql`, `postfix-ldap` ...), when that package
//! will not be there after the upgrade.
//!
//! Whether the package is installed comes from the rpm database; without one, the
//! `dynamicmaps.cf` / `dynamicmaps.cf.d` registrations under the root stand in for it.
//! Packages listed in leapp's `/etc/leapp/transaction/to_install` count as installed.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::Check;
use crate::checks::CheckDocs;
use crate::config::{ConfigFile, MapRef};
use crate::facts::{Facts, Instance, Profile};
use crate::finding::{Finding, Link, Related, Severity};

pub struct MapPluginPackage;

const ID: &str = "map-plugin-package";
/// Leapp installs the packages listed here during the upgrade.
const LEAPP_TO_INSTALL: &str = "/etc/leapp/transaction/to_install";

impl Check for MapPluginPackage {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Plugin map types whose sub-package will be missing"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Lookup tables (main.cf, master.cf -o, through $name, proxy: and unionmap:) \
                   whose type is a plugin on the target release (mysql, pgsql, ldap, pcre, cdb, \
                   sqlite, lmdb), checked against the installed sub-packages in the rpm \
                   database, the dynamicmaps.cf and dynamicmaps.cf.d registrations and leapp's \
                   /etc/leapp/transaction/to_install.",
            why: "From RHEL 8 on, these map types are loaded from separate packages \
                  (postfix-mysql, postfix-ldap ...). RHEL 7 had mysql, ldap and pcre compiled \
                  into the postfix package, so after the upgrade to RHEL 8 they exist only if \
                  the sub-package is installed. Without it Postfix logs \"unsupported \
                  dictionary type\" and every lookup through the table fails with a temporary \
                  error: mail is deferred.",
            fix: "Install the sub-package before the upgrade with dnf where the source release \
                  has it; on RHEL 7 add it to /etc/leapp/transaction/to_install so leapp installs \
                  it during the upgrade.",
            references: &[
                (
                    "https://www.postfix.org/DATABASE_README.html",
                    "Postfix lookup table overview",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#meta_directory",
                    "postconf(5): meta_directory (dynamicmaps.cf)",
                ),
                (
                    "https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/8/html/upgrading_from_rhel_7_to_rhel_8/index",
                    "Upgrading from RHEL 7 to RHEL 8",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let path = &facts.upgrade_path;
        let target = path.target_profile();
        let queued = leapp_to_install(facts);
        let registered = registrations(facts);
        let mut out = Vec::new();
        for inst in &facts.instances {
            // package → (map type, references)
            let mut groups: BTreeMap<&'static str, (String, Vec<&MapRef>)> = BTreeMap::new();
            for r in facts.map_refs(inst) {
                let Some(pkg) = path.plugin_package(r.map_type) else {
                    continue;
                };
                if target.required_packages.contains(&pkg) {
                    continue;
                }
                groups
                    .entry(pkg)
                    .or_insert_with(|| (r.map_type.to_string(), Vec::new()))
                    .1
                    .push(r);
            }
            for (pkg, (map_type, refs)) in groups {
                let installed = facts.postfix.has_package(pkg);
                if installed == Some(true) || queued.contains(pkg) {
                    continue;
                }
                let is_registered = registered.contains(&map_type);
                if installed.is_none() && is_registered {
                    continue;
                }
                out.push(finding(
                    facts,
                    inst,
                    pkg,
                    &map_type,
                    &refs,
                    installed,
                    is_registered,
                ));
            }
        }
        out
    }
}

/// How the source release provides a map type.
#[derive(PartialEq)]
enum SourceHas {
    /// Compiled into the postfix package: it works today without a sub-package.
    BuiltIn,
    /// A plugin there too.
    Plugin,
    /// Not at all.
    Nothing,
}

fn source_has(facts: &Facts, map_type: &str, pkg: &str) -> SourceHas {
    let src: &Profile = facts.upgrade_path.source_profile();
    if src.builtin(map_type) {
        return SourceHas::BuiltIn;
    }
    if src.plugin_package(map_type).is_none() {
        return SourceHas::Nothing;
    }
    // early RHEL 8.0-8.3 builds had some of these compiled in
    if let Some((_, since)) = src.plugin_package_since.iter().find(|(p, _)| *p == pkg) {
        if let Some(p) = facts
            .postfix
            .packages()
            .iter()
            .find(|p| p.name == "postfix")
        {
            if older_build(&p.version, &p.release, since) {
                return SourceHas::BuiltIn;
            }
        }
    }
    SourceHas::Plugin
}

/// Whether `version-release` is older than `since` (`3.3.1-9`): compares the version
/// numbers, then the release's leading number.
fn older_build(version: &str, release: &str, since: &str) -> bool {
    let (sv, sr) = since.split_once('-').unwrap_or((since, "0"));
    let nums = |s: &str| -> Vec<u64> {
        s.split('.')
            .map(|x| {
                x.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0)
            })
            .collect()
    };
    let lead = |s: &str| nums(s).first().copied().unwrap_or(0);
    (nums(version), lead(release)) < (nums(sv), lead(sr))
}

fn finding(
    facts: &Facts,
    inst: &Instance,
    pkg: &str,
    map_type: &str,
    refs: &[&MapRef],
    installed: Option<bool>,
    registered: bool,
) -> Finding {
    let path = &facts.upgrade_path;
    let source = source_has(facts, map_type, pkg);
    let (severity, why) = match (installed, &source) {
        (Some(false), SourceHas::BuiltIn) => (
            Severity::High,
            format!(
                "{map_type}: is compiled into Postfix on RHEL {} but is a plugin from {pkg} on \
                 RHEL {}, and {pkg} is not installed: the tables stop working after the upgrade",
                facts.source.major, facts.target.major
            ),
        ),
        (Some(false), _) if registered => (
            Severity::High,
            format!(
                "{pkg} is not installed although dynamicmaps registers {map_type}: (a plugin \
                 that no package owns); the upgrade will not bring a {map_type} plugin for the \
                 new Postfix"
            ),
        ),
        (Some(false), _) => (
            Severity::Medium,
            format!(
                "{pkg} is not installed, so these {map_type}: tables do not work on this host \
                 now either; the upgrade does not change that"
            ),
        ),
        (_, SourceHas::BuiltIn) => (
            Severity::Medium,
            format!(
                "no rpm database was read, so whether {pkg} will be installed is unknown; \
                 {map_type}: is compiled in on RHEL {} but needs {pkg} on RHEL {}",
                facts.source.major, facts.target.major
            ),
        ),
        _ => (
            Severity::Medium,
            format!(
                "no rpm database was read and no dynamicmaps registration for {map_type}: was \
                 found, so whether {pkg} is installed is unknown"
            ),
        ),
    };
    let mut f = Finding::new(
        ID,
        severity,
        format!(
            "{} {map_type}: table{} need{} {pkg}",
            refs.len(),
            if refs.len() == 1 { "" } else { "s" },
            if refs.len() == 1 { "s" } else { "" }
        ),
    );
    let file_of = |r: &MapRef| match r.file {
        ConfigFile::Main => inst.main_cf_path(),
        ConfigFile::Master => inst.master_cf_path(),
    };
    // one line per place (file, line, parameter), each table named once
    let mut places: Vec<(String, Vec<String>)> = Vec::new();
    for r in refs.iter() {
        let svc = r
            .service
            .as_ref()
            .map(|s| format!(" (-o of {s})"))
            .unwrap_or_default();
        let place = format!("{}:{} {}{svc}", file_of(r).display(), r.line, r.parameter);
        match places.iter_mut().find(|(p, _)| *p == place) {
            Some((_, tables)) if tables.iter().any(|t| *t == *r.text) => {}
            Some((_, tables)) => tables.push(r.text.to_string()),
            None => places.push((place, vec![r.text.to_string()])),
        }
    }
    let uses: Vec<String> = places
        .iter()
        .map(|(p, t)| format!("- {p}: {}", t.join(", ")))
        .collect();
    let who = if inst.primary {
        "Postfix here".to_string()
    } else {
        format!("The Postfix instance {}", inst.name)
    };
    let mut why = why.to_string();
    if let Some(c) = why.get(..1) {
        why = format!("{}{}", c.to_uppercase(), &why[1..]);
    }
    f.summary = format!(
        "{who} uses {map_type}: tables at:\n{}\n{why}.",
        uses.join("\n")
    );
    let first = &refs[0];
    let file = file_of(first);
    f.location.file = Some(file.display().to_string());
    f.location.line = Some(first.line);
    f.location.service = first.service.clone();
    f.location.parameter = Some(first.parameter.clone());
    f.location.text = Some(first.text.clone());
    f.key = Finding::key_from(ID, &[&inst.config_directory.display().to_string(), pkg]);
    let mut files: BTreeSet<String> = refs
        .iter()
        .map(|r| file_of(r).display().to_string())
        .collect();
    for p in std::mem::take(&mut files) {
        f.related.push(Related::file(p));
    }
    f.related.push(Related::package(pkg));
    if path.source_profile().plugin_package(map_type) == Some(pkg) {
        f.remediation.hint = format!(
            "Install {pkg} now (it exists on RHEL {}); leapp then upgrades it with postfix.",
            facts.source.major
        )
        .into();
        f.remediation.commands = vec![vec!["dnf".into(), "install".into(), pkg.into()]];
    } else {
        f.remediation.hint = format!(
            "{pkg} does not exist on RHEL {}: add it to {LEAPP_TO_INSTALL} so leapp installs it \
             during the upgrade (one package name per line).",
            facts.source.major
        )
        .into();
        f.remediation.commands = vec![vec![
            "sh".into(),
            "-c".into(),
            format!("echo {pkg} >> {LEAPP_TO_INSTALL}").into(),
        ]];
    }
    f.links.push(Link {
        url: "https://www.postfix.org/DATABASE_README.html".into(),
        title: "Postfix lookup table overview".into(),
    });
    f
}

/// Packages leapp is told to install during the upgrade.
fn leapp_to_install(facts: &Facts) -> BTreeSet<String> {
    facts
        .root
        .read_to_string(LEAPP_TO_INSTALL)
        .map(|t| {
            t.lines()
                .map(|l| l.split('#').next().unwrap_or(""))
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Map types registered in `dynamicmaps.cf` and `dynamicmaps.cf.d/*` of every instance's
/// config directory and `meta_directory`.
fn registrations(facts: &Facts) -> BTreeSet<String> {
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for inst in &facts.instances {
        dirs.insert(inst.config_directory.clone());
        if let Some(m) = inst.main().value("meta_directory") {
            if m.starts_with('/') {
                dirs.insert(PathBuf::from(m));
            }
        }
    }
    let mut out = BTreeSet::new();
    for d in dirs {
        let mut files = vec![d.join("dynamicmaps.cf")];
        if let Ok(names) = facts.root.read_dir(d.join("dynamicmaps.cf.d")) {
            files.extend(
                names
                    .into_iter()
                    .map(|(n, _)| d.join("dynamicmaps.cf.d").join(n)),
            );
        }
        for f in files {
            read_registrations(facts, &f, &mut out);
        }
    }
    out
}

fn read_registrations(facts: &Facts, file: &Path, out: &mut BTreeSet<String>) {
    let Ok(text) = facts.root.read_to_string(file) else {
        return;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.split_whitespace().next() {
            out.insert(t.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::older_build;

    #[test]
    fn build_order() {
        assert!(older_build("3.3.1", "8.el8", "3.3.1-9"));
        assert!(!older_build("3.3.1", "9.el8", "3.3.1-9"));
        assert!(!older_build("3.3.1", "12.el8_2", "3.3.1-10"));
        assert!(!older_build("3.5.8", "1.el8", "3.3.1-10"));
    }
}
