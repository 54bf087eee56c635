"""TLS: the first-start self-signed certificate and the server's SSL context.

On first start hato writes a self-signed certificate for its hostname (plus
``localhost`` and the loopback addresses) into the data directory, with the
key readable only by its owner, unless the configuration names a certificate
and key. Only TLS 1.2 and newer are offered (RFC 8996 deprecates the rest).

The certificate is made by a child interpreter (``python -m hato.tls``), because
cryptography, once imported, stays in a process for good (about 6 MB with its
compiled core), and the server needs it for nothing else: its TLS is the standard
library's ``ssl``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported only to make a certificate (about 3 MB)
    from cryptography import x509

__all__ = ["ensure_certificate", "server_context", "write_certificate"]

_VALID_DAYS = 3650


def _names(hostname: str) -> list[x509.GeneralName]:
    from cryptography import x509

    names: list[x509.GeneralName] = [x509.DNSName(hostname)]
    if hostname != "localhost":
        names.append(x509.DNSName("localhost"))
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    return names


def _self_signed(hostname: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(hostname)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def ensure_certificate(cert_path: Path, key_path: Path, hostname: str) -> bool:
    """Create a self-signed pair at the paths when missing, in a child interpreter;
    True if one was made. OSError, saying why, if it could not be."""
    if cert_path.exists() and key_path.exists():
        return False
    command = [sys.executable, "-m", "hato.tls", str(cert_path), str(key_path), hostname]
    try:  # our own interpreter and module, the arguments a list: no shell, nothing to quote
        done = subprocess.run(  # noqa: S603 (the child finds hato as this process did)
            command, capture_output=True, text=True, check=False, timeout=120
        )
    except subprocess.TimeoutExpired as error:
        raise OSError(f"could not make a TLS certificate at {cert_path}: timed out") from error
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise OSError(f"could not make a TLS certificate at {cert_path}: {why}")
    return True


def write_certificate(cert_path: Path, key_path: Path, hostname: str) -> None:
    """Make a self-signed pair for ``hostname`` and write it, the key readable only by
    its owner (what the child of ``ensure_certificate`` runs)."""
    cert_pem, key_pem = _self_signed(hostname)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(key_pem)
    cert_path.write_bytes(cert_pem)


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A server context offering TLS 1.2+ only."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


if __name__ == "__main__":
    try:
        write_certificate(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
    except OSError as error:
        sys.exit(str(error))  # the parent's OSError says what and where
