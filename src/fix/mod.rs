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
//! 5. build the lmdb tables in a scratch directory and verify them ([`tables`]); a table
//!    that fails, or whose text source differs from the `.db` in use, is re-planned
//!    without its switch;
//! 6. one transaction ([`txn`]) over every file and table: back up what is there, write
//!    each new version to a temporary file beside it, then rename them all into place;
//!    any failure puts everything back, and a killed run is reversed by the next `fix` or
//!    `undo`;
//! 7. re-read the files and re-plan: the plan must be empty (the fixed point), and the
//!    checks run again: exit 0 only when no inhibitor is left;
//! 8. report what was applied, what failed, what is left and why, what waits for the
//!    upgrade, and what still inhibits it.
//!
//! The lock is taken before the facts are read, and an interrupted earlier run is
//! reversed first, so a plan is never made on half of another one.
pub mod berkeley;
pub mod compat;
pub mod deprecated;
pub mod fsops;
pub mod master;
pub mod nis;
pub mod plan;
pub mod rhel_params;
pub mod rpmnew;
pub mod smtps;
pub mod tables;
pub mod txn;
pub mod validate;

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

pub use plan::{
    plan, planner_ids, Draft, FileChange, Fix, Left, Plan, PlanOptions, Planner, Rebuild, Removal,
    Support, Tool, When, PLANNERS,
};

use crate::error::Error;
use crate::facts::{self, Facts};
use crate::finding::{Applicability, Finding};
use crate::policy::{exit, Selection};
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

    pub fn tool(&self, t: Tool) -> Option<&Path> {
        match t {
            Tool::Postmap => self.postmap.as_deref(),
            Tool::Postalias => self.postalias.as_deref(),
        }
    }
}

/// The host's `postconf`, told to read an empty configuration directory (`-c SCRATCH`)
/// so that it never reads the host's own main.cf: what it reports (`-m`, `-d`) is then
/// what the program itself supports, not how the host is configured.
pub fn host_postconf(postconf: &Path, scratch: &Path) -> std::io::Result<std::process::Command> {
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty)?;
    if !empty.join("main.cf").exists() {
        std::fs::write(empty.join("main.cf"), b"")?;
    }
    let mut c = std::process::Command::new(postconf);
    c.arg("-c").arg(empty).env("LC_ALL", "C");
    Ok(c)
}

/// The map types the host's Postfix tools support (`postconf -m`), if postconf runs.
pub fn host_map_types(tools: &FixTools, scratch: &Path) -> Option<Vec<String>> {
    let postconf = tools.postconf.as_deref()?;
    let o = host_postconf(postconf, scratch)
        .ok()?
        .arg("-m")
        .output()
        .ok()?;
    o.status.success().then(|| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .collect()
    })
}

/// What the host can do for lmdb: `postconf -m` of the tools that will build the tables
/// must list it, and the inspected system's rpm database (when there is one) must have
/// `postfix-lmdb`.
pub fn lmdb_support(
    facts: &Facts,
    tools: &FixTools,
    host_types: Option<&[String]>,
) -> Option<String> {
    if facts.postfix.has_package("postfix-lmdb") == Some(false) {
        return Some("the postfix-lmdb package is not installed".into());
    }
    let postconf = tools.postconf.as_deref()?;
    match host_types {
        Some(types) if types.iter().any(|t| t == "lmdb") => None,
        Some(_) => Some(format!(
            "`{} -m` does not list lmdb (postfix-lmdb is not installed)",
            postconf.display()
        )),
        None => Some(format!("`{} -m` failed", postconf.display())),
    }
}

/// A unified diff of one file change (lossy text for display; the bytes written are the
/// exact ones).
///
/// Lines found exactly once in each file (nearly every line of a config file) anchor
/// the diff, in the longest run that keeps their order; Myers runs only between
/// anchors. Myers over the whole file is O(lines x changes), which a fix with thousands
/// of edits to one file made quadratic (issue 12); here the cost follows the file and
/// the size of each changed stretch.
pub fn unified_diff(change: &FileChange) -> String {
    let old = String::from_utf8_lossy(&change.old);
    let new = String::from_utf8_lossy(&change.new);
    let name = change.path.display().to_string();
    // This TextDiff only splits the lines and formats the hunks: its own diff stops at
    // once (the deadline has passed); the ops come from `anchored_ops`.
    let lines = similar::TextDiff::configure()
        .deadline(std::time::Instant::now())
        .diff_lines(old.as_ref(), new.as_ref());
    let ops = anchored_ops(lines.old_slices(), lines.new_slices());
    let mut s = String::new();
    for group in similar::group_diff_ops(ops, 3) {
        if group.is_empty() {
            continue;
        }
        if s.is_empty() {
            let _ = writeln!(s, "--- {name}\n+++ {name}");
        }
        let _ = write!(
            s,
            "{}",
            similar::udiff::UnifiedDiffHunk::new(group, &lines, true)
        );
    }
    s
}

/// Line ops (as `similar` captures them: replaces joined, then compacted) with the lines
/// unique in both files as anchors; see [`unified_diff`].
fn anchored_ops<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<similar::DiffOp> {
    use similar::algorithms::{myers, Capture, Compact, DiffHook, NoFinishHook, Replace};
    use std::collections::HashMap;
    use std::convert::Infallible;

    // lines as numbers, and per number: (count in old, index in old, count in new, index)
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut seen: Vec<(u32, usize, u32, usize)> = Vec::new();
    let mut intern = |line: &'a str| -> u32 {
        let next = ids.len() as u32;
        *ids.entry(line).or_insert_with(|| {
            seen.push((0, 0, 0, 0));
            next
        })
    };
    let o: Vec<u32> = old.iter().map(|l| intern(l)).collect();
    let n: Vec<u32> = new.iter().map(|l| intern(l)).collect();
    for (i, &id) in o.iter().enumerate() {
        let e = &mut seen[id as usize];
        e.0 += 1;
        e.1 = i;
    }
    for (i, &id) in n.iter().enumerate() {
        let e = &mut seen[id as usize];
        e.2 += 1;
        e.3 = i;
    }
    // unique pairs in old order; the longest increasing run of their new indexes
    let pairs: Vec<(usize, usize)> = o
        .iter()
        .filter_map(|&id| {
            let e = seen[id as usize];
            (e.0 == 1 && e.2 == 1).then_some((e.1, e.3))
        })
        .collect();
    let mut tails: Vec<usize> = Vec::new(); // index into pairs of the smallest tail per length
    let mut prev: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, nj)) in pairs.iter().enumerate() {
        let len = tails.partition_point(|&t| pairs[t].1 < nj);
        prev[k] = len.checked_sub(1).map(|l| tails[l]);
        if len == tails.len() {
            tails.push(k);
        } else {
            tails[len] = k;
        }
    }
    let mut anchors = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(k) = at {
        anchors.push(pairs[k]);
        at = prev[k];
    }
    anchors.reverse();

    let mut hook = Compact::new(Replace::new(Capture::new()), &o, &n);
    let run = |hook: &mut Compact<'_, '_, Vec<u32>, Vec<u32>, Replace<Capture>>| {
        let (mut oi, mut ni) = (0, 0);
        for &(ao, an) in &anchors {
            myers::diff(&mut NoFinishHook::new(&mut *hook), &o, oi..ao, &n, ni..an)?;
            hook.equal(ao, an, 1)?;
            (oi, ni) = (ao + 1, an + 1);
        }
        myers::diff(hook, &o, oi..o.len(), &n, ni..n.len())
    };
    let done: Result<(), Infallible> = run(&mut hook);
    match done {
        Ok(()) => hook.into_inner().into_inner().into_ops(),
        Err(never) => match never {},
    }
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
    if !plan.removals.is_empty() {
        s.push_str("\nFiles to remove (backed up first; undo brings them back):\n");
        for r in &plan.removals {
            let _ = writeln!(s, "  {}", r.path.display());
        }
    }
    if !plan.rebuilds.is_empty() {
        s.push_str("\nCommands (tables built before the config switches to them):\n");
        for r in &plan.rebuilds {
            let _ = writeln!(s, "  {}", shell::join(&r.argv()));
        }
    }
    if !plan.fixes.is_empty() {
        s.push_str("\nFixes this run applies:\n");
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

/// What `fix` is asked to do (the command line's `fix` options, as plain values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Show the plan and change nothing (`--dry-run`).
    pub dry_run: bool,
    /// Do not ask for confirmation (`-y`).
    pub assume_yes: bool,
    /// Also apply the fixes that need review (`--unsafe`).
    pub unsafe_fixes: bool,
    /// Fix only these ids (`--only`).
    pub only: Vec<String>,
    /// Do not fix these ids (`--skip`).
    pub skip: Vec<String>,
    /// Run `postfix reload` after a successful fix (`--reload`).
    pub reload: bool,
}

/// Plan options for a [`Request`].
pub fn options(args: &Request, support: Support) -> Result<PlanOptions, Error> {
    Ok(PlanOptions {
        selection: Selection::new(&args.only, &args.skip, &known_ids())?,
        unsafe_fixes: args.unsafe_fixes,
        support,
    })
}

/// `fix`: the whole flow (see the module documentation). Returns the exit code.
pub fn run_fix(global: &facts::Request, args: &Request) -> anyhow::Result<u8> {
    run_fix_with(global, args, &FixTools::from_path())
}

/// Print text that quotes config files: control characters escaped.
fn say(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(crate::report::escape::escape_controls(text).as_bytes())
}

/// What a run did, for the summary and the exit code.
#[derive(Debug, Default)]
struct Outcome {
    /// How many items the plan shown to the admin left unchanged (tables that failed
    /// later are counted under `failed`, not here).
    left_shown: usize,
    applied: Vec<Fix>,
    failed: Vec<String>,
    notes: Vec<String>,
}

/// [`run_fix`] with the programs given explicitly.
pub fn run_fix_with(
    global: &facts::Request,
    args: &Request,
    tools: &FixTools,
) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let root = crate::root::Root::new(&global.root)?;
    // An interrupted earlier run is reversed before anything is planned (a plan is never
    // made on half of another one); a dry run only says so. Otherwise the lock is taken
    // once the plan is confirmed, so a refused or aborted run leaves no trace.
    let mut lock = None;
    let pending = txn::unfinished(&root)?;
    if !pending.is_empty() {
        if args.dry_run {
            writeln!(
                out,
                "An interrupted fix ({}) will be rolled back first; this plan is made on the \
                 files as they are now.",
                pending.join(", ")
            )?;
        } else {
            lock = Some(fsops::Lock::acquire(&root, Path::new(LOCK_FILE))?);
            for line in txn::recover(&root)? {
                say(&mut out, &format!("{line}\n"))?;
            }
        }
    }
    let (facts, after) = fix_facts(global)?;
    if let Some(why) = crate::policy::postfix_absent(&facts) {
        say(
            &mut out,
            &format!("{}\n", why.replace("nothing to check", "nothing to fix")),
        )?;
        return Ok(exit::OK);
    }
    // our private scratch directory on the host: the tools' configs, staged copies, and
    // the tables while they are built
    let scratch = tempfile::Builder::new()
        .prefix("postfix-preupgrade.")
        .tempdir()?;
    // what the host's tools support, asked once (`postconf -m`)
    let host_types = host_map_types(tools, scratch.path());
    let support = Support {
        lmdb_missing: lmdb_support(&facts, tools, host_types.as_deref()),
        failed_tables: Vec::new(),
    };
    let mut opts = options(args, support)?;
    let mut the_plan = plan::plan(&facts, &opts);
    say(&mut out, &render_plan(&the_plan))?;
    out.flush()?;
    let mut outcome = Outcome {
        left_shown: the_plan.left.len(),
        ..Outcome::default()
    };
    if the_plan.is_empty() {
        return finish(&mut out, global, after, &opts, &the_plan, outcome, None);
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

    let _lock = match lock {
        Some(l) => l,
        None => {
            let l = fsops::Lock::acquire(&root, Path::new(LOCK_FILE))?;
            for line in txn::recover(&root)? {
                say(&mut out, &format!("{line}\n"))?;
            }
            l
        }
    };
    // the files must still be what the plan was made from, before anything is built
    let planned = the_plan.changes.iter().map(|c| (&c.path, &c.old));
    let removed = the_plan.removals.iter().map(|r| (&r.path, &r.old));
    for (path, old) in planned.chain(removed) {
        if &root.read(path)? != old {
            anyhow::bail!(
                "{} changed since the plan was made; nothing was changed (run fix again)",
                path.display()
            );
        }
    }

    // validate, build the tables in scratch; a table that fails is re-planned without it
    let mut failed_tables: Vec<(PathBuf, String)> = Vec::new();
    let built = loop {
        if let Some(postconf) = &tools.postconf {
            match validate::validate(&facts, &the_plan, postconf, scratch.path()) {
                Ok(v) => outcome.notes.extend(v.skipped),
                Err(msg) => {
                    outcome.failed.push(format!(
                        "validation with postconf failed, so nothing was changed: {msg}"
                    ));
                    return finish(&mut out, global, after, &opts, &the_plan, outcome, None);
                }
            }
        } else {
            outcome
                .notes
                .push("postconf not found: the new files were not validated".into());
        }
        let (built, failed) = tables::build_all(
            &facts,
            &the_plan,
            tools,
            scratch.path(),
            &host_types,
            args.unsafe_fixes,
        );
        if failed.is_empty() {
            break built;
        }
        // each round blocks at least one more table, so this ends
        failed_tables.extend(failed);
        opts.support.failed_tables = failed_tables.clone();
        the_plan = plan::plan(&facts, &opts);
    };
    for (p, m) in &failed_tables {
        outcome.failed.push(format!(
            "the table built from {}: not switched: {m}",
            p.display()
        ));
    }
    for b in &built {
        outcome.notes.extend(b.notes.iter().cloned());
    }
    if the_plan.is_empty() {
        return finish(&mut out, global, after, &opts, &the_plan, outcome, None);
    }

    // one transaction over every table and file
    let summary: Vec<String> = the_plan
        .fixes
        .iter()
        .map(|f| format!("[{}] {}", f.check, f.summary))
        .collect();
    let mut t = txn::Txn::begin(&root, txn::Kind::Fix, summary)?;
    let mut items: Vec<txn::Stage> = built
        .iter()
        .map(|b| txn::Stage {
            path: b.rebuild.output(),
            table: true,
            expect_old: None,
            new: Some(txn::New {
                content: fsops::Content::Scratch(&b.file),
                meta: b.meta.clone(),
            }),
        })
        .collect();
    let mut staged: Result<(), Error> = Ok(());
    for c in &the_plan.changes {
        match root.open(&c.path).and_then(|f| fsops::meta_of(&f, &c.path)) {
            Ok(meta) => items.push(txn::Stage {
                path: c.path.clone(),
                table: false,
                expect_old: Some(Some(fsops::sha256(&c.old))),
                new: Some(txn::New {
                    content: fsops::Content::Bytes(&c.new),
                    meta,
                }),
            }),
            Err(e) => {
                staged = Err(e);
                break;
            }
        }
    }
    // a merged .rpmnew goes in the same transaction: backed up, restored by undo
    for r in &the_plan.removals {
        items.push(txn::Stage {
            path: r.path.clone(),
            table: false,
            expect_old: Some(Some(fsops::sha256(&r.old))),
            new: None,
        });
    }
    if staged.is_ok() {
        staged = t.stage_all(&root, items);
    }
    let id = t.id().to_string();
    let applied = match staged {
        Err(e) => {
            let undone = t.abort(&root);
            outcome.failed.push(format!(
                "{e}; nothing was changed{} (backup {id})",
                match undone {
                    Ok(_) => String::new(),
                    Err(r) => format!(", but cleaning up failed: {r}"),
                }
            ));
            false
        }
        Ok(()) => match t.commit(&root) {
            Ok(()) => true,
            Err(e) => {
                outcome.failed.push(e.to_string());
                false
            }
        },
    };
    for w in &t.warnings {
        outcome.notes.push(w.clone());
    }
    if applied {
        outcome.applied = the_plan.fixes.clone();
    }
    finish(
        &mut out,
        global,
        after,
        &opts,
        &the_plan,
        outcome,
        applied.then_some((id, args.reload, tools)),
    )
}

/// Re-check, print the summary and decide the exit code: 0 only when nothing failed and
/// a fresh `check` finds no inhibitor; 3 otherwise.
fn finish(
    out: &mut impl Write,
    global: &facts::Request,
    after: bool,
    opts: &PlanOptions,
    the_plan: &Plan,
    mut outcome: Outcome,
    committed: Option<(String, bool, &FixTools)>,
) -> anyhow::Result<u8> {
    let (again, _) = fix_facts(global)?;
    if committed.is_some() {
        let second = plan::plan(&again, opts);
        if !second.is_empty() {
            outcome.failed.push(format!(
                "the fixed files are not at a fixed point; a re-run would still change:\n{}",
                render_plan(&second)
            ));
        }
    }
    // after the upgrade, what still breaks mail delivery is what verify says
    let checks = if after {
        crate::verify::VERIFY_CHECKS
    } else {
        crate::checks::CHECKS
    };
    let inhibitors: Vec<Finding> = crate::engine::run_checks(checks, &again, &Selection::all())
        .into_iter()
        .filter(|f| f.inhibitor)
        .collect();

    let mut s = String::new();
    let _ = writeln!(s, "\nSummary:");
    if outcome.applied.is_empty() {
        let _ = writeln!(s, "  Applied: nothing.");
    } else {
        let _ = writeln!(s, "  Applied ({}):", outcome.applied.len());
        for f in &outcome.applied {
            let _ = writeln!(s, "    [{}] {}", f.check, f.summary);
        }
    }
    if !outcome.failed.is_empty() {
        let _ = writeln!(s, "  Failed ({}), not applied:", outcome.failed.len());
        for f in &outcome.failed {
            let _ = writeln!(s, "    {f}");
        }
    }
    if outcome.left_shown > 0 {
        let _ = writeln!(
            s,
            "  Left unchanged ({}), see above for why.",
            outcome.left_shown
        );
    }
    if !the_plan.later.is_empty() {
        let _ = writeln!(
            s,
            "  For after the upgrade ({}), see above.",
            the_plan.later.len()
        );
    }
    for n in &outcome.notes {
        let _ = writeln!(s, "  Note: {n}");
    }
    if let Some((id, _, _)) = &committed {
        let old_dbs: Vec<String> = the_plan
            .rebuilds
            .iter()
            .map(|r| {
                let mut p = r.source.clone().into_os_string();
                p.push(".db");
                PathBuf::from(p)
            })
            .filter(|p| again.root.exists(p))
            .map(|p| p.display().to_string())
            .collect();
        if !old_dbs.is_empty() {
            let mut cmd = vec!["rm".to_string(), "-f".to_string(), "--".to_string()];
            cmd.extend(old_dbs);
            let _ = writeln!(
                s,
                "  The old Berkeley DB files are kept so that `postfix-preupgrade undo {id}` \
                 works; once you no longer want to undo, remove them:\n    {}",
                shell::join(&cmd)
            );
        }
    }
    if inhibitors.is_empty() && after {
        let _ = writeln!(s, "  Nothing left that verify counts as an inhibitor.");
    } else if inhibitors.is_empty() {
        let _ = writeln!(s, "  Nothing inhibits the upgrade now.");
    } else {
        if after {
            let _ = writeln!(
                s,
                "  Still breaking mail delivery on this release (verify; {}):",
                inhibitors.len()
            );
        } else {
            let _ = writeln!(s, "  Still inhibiting the upgrade ({}):", inhibitors.len());
        }
        for f in &inhibitors {
            let at = match (&f.location.file, f.location.line) {
                (Some(p), Some(l)) => format!(" at {}:{l}", p),
                (Some(p), None) => format!(" at {}", p),
                _ => String::new(),
            };
            let _ = writeln!(s, "    [{}] {}{at}", f.id, f.title);
        }
    }
    if let Some((id, _, _)) = &committed {
        // two stable lines for scripts (the Ansible role keys `changed` on the first)
        let _ = writeln!(s, "Backup {id} saved in {BACKUP_DIR}/{id}");
        let _ = writeln!(s, "Undo with: postfix-preupgrade undo {id}");
    }
    say(out, &s)?;
    if let Some((_, reload, tools)) = committed {
        if reload && !again.root.is_host() {
            writeln!(
                out,
                "Not reloading: --root {} is not the running system.",
                again.root.dir().display()
            )?;
        } else if reload {
            let prog = tools
                .postfix
                .clone()
                .unwrap_or_else(|| PathBuf::from("postfix"));
            match std::process::Command::new(&prog).arg("reload").status() {
                Ok(st) if st.success() => writeln!(out, "Postfix reloaded.")?,
                Ok(st) => eprintln!("postfix-preupgrade: postfix reload failed: {st}"),
                Err(e) => eprintln!("postfix-preupgrade: postfix reload: {e}"),
            }
        } else if again.root.is_host() {
            writeln!(
                out,
                "Run `postfix reload` (or fix --reload) for Postfix to use the new configuration."
            )?;
        }
    }
    out.flush()?;
    Ok(crate::policy::fix_exit_code(
        inhibitors.len(),
        outcome.failed.len(),
    ))
}

/// The facts `fix` plans on, and whether it runs after the upgrade.
///
/// Before the upgrade (the default): the source release and the target (`--target`,
/// `LEAPP_UPGRADE_PATH_TARGET_RELEASE`, or the next major release).
///
/// After it: when the host is already on the target release (its `/etc/os-release` says
/// the target's major release; this is how `verify`'s commands name the step just made,
/// `--source N-1 --target N fix`), or when no target is given and the release is the
/// newest this tool covers (there is nothing to upgrade to). `fix` then plans on the
/// installed system as `verify` sees it ([`crate::facts::collect_installed`]): the
/// installed Postfix decides what is valid now (the postponed `compatibility_level` and
/// `smtps` rename are applied, judged against it), the `.rpmnew` merge runs, and the
/// exit code follows verify's inhibitors.
pub fn fix_facts(global: &facts::Request) -> anyhow::Result<(crate::facts::Facts, bool)> {
    use crate::facts::release::{Release, MAX_MAJOR};
    let env_target = std::env::var(crate::facts::TARGET_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let before = || Ok((crate::facts::collect(global)?, false));
    // a release that does not parse: the usual collection says what is wrong with it
    let target = match global.target.as_deref().or(env_target.as_deref()) {
        Some(t) => match Release::parse(t) {
            Ok(r) => Some(r),
            Err(_) => return before(),
        },
        None => None,
    };
    let root = crate::root::Root::new(&global.root)?;
    let detected = Release::detect(&root).ok();
    let installed = match &global.source {
        Some(s) => match Release::parse(s) {
            Ok(r) => Some(r),
            Err(_) => return before(),
        },
        None => detected.clone(),
    };
    let on_target = matches!((&target, &detected), (Some(t), Some(d)) if d.major == t.major);
    let newest = target.is_none() && installed.as_ref().is_some_and(|r| r.major >= MAX_MAJOR);
    if !(on_target || newest) {
        return before();
    }
    let mut opts = global.clone();
    opts.target = None;
    if on_target {
        // the release the host is on now, not the one it came from
        opts.source = None;
    }
    let facts = crate::facts::collect_installed(&opts, &crate::facts::Tools::from_path())?;
    Ok((facts, true))
}

/// `undo [ID]`: reverse a fix (default: the latest). Returns the exit code: 0 when it was
/// undone, 2 when files changed since the fix and `--force` was not given (nothing
/// changed then).
pub fn run_undo(root: &Path, id: Option<&str>, force: bool) -> anyhow::Result<u8> {
    let root = crate::root::Root::new(root)?;
    let _lock = fsops::Lock::acquire(&root, Path::new(LOCK_FILE))?;
    let mut out = std::io::stdout().lock();
    let recovered = txn::recover(&root)?;
    for line in &recovered {
        say(&mut out, &format!("{line}\n"))?;
    }
    let report = match txn::undo(&root, id, force) {
        Ok(r) => r,
        // an interrupted fix that was just rolled back was the thing to undo
        Err(Error::Usage(m)) if id.is_none() && !recovered.is_empty() => {
            writeln!(out, "Nothing more to undo ({m}).")?;
            return Ok(exit::OK);
        }
        Err(e) => return Err(e.into()),
    };
    if report.conflicts.is_empty() {
        say(&mut out, &report.text)?;
        Ok(exit::OK)
    } else {
        let mut err = std::io::stderr().lock();
        say(&mut err, &format!("postfix-preupgrade: {}", report.text))?;
        Ok(exit::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn myers(old: &str, new: &str, name: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(name, name)
            .to_string()
    }

    #[test]
    fn anchored_diff_reads_as_myers() {
        // a master.cf-like file: unique lines with repeated ones (blank, comments, the
        // same -o) in between, edited the ways the planners edit
        let mut base = String::from("# head\n\n");
        for i in 0..300 {
            base.push_str(&format!(
                "10.0.0.{i}:smtp inet n - n - - smtpd\n  -o syslog_name=postfix/c{i}\n  -o {{ smtpd_client_restrictions = check_client_access hash:/etc/c{i} }}\n  -o smtpd_tls_wrappermode=yes\n#\n"
            ));
        }
        let every_third = base
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i % 15 == 4 {
                    l.replace("hash:", "lmdb:")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        let inserted = base.replace(
            "  -o syslog_name=postfix/c7\n",
            "  -o syslog_name=postfix/c7\n  -o new_one=yes\n",
        );
        let removed = base.replace("  -o syslog_name=postfix/c9\n", "");
        let renamed_tail = base.replace("10.0.0.299:smtp", "submissions");
        let no_newline = base.trim_end().to_string();
        let crlf = base.replace('\n', "\r\n");
        let crlf_edit = crlf.replace("hash:/etc/c3 ", "lmdb:/etc/c3 ");
        let cases: [(&str, &str); 9] = [
            (&base, &every_third),
            (&base, &inserted),
            (&base, &removed),
            (&base, &renamed_tail),
            (&base, &no_newline),
            (&no_newline, &base),
            (&crlf, &crlf_edit),
            ("", "a = 1\n"),
            ("a = 1\n", "a = 1\n"),
        ];
        for (i, (old, new)) in cases.into_iter().enumerate() {
            let change = FileChange {
                instance: "-".into(),
                path: "/etc/postfix/master.cf".into(),
                old: old.as_bytes().to_vec(),
                new: new.as_bytes().to_vec(),
            };
            assert_eq!(
                unified_diff(&change),
                myers(old, new, "/etc/postfix/master.cf"),
                "case {i}"
            );
        }
    }
}
