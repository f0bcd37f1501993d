from leapp import reporting
from leapp.actors import Actor
from leapp.libraries.common import postfixpreupgrade as lib
from leapp.models import PostfixPreupgradeFixPlan
from leapp.reporting import Report
from leapp.tags import IPUWorkflowTag, ThirdPartyApplicationsPhaseTag


class PostfixPreupgradeFix(Actor):
    """
    Apply the safe postfix-preupgrade fixes after the RPM upgrade.

    Runs only when postfix_preupgrade_check produced a plan, that is when the admin answered
    postfix_preupgrade_fix.confirm=True in the leapp answer file. Every changed file is
    backed up; `postfix-preupgrade undo` restores them.
    """

    name = "postfix_preupgrade_fix"
    consumes = (PostfixPreupgradeFixPlan,)
    produces = (Report,)
    tags = (ThirdPartyApplicationsPhaseTag, IPUWorkflowTag)

    def process(self):
        plans = [plan.dump() for plan in self.consume(PostfixPreupgradeFixPlan)]
        lib.process_fix(reporting, plans, log=self.log)
