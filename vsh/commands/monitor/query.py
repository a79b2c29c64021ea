"""What several monitor commands ask of a domain: its state, title and parsed XML."""
from __future__ import annotations


from vsh.rpc import domain_state as domain_state  # re-exported: virshDomainState
from vsh.session import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


UINT_MAX = 2**32 - 1


def domain_title(dom: Any) -> str:
    """virshGetDomainDescription for the title: "" when there is none."""
    import libvirt

    try:
        return dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None, 0)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return ""
        if code != libvirt.VIR_ERR_NO_SUPPORT:
            raise
    from lxml import etree

    title = etree.fromstring(dom.XMLDesc(0).encode("utf-8")).findtext("title")
    return title or ""


# the domain's XML, as domblklist, domblkinfo and domiflist read it ------------------------

def domain_xml(ctx: Session, name: str, flags: int) -> Any:
    """virshDomainGetXML: the domain's XML description, parsed."""
    from lxml import etree

    dom = ctx.lookup.domain(name)
    return etree.fromstring(dom.XMLDesc(flags).encode())


def xstr(node: Any, path: str) -> str | None:
    """virXPathString: the string value, or None when it is empty."""
    value = node.xpath(f"string({path})")
    return str(value) if value else None
