import os

from leapp import reporting
from leapp.actors import Actor
from leapp.dialogs import Dialog
from leapp.dialogs.components import BooleanComponent
from leapp.libraries.common import postfixpreupgrade as lib
from leapp.models import PostfixPreupgradeFixPlan
from leapp.reporting import Report
from leapp.tags import ChecksPhaseTag, IPUWorkflowTag


class PostfixPreupgradeCheck(Actor):
    """
    Report what the target release breaks in the Postfix configuration.

    Runs `postfix-preupgrade check --format leapp` for the release leapp upgrades to and
    turns each of its entries into a leapp report (same title, summary, severity, groups,
    key, resources, remediations and links). When an inhibitor has a safe fix, asks whether
    the fixes may be applied during the upgrade (answer file section postfix_preupgrade_fix).
    """

    name = lib.ACTOR_CHECK
    consumes = ()
    produces = (Report, PostfixPreupgradeFixPlan)
    tags = (ChecksPhaseTag, IPUWorkflowTag)
    dialogs = (
        Dialog(
            scope=lib.DIALOG_SCOPE,
            reason=lib.DIALOG_REASON,
            components=(
                BooleanComponent(
                    key=lib.DIALOG_KEY,
                    label=lib.DIALOG_LABEL,
                    description=lib.DIALOG_DESCRIPTION,
                    reason=lib.DIALOG_REASON,
                ),
            ),
        ),
    )

    def process(self):
        lib.process_check(
            reporting,
            ask_fix=lambda: self.get_answers(self.dialogs[0]).get(lib.DIALOG_KEY),
            produce_plan=lambda plan: self.produce(PostfixPreupgradeFixPlan(**plan)),
            environ=os.environ,
            log=self.log,
        )
