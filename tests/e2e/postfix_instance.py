"""A private Postfix on loopback, run from its own config dir (``postfix -c DIR start``).

Without syslog, Postfix needs ``maillog_file``; run from a private directory it needs
``chroot = n`` on every master.cf service and a ``data_directory`` owned by postfix.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import free_port

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
myhostname = postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.org
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
transport_maps = inline:{{ {transports} }}
smtp_dns_support_level = disabled
smtp_tls_security_level = may
alias_maps =
alias_database =
biff = no
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def available() -> bool:
    return shutil.which("postfix") is not None and os.geteuid() == 0


@dataclass
class Postfix:
    """Postfix's own user must reach its dirs, so they live outside pytest's 0700 tmp."""

    transports: dict[str, str]
    port: int = 0
    directory: Path = Path()

    def start(self) -> Postfix:
        self.directory = Path(tempfile.mkdtemp(prefix="hato-postfix-"))
        self.directory.chmod(0o755)
        self.port = self.port or free_port()
        entries = ", ".join(f"{k}={v}" for k, v in self.transports.items())
        for sub in ("queue", "data"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.directory / "data", "postfix")
        (self.directory / "main.cf").write_text(
            MAIN_CF.format(dir=self.directory, transports=entries)
        )
        (self.directory / "master.cf").write_text(MASTER_CF.format(port=self.port))
        self._postfix("start")
        return self

    def stop(self) -> None:
        try:
            self._postfix("stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _postfix(self, action: str) -> None:
        done = subprocess.run(
            ["postfix", "-c", str(self.directory), action],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr + self.log()

    def log(self) -> str:
        path = self.directory / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def delivered_with(self, relay: str) -> list[str]:
        """The ``status=sent`` log lines of deliveries through ``relay`` (smtp or lmtp)."""
        pattern = re.compile(rf"postfix/{relay}\[\d+\]: .*status=sent")
        return [line for line in self.log().splitlines() if pattern.search(line)]
