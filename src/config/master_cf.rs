//! master.cf: lossless document, services, validation and line-preserving edits.
use compact_str::CompactString;

use super::lines::{self, is_space, Logical, Phys};
use super::main_cf::{replace_at, replace_many, skip_line, TextEdit};
use super::{Diagnostic, EditError, Reporter, Severity};

/// Postfix's `PCF_MASTER_BLANKS`: the field separators of master.cf.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The service types master(8) knows.
pub const SERVICE_TYPES: [&str; 5] = ["inet", "unix", "unix-dgram", "fifo", "pass"];

/// One `-o name=value` parameter override of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub name: String,
    /// The value (most are short: held inline, without a heap allocation).
    pub value: CompactString,
    /// Physical line where the value is written.
    pub line: usize,
    /// Written as `-o { name = value }` (the brace form) rather than `-o name=value`.
    pub long_form: bool,
    /// Logical offset of the value text; `u32::MAX` when it does not fit (the entry is
    /// parsed again to find it). The edits parse their entry again for the other offsets.
    pub(crate) value_off: u32,
}

/// One master.cf entry (a logical line with at least the 8 fields).
///
/// Kept compact: a big host has thousands of entries for the whole run. The fields are
/// inline strings, the arguments are derived from the overrides when they are nothing
/// else, and the logical offsets that only edits need are found again by the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Service name as written: `smtp`, `127.0.0.1:smtp`, `[::1]:25`, `private/x`.
    pub name: CompactString,
    /// Service type as written: `inet`, `unix`, `unix-dgram`, `fifo`, `pass`.
    pub kind: CompactString,
    /// The private, unpriv and chroot fields as written (`y`, `n` or `-`).
    pub private: CompactString,
    pub unpriv: CompactString,
    pub chroot: CompactString,
    /// The wakeup field as written (`-`, `60`, `1000?`).
    pub wakeup: CompactString,
    /// The maxproc field as written (`-`, `0`, `100`).
    pub maxproc: CompactString,
    /// The command field (8th field).
    pub command: CompactString,
    /// The `-o name=value` overrides among the daemon options, in order.
    pub overrides: Box<[Override]>,
    /// First and last physical line of the entry.
    pub line: usize,
    pub end_line: usize,
    /// The normalised arguments when they are not exactly `-o`, `name=value` for each
    /// override (see [`Service::args`]): each as `r` and its text, or as `o` for the next
    /// override's pair, followed by a NUL (which the text cannot hold).
    args: Option<Box<str>>,
    pub(crate) exact: bool,
}

impl Service {
    /// `name/type`, the key postconf uses (`smtp/inet`).
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.kind)
    }

    /// Whether [`Service::id`] is `id`, without building it.
    fn is_id(&self, id: &str) -> bool {
        id.len() == self.name.len() + 1 + self.kind.len()
            && id.starts_with(self.name.as_str())
            && id.as_bytes()[self.name.len()] == b'/'
            && id.ends_with(self.kind.as_str())
    }

    /// The arguments after the command, normalised as `postconf -M` does: `-oname=v`
    /// split into `-o`, `name=v`; `{ text }` braces removed; `-o { n = v }` as `n=v`.
    pub fn args(&self) -> Vec<String> {
        let pair = |o: &Override| ["-o".to_string(), format!("{}={}", o.name, o.value)];
        let Some(a) = &self.args else {
            return self.overrides.iter().flat_map(pair).collect();
        };
        let mut overrides = self.overrides.iter();
        let mut out = Vec::new();
        for item in a.split_terminator('\0') {
            match item.strip_prefix('r') {
                Some(raw) => out.push(raw.to_string()),
                None => out.extend(overrides.next().into_iter().flat_map(pair)),
            }
        }
        out
    }

    /// The effective override of `name` (the last one wins).
    pub fn override_value(&self, name: &str) -> Option<&str> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.name == name)
            .map(|o| o.value.as_str())
    }

    /// For an `inet` service, the listen address as master(8) splits it:
    /// `(host, port)`; `smtp` → `(None, "smtp")`, `127.0.0.1:smtp` →
    /// `(Some("127.0.0.1"), "smtp")`, `[::1]:25` → `(Some("::1"), "25")`.
    /// `None` for other types.
    pub fn endpoint(&self) -> Option<(Option<&str>, &str)> {
        if self.kind != "inet" {
            return None;
        }
        match self.name.rfind(':') {
            None => Some((None, self.name.as_str())),
            Some(i) => {
                let host = &self.name[..i];
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                Some((Some(host), &self.name[i + 1..]))
            }
        }
    }

    /// The eight fields in order.
    pub fn fields(&self) -> [&str; 8] {
        [
            self.name.as_str(),
            self.kind.as_str(),
            self.private.as_str(),
            self.unpriv.as_str(),
            self.chroot.as_str(),
            self.wakeup.as_str(),
            self.maxproc.as_str(),
            self.command.as_str(),
        ]
    }
}

/// A parsed master.cf. Never fails; [`MasterCf::to_bytes`] returns the input unchanged.
#[derive(Debug, Clone)]
pub struct MasterCf {
    data: Vec<u8>,
    phys: Vec<Phys>,
    services: Vec<Service>,
    diags: Vec<Diagnostic>,
    /// (hash of `name/type`, index into `services`) of every entry, sorted: [`MasterCf::get`]
    /// and every edit find the effective (last) entry of an id by a binary search and a
    /// check of the candidates' ids, without a `name/type` string per entry.
    by_id: Vec<(u64, usize)>,
}

/// A token during normalisation: its text and the logical offset of `text[0]`.
#[derive(Debug, Clone)]
struct NTok {
    text: Vec<u8>,
    off: usize,
    /// Logical (start, end) of the raw token this text came from.
    raw: (usize, usize),
    braced: bool,
}

/// Postfix's `mystrtokq(" \t\r\n", "{}")`.
fn tokenize(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < t.len() && is_blank(t[i]) {
            i += 1;
        }
        if i >= t.len() {
            break;
        }
        let start = i;
        let mut level = 0usize;
        while i < t.len() {
            let c = t[i];
            if c == b'{' {
                level += 1;
            } else if level > 0 && c == b'}' {
                level -= 1;
            } else if level == 0 && is_blank(c) {
                break;
            }
            i += 1;
        }
        out.push((start, i - start));
    }
    out
}

/// Postfix's `balpar()`: length of the balanced `{...}` at the start, or 0.
fn balpar(t: &[u8]) -> usize {
    if t.first() != Some(&b'{') {
        return 0;
    }
    let mut level = 1;
    for (i, &c) in t.iter().enumerate().skip(1) {
        if c == b'}' {
            level -= 1;
            if level == 0 {
                return i + 1;
            }
        } else if c == b'{' {
            level += 1;
        }
    }
    0
}

/// Postfix's `extpar(..., EXTPAR_FLAG_STRIP)`: strip the braces and blanks.
fn extract(tok: &mut NTok) -> Option<String> {
    let t = &tok.text;
    let len = balpar(t);
    let shown = String::from_utf8_lossy(t).into_owned();
    let (err, inner_end) = if len == 0 {
        (Some(format!("missing '}}' in \"{shown}\"")), t.len())
    } else if len != t.len() {
        (
            Some(format!("syntax error after '}}' in \"{shown}\"")),
            len - 1,
        )
    } else {
        (None, len - 1)
    };
    let mut s = 1;
    let mut e = inner_end.max(1);
    while e > s && is_space(t[e - 1]) {
        e -= 1;
    }
    while s < e && is_space(t[s]) {
        s += 1;
    }
    tok.text = t[s..e].to_vec();
    tok.off += s;
    tok.braced = true;
    err
}

fn is_digits(b: &[u8]) -> bool {
    b.iter().all(|c| c.is_ascii_digit())
}

/// Check the fields like postconf's `pcf_check_master_entry()`: the first fatal problem.
fn check_fields(f: &[&[u8]], raw: &str) -> Option<String> {
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if !SERVICE_TYPES.iter().any(|t| t.as_bytes() == f[1]) {
        return Some(format!("invalid type field \"{}\" in \"{raw}\"", s(f[1])));
    }
    for (i, what) in [(2, "private"), (3, "unprivileged"), (4, "chroot")] {
        if f[i].len() != 1 || !b"yn-".contains(&f[i][0]) {
            return Some(format!("invalid {what} field \"{}\" in \"{raw}\"", s(f[i])));
        }
    }
    let w = f[5];
    let mut len = w.len();
    if len > 0 && w[len - 1] == b'?' {
        len -= 1;
    }
    if !(is_digits(&w[..len]) || (w[0] == b'-' && len == 1)) {
        return Some(format!("invalid wakeup field \"{}\" in \"{raw}\"", s(w)));
    }
    if f[6] != b"-" && !is_digits(f[6]) {
        return Some(format!(
            "invalid process_limit field \"{}\" in \"{raw}\"",
            s(f[6])
        ));
    }
    None
}

/// An `-o name=value` of an entry, with the logical offsets the edits need.
struct OvAt {
    name: Vec<u8>,
    value_off: usize,
    value_len: usize,
    /// From the `-o` to the end of the value token.
    span: (usize, usize),
    long_form: bool,
}

/// The daemon options and arguments of one entry, normalised as `postconf -M` does, with
/// the logical offsets of what the edits change. [`MasterCf::parse`] builds it for every
/// entry and keeps the compact [`Service`]; an edit builds it again for its entry.
struct Entry {
    /// The arguments after the command (normalised).
    args: Vec<NTok>,
    overrides: Vec<OvAt>,
    /// Logical end of the last daemon option (or of the command).
    options_end: usize,
    warnings: Vec<String>,
}

/// Normalise the tokens `toks` (at least 8) of the logical `text` of an entry.
fn entry(text: &[u8], toks: &[(usize, usize)]) -> Entry {
    let mut argv: Vec<NTok> = toks
        .iter()
        .map(|&(o, n)| NTok {
            text: text[o..o + n].to_vec(),
            off: o,
            raw: (o, o + n),
            braced: false,
        })
        .collect();
    let mut warn = Vec::new();
    let mut overrides = Vec::new();
    let mut field = 8;
    let mut options_end = toks[7].0 + toks[7].1;
    while field < argv.len() {
        let arg = argv[field].text.clone();
        if arg.first() != Some(&b'-') || arg == b"--" {
            break;
        }
        // "-vo x" is "-v" "-o x"
        if let Some(i) = arg.iter().skip(2).position(|&c| c == b'o').map(|i| i + 2) {
            let t = &argv[field];
            let mut rest = vec![b'-'];
            rest.extend_from_slice(&arg[i..]);
            let nt = NTok {
                text: rest,
                off: t.off + i - 1,
                raw: (t.off + i, t.raw.1),
                braced: false,
            };
            argv[field].text.truncate(i);
            argv[field].raw.1 = argv[field].off + i;
            argv.insert(field + 1, nt);
        }
        let arg = argv[field].text.clone();
        if arg.get(1) != Some(&b'o') {
            options_end = argv[field].raw.1;
            field += 1;
            continue;
        }
        let opt_start = argv[field].raw.0;
        let has_value;
        if arg.len() > 2 {
            let t = &argv[field];
            let nt = NTok {
                text: arg[2..].to_vec(),
                off: t.off + 2,
                raw: t.raw,
                braced: false,
            };
            argv[field].text.truncate(2);
            argv.insert(field + 1, nt);
            field += 1;
            has_value = true;
        } else if field + 1 < argv.len() {
            field += 1;
            has_value = true;
        } else {
            has_value = false;
        }
        if has_value {
            let long_form = argv[field].text.first() == Some(&b'{');
            let mut name_value = None;
            if long_form {
                if let Some(e) = extract(&mut argv[field]) {
                    warn.push(e);
                }
                let t = &argv[field];
                match split_nv(&t.text) {
                    Err(e) => warn.push(format!("{e}: \"{}\"", String::from_utf8_lossy(&t.text))),
                    Ok(((ns, ne), (vs, ve))) => {
                        name_value = Some((t.text[ns..ne].to_vec(), t.off + vs, ve - vs));
                        let mut nv = t.text[ns..ne].to_vec();
                        nv.push(b'=');
                        nv.extend_from_slice(&t.text[vs..ve]);
                        argv[field].text = nv;
                    }
                }
            } else if let Some(eq) = argv[field].text.iter().position(|&c| c == b'=') {
                let t = &argv[field];
                name_value = Some((t.text[..eq].to_vec(), t.off + eq + 1, t.text.len() - eq - 1));
            }
            options_end = argv[field].raw.1;
            if let Some((name, value_off, value_len)) = name_value {
                overrides.push(OvAt {
                    name,
                    value_off,
                    value_len,
                    span: (opt_start, argv[field].raw.1),
                    long_form,
                });
            }
        }
        field += 1;
    }
    for t in argv.iter_mut().skip(field) {
        if t.text.first() == Some(&b'{') {
            if let Some(e) = extract(t) {
                warn.push(e);
            }
        }
    }
    Entry {
        args: argv.split_off(8),
        overrides,
        options_end,
        warnings: warn,
    }
}

/// Whether `arg` is `name=value`.
fn is_name_value(arg: &str, name: &str, value: &str) -> bool {
    arg.len() == name.len() + 1 + value.len()
        && arg.starts_with(name)
        && arg.as_bytes()[name.len()] == b'='
        && arg.ends_with(value)
}

/// FNV-1a over the bytes of `parts` in turn: the hash of their concatenation.
fn id_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl MasterCf {
    /// Parse any bytes. Problems become [`Diagnostic`]s, never errors.
    pub fn parse(data: &[u8]) -> MasterCf {
        let phys = lines::physical(data);
        let logical = lines::logical(data, &phys);
        // at most one service per entry: sized once, not doubled through thousands
        let mut services = Vec::with_capacity(logical.len());
        let mut diags = Vec::new();
        for l in logical {
            let text = l.text(data);
            let (raw, exact) = lines::lossy(&text);
            let diag = |sev, message: String| Diagnostic {
                line: l.line(),
                end_line: l.end_line(),
                severity: sev,
                message,
                reporter: Reporter::Postconf,
            };
            if l.orphan {
                diags.push(diag(
                    Severity::Warning,
                    format!(
                        "logical line must not start with whitespace: \"{}{}\"",
                        lines::clip(&raw, 30),
                        if raw.len() > 30 { "..." } else { "" }
                    ),
                ));
                continue;
            }
            let toks = tokenize(&text);
            if toks.len() < 8 {
                diags.push(diag(Severity::Fatal, "bad field count".to_string()));
                continue;
            }
            let f: Vec<&[u8]> = toks[..8].iter().map(|&(o, n)| &text[o..o + n]).collect();
            let mut fatal = false;
            if let Some(m) = check_fields(&f, &raw) {
                diags.push(diag(Severity::Fatal, m));
                fatal = true;
            }
            if !fatal && f[1] == b"inet" && f[2] != b"n" {
                diags.push(Diagnostic {
                    reporter: Reporter::Master,
                    ..diag(
                    Severity::Fatal,
                    format!(
                        "inet service \"{}\" cannot be private: the private field must be \"n\", not \"{}\"",
                        String::from_utf8_lossy(f[0]),
                        String::from_utf8_lossy(f[2])
                    ),
                )
                });
            }
            let e = entry(&text, &toks);
            for w in e.warnings {
                diags.push(diag(Severity::Warning, w));
            }
            let st = |b: &[u8]| CompactString::from(String::from_utf8_lossy(b));
            let overrides: Box<[Override]> = e
                .overrides
                .iter()
                .map(|o| Override {
                    name: String::from_utf8_lossy(&o.name).into_owned(),
                    value: st(&text[o.value_off..o.value_off + o.value_len]),
                    line: l.locate(o.value_off).0,
                    long_form: o.long_form,
                    value_off: u32::try_from(o.value_off).unwrap_or(u32::MAX),
                })
                .collect();
            let args: Vec<_> = e
                .args
                .iter()
                .map(|t| String::from_utf8_lossy(&t.text))
                .collect();
            // the arguments are mostly the overrides again: keep only what else there is
            let mut t = String::new();
            let (mut k, mut j, mut raw) = (0, 0, false);
            while k < args.len() {
                if j < overrides.len()
                    && args[k] == "-o"
                    && args
                        .get(k + 1)
                        .is_some_and(|a| is_name_value(a, &overrides[j].name, &overrides[j].value))
                {
                    t.push('o');
                    (k, j) = (k + 2, j + 1);
                } else {
                    t.push('r');
                    t.push_str(&args[k]);
                    k += 1;
                    raw = true;
                }
                t.push('\0');
            }
            let args = (raw || j < overrides.len()).then(|| t.into_boxed_str());
            services.push(Service {
                name: st(f[0]),
                kind: st(f[1]),
                private: st(f[2]),
                unpriv: st(f[3]),
                chroot: st(f[4]),
                wakeup: st(f[5]),
                maxproc: st(f[6]),
                command: st(f[7]),
                overrides,
                line: l.line(),
                end_line: l.end_line(),
                args,
                exact,
            });
        }
        services.shrink_to_fit();
        let mut phys = phys;
        phys.shrink_to_fit();
        let mut by_id: Vec<(u64, usize)> = services
            .iter()
            .enumerate()
            .map(|(i, s)| (id_hash(&[s.name.as_bytes(), b"/", s.kind.as_bytes()]), i))
            .collect();
        by_id.sort_unstable();
        MasterCf {
            data: data.to_vec(),
            phys,
            services,
            diags,
            by_id,
        }
    }

    /// The file, byte for byte (with any edits applied).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.data.clone()
    }

    /// The file's bytes without copying.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Physical lines `line..=end_line` as written (without line ends, joined with `\n`,
    /// invalid UTF-8 as U+FFFD), through the line index: the cost is the lines quoted,
    /// not the file.
    pub fn quote_lines(&self, line: usize, end_line: usize) -> String {
        lines::quote(&self.data, &self.phys, line, end_line)
    }

    /// Every entry in file order (duplicates included; master(8) uses the last).
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The entry with this `name/type` id (the last one when duplicated).
    pub fn get(&self, id: &str) -> Option<&Service> {
        self.index(id).ok().map(|i| &self.services[i])
    }

    /// Warnings and fatal errors, in line order, with postconf's wording and line numbers.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut d = self.diags.clone();
        d.sort_by_key(|d| d.line);
        d
    }

    pub(crate) fn line_start(&self, line: usize) -> usize {
        self.phys
            .get(line.wrapping_sub(1))
            .map(|p| p.start)
            .unwrap_or(self.data.len())
    }

    /// `(line, column)` of byte `off` of the value of override `o` of service `s`;
    /// `None` when the entry is not valid UTF-8.
    pub fn override_position(
        &self,
        s: &Service,
        o: &Override,
        off: usize,
    ) -> Option<(usize, usize)> {
        // valid UTF-8: the value's text is its bytes
        if !s.exact || off > o.value.len() {
            return None;
        }
        let l = self.logical(s);
        let value_off = match o.value_off {
            u32::MAX => {
                let j = s.overrides.iter().position(|x| std::ptr::eq(x, o))?;
                let text = l.text(&self.data);
                entry(&text, &tokenize(&text)).overrides[j].value_off
            }
            v => v as usize,
        };
        let (line, file_off) = l.locate(value_off + off);
        Some((line, file_off - self.line_start(line)))
    }

    /// `(line, column)` of field `index` (0-based, below 8) of service `s`.
    pub(crate) fn field_position(&self, s: &Service, index: usize) -> (usize, usize) {
        let l = self.logical(s);
        let text = l.text(&self.data);
        let (line, off) = l.locate(tokenize(&text)[index].0);
        (line, off - self.line_start(line))
    }

    /// The logical line of `s`, found again from the line index.
    fn logical(&self, s: &Service) -> Logical {
        lines::logical_at(&self.data, &self.phys, s.line, s.end_line)
    }

    /// Entry `i` parsed again for an edit: its logical line, the offsets of its 8 fields,
    /// and its options with their offsets.
    fn detail(&self, i: usize) -> (Logical, [(usize, usize); 8], Entry) {
        let l = self.logical(&self.services[i]);
        let text = l.text(&self.data);
        let toks = tokenize(&text);
        let e = entry(&text, &toks);
        (l, std::array::from_fn(|k| toks[k]), e)
    }

    fn file_off(l: &Logical, logical_off: usize) -> usize {
        // offsets at a piece end map to the end of that piece
        if logical_off > 0 {
            l.locate(logical_off - 1).1 + 1
        } else {
            l.locate(0).1
        }
    }

    /// The effective (last) entry with this `name/type` id.
    fn index(&self, id: &str) -> Result<usize, EditError> {
        let h = id_hash(&[id.as_bytes()]);
        let from = self.by_id.partition_point(|&(x, _)| x < h);
        let to = self.by_id.partition_point(|&(x, _)| x <= h);
        // later entries win, as in master(8)
        self.by_id[from..to]
            .iter()
            .rev()
            .map(|&(_, i)| i)
            .find(|&i| self.services[i].is_id(id))
            .ok_or_else(|| EditError::NoSuchService(id.to_string()))
    }

    fn newline(&self) -> &'static [u8] {
        if self.data.windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    fn set_data(&mut self, d: Vec<u8>) {
        // the old model is dropped before the new one is built: on a master.cf of
        // thousands of services the two would be held at once
        *self = MasterCf::parse(b"");
        *self = MasterCf::parse(&d);
    }

    fn check_entry(text: &str) -> Result<(), EditError> {
        let m = MasterCf::parse(text.as_bytes());
        if m.services.len() != 1
            || m.diags.iter().any(|d| d.severity == Severity::Fatal)
            || text.trim_end().is_empty()
        {
            let why = m
                .diags
                .iter()
                .find(|d| d.severity == Severity::Fatal)
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "not exactly one master.cf entry".into());
            return Err(EditError::InvalidEntry(format!("{text:?}: {why}")));
        }
        Ok(())
    }

    /// Append an entry (one master.cf entry, continuation lines allowed) at the end.
    pub fn add_entry(&mut self, entry: &str) -> Result<(), EditError> {
        Self::check_entry(entry)?;
        let nl = self.newline();
        let mut d = self.data.clone();
        if !d.is_empty() && !d.ends_with(b"\n") {
            d.extend_from_slice(nl);
        }
        d.extend_from_slice(entry.trim_end_matches('\n').as_bytes());
        d.extend_from_slice(nl);
        self.set_data(d);
        Ok(())
    }

    /// Replace the entry `id` (`name/type`) by `entry`, keeping comment lines inside it.
    pub fn replace_entry(&mut self, id: &str, entry: &str) -> Result<(), EditError> {
        Self::check_entry(entry)?;
        let i = self.index(id)?;
        let l = self.logical(&self.services[i]);
        let first = l.segs[0];
        let mut d = Vec::with_capacity(self.data.len() + entry.len());
        d.extend_from_slice(&self.data[..first.file_off]);
        d.extend_from_slice(entry.trim_end_matches('\n').as_bytes());
        let mut pos = first.file_off + first.len;
        if self.data[first.file_off..pos].ends_with(b"\r") {
            pos -= 1;
        }
        for seg in &l.segs[1..] {
            d.extend_from_slice(&self.data[pos..seg.file_off]);
            pos = skip_line(&self.data, seg.file_off);
        }
        d.extend_from_slice(&self.data[pos..]);
        self.set_data(d);
        Ok(())
    }

    /// Remove the entry `id` (its lines; comment lines inside it are kept).
    pub fn remove_entry(&mut self, id: &str) -> Result<(), EditError> {
        let i = self.index(id)?;
        let l = self.logical(&self.services[i]);
        let mut d = Vec::with_capacity(self.data.len());
        let mut pos = 0;
        for seg in &l.segs {
            d.extend_from_slice(&self.data[pos..seg.file_off]);
            pos = skip_line(&self.data, seg.file_off);
        }
        d.extend_from_slice(&self.data[pos..]);
        self.set_data(d);
        Ok(())
    }

    /// Rename the entry `id` to `new_name` in place (`smtps/inet` → `submissions`). The
    /// blanks after the name shrink or grow so the other columns stay where they were.
    pub fn rename_entry(&mut self, id: &str, new_name: &str) -> Result<(), EditError> {
        if new_name.is_empty()
            || new_name
                .bytes()
                .any(|b| is_blank(b) || b == b'{' || b == b'#' || b == 0 || b == 0x0b || b == 0x0c)
        {
            return Err(EditError::InvalidName(new_name.to_string()));
        }
        let i = self.index(id)?;
        let (l, fields, _) = self.detail(i);
        let start = l.segs[0].file_off;
        let end = start + fields[0].1;
        let old_len = fields[0].1;
        let mut ws_end = end;
        while ws_end < self.data.len() && self.data[ws_end] == b' ' {
            ws_end += 1;
        }
        let spaces = ws_end - end;
        let new_spaces = if self.data.get(ws_end) == Some(&b'\t') || spaces == 0 {
            spaces
        } else if new_name.len() > old_len {
            spaces.saturating_sub(new_name.len() - old_len).max(1)
        } else {
            spaces + (old_len - new_name.len())
        };
        let mut d = Vec::with_capacity(self.data.len() + new_name.len());
        d.extend_from_slice(&self.data[..start]);
        d.extend_from_slice(new_name.as_bytes());
        d.extend(std::iter::repeat_n(b' ', new_spaces));
        d.extend_from_slice(&self.data[ws_end..]);
        self.set_data(d);
        Ok(())
    }

    /// Set field `index` (0-based: 0 service, 1 type, 2 private, 3 unpriv, 4 chroot,
    /// 5 wakeup, 6 maxproc, 7 command) of entry `id` to `value` in place. Blanks after the
    /// field shrink or grow so the next columns stay where they were (as
    /// [`MasterCf::rename_entry`] does).
    pub fn set_field(&mut self, id: &str, index: usize, value: &str) -> Result<(), EditError> {
        if index >= 8
            || value.is_empty()
            || value
                .bytes()
                .any(|b| is_blank(b) || b == b'{' || b == b'}' || b == b'#' || b == 0)
            || value
                .bytes()
                .any(|b| b == b'\n' || b == b'\r' || b == 0x0b || b == 0x0c)
        {
            return Err(EditError::InvalidValue(value.to_string()));
        }
        let i = self.index(id)?;
        let (l, fields, _) = self.detail(i);
        let (off, len) = fields[index];
        let start = Self::file_off(&l, off);
        let end = start + len;
        let mut ws_end = end;
        while ws_end < self.data.len() && self.data[ws_end] == b' ' {
            ws_end += 1;
        }
        let spaces = ws_end - end;
        let new_spaces = if index == 7 || self.data.get(ws_end) == Some(&b'\t') || spaces == 0 {
            spaces
        } else if value.len() > len {
            spaces.saturating_sub(value.len() - len).max(1)
        } else {
            spaces + (len - value.len())
        };
        let mut d = Vec::with_capacity(self.data.len() + value.len());
        d.extend_from_slice(&self.data[..start]);
        d.extend_from_slice(value.as_bytes());
        d.extend(std::iter::repeat_n(b' ', new_spaces));
        d.extend_from_slice(&self.data[ws_end..]);
        let m = MasterCf::parse(&d);
        if m.services.len() != self.services.len() {
            return Err(EditError::InvalidValue(value.to_string()));
        }
        *self = m;
        Ok(())
    }

    /// Set the override `name` of entry `id` to `value`. An existing override is edited
    /// in place (its form kept; a value with blanks needs the `{ }` form); a new one takes
    /// the form and the layout (own line with the same indent, or inline) of the entry's
    /// other overrides and goes after the last daemon option.
    pub fn set_override(&mut self, id: &str, name: &str, value: &str) -> Result<(), EditError> {
        if name.is_empty()
            || name
                .bytes()
                .any(|b| is_space(b) || b == b'=' || b == b'{' || b == b'}' || b == 0)
        {
            return Err(EditError::InvalidName(name.to_string()));
        }
        if value
            .bytes()
            .any(|b| b == b'\n' || b == 0 || b == b'{' || b == b'}')
        {
            return Err(EditError::InvalidValue(value.to_string()));
        }
        let value = value.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
        let needs_braces = value.bytes().any(is_blank);
        let i = self.index(id)?;
        let s = &self.services[i];
        let (l, _, e) = self.detail(i);
        if let Some(j) = s.overrides.iter().rposition(|o| o.name == name) {
            let o = &e.overrides[j];
            let mut d = Vec::with_capacity(self.data.len() + value.len());
            if o.long_form || !needs_braces {
                let a = Self::file_off(&l, o.value_off);
                let b = Self::file_off(&l, o.value_off + o.value_len);
                d.extend_from_slice(&self.data[..a]);
                d.extend_from_slice(value.as_bytes());
                d.extend_from_slice(&self.data[b..]);
            } else {
                let a = Self::file_off(&l, o.span.0);
                let b = Self::file_off(&l, o.span.1);
                d.extend_from_slice(&self.data[..a]);
                d.extend_from_slice(format!("-o {{ {name} = {value} }}").as_bytes());
                d.extend_from_slice(&self.data[b..]);
            }
            self.set_data(d);
            return Ok(());
        }
        let long = needs_braces || s.overrides.first().is_some_and(|o| o.long_form);
        let text = if long {
            format!("-o {{ {name} = {value} }}")
        } else {
            format!("-o {name}={value}")
        };
        let anchor = Self::file_off(&l, e.options_end);
        let line_no = l.locate(e.options_end.saturating_sub(1)).0;
        let line = self.phys[line_no - 1];
        let rest_blank = self.data[anchor..line.end].iter().all(|&b| is_blank(b));
        // own-line layout: the last override starts its physical line
        let own_line = e.overrides.last().and_then(|o| {
            let st = Self::file_off(&l, o.span.0);
            let (line, _) = l.locate(o.span.0);
            let ls = self.line_start(line);
            self.data[ls..st]
                .iter()
                .all(|&b| is_blank(b))
                .then(|| self.data[ls..st].to_vec())
        });
        let mut d = Vec::with_capacity(self.data.len() + text.len() + 8);
        match own_line {
            Some(indent) if rest_blank && !indent.is_empty() => {
                let after = skip_line(&self.data, line.start);
                d.extend_from_slice(&self.data[..after]);
                if !d.ends_with(b"\n") {
                    d.extend_from_slice(self.newline());
                }
                d.extend_from_slice(&indent);
                d.extend_from_slice(text.as_bytes());
                if after < self.data.len() || self.data.ends_with(b"\n") {
                    d.extend_from_slice(if self.data[line.start..line.end].ends_with(b"\r") {
                        b"\r\n"
                    } else {
                        b"\n"
                    });
                }
                d.extend_from_slice(&self.data[after..]);
            }
            _ => {
                d.extend_from_slice(&self.data[..anchor]);
                d.push(b' ');
                d.extend_from_slice(text.as_bytes());
                d.extend_from_slice(&self.data[anchor..]);
            }
        }
        self.set_data(d);
        Ok(())
    }

    /// Remove every `-o name=...` of entry `id`. An override alone on its line takes
    /// the line with it; otherwise it is cut out with the blanks before it.
    pub fn remove_override(&mut self, id: &str, name: &str) -> Result<(), EditError> {
        let i = self.index(id)?;
        let (l, _, e) = self.detail(i);
        let spans: Vec<(usize, usize)> = self.services[i]
            .overrides
            .iter()
            .zip(&e.overrides)
            .filter(|(o, _)| o.name == name)
            .map(|(_, o)| (Self::file_off(&l, o.span.0), Self::file_off(&l, o.span.1)))
            .collect();
        if spans.is_empty() {
            return Err(EditError::NoSuchOverride(id.to_string(), name.to_string()));
        }
        let mut d = self.data.clone();
        for (a, b) in spans.into_iter().rev() {
            let ls = d[..a]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            let le = d[b..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(d.len(), |p| b + p);
            let alone = d[ls..a].iter().all(|&c| is_blank(c))
                && d[b..le].iter().all(|&c| is_blank(c))
                && ls > 0;
            if alone {
                let end = (le + 1).min(d.len());
                d.drain(ls..end);
            } else {
                let mut a2 = a;
                while a2 > ls && is_blank(d[a2 - 1]) {
                    a2 -= 1;
                }
                d.drain(a2..b);
            }
        }
        self.set_data(d);
        Ok(())
    }

    /// Apply many [`TextEdit`]s in one pass and parse the result once (see
    /// [`MainCf::replace_many`](super::MainCf::replace_many)).
    pub fn replace_many(&mut self, edits: &[TextEdit]) -> Vec<Result<(), EditError>> {
        let (d, results) = replace_many(&self.data, &self.phys, edits);
        if let Some(d) = d {
            self.set_data(d);
        }
        results
    }

    /// Replace `expected` written at physical `line`, byte `column` (0-based).
    pub fn replace_at(
        &mut self,
        line: usize,
        column: usize,
        expected: &str,
        replacement: &str,
    ) -> Result<(), EditError> {
        let d = replace_at(&self.data, &self.phys, line, column, expected, replacement)?;
        self.set_data(d);
        Ok(())
    }
}

/// `split_nameval()` on bytes (see main_cf).
fn split_nv(t: &[u8]) -> Result<super::main_cf::NameValue, &'static str> {
    super::main_cf::split_nameval(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_kept_only_where_they_are_more_than_the_overrides() {
        let m = MasterCf::parse(
            b"a unix - - n - - x -o p=1\n  -o { q = 2 3 }\n\
              b unix - - n - - x -v -o p=1 -o foo -o { bad } r=1 -- {  y z  } {}\n\
              c unix - - n - - x -o p=1 -o p=1\n\
              d unix - - n - - x\n",
        );
        let s = m.services();
        assert_eq!(s[0].args(), ["-o", "p=1", "-o", "q=2 3"]);
        assert!(s[0].args.is_none() && s[2].args.is_none() && s[3].args.is_none());
        assert_eq!(
            s[1].args(),
            ["-v", "-o", "p=1", "-o", "foo", "-o", "bad", "r=1", "--", "y z", ""]
        );
        assert_eq!(s[2].args(), ["-o", "p=1", "-o", "p=1"]);
        assert!(s[3].args().is_empty());
    }

    #[test]
    fn override_position_past_the_offsets_kept_parses_the_entry_again() {
        let m = MasterCf::parse(b"# c\na unix - - n - - x\n  -o p=1\n  -o { q = vw }\n");
        let mut s = m.services()[0].clone();
        let want = m.override_position(&s, &s.overrides[1], 1);
        assert_eq!(want, Some((4, 12)));
        s.overrides[1].value_off = u32::MAX;
        assert_eq!(m.override_position(&s, &s.overrides[1], 1), want);
    }

    #[test]
    fn ids_are_found_by_hash_and_checked() {
        let m = MasterCf::parse(b"a/b c - - n - - x\na b/c - - n - - y\na/b c - - n - - z\n");
        assert_eq!(m.get("a/b/c").map(|s| s.command.as_str()), Some("z"));
        assert_eq!(m.get("a/b/c").map(|s| s.line), Some(3));
        assert!(m.get("a/b").is_none() && m.get("").is_none() && m.get("a/b/").is_none());
        assert_eq!(id_hash(&[b"ab", b"/", b"c"]), id_hash(&[b"ab/c"]));
    }

    #[test]
    fn get_and_edits_use_the_last_entry_of_an_id() {
        let mut m = MasterCf::parse(
            b"a unix - - n - - first\nb inet n - n - - smtpd\na unix - - n - - second\n",
        );
        assert_eq!(m.get("a/unix").map(|s| s.command.as_str()), Some("second"));
        assert_eq!(m.get("b/inet").map(|s| s.line), Some(2));
        assert!(m.get("a/inet").is_none() && m.get("a").is_none());
        m.set_field("a/unix", 7, "third").unwrap();
        assert_eq!(
            m.as_bytes(),
            b"a unix - - n - - first\nb inet n - n - - smtpd\na unix - - n - - third\n"
        );
        // the index follows the edit: b is renamed, the old id is gone
        m.rename_entry("b/inet", "c").unwrap();
        assert!(m.get("b/inet").is_none());
        assert_eq!(m.get("c/inet").map(|s| s.line), Some(2));
        assert!(matches!(
            m.remove_entry("b/inet"),
            Err(EditError::NoSuchService(_))
        ));
    }
}
