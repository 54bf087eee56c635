"""hato.mime: parse a message once, at delivery, into everything IMAP will need.

- ``parse_message(raw)`` gives a ``MessageInfo``: the MIME tree with byte offsets, the
  ENVELOPE data and the header columns for SEARCH/SORT/THREAD (``HeaderColumns``, each
  field with the stored column that keeps it, ``COLUMN_OF``); it round-trips through
  ``to_json``/``from_json`` for storage; ``from_json(text, n)`` re-targets it to the
  message with an n-byte trace prefix as it decodes.
- ``envelope_sexp``/``bodystructure_sexp`` give FETCH ENVELOPE/BODY/BODYSTRUCTURE as nested
  lists for the IMAP encoder; ``section_bytes`` gives BODY[section] octets,
  ``binary_section`` BINARY[section]'s (RFC 3516), ``without_binary_parts`` stores a
  literal8 APPEND's binary parts as base64; ``decoded_entity`` (with ``binary_header``,
  ``find_part`` and ``part_structure_sexp``) is URLFETCH's BINARY and BODYPARTSTRUCTURE
  (RFC 5524).
- ``as_legacy`` is a message as a client that did not ask for UTF-8 is shown it: an
  internationalized one (RFC 6532) downgraded as RFC 6858 describes (``downgraded``).
- ``crlf_lines`` gives every bare LF its CR (RFC 5322 §2.1); ``dot_stuffed`` and
  ``dot_unstuffed`` are the transparency of SMTP and POP3 (RFC 5321 §4.5.2).
- ``fields``/``header_end``/``parse_addresses`` read a header block and address lists
  (for Sieve's header and address tests).
- ``part_text`` decodes a leaf part's body to text; ``leaf_parts``, ``attachment_parts``,
  ``part_filename``, ``body_part`` and ``snippet`` are what a reader is shown of a message.
- ``decoded_text`` gives the text SEARCH BODY and TEXT match, ``casemap`` the
  i;unicode-casemap form both sides are compared in, and ``indexed_text`` what the
  full-text index keeps of a body.
"""

from hato.mime._address import parse_addresses
from hato.mime._binary import binary_header, decoded_entity, without_binary_parts
from hato.mime._casemap import casemap
from hato.mime._charsets import text_codec
from hato.mime._columns import base_subject, is_reply_or_forward
from hato.mime._decode import part_text, transfer_decode
from hato.mime._display import (
    attachment_parts,
    body_part,
    is_attachment,
    leaf_parts,
    part_filename,
    snippet,
)
from hato.mime._downgrade import (
    as_legacy,
    downgraded,
    has_utf8,
    is_internationalized,
    may_downgrade,
)
from hato.mime._headers import fields, header_end
from hato.mime._imap import Sexp, bodystructure_sexp, envelope_sexp, part_structure_sexp
from hato.mime._lines import crlf_lines, dot_stuffed, dot_unstuffed
from hato.mime._message import parse_message
from hato.mime._model import COLUMN_OF, Address, BodyPart, Envelope, HeaderColumns, MessageInfo
from hato.mime._section import binary_section, find_part, header_fields, section_bytes
from hato.mime._text import (
    PART_BREAK,
    IndexedText,
    decoded_header,
    decoded_text,
    html_text,
    index_words,
    indexed_text,
    storable,
)
from hato.mime._words import decode_words

__all__ = [
    "COLUMN_OF",
    "PART_BREAK",
    "Address",
    "BodyPart",
    "Envelope",
    "HeaderColumns",
    "IndexedText",
    "MessageInfo",
    "Sexp",
    "as_legacy",
    "attachment_parts",
    "base_subject",
    "binary_header",
    "binary_section",
    "body_part",
    "bodystructure_sexp",
    "casemap",
    "crlf_lines",
    "decode_words",
    "decoded_entity",
    "decoded_header",
    "decoded_text",
    "dot_stuffed",
    "dot_unstuffed",
    "downgraded",
    "envelope_sexp",
    "fields",
    "find_part",
    "has_utf8",
    "header_end",
    "header_fields",
    "html_text",
    "index_words",
    "indexed_text",
    "is_attachment",
    "is_internationalized",
    "is_reply_or_forward",
    "leaf_parts",
    "may_downgrade",
    "parse_addresses",
    "parse_message",
    "part_filename",
    "part_structure_sexp",
    "part_text",
    "section_bytes",
    "snippet",
    "storable",
    "text_codec",
    "transfer_decode",
    "without_binary_parts",
]
