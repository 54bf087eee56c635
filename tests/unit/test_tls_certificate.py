"""The first start's self-signed certificate (hato.tls): made by a child interpreter, so
the server's own process never imports cryptography; usable by the standard ssl module."""

from __future__ import annotations

import ssl
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from hato.tls import ensure_certificate, server_context


def test_a_missing_pair_is_made_once_and_serves_tls(tmp_path: Path) -> None:
    cert, key = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    assert ensure_certificate(cert, key, "mail.example.org") is True
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert names.value.get_values_for_type(x509.DNSName) == ["mail.example.org", "localhost"]
    assert isinstance(server_context(cert, key), ssl.SSLContext)
    made = cert.read_bytes()
    assert ensure_certificate(cert, key, "mail.example.org") is False
    assert cert.read_bytes() == made


def test_the_calling_process_does_not_import_cryptography(tmp_path: Path) -> None:
    program = (
        "import sys; from pathlib import Path; from hato.tls import ensure_certificate; "
        f"ensure_certificate(Path({str(tmp_path / 'c.pem')!r}), Path({str(tmp_path / 'k.pem')!r}),"
        " 'localhost'); print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "c.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_pair_that_cannot_be_written_says_where_and_why(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cert = blocker / "cert.pem"
    with pytest.raises(OSError, match=r"could not make a TLS certificate at .*a-file/cert\.pem: "):
        ensure_certificate(cert, blocker / "key.pem", "localhost")
