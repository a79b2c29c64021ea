"""Interface commands: iface-list, iface-name, iface-mac, iface-dumpxml, iface-define,
iface-undefine, iface-start, iface-destroy, iface-begin, iface-commit, iface-rollback,
iface-bridge and iface-unbridge.

iface-edit: a host interface's inactive XML in $EDITOR, defined through the shared loop (vsh.editor).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands import common
from vsh.editor import edit_xml
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import EDITED, XML, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Int, Opt
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def IFACE(help: str = "interface name or MAC address", complete: str = "interface") -> Opt:
    return Data("interface", help, complete=complete)


@command("iface-list", schema=rows(name="string", active="boolean", mac="string"),
         group="interface", help="list physical host interfaces",
         desc="Returns list of physical host interfaces.",
         opts=[Flag("inactive", "list inactive interfaces"), Flag("all", "list inactive & active interfaces")],
         exclusive=[("all", "inactive")])
def cmd_iface_list(ctx: Session, inactive: bool, all: bool) -> None:
    import libvirt

    flags = libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE
    if inactive:
        flags = libvirt.VIR_CONNECT_LIST_INTERFACES_INACTIVE
    if all:
        flags = libvirt.VIR_CONNECT_LIST_INTERFACES_ACTIVE | libvirt.VIR_CONNECT_LIST_INTERFACES_INACTIVE
    with failing(msg("Failed to list interfaces")):
        ifaces = sorted(ctx.conn.listAllInterfaces(flags), key=lambda i: common.name_key(i.name()))
    from vsh import rpc

    ifaces = rpc.prefetch(ctx.conn, ifaces, [("isActive",)])
    rows = [{"name": i.name(), "active": bool(i.isActive()), "mac": i.MACString()} for i in ifaces]
    ctx.out.table([
        Column("name", "Name"),
        Column("active", "State", lambda v: _("active") if v else _("inactive"), state=True),
        Column("mac", "MAC Address"),
    ], rows)


@command("iface-name", schema=single("name"),
         group="interface", help="convert an interface MAC address to interface name",
         opts=[IFACE("interface mac", complete="interface-mac")])
def cmd_iface_name(ctx: Session, interface: str) -> None:
    name = ctx.lookup.interface(interface, by_name=False).name()
    ctx.out.data({"name": name}, name + "\n")


@command("iface-mac", schema=single("mac"),
         group="interface", help="convert an interface name to interface MAC address",
         opts=[IFACE("interface name")])
def cmd_iface_mac(ctx: Session, interface: str) -> None:
    mac = ctx.lookup.interface(interface, by_mac=False).MACString()
    ctx.out.data({"mac": mac}, mac + "\n")


@command("iface-dumpxml", schema=XML,
         group="interface", help="interface information in XML",
         desc="Output the physical host interface information as an XML dump to stdout.",
         opts=[IFACE(), Flag("inactive", "show inactive defined XML"), common.XPATH(), common.WRAP])
def cmd_iface_dumpxml(ctx: Session, interface: str, inactive: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    iface = ctx.lookup.interface(interface)
    xml = iface.XMLDesc(ctx.flags(inactive=libvirt.VIR_INTERFACE_XML_INACTIVE))
    common.dump_xml(ctx, xml, xpath, wrap)


@command("iface-define", group="interface",
         help="define an inactive persistent physical host interface or modify an existing persistent one "
              "from an XML file",
         desc="Define or modify a persistent physical host interface.",
         opts=[common.FILE("file containing an XML interface description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_iface_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to define interface from %s", file)):
        iface = ctx.conn.interfaceDefineXML(xml, ctx.flags(validate=libvirt.VIR_INTERFACE_DEFINE_VALIDATE))
    ctx.out.extra(fmt("Interface %s defined from %s\n", iface.name(), file), end="")


@command("iface-undefine", group="interface",
         help="undefine a physical host interface (remove it from configuration)",
         desc="undefine an interface.", opts=[IFACE()])
def cmd_iface_undefine(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(msg("Failed to undefine interface %s", interface)):
        iface.undefine()
    ctx.out.extra(fmt("Interface %s undefined\n", interface), end="")


@command("iface-start", group="interface", help='start a physical host interface (enable it / "if-up")',
         desc="start a physical host interface.", opts=[IFACE(complete="interface:inactive")])
def cmd_iface_start(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(msg("Failed to start interface %s", interface)):
        iface.create(0)
    ctx.out.extra(fmt("Interface %s started\n", interface), end="")


@command("iface-destroy", group="interface", help='destroy a physical host interface (disable it / "if-down")',
         desc="forcefully stop a physical host interface.", opts=[IFACE(complete="interface:active")])
def cmd_iface_destroy(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(msg("Failed to destroy interface %s", interface)):
        iface.destroy(0)
    ctx.out.extra(fmt("Interface %s destroyed\n", interface), end="")


@command("iface-begin", group="interface",
         help="create a snapshot of current interfaces settings, which can be later committed (iface-commit) "
              "or restored (iface-rollback)",
         desc="Create a restore point for interfaces settings")
def cmd_iface_begin(ctx: Session) -> None:
    with failing(msg("Failed to begin network config change transaction")):
        ctx.conn.changeBegin(0)
    ctx.out.extra(fmt("Network config change transaction started\n"), end="")


@command("iface-commit", group="interface", help="commit changes made since iface-begin and free restore point",
         desc="commit changes and free restore point")
def cmd_iface_commit(ctx: Session) -> None:
    with failing(msg("Failed to commit network config change transaction")):
        ctx.conn.changeCommit(0)
    ctx.out.extra(fmt("Network config change transaction committed\n"), end="")


@command("iface-rollback", group="interface",
         help="rollback to previous saved configuration created via iface-begin",
         desc="rollback to previous restore point")
def cmd_iface_rollback(ctx: Session) -> None:
    with failing(msg("Failed to rollback network config change transaction")):
        ctx.conn.changeRollback(0)
    ctx.out.extra(fmt("Network config change transaction rolled back\n"), end="")


def _inactive_xml(iface: Any) -> str:
    """An interface's inactive XML; libvirt's own error alone when it cannot be read."""
    import libvirt

    from vsh.errors import from_libvirt

    try:
        return str(iface.XMLDesc(libvirt.VIR_INTERFACE_XML_INACTIVE))
    except libvirt.libvirtError as err:
        raise from_libvirt(err) from None


def _parse(xml: str, name: str) -> Any:
    from lxml import etree

    try:
        return etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        raise VshError(msg("Failed to parse configuration of %s", name)) from None


#: What virsh moves between the outer interface and the one attached to a bridge.
_MOVED = ("mac", "bond", "vlan")


def _move_children(source: Any, dest: Any) -> None:
    for child in list(source):
        if child.tag in _MOVED:
            tail, child.tail = child.tail, None
            prev = child.getprevious()
            if tail:
                # libxml2 moves the element alone: the text around it stays where it was.
                if prev is not None:
                    prev.tail = (prev.tail or "") + tail
                else:
                    source.text = (source.text or "") + tail
            dest.append(child)


def _text(value: str | None) -> str:
    return "(null)" if value is None else value


def bridged_xml(xml: str, interface: str, bridge: str, stp: bool, delay: int) -> str:
    """iface-bridge's new definition: `interface` becomes the one device attached to `bridge`.

    As virsh does it: a <bridge> (stp, and delay when stp is on) is added, the outer element
    takes the bridge's type and name, and the device's <mac>, <bond> and <vlan> move into the
    attached <interface>.
    """
    from lxml import etree

    top = _parse(xml, interface)
    if_type = top.get("type")
    if if_type is None:
        raise VshError(msg("Existing device %s has no type", interface))
    if if_type == "bridge":
        raise VshError(msg("Existing device %s is already a bridge", interface))
    if top.get("name") != interface:
        raise VshError(msg("Interface name from config %s doesn't match given supplied name %s", _text(top.get('name')), interface))
    br = etree.SubElement(top, "bridge")
    br.set("stp", "on" if stp else "off")
    if stp:
        # virsh prints the unsigned delay with %d.
        br.set("delay", str(delay - 2**32 if delay >= 2**31 else delay))
    top.set("type", "bridge")
    top.set("name", bridge)
    attached = etree.SubElement(br, "interface")
    attached.set("type", if_type)
    attached.set("name", interface)
    _move_children(top, attached)
    return str(etree.tostring(top, encoding="unicode"))


def unbridged_xml(xml: str, bridge: str) -> tuple[str, str]:
    """iface-unbridge's new definition: (the attached device's name, its definition).

    As virsh does it: the outer element takes the attached device's type and name and gets its
    <mac>, <bond> and <vlan> back; the <bridge> element itself is left in place.
    """
    from lxml import etree

    top = _parse(xml, bridge)
    br_type = top.get("type")
    if br_type is None:
        raise VshError(msg("Existing device %s has no type", bridge))
    if br_type != "bridge":
        raise VshError(msg("Device %s is not a bridge", bridge))
    if top.get("name") != bridge:
        raise VshError(msg("Interface name from config %s doesn't match given supplied name %s", _text(top.get('name')), bridge))
    if not top.xpath("./bridge"):
        raise VshError(msg("No bridge node in xml document"))
    if top.xpath("./bridge/interface[2]"):
        raise VshError(msg("Multiple interfaces attached to bridge"))
    found = top.xpath("./bridge/interface")
    if not found:
        raise VshError(msg("No interface attached to bridge"))
    attached = found[0]
    if_name = attached.get("name")
    if if_name is None:
        raise VshError(msg("Device attached to bridge %s has no name", bridge))
    if_type = attached.get("type")
    if if_type is None:
        raise VshError(msg("Attached device %s has no type", if_name))
    top.set("type", if_type)
    top.set("name", if_name)
    _move_children(attached, top)
    return if_name, str(etree.tostring(top, encoding="unicode"))


@command("iface-bridge", group="interface", help="create a bridge device and attach an existing network device to it",
         desc="bridge an existing network device",
         opts=[IFACE("existing interface name"), Data("bridge", "new bridge device name", empty_ok=True),
               Flag("no-stp", "do not enable STP for this bridge"),
               Int("delay", "number of seconds to squelch traffic on newly connected ports", conv="puint", late=True),
               Flag("no-start", "don't start the bridge immediately")])
def cmd_iface_bridge(ctx: Session, interface: str, bridge: str, no_stp: bool, delay: str | None,
                     no_start: bool) -> None:
    import libvirt

    iface = ctx.lookup.interface(interface, by_mac=False)
    common.required("bridge", bridge)
    try:
        ctx.conn.interfaceLookupByName(bridge)
    except libvirt.libvirtError as err:
        missing = err
    else:
        raise VshError(msg("Network device %s already exists", bridge))
    stp = not no_stp
    try:
        seconds = ctx.late("delay", delay) if delay is not None else 0
    except VshError as err:
        # The failed lookup is still libvirt's last error, and virsh reports it too.
        raise VshError(err.message, cause=missing) from None
    xml = bridged_xml(_inactive_xml(iface), interface, bridge, stp, seconds)
    with failing(msg("Failed to define new bridge interface %s", bridge)):
        br_iface = ctx.conn.interfaceDefineXML(xml, 0)
    ctx.out.extra(fmt("Created bridge %s with attached device %s\n", bridge, interface), end="")
    if not no_start:
        with failing(msg("Failed to start bridge interface %s", bridge)):
            br_iface.create(0)
        ctx.out.extra(fmt("Bridge interface %s started\n", bridge), end="")


@command("iface-unbridge", group="interface", help="undefine a bridge device after detaching its device(s)",
         desc="unbridge a network device",
         opts=[Data("bridge", "current bridge device name"),
               Flag("no-start", "don't start the detached interface immediately (not recommended)")])
def cmd_iface_unbridge(ctx: Session, bridge: str, no_start: bool) -> None:
    br_iface = ctx.lookup.interface(bridge, by_mac=False)
    if_name, xml = unbridged_xml(_inactive_xml(br_iface), bridge)
    with failing(msg("Failed to destroy bridge interface %s", bridge)):
        br_iface.destroy(0)
    with failing(msg("Failed to undefine bridge interface %s", bridge)):
        br_iface.undefine()
    with failing(msg("Failed to define new interface %s", if_name)):
        iface = ctx.conn.interfaceDefineXML(xml, 0)
    ctx.out.extra(fmt("Device %s un-attached from bridge %s\n", if_name, bridge), end="")
    if not no_start:
        with failing(msg("Failed to start interface %s", if_name)):
            iface.create(0)
        ctx.out.extra(fmt("Interface %s started\n", if_name), end="")


@command("iface-edit", schema=EDITED,
         group="interface", help="edit XML configuration for a physical host interface",
         desc="Edit the XML configuration for a physical host interface.",
         opts=[Data("interface", "interface name or MAC address", complete="interface")])
def cmd_iface_edit(ctx: Session, interface: str) -> None:
    import libvirt

    iface = ctx.lookup.interface(interface)
    edited = edit_xml(ctx, lambda: iface.XMLDesc(libvirt.VIR_INTERFACE_XML_INACTIVE),
                      lambda xml: ctx.conn.interfaceDefineXML(xml, 0))
    name = iface.name() if edited is None else edited.name()
    if ctx.out.json:
        ctx.out.data({"name": name, "changed": edited is not None})
    elif edited is None:
        ctx.out.extra(fmt("Interface %s XML configuration not changed.\n", name), end="")
    else:
        ctx.out.extra(fmt("Interface %s XML configuration edited.\n", name), end="")
