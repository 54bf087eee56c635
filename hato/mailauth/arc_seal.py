"""ARC sealing (RFC 8617 §5.1) of mail hato forwards, with dkimpy: the far end can still trust it.

A message that came in on the MX listener from a host hato does not trust was
checked (SPF, DKIM, DMARC, the ARC chain) and carries hato's
Authentication-Results field. When such a message goes on to another domain —
an alias whose target is elsewhere, or a Sieve ``redirect`` — the envelope
sender's SPF no longer holds at the far end, so its DMARC can fail there. An
ARC set tells the far end what hato saw when the message reached it: hato adds
ARC-Authentication-Results (a copy of its own results, RFC 8617 §4.1.1),
ARC-Message-Signature (a DKIM-like signature of the message, §4.1.2) and
ARC-Seal (a signature over the chain so far, §4.1.3), with instance ``i=`` one
more than the chain it received and ``cv=`` the chain's state: ``none`` when
there was none, else the ``arc=`` result hato found (§5.1.1).

- **Only what hato checked.** dkimpy seals only when the message has an
  Authentication-Results field with hato's host name as its authserv-id; the
  MX listener removed any forged one before adding its own (RFC 8601 §5). Mail
  from submission, LMTP, trusted relays and the messages hato writes itself
  (bounces, vacation replies) carries none and is not sealed.
- **Only a chain state RFC 8617 knows.** ``cv`` is ``none``, ``pass`` or
  ``fail`` (§4.1.3); when the chain could not be checked (a key lookup failed:
  ``arc=temperror``) hato forwards the message unsealed rather than claim a
  state it does not know, and logs it.
- **The key.** ARC knows only ``rsa-sha256`` (dkimpy seals with nothing
  else): the newest RSA key (``hato dkim keygen DOMAIN --algorithm rsa``) of
  the host name's domain or a parent of it, else of the first local domain that
  has one, seals. Keys are re-read as they change, as for DKIM signing
  (``hato.mailauth.dkim_keys``). With no RSA key the message goes unsealed.

Sealing is CPU work (an RSA signature, a body hash): callers run
:meth:`ArcSealer.seal` in a worker thread. The MX listener makes its sealer at start;
the signing code is imported by the first seal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hato.mailauth.dkim_keys import KeyRing

if TYPE_CHECKING:
    from hato.mailauth.dkim_keys import SigningKey

__all__ = ["ArcSealer"]

log = logging.getLogger(__name__)

#: The chain states an ARC-Seal's ``cv=`` may carry (RFC 8617 §4.1.3).
_CHAIN_STATES = (b"none", b"pass", b"fail")


class ArcSealer:
    """Seals forwarded mail as ``hostname`` (the authserv-id of its results)."""

    def __init__(self, key_dir: Path, hostname: str, domains: Sequence[str]) -> None:
        self.keys = KeyRing(key_dir)
        self.hostname = hostname.lower()
        self.domains = tuple(domains)

    def key(self) -> SigningKey | None:
        """The RSA key that seals (see the module docstring), or None."""
        from hato.mailauth.dkim_sign import self_and_parents

        for domain in (*self_and_parents(self.hostname), *self.domains):
            for key in self.keys.keys_for(domain):
                if key.algorithm == "rsa":
                    return key
        return None

    def seal(self, message: bytes, now: float | None = None) -> bytes:
        """``message`` (CRLF line ends) with the next ARC set on top, or as it was when
        hato did not check it, its chain state is unknown, or there is no key."""
        key = self.key()
        if key is None:
            return message
        import dkim  # where used: see hato.mailauth

        from hato.mailauth.dkim_verify import QUIET

        try:
            fields: list[bytes] = dkim.arc_sign(
                message,
                key.selector.encode("ascii"),
                key.domain.encode("ascii"),
                key.private,
                self.hostname.encode("ascii"),
                timestamp=int(now if now is not None else time.time()),
                logger=QUIET,
            )
        except dkim.DKIMException as error:  # no earlier chain but cv not none, and the like
            log.warning("ARC: not sealed: %s", str(error)[:120])
            return message
        if not fields:
            return message  # no results of ours in it: not checked here
        state = _chain_state(fields)
        if state not in _CHAIN_STATES:
            log.warning("ARC: not sealed: the chain's state is %r", state[:20])
            return message
        return b"".join(fields) + message


def _chain_state(fields: list[bytes]) -> bytes:
    """The ``cv=`` value of the new ARC-Seal among ``fields``."""
    for field in fields:
        name, _, value = field.partition(b":")
        if name.strip().lower() == b"arc-seal":
            for tag in value.split(b";"):
                tag_name, _, tag_value = tag.partition(b"=")
                if tag_name.strip() == b"cv":
                    return tag_value.strip().lower()
    return b""
