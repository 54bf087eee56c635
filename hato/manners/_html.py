"""Plain text from an HTML body, so the body rules can read HTML-only mail.

Block elements end a line; ``<blockquote>`` (how mail clients quote in HTML) becomes ``> ``
quoting, so quoted text is recognised as in plain-text mail.
"""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = frozenset((
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "hr", "blockquote", "address",
))  # fmt: skip
_HIDDEN = frozenset(("script", "style", "head", "title"))


class _TextExtractor(HTMLParser):
    """Collect text lines, prefixing each with one ``> `` per enclosing blockquote."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._quote_depth = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self._break()
            self._quote_depth += tag == "blockquote"

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._line.append(" ".join(data.split()) if data.strip() else " " * bool(data))

    def _break(self) -> None:
        text = "".join(self._line).strip()
        self._line = []
        if text or (self.lines and self.lines[-1]):
            self.lines.append("> " * self._quote_depth + text if text else "")

    def text(self) -> str:
        """Return the text collected so far."""
        self._break()
        return "\n".join(self.lines).strip("\n")


def html_to_text(html: str) -> str:
    """Return the readable text of *html*, one line per block."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()
