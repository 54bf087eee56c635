"""hato.manners."""
