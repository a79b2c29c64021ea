"""Consoles and displays of a domain: console, domdisplay, vncdisplay, ttyconsole.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN, required
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import obj, rows, single
from vsh.session import Session
from vsh.spec import Flag, Str
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The graphics types domdisplay tries, in virsh's order.
_SCHEMES = ("vnc", "spice", "rdp")


@command("console", group="domain", help="connect to the guest console", json=False,
         desc="Connect the virtual serial console for the guest",
         opts=[DOMAIN(complete="domain:active"), Str("devname", "character device name"),
               Flag("force", "force console connection (disconnect already connected sessions)"),
               Flag("safe", "only connect if safe console handling is supported")])
def cmd_console(ctx: Session, domain: str, devname: str | None, force: bool, safe: bool) -> None:
    from vsh.console import run_console

    dom = ctx.lookup.domain(domain)
    run_console(ctx, dom, devname, force=force, safe=safe)


def _live_xml(dom: Any, flags: int = 0) -> Any:
    from lxml import etree

    return etree.fromstring(dom.XMLDesc(flags).encode())


def _first(tree: Any, path: str) -> str | None:
    """The first match of an attribute XPath, or None (virXPathString of string(...))."""
    found = tree.xpath(path)
    return str(found[0]) if found else None


def _xpath_int(tree: Any, path: str) -> int | None:
    """virXPathInt: a whole base-10 number, None when absent or malformed."""
    from vsh.values import parse_c_integer

    text = _first(tree, path)
    if text is None:
        return None
    parsed = parse_c_integer(text)
    if parsed is None or parsed[1] or not -(2**31) <= parsed[0] < 2**31:
        return None
    return parsed[0]


def _is_wildcard(address: str) -> bool:
    """virSocketAddrIsWildcard after a numeric parse: 0.0.0.0 or :: in any spelling."""
    import socket

    try:
        infos = socket.getaddrinfo(address, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    return any(info[4][0] in ("0.0.0.0", "::") for info in infos)


def _display_uri(tree: Any, scheme: str) -> str | None:
    """virsh's URI for the first <graphics> of this type, None when it has no port nor socket."""
    base = f"/domain/devices/graphics[@type='{scheme}'][1]"
    port = _xpath_int(tree, f"{base}/@port") or 0
    tls_port = _xpath_int(tree, f"{base}/@tlsPort") or 0
    listen = _first(tree, f"{base}/@listen")
    sockpath = _first(tree, f"{base}/@socket")
    if listen is None:
        listen = _first(tree, f"{base}/listen/@address")
        if sockpath is None:
            sockpath = _first(tree, f"{base}/listen[@type='socket']/@socket")
    if not port and not tls_port and sockpath is None:
        return None
    if listen is not None and _is_wildcard(listen):
        listen = None
    passwd = _first(tree, f"{base}/@passwd")
    uri = f"{scheme}+unix://" if sockpath is not None else f"{scheme}://"
    if scheme == "vnc" and passwd is not None:
        uri += f":{passwd}@"
    if sockpath is not None:
        uri += sockpath
    elif listen is None:
        uri += "localhost"
    elif ":" in listen:
        uri += f"[{listen}]"
    else:
        uri += listen
    if port:
        # VNC clients take the display number, the port minus 5900.
        uri += f":{port - 5900 if scheme == 'vnc' else port}"
    params = False
    if tls_port:
        uri += f"?tls-port={tls_port}"
        params = True
    if scheme == "spice" and passwd is not None:
        uri += f"{'&' if params else '?'}password={passwd}"
    return uri


@command("domdisplay", schema=rows(type="string", uri="string"),
         group="domain", help="domain display connection URI",
         desc="Output the IP address and port number for the graphical display.",
         opts=[DOMAIN(complete="domain:active"), Flag("include-password", "includes the password into the connection URI if available"),
               Str("type", 'select particular graphical display (e.g. "vnc", "spice", "rdp", "dbus")',
                   empty_ok=True),
               Flag("all", "show all possible graphical displays")],
         exclusive=[("all", "type")])
def cmd_domdisplay(ctx: Session, domain: str, include_password: bool, type: str | None, all: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    if not dom.isActive():
        raise VshError(msg("Domain is not running"))
    required("type", type)
    tree = _live_xml(dom, ctx.flags(include_password=libvirt.VIR_DOMAIN_XML_SECURE))
    found = []
    for scheme in _SCHEMES:
        if not all and type is not None and type != scheme:
            continue
        uri = _display_uri(tree, scheme)
        if uri is None:
            continue
        found.append({"type": scheme, "uri": uri})
        if not all:
            break
    if found:
        # virsh ends each URI with a newline only under --all.
        ctx.out.data(found, "".join(d["uri"] + ("\n" if all else "") for d in found))
        return
    if type is not None:
        raise VshError(msg("No graphical display with type '%s' found", type))
    raise VshError(msg("No graphical display found"))


@command("vncdisplay", schema=obj(listen="string?", display="integer", text="string"),
         group="domain", help="vnc display",
         desc="Output the IP address and port number for the VNC display.",
         opts=[DOMAIN(complete="domain:active")])
def cmd_vncdisplay(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    if not dom.isActive():
        raise VshError(msg("Domain is not running"))
    tree = _live_xml(dom)
    base = "/domain/devices/graphics[@type='vnc'][1]"
    port = _xpath_int(tree, f"{base}/@port")
    if port is None:
        raise VshError(msg("Failed to get VNC port. Is this domain using VNC?"))
    listen = _first(tree, f"{base}/@listen")
    if listen is None:
        listen = _first(tree, f"{base}/listen/@address")
    # Unlike domdisplay, only the IPv4 wildcard is left out.
    shown = None if listen in (None, "0.0.0.0") else listen
    text = f"{shown or ''}:{port - 5900}"
    ctx.out.data({"listen": shown, "display": port - 5900, "text": text}, text + "\n")


@command("ttyconsole", schema=single("tty"),
         group="domain", help="tty console",
         desc="Output the device for the TTY console.",
         opts=[DOMAIN(complete="domain:active")])
def cmd_ttyconsole(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    tty = _first(_live_xml(dom), "/domain/devices/console[1]/@tty")
    if not tty:
        # virsh fails here without a word.
        raise VshError("")
    ctx.out.data({"tty": tty}, tty + "\n")
