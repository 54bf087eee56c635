"""hato.store."""
