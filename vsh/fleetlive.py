"""Live output of a --hosts command: each host's lines written as the host produces them.

A command whose output is not a table (text mode) or is a stream of events (`--json` on the
event commands) need not wait for every host: `event --all --loop` on ten hosts would print
nothing until Ctrl-C otherwise.  Each complete line is written, flushed, as soon as it is
whole, prefixed `HOST: ` (pdsh's convention) or, for JSON Lines, with a `"host"` key added;
lines of different hosts interleave whole, in the order they arrive.  Tables (one merged
table) and other `--json` output (one list in the given order) still wait: see vsh.fleet.

Events are vsh.fleet.HostPrinter's tuples; they come from a host's thread or from libvirt's
event loop thread, so everything written goes through one lock.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Callable

from vsh.output import OutputError

#: The commands that wait for events and, under --json, print JSON Lines (vsh.eventwatch).
EVENT_COMMANDS = frozenset({"event", "net-event", "pool-event", "nodedev-event", "secret-event",
                            "qemu-monitor-event"})

Event = tuple[Any, ...]
Report = Callable[[str, list[Event]], None]


def streams(name: str, listing: bool, tabular: bool, json_mode: bool) -> bool:
    """Whether a command's output goes out live under --hosts.

    In text mode every command but a table command (whose rows make one table with a `Host`
    column); under --json only the event commands waiting for events (`--list` excluded),
    whose JSON Lines gain a `host` key; any other JSON is one list in the order given.
    """
    if json_mode:
        return name in EVENT_COMMANDS and not listing
    return not tabular


def render_table(quiet: bool, columns: list[Any], rows: list[dict[str, Any]]) -> str:
    """A host's table as the printer writes it, for a prefix on each of its lines."""
    import io

    from vsh.output import Printer

    buffer = io.StringIO()
    Printer(out=buffer, quiet=quiet, no_color=True).table(columns, rows)
    return buffer.getvalue()


class Live:
    """The shared writer of one fan-out: whole lines, one at a time, flushed."""

    def __init__(self, out: Any, report: Report, json_mode: bool) -> None:
        self.out = out  # the main session's printer
        self.report = report  # a host's errors and warnings on stderr (vsh.fleet.Fleet.report)
        self.json = json_mode
        self.lock = threading.Lock()
        self.closed = False
        #: stdout failed (closed, full, a reader gone): the fan-out raises it and stops.
        self.failure: BaseException | None = None

    def host(self, name: str) -> HostLines:
        return HostLines(self, name)

    def close(self) -> None:
        """No more output: hosts abandoned after Ctrl-C may still call in, and are not heard."""
        with self.lock:
            self.closed = True

    def write(self, text: str) -> None:
        """Write and flush (the lock is held); the first failure closes the output."""
        try:
            self.out.out.write(text)
            self.out.out.flush()
        except (OSError, OutputError) as err:
            self.failure, self.closed = err, True


class HostLines:
    """One host's side: its partial line, and the blank line that may end its command."""

    def __init__(self, live: Live, name: str) -> None:
        self.live = live
        self.name = name
        self.partial = ""
        # The blank line every command ends with is printed once for all hosts by the main
        # session: a host's is held until more output shows it was not the last.
        self.held = False

    def __call__(self, event: Event) -> None:
        live = self.live
        with live.lock:
            if live.closed:
                return
            kind = event[0]
            if kind in ("text", "extra") and not event[1]:
                return
            if kind in ("error", "warn", "err"):
                live.report(self.name, [event])
                return
            if kind == "extra" and event[1] == "\n":
                if self.held:
                    self._text("\n")
                self.held = True
                return
            if self.held:
                self.held = False
                self._text("\n")
            if kind == "table":
                self._text(render_table(live.out.quiet, event[1], event[2]))
            elif kind == "data":
                self._lines([json.dumps({"host": self.name, "result": event[1]}, separators=(",", ":"),
                                        default=str)])
            elif event[1]:
                self._text(event[1])

    def end(self) -> None:
        """The host's command is over: its last partial line is written (its blank line is not)."""
        with self.live.lock:
            if not self.live.closed and self.partial:
                self._text("\n")
            self.partial, self.held = "", False

    def _text(self, text: str) -> None:
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        if lines:
            self._lines(lines)

    def _lines(self, lines: list[str]) -> None:
        if self.live.json:
            self.live.write("".join(self._json_line(line) + "\n" for line in lines))
        else:
            self.live.write("".join(f"{self.name}: {line}\n" for line in lines))

    def _json_line(self, line: str) -> str:
        """A JSON Lines object with the key `host` first; a line that is not one is kept as a string."""
        try:
            obj = json.loads(line)
        except ValueError:
            obj = line
        if isinstance(obj, dict) and "host" not in obj:
            return json.dumps({"host": self.name, **obj}, separators=(",", ":"), default=str)
        return line if isinstance(obj, dict) else json.dumps({"host": self.name, "text": obj})
