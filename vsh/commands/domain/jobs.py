"""Domain jobs: domjobinfo, domjobabort.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import obj
from vsh.session import Session
from vsh.spec import Flag
from vsh.i18n import msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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

    return printf("%.3lf %s", *pretty_capacity(value))


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


#: libvirt's job statistics fields (VIR_DOMAIN_JOB_*) and their JSON keys: the unit in the name
#: (libvirt documents times in ms, sizes in bytes, rates per second, page counts as pages).
JOB_KEYS = {
    "time_elapsed": "time_elapsed_ms", "time_elapsed_net": "time_elapsed_net_ms",
    "time_remaining": "time_remaining_ms", "downtime": "downtime_ms", "downtime_net": "downtime_net_ms",
    "setup_time": "setup_time_ms",
    "data_total": "data_total_bytes", "data_processed": "data_processed_bytes",
    "data_remaining": "data_remaining_bytes",
    "memory_total": "memory_total_bytes", "memory_processed": "memory_processed_bytes",
    "memory_remaining": "memory_remaining_bytes", "memory_constant": "memory_constant_pages",
    "memory_normal": "memory_normal_pages", "memory_normal_bytes": "memory_normal_bytes",
    "memory_bps": "memory_bytes_per_second", "memory_dirty_rate": "memory_dirty_pages_per_second",
    "memory_page_size": "memory_page_size_bytes", "memory_iteration": "memory_iteration",
    "memory_postcopy_requests": "memory_postcopy_requests",
    "disk_total": "disk_total_bytes", "disk_processed": "disk_processed_bytes",
    "disk_remaining": "disk_remaining_bytes", "disk_bps": "disk_bytes_per_second",
    "disk_temp_used": "disk_temp_used_bytes", "disk_temp_total": "disk_temp_total_bytes",
    "compression_cache": "compression_cache_bytes", "compression_bytes": "compression_bytes",
    "compression_pages": "compression_pages", "compression_cache_misses": "compression_cache_misses",
    "compression_overflow": "compression_overflow", "auto_converge_throttle": "auto_converge_throttle_percent",
    "success": "success", "errmsg": "error_message",
}
_JOB_TEXT_KEYS = {"success": "boolean?", "errmsg": "string?"}


def job_row(kind: int, params: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a job: its type and operation as words and codes, then every statistic under its
    key (null when libvirt did not report it); a field this table does not know keeps libvirt's
    name in snake_case."""
    operation = params.get("operation")
    row: dict[str, Any] = {"type": _name(_JOB_TYPES, kind), "type_code": kind,
                           "operation": None if operation is None else _name(_JOB_OPERATIONS, int(operation)),
                           "operation_code": operation}
    row.update({key: params.get(field) for field, key in JOB_KEYS.items()})
    for field, value in params.items():
        if field != "operation" and field not in JOB_KEYS:
            row[field.replace(".", "_").replace("-", "_")] = value
    return row


@command("domjobinfo", schema=obj({"type": "string", "type_code": "integer", "operation": "string?",
                                   "operation_code": "integer?",
                                   **{key: _JOB_TEXT_KEYS.get(field, "integer?") for field, key in JOB_KEYS.items()}},
                                  extra="integer|number|string|boolean"),
         group="domain", help="domain job information",
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
    flags = ctx.flags(completed=libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED,
                      keep_completed=libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
    try:
        params = dict(dom.jobStats(flags))
        kind = int(params.pop("type", 0))
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
        if flags or rawstats:
            raise VshError(msg("Optional flags or --rawstats are not supported by the daemon"), cause=err) from None
        info = dom.jobInfo()
        kind, params = info[0], dict(zip(_JOB_INFO_KEYS, info[1:]))
    doc = job_row(kind, params)
    if rawstats:
        from vsh.typedparams import param_text

        ctx.out.data(doc, f"Job type: {kind}\n\n" + "".join(f"{k}: {param_text(v)}\n" for k, v in params.items()))
        return
    lines = [f"{'Job type:':<17} {_name(_JOB_TYPES, kind):<12}\n"]
    if kind != 0:
        lines.append(f"{'Operation:':<17} {_name(_JOB_OPERATIONS, int(params.get('operation', 0))):<12}\n")
        # Only running jobs (and a completed one asked for) have statistics worth showing.
        if anystats or kind in (1, 2) or (completed and kind == 3):
            lines += _job_lines(kind, params)
    ctx.out.data(doc, "".join(lines))


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
