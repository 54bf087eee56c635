"""SORT and UID SORT (RFC 5256 §3, RFC 5957 SORT=DISPLAY): not implemented yet."""

from __future__ import annotations

__all__: list[str] = []
