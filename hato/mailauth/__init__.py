"""Mail authentication: DNS, and the checks and signatures built on it.

Layering: this package sits beside ``hato.delivery``'s other dependencies.
Delivery imports it; it imports nothing from ``hato.server``, ``hato.imap`` or
``hato.delivery`` (a test enforces it).
"""
