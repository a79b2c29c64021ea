"""QEMU pass-through commands: qemu-monitor-command, qemu-agent-command, qemu-monitor-event.

They use libvirt-python's `libvirt_qemu` module (libvirt-qemu.so), imported inside the bodies. JSON that
virsh re-formats (`--pretty`, `--return-value`, the QMP wrapper it builds around a bare command name) is
written the way libvirt 9.0 writes it with yajl: numbers keep their original text, `/` and non-ASCII stay as
they are, and pretty output indents by two spaces, puts an empty object or array on three lines and ends
with a newline.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
qemu-monitor-event prints JSON Lines as the other event commands (vsh.eventwatch): per event
{"timestamp": str, "event": str, "object_type": "domain", "object": str,
"detail": {"seconds": int, "micros": int, "details": JSON value|null}},
then {"end": "done"|"timeout"|"interrupted", "received": int}.
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN, parse_fds, required
from vsh.errors import VshError
from vsh.eventwatch import NoEvents, Waiter
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Argv, Flag, Int, Str
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# virsh completes these commands' domains among the running ones (VIR_CONNECT_LIST_DOMAINS_ACTIVE).
_RUNNING = DOMAIN(complete="domain:active")

_NOT_JSON = object()


class RawNumber(str):
    """A JSON number kept as the text it was written with, as libvirt keeps it."""


class JsonObject(list):
    """A JSON object as its (key, value) pairs in order, duplicates kept, as libvirt's parser keeps them."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def parse_json(text: str) -> Any:
    """The value `text` holds, or `_NOT_JSON` when libvirt's parser would refuse it."""
    import json

    try:
        return json.loads(text, parse_int=RawNumber, parse_float=RawNumber, parse_constant=_reject_constant,
                          object_pairs_hook=JsonObject)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _string(text: str) -> str:
    """A JSON string as yajl escapes it: quotes, backslashes and control characters only."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ch < " ":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_text(value: Any, pretty: bool = False) -> str:
    """virJSONValueToString: compact, or yajl's beautified form (ending in a newline)."""
    parts: list[str] = []

    def emit(v: Any, depth: int) -> None:
        if isinstance(v, RawNumber):
            parts.append(str(v))
        elif isinstance(v, str):
            parts.append(_string(v))
        elif v is True or v is False:
            parts.append("true" if v else "false")
        elif v is None:
            parts.append("null")
        elif isinstance(v, JsonObject) or isinstance(v, list):
            is_obj = isinstance(v, JsonObject)
            parts.append("{" if is_obj else "[")
            if pretty:
                parts.append("\n")
            for n, item in enumerate(v):
                if n:
                    parts.append(",\n" if pretty else ",")
                if pretty:
                    parts.append("  " * (depth + 1))
                if is_obj:
                    key, item = item
                    parts.append(_string(key) + (": " if pretty else ":"))
                emit(item, depth + 1)
            if pretty:
                parts.append("\n" + "  " * depth)
            parts.append("}" if is_obj else "]")
        else:
            parts.append(str(v))

    emit(value, 0)
    if pretty:
        parts.append("\n")
    return "".join(parts)


def plain(value: Any) -> Any:
    """A parsed value as ordinary Python data for --json (numbers as int or float)."""
    if isinstance(value, RawNumber):
        try:
            return int(value)
        except ValueError:
            return float(value)
    if isinstance(value, JsonObject):
        return {k: plain(v) for k, v in value}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class ParseFailure(Exception):
    """libvirt's own line about JSON it could not parse (`internal error: cannot parse json ...`)."""

    def get_error_message(self) -> str:
        return str(self)


def yajl_error(text: str) -> str | None:
    """yajl's verbose error for `text` as libvirt's parser meets it (no comments), None when it parses
    or libyajl cannot be loaded. libvirt quotes this text, context and arrow included, in its error."""
    import ctypes
    import ctypes.util

    try:
        lib = ctypes.CDLL(ctypes.util.find_library("yajl") or "libyajl.so.2")
    except OSError:
        return None
    lib.yajl_alloc.restype = ctypes.c_void_p
    lib.yajl_alloc.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.yajl_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.yajl_complete_parse.argtypes = [ctypes.c_void_p]
    lib.yajl_get_error.restype = ctypes.c_void_p
    lib.yajl_get_error.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    lib.yajl_free_error.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.yajl_free.argtypes = [ctypes.c_void_p]
    data = text.encode("utf-8", "surrogateescape")
    handle = lib.yajl_alloc(None, None, None)
    if not handle:
        return None
    try:
        if lib.yajl_parse(handle, data, len(data)) == 0 and lib.yajl_complete_parse(handle) == 0:
            return None
        raw = lib.yajl_get_error(handle, 1, data, len(data))
        if not raw:
            return None
        try:
            return ctypes.string_at(raw).decode("utf-8", "replace")
        finally:
            lib.yajl_free_error(handle, raw)
    finally:
        lib.yajl_free(handle)


def _qmp_wrap(words: list[str]) -> str:
    """virsh's QMP wrapper: a JSON object passes through; otherwise the first word is the command name and
    the rest its arguments (one JSON object, or `"key":value` pieces joined into one)."""
    whole = " ".join(words)
    if isinstance(parse_json(whole), JsonObject):
        return whole
    name, rest = words[0], words[1:]
    command_obj = JsonObject([("execute", name)])
    if rest:
        joined = " ".join(rest)
        args = parse_json(joined)
        if not isinstance(args, JsonObject):
            braced = "{" + ",".join(rest) + "}"
            args = parse_json(braced)
            if not isinstance(args, JsonObject):
                detail = yajl_error(braced)
                cause = ParseFailure(f"internal error: cannot parse json {braced}: {detail}") if detail else None
                raise VshError(msg("failed to wrap arguments '%s' into a QMP command wrapper", joined), cause=cause)
        command_obj.append(("arguments", args))
    return json_text(command_obj)


#: The JSON Schema of a passthrough command: QEMU's reply as QEMU gives it ({"result": TEXT} when not JSON).
_REPLY: dict[str, Any] = {"description": "the reply QEMU gives, as it gives it"}


@command("qemu-monitor-command", schema=_REPLY,
         group="domain", help="QEMU Monitor Command", desc="QEMU Monitor Command",
         opts=[_RUNNING, Flag("hmp", "command is in human monitor protocol"),
               Flag("pretty", "pretty-print any qemu monitor protocol output"),
               Flag("return-value", "extract the value of the 'return' key from the returned string"),
               Str("pass-fds", "pass file descriptors N,M,... along with the command", named_only=True,
                   empty_ok=True),
               Argv("cmd", "command", required=True)],
         exclusive=[("hmp", "pretty"), ("hmp", "return-value")])
def cmd_qemu_monitor_command(ctx: Session, domain: str, hmp: bool, pretty: bool, return_value: bool,
                             pass_fds: str | None, cmd: list[str]) -> None:
    import libvirt_qemu

    dom = ctx.lookup.domain(domain)
    text = " ".join(cmd) if hmp else _qmp_wrap(cmd)
    fds = parse_fds(pass_fds)
    flags = libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP if hmp else 0
    if fds:
        result, _files = libvirt_qemu.qemuMonitorCommandWithFiles(dom, text, fds, flags)
    else:
        result = libvirt_qemu.qemuMonitorCommand(dom, text, flags)
    parsed = parse_json(result) if (return_value or pretty or ctx.out.json) and not hmp else _NOT_JSON
    if return_value and parsed is _NOT_JSON:
        raise VshError("failed to parse JSON returned by qemu")
    if parsed is _NOT_JSON or not (return_value or pretty):
        ctx.out.data({"result": result} if parsed is _NOT_JSON else plain(parsed), result + "\n")
        return
    if return_value:
        found = [v for k, v in parsed] if isinstance(parsed, JsonObject) else []
        keys = [k for k, _v in parsed] if isinstance(parsed, JsonObject) else []
        if "return" not in keys:
            raise VshError("'return' member missing")
        parsed = found[keys.index("return")]
    # virsh trims the trailing whitespace; the blank line after every command ends the output.
    ctx.out.data(plain(parsed), json_text(parsed, pretty).strip())


@command("qemu-agent-command", schema=_REPLY,
         group="domain", help="QEMU Guest Agent Command",
         desc="Run an arbitrary qemu guest agent command; use at your own risk",
         opts=[_RUNNING, Int("timeout", "timeout seconds. must be positive.", named_only=True, late=True),
               Flag("async", "execute command without waiting for timeout"),
               Flag("block", "execute command without timeout"),
               Flag("pretty", "pretty-print the output"),
               Argv("cmd", "command", required=True)])
def cmd_qemu_agent_command(ctx: Session, domain: str, timeout: str | None, pretty: bool, cmd: list[str],
                           block: bool, **rest: bool) -> None:
    import libvirt_qemu

    dom = ctx.lookup.domain(domain)
    text = " ".join(cmd)
    seconds = ctx.late("timeout", timeout)
    if seconds is not None and seconds < 1:
        raise VshError(msg("timeout must be positive"))
    wait = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT if seconds is None else seconds
    chosen = int(seconds is not None)
    if rest["async"]:
        wait, chosen = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT, chosen + 1
    if block:
        wait, chosen = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK, chosen + 1
    if chosen > 1:
        raise VshError(msg("timeout, async and block options are exclusive"))
    result = libvirt_qemu.qemuAgentCommand(dom, text, wait, 0)
    parsed = parse_json(result) if result is not None else _NOT_JSON
    shown = json_text(parsed, True) if pretty and parsed is not _NOT_JSON else (result or "")
    ctx.out.data({"result": result} if parsed is _NOT_JSON else plain(parsed), shown + "\n")


class _EventPrinter(Waiter):
    """Prints QEMU monitor events from the event-loop thread; the command thread waits on `done`."""

    def __init__(self, ctx: Session, loop: bool, pretty: bool, timestamp: bool) -> None:
        super().__init__(ctx, loop, timestamp)
        self.pretty = pretty

    def __call__(self, _conn: Any, dom: Any, event: str, seconds: int, micros: int, details: str | None,
                 _opaque: Any) -> None:
        try:
            text, obj = self._format(dom.name(), event, seconds, micros, details)
        except Exception:  # noqa: BLE001 - a bad event must not kill the loop thread
            return
        try:
            self.emit(text, obj)
        except OSError:
            # The reader went away (`vsh qemu-monitor-event --loop | head -1`): stop waiting.
            self.closed = True
            self.done.set()

    def _format(self, name: str, event: str, seconds: int, micros: int,
                details: str | None) -> tuple[str, dict[str, Any]]:
        parsed = parse_json(details) if details is not None else _NOT_JSON
        obj: dict[str, Any] = {"event": event, "domain": name, "seconds": seconds, "micros": micros,
                               "details": None if parsed is _NOT_JSON else plain(parsed)}
        shown = "<null>" if details is None else details
        if self.pretty and parsed is not _NOT_JSON:
            shown = json_text(parsed, True)
        # With --timestamp virsh prints its own time in place of QEMU's.
        when = "" if self.timestamp else f" at {seconds}.{micros:06d}"
        return f"event {event}{when} for domain '{name}': {shown}\n", obj


@command("qemu-monitor-event", group="domain", help="QEMU Monitor Events", desc="Listen for QEMU Monitor Events",
         opts=[Str("domain", "filter by domain name, id or uuid", complete="domain", empty_ok=True),
               Str("event", "filter by event name", empty_ok=True),
               Flag("pretty", "pretty-print any JSON output"),
               Flag("loop", "loop until timeout or interrupt, rather than one-shot"),
               Int("timeout", "timeout seconds", conv="puint", late=True),
               Flag("regex", "treat event as a regex rather than literal filter"),
               Flag("no-case", "treat event case-insensitively"),
               Flag("timestamp", "show timestamp for each printed event")])
def cmd_qemu_monitor_event(ctx: Session, domain: str | None, event: str | None, pretty: bool, loop: bool,
                           timeout: str | None, regex: bool, no_case: bool, timestamp: bool) -> None:
    import libvirt
    import libvirt_qemu

    flags = ctx.flags(regex=libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX,
                      no_case=libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE)
    seconds = ctx.late("timeout", timeout)
    if seconds is not None and (seconds == 0 or seconds > (2**31 - 1) // 1000):
        raise VshError(msg("Numeric value '%u' for <%s> option is malformed or out of range", seconds, "timeout"))
    required("event", event)
    dom = ctx.lookup.domain(domain) if domain is not None else None
    conn = ctx.conn
    printer = _EventPrinter(ctx, loop, pretty, timestamp)
    cb_id = libvirt_qemu.qemuMonitorEventRegister(conn, dom, event, printer, None, flags)
    failed: Exception | None = None
    try:
        how = printer.wait(seconds, lambda: bool(getattr(ctx.connection, "disconnected", False)))
    finally:
        try:
            libvirt_qemu.qemuMonitorEventDeregister(conn, cb_id)
        except libvirt.libvirtError as err:
            failed = err
    printer.finish(how)
    if failed is not None:
        raise failed
    if not printer.count:
        raise NoEvents()
