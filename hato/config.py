"""Configuration: a TOML file (``--config FILE``) over built-in defaults.

One frozen dataclass tree. Every key is documented in the README with its
default; unknown keys are an error, so a typo never goes unnoticed.
"""

from __future__ import annotations

import dataclasses
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_PORTS",
    "STANDARD_PORTS",
    "Config",
    "ConfigError",
    "Limits",
    "QueueSettings",
    "load_config",
]

SERVICES = ("smtp", "submission", "submissions", "lmtp", "pop3", "pop3s", "imap", "imaps")

DEFAULT_PORTS: Mapping[str, int] = {
    "smtp": 10025,
    "submission": 10587,
    "submissions": 10465,
    "lmtp": 10024,
    "pop3": 10110,
    "pop3s": 10995,
    "imap": 10143,
    "imaps": 10993,
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
}


class ConfigError(ValueError):
    """The configuration file is unreadable or holds a bad value."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits on everything a client controls (invariant 7 of docs/architecture.md)."""

    message_size: int = 50 * 1024 * 1024
    line_length: int = 65536
    connections_per_address: int = 50
    idle_timeout: float = 300.0
    smtp_recipients: int = 100
    commands_per_connection: int = 100_000
    login_delay_base: float = 0.5
    login_delay_max: float = 15.0


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
    manners: Mapping[str, Any] = field(default_factory=dict)
    queue: QueueSettings = field(default_factory=QueueSettings)
    store_url: str | None = None

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

    def cert_paths(self) -> tuple[Path, Path]:
        """The certificate and key in use: configured, else the first-start pair."""
        if self.tls_cert and self.tls_key:
            return self.tls_cert, self.tls_key
        return self.data_dir / "tls" / "cert.pem", self.data_dir / "tls" / "key.pem"

    def with_changes(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


_TOP_KEYS = {
    "hostname",
    "domains",
    "host",
    "data_dir",
    "tls",
    "limits",
    "ports",
    "routes",
    "manners",
    "store",
    "classroom",
    "queue",
}


def load_config(path: Path | None) -> Config:
    """Read ``path`` (TOML) into a Config; ``None`` gives the defaults."""
    if path is None:
        return Config()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return config_from_table(table, base=path.parent)


def config_from_table(table: Mapping[str, Any], base: Path = Path()) -> Config:
    """Build a Config from a parsed TOML table; relative paths are relative to ``base``."""
    unknown = set(table) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown configuration keys: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for key in ("hostname", "host"):
        if key in table:
            changes[key] = _string(table, key)
    if "domains" in table:
        changes["domains"] = _domains(table["domains"])
    if "data_dir" in table:
        changes["data_dir"] = base / _string(table, "data_dir")
    if "classroom" in table:
        changes["classroom"] = _boolean(table, "classroom")
    changes.update(_tls(table.get("tls", {}), base))
    if "limits" in table:
        changes["limits"] = _limits(table["limits"])
    if "ports" in table:
        changes["ports"] = _ports(table["ports"])
    if "routes" in table:
        changes["routes"] = _string_map(table["routes"], "routes")
    if "manners" in table:
        changes["manners"] = dict(_table(table["manners"], "manners"))
    if "queue" in table:
        changes["queue"] = _queue(table["queue"])
    if "store" in table:
        store = _table(table["store"], "store")
        if "url" in store:
            changes["store_url"] = _string(store, "url")
    return Config(**changes)


def _table(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"[{name}] must be a table")
    return value


def _string(table: Mapping[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key} must be a non-empty string")
    return value


def _boolean(table: Mapping[str, Any], key: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false")
    return value


def _domains(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(d, str) and d for d in value):
        raise ConfigError("domains must be a list of domain names")
    return tuple(d.lower().rstrip(".") for d in value)


def _tls(value: Any, base: Path) -> dict[str, Path]:
    tls = _table(value, "tls")
    unknown = set(tls) - {"cert", "key"}
    if unknown:
        raise ConfigError(f"unknown [tls] keys: {', '.join(sorted(unknown))}")
    if ("cert" in tls) != ("key" in tls):
        raise ConfigError("[tls] needs both cert and key")
    if "cert" not in tls:
        return {}
    return {"tls_cert": base / _string(tls, "cert"), "tls_key": base / _string(tls, "key")}


def _limits(value: Any) -> Limits:
    limits = _table(value, "limits")
    known = {f.name: f.type for f in dataclasses.fields(Limits)}
    unknown = set(limits) - set(known)
    if unknown:
        raise ConfigError(f"unknown [limits] keys: {', '.join(sorted(unknown))}")
    for key, number in limits.items():
        if isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
            raise ConfigError(f"limits.{key} must be a positive number")
        if known[key] == "int" and not isinstance(number, int):
            raise ConfigError(f"limits.{key} must be a whole number")
    return Limits(**limits)


def _queue(value: Any) -> QueueSettings:
    queue = _table(value, "queue")
    unknown = set(queue) - {"retry", "lifetime", "timeout"}
    if unknown:
        raise ConfigError(f"unknown [queue] keys: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    for key in ("lifetime", "timeout"):
        if key in queue:
            changes[key] = float(_positive(queue[key], f"queue.{key}"))
    if "retry" in queue:
        retry = queue["retry"]
        if not isinstance(retry, list) or not retry:
            raise ConfigError("queue.retry must be a non-empty list of seconds")
        changes["retry"] = tuple(float(_positive(v, "queue.retry")) for v in retry)
    return QueueSettings(**changes)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{name} must be a positive number of seconds")
    return float(value)


def _ports(value: Any) -> dict[str, int]:
    ports = dict(DEFAULT_PORTS)
    for service, port in _table(value, "ports").items():
        if service not in SERVICES:
            raise ConfigError(f"unknown service in [ports]: {service}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(f"ports.{service} must be a port number (0 turns it off)")
        ports[service] = port
    return ports


def _string_map(value: Any, name: str) -> dict[str, str]:
    table = _table(value, name)
    if not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"[{name}] values must be strings")
    return {k.lower(): v for k, v in table.items()}
