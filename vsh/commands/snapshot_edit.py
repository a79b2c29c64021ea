"""snapshot-edit: a snapshot's XML in $EDITOR, redefined through the shared loop (vsh.editor).

As in virsh, the edited XML is redefined (VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE).  A new
name in it makes a second snapshot: --clone keeps both, --rename drops the old one, and
without either the new one is dropped again and the command fails.  --current together
with --snapshotname also makes the snapshot current, and then even unchanged text is
redefined.  Every failure once the snapshot is found ends with `Failed to update NAME`.

JSON (--json): {"snapshot": NAME (the name it has now), "changed": bool, "from": NAME
(the name it had)}.
"""
from __future__ import annotations

from typing import Any

from vsh.commands.common import DOM, get_domain, required
from vsh.errors import VshError
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Flag, Str


class Failure(VshError):
    """An edit that failed after the object was found: its lines, then virsh's closing lines.

    `first` are lines that come before (a libvirt error reported on the spot); a line
    naming the file that keeps the user's text stays last.
    """

    def __init__(self, inner: VshError | None, closing: list[str], first: list[str] | None = None) -> None:
        super().__init__(inner.message if inner is not None else closing[0],
                         cause=inner.cause if inner is not None else None)
        self.inner, self.closing, self.first = inner, closing, first or []

    def lines(self) -> list[str]:
        inner = self.inner.lines() if self.inner is not None else []
        kept = getattr(self.inner, "kept", None)
        tail: list[str] = [inner.pop()] if kept and inner and inner[-1].endswith(kept) else []
        return self.first + inner + self.closing + tail

    def as_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.inner.as_json() if self.inner is not None else {"error": {"message": ""}}
        lines = self.lines()
        if not obj["error"].get("message") and lines:
            obj["error"]["message"] = lines[0]
        obj["error"]["lines"] = lines
        return obj


def report_edit(ctx: Session, kind: str, name: str, was: str, changed: bool, text: str) -> None:
    """The closing message, or under --json the object, of a snapshot or checkpoint edit."""
    if ctx.out.json:
        ctx.out.data({kind: name, "changed": changed, "from": was})
    elif text:
        ctx.out.extra(text)


@command("snapshot-edit", group="snapshot", help="edit XML for a snapshot",
         desc="Edit the domain snapshot XML for a named snapshot",
         opts=[DOM(complete="domain:snapshot"),
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
    dom = get_domain(ctx, domain)
    required("snapshotname", snapshotname)
    if snapshotname is not None:
        snap = dom.snapshotLookupByName(snapshotname, 0)
    elif current:
        snap = dom.snapshotCurrent(0)
    else:
        raise VshError("--snapshotname or --current is required")
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
    closing = [f"Failed to update {name}"]
    try:
        edited = edit_xml(ctx, fetch, define, unchanged_too=always)
    except VshError as err:
        raise Failure(err, closing) from None
    if edited is None:
        report_edit(ctx, "snapshot", name, name, False, f"Snapshot {name} XML configuration not changed.")
        return
    new = edited.getName()
    if new == name:
        report_edit(ctx, "snapshot", name, name, True, f"Snapshot {name} edited.")
        return
    if clone:
        report_edit(ctx, "snapshot", new, name, True, f"Snapshot {name} cloned to {new}.")
        return
    try:
        (snap if rename else edited).delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as err:
        gone = name if rename else new
        raise Failure(None, [f"Failed to clean up {gone}"] + closing, first=[err.get_error_message()]) from None
    if not rename:
        raise Failure(None, [f"Must use --rename or --clone to change {name} to {new}"] + closing)
    # virsh says nothing after a rename.
    report_edit(ctx, "snapshot", new, name, True, "")
