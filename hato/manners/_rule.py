"""What a rule is: an id, a severity and a pure function from a message to hits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from hato.manners._findings import Hit, Severity
from hato.manners._mail import Mail
from hato.manners._settings import MannersSettings


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may consult besides the message: settings and the sender's mailbox."""

    settings: MannersSettings = field(default_factory=MannersSettings)
    mailbox: Mapping[str, Mail] = field(default_factory=dict)


Check = Callable[[Mail, Context], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A manners rule; ``id`` is part of the command-line and JSON contract."""

    id: str
    severity: Severity
    check: Check
