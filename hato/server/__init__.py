"""hato.server."""
