"""The command handlers, one module per group; `table.command_table` names them.

Importing this package loads no handler: helpers such as hato.imap.sorting use
one handler module without pulling in the rest.
"""
