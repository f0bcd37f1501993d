"""leapp-repository's common repository holds shared libraries; nothing of it is used here."""
