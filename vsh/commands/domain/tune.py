"""Domain tuning: setmem, setmaxmem, vcpucount, setvcpus, vcpuinfo, desc, domhostname, schedinfo.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import CONFIG, CURRENT, DOMAIN, LIVE, affect, exclusive, required
from vsh.cpulist import format_bitmap
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import array, obj, rows, single
from vsh.session import Session
from vsh.spec import Alias, Argv, Flag, Int, Str
from vsh.typedparams import shown_value, typed_value
from vsh.i18n import _, fmt, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_CURRENT_EXCLUSIVE = [("current", "live"), ("current", "config")]


# setmem, setmaxmem ---------------------------------------------------------------------------

@command("setmem", group="domain", help="change memory allocation",
         desc="Change the current memory allocation in the guest domain.",
         opts=[DOMAIN(), Int("size", "new memory size, as scaled integer (default KiB)", conv="scaled", scale=1024,
                          required=True, late=True),
               Alias("kilobytes", "size"), CONFIG, LIVE, CURRENT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_setmem(ctx: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> None:
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    kib = (ctx.late("size", size) + 1023) // 1024
    if not (flags or current):
        # Without --config/--live/--current virsh sets the running domain only: a shut-off
        # domain fails (virsh 9.0 passes VIR_DOMAIN_AFFECT_LIVE, not "current").
        import libvirt

        flags = libvirt.VIR_DOMAIN_AFFECT_LIVE
    dom.setMemoryFlags(kib, flags)


@command("setmaxmem", group="domain", help="change maximum memory limit",
         desc="Change the maximum memory allocation limit in the guest domain.",
         opts=[DOMAIN(), Int("size", "new maximum memory size, as scaled integer (default KiB)", conv="scaled",
                          scale=1024, required=True, late=True),
               Alias("kilobytes", "size"), CONFIG, LIVE, CURRENT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_setmaxmem(ctx: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> None:
    import libvirt

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    kib = (ctx.late("size", size) + 1023) // 1024
    with failing(msg("Unable to change MaxMemorySize")):
        dom.setMemoryFlags(kib, flags | libvirt.VIR_DOMAIN_MEM_MAXIMUM)


# vcpucount, setvcpus -------------------------------------------------------------------------------

@command("vcpucount", schema=obj(count="integer?", maximum_config="integer?", maximum_live="integer?",
                    current_config="integer?", current_live="integer?"),
         group="domain", help="domain vcpu counts",
         desc="Returns the number of virtual CPUs used by the domain.",
         opts=[DOMAIN(),
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
    for pair in ({"live": live, "config": config}, {"current": current, "live": live},
                 {"current": current, "config": config}, {"active": active, "maximum": maximum},
                 {"guest": guest, "config": config}):
        exclusive(**pair)
    flags = ctx.flags(live=libvirt.VIR_DOMAIN_AFFECT_LIVE, config=libvirt.VIR_DOMAIN_AFFECT_CONFIG,
                      maximum=libvirt.VIR_DOMAIN_VCPU_MAXIMUM,
                      guest=libvirt.VIR_DOMAIN_VCPU_GUEST)
    dom = ctx.lookup.domain(domain)
    if not show_all:
        try:
            count = dom.vcpusFlags(flags)
        except libvirt.libvirtError as err:
            if guest:
                raise VshError(msg("Failed to retrieve vCPU count from the guest"), cause=err) from None
            raise
        record: dict[str, Any] = {"count": count, **{f"{k}_{w}": None for k in ("maximum", "current")
                                                        for w in ("config", "live")}}
        ctx.out.data(record, f"{count}\n")
        return
    # virsh skips the live rows of an inactive domain and the config rows of a transient one.
    skip = {"live": dom.isActive() != 1, "config": dom.isPersistent() != 1}
    rows: list[tuple[str, str, int | None]] = []
    for kind, kflag in (("maximum", libvirt.VIR_DOMAIN_VCPU_MAXIMUM), ("current", 0)):
        for where, wflag in (("config", libvirt.VIR_DOMAIN_AFFECT_CONFIG), ("live", libvirt.VIR_DOMAIN_AFFECT_LIVE)):
            if skip[where]:
                rows.append((kind, where, None))
                continue
            rows.append((kind, where, dom.vcpusFlags(kflag | wflag)))
    text = "".join(printf("%-12s %-12s %3d\n", _(kind), _(where), n) for kind, where, n in rows if n is not None)
    ctx.out.data({"count": None, **{f"{kind}_{where}": n for kind, where, n in rows}}, text)


@command("setvcpus", group="domain", help="change number of virtual CPUs",
         desc="Change the number of virtual CPUs in the guest domain.",
         opts=[DOMAIN(), Int("count", "number of virtual CPUs", conv="puint", required=True, late=True),
               Flag("maximum", "set maximum limit on next boot"),
               CONFIG, LIVE, CURRENT,
               Flag("guest", "modify cpu state in the guest"),
               Flag("hotpluggable", "make added vcpus hot(un)pluggable")],
         exclusive=_CURRENT_EXCLUSIVE + [("guest", "config")],
         requires=[("maximum", "config")])
def cmd_setvcpus(ctx: Session, domain: str, count: str, maximum: bool, config: bool, live: bool,
                 current: bool, guest: bool, hotpluggable: bool) -> None:
    import libvirt

    flags = affect(ctx) | ctx.flags(
        maximum=libvirt.VIR_DOMAIN_VCPU_MAXIMUM, guest=libvirt.VIR_DOMAIN_VCPU_GUEST,
        hotpluggable=libvirt.VIR_DOMAIN_VCPU_HOTPLUGGABLE)
    dom = ctx.lookup.domain(domain)
    n = ctx.late("count", count)
    if n <= 0:
        # The count is never negative here (the option is unsigned): virsh's message names 0.
        raise VshError(msg("Can't set 0 processors for a VM"))
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
                     affinity=array("integer"), host_cpus="integer"),
         group="domain", help="detailed domain vcpu information",
         desc="Returns basic information about the domain virtual CPUs.",
         opts=[DOMAIN(), Flag("pretty", "return human readable output")])
def cmd_vcpuinfo(ctx: Session, domain: str, pretty: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
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
                            "affinity": [c for c, on in enumerate(pins[n]) if on], "host_cpus": ncpus})
    else:
        for (number, vstate, cpu_time, cpu), cpumap in zip(infos, maps):
            records.append({"vcpu": number, "cpu": cpu,
                            "state": _VCPU_STATES[vstate] if 0 <= vstate < 3 else "no state",
                            "cpu_time_ns": cpu_time or None,
                            "affinity": [c for c, on in enumerate(cpumap) if on], "host_cpus": ncpus})
    lines: list[str] = []
    for i, rec in enumerate(records):
        if i:
            lines.append("")
        lines.append(printf("%-15s %d", _("VCPU:"), rec["vcpu"]))
        if rec["cpu"] is None:
            lines += [printf("%-15s %s", _(label), _("N/A")) for label in ("CPU:", "State:", "CPU time")]
        else:
            lines += [printf("%-15s %d", _("CPU:"), rec["cpu"]), printf("%-15s %s", _("State:"), _(rec["state"]))]
            if rec["cpu_time_ns"] is not None:
                lines.append(printf("%-15s %.1lfs", _("CPU time:"), rec["cpu_time_ns"] / 1e9))
        if pretty:
            lines.append(printf("%-15s ", _("CPU Affinity:")) + fmt("%s (out of %d)", format_bitmap(rec["affinity"]), ncpus))
        else:
            on = set(rec["affinity"])
            lines.append(printf("%-15s ", _("CPU Affinity:")) + "".join("y" if c in on else "-" for c in range(ncpus)))
    ctx.out.data(records, "".join(line + "\n" for line in lines))


# desc -----------------------------------------------------------------------------------------------

def _description(dom: Any, title: bool, config: bool) -> str:
    """virshGetDomainDescription: the metadata (the persistent one with --config, which a transient
    domain lacks), "" if none, the domain XML where the driver has no metadata call."""
    import libvirt
    from lxml import etree

    kind = libvirt.VIR_DOMAIN_METADATA_TITLE if title else libvirt.VIR_DOMAIN_METADATA_DESCRIPTION
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG if config else 0
    try:
        return str(dom.metadata(kind, None, flags))
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return ""
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
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
         opts=[DOMAIN(),
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

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    what = "title" if title else "description"
    if new_desc or edit:
        # virsh reads the old text first, even when a new one is given.
        old = _description(dom, title, config)
        text = " ".join(new_desc) if new_desc else old
        if edit:
            edited = _edit_text(ctx, text)
            # virsh drops one final newline of a title, which editors like to add.
            if title and edited.endswith("\n"):
                edited = edited[:-1]
            if edited == text:
                ctx.out.extra(fmt("Domain " + what + " not changed\n"), end="")
                return
            text = edited
        kind = libvirt.VIR_DOMAIN_METADATA_TITLE if title else libvirt.VIR_DOMAIN_METADATA_DESCRIPTION
        with failing(msg("Failed to set new domain " + what)):
            dom.setMetadata(kind, text, None, None, flags)
        ctx.out.extra(fmt("Domain " + what + " updated successfully"), end="")
        return
    text = _description(dom, title, config)
    if ctx.out.json:
        ctx.out.data({"title": text if title else None, "description": None if title else text})
    elif text:
        ctx.out.write(text)
    else:
        ctx.out.extra(fmt("No " + what + " for domain: %s", dom.name()), end="")


# domhostname -----------------------------------------------------------------

@command("domhostname", schema=single("hostname"),
         group="domain", help="print the domain's hostname",
         opts=[DOMAIN(complete="domain:active"), Str("source", "address source: 'lease' or 'agent'", empty_ok=True,
                                                      choices=("agent", "lease"))])
def cmd_domhostname(ctx: Session, domain: str, source: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    flags = 0
    required("source", source)
    if source is not None:
        sources = {"lease": libvirt.VIR_DOMAIN_GET_HOSTNAME_LEASE, "agent": libvirt.VIR_DOMAIN_GET_HOSTNAME_AGENT}
        if source not in sources:
            raise VshError(msg("Unknown data source '%s'", source))
        flags = sources[source]
    with failing(msg("failed to get hostname")):
        name = dom.hostname(flags)
    ctx.out.data({"hostname": name}, f"{name}\n")


# schedinfo ------------------------------------------------------------------------------------------

#: libvirt's typed-parameter types of the scheduler fields (the Python binding hides them).
_SCHED_TYPES = {"cpu_shares": "ullong", "global_period": "ullong", "global_quota": "llong",
                "vcpu_period": "ullong", "vcpu_quota": "llong", "emulator_period": "ullong",
                "emulator_quota": "llong", "iothread_period": "ullong", "iothread_quota": "llong",
                "weight": "uint", "cap": "uint", "reservation": "llong", "limit": "llong", "shares": "int"}


#: The scheduler fields with a unit and their JSON keys: periods and quotas are microseconds,
#: Xen's cap a percentage of one CPU, ESX's reservation and limit MHz; shares and weights have none.
SCHED_KEYS = {f"{part}_{what}": f"{part}_{what}_us" for part in ("global", "vcpu", "emulator", "iothread")
               for what in ("period", "quota")}
SCHED_KEYS.update(cap="cap_percent", reservation="reservation_mhz", limit="limit_mhz")


@command("schedinfo", schema=obj(scheduler="string", parameters=obj({}, extra="integer|number|string|boolean")),
         group="domain", help="show/set scheduler parameters", desc="Show/Set scheduler parameters.",
         opts=[DOMAIN(),
               Int("weight", "weight for XEN_CREDIT", conv=None, named_only=True, late=True),
               Int("cap", "cap for XEN_CREDIT", conv=None, named_only=True, late=True),
               Flag("current", "get/set current scheduler info"),
               Flag("config", "get/set value to be used on next boot"),
               Flag("live", "get/set value from running domain"),
               Argv("set", "parameter=value")],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_schedinfo(ctx: Session, domain: str, weight: str | None, cap: str | None, current: bool, config: bool,
                  live: bool, set: list[str]) -> None:

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    with failing("Failed to get scheduler type"):
        scheduler, nparams = dom.schedulerType()
    ctx.out.write(printf("%-15s: %s\n", _("Scheduler"), scheduler))
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
            raise VshError(msg("invalid scheduler option: %s", field))
        updates.append((field, typed_value(field, params[field], text, _SCHED_TYPES)))

    for item in set:
        if "=" not in item:
            raise VshError(msg("Invalid syntax for --set, expecting name=value"))
        field, _eq, text = item.partition("=")
        update(field, text)
    for name, raw in (("cap", cap), ("weight", weight)):
        required(name, raw)
        if raw is not None:
            update(name, raw)
    if updates:
        fields = [f for f, _v in updates]
        duplicate = next((f for i, f in enumerate(fields) if f in fields[:i]), None)
        if duplicate is not None and not ctx.readonly:
            # The Python binding takes a dict, so libvirt's own duplicate check is repeated here.
            raise VshError(msg("invalid argument: %s", msg("parameter '%s' occurs multiple times", duplicate)))
        values = dict(updates)
        if use_flags:
            dom.setSchedulerParametersFlags(values, flags)
        else:
            dom.setSchedulerParameters(values)
        params = fetch()
    elif live and config:
        raise VshError(msg("cannot query both live and config at once"))
    if ctx.out.json:
        ctx.out.data({"scheduler": scheduler,
                      "parameters": {SCHED_KEYS.get(field, field): value for field, value in params.items()}})
        return
    ctx.out.write("".join(f"{field:<15}: {shown_value(value)}\n" for field, value in params.items()))
