"""ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) as nested lists, like Dovecot 2.3.

Leaves are None (NIL), int (number) or str/bytes (string; the encoder picks quoted or
literal form). A str is meant to go out as UTF-8; a header value with 8-bit bytes that are
not UTF-8 is given as bytes, unchanged.

    body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
                      body-fld-octets
"""

from __future__ import annotations

import re

from hato.mime._model import Address, BodyPart, Envelope, MessageInfo, Params

Sexp = list["Sexp"] | str | bytes | int | None

_LWSP_RUN = re.compile(r"[ \t\r\n]+")
_EMPTY_TEXT: list[Sexp] = ["text", "plain", ["charset", "us-ascii"], None, None, "7bit", 0, 0]


def envelope_sexp(envelope: Envelope) -> list[Sexp]:
    """A message's ENVELOPE as a list of its ten fields."""
    return _envelope(envelope)


def bodystructure_sexp(info: MessageInfo, extended: bool) -> list[Sexp]:
    """BODYSTRUCTURE (``extended=True``) or BODY (``extended=False``) of the message."""
    return _body(info.root, extended)


def part_structure_sexp(part: BodyPart) -> list[Sexp]:
    """BODYSTRUCTURE of one part (URLFETCH's BODYPARTSTRUCTURE, RFC 5524 §3)."""
    return _body(part, True)


def _string(value: str | None) -> str | bytes | None:
    if value is None:
        return None
    if "\r" in value or "\n" in value:
        value = value.replace("\r", "").replace("\n", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")
    return value


def _for_humans(name: str | None) -> str | bytes | None:
    """Display names as Dovecot sends them: white space runs made one space, trimmed."""
    if name is None:
        return None
    return _string(_LWSP_RUN.sub(" ", name).strip(" ").replace("\0", "\udc80"))


def _addresses(addrs: tuple[Address, ...]) -> list[Sexp] | None:
    if not addrs:
        return None
    return [
        [_for_humans(name), _string(adl), _string(box), _string(host)]
        for name, adl, box, host in addrs
    ]


def _envelope(env: Envelope) -> list[Sexp]:
    return [
        _string(env.date),
        _string(env.subject),
        _addresses(env.from_),
        _addresses(env.sender),
        _addresses(env.reply_to),
        _addresses(env.to),
        _addresses(env.cc),
        _addresses(env.bcc),
        _string(env.in_reply_to),
        _string(env.message_id),
    ]


def _params(params: Params, default_charset: bool = False) -> list[Sexp] | None:
    out: list[Sexp] = []
    for name, value in params:
        out += [_string(name), _string(value)]
    if default_charset and not any(name.lower() == "charset" for name, _ in params):
        out += ["charset", "us-ascii"]
    return out or None


def _extension(part: BodyPart) -> list[Sexp]:
    """body-fld-dsp SP body-fld-lang SP body-fld-loc (after md5 or params)."""
    disposition: Sexp = None
    if part.disposition is not None:
        disposition = [_string(part.disposition), _params(part.disposition_params)]
    language: Sexp = [_string(tag) for tag in part.language] or None
    return [disposition, language, _string(part.location)]


def _body(part: BodyPart, extended: bool) -> list[Sexp]:
    if part.is_multipart:
        return _multipart(part, extended)
    is_message = part.is_message and bool(part.children)
    is_text = part.type == "text"
    out: list[Sexp] = [
        _string(part.type),
        _string(part.subtype),
        _params(part.params, default_charset=is_text),
        _string(part.id),
        _string(part.description),
        _string(part.encoding) or "7bit",
        part.size,
    ]
    if is_text:
        out.append(part.lines)
    elif is_message:
        envelope = part.envelope if part.envelope is not None else Envelope()
        out += [_envelope(envelope), _body(part.children[0], extended), part.lines]
    if extended:
        out += [_string(part.md5), *_extension(part)]
    return out


def _multipart(part: BodyPart, extended: bool) -> list[Sexp]:
    children: list[Sexp] = [_body(child, extended) for child in part.children]
    if not children:  # Dovecot's stand-in for a multipart without parts
        children = [_EMPTY_TEXT + ([None, None, None, None] if extended else [])]
    out: list[Sexp] = [*children, _string(part.subtype)]
    if extended:
        out += [_params(part.params), *_extension(part)]
    return out
