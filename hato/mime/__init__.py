"""hato.mime."""
