"""Unit tests of the dnf plugin's pure helpers (the plugin inside real dnf is tested by
tests/pkg_dnf.rs). Needs python3-dnf: the module imports dnf."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import postfix_preupgrade as plugin  # noqa: E402


def test_binary_argv_strips_separator_and_adds_installroot():
    assert plugin.binary_argv("/b", ["--", "--version"]) == ["/b", "--version"]
    assert plugin.binary_argv("/b", ["check"], "/") == ["/b", "check"]
    assert plugin.binary_argv("/b", ["check"], "/mnt/sysimage") == [
        "/b", "--root", "/mnt/sysimage", "check"]
    assert plugin.binary_argv("/b", ["--root=/x", "check"], "/mnt") == ["/b", "--root=/x", "check"]
    # Only a leading separator is dnf's; a later one belongs to the binary.
    assert plugin.binary_argv("/b", ["fix", "--", "x"]) == ["/b", "fix", "--", "x"]


@pytest.mark.parametrize("version,series", [
    ("3.5.9", (3, 5)), ("3.10.1", (3, 10)), ("2.10", (2, 10)), ("3", None), ("", None)])
def test_release_series(version, series):
    assert plugin.release_series(version) == series


@pytest.mark.parametrize("release,target", [
    ("1.el10", "rhel10"), ("4.el9_4.2", "rhel9"), ("1.el8_10", "rhel8"), ("1.fc40", None)])
def test_target_from_release(release, target):
    assert plugin.target_from_release(release) == target


def test_postfix_crossing():
    assert plugin.postfix_crossing([("3.5.9", "1.el9")], [("3.8.5", "1.el10")]) == (
        "3.5.9", "3.8.5", "rhel10")
    # Same series, or a downgrade: no warning.
    assert plugin.postfix_crossing([("3.5.9", "1.el9")], [("3.5.25", "1.el9")]) is None
    assert plugin.postfix_crossing([("3.8.5", "1.el10")], [("3.5.9", "1.el9")]) is None
    # Fresh install: nothing to compare with.
    assert plugin.postfix_crossing([], [("3.8.5", "1.el10")]) is None


def test_count_inhibitors():
    doc = {"findings": [{"inhibitor": True}, {"inhibitor": False}],
           "summary": {"inhibitors": 1, "high": 0}}
    assert plugin.count_inhibitors(json.dumps(doc)) == 1
    del doc["summary"]
    doc["findings"].append({"inhibitor": True})
    assert plugin.count_inhibitors(json.dumps(doc)) == 2
    with pytest.raises(ValueError):
        plugin.count_inhibitors("not json")
