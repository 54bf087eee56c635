"""hato (鳩, the carrier pigeon): a complete mail server in Python."""

__version__ = "0.1.0"

__all__ = ["__version__"]
