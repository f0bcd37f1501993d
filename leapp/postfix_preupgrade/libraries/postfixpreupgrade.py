"""The logic of the postfix_preupgrade leapp actors, kept free of leapp imports.

The actors (actors/*/actor.py) are thin: they pass in leapp's `reporting` module, a runner
built on `leapp.libraries.stdlib.run` (`stdlib_runner`), their dialog answer and their
`produce`; everything else is here, so it is tested without leapp (leapp/tests/ in the
source tree) on the real `postfix-preupgrade` binary.

- postfix_preupgrade_scanner (FactsPhaseTag): `scan` runs `postfix-preupgrade facts`, then
  (when Postfix is installed) `check --format leapp` and `check --format json` for the
  release leapp upgrades to, and produces one PostfixPreupgradeScan model.
- postfix_preupgrade_check (ChecksPhaseTag): `process_check` turns the scan into leapp
  reports (same title, summary, severity, groups, key, resources, remediations, links).
  When an inhibitor can be fixed during the upgrade (`deferrable`: a safe fix, for a check
  whose fix will have everything it needs after the RPM upgrade), it asks the dialog
  `postfix_preupgrade_fix.confirm`. True: those inhibitors are deferred, the packages their
  fix needs are requested from leapp (RpmTransactionTasks) and a fix plan naming exactly
  the listed checks goes to the fix actor. False or no answer: the inhibitors stand.
- postfix_preupgrade_fix (ThirdPartyApplicationsPhaseTag): `process_fix` runs
  `postfix-preupgrade fix -y --only <checks>` on the upgraded system (the binary detects
  the installed, upgraded Postfix itself), then `check --format json` again, and reports
  what was fixed and, as a high-severity failure, every deferred finding still present;
  then `verify --format json` (the configuration against the Postfix now installed) and
  reports its findings, as a high-severity failure when Postfix cannot work.

Nothing runs and nothing is reported when Postfix is not installed. If the binary fails,
the actors report the failure (group `failure`) instead of raising.

Needs leapp 0.12 or later (report keys). Before leapp 0.15, report groups are given as
`Flags` and `Tags` (`Tags` takes only its own constants, mapped here by value).
Runs on the Python of every leapp: 2.7 (RHEL 7) and 3.6+ (RHEL 8, 9).
"""
import hashlib
import json

try:
    _STRING_TYPES = (str, unicode)  # noqa: F821 (Python 2)
except NameError:
    _STRING_TYPES = (str,)

BINARY = "/usr/bin/postfix-preupgrade"
# Development override of the binary (leapp's LEAPP_DEVEL_ prefix), used by the tests.
BINARY_ENV = "LEAPP_DEVEL_POSTFIX_PREUPGRADE_BINARY"
TARGET_ENV = "LEAPP_UPGRADE_PATH_TARGET_RELEASE"

ACTOR_SCANNER = "postfix_preupgrade_scanner"
ACTOR_CHECK = "postfix_preupgrade_check"
ACTOR_FIX = "postfix_preupgrade_fix"

# The dialog. Its boolean choices are listed False first: leapp's "Missing required
# answers" inhibitor suggests the first choice as its remediation command, and the
# answer that changes nothing is the one to suggest without reading the report.
DIALOG_SCOPE = "postfix_preupgrade_fix"
DIALOG_KEY = "confirm"
DIALOG_CHOICES = ("False", "True")
DIALOG_TITLE = "Fix the Postfix configuration during the upgrade?"
DIALOG_REASON = (
    "postfix-preupgrade found Postfix configuration problems that inhibit the upgrade and "
    "that its fix clears once the new packages are in. The report entry 'Postfix fixes "
    "leapp can apply during the upgrade' lists every finding the fix would change and the "
    "packages leapp would install for it."
)
DIALOG_LABEL = "Apply the listed postfix-preupgrade fixes during the upgrade?"
DIALOG_DESCRIPTION = (
    "True: leapp installs the packages the fix needs (postfix-lmdb for Berkeley DB tables) "
    "with the upgrade and, right after the RPM upgrade, runs `postfix-preupgrade fix -y "
    "--only <the listed checks>` (every changed file is backed up; `postfix-preupgrade "
    "undo` restores them), then checks again and reports what is left; the listed "
    "inhibitors no longer stop the upgrade. False: nothing is fixed during the upgrade, the "
    "inhibitors stay; fix them before upgrading. No answer: the inhibitors stay and leapp "
    "adds its own 'Missing required answers in the answer file' inhibitor."
)
ANSWER_STATES = (
    ("True", DIALOG_DESCRIPTION.split(" False: ")[0][len("True: "):]),
    ("False", "nothing is fixed during the upgrade and the inhibitors stay: fix them "
              "before upgrading (the commands are in each entry)."),
    ("no answer", "the inhibitors stay and leapp adds its own inhibitor 'Missing required "
                  "answers in the answer file' until one of the two answers is given."),
)

# Groups every postfix-preupgrade report carries, and the ones with a meaning for leapp.
INHIBITOR = "inhibitor"
FAILURE = "failure"
BASE_GROUPS = ("email", "services")

# Keys of the actors' own reports: stable, like the binary's (sha1 of a fixed name).
KEY_CHECK_FAILED = hashlib.sha1(b"postfix-preupgrade:leapp:check-failed").hexdigest()
KEY_FIX_DIALOG = hashlib.sha1(b"postfix-preupgrade:leapp:fix-dialog").hexdigest()
KEY_FIX_RESULT = hashlib.sha1(b"postfix-preupgrade:leapp:fix-result").hexdigest()
KEY_VERIFY_RESULT = hashlib.sha1(b"postfix-preupgrade:leapp:verify-result").hexdigest()

# Exit statuses of the binary (interface.md).
EXIT_OK, EXIT_INHIBITOR, EXIT_FAILURE, EXIT_PARTIAL_FIX = 0, 1, 2, 3

# The checks whose safe fix may be deferred to after the RPM upgrade, with the packages
# that fix needs on the upgraded system. A check not listed here is never deferred: its
# inhibitors stand whatever the answer.
# - berkeley-db-map: converts hash:/btree: tables to lmdb:, which needs postfix-lmdb;
# - removed-restriction: edits main.cf only.
FIX_NEEDS = {
    "berkeley-db-map": ("postfix-lmdb",),
    "removed-restriction": (),
}


class BinaryError(Exception):
    """The binary could not be run or did not produce a usable document."""

    def __init__(self, message, details=None):
        super(BinaryError, self).__init__(message)
        self.message = message
        self.details = details or ""


def stdlib_runner(run):
    """A runner(argv) -> (exit status, stdout, stderr) over `leapp.libraries.stdlib.run`
    (its output then reaches leapp's logs). OSError when the program cannot start."""

    def runner(argv):
        result = run(argv, checked=False)
        return int(result["exit_code"]), result.get("stdout") or "", result.get("stderr") or ""

    return runner


def binary_path(environ):
    """The binary: /usr/bin/postfix-preupgrade, or LEAPP_DEVEL_POSTFIX_PREUPGRADE_BINARY."""
    return (environ.get(BINARY_ENV) or "").strip() or BINARY


def target_from_environ(environ):
    """The binary's --target from leapp's LEAPP_UPGRADE_PATH_TARGET_RELEASE (like `9.6`)."""
    value = (environ.get(TARGET_ENV) or "").strip()
    return value or None


def _global(binary, source=None, target=None):
    argv = [binary]
    if source:
        argv += ["--source", source]
    if target:
        argv += ["--target", target]
    return argv


def check_argv(binary, fmt, target=None, source=None):
    return _global(binary, source, target) + ["check", "--format", fmt]


def facts_argv(binary, target=None):
    return _global(binary, None, target) + ["facts"]


def fix_argv(binary, plan):
    """The fix run after the RPM upgrade. /etc/os-release already names the target then, so
    the releases come from the plan; the Postfix version does not: the binary reads the
    upgraded one from the rpm database and applies what waited for it."""
    return _global(binary, plan.get("source_release"), plan.get("target_release")) + [
        "fix", "-y", "--only", ",".join(plan["check_ids"])]


def verify_argv(binary, release=None):
    """`verify` on the upgraded system. It has no target: the release is the one leapp
    upgraded to (given as --source, the installed release, in case /etc/os-release does
    not name it yet)."""
    return _global(binary, release) + ["verify", "--format", "json"]


def _run_document(argv, runner, ok=(EXIT_OK, EXIT_INHIBITOR)):
    """Run a command that prints JSON and parse it; BinaryError on any failure."""
    shown = " ".join(argv)
    try:
        rc, out, err = runner(argv)
    except OSError as e:
        raise BinaryError("cannot run {}: {}".format(argv[0], e))
    if rc not in ok:
        raise BinaryError(
            "`{}` failed with exit status {}".format(shown, rc), err.strip() or out.strip()
        )
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise BinaryError("`{}` printed no valid JSON: {}".format(shown, e), out[:2000])
    if not isinstance(doc, dict):
        raise BinaryError("`{}` printed JSON that is not an object".format(shown), out[:2000])
    return doc


def leapp_entries(doc):
    """The entries of a `check --format leapp` document, checked for the fields we map."""
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise BinaryError("the leapp document has no `entries` list")
    for i, entry in enumerate(entries):
        for field in ("title", "summary", "severity", "key"):
            if not isinstance(entry, dict) or not isinstance(entry.get(field), _STRING_TYPES):
                raise BinaryError("entry {} of the leapp document lacks `{}`".format(i, field))
    return entries


def check_texts(doc, f):
    """The texts finding `f` leaves to its check: the report's `checks` entry for its id
    (a report lists there once what a check found in many places repeats: a finding
    without `title`, `remediation.hint` or `links` has its check's), else {} (older
    reports, and every check found in few places)."""
    checks = doc.get("checks")
    entry = checks.get(f.get("id")) if isinstance(checks, dict) else None
    return entry if isinstance(entry, dict) else {}


def _findings(doc):
    findings = doc.get("findings")
    if not isinstance(findings, list):
        raise BinaryError("the JSON report has no `findings` list")
    out = []
    for f in findings:
        if not isinstance(f, dict) or not f.get("key") or not f.get("id"):
            raise BinaryError("a finding of the JSON report lacks `id` or `key`")
        fix = f.get("fix") or {}
        loc = f.get("location") or {}
        where = loc.get("file") or ""
        if where and loc.get("line"):
            where += ":{}".format(loc["line"])
        out.append({
            "key": f["key"],
            "check_id": f["id"],
            "title": f.get("title") or check_texts(doc, f).get("title") or f["id"],
            "location": where,
            "inhibitor": bool(f.get("inhibitor")),
            "safe_fix": bool(fix.get("available")) and fix.get("applicability") == "safe",
        })
    return out


def postfix_packages(facts_doc):
    """Names of the installed postfix* packages, or None when no rpm database was read."""
    db = (facts_doc.get("postfix") or {}).get("rpmdb")
    if not isinstance(db, dict):
        return None
    return sorted(p["name"] for p in db.get("packages") or [] if p.get("name"))


def scan(runner, binary, environ):
    """The scanner actor: the facts the reporter needs, as the PostfixPreupgradeScan model's
    fields. Never raises for a failing binary: `error` says what failed."""
    target = target_from_environ(environ)
    result = {
        "installed": True,
        "packages_known": False,
        "packages": [],
        "target": target,
        "source_release": None,
        "target_release": None,
        "leapp_document": None,
        "findings": [],
        "error": None,
        "error_details": None,
    }
    try:
        packages = postfix_packages(_run_document(facts_argv(binary, target), runner, (EXIT_OK,)))
        if packages is not None:
            result["packages_known"] = True
            result["packages"] = packages
            if "postfix" not in packages:
                # The binary reports nothing either (policy::postfix_absent).
                result["installed"] = False
                return result
        leapp_doc = _run_document(check_argv(binary, "leapp", target), runner)
        leapp_entries(leapp_doc)
        json_doc = _run_document(check_argv(binary, "json", target), runner)
        result["findings"] = _findings(json_doc)
        result["source_release"] = (json_doc.get("source") or {}).get("release")
        result["target_release"] = (json_doc.get("target") or {}).get("release") or target
        result["leapp_document"] = json.dumps(leapp_doc, sort_keys=True)
    except BinaryError as e:
        result["error"] = e.message
        result["error_details"] = e.details
    return result


def entry_parts(entry):
    """A leapp report entry as a list of report parts: (name, args) pairs naming leapp's
    `reporting` primitives. Nothing of the entry that leapp can carry is dropped."""
    detail = entry.get("detail") or {}
    groups = list(entry.get("groups") or [])
    # Schema 1.1.0 documents carry flags + tags instead of groups.
    for extra in list(entry.get("flags") or []) + list(entry.get("tags") or []):
        if extra not in groups:
            groups.append(extra)
    parts = [
        ("Title", (entry["title"],)),
        ("Summary", (entry["summary"],)),
        ("Severity", (entry["severity"],)),
        ("Audience", (entry.get("audience") or "sysadmin",)),
        ("Groups", (groups,)),
        ("Key", (entry["key"],)),
    ]
    for res in detail.get("related_resources") or []:
        parts.append(("RelatedResource", (res["scheme"], res["title"])))
    hints = [r["context"] for r in detail.get("remediations") or [] if r.get("type") == "hint"]
    commands = [
        list(r["context"]) for r in detail.get("remediations") or [] if r.get("type") == "command"
    ]
    playbooks = [
        r["context"] for r in detail.get("remediations") or [] if r.get("type") == "playbook"
    ]
    if hints or commands or playbooks:
        remediation = {}
        if hints:
            remediation["hint"] = "\n".join(hints)
        if commands:
            remediation["commands"] = commands
        if playbooks:
            remediation["playbook"] = playbooks[0]
        parts.append(("Remediation", remediation))
    for link in detail.get("external") or []:
        parts.append(("ExternalLink", {"url": link["url"], "title": link["title"]}))
    return parts


def _own_parts(title, summary, severity, groups, key, resources, hint, commands):
    parts = [
        ("Title", (title,)),
        ("Summary", (summary,)),
        ("Severity", (severity,)),
        ("Audience", ("sysadmin",)),
        ("Groups", (list(BASE_GROUPS) + list(groups),)),
        ("Key", (key,)),
    ]
    for scheme, name in resources:
        parts.append(("RelatedResource", (scheme, name)))
    parts.append(("Remediation", {"hint": hint, "commands": commands}))
    return parts


def failure_parts(message, details, target):
    """Report parts for a binary that failed: a leapp error report, not a crash."""
    summary = "postfix-preupgrade could not check the Postfix configuration for the upgrade"
    if target:
        summary += " to {}".format(target)
    summary += ": {}.".format(message)
    if details:
        summary += "\n" + details
    return _own_parts(
        "postfix-preupgrade could not check Postfix", summary, "high", [FAILURE],
        KEY_CHECK_FAILED, [("package", "postfix-preupgrade")],
        "Run `postfix-preupgrade check` as root to see the error, fix its cause, then run "
        "`leapp preupgrade` again.",
        [["postfix-preupgrade", "check"]],
    )


def is_inhibitor(entry):
    return INHIBITOR in (entry.get("groups") or []) + (entry.get("flags") or [])


def deferral(scan_result, rpm_tasks_available):
    """What the dialog would cover: (deferred inhibitor keys, planned check ids, packages
    to install, [(key, reason)] of fixable inhibitors that cannot be deferred).

    An inhibitor is deferred only when its finding has a safe fix, its check is in
    FIX_NEEDS, and every package that fix needs is installed or can be requested from
    leapp (RpmTransactionTasks)."""
    installed = set(scan_result.get("packages") or [])
    known = scan_result.get("packages_known")
    deferred, checks, install, kept = [], set(), set(), []
    for f in scan_result.get("findings") or []:
        if not f["inhibitor"] or not f["safe_fix"]:
            continue
        if f["check_id"] not in FIX_NEEDS:
            kept.append((f["key"], "its fix is not one leapp applies during the upgrade"))
            continue
        missing = [p for p in FIX_NEEDS[f["check_id"]] if not (known and p in installed)]
        if missing and not rpm_tasks_available:
            kept.append((f["key"], "its fix needs {} and leapp's RpmTransactionTasks model is "
                                   "not available to install it".format(", ".join(missing))))
            continue
        deferred.append(f["key"])
        checks.add(f["check_id"])
        install.update(missing)
    return deferred, sorted(checks), sorted(install), kept


def _describe(f):
    s = "{} ({}".format(f["title"], f["check_id"])
    if f["location"]:
        s += ", " + f["location"]
    return s + ")"


def dialog_parts(scan_result, answer, deferred, checks, install):
    """The report entry that lists what the dialog covers and what each answer does."""
    findings = [f for f in scan_result["findings"] if f["check_id"] in checks]
    state = {True: "True", False: "False", None: "no answer"}[answer]
    lines = [
        "postfix-preupgrade can fix {} inhibitor(s) right after the RPM upgrade, if the leapp "
        "answer file says {}.{}=True. This run: {}.".format(
            len(deferred), DIALOG_SCOPE, DIALOG_KEY, state),
        "The fix runs `postfix-preupgrade fix -y --only {}` and changes these findings "
        "(inhibitors marked *):".format(",".join(checks)),
    ]
    for f in findings:
        lines.append("{} {}".format("*" if f["key"] in deferred else "-", _describe(f)))
    if install:
        lines.append("Packages leapp installs with the upgrade for it (with True): {}.".format(
            ", ".join(install)))
    lines.append("The answers:")
    for name, what in ANSWER_STATES:
        mark = " (this run)" if name == state else ""
        lines.append("- {}{}: {}".format(name, mark, what))
    if answer is True:
        hint = ("Nothing to do before the upgrade for these findings; after it, read the "
                "report of postfix_preupgrade_fix. To fix them yourself instead, answer False.")
        severity = "info"
    else:
        hint = ("Either fix the findings now (`postfix-preupgrade fix --only {}`) and run leapp "
                "preupgrade again, or let leapp fix them during the upgrade by answering "
                "True.".format(",".join(checks)))
        severity = "info" if answer is False else "medium"
    commands = [
        ["leapp", "answer", "--section", "{}.{}=True".format(DIALOG_SCOPE, DIALOG_KEY)],
        ["leapp", "answer", "--section", "{}.{}=False".format(DIALOG_SCOPE, DIALOG_KEY)],
        ["postfix-preupgrade", "fix", "--dry-run", "--only", ",".join(checks)],
    ]
    return _own_parts(
        "Postfix fixes leapp can apply during the upgrade", "\n".join(lines), severity, [],
        KEY_FIX_DIALOG, [("package", p) for p in install] + [("package", "postfix")],
        hint, commands,
    )


def defer_to_fix(entry):
    """The entry of an inhibitor that the fix actor will fix: no longer an inhibitor, and
    saying so."""
    entry = dict(entry)
    entry["groups"] = [g for g in entry.get("groups") or [] if g != INHIBITOR]
    if "flags" in entry:
        entry["flags"] = [g for g in entry.get("flags") or [] if g != INHIBITOR]
    entry["summary"] = entry["summary"] + (
        "\nThis will be fixed right after the RPM upgrade by `postfix-preupgrade fix`, as "
        "answered in the leapp answer file ({}.{}=True); the upgrade report then says whether "
        "it was.".format(DIALOG_SCOPE, DIALOG_KEY)
    )
    return entry


def _tag_constant(tags, name):
    """leapp before 0.15: the `Tags` constant whose value is `name`."""
    for attr in dir(tags):
        value = getattr(tags, attr)
        if attr.isupper() and getattr(value, "value", value) == name:
            return value
    raise ValueError("leapp's Tags has no constant for the report group {!r}".format(name))


def to_leapp(parts, reporting):
    """Build leapp report primitives from report parts with leapp's `reporting` module."""
    out = []
    groups_supported = getattr(reporting, "Groups", None) is not None
    for name, args in parts:
        if name == "Groups" and not groups_supported:
            # leapp before 0.15: inhibitor/failure are flags, the rest tags, given as the
            # Tags constants (Tags rejects plain strings there).
            flags = [g for g in args[0] if g in (INHIBITOR, FAILURE)]
            tags = [_tag_constant(reporting.Tags, g) for g in args[0] if g not in (INHIBITOR, FAILURE)]
            if flags:
                out.append(reporting.Flags(flags))
            if tags:
                out.append(reporting.Tags(tags))
        elif isinstance(args, dict):
            out.append(getattr(reporting, name)(**args))
        else:
            out.append(getattr(reporting, name)(*args))
    return out


def process_check(reporting, scan_result, ask_fix, produce_plan, produce_rpm_tasks=None, log=None):
    """The postfix_preupgrade_check actor, over the scanner's result.

    reporting: leapp's `reporting` module (create_report and the primitives);
    scan_result: the PostfixPreupgradeScan fields (`scan`), None when there is none;
    ask_fix(): the dialog answer (True, False or None when unanswered), asked only when an
        inhibitor can be deferred;
    produce_plan(dict): hands the fix plan (apply, check_ids, deferred, source_release,
        target_release) to the fix actor;
    produce_rpm_tasks(list) or None: asks leapp to install packages with the upgrade
        (RpmTransactionTasks); None when leapp-repository's model is not available.
    Returns the report parts it created, in order.
    """
    created = []

    def report(parts):
        reporting.create_report(to_leapp(parts, reporting))
        created.append(parts)

    if not scan_result or not scan_result.get("installed"):
        return created
    if scan_result.get("error"):
        if log:
            log.error("postfix-preupgrade failed: %s %s", scan_result["error"],
                      scan_result.get("error_details") or "")
        report(failure_parts(scan_result["error"], scan_result.get("error_details"),
                             scan_result.get("target")))
        return created
    entries = leapp_entries(json.loads(scan_result["leapp_document"]))
    deferred, checks, install, kept = deferral(scan_result, produce_rpm_tasks is not None)
    if log:
        for key, why in kept:
            log.info("inhibitor %s stays: %s", key, why)
    answer = None
    if deferred:
        answer = ask_fix()
        if answer not in (True, False):
            answer = None
        if answer is True:
            entries = [defer_to_fix(e) if e["key"] in deferred and is_inhibitor(e) else e
                       for e in entries]
    for entry in entries:
        report(entry_parts(entry))
    if deferred:
        report(dialog_parts(scan_result, answer, deferred, checks, install))
    if answer is True:
        if install:
            produce_rpm_tasks(install)
        by_key = dict((f["key"], f) for f in scan_result["findings"])
        produce_plan({
            "apply": True,
            "check_ids": checks,
            "deferred": [{"key": k, "check_id": by_key[k]["check_id"], "title": by_key[k]["title"],
                          "location": by_key[k]["location"]} for k in deferred],
            "source_release": scan_result.get("source_release"),
            "target_release": scan_result.get("target_release"),
        })
    return created


def _fixed_lines(out):
    """The `Fixes applied now:` lines of `fix`'s output."""
    lines, inside = [], False
    for line in out.splitlines():
        if line.strip() == "Fixes applied now:":
            inside = True
        elif inside and line.startswith("  ["):
            lines.append(line.strip())
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return lines


def fix_result_parts(plan, rc, out, err, remaining, recheck_error):
    """Report parts for the outcome of the fix actor: what was fixed, what remains (from
    the re-check), whatever `fix` exited with."""
    shown = "postfix-preupgrade fix -y --only " + ",".join(plan["check_ids"])
    deferred = plan.get("deferred") or []
    fixed = [d for d in deferred if d["key"] not in remaining]
    lines = ["`{}` ran right after the RPM upgrade and exited with status {}.".format(shown, rc)]
    applied = _fixed_lines(out)
    if applied:
        lines.append("Changes it made:")
        lines.extend("- " + a for a in applied)
    if recheck_error:
        lines.append("The re-check failed ({}), so whether these findings are fixed is "
                     "unknown:".format(recheck_error))
        lines.extend("- {} [{}]".format(_describe(d), d["key"]) for d in deferred)
    else:
        if fixed:
            lines.append("Fixed (`postfix-preupgrade check` no longer finds them):")
            lines.extend("- {} [{}]".format(_describe(d), d["key"]) for d in fixed)
        if remaining:
            lines.append("Still present, although the upgrade was let through to fix them:")
            lines.extend("- {} [{}]".format(_describe(d), d["key"]) for d in deferred
                         if d["key"] in remaining)
    if rc != EXIT_OK:
        tail = "\n".join(s for s in (out.strip(), err.strip()) if s)
        if tail:
            lines.append("Output of the fix:\n" + tail[-3000:])
    if recheck_error or remaining:
        title = "Postfix problems leapp was to fix remain after the upgrade"
        severity, groups = "high", [FAILURE]
        hint = ("Postfix may not deliver mail: run `postfix-preupgrade check`, fix what it "
                "reports (`postfix-preupgrade fix --only {}`), then start Postfix. "
                "`postfix-preupgrade undo` restores the files the fix changed.".format(
                    ",".join(plan["check_ids"])))
    else:
        title = "postfix-preupgrade fixed the Postfix configuration during the upgrade"
        severity, groups = "info", []
        hint = "Review the changes; `postfix-preupgrade undo` restores the previous files."
    return _own_parts(
        title, "\n".join(lines), severity, groups, KEY_FIX_RESULT, [("package", "postfix")],
        hint, [["postfix-preupgrade", "check"]],
    )


def process_fix(reporting, plans, runner, binary, log=None):
    """The postfix_preupgrade_fix actor: apply the first plan that says apply, re-check,
    report. Returns the report parts it created (none when nothing was to be done)."""
    plan = next((p for p in plans if p.get("apply") and p.get("check_ids")), None)
    if plan is None:
        return []
    argv = fix_argv(binary, plan)
    try:
        rc, out, err = runner(argv)
    except OSError as e:
        rc, out, err = EXIT_FAILURE, "", "cannot run {}: {}".format(binary, e)
    if log:
        log.info("%s: exit %s\n%s%s", " ".join(argv), rc, out, err)
    remaining, recheck_error = [], None
    try:
        doc = _run_document(check_argv(binary, "json", plan.get("target_release"),
                                       plan.get("source_release")), runner)
        present = set(f["key"] for f in _findings(doc))
        remaining = [d["key"] for d in plan.get("deferred") or [] if d["key"] in present]
    except BinaryError as e:
        recheck_error = e.message + (": " + e.details if e.details else "")
    parts = fix_result_parts(plan, rc, out, err, remaining, recheck_error)
    reporting.create_report(to_leapp(parts, reporting))
    verified = verify_parts(runner, binary, plan.get("target_release"))
    reporting.create_report(to_leapp(verified, reporting))
    return [parts, verified]


_SEVERITY_ORDER = ("info", "low", "medium", "high")


def verify_parts(runner, binary, release):
    """Report parts for `postfix-preupgrade verify` run at the end of the fix actor: does
    the configuration work with the Postfix now installed? Findings of the inhibitor class
    (a table Postfix cannot open, a config it refuses) make a high-severity failure; the
    others (postponed changes, deprecated names) an entry of their highest severity;
    each finding with its remedy. A verify that cannot run is a failure too."""
    argv = verify_argv(binary, release)
    shown = "postfix-preupgrade verify"
    try:
        doc = _run_document(argv, runner)
        findings = doc.get("findings")
        if not isinstance(findings, list) or not all(
                isinstance(f, dict) and f.get("id") and f.get("key") for f in findings):
            raise BinaryError("the JSON report of verify has no valid `findings` list")
    except BinaryError as e:
        return _own_parts(
            "postfix-preupgrade could not verify Postfix after the upgrade",
            "`{}` failed: {}.{}".format(shown, e.message, "\n" + e.details if e.details else ""),
            "high", [FAILURE], KEY_VERIFY_RESULT, [("package", "postfix")],
            "Run `postfix-preupgrade verify` as root to see the error, fix its cause, then run "
            "it again before starting Postfix.",
            [["postfix-preupgrade", "verify"]],
        )
    blocking = [f for f in findings if f.get("inhibitor")]
    others = [f for f in findings if not f.get("inhibitor")]
    lines, commands, hints = [], [], []

    def describe(f):
        loc = f.get("location") or {}
        where = loc.get("file") or ""
        if where and loc.get("line"):
            where += ":{}".format(loc["line"])
        rem = f.get("remediation") or {}
        shared = check_texts(doc, f)
        title = f.get("title") or shared.get("title") or f["id"]
        hint = rem.get("hint") if "hint" in rem else shared.get("hint")
        line = "- [{}] {}{} [{}]".format(
            f["id"], title, " at " + where if where else "", f["key"])
        if hint:
            line += "\n  What to do: " + hint
            hints.append("{}: {}".format(f["id"], hint))
        for c in rem.get("commands") or []:
            if isinstance(c, list) and c and c not in commands:
                commands.append([str(a) for a in c])
        return line

    if blocking:
        lines.append("Postfix cannot work with this configuration on the new release (it "
                     "cannot open a table or refuses the configuration):")
        lines.extend(describe(f) for f in blocking)
    if others:
        lines.append("Left to do on the new release:")
        lines.extend(describe(f) for f in others)
    if blocking:
        title = "Postfix does not work on the upgraded system: postfix-preupgrade verify"
        severity, groups = "high", [FAILURE]
    elif others:
        title = "Postfix on the upgraded system: tasks left (postfix-preupgrade verify)"
        known = [f.get("severity") for f in others if f.get("severity") in _SEVERITY_ORDER]
        severity = max(known, key=_SEVERITY_ORDER.index) if known else "info"
        groups = []
    else:
        title = "postfix-preupgrade verify found nothing left to do on the upgraded system"
        severity, groups = "info", []
        lines.append("Every table Postfix opens has a type the installed Postfix supports and "
                     "an up-to-date file, and nothing postponed to the new release is left.")
    hint = "\n".join(hints) if hints else "Nothing to do."
    if findings:
        hint += ("\nThen run `postfix-preupgrade verify` again; start or reload Postfix when it "
                 "reports no inhibitor.")
    return _own_parts(title, "\n".join(lines), severity, groups, KEY_VERIFY_RESULT,
                      [("package", "postfix")], hint,
                      commands + [["postfix-preupgrade", "verify"]])
