//! Build-time helper, not installed: writes the shell completions generated from the clap
//! definition in `postfix_preupgrade::cli`, and the man page's CHECKS section generated from
//! the check registry, so neither can drift from the code. The RPM spec runs it after the
//! release build; `tests/pkg_man.rs` compares its output with `man/postfix-preupgrade.8`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use postfix_preupgrade::checks::CHECKS;
use postfix_preupgrade::cli::Cli;

const BIN: &str = "postfix-preupgrade";
const USAGE: &str =
    "usage: postfix-preupgrade-gen completions OUTDIR | man-checks [--write MAN_PAGE]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["completions", dir] => completions(PathBuf::from(dir)),
        ["man-checks"] => {
            let mut out = std::io::stdout().lock();
            out.write_all(man_checks().as_bytes())
                .map_err(|e| format!("stdout: {e}"))
        }
        ["man-checks", "--write", page] => write_man_checks(PathBuf::from(page)),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("postfix-preupgrade-gen: {e}");
            ExitCode::from(2)
        }
    }
}

/// Write `postfix-preupgrade.bash`, `_postfix-preupgrade` (zsh) and `postfix-preupgrade.fish`
/// into `dir` (created if missing).
fn completions(dir: PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut cmd = Cli::command();
        let path = clap_complete::generate_to(shell, &mut cmd, BIN, &dir)
            .map_err(|e| format!("{}: {shell}: {e}", dir.display()))?;
        if shell == Shell::Bash {
            fix_bash_state_labels(&path)?;
        }
        println!("{}", path.display());
    }
    Ok(())
}

/// Work around clap-rs/clap#6421: for a bin name with a hyphen, the bash script's dispatch
/// loop spells the subcommand state `postfix__preupgrade__subcmd__check` while the case arms
/// spell it `postfix__subcmd__preupgrade__subcmd__check`, so no subcommand option ever
/// completes. Respell the arms the way the loop does (tests/pkg_man.rs checks the result).
fn fix_bash_state_labels(path: &std::path::Path) -> Result<(), String> {
    let script = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let wrong = BIN.replace('-', "__subcmd__");
    let right = BIN.replace('-', "__");
    std::fs::write(path, script.replace(&wrong, &right))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The registry as (id, title) pairs, in report order.
fn registry() -> Vec<(&'static str, &'static str)> {
    CHECKS.iter().map(|c| (c.id(), c.title())).collect()
}

/// The man page's CHECKS entries: one `.TP` entry per check, its id in bold and its title.
fn man_entries(checks: &[(&str, &str)]) -> String {
    checks
        .iter()
        .map(|(id, title)| {
            format!(
                ".TP\n.B {}\n{}\n",
                id.replace('-', "\\-"),
                roff_escape(title)
            )
        })
        .collect()
}

fn man_checks() -> String {
    man_entries(&registry())
}

/// Rewrite the CHECKS section of the man page at `path` for the registry; replaced atomically.
fn write_man_checks(path: PathBuf) -> Result<(), String> {
    let page = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = rewrite_checks(&page, &registry()).map_err(|e| format!("{}:{e}", path.display()))?;
    let tmp = path.with_extension("8.tmp");
    std::fs::write(&tmp, out).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The page with its CHECKS section's introduction kept, entries for `checks` regenerated
/// (in their order), and entries for ids not in `checks` kept after them (interface.md
/// requires ids before their checks exist). Errors give the 1-based line.
fn rewrite_checks(page: &str, checks: &[(&str, &str)]) -> Result<String, String> {
    let lines: Vec<&str> = page.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == ".SH CHECKS")
        .ok_or_else(|| " no `.SH CHECKS` line".to_string())?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with(".SH "))
        .map_or(lines.len(), |i| start + 1 + i);
    let first_entry = lines[start..end]
        .iter()
        .position(|l| l.trim_end() == ".TP")
        .map_or(end, |i| start + i);
    let registered: Vec<String> = checks
        .iter()
        .map(|(id, _)| id.replace('-', "\\-"))
        .collect();
    let mut kept = String::new();
    let mut keep = false;
    for (i, line) in lines.iter().enumerate().take(end).skip(first_entry) {
        if line.trim_end() == ".TP" {
            let id = lines
                .get(i + 1)
                .and_then(|l| l.trim_end().strip_prefix(".B "))
                .ok_or_else(|| format!("{}: `.B id` expected after .TP", i + 2))?;
            keep = !registered.iter().any(|r| r == id);
        }
        if keep {
            kept.push_str(line);
        }
    }
    let mut out = String::new();
    out.extend(lines[..first_entry].iter().copied());
    out.push_str(&man_entries(checks));
    out.push_str(&kept);
    out.extend(lines[end..].iter().copied());
    Ok(out)
}

/// Escape text for a roff text line: backslashes, and a leading `.` or `'` that roff would
/// read as a request.
fn roff_escape(text: &str) -> String {
    let s = text.replace('\\', "\\e");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = ".TH X 8\n.SH CHECKS\nIntro.\n.TP\n.B nis\\-map\nold title\n.TP\n.B pcre\\-x\\-flag\nkept as is\n.SH EXAMPLES\nx\n";

    #[test]
    fn rewrite_regenerates_registered_and_keeps_the_others() {
        let out = rewrite_checks(
            PAGE,
            &[("new-check", ".odd \\ title"), ("nis-map", "NIS maps")],
        )
        .unwrap();
        assert_eq!(
            out,
            ".TH X 8\n.SH CHECKS\nIntro.\n.TP\n.B new\\-check\n\\&.odd \\e title\n\
             .TP\n.B nis\\-map\nNIS maps\n.TP\n.B pcre\\-x\\-flag\nkept as is\n.SH EXAMPLES\nx\n"
        );
        // Idempotent, and the identity for an empty registry.
        assert_eq!(
            rewrite_checks(
                &out,
                &[("new-check", ".odd \\ title"), ("nis-map", "NIS maps")]
            )
            .unwrap(),
            out
        );
        assert_eq!(rewrite_checks(PAGE, &[]).unwrap(), PAGE);
    }

    #[test]
    fn rewrite_names_the_line_of_a_broken_entry() {
        let err = rewrite_checks(".SH CHECKS\n.TP\nnot bold\n", &[]).unwrap_err();
        assert_eq!(err, "3: `.B id` expected after .TP");
        assert!(rewrite_checks(".SH NAME\n", &[]).is_err());
    }
}
