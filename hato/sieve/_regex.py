"""``:regex`` (draft-ietf-sieve-regex-01 §3) as Dovecot does it: POSIX extended syntax.

Patterns run on RE2, whose matching time is linear in the text: a script's pattern built
to backtrack (``(a+)+b``) costs no more than any other. A pattern is bounded in length and
RE2 in memory; a pattern RE2 refuses (a backreference, say) is a run-time error.
"""

from __future__ import annotations

import re2

from hato.sieve._errors import SieveRuntimeError

MAX_PATTERN = 1024
_MAX_MEMORY = 4 << 20
_SPECIALS = frozenset("\\^$.[]|()?*+{}")


class Regexes:
    """Compiled patterns of one run, by (pattern, case-sensitive)."""

    def __init__(self, max_pattern: int = MAX_PATTERN) -> None:
        self.max_pattern = max_pattern
        self._cache: dict[tuple[str, bool], object] = {}

    def search(self, pattern: str, value: str, case_sensitive: bool) -> list[str] | None:
        """The match and its groups (for ${0}..${9}, RFC 5229 §3.2), or None."""
        compiled = self._compile(pattern, case_sensitive)
        match = compiled.search(_utf8_safe(value))  # type: ignore[attr-defined]
        if match is None:
            return None
        return [group or "" for group in (match.group(0), *match.groups())]

    def _compile(self, pattern: str, case_sensitive: bool) -> object:
        key = (pattern, case_sensitive)
        compiled = self._cache.get(key)
        if compiled is None:
            compiled = compile_regex(pattern, case_sensitive, self.max_pattern)
            if len(self._cache) < 256:
                self._cache[key] = compiled
        return compiled


def compile_regex(pattern: str, case_sensitive: bool, max_pattern: int = MAX_PATTERN) -> object:
    """RE2 with POSIX syntax and leftmost-longest matching, as regcomp(REG_EXTENDED)."""
    if len(pattern) > max_pattern:
        raise SieveRuntimeError(f"regex of {len(pattern)} characters is over {max_pattern}")
    options = re2.Options()
    options.posix_syntax = True
    options.longest_match = True
    options.case_sensitive = case_sensitive
    options.max_mem = _MAX_MEMORY
    options.log_errors = False
    try:
        return re2.compile(_utf8_safe(pattern), options)
    except re2.error as exc:
        raise SieveRuntimeError(f"invalid regex {pattern[:60]!r}: {exc}") from None


def _utf8_safe(text: str) -> str:
    """8-bit header bytes that are not UTF-8 come as surrogates (hato.mime); RE2 takes
    UTF-8 only, so they match as U+FFFD."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def quote_regex(value: str) -> str:
    """``set :quoteregex`` (draft-ietf-sieve-regex-01 §4): specials get a backslash."""
    return "".join("\\" + char if char in _SPECIALS else char for char in value)
