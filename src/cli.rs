//! Command-line interface: the contract in interface.md. Parsing only; each command's
//! work lives in its own module.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "postfix-preupgrade",
    version,
    about = "Find and fix what breaks in Postfix across RHEL in-place upgrades",
    long_about = "Scans the installed Postfix (version, packages, every instance's main.cf and \
                  master.cf and the files they name) for what the next RHEL release breaks or \
                  changes, reports it as text, JSON or a leapp report, and can apply the fixes \
                  safely and reversibly."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Inspect the system installed under DIR (like rpm --root)
    #[arg(long, value_name = "DIR", global = true, default_value = "/")]
    pub root: PathBuf,
    /// Primary Postfix config directory (default /etc/postfix under the root)
    #[arg(short = 'c', long = "config-dir", value_name = "DIR", global = true)]
    pub config_dir: Option<PathBuf>,
    /// Release being upgraded to: rhel8, rhel9, rhel10 (aliases el9, 9, 9.6 ...)
    #[arg(long, value_name = "RELEASE", global = true)]
    pub target: Option<String>,
    /// Override the detected source release
    #[arg(long, value_name = "RELEASE", global = true)]
    pub source: Option<String>,
    /// Override the detected installed Postfix version
    #[arg(long = "postfix-version", value_name = "X.Y.Z", global = true)]
    pub postfix_version: Option<String>,
    /// When to use colour
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        global = true,
        default_value = "auto"
    )]
    pub color: ColorWhen,
    /// Less output on stderr
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// More detail on stderr (repeat for more)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl GlobalOpts {
    /// The options as the command line gives them with nothing but `--root DIR`; set the
    /// other fields with struct update syntax (`GlobalOpts { target: .., ..for_root(r) }`).
    pub fn for_root(root: impl Into<PathBuf>) -> GlobalOpts {
        GlobalOpts {
            root: root.into(),
            config_dir: None,
            target: None,
            source: None,
            postfix_version: None,
            color: ColorWhen::Auto,
            quiet: false,
            verbose: 0,
        }
    }
}

/// What facts are collected about: the global options without the output ones.
impl From<&GlobalOpts> for crate::facts::Request {
    fn from(g: &GlobalOpts) -> Self {
        crate::facts::Request {
            root: g.root.clone(),
            config_dir: g.config_dir.clone(),
            target: g.target.clone(),
            source: g.source.clone(),
            postfix_version: g.postfix_version.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Leapp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LeappSchema {
    #[default]
    #[value(name = "1.2.0")]
    V120,
    #[value(name = "1.1.0")]
    V110,
}

#[derive(Debug, Clone, Args, Default)]
pub struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these checks
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these checks
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Exit 1 when any finding is at or above SEVERITY
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    pub fail_on: Option<crate::finding::Severity>,
    /// leapp report schema version for --format leapp
    #[arg(long = "leapp-schema", value_enum, default_value = "1.2.0")]
    pub leapp_schema: LeappSchema,
}

#[derive(Debug, Clone, Args)]
pub struct FixArgs {
    /// Show the plan (unified diff and commands) and change nothing
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Answer yes to the confirmation
    #[arg(short = 'y', long = "assumeyes")]
    pub assume_yes: bool,
    /// Also apply fixes that need review
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Fix only these checks
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not fix these checks
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Run `postfix reload` after a successful fix
    #[arg(long)]
    pub reload: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowWhat {
    Main,
    Master,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect facts, run every check and print the report (the default)
    Check(CheckArgs),
    /// Apply the remediations, with backup, validation and rollback
    Fix(FixArgs),
    /// After the upgrade: check that the installed Postfix works with this configuration
    Verify(CheckArgs),
    /// Restore the files of a backup (default: the latest)
    Undo {
        /// Backup id, as printed by fix
        backup_id: Option<String>,
        /// Restore even files that changed since the fix wrote them (their current
        /// versions are saved first, in the undo's own backup)
        #[arg(long)]
        force: bool,
    },
    /// List every check
    Checks,
    /// Print a check's full documentation
    Explain {
        /// Check id
        id: String,
    },
    /// Print the collected facts as JSON
    Facts,
    /// Print the parsed configuration like postconf -n / postconf -M
    Show {
        #[arg(value_enum)]
        what: ShowWhat,
    },
    /// Merge many hosts' JSON reports into one fleet report
    Aggregate(crate::aggregate::AggregateArgs),
}

/// Exit codes from interface.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INHIBITOR: u8 = 1;
    pub const FAILURE: u8 = 2;
    pub const PARTIAL_FIX: u8 = 3;
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::FAILURE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("postfix-preupgrade: error: {}", error_chain(&e));
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// An error and its causes on one line, leaving out a cause whose text the message
/// before it already ends with (our errors name the path and carry the io error).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Run a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let command = cli.command.unwrap_or(Command::Check(CheckArgs::default()));
    match command {
        Command::Checks => {
            let table = crate::report::catalog::render_checks(crate::checks::CHECKS);
            crate::report::print_stdout(table.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Explain { id } => {
            let all: Vec<&dyn crate::checks::Check> = crate::checks::CHECKS
                .iter()
                .chain(crate::verify::VERIFY_ONLY)
                .copied()
                .collect();
            let text = crate::report::catalog::explain(&all, &id)?;
            crate::report::print_stdout(text.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Facts => {
            let facts = crate::facts::collect(&cli.global)?;
            let mut json = serde_json::to_string_pretty(&facts)?;
            json.push('\n');
            crate::report::print_stdout(json.as_bytes())?;
            Ok(exit::OK)
        }
        Command::Check(args) => {
            let facts = crate::facts::collect(&cli.global)?;
            crate::report::run_check_command(&facts, &args, &cli.global)
        }
        Command::Show { what } => show(&cli.global, what),
        Command::Fix(args) => crate::fix::run_fix(&cli.global, &args),
        Command::Verify(args) => crate::verify::run_verify(&cli.global, &args),
        Command::Undo { backup_id, force } => {
            crate::fix::run_undo(&cli.global, backup_id.as_deref(), force)
        }
        Command::Aggregate(args) => crate::aggregate::run(&args, &cli.global),
    }
}

/// `show main|master` for the primary config directory (`-c`), read inside `--root`.
fn show(global: &GlobalOpts, what: ShowWhat) -> anyhow::Result<u8> {
    use crate::config::{MainCf, MasterCf, Reporter, Severity};
    use crate::error::Error;
    let dir = global
        .config_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("/etc/postfix"));
    let seen = dir.clone();
    let root = crate::root::Root::new(&global.root)?;
    // the message names the path as Postfix sees it (errors from Root do so already)
    let read = |name: &str| -> anyhow::Result<Vec<u8>> { Ok(root.read(seen.join(name))?) };
    let fatal = |name: &str, diags: Vec<crate::config::Diagnostic>| -> Result<(), Error> {
        // only what postconf itself refuses; master(8)-only problems are checks' business
        match diags
            .into_iter()
            .find(|d| d.severity == Severity::Fatal && d.reporter == Reporter::Postconf)
        {
            Some(d) => Err(Error::Syntax {
                path: seen.join(name),
                line: d.line,
                message: d.message,
            }),
            None => Ok(()),
        }
    };
    // postconf reads main.cf, then master.cf, and stops at the first fatal error
    let main = MainCf::parse(&read("main.cf")?);
    fatal("main.cf", main.diagnostics())?;
    let master = MasterCf::parse(&read("master.cf")?);
    fatal("master.cf", master.diagnostics())?;
    let text = match what {
        ShowWhat::Main => crate::config::show_main(&main),
        ShowWhat::Master => crate::config::show_master(&master),
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(exit::OK)
}
