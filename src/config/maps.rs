//! Lookup-table references (`type:name`) in main.cf values and master.cf `-o` values.
//!
//! A big host has tens of thousands of references, kept for the whole run: their texts
//! are shared ([`ArcStr`]) rather than copied, the type words are the static names of
//! [`MAP_TYPES`], and the names of parameters and services are held once however many
//! references they have.
use std::collections::HashSet;

pub use arcstr::{ArcStr, Substr};

use super::expand::{Expander, Expansion, Src};
use super::main_cf::MainCf;
use super::master_cf::MasterCf;

/// Parameters whose table is a cache the daemons create and fill themselves: there is no
/// text source to rebuild from; changing the type is the whole migration (postconf(5)).
pub const CACHE_PARAMETERS: &[&str] = &[
    "address_verify_map",
    "postscreen_cache_map",
    "smtpd_tls_session_cache_database",
    "smtp_tls_session_cache_database",
    "lmtp_tls_session_cache_database",
    "smtp_sasl_auth_cache_name",
    "lmtp_sasl_auth_cache_name",
];

/// Every lookup-table type Postfix knows (`postconf -m` plus the composite ones).
pub const MAP_TYPES: &[&str] = &[
    "btree",
    "cdb",
    "cidr",
    "dbm",
    "environ",
    "fail",
    "hash",
    "inline",
    "internal",
    "ldap",
    "lmdb",
    "memcache",
    "mongodb",
    "mysql",
    "netinfo",
    "nis",
    "nisplus",
    "pcre",
    "pgsql",
    "pipemap",
    "proxy",
    "randmap",
    "regexp",
    "sdbm",
    "socketmap",
    "sqlite",
    "static",
    "tcp",
    "texthash",
    "unionmap",
    "unix",
];

/// Texts made once and given to many holders: the same text is the same shared string
/// (a parameter name used by thousands of references, a hint repeated in thousands of
/// findings).
#[derive(Default)]
pub struct SharedTexts(HashSet<ArcStr>);

impl SharedTexts {
    /// The shared string with this text, made on first use.
    pub fn get(&mut self, text: &str) -> ArcStr {
        if let Some(s) = self.0.get(text) {
            return s.clone();
        }
        let s = ArcStr::from(text);
        self.0.insert(s.clone());
        s
    }
}

/// The static name of a map type Postfix knows ([`MAP_TYPES`]).
pub fn known_map_type(t: &str) -> Option<&'static str> {
    MAP_TYPES.iter().copied().find(|k| *k == t)
}

/// Which of the two files a position is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFile {
    Main,
    Master,
}

/// An exact place in a file where some text is written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub file: ConfigFile,
    /// Physical line, 1-based.
    pub line: usize,
    /// Byte column in that line, 0-based (what `replace_at` takes).
    pub column: usize,
    /// The text written there.
    pub text: ArcStr,
}

/// Where a reference's map type came from when it came through `$name` expansion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Via {
    /// The outermost `$name` written in the using parameter.
    pub expanded: ArcStr,
    /// The parameter whose value literally contains the map type (its main.cf value, or
    /// its built-in default when `line` is `None`).
    pub parameter: ArcStr,
    /// Its (first) line, `None` when it came from the defaults.
    pub line: Option<usize>,
    pub file: ConfigFile,
}

/// One lookup-table reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MapRef {
    /// Map type: `hash`, `lmdb`, `mysql`, `unix` ... (one of [`MAP_TYPES`]).
    pub map_type: &'static str,
    /// Table name: `/etc/aliases`, `passwd.byname`, `{ a=b }` for inline/static ...
    /// (the end of `text`, not a copy).
    pub name: Substr,
    /// Enclosing wrappers, outermost first: `["proxy"]`, `["unionmap", "proxy"]`.
    pub wrappers: Vec<&'static str>,
    /// `type:name` as it reads after expansion, without wrappers.
    pub text: ArcStr,
    /// The parameter (or `-o` name) whose value holds the reference (shared by every
    /// reference of that name).
    pub parameter: ArcStr,
    /// `name/type` of the master.cf service for `-o` overrides (shared by the
    /// service's references).
    pub service: Option<ArcStr>,
    /// File and physical line where it is used (where `$name` is written, if expanded).
    pub file: ConfigFile,
    pub line: usize,
    /// Exact place of `text` when it is written literally in one piece.
    pub at: Option<Span>,
    /// Exact place of the map type word (possibly in another parameter's definition).
    pub type_at: Option<Span>,
    /// Set when the reference came through `$name` expansion.
    pub via: Option<Via>,
}

/// Does parameter `name` take lookup tables? The rule: names ending in `_maps`, `_map`,
/// `_database`, `_restrictions`, `_checks`, `_domains`, `_networks`, `_list`, `_clients`,
/// `_exceptions`, `_users`, `_reply_filter`, `_command_filter`, `_cache_name`,
/// `_delivery_status_filter`, `_per_site`, plus `mydestination`, `mynetworks`,
/// `tlsproxy_client_policy` and the restriction classes named in
/// `smtpd_restriction_classes`.
/// Transports, relay hosts, `content_filter` and `*_milters` never match, so
/// `inet:host:port`, `unix:/path` and `smtp:[host]:25` there are not tables.
pub fn takes_tables(name: &str, classes: &[String]) -> bool {
    const SUFFIXES: &[&str] = &[
        "_maps",
        "_map",
        "_database",
        "_restrictions",
        "_checks",
        "_domains",
        "_networks",
        "_list",
        "_clients",
        "_exceptions",
        "_users",
        "_reply_filter",
        "_command_filter",
        "_cache_name",
        "_delivery_status_filter",
        "_per_site",
    ];
    // `mynetworks` (and the old `tlsproxy_client_policy`) take tables without the suffix
    name == "mydestination"
        || name == "mynetworks"
        || name == "tlsproxy_client_policy"
        || SUFFIXES.iter().any(|s| name.ends_with(s))
        || classes.iter().any(|c| c == name)
}

/// Postfix list splitting: `, \t\r\n` separators, `{}` grouping. (offset, len) pairs.
fn split_list(t: &[u8]) -> Vec<(usize, usize)> {
    let sep = |c: u8| matches!(c, b',' | b' ' | b'\t' | b'\r' | b'\n');
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        while i < t.len() && sep(t[i]) {
            i += 1;
        }
        if i >= t.len() {
            break;
        }
        let s = i;
        let mut level = 0usize;
        while i < t.len() {
            let c = t[i];
            if c == b'{' {
                level += 1;
            } else if c == b'}' && level > 0 {
                level -= 1;
            } else if level == 0 && sep(c) {
                break;
            }
            i += 1;
        }
        out.push((s, i - s));
    }
    out
}

/// A reference found in expanded text: offsets of the `type:name` and of the type.
struct Found {
    start: usize,
    end: usize,
    map_type: &'static str,
    wrappers: Vec<&'static str>,
}

fn parse_ref(v: &str, start: usize, end: usize, wrappers: &[&'static str], out: &mut Vec<Found>) {
    let tok = &v[start..end];
    let Some(colon) = tok.find(':') else { return };
    let Some(ty) = known_map_type(&tok[..colon]) else {
        return;
    };
    let rest = &tok[colon + 1..];
    let mut w = wrappers.to_vec();
    if ty == "proxy" {
        w.push(ty);
        parse_ref(v, start + colon + 1, end, &w, out);
        return;
    }
    if (ty == "unionmap" || ty == "pipemap") && rest.starts_with('{') {
        w.push(ty);
        let inner_s = start + colon + 2;
        let inner_e = if rest.ends_with('}') && rest.len() >= 2 {
            end - 1
        } else {
            end
        };
        for (o, n) in split_list(&v.as_bytes()[inner_s..inner_e]) {
            parse_ref(v, inner_s + o, inner_s + o + n, &w, out);
        }
        return;
    }
    out.push(Found {
        start,
        end,
        map_type: ty,
        wrappers: w,
    });
}

/// Restrictions whose argument is a service or a DNS list, never a table.
fn arg_is_not_table(prev: &str) -> bool {
    prev == "check_policy_service"
        || prev.starts_with("reject_rbl")
        || prev.starts_with("reject_rhsbl")
        || prev.starts_with("permit_dnswl")
        || prev.starts_with("permit_rhswl")
}

struct Ctx<'a> {
    main: &'a MainCf,
    master: Option<&'a MasterCf>,
    service: Option<usize>,
}

impl<'a> Ctx<'a> {
    /// (file, line, column, owning parameter name, its line) of byte `off` of a source.
    fn place(&self, src: Src, off: usize) -> Option<(ConfigFile, usize, usize, &'a str, usize)> {
        match src {
            Src::Main(i) => {
                let p = &self.main.params()[i];
                let (l, c) = self.main.value_position(p, off)?;
                Some((ConfigFile::Main, l, c, &p.name[..], p.line))
            }
            Src::Override(j) => {
                let m = self.master?;
                let s = &m.services()[self.service?];
                let o = &s.overrides[j];
                let (l, c) = m.override_position(s, o, off)?;
                Some((ConfigFile::Master, l, c, &o.name[..], o.line))
            }
            _ => None,
        }
    }

    /// The exact place of `exp.value[s..e]` (which is `text`), when it is written in one
    /// piece on one line.
    fn span(
        &self,
        exp: &Expansion,
        s: usize,
        e: usize,
        text: impl FnOnce() -> ArcStr,
    ) -> Option<Span> {
        let r = exp.run_at(s)?;
        if e > r.out + r.len || e <= s {
            return None;
        }
        let (file, line, column, _, _) = self.place(r.src, r.src_off + (s - r.out))?;
        let (_, line2, _, _, _) = self.place(r.src, r.src_off + (e - 1 - r.out))?;
        (line == line2).then(|| Span {
            file,
            line,
            column,
            text: text(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        exp: &Expansion,
        parameter: &ArcStr,
        service: Option<&ArcStr>,
        file: ConfigFile,
        def_line: usize,
        top_src: Src,
        texts: &mut SharedTexts,
        out: &mut Vec<MapRef>,
    ) {
        let v = &exp.value;
        let toks = split_list(v.as_bytes());
        let mut found = Vec::new();
        for (k, &(o, n)) in toks.iter().enumerate() {
            if k > 0 {
                let (po, pn) = toks[k - 1];
                if arg_is_not_table(&v[po..po + pn]) {
                    continue;
                }
            }
            parse_ref(v, o, o + n, &[], &mut found);
        }
        for f in found {
            let run = exp.run_at(f.start);
            let type_end = f.start + f.map_type.len();
            // `type:name`: the type word is a known one, the name the rest
            let text = ArcStr::from(&v[f.start..f.end]);
            let name = text.substr(f.map_type.len() + 1..);
            let type_at = self.span(exp, f.start, type_end, || texts.get(f.map_type));
            let at = self.span(exp, f.start, f.end, || text.clone());
            // where it is used: the literal, or the `$name` in the top-level text
            let line = run
                .and_then(|r| match r.ctx {
                    Some((_, top_off)) => self.place(top_src, top_off).map(|p| p.1),
                    None => self
                        .place(r.src, r.src_off + (f.start - r.out))
                        .map(|p| p.1),
                })
                .unwrap_or(def_line);
            let via = run.and_then(|r| {
                let expanded = texts.get(exp.ctx_name(r)?);
                Some(match self.place(r.src, r.src_off + (f.start - r.out)) {
                    Some((file, _, _, parameter, line)) => Via {
                        expanded,
                        parameter: texts.get(parameter),
                        line: Some(line),
                        file,
                    },
                    // from a built-in default: the parameter whose default holds it
                    None => Via {
                        parameter: match exp.default_name(r) {
                            Some(d) => texts.get(d),
                            None => expanded.clone(),
                        },
                        expanded,
                        line: None,
                        file: ConfigFile::Main,
                    },
                })
            });
            out.push(MapRef {
                text,
                map_type: f.map_type,
                name,
                wrappers: f.wrappers,
                parameter: parameter.clone(),
                service: service.cloned(),
                file,
                line,
                at,
                type_at,
                via,
            });
        }
    }
}

/// Every lookup-table reference in the effective main.cf parameters that take tables
/// (see [`takes_tables`]) and in the `-o` overrides of every master.cf service, values
/// expanded with `defaults` for names main.cf does not set. References that come through
/// `$name` carry [`MapRef::via`]; the same table may thus appear once where it is
/// defined and once per use.
pub fn map_refs(
    main: &MainCf,
    master: Option<&MasterCf>,
    defaults: &dyn Fn(&str) -> Option<String>,
) -> Vec<MapRef> {
    let mut out = Vec::new();
    let mut texts = SharedTexts::default();
    let ex = Expander::new(main, defaults);
    let classes: Vec<String> = {
        let v = ex.param("smtpd_restriction_classes").value;
        split_list(v.as_bytes())
            .iter()
            .map(|&(o, n)| v[o..o + n].to_string())
            .collect()
    };
    for p in main.effective() {
        if !takes_tables(&p.name, &classes) {
            continue;
        }
        let i = main.effective_index(&p.name).unwrap_or(0);
        let exp = ex.expand_src(&p.value, Src::Main(i));
        let ctx = Ctx {
            main,
            master,
            service: None,
        };
        let parameter = texts.get(&p.name);
        ctx.collect(
            &exp,
            &parameter,
            None,
            ConfigFile::Main,
            p.line,
            Src::Main(i),
            &mut texts,
            &mut out,
        );
    }
    if let Some(m) = master {
        for (si, s) in m.services().iter().enumerate() {
            let sex = Expander::new(main, defaults).with_service(s);
            let mut id = None;
            for (j, o) in s.overrides.iter().enumerate() {
                if !takes_tables(&o.name, &classes) {
                    continue;
                }
                let exp = sex.expand_src(&o.value, Src::Override(j));
                let ctx = Ctx {
                    main,
                    master,
                    service: Some(si),
                };
                // one string for the service's id and each name, however many tables
                let id = id.get_or_insert_with(|| ArcStr::from(s.id()));
                let parameter = texts.get(&o.name);
                ctx.collect(
                    &exp,
                    &parameter,
                    Some(id),
                    ConfigFile::Master,
                    o.line,
                    Src::Override(j),
                    &mut texts,
                    &mut out,
                );
            }
        }
    }
    // kept for the whole run (the facts cache it): no doubling slack of tens of thousands
    out.shrink_to_fit();
    out
}
