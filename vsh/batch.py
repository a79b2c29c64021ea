"""Commands read from a stdin that is not a terminal: one connection, no banner, no prompts.

Like virsh, stdin is read line by line and each line is one command string of its own:
a line ending in a backslash is `error: dangling \\` (no continuation), a quote left
open ends with its line, and a NUL byte is dropped (virsh's line reader does so).  Lines
are bytes as given: what is not UTF-8 is carried through (surrogate escapes) to the
output and to libvirt's messages.  After `quit` or `exit` virsh ends its output with a
line break; so does vsh.

This deliberately improves on virsh, which echoes its banner and prompts into such
output and always exits 0: vsh exits 1 when any command failed (any command of a line,
not only its last), and with `--on-error=stop` it stops at the first failure, also in
the middle of a line.
"""
from __future__ import annotations


from vsh.errors import Quit
from vsh.session import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, IO, Iterator


def stdin_lines(stream: IO[Any] | None) -> Iterator[str]:
    """The lines of a stream as virsh reads them: bytes kept, no continuation, NULs dropped.

    A closed stdin (`vsh <&-`) is an empty batch (virsh prints its banner and waits forever).
    """
    if stream is None:
        return
    raw_stream = getattr(stream, "buffer", stream)
    try:
        for raw in raw_stream:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "surrogateescape")
            yield raw.rstrip("\n").replace("\0", "")
    except OSError:
        return  # an unreadable stdin (EBADF, EIO) ends the batch like end of file


def run_batch(session: Session, stream: IO[Any] | None, stop_on_error: bool = False) -> int:
    """Run every line; the status is 1 if any command failed."""
    session.stop_on_error = stop_on_error
    failed = False
    for line in stdin_lines(stream):
        if not line.strip():
            continue
        before = session.failures
        try:
            ok = session.run_line(line)
        except Quit:
            if not session.out.json:
                session.out.out.write("\n")  # virsh's line break after its last prompt
            break
        if not ok or session.failures > before:
            failed = True
            if stop_on_error:
                break
    return 1 if failed else 0
