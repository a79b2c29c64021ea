"""Changing a domain's devices in place: update-device, update-memory-device, change-media,
domif-setlink, setvcpu, dompmsuspend, dompmwakeup, domdirtyrate-calc, dom-fd-associate.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import (CONFIG, CURRENT, DOMAIN, DOMIF_INTERFACE, LIVE, affect, exclusive, name_key, parse_fds,
                                 parse_xml, required, select_nodes)
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import XML
from vsh.session import Session
from vsh.spec import Alias, Data, Flag, Int, Str
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


PERSISTENT = Flag("persistent", "make live change persistent")


def _device_text(el: Any) -> str:
    from vsh.xmldump import node_text

    return node_text(el)


# update-device ---------------------------------------------------------------------------------

@command("update-device", group="domain", help="update device from an XML file",
         desc="Update device from an XML <file>.",
         opts=[DOMAIN(), Data("file", "XML file", complete="file", empty_ok=True), PERSISTENT, CONFIG, LIVE, CURRENT,
               Flag("force", "force device update")],
         exclusive=[("persistent", "current"), ("current", "live"), ("current", "config")])
def cmd_update_device(ctx: Session, domain: str, file: str, persistent: bool, config: bool, live: bool,
                      current: bool, force: bool) -> None:
    import libvirt

    flags = affect(ctx) | ctx.flags(persistent=libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    dom = ctx.lookup.domain(domain)
    required("file", file)
    if persistent and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    xml = ctx.read_file(file)
    if force:
        flags |= libvirt.VIR_DOMAIN_DEVICE_MODIFY_FORCE
    with failing(msg("Failed to update device from %s", file)):
        dom.updateDeviceFlags(xml, flags)
    ctx.out.extra(fmt("Device updated successfully\n"), end="")


# update-memory-device ----------------------------------------------------------------------------

@command("update-memory-device", schema=XML,
         group="domain", help="update memory device of a domain",
         desc="Update values of a memory device of a domain",
         opts=[DOMAIN(), CONFIG, LIVE, CURRENT,
               Flag("print-xml", "print updated memory device XML instead of executing the change"),
               Str("alias", "memory device alias", complete="domain-alias", empty_ok=True, late=True),
               Int("node", "memory device target node", conv="puint", late=True),
               Int("requested-size", "new value of <requested/> size, as scaled integer (default KiB)",
                   conv="scaled", scale=1024, late=True)],
         exclusive=[("current", "live"), ("current", "config"), ("node", "alias")])
def cmd_update_memory_device(ctx: Session, domain: str, config: bool, live: bool, current: bool, print_xml: bool,
                             alias: str | None, node: str | None, requested_size: str | None) -> None:
    import libvirt

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    root = parse_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0))
    required("alias", alias)
    cell = ctx.late("node", node)
    # virsh pastes the values into the expression as they are.
    if cell is not None:
        xpath = f"/domain/devices/memory[./target/node='{cell}']"
    elif alias is not None:
        xpath = f"/domain/devices/memory[./alias/@name='{alias}']"
    else:
        xpath = "/domain/devices/memory"
    mems = select_nodes(ctx, root, xpath)
    if not mems:
        raise VshError(msg("no memory device found"))
    if len(mems) > 1:
        raise VshError(msg("multiple memory devices found, use --alias or --node to select one"))
    mem = mems[0]
    if requested_size is not None:
        size = ctx.late("requested-size", requested_size)
        kib = -(-size // 1024)
        requested = mem.find("target/requested")
        if requested is None:
            raise VshError(msg("virtio-mem device is missing <requested/>"))
        for child in list(requested):
            requested.remove(child)
        requested.text = str(kib)
    xml = _device_text(mem)
    if print_xml:
        ctx.out.data({"xml": xml}, xml)
        return
    dom.updateDeviceFlags(xml, flags)


# change-media ----------------------------------------------------------------------------------

def find_changeable_disk(root: Any, path: str) -> Any:
    """virshFindDisk for media: the CD-ROM or floppy (or device-less disk) whose target or source is `path`.

    The disk comes back as a copy without its <backingStore>, as virsh hands it on.
    """
    import copy

    disks = root.findall("devices/disk")
    if not disks:
        raise VshError(msg("Failed to get disk information"))
    for disk in disks:
        if disk.get("device") is not None and disk.get("device") not in ("cdrom", "floppy"):
            continue
        source = disk.find("source")
        values = [source.get(k) for k in ("file", "dev", "dir", "name")] if source is not None else []
        target = disk.find("target")
        if (target is not None and target.get("dev") == path) or path in values:
            found = copy.deepcopy(disk)
            found.tail = None
            backing = found.find("backingStore")
            if backing is not None:
                _remove(backing)
            return found
    raise VshError(msg("No disk found whose source path or target is %s", path))


def _remove(el: Any) -> None:
    """Unlink an element but keep the text that followed it, as xmlUnlinkNode does."""
    parent = el.getparent()
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _text_before(disk: Any, target: Any) -> str | None:
    """The last text node before <target>, which virsh copies to indent the new <source>."""
    for child in reversed(list(disk)[:list(disk).index(target)]):
        if child.tail:
            return str(child.tail)
    return disk.text or None


def update_media(disk: Any, source: str | None, block: bool, path: str, kind: str) -> str:
    """virshUpdateDiskXML: eject, insert or update the medium of `disk`; the new <disk> text."""
    from lxml import etree

    if disk.get("device") not in ("cdrom", "floppy"):
        raise VshError(msg("The disk device '%s' is not removable", path))
    old = disk.find("source")
    target = disk.find("target")
    indent = _text_before(disk, target) if target is not None else None
    if kind == "eject":
        if old is None:
            raise VshError(msg("The disk device '%s' doesn't have media", path))
        block, source = False, None
    elif source is None:
        raise VshError(msg("New disk media source was not specified"))
    policy = None
    if old is not None:
        current = next((old.get(k) for k in ("file", "dev", "dir", "pool", "name") if old.get(k) is not None), None)
        if current is not None and kind == "insert":
            raise VshError(msg("The disk device '%s' already has media", path))
        policy = old.get("startupPolicy")
        _remove(old)
    disk.set("type", "block" if block else "file")
    if source is not None and target is not None:
        new = etree.Element("source")
        new.set("dev" if block else "file", source)
        if policy is not None:
            new.set("startupPolicy", policy)
        new.tail = indent
        target.addprevious(new)
    return _device_text(disk)


_MEDIA = {"eject": "Successfully ejected media.", "insert": "Successfully inserted media.",
          "update": "Successfully updated media."}


@command("change-media", schema=XML,
         group="domain", help="Change media of CD or floppy drive",
         desc="Change media of CD or floppy drive.",
         opts=[DOMAIN(), Data("path", "Fully-qualified path or target of disk device", complete="domain-disk",
                           empty_ok=True),
               Str("source", "source of the media", complete="file", empty_ok=True),
               Flag("eject", "Eject the media"), Flag("insert", "Insert the media"), Flag("update", "Update the media"),
               Flag("current", "can be either or both of --live and --config, depends on implementation "
                               "hypervisor driver"),
               Flag("live", "alter live configuration of running domain"),
               Flag("config", "alter persistent configuration, effect observed on next boot"),
               Flag("force", "force media changing"),
               Flag("print-xml", "print XML document rather than change media"),
               Flag("block", "source media is a block device")],
         exclusive=[("eject", "insert"), ("eject", "update"), ("insert", "update"), ("eject", "block")])
def cmd_change_media(ctx: Session, domain: str, path: str, source: str | None, eject: bool, insert: bool,
                     update: bool, current: bool, live: bool, config: bool, force: bool, print_xml: bool,
                     block: bool) -> None:
    import libvirt

    required("source", source)
    # As documented, --update without --source ejects.
    kind = "insert" if insert else "eject" if eject or (update and source is None) else "update"
    exclusive(current=current, live=live)
    exclusive(current=current, config=config)
    flags = affect(ctx) | ctx.flags(force=libvirt.VIR_DOMAIN_DEVICE_MODIFY_FORCE)
    dom = ctx.lookup.domain(domain)
    required("path", path)
    root = parse_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0))
    xml = update_media(find_changeable_disk(root, path), source, block, path, kind)
    if print_xml:
        ctx.out.data({"xml": xml}, xml)
        return
    with failing(msg("Failed to complete action %s on media", kind)):
        dom.updateDeviceFlags(xml, flags)
    ctx.out.write(_MEDIA[kind])


# domif-setlink --------------------------------------------------------------------

@command("domif-setlink", schema=XML,
         group="domain", help="set link state of a virtual interface",
         desc="Set link state of a domain's virtual interface. This command wraps usage of update-device command.",
         opts=[DOMAIN(), DOMIF_INTERFACE, Data("state", "new state of the device", empty_ok=True,
                                                 complete="domain-interface-state"),
               Alias("persistent", "config"), CONFIG,
               Flag("print-xml", "print XML document rather than set the interface link state")])
def cmd_domif_setlink(ctx: Session, domain: str, interface: str, state: str, config: bool, print_xml: bool) -> None:
    import libvirt
    from lxml import etree

    dom = ctx.lookup.domain(domain)
    required("interface", interface)
    required("state", state)
    if state not in ("up", "down"):
        raise VshError(msg("invalid link state '%s'", state))
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG if config else libvirt.VIR_DOMAIN_AFFECT_LIVE
    if dom.isActive() == 0:
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
    root = parse_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0))
    ifaces = root.findall("devices/interface")
    if not ifaces:
        raise VshError(msg("Failed to extract interface information or no interfaces found"))
    wanted = name_key(interface)
    found = None
    for iface in ifaces:
        # An empty attribute counts as none, as virXPathString returns it.
        values = [str(iface.xpath("string(mac/@address)")), str(iface.xpath("string(target/@dev)"))]
        if any(v and name_key(v) == wanted for v in values):
            found = iface
            break
    if found is None:
        raise VshError(msg("interface '%s' not found", interface))
    link = found.find("link")
    if link is None:
        link = etree.SubElement(found, "link")
    link.set("state", state)
    xml = _device_text(found)
    if print_xml:
        ctx.out.data({"xml": xml}, xml)
        return
    with failing(msg("Failed to update interface link state")):
        dom.updateDeviceFlags(xml, flags)
    ctx.out.extra(fmt("Device updated successfully\n"), end="")


# setvcpu ---------------------------------------------------------------------------------------

@command("setvcpu", group="domain", help="attach/detach vcpu or groups of threads", desc="Add or remove vcpus",
         opts=[DOMAIN(), Data("vcpulist", "ids of vcpus to manipulate", complete="domain-vcpu", empty_ok=True, comma=True),
               Flag("enable", "enable cpus specified by cpumap"), Flag("disable", "disable cpus specified by cpumap"),
               CONFIG, LIVE, CURRENT],
         exclusive=[("enable", "disable"), ("current", "live"), ("current", "config")])
def cmd_setvcpu(ctx: Session, domain: str, vcpulist: str, enable: bool, disable: bool, config: bool, live: bool,
                current: bool) -> None:
    flags = affect(ctx)
    if not (enable or disable):
        raise VshError(msg("one of --enable, --disable is required"))
    required("vcpulist", vcpulist)
    dom = ctx.lookup.domain(domain)
    dom.setVcpu(vcpulist, 1 if enable else 0, flags)


# dompmsuspend, dompmwakeup -----------------------------------------------------------------------

_TARGETS = ("mem", "disk", "hybrid")


@command("dompmsuspend", group="domain", help="suspend a domain gracefully using power management functions",
         desc="Suspends a running domain using guest OS's power management. (Note: This requires a guest agent "
              "configured and running in the guest OS).",
         opts=[DOMAIN(complete="domain:running"),
               Data("target", "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)", empty_ok=True,
                    choices=_TARGETS),
               Int("duration", "duration in seconds", conv="pulong", named_only=True, late=True)])
def cmd_dompmsuspend(ctx: Session, domain: str, target: str, duration: str | None) -> None:
    dom = ctx.lookup.domain(domain)
    seconds = ctx.late("duration", duration) or 0
    required("target", target)
    if target not in _TARGETS:
        raise VshError(msg("Invalid target"))
    # The VIR_NODE_SUSPEND_TARGET_* values are the positions in _TARGETS.
    with failing(msg("Domain '%s' could not be suspended", dom.name())):
        dom.pMSuspendForDuration(_TARGETS.index(target), seconds, 0)
    ctx.out.extra(fmt("Domain '%s' successfully suspended", dom.name()), end="")


@command("dompmwakeup", group="domain", help="wakeup a domain from pmsuspended state",
         desc="Wakeup a domain that was previously suspended by power management.",
         opts=[DOMAIN(complete="domain:other")])
def cmd_dompmwakeup(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Domain '%s' could not be woken up", dom.name())):
        dom.pMWakeup(0)
    ctx.out.extra(fmt("Domain '%s' successfully woken up", dom.name()), end="")


# domdirtyrate-calc, dom-fd-associate -------------------------------------------------------------

_DIRTY_MODES = ("page-sampling", "dirty-bitmap", "dirty-ring")


@command("domdirtyrate-calc", group="domain", help="Calculate a vm's memory dirty rate",
         desc="Calculate memory dirty rate of a domain in order to decide whether it's proper to be migrated out "
              "or not.\nThe calculated dirty rate information is available by calling 'domstats --dirtyrate'.",
         opts=[DOMAIN(),
               Int("seconds", "calculate memory dirty rate within specified seconds, the supported value range "
                              "from 1 to 60, default to 1.", late=True),
               Str("mode", "dirty page rate calculation mode, either of these 3 options 'page-sampling, "
                           "dirty-bitmap, dirty-ring' can be specified.", empty_ok=True, choices=_DIRTY_MODES)])
def cmd_domdirtyrate_calc(ctx: Session, domain: str, seconds: str | None, mode: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    value = ctx.late("seconds", seconds)
    required("mode", mode)
    flags = 0
    if mode is not None:
        if mode not in _DIRTY_MODES:
            raise VshError(msg("Unknown calculation mode '%s'", mode))
        flags = getattr(libvirt, "VIR_DOMAIN_DIRTYRATE_MODE_" + mode.upper().replace("-", "_"))
    dom.startDirtyRateCalc(1 if value is None else value, flags)
    ctx.out.extra(fmt("Start to calculate domain's memory dirty rate successfully.\n"), end="")


@command("dom-fd-associate", group="domain", help="associate a FD with a domain",
         desc="associate a FD with a domain",
         opts=[DOMAIN(), Data("name", "name of the FD group", empty_ok=True),
               Data("pass-fds", "file descriptors N,M,... to associate", empty_ok=True),
               Flag("seclabel-writable", "use seclabels allowing writes"),
               Flag("seclabel-restore", "try to restore security label after use if possible")])
def cmd_dom_fd_associate(ctx: Session, domain: str, name: str, pass_fds: str, seclabel_writable: bool,
                         seclabel_restore: bool) -> None:
    import libvirt

    flags = ctx.flags(seclabel_writable=libvirt.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE,
                      seclabel_restore=libvirt.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE)
    dom = ctx.lookup.domain(domain)
    required("name", name)
    dom.FDAssociate(name, parse_fds(pass_fds), flags)
