# dnf 4 plugin for postfix-preupgrade (RHEL 8, 9 and 10).
#
# - `dnf postfix-preupgrade [ARGS...]` runs the postfix-preupgrade binary with ARGS, its
#   output and exit status unchanged; dnf's --installroot becomes the binary's --root.
#   Arguments that dnf itself would take (-c, -q, -v, -y, -h, --version, --color ...) go
#   after `--`: `dnf postfix-preupgrade -- fix -y`.
# - When a transaction upgrades postfix to another release series (3.5 -> 3.8), the
#   resolved hook runs `postfix-preupgrade check --format json` against the target release
#   and warns with the number of inhibitors. It never blocks the transaction.
# - Configuration: /etc/dnf/plugins/postfix-preupgrade.conf, section [main]:
#   enabled, binary, transaction_check.
#
# Written for the Python versions of dnf on RHEL 8 (3.6) to RHEL 10 (3.12).

import argparse
import json
import logging
import re
import subprocess

import dnf
import dnf.cli
import dnf.exceptions

PLUGIN_NAME = "postfix-preupgrade"
DEFAULT_BINARY = "/usr/bin/postfix-preupgrade"

logger = logging.getLogger("dnf.plugin")


def _conf_get(parser, option, default):
    if parser.has_section("main") and parser.has_option("main", option):
        return parser.get("main", option).strip()
    return default


def _conf_bool(parser, option, default):
    if parser.has_section("main") and parser.has_option("main", option):
        return parser.getboolean("main", option)
    return default


def binary_argv(binary, args, installroot=None):
    """The argv for the binary: dnf's installroot (when not /) becomes --root."""
    args = list(args)
    if args[:1] == ["--"]:
        args = args[1:]
    argv = [binary]
    if installroot and installroot.rstrip("/") and not any(
        a == "--root" or a.startswith("--root=") for a in args
    ):
        argv += ["--root", installroot]
    return argv + args


def release_series(version):
    """'3.8.5' -> (3, 8); None when the version does not start with two numbers."""
    m = re.match(r"^(\d+)\.(\d+)", version or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def target_from_release(release):
    """'1.el10_0' -> 'rhel10': the binary's --target from an RPM release's dist tag."""
    m = re.search(r"\bel(\d+)", release or "")
    return "rhel" + m.group(1) if m else None


def postfix_crossing(installed, incoming):
    """Given (version, release) pairs of the installed and incoming postfix packages, return
    (old_version, new_version, target) when the upgrade crosses a release series, else None."""
    for new_version, new_release in incoming:
        for old_version, _old_release in installed:
            old, new = release_series(old_version), release_series(new_version)
            if old and new and new > old:
                return old_version, new_version, target_from_release(new_release)
    return None


def count_inhibitors(report_json):
    """Inhibitors in a `check --format json` document (its summary, else its findings)."""
    doc = json.loads(report_json)
    summary = doc.get("summary") or {}
    if isinstance(summary.get("inhibitors"), int):
        return summary["inhibitors"]
    return sum(1 for f in doc.get("findings", []) if f.get("inhibitor"))


class _PassThroughParser(argparse.ArgumentParser):
    """Takes every remaining word verbatim as `args`."""

    def parse_args(self, args=None, namespace=None):
        namespace = namespace if namespace is not None else argparse.Namespace()
        namespace.args = list(args or [])
        return namespace


class PostfixPreupgradeCommand(dnf.cli.Command):
    aliases = ("postfix-preupgrade",)
    summary = "Check Postfix for an in-place upgrade with postfix-preupgrade"

    @staticmethod
    def set_argparser(parser):
        # dnf hands the arguments its own options did not take to a positional parser, which
        # rejects any that look like options before the first plain word (argparse cannot
        # put a leading `--version` into a REMAINDER positional). Replace that parser, when
        # dnf's OptionParser exposes it as dnf 4 does, with one that keeps every word.
        option_parser = getattr(parser.add_argument, "__self__", None)
        if option_parser is not None and hasattr(option_parser, "command_positional_parser"):
            option_parser.command_positional_parser = _PassThroughParser(
                prog=option_parser.prog, add_help=False
            )
            return
        parser.add_argument(
            "args",
            nargs=argparse.REMAINDER,
            metavar="ARGS",
            help="arguments for postfix-preupgrade (put them after -- when dnf knows them)",
        )

    def configure(self):
        # The binary reads the system itself: no repositories, no sack, no root needed.
        demands = self.cli.demands
        demands.sack_activation = False
        demands.available_repos = False
        demands.resolving = False
        demands.root_user = False

    def run(self):
        plugin = PostfixPreupgrade.instance
        binary = plugin.binary if plugin else DEFAULT_BINARY
        argv = binary_argv(binary, self.opts.args, self.base.conf.installroot)
        logger.debug("postfix-preupgrade: running %s", argv)
        try:
            rc = subprocess.call(argv)
        except OSError as e:
            raise dnf.exceptions.Error("postfix-preupgrade: cannot run {}: {}".format(binary, e))
        if rc != 0:
            # Keep the binary's exit status (1 inhibitors, 2 failure, 3 partial fix): scripts
            # calling `dnf postfix-preupgrade check` rely on it as on the binary's own.
            raise SystemExit(rc)


class PostfixPreupgrade(dnf.Plugin):
    name = PLUGIN_NAME
    instance = None

    def __init__(self, base, cli):
        super(PostfixPreupgrade, self).__init__(base, cli)
        PostfixPreupgrade.instance = self
        self.binary = DEFAULT_BINARY
        self.transaction_check = True
        if cli is not None:
            cli.register_command(PostfixPreupgradeCommand)

    def config(self):
        parser = self.read_config(self.base.conf)
        self.binary = _conf_get(parser, "binary", DEFAULT_BINARY)
        self.transaction_check = _conf_bool(parser, "transaction_check", True)

    def resolved(self):
        if not self.transaction_check:
            return
        transaction = self.base.transaction
        if transaction is None:
            return
        incoming = [(p.version, p.release) for p in transaction.install_set if p.name == "postfix"]
        if not incoming:
            return
        installed = [
            (p.version, p.release)
            for p in self.base.sack.query().installed().filter(name="postfix")
        ]
        crossing = postfix_crossing(installed, incoming)
        if crossing is None:
            return
        old_version, new_version, target = crossing
        args = ["check", "--format", "json"]
        if target:
            args = ["--target", target] + args
        argv = binary_argv(self.binary, args, self.base.conf.installroot)
        header = "postfix-preupgrade: this transaction upgrades postfix {} to {}".format(
            old_version, new_version
        )
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = proc.communicate()
        except OSError as e:
            logger.warning("%s; cannot run %s: %s", header, self.binary, e)
            return
        if proc.returncode not in (0, 1):
            logger.warning(
                "%s; `%s` failed (exit %d): %s",
                header,
                " ".join(argv),
                proc.returncode,
                err.decode("utf-8", "replace").strip(),
            )
            return
        try:
            inhibitors = count_inhibitors(out.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            logger.warning("%s; unreadable report from %s: %s", header, self.binary, e)
            return
        if inhibitors:
            logger.warning(
                "%s; %d inhibitor(s) found: mail delivery may break. "
                "Run `postfix-preupgrade check%s` for details.",
                header,
                inhibitors,
                " --target " + target if target else "",
            )
        else:
            logger.info("%s; postfix-preupgrade found no inhibitor.", header)
