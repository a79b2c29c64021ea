"""domiflist, domifstat, domifaddr, domif-getlink: a domain's network interfaces."""
from __future__ import annotations


from vsh.commands.common import (DOMAIN, DOMIF_INTERFACE, parse_xml, required, select_nodes)
from vsh.commands.monitor.query import domain_xml, xstr
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import obj, rows
from vsh.session import Session
from vsh.spec import Alias, Data, Flag, Str
from vsh.i18n import _, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@command("domiflist", group="monitor", help="list all domain virtual interfaces",
         desc="Get the summary of virtual interfaces for a domain.",
         opts=[DOMAIN(), Flag("inactive", "get inactive rather than running configuration")],
         schema=rows(interface="string?", type="string?", source="string?", model="string?", mac="string?"))
def cmd_domiflist(ctx: Session, domain: str, inactive: bool) -> None:
    import libvirt

    root = domain_xml(ctx, domain, libvirt.VIR_DOMAIN_XML_INACTIVE if inactive else 0)
    found = []
    for iface in root.xpath("./devices/interface"):
        found.append({
            "interface": xstr(iface, "./target/@dev"),
            "type": xstr(iface, "./@type"),
            "source": xstr(iface, "./source/@bridge|./source/@dev|./source/@network|./source/@name"
                                   "|./source/@path"),
            "model": xstr(iface, "./model/@type"),
            "mac": xstr(iface, "./mac/@address"),
        })
    ctx.out.table([Column("interface", "Interface"), Column("type", "Type"), Column("source", "Source"),
                   Column("model", "Model"), Column("mac", "MAC")], found)


_IFSTAT_FIELDS = ("rx_bytes", "rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs", "tx_drop")


@command("domifstat", group="monitor", help="get network interface stats for a domain",
         desc="Get network interface stats for a running domain.",
         opts=[DOMAIN(complete="domain:active"), Data("interface", "interface device specified by name or MAC Address",
                              complete="domain-interface", late=True)],
         schema=obj({"interface": "string", **{f: "integer?" for f in _IFSTAT_FIELDS}}))
def cmd_domifstat(ctx: Session, domain: str, interface: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    interface = ctx.late("interface", interface)
    try:
        values = dom.interfaceStats(interface)
    except libvirt.libvirtError as err:
        raise VshError(msg("Failed to get interface stats %s %s", domain, interface), cause=err) from None
    stats = {k: v for k, v in zip(_IFSTAT_FIELDS, values) if v >= 0}
    text = "".join(f"{interface} {k} {v}\n" for k, v in stats.items())
    ctx.out.data({"interface": interface, **{k: stats.get(k) for k in _IFSTAT_FIELDS}}, text)


@command("domifaddr", group="monitor", help="Get network interfaces' addresses for a running domain",
         desc="Get network interfaces' addresses for a running domain",
         opts=[DOMAIN(complete="domain:active"), Str("interface", "network interface name", complete="domain-interface"),
               Flag("full", "always display names and MACs of interfaces"),
               Str("source", "address source: 'lease', 'agent', or 'arp'",
                   choices=("lease", "agent", "arp"))],
         schema=rows(interface="string", mac="string?",
                     addresses=rows(type="string", address="string?", prefix="integer?")))
def cmd_domifaddr(ctx: Session, domain: str, interface: str | None, full: bool, source: str | None) -> None:
    import libvirt

    sources = {"lease": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
               "agent": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
               "arp": libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP}
    if source is not None and source not in sources:
        raise VshError(msg("Unknown data source '%s'", source))
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to query for interfaces addresses")):
        ifaces = dom.interfaceAddresses(sources[source or "lease"], 0) or {}
    records: list[dict[str, Any]] = []
    lines: list[str] = []
    for name, info in ifaces.items():
        if interface is not None and interface != name:
            continue
        mac = info.get("hwaddr")
        addrs = info.get("addrs") or []
        records.append({"interface": name, "mac": mac, "addresses": [
            {"type": "ipv6" if a.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV6 else "ipv4",
             "address": a.get("addr"), "prefix": a.get("prefix")} for a in addrs]})
        if not addrs:
            lines.append(f" {name:<10} {mac or 'N/A':<17}    {'N/A':<12} N/A")
            continue
        for j, a in enumerate(records[-1]["addresses"]):
            first = full or j == 0
            lines.append(f" {name if first else '-':<10} {(mac or '') if first else '-':<17}    "
                         f"{a['type']:<12} {a['address']}/{a['prefix']}")
    if ctx.out.json:
        ctx.out.data(records)
        return
    ctx.out.extra(printf(" %-10s %-20s %-8s     %s\n%s%s", _("Name"), _("MAC address"), _("Protocol"), _("Address"),
                         _("-------------------------------------------------"), _("------------------------------")))
    ctx.out.write("".join(line + "\n" for line in lines))


# domif-getlink ---------------------------------------------------------------------------------

def mac_text(text: str) -> str:
    """virMacAddrParse then virMacAddrFormat: the normalized MAC, or "" when `text` is none."""
    parts: list[int] = []
    rest = text
    for i in range(6):
        digits = 0
        while digits < len(rest) and rest[digits] in "0123456789abcdefABCDEF":
            digits += 1
        if not 1 <= digits <= 2:
            return ""
        parts.append(int(rest[:digits], 16))
        rest = rest[digits:]
        if i == 5:
            # virsh accepts anything from a blank or control character on after the last byte.
            return ":".join(f"{p:02x}" for p in parts) if not rest or rest[0] <= " " else ""
        if not rest.startswith(":"):
            return ""
        rest = rest[1:]
    return ""


@command("domif-getlink", group="monitor", help="get link state of a virtual interface",
         desc="Get link state of a domain's virtual interface.",
         opts=[DOMAIN(), DOMIF_INTERFACE, Alias("persistent", "config"), Flag("config", "Get persistent interface state")],
         schema=obj(interface="string", state="string"))
def cmd_domif_getlink(ctx: Session, domain: str, interface: str, config: bool) -> None:
    import libvirt

    required("interface", interface)
    dom = ctx.lookup.domain(domain)
    root = parse_xml(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE if config else 0))
    mac = mac_text(interface)
    # virsh pastes both values into the expression as they are.
    xpath = (f"/domain/devices/interface[(mac/@address = '{mac}') or "
             f"                          (target/@dev = '{interface}')]")
    found = select_nodes(ctx, root, xpath)
    if not found:
        raise VshError(msg("Interface (mac: %s) not found.", mac) if mac else msg("Interface (dev: %s) not found.", interface))
    if len(found) > 1:
        raise VshError(msg("multiple matching interfaces found"))
    state = str(found[0].xpath("string(link/@state)")) or "up"
    ctx.out.data({"interface": interface, "state": state}, f"{interface} {state}")


