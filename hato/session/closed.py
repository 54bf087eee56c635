"""The signal that a session's client went away."""

from __future__ import annotations

__all__ = ["ConnectionClosed", "IdleTimeout"]


class ConnectionClosed(Exception):
    """The peer went away, or stayed silent past the idle timeout."""


class IdleTimeout(ConnectionClosed):
    """A read waited the idle timeout for the client, who sent nothing meanwhile (IMAP's
    IDLE reads on: a client there is silent by design, RFC 2177 §3)."""
