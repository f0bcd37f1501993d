"""Run one step in the real leapp framework, in the leapp repository of the current
directory (test_real_leapp.py runs it with the Python that has leapp, one process per step,
as leapp runs each actor on its own):

    real_leapp_driver.py actor NAME PHASE [ANSWERFILE]   run an actor the way `snactor run
        --save-output` does (the snactor context, messages stored in the repository's
        database), in the workflow phase PHASE (as leapp names it in LEAPP_CURRENT_PHASE),
        answers loaded from ANSWERFILE; prints the messages it produced (JSON)
    real_leapp_driver.py report PATH SCHEMA         write the context's reports with leapp's
        own generate_report_file (leapp-report.json or .txt, report schema SCHEMA)
"""
import json
import os
import sys

from leapp.logger import configure_logger
from leapp.messaging.inprocess import InProcessMessaging
from leapp.repository.scan import find_and_scan_repositories
from leapp.snactor.context import last_snactor_context
from leapp.utils.report import fetch_upgrade_report_messages, generate_report_file
from leapp.utils.repository import find_repository_basedir


class _NoWorkflow(object):
    """The answers are translated when an actor reads them (Dialog.get_answers)."""

    dialogs = ()


def run_actor(name, answerfile=None):
    log = configure_logger()
    repository = find_and_scan_repositories(find_repository_basedir("."), include_locals=True)
    repository.load()
    actor = repository.lookup_actor(name)
    if not actor:
        raise SystemExit("actor {} not found".format(name))
    messaging = InProcessMessaging(stored=True)
    if answerfile:
        messaging.load_answers(answerfile, _NoWorkflow())
    messaging.load(actor.consumes)
    # skip_dialogs: non-interactive, as `leapp preupgrade` and `leapp upgrade` run actors.
    actor(messaging=messaging, logger=log.getChild("actors"), config_model=None, skip_dialogs=True).run()
    if messaging.errors():
        sys.stderr.write(json.dumps(messaging.errors(), indent=2) + "\n")
        raise SystemExit(1)
    json.dump(messaging.messages(), sys.stdout)


def main(argv):
    os.environ["LEAPP_EXECUTION_ID"] = last_snactor_context()
    if argv[0] == "actor":
        os.environ["LEAPP_CURRENT_PHASE"] = argv[2]
        run_actor(argv[1], argv[3] if len(argv) > 3 else None)
    elif argv[0] == "report":
        messages = fetch_upgrade_report_messages(os.environ["LEAPP_EXECUTION_ID"])
        generate_report_file(messages, os.environ["LEAPP_EXECUTION_ID"], argv[1], argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
