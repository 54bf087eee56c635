"""Header blocks (RFC 5322 §2.2): where they end, and their fields unfolded.

Lines end in CRLF or, tolerated, a bare LF. A header ends at the first empty line, or at
the end of the region it lives in when there is none.
"""

from __future__ import annotations

from collections.abc import Iterator

Field = tuple[str, bytes]  # lowercased name, unfolded value (CR/LF removed)

# fields of one header that are parsed (ENVELOPE, Content-*, SORT and THREAD keys);
# the rest stay in the message (BODY[HEADER]) but cost no memory at delivery
MAX_FIELDS = 10_000


def header_end(raw: bytes, start: int, end: int) -> int:
    """Offset just past the blank line that ends the header at ``start``, else ``end``."""
    if raw.startswith(b"\n", start):
        return start + 1
    if raw.startswith(b"\r\n", start) and start + 2 <= end:
        return start + 2
    lf_crlf = raw.find(b"\n\r\n", start, end)
    # only before it (a "\n\n" may end on its first octet): CRLF mail has none, and
    # would be searched to its end for nothing
    lf_lf = raw.find(b"\n\n", start, end if lf_crlf < 0 else lf_crlf + 1)
    if lf_lf < 0 and lf_crlf < 0:
        return end
    if lf_crlf < 0 or 0 <= lf_lf < lf_crlf:
        return lf_lf + 2
    return lf_crlf + 3


def raw_fields(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield (name, raw bytes of the whole field including folded lines and line ends).

    A line without a colon counts as a field whose name is the whole line; a continuation
    line before any field is returned on its own with an empty name.
    """
    name = b""
    chunk: list[bytes] = []
    for line in _lines(block):
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] in (b" ", b"\t") and chunk:
            chunk.append(line)
            continue
        if chunk:
            yield name, b"".join(chunk)
        colon = line.find(b":")
        name = (line if colon < 0 else line[:colon]).strip()
        chunk = [line]
    if chunk:
        yield name, b"".join(chunk)


def _lines(block: bytes) -> Iterator[bytes]:
    """Lines with their line ends; only LF ends a line."""
    pos = 0
    while pos < len(block):
        nl = block.find(b"\n", pos)
        nl = len(block) if nl < 0 else nl + 1
        yield block[pos:nl]
        pos = nl


def fields(block: bytes) -> list[Field]:
    """Unfold a header block into (lowercased name, value) pairs (RFC 5322 §2.2.3).

    The value starts after the colon and its leading white space; folding CRLFs are
    removed. The block may include the ending blank line (callers give the header alone:
    it is split into lines at once). A field's lines are joined once, at its end: joining
    them line by line was quadratic in a folded field's size (100,000 addresses in To:
    took seconds).  Only the first MAX_FIELDS fields are returned.
    """
    out: list[Field] = []
    name = ""
    parts: list[bytes] | None = None  # the field being unfolded
    filled = False  # whether its value has begun (white space before it is dropped)
    for line in block.split(b"\n"):
        if line[-1:] == b"\r":
            line = line[:-1]
        if not line:
            break
        if line[0] in (32, 9):  # a continuation line
            if parts is not None:
                if not filled:
                    line = line.lstrip(b" \t")
                    filled = bool(line)
                parts.append(line)
            continue
        if parts is not None:
            out.append((name, b"".join(parts)))
            if len(out) == MAX_FIELDS:
                return out
        colon = line.find(b":")
        if colon < 0:
            name, parts, filled = line.strip().decode("latin-1").lower(), [], False
        else:
            name = line[:colon].rstrip(b" \t").decode("latin-1").lower()
            value = line[colon + 1 :].lstrip(b" \t")
            parts, filled = [value], bool(value)
    if parts is not None:
        out.append((name, b"".join(parts)))
    return out


def text(value: bytes) -> str:
    """Header bytes as str; 8-bit bytes that are not UTF-8 survive as surrogates."""
    return value.decode("utf-8", "surrogateescape")


def first(pairs: list[Field], name: str) -> bytes | None:
    """The value of the first field called ``name`` (lowercase), if any."""
    for field_name, value in pairs:
        if field_name == name:
            return value
    return None


def last(pairs: list[Field], name: str) -> bytes | None:
    """The value of the last field called ``name`` (lowercase), if any."""
    found = None
    for field_name, value in pairs:
        if field_name == name:
            found = value
    return found
