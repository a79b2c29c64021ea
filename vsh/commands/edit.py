"""Editing an object's XML in $EDITOR: edit (domains), net-edit (networks), pool-edit (storage pools).

The loop itself is vsh.editor.edit_xml.  Each command prints virsh's message
(`Domain 'NAME' XML configuration edited.` / `... not changed.`), hidden by -q.
Under --json they print one object instead: `{"domain": NAME, "changed": true}`
(`"network"` / `"pool"` for the others), NAME being the defined object's name.
"""
from __future__ import annotations

from typing import Any

from vsh.commands import common
from vsh.editor import edit_xml
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Flag


def _report(ctx: Session, kind: str, name: str, changed: bool, text: str) -> None:
    if ctx.out.json:
        ctx.out.data({kind: name, "changed": changed})
    else:
        ctx.out.extra(text)


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


@command("edit", group="domain", help="edit XML configuration for a domain",
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
        _report(ctx, "domain", dom.name(), False, f"Domain '{dom.name()}' XML configuration not changed.")
    else:
        _report(ctx, "domain", edited.name(), True, f"Domain '{edited.name()}' XML configuration edited.")


def _inactive_xml(obj: Any, inactive_flag: int) -> str:
    """The inactive XML; drivers that reject the flag (the test driver does) give their only XML."""
    import libvirt

    try:
        return obj.XMLDesc(inactive_flag)
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
            raise
    return obj.XMLDesc(0)


@command("net-edit", group="network", help="edit XML configuration for a network",
         desc="Edit the XML configuration for a network.", opts=[common.NETWORK()])
def cmd_net_edit(ctx: Session, network: str) -> None:
    import libvirt

    net = ctx.lookup.network(network)
    edited = edit_xml(ctx, lambda: _inactive_xml(net, libvirt.VIR_NETWORK_XML_INACTIVE),
                      lambda xml: ctx.conn.networkDefineXML(xml))
    if edited is None:
        _report(ctx, "network", net.name(), False, f"Network {net.name()} XML configuration not changed.")
    else:
        _report(ctx, "network", edited.name(), True, f"Network {edited.name()} XML configuration edited.")


@command("pool-edit", group="pool", help="edit XML configuration for a storage pool",
         desc="Edit the XML configuration for a storage pool.", opts=[common.POOL()])
def cmd_pool_edit(ctx: Session, pool: str) -> None:
    import libvirt

    p = ctx.lookup.pool(pool)
    edited = edit_xml(ctx, lambda: _inactive_xml(p, libvirt.VIR_STORAGE_XML_INACTIVE),
                      lambda xml: ctx.conn.storagePoolDefineXML(xml, 0))
    if edited is None:
        _report(ctx, "pool", p.name(), False, f"Pool {p.name()} XML configuration not changed.")
    else:
        _report(ctx, "pool", edited.name(), True, f"Pool {edited.name()} XML configuration edited.")
