"""Printing findings: a line per finding for people, or one JSON object per finding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from hato.manners._findings import Finding, Lang


@dataclass(frozen=True, slots=True)
class FileResult:
    """The outcome for one file: its findings, or why it could not be checked."""

    file: str
    findings: tuple[Finding, ...] = ()
    error: str | None = field(default=None)


def text_lines(results: list[FileResult], lang: Lang) -> list[str]:
    """Render ``file:line: severity rule: message`` lines (``file:`` alone for headers)."""
    lines = []
    for result in results:
        for finding in result.findings:
            where = result.file if finding.line is None else f"{result.file}:{finding.line}"
            lines.append(f"{where}: {finding.severity} {finding.rule}: {finding.message(lang)}")
    return lines


def to_json(results: list[FileResult], lang: Lang) -> str:
    """Render the JSON array: ``{"file", "findings": [{"rule", "severity", "message",
    "line"}]}`` per file, plus ``"error"`` for a file that could not be read or parsed."""
    array = []
    for result in results:
        entry: dict[str, object] = {
            "file": result.file,
            "findings": [finding.to_json(lang) for finding in result.findings],
        }
        if result.error is not None:
            entry["error"] = result.error
        array.append(entry)
    return json.dumps(array, ensure_ascii=False, indent=2)


def _line_label(line: int | None, lang: Lang) -> str:
    if line is None:
        return ""
    return f"{line}行目: " if lang == "ja" else f"line {line}: "


def report(findings: Sequence[Finding], lang: Lang) -> str:
    """Render *findings* for a person without a file name: a reply text or an INBOX note.

    One line each: ``line 3: warning no-sender-name: ...`` (no ``line N:`` for headers).
    """
    return "\n".join(
        f"{_line_label(f.line, lang)}{f.severity} {f.rule}: {f.message(lang)}" for f in findings
    )
