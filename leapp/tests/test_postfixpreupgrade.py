"""Tests of the postfix_preupgrade leapp actors' library, without leapp.

- data/check-leapp.json and data/check.json are documents shaped exactly as interface.md
  says `check --format leapp` / `--format json` print them;
- tests marked needs_check run the real binary on the fixture roots in roots/.
Every report the library creates is serialised the way leapp writes leapp-report.json
(reporting_standin.py) and validated against leapp's own report schema.
"""
import copy
import json
import os
import subprocess

import jsonschema
import pytest

import postfixpreupgrade as lib
from conftest import HERE, load
from reporting_standin import OldReporting, Reporting


class Documents(object):
    """A runner that answers `check --format leapp|json` with fixed documents and records
    every argv it was given."""

    def __init__(self, leapp_doc, json_doc, rc=0):
        self.docs = {"leapp": leapp_doc, "json": json_doc}
        self.rc = rc
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        fmt = argv[argv.index("--format") + 1]
        return self.rc, self.docs[fmt], ""


def leapp_doc():
    return load("check-leapp.json")


def json_doc():
    return load("check.json")


def validate(entries, schema):
    jsonschema.validate({"leapp_run_id": "0b7f3a52-3c1e-4a59-9d8e-6f2c1b0a9e11", "entries": entries}, schema)


MAPPED = ("title", "summary", "severity", "audience", "groups", "key", "detail")


def test_sample_document_is_valid_leapp(schema120):
    validate(json.loads(leapp_doc())["entries"], schema120)


def test_every_entry_becomes_the_same_report(schema120):
    reporting = Reporting()
    runner = Documents(leapp_doc(), json_doc())
    asked = []
    lib.process_check(reporting, lambda: asked.append(1), lambda plan: None, {}, runner)
    source = json.loads(leapp_doc())["entries"]
    assert len(reporting.reports) == len(source)
    for got, want in zip(reporting.reports, source):
        for field in MAPPED:
            assert got.get(field) == want.get(field), field
        assert got["actor"] == lib.ACTOR_CHECK
    validate(reporting.reports, schema120)
    # The inhibitors stay inhibitors when the question is not answered.
    assert [r["key"] for r in reporting.reports if "inhibitor" in r["groups"]] == [
        "3f1c0e9a7b5d2c4e6a8b0d1f3e5c7a9b1d3f5e7a",
        "1111111111aaaaaaaaaa2222222222bbbbbbbbbb",
    ]
    assert asked == [1]


def test_target_comes_from_leapp_environment():
    runner = Documents(leapp_doc(), json_doc())
    lib.process_check(Reporting(), lambda: None, lambda p: None,
                      {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}, runner, binary="/usr/bin/ppu")
    assert runner.calls[0] == ["/usr/bin/ppu", "--target", "10.0", "check", "--format", "leapp"]
    assert runner.calls[1] == ["/usr/bin/ppu", "--target", "10.0", "check", "--format", "json"]
    runner = Documents(leapp_doc(), json_doc())
    lib.process_check(Reporting(), lambda: None, lambda p: None, {}, runner, binary="/usr/bin/ppu")
    assert runner.calls[0] == ["/usr/bin/ppu", "check", "--format", "leapp"]


def test_no_question_without_a_fixable_inhibitor():
    doc = json.loads(leapp_doc())
    # Only the unfixable inhibitor and the low finding remain.
    doc["entries"] = doc["entries"][1:]
    runner = Documents(json.dumps(doc), json_doc())
    asked = []
    reporting = Reporting()
    lib.process_check(reporting, lambda: asked.append(1), lambda p: asked.append(p), {}, runner)
    assert asked == []
    assert len(reporting.reports) == 2
    # No inhibitor at all: the JSON document is not even needed.
    doc["entries"] = doc["entries"][:1]
    runner = Documents(json.dumps(doc), "not used")
    lib.process_check(Reporting(), lambda: asked.append(1), lambda p: asked.append(p), {}, runner)
    assert [c[-1] for c in runner.calls] == ["leapp"]


@pytest.mark.parametrize("answer", [False, None])
def test_declined_fix_keeps_inhibitors(answer):
    reporting = Reporting()
    plans = []
    lib.process_check(reporting, lambda: answer, plans.append, {}, Documents(leapp_doc(), json_doc()))
    assert plans == []
    assert sum("inhibitor" in r["groups"] for r in reporting.reports) == 2


def test_accepted_fix_defers_fixable_inhibitors(schema120):
    reporting = Reporting()
    plans = []
    lib.process_check(reporting, lambda: True, plans.append, {}, Documents(leapp_doc(), json_doc()))
    assert plans == [{
        "apply": True,
        "check_ids": ["berkeley-db-map", "smtps-service-renamed"],
        "source_release": "9.4",
        "target_release": "10",
        "postfix_version": "3.5.9",
    }]
    bdb, smtps, cert = reporting.reports
    assert "inhibitor" not in bdb["groups"] and "email" in bdb["groups"]
    assert "postfix_preupgrade_fix.confirm=True" in bdb["summary"]
    # Not an inhibitor before: unchanged. No safe fix: still inhibits.
    assert smtps["summary"] == json.loads(leapp_doc())["entries"][1]["summary"]
    assert "inhibitor" in cert["groups"]
    validate(reporting.reports, schema120)


def test_schema_110_entries_and_old_leapp(schema110):
    doc = json.loads(leapp_doc())
    for e in doc["entries"]:
        groups = e.pop("groups")
        e["flags"] = [g for g in groups if g in ("inhibitor", "failure")]
        e["tags"] = [g for g in groups if g not in ("inhibitor", "failure")]
    jsonschema.validate(doc, schema110)
    reporting = OldReporting()
    lib.process_check(reporting, lambda: None, lambda p: None, {}, Documents(json.dumps(doc), json_doc()))
    for got, want in zip(reporting.reports, doc["entries"]):
        assert got["flags"] == want["flags"]
        assert got["tags"] == want["tags"]
        assert got["key"] == want["key"]
    jsonschema.validate({"leapp_run_id": doc["leapp_run_id"], "entries": reporting.reports}, schema110)


def failure_of(runner, binary=lib.BINARY):
    reporting = Reporting()
    parts = lib.process_check(reporting, lambda: None, lambda p: None,
                              {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "9.6"}, runner, binary=binary)
    assert len(reporting.reports) == 1 and len(parts) == 1
    report = reporting.reports[0]
    assert "failure" in report["groups"]
    assert report["key"] == lib.KEY_CHECK_FAILED
    return report


def test_missing_binary_is_a_failure_report(schema120, tmp_path):
    missing = str(tmp_path / "no-such-binary")
    report = failure_of(lib.run_command, binary=missing)
    assert "cannot run " + missing in report["summary"]
    assert "upgrade to 9.6" in report["summary"]
    validate([report], schema120)


def test_failing_binary_is_a_failure_report(schema120, tmp_path):
    # A real program that fails the way the binary does on bad usage: exit 2, a message.
    script = tmp_path / "failing"
    script.write_text(u"#!/bin/sh\necho 'postfix-preupgrade: error: /etc/postfix/main.cf line 3: bad' >&2\nexit 2\n")
    os.chmod(str(script), 0o755)
    report = failure_of(lib.run_command, binary=str(script))
    assert "failed with exit status 2" in report["summary"]
    assert "main.cf line 3: bad" in report["summary"]
    validate([report], schema120)


@pytest.mark.parametrize("output", ["", "not json", "[1, 2]", '{"entries": "x"}', '{"entries": [{"title": "t"}]}'])
def test_unusable_output_is_a_failure_report(output):
    report = failure_of(lambda argv: (0, output, ""))
    assert report["severity"] == "high"


def test_failure_in_the_json_run_is_reported_too():
    class SecondFails(Documents):
        def __call__(self, argv):
            rc, out, err = Documents.__call__(self, argv)
            return (rc, out, err) if argv[-1] == "leapp" else (2, "", "boom")

    report = failure_of(SecondFails(leapp_doc(), json_doc()))
    assert "boom" in report["summary"]


PLAN = {"apply": True, "check_ids": ["berkeley-db-map", "smtps-service-renamed"],
        "source_release": "9.4", "target_release": "10", "postfix_version": "3.5.9"}


@pytest.mark.parametrize("rc,severity,failure", [(0, "info", False), (3, "high", True), (2, "high", True)])
def test_fix_actor_runs_the_plan(schema120, rc, severity, failure):
    calls = []

    def runner(argv):
        calls.append(argv)
        return rc, "backup 20261127T180000Z\n", ""

    reporting = Reporting(actor="postfix_preupgrade_fix")
    lib.process_fix(reporting, [{"apply": False, "check_ids": ["x"]}, PLAN], runner, binary="/b")
    assert calls == [["/b", "--source", "9.4", "--target", "10", "--postfix-version", "3.5.9",
                      "fix", "-y", "--only", "berkeley-db-map,smtps-service-renamed"]]
    (report,) = reporting.reports
    assert report["severity"] == severity
    assert ("failure" in report["groups"]) == failure
    assert "backup 20261127T180000Z" in report["summary"]
    validate(reporting.reports, schema120)


def test_fix_actor_does_nothing_without_an_accepted_plan():
    reporting = Reporting()
    assert lib.process_fix(reporting, [], lambda argv: 1 / 0) == []
    assert lib.process_fix(reporting, [dict(PLAN, apply=False)], lambda argv: 1 / 0) == []
    assert reporting.reports == []


def test_fix_actor_reports_a_missing_binary(tmp_path):
    reporting = Reporting()
    lib.process_fix(reporting, [PLAN], binary=str(tmp_path / "nope"))
    assert "failure" in reporting.reports[0]["groups"]
    assert "cannot run" in reporting.reports[0]["summary"]


def test_library_has_no_leapp_import():
    # The actors import leapp; the library must not, so it is testable and importable here.
    import re
    with open(lib.__file__.replace(".pyc", ".py")) as f:
        source = f.read()
    assert not re.search(r"^\s*(import|from)\s+leapp\b", source, re.M)


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
    for actor in ("postfix_preupgrade_check", "postfix_preupgrade_fix"):
        path = os.path.join(repo, "actors", actor, "actor.py")
        with open(path) as f:
            source = f.read()
        compile(source, path, "exec")
        assert "from leapp.libraries.common import postfixpreupgrade as lib" in source
    with open(os.path.join(repo, "actors", "postfix_preupgrade_check", "actor.py")) as f:
        assert "ChecksPhaseTag" in f.read()
    with open(os.path.join(repo, "actors", "postfix_preupgrade_fix", "actor.py")) as f:
        assert "ThirdPartyApplicationsPhaseTag" in f.read()


# ---- on the real binary's output (enabled when `check` lands) -------------------------

ROOTS = os.path.join(HERE, "roots")


def root_runner(root):
    """Run the real binary on a fixture root, as leapp would run it on /."""
    def runner(argv):
        return lib.run_command(argv[:1] + ["--root", os.path.join(ROOTS, root),
                                           "--postfix-version", "3.5.9"] + argv[1:])
    return runner


@pytest.mark.needs_check
@pytest.mark.parametrize("root", sorted(os.listdir(ROOTS)) if os.path.isdir(ROOTS) else [])
def test_real_binary_entries_become_the_same_reports(binary, schema120, root):
    env = {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}
    rc, out, err = root_runner(root)([binary, "--target", "10.0", "check", "--format", "leapp"])
    assert rc in (0, 1), err
    doc = json.loads(out)
    jsonschema.validate(doc, schema120)
    reporting = Reporting()
    lib.process_check(reporting, lambda: None, lambda p: None, env, root_runner(root), binary=binary)
    assert len(reporting.reports) == len(doc["entries"])
    for got, want in zip(reporting.reports, doc["entries"]):
        for field in MAPPED:
            assert got.get(field) == want.get(field), (root, field)
    validate(reporting.reports, schema120)
    # rc 1 exactly when an entry inhibits.
    assert (rc == 1) == any("inhibitor" in e["groups"] for e in doc["entries"])


@pytest.mark.needs_check
def test_real_binary_fixable_inhibitor_plan(binary, schema120):
    runner = root_runner("rhel9-berkeley-db")
    env = {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}
    rc, out, _ = runner([binary, "--target", "10.0", "check", "--format", "json"])
    facts = json.loads(out)
    safe = sorted({f["id"] for f in facts["findings"]
                   if f["fix"]["available"] and f["fix"]["applicability"] == "safe"})
    assert "berkeley-db-map" in [f["id"] for f in facts["findings"] if f["inhibitor"]]
    reporting, plans = Reporting(), []
    lib.process_check(reporting, lambda: True, plans.append, env, runner, binary=binary)
    validate(reporting.reports, schema120)
    if "berkeley-db-map" in safe:
        assert plans and plans[0]["check_ids"] == safe
        assert plans[0]["target_release"] == facts["target"]["release"]
    else:
        assert plans == []


@pytest.mark.needs_check
def test_real_binary_bad_config_is_reported_not_raised(binary, tmp_path):
    root = tmp_path / "root"
    (root / "etc" / "postfix").mkdir(parents=True)
    (root / "etc" / "postfix" / "main.cf").write_text(u"   leading whitespace continues nothing\n")
    (root / "etc" / "postfix" / "master.cf").write_text(u"smtp inet n - n - - smtpd\n")
    reporting = Reporting()
    env = {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": "10.0"}

    def runner(argv):
        return lib.run_command(argv[:1] + ["--root", str(root)] + argv[1:])

    lib.process_check(reporting, lambda: None, lambda p: None, env, runner, binary=binary)
    assert reporting.reports, "a bad main.cf gives a finding or a failure report"
    for r in reporting.reports:
        assert r["groups"][:2] == ["email", "services"] or "failure" in r["groups"]
