"""nwfilter-edit: a network filter's XML in $EDITOR, defined through the shared loop (vsh.editor).

JSON (--json): {"nwfilter": NAME, "changed": bool}, NAME being the defined filter's name.
"""
from __future__ import annotations

from vsh.editor import edit_xml
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Data


@command("nwfilter-edit", group="filter", help="edit XML configuration for a network filter",
         desc="Edit the XML configuration for a network filter.",
         opts=[Data("nwfilter", "network filter name or uuid", complete="nwfilter")])
def cmd_nwfilter_edit(ctx: Session, nwfilter: str) -> None:
    nwf = ctx.lookup.nwfilter(nwfilter)
    edited = edit_xml(ctx, lambda: nwf.XMLDesc(0), lambda xml: ctx.conn.nwfilterDefineXML(xml))
    name = nwf.name() if edited is None else edited.name()
    if ctx.out.json:
        ctx.out.data({"nwfilter": name, "changed": edited is not None})
    elif edited is None:
        ctx.out.extra(f"Network filter {name} XML configuration not changed.")
    else:
        ctx.out.extra(f"Network filter {name} XML configuration edited.")
