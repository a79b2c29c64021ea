"""Storage pool commands: pool-list, pool-define, pool-define-as, pool-create, pool-create-as,
pool-start, pool-destroy, pool-undefine, pool-info, pool-dumpxml, pool-refresh, pool-autostart,
pool-build, pool-delete, pool-name, pool-uuid, pool-capabilities, find-storage-pool-sources(-as).

pool-event waits for storage pool events (vsh.eventwatch); pool-edit edits the XML in
$EDITOR (vsh.editor).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh import eventnames
from vsh.commands import common
from vsh.editor import edit_xml, inactive_xml, report_edited
from vsh.errors import VshError, failing
from vsh.eventwatch import ObjectEvents, event_opts, object_event
from vsh.output import Column
from vsh.eventwatch import EVENTS_SCHEMA
from vsh.registry import command
from vsh.schema import EDITED, XML, obj, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Opt, Str
from vsh.units import format_capacity
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_STATES = ("inactive", "building", "running", "degraded", "inaccessible")


_RUNNING, _DEGRADED = 2, 3


#: Pool types --type accepts, as libvirt names them.
POOL_TYPES = ("dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
              "sheepdog", "gluster", "zfs", "vstorage")


BUILD = Flag("build", "build the pool as normal")


NO_OVERWRITE = Flag("no-overwrite", "do not overwrite any existing data")


OVERWRITE = Flag("overwrite", "overwrite any existing data")


_X_AS_OPTS: list[Opt] = [
    Data("name", "name of the pool"),
    Data("type", "type of the pool", choices=POOL_TYPES),
    Flag("print-xml", "print XML document, but don't define/create"),
    Str("source-host", "source-host for underlying storage"),
    Str("source-path", "source path for underlying storage"),
    Str("source-dev", "source device for underlying storage"),
    Str("source-name", "source name for underlying storage"),
    Str("target", "target for underlying storage"),
    Str("source-format", "format for underlying storage"),
    Str("auth-type", "auth type to be used for underlying storage"),
    Str("auth-username", "auth username to be used for underlying storage"),
    Str("secret-usage", "auth secret usage to be used for underlying storage"),
    Str("secret-uuid", "auth secret UUID to be used for underlying storage"),
    Str("adapter-name", "adapter name to be used for underlying storage"),
    Str("adapter-wwnn", "adapter wwnn to be used for underlying storage"),
    Str("adapter-wwpn", "adapter wwpn to be used for underlying storage"),
    Str("adapter-parent", "adapter parent scsi_hostN to be used for underlying vHBA storage"),
    Str("adapter-parent-wwnn", "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage"),
    Str("adapter-parent-wwpn", "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage"),
    Str("adapter-parent-fabric-wwn", "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage"),
    Str("source-protocol-ver", "nfsvers value for NFS pool mount option"),
    Str("source-initiator", "initiator iqn for underlying storage"),
]


def state_name(state: int) -> str:
    """virsh's word for a pool state."""
    return _STATES[state] if 0 <= state < len(_STATES) else "unknown"


def _size_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return format_capacity(value)


def _create_flags(ctx: Session) -> int:
    """VIR_STORAGE_POOL_CREATE_* for the running command's --build, --overwrite and --no-overwrite."""
    import libvirt

    return ctx.flags(build=libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD,
                     overwrite=libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE,
                     no_overwrite=libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)


POOL_RECORD = obj(name="string", uuid="string", state="string?", active="boolean?", persistent="boolean?",
                  autostart="boolean?", capacity_bytes="integer?", allocation_bytes="integer?",
                  available_bytes="integer?")


def pool_record(ctx: Session, pool: Any) -> dict[str, Any]:
    """A pool in the JSON vocabulary: sizes in bytes while it runs, null otherwise."""
    import libvirt

    record: dict[str, Any] = {"name": pool.name(), "uuid": pool.UUIDString(), "state": None, "active": None,
                              "persistent": None, "autostart": common.autostart_of(pool), "capacity_bytes": None,
                              "allocation_bytes": None, "available_bytes": None}
    try:
        record["persistent"] = bool(pool.isPersistent())
    except libvirt.libvirtError:
        pass
    try:
        state, capacity, allocation, available = pool.info()
    except libvirt.libvirtError:
        ctx.out.error([msg("Could not retrieve pool information")])
        return record
    record["state"] = state_name(state)
    record["active"] = bool(pool.isActive())
    if state in (_RUNNING, _DEGRADED):
        record.update(capacity_bytes=capacity, allocation_bytes=allocation, available_bytes=available)
    return record


@command("pool-list", schema=rows(POOL_RECORD),
         group="pool", help="list pools", desc="Returns list of pools.",
         opts=[Flag("inactive", "list inactive pools"), Flag("all", "list inactive & active pools"),
               Flag("transient", "list transient pools"), Flag("persistent", "list persistent pools"),
               Flag("autostart", "list pools with autostart enabled"),
               Flag("no-autostart", "list pools with autostart disabled"),
               Str("type", "only list pool of specified type(s) (if supported)", choices=POOL_TYPES,
                   comma=True),
               Flag("details", "display extended details for pools"),
               Flag("uuid", "list UUID of active pools only"), Flag("name", "list name of active pools only")],
         exclusive=[("all", "inactive")])
def cmd_pool_list(ctx: Session, inactive: bool, all: bool, transient: bool, persistent: bool, autostart: bool,
                  no_autostart: bool, type: str | None, details: bool, uuid: bool, name: bool) -> None:
    import libvirt

    flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
    if inactive:
        flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
    if all:
        flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE | libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
    flags |= ctx.flags(autostart=libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART,
                       no_autostart=libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART,
                       persistent=libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT,
                       transient=libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT)
    # virsh checks these after reading --type, so they are not declared as exclusive.
    for other, given in (("uuid", uuid), ("name", name)):
        if details and given:
            raise VshError(msg("Options --%s and --%s are mutually exclusive", "details", other))
    if type is not None:
        from vsh.values import split_list

        for pool_type in split_list(type):
            if pool_type not in POOL_TYPES:
                raise VshError(msg("Invalid pool type '%s'", pool_type))
            flags |= getattr(libvirt, "VIR_CONNECT_LIST_STORAGE_POOLS_" + pool_type.upper().replace("-", "_"))
    with failing(msg("Failed to list pools")):
        pools = sorted(ctx.conn.listAllStoragePools(flags), key=lambda p: common.name_key(p.name()))
    if ctx.out.json:
        # --details, --uuid and --name choose the text's columns; every JSON row has every key.
        from vsh import rpc

        asked = [("autostart",), ("info",), ("isPersistent",), ("isActive",)]
        ctx.out.data([pool_record(ctx, p) for p in rpc.prefetch(ctx.conn, pools, asked)])
        return

    from vsh import rpc

    # What each pool is asked below goes out for all pools at once.
    asked = [("autostart",), ("info",)] + ([("isPersistent",)] if details else [("isActive",)])
    rows = []
    for pool in rpc.prefetch(ctx.conn, pools, asked) if not (uuid or name) or details else pools:
        # Keys in column order, which is also the order of the JSON objects.
        row: dict[str, Any] = dict.fromkeys(("name", "state", "autostart", "persistent") if details
                                            else ("name", "active", "autostart"))
        row["name"], row["autostart"] = pool.name(), common.autostart_of(pool)
        if details:
            try:
                row["persistent"] = bool(pool.isPersistent())
            except libvirt.libvirtError:
                row["persistent"] = None
        try:
            state, capacity, allocation, available = pool.info()
        except libvirt.libvirtError:
            ctx.out.error([msg("Could not retrieve pool information")])
            if details:
                row.update(state="unknown", capacity="unknown", allocation="unknown", available="unknown")
            else:
                row["active"] = None
        else:
            if details:
                row["state"] = state_name(state)
                running = state in (_RUNNING, _DEGRADED)
                row["capacity"] = capacity if running else None
                row["allocation"] = allocation if running else None
                row["available"] = available if running else None
            else:
                row["active"] = bool(pool.isActive())
        rows.append(row)

    if not details and (uuid or name):
        lines, objs = [], []
        for pool in pools:
            obj: dict[str, Any] = {}
            line = ""
            if uuid:
                obj["uuid"] = pool.UUIDString()
                line += f"{obj['uuid']:<36}" + (" " if name else "\n")
            if name:
                obj["name"] = pool.name()
                # printf's "%-20s" pads to 20 bytes, not characters.
                line += obj["name"] + " " * (20 - len(obj["name"].encode("utf-8", "surrogateescape"))) + "\n"
            lines.append(line)
            objs.append(obj)
        ctx.out.data(objs, "".join(lines))
        return
    if not details:
        ctx.out.table([
            Column("name", "Name"),
            Column("active", "State", lambda v: _("unknown") if v is None else (_("active") if v else _("inactive")),
                   state=True),
            Column("autostart", "Autostart", common.yes_no),
        ], rows)
        return
    ctx.out.table([
        Column("name", "Name"),
        Column("state", "State", _, state=True),
        Column("autostart", "Autostart", common.yes_no),
        Column("persistent", "Persistent", lambda v: common.yes_no(v, "unknown")),
        Column("capacity", "Capacity", _size_text),
        Column("allocation", "Allocation", _size_text),
        Column("available", "Available", _size_text),
    ], rows)


@command("pool-define", group="pool",
         help="define an inactive persistent storage pool or modify an existing persistent one from an XML file",
         desc="Define or modify a persistent storage pool.",
         opts=[common.FILE("file containing an XML pool description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_pool_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to define pool from %s", file)):
        pool = ctx.conn.storagePoolDefineXML(
            xml, ctx.flags(validate=libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE))
    ctx.out.extra(fmt("Pool %s defined from %s\n", pool.name(), file), end="")


@command("pool-create", group="pool", help="create a pool from an XML file", desc="Create a pool.",
         opts=[common.FILE("file containing an XML pool description"), BUILD, NO_OVERWRITE, OVERWRITE],
         exclusive=[("overwrite", "no-overwrite")])
def cmd_pool_create(ctx: Session, file: str, build: bool, no_overwrite: bool, overwrite: bool) -> None:
    flags = _create_flags(ctx)
    xml = ctx.read_file(file)
    with failing(msg("Failed to create pool from %s", file)):
        pool = ctx.conn.storagePoolCreateXML(xml, flags)
    ctx.out.extra(fmt("Pool %s created from %s\n", pool.name(), file), end="")


def _pool_xml(name: str, type: str, values: dict[str, Any]) -> str:
    from vsh.xmlbuild import pool_xml

    return pool_xml(name, type, values)


@command("pool-define-as", schema=XML,
         group="pool", help="define a pool from a set of args", desc="Define a pool.",
         opts=_X_AS_OPTS, exclusive=[("secret-usage", "secret-uuid")])
def cmd_pool_define_as(ctx: Session, name: str, type: str, print_xml: bool, **values: Any) -> None:
    xml = _pool_xml(name, type, values)
    if print_xml:
        ctx.out.xml(xml)
        return
    with failing(msg("Failed to define pool %s", name)):
        ctx.conn.storagePoolDefineXML(xml, 0)
    ctx.out.extra(fmt("Pool %s defined\n", name), end="")


@command("pool-create-as", schema=XML,
         group="pool", help="create a pool from a set of args", desc="Create a pool.",
         opts=_X_AS_OPTS + [BUILD, NO_OVERWRITE, OVERWRITE],
         exclusive=[("overwrite", "no-overwrite"), ("secret-usage", "secret-uuid")])
def cmd_pool_create_as(ctx: Session, name: str, type: str, print_xml: bool, build: bool, no_overwrite: bool,
                       overwrite: bool, **values: Any) -> None:
    flags = _create_flags(ctx)
    xml = _pool_xml(name, type, values)
    if print_xml:
        ctx.out.xml(xml)
        return
    with failing(msg("Failed to create pool %s", name)):
        ctx.conn.storagePoolCreateXML(xml, flags)
    ctx.out.extra(fmt("Pool %s created\n", name), end="")


@command("pool-start", group="pool", help="start a (previously defined) inactive pool", desc="Start a pool.",
         opts=[common.POOL(complete="pool:inactive"), BUILD, NO_OVERWRITE, OVERWRITE])
def cmd_pool_start(ctx: Session, pool: str, build: bool, no_overwrite: bool, overwrite: bool) -> None:
    obj = ctx.lookup.pool(pool)
    # virsh looks the pool up before it checks these two.
    if overwrite and no_overwrite:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "overwrite", "no-overwrite"))
    with failing(msg("Failed to start pool %s", pool)):
        obj.create(_create_flags(ctx))
    ctx.out.extra(fmt("Pool %s started\n", pool), end="")


@command("pool-destroy", group="pool", help="destroy (stop) a pool",
         desc="Forcefully stop a given pool. Raw data in the pool is untouched", opts=[common.POOL(complete="pool:active")])
def cmd_pool_destroy(ctx: Session, pool: str) -> None:
    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to destroy pool %s", pool)):
        obj.destroy()
    ctx.out.extra(fmt("Pool %s destroyed\n", pool), end="")


@command("pool-undefine", group="pool", help="undefine an inactive pool",
         desc="Undefine the configuration for an inactive pool.", opts=[common.POOL(complete="pool:persistent")])
def cmd_pool_undefine(ctx: Session, pool: str) -> None:
    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to undefine pool %s", pool)):
        obj.undefine()
    ctx.out.extra(fmt("Pool %s has been undefined\n", pool), end="")


@command("pool-refresh", group="pool", help="refresh a pool", desc="Refresh a given pool.", opts=[common.POOL(complete="pool:active")])
def cmd_pool_refresh(ctx: Session, pool: str) -> None:
    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to refresh pool %s", pool)):
        obj.refresh(0)
    ctx.out.extra(fmt("Pool %s refreshed\n", pool), end="")


@command("pool-autostart", group="pool", help="autostart a pool",
         desc="Configure a pool to be automatically started at boot.",
         opts=[common.POOL(complete="pool:persistent"), Flag("disable", "disable autostarting")])
def cmd_pool_autostart(ctx: Session, pool: str, disable: bool) -> None:
    obj = ctx.lookup.pool(pool)
    verb = "unmark" if disable else "mark"
    with failing(msg("failed to " + verb + " pool %s as autostarted", pool)):
        obj.setAutostart(0 if disable else 1)
    ctx.out.extra(fmt("Pool %s " + verb + "ed as autostarted\n", pool), end="")


@command("pool-info", schema=POOL_RECORD,
         group="pool", help="storage pool information",
         desc="Returns basic information about the storage pool.",
         opts=[common.POOL(), Flag("bytes", "Return pool info in bytes")])
def cmd_pool_info(ctx: Session, pool: str, bytes: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    if ctx.out.json:
        obj.info()  # a failure is the command's failure, as in text
        ctx.out.data(pool_record(ctx, obj))
        return
    items: list[tuple[str, str, Any, str]] = [("name", "Name:", obj.name(), obj.name())]
    uuid = obj.UUIDString()
    items.append(("uuid", "UUID:", uuid, uuid))
    try:
        state, capacity, allocation, available = obj.info()
    except libvirt.libvirtError:
        ctx.out.kv(items)
        raise
    items.append(("state", "State:", state_name(state), _(state_name(state))))
    try:
        persistent: bool | None = bool(obj.isPersistent())
    except libvirt.libvirtError:
        persistent = None
    items.append(("persistent", "Persistent:", persistent, common.yes_no(persistent, "unknown")))
    autostart = common.autostart_of(obj)
    items.append(("autostart", "Autostart:", autostart, common.yes_no(autostart)))
    if state in (_RUNNING, _DEGRADED):
        for key, value in (("capacity", capacity), ("allocation", allocation), ("available", available)):
            items.append((key, key.capitalize() + ":", value, str(value) if bytes else format_capacity(value)))
    ctx.out.kv(items)


@command("pool-dumpxml", schema=XML,
         group="pool", help="pool information in XML",
         desc="Output the pool information as an XML dump to stdout.",
         opts=[common.POOL(), Flag("inactive", "show inactive defined XML"), common.XPATH(), common.WRAP])
def cmd_pool_dumpxml(ctx: Session, pool: str, inactive: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    xml = obj.XMLDesc(ctx.flags(inactive=libvirt.VIR_STORAGE_XML_INACTIVE))
    common.dump_xml(ctx, xml, xpath, wrap)


@command("pool-name", schema=single("name"),
         group="pool", help="convert a pool UUID to pool name", opts=[common.POOL()])
def cmd_pool_name(ctx: Session, pool: str) -> None:
    name = ctx.lookup.pool(pool, by_name=False).name()
    ctx.out.data({"name": name}, name + "\n")


@command("pool-uuid", schema=single("uuid"),
         group="pool", help="convert a pool name to pool UUID", opts=[common.POOL()])
def cmd_pool_uuid(ctx: Session, pool: str) -> None:
    uuid = ctx.lookup.pool(pool, by_uuid=False).UUIDString()
    ctx.out.data({"uuid": uuid}, uuid + "\n")


@command("pool-build", group="pool", help="build a pool", desc="Build a given pool.",
         opts=[common.POOL(), NO_OVERWRITE, OVERWRITE])
def cmd_pool_build(ctx: Session, pool: str, no_overwrite: bool, overwrite: bool) -> None:
    import libvirt

    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to build pool %s", pool)):
        obj.build(ctx.flags(no_overwrite=libvirt.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE,
                            overwrite=libvirt.VIR_STORAGE_POOL_BUILD_OVERWRITE))
    ctx.out.extra(fmt("Pool %s built\n", pool), end="")


@command("pool-delete", group="pool", help="delete a pool", desc="Delete a given pool.", opts=[common.POOL(complete="pool:inactive")])
def cmd_pool_delete(ctx: Session, pool: str) -> None:
    obj = ctx.lookup.pool(pool)
    with failing(msg("Failed to delete pool %s", pool)):
        obj.delete(0)
    ctx.out.extra(fmt("Pool %s deleted\n", pool), end="")


@command("pool-capabilities", schema=XML,
         group="pool", help="storage pool capabilities",
         desc="Returns capabilities of storage pool support.")
def cmd_pool_capabilities(ctx: Session) -> None:
    with failing(msg("failed to get storage pool capabilities")):
        caps = ctx.conn.getStoragePoolCapabilities(0)
    ctx.out.xml(caps + "\n")


def _find_sources(ctx: Session, pool_type: str, spec: str | None) -> None:
    with failing(msg("Failed to find any %s pool sources", pool_type)):
        found = ctx.conn.findStoragePoolSources(pool_type, spec, 0)
    ctx.out.xml(found)


@command("find-storage-pool-sources-as", schema=XML,
         group="pool", help="find potential storage pool sources",
         desc="Returns XML <sources> document.",
         opts=[Data("type", "type of storage pool sources to find", choices=POOL_TYPES),
               Str("host", "optional host to query"), Str("port", "optional port to query", empty_ok=True),
               Str("initiator", "optional initiator IQN to use for query")])
def cmd_find_storage_pool_sources_as(ctx: Session, type: str, host: str | None, port: str | None,
                                     initiator: str | None) -> None:
    spec = None
    if host is not None:
        # virsh reads --port only with --host, and then adds a line of its own to the usual one.
        common.required("port", port, cause=VshError(msg("missing argument")))
        from vsh.xmlbuild import source_xml

        spec = source_xml(host, port, initiator)
    _find_sources(ctx, type, spec)


@command("find-storage-pool-sources", schema=XML,
         group="pool", help="discover potential storage pool sources",
         desc="Returns XML <sources> document.",
         opts=[Data("type", "type of storage pool sources to discover", choices=POOL_TYPES),
               Str("srcSpec", "optional file of source xml to query for pools", complete="file")])
def cmd_find_storage_pool_sources(ctx: Session, type: str, srcSpec: str | None) -> None:  # noqa: N803
    spec = ctx.read_file(srcSpec) if srcSpec is not None else None
    _find_sources(ctx, type, spec)


@command("pool-event", schema=EVENTS_SCHEMA,
         group="pool", help="Storage Pool Events",
         desc="List event types, or wait for storage pool events to occur",
         opts=event_opts(Str("pool", "filter by storage pool name or uuid", complete="pool", empty_ok=True)))
def cmd_pool_event(ctx: Session, pool: str | None, event: str | None, loop: bool, timeout: str | None,
                   list: bool, timestamp: bool) -> None:
    object_event(ctx, _POOL_EVENTS, pool, event, loop, timeout, list, timestamp)


_POOL_EVENTS = ObjectEvents(eventnames.POOL_EVENTS, eventnames.POOL_LIFECYCLE, "pool", "storage pool",
                            "storagePoolEventRegisterAny", "storagePoolEventDeregisterAny", lambda o: o.name(),
                            lambda ctx, name: ctx.lookup.pool(name))


@command("pool-edit", schema=EDITED,
         group="pool", help="edit XML configuration for a storage pool",
         desc="Edit the XML configuration for a storage pool.", opts=[common.POOL()])
def cmd_pool_edit(ctx: Session, pool: str) -> None:
    import libvirt

    p = ctx.lookup.pool(pool)
    edited = edit_xml(ctx, lambda: inactive_xml(p, libvirt.VIR_STORAGE_XML_INACTIVE),
                      lambda xml: ctx.conn.storagePoolDefineXML(xml, 0))
    if edited is None:
        report_edited(ctx, "pool", p.name(), False, fmt("Pool %s XML configuration not changed.\n", p.name()))
    else:
        report_edited(ctx, "pool", edited.name(), True, fmt("Pool %s XML configuration edited.\n", edited.name()))
