"""`python -m vsh`."""
from vsh.cli import program

raise SystemExit(program())
