"""Commands read from a stdin that is not a terminal: one connection, no banner, no prompts.

This deliberately improves on virsh, which echoes its banner and prompts into such
output and always exits 0: vsh exits 1 when any command failed, and with
`--on-error=stop` it stops at the first failure.
"""
from __future__ import annotations

from typing import IO, Iterator

from vsh.errors import Quit
from vsh.session import Session


def logical_lines(stream: IO[str]) -> Iterator[str]:
    """Lines of input, joining a line that ends in a backslash with the next one."""
    pending = ""
    for raw in stream:
        line = raw.rstrip("\n")
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def run_batch(session: Session, stream: IO[str], stop_on_error: bool = False) -> int:
    """Run every line; the status is 1 if any command failed."""
    failed = False
    for line in logical_lines(stream):
        if not line.strip():
            continue
        try:
            ok = session.run_line(line)
        except Quit:
            break
        if not ok:
            failed = True
            if stop_on_error:
                break
    return 1 if failed else 0
