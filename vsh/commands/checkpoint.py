"""Checkpoint commands: checkpoint-create, checkpoint-create-as, checkpoint-list, checkpoint-info,
checkpoint-dumpxml, checkpoint-parent and checkpoint-delete.

checkpoint-edit: a checkpoint's XML in $EDITOR, redefined through the shared loop (vsh.editor).

As in virsh, the edited XML is redefined (VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE); a new
name in it is refused (the second checkpoint it made is dropped again), and every failure
once the checkpoint is found ends with `Failed to update NAME`.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands import common
from vsh.commands.common import DOMAIN, required
from vsh.commands.snapshot import list_names
from vsh.editor import Failure, report_edit
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import EDITED_FROM, XML, obj, rows, single
from vsh.session import Session
from vsh.spec import Argv, Flag, Str
from vsh.values import split_items
from vsh.xmlbuild import Buffer
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def CHECKPOINTNAME(help: str = "checkpoint name") -> Any:
    return Str("checkpointname", help, complete="checkpoint", late=True)


def _create(ctx: Session, dom: Any, xml: str, flags: int, source: str | None) -> None:
    chk = dom.checkpointCreateXML(xml, flags)
    name = chk.getName()
    # virsh ends these messages without a newline; the blank line after the command ends them.
    if source is not None:
        ctx.out.extra(fmt("Domain checkpoint %s created from '%s'", name, source), end="")
    else:
        ctx.out.extra(fmt("Domain checkpoint %s created", name), end="")


@command("checkpoint-create", group="checkpoint", help="Create a checkpoint from XML",
         desc="Create a checkpoint from XML for use in future incremental backups",
         opts=[common.DOMAIN(complete="domain:active"), Str("xmlfile", "domain checkpoint XML", complete="file", late=True),
               Flag("redefine", "redefine metadata for existing checkpoint"),
               Flag("redefine-validate", "validate the redefined checkpoint"),
               Flag("quiesce", "quiesce guest's file systems")],
         requires=[("redefine-validate", "redefine")])
def cmd_checkpoint_create(ctx: Session, domain: str, xmlfile: str | None, redefine: bool,
                          redefine_validate: bool, quiesce: bool) -> None:
    import libvirt

    flags = ctx.flags(redefine=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE,
                      redefine_validate=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE,
                      quiesce=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE)
    dom = ctx.lookup.domain(domain)
    xmlfile = ctx.late("xmlfile", xmlfile)
    xml = "<domaincheckpoint/>" if xmlfile is None else ctx.read_file(xmlfile)
    _create(ctx, dom, xml, flags, xmlfile)


def _diskspec(buf: Buffer, spec: str) -> None:
    items = split_items(spec)
    found: dict[str, str] = {}
    for item in items[1:]:
        assert item is not None
        key = next((k for k in ("checkpoint", "bitmap") if k not in found and item.startswith(k + "=")), None)
        if key is None:
            raise VshError(msg("unable to parse diskspec: %s", spec))
        found[key] = item[len(key) + 1:]
    buf.escape("<disk name='%s'", items[0])
    for key in ("checkpoint", "bitmap"):
        if key in found:
            buf.add(f" {key}='{found[key]}'")
    buf.add("/>\n")


@command("checkpoint-create-as", schema=XML,
         group="checkpoint", help="Create a checkpoint from a set of args",
         desc="Create a checkpoint from arguments for use in future incremental backups",
         opts=[common.DOMAIN(complete="domain:active"), Str("name", "name of checkpoint", late=True),
               Str("description", "description of checkpoint", late=True),
               Flag("print-xml", "print XML document rather than create"),
               Flag("quiesce", "quiesce guest's file systems"),
               Argv("diskspec", "disk attributes: disk[,checkpoint=type][,bitmap=name]")])
def cmd_checkpoint_create_as(ctx: Session, domain: str, name: str | None, description: str | None,
                             print_xml: bool, quiesce: bool, diskspec: list[str]) -> None:
    import libvirt

    flags = ctx.flags(quiesce=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE)
    dom = ctx.lookup.domain(domain)
    name = ctx.late("name", name)
    description = ctx.late("description", description)
    buf = Buffer()
    buf.add("<domaincheckpoint>\n")
    buf.indent = 2
    buf.escape("<name>%s</name>\n", name)
    buf.escape("<description>%s</description>\n", description)
    if diskspec:
        buf.add("<disks>\n")
        buf.indent += 2
        for spec in diskspec:
            _diskspec(buf, spec)
        buf.indent -= 2
        buf.add("</disks>\n")
    buf.indent -= 2
    buf.add("</domaincheckpoint>\n")
    xml = buf.text()
    if print_xml:
        ctx.out.data({"xml": xml}, xml + "\n")
        return
    _create(ctx, dom, xml, flags, None)


def _checkpoint(ctx: Session, dom: Any, raw: str | None, option: str = "checkpointname") -> Any:
    """virshLookupCheckpoint: the checkpoint named by --OPTION, which is required here."""
    name = ctx.late(option, raw)
    if name is None:
        raise VshError(msg("--%s is required", option))
    return dom.checkpointLookupByName(name, 0)


def _parent(chk: Any) -> str | None:
    import libvirt

    try:
        return chk.getParent(0).getName()
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT:
            return None
        raise VshError(msg("unable to determine if checkpoint has parent"), cause=err) from None


@command("checkpoint-info", schema=obj(name="string", domain="string", parent="string?", children="integer",
                                       descendants="integer"),
         group="checkpoint", help="checkpoint information",
         desc="Returns basic information about a checkpoint.",
         opts=[common.DOMAIN(complete="domain:checkpoint"), CHECKPOINTNAME()])
def cmd_checkpoint_info(ctx: Session, domain: str, checkpointname: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    chk = _checkpoint(ctx, dom, checkpointname)
    name = chk.getName()
    parent = _parent(chk)
    children = len(chk.listAllChildren(0))
    descendants = len(chk.listAllChildren(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS))
    ctx.out.kv([
        ("name", "Name:", name, name),
        ("domain", "Domain:", dom.name(), dom.name()),
        ("parent", "Parent:", parent, parent or "-"),
        ("children", "Children:", children, str(children)),
        ("descendants", "Descendants:", descendants, str(descendants)),
    ])


@command("checkpoint-dumpxml", schema=XML,
         group="checkpoint", help="Dump XML for a domain checkpoint",
         desc="Checkpoint Dump XML",
         opts=[common.DOMAIN(complete="domain:checkpoint"), CHECKPOINTNAME(),
               Flag("security-info", "include security sensitive information in XML dump"),
               Flag("no-domain", "exclude <domain> from XML"),
               Flag("size", "include backup size estimate in XML dump"),
               common.XPATH(), common.WRAP])
def cmd_checkpoint_dumpxml(ctx: Session, domain: str, checkpointname: str | None, security_info: bool,
                           no_domain: bool, size: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    flags = ctx.flags(security_info=libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE,
                      no_domain=libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN,
                      size=libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE)
    dom = ctx.lookup.domain(domain)
    if xpath == "":
        # virsh reads --xpath (quietly) before it looks the checkpoint up.
        raise VshError("")
    chk = _checkpoint(ctx, dom, checkpointname)
    common.dump_xml(ctx, chk.getXMLDesc(flags), xpath, wrap)


@command("checkpoint-parent", schema=single("parent"),
         group="checkpoint", help="Get the name of the parent of a checkpoint",
         desc="Extract the checkpoint's parent, if any",
         opts=[common.DOMAIN(complete="domain:checkpoint"), CHECKPOINTNAME("find parent of checkpoint name")])
def cmd_checkpoint_parent(ctx: Session, domain: str, checkpointname: str | None) -> None:
    dom = ctx.lookup.domain(domain)
    chk = _checkpoint(ctx, dom, checkpointname)
    parent = _parent(chk)
    if parent is None:
        raise VshError(msg("checkpoint '%s' has no parent", chk.getName()))
    # virsh prints the name without a newline; the blank line after the command ends it.
    ctx.out.data({"parent": parent}, parent)


@command("checkpoint-delete", group="checkpoint", help="Delete a domain checkpoint", desc="Checkpoint Delete",
         opts=[common.DOMAIN(complete="domain:checkpoint+active"), CHECKPOINTNAME(),
               Flag("children", "delete checkpoint and all children"),
               Flag("children-only", "delete children but not checkpoint"),
               Flag("metadata", "delete only libvirt metadata, leaving checkpoint contents behind")])
def cmd_checkpoint_delete(ctx: Session, domain: str, checkpointname: str | None, children: bool,
                          children_only: bool, metadata: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    chk = _checkpoint(ctx, dom, checkpointname)
    name = chk.getName()
    flags = ctx.flags(children=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN,
                      children_only=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY,
                      metadata=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    with failing(msg("Failed to delete checkpoint %s", name)):
        chk.delete(flags)
    ctx.out.extra(fmt("Domain checkpoint %s children deleted\n", name) if children_only
                  else fmt("Domain checkpoint %s deleted\n", name), end="")


@command("checkpoint-list", schema=rows(name="string", creation_time_seconds="integer", parent="string?"),
         group="checkpoint", help="List checkpoints for a domain", desc="Checkpoint List",
         opts=[common.DOMAIN(complete="domain:checkpoint"), Flag("parent", "add a column showing parent checkpoint"),
               Flag("roots", "list only checkpoints without parents"),
               Flag("leaves", "list only checkpoints without children"),
               Flag("no-leaves", "list only checkpoints that are not leaves (with children)"),
               Flag("tree", "list checkpoints in a tree"),
               Str("from", "limit list to children of given checkpoint", complete="checkpoint", late=True),
               Flag("descendants", "with --from, list all descendants"),
               Flag("name", "list checkpoint names only"),
               Flag("topological", "sort list topologically rather than by name")],
         exclusive=[("tree", "name"), ("parent", "roots"), ("parent", "tree"), ("roots", "tree"),
                    ("roots", "from")])
def cmd_checkpoint_list(ctx: Session, domain: str, parent: bool, roots: bool, leaves: bool, no_leaves: bool,
                        tree: bool, descendants: bool, name: bool, topological: bool, **rest: Any) -> None:
    import libvirt

    start_raw = rest["from"]
    for option, given in (("leaves", leaves), ("no-leaves", no_leaves)):
        if given and tree:
            raise VshError(msg("--%s and --tree are mutually exclusive", option))
    flags = ctx.flags(leaves=libvirt.VIR_DOMAIN_CHECKPOINT_LIST_LEAVES,
                      no_leaves=libvirt.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES,
                      topological=libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL,
                      roots=libvirt.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)
    if descendants:
        if start_raw is None:
            raise VshError(msg("--descendants requires --from"))
        flags |= libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS
    dom = ctx.lookup.domain(domain)
    start = _checkpoint(ctx, dom, start_raw, option="from") if start_raw is not None else None
    with failing(msg("unexpected problem querying checkpoints")):
        chks = start.listAllChildren(flags) if start is not None else dom.listAllCheckpoints(flags)
    chks, names = list_names(ctx, chks, start, _parent, tree, topological, name)
    if names is None:
        return
    import time

    from lxml import etree

    from vsh import rpc

    rows = []
    for chk, chk_name in zip(rpc.prefetch(ctx.conn, chks, [("getXMLDesc", 0)]), names):
        root = etree.fromstring(chk.getXMLDesc(0).encode("utf-8"))
        created = root.findtext("creationTime")
        rows.append({"name": chk_name, "creation_time_seconds": int(created) if created else 0,
                     "parent": root.findtext("parent/name") or None})
    columns = [Column("name", "Name"),
               Column("creation_time_seconds", "Creation Time",
                      lambda v: time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(v)))]
    if parent:
        columns.append(Column("parent", "Parent", lambda v: v or ""))
    ctx.out.table(columns, rows)


@command("checkpoint-edit", schema=EDITED_FROM,
         group="checkpoint", help="edit XML for a checkpoint",
         desc="Edit the domain checkpoint XML for a named checkpoint",
         opts=[DOMAIN(complete="domain:checkpoint"),
               Str("checkpointname", "checkpoint name", empty_ok=True, complete="checkpoint")])
def cmd_checkpoint_edit(ctx: Session, domain: str, checkpointname: str | None) -> None:
    import libvirt

    from vsh.editor import edit_xml

    dom = ctx.lookup.domain(domain)
    required("checkpointname", checkpointname)
    if checkpointname is None:
        raise VshError(msg("--%s is required", "checkpointname"))
    chk = dom.checkpointLookupByName(checkpointname, 0)
    name = chk.getName()

    def fetch() -> str:
        return chk.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE)

    def define(xml: str) -> Any:
        return dom.checkpointCreateXML(xml, libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)

    closing = [f"Failed to update {name}"]
    try:
        edited = edit_xml(ctx, fetch, define)
    except VshError as err:
        raise Failure(err, closing) from None
    if edited is None:
        report_edit(ctx, "checkpoint", name, name, False, fmt("Checkpoint %s XML configuration not changed.\n", name))
        return
    new = edited.getName()
    if new == name:
        report_edit(ctx, "checkpoint", name, name, True, fmt("Checkpoint %s edited.\n", name))
        return
    try:
        edited.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as err:
        raise Failure(None, [f"Failed to clean up {new}"] + closing, first=[err.get_error_message()]) from None
    raise Failure(None, [f"Cannot rename checkpoint {name} to {new}"] + closing)
