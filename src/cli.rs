//! Command-line interface: the contract in interface.md. Parsing only: the clap types
//! are mapped to plain request values ([`crate::facts::Request`],
//! [`commands::check::Request`], [`crate::fix::Request`], ...) and each command's work is
//! done by its module in [`crate::commands`]. Nothing below this module imports it.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aggregate::AggregateFormat;
use crate::commands::{self, Ui};
pub use crate::policy::exit;
pub use crate::report::{ColorWhen, Format, LeappSchema};

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

/// How commands talk to the user: the global options that are not facts.
impl From<&GlobalOpts> for Ui {
    fn from(g: &GlobalOpts) -> Self {
        Ui {
            color: g.color,
            quiet: g.quiet,
            verbose: g.verbose,
        }
    }
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

impl From<&CheckArgs> for commands::check::Request {
    fn from(a: &CheckArgs) -> Self {
        commands::check::Request {
            format: a.format,
            output: a.output.clone(),
            only: a.only.clone(),
            skip: a.skip.clone(),
            fail_on: a.fail_on,
            leapp_schema: a.leapp_schema,
        }
    }
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

impl From<&FixArgs> for crate::fix::Request {
    fn from(a: &FixArgs) -> Self {
        crate::fix::Request {
            dry_run: a.dry_run,
            assume_yes: a.assume_yes,
            unsafe_fixes: a.unsafe_fixes,
            only: a.only.clone(),
            skip: a.skip.clone(),
            reload: a.reload,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowWhat {
    Main,
    Master,
}

impl From<ShowWhat> for commands::show::What {
    fn from(w: ShowWhat) -> Self {
        match w {
            ShowWhat::Main => commands::show::What::Main,
            ShowWhat::Master => commands::show::What::Master,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct AggregateArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: AggregateFormat,
    /// Write the fleet report to FILE (atomically) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Host reports (check --format json) or directories of them (*.json)
    #[arg(value_name = "PATH", required = true, num_args = 1..)]
    pub paths: Vec<PathBuf>,
}

impl From<&AggregateArgs> for commands::aggregate::Request {
    fn from(a: &AggregateArgs) -> Self {
        commands::aggregate::Request {
            paths: a.paths.clone(),
            format: a.format,
            output: a.output.clone(),
        }
    }
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
    Aggregate(AggregateArgs),
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

/// Run a parsed command line: map it to its command's request and run that; returns the
/// exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let command = cli.command.unwrap_or(Command::Check(CheckArgs::default()));
    let facts = crate::facts::Request::from(&cli.global);
    let ui = Ui::from(&cli.global);
    match command {
        Command::Checks => commands::checks::run(),
        Command::Explain { id } => commands::explain::run(&id),
        Command::Facts => commands::facts::run(&facts),
        Command::Check(args) => commands::check::run(&facts, &(&args).into(), &ui),
        Command::Show { what } => commands::show::run(&facts, what.into()),
        Command::Fix(args) => commands::fix::run(&facts, &(&args).into()),
        Command::Verify(args) => commands::verify::run(&facts, &(&args).into(), &ui),
        Command::Undo { backup_id, force } => {
            commands::undo::run(&facts.root, backup_id.as_deref(), force)
        }
        Command::Aggregate(args) => commands::aggregate::run(&(&args).into(), &ui),
    }
}
