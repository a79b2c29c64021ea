"""Domain identity and XML: domid, domname, domuuid, dumpxml.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOM, WRAP, XPATH, dump_xml, get_domain
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import XML, single
from vsh.session import Session
from vsh.spec import Flag


# domid, domname, domuuid, dumpxml ----------------------------------------------------------------

@command("domid", schema=single("id", "integer?"),
         group="domain", help="convert a domain name or UUID to domain id",
         opts=[DOM("domain name or uuid", complete="domain:active")])
def cmd_domid(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain, by_id=False)
    dom_id = dom.ID()
    ctx.out.data({"id": dom_id if dom_id >= 0 else None}, (str(dom_id) if dom_id >= 0 else "-") + "\n")


@command("domname", schema=single("name"),
         group="domain", help="convert a domain id or UUID to domain name",
         opts=[DOM("domain id or uuid", complete="domain-uuid")])
def cmd_domname(ctx: Session, domain: str) -> None:
    dom = get_domain(ctx, domain, by_name=False)
    ctx.out.data({"name": dom.name()}, dom.name() + "\n")


@command("domuuid", schema=single("uuid"),
         group="domain", help="convert a domain name or id to domain UUID",
         opts=[DOM("domain id or name")])
def cmd_domuuid(ctx: Session, domain: str) -> None:
    import libvirt

    dom = get_domain(ctx, domain, by_uuid=False)
    try:
        uuid = dom.UUIDString()
    except libvirt.libvirtError:
        raise VshError("failed to get domain UUID") from None
    ctx.out.data({"uuid": uuid}, uuid + "\n")


@command("dumpxml", schema=XML,
         group="domain", help="domain information in XML",
         desc="Output the domain information as an XML dump to stdout.",
         opts=[DOM(), Flag("inactive", "show inactive defined XML"),
               Flag("security-info", "include security sensitive information in XML dump"),
               Flag("update-cpu", "update guest CPU according to host CPU"),
               Flag("migratable", "provide XML suitable for migrations"),
               XPATH(), WRAP])
def cmd_dumpxml(ctx: Session, domain: str, inactive: bool, security_info: bool, update_cpu: bool,
                migratable: bool, xpath: str | None, wrap: bool) -> None:
    import libvirt

    flags = ctx.flags(inactive=(inactive, libvirt.VIR_DOMAIN_XML_INACTIVE),
                      secure=(security_info, libvirt.VIR_DOMAIN_XML_SECURE),
                      update_cpu=(update_cpu, libvirt.VIR_DOMAIN_XML_UPDATE_CPU),
                      migratable=(migratable, libvirt.VIR_DOMAIN_XML_MIGRATABLE))
    dom = get_domain(ctx, domain)
    if xpath == "":
        # virsh reads --xpath quietly, before fetching the XML: an empty one fails the
        # command with no message.
        raise VshError("")
    dump_xml(ctx, dom.XMLDesc(flags), xpath, wrap)
