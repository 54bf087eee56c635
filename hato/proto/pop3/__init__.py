"""hato.proto.pop3."""
