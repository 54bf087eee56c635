"""dkimpy's own command-line verifiers (``dkimverify``, ``arcverify``), their DNS pointed at a
test's server.

dkimverify asks dnspython's default resolver, which reads /etc/resolv.conf; a
resolv.conf line has no port, so the tool is started with the default resolver
replaced by one that asks the loopback server, and otherwise runs unchanged.
"""

from __future__ import annotations

import subprocess
import sys

from tests.mailauth.dns_server import ZoneServer

_BOOT = """\
import sys
import dns.nameserver, dns.resolver
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [dns.nameserver.Do53Nameserver(sys.argv[1], int(sys.argv[2]))]
dns.resolver.default_resolver = resolver
tool = sys.argv[3]
del sys.argv[1:4]
sys.argv[0] = tool
if tool == "arcverify":
    from dkim.arcverify import main
else:
    from dkim.dkimverify import main
main()
"""


def _run(
    tool: str, message: bytes, zone: ZoneServer, *args: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", _BOOT, "127.0.0.1", str(zone.port), tool, *args],
        input=message,
        capture_output=True,
        timeout=60,
        check=False,
    )


def dkimverify(message: bytes, zone: ZoneServer, index: int = 0) -> bool:
    """Whether dkimverify finds signature number ``index`` good ("signature ok", status 0)."""
    done = _run("dkimverify", message, zone, "--index", str(index))
    said, error = done.stdout.decode().strip(), done.stderr.decode()
    if done.returncode == 0 and said == "signature ok":
        return True
    # A bad body hash leaves the tool through dkimpy's ValidationError and a traceback.
    assert said == "signature verification failed" or "dkim.ValidationError" in error, error
    return False


def arcverify(message: bytes, zone: ZoneServer) -> str:
    """The chain state dkimpy's ``arcverify`` finds: ``pass``, ``fail`` or ``none``."""
    done = _run("arcverify", message, zone)
    said = done.stdout.decode().strip()
    assert done.returncode == 0 and said.startswith("arc verification: cv="), done.stderr
    state = said.removeprefix("arc verification: cv=").split()[0]
    return state.removeprefix("b'").removesuffix("'")  # the tool prints dkimpy's bytes
