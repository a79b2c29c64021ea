"""Domain information: list, dominfo, domstate, domid, domname, domuuid, dumpxml.

JSON shapes (--json):
  list      [{"id": int|null, "name", "uuid", "state", "persistent": bool, "autostart": bool,
              "managed_save": bool, "title": str|null}, ...] (filters apply); with --uuid,
            --id or --name each object has only those keys ({"uuid", "id", "name"})
  dominfo   {"id": int|null, "name", "uuid", "os_type", "state", "cpus": int,
             "cpu_time": float|null (seconds), "max_memory_kib": int|null (null: no limit),
             "used_memory_kib": int, "persistent": bool|null, "autostart": bool|null,
             "managed_save": bool|null, "security_model", "security_doi", "security_label",
             "security_enforcing": bool|null, "messages": [str]}
  domstate  {"state": str, "reason": str}     (always with the reason)
  domid     {"id": int|null}    domname {"name": str}    domuuid {"uuid": str}
  dumpxml   {"xml": str}        (with --xpath: the printed nodes as one string)
State and reason strings are virsh's own ("shut off", "booted"; see vsh.domstate).
"""
from __future__ import annotations

from typing import Any

from vsh import domstate
from vsh.commands.common import DOM, WRAP, XPATH, dump_xml, get_domain, name_key
from vsh.errors import VshError, failing, from_libvirt
from vsh.output import Column
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Flag

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


@command("list", group="monitor", help="list domains", desc="Returns list of domains.",
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
            # Under --json the layout flags pick the keys, as net-list's --name and --uuid do.
            record: dict[str, Any] = {}
            if uuid:
                parts.append(dom.UUIDString())
                record["uuid"] = parts[-1]
            if id:
                # With --id alone, only running domains are listed.
                if dom_id < 0 and not uuid and not name:
                    continue
                parts.append(id_text)
                record["id"] = dom_id if dom_id >= 0 else None
            if name:
                parts.append(dom.name())
                record["name"] = parts[-1]
            lines.append(" ".join(parts) + "\n")
            records.append(record)
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
         desc="Returns basic information about the domain.", opts=[DOM()])
def cmd_dominfo(ctx: Session, domain: str) -> None:
    import libvirt

    dom = get_domain(ctx, domain)
    items: list[tuple[str, str, Any, str]] = []
    obj: dict[str, Any] = {}

    def add(key: str, label: str, value: Any, text: str) -> None:
        items.append((key, label, value, text))
        obj[key] = value

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
        add("cpus", "CPU(s):", cpus, str(cpus))
        if cpu_time != 0:
            seconds = cpu_time / 1000000000.0
            add("cpu_time", "CPU time:", seconds, f"{seconds:.1f}s")
        else:
            obj["cpu_time"] = None
        if max_mem != UINT_MAX:
            add("max_memory_kib", "Max memory:", max_mem, f"{max_mem} KiB")
        else:
            add("max_memory_kib", "Max memory:", None, "no limit")
        add("used_memory_kib", "Used memory:", memory, f"{memory} KiB")
    try:
        persistent = dom.isPersistent()
        add("persistent", "Persistent:", bool(persistent), "yes" if persistent else "no")
    except libvirt.libvirtError:
        add("persistent", "Persistent:", None, "unknown")
    try:
        autostart = dom.autostart()
        add("autostart", "Autostart:", bool(autostart), "enable" if autostart else "disable")
    except libvirt.libvirtError:
        obj["autostart"] = None
    try:
        saved = dom.hasManagedSaveImage(0)
        add("managed_save", "Managed save:", bool(saved), "yes" if saved else "no")
    except libvirt.libvirtError:
        add("managed_save", "Managed save:", None, "unknown")
    for key in ("security_model", "security_doi", "security_label", "security_enforcing"):
        obj[key] = None
    obj["messages"] = []
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
                obj["security_enforcing"] = bool(enforcing)
    if fatal is None:
        try:
            messages = dom.messages(0) or []
        except libvirt.libvirtError:
            messages = []
        for i, message in enumerate(messages):
            items.append(("messages", "Messages:" if i == 0 else "", message, message))
        obj["messages"] = list(messages)
    # virsh stops at a security failure; a failed GetInfo only fails the command at the end.
    failure = fatal or failure
    if not ctx.out.json:
        ctx.out.kv(items, width=15)
    if failure is not None:
        raise from_libvirt(failure)
    ctx.out.data(obj)


@command("domstate", group="monitor", help="domain state", desc="Returns state about a domain.",
         opts=[DOM(), Flag("reason", "also print reason for the state")])
def cmd_domstate(ctx: Session, domain: str, reason: bool) -> None:
    dom = get_domain(ctx, domain)
    state, why = domain_state(dom)
    name, why_name = domstate.state_name(state), domstate.reason_name(state, why)
    text = f"{name} ({why_name})\n" if reason else f"{name}\n"
    ctx.out.data({"state": name, "reason": why_name}, text)


# domid, domname, domuuid, dumpxml ----------------------------------------------------------------

@command("domid", group="domain", help="convert a domain name or UUID to domain id",
         opts=[DOM("domain name or uuid", complete="domain:active")])
def cmd_domid(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain, by_id=False)
    dom_id = dom.ID()
    ctx.out.data({"id": dom_id if dom_id >= 0 else None}, (str(dom_id) if dom_id >= 0 else "-") + "\n")


@command("domname", group="domain", help="convert a domain id or UUID to domain name",
         opts=[DOM("domain id or uuid")])
def cmd_domname(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain, by_name=False)
    ctx.out.data({"name": dom.name()}, dom.name() + "\n")


@command("domuuid", group="domain", help="convert a domain name or id to domain UUID",
         opts=[DOM("domain id or name")])
def cmd_domuuid(ctx: Session, domain: str) -> None:
    import libvirt

    dom = get_domain(ctx, domain, by_uuid=False)
    try:
        uuid = dom.UUIDString()
    except libvirt.libvirtError:
        raise VshError("failed to get domain UUID") from None
    ctx.out.data({"uuid": uuid}, uuid + "\n")


@command("dumpxml", group="domain", help="domain information in XML",
         desc="Output the domain information as an XML dump to stdout.",
         opts=[DOM(), Flag("inactive", "show inactive defined XML"),
               Flag("security-info", "include security sensitive information in XML dump"),
               Flag("update-cpu", "update guest CPU according to host CPU"),
               Flag("migratable", "provide XML suitable for migrations"),
               XPATH(), WRAP])
def cmd_dumpxml(ctx: Session, domain: str, inactive: bool, security_info: bool, update_cpu: bool,
                migratable: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    flags = ctx.flags(inactive=(inactive, libvirt.VIR_DOMAIN_XML_INACTIVE),
                      secure=(security_info, libvirt.VIR_DOMAIN_XML_SECURE),
                      update_cpu=(update_cpu, libvirt.VIR_DOMAIN_XML_UPDATE_CPU),
                      migratable=(migratable, libvirt.VIR_DOMAIN_XML_MIGRATABLE))
    dom = get_domain(ctx, domain)
    if xpath == "":
        # virsh reads --xpath quietly, before fetching the XML: an empty one fails the
        # command with no message.
        raise VshError("")
    dump_xml(ctx, dom.XMLDesc(flags), xpath, wrap)
