"""Domain statistics: domstats, dommemstat, cpu-stats, domblklist, domblkinfo, domblkstat,
domiflist, domifstat, domjobinfo, domjobabort.

JSON (--json) shapes: domstats -> ``[{"domain": NAME, "stats": {KEY: value}}]``;
dommemstat -> ``{TAG: value}``; cpu-stats -> ``{"cpus": [{"cpu": N, FIELD: value}], "total":
{FIELD: value}}`` (times in nanoseconds); domblklist/domiflist -> a list of row objects with
every column; domblkinfo -> ``{"capacity", "allocation", "physical"}`` in bytes (a list with
"target" under --all); domblkstat -> ``{"device": DEV, "stats": {FIELD: value}}``; domifstat
-> ``{"interface": DEV, FIELD: value}``; domjobinfo -> ``{"type": NAME, "type_code": N,
"stats": {FIELD: value}}``.
"""
from __future__ import annotations

from typing import Any

from vsh.commands.common import CONFIG, CURRENT, DOMAIN, LIVE
from vsh.errors import VshError
from vsh.output import Column
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Argv, Data, Flag, Int, Str


def _int_opt(name: str, raw: str | None, conv: str = "int") -> int | None:
    """An integer option converted where virsh converts it: after the domain lookup."""
    if raw is None:
        return None
    from vsh.values import convert

    return convert(Int(name, name, conv=conv), raw)


def _typed(value: Any) -> str:
    """vshGetTypedParamValue for the values libvirt-python hands over."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%f" % value
    return str(value)


def _domain_xml(ctx: Session, name: str, flags: int) -> Any:
    """virshDomainGetXML: the domain's XML description, parsed."""
    from lxml import etree

    dom = ctx.lookup.domain(name)
    return etree.fromstring(dom.XMLDesc(flags).encode())


def _xstr(node: Any, path: str) -> str | None:
    """virXPathString: the string value, or None when it is empty."""
    value = node.xpath(f"string({path})")
    return str(value) if value else None


# domstats ------------------------------------------------------------------------------

_STAT_GROUPS = ("state", "cpu-total", "balloon", "vcpu", "interface", "block", "perf", "iothread", "memory",
                "dirtyrate", "vm")
_LIST_FILTERS = ("list-active", "list-inactive", "list-persistent", "list-transient", "list-running",
                 "list-paused", "list-shutoff", "list-other")
_STAT_HELP = {
    "state": "report domain state", "cpu-total": "report domain physical cpu usage",
    "balloon": "report domain balloon statistics", "vcpu": "report domain virtual cpu information",
    "interface": "report domain network interface information",
    "block": "report domain block device statistics", "perf": "report domain perf event statistics",
    "iothread": "report domain IOThread information", "memory": "report domain memory usage",
    "dirtyrate": "report domain dirty rate information", "vm": "report hypervisor-specific statistics",
    "list-active": "list only active domains", "list-inactive": "list only inactive domains",
    "list-persistent": "list only persistent domains", "list-transient": "list only transient domains",
    "list-running": "list only running domains", "list-paused": "list only paused domains",
    "list-shutoff": "list only shutoff domains", "list-other": "list only domains in other states",
}


def _stats_flags(libvirt: Any, opts: dict[str, bool]) -> tuple[int, int]:
    groups = {"state": "STATE", "cpu-total": "CPU_TOTAL", "balloon": "BALLOON", "vcpu": "VCPU",
              "interface": "INTERFACE", "block": "BLOCK", "perf": "PERF", "iothread": "IOTHREAD",
              "memory": "MEMORY", "dirtyrate": "DIRTYRATE", "vm": "VM"}
    filters = {"list-active": "ACTIVE", "list-inactive": "INACTIVE", "list-persistent": "PERSISTENT",
               "list-transient": "TRANSIENT", "list-running": "RUNNING", "list-paused": "PAUSED",
               "list-shutoff": "SHUTOFF", "list-other": "OTHER", "enforce": "ENFORCE_STATS",
               "backing": "BACKING", "nowait": "NOWAIT"}
    # libvirt-python may predate a group; the bit values are fixed by libvirt's ABI.
    bits = {"DIRTYRATE": 1 << 9, "VM": 1 << 10, "MEMORY": 1 << 8}
    stats = flags = 0
    for opt, suffix in groups.items():
        if opts[opt]:
            stats |= getattr(libvirt, f"VIR_DOMAIN_STATS_{suffix}", bits.get(suffix, 0))
    for opt, suffix in filters.items():
        if opts[opt]:
            flags |= getattr(libvirt, f"VIR_CONNECT_GET_ALL_DOMAINS_STATS_{suffix}")
    return stats, flags


@command("domstats", group="monitor", help="get statistics about one or multiple domains",
         desc="Gets statistics about one or more (or all) domains",
         opts=[*(Flag(n, _STAT_HELP[n]) for n in _STAT_GROUPS + _LIST_FILTERS),
               Flag("raw", "do not pretty-print the fields"),
               Flag("enforce", "enforce requested stats parameters"),
               Flag("backing", "add backing chain information to block stats"),
               Flag("nowait", "report only stats that are accessible instantly"),
               Argv("domain", "list of domains to get stats for", complete="domain")])
def cmd_domstats(ctx: Session, domain: list[str], raw: bool, **opts: bool) -> None:
    import libvirt

    stats, flags = _stats_flags(libvirt, {k.replace("_", "-"): v for k, v in opts.items()})
    conn = ctx.conn
    if domain:
        doms = [ctx.lookup.domain(name) for name in domain]
        records = conn.domainListGetStats(doms, stats, flags)
    else:
        records = conn.getAllDomainStats(stats, flags)
    blocks = []
    for dom, params in records:
        lines = [f"Domain: '{dom.name()}'\n"] + [f"  {k}={_typed(v)}\n" for k, v in params.items()]
        blocks.append("".join(lines))
    ctx.out.data([{"domain": dom.name(), "stats": params} for dom, params in records], "\n".join(blocks))


# dommemstat ----------------------------------------------------------------------------

_MEM_TAGS = ("swap_in", "swap_out", "major_fault", "minor_fault", "unused", "available", "usable", "actual",
             "rss", "last_update", "disk_caches", "hugetlb_pgalloc", "hugetlb_pgfail")


@command("dommemstat", group="monitor", help="get memory statistics for a domain",
         desc="Get memory statistics for a running domain.",
         opts=[DOMAIN(complete="domain:active"), Int("period", "period in seconds to set collection", conv=None, empty_ok=True,
                             named_only=True), CONFIG, LIVE, CURRENT],
         exclusive=[("current", "live"), ("current", "config")])
def cmd_dommemstat(ctx: Session, domain: str, period: str | None, config: bool, live: bool,
                   current: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    flags = ctx.flags(config=(config, libvirt.VIR_DOMAIN_AFFECT_CONFIG), live=(live, libvirt.VIR_DOMAIN_AFFECT_LIVE))
    # With no option given, a running domain's live setting is what changes.
    if not (current or live or config) and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    seconds = _int_opt("period", period)
    if seconds is not None:
        if seconds < 0:
            raise VshError(f"Invalid collection period value '{seconds}'")
        try:
            dom.setMemoryStatsPeriod(seconds, flags)
        except libvirt.libvirtError as err:
            raise VshError("Unable to change balloon collection period.", cause=err) from None
        return
    try:
        stats = dom.memoryStats()
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to get memory statistics for domain {domain}", cause=err) from None
    shown = {k: v for k, v in stats.items() if k in _MEM_TAGS}
    ctx.out.data(shown, "".join(f"{k} {v}\n" for k, v in shown.items()))


# cpu-stats -----------------------------------------------------------------------------

_CPU_TIMES = ("cpu_time", "vcpu_time", "user_time", "system_time")


def _cpu_field(field: str, value: Any) -> str:
    if field in _CPU_TIMES and isinstance(value, int) and not isinstance(value, bool):
        return f"\t{field:<12} {value // 1000000000:9d}.{value % 1000000000:09d} seconds\n"
    return f"\t{field:<12} {_typed(value)}\n"


@command("cpu-stats", group="domain", help="show domain cpu statistics",
         desc="Display per-CPU and total statistics about the domain's CPUs",
         opts=[DOMAIN(complete="domain:active"), Flag("total", "Show total statistics only"),
               Int("start", "Show statistics from this CPU", conv=None, empty_ok=True),
               Int("count", "Number of shown CPUs at most", conv=None, empty_ok=True)])
def cmd_cpu_stats(ctx: Session, domain: str, total: bool, start: str | None, count: str | None) -> None:

    dom = ctx.lookup.domain(domain)
    first, shown = _int_opt("start", start), _int_opt("count", count)
    per_cpu = False
    if first is not None:
        if first < 0:
            raise VshError("Invalid value for start CPU")
        per_cpu = True
    if shown is not None:
        if shown < 0:
            raise VshError("Invalid value for number of CPUs to show")
        per_cpu = True
    if not total and not per_cpu:
        total = per_cpu = True
    first = first or 0
    failed = f"Failed to retrieve CPU statistics for domain '{dom.name()}'"
    text: list[str] = []
    obj: dict[str, Any] = {}
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
                if not total:
                    return
            else:
                for n in range(first, min(first + shown, max_id)):
                    if not cpus[n]:
                        continue  # this CPU is not in the domain's map
                    text.append(f"CPU{n}:\n" + "".join(_cpu_field(k, v) for k, v in cpus[n].items()))
                    obj["cpus"].append({"cpu": n, **cpus[n]})
        if total:
            with _failing(failed):
                sums = dom.getCPUStats(True)[0]
            if not sums:
                text.append("No total stats available")
                return
            text.append("Total:\n" + "".join(_cpu_field(k, v) for k, v in sums.items()))
            obj["total"] = sums
    finally:
        ctx.out.write("".join(text))
    ctx.out.data(obj)


def _failing(message: str) -> Any:
    from vsh.errors import failing

    return failing(message)


# block devices -------------------------------------------------------------------------

@command("domblklist", group="monitor", help="list all domain blocks",
         desc="Get the summary of block devices for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration"),
               Flag("details", "additionally display the type and device value")])
def cmd_domblklist(ctx: Session, domain: str, inactive: bool, details: bool) -> None:
    import libvirt

    root = _domain_xml(ctx, domain, libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0)
    rows = []
    for disk in root.xpath("./devices/disk"):
        kind = _xstr(disk, "./@type")
        device = _xstr(disk, "./@device")
        if details and (kind is None or device is None):
            # virsh prints this one on stdout, without a newline.
            ctx.out.write("unable to query block list details")
            raise VshError("")
        target = _xstr(disk, "./target/@dev")
        if target is None:
            raise VshError("unable to query block list")
        source: str | None
        if kind == "nvme":
            source = _nvme_source(disk)
        else:
            source = _xstr(disk, "./source/@file|./source/@dev|./source/@dir|./source/@name"
                                 "|./source/@volume|./source/@path")
        rows.append({"type": kind, "device": device, "target": target, "source": source})
    columns = [Column("target", "Target"), Column("source", "Source")]
    if details:
        columns = [Column("type", "Type"), Column("device", "Device")] + columns
    ctx.out.table(columns, rows)


def _nvme_source(disk: Any) -> str:
    namespace = _xstr(disk, "./source/@namespace")
    addr = disk.xpath("./source/address")
    if namespace is None or not addr:
        raise VshError("Unable to query NVMe disk address")
    try:
        part = [int(addr[0].get(k, "0"), 0) for k in ("domain", "bus", "slot", "function")]
    except ValueError:
        raise VshError("Unable to query NVMe disk address") from None
    return f"nvme://{part[0]:04x}:{part[1]:02x}:{part[2]:02x}.{part[3]}/{namespace}"


def _blkinfo_text(info: list[int], human: bool) -> list[str]:
    """cmdDomblkinfoGet: capacity, allocation, physical as virsh shows them."""
    if not any(info[:3]):
        return ["-", "-", "-"]
    if not human:
        return [str(v) for v in info[:3]]
    from vsh.units import pretty_capacity

    return ["%.3f %s" % pretty_capacity(v) for v in info[:3]]


@command("domblkinfo", group="monitor", help="domain block device size information",
         desc="Get block device size info for a domain.",
         opts=[DOMAIN(), Str("device", "block device", complete="domain-disk", empty_ok=True),
               Flag("human", "Human readable output"), Flag("all", "display all block devices info")],
         exclusive=[("all", "device")])
def cmd_domblkinfo(ctx: Session, domain: str, device: str | None, human: bool, all: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if not all and not device:
        raise VshError("command 'domblkinfo' requires <device> option")
    if not all:
        info = dom.blockInfo(device)
        cap, alloc, phy = _blkinfo_text(info, human)
        ctx.out.kv([("capacity", "Capacity:", info[0], cap), ("allocation", "Allocation:", info[1], alloc),
                    ("physical", "Physical:", info[2], phy)])
        return
    from lxml import etree

    active = dom.isActive() == 1
    root = etree.fromstring(dom.XMLDesc(0).encode())
    rows = []
    for disk in root.xpath("./devices/disk"):
        protocol = _xstr(disk, "./source/@protocol")
        target = _xstr(disk, "./target/@dev")
        info = [0, 0, 0]
        if disk.xpath("boolean(./source)"):
            try:
                info = dom.blockInfo(target or "")
            except libvirt.libvirtError as err:
                # Network disks of an inactive domain have no sizes to report.
                if not (protocol and not active and err.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR
                        and err.get_error_domain() == libvirt.VIR_FROM_STORAGE):
                    raise
        cap, alloc, phy = _blkinfo_text(info, human)
        rows.append({"target": target, "capacity": info[0], "allocation": info[1], "physical": info[2],
                     "_text": (cap, alloc, phy)})
    ctx.out.table([Column("target", "Target"),
                   Column("capacity", "Capacity"), Column("allocation", "Allocation"),
                   Column("physical", "Physical")],
                  [{"target": r["target"], "capacity": r["_text"][0], "allocation": r["_text"][1],
                    "physical": r["_text"][2]} for r in rows],
                  json_obj=[{k: v for k, v in r.items() if k != "_text"} for r in rows])


# (field, legacy name, human label) in the order virsh prints block statistics.
_BLKSTAT_FIELDS = (
    ("rd_operations", "rd_req", "number of read operations:"),
    ("rd_bytes", "rd_bytes", "number of bytes read:"),
    ("wr_operations", "wr_req", "number of write operations:"),
    ("wr_bytes", "wr_bytes", "number of bytes written:"),
    ("errs", "errs", "error count:"),
    ("flush_operations", None, "number of flush operations:"),
    ("rd_total_times", None, "total duration of reads (ns):"),
    ("wr_total_times", None, "total duration of writes (ns):"),
    ("flush_total_times", None, "total duration of flushes (ns):"),
)


@command("domblkstat", group="monitor", help="get device block stats for a domain",
         desc="Get device block stats for a running domain. See man page or use --human for explanation of fields",
         opts=[DOMAIN(complete="domain:active"), Str("device", "block device", complete="domain-disk", empty_ok=True),
               Flag("human", "print a more human readable output")])
def cmd_domblkstat(ctx: Session, domain: str, device: str | None, human: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    device = device or ""
    width = 31 if human else 0
    lines: list[str] = []
    try:
        params = dom.blockStatsFlags(device, 0)
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        # An older daemon: the five legacy counters.
        try:
            values = dom.blockStats(device)
        except libvirt.libvirtError as err2:
            raise VshError(f"Failed to get block stats {domain} {device}", cause=err2) from None
        prefix = device
        if human:
            lines.append(f"Device: {device}\n")
            prefix = ""
        stats = {}
        for (field, legacy, label), value in zip(_BLKSTAT_FIELDS, values):
            if value >= 0:
                lines.append(f"{prefix} {(label if human else legacy):<{width}} {value}\n")
                stats[field] = value
        ctx.out.data({"device": device, "stats": stats}, "".join(lines))
        return
    prefix = device
    if human:
        lines.append(f"Device: {device}\n")
        prefix = ""
    done = set()
    for field, legacy, label in _BLKSTAT_FIELDS:
        if field in params:
            name = label if human else (legacy or field)
            lines.append(f"{prefix} {name:<{width}} {_typed(params[field])}\n")
            done.add(field)
    for field, value in params.items():
        if field not in done:
            lines.append(f"{prefix} {field} {_typed(value)}\n")
    ctx.out.data({"device": device, "stats": params}, "".join(lines))


# interfaces ----------------------------------------------------------------------------

@command("domiflist", group="monitor", help="list all domain virtual interfaces",
         desc="Get the summary of virtual interfaces for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration")])
def cmd_domiflist(ctx: Session, domain: str, inactive: bool) -> None:
    import libvirt

    root = _domain_xml(ctx, domain, libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0)
    rows = []
    for iface in root.xpath("./devices/interface"):
        rows.append({
            "interface": _xstr(iface, "./target/@dev"),
            "type": _xstr(iface, "./@type"),
            "source": _xstr(iface, "./source/@bridge|./source/@dev|./source/@network|./source/@name"
                                   "|./source/@path"),
            "model": _xstr(iface, "./model/@type"),
            "mac": _xstr(iface, "./mac/@address"),
        })
    ctx.out.table([Column("interface", "Interface"), Column("type", "Type"), Column("source", "Source"),
                   Column("model", "Model"), Column("mac", "MAC")], rows)


_IFSTAT_FIELDS = ("rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop")


@command("domifstat", group="monitor", help="get network interface stats for a domain",
         desc="Get network interface stats for a running domain.",
         opts=[DOMAIN(complete="domain:active"), Data("interface", "interface device specified by name or MAC Address",
                              complete="domain-interface", late=True)])
def cmd_domifstat(ctx: Session, domain: str, interface: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    interface = ctx.late("interface", interface)
    try:
        values = dom.interfaceStats(interface)
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to get interface stats {domain} {interface}", cause=err) from None
    stats = {k: v for k, v in zip(_IFSTAT_FIELDS, values) if v >= 0}
    ctx.out.data({"interface": interface, **stats}, "".join(f"{interface} {k} {v}\n" for k, v in stats.items()))


# jobs ----------------------------------------------------------------------------------

_JOB_TYPES = ("None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled")
_JOB_OPERATIONS = ("Unknown", "Start", "Save", "Restore", "Incoming migration", "Outgoing migration",
                   "Snapshot", "Snapshot revert", "Dump", "Backup", "Snapshot delete")
_JOB_INFO_KEYS = ("time_elapsed", "time_remaining", "data_total", "data_processed", "data_remaining",
                  "memory_total", "memory_processed", "memory_remaining", "disk_total", "disk_processed",
                  "disk_remaining")


def _name(table: tuple[str, ...], value: int) -> str:
    return table[value] if 0 <= value < len(table) else "unknown"


def _size(value: int) -> str:
    from vsh.units import pretty_capacity

    return "%.3f %s" % pretty_capacity(value)


def _job_lines(kind: int, p: dict[str, Any]) -> list[str]:
    """cmdDomjobinfo's report after the job type and operation, in its order."""
    def row(label: str, text: str) -> str:
        return f"{label:<17} {text}\n"

    def u(key: str) -> int:
        return int(p.get(key, 0))

    out = [row("Time elapsed:", f"{u('time_elapsed'):<12} ms")]
    if "time_elapsed_net" in p:
        out.append(row("Time elapsed w/o network:", f"{u('time_elapsed_net'):<12} ms"))
    if kind == 1:
        out.append(row("Time remaining:", f"{u('time_remaining'):<12} ms"))
    for what, label in (("data", "Data"), ("memory", "Memory"), ("disk", "File")):
        if not (u(f"{what}_total") or u(f"{what}_remaining") or u(f"{what}_processed")):
            continue
        for part in ("processed", "remaining", "total"):
            out.append(row(f"{label} {part}:", _size(u(f"{what}_{part}"))))
        if what == "memory":
            if p.get("memory_bps"):
                out.append(row("Memory bandwidth:", _size(u("memory_bps")) + "/s"))
            if "memory_dirty_rate" in p:
                out.append(row("Dirty rate:", f"{u('memory_dirty_rate'):<12} pages/s"))
            if "memory_page_size" in p:
                out.append(row("Page size:", f"{u('memory_page_size'):<12} bytes"))
            if "memory_iteration" in p:
                out.append(row("Iteration:", f"{u('memory_iteration'):<12}"))
            if "memory_postcopy_requests" in p:
                out.append(row("Postcopy requests:", f"{u('memory_postcopy_requests'):<12}"))
        if what == "disk" and p.get("disk_bps"):
            out.append(row("File bandwidth:", _size(u("disk_bps")) + "/s"))
    if "memory_constant" in p:
        out.append(row("Constant pages:", f"{u('memory_constant'):<12}"))
    if "memory_normal" in p:
        out.append(row("Normal pages:", f"{u('memory_normal'):<12}"))
    if "memory_normal_bytes" in p:
        out.append(row("Normal data:", _size(u("memory_normal_bytes"))))
    if "downtime" in p:
        label = "Total downtime:" if kind == 3 else "Expected downtime:"
        out.append(row(label, f"{u('downtime'):<12} ms"))
    if "downtime_net" in p:
        out.append(row("Downtime w/o network:", f"{u('downtime_net'):<12} ms"))
    if "setup_time" in p:
        out.append(row("Setup time:", f"{u('setup_time'):<12} ms"))
    if "compression_cache" in p:
        out.append(row("Compression cache:", _size(u("compression_cache"))))
    if "compression_bytes" in p:
        out.append(row("Compressed data:", _size(u("compression_bytes"))))
    if "compression_pages" in p:
        out.append(row("Compressed pages:", f"{u('compression_pages'):<13}"))
    if "compression_cache_misses" in p:
        out.append(row("Compression cache misses:", f"{u('compression_cache_misses'):<13}"))
    if "compression_overflow" in p:
        out.append(row("Compression overflows:", f"{u('compression_overflow'):<13}"))
    if "auto_converge_throttle" in p:
        out.append(row("Auto converge throttle:", f"{u('auto_converge_throttle'):<13}"))
    if "disk_temp_used" in p:
        out.append(row("Temporary disk space use:", _size(u("disk_temp_used"))))
    if "disk_temp_total" in p:
        out.append(row("Temporary disk space total:", _size(u("disk_temp_total"))))
    if "errmsg" in p:
        out.append(row("Error message:", str(p["errmsg"])))
    return out


@command("domjobinfo", group="domain", help="domain job information",
         desc="Returns information about jobs running on a domain.",
         opts=[DOMAIN(complete="domain:active"), Flag("completed", "return statistics of a recently completed job"),
               Flag("keep-completed", "don't destroy statistics of a recently completed job when reading"),
               Flag("anystats", "print statistics for any kind of job (even failed ones)"),
               Flag("rawstats", "print the raw data returned by libvirt")],
         requires=[("keep-completed", "completed")])
def cmd_domjobinfo(ctx: Session, domain: str, completed: bool, keep_completed: bool, anystats: bool,
                   rawstats: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    flags = ctx.flags(completed=(completed, libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED),
                      keep=(keep_completed, libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED))
    try:
        params = dict(dom.jobStats(flags))
        kind = int(params.pop("type", 0))
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        if flags or rawstats:
            raise VshError("Optional flags or --rawstats are not supported by the daemon", cause=err) from None
        info = dom.jobInfo()
        kind, params = info[0], dict(zip(_JOB_INFO_KEYS, info[1:]))
    obj = {"type": _name(_JOB_TYPES, kind), "type_code": kind, "stats": params}
    if rawstats:
        from vsh.typedparams import param_text

        ctx.out.data(obj, f"Job type: {kind}\n\n" + "".join(f"{k}: {param_text(v)}\n" for k, v in params.items()))
        return
    lines = [f"{'Job type:':<17} {_name(_JOB_TYPES, kind):<12}\n"]
    if kind != 0:
        lines.append(f"{'Operation:':<17} {_name(_JOB_OPERATIONS, int(params.get('operation', 0))):<12}\n")
        # Only running jobs (and a completed one asked for) have statistics worth showing.
        if anystats or kind in (1, 2) or (completed and kind == 3):
            lines += _job_lines(kind, params)
    ctx.out.data(obj, "".join(lines))


@command("domjobabort", group="domain", help="abort active domain job",
         desc="Aborts the currently running domain job",
         opts=[DOMAIN(complete="domain:active"), Flag("postcopy", "interrupt post-copy migration")], json=False)
def cmd_domjobabort(ctx: Session, domain: str, postcopy: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if postcopy:
        dom.abortJobFlags(libvirt.VIR_DOMAIN_ABORT_JOB_POSTCOPY)
    else:
        dom.abortJob()
