"""Domain Events, virsh's 'events' group: event.

The waiting and printing are vsh.eventwatch's, shared with net-event, pool-event,
nodedev-event and secret-event (in their objects' modules); JSON shapes are described there.
"""
from __future__ import annotations

import builtins

from vsh import eventnames as names
from vsh.errors import VshError
from vsh.eventwatch import Waiter, event_opts, list_events, listen, object_filter, timeout_seconds
from vsh.eventwatch import EVENTS_SCHEMA
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Str
from vsh.typedparams import param_text
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


# domain events ---------------------------------------------------------------------------

def _domain_formatter(event: str) -> Callable[..., tuple[str, dict[str, Any]]]:
    """The printer of one domain event type: (domain, *details) -> (text, JSON fields).

    Each line is virsh's own message (libvirt 9.0's msgid, so it comes out in the user's
    language), and so are the words virsh translates inside it (actions, phases, reasons);
    the agent, metadata and memory-failure words virsh leaves in English.
    """

    def render(dom: Any, *a: Any) -> tuple[str, dict[str, Any]]:
        n = dom.name()
        obj: dict[str, Any] = {"event": event, "domain": n}
        if event == "lifecycle":
            kind, detail = names.name(names.DOMAIN_LIFECYCLE, a[0]), names.lifecycle_detail(a[0], a[1])
            obj.update(type=kind, detail=detail)
            return fmt("event 'lifecycle' for domain '%s': %s %s\n", n, _(kind), _(detail)), obj
        if event == "rtc-change":
            obj["utcoffset"] = a[0]
            return fmt("event 'rtc-change' for domain '%s': %lld\n", n, a[0]), obj
        if event == "watchdog":
            obj["action"] = names.name(names.WATCHDOG_ACTION, a[0])
            return fmt("event 'watchdog' for domain '%s': %s\n", n, _(obj["action"])), obj
        if event == "io-error":
            action = names.name(names.IO_ERROR_ACTION, a[2])
            obj.update(path=a[0], alias=a[1], action=action)
            return fmt("event 'io-error' for domain '%s': %s (%s) %s\n", n, a[0], a[1], _(action)), obj
        if event == "io-error-reason":
            action = names.name(names.IO_ERROR_ACTION, a[2])
            obj.update(path=a[0], alias=a[1], action=action, reason=a[3])
            return fmt("event 'io-error-reason' for domain '%s': %s (%s) %s due to %s\n",
                       n, a[0], a[1], _(action), a[3]), obj
        if event == "graphics":
            phase, local, remote, auth, subject = a
            obj.update(phase=names.name(names.GRAPHICS_PHASE, phase), local=_addr(local), remote=_addr(remote),
                       auth=auth, subject=[{"type": t, "name": v} for t, v in subject])
            text = fmt("event 'graphics' for domain '%s': %s local[%s %s %s] remote[%s %s %s] %s\n",
                       n, _(obj["phase"]), *_addr_words(local), *_addr_words(remote), auth)
            return text + "".join(f"\t{t}={v}\n" for t, v in subject), obj
        if event in ("block-job", "block-job-2"):
            job = names.name(names.BLOCK_JOB_TYPE, a[1], "Unknown job")
            status = names.name(names.BLOCK_JOB_STATUS, a[2])
            obj.update(disk=a[0], job=job, status=status)
            return fmt("event '%s' for domain '%s': %s for %s %s\n", event, n, _(job), a[0], _(status)), obj
        if event == "disk-change":
            reason = names.name(names.DISK_CHANGE_REASON, a[3])
            obj.update(alias=a[2], old=a[0], new=a[1], reason=reason)
            return fmt("event 'disk-change' for domain '%s' disk %s: %s -> %s: %s\n",
                       n, a[2], _nullstr(a[0]), _nullstr(a[1]), _(reason)), obj
        if event == "tray-change":
            reason = names.name(names.TRAY_CHANGE_REASON, a[1])
            obj.update(alias=a[0], tray=reason)
            return fmt("event 'tray-change' for domain '%s' disk %s: %s\n", n, a[0], _(reason)), obj
        if event == "balloon-change":
            obj["actual_kib"] = a[0]
            return fmt("event 'balloon-change' for domain '%s': %lluKiB\n", n, a[0]), obj
        if event == "device-removed":
            obj["alias"] = a[0]
            return fmt("event 'device-removed' for domain '%s': %s\n", n, a[0]), obj
        if event == "device-added":
            obj["alias"] = a[0]
            return fmt("event 'device-added' for domain '%s': %s\n", n, a[0]), obj
        if event == "device-removal-failed":
            obj["alias"] = a[0]
            return fmt("event 'device-removal-failed' for domain '%s': %s\n", n, a[0]), obj
        if event in ("tunable", "job-completed"):
            params = a[0] or {}
            obj["params"] = params
            head = (fmt("event 'tunable' for domain '%s':\n", n) if event == "tunable"
                    else fmt("event 'job-completed' for domain '%s':\n", n))
            return head + "".join(f"\t{k}: {param_text(v)}\n" for k, v in params.items()), obj
        if event == "agent-lifecycle":
            state = names.name(names.AGENT_STATE, a[0], "unsupported value")
            reason = names.name(names.AGENT_REASON, a[1], "unsupported value")
            obj.update(state=state, reason=reason)
            return fmt("event 'agent-lifecycle' for domain '%s': state: '%s' reason: '%s'\n",
                       n, state, reason), obj
        if event == "migration-iteration":
            obj["iteration"] = a[0]
            return fmt("event 'migration-iteration' for domain '%s': iteration: '%d'\n", n, a[0]), obj
        if event == "metadata-change":
            kind = names.name(names.METADATA_TYPE, a[0], "unsupported value")
            obj.update(type=kind, uri=a[1])
            return fmt("event 'metadata-change' for domain '%s': type %s, uri %s\n", n, kind, _nullstr(a[1])), obj
        if event == "block-threshold":
            obj.update(dev=a[0], path=a[1], threshold=a[2], excess=a[3])
            return fmt("event 'block-threshold' for domain '%s': dev: %s(%s) %llu %llu\n",
                       n, a[0], _nullstr(a[1]), a[2], a[3]), obj
        if event == "memory-failure":
            recipient = names.name(names.MEMORY_FAILURE_RECIPIENT, a[0], "unsupported value")
            action = names.name(names.MEMORY_FAILURE_ACTION, a[1], "unsupported value")
            required, recursive = int(bool(a[2] & 1)), int(bool(a[2] & 2))
            obj.update(recipient=recipient, action=action, action_required=bool(required),
                       recursive=bool(recursive))
            return (fmt("event 'memory-failure' for domain '%s':\nrecipient: %s\naction: %s\n", n, recipient, action)
                    + fmt("flags:\n\taction required: %d\n\trecursive: %d\n", required, recursive)), obj
        if event == "memory-device-size-change":
            obj.update(alias=a[0], size=a[1])
            return fmt("event 'memory-device-size-change' for domain '%s':\nalias: %s\nsize: %llu\n",
                       n, a[0], a[1]), obj
        # reboot, control-error and the pm-* events carry nothing virsh prints.
        return fmt("event '%s' for domain '%s'\n", event, n), obj

    return render


def _nullstr(text: str | None) -> str:
    return "<null>" if text is None else text


def _addr(addr: dict[str, Any]) -> dict[str, Any]:
    return {"family": names.name(names.GRAPHICS_ADDRESS, addr.get("family", -1)),
            "node": addr.get("node"), "service": addr.get("service")}


def _addr_words(addr: dict[str, Any]) -> tuple[str, str, str]:
    """An address's family (virsh translates only its "unknown"), node and service."""
    family = names.name(names.GRAPHICS_ADDRESS, addr.get("family", -1), "")
    return family or _("unknown"), _nullstr(addr.get("node")), _nullstr(addr.get("service"))


@command("event", schema=EVENTS_SCHEMA,
         group="events", help="Domain Events",
         desc="List event types, or wait for domain events to occur",
         opts=event_opts(Str("domain", "filter by domain name, id or uuid", complete="domain", empty_ok=True), all_flag=True),
         exclusive=[("all", "event"), ("list", "all"), ("list", "event")])
def cmd_event(ctx: Session, domain: str | None, event: str | None, all: bool, loop: bool,
              timeout: str | None, list: bool, timestamp: bool) -> None:
    if list:
        list_events(ctx, names.DOMAIN_EVENTS)
        return
    if event is None and not all:
        raise VshError(msg("one of --list, --all, or --event <type> is required"))
    if event is not None and event not in names.DOMAIN_EVENTS:
        raise VshError(msg("unknown event type %s", event))
    wanted = [i for i, e in enumerate(names.DOMAIN_EVENTS) if event is None or e == event]
    seconds = timeout_seconds(timeout)
    dom = ctx.lookup.domain(object_filter("domain", domain)) if domain is not None else None
    conn = ctx.conn
    waiter = Waiter(ctx, loop, timestamp)

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

    listen(ctx, waiter, seconds, register, conn.domainEventDeregisterAny)
