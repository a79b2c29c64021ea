"""One progress reporter for long jobs: a rich bar on a terminal, virsh's own text (or nothing) in a pipe.

Two kinds of job use it.  Byte transfers (vol-upload, vol-download, screenshot) print
nothing in a pipe, as virsh does, and show a bar with bytes done, rate and time left on
a terminal.  Domain jobs run with `--verbose` (save, managedsave, dump) print virsh's
``\\rSave: [ 45 %]`` lines in a pipe, byte for byte, and the bar on a terminal.
rich is imported only when a bar is actually drawn.
"""
from __future__ import annotations

import os
import sys

from vsh.i18n import _

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, IO

TEXT = "text"  # virsh's "\rLabel: [ NN %]" on stderr
BAR = "bar"  # a rich progress bar on stderr
NONE = "none"


def terminal_wanted(stream: IO[str] | None = None, no_color: bool = False) -> bool:
    """A bar only on a terminal, never with NO_COLOR, --no-color or TERM=dumb."""
    stream = stream if stream is not None else sys.stderr
    if no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def job_percent(remaining: int, total: int) -> int:
    """virsh's percentage: 100 only when nothing remains, otherwise at most 99."""
    if remaining == 0:
        return 100
    if total <= 0:
        return 0
    return min(int(100.0 - remaining * 100.0 / total), 99)


class Progress:
    """Progress of one job on `err`, in one of three modes (TEXT, BAR, NONE).

    `update(done, total)` moves it; `finish()` marks success (virsh's final
    ``[100 %]`` in TEXT mode); `close()` removes the bar.  It is a context manager that
    closes on exit, also when the job fails or is interrupted.
    """

    def __init__(self, label: str, mode: str, total: int | None = None, *,
                 err: IO[str] | None = None, out: IO[str] | None = None, detail: bool = False) -> None:
        self.label = label
        self.mode = mode
        # The bar of a job whose total moves (a migration re-sends dirty pages) shows what is
        # left and libvirt's own rate instead of bytes done, speed and time left.
        self.detail = detail
        self.total = total
        self.done = 0
        self.err = err if err is not None else sys.stderr
        self.out = out if out is not None else sys.stdout
        self._bar: Any = None
        self._task: Any = None
        # A domain job's bar ends with virsh's own last line ("Save: [100 %]"), as in a pipe.
        self.final_text = False

    # life cycle ----------------------------------------------------------------------
    def __enter__(self) -> Progress:
        if self.mode == BAR:
            # Shown at once (pulsing until a total is known), so a terminal never looks stuck.
            self._start_bar()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress as RichProgress, TaskProgressColumn,
                                   TextColumn, TimeRemainingColumn, TransferSpeedColumn)

        console = Console(file=self.err, stderr=True)
        columns: list[Any] = [TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn()]
        if self.detail:
            columns.append(TextColumn("{task.fields[detail]}"))
        else:
            columns += [DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
        self._bar = RichProgress(*columns, console=console, transient=True)
        self._task = self._bar.add_task(self.label, total=self.total, detail="")
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    # reporting -----------------------------------------------------------------------
    def update(self, done: int, total: int | None = None) -> None:
        """Bytes done so far (and the total when it becomes known)."""
        self.done = done
        if total is not None:
            self.total = total
        if self.mode == BAR:
            if self._bar is None:
                self._start_bar()
            self._bar.update(self._task, completed=done, total=self.total or None)
        elif self.mode == TEXT and self.total:
            self._text(job_percent(max(self.total - done, 0), self.total))

    def advance(self, nbytes: int) -> None:
        self.update(self.done + nbytes)

    def job(self, remaining: int, total: int, rate: float | None = None) -> None:
        """A domain job's numbers as virDomainGetJobInfo gives them (dataRemaining, dataTotal).

        `rate` (bytes per second, as libvirt measures it) is shown by a `detail` bar.
        """
        if total <= 0:
            return
        if self.mode == TEXT:
            self.total = total
            self._text(job_percent(remaining, total))
        else:
            self.update(total - remaining, total)
            if self.detail and self._bar is not None:
                self._bar.update(self._task, detail=job_detail(remaining, rate))

    def finish(self) -> None:
        """The job succeeded: virsh prints its final ``[100 %]``; the bar fills and goes."""
        if self.mode == TEXT:
            self._text(100)
        elif self.mode == BAR and self._bar is not None:
            # libvirt may report no progress at all (no total): the bar still ends full.
            total = max(self.total or 0, self.done, 1)
            self._bar.update(self._task, completed=total, total=total)
            self._bar.refresh()
        self.close()
        if self.mode == BAR and self.final_text:
            self._text(100)

    def _text(self, percent: int) -> None:
        # virsh flushes stdout first so that its lines and the progress do not interleave.
        try:
            self.out.flush()
        except (OSError, ValueError):
            pass
        self.err.write(f"\r{_(self.label)}: [{percent:3d} %]")
        self.err.flush()


def job_detail(remaining: int, rate: float | None) -> str:
    """What a `detail` bar says beside the bar: "13.47 MiB remaining, 1.00 MiB/s"."""
    from vsh.units import format_capacity

    text = f"{format_capacity(remaining)} remaining"
    return text + (f", {format_capacity(int(rate))}/s" if rate else "")


def transfer(printer: Any, label: str, total: int | None = None) -> Progress:
    """A byte transfer: a bar on a terminal, nothing in a pipe (virsh prints nothing)."""
    bar = not printer.quiet and not printer.json and terminal_wanted(printer.err, not printer.color_err)
    return Progress(label, BAR if bar else NONE, total, err=printer.err, out=printer.out)


def job(printer: Any, label: str, verbose: bool, detail: bool = False) -> Progress:
    """A domain job: with --verbose, a bar on a terminal or virsh's text in a pipe; else nothing.

    Under --json nothing either: stderr then carries only JSON errors.  `detail`: see Progress.
    """
    if not verbose or printer.json:
        mode = NONE
    elif terminal_wanted(printer.err, not printer.color_err):
        mode = BAR
    else:
        mode = TEXT
    bar = Progress(label, mode, err=printer.err, out=printer.out, detail=detail)
    bar.final_text = True
    return bar
