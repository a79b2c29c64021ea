"""Watching libvirt events, for the event commands (event, net-event, pool-event, nodedev-event,
secret-event): their shared options, the wait and the printing.

Callbacks are registered on libvirt's default event loop, which vsh.connection runs on
a thread from before the connection opens; the command waits for the first event (or,
with --loop, until --timeout or Ctrl-C) and prints each one as virsh does, flushing so a
pipe sees it at once.

JSON (--json): one document, streamed as events arrive so a long --loop can be read
incrementally: ``{"events": [EVENT, ...], "end": "done"|"timeout"|"interrupted",
"received": N}``.  EVENT is ``{"event": "lifecycle", "domain": NAME, ...typed fields}``
(``network``, ``pool``, ``device`` or ``secret`` instead of ``domain``), with
``"timestamp"`` when --timestamp is given.  ``--list`` gives a list of names.
"""
from __future__ import annotations

import builtins
import threading
import time
from typing import Any, Callable, Sequence

from vsh import eventnames as names
from vsh.errors import VshError
from vsh.session import Session
from vsh.spec import Flag, Int, Opt, Str


_TIMEOUT_CONV = Int("timeout", "timeout seconds", conv="puint")


def event_opts(target: Opt, all_flag: bool = False) -> list[Opt]:
    """The options every *-event command shares, in virsh's order."""
    opts = [target, Str("event", "which event type to wait for", complete="event")]
    if all_flag:
        opts.append(Flag("all", "wait for all events instead of just one type"))
    opts += [Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
             Int("timeout", "timeout seconds", conv=None, empty_ok=True),
             Flag("list", "list valid event types"),
             Flag("timestamp", "show timestamp for each printed event")]
    return opts


class NoEvents(VshError):
    """virsh fails a wait that saw no event without an error line of its own."""

    def __init__(self, lines: Sequence[str] = ()) -> None:
        super().__init__("no events received")
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return self._lines


def timeout_seconds(raw: str | None) -> int | None:
    """vshCommandOptTimeoutToMs: a positive number of seconds that fits in int milliseconds."""
    if raw is None:
        return None
    from vsh.values import convert

    value = convert(_TIMEOUT_CONV, raw)
    if value == 0 or value > (2**31 - 1) // 1000:
        raise VshError(f"Numeric value '{value}' for <timeout> option is malformed or out of range")
    return value


def _timestamp() -> str:
    """virTimeStringNowRaw: UTC with milliseconds and a fixed +0000."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


class Waiter:
    """Counts and prints events from the loop thread; the command thread waits on it."""

    def __init__(self, ctx: Session, loop: bool, timestamp: bool) -> None:
        self.out = ctx.out
        self.json = ctx.out.json
        self.loop, self.timestamp = loop, timestamp
        self.count = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.closed = False

    def emit(self, text: str, obj: dict[str, Any]) -> None:
        with self.lock:
            # One-shot mode prints only the first event, as virsh's callbacks do.
            if self.closed or (not self.loop and self.count):
                return
            stamp = _timestamp() if self.timestamp else ""
            if self.json:
                import json

                if stamp:
                    obj["timestamp"] = stamp
                self.out.out.write(("{\"events\": [\n" if not self.count else ",\n") + json.dumps(obj))
            else:
                self.out.write(f"{stamp}: {text}" if stamp else text)
            self.out.flush()
            self.count += 1
            if not self.loop:
                self.done.set()

    def callback(self, fmt: Callable[..., tuple[str, dict[str, Any]]]) -> Callable[..., int]:
        """A libvirt callback (conn, object, *details, opaque) that prints through `fmt`."""

        def cb(_conn: Any, obj: Any, *rest: Any) -> int:
            try:
                text, fields = fmt(obj, *rest[:-1])
            except Exception:  # a bad event must not kill the loop thread
                return 0
            try:
                self.emit(text, fields)
            except OSError:
                # The reader went away (`vsh event --loop | head -1`): stop waiting.
                self.closed = True
                self.done.set()
            return 0

        return cb

    def wait(self, timeout: int | None, lost: Callable[[], bool]) -> str:
        """Block until done, timed out, interrupted (Ctrl-C) or disconnected; then stop printing."""
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                # virsh's disconnect handler ends the wait as if it were done.
                if lost():
                    return "done"
                step = 0.25
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return "timeout"
                    step = min(step, remaining)
                if self.done.wait(step):
                    return "done"
        except KeyboardInterrupt:
            return "interrupted"
        finally:
            with self.lock:
                self.closed = True

    def finish(self, how: str) -> None:
        """The closing lines: how the wait ended and how many events it saw."""
        if self.json:
            import json

            head = "{\"events\": [" if not self.count else "\n"
            self.out.out.write(f"{head}], \"end\": {json.dumps(how)}, \"received\": {self.count}}}\n")
        else:
            if how == "interrupted":
                self.out.write("event loop interrupted\n")
            elif how == "timeout":
                self.out.write("event loop timed out\n")
            self.out.write(f"events received: {self.count}\n")
        self.out.flush()


def object_filter(name: str, value: str) -> str:
    """The object filter; virsh checks for an empty one only when it gets there."""
    if value == "":
        raise VshError(f"Failed to get option '{name}': Option argument is empty")
    return value


#: The JSON Schema of an event command: `--list` gives rows of event names; the events it
#: waits for are another shape (the `{"type": "object"}` branch, for the event commands to declare).
EVENTS_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "array", "items": {
    "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": False}},
    {"type": "object"}]}


def list_events(ctx: Session, events: Sequence[str]) -> None:
    ctx.out.data([{"name": e} for e in events], "".join(f"{e}\n" for e in events))


def pick_event(event: str | None, events: Sequence[str], required: str) -> int:
    if event is None:
        raise VshError(required)
    if event not in events:
        raise VshError(f"unknown event type {event}")
    return events.index(event)


def listen(ctx: Session, waiter: Waiter, timeout: int | None, register: Callable[[], list[int]],
            deregister: Callable[[int], Any], pending: Sequence[str] = ()) -> None:
    import libvirt

    ids: list[int] = []
    failed: Exception | None = None
    try:
        ids = register()
        how = waiter.wait(timeout, lambda: bool(getattr(ctx.connection, "disconnected", False)))
    finally:
        for cb_id in ids:
            try:
                deregister(cb_id)
            except libvirt.libvirtError as err:
                failed = err
    waiter.finish(how)
    # A failed deregistration (the connection is gone) fails the command, as in virsh.
    if failed is not None:
        raise failed
    if not waiter.count:
        raise NoEvents(pending)


def _lookup_soft(ctx: Session, fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """virsh's *-event commands report a failed lookup and go on listening to every object;
    libvirt's own line of that failure is printed only if the command fails later."""
    try:
        return fn(), []
    except VshError as err:
        lines = err.lines()
        ctx.out.error(lines[:1], err.as_json())
        return None, lines[1:]


# objects other than domains ---------------------------------------------------------------

def simple_event(ctx: Session, events: Sequence[str], event: str | None, loop: bool, timeout: str | None,
                  timestamp: bool, lookup: Callable[[], Any] | None, register_name: str, deregister_name: str,
                  fmt: Callable[[str], Callable[..., tuple[str, dict[str, Any]]]]) -> None:
    """net-event, pool-event, nodedev-event and secret-event: one event type, one object or all."""
    event_id = pick_event(event, events, "either --list or --event <type> is required")
    seconds = timeout_seconds(timeout)
    obj, pending = _lookup_soft(ctx, lookup) if lookup is not None else (None, [])
    conn = ctx.conn
    waiter = Waiter(ctx, loop, timestamp)

    def register() -> builtins.list[int]:
        cb = waiter.callback(fmt(events[event_id]))
        return [getattr(conn, register_name)(obj, event_id, cb, None)]

    listen(ctx, waiter, seconds, register, getattr(conn, deregister_name), pending)


def object_formatter(what: str, key: str, lifecycle: Sequence[str], ident: Callable[[Any], str],
                      ) -> Callable[[str], Callable[..., tuple[str, dict[str, Any]]]]:
    def for_event(event: str) -> Callable[..., tuple[str, dict[str, Any]]]:
        def fmt(obj: Any, *a: Any) -> tuple[str, dict[str, Any]]:
            n = ident(obj)
            fields: dict[str, Any] = {"event": event, key: n}
            if event == "lifecycle":
                fields["type"] = names.name(lifecycle, a[0])
                return f"event 'lifecycle' for {what} {n}: {fields['type']}\n", fields
            return f"event '{event}' for {what} {n}\n", fields

        return fmt

    return for_event
