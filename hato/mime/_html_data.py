"""The character data of an HTML fragment, for the snippet of a message whose only text
is HTML (hato.mime._display): imported by the first such snippet, with the standard
library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["html_data"]


def html_data(html: str) -> str:
    """The fragment's character data, without scripts and style sheets, joined by spaces."""
    reader = _TextOnly()
    reader.feed(html)
    reader.close()
    return " ".join(reader.chunks)


class _TextOnly(HTMLParser):
    """The character data of an HTML fragment, without scripts and style sheets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.chunks.append(data)
