"""Mail authentication: DNS, and the checks and signatures built on it.

Layering: this package sits beside ``hato.delivery``'s other dependencies.
Delivery imports it; it imports nothing from ``hato.server``, ``hato.imap`` or
``hato.delivery`` (a test enforces it).

The libraries under it (dnspython, dkimpy, pyspf, cryptography's key generation) are
imported inside the functions that use them, not at the top of their modules: every
`hato serve` imports this package, while many never check, sign or look anything up
(an LMTP-only server, a classroom), and the libraries hold about 8 MB once imported.
"""
