"""Sending one queued message to one destination: routing and the SMTP client.

Routing (RFC 5321 §5.1): the ``[routes]`` table first (``"domain" =
"host:port"``, ``"*"`` for a smart host), an address literal's own address, else
the domain's MX records in order of preference (asked through
``hato.mailauth.resolver``, so ``[dns] servers`` apply; the best
``MAX_MX_HOSTS`` are tried), else the domain itself (its A/AAAA records, the
"implicit MX"). A null MX (RFC 7505) or a domain that does not exist fails
permanently; a DNS failure is temporary.

The client (aiosmtplib) uses STARTTLS whenever the peer offers it, without
checking the certificate (opportunistic TLS, RFC 7435 — as MTAs do by default).
A route with a ``[relay_auth]`` login (a smart host on 587 or 465) requires
TLS — STARTTLS, or implicit TLS on port 465 (RFC 8314) — and AUTH (RFC 4954);
a host that offers neither, or refuses the login, is a temporary failure, so
the operator can mend the login before any mail bounces. The client sends
every recipient at that destination in one transaction. Each recipient's
outcome is classed by the reply: 2xx delivered, 4xx (and every network
failure) temporary, 5xx permanent (RFC 5321 §4.2.1).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aiosmtplib

from hato.config import RelayLogin, split_route
from hato.mailauth.resolver import DnsTemporaryError, Resolver
from hato.proto.smtp_syntax import address_literal

__all__ = ["Outcome", "RouteError", "destinations", "send"]

SMTP_PORT = 25
SUBMISSIONS_PORT = 465  # implicit TLS (RFC 8314 §3.3)
#: MX hosts tried per attempt, best first: an answer of thousands (a 64 KB one) costs
#: one sort, not thousands of connection attempts.
MAX_MX_HOSTS = 10


class RouteError(Exception):
    """No destination for a domain; ``permanent`` says whether to bounce now."""

    def __init__(self, text: str, permanent: bool) -> None:
        super().__init__(text)
        self.permanent = permanent


@dataclass(slots=True)
class Outcome:
    """What one transaction did for each recipient: reply text per recipient."""

    delivered: list[str] = field(default_factory=list)
    temporary: dict[str, str] = field(default_factory=dict)
    permanent: dict[str, str] = field(default_factory=dict)
    remote: str = ""


async def destinations(
    domain: str, routes: Mapping[str, str], resolver: Resolver | None = None
) -> list[tuple[str, int]]:
    """Where mail for ``domain`` goes, best first; ``resolver`` defaults to the system's."""
    route = routes.get(domain.lower()) or routes.get("*")
    if route:
        return [split_route(route)]  # checked when the configuration was read
    literal = address_literal(domain)
    if literal is not None:  # RFC 5321 §4.1.3: the host itself, no DNS
        return [(literal, SMTP_PORT)]
    try:
        answer = await (resolver or Resolver()).query(domain, "MX")
    except DnsTemporaryError as exc:
        raise RouteError(f"4.4.3 {exc}", False) from exc
    if not answer.exists:
        raise RouteError(f"5.1.2 domain {domain} does not exist", True)
    if not answer.records:
        return [(domain, SMTP_PORT)]
    records = sorted(answer.records, key=lambda r: int(getattr(r, "preference", 0)))
    hosts = [str(getattr(r, "exchange", "")).rstrip(".") for r in records]
    if hosts in ([""], ["."]):
        raise RouteError(f"5.1.10 domain {domain} accepts no mail (null MX)", True)
    return [(host, SMTP_PORT) for host in hosts if host][:MAX_MX_HOSTS]


def _client(
    host: str, port: int, helo: str, reply_timeout: float, login: RelayLogin | None
) -> aiosmtplib.SMTP:
    """An opportunistic-TLS client, or with a login one that insists on TLS and AUTH."""
    tls: dict[str, object] = {"start_tls": None}
    credentials: dict[str, object] = {}
    if login is not None:
        implicit = port == SUBMISSIONS_PORT
        tls = {"use_tls": implicit, "start_tls": not implicit}
        credentials = {"username": login.user, "password": _password(login)}
    return aiosmtplib.SMTP(
        hostname=host, port=port, local_hostname=helo, timeout=reply_timeout,
        validate_certs=False, tls_context=_tls_context(), **tls, **credentials,  # type: ignore[arg-type]
    )  # fmt: skip


class _NoPassword(Exception):
    pass


def _password(login: RelayLogin) -> str:
    try:
        return login.password_file.read_text(encoding="utf-8").strip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise _NoPassword(f"4.7.0 cannot read {login.password_file}: {exc}") from exc


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _reply(exc: aiosmtplib.SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"


def _all(outcome: Outcome, recipients: Sequence[str], code: int, text: str) -> Outcome:
    target = outcome.permanent if 500 <= code < 600 else outcome.temporary
    for recipient in recipients:
        target[recipient] = text
    return outcome


async def send(
    hosts: Sequence[tuple[str, int]],
    helo: str,
    sender: str,
    recipients: Sequence[str],
    content: bytes,
    reply_timeout: float,
    logins: Mapping[tuple[str, int], RelayLogin] | None = None,
) -> Outcome:
    """Try each host in turn until one answers; one transaction for all recipients."""
    failure = "4.4.1 no destination host"
    for host, port in hosts:
        login = (logins or {}).get((host.lower(), port))
        try:
            client = _client(host, port, helo, reply_timeout, login)
            await client.connect()
        except _NoPassword as exc:
            failure = str(exc)
            continue
        except aiosmtplib.SMTPAuthenticationError as exc:
            failure = f"4.7.0 login to {host}:{port} refused: {exc.code} {exc.message}"
            continue
        except (aiosmtplib.SMTPException, OSError) as exc:
            failure = f"4.4.1 connection to {host}:{port} failed: {exc}"
            continue
        outcome = Outcome(remote=host)
        try:
            return await _transaction(client, outcome, sender, recipients, content)
        finally:
            client.close()
    return _all(Outcome(), recipients, 450, failure)


def _undecided(outcome: Outcome, recipients: Sequence[str]) -> list[str]:
    decided = {*outcome.delivered, *outcome.temporary, *outcome.permanent}
    return [r for r in recipients if r not in decided]


async def _transaction(
    client: aiosmtplib.SMTP,
    outcome: Outcome,
    sender: str,
    recipients: Sequence[str],
    content: bytes,
) -> Outcome:
    eight_bit = not content.isascii() and client.supports_extension("8bitmime")
    accepted: list[str] = []
    try:
        await client.mail(sender, options=["BODY=8BITMIME"] if eight_bit else [])
        for recipient in recipients:
            try:
                await client.rcpt(recipient)
                accepted.append(recipient)
            except aiosmtplib.SMTPRecipientRefused as exc:
                _all(outcome, [recipient], exc.code, _reply(exc))
        if accepted:
            await client.data(content)
            outcome.delivered.extend(accepted)
    except aiosmtplib.SMTPResponseException as exc:
        return _all(outcome, _undecided(outcome, recipients), exc.code, _reply(exc))
    except (aiosmtplib.SMTPException, OSError) as exc:
        text = f"4.4.2 connection lost: {exc}"
        return _all(outcome, _undecided(outcome, recipients), 450, text)
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await client.quit()
    return outcome
