"""Network filter commands: nwfilter-list, nwfilter-define, nwfilter-undefine,
nwfilter-dumpxml, nwfilter-binding-list, nwfilter-binding-create, nwfilter-binding-delete and
nwfilter-binding-dumpxml.

nwfilter-edit: a network filter's XML in $EDITOR, defined through the shared loop (vsh.editor).

The module keeps virsh's own name (virsh-nwfilter.c) for the 'filter' group.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands import common
from vsh.editor import edit_xml
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import EDITED, XML, rows
from vsh.session import Session
from vsh.spec import Data, Flag, Opt
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def NWFILTER() -> Opt:
    return Data("nwfilter", "network filter name or uuid", complete="nwfilter")


def _list(ctx: Session) -> list[Any]:
    """virshNWFilterListCollect: the new API, else (unsupported) the old one."""
    import libvirt

    conn = ctx.conn
    try:
        return list(conn.listAllNWFilters(0))
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise VshError(msg("Failed to list network filters"), cause=err) from None
    with failing(msg("Failed to count network filters")):
        count = conn.numOfNWFilters()
    if count == 0:
        return []
    with failing(msg("Failed to list network filters")):
        names = conn.listNWFilters()
    found = []
    for name in names:
        try:
            found.append(conn.nwfilterLookupByName(name))
        except libvirt.libvirtError:
            continue
    return found


@command("nwfilter-list", schema=rows(uuid="string", name="string"),
         group="filter", help="list network filters", desc="Returns list of network filters.")
def cmd_nwfilter_list(ctx: Session) -> None:
    filters = sorted(_list(ctx), key=lambda f: common.name_key(f.name()))
    rows = [{"uuid": f.UUIDString(), "name": f.name()} for f in filters]
    ctx.out.table([Column("uuid", "UUID"), Column("name", "Name")], rows)


@command("nwfilter-define", group="filter", help="define or update a network filter from an XML file",
         desc="Define a new network filter or update an existing one.",
         opts=[common.FILE("file containing an XML network filter description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_nwfilter_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to define network filter from %s", file)):
        if validate:
            nwfilter = ctx.conn.nwfilterDefineXMLFlags(xml, libvirt.VIR_NWFILTER_DEFINE_VALIDATE)
        else:
            nwfilter = ctx.conn.nwfilterDefineXML(xml)
    ctx.out.extra(fmt("Network filter %s defined from %s\n", nwfilter.name(), file), end="")


@command("nwfilter-undefine", group="filter", help="undefine a network filter",
         desc="Undefine a given network filter.", opts=[NWFILTER()])
def cmd_nwfilter_undefine(ctx: Session, nwfilter: str) -> None:
    obj = ctx.lookup.nwfilter(nwfilter)
    with failing(msg("Failed to undefine network filter %s", nwfilter)):
        obj.undefine()
    ctx.out.extra(fmt("Network filter %s undefined\n", nwfilter), end="")


@command("nwfilter-dumpxml", schema=XML,
         group="filter", help="network filter information in XML",
         desc="Output the network filter information as an XML dump to stdout.",
         opts=[NWFILTER(), common.XPATH(), common.WRAP])
def cmd_nwfilter_dumpxml(ctx: Session, nwfilter: str, xpath: str | None, wrap: bool) -> None:
    obj = ctx.lookup.nwfilter(nwfilter)
    common.dump_xml(ctx, obj.XMLDesc(0), xpath, wrap)


@command("nwfilter-binding-list", schema=rows(interface="string", filter="string"),
         group="filter", help="list network filter bindings",
         desc="Returns list of network filter bindings.")
def cmd_nwfilter_binding_list(ctx: Session) -> None:
    with failing(msg("Failed to list network filter bindings")):
        bindings = sorted(ctx.conn.listAllNWFilterBindings(0), key=lambda b: common.name_key(b.portDev()))
    rows = [{"interface": b.portDev(), "filter": b.filterName()} for b in bindings]
    ctx.out.table([Column("interface", "Port Dev"), Column("filter", "Filter")], rows)


def BINDING(help: str) -> Opt:
    return Data("binding", help, complete="nwfilter-binding")


@command("nwfilter-binding-create", group="filter", help="create a network filter binding from an XML file",
         desc="Create a new network filter binding.",
         opts=[common.FILE("file containing an XML network filter binding description"),
               Flag("validate", "validate the XML against the schema")])
def cmd_nwfilter_binding_create(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to create network filter from %s", file)):
        binding = ctx.conn.nwfilterBindingCreateXML(
            xml, ctx.flags(validate=libvirt.VIR_NWFILTER_BINDING_CREATE_VALIDATE))
    ctx.out.extra(fmt("Network filter binding on %s created from %s\n", binding.portDev(), file), end="")


@command("nwfilter-binding-delete", group="filter", help="delete a network filter binding",
         desc="Delete a given network filter binding.", opts=[BINDING("network filter binding port dev")])
def cmd_nwfilter_binding_delete(ctx: Session, binding: str) -> None:
    obj = ctx.lookup.nwfilter_binding(binding)
    with failing(msg("Failed to delete network filter binding on %s", binding)):
        obj.delete()
    ctx.out.extra(fmt("Network filter binding on %s deleted\n", binding), end="")


@command("nwfilter-binding-dumpxml", schema=XML,
         group="filter", help="network filter information in XML",
         desc="Output the network filter information as an XML dump to stdout.",
         opts=[BINDING("network filter binding portdev"), common.XPATH(), common.WRAP])
def cmd_nwfilter_binding_dumpxml(ctx: Session, binding: str, xpath: str | None, wrap: bool) -> None:
    from vsh.errors import from_libvirt

    obj = ctx.lookup.nwfilter_binding(binding)
    try:
        xml = obj.XMLDesc(0)
    except Exception as err:  # noqa: BLE001 - a libvirt error, reported with libvirt's line alone
        raise from_libvirt(err) from None
    # virsh 9.0 declares --xpath and --wrap here but never reads --xpath: the whole document is printed.
    common.dump_xml(ctx, xml, None, wrap)


@command("nwfilter-edit", schema=EDITED,
         group="filter", help="edit XML configuration for a network filter",
         desc="Edit the XML configuration for a network filter.",
         opts=[Data("nwfilter", "network filter name or uuid", complete="nwfilter")])
def cmd_nwfilter_edit(ctx: Session, nwfilter: str) -> None:
    nwf = ctx.lookup.nwfilter(nwfilter)
    edited = edit_xml(ctx, lambda: nwf.XMLDesc(0), lambda xml: ctx.conn.nwfilterDefineXML(xml))
    name = nwf.name() if edited is None else edited.name()
    if ctx.out.json:
        ctx.out.data({"name": name, "changed": edited is not None})
    elif edited is None:
        ctx.out.extra(fmt("Network filter %s XML configuration not changed.\n", name), end="")
    else:
        ctx.out.extra(fmt("Network filter %s XML configuration edited.\n", name), end="")
