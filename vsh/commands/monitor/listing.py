"""list: the domains a host has, with virsh's filters and columns."""
from __future__ import annotations


from vsh import domstate
from vsh.commands.common import (name_key)
from vsh.commands.monitor.query import domain_title
from vsh.errors import VshError, failing, from_libvirt
from vsh.output import Column
from vsh.registry import command
from vsh.schema import obj, rows
from vsh.session import Session
from vsh.spec import Flag
from vsh.i18n import _, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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
        with failing(msg("Failed to get domain persistence info")):
            persistent = dom.isPersistent()
        if not ((on("VIR_CONNECT_LIST_DOMAINS_PERSISTENT") and persistent)
                or (on("VIR_CONNECT_LIST_DOMAINS_TRANSIENT") and not persistent)):
            return False
    states = ("VIR_CONNECT_LIST_DOMAINS_RUNNING", "VIR_CONNECT_LIST_DOMAINS_PAUSED",
              "VIR_CONNECT_LIST_DOMAINS_SHUTOFF", "VIR_CONNECT_LIST_DOMAINS_OTHER")
    if has(*states):
        with failing(msg("Failed to get domain state")):
            state = dom.state(0)[0]
        plain = (domstate.RUNNING, domstate.PAUSED, domstate.SHUTOFF)
        if not ((on(states[0]) and state == domstate.RUNNING) or (on(states[1]) and state == domstate.PAUSED)
                or (on(states[2]) and state == domstate.SHUTOFF) or (on(states[3]) and state not in plain)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_AUTOSTART", "VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART"):
        with failing(msg("Failed to get domain autostart state")):
            autostart = dom.autostart()
        if not ((on("VIR_CONNECT_LIST_DOMAINS_AUTOSTART") and autostart)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART") and not autostart)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE", "VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE"):
        with failing(msg("Failed to check for managed save image")):
            saved = dom.hasManagedSaveImage(0)
        if not ((on("VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE") and saved)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE") and not saved)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT", "VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT"):
        with failing(msg("Failed to get snapshot count")):
            count = dom.snapshotNum(0)
        if not ((on("VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT") and count > 0)
                or (on("VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT") and count == 0)):
            return False
    if has("VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT", "VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT"):
        with failing(msg("Failed to get checkpoint count")):
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
            raise VshError(msg("Failed to list domains"), cause=err) from None
        # An older server: ask for the active/inactive split only and filter here.
        basic = flags & (libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
        with failing(msg("Failed to list domains")):
            domains = conn.listAllDomains(basic)
        domains = [d for d in domains if _matches(libvirt, d, flags)]

    return sorted(domains, key=list_order)


def list_order(dom: Any) -> tuple[int, int, bytes]:
    """virsh's order of listed domains: running ones first by ID, then the others by name."""
    dom_id = dom.ID()
    return (1, 0, name_key(dom.name())) if dom_id < 0 else (0, dom_id, b"")


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
        "active": dom_id >= 0,  # libvirt gives an inactive domain the ID -1
        "persistent": bool(attempt(dom.isPersistent, 0)),
        "autostart": bool(attempt(dom.autostart, 0)),
        "managed_save": managed,
        "title": title or None,
    }


LIST_ROW = obj(id="integer?", name="string", uuid="string", state="string", active="boolean", persistent="boolean",
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

    from vsh import rpc

    flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    if inactive or filters["state_shutoff"]:
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE
    if all:
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE | libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
    for option, flag in _FILTERS:
        if filters[option]:
            flags |= getattr(libvirt, flag)
    # --table excludes --uuid, --name and --id, so a table never has a UUID column.  --uuid, --id
    # and --name choose text columns; JSON rows keep every key (read as for the table).
    if not (uuid or name or id) or ctx.out.json:
        table = True
    # A table needs every domain's state: one bulk call gives both the list and the states.
    bulk = rpc.listed_states(ctx.conn, flags) if table else None
    if bulk is not None:
        bulk.sort(key=lambda pair: list_order(pair[0]))
        domains = [dom for dom, _state in bulk]
    else:
        domains = collect_domains(ctx, flags)

    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    lines: list[str] = []
    if table:
        # The state of every domain in one bulk call, then what the columns need of each domain
        # concurrently; the answers are read below in virsh's order, as its one-by-one calls give them.
        conn = ctx.conn
        # A domain whose state cannot be read went away meanwhile: virsh leaves it out.
        states = [got for _dom, got in bulk] if bulk is not None else rpc.states(conn, domains)
        listed = [(dom, got.value[0]) for dom, got in zip(domains, states) if got.ok]

        def extras(item: tuple[Any, int]) -> dict[str, Any]:
            dom, state = item
            saved = False
            if (managed_save or ctx.out.json) and state == domstate.SHUTOFF:
                saved = rpc.attempt(lambda: dom.hasManagedSaveImage(0) > 0).value_or(False)
            if ctx.out.json:
                return {"record": _list_record(dom, state, saved)}
            return {"saved": saved, "title": rpc.attempt(lambda: domain_title(dom)) if title else None}

        if managed_save or title or ctx.out.json:
            more = [got.get() for got in rpc.each(conn, extras, listed)]
        else:
            more = [{"saved": False, "title": None}] * len(listed)
        for (dom, state), got in zip(listed, more):
            if ctx.out.json:
                records.append(got["record"])
                continue
            dom_id = dom.ID()
            row: dict[str, Any] = {"id": str(dom_id) if dom_id >= 0 else "-", "name": dom.name(),
                                   "state": _(domstate.SAVED) if managed_save and got["saved"]
                                   else domstate.state_text(state)}
            if title:
                try:
                    row["title"] = got["title"].get()
                except libvirt.libvirtError as err:
                    raise from_libvirt(err) from None
            rows.append(row)
    for dom in domains if not table else []:
        dom_id = dom.ID()
        id_text = str(dom_id) if dom_id >= 0 else "-"
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
        lines.append(" ".join(parts) + "\n")
    if ctx.out.json:
        if id and not uuid and not name:
            records = [r for r in records if r["id"] is not None]  # as the text: running domains only
        ctx.out.data(records)
        return
    if not table:
        ctx.out.write("".join(lines))
        return
    columns = [Column("id", "Id"), Column("name", "Name"), Column("state", "State", state=True)]
    if title:
        columns.append(Column("title", "Title"))
    ctx.out.table(columns, rows)
