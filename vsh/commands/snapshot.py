"""Snapshot commands: snapshot-create, snapshot-create-as, snapshot-list, snapshot-info,
snapshot-dumpxml, snapshot-current, snapshot-parent, snapshot-revert and snapshot-delete.

snapshot-edit: a snapshot's XML in $EDITOR, redefined through the shared loop (vsh.editor).

As in virsh, the edited XML is redefined (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE).  A new
name in it makes a second snapshot: --clone keeps both, --rename drops the old one, and
without either the new one is dropped again and the command fails.  --current together
with --snapshotname also makes the snapshot current, and then even unchanged text is
redefined.  Every failure once the snapshot is found ends with `Failed to update NAME`.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands import common
from vsh.commands.common import DOMAIN, required
from vsh.editor import Failure, report_edit
from vsh.errors import VshError, failing
from vsh.output import Column
from vsh.registry import command
from vsh.schema import EDITED_FROM, XML, obj, rows, single
from vsh.session import Session
from vsh.spec import Argv, Data, Flag, Str
from vsh.values import split_items
from vsh.xmlbuild import Buffer
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


CREATE_FLAGS = (
    ("no-metadata", "take snapshot but create no metadata", "NO_METADATA"),
    ("halt", "halt domain after snapshot is created", "HALT"),
    ("disk-only", "capture disk state but not vm state", "DISK_ONLY"),
    ("reuse-external", "reuse any existing external files", "REUSE_EXT"),
    ("quiesce", "quiesce guest's file systems", "QUIESCE"),
    ("atomic", "require atomic operation", "ATOMIC"),
    ("live", "take a live snapshot", "LIVE"),
    ("validate", "validate the XML against the schema", "VALIDATE"),
)


def _create_flags(values: dict[str, bool]) -> int:
    import libvirt

    flags = 0
    for name, _help, flag in CREATE_FLAGS:
        if values.get(name.replace("-", "_")):
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_CREATE_" + flag)
    return flags


def _create(ctx: Session, dom: Any, xml: str, flags: int, source: str | None) -> None:
    """virshSnapshotCreate: a failure is libvirt's message alone."""
    snap = dom.snapshotCreateXML(xml, flags)
    name = snap.getName()
    # virsh ends these messages without a newline; the blank line after the command ends them.
    if source is not None:
        ctx.out.extra(fmt("Domain snapshot %s created from '%s'", name, source), end="")
    else:
        ctx.out.extra(fmt("Domain snapshot %s created", name), end="")


@command("snapshot-create", group="snapshot", help="Create a snapshot from XML",
         desc="Create a snapshot (disk and RAM) from XML",
         opts=[common.DOMAIN(), Str("xmlfile", "domain snapshot XML", complete="file", late=True),
               Flag("redefine", "redefine metadata for existing snapshot"),
               Flag("current", "with redefine, set current snapshot"),
               *[Flag(n, h) for n, h, _f in CREATE_FLAGS]])
def cmd_snapshot_create(ctx: Session, domain: str, xmlfile: str | None, redefine: bool, current: bool,
                        **flags: bool) -> None:
    import libvirt

    value = _create_flags(flags) | ctx.flags(
        redefine=libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
        current=libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    dom = ctx.lookup.domain(domain)
    xmlfile = ctx.late("xmlfile", xmlfile)
    xml = "<domainsnapshot/>" if xmlfile is None else ctx.read_file(xmlfile)
    _create(ctx, dom, xml, value, xmlfile)


def _memspec(buf: Buffer, spec: str) -> None:
    snapshot = file = None
    for item in split_items(spec):
        assert item is not None  # virsh refuses an empty --memspec before it gets here
        if snapshot is None and item.startswith("snapshot="):
            snapshot = item[len("snapshot="):]
        elif file is None and item.startswith("file="):
            file = item[len("file="):]
        elif file is None and item.startswith("/"):
            file = item
        else:
            raise VshError(msg("unable to parse memspec: %s", spec))
    buf.add("<memory")
    buf.escape(" snapshot='%s'", snapshot)
    buf.escape(" file='%s'", file)
    buf.add("/>\n")


def _diskspec(ctx: Session, buf: Buffer, spec: str) -> None:
    items = split_items(spec)
    keys = ("snapshot", "driver", "stype", "file")
    found: dict[str, str] = {}
    for item in items[1:]:
        assert item is not None
        key = next((k for k in keys if k not in found and item.startswith(k + "=")), None)
        if key is None:
            raise VshError(msg("unable to parse diskspec: %s", spec))
        found[key] = item[len(key) + 1:]
    buf.escape("<disk name='%s'", items[0])
    if "snapshot" in found:
        buf.add(f" snapshot='{found['snapshot']}'")
    stype = found.get("stype")
    if stype is not None:
        if stype not in ("block", "file"):
            # virsh reports this, then the general diskspec failure.
            ctx.out.error([msg("Unknown storage type: '%s'", stype)],
                          {"error": {"message": f"Unknown storage type: '{stype}'"}})
            raise VshError(msg("unable to parse diskspec: %s", spec))
        buf.add(f" type='{stype}'")
    driver, file = found.get("driver"), found.get("file")
    if driver is not None or file is not None:
        buf.add(">\n")
        buf.indent += 2
        if driver is not None:
            buf.add(f"<driver type='{driver}'/>\n")
        buf.escape("<source dev='%s'/>\n" if stype == "block" else "<source file='%s'/>\n", file)
        buf.indent -= 2
        buf.add("</disk>\n")
    else:
        buf.add("/>\n")


@command("snapshot-create-as", schema=XML,
         group="snapshot", help="Create a snapshot from a set of args",
         desc="Create a snapshot (disk and RAM) from arguments",
         opts=[common.DOMAIN(), Str("name", "name of snapshot", late=True),
               Str("description", "description of snapshot", late=True),
               Flag("print-xml", "print XML document rather than create"),
               *[Flag(n, h) for n, h, _f in CREATE_FLAGS],
               Str("memspec", "memory attributes: [file=]name[,snapshot=type]", named_only=True, late=True),
               Argv("diskspec", "disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]")])
def cmd_snapshot_create_as(ctx: Session, domain: str, name: str | None, description: str | None,
                           print_xml: bool, memspec: str | None, diskspec: list[str], **flags: bool) -> None:
    value = _create_flags(flags)
    dom = ctx.lookup.domain(domain)
    name = ctx.late("name", name)
    description = ctx.late("description", description)
    buf = Buffer()
    buf.add("<domainsnapshot>\n")
    buf.indent = 2
    buf.escape("<name>%s</name>\n", name)
    buf.escape("<description>%s</description>\n", description)
    memspec = ctx.late("memspec", memspec)
    if memspec is not None:
        _memspec(buf, memspec)
    if diskspec:
        buf.add("<disks>\n")
        buf.indent += 2
        for spec in diskspec:
            _diskspec(ctx, buf, spec)
        buf.indent -= 2
        buf.add("</disks>\n")
    buf.indent -= 2
    buf.add("</domainsnapshot>\n")
    xml = buf.text()
    if print_xml:
        ctx.out.data({"xml": xml}, xml + "\n")
        return
    _create(ctx, dom, xml, value, None)


def _snapshot(ctx: Session, dom: Any, raw: str | None, current: bool, option: str = "snapshotname",
              exclusive: bool = True) -> Any:
    """virshLookupSnapshot: the snapshot named by --OPTION, or the current one with --current."""
    name = ctx.late(option, raw)
    if exclusive and current and name is not None:
        raise VshError(msg("--%s and --current are mutually exclusive", option))
    if name is not None:
        return dom.snapshotLookupByName(name, 0)
    if current:
        return dom.snapshotCurrent(0)
    raise VshError(msg("--%s or --current is required", option))


def SNAPSHOTNAME(help: str = "snapshot name") -> Any:
    return Str("snapshotname", help, complete="snapshot", late=True)


def _parent(snap: Any) -> str | None:
    import libvirt

    try:
        return snap.getParent(0).getName()
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
            return None
        raise VshError(msg("unable to determine if snapshot has parent"), cause=err) from None


@command("snapshot-current", schema=obj(name="string", xml="string?"),
         group="snapshot", help="Get or set the current snapshot",
         desc="Get or set the current snapshot",
         opts=[common.DOMAIN(complete="domain:snapshot"), Flag("name", "list the name, rather than the full xml"),
               Flag("security-info", "include security sensitive information in XML dump"),
               SNAPSHOTNAME("name of existing snapshot to make current")],
         exclusive=[("name", "snapshotname")])
def cmd_snapshot_current(ctx: Session, domain: str, name: bool, security_info: bool,
                         snapshotname: str | None) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    snapshotname = ctx.late("snapshotname", snapshotname)
    if snapshotname is not None:
        snap = dom.snapshotLookupByName(snapshotname, 0)
        xml = snap.getXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
        if "<state>disk-snapshot</state>" in xml:
            flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
        dom.snapshotCreateXML(xml, flags)
        ctx.out.extra(fmt("Snapshot %s set as current", snapshotname), end="")
        return
    if not dom.hasCurrentSnapshot(0):
        raise VshError(msg("domain '%s' has no current snapshot", domain))
    snap = dom.snapshotCurrent(0)
    if name:
        # virsh prints the name without a newline; the blank line after the command ends it.
        ctx.out.data({"name": snap.getName(), "xml": None}, snap.getName())
        return
    xml = snap.getXMLDesc(ctx.flags(security_info=libvirt.VIR_DOMAIN_XML_SECURE))
    if ctx.out.json:
        ctx.out.data({"name": snap.getName(), "xml": xml})
        return
    ctx.out.xml(xml)


def _xml_facts(xml: str) -> tuple[str, bool, str | None, int]:
    """State, external location, parent name and creation time from a snapshot's XML."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    state = root.findtext("state") or ""
    if root.find("memory") is not None:
        external = bool(root.xpath("/domainsnapshot/memory[@snapshot='external'] | "
                                   "/domainsnapshot/disks/disk[@snapshot='external']"))
    else:
        external = state == "disk-snapshot"
    parent = root.findtext("parent/name")
    created = root.findtext("creationTime")
    return state, external, parent or None, int(created) if created else 0


@command("snapshot-info", schema=obj(name="string", domain="string", current="boolean", state="string",
                                     location="string", parent="string?", children="integer", descendants="integer", metadata="boolean"),
         group="snapshot", help="snapshot information",
         desc="Returns basic information about a snapshot.",
         opts=[common.DOMAIN(complete="domain:snapshot"), SNAPSHOTNAME(), Flag("current", "info on current snapshot")])
def cmd_snapshot_info(ctx: Session, domain: str, snapshotname: str | None, current: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    snap = _snapshot(ctx, dom, snapshotname, current)
    name = snap.getName()
    is_current = bool(snap.isCurrent(0))
    state, external, parent, _created = _xml_facts(snap.getXMLDesc(0))
    children = snap.numChildren(0)
    descendants = snap.numChildren(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)
    metadata = bool(snap.hasMetadata(0))
    yes_no = {True: _("yes"), False: _("no")}
    ctx.out.kv([
        ("name", "Name:", name, name),
        ("domain", "Domain:", dom.name(), dom.name()),
        ("current", "Current:", is_current, yes_no[is_current]),
        ("state", "State:", state, state),
        ("location", "Location:", "external" if external else "internal",
         _("external") if external else _("internal")),
        ("parent", "Parent:", parent, parent or "-"),
        ("children", "Children:", children, str(children)),
        ("descendants", "Descendants:", descendants, str(descendants)),
        ("metadata", "Metadata:", metadata, yes_no[metadata]),
    ])


@command("snapshot-dumpxml", schema=XML,
         group="snapshot", help="Dump XML for a domain snapshot", desc="Snapshot Dump XML",
         opts=[common.DOMAIN(complete="domain:snapshot"), Data("snapshotname", "snapshot name",
                                     complete="snapshot"),
               Flag("security-info", "include security sensitive information in XML dump"),
               common.XPATH(), common.WRAP])
def cmd_snapshot_dumpxml(ctx: Session, domain: str, snapshotname: str, security_info: bool,
                         xpath: str | None, wrap: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    snap = dom.snapshotLookupByName(snapshotname, 0)
    xml = snap.getXMLDesc(ctx.flags(security_info=libvirt.VIR_DOMAIN_XML_SECURE))
    common.dump_xml(ctx, xml, xpath, wrap)


@command("snapshot-parent", schema=single("parent"),
         group="snapshot", help="Get the name of the parent of a snapshot",
         desc="Extract the snapshot's parent, if any",
         opts=[common.DOMAIN(complete="domain:snapshot"), SNAPSHOTNAME("find parent of snapshot name"),
               Flag("current", "find parent of current snapshot")])
def cmd_snapshot_parent(ctx: Session, domain: str, snapshotname: str | None, current: bool) -> None:
    dom = ctx.lookup.domain(domain)
    snap = _snapshot(ctx, dom, snapshotname, current)
    parent = _parent(snap)
    if parent is None:
        raise VshError(msg("snapshot '%s' has no parent", snap.getName()))
    ctx.out.data({"parent": parent}, parent)


@command("snapshot-revert", group="snapshot", help="Revert a domain to a snapshot", desc="Revert domain to snapshot",
         opts=[common.DOMAIN(complete="domain:snapshot"), SNAPSHOTNAME(), Flag("current", "revert to current snapshot"),
               Flag("running", "after reverting, change state to running"),
               Flag("paused", "after reverting, change state to paused"),
               Flag("force", "try harder on risky reverts"),
               Flag("reset-nvram", "re-initialize NVRAM from its pristine template")])
def cmd_snapshot_revert(ctx: Session, domain: str, snapshotname: str | None, current: bool, running: bool,
                        paused: bool, force: bool, reset_nvram: bool) -> None:
    import libvirt

    flags = ctx.flags(running=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING,
                      paused=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED,
                      reset_nvram=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM)
    dom = ctx.lookup.domain(domain)
    snap = _snapshot(ctx, dom, snapshotname, current)
    name = snap.getName()
    with failing(msg("Failed to revert snapshot %s", name)):
        try:
            dom.revertToSnapshot(snap, flags)
        except libvirt.libvirtError as err:
            # virsh probes without --force and adds it only when libvirt calls the revert risky.
            if not (force and err.get_error_code() == libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY):
                raise
            dom.revertToSnapshot(snap, flags | libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)
    ctx.out.extra(fmt("Domain snapshot %s reverted\n", name), end="")


@command("snapshot-delete", group="snapshot", help="Delete a domain snapshot", desc="Snapshot Delete",
         opts=[common.DOMAIN(complete="domain:snapshot"), SNAPSHOTNAME(), Flag("current", "delete current snapshot"),
               Flag("children", "delete snapshot and all children"),
               Flag("children-only", "delete children but not snapshot"),
               Flag("metadata", "delete only libvirt metadata, leaving snapshot contents behind")])
def cmd_snapshot_delete(ctx: Session, domain: str, snapshotname: str | None, current: bool, children: bool,
                        children_only: bool, metadata: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    snap = _snapshot(ctx, dom, snapshotname, current)
    name = snap.getName()
    flags = ctx.flags(children=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                      children_only=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
                      metadata=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    with failing(msg("Failed to delete snapshot %s", name)):
        snap.delete(flags)
    ctx.out.extra(fmt("Domain snapshot %s children deleted\n", name) if children_only
                  else fmt("Domain snapshot %s deleted\n", name), end="")


LIST_FILTERS = (
    ("leaves", "list only snapshots without children", "LEAVES"),
    ("no-leaves", "list only snapshots that are not leaves (with children)", "NO_LEAVES"),
    ("metadata", "list only snapshots that have metadata that would prevent undefine", "METADATA"),
    ("no-metadata", "list only snapshots that have no metadata managed by libvirt", "NO_METADATA"),
    ("inactive", "filter by snapshots taken while inactive", "INACTIVE"),
    ("active", "filter by snapshots taken while active (full system snapshots)", "ACTIVE"),
    ("disk-only", "filter by disk-only snapshots", "DISK_ONLY"),
    ("internal", "filter by internal snapshots", "INTERNAL"),
    ("external", "filter by external snapshots", "EXTERNAL"),
)


#: Filters that --tree refuses, in the order virsh checks them.
TREE_REFUSED = ("leaves", "no-leaves", "inactive", "active", "disk-only", "internal", "external")


def list_names(ctx: Session, objs: list[Any], start: Any, parent_of: Callable[[Any], str | None],
               tree: bool, topological: bool, name_only: bool) -> tuple[list[Any], list[str] | None]:
    """The shared part of snapshot-list and checkpoint-list: order the objects by name (unless
    --topological) and print the --tree or --name forms; returns the ordered objects and their
    names, or None as names when the listing is already printed."""
    parents: list[str | None] = []
    if tree:
        from vsh import rpc

        # Every object's parent at once; the first failure in list order is the one reported.
        parents = [got.get() for got in rpc.each(ctx.conn, parent_of, objs)]
        if start is not None:
            # With --from, the starting object heads the tree as its only root.
            objs.append(start)
            parents.append(None)
    order = list(range(len(objs)))
    if not topological:
        order.sort(key=lambda i: common.name_key(objs[i].getName()))
    objs = [objs[i] for i in order]
    names = [o.getName() for o in objs]
    if ctx.out.json:
        return objs, names  # --tree and --name shape the text only: JSON rows have every key
    if tree:
        parents = [parents[i] for i in order]
        ctx.out.data([{"name": n, "parent": p} for n, p in zip(names, parents)],
                     "".join(line + "\n" for line in tree_lines(names, parents)))
        return objs, None
    if name_only:
        ctx.out.data([{"name": n} for n in names], "".join(n + "\n" for n in names))
        return objs, None
    return objs, names


def tree_lines(names: list[str], parents: list[str | None]) -> list[str]:
    """vshTreePrint for every root, in list order: the lines virsh prints for --tree."""
    lines: list[str] = []

    def walk(dev: int, last: int, root: bool, indent: str) -> str:
        lines.append(indent + ("" if root else "+- ") + names[dev])
        if not root:
            indent += (" " if dev == last else "|") + " "
        kids = [i for i, p in enumerate(parents) if p is not None and p == names[dev]]
        next_last = kids[-1] if kids else -1
        if kids:
            lines.append(indent + "  |")
        indent += "  "
        for kid in kids:
            indent = walk(kid, next_last, False, indent)
        indent = indent[:-2]
        if next_last == -1 and dev == last:
            lines.append(indent)
        if not root:
            indent = indent[:-2]
        return indent

    for i, parent in enumerate(parents):
        if parent is None:
            walk(i, i, True, "")
    return lines


@command("snapshot-list", schema=rows(name="string", creation_time_seconds="integer", state="string", parent="string?"),
         group="snapshot", help="List snapshots for a domain", desc="Snapshot List",
         opts=[common.DOMAIN(complete="domain:snapshot"), Flag("parent", "add a column showing parent snapshot"),
               Flag("roots", "list only snapshots without parents"),
               *[Flag(n, h) for n, h, _f in LIST_FILTERS],
               Flag("tree", "list snapshots in a tree"),
               Str("from", "limit list to children of given snapshot", complete="snapshot", late=True),
               Flag("current", "limit list to children of current snapshot"),
               Flag("descendants", "with --from, list all descendants"),
               Flag("name", "list snapshot names only"),
               Flag("topological", "sort list topologically rather than by name")],
         exclusive=[("tree", "name"), ("parent", "roots"), ("parent", "tree"), ("roots", "tree"),
                    ("roots", "from"), ("roots", "current")])
def cmd_snapshot_list(ctx: Session, domain: str, parent: bool, roots: bool, tree: bool, current: bool,
                      descendants: bool, name: bool, topological: bool, **filters: Any) -> None:
    import libvirt

    start_raw = filters.pop("from")
    flags = 0
    for option in TREE_REFUSED:
        if filters[option.replace("-", "_")] and tree:
            raise VshError(msg("--%s and --tree are mutually exclusive", option))
    for option, _help, flag in LIST_FILTERS:
        if filters[option.replace("-", "_")]:
            flags |= getattr(libvirt, "VIR_DOMAIN_SNAPSHOT_LIST_" + flag)
    flags |= ctx.flags(roots=libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS,
                       topological=libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
    if descendants:
        if start_raw is None and not current:
            raise VshError(msg("--descendants requires either --from or --current"))
        flags |= libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
    dom = ctx.lookup.domain(domain)
    start = None
    if start_raw is not None or current:
        start = _snapshot(ctx, dom, start_raw, current, option="from")
    snaps = start.listAllChildren(flags) if start is not None else dom.listAllSnapshots(flags)
    snaps, names = list_names(ctx, snaps, start, _parent, tree, topological, name)
    if names is None:
        return
    import time

    from vsh import rpc

    rows = []
    for snap, snap_name in zip(rpc.prefetch(ctx.conn, snaps, [("getXMLDesc", 0)]), names):
        state, _external, snap_parent, created = _xml_facts(snap.getXMLDesc(0))
        rows.append({"name": snap_name, "creation_time_seconds": created, "state": state, "parent": snap_parent})
    columns = [Column("name", "Name"),
               Column("creation_time_seconds", "Creation Time",
                      lambda v: time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(v))),
               Column("state", "State", state=True)]
    if parent:
        columns.append(Column("parent", "Parent", lambda v: v or ""))
    ctx.out.table(columns, rows)


@command("snapshot-edit", schema=EDITED_FROM,
         group="snapshot", help="edit XML for a snapshot",
         desc="Edit the domain snapshot XML for a named snapshot",
         opts=[DOMAIN(complete="domain:snapshot"),
               Str("snapshotname", "snapshot name", empty_ok=True, complete="snapshot"),
               Flag("current", "also set edited snapshot as current"),
               Flag("rename", "allow renaming an existing snapshot"),
               Flag("clone", "allow cloning to new name")],
         exclusive=[("rename", "clone")])
def cmd_snapshot_edit(ctx: Session, domain: str, snapshotname: str | None, current: bool, rename: bool,
                      clone: bool) -> None:
    import libvirt

    from vsh.editor import edit_xml

    flags = [libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE]
    if current and snapshotname is not None:
        flags[0] |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    dom = ctx.lookup.domain(domain)
    required("snapshotname", snapshotname)
    if snapshotname is not None:
        snap = dom.snapshotLookupByName(snapshotname, 0)
    elif current:
        snap = dom.snapshotCurrent(0)
    else:
        raise VshError(msg("--%s or --current is required", "snapshotname"))
    name = snap.getName()
    seen = [""]

    def fetch() -> str:
        seen[0] = snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)
        return seen[0]

    def define(xml: str) -> Any:
        # virsh looks for a disk-only state in the snapshot's own XML, not in the edited text.
        if "<state>disk-snapshot</state>" in seen[0]:
            flags[0] |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
        return dom.snapshotCreateXML(xml, flags[0])

    always = bool(flags[0] & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)
    closing: list[str] = [msg("Failed to update %s", name)]
    try:
        edited = edit_xml(ctx, fetch, define, unchanged_too=always)
    except VshError as err:
        raise Failure(err, closing) from None
    if edited is None:
        report_edit(ctx, "snapshot", name, name, False, fmt("Snapshot %s XML configuration not changed.\n", name))
        return
    new = edited.getName()
    if new == name:
        report_edit(ctx, "snapshot", name, name, True, fmt("Snapshot %s edited.\n", name))
        return
    if clone:
        report_edit(ctx, "snapshot", new, name, True, fmt("Snapshot %s cloned to %s.\n", name, new))
        return
    try:
        (snap if rename else edited).delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as err:
        gone = name if rename else new
        raise Failure(None, [msg("Failed to clean up %s", gone), *closing], first=[err.get_error_message()]) from None
    if not rename:
        raise Failure(None, [msg("Must use --rename or --clone to change %s to %s", name, new), *closing])
    # virsh says nothing after a rename.
    report_edit(ctx, "snapshot", new, name, True, "")
