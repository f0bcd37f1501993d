"""The upgrade story end to end, with the real binary, the real rpm and rpmbuild, and the
strict stand-ins of leapp (reporting_standin.py), on copies of the example host and of
tests/fixtures/roots/el9-story (marker `story`; tests/pkg_leapp.rs runs it):

1. `leapp preupgrade` in each answer state (True, False, no answer): scanner, then the
   check actor, then leapp's verifydialogs; the reports are validated against leapp's
   report schemas. The upgrade goes ahead only when nothing inhibits it.
2. The RPM upgrade, simulated in the root's rpm database with real packages: postfix
   3.5.9 becomes 3.8.5, postfix-lmdb is installed only when the check actor asked for it
   (RpmTransactionTasks), /etc/os-release says RHEL 10.
3. The fix actor on the same root (ThirdPartyApplicationsPhase), then `check` on the
   result.
"""
import os
import shutil
import subprocess

import jsonschema
import pytest

import postfixpreupgrade as lib
import reporting_standin as standin
from conftest import SHARED
from reporting_standin import Dialogs, Reporting

pytestmark = pytest.mark.story

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(REPO, "examples", "rhel9-mailhost")
STORY = os.path.join(REPO, "tests", "fixtures", "roots", "el9-story")
STOCK = os.path.join(SHARED, "stock", "rhel-like")
TARGET = "10.0"


def tool(name):
    path = shutil.which(name)
    if not path:
        raise RuntimeError("`{}` is not on the PATH: scripts/test.sh installs it".format(name))
    return path


SPEC = """Name: {name}
Version: {version}
Release: {release}
Summary: Stand-in for the RHEL {name} package (database entry only)
License: IPL-1.0 OR EPL-2.0
BuildArch: x86_64
%description
Database entry for a test root of postfix-preupgrade.
%install
{install}
%files
{files}
"""


@pytest.fixture(scope="session")
def rpms(tmp_path_factory):
    """Fake postfix packages, built with the real rpmbuild: the RHEL 9 and RHEL 10 postfix
    (owning main.cf and master.cf with the stock files' digests) and their sub-packages."""
    top = str(tmp_path_factory.mktemp("rpmbuild"))
    for d in ("SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "BUILDROOT"):
        os.mkdir(os.path.join(top, d))
    out = {}
    for name, version, release, stock in (
        ("postfix", "3.5.9", "24.el9", "el9-3.5.9"),
        ("postfix", "3.8.5", "6.el10", "el10-3.8.5-approx"),
        ("postfix-pcre", "3.8.5", "6.el10", None),
        ("postfix-lmdb", "3.8.5", "6.el10", None),
    ):
        install, files = "", ""
        if stock:
            src = os.path.join(top, "SOURCES", stock)
            shutil.copytree(os.path.join(STOCK, stock), src)
            install = ("mkdir -p %{{buildroot}}/etc/postfix\ninstall -m 644 {0}/main.cf {0}/master.cf "
                       "%{{buildroot}}/etc/postfix/".format(src))
            files = "%config(noreplace) /etc/postfix/main.cf\n%config(noreplace) /etc/postfix/master.cf"
        spec = os.path.join(top, "SPECS", "{}-{}.spec".format(name, version))
        with open(spec, "w") as f:
            f.write(SPEC.format(name=name, version=version, release=release, install=install, files=files))
        subprocess.check_call([
            tool("rpmbuild"), "--quiet", "-bb", "--nodeps", "--define", "_topdir " + top,
            "--define", "_build_id_links none", "--define", "__brp_strip /bin/true",
            "--target", "x86_64", spec], stdout=subprocess.DEVNULL)
        out[(name, version)] = os.path.join(
            top, "RPMS", "x86_64", "{}-{}-{}.x86_64.rpm".format(name, version, release))
        assert os.path.isfile(out[(name, version)])
    return out


def rpm(root, *args):
    proc = subprocess.run([tool("rpm"), "--root", root, "--dbpath", "/var/lib/rpm",
                           "--define", "_db_backend sqlite"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def installed(root):
    return sorted(rpm(root, "-qa", "--qf", "%{NAME}-%{VERSION}\n").split())


class Host(object):
    """A copy of a root, with the binary wrapped to run on it (as leapp runs it on /)."""

    def __init__(self, source, tmp_path, binary, rpms):
        self.root = str(tmp_path / "root")
        shutil.copytree(source, self.root, symlinks=True)
        if not os.path.isdir(os.path.join(self.root, "var", "lib", "rpm")):
            # A RHEL 9 host has its postfix package in the rpm database.
            os.makedirs(os.path.join(self.root, "var", "lib", "rpm"))
            rpm(self.root, "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--ignoreos",
                rpms[("postfix", "3.5.9")])
        self.binary = binary
        self.wrapper = str(tmp_path / "postfix-preupgrade")
        with open(self.wrapper, "w") as f:
            f.write('#!/bin/sh\nexec "{}" --root "{}" "$@"\n'.format(binary, self.root))
        os.chmod(self.wrapper, 0o755)
        self.env = {"LEAPP_UPGRADE_PATH_TARGET_RELEASE": TARGET, lib.BINARY_ENV: self.wrapper}
        self.runner = lib.stdlib_runner(standin.run)
        self.rpms = rpms

    def preupgrade(self, answer):
        """Scanner, check actor, verifydialogs: what `leapp preupgrade` reports."""
        run = {"reporting": Reporting(), "plans": [], "rpm_tasks": []}
        dialogs = Dialogs({} if answer is None else {lib.DIALOG_SCOPE: {lib.DIALOG_KEY: answer}})
        scan = lib.scan(self.runner, lib.binary_path(self.env), self.env)
        lib.process_check(run["reporting"], scan,
                          lambda: dialogs.ask(lib.DIALOG_SCOPE, lib.DIALOG_KEY, lib.DIALOG_CHOICES),
                          run["plans"].append, run["rpm_tasks"].append)
        dialogs.verify(run["reporting"])
        run["scan"] = scan
        run["inhibitors"] = [r for r in run["reporting"].reports if "inhibitor" in r.get("groups", [])]
        return run

    def rpm_upgrade(self, to_install):
        """The RPM upgrade to RHEL 10 in the database (files stay: the kept, modified
        config files are %config(noreplace)), and the new /etc/os-release."""
        have = [n.rsplit("-", 1)[0] for n in installed(self.root)]
        pkgs = [self.rpms[(n, "3.8.5")] for n in sorted(set(have) | set(to_install))
                if (n, "3.8.5") in self.rpms]
        rpm(self.root, "-U", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--ignoreos", *pkgs)
        with open(os.path.join(self.root, "etc", "os-release"), "w") as f:
            f.write('NAME="Red Hat Enterprise Linux"\nVERSION="10.0 (Coughlan)"\nID="rhel"\n'
                    'VERSION_ID="10.0"\nPLATFORM_ID="platform:el10"\n')

    def fix_actor(self, plans):
        reporting = Reporting(actor=lib.ACTOR_FIX)
        lib.process_fix(reporting, plans, self.runner, lib.binary_path(self.env))
        return reporting

    def check(self, plan_source="9.4"):
        rc, out, err = self.runner([self.wrapper, "--source", plan_source, "--target", "10",
                                    "check", "--format", "json"])
        assert rc in (0, 1), err
        import json
        return json.loads(out)


def validate(reporting, schema120, schema110):
    for version, schema in (("1.2.0", schema120), ("1.1.0", schema110)):
        jsonschema.validate({"leapp_run_id": "0b7f3a52-3c1e-4a59-9d8e-6f2c1b0a9e11",
                             "entries": reporting.entries(version)}, schema)


def bdb_inhibitors(doc):
    return [f["key"] for f in doc["findings"] if f["id"] == "berkeley-db-map" and f["inhibitor"]]


def summary_of(run):
    """One line per report, for the test output (pytest -s)."""
    return "\n".join("  [{}{}] {}".format(r["severity"], " inhibitor" if "inhibitor" in r.get("groups", []) else "",
                                         r["title"]) for r in run["reporting"].reports)


def unblock_el9_story(host, run):
    """What the el9-story admin does for the inhibitors leapp cannot defer there: the
    smtps_access table has no text source, so its remediation recreates one from the
    Berkeley DB file (the report's own command, with the root's path)."""
    keys = [r["key"] for r in run["inhibitors"]]
    commands = [r["context"] for r in run["reporting"].reports if r["key"] in keys
                for r in r.get("detail", {}).get("remediations", []) if r["type"] == "command"]
    assert ["sh", "-c", "postmap -s hash:/etc/postfix/smtps_access > /etc/postfix/smtps_access"] in commands
    table = os.path.join(host.root, "etc", "postfix", "smtps_access")
    with open(table, "w") as f:
        subprocess.check_call([tool("postmap"), "-s", "hash:" + table], stdout=f)
    assert os.path.getsize(table) > 0


@pytest.mark.parametrize("source", [EXAMPLE, STORY], ids=["rhel9-mailhost", "el9-story"])
@pytest.mark.parametrize("answer", ["True", "False", None], ids=["True", "False", "unanswered"])
def test_upgrade_story(binary, schema120, schema110, tmp_path, rpms, source, answer):
    host = Host(source, tmp_path, binary, rpms)
    before = host.check()
    assert bdb_inhibitors(before), "the story starts with Berkeley DB inhibitors"
    assert "postfix-lmdb" not in [n.rsplit("-", 1)[0] for n in installed(host.root)]

    run = host.preupgrade(answer)
    validate(run["reporting"], schema120, schema110)
    print("\n{} answer={}: preupgrade\n{}".format(os.path.basename(source), answer, summary_of(run)))
    if answer == "True":
        not_deferrable = [f["key"] for f in run["scan"]["findings"] if f["inhibitor"] and not f["safe_fix"]]
        assert sorted(r["key"] for r in run["inhibitors"]) == sorted(not_deferrable)
        if run["inhibitors"]:
            assert source == STORY
            unblock_el9_story(host, run)
            run = host.preupgrade(answer)
            validate(run["reporting"], schema120, schema110)
            print("after recreating smtps_access:\n" + summary_of(run))
        assert run["inhibitors"] == [], "nothing inhibits: leapp upgrades"
        (plan,) = run["plans"]
        assert plan["check_ids"] == ["berkeley-db-map"]
        assert run["rpm_tasks"] == [["postfix-lmdb"]]
        assert sorted(d["key"] for d in plan["deferred"]) == sorted(bdb_inhibitors(host.check()))
    else:
        # The inhibitors stand: leapp does not upgrade, nothing is planned or installed.
        assert run["plans"] == [] and run["rpm_tasks"] == []
        keys = [r["key"] for r in run["inhibitors"]]
        assert set(bdb_inhibitors(before)) <= set(keys)
        missing = [r for r in run["inhibitors"] if r["title"] == "Missing required answers in the answer file"]
        assert len(missing) == (1 if answer is None else 0)
        return

    host.rpm_upgrade([p for task in run["rpm_tasks"] for p in task])
    assert "postfix-3.8.5" in installed(host.root) and "postfix-lmdb-3.8.5" in installed(host.root)
    fix = host.fix_actor(run["plans"])
    validate(fix, schema120, schema110)
    (report,) = fix.reports
    print("fix actor: [{}] {}\n{}".format(report["severity"], report["title"], report["summary"]))
    after = host.check()
    assert bdb_inhibitors(after) == []
    assert after["source"]["postfix_version"] == "3.8.5", "detected, not passed"
    assert report["severity"] == "info" and "failure" not in report["groups"]
    assert "Fixed (" in report["summary"] and "Still present" not in report["summary"]
    for d in run["plans"][0]["deferred"]:
        assert d["key"] in report["summary"]
    with open(os.path.join(host.root, "etc", "postfix", "main.cf")) as f:
        settings = [l for l in f.read().splitlines() if not l.lstrip().startswith("#")]
    assert not [l for l in settings if "hash:" in l or "btree:" in l], settings
    assert "alias_maps = lmdb:/etc/aliases" in settings
    assert os.path.isfile(os.path.join(host.root, "etc", "aliases.lmdb"))


def test_upgrade_without_postfix_lmdb_is_reported(binary, schema120, schema110, tmp_path, rpms):
    """True, but the upgrade did not install postfix-lmdb (the RPM task was dropped): the
    fix can convert nothing, and the fix actor says which deferred inhibitors remain."""
    host = Host(EXAMPLE, tmp_path, binary, rpms)
    run = host.preupgrade("True")
    assert run["inhibitors"] == [] and run["rpm_tasks"] == [["postfix-lmdb"]]
    host.rpm_upgrade([])
    assert "postfix-lmdb-3.8.5" not in installed(host.root)
    fix = host.fix_actor(run["plans"])
    validate(fix, schema120, schema110)
    (report,) = fix.reports
    assert report["severity"] == "high" and "failure" in report["groups"]
    assert "Still present" in report["summary"]
    for key in bdb_inhibitors(host.check()):
        assert key in report["summary"]
    assert bdb_inhibitors(host.check())


def test_after_the_upgrade_the_installed_postfix_is_detected(binary, tmp_path, rpms):
    """A plan for compatibility-level, run after the upgrade: the binary reads Postfix 3.8.5
    from the rpm database and raises the level now instead of postponing it."""
    host = Host(EXAMPLE, tmp_path, binary, rpms)
    host.rpm_upgrade(["postfix-lmdb"])
    plan = {"apply": True, "check_ids": ["compatibility-level"], "deferred": [],
            "source_release": "9.4", "target_release": "10"}
    (report,) = host.fix_actor([plan]).reports
    with open(os.path.join(host.root, "etc", "postfix", "main.cf")) as f:
        main_cf = f.read()
    assert "compatibility_level = 3.8" in main_cf, report["summary"]
    assert not [f for f in host.check()["findings"] if f["id"] == "compatibility-level"]
