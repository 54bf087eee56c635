"""The store's operations, written once against a small transaction protocol.

Every module here is plain code against ``Tx`` (tx.py): SQL with ``?``
placeholders, run by whichever driver the store was opened with (the SQLite
engine or the PostgreSQL engine). Where the two databases need different words
(locking, ordering, the larger of two values), the operation asks the
``Dialect`` (dialect.py) instead of branching on the backend.
"""
