"""The text SEARCH BODY and TEXT look into (RFC 3501 §6.4.4), decoded part by part.

Each text/* part (message/* leaves such as delivery-status too), in embedded
message/rfc822 messages as well, is undone from its Content-Transfer-Encoding
(base64, quoted-printable) and decoded from its charset with replacement
characters; text/html is then reduced to its text (tags, comments, scripts and
styles dropped, character references undone), so that a search finds what a
reader sees, not the markup (hato.mime._decode.part_text decodes every leaf
part, for SEARCH and for display alike). Other parts (images, applications) are
never searched. The header of an embedded message is part of its parent's body,
so it is given (with its RFC 2047 words decoded) like a text part. Chunks come
lazily, one per part, so a caller that stops at its first match decodes no more
than it needs. The standard library's ``html`` (its table of entities, about 0.3 MB) is
imported by the first HTML part with a character reference to undo.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hato.mime._casemap import casemap
from hato.mime._decode import part_text
from hato.mime._model import BodyPart, MessageInfo
from hato.mime._words import decode_words

__all__ = [
    "PART_BREAK", "TEXT_LIMIT", "IndexedText", "decoded_header", "decoded_text", "html_text",
    "index_words", "indexed_text", "storable",
]  # fmt: skip

#: What separates the text of two parts in ``IndexedText.body``. A key never matches
#: across two parts (each is matched alone), and no stored text holds this character
#: (``storable`` replaces it), so a substring of the joined text is one of a part.
PART_BREAK = "\x1f"
#: Characters of text kept for the index, per message; past it, the text is cut and
#: the message is marked as not wholly indexed (a search reads it, as without an index).
TEXT_LIMIT = 4_000_000
# What no stored text holds: NUL (PostgreSQL's text cannot), the part break, and lone
# surrogates (no UTF-8 for them); each becomes U+FFFD.
_UNSTORABLE = re.compile("[\x00\x1f\ud800-\udfff]")

_FOLD = re.compile(rb"\r?\n(?=[ \t])")


def decoded_text(raw: bytes, info: MessageInfo, *, header: bool = False) -> Iterator[str]:
    """The message's searchable text, one chunk per part; with ``header`` the
    top-level header first (SEARCH TEXT), else only the body (SEARCH BODY)."""
    root = info.root
    if header:
        yield decoded_header(raw[root.header_offset : root.body_offset])
    yield from _part_text(raw, root)


@dataclass(frozen=True, slots=True)
class IndexedText:
    """What the full-text index keeps of one message body: its searchable text,
    case-mapped (i;unicode-casemap, RFC 5051 §2) and ``storable``.

    ``head`` is the body's own top-level header, decoded (SEARCH TEXT adds it);
    ``body`` the decoded text parts joined by ``PART_BREAK`` (SEARCH BODY and TEXT);
    ``whole`` is false when the text was cut at ``TEXT_LIMIT``. ``words`` is what the
    trigram index reads: each whitespace-separated word of the body once
    (``index_words``); the header is searched (SEARCH TEXT only) by a scan of ``head``.
    """

    head: str
    body: str
    whole: bool = True
    words: str = ""


def index_words(*texts: str) -> str:
    """Each word (a run without whitespace, as ``str.split`` finds them) of ``texts``
    once, in the order first met, separated by spaces.

    What the trigram index is built from: a fraction of the text (words repeat), so
    delivery indexes fewer trigrams. A key's trigrams that hold no whitespace lie
    within one word of any text that holds the key, so they are all in this too: the
    index still only narrows (the trigrams that span two words here match nothing
    real, which at worst lets a candidate through to the exact check).
    """
    words: list[str] = []
    for text in texts:
        words += text.split()  # one list, no generator: this runs for every delivery
    return " ".join(dict.fromkeys(words))


def indexed_text(raw: bytes, info: MessageInfo) -> IndexedText:
    """The ``IndexedText`` of a parsed body (with no trace prefix before it)."""
    root = info.root
    head = decoded_header(raw[root.header_offset : root.body_offset])
    whole = len(head) <= TEXT_LIMIT
    room = TEXT_LIMIT - len(head)
    parts: list[str] = []
    for chunk in _part_text(raw, root):
        if len(chunk) >= room:  # cut here: what follows is not indexed
            chunk, whole = chunk[: max(room, 0)], False
        parts.append(storable(casemap(chunk)))
        room -= len(chunk) + 1
        if not whole:
            break
    head = storable(casemap(head[:TEXT_LIMIT]))
    body = PART_BREAK.join(parts)
    return IndexedText(head, body, whole, index_words(body))


def storable(text: str) -> str:
    """``text`` with what no stored text holds replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def decoded_header(header: bytes) -> str:
    """A header unfolded, as text, with its RFC 2047 encoded words decoded."""
    value = _FOLD.sub(b"", header).decode("utf-8", "surrogateescape")
    return decode_words(value)


def _part_text(raw: bytes, part: BodyPart) -> Iterator[str]:
    if part.is_multipart:
        for child in part.children:
            yield from _part_text(raw, child)
    elif part.is_message and part.children:
        embedded = part.children[0]
        yield decoded_header(raw[embedded.header_offset : embedded.body_offset])
        yield from _part_text(raw, embedded)
    elif part.type in ("text", "message"):
        text = part_text(raw, part)
        yield html_text(text) if part.subtype == "html" else text


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Elements whose content is not text a reader sees.
_HIDDEN = ("script", "style")
# Elements that end a line: their tag becomes a line break, so that words in two
# cells or paragraphs do not run together.
_BREAKS = frozenset(
    [
        "address",
        "article",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)


def html_text(markup: str) -> str:
    """The text of an HTML document: tags and comments dropped (those that end a line
    become one), the content of script and style dropped, references undone.

    One pass from left to right with ``str.find`` (no regular expression that could
    backtrack over hostile markup): linear in the markup's length. An unclosed tag
    or comment runs to the end, as a browser would hide it.
    """
    lowered = markup.translate(_ASCII_LOWER)  # str.lower can change the length ("İ")
    out: list[str] = []
    pos = 0
    while (start := markup.find("<", pos)) >= 0:
        out.append(markup[pos:start])
        if markup.startswith("<!--", start):
            end = _after(lowered, "-->", start + 4)
        else:
            end = _after(lowered, ">", start + 1)
            name = _tag_name(lowered, start + 1, end)
            if name in _HIDDEN:
                end = _after(lowered, f"</{name}", end)
                end = _after(lowered, ">", end)
            elif name.lstrip("/") in _BREAKS:
                out.append("\n")
        pos = end
    out.append(markup[pos:])
    text = "".join(out)
    if "&" not in text:  # no reference to undo (html.unescape's own first test)
        return text
    import html

    return html.unescape(text)


def _after(text: str, mark: str, start: int) -> int:
    """The index just past the next ``mark`` from ``start``, or the end of ``text``."""
    found = text.find(mark, start)
    return len(text) if found < 0 else found + len(mark)


def _tag_name(lowered: str, start: int, end: int) -> str:
    """The element name of the tag between ``start`` and ``end`` ("/p" for ``</p>``)."""
    name = []
    for char in lowered[start : min(end, start + 16)]:
        if not (char.isalnum() or char == "/"):
            break
        name.append(char)
    return "".join(name)
