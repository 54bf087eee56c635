"""dkimpy's own command-line verifier (``dkimverify``), its DNS pointed at a test's server.

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
del sys.argv[1:3]
sys.argv[0] = "dkimverify"
from dkim.dkimverify import main
main()
"""


def dkimverify(message: bytes, zone: ZoneServer, index: int = 0) -> bool:
    """Whether dkimverify finds signature number ``index`` good ("signature ok", status 0)."""
    done = subprocess.run(
        [sys.executable, "-c", _BOOT, "127.0.0.1", str(zone.port), "--index", str(index)],
        input=message,
        capture_output=True,
        timeout=60,
        check=False,
    )
    said, error = done.stdout.decode().strip(), done.stderr.decode()
    if done.returncode == 0 and said == "signature ok":
        return True
    # A bad body hash leaves the tool through dkimpy's ValidationError and a traceback.
    assert said == "signature verification failed" or "dkim.ValidationError" in error, error
    return False
