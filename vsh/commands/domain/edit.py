"""edit: a domain's XML in $EDITOR, defined through the shared loop (vsh.editor.edit_xml).

It prints virsh's message (`Domain 'NAME' XML configuration edited.` / `... not changed.`),
hidden by -q; under --json one object instead: `{"domain": NAME, "changed": true}`, NAME
being the defined domain's name.
"""
from __future__ import annotations


from vsh.commands import common
from vsh.editor import edit_xml, report_edited
from vsh.registry import command
from vsh.schema import EDITED
from vsh.session import Session
from vsh.spec import Flag
from vsh.i18n import fmt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _define_domain(conn: Any, xml: str, flags: int) -> Any:
    """virsh's virshDomainDefine: a daemon without VALIDATE support gets a plain define."""
    import libvirt

    if not flags:
        return conn.defineXML(xml)
    try:
        return conn.defineXMLFlags(xml, flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT and flags == libvirt.VIR_DOMAIN_DEFINE_VALIDATE:
            return conn.defineXML(xml)
        raise


@command("edit", schema=EDITED,
         group="domain", help="edit XML configuration for a domain",
         desc="Edit the XML configuration for a domain.",
         opts=[common.DOMAIN(), Flag("skip-validate", "skip validation of the XML against the schema")])
def cmd_edit(ctx: Session, domain: str, skip_validate: bool) -> None:
    """Edit the persistent XML (secure parts included); defined with validation unless --skip-validate.

    The `i` answer turns validation off for the rest of this edit.  A renamed domain
    (new name and new UUID) is defined as a new one, as virsh does; libvirt refuses a
    new name with the old UUID, or the old name with a new UUID.
    """
    import libvirt

    dom = ctx.lookup.domain(domain)
    define_flags = [0 if skip_validate else libvirt.VIR_DOMAIN_DEFINE_VALIDATE]

    def fetch() -> str:
        return dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)

    def define(xml: str) -> Any:
        return _define_domain(ctx.conn, xml, define_flags[0])

    def relax() -> None:
        define_flags[0] &= ~libvirt.VIR_DOMAIN_DEFINE_VALIDATE

    edited = edit_xml(ctx, fetch, define, relax)
    if edited is None:
        report_edited(ctx, "domain", dom.name(), False, fmt("Domain '%s' XML configuration not changed.\n", dom.name()))
    else:
        report_edited(ctx, "domain", edited.name(), True, fmt("Domain '%s' XML configuration edited.\n", edited.name()))
