"""The signal that a session's client went away."""

from __future__ import annotations

__all__ = ["ConnectionClosed"]


class ConnectionClosed(Exception):
    """The peer went away, or stayed silent past the idle timeout."""
