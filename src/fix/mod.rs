//! `fix` and `undo`: safe, verified, reversible remediation.
//!
//! A fix is data ([`plan::Fix`]: edits to the lossless documents, commands, an
//! applicability). The flow of [`run_fix`]:
//!
//! 1. plan ([`plan::plan`], already at a fixed point in memory);
//! 2. show it: a unified diff per file and the commands; `--dry-run` stops here;
//! 3. confirm (`Is this ok [y/N]:` on a terminal, `-y`; refuse without either);
//! 4. stage the changed files in a copy of the config directory and validate them with
//!    the real `postconf -c COPY` ([`validate`]): anything new → change nothing;
//! 5. back up every file that will change ([`backup`]);
//! 6. build the lmdb tables, so a table's type switches only once its `.lmdb` exists (a
//!    failed build is rolled back and re-planned without that table: exit 3);
//! 7. replace the config files atomically, keeping owner, mode and xattrs;
//! 8. re-read the files and re-plan: the plan must be empty (the fixed point); once the
//!    checks are registered, [`recheck_findings`] runs the engine too;
//! 9. report what was done and what is left for after the upgrade.
pub mod backup;
pub mod berkeley;
pub mod compat;
pub mod deprecated;
pub mod fsops;
pub mod master;
pub mod nis;
pub mod plan;
pub mod rhel_params;
pub mod smtps;
pub mod validate;

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

pub use plan::{
    plan, planner_ids, Draft, FileChange, Fix, Left, Plan, PlanOptions, Planner, Rebuild, Support,
    Tool, When, PLANNERS,
};

use crate::cli::{exit, FixArgs, GlobalOpts};
use crate::error::Error;
use crate::facts::Facts;
use crate::finding::{Applicability, Finding};
use crate::policy::Selection;
use crate::report::shell;

/// Where backups live on the inspected system.
pub const BACKUP_DIR: &str = "/var/lib/postfix-preupgrade/backups";
/// The lock that stops two fixes (or a fix and an undo) at once.
pub const LOCK_FILE: &str = "/var/lib/postfix-preupgrade/lock";

/// Every id `fix --only/--skip` accepts: the registered checks and the planners' ids.
pub fn known_ids() -> Vec<&'static str> {
    let mut ids = crate::policy::registry_ids();
    ids.extend(planner_ids());
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(*i));
    ids
}

/// Programs `fix` runs, found on the PATH (or given by tests).
#[derive(Debug, Clone, Default)]
pub struct FixTools {
    pub postconf: Option<PathBuf>,
    pub postmap: Option<PathBuf>,
    pub postalias: Option<PathBuf>,
    pub postfix: Option<PathBuf>,
}

impl FixTools {
    pub fn from_path() -> Self {
        let w = crate::facts::rpmdb::which;
        FixTools {
            postconf: w("postconf"),
            postmap: w("postmap"),
            postalias: w("postalias"),
            postfix: w("postfix"),
        }
    }

    fn tool(&self, t: Tool) -> Option<&Path> {
        match t {
            Tool::Postmap => self.postmap.as_deref(),
            Tool::Postalias => self.postalias.as_deref(),
        }
    }
}

/// What the host can do for lmdb: `postconf -m` of the tools that will build the tables
/// must list it, and the inspected system's rpm database (when there is one) must have
/// `postfix-lmdb`.
pub fn lmdb_support(facts: &Facts, tools: &FixTools) -> Option<String> {
    if facts.postfix.has_package("postfix-lmdb") == Some(false) {
        return Some("the postfix-lmdb package is not installed".into());
    }
    let postconf = tools.postconf.as_deref()?;
    match std::process::Command::new(postconf).arg("-m").output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            if text.lines().any(|l| l.trim() == "lmdb") {
                None
            } else {
                Some(format!(
                    "`{} -m` does not list lmdb (postfix-lmdb is not installed)",
                    postconf.display()
                ))
            }
        }
        _ => Some(format!("`{} -m` failed", postconf.display())),
    }
}

/// Run the registered checks over fresh facts (the engine's half of the fixed point) and
/// return the findings `fix` could still address with these options. With the registry
/// empty this is empty; once checks are merged it names what a re-run would still fix.
pub fn recheck_findings(facts: &Facts, sel: &Selection, unsafe_fixes: bool) -> Vec<Finding> {
    crate::engine::run_checks(crate::checks::CHECKS, facts, sel)
        .into_iter()
        .filter(|f| {
            f.fix.available
                && match f.fix.applicability {
                    Some(Applicability::Safe) => true,
                    Some(Applicability::Review) => unsafe_fixes,
                    None => false,
                }
                && planner_ids().contains(&f.id.as_str())
        })
        .collect()
}

/// A unified diff of one file change (lossy text for display; the bytes written are the
/// exact ones).
pub fn unified_diff(change: &FileChange) -> String {
    let old = String::from_utf8_lossy(&change.old);
    let new = String::from_utf8_lossy(&change.new);
    let name = change.path.display().to_string();
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&name, &name)
        .to_string()
}

fn applicability(a: Applicability) -> &'static str {
    match a {
        Applicability::Safe => "safe",
        Applicability::Review => "review",
    }
}

/// The plan as text: diffs, commands, fixes, what is left and what waits for the upgrade.
pub fn render_plan(plan: &Plan) -> String {
    let mut s = String::new();
    if plan.is_empty() {
        s.push_str("Nothing to fix now: a re-run finds no change to make.\n");
    }
    for c in &plan.changes {
        s.push_str(&unified_diff(c));
        if !s.ends_with('\n') {
            s.push('\n');
        }
    }
    if !plan.rebuilds.is_empty() {
        s.push_str("\nCommands (tables built before the config switches to them):\n");
        for r in &plan.rebuilds {
            let _ = writeln!(s, "  {}", shell::join(&r.argv()));
        }
    }
    if !plan.fixes.is_empty() {
        s.push_str("\nFixes applied now:\n");
        for f in &plan.fixes {
            let _ = write!(s, "  [{}] ({}", f.check, applicability(f.applicability));
            if f.instance != "-" {
                let _ = write!(s, ", instance {}", f.instance);
            }
            let _ = write!(s, ") {}", f.summary);
            if let Some(n) = &f.note {
                let _ = write!(s, "; {n}");
            }
            s.push('\n');
        }
    }
    if !plan.left.is_empty() {
        s.push_str("\nLeft unchanged:\n");
        for l in &plan.left {
            let _ = write!(s, "  [{}] ", l.check);
            if l.instance != "-" {
                let _ = write!(s, "(instance {}) ", l.instance);
            }
            let _ = writeln!(s, "{}: {}", l.what, l.reason);
            for c in &l.commands {
                let _ = writeln!(s, "      remedy: {}", shell::join(c));
            }
        }
    }
    if !plan.later.is_empty() {
        s.push_str("\nFor after the upgrade:\n");
        for f in &plan.later {
            let _ = write!(s, "  [{}] ", f.check);
            if f.instance != "-" {
                let _ = write!(s, "(instance {}) ", f.instance);
            }
            let _ = write!(s, "{}", f.summary);
            if let Some(n) = &f.note {
                let _ = write!(s, ": {n}");
            }
            s.push('\n');
            for c in &f.commands {
                let _ = writeln!(s, "      then run: {}", shell::join(c));
            }
        }
    }
    s
}

/// Ask `Is this ok [y/N]:` on the terminal.
fn confirm() -> anyhow::Result<bool> {
    let mut err = std::io::stderr();
    write!(err, "Is this ok [y/N]: ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// Plan options for the command-line arguments.
pub fn options(args: &FixArgs, support: Support) -> Result<PlanOptions, Error> {
    Ok(PlanOptions {
        selection: Selection::new(&args.only, &args.skip, &known_ids())?,
        unsafe_fixes: args.unsafe_fixes,
        support,
    })
}

/// `fix`: the whole flow (see the module documentation). Returns the exit code.
pub fn run_fix(global: &GlobalOpts, args: &FixArgs) -> anyhow::Result<u8> {
    run_fix_with(global, args, &FixTools::from_path())
}

/// [`run_fix`] with the programs given explicitly.
pub fn run_fix_with(global: &GlobalOpts, args: &FixArgs, tools: &FixTools) -> anyhow::Result<u8> {
    let facts = crate::facts::collect(global)?;
    let support = Support {
        lmdb_missing: lmdb_support(&facts, tools),
        failed_tables: Vec::new(),
    };
    let mut opts = options(args, support)?;
    let mut the_plan = plan::plan(&facts, &opts);
    let mut out = std::io::stdout().lock();
    out.write_all(render_plan(&the_plan).as_bytes())?;
    out.flush()?;
    if the_plan.is_empty() {
        return Ok(exit::OK);
    }
    if args.dry_run {
        writeln!(out, "\nDry run: nothing was changed.")?;
        return Ok(exit::OK);
    }
    if !args.assume_yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "postfix-preupgrade: refusing to change files without confirmation: no \
                 terminal to ask on; run again with -y (--assumeyes) or --dry-run"
            );
            return Ok(exit::FAILURE);
        }
        if !confirm()? {
            writeln!(out, "Operation aborted: nothing was changed.")?;
            return Ok(exit::OK);
        }
    }
    let root = &facts.root;
    let _lock = fsops::Lock::acquire(&root.resolve(LOCK_FILE)?)?;

    // 4. validate
    if let Some(postconf) = &tools.postconf {
        if let Err(msg) = validate::validate(&facts, &the_plan, postconf) {
            eprintln!("postfix-preupgrade: validation failed, nothing was changed: {msg}");
            return Ok(crate::policy::fix_exit_code(0, the_plan.fixes.len().max(1)));
        }
    } else {
        eprintln!(
            "postfix-preupgrade: warning: postconf not found: the new files are not validated"
        );
    }

    // 5. back up every file that may change
    let mut bk = backup::Backup::create(root, &the_plan)?;
    writeln!(
        out,
        "\nBackup {} saved in {}",
        bk.id,
        Path::new(BACKUP_DIR).join(&bk.id).display()
    )?;

    // 6. build tables; a failed build is re-planned without that table
    let mut failed: Vec<(PathBuf, String)> = Vec::new();
    // each round blocks at least one more table, so this ends
    loop {
        let errs = build_tables(&facts, &the_plan, tools, &mut bk)?;
        if errs.is_empty() {
            break;
        }
        for (p, m) in &errs {
            eprintln!("postfix-preupgrade: building {}: {m}", p.display());
        }
        failed.extend(errs);
        bk.rollback_created(root)?;
        opts.support.failed_tables = failed.clone();
        the_plan = plan::plan(&facts, &opts);
        if let Some(postconf) = &tools.postconf {
            if let Err(msg) = validate::validate(&facts, &the_plan, postconf) {
                eprintln!("postfix-preupgrade: validation failed, nothing was changed: {msg}");
                return Ok(crate::policy::fix_exit_code(0, failed.len()));
            }
        }
    }

    // 7. apply
    let mut warnings = Vec::new();
    for c in &the_plan.changes {
        let host = root.resolve(&c.path)?;
        let meta = bk.meta_of(&c.path).ok_or_else(|| {
            Error::Other(format!("{}: not in backup {}", c.path.display(), bk.id))
        })?;
        // never write a file whose bytes did not change (or changed under us)
        let cur = std::fs::read(&host).map_err(|e| Error::Io {
            path: c.path.clone(),
            source: e,
        })?;
        if cur != c.old {
            anyhow::bail!(
                "{} changed while fix was running; nothing more was written (undo {} restores the rest)",
                c.path.display(),
                bk.id
            );
        }
        warnings.extend(fsops::replace_atomic(&host, &c.new, meta)?);
    }
    for w in &warnings {
        eprintln!("postfix-preupgrade: warning: {w}");
    }

    // 8. re-check to a fixed point
    let again = crate::facts::collect(global)?;
    let second = plan::plan(&again, &opts);
    let mut not_fixed = 0;
    if !second.is_empty() {
        not_fixed = second.changes.len() + second.rebuilds.len();
        eprintln!(
            "postfix-preupgrade: error: the fixed files are not at a fixed point; a re-run \
             would still change:\n{}",
            render_plan(&second)
        );
    }
    let remaining = recheck_findings(&again, &opts.selection, opts.unsafe_fixes);

    // 9. report
    writeln!(
        out,
        "\nDone: {} fix(es) applied, {} file(s) changed, {} table(s) built.",
        the_plan.fixes.len(),
        the_plan.changes.len(),
        the_plan.rebuilds.len()
    )?;
    for f in &remaining {
        writeln!(out, "  still reported: [{}] {}", f.id, f.title)?;
    }
    let old_dbs: Vec<String> = the_plan
        .rebuilds
        .iter()
        .map(|r| {
            let mut s = r.source.clone().into_os_string();
            s.push(".db");
            PathBuf::from(s)
        })
        .filter(|p| root.exists(p))
        .map(|p| p.display().to_string())
        .collect();
    if !old_dbs.is_empty() {
        let mut cmd = vec!["rm".to_string(), "-f".to_string(), "--".to_string()];
        cmd.extend(old_dbs);
        writeln!(
            out,
            "The old Berkeley DB files are kept so that `postfix-preupgrade undo {}` works; \
             once you no longer want to undo, remove them:\n  {}",
            bk.id,
            shell::join(&cmd)
        )?;
    }
    if root.is_host()
        && !the_plan.rebuilds.is_empty()
        && Path::new("/sys/fs/selinux/enforce").exists()
    {
        let mut cmd = vec!["restorecon".to_string(), "-v".to_string()];
        cmd.extend(
            the_plan
                .rebuilds
                .iter()
                .map(|r| r.output().display().to_string()),
        );
        writeln!(
            out,
            "SELinux is enabled: if the new tables did not get their directory's label \
             (/etc/aliases.lmdb should be etc_aliases_t), run:\n  {}",
            shell::join(&cmd)
        )?;
    }
    if !the_plan.later.is_empty() {
        writeln!(
            out,
            "{} fix(es) left for after the upgrade (listed above).",
            the_plan.later.len()
        )?;
    }
    writeln!(out, "Undo with: postfix-preupgrade undo {}", bk.id)?;
    if args.reload {
        if !root.is_host() {
            writeln!(
                out,
                "Not reloading: --root {} is not the running system.",
                root.dir().display()
            )?;
        } else {
            let prog = tools
                .postfix
                .clone()
                .unwrap_or_else(|| PathBuf::from("postfix"));
            let st = std::process::Command::new(&prog).arg("reload").status();
            match st {
                Ok(s) if s.success() => writeln!(out, "Postfix reloaded.")?,
                Ok(s) => eprintln!("postfix-preupgrade: postfix reload failed: {s}"),
                Err(e) => eprintln!("postfix-preupgrade: postfix reload: {e}"),
            }
        }
    } else {
        writeln!(
            out,
            "Run `postfix reload` (or fix --reload) for Postfix to use the new configuration."
        )?;
    }
    let failures = failed.len() + not_fixed;
    Ok(crate::policy::fix_exit_code(the_plan.fixes.len(), failures))
}

/// Build every table of the plan. Returns the sources whose build failed (with the
/// tool's message); each built output is recorded in the backup as created.
fn build_tables(
    facts: &Facts,
    plan: &Plan,
    tools: &FixTools,
    bk: &mut backup::Backup,
) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let root = &facts.root;
    let mut failed = Vec::new();
    // under --root the host's tools run: give them a config dir whose main.cf points at
    // the host's plugin directories (shlib_directory, meta_directory)
    let scratch = tempfile::tempdir()?;
    for r in &plan.rebuilds {
        let Some(prog) = tools.tool(r.tool) else {
            failed.push((
                r.source.clone(),
                format!("{} not found on the PATH", r.tool.program()),
            ));
            continue;
        };
        let config = if root.is_host() {
            r.config_dir.clone()
        } else {
            validate::host_tool_config(root, &r.config_dir, scratch.path(), tools)?
        };
        let source = root.resolve(&r.source)?;
        bk.note_created(root, &r.output())?;
        let o = std::process::Command::new(prog)
            .arg("-c")
            .arg(&config)
            .arg(format!("{}:{}", r.map_type, source.display()))
            .output()?;
        let out_host = root.resolve(r.output())?;
        if !o.status.success() || !out_host.is_file() {
            let msg = String::from_utf8_lossy(&o.stderr).trim().to_string();
            failed.push((
                r.source.clone(),
                if msg.is_empty() {
                    format!("{} exited {}", r.tool.program(), o.status)
                } else {
                    msg
                },
            ));
            continue;
        }
        bk.record_created(root, &r.output())?;
    }
    Ok(failed)
}

/// `undo [ID]`: restore a backup (default: the latest). Returns the exit code.
pub fn run_undo(global: &GlobalOpts, id: Option<&str>) -> anyhow::Result<u8> {
    let root = crate::root::Root::new(&global.root)?;
    let _lock = fsops::Lock::acquire(&root.resolve(LOCK_FILE)?)?;
    let report = backup::restore(&root, id)?;
    let mut out = std::io::stdout().lock();
    out.write_all(report.as_bytes())?;
    Ok(exit::OK)
}
