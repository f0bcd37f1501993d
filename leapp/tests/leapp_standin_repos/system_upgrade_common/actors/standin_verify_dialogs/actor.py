from leapp import reporting
from leapp.actors import Actor
from leapp.models import DialogModel
from leapp.reporting import Report
from leapp.tags import ChecksPhaseTag, IPUWorkflowTag


class StandinVerifyDialogs(Actor):
    """
    What leapp-repository's verifydialogs does: an inhibitor for every dialog an actor
    asked and the answer file does not answer, suggesting the first choice.
    """

    name = "standin_verify_dialogs"
    consumes = (DialogModel,)
    produces = (Report,)
    tags = (ChecksPhaseTag, IPUWorkflowTag)

    def process(self):
        for dialog in self.consume(DialogModel):
            sections = sorted(dialog.answerfile_sections)
            reporting.create_report([
                reporting.Title("Missing required answers in the answer file"),
                reporting.Severity(reporting.Severity.HIGH),
                reporting.Summary("One or more sections in answerfile are missing user choices: {}".format(
                    "\n".join(sections))),
                reporting.Groups([reporting.Groups.INHIBITOR]),
                reporting.Remediation(
                    hint="Register the choices with `leapp answer` or in the answer file.",
                    commands=[["leapp", "answer", "--section", "{}={}".format(s, c)]
                              for s, choices in dialog.answerfile_sections.items() for c in choices[:1]]),
                reporting.Key(dialog.key),
            ] + [reporting.RelatedResource("dialog", s) for s in sections])
