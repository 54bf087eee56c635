"""hato.delivery."""
