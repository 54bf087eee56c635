"""Moving mail and users into hato from another server (Dovecot), and back out."""
