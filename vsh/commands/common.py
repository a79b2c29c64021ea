"""Options shared by many commands, declared once (virsh's option macros)."""
from __future__ import annotations


from vsh.errors import VshError
from vsh.spec import Data, Flag, Int, Opt, Str
from vsh.values import empty_option
from vsh.i18n import _, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from vsh.session import Session


def DOMAIN(help: str = "domain name, id or uuid", complete: str = "domain") -> Opt:
    """The <domain> option; an empty value is refused where virsh reads it (``ctx.lookup.domain``).

    `complete` may name a state filter as virsh's completer flags do ("domain:inactive",
    "domain:active", ...; see vsh.completion.STATE_FILTERS)."""
    return Data("domain", help, complete=complete, empty_ok=True)


def required(name: str, value: str | None, cause: BaseException | None = None) -> str | None:
    """virsh's vshCommandOptStringReq on an option declared `empty_ok`, where virsh reads it."""
    if value == "":
        raise VshError(empty_option(name), cause=cause)
    return value


def affect(ctx: Session) -> int:
    """VIR_DOMAIN_AFFECT_CONFIG and _LIVE for the running command's --config and --live."""
    import libvirt

    return ctx.flags(config=libvirt.VIR_DOMAIN_AFFECT_CONFIG, live=libvirt.VIR_DOMAIN_AFFECT_LIVE)


def exclusive(**given: Any) -> None:
    """VSH_EXCLUSIVE_OPTIONS_VAR where virsh checks it inside the body: the first two of the
    options given (parameter names; `_` reads as `-`) are named."""
    names = [name.rstrip("_").replace("_", "-") for name, value in given.items() if value]
    if len(names) > 1:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", names[0], names[1]))


def NETWORK(help: str = "network name or uuid", complete: str = "network") -> Opt:
    return Data("network", help, complete=complete)


def POOL(help: str = "pool name or uuid", name: str = "pool", complete: str = "pool") -> Opt:
    return Data(name, help, complete=complete)


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


def autostart_of(obj: Any) -> bool | None:
    """A network's or pool's autostart flag, or None when libvirt cannot tell."""
    import libvirt

    try:
        return bool(obj.autostart())
    except libvirt.libvirtError:
        return None


def yes_no(value: bool | None, unknown: str = "no autostart") -> str:
    """virsh's yes/no column, with its words for a value libvirt could not tell."""
    if value is None:
        return _(unknown)
    return _("yes") if value else _("no")


def name_key(name: str) -> bytes:
    """virsh's list order: strcasecmp on the names (ASCII letters fold, other bytes as is)."""
    return name.encode("utf-8", "surrogateescape").lower()


def XPATH() -> Opt:
    """--xpath of the *-dumpxml commands: named only; "" fails quietly, as in virsh."""
    return Str("xpath", "xpath expression to filter the XML document", named_only=True, empty_ok=True)


WRAP = Flag("wrap", "wrap xpath results in an common root element")


def dump_xml(ctx: Any, xml: str, xpath: str | None, wrap: bool) -> None:
    """virshDumpXML: the whole document, or the nodes `xpath` selects (in <nodes> with --wrap)."""
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


def parse_fds(value: str | None) -> list[int]:
    """virshFetchPassFdsList (--pass-fds N,M,...): decimal FD numbers; an empty value is ignored,
    as virsh reads it quietly."""
    from vsh.values import parse_c_integer

    if not value:
        return []
    fds = []
    for piece in value.split(","):
        parsed = parse_c_integer(piece)
        if parsed is None or parsed[1] or not -(2**31) <= parsed[0] < 2**31:
            raise VshError(msg("Unable to parse FD number '%s'", piece))
        fds.append(parsed[0])
    return fds


def int_opt(name: str, raw: str | None, conv: str = "int") -> int | None:
    """An integer option converted where virsh converts it: after the domain lookup."""
    if raw is None:
        return None
    from vsh.values import convert

    return convert(Int(name, name, conv=conv), raw)


def parse_xml(xml: str) -> Any:
    """A domain XML document as lxml elements, for the commands that look inside it."""
    from lxml import etree

    return etree.fromstring(xml.encode("utf-8"))


def select_nodes(ctx: Session, root: Any, xpath: str) -> list[Any]:
    """Nodes an XPath selects; a bad expression selects none, with libxml2's lines on stderr."""
    from vsh.xmldump import xpath_nodes

    nodes, diagnostics = xpath_nodes(root, xpath)
    if diagnostics:
        ctx.out.flush()
        ctx.out.err.write(diagnostics)
        ctx.out.err.flush()
    return nodes


#: The <interface> of domif-setlink and domif-getlink: a MAC address or a target device name.
DOMIF_INTERFACE = Data("interface", "interface device (MAC Address)", complete="domain-interface", empty_ok=True)
