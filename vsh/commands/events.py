"""Event commands: event, net-event, pool-event, nodedev-event, secret-event.

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
from vsh.registry import command
from vsh.typedparams import param_text
from vsh.session import Session
from vsh.spec import Flag, Int, Opt, Str

_TIMEOUT_CONV = Int("timeout", "timeout seconds", conv="puint")


def _event_opts(target: Opt, all_flag: bool = False) -> list[Opt]:
    """The options every *-event command shares, in virsh's order."""
    opts = [target, Str("event", "which event type to wait for", complete="event")]
    if all_flag:
        opts.append(Flag("all", "wait for all events instead of just one type"))
    opts += [Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
             Int("timeout", "timeout seconds", conv=None, empty_ok=True),
             Flag("list", "list valid event types"),
             Flag("timestamp", "show timestamp for each printed event")]
    return opts


class _NoEvents(VshError):
    """virsh fails a wait that saw no event without an error line of its own."""

    def __init__(self, lines: Sequence[str] = ()) -> None:
        super().__init__("no events received")
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return self._lines


def _timeout_seconds(raw: str | None) -> int | None:
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


class _Waiter:
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


def _given(name: str, value: str) -> str:
    """The object filter; virsh checks for an empty one only when it gets there."""
    if value == "":
        raise VshError(f"Failed to get option '{name}': Option argument is empty")
    return value


def _list(ctx: Session, events: Sequence[str]) -> None:
    ctx.out.data(list(events), "".join(f"{e}\n" for e in events))


def _pick(event: str | None, events: Sequence[str], required: str) -> int:
    if event is None:
        raise VshError(required)
    if event not in events:
        raise VshError(f"unknown event type {event}")
    return events.index(event)


def _listen(ctx: Session, waiter: _Waiter, timeout: int | None, register: Callable[[], list[int]],
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
        raise _NoEvents(pending)


def _lookup_soft(ctx: Session, fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """virsh's *-event commands report a failed lookup and go on listening to every object;
    libvirt's own line of that failure is printed only if the command fails later."""
    try:
        return fn(), []
    except VshError as err:
        lines = err.lines()
        ctx.out.error(lines[:1], err.as_json())
        return None, lines[1:]


# domain events ---------------------------------------------------------------------------

def _domain_formatter(event: str) -> Callable[..., tuple[str, dict[str, Any]]]:
    """The printer of one domain event type: (domain, *details) -> (text, JSON fields)."""

    def fmt(dom: Any, *a: Any) -> tuple[str, dict[str, Any]]:
        n = dom.name()
        head = f"event '{event}' for domain '{n}'"
        obj: dict[str, Any] = {"event": event, "domain": n}
        if event == "lifecycle":
            kind, detail = names.name(names.DOMAIN_LIFECYCLE, a[0]), names.lifecycle_detail(a[0], a[1])
            obj.update(type=kind, detail=detail)
            return f"{head}: {kind} {detail}\n", obj
        if event == "rtc-change":
            obj["utcoffset"] = a[0]
            return f"{head}: {a[0]}\n", obj
        if event == "watchdog":
            obj["action"] = names.name(names.WATCHDOG_ACTION, a[0])
            return f"{head}: {obj['action']}\n", obj
        if event in ("io-error", "io-error-reason"):
            action = names.name(names.IO_ERROR_ACTION, a[2])
            obj.update(path=a[0], alias=a[1], action=action)
            text = f"{head}: {a[0]} ({a[1]}) {action}"
            if event == "io-error-reason":
                obj["reason"] = a[3]
                text += f" due to {a[3]}"
            return text + "\n", obj
        if event == "graphics":
            phase, local, remote, auth, subject = a
            obj.update(phase=names.name(names.GRAPHICS_PHASE, phase), local=_addr(local), remote=_addr(remote),
                       auth=auth, subject=[{"type": t, "name": v} for t, v in subject])
            text = (f"{head}: {obj['phase']} local[{_addr_text(local)}] remote[{_addr_text(remote)}] {auth}\n"
                    + "".join(f"\t{t}={v}\n" for t, v in subject))
            return text, obj
        if event in ("block-job", "block-job-2"):
            job = names.name(names.BLOCK_JOB_TYPE, a[1], "Unknown job")
            status = names.name(names.BLOCK_JOB_STATUS, a[2])
            obj.update(disk=a[0], job=job, status=status)
            return f"{head}: {job} for {a[0]} {status}\n", obj
        if event == "disk-change":
            old, new, alias = _nullstr(a[0]), _nullstr(a[1]), a[2]
            reason = names.name(names.DISK_CHANGE_REASON, a[3])
            obj.update(alias=alias, old=a[0], new=a[1], reason=reason)
            return f"event 'disk-change' for domain '{n}' disk {alias}: {old} -> {new}: {reason}\n", obj
        if event == "tray-change":
            reason = names.name(names.TRAY_CHANGE_REASON, a[1])
            obj.update(alias=a[0], tray=reason)
            return f"event 'tray-change' for domain '{n}' disk {a[0]}: {reason}\n", obj
        if event == "balloon-change":
            obj["actual_kib"] = a[0]
            return f"{head}: {a[0]}KiB\n", obj
        if event in ("device-removed", "device-added", "device-removal-failed"):
            obj["alias"] = a[0]
            return f"{head}: {a[0]}\n", obj
        if event in ("tunable", "job-completed"):
            params = a[0] or {}
            obj["params"] = params
            return f"{head}:\n" + "".join(f"\t{k}: {param_text(v)}\n" for k, v in params.items()), obj
        if event == "agent-lifecycle":
            state = names.name(names.AGENT_STATE, a[0], "unsupported value")
            reason = names.name(names.AGENT_REASON, a[1], "unsupported value")
            obj.update(state=state, reason=reason)
            return f"{head}: state: '{state}' reason: '{reason}'\n", obj
        if event == "migration-iteration":
            obj["iteration"] = a[0]
            return f"{head}: iteration: '{a[0]}'\n", obj
        if event == "metadata-change":
            kind = names.name(names.METADATA_TYPE, a[0], "unsupported value")
            obj.update(type=kind, uri=a[1])
            return f"{head}: type {kind}, uri {_nullstr(a[1])}\n", obj
        if event == "block-threshold":
            obj.update(dev=a[0], path=a[1], threshold=a[2], excess=a[3])
            return f"{head}: dev: {a[0]}({_nullstr(a[1])}) {a[2]} {a[3]}\n", obj
        if event == "memory-failure":
            recipient = names.name(names.MEMORY_FAILURE_RECIPIENT, a[0], "unsupported value")
            action = names.name(names.MEMORY_FAILURE_ACTION, a[1], "unsupported value")
            required, recursive = int(bool(a[2] & 1)), int(bool(a[2] & 2))
            obj.update(recipient=recipient, action=action, action_required=bool(required),
                       recursive=bool(recursive))
            return (f"{head}:\nrecipient: {recipient}\naction: {action}\n"
                    f"flags:\n\taction required: {required}\n\trecursive: {recursive}\n"), obj
        if event == "memory-device-size-change":
            obj.update(alias=a[0], size=a[1])
            return f"{head}:\nalias: {a[0]}\nsize: {a[1]}\n", obj
        # reboot, control-error and the pm-* events carry nothing virsh prints.
        return head + "\n", obj

    return fmt


def _nullstr(text: str | None) -> str:
    return "<null>" if text is None else text


def _addr(addr: dict[str, Any]) -> dict[str, Any]:
    return {"family": names.name(names.GRAPHICS_ADDRESS, addr.get("family", -1)),
            "node": addr.get("node"), "service": addr.get("service")}


def _addr_text(addr: dict[str, Any]) -> str:
    return (f"{names.name(names.GRAPHICS_ADDRESS, addr.get('family', -1))} "
            f"{_nullstr(addr.get('node'))} {_nullstr(addr.get('service'))}")


@command("event", group="events", help="Domain Events",
         desc="List event types, or wait for domain events to occur",
         opts=_event_opts(Str("domain", "filter by domain name, id or uuid", complete="domain", empty_ok=True), all_flag=True),
         exclusive=[("all", "event"), ("list", "all"), ("list", "event")])
def cmd_event(ctx: Session, domain: str | None, event: str | None, all: bool, loop: bool,
              timeout: str | None, list: bool, timestamp: bool) -> None:
    if list:
        _list(ctx, names.DOMAIN_EVENTS)
        return
    if event is None and not all:
        raise VshError("one of --list, --all, or --event <type> is required")
    if event is not None and event not in names.DOMAIN_EVENTS:
        raise VshError(f"unknown event type {event}")
    wanted = [i for i, e in enumerate(names.DOMAIN_EVENTS) if event is None or e == event]
    seconds = _timeout_seconds(timeout)
    dom = ctx.lookup.domain(_given("domain", domain)) if domain is not None else None
    conn = ctx.conn
    waiter = _Waiter(ctx, loop, timestamp)

    def register() -> builtins.list[int]:
        import libvirt

        ids = []
        for n, event_id in enumerate(wanted):
            cb = waiter.callback(_domain_formatter(names.DOMAIN_EVENTS[event_id]))
            try:
                ids.append(conn.domainEventRegisterAny(dom, event_id, cb, None))
            except libvirt.libvirtError:
                # An older server knows fewer events: only the first registration must work.
                if n == 0:
                    raise
        return ids

    _listen(ctx, waiter, seconds, register, conn.domainEventDeregisterAny)


# other objects ---------------------------------------------------------------------------

def _simple_event(ctx: Session, events: Sequence[str], event: str | None, loop: bool, timeout: str | None,
                  timestamp: bool, lookup: Callable[[], Any] | None, register_name: str, deregister_name: str,
                  fmt: Callable[[str], Callable[..., tuple[str, dict[str, Any]]]]) -> None:
    """net-event, pool-event, nodedev-event and secret-event: one event type, one object or all."""
    event_id = _pick(event, events, "either --list or --event <type> is required")
    seconds = _timeout_seconds(timeout)
    obj, pending = _lookup_soft(ctx, lookup) if lookup is not None else (None, [])
    conn = ctx.conn
    waiter = _Waiter(ctx, loop, timestamp)

    def register() -> builtins.list[int]:
        cb = waiter.callback(fmt(events[event_id]))
        return [getattr(conn, register_name)(obj, event_id, cb, None)]

    _listen(ctx, waiter, seconds, register, getattr(conn, deregister_name), pending)


def _object_formatter(what: str, key: str, lifecycle: Sequence[str], ident: Callable[[Any], str],
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


@command("net-event", group="network", help="Network Events",
         desc="List event types, or wait for network events to occur",
         opts=_event_opts(Str("network", "filter by network name or uuid", complete="network", empty_ok=True)))
def cmd_net_event(ctx: Session, network: str | None, event: str | None, loop: bool, timeout: str | None,
                  list: bool, timestamp: bool) -> None:
    if list:
        _list(ctx, names.NETWORK_EVENTS)
        return
    _simple_event(ctx, names.NETWORK_EVENTS, event, loop, timeout, timestamp,
                  (lambda: ctx.lookup.network(_given("network", network))) if network is not None else None,
                  "networkEventRegisterAny", "networkEventDeregisterAny",
                  _object_formatter("network", "network", names.NETWORK_LIFECYCLE, lambda o: o.name()))


@command("pool-event", group="pool", help="Storage Pool Events",
         desc="List event types, or wait for storage pool events to occur",
         opts=_event_opts(Str("pool", "filter by storage pool name or uuid", complete="pool", empty_ok=True)))
def cmd_pool_event(ctx: Session, pool: str | None, event: str | None, loop: bool, timeout: str | None,
                   list: bool, timestamp: bool) -> None:
    if list:
        _list(ctx, names.POOL_EVENTS)
        return
    _simple_event(ctx, names.POOL_EVENTS, event, loop, timeout, timestamp,
                  (lambda: ctx.lookup.pool(_given("pool", pool))) if pool is not None else None,
                  "storagePoolEventRegisterAny", "storagePoolEventDeregisterAny",
                  _object_formatter("storage pool", "pool", names.POOL_LIFECYCLE, lambda o: o.name()))


def _nodedev(ctx: Session, device: str) -> Any:
    import libvirt

    try:
        return ctx.conn.nodeDeviceLookupByName(device)
    except libvirt.libvirtError as err:
        raise VshError(f"Could not find matching device '{device}'", cause=err) from None


@command("nodedev-event", group="nodedev", help="Node Device Events",
         desc="List event types, or wait for node device events to occur",
         opts=_event_opts(Str("device", "filter by node device name", complete="nodedev", empty_ok=True)))
def cmd_nodedev_event(ctx: Session, device: str | None, event: str | None, loop: bool, timeout: str | None,
                      list: bool, timestamp: bool) -> None:
    if list:
        _list(ctx, names.NODEDEV_EVENTS)
        return
    event_id = _pick(event, names.NODEDEV_EVENTS, "either --list or --event <type> is required")
    _timeout_seconds(timeout)
    # Unlike the other *-event commands, a device that is not found ends the command.
    dev = _nodedev(ctx, _given("device", device)) if device is not None else None
    _simple_event(ctx, names.NODEDEV_EVENTS, names.NODEDEV_EVENTS[event_id], loop, timeout, timestamp,
                  (lambda: dev) if dev is not None else None,
                  "nodeDeviceEventRegisterAny", "nodeDeviceEventDeregisterAny",
                  _object_formatter("node device", "device", names.NODEDEV_LIFECYCLE, lambda o: o.name()))


def _secret(ctx: Session, uuid: str) -> Any:
    import libvirt

    try:
        return ctx.conn.secretLookupByUUIDString(uuid)
    except libvirt.libvirtError as err:
        raise VshError(f"failed to get secret '{uuid}'", cause=err) from None


@command("secret-event", group="secret", help="Secret Events",
         desc="List event types, or wait for secret events to occur",
         opts=_event_opts(Str("secret", "filter by secret name or uuid", complete="secret", empty_ok=True)))
def cmd_secret_event(ctx: Session, secret: str | None, event: str | None, loop: bool, timeout: str | None,
                     list: bool, timestamp: bool) -> None:
    if list:
        _list(ctx, names.SECRET_EVENTS)
        return
    _simple_event(ctx, names.SECRET_EVENTS, event, loop, timeout, timestamp,
                  (lambda: _secret(ctx, _given("secret", secret))) if secret is not None else None,
                  "secretEventRegisterAny", "secretEventDeregisterAny",
                  _object_formatter("secret", "secret", names.SECRET_LIFECYCLE, lambda o: o.UUIDString()))
