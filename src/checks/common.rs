//! Small helpers every check may want: findings located at a main.cf parameter, a
//! master.cf service or `-o` override, or a lookup-table reference; the physical lines
//! as written; the words for a file the upgrade replaces; the `fix` command line.
//!
//! They only fill in data. Severity, summary and remediation stay the check's choice.
use std::path::{Path, PathBuf};

pub use crate::config::SharedTexts;
use crate::config::{written_lines, ConfigFile, MapRef, Override, Param, Service};
use crate::facts::{Facts, Instance};
use crate::finding::{ArcStr, Finding, Link, Related, Severity};

/// Fill a finding's [`Location::lines`](crate::finding::Location) with the file's
/// physical lines at its location (`line..=end_line`), which the text report quotes
/// after its `|` marker (`text` stays what the check found there: a value, a token).
/// The file is the in-memory copy for an instance's main.cf/master.cf, else read
/// through the root; without a line, or when the file cannot be read, nothing is
/// quoted.
pub fn quote_as_written(facts: &Facts, f: &mut Finding) {
    let (Some(file), Some(line)) = (f.location.file.as_deref(), f.location.line) else {
        f.location.lines = None;
        return;
    };
    let end = f.location.end_line.unwrap_or(line).max(line);
    let path = Path::new(file);
    // main.cf/master.cf through their line index: no copy of the file per finding
    let in_memory = facts.instances.iter().find_map(|inst| {
        if inst.main_cf.as_ref().is_some_and(|l| l.path == path) {
            Some(config_lines(inst, ConfigFile::Main, line, end))
        } else if inst.master_cf.as_ref().is_some_and(|l| l.path == path) {
            Some(config_lines(inst, ConfigFile::Master, line, end))
        } else {
            None
        }
    });
    let text = in_memory.or_else(|| {
        let b = facts.root.read(path).ok()?;
        Some(written_lines(&b, line, end))
    });
    // most findings quote the very lines their text is: share that string
    f.location.lines = text
        .filter(|t| !t.is_empty())
        .map(|t| match &f.location.text {
            Some(same) if **same == *t => same.clone(),
            _ => t.into(),
        });
}

/// System path of an instance's main.cf or master.cf.
pub fn config_path(inst: &Instance, file: ConfigFile) -> PathBuf {
    match file {
        ConfigFile::Main => inst
            .main_cf
            .as_ref()
            .map(|l| l.path.clone())
            .unwrap_or_else(|| inst.main_cf_path()),
        ConfigFile::Master => inst
            .master_cf
            .as_ref()
            .map(|l| l.path.clone())
            .unwrap_or_else(|| inst.master_cf_path()),
    }
}

/// The bytes of an instance's main.cf or master.cf (empty when missing).
pub fn config_bytes(inst: &Instance, file: ConfigFile) -> &[u8] {
    match file {
        ConfigFile::Main => inst.main().as_bytes(),
        ConfigFile::Master => inst.master().map(|m| m.as_bytes()).unwrap_or(&[]),
    }
}

/// Physical lines `line..=end_line` of an instance's main.cf or master.cf as written (see
/// [`written_lines`]), through the parsed document's line index: the cost is the lines
/// quoted, not the file.
pub fn config_lines(inst: &Instance, file: ConfigFile, line: usize, end_line: usize) -> String {
    match file {
        ConfigFile::Main => inst.main().quote_lines(line, end_line),
        ConfigFile::Master => inst
            .master()
            .map(|m| m.quote_lines(line, end_line))
            .unwrap_or_default(),
    }
}

/// `file:line` for a place in an instance's config, as a person reads it.
pub fn place(inst: &Instance, file: ConfigFile, line: usize) -> String {
    format!("{}:{line}", config_path(inst, file).display())
}

/// A finding located in an instance's main.cf or master.cf at physical lines
/// `line..=end_line`, `text` being those lines as written. The file is also a related
/// resource.
pub fn finding_at_lines(
    id: &str,
    severity: Severity,
    title: impl Into<ArcStr>,
    inst: &Instance,
    file: ConfigFile,
    line: usize,
    end_line: usize,
) -> Finding {
    let mut f = Finding::new(id, severity, title);
    let path = config_path(inst, file).display().to_string();
    f.location.file = Some(path.clone());
    f.location.line = Some(line);
    f.location.end_line = Some(end_line.max(line));
    f.location.text = Some(config_lines(inst, file, line, end_line).into());
    f.related.push(Related::file(path));
    f
}

/// A finding located at a main.cf parameter definition (all its physical lines).
pub fn at_param(
    id: &str,
    severity: Severity,
    title: impl Into<ArcStr>,
    inst: &Instance,
    p: &Param,
) -> Finding {
    let mut f = finding_at_lines(
        id,
        severity,
        title,
        inst,
        ConfigFile::Main,
        p.line,
        p.end_line,
    );
    f.location.parameter = Some(p.name.clone().into());
    f
}

/// A finding located at a master.cf entry (all its physical lines), `service` set.
pub fn at_service(
    id: &str,
    severity: Severity,
    title: impl Into<ArcStr>,
    inst: &Instance,
    s: &Service,
) -> Finding {
    let mut f = finding_at_lines(
        id,
        severity,
        title,
        inst,
        ConfigFile::Master,
        s.line,
        s.end_line,
    );
    f.location.service = Some(s.id().into());
    f
}

/// A finding located at one `-o` override of a master.cf entry: the physical line that
/// holds its value, `service` and `parameter` set.
pub fn at_override(
    id: &str,
    severity: Severity,
    title: impl Into<ArcStr>,
    inst: &Instance,
    s: &Service,
    o: &Override,
) -> Finding {
    let mut f = finding_at_lines(
        id,
        severity,
        title,
        inst,
        ConfigFile::Master,
        o.line,
        o.line,
    );
    f.location.service = Some(s.id().into());
    f.location.parameter = Some(o.name.clone().into());
    f
}

/// A finding located where a table reference is used: its file and physical line, the
/// parameter (or `-o` name) and service.
pub fn at_map_ref(
    id: &str,
    severity: Severity,
    title: impl Into<ArcStr>,
    inst: &Instance,
    r: &MapRef,
) -> Finding {
    let mut f = finding_at_lines(id, severity, title, inst, r.file, r.line, r.line);
    f.location.parameter = Some(r.parameter.clone());
    f.location.service = r.service.clone();
    f
}

/// The sentence findings on a file carry when the upgrade replaces that file with the
/// target's stock copy (an unmodified `%config(noreplace)` file): the problem goes away
/// with the file, so it is information, not a task.
pub fn replaced_on_upgrade_note(path: &str) -> String {
    format!(
        "{path} is unmodified from its package, so the upgrade replaces it with the target \
         release's stock file: this goes away with it (reported as info)."
    )
}

/// `postfix-preupgrade fix --only ID` as an argv list (a check with many findings makes
/// it once and clones it: the words are shared).
pub fn fix_command(id: &str) -> Vec<ArcStr> {
    vec![
        arcstr::literal!("postfix-preupgrade"),
        arcstr::literal!("fix"),
        arcstr::literal!("--only"),
        id.into(),
    ]
}

/// `postconf -c DIR` followed by `rest`, for commands that act on one instance.
pub fn postconf_command(inst: &Instance, rest: &[&str]) -> Vec<ArcStr> {
    let mut v = vec![arcstr::literal!("postconf"), arcstr::literal!("-c")];
    v.push(inst.config_directory.display().to_string().into());
    v.extend(rest.iter().map(|s| ArcStr::from(*s)));
    v
}

/// An argv list of owned strings (what `fix` plans carry).
pub fn owned(argv: Vec<ArcStr>) -> Vec<String> {
    argv.iter().map(ArcStr::to_string).collect()
}

/// An argv list from string slices.
pub fn argv(parts: &[&str]) -> Vec<ArcStr> {
    parts.iter().map(|s| ArcStr::from(*s)).collect()
}

/// A documentation link.
pub fn link(url: &str, title: &str) -> Link {
    Link {
        url: url.to_string().into(),
        title: title.to_string().into(),
    }
}

/// Whether a system path is absolute (a table name that names a file).
pub fn is_file_name(name: &str) -> bool {
    Path::new(name).is_absolute()
}

/// Whether `/etc/services` under the root names a TCP service `name` (as its name or an
/// alias), as getservbyname(3) would find it. `None` when the file cannot be read.
pub fn etc_services_names(facts: &Facts, name: &str) -> Option<bool> {
    let text = facts.root.read_to_string("/etc/services").ok()?;
    Some(services_text_names(&text, name))
}

/// [`etc_services_names`] over the text of a services(5) file.
pub fn services_text_names(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_ascii_whitespace();
        let (Some(first), Some(port)) = (words.next(), words.next()) else {
            return false;
        };
        port.ends_with("/tcp") && (first == name || words.any(|a| a == name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_lines_as_in_the_file() {
        let d = b"a = 1\r\nb = 2\n  3\nc = 4";
        assert_eq!(written_lines(d, 1, 1), "a = 1");
        assert_eq!(written_lines(d, 2, 3), "b = 2\n  3");
        assert_eq!(written_lines(d, 4, 2), "c = 4");
        assert_eq!(written_lines(d, 9, 9), "");
    }

    #[test]
    fn commands() {
        assert_eq!(
            fix_command("berkeley-db-map"),
            ["postfix-preupgrade", "fix", "--only", "berkeley-db-map"]
        );
        assert!(replaced_on_upgrade_note("/etc/postfix/main.cf").contains("replaces it"));
    }

    #[test]
    fn services_names_and_aliases() {
        let t = "# c\nurd  465/tcp  smtps # old\nsubmission 587/tcp msa\nfoo 1/udp smtps2\n";
        assert!(services_text_names(t, "smtps"));
        assert!(services_text_names(t, "urd"));
        assert!(services_text_names(t, "msa"));
        assert!(!services_text_names(t, "submissions"));
        assert!(!services_text_names(t, "smtps2"), "udp only");
        assert!(!services_text_names(t, "old"), "comment");
    }
}
