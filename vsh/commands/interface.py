"""Interface commands: iface-list, iface-name, iface-mac, iface-dumpxml, iface-define,
iface-undefine, iface-start and iface-destroy.

JSON (--json): iface-list gives an array of objects {"name", "active" (boolean), "mac"};
iface-name gives {"name": NAME}, iface-mac {"mac": MAC}, iface-dumpxml {"xml": TEXT}.
The other commands print nothing under --json.
"""
from __future__ import annotations

from vsh.commands import common
from vsh.errors import failing
from vsh.output import Column
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Data, Flag, Opt


def IFACE(help: str = "interface name or MAC address") -> Opt:
    return Data("interface", help, complete="interface")


@command("iface-list", group="interface", help="list physical host interfaces",
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
    with failing("Failed to list interfaces"):
        ifaces = sorted(ctx.conn.listAllInterfaces(flags), key=lambda i: common.name_key(i.name()))
    rows = [{"name": i.name(), "active": bool(i.isActive()), "mac": i.MACString()} for i in ifaces]
    ctx.out.table([
        Column("name", "Name"),
        Column("active", "State", lambda v: "active" if v else "inactive", state=True),
        Column("mac", "MAC Address"),
    ], rows)


@command("iface-name", group="interface", help="convert an interface MAC address to interface name",
         opts=[IFACE("interface mac")])
def cmd_iface_name(ctx: Session, interface: str) -> None:
    name = ctx.lookup.interface(interface, by_name=False).name()
    ctx.out.data({"name": name}, name + "\n")


@command("iface-mac", group="interface", help="convert an interface name to interface MAC address",
         opts=[IFACE("interface name")])
def cmd_iface_mac(ctx: Session, interface: str) -> None:
    mac = ctx.lookup.interface(interface, by_mac=False).MACString()
    ctx.out.data({"mac": mac}, mac + "\n")


@command("iface-dumpxml", group="interface", help="interface information in XML",
         desc="Output the physical host interface information as an XML dump to stdout.",
         opts=[IFACE(), Flag("inactive", "show inactive defined XML"), common.XPATH(), common.WRAP])
def cmd_iface_dumpxml(ctx: Session, interface: str, inactive: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    iface = ctx.lookup.interface(interface)
    xml = iface.XMLDesc(ctx.flags(inactive=(inactive, libvirt.VIR_INTERFACE_XML_INACTIVE)))
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
    with failing(f"Failed to define interface from {file}"):
        iface = ctx.conn.interfaceDefineXML(xml, ctx.flags(validate=(validate,
                                                                     libvirt.VIR_INTERFACE_DEFINE_VALIDATE)))
    ctx.out.extra(f"Interface {iface.name()} defined from {file}")


@command("iface-undefine", group="interface",
         help="undefine a physical host interface (remove it from configuration)",
         desc="undefine an interface.", opts=[IFACE()])
def cmd_iface_undefine(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(f"Failed to undefine interface {interface}"):
        iface.undefine()
    ctx.out.extra(f"Interface {interface} undefined")


@command("iface-start", group="interface", help='start a physical host interface (enable it / "if-up")',
         desc="start a physical host interface.", opts=[IFACE()])
def cmd_iface_start(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(f"Failed to start interface {interface}"):
        iface.create(0)
    ctx.out.extra(f"Interface {interface} started")


@command("iface-destroy", group="interface", help='destroy a physical host interface (disable it / "if-down")',
         desc="forcefully stop a physical host interface.", opts=[IFACE()])
def cmd_iface_destroy(ctx: Session, interface: str) -> None:
    iface = ctx.lookup.interface(interface)
    with failing(f"Failed to destroy interface {interface}"):
        iface.destroy(0)
    ctx.out.extra(f"Interface {interface} destroyed")
