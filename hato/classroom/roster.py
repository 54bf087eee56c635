"""Reading a class roster: a CSV file with the columns ``id``, ``name`` and, optionally,
``email``, as a teacher exports it from a spreadsheet.

Theory of operation: the file is bytes of an encoding nobody told us. Excel on a
Japanese Windows saves "CSV" in Shift_JIS (really Windows code page 932, which also has
①, ㈱ and the like), "CSV UTF-8" with a byte order mark, and "Unicode text" in UTF-16
with one; other tools write UTF-8 without a mark. So a mark decides when there is one,
else strict UTF-8 (which Shift_JIS text almost never passes), else cp932. The first row
names the columns (English or the usual Japanese headings, any order, any case). Every
later row is judged alone: a bad one becomes a ``RosterProblem`` with its line number,
and the good ones are imported. Account names come from the ids by the same rule as
``hato user add`` (``validate_username``), so two ids that differ only in case are one
account, and the second is reported as a duplicate.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from hato.accounts import InvalidUsername, validate_username

__all__ = ["MAX_ROSTER_BYTES", "MAX_STUDENTS", "Roster", "RosterProblem", "Student", "read_roster"]

#: A roster of a thousand students is a few tens of kilobytes; more is not a roster.
MAX_ROSTER_BYTES = 1 << 20
MAX_STUDENTS = 2000
_MAX_FIELD = 200  # characters of a name or an address

#: Column headings, case-folded, and the column each one names.
_HEADINGS = {
    "id": "id", "student_id": "id", "student id": "id", "学籍番号": "id", "番号": "id",
    "name": "name", "氏名": "name", "名前": "name",
    "email": "email", "e-mail": "email", "mail": "email", "メール": "email",
    "メールアドレス": "email",
}  # fmt: skip
_MARKS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
          (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Student:
    """One good row: the roster's id as written, the account it names, name, address."""

    line: int
    student_id: str
    account: str
    name: str
    email: str = ""


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """A row (or the whole file, line 0) that was not imported, and why."""

    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}" if self.line else self.text


@dataclass(slots=True)
class Roster:
    students: list[Student] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    encoding: str = ""


def decode_roster(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read in (ValueError: neither)."""
    for mark, codec in _MARKS:
        if data.startswith(mark):
            name = codec.removesuffix("-sig")
            try:
                return data.decode(codec), name
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"the file starts as {name} text but is not: {exc.reason}"
                ) from exc
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec), "shift_jis" if codec == "cp932" else codec
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is neither UTF-8 nor Shift_JIS text: save it as CSV again")


def _columns(heading: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, text in enumerate(heading):
        column = _HEADINGS.get(text.strip().casefold())
        if column and column not in columns:
            columns[column] = index
    return columns


def read_roster(data: bytes) -> Roster:
    """Every good row of the roster ``data``, and a problem for each bad one."""
    roster = Roster()
    if len(data) > MAX_ROSTER_BYTES:
        roster.problems.append(
            RosterProblem(0, f"the file is larger than {MAX_ROSTER_BYTES} bytes")
        )
        return roster
    try:
        text, roster.encoding = decode_roster(data)
    except ValueError as exc:
        roster.problems.append(RosterProblem(0, str(exc)))
        return roster
    _read_rows(text, roster)
    return roster


def _read_rows(text: str, roster: Roster) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        heading = next(reader, [])
        columns = _columns(heading)
        missing = [name for name in ("id", "name") if name not in columns]
        if missing:
            found = ", ".join(repr(cell) for cell in heading) or "nothing"
            roster.problems.append(
                RosterProblem(1, f"no {' or '.join(missing)} column (the first row has {found})")
            )
            return
        seen: dict[str, int] = {}
        for row in reader:
            if len(roster.students) + len(roster.problems) >= MAX_STUDENTS:
                roster.problems.append(
                    RosterProblem(
                        reader.line_num, f"more than {MAX_STUDENTS} rows: the rest is not read"
                    )
                )
                return
            outcome = _row(row, reader.line_num, columns, seen)
            if isinstance(outcome, Student):
                roster.students.append(outcome)
            elif outcome is not None:
                roster.problems.append(outcome)
    except csv.Error as exc:
        roster.problems.append(RosterProblem(reader.line_num, f"not CSV: {exc}"))


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _row(
    row: list[str], line: int, columns: dict[str, int], seen: dict[str, int]
) -> Student | RosterProblem | None:
    if not any(cell.strip() for cell in row):
        return None  # blank lines and the empty rows spreadsheets leave at the end
    ident, name = _cell(row, columns["id"]), _cell(row, columns["name"])
    email = _cell(row, columns.get("email"))
    problem = _row_problem(ident, name, email)
    if problem:
        return RosterProblem(line, problem)
    account = validate_username(ident)
    if account in seen:
        return RosterProblem(line, f"id {ident!r} repeats line {seen[account]}")
    seen[account] = line
    return Student(line, ident, account, name, email)


def _row_problem(ident: str, name: str, email: str) -> str | None:
    if not ident:
        return "no id"
    try:
        validate_username(ident)
    except InvalidUsername as exc:
        return f"id {ident[:_MAX_FIELD]!r} cannot name an account: {str(exc).split(': ', 1)[-1]}"
    if not name:
        return f"no name for id {ident!r}"
    if len(name) > _MAX_FIELD or len(email) > _MAX_FIELD:
        return f"a name or address longer than {_MAX_FIELD} characters (id {ident!r})"
    if email and (email.count("@") != 1 or any(c.isspace() for c in email)):
        return f"not an e-mail address: {email!r} (id {ident!r})"
    return None
