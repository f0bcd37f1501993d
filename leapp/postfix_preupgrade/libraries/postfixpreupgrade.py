"""The logic of the postfix_preupgrade leapp actors, kept free of leapp imports.

The actors (actors/*/actor.py) are thin: they pass in leapp's `reporting` module, their
dialog answer and their `produce`; everything else is here, so it is tested without leapp
(leapp/tests/ in the source tree) on the JSON the real `postfix-preupgrade` binary prints.

- postfix_preupgrade_check (ChecksPhaseTag) runs `postfix-preupgrade check --format leapp`
  for the release leapp upgrades to and turns every entry into a leapp report with the same
  title, summary, severity, groups, key, related resources, remediations and links. When a
  finding that inhibits the upgrade has a safe fix, it asks (dialog `postfix_preupgrade_fix`,
  answer file) whether leapp may apply the safe fixes after the RPM upgrade; if yes, those
  findings stop inhibiting and a fix plan is handed to the fix actor.
- postfix_preupgrade_fix (ThirdPartyApplicationsPhaseTag) applies that plan with
  `postfix-preupgrade fix -y --only ...` and reports what happened.

If the binary fails, the actors report the failure (group `failure`) instead of raising.

Runs on the Python of every leapp: 2.7 (RHEL 7) and 3.6+ (RHEL 8, 9).
"""
import hashlib
import json
import subprocess

try:
    _STRING_TYPES = (str, unicode)  # noqa: F821 (Python 2)
except NameError:
    _STRING_TYPES = (str,)

BINARY = "/usr/bin/postfix-preupgrade"
ACTOR_CHECK = "postfix_preupgrade_check"

DIALOG_SCOPE = "postfix_preupgrade_fix"
DIALOG_KEY = "confirm"
DIALOG_REASON = (
    "postfix-preupgrade found Postfix configuration problems that block the upgrade and "
    "that it can fix safely. Leapp can apply these fixes right after the packages are "
    "upgraded, before Postfix first starts on the new release."
)
DIALOG_LABEL = "Apply the safe postfix-preupgrade fixes during the upgrade?"
DIALOG_DESCRIPTION = (
    "True: after the RPM upgrade, leapp runs `postfix-preupgrade fix -y --only <checks>` "
    "(every changed file is backed up; `postfix-preupgrade undo` restores them) and these "
    "findings no longer inhibit the upgrade. False: fix them yourself before upgrading."
)

# Groups every postfix-preupgrade report carries, and the ones with a meaning for leapp.
INHIBITOR = "inhibitor"
FAILURE = "failure"
BASE_GROUPS = ("email", "services")

# Keys of the actors' own reports: stable, like the binary's (sha1 of a fixed name).
KEY_CHECK_FAILED = hashlib.sha1(b"postfix-preupgrade:leapp:check-failed").hexdigest()
KEY_FIX_RESULT = hashlib.sha1(b"postfix-preupgrade:leapp:fix-result").hexdigest()

# Exit statuses of the binary (interface.md).
EXIT_OK, EXIT_INHIBITOR, EXIT_FAILURE, EXIT_PARTIAL_FIX = 0, 1, 2, 3


class BinaryError(Exception):
    """The binary could not be run or did not produce a usable document."""

    def __init__(self, message, details=None):
        super(BinaryError, self).__init__(message)
        self.message = message
        self.details = details or ""


def run_command(argv):
    """Run argv; return (exit status, stdout text, stderr text). OSError if it cannot start."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def target_from_environ(environ):
    """The binary's --target from leapp's LEAPP_UPGRADE_PATH_TARGET_RELEASE (like `9.6`)."""
    value = (environ.get("LEAPP_UPGRADE_PATH_TARGET_RELEASE") or "").strip()
    return value or None


def check_argv(binary, fmt, target=None):
    argv = [binary]
    if target:
        argv += ["--target", target]
    return argv + ["check", "--format", fmt]


def fix_argv(binary, plan):
    argv = [binary]
    for option, field in (
        ("--source", "source_release"),
        ("--target", "target_release"),
        ("--postfix-version", "postfix_version"),
    ):
        if plan.get(field):
            argv += [option, plan[field]]
    return argv + ["fix", "-y", "--only", ",".join(plan["check_ids"])]


def _run_document(argv, runner):
    """Run a `check` command line and parse its JSON output; BinaryError on any failure."""
    shown = " ".join(argv)
    try:
        rc, out, err = runner(argv)
    except OSError as e:
        raise BinaryError("cannot run {}: {}".format(argv[0], e))
    if rc not in (EXIT_OK, EXIT_INHIBITOR):
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


def failure_parts(error, target):
    """Report parts for a binary that failed: a leapp error report, not a crash."""
    summary = "postfix-preupgrade could not check the Postfix configuration for the upgrade"
    if target:
        summary += " to {}".format(target)
    summary += ": {}.".format(error.message)
    if error.details:
        summary += "\n" + error.details
    return [
        ("Title", ("postfix-preupgrade could not check Postfix",)),
        ("Summary", (summary,)),
        ("Severity", ("high",)),
        ("Audience", ("sysadmin",)),
        ("Groups", (list(BASE_GROUPS) + [FAILURE],)),
        ("Key", (KEY_CHECK_FAILED,)),
        ("RelatedResource", ("package", "postfix-preupgrade")),
        (
            "Remediation",
            {
                "hint": "Run `postfix-preupgrade check` as root to see the error, fix its "
                "cause, then run `leapp preupgrade` again.",
                "commands": [["postfix-preupgrade", "check"]],
            },
        ),
    ]


def safe_fix_findings(json_doc):
    """{key: check id} of the findings the binary can fix safely (`fix.available` and
    `fix.applicability == "safe"`)."""
    out = {}
    for f in json_doc.get("findings") or []:
        fix = f.get("fix") or {}
        if fix.get("available") and fix.get("applicability") == "safe" and f.get("key"):
            out[f["key"]] = f["id"]
    return out


def fixable_inhibitors(entries, safe):
    """Keys of the inhibiting entries whose finding has a safe fix."""
    return [
        e["key"]
        for e in entries
        if INHIBITOR in (e.get("groups") or []) + (e.get("flags") or []) and e["key"] in safe
    ]


def defer_to_fix(entry):
    """The entry of an inhibitor that the fix actor will fix: no longer an inhibitor, and
    saying so."""
    entry = dict(entry)
    entry["groups"] = [g for g in entry.get("groups") or [] if g != INHIBITOR]
    entry["flags"] = [g for g in entry.get("flags") or [] if g != INHIBITOR]
    entry["summary"] = entry["summary"] + (
        "\nThis will be fixed during the upgrade by `postfix-preupgrade fix`, as answered in "
        "the leapp answer file ({}.{}=True).".format(DIALOG_SCOPE, DIALOG_KEY)
    )
    return entry


def to_leapp(parts, reporting):
    """Build leapp report primitives from report parts with leapp's `reporting` module."""
    out = []
    groups_supported = getattr(reporting, "Groups", None) is not None
    for name, args in parts:
        if name == "Groups" and not groups_supported:
            # leapp before 0.15: inhibitor/failure are flags, the rest tags.
            flags = [g for g in args[0] if g in (INHIBITOR, FAILURE)]
            tags = [g for g in args[0] if g not in (INHIBITOR, FAILURE)]
            if flags:
                out.append(reporting.Flags(flags))
            if tags:
                out.append(reporting.Tags(tags))
        elif isinstance(args, dict):
            out.append(getattr(reporting, name)(**args))
        else:
            out.append(getattr(reporting, name)(*args))
    return out


def process_check(
    reporting, ask_fix, produce_plan, environ, runner=run_command, binary=BINARY, log=None
):
    """The postfix_preupgrade_check actor.

    reporting: leapp's `reporting` module (create_report and the primitives);
    ask_fix(): the dialog answer (True, False or None when unanswered), asked only when an
        inhibitor has a safe fix;
    produce_plan(dict): hands the fix plan (apply, check_ids, source_release,
        target_release, postfix_version) to the fix actor;
    environ: the environment (LEAPP_UPGRADE_PATH_TARGET_RELEASE);
    runner(argv) -> (exit status, stdout, stderr).
    Returns the report parts it created, in order.
    """
    target = target_from_environ(environ)
    created = []

    def report(parts):
        reporting.create_report(to_leapp(parts, reporting))
        created.append(parts)

    try:
        doc = _run_document(check_argv(binary, "leapp", target), runner)
        entries = leapp_entries(doc)
        plan = None
        if any(INHIBITOR in (e.get("groups") or []) + (e.get("flags") or []) for e in entries):
            facts = _run_document(check_argv(binary, "json", target), runner)
            safe = safe_fix_findings(facts)
            deferred = fixable_inhibitors(entries, safe)
            if deferred:
                answer = ask_fix()
                if answer is True:
                    plan = {
                        "apply": True,
                        "check_ids": sorted(set(safe.values())),
                        "source_release": (facts.get("source") or {}).get("release"),
                        "target_release": (facts.get("target") or {}).get("release") or target,
                        "postfix_version": (facts.get("source") or {}).get("postfix_version"),
                    }
                    entries = [defer_to_fix(e) if e["key"] in deferred else e for e in entries]
    except BinaryError as e:
        if log:
            log.error("postfix-preupgrade failed: %s %s", e.message, e.details)
        report(failure_parts(e, target))
        return created
    for entry in entries:
        report(entry_parts(entry))
    if plan:
        produce_plan(plan)
    return created


def fix_result_parts(plan, rc, out, err):
    """Report parts for the outcome of the fix actor's `postfix-preupgrade fix`."""
    shown = " ".join(["postfix-preupgrade fix -y --only", ",".join(plan["check_ids"])])
    output = "\n".join(s for s in (out.strip(), err.strip()) if s)
    if rc == EXIT_OK:
        title, severity, groups = "postfix-preupgrade fixed the Postfix configuration", "info", []
        summary = "`{}` applied the safe fixes after the RPM upgrade.".format(shown)
        hint = "Review the changes; `postfix-preupgrade undo` restores the previous files."
    elif rc == EXIT_PARTIAL_FIX:
        title, severity, groups = (
            "postfix-preupgrade could apply only some Postfix fixes",
            "high",
            [FAILURE],
        )
        summary = "`{}` applied some fixes; the others failed and were rolled back.".format(shown)
        hint = "Run `postfix-preupgrade check` and fix the remaining findings before starting Postfix."
    else:
        title, severity, groups = (
            "postfix-preupgrade could not fix the Postfix configuration",
            "high",
            [FAILURE],
        )
        summary = "`{}` failed with exit status {}; nothing was changed.".format(shown, rc)
        hint = "Run `postfix-preupgrade check` and fix the findings before starting Postfix."
    if output:
        summary += "\n" + output
    return [
        ("Title", (title,)),
        ("Summary", (summary,)),
        ("Severity", (severity,)),
        ("Audience", ("sysadmin",)),
        ("Groups", (list(BASE_GROUPS) + groups,)),
        ("Key", (KEY_FIX_RESULT,)),
        ("RelatedResource", ("package", "postfix")),
        ("Remediation", {"hint": hint, "commands": [["postfix-preupgrade", "check"]]}),
    ]


def process_fix(reporting, plans, runner=run_command, binary=BINARY, log=None):
    """The postfix_preupgrade_fix actor: apply the first plan that says apply.
    Returns the report parts it created (none when nothing was to be done)."""
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
    parts = fix_result_parts(plan, rc, out, err)
    reporting.create_report(to_leapp(parts, reporting))
    return [parts]
