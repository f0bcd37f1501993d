"""The postfix_preupgrade repository inside the real leapp framework (opt-in, marker
real_leapp): with a leapp importable by the Python running pytest. tests/pkg_leapp.rs runs
it with $LEAPP_PYTHON or target/leapp-venv/bin/python, made for example with

    git -C <oamg/leapp checkout> archive v0.21.0 | tar -x -C /tmp/leapp-src
    python3 -m venv --system-site-packages target/leapp-venv
    target/leapp-venv/bin/pip install /tmp/leapp-src

It is skipped when the importable `leapp.reporting` has no `Groups` (an unrelated PyPI
package of the same name, or a leapp before 0.15), and says so.

On a copy of the example host, with the stand-ins of leapp-repository's repositories in
leapp_standin_repos/: `snactor repo find` registers the repositories and `snactor discover`
finds the actors and models; the scanner, the check actor and the stand-in of verifydialogs
run in each answer state (answer file loaded by leapp's AnswerStore), leapp's own
generate_report_file writes leapp-report.json (schemas 1.1.0 and 1.2.0, validated) and
leapp-report.txt; with True, after the simulated RPM upgrade, the fix actor runs on the
plan leapp stored and `check` finds no Berkeley DB inhibitor.
"""
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

import postfixpreupgrade as lib
from test_upgrade_story import EXAMPLE, Host, bdb_inhibitors, installed, rpms  # noqa: F401 (fixture)

try:
    import leapp.reporting as _leapp_reporting

    WHY = None if getattr(_leapp_reporting, "Groups", None) is not None else (
        "the importable leapp.reporting ({}) has no Groups: not the leapp framework 0.15+".format(
            getattr(_leapp_reporting, "__file__", "?")))
except ImportError as e:
    WHY = "leapp is not importable by {}: {}".format(sys.executable, e)

pytestmark = [pytest.mark.real_leapp, pytest.mark.skipif(WHY is not None, reason=str(WHY))]

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = os.path.join(HERE, "leapp_standin_repos")
OURS = os.path.join(HERE, "..", "postfix_preupgrade")
DRIVER = os.path.join(HERE, "real_leapp_driver.py")


class Leapp(object):
    """The repositories copied to a scratch directory (leapp writes its database into the
    repository's .leapp/), registered for a scratch HOME."""

    def __init__(self, tmp_path, host):
        self.repos = str(tmp_path / "repos")
        for name, src in (("common", os.path.join(STANDINS, "common")),
                          ("system_upgrade_common", os.path.join(STANDINS, "system_upgrade_common")),
                          ("postfix_preupgrade", OURS)):
            shutil.copytree(src, os.path.join(self.repos, name),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "leapp.db"))
        self.repo = os.path.join(self.repos, "postfix_preupgrade")
        home = str(tmp_path / "home")
        os.mkdir(home)
        self.env = dict(os.environ, HOME=home, PYTHONDONTWRITEBYTECODE="1",
                        LEAPP_CONFIG=os.path.join(self.repo, ".leapp", "leapp.conf"),
                        LEAPP_HOSTNAME="mail1.example.com", **host.env)
        self.env.pop("LEAPP_EXECUTION_ID", None)
        self.snactor("repo", "find", "--path", self.repos)

    def _run(self, argv, cwd=None):
        proc = subprocess.run(argv, cwd=cwd or self.repo, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        assert proc.returncode == 0, "{}:\n{}\n{}".format(argv, proc.stdout, proc.stderr)
        return proc.stdout

    def snactor(self, *args):
        return self._run([sys.executable, "-c", "import sys; from leapp.snactor import main; "
                          "sys.argv[0] = 'snactor'; main()"] + list(args))

    def actor(self, name, phase, answerfile=None):
        out = self._run([sys.executable, DRIVER, "actor", name, phase] + ([answerfile] if answerfile else []))
        return [dict(m, data=json.loads(m["message"]["data"])) for m in json.loads(out)]

    def report(self, path, schema):
        self._run([sys.executable, DRIVER, "report", path, schema])
        if path.endswith(".json"):
            with open(path) as f:
                return json.load(f)
        with open(path) as f:
            return f.read()


def test_snactor_discovers_the_repository(tmp_path, binary, rpms):  # noqa: F811
    leapp = Leapp(tmp_path, Host(EXAMPLE, tmp_path, binary, rpms))
    found = json.loads(leapp.snactor("discover", "--json"))
    assert found["repository"] == "postfix_preupgrade"
    actors = {a["name"]: a for a in found["actors"].values()}
    for name in (lib.ACTOR_SCANNER, lib.ACTOR_CHECK, lib.ACTOR_FIX):
        assert name in actors, sorted(actors)
    assert "RpmTransactionTasks" in actors[lib.ACTOR_CHECK]["produces"]
    models = set(found["models"])
    assert {"PostfixPreupgradeScan", "PostfixPreupgradeFixPlan"} <= models


@pytest.mark.parametrize("answer", ["True", "False", None], ids=["True", "False", "unanswered"])
def test_preupgrade_and_fix_in_the_real_framework(tmp_path, binary, rpms, schema110, schema120,  # noqa: F811
                                                  answer):
    host = Host(EXAMPLE, tmp_path, binary, rpms)
    leapp = Leapp(tmp_path, host)
    answerfile = None
    if answer is not None:
        answerfile = str(tmp_path / "answerfile")
        with open(answerfile, "w") as f:
            f.write("[{}]\n{} = {}\n".format(lib.DIALOG_SCOPE, lib.DIALOG_KEY, answer))

    assert [m["type"] for m in leapp.actor(lib.ACTOR_SCANNER, "FactsCollection")] == ["PostfixPreupgradeScan"]
    produced = leapp.actor(lib.ACTOR_CHECK, "Checks", answerfile)
    leapp.actor("standin_verify_dialogs", "Checks")
    by_type = {}
    for m in produced:
        by_type.setdefault(m["type"], []).append(m["data"])

    doc = leapp.report(str(tmp_path / "leapp-report.json"), "1.2.0")
    jsonschema.validate(doc, schema120)
    jsonschema.validate(leapp.report(str(tmp_path / "leapp-report-110.json"), "1.1.0"), schema110)
    text = leapp.report(str(tmp_path / "leapp-report.txt"), "1.2.0")
    inhibitors = [e for e in doc["entries"] if "inhibitor" in e["groups"]]
    print("\nreal leapp, answer={}:\n{}".format(answer, "\n".join(
        "  [{}{}] {}".format(e["severity"], " inhibitor" if e in inhibitors else "", e["title"])
        for e in doc["entries"])))
    assert "Postfix fixes leapp can apply during the upgrade" in text
    before = bdb_inhibitors(host.check())

    if answer != "True":
        assert "PostfixPreupgradeFixPlan" not in by_type and "RpmTransactionTasks" not in by_type
        assert set(before) <= {e["key"] for e in inhibitors}
        missing = [e for e in inhibitors if e["title"] == "Missing required answers in the answer file"]
        assert len(missing) == (1 if answer is None else 0)
        if missing:
            commands = [r["context"] for r in missing[0]["detail"]["remediations"] if r["type"] == "command"]
            assert commands == [["leapp", "answer", "--section", "postfix_preupgrade_fix.confirm=False"]]
        return

    assert inhibitors == []
    assert [t["to_install"] for t in by_type["RpmTransactionTasks"]] == [["postfix-lmdb"]]
    (plan,) = by_type["PostfixPreupgradeFixPlan"]
    assert plan["check_ids"] == ["berkeley-db-map"]
    assert sorted(d["key"] for d in plan["deferred"]) == sorted(before)

    host.rpm_upgrade(["postfix-lmdb"])
    assert "postfix-lmdb-3.8.5" in installed(host.root)
    leapp.actor(lib.ACTOR_FIX, "ThirdPartyApplications")
    doc = leapp.report(str(tmp_path / "leapp-report-upgrade.json"), "1.2.0")
    jsonschema.validate(doc, schema120)
    (fix,) = [e for e in doc["entries"] if e["actor"] == lib.ACTOR_FIX]
    print("fix actor: [{}] {}\n{}".format(fix["severity"], fix["title"], fix["summary"]))
    assert fix["severity"] == "info" and fix["key"] == lib.KEY_FIX_RESULT
    assert bdb_inhibitors(host.check()) == []
