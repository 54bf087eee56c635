"""hato.sieve: Sieve mail filtering (RFC 5228 and extensions), pure: no IO.

- ``compile_script(text)`` parses and validates a script into a ``Program``, or raises
  ``SieveError`` with the line and column (what ``hato sieve check`` prints).
- ``run(program, message, context)`` evaluates it against a message (``MimeMessage`` over
  raw octets, or any ``Message``) and gives a ``Result``: the actions the delivery layer
  carries out, with the implicit keep, or the error and the implicit keep alone.
- ``to_text(parse(text))`` gives a script back as text.
"""

from hato.sieve._actions import Action, FileInto, Keep, Redirect, Reject, Result, Vacation
from hato.sieve._context import Context, Envelope, Limits, Loader
from hato.sieve._errors import (
    SieveError,
    SieveInternalError,
    SieveLimitError,
    SieveRuntimeError,
)
from hato.sieve._grammar import EXTENSIONS
from hato.sieve._interp import run
from hato.sieve._message import BodyText, Message, MimeMessage
from hato.sieve._parser import MAX_DEPTH, MAX_SCRIPT_SIZE, parse
from hato.sieve._printer import to_text
from hato.sieve._vacation import Period, RepliedWithin
from hato.sieve._validate import Program, validate


def compile_script(
    text: str | bytes, max_size: int = MAX_SCRIPT_SIZE, max_depth: int = MAX_DEPTH
) -> Program:
    """Parse and validate a script (RFC 5228 §8, §2.10.6)."""
    return validate(parse(text, max_size, max_depth))


__all__ = [
    "EXTENSIONS",
    "MAX_DEPTH",
    "MAX_SCRIPT_SIZE",
    "Action",
    "BodyText",
    "Context",
    "Envelope",
    "FileInto",
    "Keep",
    "Limits",
    "Loader",
    "Message",
    "MimeMessage",
    "Period",
    "Program",
    "Redirect",
    "Reject",
    "RepliedWithin",
    "Result",
    "SieveError",
    "SieveInternalError",
    "SieveLimitError",
    "SieveRuntimeError",
    "Vacation",
    "compile_script",
    "parse",
    "run",
    "to_text",
    "validate",
]
