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
const USAGE: &str = "usage: postfix-preupgrade-gen completions OUTDIR | man-checks";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["completions", dir] => completions(PathBuf::from(dir)),
        ["man-checks"] => man_checks(),
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

/// Print the man page's CHECKS section body: one `.TP` entry per registered check, its id in
/// bold and its title, in registry order.
fn man_checks() -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    for check in CHECKS {
        writeln!(
            out,
            ".TP\n.B {}\n{}",
            check.id().replace('-', "\\-"),
            roff_escape(check.title())
        )
        .map_err(|e| format!("stdout: {e}"))?;
    }
    Ok(())
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
