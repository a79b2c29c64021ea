"""Domain odds and ends: domrename, metadata, inject-nmi, send-key, send-process-signal,
domlaunchsecinfo, domsetlaunchsecstate, domxml-from-native, domxml-to-native, qemu-attach
and lxc-enter-namespace.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

import os
import re

from vsh.commands.common import DOMAIN, affect, required
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import PARAMS, XML, obj, single
from vsh.session import Session
from vsh.spec import Argv, Data, Flag, Int, Str
from vsh.typedparams import shown_value
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: virsh's keycode sets (virKeycodeSet), as its completer offers them; vsh.keycodes has the same list.
CODESETS = ("linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum")

#: virsh's names of the signals send-process-signal takes (virDomainProcessSignal), by number.
SIGNALS = ("nop", "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill",
           "usr1", "segv", "usr2", "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop",
           "tstp", "ttin", "ttou", "urg", "xcpu", "xfsz", "vtalrm", "prof", "winch", "poll",
           "pwr", "sys") + tuple(f"rt{n}" for n in range(33))


# domrename -----------------------------------------------------------------------------------

@command("domrename", group="domain", help="rename a domain", desc="Rename an inactive domain.",
         opts=[DOMAIN("domain name or uuid", complete="domain:inactive"),
               Data("new-name", "new domain name", empty_ok=True)])
def cmd_domrename(ctx: Session, domain: str, new_name: str) -> None:
    dom = ctx.lookup.domain(domain)
    dom.rename(required("new-name", new_name), 0)
    ctx.out.extra("Domain successfully renamed")


# metadata ------------------------------------------------------------------------------------

@command("metadata", schema=obj(uri="string?", metadata="string?", changed="boolean?"),
         group="domain", help="show or set domain's custom XML metadata",
         desc="Shows or modifies the XML metadata of a domain.",
         opts=[DOMAIN(), Data("uri", "URI of the namespace", empty_ok=True),
               Flag("live", "modify/get running state"),
               Flag("config", "modify/get persistent configuration"),
               Flag("current", "modify/get current state configuration"),
               Flag("edit", "use an editor to change the metadata"),
               Str("key", "key to be used as a namespace identifier", empty_ok=True),
               Str("set", "new metadata to set", empty_ok=True),
               Flag("remove", "remove the metadata corresponding to an uri")],
         exclusive=[("current", "live"), ("current", "config"), ("edit", "set"), ("remove", "set"),
                    ("remove", "edit")])
def cmd_metadata(ctx: Session, domain: str, uri: str, live: bool, config: bool, current: bool, edit: bool,
                 key: str | None, set: str | None, remove: bool) -> None:
    """Show, set, remove or edit one metadata element (VIR_DOMAIN_METADATA_ELEMENT) of a domain."""
    import libvirt

    from vsh.editor import edit_xml

    kind = libvirt.VIR_DOMAIN_METADATA_ELEMENT
    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    required("uri", uri)
    required("key", key)
    required("set", set)
    if (set is not None or edit) and key is None:
        raise VshError(msg("namespace key is required when modifying metadata"))
    if set is not None or remove:
        dom.setMetadata(kind, set, key, uri, flags)
        ctx.out.extra(_("Metadata removed") if remove else _("Metadata modified"))
        return
    if edit:
        def fetch() -> str:
            # virsh edits an empty document when there is no such element yet.
            try:
                return dom.metadata(kind, uri, flags)
            except libvirt.libvirtError:
                return "\n"

        def define(text: str) -> bool:
            dom.setMetadata(kind, text, key, uri, flags)
            return True

        changed = edit_xml(ctx, fetch, define) is not None
        if ctx.out.json:
            ctx.out.data({"uri": uri, "metadata": None, "changed": changed})
        elif changed:
            ctx.out.extra(fmt("Metadata modified"))
        else:
            # virsh prints this one without a newline; the blank line after the command ends it.
            ctx.out.extra(fmt("Metadata not changed"), end="")
        return
    data = dom.metadata(kind, uri, flags)
    ctx.out.data({"uri": uri, "metadata": data, "changed": None}, data + "\n")


# inject-nmi, send-key, send-process-signal -------------------------------------------------------

@command("inject-nmi", group="domain", help="Inject NMI to the guest", desc="Inject NMI to the guest domain.",
         opts=[DOMAIN(complete="domain:active")])
def cmd_inject_nmi(ctx: Session, domain: str) -> None:
    ctx.lookup.domain(domain).injectNMI(0)


# strtoul with base 0, as virStrToLong_uip reads it: octal, decimal or hex, no sign but '+'.
_KEYCODE_NUMBER = re.compile(r"[ \t\n\v\f\r]*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def keycode_number(text: str) -> int | None:
    """virshKeyCodeGetInt: a keycode given as a number (at most 0xffff), else None."""
    match = _KEYCODE_NUMBER.fullmatch(text)
    if match is None:
        return None
    digits = match.group(1)
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") else 10
    value = int(digits, base)
    return value if value <= 0xFFFF else None


@command("send-key", group="domain", help="Send keycodes to the guest",
         desc="Send keycodes (integers or symbolic names) to the guest",
         opts=[DOMAIN(complete="domain:active"),
               Str("codeset", "the codeset of keycodes, default:linux", named_only=True, empty_ok=True,
                   choices=CODESETS),
               Int("holdtime", "the time (in milliseconds) how long the keys will be held", conv="puint",
                   named_only=True, late=True),
               Argv("keycode", "the key code", required=True, complete="keycode")])
def cmd_send_key(ctx: Session, domain: str, codeset: str | None, holdtime: str | None,
                 keycode: list[str]) -> None:
    """Numbers are taken as they are; names are looked up in the codeset's table (linux, os_x, win32)."""
    from vsh import keycodes

    dom = ctx.lookup.domain(domain)
    hold = ctx.late("holdtime", holdtime) or 0
    name = codeset or "linux"
    # The qnum codeset was called rfb once; virsh still takes the old name.
    if name == "rfb":
        name = "qnum"
    if name not in keycodes.CODESETS:
        raise VshError(msg("unknown codeset: '%s'", name))
    table = keycodes.NAMES.get(name, {})
    codes: list[int] = []
    for key in keycode:
        if len(codes) == 16:  # VIR_DOMAIN_SEND_KEY_MAX_KEYS
            raise VshError(msg("too many keycodes"))
        code = keycode_number(key)
        if code is None:
            code = table.get(key)
        if code is None:
            raise VshError(msg("invalid keycode: '%s'", key))
        codes.append(code)
    dom.sendKey(keycodes.CODESETS.index(name), hold, codes, len(codes), 0)


_SIGNAL_NUMBER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def signal_number(text: str) -> int:
    """virsh's getSignalNumber: a number, or a name with or without `sig`/`sig_` (any case); -1 if neither."""
    low = "".join(c.lower() if c.isascii() else c for c in text)
    if _SIGNAL_NUMBER.fullmatch(low):
        value = int(low)
        if -(2**31) <= value < 2**31:
            return value
    for prefix in ("sig_", "sig"):
        if low.startswith(prefix):
            low = low[len(prefix):]
            break
    return SIGNALS.index(low) if low in SIGNALS else -1


@command("send-process-signal", group="domain", help="Send signals to processes",
         desc="Send signals to processes in the guest",
         opts=[DOMAIN(complete="domain:active"), Data("pid", "the process ID", conv="long", late=True),
               Data("signame", "the signal number or name", empty_ok=True, choices=SIGNALS)])
def cmd_send_process_signal(ctx: Session, domain: str, pid: str, signame: str) -> None:
    dom = ctx.lookup.domain(domain)
    pid_value = ctx.late("pid", pid)
    required("signame", signame)
    signum = signal_number(signame)
    if signum < 0:
        raise VshError(msg("malformed signal name: %s", signame))
    dom.sendProcessSignal(pid_value, signum, 0)


# launch security -------------------------------------------------------------------------------

@command("domlaunchsecinfo", schema=PARAMS,
         group="domain", help="Get domain launch security info",
         desc="Get the launch security parameters for a guest domain", opts=[DOMAIN()])
def cmd_domlaunchsecinfo(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    with failing(msg("Unable to get launch security parameters")):
        params = dom.launchSecurityInfo(0)
    from vsh.statkeys import snake_key

    text = "".join(f"{field:<15}: {shown_value(value)}\n" for field, value in params.items())
    ctx.out.data({snake_key(field): value for field, value in params.items()}, text)


@command("domsetlaunchsecstate", group="domain", help="Set domain launch security state",
         desc="Set a secret in the guest domain's memory",
         opts=[DOMAIN(),
               Str("secrethdr", "path to file containing the secret header", named_only=True, empty_ok=True,
                   complete="file"),
               Str("secret", "path to file containing the secret", named_only=True, empty_ok=True,
                   complete="file"),
               Int("set-address", "physical address within the guest domain's memory to set the secret",
                   conv="pulong", late=True)])
def cmd_domsetlaunchsecstate(ctx: Session, domain: str, secrethdr: str | None, secret: str | None,
                             set_address: str | None) -> None:
    """Both files are read whole (64 KiB at most), as virsh reads them, before the address is parsed."""
    import libvirt

    dom = ctx.lookup.domain(domain)
    required("secrethdr", secrethdr)
    required("secret", secret)
    if secrethdr is None or secret is None:
        raise VshError(msg("Both secret and the secret header are required"))
    params: dict[str, Any] = {
        libvirt.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_HEADER: ctx.read_file(secrethdr, limit=64 * 1024),
        libvirt.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET: ctx.read_file(secret, limit=64 * 1024),
    }
    address = ctx.late("set-address", set_address)
    if address is not None:
        params[libvirt.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_SET_ADDRESS] = address
    with failing(msg("Unable to set launch security state")):
        dom.setLaunchSecurityState(params, 0)


# native formats ---------------------------------------------------------------------------------

@command("domxml-from-native", schema=XML,
         group="domain", help="Convert native config to domain XML",
         desc="Convert native guest configuration format to domain XML format.",
         opts=[Data("format", "source config data format", empty_ok=True, choices=("qemu-argv",)),
               Data("config", "config data file to import from", empty_ok=True, complete="file")])
def cmd_domxml_from_native(ctx: Session, format: str, config: str) -> None:
    required("format", format)
    required("config", config)
    data = ctx.read_file(config)
    xml = ctx.conn.domainXMLFromNative(format, data, 0)
    ctx.out.data({"xml": xml}, xml)


@command("domxml-to-native", schema=single("native"),
         group="domain", help="Convert domain XML to native config",
         desc="Convert domain XML config to a native guest configuration format.",
         opts=[Data("format", "target config data type format", empty_ok=True, choices=("qemu-argv",)),
               Str("domain", "domain name, id or uuid", named_only=True, empty_ok=True, complete="domain"),
               Str("xml", "xml data file to export from", empty_ok=True, complete="file")])
def cmd_domxml_to_native(ctx: Session, format: str, domain: str | None, xml: str | None) -> None:
    required("format", format)
    required("xml", xml)
    if domain is not None and xml is not None:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "domain", "xml"))
    if domain is not None:
        doc = ctx.lookup.domain(domain).XMLDesc(0)
    elif xml is not None:
        doc = ctx.read_file(xml)
    else:
        raise VshError(msg("need either domain or domain XML"))
    native = ctx.conn.domainXMLToNative(format, doc, 0)
    ctx.out.data({"native": native}, native)


# pass-through to the QEMU and LXC drivers ---------------------------------------------------------

@command("qemu-attach", schema=obj(name="string", pid="integer"),
         group="domain", help="QEMU Attach", desc="QEMU Attach",
         opts=[Data("pid", "pid", conv="puint")])
def cmd_qemu_attach(ctx: Session, pid: int) -> None:
    import libvirt_qemu

    with failing(msg("Failed to attach to pid %u", pid)):
        dom = libvirt_qemu.qemuAttach(ctx.conn, pid, 0)
    ctx.out.data({"name": dom.name(), "pid": pid}, None)
    ctx.out.extra(fmt("Domain '%s' attached to pid %u\n", dom.name(), pid), end="")


@command("lxc-enter-namespace", group="domain", help="LXC Guest Enter Namespace",
         desc="Run an arbitrary command in a lxc guest namespace; use at your own risk",
         opts=[DOMAIN(complete="domain:active"), Flag("noseclabel", "Do not change process security label"),
               Argv("cmd", "command to run", required=True)])
def cmd_lxc_enter_namespace(ctx: Session, domain: str, noseclabel: bool, cmd: list[str]) -> None:
    """Run CMD inside the container's namespaces (and its cgroup and security label), as virsh does.

    virsh forks once (so vsh itself stays outside), enters the label, cgroup and namespaces
    in the child, forks again (a pid namespace takes effect for children only) and execs
    CMD there, without a PATH search.  A child that does not exit 0 fails the command.
    """
    import libvirt_lxc

    dom = ctx.lookup.domain(domain)
    fds = libvirt_lxc.lxcOpenNamespace(dom, 0)
    label: tuple[str, str] | None = None
    if not noseclabel:
        model = ctx.conn.getSecurityModel()[0]
        label = (model, dom.securityLabel()[0])
    ctx.out.flush()
    ctx.out.err.flush()
    pid = os.fork()
    if pid == 0:
        os._exit(_enter_and_run(dom, fds, label, cmd))
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    _, status = os.waitpid(pid, 0)
    if status:
        code = os.waitstatus_to_exitcode(status)
        what = f"fatal signal {-code}" if code < 0 else f"exit status {code}"
        raise VshError(msg("internal error: %s", f"Child process ({pid}) unexpected {what}"))


def _enter_and_run(dom: Any, fds: list[int], label: tuple[str, str] | None, argv: list[str]) -> int:
    """The first child of lxc-enter-namespace; returns its exit status (125: could not enter)."""
    import ctypes

    import libvirt_lxc

    try:
        if label is not None:
            _enter_label(*label)
        libvirt_lxc.lxcEnterCGroup(dom, 0)
        libc = ctypes.CDLL(None, use_errno=True)
        for fd in fds:
            if libc.setns(fd, 0) != 0:
                err = ctypes.get_errno()
                os.write(2, f"error: Unable to join domain namespace: {os.strerror(err)}\n".encode())
                return 125
    except Exception as err:  # noqa: BLE001 - a child must exit, never return into vsh
        msg = err.get_error_message() if hasattr(err, "get_error_message") else str(err)
        os.write(2, f"error: {msg}\n".encode())
        return 125
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        except OSError as err:
            import errno

            os._exit(127 if err.errno == errno.ENOENT else 126)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        import signal

        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


def _enter_label(model: str, label: str) -> None:
    """virDomainLxcEnterSecurityLabel: the label CMD is executed with."""
    if model == "selinux":
        with open("/proc/self/attr/exec", "w") as fh:
            fh.write(label)
    elif model == "apparmor":
        with open("/proc/self/attr/current", "w") as fh:
            fh.write(f"changeprofile {label}")
    elif model != "none":
        raise VshError(msg("Security model %s cannot be entered", model))
