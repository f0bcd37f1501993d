"""pytest setup for the leapp repository's library: leapp itself is not needed."""
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "postfix_preupgrade")
sys.path.insert(0, os.path.join(REPO, "libraries"))
sys.path.insert(0, HERE)

# The leapp report schemas (../shared/data beside the checkout).
SHARED = os.environ.get(
    "POSTFIX_PREUPGRADE_SHARED_DATA", os.path.join(HERE, "..", "..", "..", "shared", "data")
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "needs_check: runs the real binary's `check` on fixture roots "
        "(tests/pkg_leapp.rs runs them with the built binary)",
    )
    config.addinivalue_line(
        "markers",
        "story: the upgrade story end to end on copies of real roots, with the real binary, "
        "rpm and rpmbuild (tests/pkg_leapp.rs runs them)",
    )
    config.addinivalue_line(
        "markers",
        "real_leapp: inside the real leapp framework (opt-in: a Python that has leapp; "
        "tests/pkg_leapp.rs runs them when there is one)",
    )


def _schema(name):
    path = os.path.join(SHARED, "leapp", name)
    with open(path) as f:
        return json.load(f)


@pytest.fixture
def schema120():
    return _schema("report-schema-v120.json")


@pytest.fixture
def schema110():
    return _schema("report-schema-v110.json")


@pytest.fixture
def binary():
    path = os.environ.get("POSTFIX_PREUPGRADE_BIN")
    if not path:
        raise RuntimeError("POSTFIX_PREUPGRADE_BIN must name the built binary (tests/pkg_leapp.rs sets it)")
    return path


def load(name):
    with open(os.path.join(HERE, "data", name)) as f:
        return f.read()
