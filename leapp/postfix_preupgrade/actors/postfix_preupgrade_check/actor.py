from leapp import reporting
from leapp.actors import Actor
from leapp.dialogs import Dialog
from leapp.dialogs.components import BooleanComponent
from leapp.libraries.common import postfixpreupgrade as lib
from leapp.models import PostfixPreupgradeDeferred, PostfixPreupgradeFixPlan, PostfixPreupgradeScan
from leapp.reporting import Report
from leapp.tags import ChecksPhaseTag, IPUWorkflowTag

try:  # leapp-repository's model (system_upgrade_common); without it nothing is deferred
    from leapp.models import RpmTransactionTasks
except ImportError:
    RpmTransactionTasks = None


CONFIRM = BooleanComponent(
    key=lib.DIALOG_KEY,
    label=lib.DIALOG_LABEL,
    description=lib.DIALOG_DESCRIPTION,
    reason=lib.DIALOG_REASON,
)
# False first: leapp's "Missing required answers" report suggests the first choice. (An
# attribute, not a subclass: leapp pickles the dialog when it inspects the actor, and a
# class defined in an actor module cannot be pickled.)
CONFIRM.choices = lib.DIALOG_CHOICES


class PostfixPreupgradeCheck(Actor):
    """
    Report what the target release breaks in the Postfix configuration.

    Turns each entry of `postfix-preupgrade check --format leapp` (from the scanner) into a
    leapp report (same title, summary, severity, groups, key, resources, remediations and
    links). When inhibitors can be fixed right after the RPM upgrade, asks whether leapp
    may do so (answer file section postfix_preupgrade_fix): with True those inhibitors are
    let through, the packages their fix needs are installed with the upgrade and
    postfix_preupgrade_fix applies exactly the listed checks.
    """

    name = lib.ACTOR_CHECK
    consumes = (PostfixPreupgradeScan,)
    produces = (Report, PostfixPreupgradeFixPlan) + ((RpmTransactionTasks,) if RpmTransactionTasks else ())
    tags = (ChecksPhaseTag, IPUWorkflowTag)
    dialogs = (
        Dialog(
            scope=lib.DIALOG_SCOPE,
            reason=lib.DIALOG_REASON,
            title=lib.DIALOG_TITLE,
            components=(CONFIRM,),
        ),
    )

    def process(self):
        scan = next(self.consume(PostfixPreupgradeScan), None)

        def produce_plan(plan):
            deferred = [PostfixPreupgradeDeferred(**d) for d in plan.pop("deferred")]
            self.produce(PostfixPreupgradeFixPlan(deferred=deferred, **plan))

        def produce_rpm_tasks(packages):
            self.produce(RpmTransactionTasks(to_install=list(packages)))

        lib.process_check(
            reporting,
            scan.dump() if scan else None,
            ask_fix=lambda: self.get_answers(self.dialogs[0]).get(lib.DIALOG_KEY),
            produce_plan=produce_plan,
            produce_rpm_tasks=produce_rpm_tasks if RpmTransactionTasks else None,
            log=self.log,
        )
