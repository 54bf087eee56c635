"""hato.proto.imap."""
