"""``hato dkim``: DKIM signing keys (RFC 6376 §3.6, RFC 8463).

    hato dkim keygen DOMAIN [--selector S] [--algorithm ed25519|rsa]

``keygen`` writes the private key to ``DATA_DIR/dkim/DOMAIN/S.ALGORITHM.key``
and prints the DNS TXT record to publish, as one zone-file line. Mail from
DOMAIN (and its subdomains) sent through submission is signed with it from the
next message on; ``hato serve`` need not restart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from hato.cli_common import Commands
from hato.config import Config
from hato.mailauth.dkim_keys import ALGORITHMS, KeyProblem, default_selector, generate_key
from hato.proto.smtp_syntax import is_domain

__all__ = ["add_dkim_parsers"]


def add_dkim_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    dkim = commands.add_parser("dkim", parents=[common()], help="manage DKIM signing keys")
    actions = dkim.add_subparsers(dest="action", required=True, metavar="ACTION")
    keygen = actions.add_parser(
        "keygen", parents=[common()], help="make a signing key; print its DNS TXT record"
    )
    keygen.add_argument("domain", help="the domain of the From addresses to sign")
    keygen.add_argument("--selector", help="the key's name in DNS (default: ALGORITHM-YYYYMM)")
    keygen.add_argument("--algorithm", choices=ALGORITHMS[::-1], default="rsa")
    keygen.set_defaults(run=_keygen)


def _keygen(args: argparse.Namespace, config: Config) -> int:
    domain = args.domain.lower().rstrip(".")
    if not is_domain(domain) or "." not in domain:
        print(f"hato: not a domain name: {args.domain}", file=sys.stderr)
        return 1
    selector = args.selector or default_selector(args.algorithm)
    try:
        path, record = generate_key(config.dkim_dir, domain, selector, args.algorithm)
    except (KeyProblem, OSError) as exc:
        print(f"hato: {exc}", file=sys.stderr)
        return 1
    print(f"hato: {args.algorithm} key written to {path}; publish this record:", file=sys.stderr)
    print(record)
    return 0
