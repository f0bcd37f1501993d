"""A stand-in for leapp's `reporting` module, for tests without leapp: the same primitive
names and arguments, and `create_report` serialises them the way leapp writes an entry to
leapp-report.json, so the result can be validated against leapp's report schema."""
import datetime
import hashlib
import json


class _Primitive(object):
    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


class Title(_Primitive):
    pass


class Summary(_Primitive):
    pass


class Severity(_Primitive):
    INFO, LOW, MEDIUM, HIGH = "info", "low", "medium", "high"


class Audience(_Primitive):
    pass


class Groups(_Primitive):
    INHIBITOR, FAILURE, EMAIL, SERVICES = "inhibitor", "failure", "email", "services"


class Key(_Primitive):
    pass


class RelatedResource(_Primitive):
    pass


class Remediation(_Primitive):
    pass


class ExternalLink(_Primitive):
    pass


class Reporting(object):
    """An instance acts as the module; `reports` collects the serialised entries."""

    Title, Summary, Severity, Audience, Groups, Key = Title, Summary, Severity, Audience, Groups, Key
    RelatedResource, Remediation, ExternalLink = RelatedResource, Remediation, ExternalLink

    def __init__(self, actor="postfix_preupgrade_check"):
        self.actor = actor
        self.reports = []

    def create_report(self, primitives):
        entry = {"audience": "sysadmin", "groups": []}
        detail = {}
        for p in primitives:
            name = type(p).__name__
            if name in ("Title", "Summary", "Severity", "Audience", "Key"):
                (value,) = p.args
                entry[name.lower()] = value
            elif name == "Groups":
                entry["groups"] = list(p.args[0])
            elif name == "RelatedResource":
                scheme, title = p.args
                detail.setdefault("related_resources", []).append({"scheme": scheme, "title": title})
            elif name == "Remediation":
                rems = detail.setdefault("remediations", [])
                if p.kwargs.get("hint"):
                    rems.append({"type": "hint", "context": p.kwargs["hint"]})
                for cmd in p.kwargs.get("commands") or []:
                    rems.append({"type": "command", "context": list(cmd)})
                if p.kwargs.get("playbook"):
                    rems.append({"type": "playbook", "context": p.kwargs["playbook"]})
            elif name == "ExternalLink":
                detail.setdefault("external", []).append(
                    {"url": p.kwargs["url"], "title": p.kwargs["title"]})
            else:
                raise AssertionError("unexpected primitive " + name)
        if detail:
            entry["detail"] = detail
        entry["actor"] = self.actor
        entry["hostname"] = "mail1.example.com"
        entry["timeStamp"] = datetime.datetime.utcnow().isoformat() + "Z"
        entry["id"] = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
        self.reports.append(entry)


class OldReporting(Reporting):
    """leapp before 0.15: Flags and Tags instead of Groups."""

    Groups = None

    class Flags(_Primitive):
        pass

    class Tags(_Primitive):
        pass

    def create_report(self, primitives):
        converted = []
        flags, tags = [], []
        for p in primitives:
            if type(p).__name__ == "Flags":
                flags = list(p.args[0])
            elif type(p).__name__ == "Tags":
                tags = list(p.args[0])
            else:
                converted.append(p)
        super(OldReporting, self).create_report(converted)
        entry = self.reports[-1]
        del entry["groups"]
        entry["flags"], entry["tags"] = flags, tags
