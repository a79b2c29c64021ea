"""XML for the *-as commands (pool-define-as, pool-create-as, vol-create-as, ...), through lxml.

virsh writes its *-as documents with printf into a buffer: two-space indents, attributes
in single quotes, and option values copied verbatim (a `<` in a name is not escaped, so
libvirt then rejects the document).  The builders here make an lxml tree and `write`
it back exactly that way, so that --print-xml shows what virsh shows and libvirt sees
the same document.  lxml is imported only when a document is built.  (The nodes an
--xpath selects are printed by vsh.xmldump.)
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping


def child(parent: Any, tag: str, text: str | None = None, attrs: Mapping[str, str] | None = None) -> Any:
    from lxml import etree

    try:
        el = etree.SubElement(parent, tag)
        for key, value in dict(attrs or {}).items():
            el.set(key, value)
        if text is not None:
            el.text = text
    except ValueError as err:  # lxml refuses control characters that virsh would pass on
        raise VshError(msg("XML error: %s", err)) from None
    return el


def root(tag: str, attrs: Mapping[str, str] | None = None) -> Any:
    from lxml import etree

    try:
        return etree.Element(tag, dict(attrs or {}))
    except ValueError as err:
        raise VshError(msg("XML error: %s", err)) from None


def write(el: Any, level: int = 0, escape: bool = False) -> str:
    """An element as virsh's buffer writes it: indented, single-quoted, values verbatim.

    With `escape`, attribute values are escaped as virBufferEscapeString escapes them.
    """
    pad = "  " * level
    attrs = "".join(" " + key + "='" + (buffer_escape(value) if escape else value) + "'"
                    for key, value in el.attrib.items())
    if len(el):
        inner = "".join(write(child, level + 1, escape) for child in el)
        return pad + "<" + el.tag + attrs + ">\n" + inner + pad + "</" + el.tag + ">\n"
    if el.text is not None:
        return pad + "<" + el.tag + attrs + ">" + el.text + "</" + el.tag + ">\n"
    return pad + "<" + el.tag + attrs + "/>\n"


def pool_xml(name: str, pool_type: str, opts: Mapping[str, str | None]) -> str:
    """virshBuildPoolXML: the pool document for pool-define-as and pool-create-as.

    `opts` holds the option values by their Python names (source_host, target, ...);
    missing or None means not given.  Like virsh, a <source> is written only when one of
    the source options, an adapter or the initiator is given, and <auth> only inside it.
    """
    o = {k: v for k, v in opts.items() if v is not None}
    pool = root("pool", {"type": pool_type})
    child(pool, "name", name)
    wwnn, wwpn = o.get("adapter_wwnn"), o.get("adapter_wwpn")
    fc_host = wwnn is not None and wwpn is not None
    if any(k in o for k in ("source_host", "source_path", "source_dev", "source_initiator",
                             "source_format", "source_name", "adapter_name")) or fc_host:
        source = child(pool, "source")
        if "source_host" in o:
            child(source, "host", attrs={"name": o["source_host"]})
        if "source_path" in o:
            child(source, "dir", attrs={"path": o["source_path"]})
        if "source_dev" in o:
            child(source, "device", attrs={"path": o["source_dev"]})
        if "source_initiator" in o:
            child(child(source, "initiator"), "iqn", attrs={"name": o["source_initiator"]})
        if fc_host:
            adapter: dict[str, str] = {"type": "fc_host"}
            if "adapter_parent" in o:
                adapter["parent"] = o["adapter_parent"]
            elif "adapter_parent_wwnn" in o and "adapter_parent_wwpn" in o:
                adapter["parent_wwnn"] = o["adapter_parent_wwnn"]
                adapter["parent_wwpn"] = o["adapter_parent_wwpn"]
            elif "adapter_parent_fabric_wwn" in o:
                adapter["parent_fabric_wwn"] = o["adapter_parent_fabric_wwn"]
            adapter["wwnn"], adapter["wwpn"] = wwnn, wwpn  # type: ignore[assignment]
            child(source, "adapter", attrs=adapter)
        elif "adapter_name" in o:
            child(source, "adapter", attrs={"type": "scsi_host", "name": o["adapter_name"]})
        if "auth_type" in o and "auth_username" in o and ("secret_usage" in o or "secret_uuid" in o):
            auth = child(source, "auth", attrs={"type": o["auth_type"], "username": o["auth_username"]})
            if "secret_usage" in o:
                child(auth, "secret", attrs={"usage": o["secret_usage"]})
            else:
                child(auth, "secret", attrs={"uuid": o["secret_uuid"]})
        if "source_format" in o:
            child(source, "format", attrs={"type": o["source_format"]})
        if "source_name" in o:
            child(source, "name", o["source_name"])
        if "source_protocol_ver" in o:
            child(source, "protocol", attrs={"ver": o["source_protocol_ver"]})
    if "target" in o:
        child(child(pool, "target"), "path", o["target"])
    return write(pool)


def volume_xml(name: str, capacity: int, allocation: int | None = None, fmt: str | None = None,
               backing_path: str | None = None, backing_format: str | None = None) -> str:
    """The volume document vol-create-as builds (sizes in bytes, no unit attribute)."""
    vol = root("volume")
    child(vol, "name", name)
    child(vol, "capacity", str(capacity))
    if allocation is not None:
        child(vol, "allocation", str(allocation))
    if fmt is not None:
        child(child(vol, "target"), "format", attrs={"type": fmt})
    if backing_path is not None:
        backing = child(vol, "backingStore")
        child(backing, "path", backing_path)
        if backing_format is not None:
            child(backing, "format", attrs={"type": backing_format})
    return write(vol)


def source_xml(host: str, port: str | None = None, initiator: str | None = None) -> str:
    """The <source> find-storage-pool-sources-as hands to libvirt for a host to query."""
    source = root("source")
    attrs = {"name": host}
    if port is not None:
        attrs["port"] = port
    child(source, "host", attrs=attrs)
    if initiator is not None:
        child(child(source, "initiator"), "iqn", attrs={"name": initiator})
    return write(source)


_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}


def buffer_clean(text: str) -> str:
    """virBufferEscapeString drops control characters other than tab, newline and return."""
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def buffer_escape(text: str) -> str:
    """virBufferEscapeString: the five XML special characters as entities."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


class Buffer:
    """libvirt's virBuffer as virsh uses it for hand-built XML: indentation at each line start."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.indent = 0

    def add(self, text: str) -> None:
        if text and (not self.parts or self.parts[-1].endswith("\n")):
            text = " " * self.indent + text
        self.parts.append(text)

    def escape(self, template: str, value: str | None) -> None:
        """virBufferEscapeString: nothing at all for a missing value (an empty one still shows)."""
        if value is None:
            return
        self.add(template % buffer_escape(buffer_clean(value)))

    def text(self) -> str:
        return "".join(self.parts)


def copy_dest_xml(dest: str, blockdev: bool, fmt: str | None) -> str:
    """The <disk> blockcopy builds from --dest, --blockdev and --format (values escaped)."""
    disk = root("disk", {"type": "block" if blockdev else "file"})
    child(disk, "source", attrs={"dev" if blockdev else "file": buffer_clean(dest)})
    if fmt is not None:
        child(disk, "driver", attrs={"type": buffer_clean(fmt)})
    return write(disk, escape=True)
