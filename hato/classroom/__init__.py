"""The classroom: a roster of students, their practice accounts and the lecture's
material (roster.py, passwords.py, material.py, pure), the lab checklist's rules and
the hints on refused commands (checklist.py, hints.py, pure, their tables in data/),
and what the ``hato class`` commands and the console's class pages do with them on the
store (lab.py)."""
