from leapp.tags import Tag


class IPUWorkflowTag(Tag):
    name = "ipu_workflow"


class FactsPhaseTag(Tag):
    name = "facts_phase"


class ChecksPhaseTag(Tag):
    name = "checks_phase"


class ThirdPartyApplicationsPhaseTag(Tag):
    name = "third_party_applications_phase"
