"""Watching libvirt events, for the event commands (event, net-event, pool-event, nodedev-event,
secret-event, and qemu-monitor-event's printing): their shared options, the wait and the printing.

Callbacks are registered on libvirt's default event loop, which vsh.connection runs on
a thread from before the connection opens; the command waits for the first event (or,
with --loop, until --timeout or Ctrl-C) and prints each one as virsh does, flushing so a
pipe sees it at once.

JSON (--json): JSON Lines, one compact object per event, flushed as it arrives, so that
``vsh --json event --all --loop | jq`` works live:
``{"timestamp": "2026-12-06T08:52:28.123Z", "event": "lifecycle", "object_type": "domain",
"object": NAME, "detail": {...typed fields}}`` (object_type ``network``, ``pool``, ``device``
or ``secret`` for the other commands; the secret's UUID is its name), then one last line
``{"end": "done"|"timeout"|"interrupted", "received": N}``.  ``--list`` gives a list of names.
"""
from __future__ import annotations

import builtins
import time

from vsh import eventnames as names
from vsh.errors import VshError
from vsh.session import Session
from vsh.spec import Flag, Int, Opt, Str
from vsh.values import empty_option
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple, Sequence
else:
    from vsh.records import NamedTuple


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
        raise VshError(msg("Numeric value '%u' for <%s> option is malformed or out of range", value, "timeout"))
    return value


def _timestamp() -> str:
    """virTimeStringNowRaw: UTC with milliseconds and a fixed +0000."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


#: The keys naming an event's object, per kind of object.
_OBJECT_KEYS = ("domain", "network", "pool", "device", "secret")


def json_line(fields: dict[str, Any]) -> dict[str, Any]:
    """One event as its JSON Lines object: the time it was printed (UTC, ISO 8601), the event's
    name, what it is about, and its own fields as `detail`."""
    from datetime import datetime, timezone

    rest = dict(fields)
    event = rest.pop("event")
    kind = next((k for k in _OBJECT_KEYS if k in rest), None)
    name = rest.pop(kind) if kind is not None else None
    now = datetime.now(timezone.utc)
    return {"timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "event": event, "object_type": kind, "object": name, "detail": rest}


class Waiter:
    """Counts and prints events from the loop thread; the command thread waits on it."""

    def __init__(self, ctx: Session, loop: bool, timestamp: bool) -> None:
        import threading  # here, not for every command of the modules that import this one

        self.out = ctx.out
        self.json = ctx.out.json
        self.loop, self.timestamp = loop, timestamp
        self.count = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.closed = False
        # Under --hosts a host's command runs on a thread of its own, which Ctrl-C does not
        # reach: vsh.fleet sets this event instead.
        self.stop = ctx.stop

    def emit(self, text: str, obj: dict[str, Any]) -> None:
        with self.lock:
            # One-shot mode prints only the first event, as virsh's callbacks do.
            if self.closed or (not self.loop and self.count):
                return
            if self.json:
                import json

                self.out.out.write(json.dumps(json_line(obj), separators=(",", ":")) + "\n")
            else:
                stamp = _timestamp() if self.timestamp else ""
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
                if self.stop is not None and self.stop.is_set():
                    return "interrupted"
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

            self.out.out.write(json.dumps({"end": how, "received": self.count}, separators=(",", ":")) + "\n")
        else:
            if how == "interrupted":
                self.out.write(_("event loop interrupted\n"))
            elif how == "timeout":
                self.out.write(_("event loop timed out\n"))
            self.out.write(fmt("events received: %d\n", self.count))
        self.out.flush()


def object_filter(name: str, value: str) -> str:
    """The object filter; virsh checks for an empty one only when it gets there."""
    if value == "":
        raise VshError(empty_option(name))
    return value


#: The JSON Schema of an event command's output: `--list` gives rows of event names; waiting
#: prints JSON Lines, one object per event, then one saying how the wait ended (Waiter.finish).
EVENT_LINE: dict[str, Any] = {
    "type": "object", "properties": {"timestamp": {"type": "string"}, "event": {"type": "string"},
                                     "object_type": {"type": ["string", "null"]},
                                     "object": {"type": ["string", "null"]}, "detail": {"type": "object"}},
    "required": ["timestamp", "event", "object_type", "object", "detail"], "additionalProperties": False}
END_LINE: dict[str, Any] = {
    "type": "object", "properties": {"end": {"enum": ["done", "timeout", "interrupted"]},
                                     "received": {"type": "integer"}},
    "required": ["end", "received"], "additionalProperties": False}
EVENTS_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "array", "items": {
    "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], "additionalProperties": False}},
    EVENT_LINE, END_LINE]}


def list_events(ctx: Session, events: Sequence[str]) -> None:
    ctx.out.data([{"name": e} for e in events], "".join(f"{e}\n" for e in events))


def pick_event(event: str | None, events: Sequence[str], required: str) -> int:
    if event is None:
        raise VshError(required)
    if event not in events:
        raise VshError(msg("unknown event type %s", event))
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

class ObjectEvents(NamedTuple):
    """What net-event, pool-event, nodedev-event and secret-event differ in.

    `key` is the option naming the object and the JSON object_type; `what` words it in text;
    `lookup(ctx, name)` finds it; `strict`: a failed lookup ends the command (nodedev-event),
    where the others report it and listen to every object, as virsh does.
    """

    events: Sequence[str]
    lifecycle: Sequence[str]
    key: str
    what: str
    register: str
    deregister: str
    ident: Callable[[Any], str]
    lookup: Callable[[Session, str], Any]
    strict: bool = False


def object_event(ctx: Session, kind: ObjectEvents, target: str | None, event: str | None, loop: bool,
                 timeout: str | None, list_only: bool, timestamp: bool) -> None:
    """The one body of the *-event commands of objects other than domains."""
    if list_only:
        list_events(ctx, kind.events)
        return
    event_id = pick_event(event, kind.events, msg("either --list or --event <type> is required"))
    seconds = timeout_seconds(timeout)
    obj: Any = None
    pending: builtins.list[str] = []
    if target is not None:
        if kind.strict:
            obj = kind.lookup(ctx, object_filter(kind.key, target))
        else:
            # An empty name is reported as a failed lookup is: then every object is listened to.
            obj, pending = _lookup_soft(ctx, lambda: kind.lookup(ctx, object_filter(kind.key, target)))
    conn = ctx.conn
    # These commands word a timestamped line as a message of its own ("%s: event ..."), so
    # the formatter stamps it, not the waiter.
    waiter = Waiter(ctx, loop, False)
    render = _object_formatter(kind, kind.events[event_id], timestamp)

    def register() -> builtins.list[int]:
        return [getattr(conn, kind.register)(obj, event_id, waiter.callback(render), None)]

    listen(ctx, waiter, seconds, register, getattr(conn, kind.deregister), pending)


def _object_formatter(kind: ObjectEvents, event: str,
                      timestamp: bool) -> Callable[..., tuple[str, dict[str, Any]]]:
    stamp = "%s: " if timestamp else ""

    def render(obj: Any, *a: Any) -> tuple[str, dict[str, Any]]:
        n = kind.ident(obj)
        fields: dict[str, Any] = {"event": event, kind.key: n}
        args: tuple[Any, ...] = (_timestamp(),) if timestamp else ()
        if event == "lifecycle":
            fields["type"] = names.name(kind.lifecycle, a[0])
            text = fmt(stamp + "event 'lifecycle' for " + kind.what + " %s: %s\n", *args, n, _(fields["type"]))
            return text, fields
        return fmt(stamp + "event '%s' for " + kind.what + " %s\n", *args, event, n), fields

    return render
