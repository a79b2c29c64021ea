"""Secret commands: secret-list, secret-define, secret-dumpxml, secret-set-value,
secret-get-value and secret-undefine.

secret-event waits for secret events (vsh.eventwatch).

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh import eventnames
from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.eventwatch import ObjectEvents, event_opts, object_event
from vsh.output import Column
from vsh.eventwatch import EVENTS_SCHEMA
from vsh.registry import command
from vsh.schema import XML, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Opt, Str
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


USAGE_TYPES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def glib_base64_decode(text: bytes) -> bytes:
    """g_base64_decode as virsh uses it: bytes outside the alphabet are skipped, '=' counts
    as a zero digit that drops its output byte, and an incomplete last group is ignored."""
    rank = {c: i for i, c in enumerate(_B64.encode())}
    rank[ord("=")] = 0
    out = bytearray()
    value = count = 0
    last = [0, 0]
    for byte in text:
        if byte not in rank:
            continue
        last = [byte, last[0]]
        value = ((value << 6) | rank[byte]) & 0xFFFFFFFF
        count += 1
        if count == 4:
            out.append((value >> 16) & 0xFF)
            if last[1] != ord("="):
                out.append((value >> 8) & 0xFF)
            if last[0] != ord("="):
                out.append(value & 0xFF)
            count = 0
    return bytes(out)


def SECRET() -> Opt:
    return Data("secret", "secret UUID", complete="secret")


def _list(ctx: Session, flags: int) -> list[Any]:
    """virshSecretListCollect: the new API, else (unsupported) the old one, which cannot filter."""
    import libvirt

    conn = ctx.conn
    try:
        return list(conn.listAllSecrets(flags))
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise VshError(msg("Failed to list node secrets"), cause=err) from None
    if flags:
        raise VshError(msg("Filtering is not supported by this libvirt"))
    with failing(msg("Failed to count secrets")):
        count = conn.numOfSecrets()
    if count == 0:
        return []
    with failing(msg("Failed to list secrets")):
        uuids = conn.listSecrets()
    found = []
    for uuid in uuids:
        try:
            found.append(conn.secretLookupByUUIDString(uuid))
        except libvirt.libvirtError:
            continue
    return found


@command("secret-list", schema=rows(uuid="string", usage_type="string?", usage_id="string?"),
         group="secret", help="list secrets", desc="Returns a list of secrets",
         opts=[Flag("ephemeral", "list ephemeral secrets"), Flag("no-ephemeral", "list non-ephemeral secrets"),
               Flag("private", "list private secrets"), Flag("no-private", "list non-private secrets")])
def cmd_secret_list(ctx: Session, ephemeral: bool, no_ephemeral: bool, private: bool, no_private: bool) -> None:
    import libvirt

    flags = ctx.flags(ephemeral=libvirt.VIR_CONNECT_LIST_SECRETS_EPHEMERAL,
                      no_ephemeral=libvirt.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
                      private=libvirt.VIR_CONNECT_LIST_SECRETS_PRIVATE,
                      no_private=libvirt.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE)
    secrets = sorted(_list(ctx, flags), key=lambda s: s.UUIDString().lower())
    rows = []
    for sec in secrets:
        kind = sec.usageType()
        used = bool(kind)
        rows.append({"uuid": sec.UUIDString(),
                     "usage_type": (USAGE_TYPES[kind] if kind < len(USAGE_TYPES) else str(kind)) if used else None,
                     "usage_id": sec.usageID() if used else None})
    for row in rows:
        row["usage"] = f"{row['usage_type']} {row['usage_id']}" if row["usage_type"] else "Unused"
    ctx.out.table([Column("uuid", "UUID"), Column("usage", "Usage")], rows,
                  json_obj=[{k: v for k, v in row.items() if k != "usage"} for row in rows])


@command("secret-define", group="secret", help="define or modify a secret from an XML file",
         desc="Define or modify a secret.",
         opts=[common.FILE("file containing secret attributes in XML"),
               Flag("validate", "validate the XML against the schema")])
def cmd_secret_define(ctx: Session, file: str, validate: bool) -> None:
    import libvirt

    xml = ctx.read_file(file)
    with failing(msg("Failed to set attributes from %s", file)):
        sec = ctx.conn.secretDefineXML(xml, ctx.flags(validate=libvirt.VIR_SECRET_DEFINE_VALIDATE))
    ctx.out.extra(fmt("Secret %s created\n", sec.UUIDString()), end="")


@command("secret-dumpxml", schema=XML,
         group="secret", help="secret attributes in XML",
         desc="Output attributes of a secret as an XML dump to stdout.",
         opts=[SECRET(), common.XPATH(), common.WRAP])
def cmd_secret_dumpxml(ctx: Session, secret: str, xpath: str | None, wrap: bool) -> None:
    sec = ctx.lookup.secret(secret)
    common.dump_xml(ctx, sec.XMLDesc(0), xpath, wrap)


@command("secret-set-value", group="secret", help="set a secret value", desc="Set a secret value.",
         opts=[SECRET(), Str("file", "read secret from file", named_only=True, complete="file", late=True),
               Flag("plain", "read the secret from file without converting from base64"),
               Flag("interactive", "read the secret from the terminal"),
               Str("base64", "base64-encoded secret value", late=True)],
         exclusive=[("file", "base64"), ("plain", "base64"), ("interactive", "base64"), ("interactive", "plain"),
                    ("interactive", "file")])
def cmd_secret_set_value(ctx: Session, secret: str, file: str | None, plain: bool, interactive: bool,
                         base64: str | None) -> None:
    sec = ctx.lookup.secret(secret)
    base64 = ctx.late("base64", base64)
    file = ctx.late("file", file)
    if base64 is not None:
        # virsh reports this as an error line but carries on and succeeds.
        warning = VshError(msg("Passing secret value as command-line argument is insecure!"))
        ctx.out.error(warning.lines(), warning.as_json())
        value = base64.encode("utf-8", "surrogateescape")
    elif file is not None:
        value = _read_value(ctx, file)
    elif interactive:
        ctx.out.write(_("Enter new value for secret:"))
        ctx.out.flush()
        value = _getpass()
        plain = True
    else:
        raise VshError(msg("Input secret value is missing"))
    if not plain:
        value = glib_base64_decode(value)
    with failing(msg("Failed to set secret value")):
        sec.setValue(value, 0)
    ctx.out.extra(fmt("Secret value set\n"), end="")


def _getpass() -> bytes:
    """glibc's getpass(), as virsh reads the value: one line from the terminal without echo
    (stdin when there is no terminal), its newline dropped, empty at end of input."""
    import os
    import sys

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        line = sys.stdin.buffer.readline()
        return line[:-1] if line.endswith(b"\n") else line
    import termios

    with open(fd, "r+b", buffering=0) as tty:
        old = termios.tcgetattr(fd)
        new = termios.tcgetattr(fd)
        new[3] &= ~termios.ECHO
        try:
            termios.tcsetattr(fd, termios.TCSAFLUSH, new)
            line = tty.readline()
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
        if line.endswith(b"\n"):
            tty.write(b"\n")
            line = line[:-1]
    return line


def _read_value(ctx: Session, path: str) -> bytes:
    """The file as bytes, with virsh's 1024-byte limit and file errors (virFileReadAll)."""
    ctx.read_file(path, limit=1024)  # virsh's wording for a missing, unreadable or too big file
    with open(path, "rb") as fh:
        return fh.read()


@command("secret-get-value", schema=single("value"),
         group="secret", help="Output a secret value", desc="Output a secret value to stdout.",
         opts=[SECRET(), Flag("plain", "get value without converting to base64")])
def cmd_secret_get_value(ctx: Session, secret: str, plain: bool) -> None:
    import base64

    sec = ctx.lookup.secret(secret)
    value = bytes(sec.value(0))
    if plain:
        text = value.decode("utf-8", "surrogateescape")
        if ctx.out.json:
            ctx.out.data({"value": text.encode("utf-8", "backslashreplace").decode("ascii", "replace")})
            return
        ctx.out.flush()
        raw = getattr(ctx.out.out, "buffer", None)
        if raw is not None:
            raw.write(value)
            raw.flush()
        else:
            ctx.out.write(text)
        return
    encoded = base64.b64encode(value).decode("ascii")
    # virsh prints the value without a newline; the blank line after the command ends it.
    ctx.out.data({"value": encoded}, encoded)


@command("secret-undefine", group="secret", help="undefine a secret", desc="Undefine a secret.", opts=[SECRET()])
def cmd_secret_undefine(ctx: Session, secret: str) -> None:
    sec = ctx.lookup.secret(secret)
    with failing(msg("Failed to delete secret %s", secret)):
        sec.undefine()
    ctx.out.extra(fmt("Secret %s deleted\n", secret), end="")


@command("secret-event", schema=EVENTS_SCHEMA,
         group="secret", help="Secret Events",
         desc="List event types, or wait for secret events to occur",
         opts=event_opts(Str("secret", "filter by secret name or uuid", complete="secret", empty_ok=True)))
def cmd_secret_event(ctx: Session, secret: str | None, event: str | None, loop: bool, timeout: str | None,
                     list: bool, timestamp: bool) -> None:
    object_event(ctx, _SECRET_EVENTS, secret, event, loop, timeout, list, timestamp)


_SECRET_EVENTS = ObjectEvents(eventnames.SECRET_EVENTS, eventnames.SECRET_LIFECYCLE, "secret", "secret",
                              "secretEventRegisterAny", "secretEventDeregisterAny", lambda o: o.UUIDString(),
                              lambda ctx, uuid: ctx.lookup.secret(uuid))
