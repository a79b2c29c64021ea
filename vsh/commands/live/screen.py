"""The full-screen view of `top` (curses): draw a sample, read keys, redraw on resize.

The terminal is restored on every way out: q, Ctrl-C, SIGTERM, an error (curses' endwin in
a finally block).  Keys redraw at once from the last sample; a new sample is taken every
delay seconds.
"""
from __future__ import annotations

import os
import signal
import time

from vsh.commands.live.sampling import COLUMNS, Sample, header_lines, human, sort_rows, table_lines, with_host

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Key -> sort order, as virt-top's keys.
SORT_KEYS = {"P": "cpu", "M": "mem", "N": "name", "B": "block", "T": "time", "I": "id"}
VIEWS = {"0": "domains", "1": "host CPUs", "2": "network interfaces", "3": "block devices"}
HELP = [
    "vsh top keys",
    "",
    "  P   sort by %CPU              M   sort by memory",
    "  N   sort by name              B   sort by block I/O",
    "  T   sort by cpu time          I   sort by ID",
    "  0   domains view              1   host CPUs view",
    "  2   network interfaces view   3   block devices view",
    "  h   this help                 q   quit",
    "",
    "Any key returns.",
]


def sparkline(values: list[float], width: int, utf8: bool) -> str:
    """The last `width` %CPU values as bars (0..100)."""
    marks = "▁▂▃▄▅▆▇█" if utf8 else " .:-=+*#"
    tail = values[-width:]
    return "".join(marks[min(len(marks) - 1, int(v / 100.0 * len(marks)))] for v in tail)


class Screen:
    """What is shown (view, order, help) and how to draw it."""

    def __init__(self, sampler: Any, order: str) -> None:
        # A Sampler, or vsh.commands.live.hosts.HostsSampler under --hosts.
        self.sampler = sampler
        self.order = order
        self.view = "0"
        self.help = False
        self.utf8 = "UTF-8" in (os.environ.get("LC_ALL") or os.environ.get("LC_CTYPE")
                                or os.environ.get("LANG") or "").upper().replace("UTF8", "UTF-8")

    def lines(self, sample: Sample, width: int) -> list[str]:
        if self.help:
            return HELP
        head = header_lines(sample)
        head.append(f"Sorted by {self.order}; view: {VIEWS[self.view]}; h for help, q to quit")
        if self.view == "1":
            body = self._host_cpus(bool(sample.parts or sample.failed))
        elif self.view in ("2", "3"):
            kind = "net" if self.view == "2" else "block"
            body = self._devices(sample, kind)
        else:
            body = self._domains(sample, width)
        return head + [""] + body

    def _domains(self, sample: Sample, width: int) -> list[str]:
        rows = sort_rows(sample.rows, self.order)
        lines = table_lines(rows, with_host(COLUMNS, sample))
        room = width - max((len(x) for x in lines), default=0) - 2
        if room >= 8:
            spark = min(room, 40)
            lines[0] += "  " + "CPU".ljust(spark)
            for i, row in enumerate(rows, 1):
                hist = self.sampler.history_of(row)
                lines[i] += "  " + sparkline(hist, spark, self.utf8)
        return lines

    def _devices(self, sample: Sample, kind: str) -> list[str]:
        keys = ("rx", "tx") if kind == "net" else ("rd", "wr")
        rows = [d for d in sample.devices if d["kind"] == kind]
        cols = with_host((("name", "NAME"), ("device", "DEVICE"), (f"{keys[0]}_bytes", f"{keys[0].upper()} BYTES"),
                          (f"{keys[1]}_bytes", f"{keys[1].upper()} BYTES")), sample)
        if not rows:
            return [f"no {VIEWS['2' if kind == 'net' else '3']} reported"]
        shown = [{**d, f"{keys[0]}_bytes": human(d[f"{keys[0]}_bytes"]), f"{keys[1]}_bytes": human(d[f"{keys[1]}_bytes"])}
                 for d in rows]
        return table_lines(shown, cols)

    def _host_cpus(self, several: bool) -> list[str]:
        """Per host CPU: busy % since the last refresh (virNodeGetCPUStats); each host's under --hosts."""
        import libvirt

        lines = ["CPU   %USED"]
        for sampler in self.sampler.samplers:
            if several:
                lines.append(f"{sampler.label}:")
            try:
                busy = sampler.host_cpus()
            except libvirt.libvirtError as err:
                lines.append(f"host CPU statistics unavailable: {err.get_error_message()}")
                continue
            lines += [f"{i:>3}   -" if b is None else f"{i:>3}   {b:5.1f}" for i, b in enumerate(busy)]
        return lines


def run_screen(sampler: Any, delay: float, iterations: int | None, order: str) -> None:
    """The interactive loop; returns when q is pressed, --iterations are shown, or on Ctrl-C."""
    import curses

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, on_term)
    stdscr = curses.initscr()
    try:
        curses.noecho()
        curses.cbreak()
        stdscr.keypad(True)
        try:
            curses.curs_set(0)
        except curses.error:
            pass
        _loop(stdscr, Screen(sampler, order), delay, iterations)
    except KeyboardInterrupt:
        pass
    finally:
        stdscr.keypad(False)
        curses.nocbreak()
        curses.echo()
        curses.endwin()
        signal.signal(signal.SIGTERM, old_term)


def _loop(stdscr: Any, screen: Screen, delay: float, iterations: int | None) -> None:
    import curses

    sample = screen.sampler.sample()
    shown = 0
    next_at = time.monotonic()  # the first screen at once, rates from the next refresh
    while True:
        now = time.monotonic()
        if now >= next_at:
            if shown:
                sample = screen.sampler.sample()
            if iterations is not None and shown >= iterations:
                return
            shown += 1
            next_at = now + delay
        _draw(stdscr, screen.lines(sample, stdscr.getmaxyx()[1]))
        stdscr.timeout(max(1, int((next_at - time.monotonic()) * 1000)))
        key = stdscr.getch()
        if key == -1:
            continue
        if key == curses.KEY_RESIZE:
            curses.update_lines_cols()
            continue
        char = chr(key) if 0 <= key < 256 else ""
        if screen.help:
            screen.help = False
        elif char in ("q", "Q"):
            return
        elif char == "h" or char == "?":
            screen.help = True
        elif char in SORT_KEYS:
            screen.order = SORT_KEYS[char]
        elif char in VIEWS:
            screen.view = char


def _draw(stdscr: Any, lines: list[str]) -> None:
    import curses

    height, width = stdscr.getmaxyx()
    stdscr.erase()
    for y, line in enumerate(lines[:height]):
        try:
            stdscr.addnstr(y, 0, line, max(0, width - 1))
        except curses.error:
            pass  # the last cell of the screen; nothing lost that fits
    stdscr.refresh()
