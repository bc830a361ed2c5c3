"""The command line: operational commands on the configured database and feeds."""
