from leapp.models import Model, fields
from leapp.topics import SystemInfoTopic


class PostfixPreupgradeFixPlan(Model):
    """The safe postfix-preupgrade fixes the admin agreed (answer file) to apply during the
    upgrade, with the releases and Postfix version they were found for."""

    topic = SystemInfoTopic

    apply = fields.Boolean(default=False)
    check_ids = fields.List(fields.String(), default=[])
    source_release = fields.Nullable(fields.String())
    target_release = fields.Nullable(fields.String())
    postfix_version = fields.Nullable(fields.String())
