"""Tests of the postfix_preupgrade leapp actors' library, without leapp.

- data/check-leapp.json and data/check.json are documents shaped exactly as interface.md
  says `check --format leapp` / `--format json` print them;
- tests marked needs_check run the real binary on the fixture roots in roots/;
- test_upgrade_story.py (marker story) runs the whole upgrade story on copies of real roots.
Every report goes through the strict stand-in of leapp's `reporting` (reporting_standin.py)
and is validated, as leapp writes it, against leapp's own report schemas.
"""
import json
import os
import re

import jsonschema
import pytest

import postfixpreupgrade as lib
import reporting_standin as standin
from conftest import HERE, load
from reporting_standin import Dialogs, OldReporting, Reporting

BDB_KEY = "3f1c0e9a7b5d2c4e6a8b0d1f3e5c7a9b1d3f5e7a"
CERT_KEY = "1111111111aaaaaaaaaa2222222222bbbbbbbbbb"
SMTPS_KEY = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"


def facts_doc(packages=("postfix",)):
    return json.dumps({"postfix": {"version": "3.5.9", "rpmdb": {
        "packages": [{"name": p, "version": "3.5.9"} for p in packages]}}})


class Documents(object):
    """A runner that answers `facts` and `check --format leapp|json` with fixed documents and
    records every argv it was given."""

    def __init__(self, leapp_doc, json_doc, rc=0, facts=None):
        self.docs = {"leapp": leapp_doc, "json": json_doc, "facts": facts or facts_doc()}
        self.rc = rc
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[-1] == "facts":
            return 0, self.docs["facts"], ""
        fmt = argv[argv.index("--format") + 1]
        return self.rc, self.docs[fmt], ""


def leapp_doc():
    return load("check-leapp.json")


def json_doc():
    return load("check.json")


def validate(reporting, schema, version="1.2.0"):
    jsonschema.validate({"leapp_run_id": "0b7f3a52-3c1e-4a59-9d8e-6f2c1b0a9e11",
                         "entries": reporting.entries(version)}, schema)


MAPPED = ("title", "summary", "severity", "audience", "groups", "key", "detail")


class Run(object):
    """scan + process_check with the stand-ins, recording what the actor produced."""

    def __init__(self, runner, answer=None, env=None, rpm_tasks=True, reporting=None, binary="/b"):
        self.reporting = reporting or Reporting()
        self.dialogs = Dialogs({} if answer is None else {lib.DIALOG_SCOPE: {lib.DIALOG_KEY: answer}})
        self.plans, self.rpm_tasks = [], []
        self.scan = lib.scan(runner, binary, env or {})
        self.parts = lib.process_check(
            self.reporting, self.scan,
            lambda: self.dialogs.ask(lib.DIALOG_SCOPE, lib.DIALOG_KEY, lib.DIALOG_CHOICES),
            self.plans.append, self.rpm_tasks.append if rpm_tasks else None)
        self.dialogs.verify(self.reporting)

    def by_key(self, key):
        (r,) = [r for r in self.reporting.reports if r["key"] == key]
        return r

    def inhibitors(self):
        return [r["key"] for r in self.reporting.reports if "inhibitor" in r.get("groups", [])]


def test_sample_document_is_valid_leapp(schema120):
    jsonschema.validate(json.loads(leapp_doc()), schema120)


def test_every_entry_becomes_the_same_report(schema120, schema110):
    run = Run(Documents(leapp_doc(), json_doc()), answer="False")
    source = json.loads(leapp_doc())["entries"]
    got = run.reporting.entries()
    for want in source:
        (g,) = [e for e in got if e["key"] == want["key"]]
        for field in MAPPED:
            assert g.get(field) == want.get(field), field
        assert g["actor"] == lib.ACTOR_CHECK
    validate(run.reporting, schema120)
    validate(run.reporting, schema110, "1.1.0")
    assert run.inhibitors() == [BDB_KEY, CERT_KEY]


def test_target_comes_from_leapp_environment():
    runner = Documents(leapp_doc(), json_doc())
    Run(runner, env={"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}, binary="/usr/bin/ppu")
    assert runner.calls == [
        ["/usr/bin/ppu", "--target", "10.0", "facts"],
        ["/usr/bin/ppu", "--target", "10.0", "check", "--format", "leapp"],
        ["/usr/bin/ppu", "--target", "10.0", "check", "--format", "json"],
    ]
    runner = Documents(leapp_doc(), json_doc())
    Run(runner)
    assert runner.calls[1] == ["/b", "check", "--format", "leapp"]


def test_binary_path_has_a_development_override():
    assert lib.binary_path({}) == "/usr/bin/postfix-preupgrade"
    assert lib.binary_path({"LEAPP_DEVEL_POSTFIX_PREUPGRADE_BINARY": "/tmp/ppu"}) == "/tmp/ppu"
    assert lib.BINARY_ENV.startswith("LEAPP_DEVEL_")


def test_nothing_when_postfix_is_not_installed():
    runner = Documents("not used", "not used", facts=facts_doc(packages=("postfix-pcre",)))
    run = Run(runner, answer="True")
    assert run.scan["installed"] is False
    assert run.reporting.reports == [] and run.plans == [] and run.rpm_tasks == []
    assert [c[-1] for c in runner.calls] == ["facts"]
    assert lib.process_check(Reporting(), None, lambda: 1 / 0, None) == []


def test_no_question_without_a_deferrable_inhibitor():
    doc = json.loads(json_doc())
    # berkeley-db-map's fix is not available: nothing to defer.
    doc["findings"][0]["fix"] = {"available": False, "applicability": None}
    run = Run(Documents(leapp_doc(), json.dumps(doc)))
    assert run.dialogs.unanswered == [] and run.plans == []
    assert run.inhibitors() == [BDB_KEY, CERT_KEY]
    assert lib.KEY_FIX_DIALOG not in [r["key"] for r in run.reporting.reports]


@pytest.mark.parametrize("answer", ["False", None])
def test_declined_or_unanswered_fix_keeps_inhibitors(schema120, answer):
    run = Run(Documents(leapp_doc(), json_doc()), answer=answer)
    assert run.plans == [] and run.rpm_tasks == []
    dialog = run.by_key(lib.KEY_FIX_DIALOG)
    for state in ("- True", "- False", "- no answer"):
        assert state in dialog["summary"]
    this_run = "False (this run)" if answer else "no answer (this run)"
    assert this_run in dialog["summary"]
    assert "* Berkeley DB lookup tables" in dialog["summary"]
    if answer is None:
        # leapp's own inhibitor for the unanswered question; its command answers False.
        missing = [r for r in run.reporting.reports if r["title"] == "Missing required answers in the answer file"]
        assert len(missing) == 1
        commands = [r["context"] for r in missing[0]["detail"]["remediations"] if r["type"] == "command"]
        assert commands == [["leapp", "answer", "--section", "postfix_preupgrade_fix.confirm=False"]]
        assert run.inhibitors() == [BDB_KEY, CERT_KEY, missing[0]["key"]]
    else:
        assert run.inhibitors() == [BDB_KEY, CERT_KEY]
    validate(run.reporting, schema120)


def test_accepted_fix_defers_exactly_the_listed_checks(schema120):
    run = Run(Documents(leapp_doc(), json_doc()), answer="True")
    # smtps-service-renamed has a safe fix but inhibits nothing: not in the plan.
    (plan,) = run.plans
    assert plan["check_ids"] == ["berkeley-db-map"]
    assert [d["key"] for d in plan["deferred"]] == [BDB_KEY]
    assert plan["deferred"][0]["location"] == "/etc/postfix/main.cf:4"
    assert (plan["source_release"], plan["target_release"]) == ("9.4", "10")
    assert "postfix_version" not in plan
    assert run.rpm_tasks == [["postfix-lmdb"]]
    assert run.inhibitors() == [CERT_KEY], "no safe fix: still inhibits"
    bdb = run.by_key(BDB_KEY)
    assert "email" in bdb["groups"] and "confirm=True" in bdb["summary"]
    assert run.by_key(SMTPS_KEY)["summary"] == json.loads(leapp_doc())["entries"][1]["summary"]
    dialog = run.by_key(lib.KEY_FIX_DIALOG)
    assert "True (this run)" in dialog["summary"]
    assert "postfix-lmdb" in dialog["summary"]
    assert "--only berkeley-db-map`" in dialog["summary"]
    validate(run.reporting, schema120)
    # Model fields: the plan has exactly the fields of PostfixPreupgradeFixPlan.
    assert set(plan) == model_fields("PostfixPreupgradeFixPlan")
    assert set(plan["deferred"][0]) == model_fields("PostfixPreupgradeDeferred")
    assert set(run.scan) == model_fields("PostfixPreupgradeScan")
    assert set(run.scan["findings"][0]) == model_fields("PostfixPreupgradeFinding")


def test_installed_lmdb_needs_no_rpm_task():
    runner = Documents(leapp_doc(), json_doc(), facts=facts_doc(("postfix", "postfix-lmdb")))
    run = Run(runner, answer="True")
    assert run.rpm_tasks == [] and run.plans[0]["check_ids"] == ["berkeley-db-map"]


def test_without_rpm_tasks_berkeley_db_is_not_deferred():
    # No RpmTransactionTasks model: postfix-lmdb cannot be installed, the inhibitor stays.
    run = Run(Documents(leapp_doc(), json_doc()), answer="True", rpm_tasks=False)
    assert run.plans == [] and run.dialogs.unanswered == []
    assert run.inhibitors() == [BDB_KEY, CERT_KEY]


def test_a_check_leapp_does_not_know_is_never_deferred():
    doc = json.loads(json_doc())
    doc["findings"][0]["id"] = "config-syntax"
    run = Run(Documents(leapp_doc(), json.dumps(doc)), answer="True")
    assert run.plans == [] and run.inhibitors() == [BDB_KEY, CERT_KEY]


def model_fields(name):
    path = os.path.join(HERE, "..", "postfix_preupgrade", "models", "postfixpreupgrade.py")
    with open(path) as f:
        source = f.read()
    body = source.split("class {}(Model):".format(name))[1].split("\nclass ")[0]
    return set(re.findall(r"^    (\w+) = fields\.", body, re.M))


def test_old_leapp_gets_tags_constants(schema110):
    with pytest.raises(TypeError):
        OldReporting.Tags(["email"])
    reporting = OldReporting()
    run = Run(Documents(leapp_doc(), json_doc()), answer="False", reporting=reporting)
    want = json.loads(leapp_doc())["entries"]
    for w in want:
        (got,) = [r for r in reporting.reports if r["key"] == w["key"]]
        assert got["flags"] == [g for g in w["groups"] if g == "inhibitor"]
        assert got["tags"] == [g for g in w["groups"] if g != "inhibitor"]
    validate(run.reporting, schema110, "1.1.0")


@pytest.mark.parametrize("bad", [
    lambda r: [r.Title("t"), r.Summary("s"), r.Severity("critical"), r.Key("k")],
    lambda r: [r.Title("t"), r.Summary("s"), r.Audience("admins"), r.Key("k")],
    lambda r: [r.Title("t"), r.Summary("s"), r.Key("  ")],
    lambda r: [r.Title("t"), r.Summary("s"), r.Key(None)],
    lambda r: [r.Title(["t"]), r.Summary("s"), r.Key("k")],
    lambda r: [r.Title("t"), r.Summary("s"), r.Groups("inhibitor"), r.Key("k")],
    lambda r: [r.Title("t"), r.Summary("s"), r.Remediation(commands=["postfix-preupgrade fix"]), r.Key("k")],
    lambda r: [r.Title("t"), r.Title("u"), r.Summary("s"), r.Key("k")],
    lambda r: [r.Summary("s"), r.Key("k")],
    lambda r: [r.Title("t"), r.Summary("s"), r.RelatedResource("file", None), r.Key("k")],
])
def test_standin_rejects_what_leapp_rejects(bad):
    with pytest.raises((TypeError, ValueError)):
        Reporting().create_report(bad(Reporting))


def failure_of(runner, binary="/b"):
    reporting = Reporting()
    result = lib.scan(runner, binary, {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "9.6"})
    parts = lib.process_check(reporting, result, lambda: 1 / 0, lambda p: 1 / 0, lambda p: 1 / 0)
    assert len(reporting.reports) == 1 and len(parts) == 1
    report = reporting.reports[0]
    assert "failure" in report["groups"]
    assert report["key"] == lib.KEY_CHECK_FAILED
    return report


def stdlib(binary):
    """A runner over the stand-in of leapp.libraries.stdlib.run for `binary`."""
    runner = lib.stdlib_runner(standin.run)
    return lambda argv: runner([binary] + argv[1:])


def test_missing_binary_is_a_failure_report(schema120, tmp_path):
    missing = str(tmp_path / "no-such-binary")
    report = failure_of(lib.stdlib_runner(standin.run), binary=missing)
    assert "cannot run " + missing in report["summary"]
    assert "upgrade to 9.6" in report["summary"]


def test_failing_binary_is_a_failure_report(tmp_path):
    # A real program that fails the way the binary does on bad usage: exit 2, a message.
    script = tmp_path / "failing"
    script.write_text(u"#!/bin/sh\necho 'postfix-preupgrade: error: /etc/postfix/main.cf line 3: bad' >&2\nexit 2\n")
    os.chmod(str(script), 0o755)
    report = failure_of(stdlib(str(script)))
    assert "failed with exit status 2" in report["summary"]
    assert "main.cf line 3: bad" in report["summary"]


@pytest.mark.parametrize("output", ["", "not json", "[1, 2]", '{"entries": "x"}', '{"entries": [{"title": "t"}]}'])
def test_unusable_output_is_a_failure_report(output):
    def runner(argv):
        return (0, facts_doc(), "") if argv[-1] == "facts" else (0, output, "")
    assert failure_of(runner)["severity"] == "high"


def test_failure_in_the_json_run_is_reported_too():
    class SecondFails(Documents):
        def __call__(self, argv):
            rc, out, err = Documents.__call__(self, argv)
            return (rc, out, err) if argv[-1] != "json" else (2, "", "boom")

    assert "boom" in failure_of(SecondFails(leapp_doc(), json_doc()))["summary"]


PLAN = {"apply": True, "check_ids": ["berkeley-db-map"],
        "deferred": [{"key": BDB_KEY, "check_id": "berkeley-db-map",
                      "title": "Berkeley DB lookup tables are not supported on RHEL 10",
                      "location": "/etc/postfix/main.cf:4"}],
        "source_release": "9.4", "target_release": "10"}

FIX_OUTPUT = ("Fixes applied now:\n  [berkeley-db-map] (safe) hash -> lmdb at /etc/postfix/main.cf "
              "line 4: hash:/etc/aliases (alias_maps)\n\nBackup 20261127T180000Z saved in /x\n")


def fix_runner(rc, remaining_keys, calls, verify_keys=()):
    doc = json.loads(json_doc())
    doc["findings"] = [f for f in doc["findings"] if f["key"] in remaining_keys]
    verified = json.loads(json_doc())
    verified["findings"] = [f for f in verified["findings"] if f["key"] in verify_keys]

    def runner(argv):
        calls.append(argv)
        if "fix" in argv:
            return rc, FIX_OUTPUT, ""
        if "verify" in argv:
            blocked = any(f["inhibitor"] for f in verified["findings"])
            return (1 if blocked else 0), json.dumps(verified), ""
        return 0, json.dumps(doc), ""
    return runner


def by_key(reporting, key):
    (report,) = [r for r in reporting.reports if r["key"] == key]
    return report


@pytest.mark.parametrize("rc", [0, 1, 3])
def test_fix_actor_judges_by_a_recheck(schema120, rc):
    calls = []
    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [{"apply": False, "check_ids": ["x"]}, PLAN],
                    fix_runner(rc, [SMTPS_KEY], calls), "/b")
    # No --postfix-version: after the upgrade the binary reads the installed one.
    # verify has no target: the release leapp upgraded to is the installed one
    assert calls == [["/b", "--source", "9.4", "--target", "10", "fix", "-y", "--only", "berkeley-db-map"],
                     ["/b", "--source", "9.4", "--target", "10", "check", "--format", "json"],
                     ["/b", "--source", "10", "verify", "--format", "json"]]
    report = by_key(reporting, lib.KEY_FIX_RESULT)
    assert report["severity"] == "info" and "failure" not in report["groups"]
    assert "Fixed (" in report["summary"] and BDB_KEY in report["summary"]
    assert "hash -> lmdb at /etc/postfix/main.cf" in report["summary"]
    assert "exited with status {}".format(rc) in report["summary"]
    validate(reporting, schema120)


@pytest.mark.parametrize("rc", [0, 3])
def test_fix_actor_reports_deferred_findings_still_present(schema120, rc):
    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [PLAN], fix_runner(rc, [BDB_KEY], []), "/b")
    report = by_key(reporting, lib.KEY_FIX_RESULT)
    assert report["severity"] == "high" and "failure" in report["groups"]
    assert "Still present" in report["summary"] and BDB_KEY in report["summary"]
    validate(reporting, schema120)


def test_fix_actor_does_nothing_without_an_accepted_plan():
    reporting = Reporting()
    assert lib.process_fix(reporting, [], lambda argv: 1 / 0, "/b") == []
    assert lib.process_fix(reporting, [dict(PLAN, apply=False)], lambda argv: 1 / 0, "/b") == []
    assert reporting.reports == []


def test_fix_actor_reports_a_missing_binary(tmp_path):
    reporting = Reporting()
    lib.process_fix(reporting, [PLAN], stdlib(str(tmp_path / "nope")), str(tmp_path / "nope"))
    report = by_key(reporting, lib.KEY_FIX_RESULT)
    assert "failure" in report["groups"] and report["severity"] == "high"
    assert "re-check failed" in report["summary"] and "cannot run" in report["summary"]
    verified = by_key(reporting, lib.KEY_VERIFY_RESULT)
    assert "failure" in verified["groups"] and verified["severity"] == "high"
    assert "cannot run" in verified["summary"]


def test_fix_actor_verifies_inhibitor_class_findings_as_high_with_the_remedy(schema120):
    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [PLAN], fix_runner(0, [], [], [BDB_KEY, SMTPS_KEY]), "/b")
    assert by_key(reporting, lib.KEY_FIX_RESULT)["severity"] == "info"
    report = by_key(reporting, lib.KEY_VERIFY_RESULT)
    assert report["severity"] == "high" and "failure" in report["groups"]
    assert "inhibitor" not in report["groups"], "after the upgrade nothing can inhibit it"
    summary = report["summary"]
    assert BDB_KEY in summary and SMTPS_KEY in summary
    # the inhibitor-class finding comes first, under its own heading
    assert summary.index(BDB_KEY) < summary.index("Left to do") < summary.index(SMTPS_KEY)
    commands = report["detail"]["remediations"]
    assert ["postfix-preupgrade", "verify"] in [r["context"] for r in commands]
    assert any(r["type"] == "command" and "fix" in r["context"] for r in commands), commands
    validate(reporting, schema120)


def test_fix_actor_verify_without_inhibitors_is_not_a_failure(schema120):
    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [PLAN], fix_runner(0, [], [], [SMTPS_KEY]), "/b")
    report = by_key(reporting, lib.KEY_VERIFY_RESULT)
    assert report["severity"] == "low" and "failure" not in report["groups"]
    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [PLAN], fix_runner(0, [], []), "/b")
    report = by_key(reporting, lib.KEY_VERIFY_RESULT)
    assert report["severity"] == "info" and "nothing left" in report["title"]
    validate(reporting, schema120)


def test_texts_left_to_the_checks_object_are_read_from_it():
    # A report lists once, under `checks`, the texts a check found in many places repeats;
    # a finding without `title` (or hint) has its check's. Older reports have no `checks`.
    doc = {
        "checks": {"berkeley-db-map": {"title": "Shared title", "hint": "Shared hint"}},
        "findings": [
            {"id": "berkeley-db-map", "key": "k1", "remediation": {"commands": []}},
            {"id": "berkeley-db-map", "key": "k2", "title": "Own", "remediation": {"hint": "h"}},
            {"id": "nis-map", "key": "k3"},
        ],
    }
    assert [f["title"] for f in lib._findings(doc)] == ["Shared title", "Own", "nis-map"]
    assert lib.check_texts(doc, doc["findings"][0])["hint"] == "Shared hint"
    assert lib.check_texts(doc, doc["findings"][2]) == {}
    old = {"findings": [{"id": "x", "key": "k", "title": "T"}]}
    assert lib._findings(old)[0]["title"] == "T"
    assert lib.check_texts(old, old["findings"][0]) == {}


def test_library_has_no_leapp_or_subprocess_import():
    # The actors import leapp; the library must not, so it is testable and importable here.
    # Commands go through leapp.libraries.stdlib.run (the actors pass it in).
    with open(lib.__file__.replace(".pyc", ".py")) as f:
        source = f.read()
    assert not re.search(r"^\s*(import|from)\s+leapp\b", source, re.M)
    assert not re.search(r"^\s*(import|from)\s+subprocess\b", source, re.M)


def test_repository_metadata():
    repo = os.path.join(HERE, "..", "postfix_preupgrade")
    with open(os.path.join(repo, ".leapp", "info")) as f:
        info = json.load(f)
    assert info["name"] == "postfix_preupgrade"
    assert info["repos"] == ["efcf9016-f2d1-4609-9329-a298e6587b3c", "644900a5-c347-43a3-bfab-f448f46d9647"]
    import uuid
    assert uuid.UUID(info["id"]).version == 4
    with open(os.path.join(repo, ".leapp", "leapp.conf")) as f:
        assert "repo_path=${repository:root_dir}" in f.read()
    phases = {"postfix_preupgrade_scanner": "FactsPhaseTag", "postfix_preupgrade_check": "ChecksPhaseTag",
              "postfix_preupgrade_fix": "ThirdPartyApplicationsPhaseTag"}
    for actor, phase in phases.items():
        path = os.path.join(repo, "actors", actor, "actor.py")
        with open(path) as f:
            source = f.read()
        compile(source, path, "exec")
        assert "from leapp.libraries.common import postfixpreupgrade as lib" in source
        assert phase in source
    with open(os.path.join(repo, "actors", "postfix_preupgrade_check", "actor.py")) as f:
        assert "title=lib.DIALOG_TITLE" in f.read()


# ---- on the real binary's output -----------------------------------------------------

ROOTS = os.path.join(HERE, "roots")


def root_runner(root):
    """Run the real binary on a fixture root, as leapp would run it on /."""
    def runner(argv):
        return lib.stdlib_runner(standin.run)(argv[:1] + ["--root", root] + argv[1:])
    return runner


@pytest.mark.needs_check
@pytest.mark.parametrize("root", sorted(os.listdir(ROOTS)) if os.path.isdir(ROOTS) else [])
def test_real_binary_entries_become_the_same_reports(binary, schema120, root):
    root = os.path.join(ROOTS, root)
    env = {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}
    rc, out, err = root_runner(root)([binary, "--target", "10.0", "check", "--format", "leapp"])
    assert rc in (0, 1), err
    doc = json.loads(out)
    jsonschema.validate(doc, schema120)
    run = Run(root_runner(root), answer="False", env=env, binary=binary)
    for want in doc["entries"]:
        (got,) = [e for e in run.reporting.entries() if e["key"] == want["key"]]
        for field in MAPPED:
            assert got.get(field) == want.get(field), (root, field)
    validate(run.reporting, schema120)
    # rc 1 exactly when an entry inhibits.
    assert (rc == 1) == any("inhibitor" in e["groups"] for e in doc["entries"])


@pytest.mark.needs_check
def test_real_binary_bad_config_is_reported_not_raised(binary, tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "postfix").mkdir(parents=True)
    (root / "etc" / "postfix" / "main.cf").write_text(u"   leading whitespace continues nothing\n")
    (root / "etc" / "postfix" / "master.cf").write_text(u"smtp inet n - n - - smtpd\n")
    run = Run(root_runner(str(root)), env={"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}, binary=binary)
    assert run.reporting.reports, "a bad main.cf gives a finding or a failure report"
    for r in run.reporting.reports:
        assert r["groups"][:2] == ["email", "services"] or "failure" in r["groups"]
