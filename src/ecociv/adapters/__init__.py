"""Shared I/O that knows no domain: the relational database, migrations, backups."""
