//! `nis-map`: `nis:` lookup tables on a target built without NIS.
//!
//! Only references the configuration itself writes (main.cf values and master.cf `-o`)
//! count: a built-in default that names `nis:` (older `alias_maps` defaults) is the
//! target's own default there, and the target's default has no `nis:`.
use super::Check;
use crate::checks::CheckDocs;
use crate::config::{ConfigFile, MapRef};
use crate::facts::{Facts, Instance};
use crate::finding::{Finding, FixInfo, Link, Related, Severity};

pub struct NisMap;

const ID: &str = "nis-map";

impl Check for NisMap {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "nis: lookup tables on a Postfix built without NIS"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn fixable(&self) -> bool {
        true
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Lookup tables of type nis: in main.cf and in master.cf -o overrides, including \
                   those that reach a parameter through $name expansion, proxy: or unionmap:.",
            why: "RHEL 9 and later build Postfix without NIS support. A nis: table then fails to \
                  open (\"unsupported dictionary type: nis\"): every lookup through it returns a \
                  temporary error, so mail that needs it (for example local delivery through \
                  alias_maps) is deferred.",
            fix: "Remove the nis: entry from the list (`postfix-preupgrade fix --unsafe --only \
                  nis-map` does it where the entry is written as a list member in main.cf). When the host has no NIS domain (no \
                  /etc/yp.conf, no NISDOMAIN), the lookup never returned anything and removing \
                  it changes nothing; otherwise export the NIS map to a local file and use an \
                  lmdb: or texthash: table, or an ldap: table.",
            references: &[
                (
                    "https://www.postfix.org/DATABASE_README.html",
                    "Postfix lookup table overview",
                ),
                (
                    "https://www.postfix.org/postconf.5.html#alias_maps",
                    "postconf(5): alias_maps",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        if !facts.upgrade_path.lacks_nis() {
            return Vec::new();
        }
        let yp_conf = facts.root.exists("/etc/yp.conf");
        let mut out = Vec::new();
        for inst in &facts.instances {
            for r in facts.map_refs(inst) {
                if r.map_type != "nis" || from_default(r) {
                    continue;
                }
                out.push(finding(facts, inst, r, yp_conf));
            }
        }
        out
    }
}

/// The map type came from a built-in default, not from the configuration.
fn from_default(r: &MapRef) -> bool {
    r.via.as_ref().is_some_and(|v| v.line.is_none())
}

fn finding(facts: &Facts, inst: &Instance, r: &MapRef, yp_conf: bool) -> Finding {
    let target = &facts.target;
    let mut f = Finding::new(
        ID,
        Severity::High,
        format!(
            "{} uses {}, which RHEL {} cannot open",
            r.parameter, r.text, target.major
        ),
    );
    let file = match r.file {
        ConfigFile::Main => inst.main_cf_path(),
        ConfigFile::Master => inst.master_cf_path(),
    };
    let via = r
        .via
        .as_ref()
        .and_then(|v| {
            Some(format!(
                " (through ${} defined on line {})",
                v.expanded, v.line?
            ))
        })
        .unwrap_or_default();
    let nis_hint = if yp_conf {
        "This host has /etc/yp.conf, so NIS may be in use: export the map to a local file first."
    } else {
        "There is no /etc/yp.conf under the root, so NIS is most likely not in use and the lookup \
         never returned anything: removing the entry keeps the current behaviour."
    };
    f.summary = format!(
        "{} on line {} of {} uses the table {}{}. Postfix {} on RHEL {} is built without NIS: \
         the table cannot be opened, every lookup through {} returns a temporary error and the \
         mail that needs it is deferred.",
        r.parameter,
        r.line,
        file.display(),
        r.text,
        via,
        facts.upgrade_path.target_postfix_version(),
        target.major,
        r.parameter,
    );
    f.location.file = Some(file.display().to_string());
    f.location.line = Some(r.line);
    f.location.service = r.service.clone();
    f.location.parameter = Some(r.parameter.clone());
    f.location.text = Some(r.text.clone());
    f.related.push(Related::file(file.display().to_string()));
    f.remediation.hint = format!(
        "Remove {} from {} (postconf -e, or edit the file). {}",
        r.text, r.parameter, nis_hint
    )
    .into();
    // `fix --unsafe` removes a list member written literally in main.cf; inside a
    // restriction, a wrapper, a $name or a master.cf -o it is a person's edit
    let classes: Vec<&str> = inst
        .main()
        .value("smtpd_restriction_classes")
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let classes: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
    let restriction = r.parameter.ends_with("_restrictions")
        || r.parameter.ends_with("_checks")
        || classes.iter().any(|c| *c == *r.parameter)
        || !crate::config::takes_tables(&r.parameter, &classes);
    let removable =
        r.wrappers.is_empty() && r.at.is_some() && r.file == ConfigFile::Main && !restriction;
    f.fix = if removable {
        FixInfo::review()
    } else {
        FixInfo::none()
    };
    f.links.push(Link {
        url: "https://www.postfix.org/DATABASE_README.html".into(),
        title: "Postfix lookup table overview".into(),
    });
    f
}
