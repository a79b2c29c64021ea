"""domstats, dommemstat: statistics of domains."""
from __future__ import annotations

import re

from vsh.commands.common import (CONFIG, CURRENT, DOMAIN, LIVE, affect, int_opt)
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import obj, rows
from vsh.session import Session
from vsh.spec import Argv, Flag, Int
from vsh.typedparams import shown_value
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
               Argv("domain", "list of domains to get stats for", complete="domain")],
         schema=rows(obj({"name": "string", "state": "string?", "reason": "string?"},
                         extra="string|integer|number|boolean")))
def cmd_domstats(ctx: Session, domain: list[str], raw: bool, **opts: bool) -> None:
    import libvirt

    stats, flags = _stats_flags(libvirt, {k.replace("_", "-"): v for k, v in opts.items()})
    conn = ctx.conn
    if domain:
        from vsh import rpc

        doms = rpc.find_domains(conn, ctx.lookup.find_domain, domain, quiet=ctx.debug < 0 and ctx.out.log is None)
        records = conn.domainListGetStats(doms, stats, flags)
    else:
        records = conn.getAllDomainStats(stats, flags)
    records = [(dom, {k: _unsigned(k, v) for k, v in params.items()}) for dom, params in records]
    blocks = []
    for dom, params in records:
        lines = [f"Domain: '{dom.name()}'\n"] + [f"  {k}={shown_value(v)}\n" for k, v in params.items()]
        blocks.append("".join(lines))
    from vsh.statkeys import stats_row

    ctx.out.data([stats_row(dom.name(), params) for dom, params in records], "\n".join(blocks))


# The stats fields libvirt types as signed; every other integer field is unsigned.
_SIGNED = re.compile(r"state\.(state|reason)|vcpu\.\d+\.state|dirtyrate\..*")


def _unsigned(key: str, value: Any) -> Any:
    """libvirt-python hands an unsigned int field over as a C int, so 4294967295 arrives as -1
    (iothread poll-grow); virsh prints the unsigned value."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 0 and not _SIGNED.fullmatch(key):
        return value + 2**32
    return value


# dommemstat ----------------------------------------------------------------------------

_MEM_TAGS = ("swap_in", "swap_out", "major_fault", "minor_fault", "unused", "available", "usable", "actual",
             "rss", "last_update", "disk_caches", "hugetlb_pgalloc", "hugetlb_pgfail")
# Their JSON keys: sizes in KiB (libvirt's unit), the last update in seconds since the epoch.
_MEM_KEYS = {t: t + ("_kib" if t in ("swap_in", "swap_out", "unused", "available", "usable", "actual", "rss",
                                     "disk_caches") else "_seconds" if t == "last_update" else "")
             for t in _MEM_TAGS}


@command("dommemstat", group="monitor", help="get memory statistics for a domain",
         desc="Get memory statistics for a running domain.",
         opts=[DOMAIN(complete="domain:active"), Int("period", "period in seconds to set collection", conv=None, empty_ok=True,
                             named_only=True), CONFIG, LIVE, CURRENT],
         exclusive=[("current", "live"), ("current", "config")],
         schema=obj({_MEM_KEYS[t]: "integer?" for t in _MEM_TAGS}))
def cmd_dommemstat(ctx: Session, domain: str, period: str | None, config: bool, live: bool,
                   current: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    flags = affect(ctx)
    # With no option given, a running domain's live setting is what changes.
    if not (current or live or config) and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    seconds = int_opt("period", period)
    if seconds is not None:
        if seconds < 0:
            raise VshError(msg("Invalid collection period value '%d'", seconds))
        try:
            dom.setMemoryStatsPeriod(seconds, flags)
        except libvirt.libvirtError as err:
            raise VshError(msg("Unable to change balloon collection period."), cause=err) from None
        return
    try:
        stats = dom.memoryStats()
    except libvirt.libvirtError as err:
        raise VshError(msg("Failed to get memory statistics for domain %s", domain), cause=err) from None
    shown = {k: v for k, v in stats.items() if k in _MEM_TAGS}
    ctx.out.data({_MEM_KEYS[t]: stats.get(t) for t in _MEM_TAGS}, "".join(f"{k} {v}\n" for k, v in shown.items()))


