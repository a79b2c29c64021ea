"""What the host commands and their completers read from the capabilities XML: NUMA cells and page sizes.

virsh reads the same XPaths in freecell, freepages and allocpages and in its cell number and
page size completers (virsh-completer-host.c), so they live in one place.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CELLS = "/capabilities/host/topology/cells/cell"


def parse(caps_xml: str) -> Any:
    """The capabilities document's root element, or None when it does not parse."""
    from lxml import etree

    try:
        return etree.fromstring(caps_xml.encode("utf-8"))
    except (etree.XMLSyntaxError, ValueError):
        return None


def cell_ids(root: Any) -> list[str | None]:
    """The `id` attribute of every NUMA cell, in document order (None where it is missing)."""
    return [cell.get("id") for cell in root.xpath(CELLS)]


def page_sizes(root: Any) -> list[str | None]:
    """The `size` of every page pool virsh's freepages --all looks at.

    The host CPU's own <pages> first; some drivers list them only per cell, so those follow.
    """
    nodes = root.xpath("/capabilities/host/cpu/pages")
    if not nodes:
        nodes = root.xpath(CELLS + "/pages")
    return [node.get("size") for node in nodes]


def _caps(conn: Any) -> Any:
    root = parse(conn.getCapabilities())
    if root is None:
        return None
    return root


def complete_cells(conn: Any, _given: dict) -> list[str]:
    """virshCellnoCompleter: the NUMA cell ids."""
    root = _caps(conn)
    return [] if root is None else [i for i in cell_ids(root) if i is not None]


def complete_pagesizes(conn: Any, given: dict) -> list[str]:
    """virshAllocpagesPagesizeCompleter: page sizes as `4KiB`, `2MiB`, of the --cellno given, else the host's."""
    from vsh.units import pretty_capacity
    from vsh.values import parse_scaled

    root = _caps(conn)
    if root is None:
        return []
    cell = given.get("cellno")
    if cell is not None:
        nodes = root.xpath(CELLS + "[@id=$id]/pages", id=str(cell))
    else:
        nodes = root.xpath("/capabilities/host/cpu/pages")
    out = []
    for node in nodes:
        try:
            size = parse_scaled((node.get("size") or "") + (node.get("unit") or ""), 1024)
        except Exception:  # noqa: BLE001 - virsh drops the whole list on a bad entry
            return []
        value, suffix = pretty_capacity(size)
        out.append(f"{value:.0f}{suffix}")
    return out


def complete_node_cpus(conn: Any, _given: dict) -> list[str]:
    """virshNodeCpuCompleter: the online host CPUs."""
    from vsh.cpulist import cpus_of

    return [str(n) for n in cpus_of(conn.getCPUMap(0)[1])]


def complete_cpu_models(conn: Any, given: dict) -> list[str]:
    """virshCPUModelCompleter: the custom CPU models of the domain capabilities the options select."""
    from lxml import etree

    xml = conn.getDomainCapabilities(given.get("emulator"), given.get("arch"), given.get("machine"),
                                     given.get("virttype"), 0)
    root = etree.fromstring(xml.encode("utf-8"))
    return [m.text or "" for m in root.xpath("/domainCapabilities/cpu/mode[@name='custom']/model")]


def complete_nwfilter_bindings(conn: Any, _given: dict) -> list[str]:
    """virshNWFilterBindingNameCompleter: the port devices of the bindings."""
    return [b.portDev() for b in conn.listAllNWFilterBindings(0)]
