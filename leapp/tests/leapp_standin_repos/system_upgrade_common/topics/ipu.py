from leapp.topics import Topic


class SystemInfoTopic(Topic):
    name = "system_info"


class TransactionTopic(Topic):
    name = "transaction"
