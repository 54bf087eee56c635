"""Variables (RFC 5229): scopes, "${...}" expansion, match variables and set's modifiers.

Expansion is one pass of a constant pattern over the string (never recursive, §3), and
its result is cut at ``max_size`` characters, as is every value set (§6: the
implementation's limit), so no script can grow a string past the bound.
"""

from __future__ import annotations

import re

from hato.sieve._errors import SieveLimitError
from hato.sieve._regex import quote_regex

# variable-ref  = "${" [namespace] variable-name "}"
# namespace     = identifier "." *sub-namespace
# variable-name = num-variable / identifier
_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}")
MAX_MATCH_VARIABLES = 10  # ${0} .. ${9}, as RFC 5229 §3.2 requires at least


class Scope:
    """One script's variables; names in ``globals`` live in the run's shared table
    (RFC 6609 §3.3), reached also as ``global.name`` (§3.5)."""

    def __init__(self, shared: dict[str, str], max_size: int, max_count: int) -> None:
        self.local: dict[str, str] = {}
        self.shared = shared
        self.globals: set[str] = set()
        self.matches: list[str] = []
        self.max_size = max_size
        self.max_count = max_count

    def _table(self, name: str) -> tuple[dict[str, str], str]:
        if name.startswith("global."):
            return self.shared, name[7:]
        return (self.shared if name in self.globals else self.local), name

    def get(self, name: str) -> str:
        table, key = self._table(name.lower())
        return table.get(key, "")

    def set(self, name: str, value: str) -> None:
        """Set a variable; a new one past ``max_count`` is refused."""
        table, key = self._table(name.lower())
        if key not in table and len(self.local) + len(self.shared) >= self.max_count:
            raise SieveLimitError(f"more than {self.max_count} variables")
        table[key] = value[: self.max_size]

    def set_matches(self, values: list[str]) -> None:
        self.matches = [value[: self.max_size] for value in values[:MAX_MATCH_VARIABLES]]

    def expand(self, text: str) -> str:
        """Replace every known reference (RFC 5229 §3); unknown namespaces stay as written."""
        if "${" not in text:
            return text

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.isdigit():
                index = int(name)
                return self.matches[index] if index < len(self.matches) else ""
            if "." in name and not name.lower().startswith("global."):
                return match.group()
            return self.get(name)

        return _REFERENCE.sub(one, text)[: max(self.max_size, len(text))]


def apply_modifiers(value: str, modifiers: set[str]) -> str:
    """``set`` modifiers by precedence (RFC 5229 §4.1): case 40, first letter 30,
    quoting 20, length 10."""
    if "lower" in modifiers:
        value = value.lower()
    if "upper" in modifiers:
        value = value.upper()
    if "lowerfirst" in modifiers:
        value = value[:1].lower() + value[1:]
    if "upperfirst" in modifiers:
        value = value[:1].upper() + value[1:]
    if "quotewildcard" in modifiers:
        value = value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
    if "quoteregex" in modifiers:
        value = quote_regex(value)
    if "length" in modifiers:
        value = str(len(value))
    return value
