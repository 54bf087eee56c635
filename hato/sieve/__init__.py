"""hato.sieve: Sieve mail filtering (RFC 5228 and extensions), pure: no IO.

- ``compile_script(text)`` parses and validates a script into a ``Program``, or raises
  ``SieveError`` with the line and column (what ``hato sieve check`` prints).
- ``to_text(parse(text))`` gives a script back as text.
"""

from hato.sieve._errors import SieveError, SieveLimitError, SieveRuntimeError
from hato.sieve._parser import MAX_DEPTH, MAX_SCRIPT_SIZE, parse
from hato.sieve._printer import to_text
from hato.sieve._validate import Program, validate


def compile_script(
    text: str | bytes, max_size: int = MAX_SCRIPT_SIZE, max_depth: int = MAX_DEPTH
) -> Program:
    """Parse and validate a script (RFC 5228 §8, §2.10.6)."""
    return validate(parse(text, max_size, max_depth))


__all__ = [
    "MAX_DEPTH",
    "MAX_SCRIPT_SIZE",
    "Program",
    "SieveError",
    "SieveLimitError",
    "SieveRuntimeError",
    "compile_script",
    "parse",
    "to_text",
    "validate",
]
