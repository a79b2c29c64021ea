"""Domain Monitoring, virsh's 'monitor' group: list, dominfo, domstate, domstats, dommemstat,
domblklist, domblkinfo, domblkstat, domblkerror, domiflist, domifstat, domifaddr, domif-getlink,
domcontrol, domtime.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

import re
from typing import Any

from vsh import domstate
from vsh.commands.common import (CONFIG, CURRENT, DOM, DOMAIN, DOMIF_INTERFACE, LIVE, get_domain, int_opt,
    name_key, parse_xml, required, select_nodes)
from vsh.errors import VshError, failing, from_libvirt
from vsh.output import Column
from vsh.registry import command
from vsh.schema import array, obj, rows
from vsh.session import Session
from vsh.spec import Alias, Argv, Data, Flag, Int, Str
from vsh.typedparams import shown_value


UINT_MAX = 2**32 - 1


def domain_state(dom: Any) -> tuple[int, int]:
    """virshDomainState: (state, reason), through virDomainGetInfo where GetState is missing."""
    import libvirt

    try:
        state, reason = dom.state(0)
        return state, reason
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    return dom.info()[0], -1


def domain_title(dom: Any) -> str:
    """virshGetDomainDescription for the title: "" when there is none."""
    import libvirt

    try:
        return dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return ""
        if code != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    from lxml import etree

    title = etree.fromstring(dom.XMLDesc(0).encode("utf-8")).findtext("title")
    return title or ""


# list ----------------------------------------------------------------------------------------

_FILTERS = (
    ("persistent", "VIR_CONNECT_LIST_DOMAINS_PERSISTENT"),
    ("transient", "VIR_CONNECT_LIST_DOMAINS_TRANSIENT"),
    ("with_managed_save", "VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE"),
    ("without_managed_save", "VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE"),
    ("autostart", "VIR_CONNECT_LIST_DOMAINS_AUTOSTART"),
    ("no_autostart", "VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART"),
    ("with_snapshot", "VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT"),
    ("without_snapshot", "VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT"),
    ("with_checkpoint", "VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT"),
    ("without_checkpoint", "VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT"),
    ("state_running", "VIR_CONNECT_LIST_DOMAINS_RUNNING"),
    ("state_paused", "VIR_CONNECT_LIST_DOMAINS_PAUSED"),
    ("state_shutoff", "VIR_CONNECT_LIST_DOMAINS_SHUTOFF"),
    ("state_other", "VIR_CONNECT_LIST_DOMAINS_OTHER"),
)


def _matches(lv: Any, dom: Any, flags: int) -> bool:
    """virsh's client-side filters, for servers that reject the filter flags."""

    def has(*names: str) -> bool:
        return any(flags & getattr(lv, n) for n in names)

    def on(name: str) -> bool:
        return bool(flags & getattr(lv, name))

    if has("VIR_CONNECT_LIST_DOMAINS_PERSISTENT", "VIR_CONNECT_LIST_DOMAINS_TRANSIENT"):
        with failing("Failed to get domain persistence info"):
            persistent = dom.isPersistent()
        if not ((on("VIR_CONNECT_LIST_DOMAINS_PERSISTENT") and persistent)
                or (on("VIR_CONNECT_LIST_DOMAINS_TRANSIENT") and not persistent)):
            return False
    states = ("VIR_CONNECT_LIST_DOMAINS_RUNNING", "VIR_CONNECT_LIST_DOMAINS_PAUSED",
              "VIR_CONNECT_LIST_DOMAINS_SHUTOFF", "VIR_CONNECT_LIST_DOMAINS_OTHER")
    if has(*states):
        with failing("Failed to get domain state"):
            state = dom.state(0)[0]
        plain = (domstate.RUNNING, domstate.PAUSED, domstate.SHUTOFF)
        if not ((on(states[0]) and state == domstate.RUNNING) or (on(states[1]) and state == domstate.PAUSED)
                or (on(states[2]) and state == domstate.SHUTOFF) or (on(states[3]) and state not in plain)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_AUTOSTART", "VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART"):
        with failing("Failed to get domain autostart state"):
            autostart = dom.autostart()
        if not ((on("VIR_CONNECT_LIST_DOMAINS_AUTOSTART") and autostart)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART") and not autostart)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE", "VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE"):
        with failing("Failed to check for managed save image"):
            saved = dom.hasManagedSaveImage(0)
        if not ((on("VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE") and saved)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE") and not saved)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT", "VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT"):
        with failing("Failed to get snapshot count"):
            count = dom.snapshotNum(0)
        if not ((on("VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT") and count > 0)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT") and count == 0)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT", "VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT"):
        with failing("Failed to get checkpoint count"):
            count = len(dom.listAllCheckpoints(0))
        if not ((on("VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT") and count > 0)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT") and count == 0)):
            return False
    return True


def collect_domains(ctx: Session, flags: int) -> list[Any]:
    """virshDomainListCollect: the domains the flags select, running ones first by ID, then by name."""
    import libvirt

    conn = ctx.conn
    try:
        domains = conn.listAllDomains(flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
            raise VshError("Failed to list domains", cause=err) from None
        # An older server: ask for the active/inactive split only and filter here.
        basic = flags & (libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
        with failing("Failed to list domains"):
            domains = conn.listAllDomains(basic)
        domains = [d for d in domains if _matches(libvirt, d, flags)]

    def key(dom: Any) -> tuple[int, int, bytes]:
        dom_id = dom.ID()
        return (1, 0, name_key(dom.name())) if dom_id < 0 else (0, dom_id, b"")

    return sorted(domains, key=key)


def _managed(dom: Any) -> bool:
    import libvirt

    try:
        return dom.hasManagedSaveImage(0) > 0
    except libvirt.libvirtError:
        return False


def _list_record(dom: Any, state: int, managed: bool) -> dict[str, Any]:
    import libvirt

    def attempt(fn: Any, default: Any) -> Any:
        try:
            return fn()
        except libvirt.libvirtError:
            return default

    dom_id = dom.ID()
    title = attempt(lambda: domain_title(dom), "")
    return {
        "id": dom_id if dom_id >= 0 else None,
        "name": dom.name(),
        "uuid": dom.UUIDString(),
        "state": domstate.state_name(state),
        "persistent": bool(attempt(dom.isPersistent, 0)),
        "autostart": bool(attempt(dom.autostart, 0)),
        "managed_save": managed,
        "title": title or None,
    }


LIST_ROW = obj(id="integer?", name="string", uuid="string", state="string", persistent="boolean",
               autostart="boolean", managed_save="boolean", title="string?")


@command("list", group="monitor", help="list domains", desc="Returns list of domains.", schema=rows(LIST_ROW),
         opts=[Flag("inactive", "list inactive domains"),
               Flag("all", "list inactive & active domains"),
               Flag("transient", "list transient domains"),
               Flag("persistent", "list persistent domains"),
               Flag("with-snapshot", "list domains with existing snapshot"),
               Flag("without-snapshot", "list domains without a snapshot"),
               Flag("with-checkpoint", "list domains with existing checkpoint"),
               Flag("without-checkpoint", "list domains without a checkpoint"),
               Flag("state-running", "list domains in running state"),
               Flag("state-paused", "list domains in paused state"),
               Flag("state-shutoff", "list domains in shutoff state"),
               Flag("state-other", "list domains in other states"),
               Flag("autostart", "list domains with autostart enabled"),
               Flag("no-autostart", "list domains with autostart disabled"),
               Flag("with-managed-save", "list domains with managed save state"),
               Flag("without-managed-save", "list domains without managed save"),
               Flag("uuid", "list uuid's only"),
               Flag("name", "list domain names only"),
               Flag("id", "list domain IDs only"),
               Flag("table", "list table (default)"),
               Flag("managed-save", "mark inactive domains with managed save state"),
               Flag("title", "show domain title")],
         exclusive=[("table", "name"), ("table", "uuid"), ("table", "id")])
def cmd_list(ctx: Session, inactive: bool, all: bool, uuid: bool, name: bool, id: bool, table: bool,
             managed_save: bool, title: bool, **filters: bool) -> None:
    import libvirt

    flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    if inactive or filters["state_shutoff"]:
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE
    if all:
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    for option, flag in _FILTERS:
        if filters[option]:
            flags |= getattr(libvirt, flag)
    # --table excludes --uuid, --name and --id, so a table never has a UUID column.
    if not (uuid or name or id):
        table = True
    domains = collect_domains(ctx, flags)

    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    lines: list[str] = []
    for dom in domains:
        dom_id = dom.ID()
        id_text = str(dom_id) if dom_id >= 0 else "-"
        if table:
            try:
                state = domain_state(dom)[0]
            except libvirt.libvirtError:
                continue  # the domain went away meanwhile
            saved = False
            if (managed_save or ctx.out.json) and state == domstate.SHUTOFF:
                try:
                    saved = dom.hasManagedSaveImage(0) > 0
                except libvirt.libvirtError:
                    saved = False
            if ctx.out.json:
                records.append(_list_record(dom, state, saved))
                continue
            row: dict[str, Any] = {"id": id_text, "name": dom.name(),
                                   "state": domstate.SAVED if managed_save and saved
                                   else domstate.state_name(state)}
            if title:
                try:
                    row["title"] = domain_title(dom)
                except libvirt.libvirtError as err:
                    raise from_libvirt(err) from None
            rows.append(row)
        else:
            parts = []
            if uuid:
                parts.append(dom.UUIDString())
            if id:
                # With --id alone, only running domains are listed.
                if dom_id < 0 and not uuid and not name:
                    continue
                parts.append(id_text)
            if name:
                parts.append(dom.name())
            if ctx.out.json:
                # --uuid, --id and --name choose text columns; JSON rows keep every key.
                try:
                    records.append(_list_record(dom, domain_state(dom)[0], _managed(dom)))
                except libvirt.libvirtError:
                    continue  # the domain went away meanwhile
                continue
            lines.append(" ".join(parts) + "\n")
    if ctx.out.json:
        ctx.out.data(records)
        return
    if not table:
        ctx.out.write("".join(lines))
        return
    columns = [Column("id", "Id"), Column("name", "Name"), Column("state", "State", state=True)]
    if title:
        columns.append(Column("title", "Title"))
    ctx.out.table(columns, rows)


# dominfo, domstate ---------------------------------------------------------------------------

@command("dominfo", group="monitor", help="domain information",
         desc="Returns basic information about the domain.", opts=[DOM()],
         schema=obj(id="integer?", name="string", uuid="string?", os_type="string?", state="string?",
                    vcpus="integer?", cpu_time_ns="integer?", max_memory_kib="integer?", memory_kib="integer?",
                    persistent="boolean?", autostart="boolean?", managed_save="boolean?",
                    security_model="string?", security_doi="string?", security_label="string?",
                    security_enforcing="boolean?", messages=array("string")))
def cmd_dominfo(ctx: Session, domain: str) -> None:
    import libvirt

    dom = get_domain(ctx, domain)
    items: list[tuple[str, str, Any, str]] = []
    record: dict[str, Any] = {k: None for k in ("id", "name", "uuid", "os_type", "state", "vcpus", "cpu_time_ns",
                                                 "max_memory_kib", "memory_kib")}

    def add(key: str, label: str, value: Any, text: str) -> None:
        items.append((key, label, value, text))
        record[key] = value

    failure: Exception | None = None
    dom_id = dom.ID()
    add("id", "Id:", dom_id if dom_id >= 0 else None, str(dom_id) if dom_id >= 0 else "-")
    add("name", "Name:", dom.name(), dom.name())
    try:
        add("uuid", "UUID:", dom.UUIDString(), dom.UUIDString())
    except libvirt.libvirtError:
        pass
    try:
        os_type = dom.OSType()
        add("os_type", "OS Type:", os_type, os_type)
    except libvirt.libvirtError:
        pass
    try:
        state, max_mem, memory, cpus, cpu_time = dom.info()
    except libvirt.libvirtError as err:
        failure = err
    else:
        add("state", "State:", domstate.state_name(state), domstate.state_name(state))
        add("vcpus", "CPU(s):", cpus, str(cpus))
        if cpu_time != 0:
            seconds = cpu_time / 1000000000.0
            add("cpu_time_ns", "CPU time:", cpu_time, f"{seconds:.1f}s")
        if max_mem != UINT_MAX:
            add("max_memory_kib", "Max memory:", max_mem, f"{max_mem} KiB")
        else:
            add("max_memory_kib", "Max memory:", None, "no limit")
        add("memory_kib", "Used memory:", memory, f"{memory} KiB")
    try:
        persistent = dom.isPersistent()
        add("persistent", "Persistent:", bool(persistent), "yes" if persistent else "no")
    except libvirt.libvirtError:
        add("persistent", "Persistent:", None, "unknown")
    try:
        autostart = dom.autostart()
        add("autostart", "Autostart:", bool(autostart), "enable" if autostart else "disable")
    except libvirt.libvirtError:
        record["autostart"] = None
    try:
        saved = dom.hasManagedSaveImage(0)
        add("managed_save", "Managed save:", bool(saved), "yes" if saved else "no")
    except libvirt.libvirtError:
        add("managed_save", "Managed save:", None, "unknown")
    for key in ("security_model", "security_doi", "security_label", "security_enforcing"):
        record[key] = None
    record["messages"] = []
    fatal: Exception | None = None
    try:
        model, doi = ctx.conn.getSecurityModel()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            fatal = err
        model = ""
    if fatal is None and model:
        add("security_model", "Security model:", model, model)
        add("security_doi", "Security DOI:", doi, doi)
        # Labels exist only while the domain runs.
        try:
            label, enforcing = dom.securityLabel()
        except libvirt.libvirtError as err:
            fatal = err
        else:
            if label:
                add("security_label", "Security label:", label,
                    f"{label} ({'enforcing' if enforcing else 'permissive'})")
                record["security_enforcing"] = bool(enforcing)
    if fatal is None:
        try:
            messages = dom.messages(0) or []
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
         opts=[DOM(), Flag("reason", "also print reason for the state")],
         schema=obj(state="string", reason="string"))
def cmd_domstate(ctx: Session, domain: str, reason: bool) -> None:
    dom = get_domain(ctx, domain)
    state, why = domain_state(dom)
    name, why_name = domstate.state_name(state), domstate.reason_name(state, why)
    text = f"{name} ({why_name})\n" if reason else f"{name}\n"
    ctx.out.data({"state": name, "reason": why_name}, text)


# the domain's XML, as domblklist, domblkinfo and domiflist read it ------------------------

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
               Argv("domain", "list of domains to get stats for", complete="domain")],
         schema=rows(obj({"name": "string", "state": "string?", "reason": "string?"},
                         extra="string|integer|number|boolean")))
def cmd_domstats(ctx: Session, domain: list[str], raw: bool, **opts: bool) -> None:
    import libvirt

    stats, flags = _stats_flags(libvirt, {k.replace("_", "-"): v for k, v in opts.items()})
    conn = ctx.conn
    if domain:
        doms = [ctx.lookup.domain(name) for name in domain]
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
    flags = ctx.flags(config=(config, libvirt.VIR_DOMAIN_AFFECT_CONFIG), live=(live, libvirt.VIR_DOMAIN_AFFECT_LIVE))
    # With no option given, a running domain's live setting is what changes.
    if not (current or live or config) and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    seconds = int_opt("period", period)
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
    ctx.out.data({_MEM_KEYS[t]: stats.get(t) for t in _MEM_TAGS}, "".join(f"{k} {v}\n" for k, v in shown.items()))


# block devices -------------------------------------------------------------------------

@command("domblklist", group="monitor", help="list all domain blocks",
         desc="Get the summary of block devices for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration"),
               Flag("details", "additionally display the type and device value")],
         schema=rows(type="string?", device="string?", target="string", source="string?"))
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
         exclusive=[("all", "device")],
         schema=rows(target="string?", capacity_bytes="integer", allocation_bytes="integer",
                     physical_bytes="integer"))
def cmd_domblkinfo(ctx: Session, domain: str, device: str | None, human: bool, all: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if not all and not device:
        raise VshError("command 'domblkinfo' requires <device> option")
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
        ctx.out.data(_blkstat_record(device, stats), "".join(lines))
        return
    prefix = device
    if human:
        lines.append(f"Device: {device}\n")
        prefix = ""
    done = set()
    for field, legacy, label in _BLKSTAT_FIELDS:
        if field in params:
            name = label if human else (legacy or field)
            lines.append(f"{prefix} {name:<{width}} {shown_value(params[field])}\n")
            done.add(field)
    for field, value in params.items():
        if field not in done:
            lines.append(f"{prefix} {field} {shown_value(value)}\n")
    ctx.out.data(_blkstat_record(device, params), "".join(lines))


# interfaces ----------------------------------------------------------------------------

@command("domiflist", group="monitor", help="list all domain virtual interfaces",
         desc="Get the summary of virtual interfaces for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration")],
         schema=rows(interface="string?", type="string?", source="string?", model="string?", mac="string?"))
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
                              complete="domain-interface", late=True)],
         schema=obj({"interface": "string", **{f: "integer?" for f in _IFSTAT_FIELDS}}))
def cmd_domifstat(ctx: Session, domain: str, interface: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    interface = ctx.late("interface", interface)
    try:
        values = dom.interfaceStats(interface)
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to get interface stats {domain} {interface}", cause=err) from None
    stats = {k: v for k, v in zip(_IFSTAT_FIELDS, values) if v >= 0}
    text = "".join(f"{interface} {k} {v}\n" for k, v in stats.items())
    ctx.out.data({"interface": interface, **{k: stats.get(k) for k in _IFSTAT_FIELDS}}, text)


# domcontrol, domblkerror -------------------------------------------------------------------------

_CONTROL_STATES = ("ok", "background job", "occupied", "error")


_CONTROL_REASONS = ("none", "unknown", "monitor failure", "internal (locking) error")


@command("domcontrol", group="monitor", help="domain control interface state",
         desc="Returns state of a control interface to the domain.", opts=[DOM(complete="domain:active")],
         schema=obj(state="string", reason="string?", state_time_seconds="number?"))
def cmd_domcontrol(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain)
    state, details, state_time = dom.controlInfo(0)
    name = _CONTROL_STATES[state] if 0 <= state < len(_CONTROL_STATES) else "unknown"
    record: dict[str, Any] = {"state": name, "reason": None, "state_time_seconds": None}
    if state not in (0, 3):
        record["state_time_seconds"] = state_time / 1000.0
        text = f"{name} ({state_time / 1000.0:.3f}s)\n"
    elif state == 3 and details > 0:
        record["reason"] = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        text = f"{name}: {record['reason']}\n"
    else:
        text = f"{name}\n"
    ctx.out.data(record, text)


_IO_ERRORS = ("no error", "unspecified error", "no space")


@command("domblkerror", group="monitor", help="Show errors on block devices", desc="Show block device errors",
         opts=[DOM(complete="domain:active")], schema=rows(target="string", error="string"))
def cmd_domblkerror(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain)
    errors = dom.diskErrors(0)
    found = [{"target": disk, "error": _IO_ERRORS[code] if 0 <= code < 3 else "unknown error"}
             for disk, code in errors.items()]
    text = "".join(f"{r['target']}: {r['error']}\n" for r in found) if found else "No errors found\n"
    ctx.out.data(found, text)


# domifaddr ------------------------------------------------------------------------------------------

@command("domifaddr", group="monitor", help="Get network interfaces' addresses for a running domain",
         desc="Get network interfaces' addresses for a running domain",
         opts=[DOM(complete="domain:active"), Str("interface", "network interface name", complete="domain-interface"),
               Flag("full", "always display names and MACs of interfaces"),
               Str("source", "address source: 'lease', 'agent', or 'arp'",
                   choices=("lease", "agent", "arp"))],
         schema=rows(interface="string", mac="string?",
                     addresses=rows(type="string", address="string?", prefix="integer?")))
def cmd_domifaddr(ctx: Session, domain: str, interface: str | None, full: bool, source: str | None) -> None:
    import libvirt

    sources = {"lease": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
               "agent": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
               "arp": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP}
    if source is not None and source not in sources:
        raise VshError(f"Unknown data source '{source}'")
    dom = get_domain(ctx, domain)
    with failing("Failed to query for interfaces addresses"):
        ifaces = dom.interfaceAddresses(sources[source or "lease"], 0) or {}
    records: list[dict[str, Any]] = []
    lines: list[str] = []
    for name, info in ifaces.items():
        if interface is not None and interface != name:
            continue
        mac = info.get("hwaddr")
        addrs = info.get("addrs") or []
        records.append({"interface": name, "mac": mac, "addresses": [
            {"type": "ipv6" if a.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV6 else "ipv4",
             "address": a.get("addr"), "prefix": a.get("prefix")} for a in addrs]})
        if not addrs:
            lines.append(f" {name:<10} {mac or 'N/A':<17}    {'N/A':<12} N/A")
            continue
        for j, a in enumerate(records[-1]["addresses"]):
            first = full or j == 0
            lines.append(f" {name if first else '-':<10} {(mac or '') if first else '-':<17}    "
                         f"{a['type']:<12} {a['address']}/{a['prefix']}")
    if ctx.out.json:
        ctx.out.data(records)
        return
    ctx.out.extra(f" {'Name':<10} {'MAC address':<20} {'Protocol':<8}     Address\n" + "-" * 79)
    ctx.out.write("".join(line + "\n" for line in lines))


# domif-getlink ---------------------------------------------------------------------------------

def mac_text(text: str) -> str:
    """virMacAddrParse then virMacAddrFormat: the normalized MAC, or "" when `text` is none."""
    parts: list[int] = []
    rest = text
    for i in range(6):
        digits = 0
        while digits < len(rest) and rest[digits] in "0123456789abcdefABCDEF":
            digits += 1
        if not 1 <= digits <= 2:
            return ""
        parts.append(int(rest[:digits], 16))
        rest = rest[digits:]
        if i == 5:
            # virsh accepts anything from a blank or control character on after the last byte.
            return ":".join(f"{p:02x}" for p in parts) if not rest or rest[0] <= " " else ""
        if not rest.startswith(":"):
            return ""
        rest = rest[1:]
    return ""


@command("domif-getlink", group="monitor", help="get link state of a virtual interface",
         desc="Get link state of a domain's virtual interface.",
         opts=[DOM(), DOMIF_INTERFACE, Alias("persistent", "config"), Flag("config", "Get persistent interface state")],
         schema=obj(interface="string", state="string"))
def cmd_domif_getlink(ctx: Session, domain: str, interface: str, config: bool) -> None:
    import libvirt

    required("interface", interface)
    dom = get_domain(ctx, domain)
    root = parse_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0))
    mac = mac_text(interface)
    # virsh pastes both values into the expression as they are.
    xpath = (f"/domain/devices/interface[(mac/@address = '{mac}') or "
             f"                          (target/@dev = '{interface}')]")
    found = select_nodes(ctx, root, xpath)
    if not found:
        raise VshError(f"Interface (mac: {mac}) not found." if mac else f"Interface (dev: {interface}) not found.")
    if len(found) > 1:
        raise VshError("multiple matching interfaces found")
    state = str(found[0].xpath("string(link/@state)")) or "up"
    ctx.out.data({"interface": interface, "state": state}, f"{interface} {state}")


# domtime ----------------------------------------------------------------------------------------

@command("domtime", group="monitor", help="domain time", desc="Gets or sets the domain's system time",
         opts=[DOM(complete="domain:active"), Flag("now", "set to the time of the host running virsh"),
               Flag("pretty", "print domain's time in human readable form"),
               Flag("sync", "instead of setting given time, synchronize from domain's RTC"),
               Int("time", "time to set", conv="long", late=True)],
         exclusive=[("time", "now"), ("time", "sync"), ("now", "sync")],
         schema=obj(time="string?", time_seconds="integer", time_ns="integer"))
def cmd_domtime(ctx: Session, domain: str, now: bool, pretty: bool, sync: bool, time: str | None) -> None:
    import time as clock

    import libvirt

    dom = get_domain(ctx, domain)
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
    ctx.out.write(f"Time: {shown}" if pretty else f"Time: {secs}")
