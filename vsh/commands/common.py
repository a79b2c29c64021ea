"""Options shared by many commands, declared once (virsh's option macros)."""
from __future__ import annotations

from typing import Any

from vsh.spec import Data, Flag, Opt, Str


def DOMAIN(help: str = "domain name, id or uuid") -> Opt:
    return Data("domain", help, complete="domain")


def NETWORK(help: str = "network name or uuid") -> Opt:
    return Data("network", help, complete="network")


def POOL(help: str = "pool name or uuid", name: str = "pool") -> Opt:
    return Data(name, help, complete="pool")


def VOLUME(help: str = "vol name, key or path") -> Opt:
    return Data("vol", help, complete="volume")


def POOL_OPT(help: str = "pool name or uuid") -> Opt:
    """The optional --pool beside a volume."""
    return Str("pool", help, complete="pool")


def FILE(help: str) -> Opt:
    return Data("file", help, complete="file")


CONFIG = Flag("config", "affect next boot")
LIVE = Flag("live", "affect running domain")
CURRENT = Flag("current", "affect current domain")


def name_key(name: str) -> bytes:
    """virsh's list order: strcasecmp on the names (ASCII letters fold, other bytes as is)."""
    return name.encode("utf-8", "surrogateescape").lower()


def XPATH() -> Opt:
    """--xpath of the *-dumpxml commands: named only; "" fails quietly, as in virsh."""
    return Str("xpath", "xpath expression to filter the XML document", named_only=True, empty_ok=True)


WRAP = Flag("wrap", "wrap xpath results in an common root element")


def dump_xml(ctx: Any, xml: str, xpath: str | None, wrap: bool) -> None:
    """virshDumpXML: the whole document, or the nodes `xpath` selects (in <nodes> with --wrap)."""
    from vsh.errors import VshError

    if xpath is None:
        ctx.out.xml(xml)
        return
    if xpath == "":
        # virsh reads --xpath quietly: an empty one fails the command with no message.
        raise VshError("")
    from vsh.xmldump import select

    text, diagnostics = select(xml, xpath, wrap)
    if diagnostics:
        ctx.out.flush()
        ctx.out.err.write(diagnostics)
        ctx.out.err.flush()
    ctx.out.xml(text)
