"""Helpers shared by the character rules: where text sits, and what is Japanese."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from hato.manners._findings import Hit, Text
from hato.manners._mail import Mail

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff61-\uff9f]")

SUBJECT = Text("件名", "the Subject")
BODY = Text("本文", "the body")


def lines_with(mail: Mail, wanted: Callable[[str], str]) -> Iterator[tuple[Text, int | None, str]]:
    """Yield (where, line, found) for the Subject and each body line where *wanted* finds text.

    *wanted* returns the characters it looks for, in order and without repeats, or "".
    """
    if mail.subject and (found := wanted(mail.subject)):
        yield SUBJECT, None, found
    for number, line in enumerate(mail.lines, start=1):
        if found := wanted(line):
            yield BODY, number, found


def unique_chars(text: str, keep: Callable[[str], bool]) -> str:
    """Return the characters of *text* that *keep* accepts, once each, in order."""
    return "".join(dict.fromkeys(c for c in text if keep(c)))


def hits_for(
    mail: Mail, wanted: Callable[[str], str], explain: Callable[[Text, str], Text]
) -> Iterator[Hit]:
    """Yield a hit for each place where *wanted* finds characters, explained by *explain*."""
    for where, line, found in lines_with(mail, wanted):
        yield Hit(explain(where, found), line)
