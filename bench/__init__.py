"""``make bench``: hato next to Dovecot 2.3 on the same data, one run, one table of ratios.

What is measured (``bench.measurements.MEASUREMENTS`` is the list):

- LMTP delivery rate: the generated mailbox is delivered to each server over 4 parallel
  LMTP connections (``smtplib.LMTP``), and the wall-clock rate is the first row. It is
  *durable* delivery on both sides: hato answers 250 only after its SQLite transaction is on
  disk (``synchronous=FULL``, group commit); Dovecot fsyncs the maildir file and its index
  before answering (its default ``mail_fsync = optimized``).
- POP3 login + STAT + UIDL + LIST on the full mailbox; 1,000 RETR on one connection.
- IMAP LOGIN + SELECT INBOX; ``FETCH 1:* (FLAGS)``; one ``UID FETCH`` of 1,000 ``BODY[]``.
- IMAP: SELECT INBOX alone (logged in beforehand); ``FETCH 1:* (UID FLAGS
  RFC822.SIZE)``; ``UID SEARCH FROM`` a sender and ``UID SEARCH BODY`` a word that the
  generator plants in 1 message in 1,000 (``bench.mailbox.RARE_SENDER``/``RARE_WORD``; the
  answer's count is checked); 1,000 ``FETCH n BODY.PEEK[]`` of seeded random messages, one
  command each; 1,000 concurrent IDLE clients (asyncio raw sockets, at most 8 logging in
  at a time): the server's PSS and RSS with all of them idling, and the time from the
  start of one LMTP delivery to the last client's ``* n EXISTS``. The IDLE rows come last,
  as their delivery adds a message. hato's ``[limits] connections_per_address`` and
  Dovecot's ``mail_max_userip_connections`` and process/client limits are raised for them,
  and so is the benchmark's file-descriptor limit (inherited by both servers).
- IMAP extensions (``bench.imap_extensions``): ``SORT (DATE) ALL``, ``SORT (SUBJECT) ALL``
  and ``THREAD REFERENCES ALL`` over the whole mailbox (the generator makes about a third
  of the messages replies: Message-ID, In-Reply-To, References, ``Re:``); ``FETCH 1:*
  (FLAGS) (CHANGEDSINCE m)``, m 100 below HIGHESTMODSEQ, after another connection made
  100 flag changes; and a QRESYNC client's re-SELECT (``SELECT INBOX (QRESYNC (v m))``)
  after another connection made 100 flag changes and 5 expunges (and 5 appends, so the
  mailbox keeps its size). A server that answers BAD or NO to such a command shows
  ``n/a (BAD …)`` in that row. ``--rows TEXT`` runs only the rows whose label has TEXT.
- COMPRESS=DEFLATE (``bench.imap_compress``, RFC 4978): ``FETCH 1:* (BODY.PEEK[])`` of the
  whole mailbox on a fresh connection, plain and compressed (Dovecot with its
  ``imap_zlib`` plugin, both at zlib level 6): the time, and the bytes the client's
  socket received for the answer.
- ``--store postgresql``: a third column, hato on a throwaway PostgreSQL cluster
  (``tests.pg.Cluster``), and a row with the LMTP delivery rate of two ``hato serve``
  nodes on one fresh database, the 4 connections split 2 and 2 (compare with the first
  row's one-node rate in the same column).
- Maildir import (``bench.maildir_import``), after both servers: the Maildir Dovecot built
  from its LMTP load, imported with its UIDs kept into a fresh store, once, by ``hato
  import maildir`` and by Dovecot's own ``doveadm backup -R`` (dsync, which keeps
  UIDVALIDITY and UIDs too): messages a second over the importing process's wall-clock
  time, and that process's peak RSS. Needs the Dovecot run (not with ``--only hato``).
- The web console (``bench.web_api``, hato only): the JSON API's message list, first page
  and 1,000th page of 50 (``GET /api/v1/messages``), and 100 concurrent API clients
  reading messages (``GET /api/v1/message/{ID}``): requests a second, and their p99.
- Raw client rows (``bench.raw_client``): the POP3 open, SELECT, ``FETCH 1:* (FLAGS)``,
  ``FETCH 1:* (UID FLAGS RFC822.SIZE)``, ``UID SEARCH FROM``, 1,000 RETR and 1,000
  ``FETCH n BODY.PEEK[]`` one each again, sent over a plain socket and read as bytes to
  the answer's end (into one buffer, searched only where new bytes came, so that the
  client's cost is the same however a server cuts its answer into writes), so that the
  client's parsing (imaplib's, poplib's) is not in them;
  and what a client asks of the newest 100 messages, new to it: the header fields
  Thunderbird asks for, or ENVELOPE and BODYSTRUCTURE (Apple Mail, most mobile clients).
  Dovecot answers those from its cache file once a client has asked for them (it then
  caches them for new mail too); hato from the structure it keeps of every message.
- The mixed load (``bench.mixed_load``): 5 and 20 raw-socket IMAP clients, a seeded mix
  of commands for 30 s; commands answered OK a second, and those answered otherwise.
- POP3 connect + USER/PASS alone, to show what the password check costs in the rows above.
- Memory: the PSS of all the server's processes with 10 POP3 sessions holding the mailbox
  open; and hato's peak RSS over the whole run, printed under the table.

How fairly:

- Same data: one seeded generator (``bench.mailbox``) makes the messages once, in memory,
  and the very same bytes are delivered to both servers; ``--messages N`` takes the first N
  messages of the same sequence.
- Same machine, same disk (one temporary directory), loopback TCP, same client code
  (``smtplib``, ``poplib``, ``imaplib`` from the standard library) against both servers;
  the client's own parsing time is inside every number, equally for both.
- One server at a time: both run side by side, idle but for the one being measured; hato
  is loaded, then Dovecot, and then each row is measured on both, their runs interleaved
  (a run on one, a run on the other, the order swapped each turn and each row), so that
  the machine's speed, which moves within seconds on this VM, is the same for both
  columns of a row. They never compete for the two cores.
- Sequential vs parallel: only the LMTP load is parallel (4 connections, as an MTA would
  deliver); every POP3/IMAP row is one client on one connection.
- Every timed row is run once untimed on each server to warm caches, then ``--repeat``
  times; the table shows the median. A row under 5 ms on every server is run until it
  has 15 timed runs (``bench.cli.SHORT_RUNS``): at a millisecond, one run's value moves
  by half with the machine, and the median of three is a coin toss. Connection set-up
  that a row does not name (login before RETR, say) is done outside the timed part.
- Both servers run with their defaults apart from loopback ports and the test account;
  Dovecot as ``bench.dovecot_server`` configures it (maildir, plain-text login allowed) but
  with an ARGON2ID password, so a login costs both servers one argon2id check.
- Every answer is checked after the clock stops (message counts, 1,000 bodies of real
  size), so a fast wrong answer cannot pass for a fast one.
"""
