//! `show main` / `show master`: `postconf -n` and `postconf -M` output.
use super::main_cf::MainCf;
use super::master_cf::MasterCf;

/// `postconf -n`: effective parameters sorted by name, `name = value`, every run of
/// whitespace in the value collapsed to one space.
pub fn show_main(main: &MainCf) -> String {
    let mut ps = main.effective();
    ps.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut out = String::new();
    for p in ps {
        let words: Vec<&str> = p
            .value
            .split(|c: char| c.is_ascii() && super::lines::is_space(c as u8))
            .filter(|w| !w.is_empty())
            .collect();
        out.push_str(&p.name);
        out.push_str(" =");
        if !words.is_empty() {
            out.push(' ');
            out.push_str(&words.join(" "));
        }
        out.push('\n');
    }
    out
}

/// Postconf's column goals for the eight fields.
const COLUMNS: [usize; 8] = [0, 11, 17, 25, 33, 41, 49, 57];

fn has_blank(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// `postconf -M`: one line per entry in file order, fields padded to postconf's columns,
/// then the normalised arguments; `-o` values and arguments with blanks in `{}`.
pub fn show_master(master: &MasterCf) -> String {
    let mut out = String::new();
    for s in master.services() {
        let mut line = String::new();
        for (i, f) in s.fields().iter().enumerate() {
            if i > 0 {
                loop {
                    line.push(' ');
                    if line.len() >= COLUMNS[i] {
                        break;
                    }
                }
            }
            line.push_str(f);
        }
        let mut in_options = true;
        let mut k = 0;
        let args = s.args();
        while k < args.len() {
            let a = &args[k];
            if in_options {
                if !a.starts_with('-') || a == "--" {
                    in_options = false;
                } else if a.as_bytes().get(1) == Some(&b'o') && k + 1 < args.len() {
                    let v = &args[k + 1];
                    line.push(' ');
                    line.push_str(a);
                    line.push(' ');
                    if has_blank(v) {
                        line.push('{');
                        line.push_str(v);
                        line.push('}');
                    } else {
                        line.push_str(v);
                    }
                    k += 2;
                    continue;
                }
            }
            line.push(' ');
            if has_blank(a) {
                line.push('{');
                line.push_str(a);
                line.push('}');
            } else {
                line.push_str(a);
            }
            k += 1;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
