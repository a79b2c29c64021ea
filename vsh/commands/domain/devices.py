"""Domain devices: attach-device, detach-device(-alias), attach-disk, detach-disk, attach/detach-interface.

The commands print only informational lines, so under --json they print nothing, except with --print-xml
(each declares that shape beside its options, vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import CONFIG, CURRENT, DOMAIN, LIVE, affect, required
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import XML
from vsh.session import Session
from vsh.spec import Alias, Data, Flag, Str
from vsh.xmlbuild import buffer_escape
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PERSISTENT = Flag("persistent", "make live change persistent")

#: virsh checks these in this order, so the first message names --persistent.
_EXCLUSIVE = [("persistent", "current"), ("current", "live"), ("current", "config")]


def _flags(ctx: Session, dom: Any, persistent: bool) -> int:
    """--persistent means --config, plus --live when the domain runs."""
    import libvirt

    flags = affect(ctx) | ctx.flags(persistent=libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    if persistent and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    return flags


_FILE = Data("file", "XML file", complete="file", empty_ok=True)


def _device(ctx: Session, attach: bool, domain: str, file: str, persistent: bool, current: bool) -> None:
    dom = ctx.lookup.domain(domain)
    flags = _flags(ctx, dom, persistent)
    required("file", file)
    xml = ctx.read_file(file)
    verb = "attach" if attach else "detach"
    with failing(msg("Failed to " + verb + " device from %s", file)):
        if flags or current:
            (dom.attachDeviceFlags if attach else dom.detachDeviceFlags)(xml, flags)
        else:
            (dom.attachDevice if attach else dom.detachDevice)(xml)
    ctx.out.extra(fmt("Device " + verb + "ed successfully\n"), end="")


@command("attach-device", group="domain", help="attach device from an XML file",
         desc="Attach device from an XML <file>.",
         opts=[DOMAIN(), _FILE, PERSISTENT, CONFIG, LIVE, CURRENT], exclusive=_EXCLUSIVE)
def cmd_attach_device(ctx: Session, domain: str, file: str, persistent: bool, config: bool, live: bool,
                      current: bool) -> None:
    _device(ctx, True, domain, file, persistent, current)


@command("detach-device", group="domain", help="detach device from an XML file",
         desc="Detach device from an XML <file>",
         opts=[DOMAIN(), _FILE, PERSISTENT, CONFIG, LIVE, CURRENT], exclusive=_EXCLUSIVE)
def cmd_detach_device(ctx: Session, domain: str, file: str, persistent: bool, config: bool, live: bool,
                      current: bool) -> None:
    _device(ctx, False, domain, file, persistent, current)


def find_disk(xml: str, path: str) -> Any:
    """virshFindDisk: the <disk> whose target or source is `path`, or None; a domain without
    any disk fails as virsh's search for disks does."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    disks = root.findall("devices/disk")
    if not disks:
        raise VshError(msg("Failed to get disk information"))
    for disk in disks:
        target = disk.find("target")
        if target is not None and target.get("dev") == path:
            return disk
        source = disk.find("source")
        if source is not None and any(source.get(k) == path for k in ("file", "dev", "dir", "name")):
            return disk
    return None


@command("detach-disk", schema=XML,
         group="domain", help="detach disk device", desc="Detach disk device.",
         opts=[DOMAIN(), Data("target", "target of disk device", complete="domain-disk", empty_ok=True),
               PERSISTENT, CONFIG, LIVE, CURRENT,
               Flag("print-xml", "print XML document rather than detach the disk")],
         exclusive=_EXCLUSIVE)
def cmd_detach_disk(ctx: Session, domain: str, target: str, persistent: bool, config: bool, live: bool,
                    current: bool, print_xml: bool) -> None:
    import libvirt
    from lxml import etree

    dom = ctx.lookup.domain(domain)
    required("target", target)
    flags = affect(ctx) | ctx.flags(persistent=libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    # Only a change to the definition alone looks at the inactive XML.
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if flags == libvirt.VIR_DOMAIN_AFFECT_CONFIG else 0)
    if persistent and dom.isActive() == 1:
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    disk = find_disk(xml, target)
    if disk is None:
        raise VshError(msg("No disk found whose source path or target is %s", target))
    disk_xml = etree.tostring(disk, encoding="unicode", with_tail=False)
    if print_xml:
        ctx.out.data({"xml": disk_xml}, disk_xml)
        return
    with failing(msg("Failed to detach disk")):
        if flags or current:
            dom.detachDeviceFlags(disk_xml, flags)
        else:
            dom.detachDevice(disk_xml)
    ctx.out.extra(fmt("Disk detached successfully\n"), end="")


class _Line(Exception):
    """An `error:` line of virsh's own given as a VshError cause (printed like libvirt's message)."""

    def get_error_message(self) -> str:
        return self.args[0]  # a vsh.i18n.Message: shown in the user's language


def _mac_key(text: str) -> tuple[int, ...] | str:
    """virMacAddrCompare's view of a MAC: six hex numbers, else the lower-cased text."""
    parts = text.split(":")
    try:
        if len(parts) == 6 and all(p and len(p) <= 2 for p in parts):
            return tuple(int(p, 16) for p in parts)
    except ValueError:
        pass
    return text.lower()


def find_interface(xml: str, kind: str, mac: str | None) -> Any:
    """virshDomainDetachInterface's search: the <interface> of `kind` (and `mac`); VshError if none."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    found = [i for i in root.findall("devices/interface") if i.get("type") == kind]
    if not found:
        raise VshError(msg("No interface found whose type is %s", kind))
    if mac is None:
        if len(found) > 1:
            raise VshError(msg("Domain has %zd interfaces. Please specify which one to detach using --mac", len(found)))
        return found[0]
    match = None
    for iface in found:
        for node in iface.findall("mac"):
            if _mac_key(node.get("address", "")) == _mac_key(mac):
                if match is not None:
                    raise VshError(msg("Domain has multiple interfaces matching MAC address %s. You must use detach-device and "
                                       "specify the device pci address to remove it.", mac))
                match = iface
    if match is None:
        raise VshError(msg("No interface with MAC address %s was found", mac))
    return match


@command("detach-interface", schema=XML,
         group="domain", help="detach network interface", desc="Detach network interface.",
         opts=[DOMAIN(), Data("type", "network interface type", empty_ok=True),
               Str("mac", "MAC address", empty_ok=True, complete="domain-mac"),
               PERSISTENT, CONFIG, LIVE, CURRENT,
               Flag("print-xml", "print XML document rather than detach the interface")],
         exclusive=_EXCLUSIVE)
def cmd_detach_interface(ctx: Session, domain: str, type: str, mac: str | None, persistent: bool, config: bool,
                         live: bool, current: bool, print_xml: bool) -> None:
    import libvirt
    from lxml import etree

    failed = _Line(msg("Failed to detach interface"))
    dom = ctx.lookup.domain(domain)
    flags = _flags(ctx, dom, persistent)
    for name, value in (("type", type), ("mac", mac)):
        required(name, value, cause=failed)
    xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if flags & libvirt.VIR_DOMAIN_AFFECT_CONFIG else 0)
    try:
        iface = find_interface(xml, type, mac)
    except VshError as err:
        # With --print-xml virsh leaves out its closing line for a failed search.
        raise VshError(err.message, cause=None if print_xml else failed) from None
    iface_xml = etree.tostring(iface, encoding="unicode", with_tail=False)
    if print_xml:
        ctx.out.data({"xml": iface_xml}, iface_xml)
        return
    with failing(msg("Failed to detach interface")):
        if flags or current:
            dom.detachDeviceFlags(iface_xml, flags)
        else:
            dom.detachDevice(iface_xml)
    ctx.out.extra(fmt("Interface detached successfully\n"), end="")


# attach-interface ---------------------------------------------------------------------------------

#: virDomainNetType names in 9.0; attach-interface builds XML for only some of them.
_NET_TYPES = ("user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal",
              "direct", "hostdev", "udp", "vdpa", "null", "vds")
_SOURCE_MODES = ("server", "client")


def _strtoul(text: str, base: int) -> tuple[int, str] | None:
    """strtoul: blanks, an optional sign, digits (an optional 0x in base 16); (value, rest)."""
    s = text.lstrip(" \t\n\v\f\r")
    neg = s[:1] == "-"
    if s[:1] in "+-":
        s = s[1:]
    if base == 16 and s[:2].lower() == "0x" and len(s) > 2 and s[2] in "0123456789abcdefABCDEF":
        s = s[2:]
    digits = "0123456789abcdef"[:base]
    i = 0
    while i < len(s) and s[i].lower() in digits:
        i += 1
    if i == 0 or neg:
        return None
    return int(s[:i], base), s[i:]


def _rates(text: str) -> list[int]:
    """virshParseRateStr: average,peak,burst,floor; empty fields stay 0."""
    fields = text.split(",")
    if not 1 <= len(fields) <= 4:
        raise VshError(msg("Rate string '%s' has too many fields", text))
    values = [0, 0, 0, 0]
    for i, field in enumerate(fields):
        if field == "":
            continue
        parsed = _strtoul(field, 10)
        if parsed is None or parsed[1] or parsed[0] >= 2**64:
            raise VshError(msg("field '%s' is malformed", ('average', 'peak', 'burst', 'floor')[i]))
        values[i] = parsed[0]
    return values


def _pci_address(text: str) -> tuple[int, int, int, int] | None:
    """virPCIDeviceAddressParse: domain:bus:slot.function in hex."""
    out = []
    rest = text
    for sep in (":", ":", ".", None):
        parsed = _strtoul(rest, 16)
        if parsed is None or parsed[0] > 2**32 - 1:
            return None
        value, rest = parsed
        out.append(value)
        if sep is not None:
            if rest[:1] != sep:
                return None
            rest = rest[1:]
    return out[0], out[1], out[2], out[3]


@command("attach-interface", schema=XML,
         group="domain", help="attach network interface", desc="Attach new network interface.",
         opts=[DOMAIN(), Data("type", "network interface type", empty_ok=True),
               Data("source", "source of network interface", empty_ok=True),
               Str("target", "target network name", empty_ok=True),
               Str("mac", "MAC address", empty_ok=True),
               Str("script", "script used to bridge network interface", empty_ok=True),
               Str("model", "model type", empty_ok=True),
               Str("alias", "custom alias name of interface device", empty_ok=True),
               Str("inbound", "control domain's incoming traffics", empty_ok=True),
               Str("outbound", "control domain's outgoing traffics", empty_ok=True),
               PERSISTENT, CONFIG, LIVE, CURRENT,
               Flag("print-xml", "print XML document rather than attach the interface"),
               Flag("managed", "libvirt will automatically detach/attach the device from/to host"),
               Str("source-mode", "mode attribute of <source/> element", empty_ok=True,
                   choices=("server", "client"))],
         exclusive=_EXCLUSIVE)
def cmd_attach_interface(ctx: Session, domain: str, type: str, source: str, target: str | None, mac: str | None,
                         script: str | None, model: str | None, alias: str | None, inbound: str | None,
                         outbound: str | None, persistent: bool, config: bool, live: bool, current: bool,
                         print_xml: bool, managed: bool, source_mode: str | None) -> None:
    from vsh.xmlbuild import child, root, write

    for name, value in (("type", type), ("source", source), ("target", target), ("mac", mac),
                        ("script", script), ("model", model), ("alias", alias), ("inbound", inbound),
                        ("outbound", outbound), ("source-mode", source_mode)):
        required(name, value)
    unsupported = VshError(msg("No support for %s in command 'attach-interface'", type))
    if type not in _NET_TYPES:
        raise unsupported
    if source_mode is not None and source_mode not in _SOURCE_MODES:
        raise VshError(msg("Invalid source mode: %s", source_mode))
    rate_in = rate_out = None
    if inbound is not None:
        rate_in = _rates(inbound)
        if not rate_in[0] and not rate_in[3]:
            raise VshError(msg("either inbound average or floor is mandatory"))
    if outbound is not None:
        rate_out = _rates(outbound)
        if rate_out[0] == 0:
            raise VshError(msg("outbound average is mandatory"))
        if rate_out[3]:
            raise VshError(msg("outbound floor is unsupported yet"))
    root = root("interface", {"type": type, **({"managed": "yes"} if managed else {})})
    if type in ("network", "bridge"):
        child(root, "source", attrs={type: source})
    elif type == "direct":
        child(root, "source", attrs={"dev": source})
    elif type == "hostdev":
        pci = _pci_address(source)
        if pci is None:
            raise VshError(msg("cannot parse pci address '%s' for network interface", source))
        src = child(root, "source")
        child(src, "address", attrs={"type": "pci", "domain": f"0x{pci[0]:04x}", "bus": f"0x{pci[1]:02x}",
                                      "slot": f"0x{pci[2]:02x}", "function": f"0x{pci[3]}"})
    elif type == "vhostuser":
        if source_mode is None:
            raise VshError(msg("source-mode is mandatory"))
        child(root, "source", attrs={"type": "unix", "path": source, "mode": source_mode})
    else:
        raise unsupported
    for tag, key, value in (("target", "dev", target), ("mac", "address", mac), ("script", "path", script),
                            ("model", "type", model), ("alias", "name", alias)):
        if value is not None:
            child(root, tag, attrs={key: value})
    if rate_in is not None or rate_out is not None:
        bandwidth = child(root, "bandwidth")
        names = ("average", "peak", "burst", "floor")
        if rate_in is not None:
            child(bandwidth, "inbound", attrs={names[i]: str(v) for i, v in enumerate(rate_in) if v > 0})
        if rate_out is not None:
            child(bandwidth, "outbound", attrs={names[i]: str(v) for i, v in enumerate(rate_out[:3]) if v > 0})
    xml = write(root)
    # virsh checks every option and builds the XML before it looks the domain up, and
    # --print-xml never looks it up.
    if print_xml:
        ctx.out.data({"xml": xml}, xml)
        return
    dom = ctx.lookup.domain(domain)
    flags = _flags(ctx, dom, persistent)
    with failing(msg("Failed to attach interface")):
        if flags or current:
            dom.attachDeviceFlags(xml, flags)
        else:
            dom.attachDevice(xml)
    ctx.out.extra(fmt("Interface attached successfully\n"), end="")


# attach-disk ---------------------------------------------------------------------------------------

def _address_fields(text: str, count: int, base: int) -> list[int] | None:
    """virsh's str2*Address: numbers each followed by any one character (strtoul; no '-')."""
    values = []
    rest: str | None = text
    for _ in range(count):
        if rest is None:
            return None
        parsed = _strtoul(rest, base)
        if parsed is None or parsed[0] > 2**32 - 1:
            return None
        values.append(parsed[0])
        rest = parsed[1][1:] if parsed[1] else None
    return values


def _disk_address(text: str) -> tuple[str, list[int]] | None:
    """str2DiskAddress: (kind, numbers) for `pci:D.B.S.F`, `ccw:C.S.D`, `scsi|sata|ide:C.B.U`, `usb:B.P`."""
    if ":" not in text:
        return None
    rest = text[text.index(":") + 1:]
    for prefix, count, base in (("pci", 4, 16), ("scsi", 3, 10), ("ide", 3, 10), ("ccw", 3, 16), ("usb", 2, 10),
                                ("sata", 3, 10)):
        if text.partition(":")[0] == prefix:
            fields = _address_fields(rest, count, base)
            return (prefix, fields) if fields is not None else None
    return None


def _valid_wwn(wwn: str) -> bool:
    """virValidateWWN: 16 hex digits, optionally after 0x."""
    body = wwn[2:] if wwn.startswith("0x") else wwn
    return len(body) == 16 and all(c in "0123456789abcdefABCDEF" for c in body)


_DISK_STRINGS = ("target", "driver", "subdriver", "type", "mode", "iothread", "cache", "io", "serial", "wwn",
                 "address", "targetbus", "alias", "sourcetype", "source-protocol", "source-host-name",
                 "source-host-transport", "source-host-socket")


def _disk_opt(name: str, help: str) -> Any:
    return Str(name, help, empty_ok=True)


@command("attach-disk", schema=XML,
         group="domain", help="attach disk device", desc="Attach new disk device.",
         opts=[DOMAIN(), Data("source", "source of disk device or name of network disk", complete="file",
                           empty_ok=True),
               Data("target", "target of disk device", empty_ok=True),
               _disk_opt("targetbus", "target bus of disk device"),
               _disk_opt("driver", "driver of disk device"),
               _disk_opt("subdriver", "subdriver of disk device"),
               _disk_opt("iothread", "IOThread to be used by supported device"),
               _disk_opt("cache", "cache mode of disk device"),
               _disk_opt("io", "io policy of disk device"),
               _disk_opt("type", "target device type"),
               _disk_opt("mode", "mode of device reading and writing"), Alias("shareable", "mode=shareable"),
               _disk_opt("sourcetype", "type of source (block|file|network)"),
               _disk_opt("serial", "serial of disk device"),
               _disk_opt("wwn", "wwn of disk device"),
               _disk_opt("alias", "custom alias name of disk device"),
               Flag("rawio", "needs rawio capability"),
               _disk_opt("address", "address of disk device"),
               Flag("multifunction", "use multifunction pci under specified address"),
               Flag("print-xml", "print XML document rather than attach the disk"),
               _disk_opt("source-protocol", "protocol used by disk device source"),
               _disk_opt("source-host-name", "host name for source of disk device"),
               _disk_opt("source-host-transport", "host transport for source of disk device"),
               _disk_opt("source-host-socket", "host socket for source of disk device"),
               PERSISTENT, CONFIG, LIVE, CURRENT],
         exclusive=_EXCLUSIVE)
def cmd_attach_disk(ctx: Session, domain: str, source: str, rawio: bool, multifunction: bool, print_xml: bool,
                    persistent: bool, config: bool, live: bool, current: bool, **opts: str | None) -> None:
    import os
    import stat

    given = {name: opts[name.replace("-", "_")] for name in _DISK_STRINGS}
    # virsh checks these after the exclusive options and before reading any value.
    for opt_name, needed in (("source-host-name", "source-protocol"), ("source-host-transport", "source-protocol"),
                             ("source-host-socket", "source-protocol"),
                             ("source-host-socket", "source-host-transport")):
        if given[opt_name] is not None and given[needed] is None:
            raise VshError(msg("Option --%s is required by option --%s", needed, opt_name))
    if given["source-host-name"] is not None and given["source-host-socket"] is not None:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "source-host-name", "source-host-socket"))
    for name in _DISK_STRINGS:
        required(name, given[name])
    target: str = given["target"] or ""  # <target> is required: the grammar saw it
    driver, protocol, mode = given["driver"], given["source-protocol"], given["mode"]
    stype = given["sourcetype"]
    if stype is not None and stype not in ("file", "block", "network"):
        raise VshError(msg("Unknown source type: '%s'", stype))
    if stype is None:
        if protocol is not None:
            stype = "network"
        else:
            stype = "file"
            if driver not in ("file", "tap"):
                try:
                    if stat.S_ISBLK(os.stat(source).st_mode):
                        stype = "block"
                except (OSError, ValueError):
                    pass
    if (stype == "network") != (protocol is not None):
        raise VshError(msg("--source-protocol option requires --sourcetype network"))
    if mode is not None and mode not in ("readonly", "shareable"):
        raise VshError(msg("No support for %s in command 'attach-disk'", mode))
    wwn = given["wwn"]
    if wwn is not None and not _valid_wwn(wwn):
        raise VshError(msg("internal error: %s", msg("Malformed wwn: %s", wwn)))

    def attrs(*pairs: tuple[str, str | None]) -> str:
        return "".join(f" {k}='{buffer_escape(v)}'" for k, v in pairs if v is not None)

    lines = []
    driver_attrs = attrs(("name", driver), ("type", given["subdriver"]), ("iothread", given["iothread"]),
                         ("cache", given["cache"]), ("io", given["io"]))
    if driver_attrs:
        lines.append(f"  <driver{driver_attrs}/>")
    if stype == "network":
        host_attrs = ""
        if given["source-host-transport"] is not None:
            host_attrs += attrs(("transport", given["source-host-transport"]), ("socket", given["source-host-socket"]))
        if given["source-host-name"] is not None:
            name, _sep, port = given["source-host-name"].partition(":")
            host_attrs += attrs(("name", name), ("port", port if _sep else None))
        src = attrs(("protocol", protocol), ("name", source))
        if host_attrs:
            lines += [f"  <source{src}>", f"    <host{host_attrs}/>", "  </source>"]
        else:
            lines.append(f"  <source{src}/>")
    else:
        lines.append(f"  <source{attrs(('file' if stype == 'file' else 'dev', source))}/>")
    # virsh copies these values into the XML without escaping them.
    bus = f" bus='{given['targetbus']}'" if given["targetbus"] is not None else ""
    lines.append(f"  <target dev='{target}'{bus}/>")
    if mode is not None:
        lines.append(f"  <{mode}/>")
    if given["serial"] is not None:
        lines.append(f"  <serial>{given['serial']}</serial>")
    if given["alias"] is not None:
        lines.append(f"  <alias name='{given['alias']}'/>")
    if wwn is not None:
        lines.append(f"  <wwn>{wwn}</wwn>")
    if given["address"] is not None:
        parsed = _disk_address(given["address"])
        if parsed is None:
            raise VshError(msg("Invalid address."))
        kind, n = parsed
        if target.startswith("vd") and kind not in ("pci", "ccw"):
            raise VshError(msg("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address."))
        if target.startswith("sd") and kind not in ("scsi", "usb", "sata"):
            raise VshError(msg("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address."))
        if target.startswith("hd") and kind != "ide":
            raise VshError(msg("expecting an ide:00.00.00 address."))
        if kind == "pci":
            multi = " multifunction='on'" if multifunction else ""
            lines.append(f"  <address type='pci' domain='0x{n[0]:04x}' bus='0x{n[1]:02x}' slot='0x{n[2]:02x}' "
                         f"function='0x{n[3]:x}'{multi}/>")
        elif kind == "ccw":
            lines.append(f"  <address type='ccw' cssid='0x{n[0]:02x}' ssid='0x{n[1]:x}' devno='0x{n[2]:04x}'/>")
        elif kind == "usb":
            lines.append(f"  <address type='usb' bus='{n[0]}' port='{n[1]}'/>")
        else:
            lines.append(f"  <address type='drive' controller='{n[0]}' bus='{n[1]}' unit='{n[2]}'/>")
    rawio_attr = " rawio='yes'" if rawio else ""
    head = f"<disk type='{stype}'{attrs(('device', given['type']))}{rawio_attr}>"
    xml = "\n".join([head, *lines, "</disk>"]) + "\n"
    if print_xml:
        ctx.out.data({"xml": xml}, xml)
        return
    dom = ctx.lookup.domain(domain)
    flags = _flags(ctx, dom, persistent)
    with failing(msg("Failed to attach disk")):
        if flags or current:
            dom.attachDeviceFlags(xml, flags)
        else:
            dom.attachDevice(xml)
    ctx.out.extra(fmt("Disk attached successfully\n"), end="")


@command("detach-device-alias", group="domain", help="detach device from an alias",
         desc="Detach device identified by the given alias from a domain",
         opts=[DOMAIN(), Data("alias", "device alias", empty_ok=True), CONFIG, LIVE, CURRENT],
         exclusive=[("current", "live"), ("current", "config")])
def cmd_detach_device_alias(ctx: Session, domain: str, alias: str, config: bool, live: bool, current: bool) -> None:

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    required("alias", alias)
    with failing(msg("Failed to detach device with alias %s", alias)):
        dom.detachDeviceAlias(alias, flags)
    ctx.out.extra(fmt("Device detach request sent successfully\n"), end="")
