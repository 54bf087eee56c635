"""What QUOTA (RFC 9208) costs at delivery: LMTP to an account with limits, and without.

hato checks an account's limits in the delivery's own transaction (the account's row
is held, so concurrent deliveries cannot pass a limit together). Both rows deliver
the same ``bench.mail_checks`` messages over ``bench.load``'s 4 LMTP connections: one
to ``LIMITED`` (storage and message limits set with ``hato user quota``, far above
what arrives, so every message is checked and stored), one to ``UNLIMITED``. hato
only: Dovecot's bench setup has no quota plugin (its column says n/a).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import mail_checks
from bench.load import deliver
from bench.mailbox import Mailbox

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = ["LIMITED", "QUOTA_ARGS", "UNLIMITED", "with_quota", "without_quota"]

LIMITED = "limited"
UNLIMITED = "unlimited"
#: ``hato user quota`` for LIMITED: limits no bench run comes near.
QUOTA_ARGS = ("user", "quota", LIMITED, "--storage", "100G", "--messages", "10000000")


def _rate(target: Target, account: str) -> float:
    messages = list(mail_checks.messages())
    target.settled()  # the run before's indexing done first, untimed
    return deliver(target, Mailbox(messages, f"{account}@bench.example"))


def with_quota(target: Target, context: Context) -> float:
    return _rate(target, LIMITED)


def without_quota(target: Target, context: Context) -> float:
    return _rate(target, UNLIMITED)
