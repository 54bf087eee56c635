"""Dovecot's password schemes, hashed by Dovecot's own ``doveadm pw``, checked by hato."""

from __future__ import annotations

import functools
import shutil
import subprocess

import pytest

from hato.auth.dovecot_hashes import SUPPORTED_SCHEMES, is_dovecot_hash, verify_dovecot_hash
from hato.migrate.dovecot_users import PasswdEntry, read_passwd_file
from hato.migrate.problems import LineProblem

SCHEMES = sorted(SUPPORTED_SCHEMES)
PASSWORD = "ぱす word:1"


@functools.cache
def doveadm_pw(scheme: str, password: str = PASSWORD) -> str:
    assert shutil.which("doveadm"), "Dovecot is a test dependency: run `make system-deps`"
    done = subprocess.run(
        ["doveadm", "pw", "-s", scheme, "-p", password, "-u", "alice"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_scheme_checks_the_password_dovecot_hashed(scheme: str) -> None:
    stored = doveadm_pw(scheme)
    assert stored.startswith("{" + scheme + "}") and is_dovecot_hash(stored)
    assert verify_dovecot_hash(stored, PASSWORD)
    assert not verify_dovecot_hash(stored, PASSWORD + "x")
    assert not verify_dovecot_hash(stored, "")


def test_bcrypt_reads_72_bytes_as_dovecot_did() -> None:
    long = "a" * 72
    stored = doveadm_pw("BLF-CRYPT", long)
    assert verify_dovecot_hash(stored, long + "anything")
    assert not verify_dovecot_hash(stored, long[:71])


@pytest.mark.parametrize(
    "stored",
    [
        "{SSHA}not base64!",
        "{SSHA512}AAAA",
        "{PBKDF2}$1$salt$99999999999$00",
        "{PBKDF2}$1$salt$x$00",
        "{SHA512-CRYPT}$6$broken",
        "{ARGON2ID}$argon2id$nonsense",
        "{CRAM-MD5}00",
        "{PLAIN",
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    ],
)
def test_a_malformed_or_foreign_hash_never_matches(stored: str) -> None:
    assert not verify_dovecot_hash(stored, "password")


def test_passwd_file_lines_each_have_an_outcome() -> None:
    lines = [
        b"# comment\n",
        b"\n",
        b"alice@example.org:{PLAIN}pw:1000:1000::/var/vmail/alice::\n",
        b"bob:" + doveadm_pw("SHA512-CRYPT")[len("{SHA512-CRYPT}") :].encode() + b"\n",
        b"carol:{plain}x\n",
        b"dave:{CRAM-MD5}00\n",
        b"erin:{DIGEST-MD5}00\n",
        b"frank:{ROT13}x\n",
        b"Bad Name:{PLAIN}x\n",
        b"gina:\n",
        b"\xff:{PLAIN}x\n",
    ]
    outcomes = list(read_passwd_file(lines))
    accepted = [o for o in outcomes if isinstance(o, PasswdEntry)]
    assert [(o.line, o.name) for o in accepted] == [(3, "alice"), (4, "bob"), (5, "carol")]
    assert accepted[0].credentials.password_hash.startswith("$argon2id$")  # never kept clear
    assert accepted[1].credentials.password_hash.startswith("{CRYPT}$6$")  # bare is CRYPT
    rejected = [str(o) for o in outcomes if isinstance(o, LineProblem)]
    assert rejected[0] == "line 6: user dave: {CRAM-MD5} cannot check a login password"
    assert rejected[1] == "line 7: user erin: {DIGEST-MD5} cannot check a login password"
    assert rejected[2] == "line 8: user frank: unknown password scheme {ROT13}"
    assert rejected[3].startswith("line 9: invalid user name")
    assert rejected[4:] == ["line 10: user gina: no password", "line 11: not UTF-8"]
