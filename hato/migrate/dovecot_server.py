"""``hato import dovecot``: a whole Dovecot server, users first, then each user's Maildir.

Where a user's Maildir is, in the order Dovecot's configuration would say it:

- ``--maildirs`` with a ``%`` is a template of Dovecot's variables: ``%u`` the
  user as the passwd-file names it (``alice@example.org``), ``%n`` its part
  before ``@``, ``%d`` the part after it, ``%h`` the home field, ``%%`` a ``%``;
  ``%L`` before a letter lowercases it (``/var/vmail/%d/%n/Maildir``,
  ``/srv/mail/%Lu/Maildir``).
- ``--maildirs DIR`` without one is ``DIR/<user>/Maildir``, the user as the file
  names it.
- Without ``--maildirs``, ``<home>/Maildir`` (``mail_location = maildir:~/Maildir``).
"""

from __future__ import annotations

import re
from pathlib import Path

from hato.migrate.dovecot_users import PasswdEntry

__all__ = ["maildir_of"]

_VARIABLE = re.compile(r"%(L?)(.)")


def maildir_of(entry: PasswdEntry, maildirs: str | None) -> Path | str:
    """The entry's Maildir, or why it has none."""
    if "/" in entry.login or entry.login.startswith("."):
        return f"user {entry.login}: not a name for a directory"
    if maildirs is None:
        if not entry.home:
            return "no home field in the passwd-file and no --maildirs"
        return Path(entry.home) / "Maildir"
    if "%" not in maildirs:
        return Path(maildirs) / entry.login / "Maildir"
    local, _, domain = entry.login.partition("@")
    values = {"u": entry.login, "n": local, "d": domain, "h": entry.home, "%": "%"}
    unknown = {found.group(2) for found in _VARIABLE.finditer(maildirs)} - set(values)
    if unknown:
        return f"--maildirs: unknown variable %{sorted(unknown)[0]} (use %u %n %d %h %%)"

    def value(found: re.Match[str]) -> str:
        text = values[found.group(2)]
        return text.lower() if found.group(1) else text

    return Path(_VARIABLE.sub(value, maildirs))
