"""domblklist, domblkinfo, domblkstat, domblkerror: a domain's block devices."""
from __future__ import annotations


from vsh.commands.common import (DOMAIN)
from vsh.commands.monitor.query import domain_xml, xstr
from vsh.errors import VshError
from vsh.output import Column
from vsh.registry import command
from vsh.schema import obj, rows
from vsh.session import Session
from vsh.spec import Flag, Str
from vsh.typedparams import shown_value
from vsh.i18n import _, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@command("domblklist", group="monitor", help="list all domain blocks",
         desc="Get the summary of block devices for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration"),
               Flag("details", "additionally display the type and device value")],
         schema=rows(type="string?", device="string?", target="string", source="string?"))
def cmd_domblklist(ctx: Session, domain: str, inactive: bool, details: bool) -> None:
    import libvirt

    root = domain_xml(ctx, domain, libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0)
    found = []
    for disk in root.xpath("./devices/disk"):
        kind = xstr(disk, "./@type")
        device = xstr(disk, "./@device")
        if details and (kind is None or device is None):
            # virsh prints this one on stdout, without a newline.
            ctx.out.write("unable to query block list details")
            raise VshError("")
        target = xstr(disk, "./target/@dev")
        if target is None:
            raise VshError("unable to query block list")
        source: str | None
        if kind == "nvme":
            source = _nvme_source(disk)
        else:
            source = xstr(disk, "./source/@file|./source/@dev|./source/@dir|./source/@name"
                                 "|./source/@volume|./source/@path")
        found.append({"type": kind, "device": device, "target": target, "source": source})
    columns = [Column("target", "Target"), Column("source", "Source")]
    if details:
        columns = [Column("type", "Type"), Column("device", "Device")] + columns
    ctx.out.table(columns, found)


def _nvme_source(disk: Any) -> str:
    namespace = xstr(disk, "./source/@namespace")
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

    return [printf("%.3lf %s", *pretty_capacity(v)) for v in info[:3]]


@command("domblkinfo", group="monitor", help="domain block device size information",
         desc="Get block device size info for a domain.",
         opts=[DOMAIN(), Str("device", "block device", complete="domain-disk", empty_ok=True),
               Flag("human", "Human readable output"), Flag("all", "display all block devices info")],
         exclusive=[("all", "device")],
         schema=rows(target="string?", capacity_bytes="integer", allocation_bytes="integer",
                     physical_bytes="integer"))
def cmd_domblkinfo(ctx: Session, domain: str, device: str | None, human: bool, all: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if not all and not device:
        raise VshError(msg("command '%s' requires <%s> option", "domblkinfo", "device"))
    if not all:
        info = dom.blockInfo(device)
        cap, alloc, phy = _blkinfo_text(info, human)
        if ctx.out.json:
            # One row, as --all gives one per disk.
            ctx.out.data([{"target": device, "capacity_bytes": info[0], "allocation_bytes": info[1],
                           "physical_bytes": info[2]}])
            return
        ctx.out.kv([("capacity", "Capacity:", info[0], cap), ("allocation", "Allocation:", info[1], alloc),
                    ("physical", "Physical:", info[2], phy)])
        return
    from lxml import etree

    active = dom.isActive() == 1
    root = etree.fromstring(dom.XMLDesc(0).encode())
    found = []
    for disk in root.xpath("./devices/disk"):
        protocol = xstr(disk, "./source/@protocol")
        target = xstr(disk, "./target/@dev")
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
        found.append({"target": target, "capacity_bytes": info[0], "allocation_bytes": info[1],
                      "physical_bytes": info[2], "_text": (cap, alloc, phy)})
    ctx.out.table([Column("target", "Target"),
                   Column("capacity", "Capacity"), Column("allocation", "Allocation"),
                   Column("physical", "Physical")],
                  [{"target": r["target"], "capacity": r["_text"][0], "allocation": r["_text"][1],
                    "physical": r["_text"][2]} for r in found],
                  json_obj=[{k: v for k, v in r.items() if k != "_text"} for r in found])


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


def _blk_key(field: str) -> str:
    """A block stats field as a JSON key: times in nanoseconds, `errs` spelt out."""
    return "errors" if field == "errs" else field + "_ns" if field.endswith("_times") else field


def _blkstat_record(device: str, params: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"target": device}
    record.update({_blk_key(f): params.get(f) for f, _legacy, _label in _BLKSTAT_FIELDS})
    record.update({_blk_key(f): v for f, v in params.items() if _blk_key(f) not in record})
    return record


@command("domblkstat", group="monitor", help="get device block stats for a domain",
         desc="Get device block stats for a running domain. See man page or use --human for explanation of fields",
         opts=[DOMAIN(complete="domain:active"), Str("device", "block device", complete="domain-disk", empty_ok=True),
               Flag("human", "print a more human readable output")],
         schema=obj({"target": "string", **{_blk_key(f): "integer?" for f, _l, _t in _BLKSTAT_FIELDS}},
                    extra="integer|number"))
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
            raise VshError(msg("Failed to get block stats %s %s", domain, device), cause=err2) from None
        prefix = device
        if human:
            lines.append(printf("Device: %s\n", device))  # virsh leaves this line untranslated
            prefix = ""
        stats = {}
        for (field, legacy, label), value in zip(_BLKSTAT_FIELDS, values):
            if value >= 0:
                lines.append(printf("%s %-*s %s\n", prefix, width, _(label) if human else legacy, value))
                stats[field] = value
        ctx.out.data(_blkstat_record(device, stats), "".join(lines))
        return
    prefix = device
    if human:
        lines.append(printf("Device: %s\n", device))  # virsh leaves this line untranslated
        prefix = ""
    done = set()
    for field, legacy, label in _BLKSTAT_FIELDS:
        if field in params:
            name = _(label) if human else (legacy or field)
            lines.append(printf("%s %-*s %s\n", prefix, width, name, shown_value(params[field])))
            done.add(field)
    for field, value in params.items():
        if field not in done:
            lines.append(f"{prefix} {field} {shown_value(value)}\n")
    ctx.out.data(_blkstat_record(device, params), "".join(lines))


_IO_ERRORS = ("no error", "unspecified error", "no space")


@command("domblkerror", group="monitor", help="Show errors on block devices", desc="Show block device errors",
         opts=[DOMAIN(complete="domain:active")], schema=rows(target="string", error="string"))
def cmd_domblkerror(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    errors = dom.diskErrors(0)
    found = [{"target": disk, "error": _IO_ERRORS[code] if 0 <= code < 3 else "unknown error"}
             for disk, code in errors.items()]
    text = "".join(f"{r['target']}: {_(r['error'])}\n" for r in found) if found else _("No errors found\n")
    ctx.out.data(found, text)


