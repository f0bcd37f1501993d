"""Stand-ins for the parts of leapp the actors' library meets, as strict as leapp itself,
for tests without leapp (the opt-in tests in test_real_leapp.py run the real framework).

- `Reporting`: leapp >= 0.15's `reporting` module (leapp/reporting/__init__.py of v0.21):
  the same primitives, rejecting what they reject (non-string titles, summaries, keys and
  resources, severities and audiences leapp does not know, non-list groups and commands,
  an empty key, a report without title or summary, a field given twice), and
  `create_report` builds the report dict as leapp does. `entries(schema)` gives the
  entries as leapp's `generate_report_file` writes leapp-report.json for schema 1.1.0 or
  1.2.0 (envelope: timeStamp, hostname, actor, id).
- `OldReporting`: leapp 0.12 to 0.14: `Flags` and `Tags` instead of `Groups`; `Tags`
  accepts only its own constants (a plain string raises TypeError, as in leapp).
- `run`: `leapp.libraries.stdlib.run` (a dict with exit_code/stdout/stderr; OSError when
  the program cannot start; CalledProcessError on a non-zero exit when checked).
- `Dialogs`: the answer file and leapp-repository's verifydialogs actor: an actor asking a
  question the answer file does not answer makes leapp add the inhibitor "Missing required
  answers in the answer file", whose remediation command answers with the first choice.
"""
import datetime
import hashlib
import json
import subprocess

try:
    _STR = (str, unicode)  # noqa: F821 (Python 2)
except NameError:
    _STR = (str,)

SEVERITIES = ("info", "low", "medium", "high")
AUDIENCES = ("sysadmin", "developer")


def _add(report, path, value, leaf_list=False):
    for p in path[:-1]:
        report = report.setdefault(p, {})
    if leaf_list:
        report[path[-1]] = report.get(path[-1], []) + (value if isinstance(value, list) else [value])
    else:
        if path[-1] in report:
            raise ValueError("Path {} is already taken".format(".".join(path)))
        report[path[-1]] = value


class _Primitive(object):
    name = ""
    path = None
    leaf_list = False

    def __init__(self, value=None):
        if not isinstance(value, _STR):
            raise TypeError('Value of "{}" must be a string'.format(type(self).__name__))
        self.value = value

    def apply(self, report):
        _add(report, self.path or (self.name,), self.value, self.leaf_list)


class Title(_Primitive):
    name = "title"


class Summary(_Primitive):
    name = "summary"


class Severity(_Primitive):
    name = "severity"
    INFO, LOW, MEDIUM, HIGH = SEVERITIES

    def __init__(self, value=None):
        if value not in SEVERITIES:
            raise ValueError('Severity should be one of: "{}"'.format(" ".join(SEVERITIES)))
        self.value = value


class Audience(_Primitive):
    name = "audience"

    def __init__(self, value=None):
        super(Audience, self).__init__(value)
        if value not in AUDIENCES:
            raise ValueError('Audience should be one of: "{}"'.format(" ".join(AUDIENCES)))


class Key(_Primitive):
    name = "key"

    def __init__(self, uuid):
        if not isinstance(uuid, _STR):
            raise ValueError("Key value should be a string.")
        self.value = uuid


class Groups(_Primitive):
    name = "groups"
    leaf_list = True
    INHIBITOR, FAILURE, EMAIL, SERVICES = "inhibitor", "failure", "email", "services"
    SECURITY, ENCRYPTION, _ERROR = "security", "encryption", "error"

    def __init__(self, value=None):
        if not isinstance(value, list):
            raise TypeError('Value of "Groups" must be a list')
        self.value = value


class ExternalLink(_Primitive):
    path = ("detail", "external")
    leaf_list = True

    def __init__(self, url=None, title=None):
        if not all(isinstance(v, _STR) for v in (url, title)):
            raise TypeError('Values "url" and "title" of "ExternalLink" must be a string')
        self.value = {"url": url, "title": title}


class RelatedResource(_Primitive):
    path = ("detail", "related_resources")
    leaf_list = True

    def __init__(self, scheme=None, identifier=None):
        if not all(isinstance(v, _STR) for v in (scheme, identifier)):
            raise TypeError('Values "scheme" and "identifier" of "RelatedResource" must be a string')
        self.value = {"scheme": scheme, "title": identifier}


class _Remediation(_Primitive):
    path = ("detail", "remediations")
    leaf_list = True

    def __init__(self, kind, value):
        self.value = {"type": kind, "context": value}


class Remediation(object):
    def __init__(self, playbook=None, commands=None, hint=None):
        self.parts = []
        if hint:
            self.parts.append(_Remediation("hint", hint))
        for command in commands or []:
            if not isinstance(command, list):
                raise TypeError('Value of "RemediationCommand" must be a list')
            self.parts.append(_Remediation("command", list(command)))
        if playbook:
            self.parts.append(_Remediation("playbook", playbook))

    def apply(self, report):
        for p in self.parts:
            p.apply(report)


class Reporting(object):
    """An instance acts as leapp's `reporting` module (0.15 and later); `reports` holds
    the report dicts create_report made, `entries()` what leapp-report.json holds."""

    Title, Summary, Severity, Audience, Groups, Key = Title, Summary, Severity, Audience, Groups, Key
    RelatedResource, Remediation, ExternalLink = RelatedResource, Remediation, ExternalLink

    def __init__(self, actor="postfix_preupgrade_check", hostname="mail1.example.com"):
        self.actor = actor
        self.hostname = hostname
        self.reports = []

    def _known(self, p):
        return any(isinstance(p, getattr(self, n)) for n in (
            "Title", "Summary", "Severity", "Audience", "Key", "RelatedResource",
            "Remediation", "ExternalLink") + (("Groups",) if self.Groups else ("Flags", "Tags")))

    def create_report(self, primitives):
        primitives = list(primitives)
        for p in primitives:
            if not self._known(p):
                raise TypeError("not a report primitive of this leapp: {!r}".format(p))
        if not any(isinstance(p, Title) for p in primitives):
            raise ValueError("Title not provided in the report.")
        if not any(isinstance(p, Summary) for p in primitives):
            raise ValueError("Summary not provided in the report.")
        if not any(isinstance(p, Severity) for p in primitives):
            primitives.append(Severity("info"))
        if not any(isinstance(p, Audience) for p in primitives):
            primitives.append(Audience("sysadmin"))
        key = next((p.value for p in primitives if isinstance(p, Key)), None)
        if key is None:
            raise ValueError("this project sets every report's Key (leapp would derive one)")
        if not key.strip():
            raise ValueError("Key can not be an empty string.")
        report = {}
        for p in primitives:
            p.apply(report)
        if "inhibitor" in report.get("groups", []):
            report["flags"] = ["inhibitor"]
        report = json.loads(json.dumps(report))  # what the Report model's JSON field keeps
        report["actor"] = self.actor
        self.reports.append(report)

    def entries(self, schema="1.2.0"):
        """The reports as leapp's generate_report_file writes them to leapp-report.json."""
        out = []
        for i, r in enumerate(self.reports):
            msg = dict(r)
            actor = msg.pop("actor")
            data = json.dumps({"report": json.dumps(r, sort_keys=True)}, sort_keys=True)
            msg.update({
                "timeStamp": datetime.datetime.utcnow().isoformat() + "Z",
                "hostname": self.hostname,
                "actor": actor,
                "id": hashlib.sha256((data + str(i)).encode("utf-8")).hexdigest(),
            })
            if schema == "1.1.0":
                if "groups" in msg:
                    groups = msg.pop("groups")
                    msg["flags"] = [g for g in groups if g in ("inhibitor", "failure")]
                    msg["tags"] = [g for g in groups if g not in ("inhibitor", "failure", "error")]
            else:
                msg.pop("flags", None)
            out.append(msg)
        return out


class _TagValue(object):
    def __init__(self, value):
        self.value = value


class OldReporting(Reporting):
    """leapp 0.12 to 0.14: Flags and Tags instead of Groups."""

    Groups = None

    class Flags(_Primitive):
        name = "flags"
        INHIBITOR, FAILURE = "inhibitor", "failure"

        def __init__(self, value=None):
            if not isinstance(value, list):
                raise TypeError('Value of "Flags" must be a list')
            self.value = value

    class Tags(_Primitive):
        name = "tags"
        EMAIL = _TagValue("email")
        SERVICES = _TagValue("services")
        SECURITY = _TagValue("security")
        ENCRYPTION = _TagValue("encryption")

        def __init__(self, value=None):
            if not isinstance(value, list):
                raise TypeError('Value of "Tags" must be a list')
            if not all(isinstance(v, _TagValue) for v in value):
                raise TypeError("Unsupported tag value passed for Report Tags.")
            self.value = [v.value for v in value]

    def create_report(self, primitives):
        super(OldReporting, self).create_report(primitives)
        self.reports[-1].pop("flags", None)
        for p in primitives:
            if isinstance(p, OldReporting.Flags):
                self.reports[-1]["flags"] = list(p.value)
        self.reports[-1].setdefault("flags", [])
        self.reports[-1].setdefault("tags", [])

    def entries(self, schema="1.1.0"):
        out = super(OldReporting, self).entries("1.1.0")
        return out


class CalledProcessError(Exception):
    def __init__(self, message, command, result):
        super(CalledProcessError, self).__init__(message)
        self.command, self.result = command, result


def run(args, split=False, env=None, checked=True, stdin=None, encoding="utf-8"):
    """leapp.libraries.stdlib.run."""
    if not args:
        raise ValueError("Command to call is missing.")
    if not isinstance(args, (list, tuple)):
        raise TypeError("command parameter has to be a list or tuple")
    proc = subprocess.Popen(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE, env=env)
    out, err = proc.communicate(stdin.encode(encoding) if stdin else None)
    result = {"stdout": out.decode(encoding), "stderr": err.decode(encoding),
              "exit_code": proc.returncode, "signal": 0, "pid": proc.pid}
    if checked and proc.returncode != 0:
        raise CalledProcessError("Command {0} failed with exit code {1}.".format(
            str(args), proc.returncode), args, result)
    if split:
        result["stdout"] = result["stdout"].splitlines()
    return result


class Dialogs(object):
    """The answer file (scope -> {key: "True"/"False"}) and the inhibitor leapp adds for a
    question an actor asked and the file does not answer (verifydialogs)."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.unanswered = []

    def ask(self, scope, key, choices):
        """What an actor's get_answers(dialog).get(key) returns (translated to bool)."""
        value = (self.answers.get(scope) or {}).get(key)
        if value is None:
            self.unanswered.append(({"{}.{}".format(scope, key): list(choices)},
                                    hashlib.sha1("{}.{}".format(scope, key).encode()).hexdigest()))
            return None
        return str(value).lower() == "true"

    def verify(self, reporting):
        """leapp-repository's verifydialogs: one inhibitor per unanswered dialog."""
        for sections, key in self.unanswered:
            commands = [["leapp", "answer", "--section", "{}={}".format(s, c)]
                        for s, choices in sections.items() for c in choices[:1]]
            reporting.create_report([
                Title("Missing required answers in the answer file"),
                Severity(Severity.HIGH),
                Summary("One or more sections in answerfile are missing user choices: {}\n"
                        "For more information consult https://red.ht/leapp-dialogs.".format(
                            "\n".join(sections))),
                Groups([Groups.INHIBITOR]),
                Remediation(hint="Please register user choices with leapp answer cli command or "
                                 "by manually editing the answerfile.", commands=commands),
                Key(key),
            ] + [RelatedResource("dialog", s) for s in sections])
