"""Domain identity and XML: domid, domname, domuuid, dumpxml.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN, WRAP, XPATH, dump_xml
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import XML, single
from vsh.session import Session
from vsh.spec import Flag
from vsh.i18n import msg


# domid, domname, domuuid, dumpxml ----------------------------------------------------------------

@command("domid", schema=single("id", "integer?"),
         group="domain", help="convert a domain name or UUID to domain id",
         opts=[DOMAIN("domain name or uuid", complete="domain:active")])
def cmd_domid(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain, by_id=False)
    dom_id = dom.ID()
    ctx.out.data({"id": dom_id if dom_id >= 0 else None}, (str(dom_id) if dom_id >= 0 else "-") + "\n")


@command("domname", schema=single("name"),
         group="domain", help="convert a domain id or UUID to domain name",
         opts=[DOMAIN("domain id or uuid", complete="domain-uuid")])
def cmd_domname(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain, by_name=False)
    ctx.out.data({"name": dom.name()}, dom.name() + "\n")


@command("domuuid", schema=single("uuid"),
         group="domain", help="convert a domain name or id to domain UUID",
         opts=[DOMAIN("domain id or name")])
def cmd_domuuid(ctx: Session, domain: str) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain, by_uuid=False)
    try:
        uuid = dom.UUIDString()
    except libvirt.libvirtError:
        raise VshError(msg("failed to get domain UUID")) from None
    ctx.out.data({"uuid": uuid}, uuid + "\n")


@command("dumpxml", schema=XML,
         group="domain", help="domain information in XML",
         desc="Output the domain information as an XML dump to stdout.",
         opts=[DOMAIN(), Flag("inactive", "show inactive defined XML"),
               Flag("security-info", "include security sensitive information in XML dump"),
               Flag("update-cpu", "update guest CPU according to host CPU"),
               Flag("migratable", "provide XML suitable for migrations"),
               XPATH(), WRAP])
def cmd_dumpxml(ctx: Session, domain: str, inactive: bool, security_info: bool, update_cpu: bool,
                migratable: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    flags = ctx.flags(inactive=libvirt.VIR_DOMAIN_XML_INACTIVE,
                      security_info=libvirt.VIR_DOMAIN_XML_SECURE,
                      update_cpu=libvirt.VIR_DOMAIN_XML_UPDATE_CPU,
                      migratable=libvirt.VIR_DOMAIN_XML_MIGRATABLE)
    dom = ctx.lookup.domain(domain)
    if xpath == "":
        # virsh reads --xpath quietly, before fetching the XML: an empty one fails the
        # command with no message.
        raise VshError("")
    dump_xml(ctx, dom.XMLDesc(flags), xpath, wrap)
