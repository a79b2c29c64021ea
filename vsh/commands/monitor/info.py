"""dominfo, domstate, domcontrol, domtime: one domain's state and facts."""
from __future__ import annotations


from vsh import domstate
from vsh.commands.common import (DOMAIN)
from vsh.commands.monitor.query import UINT_MAX, domain_state
from vsh.errors import from_libvirt
from vsh.registry import command
from vsh.schema import array, obj
from vsh.session import Session
from vsh.spec import Flag, Int
from vsh.i18n import _, fmt, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@command("dominfo", group="monitor", help="domain information",
         desc="Returns basic information about the domain.", opts=[DOMAIN()],
         schema=obj(id="integer?", name="string", uuid="string?", os_type="string?", state="string?",
                    active="boolean", vcpus="integer?", cpu_time_ns="integer?", max_memory_kib="integer?", memory_kib="integer?",
                    persistent="boolean?", autostart="boolean?", managed_save="boolean?",
                    security_model="string?", security_doi="string?", security_label="string?",
                    security_enforcing="boolean?", messages=array("string")))
def cmd_dominfo(ctx: Session, domain: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    items: list[tuple[str, str, Any, str]] = []
    record: dict[str, Any] = {k: None for k in ("id", "name", "uuid", "os_type", "state", "active", "vcpus",
                                                 "cpu_time_ns", "max_memory_kib", "memory_kib")}

    def add(key: str, label: str, value: Any, text: str) -> None:
        items.append((key, label, value, text))
        record[key] = value

    from vsh import rpc

    # Every call dominfo makes goes out at once; the answers are read in virsh's order below.
    got = dict(zip(("os_type", "info", "persistent", "autostart", "saved", "model", "label", "messages"),
                   rpc.run(ctx.conn, [dom.OSType, dom.info, dom.isPersistent, dom.autostart,
                                      lambda: dom.hasManagedSaveImage(0), ctx.conn.getSecurityModel,
                                      dom.securityLabel, lambda: dom.messages(0)])))
    failure: Exception | None = None
    dom_id = dom.ID()
    record["active"] = dom_id >= 0  # libvirt gives an inactive domain the ID -1
    add("id", "Id:", dom_id if dom_id >= 0 else None, str(dom_id) if dom_id >= 0 else "-")
    add("name", "Name:", dom.name(), dom.name())
    try:
        add("uuid", "UUID:", dom.UUIDString(), dom.UUIDString())
    except libvirt.libvirtError:
        pass
    try:
        os_type = got["os_type"].get()
        add("os_type", "OS Type:", os_type, os_type)
    except libvirt.libvirtError:
        pass
    try:
        state, max_mem, memory, cpus, cpu_time = got["info"].get()
    except libvirt.libvirtError as err:
        failure = err
    else:
        add("state", "State:", domstate.state_name(state), domstate.state_text(state))
        add("vcpus", "CPU(s):", cpus, str(cpus))
        if cpu_time != 0:
            seconds = cpu_time / 1000000000.0
            add("cpu_time_ns", "CPU time:", cpu_time, printf("%.1lfs", seconds))
        if max_mem != UINT_MAX:
            add("max_memory_kib", "Max memory:", max_mem, f"{max_mem} KiB")
        else:
            add("max_memory_kib", "Max memory:", None, _("no limit"))
        add("memory_kib", "Used memory:", memory, f"{memory} KiB")
    try:
        persistent = got["persistent"].get()
        add("persistent", "Persistent:", bool(persistent), _("yes") if persistent else _("no"))
    except libvirt.libvirtError:
        add("persistent", "Persistent:", None, _("unknown"))
    try:
        autostart = got["autostart"].get()
        add("autostart", "Autostart:", bool(autostart), _("enable") if autostart else _("disable"))
    except libvirt.libvirtError:
        record["autostart"] = None
    try:
        saved = got["saved"].get()
        add("managed_save", "Managed save:", bool(saved), _("yes") if saved else _("no"))
    except libvirt.libvirtError:
        add("managed_save", "Managed save:", None, _("unknown"))
    for key in ("security_model", "security_doi", "security_label", "security_enforcing"):
        record[key] = None
    record["messages"] = []
    fatal: Exception | None = None
    try:
        model, doi = got["model"].get()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            fatal = err
        model = ""
    if fatal is None and model:
        add("security_model", "Security model:", model, model)
        add("security_doi", "Security DOI:", doi, doi)
        # Labels exist only while the domain runs.
        try:
            label, enforcing = got["label"].get()
        except libvirt.libvirtError as err:
            fatal = err
        else:
            if label:
                add("security_label", "Security label:", label,
                    "%s (%s)" % (label, _("enforcing") if enforcing else _("permissive")))
                record["security_enforcing"] = bool(enforcing)
    if fatal is None:
        try:
            messages = got["messages"].get() or []
        except libvirt.libvirtError:
            messages = []
        for i, message in enumerate(messages):
            items.append(("messages", "Messages:" if i == 0 else "", message, message))
        record["messages"] = list(messages)
    # virsh stops at a security failure; a failed GetInfo only fails the command at the end.
    failure = fatal or failure
    if not ctx.out.json:
        ctx.out.kv(items, width=15)
    if failure is not None:
        raise from_libvirt(failure)
    ctx.out.data(record)


@command("domstate", group="monitor", help="domain state", desc="Returns state about a domain.",
         opts=[DOMAIN(), Flag("reason", "also print reason for the state")],
         schema=obj(state="string", reason="string"))
def cmd_domstate(ctx: Session, domain: str, reason: bool) -> None:
    dom = ctx.lookup.domain(domain)
    state, why = domain_state(dom)
    name, why_name = domstate.state_name(state), domstate.reason_name(state, why)
    shown = domstate.state_text(state)
    text = f"{shown} ({domstate.reason_text(state, why)})\n" if reason else f"{shown}\n"
    ctx.out.data({"state": name, "reason": why_name}, text)

_CONTROL_STATES = ("ok", "background job", "occupied", "error")


_CONTROL_REASONS = ("none", "unknown", "monitor failure", "internal (locking) error")


@command("domcontrol", group="monitor", help="domain control interface state",
         desc="Returns state of a control interface to the domain.", opts=[DOMAIN(complete="domain:active")],
         schema=obj(state="string", reason="string?", state_time_seconds="number?"))
def cmd_domcontrol(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    state, details, state_time = dom.controlInfo(0)
    name = _CONTROL_STATES[state] if 0 <= state < len(_CONTROL_STATES) else "unknown"
    record: dict[str, Any] = {"state": name, "reason": None, "state_time_seconds": None}
    if state not in (0, 3):
        record["state_time_seconds"] = state_time / 1000.0
        text = printf("%s (%0.3fs)\n", _(name), state_time / 1000.0)
    elif state == 3 and details > 0:
        record["reason"] = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        text = f"{_(name)}: {_(record['reason'])}\n"
    else:
        text = f"{_(name)}\n"
    ctx.out.data(record, text)


@command("domtime", group="monitor", help="domain time", desc="Gets or sets the domain's system time",
         opts=[DOMAIN(complete="domain:active"), Flag("now", "set to the time of the host running virsh"),
               Flag("pretty", "print domain's time in human readable form"),
               Flag("sync", "instead of setting given time, synchronize from domain's RTC"),
               Int("time", "time to set", conv="long", late=True)],
         exclusive=[("time", "now"), ("time", "sync"), ("now", "sync")],
         schema=obj(time="string?", time_seconds="integer", time_ns="integer"))
def cmd_domtime(ctx: Session, domain: str, now: bool, pretty: bool, sync: bool, time: str | None) -> None:
    import time as clock

    import libvirt

    dom = ctx.lookup.domain(domain)
    seconds = ctx.late("time", time)
    if seconds is not None or now or sync:
        if now:
            seconds = int(clock.time())
        dom.setTime({"seconds": seconds or 0, "nseconds": 0},
                    libvirt.VIR_DOMAIN_TIME_SYNC if sync else 0)
        return
    got = dom.getTime(0)
    secs = got["seconds"]
    try:
        shown = clock.strftime("%Y-%m-%d %H:%M:%S", clock.gmtime(secs))
    except (OverflowError, OSError, ValueError):
        shown = "(null)"
    try:
        iso: str | None = clock.strftime("%Y-%m-%dT%H:%M:%SZ", clock.gmtime(secs))
    except (OverflowError, OSError, ValueError):
        iso = None
    ctx.out.data({"time": iso, "time_seconds": secs, "time_ns": secs * 1000000000 + got.get("nseconds", 0)})
    # virsh prints the time without a newline; the blank line after every command ends it.
    ctx.out.write(fmt("Time: %s", shown) if pretty else fmt("Time: %lld", secs))
