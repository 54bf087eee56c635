"""Structural matching of IMAP replies against imaptest expectations.

A port of the ideas in dovecot/imaptest src/test-exec.c: case-insensitive
comparison, `$var` binding (`$` alone matches anything, `$1` is a relative
sequence number), lists ordered unless a `$!unordered[=N]` directive (the script
reader adds imaptest's defaults) says otherwise; tagged and OK/NO/BAD/BYE lines
match by prefix.
"""

from __future__ import annotations

from tests.imap.imaptest_script import Nil, Str

FAIL = -1


def _text(token: object) -> str | None:
    """A string's text as imaptest compares it: a C string, so a literal (BINARY's
    literal8) ends at its first NUL."""
    if isinstance(token, Str):
        return token.text.partition("\x00")[0]
    if isinstance(token, str):
        return token
    return None


class Matcher:
    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = variables
        self.seqmap: list[int] = []
        self.added: list[str] = []

    def relative(self, number: int) -> str:
        if 0 < number <= len(self.seqmap) and self.seqmap[number - 1]:
            return str(self.seqmap[number - 1])
        return "<expunged>"

    def expand(self, text: str) -> str:
        """$vars in a command line."""
        out, i = [], 0
        while i < len(text):
            if text[i] != "$" or i + 1 == len(text):
                out.append(text[i])
                i += 1
                continue
            i += 1
            if text[i] == "$":
                out.append("$")
                i += 1
                continue
            name, i = self._name(text, i)
            out.append(self.relative(int(name)) if name.isdigit() else self.variables[name])
        return "".join(out)

    @staticmethod
    def _name(text: str, i: int) -> tuple[str, int]:
        if text[i] == "{":
            end = text.index("}", i)
            return text[i + 1 : end], end + 1
        j = i
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        return text[i:j], j

    def string(self, pattern: str, value: str, prefix: bool) -> bool:
        """test_expand_input: walk the pattern, binding variables from the value."""
        i = j = 0
        while i < len(pattern):
            if pattern[i] != "$" or pattern[i + 1 : i + 2] == "$":
                if pattern[i] == "$":
                    i += 1
                if j >= len(value) or pattern[i].upper() != value[j].upper():
                    return False
                i += 1
                j += 1
                continue
            name, i = self._name(pattern, i + 1)
            if name.isdigit():
                bound = self.relative(int(name))
            elif name and name in self.variables:
                bound = self.variables[name]
            else:
                stop = pattern[i].upper() if i < len(pattern) else ""
                end = j
                while end < len(value) and (not stop or value[end].upper() != stop):
                    end += 1
                bound = value[j:end]
                if name:
                    self.variables[name] = bound
                    self.added.append(name)
            if not value.startswith(bound, j):
                return False
            j += len(bound)
        return j == len(value) or prefix

    def args(self, match: list[object], args: list[object], prefix: bool) -> bool:
        """test_imap_match_args: element by element; `$` skips a list, `$]` a code."""
        position = 0
        for index, expected in enumerate(match):
            if position >= len(args):
                return False
            got = args[position]
            if isinstance(expected, Nil):
                if not isinstance(got, Nil):
                    return False
            elif isinstance(expected, list):
                if not isinstance(got, list) or not self.list(expected, got):
                    return False
            else:
                pattern = _text(expected) or ""
                if pattern == "$" and isinstance(got, list):
                    position += 1
                    continue
                if pattern == "$]":
                    while "]" not in (_text(args[position]) or "]"):
                        position += 1
                    position += 1
                    continue
                value = _text(got)
                if value is None:
                    return False
                last = prefix and index == len(match) - 1
                if not self.string(pattern, value, last):
                    return False
            position += 1
        return prefix or position == len(args)

    def list(self, match: list[object], args: list[object]) -> bool:
        """test_imap_match_list: `$!` directives at the head of the list."""
        directives = [m for m in match if isinstance(m, str) and m.startswith("$!")]
        items = match[len(directives) :]
        unordered = any(d.startswith("$!unordered") for d in directives)
        if not unordered:
            return self.args(items, args, False)
        chain = 1
        for directive in directives:
            if directive.startswith("$!unordered="):
                chain = int(directive.split("=")[1])
        noextra = "$!noextra" in directives
        ignores = {d[9:].lower() for d in directives if d.startswith("$!ignore=")}
        if len(args) % chain:
            return False
        used = set()
        for start in range(0, len(items), chain):
            want = items[start : start + chain]
            for pos in range(0, len(args), chain):
                if self.args(want, args[pos : pos + chain], False):
                    used.add(pos)
                    break
            else:
                return False
        bans = {d[6:].lower() for d in directives if d.startswith("$!ban=")}
        for pos in range(0, len(args), chain):
            text = _text(args[pos])
            if pos in used or text is None:
                continue
            if (noextra and text.lower() not in ignores) or text.lower() in bans:
                return False
        return True


def reply_name(tokens: list[object]) -> str:
    first = _text(tokens[0]) if tokens else None
    if first and (first[0].isdigit() or first[0] == "$") and len(tokens) > 1:
        return (_text(tokens[1]) or "").lower()
    return (first or "").lower()
