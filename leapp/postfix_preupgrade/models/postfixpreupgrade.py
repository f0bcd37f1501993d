from leapp.models import Model, fields
from leapp.topics import SystemInfoTopic


class PostfixPreupgradeFinding(Model):
    """One finding of `postfix-preupgrade check --format json`, as far as the actors need it."""

    topic = SystemInfoTopic

    key = fields.String()
    check_id = fields.String()
    title = fields.String()
    location = fields.String(default="")
    inhibitor = fields.Boolean(default=False)
    safe_fix = fields.Boolean(default=False)


class PostfixPreupgradeScan(Model):
    """What postfix_preupgrade_scanner found (FactsPhase) for postfix_preupgrade_check.

    installed is False when the rpm database lists no postfix package: then nothing else is
    filled and nothing is reported. error (and error_details) say why the binary could not
    check; leapp_document is the `check --format leapp` document (JSON text)."""

    topic = SystemInfoTopic

    installed = fields.Boolean(default=True)
    packages_known = fields.Boolean(default=False)
    packages = fields.List(fields.String(), default=[])
    target = fields.Nullable(fields.String())
    source_release = fields.Nullable(fields.String())
    target_release = fields.Nullable(fields.String())
    leapp_document = fields.Nullable(fields.String())
    findings = fields.List(fields.Model(PostfixPreupgradeFinding), default=[])
    error = fields.Nullable(fields.String())
    error_details = fields.Nullable(fields.String())


class PostfixPreupgradeDeferred(Model):
    """An inhibitor the admin let through for the fix actor to clear."""

    topic = SystemInfoTopic

    key = fields.String()
    check_id = fields.String()
    title = fields.String()
    location = fields.String(default="")


class PostfixPreupgradeFixPlan(Model):
    """The postfix-preupgrade fixes the admin agreed (answer file) to apply right after the
    RPM upgrade: exactly the checks the dialog's report entry listed, the inhibitors they
    were let through for, and the releases (the binary reads the upgraded Postfix itself)."""

    topic = SystemInfoTopic

    apply = fields.Boolean(default=False)
    check_ids = fields.List(fields.String(), default=[])
    deferred = fields.List(fields.Model(PostfixPreupgradeDeferred), default=[])
    source_release = fields.Nullable(fields.String())
    target_release = fields.Nullable(fields.String())
