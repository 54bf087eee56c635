"""hato.auth."""
