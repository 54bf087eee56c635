"""Sending one queued message to one destination: routing and the SMTP client.

Routing (RFC 5321 §5.1): the ``[routes]`` table first (``"domain" =
"host:port"``, ``"*"`` for a smart host), an address literal's own address, else
the domain's MX records in order of preference (asked through
``hato.mailauth.resolver``, so ``[dns] servers`` apply; the best
``MAX_MX_HOSTS`` are tried), else the domain itself (its A/AAAA records, the
"implicit MX"). A null MX (RFC 7505) or a domain that does not exist fails
permanently; a DNS failure is temporary.

The client (aiosmtplib) uses STARTTLS whenever the peer offers it, without
checking the certificate (opportunistic TLS, RFC 7435 — as MTAs do by default),
unless the domain publishes an MTA-STS policy (RFC 8461, ``hato.mailauth.mta_sts``):
in ``enforce`` mode only the MX hosts the policy names are tried, each over
STARTTLS with TLS 1.2 or newer and a certificate valid for its name; one that
fails is skipped, and with none left the message waits (a temporary failure).
The addresses of MX hosts are asked of hato's resolver too, and the MX host's
name is what TLS is told (SNI) and checked against.
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
import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aiosmtplib

from hato.config import RelayLogin, split_route
from hato.mailauth.mta_sts import MtaSts, Policy, verifying_context
from hato.mailauth.resolver import DnsTemporaryError, Resolver
from hato.proto.smtp_syntax import address_literal

__all__ = ["Destination", "Outcome", "RouteError", "destination", "destinations", "send"]

log = logging.getLogger(__name__)

SMTP_PORT = 25
SUBMISSIONS_PORT = 465  # implicit TLS (RFC 8314 §3.3)
#: MX hosts tried per attempt, best first: an answer of thousands (a 64 KB one) costs
#: one sort, not thousands of connection attempts.
MAX_MX_HOSTS = 10
#: Addresses tried per MX host (its first IPv4 and IPv6 ones, say).
MAX_ADDRESSES = 2


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


@dataclass(frozen=True, slots=True)
class Destination:
    """Where one domain's mail goes: its hosts, best first, and how to reach them.

    ``by_mx``: the hosts are names from DNS (MX, or the domain itself): their
    addresses are asked of hato's resolver and TLS is told their names.
    ``verified``: an MTA-STS ``enforce`` policy holds (RFC 8461 §4.2): STARTTLS,
    TLS 1.2 or newer, a certificate valid for the host's name, or no delivery.
    """

    hosts: tuple[tuple[str, int], ...]
    by_mx: bool = False
    verified: bool = False


async def destination(
    domain: str,
    routes: Mapping[str, str],
    resolver: Resolver,
    sts: MtaSts | None = None,
    mx_port: int = SMTP_PORT,
) -> Destination:
    """Where mail for ``domain`` goes: a ``[routes]`` entry or an address literal as
    they are, else its MX hosts under the domain's MTA-STS policy (with ``sts``)."""
    static = _static(domain, routes)
    if static is not None:
        return Destination((static,))  # a smart host is not the policy domain's MX
    hosts = tuple(await _mx_hosts(domain, resolver, mx_port))
    policy = await sts.policy(domain) if sts is not None else None
    return _under_policy(domain, hosts, policy)


def _under_policy(
    domain: str, hosts: tuple[tuple[str, int], ...], policy: Policy | None
) -> Destination:
    """RFC 8461 §5: ``enforce`` keeps only the hosts the policy names (§4.1), and
    verifies them; ``testing`` logs what enforcing would refuse and sends as before."""
    if policy is None or policy.mode == "none":
        return Destination(hosts, by_mx=True)
    named = tuple((host, port) for host, port in hosts if policy.permits(host))
    if policy.mode == "testing":
        for host, _ in hosts:
            if (host, _) not in named:
                log.warning("MTA-STS testing: %s is not an MX host of %s's policy", host, domain)
        return Destination(hosts, by_mx=True)
    if not named:
        raise RouteError(f"4.7.5 no MX host of {domain} matches its MTA-STS policy", False)
    return Destination(named, by_mx=True, verified=True)


def _static(domain: str, routes: Mapping[str, str]) -> tuple[str, int] | None:
    route = routes.get(domain.lower()) or routes.get("*")
    if route:
        return split_route(route)  # checked when the configuration was read
    literal = address_literal(domain)
    if literal is not None:  # RFC 5321 §4.1.3: the host itself, no DNS
        return (literal, SMTP_PORT)
    return None


async def destinations(
    domain: str, routes: Mapping[str, str], resolver: Resolver | None = None
) -> list[tuple[str, int]]:
    """Where mail for ``domain`` goes, best first; ``resolver`` defaults to the system's."""
    static = _static(domain, routes)
    if static is not None:
        return [static]
    return await _mx_hosts(domain, resolver or Resolver(), SMTP_PORT)


async def _mx_hosts(domain: str, resolver: Resolver, port: int) -> list[tuple[str, int]]:
    """The domain's MX hosts by preference (RFC 5321 §5.1), or the domain itself."""
    try:
        answer = await resolver.query(domain, "MX")
    except DnsTemporaryError as exc:
        raise RouteError(f"4.4.3 {exc}", False) from exc
    if not answer.exists:
        raise RouteError(f"5.1.2 domain {domain} does not exist", True)
    if not answer.records:
        return [(domain, port)]
    records = sorted(answer.records, key=lambda r: int(getattr(r, "preference", 0)))
    hosts = [str(getattr(r, "exchange", "")).rstrip(".") for r in records]
    if hosts in ([""], ["."]):
        raise RouteError(f"5.1.10 domain {domain} accepts no mail (null MX)", True)
    return [(host, port) for host in hosts if host][:MAX_MX_HOSTS]


def _client(
    host: str, port: int, helo: str, reply_timeout: float, login: RelayLogin | None,
    by_name: bool = False,
) -> aiosmtplib.SMTP:  # fmt: skip
    """An opportunistic-TLS client, or with a login one that insists on TLS and AUTH;
    ``by_name``: STARTTLS is left to :func:`_secure`, which knows the host's name."""
    tls: dict[str, object] = {"start_tls": False if by_name else None}
    credentials: dict[str, object] = {}
    if login is not None:
        implicit = port == SUBMISSIONS_PORT
        tls = {"use_tls": implicit, "start_tls": not implicit}
        credentials = {"username": login.user, "password": _password(login)}
    return aiosmtplib.SMTP(
        hostname=host, port=port, local_hostname=helo, timeout=reply_timeout,
        validate_certs=False, tls_context=_tls_context(), **tls, **credentials,  # type: ignore[arg-type]
    )  # fmt: skip


class _Insecure(Exception):
    """The host cannot be sent to under the domain's MTA-STS policy."""


async def _secure(client: aiosmtplib.SMTP, name: str, verified: bool) -> None:
    """STARTTLS told the MX host's ``name``: when offered (opportunistic), or required
    with a certificate valid for ``name`` (MTA-STS ``enforce``, RFC 8461 §4.2). A host
    that refuses EHLO is greeted with HELO (RFC 5321 §3.2, §4.1.4), and has no STARTTLS."""
    try:
        await client.ehlo()
    except aiosmtplib.SMTPHeloError as exc:
        if exc.code // 100 != 5:
            raise
        await client.helo()
    if not client.supports_extension("starttls"):
        if verified:
            raise _Insecure(f"4.7.5 {name} offers no STARTTLS (MTA-STS policy)")
        return
    context = verifying_context() if verified else _tls_context()
    try:
        await client.starttls(server_hostname=name, tls_context=context)
    except (ssl.SSLError, aiosmtplib.SMTPException, OSError) as exc:
        if verified:
            raise _Insecure(f"4.7.5 TLS with {name} not verified (MTA-STS policy): {exc}") from exc
        raise


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


async def _addresses(destination: Destination, host: str, resolver: Resolver | None) -> list[str]:
    """What to connect to for ``host``: its addresses from hato's resolver (MX hosts)."""
    if not destination.by_mx or resolver is None:
        return [host]
    return (await resolver.addresses(host))[:MAX_ADDRESSES]


async def send(
    destination: Destination,
    helo: str,
    sender: str,
    recipients: Sequence[str],
    content: bytes,
    reply_timeout: float,
    logins: Mapping[tuple[str, int], RelayLogin] | None = None,
    resolver: Resolver | None = None,
) -> Outcome:
    """Try each host in turn until one answers; one transaction for all recipients."""
    failure = "4.4.1 no destination host"
    for host, port in destination.hosts:
        addresses = await _addresses(destination, host, resolver)
        if not addresses:
            failure = f"4.4.4 no address for {host}"
        for address in addresses:
            outcome = await _attempt(destination, host, address, port, helo, reply_timeout,
                                     logins, sender, recipients, content)  # fmt: skip
            if isinstance(outcome, Outcome):
                return outcome
            failure = outcome
    return _all(Outcome(), recipients, 450, failure)


async def _attempt(
    destination: Destination, host: str, address: str, port: int, helo: str,
    reply_timeout: float, logins: Mapping[tuple[str, int], RelayLogin] | None,
    sender: str, recipients: Sequence[str], content: bytes,
) -> Outcome | str:  # fmt: skip
    """One connection: the outcome of its transaction, or why it got none."""
    login = None if destination.by_mx else (logins or {}).get((host.lower(), port))
    try:
        client = _client(address, port, helo, reply_timeout, login, destination.by_mx)
        await client.connect()
    except _NoPassword as exc:
        return str(exc)
    except aiosmtplib.SMTPAuthenticationError as exc:
        return f"4.7.0 login to {host}:{port} refused: {exc.code} {exc.message}"
    except (aiosmtplib.SMTPException, OSError) as exc:
        return f"4.4.1 connection to {host}:{port} failed: {exc}"
    try:
        if destination.by_mx:
            await _secure(client, host, destination.verified)
        return await _transaction(client, Outcome(remote=host), sender, recipients, content)
    except _Insecure as exc:
        return str(exc)
    except (aiosmtplib.SMTPException, OSError) as exc:
        return f"4.4.1 TLS with {host}:{port} failed: {exc}"
    finally:
        client.close()


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
