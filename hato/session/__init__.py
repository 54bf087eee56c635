"""What a protocol session needs from its connection, below the listeners.

The listeners in hato.server drive the sessions of hato.imap, hato.proto.pop3
and hato.delivery; the sessions must not import the listeners back. What both
share lives here: byte budgets, spooling of large literals, the session trace,
and the signal that the client went away.
"""
