"""The REPL's pager: output taller than the terminal goes through `$PAGER` (else `less -SRXF`).

Only the REPL pages, only when stdout is a terminal, and never a batch, a pipe or a
one-shot command.  A line's output is held until its commands end, then shown directly
when it fits on the screen, or through the pager when it does not.  Output that streams
(a command that flushes after it has run for a moment: events, progress, waits) and a
question flushed without its line end (a prompt waiting for an answer) are released as
they come and never paged, and commands that take the terminal themselves
(console, the editors, event loops) are never held.  An error line releases what is held
first, so stdout and stderr keep their order.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator

#: After this long, a command that flushes is streaming: what it wrote is shown at once.
STREAMING_AFTER = 0.3


def never_paged(name: str) -> bool:
    """Commands that use the terminal or stream as they run."""
    return name in ("console", "event", "connect") or name.endswith(("-event", "edit"))


class _Held:
    """stdout while a line runs: text is held until the line ends (or it turns out to stream)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.parts: list[str] = []
        self.released = False
        self.start = time.monotonic()

    def write(self, text: str) -> int:
        if self.released:
            return int(self.real.write(text))
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        if self.released:
            self.real.flush()
        elif time.monotonic() - self.start > STREAMING_AFTER or (self.parts and not self.parts[-1].endswith("\n")):
            # Streaming output, or a question without its line end (a prompt waits for an answer).
            self.release()

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.real.write("".join(self.parts))
            self.parts = []
            self.real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _ErrFirst:
    """stderr while a line runs: an error line first releases the held stdout, keeping the order."""

    def __init__(self, real: Any, held: _Held) -> None:
        self.real, self.held = real, held

    def write(self, text: str) -> int:
        self.held.release()
        return int(self.real.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def paging(printer: Any, commands: list[str]) -> Iterator[None]:
    """Run a REPL line's commands with their output held, then shown or paged."""
    if not printer.pager or not _is_tty(printer.out) or any(never_paged(c) for c in commands):
        yield
        return
    out, err = printer.out, printer.err
    held = _Held(out)
    printer.out, printer.err = held, _ErrFirst(err, held)
    try:
        yield
    finally:
        printer.out, printer.err = out, err
        if not held.released:
            text = "".join(held.parts)
            size = shutil.get_terminal_size()
            if text.count("\n") >= size.lines - 1 and show(printer.pager, text, err):
                pass
            else:
                out.write(text)
                out.flush()


def show(command: str, text: str, err: Any) -> bool:
    """Page `text` through `command`; False (nothing shown) when the pager cannot start."""
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE,
                                env={**os.environ, "LESSCHARSET": os.environ.get("LESSCHARSET", "utf-8")})
    except OSError as error:
        err.write(f"warning: cannot start the pager '{command}': {error.strerror}\n")
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode("utf-8", "surrogateescape"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the reader quit early (q in less)
    while True:
        try:
            status = proc.wait()
            break
        except KeyboardInterrupt:
            continue  # Ctrl-C belongs to the pager while it runs
    if status == 127:  # the shell found no such command: nothing was shown
        err.write(f"warning: cannot start the pager '{command}'\n")
        return False
    return True
