"""Domain tuning: setmem, setmaxmem, vcpucount, setvcpus, vcpuinfo, desc, domhostname, schedinfo.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

from typing import Any

from vsh.commands.common import CONFIG, CURRENT, DOM, LIVE, get_domain
from vsh.cpulist import format_bitmap
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import array, obj, rows, single
from vsh.session import Session
from vsh.spec import Alias, Argv, Flag, Int, Str
from vsh.typedparams import shown_value, typed_value


_CURRENT_EXCLUSIVE = [("current", "live"), ("current", "config")]


def _affect(ctx: Session, config: bool, live: bool) -> int:
    import libvirt

    return ctx.flags(config=(config, libvirt.VIR_DOMAIN_AFFECT_CONFIG), live=(live, libvirt.VIR_DOMAIN_AFFECT_LIVE))


def _exclusive(*pairs: tuple[str, bool, str, bool]) -> None:
    """VSH_EXCLUSIVE_OPTIONS_VAR where virsh checks it inside the body."""
    for a, given_a, b, given_b in pairs:
        if given_a and given_b:
            raise VshError(f"Options --{a} and --{b} are mutually exclusive")


# setmem, setmaxmem ---------------------------------------------------------------------------

@command("setmem", group="domain", help="change memory allocation",
         desc="Change the current memory allocation in the guest domain.",
         opts=[DOM(), Int("size", "new memory size, as scaled integer (default KiB)", conv="scaled", scale=1024,
                          required=True, late=True),
               Alias("kilobytes", "size"), CONFIG, LIVE, CURRENT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_setmem(ctx: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> None:
    flags = _affect(ctx, config, live)
    dom = get_domain(ctx, domain)
    kib = (ctx.late("size", size) + 1023) // 1024
    dom.setMemoryFlags(kib, flags)


@command("setmaxmem", group="domain", help="change maximum memory limit",
         desc="Change the maximum memory allocation limit in the guest domain.",
         opts=[DOM(), Int("size", "new maximum memory size, as scaled integer (default KiB)", conv="scaled",
                          scale=1024, required=True, late=True),
               Alias("kilobytes", "size"), CONFIG, LIVE, CURRENT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_setmaxmem(ctx: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> None:
    import libvirt

    flags = _affect(ctx, config, live)
    dom = get_domain(ctx, domain)
    kib = (ctx.late("size", size) + 1023) // 1024
    with failing("Unable to change MaxMemorySize"):
        dom.setMemoryFlags(kib, flags | libvirt.VIR_DOMAIN_MEM_MAXIMUM)


# vcpucount, setvcpus -------------------------------------------------------------------------------

@command("vcpucount", schema=obj(count="integer?", maximum_config="integer?", maximum_live="integer?",
                    current_config="integer?", current_live="integer?"),
         group="domain", help="domain vcpu counts",
         desc="Returns the number of virtual CPUs used by the domain.",
         opts=[DOM(),
               Flag("maximum", "get maximum count of vcpus"),
               Flag("active", "get number of currently active vcpus"),
               Flag("live", "get value from running domain"),
               Flag("config", "get value to be used on next boot"),
               Flag("current", "get value according to current domain state"),
               Flag("guest", "retrieve vcpu count from the guest instead of the hypervisor")])
def cmd_vcpucount(ctx: Session, domain: str, maximum: bool, active: bool, live: bool, config: bool,
                  current: bool, guest: bool) -> None:
    import libvirt

    show_all = not (maximum or active or current or config or live or guest)
    # Before libvirt 0.9.4 --current meant the opposite of --maximum; virsh still reads a
    # lone --current (without --maximum or --active) as --active.
    if current and not maximum and not active:
        active, current = True, False
    _exclusive(("live", live, "config", config), ("current", current, "live", live),
               ("current", current, "config", config), ("active", active, "maximum", maximum),
               ("guest", guest, "config", config))
    flags = ctx.flags(live=(live, libvirt.VIR_DOMAIN_AFFECT_LIVE), config=(config, libvirt.VIR_DOMAIN_AFFECT_CONFIG),
                      maximum=(maximum, libvirt.VIR_DOMAIN_VCPU_MAXIMUM),
                      guest=(guest, libvirt.VIR_DOMAIN_VCPU_GUEST))
    dom = get_domain(ctx, domain)
    if not show_all:
        try:
            count = dom.vcpusFlags(flags)
        except libvirt.libvirtError as err:
            if guest:
                raise VshError("Failed to retrieve vCPU count from the guest", cause=err) from None
            raise
        record: dict[str, Any] = {"count": count, **{f"{k}_{w}": None for k in ("maximum", "current")
                                                        for w in ("config", "live")}}
        ctx.out.data(record, f"{count}\n")
        return
    running = dom.isActive() == 1
    rows: list[tuple[str, str, int | None]] = []
    for kind, kflag in (("maximum", libvirt.VIR_DOMAIN_VCPU_MAXIMUM), ("current", 0)):
        for where, wflag in (("config", libvirt.VIR_DOMAIN_AFFECT_CONFIG), ("live", libvirt.VIR_DOMAIN_AFFECT_LIVE)):
            if where == "live" and not running:
                rows.append((kind, where, None))
                continue
            rows.append((kind, where, dom.vcpusFlags(kflag | wflag)))
    text = "".join(f"{kind:<12} {where:<12} {n:>3}\n" for kind, where, n in rows if n is not None)
    ctx.out.data({"count": None, **{f"{kind}_{where}": n for kind, where, n in rows}}, text)


@command("setvcpus", group="domain", help="change number of virtual CPUs",
         desc="Change the number of virtual CPUs in the guest domain.",
         opts=[DOM(), Int("count", "number of virtual CPUs", conv="puint", required=True, late=True),
               Flag("maximum", "set maximum limit on next boot"),
               CONFIG, LIVE, CURRENT,
               Flag("guest", "modify cpu state in the guest"),
               Flag("hotpluggable", "make added vcpus hot(un)pluggable")],
         exclusive=_CURRENT_EXCLUSIVE + [("guest", "config")],
         requires=[("maximum", "config")])
def cmd_setvcpus(ctx: Session, domain: str, count: str, maximum: bool, config: bool, live: bool,
                 current: bool, guest: bool, hotpluggable: bool) -> None:
    import libvirt

    flags = _affect(ctx, config, live) | ctx.flags(
        maximum=(maximum, libvirt.VIR_DOMAIN_VCPU_MAXIMUM), guest=(guest, libvirt.VIR_DOMAIN_VCPU_GUEST),
        hotpluggable=(hotpluggable, libvirt.VIR_DOMAIN_VCPU_HOTPLUGGABLE))
    dom = get_domain(ctx, domain)
    n = ctx.late("count", count)
    if n <= 0:
        raise VshError(f"Can't set {n} processors for a VM")
    if flags or current:
        dom.setVcpusFlags(n, flags)
    else:
        dom.setVcpus(n)


# vcpuinfo ---------------------------------------------------------------------------------------

_VCPU_STATES = ("offline", "running", "blocked")


def _config_vcpus(dom: Any) -> list[int]:
    """The vCPUs enabled in the persistent definition (virshDomainGetVcpuBitmap)."""
    import libvirt
    from lxml import etree

    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode("utf-8"))
    listed = root.findall("vcpus/vcpu")
    if listed:
        return sorted(int(v.get("id")) for v in listed if v.get("enabled") == "yes")
    vcpu = root.find("vcpu")
    total = int(vcpu.text) if vcpu is not None and vcpu.text else 0
    return list(range(int(vcpu.get("current", total)) if vcpu is not None else total))


@command("vcpuinfo", schema=rows(vcpu="integer", cpu="integer?", state="string?", cpu_time_ns="integer?",
                     affinity=array("integer"), cpus="integer"),
         group="domain", help="detailed domain vcpu information",
         desc="Returns basic information about the domain virtual CPUs.",
         opts=[DOM(), Flag("pretty", "return human readable output")])
def cmd_vcpuinfo(ctx: Session, domain: str, pretty: bool) -> None:
    import libvirt

    dom = get_domain(ctx, domain)
    ncpus = ctx.conn.getCPUMap(0)[0]
    state = dom.info()[0]
    records: list[dict[str, Any]] = []
    try:
        infos, maps = dom.vcpus()
    except libvirt.libvirtError:
        if state != libvirt.VIR_DOMAIN_SHUTOFF:
            raise
        # An inactive domain has no vCPU threads: virsh shows the pinning of the definition.
        pins = dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        for n in _config_vcpus(dom):
            records.append({"vcpu": n, "cpu": None, "state": None, "cpu_time_ns": None,
                            "affinity": [c for c, on in enumerate(pins[n]) if on], "cpus": ncpus})
    else:
        for (number, vstate, cpu_time, cpu), cpumap in zip(infos, maps):
            records.append({"vcpu": number, "cpu": cpu,
                            "state": _VCPU_STATES[vstate] if 0 <= vstate < 3 else "no state",
                            "cpu_time_ns": cpu_time or None,
                            "affinity": [c for c, on in enumerate(cpumap) if on], "cpus": ncpus})
    lines: list[str] = []
    for i, rec in enumerate(records):
        if i:
            lines.append("")
        lines.append(f"{'VCPU:':<15} {rec['vcpu']}")
        if rec["cpu"] is None:
            lines += [f"{'CPU:':<15} N/A", f"{'State:':<15} N/A", f"{'CPU time':<15} N/A"]
        else:
            lines += [f"{'CPU:':<15} {rec['cpu']}", f"{'State:':<15} {rec['state']}"]
            if rec["cpu_time_ns"] is not None:
                lines.append(f"{'CPU time:':<15} {rec['cpu_time_ns'] / 1e9:.1f}s")
        if pretty:
            lines.append(f"{'CPU Affinity:':<15} {format_bitmap(rec['affinity'])} (out of {ncpus})")
        else:
            on = set(rec["affinity"])
            lines.append(f"{'CPU Affinity:':<15} " + "".join("y" if c in on else "-" for c in range(ncpus)))
    ctx.out.data(records, "".join(line + "\n" for line in lines))


# desc -----------------------------------------------------------------------------------------------

def _description(dom: Any, title: bool, config: bool) -> str:
    """virshGetDomainDescription: read from the domain XML (the inactive one with --config); "" if none."""
    import libvirt
    from lxml import etree

    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0)
    return etree.fromstring(xml.encode("utf-8")).findtext("title" if title else "description") or ""


def _edit_text(ctx: Session, text: str) -> str:
    """The text after the user's $EDITOR has been at it (virsh's vshEdit* helpers)."""
    import os

    from vsh.editor import read_back, run_editor, write_temp

    path = write_temp(text)
    try:
        run_editor(ctx, path)
        return read_back(path)
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


@command("desc", schema=obj(title="string?", description="string?"),
         group="domain", help="show or set domain's description or title",
         desc="Allows setting or modifying the description or title of a domain.",
         opts=[DOM(),
               Flag("live", "modify/get running state"),
               Flag("config", "modify/get persistent configuration"),
               Flag("current", "modify/get current state configuration"),
               Flag("title", "modify/get the title instead of description"),
               Flag("edit", "open an editor to modify the description"),
               Argv("new-desc", "message")],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_desc(ctx: Session, domain: str, live: bool, config: bool, current: bool, title: bool, edit: bool,
             new_desc: list[str]) -> None:
    import libvirt

    flags = _affect(ctx, config, live)
    dom = get_domain(ctx, domain)
    what = "title" if title else "description"
    if new_desc or edit:
        text = " ".join(new_desc) if new_desc else _description(dom, title, config)
        if edit:
            edited = _edit_text(ctx, text)
            # virsh drops one final newline of a title, which editors like to add.
            if title and edited.endswith("\n"):
                edited = edited[:-1]
            if edited == text:
                ctx.out.extra(f"Domain {what} not changed\n", end="")
                return
            text = edited
        kind = libvirt.VIR_DOMAIN_METADATA_TITLE if title else libvirt.VIR_DOMAIN_METADATA_DESCRIPTION
        with failing(f"Failed to set new domain {what}"):
            dom.setMetadata(kind, text, None, None, flags)
        ctx.out.extra(f"Domain {what} updated successfully", end="")
        return
    text = _description(dom, title, config)
    if ctx.out.json:
        ctx.out.data({"title": text if title else None, "description": None if title else text})
    elif text:
        ctx.out.write(text)
    else:
        ctx.out.extra(f"No {what} for domain: {dom.name()}", end="")


# domhostname -----------------------------------------------------------------

@command("domhostname", schema=single("hostname"),
         group="domain", help="print the domain's hostname",
         opts=[DOM(complete="domain:active"), Str("source", "address source: 'lease' or 'agent'", empty_ok=True,
                                                      choices=("agent", "lease"))])
def cmd_domhostname(ctx: Session, domain: str, source: str | None) -> None:
    import libvirt

    dom = get_domain(ctx, domain)
    flags = 0
    if source == "":
        raise VshError("Failed to get option 'source': Option argument is empty")
    if source is not None:
        sources = {"lease": libvirt.VIR_DOMAIN_GET_HOSTNAME_LEASE, "agent": libvirt.VIR_DOMAIN_GET_HOSTNAME_AGENT}
        if source not in sources:
            raise VshError(f"Unknown data source '{source}'")
        flags = sources[source]
    with failing("failed to get hostname"):
        name = dom.hostname(flags)
    ctx.out.data({"hostname": name}, f"{name}\n")


# schedinfo ------------------------------------------------------------------------------------------

#: libvirt's typed-parameter types of the scheduler fields (the Python binding hides them).
_SCHED_TYPES = {"cpu_shares": "ullong", "global_period": "ullong", "global_quota": "llong",
                "vcpu_period": "ullong", "vcpu_quota": "llong", "emulator_period": "ullong",
                "emulator_quota": "llong", "iothread_period": "ullong", "iothread_quota": "llong",
                "weight": "uint", "cap": "uint", "reservation": "llong", "limit": "llong", "shares": "int"}


@command("schedinfo", schema=obj(scheduler="string", parameters=obj({}, extra="integer|number|string|boolean")),
         group="domain", help="show/set scheduler parameters", desc="Show/Set scheduler parameters.",
         opts=[DOM(),
               Int("weight", "weight for XEN_CREDIT", conv=None, named_only=True, late=True),
               Int("cap", "cap for XEN_CREDIT", conv=None, named_only=True, late=True),
               Flag("current", "get/set current scheduler info"),
               Flag("config", "get/set value to be used on next boot"),
               Flag("live", "get/set value from running domain"),
               Argv("set", "parameter=value")],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_schedinfo(ctx: Session, domain: str, weight: str | None, cap: str | None, current: bool, config: bool,
                  live: bool, set: list[str]) -> None:

    flags = _affect(ctx, config, live)
    dom = get_domain(ctx, domain)
    with failing("Failed to get scheduler type"):
        scheduler, nparams = dom.schedulerType()
    ctx.out.write(f"{'Scheduler':<15}: {scheduler}\n")
    if not nparams:
        ctx.out.data({"scheduler": scheduler, "parameters": {}})
        return
    use_flags = bool(flags or current)
    # Live and config cannot be read at once: virsh reads the current state then.
    query = 0 if (live and config) else flags

    def fetch() -> dict[str, Any]:
        return dom.schedulerParametersFlags(query) if use_flags else dom.schedulerParameters()

    params = fetch()
    updates: list[tuple[str, Any]] = []

    def update(field: str, text: str) -> None:
        if field not in params:
            raise VshError(f"invalid scheduler option: {field}")
        updates.append((field, typed_value(field, params[field], text, _SCHED_TYPES)))

    for item in set:
        if "=" not in item:
            raise VshError("Invalid syntax for --set, expecting name=value")
        field, _eq, text = item.partition("=")
        update(field, text)
    for name, raw in (("cap", cap), ("weight", weight)):
        if raw == "":
            raise VshError(f"Failed to get option '{name}': Option argument is empty")
        if raw is not None:
            update(name, raw)
    if updates:
        fields = [f for f, _v in updates]
        duplicate = next((f for i, f in enumerate(fields) if f in fields[:i]), None)
        if duplicate is not None and not ctx.readonly:
            # The Python binding takes a dict, so libvirt's own duplicate check is repeated here.
            raise VshError(f"invalid argument: parameter '{duplicate}' occurs multiple times")
        values = dict(updates)
        if use_flags:
            dom.setSchedulerParametersFlags(values, flags)
        else:
            dom.setSchedulerParameters(values)
        params = fetch()
    elif live and config:
        raise VshError("cannot query both live and config at once")
    if ctx.out.json:
        ctx.out.data({"scheduler": scheduler, "parameters": params})
        return
    ctx.out.write("".join(f"{field:<15}: {shown_value(value)}\n" for field, value in params.items()))
