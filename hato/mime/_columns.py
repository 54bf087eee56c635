"""Header columns for SEARCH, SORT (RFC 5256, RFC 5957) and THREAD (RFC 5256 §2.1)."""

from __future__ import annotations

import email.utils
import re

from hato.mime._casemap import casemap
from hato.mime._headers import Field, first, text
from hato.mime._known import Known
from hato.mime._model import Address, Envelope, HeaderColumns
from hato.mime._words import decode_words

_WSP_RUN = re.compile(r"[ \t\r\n]+")
_BRACKET = re.compile(r"[\[\]]")
_MSG_ID = re.compile(r"<[^<>]*>")


def base_subject(subject: str) -> str:
    """The base subject of an already decoded subject, RFC 5256 §2.1 steps (1) to (6).

        subj-trailer    = "(fwd)" / WSP
        subj-leader     = (*subj-blob subj-refwd) / WSP
        subj-blob       = "[" *BLOBCHAR "]" *WSP
        subj-refwd      = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
        subj-fwd-hdr    = "[fwd:"
        subj-fwd-trl    = "]"

    The subject is a hostile input read on the event loop: every step moves one
    of two ends inward and a failed attempt ends its step, so the work is linear
    in the subject's length (no regular expression that backtracks, no copy per
    token).
    """
    return _extract(subject)[0]


def is_reply_or_forward(subject: str) -> bool:
    """Whether extracting the base subject removed a Re:/Fw:/Fwd: leader, a "(fwd)"
    trailer or a "[fwd: ...]" wrapper (RFC 5256 §2.1 steps (2), (3), (6)), which
    THREAD=REFERENCES step (5)(C) asks of a subject."""
    return _extract(subject)[1]


def _extract(subject: str) -> tuple[str, bool]:
    """The base subject, and whether a reply or forward marker came off it."""
    text = _WSP_RUN.sub(" ", subject)  # (1)
    start, end, marked = 0, len(text), False
    while True:
        end, forwarded = _without_trailers(text, start, end)  # (2)
        start, replied = _without_leaders(text, start, end)  # (3), (4), (5)
        marked = marked or forwarded or replied
        if text[start : min(start + 5, end)].lower() == "[fwd:" and text[end - 1 : end] == "]":
            start, end, marked = start + 5, end - 1, True  # (6)
            continue
        return text[start:end], marked


def _without_trailers(text: str, start: int, end: int) -> tuple[int, bool]:
    """(2): the end, once every trailing subj-trailer is gone; whether one was "(fwd)"."""
    forwarded = False
    while end > start:
        if text[end - 1] == " ":
            end -= 1
        elif end - start >= 5 and text[end - 5 : end].lower() == "(fwd)":
            end, forwarded = end - 5, True
        else:
            break
    return end, forwarded


def _without_leaders(text: str, start: int, end: int) -> tuple[int, bool]:
    """(3) to (5): the start, once no subj-leader and no subj-blob that leaves a
    non-empty subject is left; whether a subj-refwd was among them.  A leader's
    blobs are taken one by one, as (4) would take them, which ends in the same place."""
    replied = False
    while start < end:
        if text[start] == " ":
            after = start + 1
        elif (after := _refwd(text, start, end)) > start:
            replied = True
        else:
            after = _blob(text, start, end)
            if after == end:
                break
        if after == start:
            break
        start = after
    return start, replied


def _refwd(text: str, pos: int, end: int) -> int:
    """Just past the subj-refwd at ``pos``, or ``pos`` if there is none."""
    word = text[pos : min(pos + 3, end)].lower()
    size = 3 if word == "fwd" else 2 if word[:2] in ("re", "fw") else 0
    if not size:
        return pos
    after = _blob(text, _spaces(text, pos + size, end), end)
    return after + 1 if text[after : after + 1] == ":" and after < end else pos


def _blob(text: str, pos: int, end: int) -> int:
    """Just past the subj-blob (and its spaces) at ``pos``, or ``pos`` if there is none.
    The look ahead stops at the first bracket, so no character is read twice."""
    if pos >= end or text[pos] != "[":
        return pos
    close = _BRACKET.search(text, pos + 1, end)
    if close is None or close.group() != "]":
        return pos
    return _spaces(text, close.end(), end)


def _spaces(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] == " ":
        pos += 1
    return pos


def build_columns(pairs: list[Field], envelope: Envelope) -> HeaderColumns:
    """Compute the columns from the top-level header fields and envelope."""
    raw_subject = first(pairs, "subject")
    subject = "" if raw_subject is None else decode_words(text(raw_subject))
    base = base_subject(subject)
    from_, to, cc = (_address_columns(a) for a in (envelope.from_, envelope.to, envelope.cc))
    return HeaderColumns(
        subject=subject,
        base_subject=base,
        from_=from_[0],
        to=to[0],
        cc=cc[0],
        sort_subject=casemap(base),
        sort_from=from_[1],
        sort_to=to[1],
        sort_cc=cc[1],
        sort_display_from=from_[2],
        sort_display_to=to[2],
        sent_date=_epoch(first(pairs, "date")),
        message_id=_first_id(first(pairs, "message-id")),
        in_reply_to=_first_id(first(pairs, "in-reply-to")),
        references=" ".join(_ids(first(pairs, "references"))),
    )


def _columns_of(addrs: tuple[Address, ...]) -> tuple[str, str, str]:
    """An address field's columns: its text for SEARCH, its first mailbox and display
    name for SORT."""
    return _search_text(addrs), casemap(_first_mailbox(addrs)), casemap(_display(addrs))


def _chars(addrs: tuple[Address, ...]) -> int:
    return sum(len(part) for address in addrs for part in address if part)


#: Kept for the addresses mail repeats (_known.py).
_address_columns = Known(_columns_of, _chars)


def _search_text(addrs: tuple[Address, ...]) -> str:
    """``Name <mailbox@host>, group: a@b;`` with encoded-words decoded, for SEARCH."""
    out: list[str] = []
    for name, _adl, mailbox, host in addrs:
        if mailbox is None:
            out.append(";")  # group end
            continue
        if out and not out[-1].endswith(": "):
            out.append(", ")
        if host is None and name is None:
            out.append(f"{mailbox}: ")  # group start
            continue
        spec = mailbox if host is None else f"{mailbox}@{host}"
        out.append(f"{decode_words(name)} <{spec}>" if name else spec)
    return decode_words("".join(out).replace(": ;", ":;"))


def _first_mailbox(addrs: tuple[Address, ...]) -> str:
    """RFC 5256 §3: the addr-mailbox of the first address (a group's name, as Dovecot)."""
    return decode_words(addrs[0][2] or "") if addrs else ""


def _display(addrs: tuple[Address, ...]) -> str:
    """RFC 5957 §3: the first address's decoded display-name, else its addr-spec."""
    if not addrs:
        return ""
    name, _adl, mailbox, host = addrs[0]
    if name and (shown := decode_words(name).strip()):
        return shown
    spec = (mailbox or "") if host is None else f"{mailbox}@{host}"
    return decode_words(spec)


def _epoch(value: bytes | None) -> int | None:
    """The Date field (RFC 5322 §3.3) as seconds since the epoch, UTC."""
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_tz(text(value))
        return None if parsed is None else int(email.utils.mktime_tz(parsed))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _ids(value: bytes | None) -> tuple[str, ...]:
    """The msg-ids (RFC 5322 §3.6.4) in a field, white space removed, brackets kept."""
    if value is None:
        return ()
    return tuple(_WSP_RUN.sub("", found) for found in _MSG_ID.findall(text(value)))


def _first_id(value: bytes | None) -> str:
    found = _ids(value)
    return found[0] if found else ""
