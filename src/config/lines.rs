//! Physical and logical lines, exactly as Postfix's `readllines()` groups them.
//!
//! A logical line starts at a line whose first byte is neither whitespace nor `#`.
//! Lines that are empty, all whitespace, or whose first non-blank byte is `#` are
//! skipped and never end an entry. Any other line that starts with whitespace continues
//! the entry above; its text is appended as is (Postfix drops only the newline).

/// Postfix's `ISSPACE`: ASCII space, \t, \n, \v, \f, \r.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One physical line: byte range of its content (without the `\n`) in the file. Line
/// `n` (1-based) is at index `n - 1` of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Phys {
    pub start: usize,
    /// End of the content (the `\n`, if any, is at `end`).
    pub end: usize,
}

/// Split into physical lines. A final segment without `\n` counts only when non-empty.
pub(crate) fn physical(data: &[u8]) -> Vec<Phys> {
    // sized once: the index of a big file is kept with it, and a doubling vector holds
    // its old and new buffers at once
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut out = Vec::with_capacity(lines);
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            out.push(Phys { start, end: i });
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push(Phys {
            start,
            end: data.len(),
        });
    }
    out
}

/// A piece of a logical line: one physical line's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seg {
    pub line: usize,
    /// Byte offset of the piece in the file.
    pub file_off: usize,
    /// Byte offset of the piece in the logical text.
    pub logical_off: usize,
    pub len: usize,
}

/// A logical line (an entry) with the pieces it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Logical {
    pub segs: Vec<Seg>,
    /// True when the first line starts with whitespace (Postfix skips it with a warning).
    pub orphan: bool,
}

impl Logical {
    pub fn line(&self) -> usize {
        self.segs[0].line
    }
    pub fn end_line(&self) -> usize {
        self.segs[self.segs.len() - 1].line
    }
    /// The joined text, cut at the first NUL byte as Postfix's C strings are.
    pub fn text(&self, data: &[u8]) -> Vec<u8> {
        let mut t = Vec::new();
        for s in &self.segs {
            t.extend_from_slice(&data[s.file_off..s.file_off + s.len]);
        }
        if let Some(p) = t.iter().position(|&b| b == 0) {
            t.truncate(p);
        }
        t
    }
    /// Map an offset in the logical text to (physical line, byte offset in the file).
    pub fn locate(&self, off: usize) -> (usize, usize) {
        let idx = match self.segs.binary_search_by(|s| s.logical_off.cmp(&off)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let s = self.segs[idx];
        (s.line, s.file_off + (off - s.logical_off))
    }
}

/// Whether a physical line is skipped: empty, all whitespace, or a comment.
fn skipped(content: &[u8]) -> bool {
    match content.iter().position(|&b| !is_space(b)) {
        None => true,
        Some(i) => content[i] == b'#',
    }
}

/// Group the file into logical lines. Linear in the input.
pub(crate) fn logical(data: &[u8], phys: &[Phys]) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut cur: Option<Logical> = None;
    for (i, p) in phys.iter().enumerate() {
        let no = i + 1;
        let content = &data[p.start..p.end];
        if skipped(content) {
            continue;
        }
        let starts_blank = is_space(content[0]);
        if starts_blank {
            if let Some(c) = cur.as_mut() {
                let lo = c.segs.last().map(|s| s.logical_off + s.len).unwrap_or(0);
                c.segs.push(Seg {
                    line: no,
                    file_off: p.start,
                    logical_off: lo,
                    len: content.len(),
                });
                continue;
            }
        }
        if let Some(mut c) = cur.take() {
            // kept with the parsed file for the run: no growth slack per entry
            c.segs.shrink_to_fit();
            out.push(c);
        }
        cur = Some(Logical {
            segs: vec![Seg {
                line: no,
                file_off: p.start,
                logical_off: 0,
                len: content.len(),
            }],
            orphan: starts_blank,
        });
    }
    if let Some(mut c) = cur.take() {
        c.segs.shrink_to_fit();
        out.push(c);
    }
    out.shrink_to_fit();
    out
}

/// The logical line that [`logical`] finds from physical `line` (1-based, not skipped) to
/// `end_line`, built again from the line index: the cost is its lines, not the file.
pub(crate) fn logical_at(data: &[u8], phys: &[Phys], line: usize, end_line: usize) -> Logical {
    let mut segs = Vec::new();
    let mut logical_off = 0;
    for no in line..=end_line.max(line) {
        let p = phys[no - 1];
        let content = &data[p.start..p.end];
        if no > line && skipped(content) {
            continue;
        }
        segs.push(Seg {
            line: no,
            file_off: p.start,
            logical_off,
            len: content.len(),
        });
        logical_off += content.len();
    }
    Logical {
        orphan: is_space(data[phys[line - 1].start]),
        segs,
    }
}

/// Physical lines `line..=end_line` (1-based; `end_line` below `line` means `line`) as
/// written, each without its `\r\n`/`\n`, joined with `\n`, invalid UTF-8 shown as
/// U+FFFD. Lines past the end are left out, except the empty line after a final newline
/// (a `split('\n')` of the file has it). Costs the lines quoted, not the file: `phys`
/// is the document's line index.
pub(crate) fn quote(data: &[u8], phys: &[Phys], line: usize, end_line: usize) -> String {
    let first = line.max(1);
    let last = end_line.max(line);
    let mut out = String::new();
    if last < first {
        return out;
    }
    // the pieces a split('\n') gives: the physical lines, plus an empty last one when the
    // file is empty or ends with a newline
    let pieces = phys.len() + usize::from(data.is_empty() || data.ends_with(b"\n"));
    for no in first..=last.min(pieces) {
        if no > first {
            out.push('\n');
        }
        if let Some(p) = phys.get(no - 1) {
            let b = &data[p.start..p.end];
            let b = b.strip_suffix(b"\r").unwrap_or(b);
            out.push_str(&String::from_utf8_lossy(b));
        }
    }
    out
}

/// Physical lines `line..=end_line` (1-based) of `data` as written, joined with `\n`,
/// without line terminators; empty when the range is outside the file. It decodes and
/// splits the whole file: for main.cf and master.cf, quote through their line index
/// instead (once per finding this is quadratic in the file).
pub fn written_lines(data: &[u8], line: usize, end_line: usize) -> String {
    let text = String::from_utf8_lossy(data);
    text.split('\n')
        .enumerate()
        .filter(|(i, _)| *i + 1 >= line && *i < end_line.max(line))
        .map(|(_, l)| l.strip_suffix('\r').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lossy conversion for semantic values; `exact` says whether byte offsets still match.
pub(crate) fn lossy(b: &[u8]) -> (String, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_string(), true),
        Err(_) => (String::from_utf8_lossy(b).into_owned(), false),
    }
}

/// First `n` bytes of a text for messages, like Postfix's `%.30s`.
pub(crate) fn clip(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut e = n;
    while !s.is_char_boundary(e) {
        e -= 1;
    }
    s[..e].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_splitting_the_whole_file() {
        let files: [&[u8]; 9] = [
            b"",
            b"\n",
            b"a = 1",
            b"a = 1\n",
            b"a = 1\r\nb = 2\r\n  3\r\n",
            b"a = 1\n\n# c\nb = \xff\xfe\n  x\xc3\n",
            b"\r\n\r",
            b"x\n\n\n",
            b"one\ntwo\nthree",
        ];
        for data in files {
            let phys = physical(data);
            for line in 0..7 {
                for end in 0..7 {
                    assert_eq!(
                        quote(data, &phys, line, end),
                        written_lines(data, line, end),
                        "{data:?} {line}..={end}"
                    );
                }
            }
        }
    }

    fn groups(s: &str) -> Vec<(usize, usize, bool, String)> {
        let d = s.as_bytes();
        let p = physical(d);
        logical(d, &p)
            .iter()
            .map(|l| {
                (
                    l.line(),
                    l.end_line(),
                    l.orphan,
                    String::from_utf8(l.text(d)).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn logical_at_finds_each_logical_line_again() {
        for s in [
            "a = 1\n  b\n#c\n\n  d\nfoo\n",
            "#x\n  orphan\n  more\nb=1",
            "a\r\n \t\r\n  # c\r\n  x\r\nb\n\n",
            "a = x\0y\n  z",
        ] {
            let d = s.as_bytes();
            let p = physical(d);
            for l in logical(d, &p) {
                assert_eq!(logical_at(d, &p, l.line(), l.end_line()), l, "{s:?}");
            }
        }
    }

    #[test]
    fn comments_and_blank_lines_do_not_end_entries() {
        let g = groups("a = 1\n  b\n#c\n\n  d\nfoo\n");
        assert_eq!(g[0], (1, 5, false, "a = 1  b  d".into()));
        assert_eq!(g[1], (6, 6, false, "foo".into()));
    }

    #[test]
    fn orphan_takes_its_continuations() {
        let g = groups("#x\n  orphan\n  more\nb=1");
        assert_eq!(g[0], (2, 3, true, "  orphan  more".into()));
        assert_eq!(g[1], (4, 4, false, "b=1".into()));
    }

    #[test]
    fn nul_cuts_text_and_final_line_counts() {
        let g = groups("a = x\0y\n  z");
        assert_eq!(g[0], (1, 2, false, "a = x".into()));
        assert_eq!(physical(b"a\n").len(), 1);
        assert_eq!(physical(b"a\nb").len(), 2);
    }
}
