"""Configuration: a TOML file (``--config FILE``) over built-in defaults.

One frozen dataclass tree. Every key is documented in the README with its
default; unknown keys are an error, so a typo never goes unnoticed. The whole
file is checked when it is read, before any command does anything, and every
problem in it is reported at once.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hato.auth.passwords import Argon2Params
from hato.logs import LogSettings
from hato.proto.smtp_syntax import is_domain
from hato.store.base import QuotaLimits
from hato.store.scripts import ScriptQuota

__all__ = [
    "DEFAULT_PORTS",
    "LANGUAGES",
    "STANDARD_PORTS",
    "AuthSettings",
    "Config",
    "ConfigError",
    "DnsSettings",
    "HttpSettings",
    "LabSettings",
    "Limits",
    "LogSettings",
    "QueueSettings",
    "RelayLogin",
    "RelaySettings",
    "SearchSettings",
    "config_from_table",
    "load_config",
    "split_route",
    "split_server",
]

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning", "error")
SERVICES = (
    "smtp", "submission", "submissions", "lmtp", "pop3", "pop3s", "imap", "imaps", "managesieve",
    "http",
)  # fmt: skip

DEFAULT_PORTS: Mapping[str, int] = {
    "smtp": 10025,
    "submission": 10587,
    "submissions": 10465,
    "lmtp": 10024,
    "pop3": 10110,
    "pop3s": 10995,
    "imap": 10143,
    "imaps": 10993,
    "managesieve": 10190,
    "http": 10080,
}
STANDARD_PORTS: Mapping[str, int] = {
    "smtp": 25,
    "submission": 587,
    "submissions": 465,
    "lmtp": 24,
    "pop3": 110,
    "pop3s": 995,
    "imap": 143,
    "imaps": 993,
    "managesieve": 4190,
    "http": 10080,  # the web console has no standard port: it stays where it was
}


class ConfigError(ValueError):
    """The configuration file is unreadable or holds a bad value."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits on everything a client controls (the limits invariant of docs/architecture.md)."""

    message_size: int = 50 * 1024 * 1024
    line_length: int = 65536
    connections_per_address: int = 50
    idle_timeout: float = 300.0
    smtp_recipients: int = 100
    commands_per_connection: int = 100_000
    login_delay_base: float = 0.5
    login_delay_max: float = 15.0
    login_window: float = 900.0
    login_attack_threshold: int = 20
    login_cache_ttl: float = 300.0  # seconds a verified password is remembered (hato.auth.cache)
    login_cache_size: int = 10_000  # remembered logins at most
    password_checks: int = 2  # argon2id checks at once (64 MiB each); the others queue


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """The outbound queue's schedule (RFC 5321 §4.5.4.1), all in seconds.

    ``retry``: the waits after each failed attempt; the last one repeats.
    ``lifetime``: how long a message may stay queued before it bounces.
    ``timeout``: for connecting to, and each reply from, a remote server.
    """

    retry: tuple[float, ...] = (60.0, 300.0, 900.0, 1800.0, 3600.0)
    lifetime: float = 5 * 86400.0
    timeout: float = 60.0

    def delay(self, attempts: int) -> float:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        return self.retry[min(max(attempts, 1), len(self.retry)) - 1]


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """``[relay]``: how the relay reaches other domains' MX hosts.

    ``mta_sts``: whether domains' MTA-STS policies (RFC 8461) are asked for and kept.
    ``mx_port`` and ``mta_sts_port``: 25 and 443, as the RFCs fix them; other values
    are for tests, whose servers cannot take those ports.
    """

    mta_sts: bool = True
    mx_port: int = 25
    mta_sts_port: int = 443


@dataclass(frozen=True, slots=True)
class DnsSettings:
    """``[dns]``: where every DNS query goes, and how long one may take.

    ``servers``: (address, port) pairs; empty means the system's resolver.
    ``timeout``: seconds for one query, waiting for a free slot included.
    """

    servers: tuple[tuple[str, int], ...] = ()
    timeout: float = 5.0


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """``[auth]``: checks on mail the MX listener receives (``hato.mailauth.inbound``).

    ``trusted_relays``: addresses or networks whose mail is not checked. The
    others are what to do when DMARC fails for a domain asking ``p=reject`` or
    ``p=quarantine``, when SPF fails, and when DNS fails: ``reject`` (550),
    ``defer`` (451, ``dns_failure`` only), ``junk`` (deliver to the account's
    \\Junk mailbox, not ``dns_failure``) or ``mark`` (deliver, results noted).
    """

    trusted_relays: tuple[str, ...] = ("127.0.0.1",)
    dmarc_reject: str = "reject"
    dmarc_quarantine: str = "mark"
    spf_fail: str = "mark"
    dns_failure: str = "defer"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """``[http]``: the web console's listener.

    ``tls``: serve HTTPS with the mail listeners' certificate (then the session
    cookie is marked ``Secure``).
    """

    tls: bool = False
    language: str = "en"  # the console's language for hints: "en" or "ja" (a cookie overrides)


#: The console's languages (the classroom's hints are written in both).
LANGUAGES = ("en", "ja")


@dataclass(frozen=True, slots=True)
class LabSettings:
    """``[lab]``: what the classroom's live pages keep of the class's sessions.

    ``session_lines``: a session's last lines kept for its transcript; ``keep_days``:
    how long a closed session stays readable.
    """

    session_lines: int = 2000
    keep_days: float = 1.0


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """``[search]``: the full-text index (README "Full-text search").

    ``index``: whether delivery keeps each message's searchable text and indexes it;
    off, the text is not even extracted (delivery is cheaper), SEARCH BODY and TEXT
    read such mail as mail from before the index (same answers, slower) until
    ``hato index rebuild`` indexes it.
    """

    index: bool = True


@dataclass(frozen=True, slots=True)
class RelayLogin:
    """``[relay_auth."host:port"]``: how the relay logs in to that route's host.

    The password is read from ``password_file`` at each connection (so it can be
    changed without a restart, and is never in the configuration file itself).
    """

    user: str
    password_file: Path


@dataclass(frozen=True, slots=True)
class Config:
    """Everything hato reads from its configuration file and command line."""

    data_dir: Path = Path("hato-data")
    hostname: str = field(default_factory=socket.gethostname)
    domains: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    tls_cert: Path | None = None
    tls_key: Path | None = None
    classroom: bool = False
    trace: bool = False
    limits: Limits = field(default_factory=Limits)
    routes: Mapping[str, str] = field(default_factory=dict)
    relay_auth: Mapping[tuple[str, int], RelayLogin] = field(default_factory=dict)
    manners: Mapping[str, Any] = field(default_factory=dict)
    queue: QueueSettings = field(default_factory=QueueSettings)
    relay: RelaySettings = field(default_factory=RelaySettings)
    log: LogSettings = field(default_factory=LogSettings)
    dns: DnsSettings = field(default_factory=DnsSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    lab: LabSettings = field(default_factory=LabSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    store_url: str | None = None
    sieve: ScriptQuota = field(default_factory=ScriptQuota)
    quota: QuotaLimits = field(default_factory=QuotaLimits)  # [quota]: every account's default
    passwords: Argon2Params = field(default_factory=Argon2Params)  # [passwords]: argon2id cost
    # ``[sieve] before`` and ``after``: the texts of the scripts run before and after
    # every account's own at delivery (checked when the file is read)
    sieve_global: tuple[str | None, str | None] = (None, None)

    @property
    def local_domains(self) -> tuple[str, ...]:
        """Mail domains delivered here: configured, else localhost and the host's name."""
        if self.domains:
            return self.domains
        names = ["localhost", self.hostname.lower()]
        return tuple(dict.fromkeys(names))

    @property
    def database_path(self) -> Path:
        return self.data_dir / "hato.sqlite3"

    @property
    def dkim_dir(self) -> Path:
        """DKIM signing keys, one directory per domain (``hato dkim keygen``)."""
        return self.data_dir / "dkim"

    def cert_paths(self) -> tuple[Path, Path]:
        """The certificate and key in use: configured, else the first-start pair."""
        if self.tls_cert and self.tls_key:
            return self.tls_cert, self.tls_key
        return self.data_dir / "tls" / "cert.pem", self.data_dir / "tls" / "key.pem"

    def with_changes(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def load_config(path: Path | None) -> Config:
    """Read ``path`` (TOML) into a Config; ``None`` gives the defaults."""
    if path is None:
        return Config()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return config_from_table(table, base=path.parent, source=str(path))


def config_from_table(
    table: Mapping[str, Any], base: Path = Path(), source: str = "configuration"
) -> Config:
    """Build a Config from a parsed TOML table; relative paths are relative to ``base``.

    Every key is checked before anything else happens, and every problem is
    reported at once (ConfigError), so that one run tells the operator all there is
    to fix and nothing (data dir, database, certificate) is created from a bad file.
    """
    reading = _Reading(base)
    changes: dict[str, Any] = {}
    for key, value in table.items():
        section = _SECTIONS.get(key)
        if section is None:
            reading.bad(key, f"unknown key (known: {', '.join(_SECTIONS)})")
        else:
            changes.update(section(value, key, reading))
    if reading.problems:
        raise ConfigError(_report(source, reading.problems))
    return Config(**changes)


def _report(source: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    return f"{source}: {len(problems)} problems:\n  " + "\n  ".join(problems)


@dataclass(slots=True)
class _Reading:
    """One file being read: where its relative paths start, and what is wrong with it."""

    base: Path
    problems: list[str] = field(default_factory=list)

    def bad(self, key: str, what: str) -> None:
        self.problems.append(f"{key}: {what}")

    def table(self, value: Any, key: str, known: Iterable[str] | None = None) -> dict[str, Any]:
        """``value`` as a table, with keys outside ``known`` reported and left out."""
        if not isinstance(value, Mapping):
            self.bad(key, "must be a table")
            return {}
        if known is None:
            return dict(value)
        names = tuple(known)
        for name in sorted(value.keys() - set(names)):
            self.bad(f"{key}.{name}", f"unknown key (known: {', '.join(names)})")
        return {name: item for name, item in value.items() if name in names}


_Section = Callable[[Any, str, _Reading], dict[str, Any]]


def _scalar(
    field_name: str,
    accepts: Callable[[Any], bool],
    what: str,
    convert: Callable[[_Reading, Any], Any] = lambda reading, value: value,
) -> _Section:
    """A reader for one plain value: checked by ``accepts``, else ``what`` it must be."""

    def read(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
        if not accepts(value):
            reading.bad(key, f"must be {what}, not {value!r}")
            return {}
        return {field_name: convert(reading, value)}

    return read


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _domains(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    if not isinstance(value, list) or not value:
        reading.bad(key, "must be a non-empty list of domain names")
        return {}
    wrong = [d for d in value if not isinstance(d, str) or not is_domain(d)]
    if wrong:
        reading.bad(key, f"not domain names: {', '.join(map(repr, wrong))}")
        return {}
    return {"domains": tuple(d.lower().rstrip(".") for d in value)}


def _tls(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    tls = reading.table(value, key, ("cert", "key"))
    if ("cert" in tls) != ("key" in tls):
        reading.bad(key, "give both cert and key, or neither")
        return {}
    paths = {}
    for name in tls:
        if not isinstance(tls[name], str) or not tls[name]:
            reading.bad(f"{key}.{name}", "must be a non-empty string (a path)")
        else:
            paths[f"tls_{name}"] = reading.base / tls[name]
    return paths if len(paths) == 2 else {}


def _positive_numbers(value: Any, key: str, reading: _Reading, kind: type) -> dict[str, Any]:
    """A table of positive numbers, the fields of the dataclass ``kind``."""
    kinds = {f.name: f.type for f in dataclasses.fields(kind)}
    table = reading.table(value, key, kinds)
    good: dict[str, Any] = {}
    for name, number in table.items():
        if isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
            reading.bad(f"{key}.{name}", f"must be a positive number, not {number!r}")
        elif kinds[name] == "int" and not isinstance(number, int):
            reading.bad(f"{key}.{name}", f"must be a whole number, not {number!r}")
        else:
            good[name] = number
    return good


def _limits(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    return {"limits": Limits(**_positive_numbers(value, key, reading, Limits))}


def _passwords(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    numbers = _positive_numbers(value, key, reading, Argon2Params)
    try:
        return {"passwords": Argon2Params(**numbers)}
    except ValueError as exc:
        reading.bad(key, str(exc))
        return {}


def _sieve(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    table = dict(value) if isinstance(value, Mapping) else value
    places = {place: table.pop(place, None) for place in _GLOBAL_SCRIPTS if isinstance(table, dict)}
    texts = tuple(
        _global_script(places.get(place), f"{key}.{place}", reading) for place in _GLOBAL_SCRIPTS
    )
    quota = ScriptQuota(**_positive_numbers(table, key, reading, ScriptQuota))
    return {"sieve": quota, "sieve_global": texts}


_GLOBAL_SCRIPTS = ("before", "after")


def _global_script(path: Any, key: str, reading: _Reading) -> str | None:
    """A global Sieve script's text, read and checked now (its line and column if bad)."""
    if path is None:
        return None
    from hato.sieve import SieveError, compile_script

    if not isinstance(path, str) or not path:
        reading.bad(key, "must be the path of a Sieve script")
        return None
    try:
        text = (reading.base / path).read_text(encoding="utf-8")
        compile_script(text)
    except (OSError, UnicodeDecodeError) as exc:
        reading.bad(key, f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
        return None
    except SieveError as exc:
        reading.bad(key, f"{path}: {exc}")
        return None
    return text


def _queue(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    queue = reading.table(value, key, ("retry", "lifetime", "timeout"))
    good: dict[str, Any] = {}
    for name in ("lifetime", "timeout"):
        if name in queue and _seconds(queue[name]):
            good[name] = float(queue[name])
        elif name in queue:
            reading.bad(f"{key}.{name}", "must be a positive number of seconds")
    retry = queue.get("retry")
    if isinstance(retry, list) and retry and all(_seconds(s) for s in retry):
        good["retry"] = tuple(float(s) for s in retry)
    elif "retry" in queue:
        reading.bad(f"{key}.retry", "must be a non-empty list of positive numbers of seconds")
    return {"queue": QueueSettings(**good)}


def _relay(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    relay = reading.table(value, key, ("mta_sts", "mx_port", "mta_sts_port"))
    good: dict[str, Any] = {}
    if isinstance(relay.get("mta_sts"), bool):
        good["mta_sts"] = relay["mta_sts"]
    elif "mta_sts" in relay:
        reading.bad(f"{key}.mta_sts", "must be true or false")
    for name in ("mx_port", "mta_sts_port"):
        port = relay.get(name)
        if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
            good[name] = port
        elif name in relay:
            reading.bad(f"{key}.{name}", "must be a port from 1 to 65535")
    return {"relay": RelaySettings(**good)}


def _seconds(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0


def _log(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    log = reading.table(value, key, ("format", "level"))
    good: dict[str, Any] = {}
    for name, allowed in (("format", LOG_FORMATS), ("level", LOG_LEVELS)):
        if name not in log:
            continue
        if log[name] in allowed:
            good[name] = log[name]
        else:
            reading.bad(f"{key}.{name}", f"must be one of {', '.join(allowed)}, not {log[name]!r}")
    return {"log": LogSettings(**good)}


def _ports(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    ports = dict(DEFAULT_PORTS)
    for service, port in reading.table(value, key, SERVICES).items():
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            reading.bad(f"{key}.{service}", f"must be a port number (0 turns it off), not {port!r}")
        else:
            ports[service] = port
    return {"ports": ports}


def _routes(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """``"domain" = "host:port"``, ``"*"`` for every other domain (a smart host)."""
    routes = {}
    for domain, route in reading.table(value, key).items():
        where = f'{key}."{domain}"'
        if domain != "*" and not is_domain(domain):
            reading.bad(where, 'not a domain name nor "*"')
            continue
        try:
            split_route(route)
        except ValueError as exc:
            reading.bad(where, str(exc))
            continue
        routes[domain.lower().rstrip(".")] = route
    return {"routes": routes}


def _relay_auth(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """``"host:port" = { user = "...", password_file = "..." }``, one per route needing AUTH."""
    logins = {}
    for route, login in reading.table(value, key).items():
        where = f'{key}."{route}"'
        try:
            destination = split_route(route)
        except ValueError as exc:
            reading.bad(where, str(exc))
            continue
        fields = reading.table(login, where, ("user", "password_file"))
        if not all(_filled(fields.get(name)) for name in ("user", "password_file")):
            reading.bad(where, "needs user and password_file (non-empty strings)")
            continue
        logins[(destination[0].lower(), destination[1])] = RelayLogin(
            fields["user"], reading.base / fields["password_file"]
        )
    return {"relay_auth": logins}


def _manners(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """Checked by the linter's own settings, one key at a time so that all are reported."""
    from hato.manners import MannersSettings

    known = [f.name for f in dataclasses.fields(MannersSettings)]
    manners = reading.table(value, key, known)
    for name, setting in manners.items():
        try:
            MannersSettings.from_mapping({name: setting})
        except ValueError as exc:
            reading.bad(f"{key}.{name}", str(exc).removeprefix(f"[manners] {name}: "))
    return {"manners": manners}


def _dns(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """``servers = ["HOST:PORT", ...]`` (HOST an IP address, ``[...]`` for IPv6), ``timeout``."""
    dns = reading.table(value, key, ("servers", "timeout"))
    good: dict[str, Any] = {}
    if "timeout" in dns and _seconds(dns["timeout"]):
        good["timeout"] = float(dns["timeout"])
    elif "timeout" in dns:
        reading.bad(f"{key}.timeout", "must be a positive number of seconds")
    servers = dns.get("servers", [])
    if not isinstance(servers, list):
        reading.bad(f"{key}.servers", 'must be a list of "HOST:PORT" strings')
        servers = []
    parsed = []
    for server in servers:
        try:
            parsed.append(split_server(server))
        except ValueError as exc:
            reading.bad(f"{key}.servers", str(exc))
    good["servers"] = tuple(parsed)
    return {"dns": DnsSettings(**good)}


_AUTH_ACTIONS = {
    "dmarc_reject": ("reject", "junk", "mark"),
    "dmarc_quarantine": ("reject", "junk", "mark"),
    "spf_fail": ("reject", "junk", "mark"),
    "dns_failure": ("defer", "mark"),
}


def _auth(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """``trusted_relays = ["127.0.0.1", "192.0.2.0/24", ...]`` and the policy keys."""
    auth = reading.table(value, key, ("trusted_relays", *_AUTH_ACTIONS))
    good: dict[str, Any] = {}
    for name, allowed in _AUTH_ACTIONS.items():
        if name in auth and auth[name] in allowed:
            good[name] = auth[name]
        elif name in auth:
            reading.bad(f"{key}.{name}", f"must be one of {', '.join(allowed)}, not {auth[name]!r}")
    relays = auth.get("trusted_relays", ["127.0.0.1"])
    if isinstance(relays, list) and all(_network(r) for r in relays):
        good["trusted_relays"] = tuple(relays)
    else:
        reading.bad(f"{key}.trusted_relays", "must be a list of IP addresses or networks")
    return {"auth": AuthSettings(**good)}


def _network(value: Any) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str)


def _store(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    store = reading.table(value, key, ("url",))
    if "url" not in store:
        return {}
    return _store_url(store["url"], f"{key}.url", reading)


def _http(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    http = reading.table(value, key, ("tls", "language"))
    if "tls" in http and not isinstance(http["tls"], bool):
        reading.bad(f"{key}.tls", f"must be true or false, not {http['tls']!r}")
        return {}
    if "language" in http and http["language"] not in LANGUAGES:
        reading.bad(f"{key}.language", f"must be one of {', '.join(LANGUAGES)}")
        return {}
    return {"http": HttpSettings(**http)}


def _search(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    search = reading.table(value, key, ("index",))
    if "index" in search and not isinstance(search["index"], bool):
        reading.bad(f"{key}.index", f"must be true or false, not {search['index']!r}")
        return {}
    return {"search": SearchSettings(**search)}


def _lab(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    return {"lab": LabSettings(**_positive_numbers(value, key, reading, LabSettings))}


_store_url = _scalar("store_url", _filled, "a store url (postgresql://...)")

#: The top-level keys and tables, each with its reader (which reports its own problems).
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(value: Any) -> int:
    """Octets: a whole number, or a string of one with a unit, K, M, G or T (powers of
    1024: ``1G`` is 1073741824), as Dovecot's quota rules write them.

    Raises ValueError saying what is wrong.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = value.strip().upper().removesuffix("B") if isinstance(value, str) else ""
    number, unit = text.rstrip("KMGT"), text[len(text.rstrip("KMGT")) :]
    if not (number.isascii() and number.isdigit()) or len(unit) > 1 or len(number) > 18:
        raise ValueError(f"must be a size such as 500M or 1G, not {value!r}")
    return int(number) * _UNITS[unit]


def parse_count(value: Any) -> int:
    """A whole number of zero or more (a string of digits too). Raises ValueError."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f"must be a whole number, not {value!r}")


#: The words an account's own limit takes besides a size or a number.
NO_LIMIT_WORDS = ("none", "unlimited")
DEFAULT_WORD = "default"


def own_quota(old: QuotaLimits, storage: str | None, messages: str | None) -> QuotaLimits:
    """An account's own quota with the limits given in words changed (``hato user quota``'s
    ``--storage``/``--messages``, the console's quota form): a size or a number as
    ``[quota]`` writes them, ``none`` for no limit (0), ``default`` for ``[quota]``'s
    (None); a limit not given (None) stays as it was. Raises ValueError saying what is wrong.
    """
    return QuotaLimits(
        _own_limit(storage, parse_size, old.storage),
        _own_limit(messages, parse_count, old.messages),
    )


def _own_limit(text: str | None, parse: Callable[[str], int], old: int | None) -> int | None:
    if text is None:
        return old
    word = text.strip().lower()
    if word in NO_LIMIT_WORDS:
        return 0
    if word == DEFAULT_WORD:
        return None
    return parse(text)


def _quota(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    """``[quota] storage`` and ``messages``: the default quota of every account (RFC 9208),
    0 or absent for no limit."""
    table = reading.table(value, key, ("storage", "messages"))
    limits: dict[str, int] = {}
    for name, item in table.items():
        try:
            limits[name] = parse_size(item) if name == "storage" else parse_count(item)
        except ValueError as exc:
            reading.bad(f"{key}.{name}", str(exc))
    return {"quota": QuotaLimits(**limits).over(QuotaLimits())}


_SECTIONS: dict[str, _Section] = {
    "hostname": _scalar("hostname", lambda v: isinstance(v, str) and is_domain(v), "a host name"),
    "domains": _domains,
    "host": _scalar("host", _filled, "an address or host name to listen on"),
    "data_dir": _scalar("data_dir", _filled, "a path", lambda reading, v: reading.base / v),
    "classroom": _scalar("classroom", lambda v: isinstance(v, bool), "true or false"),
    "tls": _tls,
    "limits": _limits,
    "ports": _ports,
    "routes": _routes,
    "relay_auth": _relay_auth,
    "queue": _queue,
    "relay": _relay,
    "log": _log,
    "manners": _manners,
    "store": _store,
    "sieve": _sieve,
    "dns": _dns,
    "auth": _auth,
    "http": _http,
    "lab": _lab,
    "search": _search,
    "quota": _quota,
    "passwords": _passwords,
}


def split_route(route: Any) -> tuple[str, int]:
    """A ``[routes]`` value, ``host:port`` or ``[IPv6]:port``, as (host, port).

    Raises ValueError saying what is wrong.
    """
    if not isinstance(route, str):
        raise ValueError(f"must be a string host:port, not {route!r}")
    host, colon, port = route.rpartition(":")
    if not colon or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{route!r} is not host:port with a port from 1 to 65535")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"{route!r}: {host} is not an IPv6 address") from None
        return host[1:-1], int(port)
    if not is_domain(host):
        raise ValueError(f"{route!r}: {host!r} is not a host name or address")
    return host, int(port)


def split_server(server: Any) -> tuple[str, int]:
    """A ``[dns] servers`` entry, ``IP:PORT`` or ``[IPv6]:PORT``, as (address, port).

    A name server is given by address: looking its name up would need DNS first.
    """
    host, port = split_route(server)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{server!r}: {host!r} is not an IP address") from None
    return host, port
