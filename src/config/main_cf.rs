//! main.cf: lossless document, parameters, validation and line-preserving edits.
use super::lines::{self, is_space, Logical, Phys};
use super::{Diagnostic, EditError, Reporter, Severity};

/// One `name = value` definition in main.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Parameter name.
    pub name: String,
    /// Value as Postfix stores it: continuation lines joined as written (Postfix keeps
    /// their leading whitespace), leading and trailing whitespace trimmed, not expanded.
    /// Lossy (U+FFFD) where the file is not UTF-8.
    pub value: String,
    /// First physical line of the definition (1-based).
    pub line: usize,
    /// Last physical line of the definition (comment lines inside are skipped).
    pub end_line: usize,
    pub(crate) logical: Logical,
    /// Byte offset of the value in the logical text.
    pub(crate) value_off: usize,
    /// Byte length of the value in the logical text.
    pub(crate) value_len: usize,
    /// Whether `value` byte offsets match the file (the value is valid UTF-8).
    pub(crate) exact: bool,
}

/// A parsed main.cf. Never fails; [`MainCf::to_bytes`] returns the input unchanged.
#[derive(Debug, Clone)]
pub struct MainCf {
    data: Vec<u8>,
    phys: Vec<Phys>,
    params: Vec<Param>,
    diags: Vec<Diagnostic>,
    /// Index into `params` of the effective (last) definition of each name.
    effective: std::collections::HashMap<String, usize>,
}

/// Postfix's `split_nameval()`: returns (name range, value range) or the error text.
/// (name start, name end) and (value start, value end).
pub(crate) type NameValue = ((usize, usize), (usize, usize));

pub(crate) fn split_nameval(t: &[u8]) -> Result<NameValue, &'static str> {
    let mut np = 0;
    while np < t.len() && is_space(t[np]) {
        np += 1;
    }
    if np == t.len() || t[np] == b'=' {
        return Err("missing attribute name");
    }
    let mut ep = np;
    while ep < t.len() && !is_space(t[ep]) && t[ep] != b'=' {
        ep += 1;
    }
    let mut cp = ep;
    while cp < t.len() && is_space(t[cp]) {
        cp += 1;
    }
    if cp == t.len() || t[cp] != b'=' {
        return Err("missing '=' after attribute name");
    }
    let mut vp = cp + 1;
    while vp < t.len() && is_space(t[vp]) {
        vp += 1;
    }
    let mut ve = t.len();
    while ve > vp && is_space(t[ve - 1]) {
        ve -= 1;
    }
    if vp == ve {
        // an empty value sits right after the '='
        return Ok(((np, ep), (cp + 1, cp + 1)));
    }
    Ok(((np, ep), (vp, ve)))
}

impl MainCf {
    /// Parse any bytes. Problems become [`Diagnostic`]s, never errors.
    pub fn parse(data: &[u8]) -> MainCf {
        let phys = lines::physical(data);
        let logicals = lines::logical(data, &phys);
        let mut params: Vec<Param> = Vec::new();
        let mut diags = Vec::new();
        let mut effective = std::collections::HashMap::new();
        for l in logicals {
            let text = l.text(data);
            if l.orphan {
                let (s, _) = lines::lossy(&text);
                diags.push(Diagnostic {
                    reporter: Reporter::Postconf,
                    line: l.line(),
                    end_line: l.end_line(),
                    severity: Severity::Warning,
                    message: format!(
                        "logical line must not start with whitespace: \"{}{}\"",
                        lines::clip(&s, 30),
                        if s.len() > 30 { "..." } else { "" }
                    ),
                });
                continue;
            }
            match split_nameval(&text) {
                Err(e) => {
                    let (s, _) = lines::lossy(&text);
                    diags.push(Diagnostic {
                        reporter: Reporter::Postconf,
                        line: l.line(),
                        end_line: l.end_line(),
                        severity: Severity::Fatal,
                        message: format!("{e}: \"{s}\""),
                    });
                }
                Ok(((ns, ne), (vs, ve))) => {
                    let (name, _) = lines::lossy(&text[ns..ne]);
                    let (value, exact) = lines::lossy(&text[vs..ve]);
                    let p = Param {
                        name,
                        value,
                        line: l.line(),
                        end_line: l.end_line(),
                        logical: l,
                        value_off: vs,
                        value_len: ve - vs,
                        exact,
                    };
                    if let Some(&old) = effective.get(&p.name) {
                        let o: &Param = &params[old];
                        diags.push(Diagnostic {
                            reporter: Reporter::Postconf,
                            line: p.line,
                            end_line: p.end_line,
                            severity: Severity::Warning,
                            message: format!("overriding earlier entry: {}={}", o.name, o.value),
                        });
                    }
                    effective.insert(p.name.clone(), params.len());
                    params.push(p);
                }
            }
        }
        MainCf {
            data: data.to_vec(),
            phys,
            params,
            diags,
            effective,
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

    /// Every definition in file order, overridden ones included.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The effective (last) definition of `name`.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.effective.get(name).map(|&i| &self.params[i])
    }

    /// Index into [`MainCf::params`] of the effective definition of `name`.
    pub(crate) fn effective_index(&self, name: &str) -> Option<usize> {
        self.effective.get(name).copied()
    }

    /// The effective raw (unexpanded) value of `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|p| p.value.as_str())
    }

    /// Effective definitions (last one wins), in file order.
    pub fn effective(&self) -> Vec<&Param> {
        let mut idx: Vec<usize> = self.effective.values().copied().collect();
        idx.sort_unstable();
        idx.into_iter().map(|i| &self.params[i]).collect()
    }

    /// Warnings and fatal errors, in line order, with Postfix's wording and line numbers.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut d = self.diags.clone();
        d.sort_by_key(|d| d.line);
        d
    }

    /// Byte offset in the file where physical line `line` (1-based) starts.
    pub(crate) fn line_start(&self, line: usize) -> usize {
        self.phys
            .get(line.wrapping_sub(1))
            .map(|p| p.start)
            .unwrap_or(self.data.len())
    }

    /// `(line, column)` of byte `off` of the value of `p` .
    /// `None` when the value is not valid UTF-8 (offsets would not match the file).
    pub fn value_position(&self, p: &Param, off: usize) -> Option<(usize, usize)> {
        if !p.exact || off > p.value_len {
            return None;
        }
        let (line, file_off) = p.logical.locate(p.value_off + off);
        Some((line, file_off - self.line_start(line)))
    }

    fn replace_doc(&mut self, data: Vec<u8>) {
        *self = MainCf::parse(&data);
    }

    fn newline(&self) -> &'static [u8] {
        if self.data.windows(2).any(|w| w == b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// Set `name` to `value`: the effective definition is edited in place (its
    /// `name = ` spacing kept, continuation lines of the old value dropped, comment lines
    /// inside kept); when `name` is not defined a `name = value` line is appended.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), EditError> {
        check_name(name)?;
        if value.bytes().any(|b| b == b'\n' || b == 0) {
            return Err(EditError::InvalidValue(value.to_string()));
        }
        let value = value.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
        let Some(p) = self.get(name) else {
            let mut d = self.data.clone();
            let nl = self.newline();
            if !d.is_empty() && !d.ends_with(b"\n") {
                d.extend_from_slice(nl);
            }
            d.extend_from_slice(format!("{name} = {value}").as_bytes());
            d.extend_from_slice(nl);
            self.replace_doc(d);
            return Ok(());
        };
        let first = p.logical.segs[0];
        let line_end = first.file_off + first.len;
        let one_line = p.logical.segs.len() == 1;
        let mut d = Vec::with_capacity(self.data.len() + value.len());
        let on_first = p.value_off < first.len || one_line;
        let (prefix_end, glue): (usize, &[u8]) = if on_first {
            let vstart = first.file_off + p.value_off;
            let prefix = &self.data[first.file_off..vstart];
            // an empty value written as `name =`: add the blank the file's style implies
            let glue: &[u8] = if p.value_len == 0 && prefix.last() == Some(&b'=') {
                let eq = prefix.len() - 1;
                if eq > 0 && is_space(prefix[eq - 1]) {
                    b" "
                } else {
                    b""
                }
            } else {
                b""
            };
            (vstart, glue)
        } else {
            let mut e = line_end;
            while e > first.file_off && is_space(self.data[e - 1]) {
                e -= 1;
            }
            (e, b" ")
        };
        d.extend_from_slice(&self.data[..prefix_end]);
        d.extend_from_slice(glue);
        d.extend_from_slice(value.as_bytes());
        if one_line {
            // blanks (and a CR) written after the value
            let vend = (first.file_off + p.value_off + p.value_len).max(prefix_end);
            d.extend_from_slice(&self.data[vend.min(line_end)..line_end]);
        } else if self.data[first.file_off..line_end].ends_with(b"\r") {
            d.push(b'\r');
        }
        let mut pos = line_end;
        for s in &p.logical.segs[1..] {
            d.extend_from_slice(&self.data[pos..s.file_off]);
            pos = skip_line(&self.data, s.file_off);
        }
        d.extend_from_slice(&self.data[pos..]);
        self.replace_doc(d);
        Ok(())
    }

    /// Like [`MainCf::set`], but when `name` is not defined the new `name = value` line
    /// goes right after the effective definition of the first name in `after` that is
    /// defined (its last physical line), rather than at the end of the file. With none of
    /// them defined it is appended, as by [`MainCf::set`].
    pub fn set_near(&mut self, name: &str, value: &str, after: &[&str]) -> Result<(), EditError> {
        if self.get(name).is_some() {
            return self.set(name, value);
        }
        let Some(anchor) = after.iter().find_map(|n| self.get(n)) else {
            return self.set(name, value);
        };
        check_name(name)?;
        if value.bytes().any(|b| b == b'\n' || b == 0) {
            return Err(EditError::InvalidValue(value.to_string()));
        }
        let value = value.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
        let nl = self.newline();
        let at = skip_line(&self.data, self.line_start(anchor.end_line));
        let mut d = Vec::with_capacity(self.data.len() + name.len() + value.len() + 5);
        d.extend_from_slice(&self.data[..at]);
        if !d.is_empty() && !d.ends_with(b"\n") {
            d.extend_from_slice(nl);
        }
        d.extend_from_slice(format!("{name} = {value}").as_bytes());
        d.extend_from_slice(nl);
        d.extend_from_slice(&self.data[at..]);
        self.replace_doc(d);
        Ok(())
    }

    /// Delete every definition of `name` (like `postconf -X`), keeping other lines.
    pub fn remove(&mut self, name: &str) -> Result<(), EditError> {
        let lines = self.def_lines(name)?;
        let mut d = Vec::with_capacity(self.data.len());
        let mut pos = 0;
        for start in lines {
            d.extend_from_slice(&self.data[pos..start]);
            pos = skip_line(&self.data, start);
        }
        d.extend_from_slice(&self.data[pos..]);
        self.replace_doc(d);
        Ok(())
    }

    /// Comment out every definition of `name` (like `postconf -#`): `#` is put in front
    /// of each physical line of the definition.
    pub fn comment_out(&mut self, name: &str) -> Result<(), EditError> {
        let lines = self.def_lines(name)?;
        let mut d = Vec::with_capacity(self.data.len() + lines.len());
        let mut pos = 0;
        for start in lines {
            d.extend_from_slice(&self.data[pos..start]);
            d.push(b'#');
            pos = start;
        }
        d.extend_from_slice(&self.data[pos..]);
        self.replace_doc(d);
        Ok(())
    }

    /// Replace `expected` written at physical `line`, byte `column` (0-based) with
    /// `replacement`. Used to rewrite one map reference where it is written.
    pub fn replace_at(
        &mut self,
        line: usize,
        column: usize,
        expected: &str,
        replacement: &str,
    ) -> Result<(), EditError> {
        let d = replace_at(&self.data, &self.phys, line, column, expected, replacement)?;
        self.replace_doc(d);
        Ok(())
    }

    /// Apply many [`TextEdit`]s in one pass and parse the result once (one
    /// [`MainCf::replace_at`] each would copy and parse the file per edit). Each edit's
    /// result comes back in the order given; the ones that fail change nothing.
    pub fn replace_many(&mut self, edits: &[TextEdit]) -> Vec<Result<(), EditError>> {
        let (d, results) = replace_many(&self.data, &self.phys, edits);
        if let Some(d) = d {
            self.replace_doc(d);
        }
        results
    }

    fn def_lines(&self, name: &str) -> Result<Vec<usize>, EditError> {
        let starts: Vec<usize> = self
            .params
            .iter()
            .filter(|p| p.name == name)
            .flat_map(|p| p.logical.segs.iter().map(|s| s.file_off))
            .collect();
        if starts.is_empty() {
            return Err(EditError::NoSuchParameter(name.to_string()));
        }
        Ok(starts)
    }
}

fn check_name(name: &str) -> Result<(), EditError> {
    if name.is_empty()
        || name
            .bytes()
            .any(|b| is_space(b) || b == b'=' || b == b'#' || b == 0)
    {
        return Err(EditError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// Offset just past the physical line starting at `start` (after its `\n`).
pub(crate) fn skip_line(data: &[u8], start: usize) -> usize {
    match data[start..].iter().position(|&b| b == b'\n') {
        Some(i) => start + i + 1,
        None => data.len(),
    }
}

/// One replacement for [`MainCf::replace_many`] / [`MasterCf::replace_many`](super::MasterCf::replace_many):
/// `expected` written at physical `line` (1-based), byte `column` (0-based), becomes
/// `replacement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEdit<'a> {
    pub line: usize,
    pub column: usize,
    pub expected: &'a str,
    pub replacement: &'a str,
}

/// Apply many [`TextEdit`]s in one pass over the file. Each is checked against the file
/// as it is (the text must be written there, the replacement must stay on its line);
/// one that overlaps an edit before it in the file is refused, as applying them one by
/// one would have found its text changed. Returns the new bytes (None when nothing
/// applies) and each edit's result, in the order given.
pub(crate) fn replace_many(
    data: &[u8],
    phys: &[Phys],
    edits: &[TextEdit],
) -> (Option<Vec<u8>>, Vec<Result<(), EditError>>) {
    let not_there = |e: &TextEdit| EditError::NoSuchText {
        line: e.line,
        column: e.column,
        expected: e.expected.to_string(),
    };
    let mut results: Vec<Result<(), EditError>> = Vec::with_capacity(edits.len());
    let mut spans: Vec<(usize, usize, usize)> = Vec::with_capacity(edits.len());
    for (i, e) in edits.iter().enumerate() {
        let Some(p) = phys.get(e.line.wrapping_sub(1)) else {
            results.push(Err(not_there(e)));
            continue;
        };
        let s = p.start.saturating_add(e.column);
        let end = s.saturating_add(e.expected.len());
        if end > p.end || &data[s..end] != e.expected.as_bytes() {
            results.push(Err(not_there(e)));
        } else if e.replacement.bytes().any(|b| b == b'\n' || b == 0) {
            results.push(Err(EditError::InvalidValue(e.replacement.to_string())));
        } else {
            results.push(Ok(()));
            spans.push((s, end, i));
        }
    }
    spans.sort_unstable();
    let mut out = Vec::with_capacity(data.len());
    let mut pos = 0;
    let mut applied = 0;
    for (s, end, i) in spans {
        if s < pos {
            results[i] = Err(not_there(&edits[i]));
            continue;
        }
        out.extend_from_slice(&data[pos..s]);
        out.extend_from_slice(edits[i].replacement.as_bytes());
        pos = end;
        applied += 1;
    }
    if applied == 0 {
        return (None, results);
    }
    out.extend_from_slice(&data[pos..]);
    (Some(out), results)
}

pub(crate) fn replace_at(
    data: &[u8],
    phys: &[Phys],
    line: usize,
    column: usize,
    expected: &str,
    replacement: &str,
) -> Result<Vec<u8>, EditError> {
    let p = phys
        .get(line.wrapping_sub(1))
        .ok_or(EditError::NoSuchText {
            line,
            column,
            expected: expected.to_string(),
        })?;
    let s = p.start + column;
    let e = s + expected.len();
    if e > p.end || &data[s..e] != expected.as_bytes() {
        return Err(EditError::NoSuchText {
            line,
            column,
            expected: expected.to_string(),
        });
    }
    if replacement.bytes().any(|b| b == b'\n' || b == 0) {
        return Err(EditError::InvalidValue(replacement.to_string()));
    }
    let mut d = Vec::with_capacity(data.len() + replacement.len());
    d.extend_from_slice(&data[..s]);
    d.extend_from_slice(replacement.as_bytes());
    d.extend_from_slice(&data[e..]);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> MainCf {
        MainCf::parse(s.as_bytes())
    }

    #[test]
    fn replace_many_is_the_edits_one_by_one_in_one_pass() {
        let text = "a = hash:/x, btree:/y\nb = x\n  hash:/z\r\nc = hash:/w\n";
        let edits = [
            TextEdit {
                line: 1,
                column: 4,
                expected: "hash",
                replacement: "lmdb",
            },
            TextEdit {
                line: 3,
                column: 2,
                expected: "hash",
                replacement: "lmdb",
            },
            TextEdit {
                line: 1,
                column: 13,
                expected: "btree",
                replacement: "lmdb",
            },
            // not written there: refused, the rest still apply
            TextEdit {
                line: 4,
                column: 4,
                expected: "btree",
                replacement: "lmdb",
            },
            // overlaps the first edit: its text would be gone one by one too
            TextEdit {
                line: 1,
                column: 6,
                expected: "sh:/x",
                replacement: "x",
            },
            TextEdit {
                line: 2,
                column: 4,
                expected: "x",
                replacement: "y\nz",
            },
            TextEdit {
                line: 9,
                column: 0,
                expected: "",
                replacement: "",
            },
        ];
        let mut batch = m(text);
        let results = batch.replace_many(&edits);
        assert_eq!(
            results.iter().map(Result::is_ok).collect::<Vec<_>>(),
            [true, true, true, false, false, false, false]
        );
        assert!(matches!(results[5], Err(EditError::InvalidValue(_))));
        // the same as replace_at one by one, later places first
        let mut one = m(text);
        for e in [&edits[1], &edits[2], &edits[0]] {
            one.replace_at(e.line, e.column, e.expected, e.replacement)
                .unwrap();
        }
        assert_eq!(batch.as_bytes(), one.as_bytes());
        assert_eq!(
            batch.as_bytes(),
            b"a = lmdb:/x, lmdb:/y\nb = x\n  lmdb:/z\r\nc = hash:/w\n"
        );
        assert_eq!(batch.value("b"), Some("x  lmdb:/z"));
        // nothing applies: nothing changes
        let mut none = m(text);
        let refused = [edits[3], edits[5], edits[6]];
        assert!(none.replace_many(&refused).iter().all(Result::is_err));
        assert_eq!(none.as_bytes(), text.as_bytes());
        // master.cf too
        let mut mc = super::super::MasterCf::parse(
            b"x unix - - n - - smtp\n  -o a=hash:/t\ny unix - - n - - smtp -o b=btree:/u\n",
        );
        let r = mc.replace_many(&[
            TextEdit {
                line: 3,
                column: 27,
                expected: "btree",
                replacement: "lmdb",
            },
            TextEdit {
                line: 2,
                column: 7,
                expected: "hash",
                replacement: "lmdb",
            },
        ]);
        assert!(r.iter().all(Result::is_ok), "{r:?}");
        assert_eq!(
            mc.get("x/unix").unwrap().override_value("a"),
            Some("lmdb:/t")
        );
        assert_eq!(
            mc.get("y/unix").unwrap().override_value("b"),
            Some("lmdb:/u")
        );
    }

    #[test]
    fn last_definition_wins_and_values_trimmed() {
        let c = m("a = 1\nb=  x  y  \r\na = 2\n  3\n");
        assert_eq!(c.value("a"), Some("2  3"));
        assert_eq!(c.value("b"), Some("x  y"));
        let d = c.diagnostics();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 3);
        assert_eq!(d[0].message, "overriding earlier entry: a=1");
    }

    #[test]
    fn missing_equals_is_fatal_at_first_line() {
        let c = m("a = 1\nfoo\n  bar\n= x\n");
        let d = c.diagnostics();
        assert_eq!(d[0].line, 2);
        assert_eq!(d[0].end_line, 3);
        assert_eq!(d[0].severity, Severity::Fatal);
        assert_eq!(
            d[0].message,
            "missing '=' after attribute name: \"foo  bar\""
        );
        assert_eq!(d[1].message, "missing attribute name: \"= x\"");
    }

    #[test]
    fn set_keeps_spacing_and_drops_old_continuations() {
        let mut c = m("# top\nalias_maps   =   hash:/etc/aliases\n# mid\n   , x\nb=1\n");
        c.set("alias_maps", "lmdb:/etc/aliases").unwrap();
        assert_eq!(
            String::from_utf8(c.to_bytes()).unwrap(),
            "# top\nalias_maps   =   lmdb:/etc/aliases\n# mid\nb=1\n"
        );
        c.set("b", "2").unwrap();
        c.set("new", "v").unwrap();
        assert_eq!(
            String::from_utf8(c.to_bytes()).unwrap(),
            "# top\nalias_maps   =   lmdb:/etc/aliases\n# mid\nb=2\nnew = v\n"
        );
    }

    #[test]
    fn set_on_crlf_and_empty_values() {
        let mut c = m("a =\r\nb = x  \r\n");
        c.set("a", "1").unwrap();
        c.set("b", "y").unwrap();
        assert_eq!(c.to_bytes(), b"a = 1\r\nb = y  \r\n");
        let mut c = m("a = x");
        c.set("z", "1").unwrap();
        assert_eq!(c.to_bytes(), b"a = x\nz = 1\n");
    }

    #[test]
    fn set_near_inserts_after_the_anchor() {
        let mut c = m("a = 1\nsmtpd_x = 1\n  2\n# c\nb = 2");
        c.set_near("smtpd_y", "v", &["nope", "smtpd_x"]).unwrap();
        c.set_near("z", "1", &["nope"]).unwrap();
        c.set_near("b", "3", &["a"]).unwrap();
        c.set_near("w", "0", &["b"]).unwrap();
        assert_eq!(
            String::from_utf8(c.to_bytes()).unwrap(),
            "a = 1\nsmtpd_x = 1\n  2\nsmtpd_y = v\n# c\nb = 3\nw = 0\nz = 1\n"
        );
        assert!(c.set_near("bad name", "1", &["a"]).is_err());
    }

    #[test]
    fn remove_and_comment_out() {
        let mut c = m("a = 1\n  2\n#c\nb = 1\na = 3\n");
        c.comment_out("a").unwrap();
        assert_eq!(c.to_bytes(), b"#a = 1\n#  2\n#c\nb = 1\n#a = 3\n");
        let mut c = m("a = 1\n#c\n  2\nb = 1\na = 3");
        c.remove("a").unwrap();
        assert_eq!(c.to_bytes(), b"#c\nb = 1\n");
        assert!(matches!(c.remove("zz"), Err(EditError::NoSuchParameter(_))));
    }

    #[test]
    fn replace_at_checks_the_text() {
        let mut c = m("x = a,\n  hash:/etc/x\n");
        assert!(c.replace_at(2, 0, "hash", "lmdb").is_err());
        c.replace_at(2, 2, "hash", "lmdb").unwrap();
        assert_eq!(c.value("x"), Some("a,  lmdb:/etc/x"));
    }

    #[test]
    fn value_positions_follow_continuations() {
        let c = m("x = a,\n  hash:/etc/x\n");
        let p = c.get("x").unwrap();
        let off = p.value.find("hash").unwrap();
        assert_eq!(c.value_position(p, off), Some((2, 2)));
    }
}
