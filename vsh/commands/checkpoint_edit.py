"""checkpoint-edit: a checkpoint's XML in $EDITOR, redefined through the shared loop (vsh.editor).

As in virsh, the edited XML is redefined (VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE); a new
name in it is refused (the second checkpoint it made is dropped again), and every failure
once the checkpoint is found ends with `Failed to update NAME`.

JSON (--json): {"checkpoint": NAME, "changed": bool, "from": NAME}.
"""
from __future__ import annotations

from typing import Any

from vsh.commands.common import DOM, get_domain, required
from vsh.commands.snapshot_edit import Failure, report_edit
from vsh.errors import VshError
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Str


@command("checkpoint-edit", group="checkpoint", help="edit XML for a checkpoint",
         desc="Edit the domain checkpoint XML for a named checkpoint",
         opts=[DOM(complete="domain:checkpoint"),
               Str("checkpointname", "checkpoint name", empty_ok=True, complete="checkpoint")])
def cmd_checkpoint_edit(ctx: Session, domain: str, checkpointname: str | None) -> None:
    import libvirt

    from vsh.editor import edit_xml

    dom = get_domain(ctx, domain)
    required("checkpointname", checkpointname)
    if checkpointname is None:
        raise VshError("--checkpointname is required")
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
        report_edit(ctx, "checkpoint", name, name, False, f"Checkpoint {name} XML configuration not changed.")
        return
    new = edited.getName()
    if new == name:
        report_edit(ctx, "checkpoint", name, name, True, f"Checkpoint {name} edited.")
        return
    try:
        edited.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as err:
        raise Failure(None, [f"Failed to clean up {new}"] + closing, first=[err.get_error_message()]) from None
    raise Failure(None, [f"Cannot rename checkpoint {name} to {new}"] + closing)
