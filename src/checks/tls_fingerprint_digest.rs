//! `tls-fingerprint-digest`: MD5 certificate fingerprints that stop matching when the
//! fingerprint digest default changes from md5 to sha256 (Postfix 3.6 and later with
//! `compatibility_level` 3.6 or higher).
//!
//! Server side (`smtpd_tls_fingerprint_digest`): tables named by `check_ccert_access` in
//! any restriction list and by `relay_clientcerts`. Client side
//! (`smtp_tls_fingerprint_digest`, `lmtp_`): `smtp_tls_fingerprint_cert_match` and `match=`
//! attributes of `smtp_tls_policy_maps` entries. A fingerprint is MD5 when it has 16
//! colon-separated hex bytes. A side whose digest is set explicitly is left alone.
use std::collections::{BTreeSet, HashMap};

use crate::checks::{Check, CheckDocs};
use crate::config::{Expander, Service};
use crate::facts::{Facts, Instance, PostfixVersion};
use crate::finding::{Finding, Link, Related, Severity};

pub struct TlsFingerprintDigest;

const ID: &str = "tls-fingerprint-digest";

/// The first Postfix version whose digest default depends on `compatibility_level`.
const SHA256_DEFAULT_SINCE: PostfixVersion = PostfixVersion::new(3, 6, 0);

/// Whether `tok` is an MD5 fingerprint: 16 hex bytes separated by colons.
pub(crate) fn is_md5_fingerprint(tok: &str) -> bool {
    let parts: Vec<&str> = tok.split(':').collect();
    parts.len() == 16
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// MD5 fingerprints in a text (table source or parameter value): (line, fingerprint).
pub(crate) fn md5_fingerprints(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for tok in line
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '=' | '{' | '}' | '"'))
        {
            if is_md5_fingerprint(tok) {
                out.push((n + 1, tok.to_string()));
            }
        }
    }
    out
}

/// Parse a `compatibility_level` (`2`, `3.6`, `3.10`) into comparable numbers.
fn level(v: &str) -> Vec<u32> {
    v.trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0))
        .collect()
}

fn level_reaches(v: &str, want: &[u32]) -> bool {
    let mut l = level(v);
    l.resize(want.len().max(l.len()), 0);
    l.as_slice() >= want
}

/// A place that holds md5 fingerprints.
struct Hit {
    side: &'static str,
    parameter: String,
    service: Option<String>,
    /// Config file where the table or value is named.
    cfg_file: String,
    /// The table file (or the config file for inline values) and the first line.
    file: String,
    line: usize,
    first: String,
    count: usize,
}

fn tokens(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The text of a table, when it is a file (or inline) this tool can read.
fn table_text(facts: &Facts, spec: &str) -> Option<(String, String)> {
    let mut s = spec;
    while let Some(r) = s.strip_prefix("proxy:") {
        s = r;
    }
    let (ty, name) = s.split_once(':')?;
    match ty {
        "hash" | "btree" | "lmdb" | "cdb" | "dbm" | "sdbm" | "texthash" | "regexp" | "pcre"
        | "cidr" => {
            if !name.starts_with('/') {
                return None;
            }
            let b = facts.root.read(name).ok()?;
            Some((name.to_string(), String::from_utf8_lossy(&b).into_owned()))
        }
        "inline" => Some((String::new(), name.to_string())),
        _ => None,
    }
}

struct Ctx<'a> {
    facts: &'a Facts,
    inst: &'a Instance,
    hits: Vec<Hit>,
    seen: BTreeSet<(String, String)>,
}

impl Ctx<'_> {
    fn place(&self, svc: Option<&Service>, name: &str) -> (String, Option<usize>, Option<String>) {
        if let Some(s) = svc {
            if let Some(o) = s.overrides.iter().rev().find(|o| o.name == name) {
                return (
                    self.inst.master_cf_path().display().to_string(),
                    Some(o.line),
                    Some(s.id()),
                );
            }
        }
        (
            self.inst.main_cf_path().display().to_string(),
            self.inst.main().get(name).map(|p| p.line),
            None,
        )
    }

    fn table(&mut self, side: &'static str, svc: Option<&Service>, param: &str, spec: &str) {
        if !self.seen.insert((param.to_string(), spec.to_string())) {
            return;
        }
        let Some((file, text)) = table_text(self.facts, spec) else {
            return;
        };
        let fps = md5_fingerprints(&text);
        let Some((line, first)) = fps.first().cloned() else {
            return;
        };
        let (cfg_file, cfg_line, service) = self.place(svc, param);
        let (file, line) = if file.is_empty() {
            (cfg_file.clone(), cfg_line.unwrap_or(line))
        } else {
            (file, line)
        };
        self.hits.push(Hit {
            side,
            parameter: param.to_string(),
            service,
            cfg_file,
            file,
            line,
            first,
            count: fps.len(),
        });
    }

    fn value(&mut self, side: &'static str, svc: Option<&Service>, param: &str, v: &str) {
        let fps = md5_fingerprints(v);
        let Some((_, first)) = fps.first().cloned() else {
            return;
        };
        if !self.seen.insert((param.to_string(), v.to_string())) {
            return;
        }
        let (cfg_file, cfg_line, service) = self.place(svc, param);
        self.hits.push(Hit {
            side,
            parameter: param.to_string(),
            service,
            file: cfg_file.clone(),
            line: cfg_line.unwrap_or(0),
            cfg_file,
            first,
            count: fps.len(),
        });
    }

    /// Scan the names `names` in one context (main.cf, or a service with its overrides),
    /// expanded by `ex`.
    fn scan<'n>(
        &mut self,
        svc: Option<&Service>,
        ex: &Expander,
        names: impl IntoIterator<Item = &'n str>,
    ) {
        let main = self.inst.main();
        let server_explicit = is_set(main, svc, "smtpd_tls_fingerprint_digest");
        let client_explicit = is_set(main, svc, "smtp_tls_fingerprint_digest");
        for name in names {
            let v = ex.param(name).value;
            self.scan_value(svc, name, &v, server_explicit, client_explicit);
        }
    }

    /// The main.cf pass, over the values the index expanded.
    fn scan_main(&mut self, index: &MainIndex) {
        let main = self.inst.main();
        let server_explicit = is_set(main, None, "smtpd_tls_fingerprint_digest");
        let client_explicit = is_set(main, None, "smtp_tls_fingerprint_digest");
        for (name, v) in index.names.iter().zip(&index.values) {
            self.scan_value(None, name, v, server_explicit, client_explicit);
        }
    }

    fn scan_value(
        &mut self,
        svc: Option<&Service>,
        name: &str,
        v: &str,
        server_explicit: bool,
        client_explicit: bool,
    ) {
        if !server_explicit {
            let toks = tokens(v);
            for w in toks.windows(2) {
                if w[0] == "check_ccert_access" {
                    self.table("smtpd", svc, name, &w[1]);
                }
            }
            if name == "relay_clientcerts" {
                for t in &toks {
                    self.table("smtpd", svc, name, t);
                }
            }
        }
        if !client_explicit {
            if name == "smtp_tls_fingerprint_cert_match" {
                self.value("smtp", svc, name, v);
                for t in tokens(v) {
                    if t.contains(':') && !is_md5_fingerprint(&t) {
                        self.table("smtp", svc, name, &t);
                    }
                }
            }
            if name == "smtp_tls_policy_maps" {
                for t in tokens(v) {
                    self.table("smtp", svc, name, &t);
                }
            }
        }
    }
}

/// The main.cf parameters of one instance, expanded once, with a reverse index from a
/// name to the parameters whose value reads it (directly or through other names), so
/// that a service's `-o` overrides re-evaluate only the parameters they can change.
struct MainIndex {
    /// Every main.cf parameter name, sorted (the order the scan reports in).
    names: Vec<String>,
    /// Their expanded values in main.cf's context, same order.
    values: Vec<String>,
    /// name read → indexes into `names` of the parameters whose expansion read it.
    readers: HashMap<String, Vec<usize>>,
    /// Parameters whose expansion stopped early (too large): their reads are unknown,
    /// so every service re-evaluates them.
    always: Vec<usize>,
}

impl MainIndex {
    /// Expand every main.cf parameter once with `ex` (no service).
    fn build(main: &crate::config::MainCf, ex: &Expander) -> MainIndex {
        let names: BTreeSet<&str> = main.effective().iter().map(|p| p.name.as_str()).collect();
        let names: Vec<String> = names.into_iter().map(str::to_string).collect();
        let mut readers: HashMap<String, Vec<usize>> = HashMap::new();
        let mut always = Vec::new();
        let mut values = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let e = ex.param(name);
            values.push(e.value);
            if e.errors
                .iter()
                .any(|m| m.starts_with("expansion too large"))
            {
                always.push(i);
            }
            for u in e.used {
                readers.entry(u).or_default().push(i);
            }
        }
        MainIndex {
            names,
            values,
            readers,
            always,
        }
    }

    /// The names whose value can differ under `s`'s overrides: the overridden names
    /// themselves and every main.cf parameter that reads one of them or
    /// `$service_name` (which a daemon sets to its own service name), sorted.
    fn affected<'a>(&'a self, s: &'a Service) -> BTreeSet<&'a str> {
        let mut out: BTreeSet<&str> = s.overrides.iter().map(|o| o.name.as_str()).collect();
        let changed = s
            .overrides
            .iter()
            .map(|o| o.name.as_str())
            .chain(["service_name"]);
        for name in changed {
            for &i in self.readers.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                out.insert(&self.names[i]);
            }
        }
        for &i in &self.always {
            out.insert(&self.names[i]);
        }
        out
    }
}

fn is_set(main: &crate::config::MainCf, svc: Option<&Service>, name: &str) -> bool {
    main.get(name).is_some() || svc.is_some_and(|s| s.override_value(name).is_some())
}

impl Check for TlsFingerprintDigest {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "MD5 certificate fingerprints stop matching when the digest default becomes sha256"
    }
    fn default_severity(&self) -> Severity {
        Severity::High
    }
    fn docs(&self) -> CheckDocs {
        CheckDocs {
            what: "Finds MD5 certificate fingerprints (16 colon-separated hex bytes) in the \
                   tables of check_ccert_access and relay_clientcerts, in \
                   smtp_tls_fingerprint_cert_match and in smtp_tls_policy_maps entries, \
                   where smtpd_tls_fingerprint_digest / smtp_tls_fingerprint_digest is not \
                   set explicitly, on upgrades to Postfix 3.6 or later.",
            why: "From Postfix 3.6 the fingerprint digest defaults to sha256 once \
                  compatibility_level is 3.6 or higher (md5 below that, with a warning). \
                  MD5 fingerprints then never match: clients that relayed by certificate \
                  are refused, and fingerprint-verified TLS destinations defer mail. It \
                  bites when main.cf is replaced by the target's stock file (level 3.8 on \
                  RHEL 10) or when the level is raised later.",
            fix: "Set smtpd_tls_fingerprint_digest = md5 (and smtp_tls_fingerprint_digest = \
                  md5) explicitly to keep the old behaviour, or better, replace the \
                  fingerprints with sha256 ones (openssl x509 -noout -fingerprint -sha256) \
                  and set the digest to sha256.",
            references: &[
                (
                    "https://www.postfix.org/postconf.5.html#smtpd_tls_fingerprint_digest",
                    "postconf(5): smtpd_tls_fingerprint_digest",
                ),
                (
                    "https://www.postfix.org/COMPATIBILITY_README.html",
                    "Postfix backwards-compatibility safety net",
                ),
            ],
        }
    }

    fn run(&self, facts: &Facts) -> Vec<Finding> {
        let target_v = facts.upgrade_path.target_postfix_version();
        if facts.postfix.version >= SHA256_DEFAULT_SINCE || target_v < SHA256_DEFAULT_SINCE {
            return Vec::new();
        }
        let mut out = Vec::new();
        for inst in &facts.instances {
            let defaults = facts.defaults_for(inst);
            let mut ctx = Ctx {
                facts,
                inst,
                hits: Vec::new(),
                seen: BTreeSet::new(),
            };
            // A service context can only add places where its value differs from
            // main.cf's (the rest were seen, or skipped, in the main.cf pass), so each
            // service re-expands only the names its overrides can change.
            let main_ex = Expander::new(inst.main(), &defaults);
            let index = MainIndex::build(inst.main(), &main_ex);
            ctx.scan_main(&index);
            if let Some(m) = inst.master() {
                for s in m.services() {
                    if s.overrides.is_empty() {
                        continue;
                    }
                    let ex = Expander::new(inst.main(), &defaults).with_service(s);
                    ctx.scan(Some(s), &ex, index.affected(s));
                }
            }
            // The level in force after the upgrade: main.cf's own, or the target's stock
            // main.cf's when the file is replaced.
            let replaced = facts.replaced_on_upgrade(&inst.main_cf_path());
            let (lvl, why) = match inst.main().value("compatibility_level") {
                Some(v) if !replaced => (v.to_string(), format!("main.cf sets {v}")),
                _ if replaced => {
                    let v = facts
                        .upgrade_path
                        .target_compatibility_level()
                        .unwrap_or("0");
                    (
                        v.to_string(),
                        format!("main.cf is unmodified, so the upgrade replaces it with the stock file that sets {v}"),
                    )
                }
                _ => (
                    "0".to_string(),
                    "main.cf does not set it (default 0)".to_string(),
                ),
            };
            let breaks = level_reaches(&lvl, &[3, 6]);
            for h in ctx.hits {
                let digest = format!("{}_tls_fingerprint_digest", h.side);
                let sev = if breaks {
                    Severity::High
                } else {
                    Severity::Low
                };
                let mut f = Finding::new(
                    ID,
                    sev,
                    format!(
                        "MD5 fingerprints for {} with no explicit {digest}",
                        h.parameter
                    ),
                );
                f.summary = format!(
                    "{}:{}: {} MD5 fingerprint(s) (first {}) used through {} while {digest} is \
                     not set. Postfix {target_v} uses sha256 fingerprints once \
                     compatibility_level is 3.6 or higher, and MD5 fingerprints then never \
                     match. After the upgrade the level is {lvl} ({why}): {}",
                    h.file,
                    h.line,
                    h.count,
                    h.first,
                    h.parameter,
                    if breaks {
                        "these entries stop matching as soon as the new Postfix runs."
                    } else {
                        "they keep working with a warning, and break when the level is raised."
                    }
                );
                f.location.file = Some(h.file.clone());
                f.location.line = (h.line > 0).then_some(h.line);
                f.location.service = h.service.clone().map(Into::into);
                f.location.parameter = Some(h.parameter.clone().into());
                f.location.text = Some(h.first.clone().into());
                f.key = Finding::key_from(
                    ID,
                    &[
                        &h.cfg_file,
                        h.service.as_deref().unwrap_or(""),
                        &h.parameter,
                        &h.file,
                    ],
                );
                f.related.push(Related::file(h.file.clone()));
                if h.cfg_file != h.file {
                    f.related.push(Related::file(h.cfg_file.clone()));
                }
                f.remediation.hint = format!(
                    "Set {digest} = md5 explicitly now (it keeps today's behaviour on every \
                     version), or replace the fingerprints with sha256 ones and set {digest} \
                     = sha256."
                )
                .into();
                f.remediation.commands.push(vec![
                    "postconf".into(),
                    "-e".into(),
                    format!("{digest}=md5").into(),
                ]);
                f.links.push(Link {
                    url: "https://www.postfix.org/postconf.5.html#smtpd_tls_fingerprint_digest"
                        .into(),
                    title: "postconf(5): smtpd_tls_fingerprint_digest".into(),
                });
                out.push(f);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_md5_only() {
        let md5 = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        assert!(is_md5_fingerprint(md5));
        let sha1 = format!("{md5}:AA:BB:CC:DD");
        assert!(!is_md5_fingerprint(&sha1));
        assert!(!is_md5_fingerprint("AB:CD"));
        let t = format!("# {md5} OK\n{md5} OK\nexample.com fingerprint match={md5}|{md5}\n");
        let hits: Vec<usize> = md5_fingerprints(&t).into_iter().map(|h| h.0).collect();
        assert_eq!(hits, vec![2, 3, 3]);
    }

    #[test]
    fn levels_compare_numerically() {
        assert!(level_reaches("3.6", &[3, 6]));
        assert!(level_reaches("3.10", &[3, 6]));
        assert!(!level_reaches("2", &[3, 6]));
        assert!(!level_reaches("3.5", &[3, 6]));
        assert!(level_reaches("4", &[3, 6]));
    }
}
