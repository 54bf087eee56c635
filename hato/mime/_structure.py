"""The MIME entity tree (RFC 2045, RFC 2046) with byte offsets, parsed as Dovecot does.

Theory of operation: an entity is a header, up to the first empty line, then a body. The
body of a multipart is split at delimiter lines of its boundary (preamble, parts,
epilogue); the body of a message/rfc822 is another entity; any other body runs to the
next delimiter of an enclosing multipart, or to the end. All enclosing boundaries are
active at once, so a missing close-delimiter or a stray outer delimiter simply ends the
inner entities (RFC 2046 §5.1.2). A header also ends at a delimiter line.

Content-* fields count only in MIME entities (RFC 2045 §4): parts of a multipart, and
entities with MIME-Version or (as Dovecot, leniently) Content-Type. Without Content-Type
an entity is text/plain (RFC 2045 §5.2), or message/rfc822 inside multipart/digest
(RFC 2046 §5.1.5). Nesting and the number of parts are bounded so that hostile input
costs bounded time and memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hato.mime import _params
from hato.mime._boundary import Hit, find_delimiter
from hato.mime._envelope import build_envelope
from hato.mime._headers import Field, header_end, text
from hato.mime._headers import fields as header_fields
from hato.mime._known import Known
from hato.mime._lines import BARE_LF
from hato.mime._model import BodyPart

MAX_DEPTH = 100
MAX_PARTS = 10_000


@dataclass(slots=True)
class _Scan:
    raw: bytes
    crlf: bool  # no bare LF anywhere (nearly all stored mail): see ``_measure``
    stack: list[bytes] = field(default_factory=list)
    parts: int = 0


def parse_tree(raw: bytes) -> tuple[BodyPart, list[Field]]:
    """Parse the whole message: its top-level entity and its header fields."""
    scan = _Scan(raw, crlf=BARE_LF.search(raw) is None)
    part, _hit, pairs = _entity(scan, 0, mime=False, digest=False, depth=0)
    return part, pairs


def _entity(
    scan: _Scan, start: int, *, mime: bool, digest: bool, depth: int
) -> tuple[BodyPart, Hit | None, list[Field]]:
    """One entity at ``start``; returns it, the delimiter that ended it, its fields."""
    raw = scan.raw
    scan.parts += 1
    body = header_end(raw, start, len(raw))
    hit = find_delimiter(raw, start, scan.stack, body)
    if hit is not None:
        body = hit.cut  # a header cut short by a delimiter: no body
    pairs = header_fields(raw[start:body])
    mime = mime or any(name in ("content-type", "mime-version") for name, _ in pairs)
    part = _content(pairs, mime, digest)
    children: tuple[BodyPart, ...] = ()
    envelope = None
    if hit is not None:
        if part.is_message:
            children, envelope = (BodyPart(body, body, body),), build_envelope([])
    elif part.is_multipart and depth < MAX_DEPTH and scan.parts < MAX_PARTS:
        if part.boundary is not None:
            children, hit = _multipart(scan, body, part.boundary, part.subtype, depth)
        else:
            hit = find_delimiter(raw, body, scan.stack)
    elif part.is_message and depth < MAX_DEPTH:
        child, hit, child_pairs = _entity(scan, body, mime=False, digest=False, depth=depth + 1)
        children, envelope = (child,), build_envelope(child_pairs)
    else:
        hit = find_delimiter(raw, body, scan.stack)
    end = len(raw) if hit is None else hit.cut
    size, lines = _measure(raw, body, end, scan.crlf)
    placed = BodyPart(
        start,
        body,
        end,
        type=part.type,
        subtype=part.subtype,
        params=part.params,
        id=part.id,
        description=part.description,
        encoding=part.encoding,
        size=size,
        lines=lines,
        md5=part.md5,
        disposition=part.disposition,
        disposition_params=part.disposition_params,
        language=part.language,
        location=part.location,
        boundary=part.boundary,
        children=children,
        envelope=envelope,
    )
    return placed, hit, pairs


def _multipart(
    scan: _Scan, body: int, boundary: str, subtype: str, depth: int
) -> tuple[tuple[BodyPart, ...], Hit | None]:
    """Split a multipart body (RFC 2046 §5.1.1): preamble, parts, epilogue."""
    stack = scan.stack
    stack.append(boundary.encode("utf-8", "surrogateescape"))
    own = len(stack) - 1
    digest = subtype == "digest"
    children: list[BodyPart] = []
    hit = find_delimiter(scan.raw, body, stack)
    while hit is not None and hit.index == own and not hit.close:
        del stack[own + 1 :]
        if scan.parts >= MAX_PARTS:
            break
        child, hit, _ = _entity(scan, hit.after, mime=True, digest=digest, depth=depth + 1)
        children.append(child)
    if hit is not None and hit.index == own:
        del stack[own:]
        hit = find_delimiter(scan.raw, hit.after, stack)
    if hit is not None:
        del stack[hit.index + 1 :]
    return tuple(children), hit


def _content(pairs: list[Field], mime: bool, digest: bool) -> BodyPart:
    """The Content-* values of a part (RFC 2045 §5-§8, RFC 2183, RFC 3282, RFC 2557),
    as a BodyPart whose offsets, sizes and children are still to be filled in.

    Most parts carry the same few short values (``text/plain; charset=...``, a transfer
    encoding): their reading is kept (``_known``)."""
    if not mime:
        return _DIGEST_DEFAULT if digest else _DEFAULT
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in _CONTENT_FIELDS and name not in values:
            values[name] = text(value)
    return _known_content((digest, tuple(values.items())))


#: The fields ``_read_content`` reads: the key of a kept reading names only these, so
#: its size is its values' (another ``Content-...`` name may be as long as a line).
_CONTENT_FIELDS = frozenset(
    (
        "content-type", "content-disposition", "content-id", "content-description",
        "content-transfer-encoding", "content-md5", "content-language", "content-location",
    )
)  # fmt: skip


def _content_of(key: tuple[bool, tuple[tuple[str, str], ...]]) -> BodyPart:
    digest, values = key
    return _read_content(dict(values), digest)


_known_content = Known(_content_of, lambda key: sum(len(value) for _, value in key[1]))


def _read_content(values: dict[str, str], digest: bool) -> BodyPart:
    """What ``_content`` says of the part whose first Content-* fields are ``values``."""
    if "content-type" in values:
        kind, subtype, params = _params.content_type(values["content-type"])
    else:
        kind, subtype, params = ("message", "rfc822", ()) if digest else ("text", "plain", ())
    disposition, disposition_params = _params.disposition(values.get("content-disposition", ""))
    return BodyPart(
        0,
        0,
        0,
        type=kind,
        subtype=subtype,
        params=params,
        id=values.get("content-id"),
        description=values.get("content-description"),
        encoding=_params.encoding(values.get("content-transfer-encoding", "")),
        md5=values.get("content-md5"),
        disposition=disposition,
        disposition_params=disposition_params,
        language=_params.languages(values.get("content-language", "")),
        location=values.get("content-location"),
        boundary=_boundary(params) if kind == "multipart" else None,
    )


_DEFAULT = BodyPart(0, 0, 0)
_DIGEST_DEFAULT = BodyPart(0, 0, 0, type="message", subtype="rfc822")


def _boundary(params: _params.Params) -> str | None:
    for name, value in params:
        if name.lower() == "boundary":
            return value
    return None


def _measure(raw: bytes, start: int, end: int, crlf: bool) -> tuple[int, int]:
    """Octets with bare LFs counted as CRLF (as IMAP sends them), and lines (LFs).

    In a message whose every LF follows a CR (``crlf``), the LFs of a stretch are its
    CRLFs, and one LF more if it starts with the LF of a CRLF cut in two: counted so,
    without counting single LFs (``bytes.count`` of one octet is about three times as
    slow as of two, and the search for a bare LF, once a message, costs less than one)."""
    pairs = raw.count(b"\r\n", start, end)
    cut = start < end and raw[start] == 0x0A  # with crlf: the LF of a CRLF begun before
    lines = pairs + cut if crlf else raw.count(b"\n", start, end)
    return end - start + lines - pairs, lines
