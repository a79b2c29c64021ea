"""Network commands: net-list, net-define, net-create, net-start, net-destroy, net-undefine,
net-info, net-dumpxml, net-autostart, net-name, net-uuid, net-update, net-dhcp-leases and the
net-port-* commands.

net-event waits for network events (vsh.eventwatch); net-edit edits the XML in $EDITOR
(vsh.editor).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

from typing import Any

from vsh import eventnames
from vsh.commands import common
from vsh.editor import edit_xml, inactive_xml, report_edited
from vsh.errors import VshError, failing
from vsh.eventwatch import (event_opts, list_events, object_filter, object_formatter,
    simple_event)
from vsh.output import Column
from vsh.eventwatch import EVENTS_SCHEMA
from vsh.registry import command
from vsh.schema import EDITED, XML, obj, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Int, Opt, Str


def _yes_no(value: bool | None, unknown: str = "no autostart") -> str:
    if value is None:
        return unknown
    return "yes" if value else "no"


def _autostart(obj: Any) -> bool | None:
    """The autostart flag, or None when libvirt cannot tell (virsh shows "no autostart")."""
    import libvirt

    try:
        return bool(obj.autostart())
    except libvirt.libvirtError:
        return None


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
    flags |= ctx.flags(persistent=(persistent, libvirt.VIR_CONNECT_LIST_NETWORKS_PERSISTENT),
                       transient=(transient, libvirt.VIR_CONNECT_LIST_NETWORKS_TRANSIENT),
                       autostart=(autostart, libvirt.VIR_CONNECT_LIST_NETWORKS_AUTOSTART),
                       no_autostart=(no_autostart, libvirt.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART))
    if table + name + uuid > 1:
        raise VshError("Only one argument from --table, --name and --uuid may be specified.")
    with failing("Failed to list networks"):
        nets = sorted(ctx.conn.listAllNetworks(flags), key=lambda n: common.name_key(n.name()))
    if ctx.out.json:
        # --uuid, --name and --table choose the text's columns; every JSON row has every key.
        ctx.out.data([{"name": n.name(), "uuid": n.UUIDString(), "active": bool(n.isActive()),
                       "persistent": bool(n.isPersistent()), "autostart": _autostart(n)} for n in nets])
        return
    if uuid:
        uuids = [n.UUIDString() for n in nets]
        ctx.out.data([{"uuid": u} for u in uuids], "".join(u + "\n" for u in uuids))
        return
    if name:
        names = [n.name() for n in nets]
        ctx.out.data([{"name": n} for n in names], "".join(n + "\n" for n in names))
        return
    rows = [{"name": n.name(), "active": bool(n.isActive()), "autostart": _autostart(n),
             "persistent": bool(n.isPersistent())} for n in nets]
    ctx.out.table([
        Column("name", "Name"),
        Column("active", "State", lambda v: "active" if v else "inactive", state=True),
        Column("autostart", "Autostart", _yes_no),
        Column("persistent", "Persistent", _yes_no),
    ], rows)


def _define_or_create(ctx: Session, file: str, validate: bool, define: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    conn = ctx.conn
    verb = "define" if define else "create"
    with failing(f"Failed to {verb} network from {file}"):
        if define:
            net = (conn.networkDefineXMLFlags(xml, libvirt.VIR_NETWORK_DEFINE_VALIDATE) if validate
                   else conn.networkDefineXML(xml))
        else:
            net = (conn.networkCreateXMLFlags(xml, libvirt.VIR_NETWORK_CREATE_VALIDATE) if validate
                   else conn.networkCreateXML(xml))
    ctx.out.extra(f"Network {net.name()} {verb}d from {file}")


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
    with failing(f"Failed to start network {network}"):
        net.create()
    ctx.out.extra(f"Network {network} started")


@command("net-destroy", group="network", help="destroy (stop) a network",
         desc="Forcefully stop a given network.", opts=[common.NETWORK(complete="network:active")])
def cmd_net_destroy(ctx: Session, network: str) -> None:
    net = ctx.lookup.network(network)
    with failing(f"Failed to destroy network {network}"):
        net.destroy()
    ctx.out.extra(f"Network {network} destroyed")


@command("net-undefine", group="network", help="undefine a persistent network",
         desc="Undefine the configuration for a persistent network.", opts=[common.NETWORK(complete="network:persistent")])
def cmd_net_undefine(ctx: Session, network: str) -> None:
    net = ctx.lookup.network(network)
    with failing(f"Failed to undefine network {network}"):
        net.undefine()
    ctx.out.extra(f"Network {network} has been undefined")


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
    items.append(("active", "Active:", active, _yes_no(active)))
    try:
        persistent: bool | None = bool(net.isPersistent())
    except libvirt.libvirtError:
        persistent = None
    items.append(("persistent", "Persistent:", persistent, _yes_no(persistent, "unknown")))
    autostart = _autostart(net)
    items.append(("autostart", "Autostart:", autostart, _yes_no(autostart)))
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
    xml = net.XMLDesc(ctx.flags(inactive=(inactive, libvirt.VIR_NETWORK_XML_INACTIVE)))
    common.dump_xml(ctx, xml, xpath, wrap)


@command("net-autostart", group="network", help="autostart a network",
         desc="Configure a network to be automatically started at boot.",
         opts=[common.NETWORK(complete="network:persistent"), Flag("disable", "disable autostarting")])
def cmd_net_autostart(ctx: Session, network: str, disable: bool) -> None:
    net = ctx.lookup.network(network)
    verb = "unmark" if disable else "mark"
    with failing(f"failed to {verb} network {network} as autostarted"):
        net.setAutostart(0 if disable else 1)
    ctx.out.extra(f"Network {network} {verb}ed as autostarted")


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
        raise VshError(f"unrecognized command name '{command}'")
    section = ctx.late("section", section)
    where = UPDATE_SECTIONS.index(section) if section in UPDATE_SECTIONS[1:] else 0
    if not where:
        raise VshError(f"unrecognized section name '{section}'")
    index = -1
    if parent_index is not None:
        # Read here rather than up front: virsh checks it after the network and the names.
        index = convert(Int("parent-index", "", conv="int"), parent_index)
    xml = ctx.late("xml", xml)
    if not xml.startswith("<"):
        xml = ctx.read_file(xml)
    flags = ctx.flags(config=(config, libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG),
                      live=(live, libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE))
    with failing(f"Failed to update network {net.name()}"):
        net.update(verb, where, index, xml, flags)
    if config:
        what = "persistent config and live state" if live else "persistent config"
    else:
        what = "live state" if live or net.isActive() else "persistent config"
    # virsh ends this message without a newline; the blank line after the command ends it.
    ctx.out.extra(f"Updated network {net.name()} {what}", end="")


@command("net-dhcp-leases", schema=rows(expiry_time_seconds="integer?", mac="string?", protocol="string?",
                                        ip_address="string?", prefix="integer?", hostname="string?", client_id="string?"),
         group="network", help="print lease info for a given network",
         desc="Print lease info for a given network",
         opts=[common.NETWORK(complete="network:active"), Str("mac", "MAC address")])
def cmd_net_dhcp_leases(ctx: Session, network: str, mac: str | None) -> None:
    import time

    net = ctx.lookup.network(network)
    with failing(f"Failed to get leases info for {network}"):
        leases = net.DHCPLeases(mac, 0)
    rows = []
    for lease in sorted(leases, key=lambda item: common.name_key(item.get("mac") or "")):
        ip_type = {0: "ipv4", 1: "ipv6"}.get(lease.get("type"))
        rows.append({
            "expiry_time_seconds": lease.get("expirytime"), "mac": lease.get("mac"), "protocol": ip_type,
            "ip_address": lease.get("ipaddr"), "prefix": lease.get("prefix"),
            "hostname": lease.get("hostname") or None, "client_id": lease.get("clientid") or None,
        })
    for row in rows:
        row["ip"] = f"{row['ip_address']}/{row['prefix']}"
    ctx.out.table([
        Column("expiry_time_seconds", "Expiry Time",
               lambda v: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v or 0))),
        Column("mac", "MAC address"),
        Column("protocol", "Protocol"),
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
        if network == "":
            raise VshError("Failed to get option 'network': Option argument is empty")
        net = ctx.lookup.network(network)
        if port == "":
            raise VshError("Failed to get option 'port': Option argument is empty")
        try:
            return net, net.portLookupByUUIDString(port)
        except libvirt.libvirtError:
            raise VshError(f"failed to get network port '{port}'") from None
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
        raise VshError("Only one argument from --table and --uuid may be specified.")
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
    with failing(f"Failed to create network from {file}"):
        port = net.portCreateXML(xml, ctx.flags(validate=(validate, libvirt.VIR_NETWORK_PORT_CREATE_VALIDATE)))
    ctx.out.extra(f"Network port {port.UUIDString()} created from {file}")


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
        failure = VshError(f"Failed to delete network port {uuid}")
        ctx.out.error(failure.lines(), failure.as_json())
        return
    ctx.out.extra(f"Network port {uuid} deleted")


@command("net-event", schema=EVENTS_SCHEMA,
         group="network", help="Network Events",
         desc="List event types, or wait for network events to occur",
         opts=event_opts(Str("network", "filter by network name or uuid", complete="network", empty_ok=True)))
def cmd_net_event(ctx: Session, network: str | None, event: str | None, loop: bool, timeout: str | None,
                  list: bool, timestamp: bool) -> None:
    if list:
        list_events(ctx, eventnames.NETWORK_EVENTS)
        return
    simple_event(ctx, eventnames.NETWORK_EVENTS, event, loop, timeout, timestamp,
                  (lambda: ctx.lookup.network(object_filter("network", network))) if network is not None else None,
                  "networkEventRegisterAny", "networkEventDeregisterAny",
                  object_formatter("network", "network", eventnames.NETWORK_LIFECYCLE, lambda o: o.name()))


@command("net-edit", schema=EDITED,
         group="network", help="edit XML configuration for a network",
         desc="Edit the XML configuration for a network.", opts=[common.NETWORK()])
def cmd_net_edit(ctx: Session, network: str) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    edited = edit_xml(ctx, lambda: inactive_xml(net, libvirt.VIR_NETWORK_XML_INACTIVE),
                      lambda xml: ctx.conn.networkDefineXML(xml))
    if edited is None:
        report_edited(ctx, "network", net.name(), False, f"Network {net.name()} XML configuration not changed.")
    else:
        report_edited(ctx, "network", edited.name(), True, f"Network {edited.name()} XML configuration edited.")
