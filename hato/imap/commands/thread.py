"""THREAD and UID THREAD (RFC 5256 §3): not implemented yet."""

from __future__ import annotations

__all__: list[str] = []
