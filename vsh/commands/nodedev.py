"""Node device commands: nodedev-list, nodedev-dumpxml, nodedev-info, nodedev-create,
nodedev-destroy, nodedev-define, nodedev-undefine, nodedev-start, nodedev-detach (alias
nodedev-dettach), nodedev-reattach, nodedev-reset and nodedev-autostart.

nodedev-event waits for node device events (vsh.eventwatch).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh import eventnames
from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.eventwatch import EVENTS_SCHEMA, ObjectEvents, event_opts, object_event
from vsh.registry import command
from vsh.schema import XML, obj, rows
from vsh.session import Session
from vsh.spec import Alias, Data, Flag, Opt, Str
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# virNodeDevCapType names in order, with the listing flag each selects.
CAPS = (("system", "SYSTEM"), ("pci", "PCI_DEV"), ("usb_device", "USB_DEV"), ("usb", "USB_INTERFACE"),
        ("net", "NET"), ("scsi_host", "SCSI_HOST"), ("scsi_target", "SCSI_TARGET"), ("scsi", "SCSI"),
        ("storage", "STORAGE"), ("fc_host", "FC_HOST"), ("vports", "VPORTS"), ("scsi_generic", "SCSI_GENERIC"),
        ("drm", "DRM"), ("mdev_types", "MDEV_TYPES"), ("mdev", "MDEV"), ("ccw", "CCW_DEV"), ("css", "CSS_DEV"),
        ("vdpa", "VDPA"), ("ap_card", "AP_CARD"), ("ap_queue", "AP_QUEUE"), ("ap_matrix", "AP_MATRIX"),
        ("vpd", "VPD"))


def DEVICE(help: str = "device name or wwn pair in 'wwnn,wwpn' format") -> Opt:
    return Data("device", help, complete="nodedev")


def _tree(names: list[str], parents: list[str | None], devid: int, lastdev: int, root: bool,
          indent: str, out: list[str]) -> None:
    """virsh's vshTreePrintInternal: '+- ' before each child, '|' while siblings follow."""
    dev = names[devid]
    out.append(f"{indent}{'' if root else '+- '}{dev}")
    if not root:
        indent += (" " if devid == lastdev else "|") + " "
    children = [i for i, parent in enumerate(parents) if parent == dev]
    nextlast = children[-1] if children else -1
    if children:
        out.append(f"{indent}  |")
    for i in children:
        _tree(names, parents, i, nextlast, False, indent + "  ", out)
    if nextlast == -1 and devid == lastdev:
        out.append(indent)


@command("nodedev-list", schema=rows(name="string", parent="string?"),
         group="nodedev", help="enumerate devices on this host",
         opts=[Flag("tree", "list devices in a tree"),
               Str("cap", "capability names, separated by comma", empty_ok=True,
                   choices=tuple(name for name, _ in CAPS), comma=True),
               Flag("inactive", "list inactive devices"), Flag("all", "list inactive & active devices")])
def cmd_nodedev_list(ctx: Session, tree: bool, cap: str | None, inactive: bool, all: bool) -> None:
    import libvirt

    from vsh.values import split_list

    caps = split_list(cap) if cap else []
    if inactive and all:
        raise VshError(msg("Option --all is incompatible with --inactive"))
    if tree and (cap or inactive):
        raise VshError(msg("Option --tree is incompatible with --cap and --inactive"))
    flags = 0
    known = dict(CAPS)
    for name in caps:
        if name not in known:
            raise VshError(msg("Invalid capability type"))
        flags |= getattr(libvirt, f"VIR_CONNECT_LIST_NODE_DEVICES_CAP_{known[name]}")
    if inactive or all:
        flags |= libvirt.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE
    if not inactive:
        flags |= libvirt.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE
    with failing(msg("Failed to list node devices")):
        devs = sorted(ctx.conn.listAllDevices(flags), key=lambda d: common.name_key(d.name()))
        names = [d.name() for d in devs]
        from vsh import rpc

        parents = [got.get() for got in rpc.each(ctx.conn, lambda d: d.parent(), devs)]
    obj = [{"name": n, "parent": p} for n, p in zip(names, parents)]
    if not tree:
        ctx.out.data(obj, "".join(n + "\n" for n in names))
        return
    lines: list[str] = []
    for i, parent in enumerate(parents):
        if parent is None:
            _tree(names, parents, i, i, True, "", lines)
    ctx.out.data(obj, "".join(line + "\n" for line in lines))


@command("nodedev-dumpxml", schema=XML,
         group="nodedev", help="node device details in XML",
         desc="Output the node device details as an XML dump to stdout.",
         opts=[DEVICE(), common.XPATH(), common.WRAP])
def cmd_nodedev_dumpxml(ctx: Session, device: str, xpath: str | None, wrap: bool) -> None:
    if xpath == "":
        # Here virsh reads --xpath before the device: an empty one fails quietly first.
        raise VshError("")
    dev = ctx.lookup.nodedev(device)
    common.dump_xml(ctx, dev.XMLDesc(0), xpath, wrap)


def _bool(fn: Any) -> bool | None:
    import libvirt

    try:
        return bool(fn())
    except libvirt.libvirtError:
        return None


@command("nodedev-info", schema=obj(name="string", parent="string?", active="boolean?", persistent="boolean?",
                                    autostart="boolean?"),
         group="nodedev", help="node device information",
         desc="Returns basic information about the node device", opts=[DEVICE()])
def cmd_nodedev_info(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device)
    name, parent = dev.name(), dev.parent()
    active, persistent, autostart = _bool(dev.isActive), _bool(dev.isPersistent), _bool(dev.autostart)

    def yes_no(value: bool | None, unknown: str = "yes") -> str:
        return _(unknown) if value is None else (_("yes") if value else _("no"))

    # virsh tests the -1 of a failed virNodeDeviceIsActive/IsPersistent as true: "yes".
    ctx.out.kv([("name", "Name:", name, name), ("parent", "Parent:", parent, parent or ""),
                ("active", "Active:", active, yes_no(active)),
                ("persistent", "Persistent:", persistent, yes_no(persistent)),
                ("autostart", "Autostart:", autostart, yes_no(autostart, "no autostart"))])


@command("nodedev-create", group="nodedev", help="create a device defined by an XML file on the node",
         desc="Create a device on the node.  Note that this command creates devices on the physical host "
              "that can then be assigned to a virtual machine.",
         opts=[common.FILE("file containing an XML description of the device"),
               Flag("validate", "validate the XML against the schema")])
def cmd_nodedev_create(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to create node device from %s", file)):
        dev = ctx.conn.nodeDeviceCreateXML(
            xml, ctx.flags(validate=libvirt.VIR_NODE_DEVICE_CREATE_XML_VALIDATE))
    ctx.out.extra(fmt("Node device %s created from %s\n", dev.name(), file), end="")


@command("nodedev-destroy", group="nodedev", help="destroy (stop) a device on the node",
         desc="Destroy a device on the node.  Note that this command destroys devices on the physical host",
         opts=[Alias("name", "device"), DEVICE()])
def cmd_nodedev_destroy(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device)
    with failing(msg("Failed to destroy node device '%s'", device)):
        dev.destroy()
    ctx.out.extra(fmt("Destroyed node device '%s'\n", device), end="")


@command("nodedev-define", group="nodedev", help="Define a device by an xml file on a node",
         desc="Defines a persistent device on the node that can be assigned to a domain. The device must be "
              "started before it can be assigned to a domain.",
         opts=[common.FILE("file containing an XML description of the device"),
               Flag("validate", "validate the XML against the schema")])
def cmd_nodedev_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to define node device from '%s'", file)):
        dev = ctx.conn.nodeDeviceDefineXML(
            xml, ctx.flags(validate=libvirt.VIR_NODE_DEVICE_DEFINE_XML_VALIDATE))
    ctx.out.extra(fmt("Node device '%s' defined from '%s'\n", dev.name(), file), end="")


@command("nodedev-undefine", group="nodedev", help="Undefine an inactive node device",
         desc="Undefines the configuration for an inactive node device", opts=[DEVICE()])
def cmd_nodedev_undefine(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device)
    with failing(msg("Failed to undefine node device '%s'", device)):
        dev.undefine(0)
    ctx.out.extra(fmt("Undefined node device '%s'\n", device), end="")


@command("nodedev-start", group="nodedev", help="Start an inactive node device",
         desc="Starts an inactive node device that was previously defined", opts=[DEVICE("device name")])
def cmd_nodedev_start(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device, by_wwn=False)
    with failing(msg("Failed to start device %s", device)):
        dev.create(0)
    ctx.out.extra(fmt("Device %s started\n", device), end="")


#: virDomainHostdevSubsysPCIBackend names (virshNodeDevicePCIBackendCompleter).
PCI_BACKENDS = ("default", "kvm", "vfio", "xen")


@command("nodedev-detach", group="nodedev", help="detach node device from its device driver",
         desc="Detach node device from its device driver before assigning to a domain.",
         opts=[DEVICE("device key"),
               Str("driver", "pci device assignment backend driver (e.g. 'vfio' or 'xen')", empty_ok=True,
                   choices=PCI_BACKENDS)])
def cmd_nodedev_detach(ctx: Session, device: str, driver: str | None) -> None:
    dev = ctx.lookup.nodedev(device, by_wwn=False)
    with failing(msg("Failed to detach device %s", device)):
        # virsh reads --driver quietly: an empty one is no driver, and the old call is used.
        if driver:
            dev.detachFlags(driver, 0)
        else:
            dev.dettach()
    ctx.out.extra(fmt("Device %s detached\n", device), end="")


@command("nodedev-reattach", group="nodedev", help="reattach node device to its device driver",
         desc="Reattach node device to its device driver once released by the domain.",
         opts=[DEVICE("device key")])
def cmd_nodedev_reattach(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device, by_wwn=False)
    with failing(msg("Failed to re-attach device %s", device)):
        dev.reAttach()
    ctx.out.extra(fmt("Device %s re-attached\n", device), end="")


@command("nodedev-reset", group="nodedev", help="reset node device",
         desc="Reset node device before or after assigning to a domain.", opts=[DEVICE("device key")])
def cmd_nodedev_reset(ctx: Session, device: str) -> None:
    dev = ctx.lookup.nodedev(device, by_wwn=False)
    with failing(msg("Failed to reset device %s", device)):
        dev.reset()
    ctx.out.extra(fmt("Device %s reset\n", device), end="")


@command("nodedev-autostart", group="nodedev", help="autostart a defined node device",
         desc="Configure a node device to be automatically started at boot.",
         opts=[DEVICE(), Flag("disable", "disable autostarting")])
def cmd_nodedev_autostart(ctx: Session, device: str, disable: bool) -> None:
    dev = ctx.lookup.nodedev(device)
    verb = "unmark" if disable else "mark"
    with failing(msg("failed to " + verb + " device %s as autostarted", device)):
        dev.setAutostart(0 if disable else 1)
    ctx.out.extra(fmt("Device %s " + verb + "ed as autostarted\n", device), end="")


def _nodedev(ctx: Session, device: str) -> Any:
    import libvirt

    try:
        return ctx.conn.nodeDeviceLookupByName(device)
    except libvirt.libvirtError as err:
        raise VshError(msg("Could not find matching device '%s'", device), cause=err) from None


@command("nodedev-event", schema=EVENTS_SCHEMA,
         group="nodedev", help="Node Device Events",
         desc="List event types, or wait for node device events to occur",
         opts=event_opts(Str("device", "filter by node device name", complete="nodedev", empty_ok=True)))
def cmd_nodedev_event(ctx: Session, device: str | None, event: str | None, loop: bool, timeout: str | None,
                      list: bool, timestamp: bool) -> None:
    object_event(ctx, _NODEDEV_EVENTS, device, event, loop, timeout, list, timestamp)


# Unlike the other *-event commands, a device that is not found ends the command (strict).
_NODEDEV_EVENTS = ObjectEvents(eventnames.NODEDEV_EVENTS, eventnames.NODEDEV_LIFECYCLE, "device", "node device",
                               "nodeDeviceEventRegisterAny", "nodeDeviceEventDeregisterAny", lambda o: o.name(),
                               _nodedev, strict=True)
