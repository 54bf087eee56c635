"""``hato import dovecot-users``: a passwd-file with each of Dovecot's schemes, hashed by
``doveadm pw``, logs in over IMAP and POP3, and each hash becomes argon2id on first use."""

from __future__ import annotations

import imaplib
import poplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.store.base import Store
from tests.e2e.harness import HatoProcess, hato, read_store
from tests.migrate.test_dovecot_hashes import SCHEMES, doveadm_pw

USERS = {f"u{n}": scheme for n, scheme in enumerate(SCHEMES)}
PASSWORD = "s3cret pw!"  # ASCII for imaplib; no ":" (the passwd-file separator)


def _passwd_file(path: Path) -> Path:
    lines = [
        f"{name}@example.org:{doveadm_pw(s, PASSWORD)}:1000:1000::/var/vmail/{name}::"
        for name, s in USERS.items()
    ]
    lines += ["cram:{CRAM-MD5}" + "0" * 64, "digest:{DIGEST-MD5}" + "0" * 32, "odd:{ROT13}x"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _hashes(data: Path) -> dict[str, str]:
    async def work(store: Store) -> dict[str, str]:
        return {a.name: a.credentials.password_hash for a in await store.list_accounts()}

    found = read_store(data, work)
    assert isinstance(found, dict)
    return found


def test_import_reports_the_unusable_and_is_idempotent(tmp_path: Path) -> None:
    data, passwd = tmp_path / "data", _passwd_file(tmp_path / "users")
    first = hato("import", "dovecot-users", str(passwd), data_dir=data)
    count = len(USERS)
    assert first.returncode == 1
    assert (
        first.stdout
        == f"hato: {count} user(s) imported, 0 already present, 3 line(s) not imported\n"
    )
    unusable = "cannot check a login password"
    assert first.stderr.splitlines() == [
        f"hato: {passwd}: line {count + 1}: user cram: {{CRAM-MD5}} {unusable}",
        f"hato: {passwd}: line {count + 2}: user digest: {{DIGEST-MD5}} {unusable}",
        f"hato: {passwd}: line {count + 3}: user odd: unknown password scheme {{ROT13}}",
    ]
    before = _hashes(data)
    second = hato("import", "dovecot-users", str(passwd), data_dir=data)
    assert second.stdout.startswith(f"hato: 0 user(s) imported, {count} already present")
    assert _hashes(data) == before
    assert sorted(before) == sorted(USERS)
    missing = hato("import", "dovecot-users", str(tmp_path / "none"), data_dir=data)
    assert missing.returncode == 1 and missing.stderr.startswith("hato: cannot read ")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    data = tmp_path / "data"
    hato("import", "dovecot-users", str(_passwd_file(tmp_path / "users")), data_dir=data)
    proc = HatoProcess(data, services=("imap", "pop3")).start()
    yield proc
    proc.stop()


def _imap_login(port: int, name: str, password: str) -> bool:
    with imaplib.IMAP4("127.0.0.1", port) as imap:
        try:
            imap.login(name, password)
        except imaplib.IMAP4.error:
            return False
        return imap.select("INBOX")[0] == "OK"


def _pop3_login(port: int, name: str, password: str) -> bool:
    pop = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        pop.user(name)
        pop.pass_(password)
    except poplib.error_proto:
        return False
    finally:
        pop.quit()
    return True


def test_each_scheme_logs_in_and_becomes_argon2id(server: HatoProcess) -> None:
    imap, pop3 = server.ports["imap"], server.ports["pop3"]
    assert not _imap_login(imap, "u0", PASSWORD + "x")
    assert not _pop3_login(pop3, "u1", "wrong")
    imported = _hashes(server.data_dir)
    assert all(imported[name].startswith("{") for name in USERS if USERS[name] != "PLAIN")
    for number, name in enumerate(USERS):
        first, then = (_imap_login, _pop3_login) if number % 2 else (_pop3_login, _imap_login)
        assert first(imap if first is _imap_login else pop3, name, PASSWORD), USERS[name]
        assert then(imap if then is _imap_login else pop3, name, PASSWORD), USERS[name]
    rehashed = _hashes(server.data_dir)
    assert all(rehashed[name].startswith("$argon2id$") for name in USERS), rehashed
