"""People: user records, passwords, sign-in throttling and the account CLI."""
