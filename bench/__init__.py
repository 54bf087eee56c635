"""``make bench``: hato next to Dovecot 2.3 on the same data, one run, one table of ratios.

What is measured (``bench.measurements.MEASUREMENTS`` is the list; later issues add rows):

- LMTP delivery rate: the generated mailbox is delivered to each server over 4 parallel
  LMTP connections (``smtplib.LMTP``), and the wall-clock rate is the first row. It is
  *durable* delivery on both sides: hato answers 250 only after its SQLite transaction is on
  disk (``synchronous=FULL``, group commit); Dovecot fsyncs the maildir file and its index
  before answering (its default ``mail_fsync = optimized``).
- POP3 login + STAT + UIDL + LIST on the full mailbox; 1,000 RETR on one connection.
- IMAP LOGIN + SELECT INBOX; ``FETCH 1:* (FLAGS)``; one ``UID FETCH`` of 1,000 ``BODY[]``.
- Memory: the server's resident memory with 10 POP3 sessions holding the mailbox open.

How fairly:

- Same data: one seeded generator (``bench.mailbox``) makes the messages once, in memory,
  and the very same bytes are delivered to both servers; ``--messages N`` takes the first N
  messages of the same sequence.
- Same machine, same disk (one temporary directory), loopback TCP, same client code
  (``smtplib``, ``poplib``, ``imaplib`` from the standard library) against both servers;
  the client's own parsing time is inside every number, equally for both.
- One server at a time: hato is started, loaded, measured and stopped, then Dovecot; they
  never compete for the two cores.
- Sequential vs parallel: only the LMTP load is parallel (4 connections, as an MTA would
  deliver); every POP3/IMAP row is one client on one connection.
- Every timed row is run once untimed to warm caches, then ``--repeat`` times; the table
  shows the median. Connection set-up that a row does not name (login before RETR, say) is
  done outside the timed part.
- Both servers run with their defaults apart from loopback ports, the test account and, for
  Dovecot, plain-text login allowed (the ``reference/dovecot.conf.example`` settings).
"""
