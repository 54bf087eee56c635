"""Content-* field values: RFC 2045 §5.1 (Content-Type), §6.1 (Content-Transfer-Encoding),
RFC 2183 (Content-Disposition), RFC 3282 (Content-Language), RFC 2231 (parameter
continuations). Broken input yields what could be read, never an exception.
"""

from __future__ import annotations

import re

from hato.mime._lexer import quoted, skip_cfws, token

Params = tuple[tuple[str, str], ...]

_SECTION = re.compile(r"^(.*?)\*(\d+)(\*?)$")


def content_type(value: str) -> tuple[str, str, Params]:
    """``type/subtype; params`` (RFC 2045 §5.1) as (type, subtype, params).

    Type and subtype are lowercased. Like Dovecot, a value that does not parse gives what
    was read so far (e.g. ``("foo", "")``) and then no parameters.
    """
    pos = skip_cfws(value, 0)
    main, pos = token(value, pos)
    pos = skip_cfws(value, pos)
    if not main or pos >= len(value) or value[pos] != "/":
        return main.lower(), "", ()
    sub, pos = token(value, skip_cfws(value, pos + 1))
    if not sub:
        return main.lower(), "", ()
    return main.lower(), sub.lower(), parameters(value, pos)


def disposition(value: str) -> tuple[str | None, Params]:
    """``disposition-type *(; parameter)`` (RFC 2183 §2); type None if there is none."""
    kind, pos = token(value, skip_cfws(value, 0))
    if not kind:
        return None, ()
    return kind, parameters(value, pos)


def encoding(value: str) -> str | None:
    """The Content-Transfer-Encoding mechanism (RFC 2045 §6.1), None if not one token."""
    mechanism, pos = token(value, skip_cfws(value, 0))
    if not mechanism or skip_cfws(value, pos) != len(value):
        return None
    return mechanism


def languages(value: str) -> tuple[str, ...]:
    """``1#Language-tag`` (RFC 3282 §2), stopping at the first thing that is not one."""
    found: list[str] = []
    pos = skip_cfws(value, 0)
    while True:
        tag, pos = token(value, pos)
        if not tag:
            break
        found.append(tag)
        pos = skip_cfws(value, pos)
        if pos >= len(value) or value[pos] != ",":
            break
        pos = skip_cfws(value, pos + 1)
    return tuple(found)


def parameters(value: str, pos: int) -> Params:
    """``*(";" attribute "=" value)`` from ``pos``, RFC 2231 sections merged."""
    plain: list[tuple[str, str]] = []
    while True:
        pos = skip_cfws(value, pos)
        if pos >= len(value) or value[pos] != ";":
            break
        name, pos = token(value, skip_cfws(value, pos + 1))
        pos = skip_cfws(value, pos)
        if not name or pos >= len(value) or value[pos] != "=":
            break
        text, pos = _param_value(value, skip_cfws(value, pos + 1))
        plain.append((name, text))
    return _merge_sections(plain)


def _param_value(value: str, pos: int) -> tuple[str, int]:
    if pos >= len(value):
        return "", pos
    if value[pos] == '"':
        return quoted(value, pos)
    if value[pos] == "=":
        # Dovecot's workaround for broken name==?utf-8?b?...?= values.
        end = pos
        while end < len(value) and value[end] not in "; \t\r\n":
            end += 1
        return value[pos:end], end
    return token(value, pos)


def _merge_sections(plain: list[tuple[str, str]]) -> Params:
    """Join ``name*0``, ``name*1*`` ... (RFC 2231 §3) into one parameter, after the rest.

    As Dovecot does, an extended value stays encoded and is named ``name*``.
    """
    simple: list[tuple[str, str]] = []
    sections: dict[str, list[tuple[int, str, bool]]] = {}
    for name, text in plain:
        match = _SECTION.match(name)
        if match is None:
            simple.append((name, text))
        else:
            index = int(match.group(2)) if len(match.group(2)) < 9 else 1 << 30
            sections.setdefault(match.group(1), []).append((index, text, bool(match.group(3))))
    for name, parts in sections.items():
        parts.sort(key=lambda part: part[0])
        extended = parts[0][2]
        simple.append((name + "*" if extended else name, "".join(p[1] for p in parts)))
    return tuple(simple)
