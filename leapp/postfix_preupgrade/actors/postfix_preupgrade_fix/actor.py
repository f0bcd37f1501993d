import os

from leapp import reporting
from leapp.actors import Actor
from leapp.libraries.common import postfixpreupgrade as lib
from leapp.libraries.stdlib import run
from leapp.models import PostfixPreupgradeFixPlan
from leapp.reporting import Report
from leapp.tags import IPUWorkflowTag, ThirdPartyApplicationsPhaseTag


class PostfixPreupgradeFix(Actor):
    """
    Apply the postfix-preupgrade fixes the admin agreed to, right after the RPM upgrade.

    Runs only when postfix_preupgrade_check produced a plan (the answer file says
    postfix_preupgrade_fix.confirm=True): `postfix-preupgrade fix -y --only <checks>` on
    the upgraded system, then `check --format json` again; reports what was fixed and, as a
    high-severity failure, every inhibitor it was to fix that is still there. Every changed
    file is backed up; `postfix-preupgrade undo` restores them.
    """

    name = lib.ACTOR_FIX
    consumes = (PostfixPreupgradeFixPlan,)
    produces = (Report,)
    tags = (ThirdPartyApplicationsPhaseTag, IPUWorkflowTag)

    def process(self):
        plans = [plan.dump() for plan in self.consume(PostfixPreupgradeFixPlan)]
        lib.process_fix(reporting, plans, lib.stdlib_runner(run), lib.binary_path(os.environ),
                        log=self.log)
