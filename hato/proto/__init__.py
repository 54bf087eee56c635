"""hato.proto."""
