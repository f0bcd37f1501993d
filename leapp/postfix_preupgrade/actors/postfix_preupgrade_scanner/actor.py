import os

from leapp.actors import Actor
from leapp.libraries.common import postfixpreupgrade as lib
from leapp.libraries.stdlib import run
from leapp.models import PostfixPreupgradeFinding, PostfixPreupgradeScan
from leapp.tags import FactsPhaseTag, IPUWorkflowTag


class PostfixPreupgradeScanner(Actor):
    """
    Collect what postfix-preupgrade finds in the Postfix configuration.

    Runs `postfix-preupgrade facts`, and when Postfix is installed `check --format leapp`
    and `check --format json`, for the release leapp upgrades to; produces one
    PostfixPreupgradeScan for postfix_preupgrade_check.
    """

    name = lib.ACTOR_SCANNER
    consumes = ()
    produces = (PostfixPreupgradeScan,)
    tags = (FactsPhaseTag, IPUWorkflowTag)

    def process(self):
        result = lib.scan(lib.stdlib_runner(run), lib.binary_path(os.environ), os.environ)
        findings = [PostfixPreupgradeFinding(**f) for f in result.pop("findings")]
        self.produce(PostfixPreupgradeScan(findings=findings, **result))
