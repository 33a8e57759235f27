"""``python -m ecociv`` runs the command line (the same as ``ecociv``)."""

from ecociv.cli import app

app(prog_name="ecociv")
