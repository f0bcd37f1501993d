//! master.cf: lossless document, services, validation and line-preserving edits.
use std::collections::HashMap;

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
    pub value: String,
    /// Physical line where the value is written.
    pub line: usize,
    /// Written as `-o { name = value }` (the brace form) rather than `-o name=value`.
    pub long_form: bool,
    /// Logical offset of the value text, its byte length, and the span from the `-o`
    /// to the end of the value token.
    pub(crate) value_off: usize,
    pub(crate) value_len: usize,
    pub(crate) span: (usize, usize),
}

/// One master.cf entry (a logical line with at least the 8 fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Service name as written: `smtp`, `127.0.0.1:smtp`, `[::1]:25`, `private/x`.
    pub name: String,
    /// Service type as written: `inet`, `unix`, `unix-dgram`, `fifo`, `pass`.
    pub kind: String,
    /// The private, unpriv and chroot fields as written (`y`, `n` or `-`).
    pub private: String,
    pub unpriv: String,
    pub chroot: String,
    /// The wakeup field as written (`-`, `60`, `1000?`).
    pub wakeup: String,
    /// The maxproc field as written (`-`, `0`, `100`).
    pub maxproc: String,
    /// The command field (8th field).
    pub command: String,
    /// The arguments after the command, normalised as `postconf -M` does: `-oname=v`
    /// split into `-o`, `name=v`; `{ text }` braces removed; `-o { n = v }` as `n=v`.
    pub args: Vec<String>,
    /// The `-o name=value` overrides among the daemon options, in order.
    pub overrides: Vec<Override>,
    /// First and last physical line of the entry.
    pub line: usize,
    pub end_line: usize,
    pub(crate) logical: Logical,
    pub(crate) exact: bool,
    /// Logical (offset, len) of the 8 field tokens and the last daemon-option token end.
    pub(crate) fields: Vec<(usize, usize)>,
    pub(crate) options_end: usize,
    pub(crate) arg_after_options: bool,
}

impl Service {
    /// `name/type`, the key postconf uses (`smtp/inet`).
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.kind)
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
            None => Some((None, &self.name)),
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
            &self.name,
            &self.kind,
            &self.private,
            &self.unpriv,
            &self.chroot,
            &self.wakeup,
            &self.maxproc,
            &self.command,
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
    /// `name/type` → index into `services` of the effective (last) entry, so that
    /// [`MasterCf::get`] and every edit find an entry in O(1).
    by_id: HashMap<String, usize>,
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
                            Err(e) => {
                                warn.push(format!("{e}: \"{}\"", String::from_utf8_lossy(&t.text)))
                            }
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
                        name_value =
                            Some((t.text[..eq].to_vec(), t.off + eq + 1, t.text.len() - eq - 1));
                    }
                    options_end = argv[field].raw.1;
                    if let Some((name, voff, vlen)) = name_value {
                        let (line, _) = l.locate(voff);
                        overrides.push(Override {
                            name: String::from_utf8_lossy(&name).into_owned(),
                            value: String::from_utf8_lossy(&text[voff..voff + vlen]).into_owned(),
                            line,
                            long_form,
                            value_off: voff,
                            value_len: vlen,
                            span: (opt_start, argv[field].raw.1),
                        });
                    }
                }
                field += 1;
            }
            let arg_after_options = field < argv.len();
            for t in argv.iter_mut().skip(field) {
                if t.text.first() == Some(&b'{') {
                    if let Some(e) = extract(t) {
                        warn.push(e);
                    }
                }
            }
            for w in warn {
                diags.push(diag(Severity::Warning, w));
            }
            let st = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            // kept for the run, thousands of them on a big host: no growth slack
            overrides.shrink_to_fit();
            services.push(Service {
                name: st(f[0]),
                kind: st(f[1]),
                private: st(f[2]),
                unpriv: st(f[3]),
                chroot: st(f[4]),
                wakeup: st(f[5]),
                maxproc: st(f[6]),
                command: st(f[7]),
                args: argv[8..].iter().map(|t| st(&t.text)).collect(),
                overrides,
                line: l.line(),
                end_line: l.end_line(),
                fields: toks[..8].to_vec(),
                options_end,
                arg_after_options,
                logical: l,
                exact,
            });
        }
        services.shrink_to_fit();
        let mut phys = phys;
        phys.shrink_to_fit();
        let mut by_id = HashMap::with_capacity(services.len());
        for (i, s) in services.iter().enumerate() {
            // later entries win, as in master(8)
            by_id.insert(s.id(), i);
        }
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
        self.by_id.get(id).map(|&i| &self.services[i])
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
        if !s.exact || off > o.value_len {
            return None;
        }
        let (line, file_off) = s.logical.locate(o.value_off + off);
        Some((line, file_off - self.line_start(line)))
    }

    fn file_off(s: &Service, logical_off: usize) -> usize {
        // offsets at a piece end map to the end of that piece
        if logical_off > 0 {
            s.logical.locate(logical_off - 1).1 + 1
        } else {
            s.logical.locate(0).1
        }
    }

    fn index(&self, id: &str) -> Result<usize, EditError> {
        self.by_id
            .get(id)
            .copied()
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
        let s = &self.services[i];
        let first = s.logical.segs[0];
        let mut d = Vec::with_capacity(self.data.len() + entry.len());
        d.extend_from_slice(&self.data[..first.file_off]);
        d.extend_from_slice(entry.trim_end_matches('\n').as_bytes());
        let mut pos = first.file_off + first.len;
        if self.data[first.file_off..pos].ends_with(b"\r") {
            pos -= 1;
        }
        for seg in &s.logical.segs[1..] {
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
        let s = &self.services[i];
        let mut d = Vec::with_capacity(self.data.len());
        let mut pos = 0;
        for seg in &s.logical.segs {
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
        let s = &self.services[i];
        let start = s.logical.segs[0].file_off;
        let end = start + s.fields[0].1;
        let old_len = s.fields[0].1;
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
        let s = &self.services[i];
        let (off, len) = s.fields[index];
        let start = Self::file_off(s, off);
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
        if let Some(o) = s.overrides.iter().rev().find(|o| o.name == name) {
            let mut d = Vec::with_capacity(self.data.len() + value.len());
            if o.long_form || !needs_braces {
                let a = Self::file_off(s, o.value_off);
                let b = Self::file_off(s, o.value_off + o.value_len);
                d.extend_from_slice(&self.data[..a]);
                d.extend_from_slice(value.as_bytes());
                d.extend_from_slice(&self.data[b..]);
            } else {
                let a = Self::file_off(s, o.span.0);
                let b = Self::file_off(s, o.span.1);
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
        let anchor = Self::file_off(s, s.options_end);
        let line_no = s.logical.locate(s.options_end.saturating_sub(1)).0;
        let line = self.phys[line_no - 1];
        let rest_blank = self.data[anchor..line.end].iter().all(|&b| is_blank(b));
        // own-line layout: the last override starts its physical line
        let own_line = s.overrides.last().and_then(|o| {
            let st = Self::file_off(s, o.span.0);
            let (l, _) = s.logical.locate(o.span.0);
            let ls = self.line_start(l);
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
        let s = &self.services[i];
        let spans: Vec<(usize, usize)> = s
            .overrides
            .iter()
            .filter(|o| o.name == name)
            .map(|o| (Self::file_off(s, o.span.0), Self::file_off(s, o.span.1)))
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
