"""iface-edit: a host interface's inactive XML in $EDITOR, defined through the shared loop (vsh.editor).

JSON (--json): {"interface": NAME, "changed": bool}, NAME being the defined interface's name.
"""
from __future__ import annotations

from vsh.editor import edit_xml
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Data


@command("iface-edit", group="interface", help="edit XML configuration for a physical host interface",
         desc="Edit the XML configuration for a physical host interface.",
         opts=[Data("interface", "interface name or MAC address", complete="interface")])
def cmd_iface_edit(ctx: Session, interface: str) -> None:
    import libvirt

    iface = ctx.lookup.interface(interface)
    edited = edit_xml(ctx, lambda: iface.XMLDesc(libvirt.VIR_INTERFACE_XML_INACTIVE),
                      lambda xml: ctx.conn.interfaceDefineXML(xml, 0))
    name = iface.name() if edited is None else edited.name()
    if ctx.out.json:
        ctx.out.data({"interface": name, "changed": edited is not None})
    elif edited is None:
        ctx.out.extra(f"Interface {name} XML configuration not changed.")
    else:
        ctx.out.extra(f"Interface {name} XML configuration edited.")
