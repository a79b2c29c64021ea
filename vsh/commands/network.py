"""Network commands: net-list, net-define, net-create, net-start, net-destroy, net-undefine,
net-info, net-dumpxml, net-autostart, net-name, net-uuid, net-update, net-dhcp-leases and the
net-port-* commands.

net-event waits for network events (vsh.eventwatch); net-edit edits the XML in $EDITOR
(vsh.editor).

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
from vsh.spec import Data, Flag, Int, Opt, Str
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@command("net-list", schema=rows(name="string", uuid="string", active="boolean", persistent="boolean",
                                 autostart="boolean?"),
         group="network", help="list networks", desc="Returns list of networks.",
         opts=[Flag("inactive", "list inactive networks"), Flag("all", "list inactive & active networks"),
               Flag("persistent", "list persistent networks"), Flag("transient", "list transient networks"),
               Flag("autostart", "list networks with autostart enabled"),
               Flag("no-autostart", "list networks with autostart disabled"),
               Flag("uuid", "list uuid's only"), Flag("name", "list network names only"),
               Flag("table", "list table (default)")])
def cmd_net_list(ctx: Session, inactive: bool, all: bool, persistent: bool, transient: bool,
                 autostart: bool, no_autostart: bool, uuid: bool, name: bool, table: bool) -> None:
    import libvirt

    flags = libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE
    if inactive:
        flags = libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE
    if all:
        flags = libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE | libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE
    flags |= ctx.flags(persistent=libvirt.VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
                       transient=libvirt.VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
                       autostart=libvirt.VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
                       no_autostart=libvirt.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART)
    if table + name + uuid > 1:
        raise VshError(msg("Only one argument from --table, --name and --uuid may be specified."))
    with failing(msg("Failed to list networks")):
        nets = sorted(ctx.conn.listAllNetworks(flags), key=lambda n: common.name_key(n.name()))
    if ctx.out.json:
        from vsh import rpc

        # --uuid, --name and --table choose the text's columns; every JSON row has every key.
        nets = rpc.prefetch(ctx.conn, nets, [("isActive",), ("autostart",), ("isPersistent",)])
        ctx.out.data([{"name": n.name(), "uuid": n.UUIDString(), "active": bool(n.isActive()),
                       "persistent": bool(n.isPersistent()), "autostart": common.autostart_of(n)} for n in nets])
        return
    if uuid:
        uuids = [n.UUIDString() for n in nets]
        ctx.out.data([{"uuid": u} for u in uuids], "".join(u + "\n" for u in uuids))
        return
    if name:
        names = [n.name() for n in nets]
        ctx.out.data([{"name": n} for n in names], "".join(n + "\n" for n in names))
        return
    from vsh import rpc

    nets = rpc.prefetch(ctx.conn, nets, [("isActive",), ("autostart",), ("isPersistent",)])
    rows = [{"name": n.name(), "active": bool(n.isActive()), "autostart": common.autostart_of(n),
             "persistent": bool(n.isPersistent())} for n in nets]
    ctx.out.table([
        Column("name", "Name"),
        Column("active", "State", lambda v: _("active") if v else _("inactive"), state=True),
        Column("autostart", "Autostart", common.yes_no),
        Column("persistent", "Persistent", common.yes_no),
    ], rows)


def _define_or_create(ctx: Session, file: str, validate: bool, define: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    conn = ctx.conn
    verb = "define" if define else "create"
    with failing(msg("Failed to " + verb + " network from %s", file)):
        if define:
            net = (conn.networkDefineXMLFlags(xml, libvirt.VIR_NETWORK_DEFINE_VALIDATE) if validate
                   else conn.networkDefineXML(xml))
        else:
            net = (conn.networkCreateXMLFlags(xml, libvirt.VIR_NETWORK_CREATE_VALIDATE) if validate
                   else conn.networkCreateXML(xml))
    ctx.out.extra(fmt("Network %s " + verb + "d from %s\n", net.name(), file), end="")


@command("net-define", group="network",
         help="define an inactive persistent virtual network or modify an existing persistent one from an XML file",
         desc="Define or modify a persistent virtual network.",
         opts=[common.FILE("file containing an XML network description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_net_define(ctx: Session, file: str, validate: bool) -> None:
    _define_or_create(ctx, file, validate, define=True)


@command("net-create", group="network", help="create a network from an XML file", desc="Create a network.",
         opts=[common.FILE("file containing an XML network description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_net_create(ctx: Session, file: str, validate: bool) -> None:
    _define_or_create(ctx, file, validate, define=False)


@command("net-start", group="network", help="start a (previously defined) inactive network",
         desc="Start a network.", opts=[common.NETWORK(complete="network:inactive")])
def cmd_net_start(ctx: Session, network: str) -> None:
    net = ctx.lookup.network(network)
    with failing(msg("Failed to start network %s", network)):
        net.create()
    ctx.out.extra(fmt("Network %s started\n", network), end="")


@command("net-destroy", group="network", help="destroy (stop) a network",
         desc="Forcefully stop a given network.", opts=[common.NETWORK(complete="network:active")])
def cmd_net_destroy(ctx: Session, network: str) -> None:
    net = ctx.lookup.network(network)
    with failing(msg("Failed to destroy network %s", network)):
        net.destroy()
    ctx.out.extra(fmt("Network %s destroyed\n", network), end="")


@command("net-undefine", group="network", help="undefine a persistent network",
         desc="Undefine the configuration for a persistent network.", opts=[common.NETWORK(complete="network:persistent")])
def cmd_net_undefine(ctx: Session, network: str) -> None:
    net = ctx.lookup.network(network)
    with failing(msg("Failed to undefine network %s", network)):
        net.undefine()
    ctx.out.extra(fmt("Network %s has been undefined\n", network), end="")


@command("net-info", schema=obj(name="string", uuid="string", active="boolean", persistent="boolean?",
                                autostart="boolean?", bridge="string?"),
         group="network", help="network information",
         desc="Returns basic information about the network", opts=[common.NETWORK()])
def cmd_net_info(ctx: Session, network: str) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    items: list[tuple[str, str, Any, str]] = [("name", "Name:", net.name(), net.name())]
    uuid = net.UUIDString()
    items.append(("uuid", "UUID:", uuid, uuid))
    active = bool(net.isActive())
    items.append(("active", "Active:", active, common.yes_no(active)))
    try:
        persistent: bool | None = bool(net.isPersistent())
    except libvirt.libvirtError:
        persistent = None
    items.append(("persistent", "Persistent:", persistent, common.yes_no(persistent, "unknown")))
    autostart = common.autostart_of(net)
    items.append(("autostart", "Autostart:", autostart, common.yes_no(autostart)))
    try:
        bridge: str | None = net.bridgeName()
    except libvirt.libvirtError:
        bridge = None
    if bridge:
        items.append(("bridge", "Bridge:", bridge, bridge))
    elif ctx.out.json:
        items.append(("bridge", "Bridge:", None, ""))
    ctx.out.kv(items)


@command("net-dumpxml", schema=XML,
         group="network", help="network information in XML",
         desc="Output the network information as an XML dump to stdout.",
         opts=[common.NETWORK(), Flag("inactive", "show inactive defined XML"), common.XPATH(), common.WRAP])
def cmd_net_dumpxml(ctx: Session, network: str, inactive: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    xml = net.XMLDesc(ctx.flags(inactive=libvirt.VIR_NETWORK_XML_INACTIVE))
    common.dump_xml(ctx, xml, xpath, wrap)


@command("net-autostart", group="network", help="autostart a network",
         desc="Configure a network to be automatically started at boot.",
         opts=[common.NETWORK(complete="network:persistent"), Flag("disable", "disable autostarting")])
def cmd_net_autostart(ctx: Session, network: str, disable: bool) -> None:
    net = ctx.lookup.network(network)
    verb = "unmark" if disable else "mark"
    with failing(msg("failed to " + verb + " network %s as autostarted", network)):
        net.setAutostart(0 if disable else 1)
    ctx.out.extra(fmt("Network %s " + verb + "ed as autostarted\n", network), end="")


@command("net-name", schema=single("name"),
         group="network", help="convert a network UUID to network name",
         opts=[common.NETWORK("network uuid", complete="network-uuid")])
def cmd_net_name(ctx: Session, network: str) -> None:
    name = ctx.lookup.network(network, by_name=False).name()
    ctx.out.data({"name": name}, name + "\n")


@command("net-uuid", schema=single("uuid"),
         group="network", help="convert a network name to network UUID",
         opts=[common.NETWORK("network name")])
def cmd_net_uuid(ctx: Session, network: str) -> None:
    uuid = ctx.lookup.network(network, by_uuid=False).UUIDString()
    ctx.out.data({"uuid": uuid}, uuid + "\n")


UPDATE_COMMANDS = ("none", "modify", "delete", "add-last", "add-first")


UPDATE_SECTIONS = ("none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
                   "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv")


@command("net-update", group="network", help="update parts of an existing network's configuration",
         opts=[common.NETWORK(),
               Data("command", "type of update (add-first, add-last (add), delete, or modify)", late=True,
                    choices=("add", "modify", "delete", "add-last", "add-first")),
               Data("section", "which section of network configuration to update", late=True,
                    choices=("bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
                             "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv")),
               Data("xml", "name of file containing xml (or, if it starts with '<', the complete xml element "
                           "itself) to add/modify, or to be matched for search", complete="file", late=True),
               Int("parent-index", "which parent object to search through", conv=None, empty_ok=True),
               Flag("config", "affect next network startup"), Flag("live", "affect running network"),
               Flag("current", "affect current state of network")],
         exclusive=[("current", "live"), ("current", "config")])
def cmd_net_update(ctx: Session, network: str, command: str, section: str, xml: str, parent_index: str | None,
                   config: bool, live: bool, current: bool) -> None:
    import libvirt

    from vsh.values import convert

    net = ctx.lookup.network(network)
    # virsh reads each option only when it gets to it: an empty one fails in this order.
    command = ctx.late("command", command)
    # "none" is libvirt's placeholder, not a command or section a user may name.
    verb = UPDATE_COMMANDS.index("add-last") if command == "add" else (
        UPDATE_COMMANDS.index(command) if command in UPDATE_COMMANDS[1:] else 0)
    if not verb:
        raise VshError(msg("unrecognized command name '%s'", command))
    section = ctx.late("section", section)
    where = UPDATE_SECTIONS.index(section) if section in UPDATE_SECTIONS[1:] else 0
    if not where:
        raise VshError(msg("unrecognized section name '%s'", section))
    index = -1
    if parent_index is not None:
        # Read here rather than up front: virsh checks it after the network and the names.
        index = convert(Int("parent-index", "", conv="int"), parent_index)
    xml = ctx.late("xml", xml)
    if not xml.startswith("<"):
        xml = ctx.read_file(xml)
    flags = ctx.flags(config=libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG,
                      live=libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE)
    with failing(msg("Failed to update network %s", net.name())):
        net.update(verb, where, index, xml, flags)
    if config:
        what = "persistent config and live state" if live else "persistent config"
    else:
        what = "live state" if live or net.isActive() else "persistent config"
    # virsh ends this message without a newline; the blank line after the command ends it.
    ctx.out.extra(fmt("Updated network %s " + what, net.name()), end="")


@command("net-dhcp-leases", schema=rows(expiry_time_seconds="integer?", mac="string?", type="string?",
                                        address="string?", prefix="integer?", hostname="string?", client_id="string?"),
         group="network", help="print lease info for a given network",
         desc="Print lease info for a given network",
         opts=[common.NETWORK(complete="network:active"), Str("mac", "MAC address")])
def cmd_net_dhcp_leases(ctx: Session, network: str, mac: str | None) -> None:
    import time

    net = ctx.lookup.network(network)
    with failing(msg("Failed to get leases info for %s", network)):
        leases = net.DHCPLeases(mac, 0)
    rows = []
    for lease in sorted(leases, key=lambda item: common.name_key(item.get("mac") or "")):
        ip_type = {0: "ipv4", 1: "ipv6"}.get(lease.get("type"))
        rows.append({
            "expiry_time_seconds": lease.get("expirytime"), "mac": lease.get("mac"), "type": ip_type,
            "address": lease.get("ipaddr"), "prefix": lease.get("prefix"),
            "hostname": lease.get("hostname") or None, "client_id": lease.get("clientid") or None,
        })
    for row in rows:
        row["ip"] = f"{row['address']}/{row['prefix']}"
    ctx.out.table([
        Column("expiry_time_seconds", "Expiry Time",
               lambda v: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v or 0))),
        Column("mac", "MAC address"),
        Column("type", "Protocol"),
        Column("ip", "IP address"),
        Column("hostname", "Hostname"),
        Column("client_id", "Client ID or DUID"),
    ], rows, json_obj=[{k: v for k, v in row.items() if k != "ip"} for row in rows])


def _port_args(ctx: Session, network: str, port: str) -> tuple[Any, Any] | None:
    """The network and port of net-port-dumpxml and net-port-delete, or None.

    virsh 9.0 reports a failed lookup there with its own line only and still exits 0;
    vsh keeps that status so that scripts see what they see with virsh.
    """
    import libvirt

    try:
        common.required("network", network)
        net = ctx.lookup.network(network)
        common.required("port", port)
        try:
            return net, net.portLookupByUUIDString(port)
        except libvirt.libvirtError:
            raise VshError(msg("failed to get network port '%s'", port)) from None
    except VshError as err:
        ctx.out.error(err.lines()[:1], VshError(err.message).as_json())
        return None


def _port_network() -> Opt:
    """--network of the port commands: an empty one is reported like a failed lookup."""
    return Data("network", "network name or uuid", complete="network:active", empty_ok=True)


@command("net-port-list", schema=rows(uuid="string"),
         group="network", help="list network ports", desc="Returns list of network ports.",
         opts=[common.NETWORK(complete="network:active"), Flag("uuid", "list uuid's only"), Flag("table", "list table (default)")])
def cmd_net_port_list(ctx: Session, network: str, uuid: bool, table: bool) -> None:
    if uuid and table:
        raise VshError(msg("Only one argument from --table and --uuid may be specified."))
    net = ctx.lookup.network(network)
    uuids = sorted(port.UUIDString().lower() for port in net.listAllPorts(0))
    if uuid:
        ctx.out.data([{"uuid": u} for u in uuids], "".join(u + "\n" for u in uuids))
        return
    ctx.out.table([Column("uuid", "UUID")], [{"uuid": u} for u in uuids])


@command("net-port-create", group="network", help="create a network port from an XML file",
         desc="Create a network port.",
         opts=[common.NETWORK(complete="network:active"), common.FILE("file containing an XML network port description")._replace(late=True),
               Flag("validate", "validate the XML against the schema")])
def cmd_net_port_create(ctx: Session, network: str, file: str, validate: bool) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    file = ctx.late("file", file)
    xml = ctx.read_file(file)
    with failing(msg("Failed to create network from %s", file)):
        port = net.portCreateXML(xml, ctx.flags(validate=libvirt.VIR_NETWORK_PORT_CREATE_VALIDATE))
    ctx.out.extra(fmt("Network port %s created from %s\n", port.UUIDString(), file), end="")


@command("net-port-dumpxml", schema=XML,
         group="network", help="network port information in XML",
         desc="Output the network port information as an XML dump to stdout.",
         opts=[_port_network(), Data("port", "port UUID", empty_ok=True), common.XPATH(),
               common.WRAP])
def cmd_net_port_dumpxml(ctx: Session, network: str, port: str, xpath: str | None, wrap: bool) -> None:
    import libvirt

    found = _port_args(ctx, network, port)
    if found is None:
        return
    if xpath == "":
        raise VshError("")
    try:
        xml = found[1].XMLDesc(0)
    except libvirt.libvirtError:
        return  # virsh 9.0 fails silently here, and with status 0
    common.dump_xml(ctx, xml, xpath, wrap)


@command("net-port-delete", group="network", help="delete the specified network port",
         desc="Delete the specified network port.",
         opts=[_port_network(), Data("port", "port UUID", empty_ok=True)])
def cmd_net_port_delete(ctx: Session, network: str, port: str) -> None:
    import libvirt

    found = _port_args(ctx, network, port)
    if found is None:
        return
    uuid = found[1].UUIDString()
    try:
        found[1].delete(0)
    except libvirt.libvirtError:
        # virsh 9.0 reports this with its own line only and still exits 0.
        failure = VshError(msg("Failed to delete network port %s", uuid))
        ctx.out.error(failure.lines(), failure.as_json())
        return
    ctx.out.extra(fmt("Network port %s deleted\n", uuid), end="")


@command("net-event", schema=EVENTS_SCHEMA,
         group="network", help="Network Events",
         desc="List event types, or wait for network events to occur",
         opts=event_opts(Str("network", "filter by network name or uuid", complete="network", empty_ok=True)))
def cmd_net_event(ctx: Session, network: str | None, event: str | None, loop: bool, timeout: str | None,
                  list: bool, timestamp: bool) -> None:
    object_event(ctx, _NET_EVENTS, network, event, loop, timeout, list, timestamp)


_NET_EVENTS = ObjectEvents(eventnames.NETWORK_EVENTS, eventnames.NETWORK_LIFECYCLE, "network", "network",
                           "networkEventRegisterAny", "networkEventDeregisterAny", lambda o: o.name(),
                           lambda ctx, name: ctx.lookup.network(name))


@command("net-edit", schema=EDITED,
         group="network", help="edit XML configuration for a network",
         desc="Edit the XML configuration for a network.", opts=[common.NETWORK()])
def cmd_net_edit(ctx: Session, network: str) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    edited = edit_xml(ctx, lambda: inactive_xml(net, libvirt.VIR_NETWORK_XML_INACTIVE),
                      lambda xml: ctx.conn.networkDefineXML(xml))
    if edited is None:
        report_edited(ctx, "network", net.name(), False, fmt("Network %s XML configuration not changed.\n", net.name()))
    else:
        report_edited(ctx, "network", edited.name(), True, fmt("Network %s XML configuration edited.\n", edited.name()))
