"""Domain CPU affinity and IOThreads: vcpupin, emulatorpin, iothreadinfo, iothreadpin, iothreadadd,
iothreadset, iothreaddel; cpu-stats.

CPU lists are read as virsh reads them (vsh.cpulist: `0-3,^2`, `r` for every host CPU).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import CONFIG, CURRENT, DOMAIN, LIVE, affect, int_opt, required
from vsh.cpulist import cpu_count, cpus_of, format_cpumap, parse_cpulist
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import array, nullable, obj, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Int, Str
from vsh.typedparams import shown_value
from vsh.i18n import _, fmt, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_CURRENT_EXCLUSIVE = [("current", "live"), ("current", "config")]


_AFFECT = [CONFIG, LIVE, CURRENT]


def _as_c_int(value: int) -> int:
    """An unsigned int for a binding argument parsed as a C int: the same 32 bits.

    libvirt-python reads vCPU and IOThread numbers as signed ints while libvirt takes
    them unsigned; virsh passes any unsigned value, so values past INT_MAX go as their
    two's-complement twins rather than failing in the binding.
    """
    return value - 2**32 if value > 2**31 - 1 else value


def _affinity_rows(pairs: list[tuple[str, int, Any]]) -> list[dict[str, Any]]:
    return [{key: n, "affinity": cpus_of(cpumap), "text": format_cpumap(cpumap)} for key, n, cpumap in pairs]


# vcpupin ---------------------------------------------------------------------------------------

def _vcpu_count(dom: Any, flags: int) -> int:
    """virshCPUCountCollect with VIR_DOMAIN_VCPU_MAXIMUM and the state check, as vcpupin uses it."""
    import libvirt

    if (flags & libvirt.VIR_DOMAIN_AFFECT_LIVE and dom.isActive() < 1) or (
            flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG and dom.isPersistent() < 1):
        if flags & libvirt.VIR_DOMAIN_AFFECT_LIVE:
            raise VshError(msg("cannot get vcpupin for offline domain"))
        raise VshError(msg("cannot get vcpupin for transient domain"))
    try:
        return int(dom.vcpusFlags(flags | libvirt.VIR_DOMAIN_VCPU_MAXIMUM))
    except libvirt.libvirtError as err:
        if err.get_error_code() not in (libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_INVALID_ARG):
            raise
    # An old daemon without virDomainGetVcpusFlags: virsh falls back to older calls.
    if flags & libvirt.VIR_DOMAIN_AFFECT_LIVE or (
            not flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG and dom.isActive() == 1):
        return int(dom.maxVcpus())
    from lxml import etree

    text = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode("utf-8")).findtext("vcpu")
    try:
        return int(text or "")
    except ValueError:
        raise VshError(msg("Failed to retrieve maximum vcpu count")) from None


@command("vcpupin", schema=rows(vcpu="integer", affinity=array("integer")),
         group="domain", help="control or query domain vcpu affinity",
         desc="Pin domain VCPUs to host physical CPUs.",
         opts=[DOMAIN(), Int("vcpu", "vcpu number", conv="puint", complete="domain-vcpu", late=True),
               Str("cpulist", "host cpu number(s) to set, or omit option to query", empty_ok=True,
                   complete="host-cpu", comma=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_vcpupin(ctx: Session, domain: str, vcpu: str | None, cpulist: str | None, config: bool, live: bool,
                current: bool) -> None:
    import libvirt

    flags = affect(ctx)
    if cpulist is None and live and config:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "live", "config"))
    number = ctx.late("vcpu", vcpu)
    if cpulist is not None and number is None:
        raise VshError(msg("vcpupin: Missing vCPU number in pin mode."))
    maxcpu = cpu_count(ctx.conn)
    dom = ctx.lookup.domain(domain)
    if cpulist is None:
        ncpus = _vcpu_count(dom, flags)
        if number is not None and number >= ncpus:
            where = "live" if flags & libvirt.VIR_DOMAIN_AFFECT_LIVE or (
                not flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG and dom.isActive() == 1) else "persistent"
            raise VshError(msg("vcpu %d is out of range of " + where + " cpu count %d", number, ncpus))
        from vsh.capi import vcpu_pin_info

        maps = vcpu_pin_info(dom, ncpus, maxcpu, flags)
        rows = [r for r in _affinity_rows([("vcpu", n, m) for n, m in enumerate(maps)])
                if number is None or r["vcpu"] == number]
        ctx.out.table([Column("vcpu", "VCPU"), Column("text", "CPU Affinity")], rows,
                      json_obj=[{"vcpu": r["vcpu"], "affinity": r["affinity"]} for r in rows])
        return
    cpumap = parse_cpulist(cpulist, maxcpu)
    if flags == 0 and not current:
        dom.pinVcpu(_as_c_int(number), cpumap)
    else:
        dom.pinVcpuFlags(_as_c_int(number), cpumap, flags)


# emulatorpin ----------------------------------------------------------------------------------

@command("emulatorpin", schema=single("affinity", array("integer")),
         group="domain", help="control or query domain emulator affinity",
         desc="Pin domain emulator threads to host physical CPUs.",
         opts=[DOMAIN(), Str("cpulist", "host cpu number(s) to set, or omit option to query", empty_ok=True,
                          complete="host-cpu", comma=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_emulatorpin(ctx: Session, domain: str, cpulist: str | None, config: bool, live: bool,
                    current: bool) -> None:
    import libvirt

    flags = affect(ctx)
    given = config or live or current
    dom = ctx.lookup.domain(domain)
    maxcpu = cpu_count(ctx.conn)
    if cpulist is None:
        cpumap = dom.emulatorPinInfo(flags)[:maxcpu]
        ctx.out.extra(printf("%s %s", _("emulator:"), _("CPU Affinity")))
        ctx.out.extra("----------------------------------")
        ctx.out.extra("       *: ", end="")
        ctx.out.data({"affinity": cpus_of(cpumap)}, format_cpumap(cpumap) + "\n")
        return
    cpumap = parse_cpulist(cpulist, maxcpu)
    # With no --config/--live/--current virsh pins the running emulator only.
    dom.pinEmulator(cpumap, flags if given else libvirt.VIR_DOMAIN_AFFECT_LIVE)


# iothreads ------------------------------------------------------------------------------------

def _iothread_id(ctx: Session, raw: str | None) -> int:
    """The --id of iothreadadd/set/del: an int, and a positive one."""
    value = ctx.late("id", raw)
    if value <= 0:
        raise VshError(msg("Invalid IOThread id value: '%d'", value))
    return int(value)


@command("iothreadinfo", schema=rows(iothread="integer", affinity=array("integer")),
         group="domain", help="view domain IOThreads",
         desc="Returns basic information about the domain IOThreads.",
         opts=[DOMAIN(), *_AFFECT], exclusive=_CURRENT_EXCLUSIVE)
def cmd_iothreadinfo(ctx: Session, domain: str, config: bool, live: bool, current: bool) -> None:
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    with failing(msg("Unable to get domain IOThreads information")):
        infos = dom.ioThreadInfo(flags)
    if not infos:
        if ctx.out.json:
            ctx.out.data([])
        else:
            ctx.out.extra(fmt("No IOThreads found for the domain"), end="")
        return
    rows = _affinity_rows([("iothread", n, m) for n, m in infos])
    ctx.out.table([Column("iothread", "IOThread ID"), Column("text", "CPU Affinity")], rows,
                  json_obj=[{"iothread": r["iothread"], "affinity": r["affinity"]} for r in rows])


@command("iothreadpin", group="domain", json=False, help="control domain IOThread affinity",
         desc="Pin domain IOThreads to host physical CPUs.",
         opts=[DOMAIN(), Int("iothread", "IOThread ID number", conv="puint", required=True, late=True,
                          complete="domain-iothread"),
               Data("cpulist", "host cpu number(s) to set", empty_ok=True, complete="host-cpu", comma=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_iothreadpin(ctx: Session, domain: str, iothread: str, cpulist: str, config: bool, live: bool,
                    current: bool) -> None:
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    number = ctx.late("iothread", iothread)
    required("cpulist", cpulist)
    cpumap = parse_cpulist(cpulist, cpu_count(ctx.conn))
    dom.pinIOThread(_as_c_int(number), cpumap, flags)


@command("iothreadadd", group="domain", json=False, help="add an IOThread to the guest domain",
         desc="Add an IOThread to the guest domain.",
         opts=[DOMAIN(), Int("id", "iothread for the new IOThread", required=True, late=True), *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_iothreadadd(ctx: Session, domain: str, id: str, config: bool, live: bool, current: bool) -> None:
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    dom.addIOThread(_iothread_id(ctx, id), flags)


#: iothreadset's options: (option, typed-parameter field, C type, value conversion).
_IOTHREAD_PARAMS = (("poll-max-ns", "poll_max_ns", "ullong", "pulong"),
                    ("poll-grow", "poll_grow", "uint", "puint"),
                    ("poll-shrink", "poll_shrink", "uint", "puint"),
                    ("thread-pool-min", "thread_pool_min", "int", "int"),
                    ("thread-pool-max", "thread_pool_max", "int", "int"))


@command("iothreadset", group="domain", json=False, help="modifies an existing IOThread of the guest domain",
         desc="Modifies an existing IOThread of the guest domain.",
         opts=[DOMAIN(), Int("id", "iothread id of existing IOThread", required=True, late=True,
                          complete="domain-iothread"),
               Int("poll-max-ns", "set the maximum IOThread polling time in ns", conv="pulong", late=True),
               Int("poll-grow", "set the value to increase the IOThread polling time", conv="puint", late=True),
               Int("poll-shrink", "set the value for reduction of the IOThread polling time", conv="puint",
                   late=True),
               Int("thread-pool-min", "lower boundary for worker thread pool", late=True),
               Int("thread-pool-max", "upper boundary for worker thread pool", late=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_iothreadset(ctx: Session, domain: str, id: str, poll_max_ns: str | None, poll_grow: str | None,
                    poll_shrink: str | None, thread_pool_min: str | None, thread_pool_max: str | None,
                    config: bool, live: bool, current: bool) -> None:
    from vsh.capi import TypedParam, set_params

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    number = _iothread_id(ctx, id)
    raw = {"poll-max-ns": poll_max_ns, "poll-grow": poll_grow, "poll-shrink": poll_shrink,
           "thread-pool-min": thread_pool_min, "thread-pool-max": thread_pool_max}
    params = []
    for opt, field, kind, _conv in _IOTHREAD_PARAMS:
        value = ctx.late(opt, raw[opt])
        if value is not None:
            params.append(TypedParam(field, kind, value))
    if not params:
        raise VshError(msg("Not enough arguments passed, nothing to set"))
    set_params(dom, "virDomainSetIOThreadParams", params, flags, lead=[number])


@command("iothreaddel", group="domain", json=False, help="delete an IOThread from the guest domain",
         desc="Delete an IOThread from the guest domain.",
         opts=[DOMAIN(), Int("id", "iothread_id for the IOThread to delete", required=True, late=True,
                          complete="domain-iothread"),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_iothreaddel(ctx: Session, domain: str, id: str, config: bool, live: bool, current: bool) -> None:
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    dom.delIOThread(_iothread_id(ctx, id), flags)


# cpu-stats -----------------------------------------------------------------------------

_CPU_TIMES = ("cpu_time", "vcpu_time", "user_time", "system_time")


def _cpu_keys(stats: dict[str, Any]) -> dict[str, Any]:
    """libvirt's CPU stats fields as JSON keys: its times are nanoseconds."""
    return {k + "_ns" if k in _CPU_TIMES else k: v for k, v in stats.items()}


def _cpu_field(field: str, value: Any) -> str:
    if field in _CPU_TIMES and isinstance(value, int) and not isinstance(value, bool):
        return f"\t{field:<12} {value // 1000000000:9d}.{value % 1000000000:09d} seconds\n"
    return f"\t{field:<12} {shown_value(value)}\n"


@command("cpu-stats", schema=obj(cpus=rows(obj({"cpu": "integer"}, extra="integer")), total=nullable(obj({},
                                 extra="integer"))),
         group="domain", help="show domain cpu statistics",
         desc="Display per-CPU and total statistics about the domain's CPUs",
         opts=[DOMAIN(complete="domain:active"), Flag("total", "Show total statistics only"),
               Int("start", "Show statistics from this CPU", conv=None, empty_ok=True),
               Int("count", "Number of shown CPUs at most", conv=None, empty_ok=True)])
def cmd_cpu_stats(ctx: Session, domain: str, total: bool, start: str | None, count: str | None) -> None:

    dom = ctx.lookup.domain(domain)
    first, shown = int_opt("start", start), int_opt("count", count)
    per_cpu = False
    if first is not None:
        if first < 0:
            raise VshError(msg("Invalid value for start CPU"))
        per_cpu = True
    if shown is not None:
        if shown < 0:
            raise VshError(msg("Invalid value for number of CPUs to show"))
        per_cpu = True
    if not total and not per_cpu:
        total = per_cpu = True
    first = first or 0
    failed = msg("Failed to retrieve CPU statistics for domain '%s'", dom.name())
    text: list[str] = []
    obj: dict[str, Any] = {"cpus": [], "total": None}
    try:
        if per_cpu:
            with _failing(failed):
                cpus = dom.getCPUStats(False)
            max_id = len(cpus)
            if first >= max_id:
                raise VshError(f"Start CPU {first} is out of range (min: 0, max: {max_id - 1})")
            if shown is None or shown > max_id:
                if shown is not None:
                    text.append(f"Only {max_id} CPUs available to show\n")
                shown = max_id - first
            obj["cpus"] = []
            if not any(cpus):
                text.append("No per-CPU stats available")
            else:
                for n in range(first, min(first + shown, max_id)):
                    if not cpus[n]:
                        continue  # this CPU is not in the domain's map
                    text.append(f"CPU{n}:\n" + "".join(_cpu_field(k, v) for k, v in cpus[n].items()))
                    obj["cpus"].append({"cpu": n, **_cpu_keys(cpus[n])})
        if total:
            with _failing(failed):
                sums = dom.getCPUStats(True)[0]
            # Under --json the document still comes, its `total` null.
            if not sums:
                text.append("No total stats available")
            else:
                text.append(_("Total:\n") + "".join(_cpu_field(k, v) for k, v in sums.items()))
                obj["total"] = _cpu_keys(sums)
    finally:
        ctx.out.write("".join(text))
    ctx.out.data(obj)


def _failing(message: str) -> Any:
    from vsh.errors import failing

    return failing(message)
