"""The connection to a hypervisor: URI precedence, auth, keepalive, event loop, reconnect.

virsh's rules: `-c` wins, then VIRSH_DEFAULT_CONNECT_URI, then libvirt's own choice
(LIBVIRT_DEFAULT_URI, `uri_default` and `uri_aliases` in libvirt.conf), which libvirt
applies itself when given no URI.  A named URI is opened at start-up; the default one
lazily, so that `help` or `connect` never need it.  When the daemon goes away, the
close callback reports it (or a failed command's libvirt error shows it) and the next
command reconnects, with virsh's messages.  One deliberate difference: an open that gets
no answer gives up after the keepalive bound instead of blocking forever.
"""
from __future__ import annotations

import _thread
import os
import sys
import time

from vsh.errors import VshError
from vsh.i18n import _, msg, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_loop_started = False
_loop_lock = _thread.allocate_lock()
# A connection being opened ahead of need (open_early): (uri, readonly, keepalive), done, result.
_early: tuple[tuple[Any, ...], _thread.LockType, dict[str, Any]] | None = None


def _libvirt() -> Any:
    """The libvirt module, loaded through vsh.binding when first needed (`help` never needs
    either).  A plain `import`: every command asks for libvirt (each `get()` does), and a
    `from vsh import ...` would look up the package's `__path__` each time."""
    import vsh.binding

    return vsh.binding.load()


def start_event_loop() -> None:
    """libvirt's default event loop on a daemon thread: keepalive, close callbacks, events.

    It must be registered before the first connection is opened, as in virsh.  A bare `_thread`
    thread, which ends with the process as a daemon thread would: `threading` (with `functools`
    and `collections` behind it) is a tenth of a one-shot command's start-up.  (This module's
    threads are all bare, and import nothing: `threading` takes the thread that first imports it
    for the main thread, which the console and the editor ask it about.)
    """
    global _loop_started
    with _loop_lock:
        if _loop_started:
            return
        libvirt = _libvirt()
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:  # the loop must outlive a bad callback
                    pass

        _thread.start_new_thread(run, ())
        _loop_started = True


def silence_libvirt() -> None:
    """libvirt-python prints every error to stderr by default; vsh reports them itself."""
    _libvirt().registerErrorHandler(lambda _ctx, _err: None, None)


def prepare_libvirt() -> None:
    """libvirt-python as vsh uses it: quiet (vsh reports errors itself), its errors kept from the
    garbage collector (vsh.binding) and carrying raw bytes (vsh.rawbytes).  Once per process,
    before the first libvirt object exists."""
    global _prepared
    with _prepare_lock:
        if _prepared:
            return
        silence_libvirt()
        from vsh import binding, rawbytes

        binding.keep_errors()
        rawbytes.install()
        _prepared = True


_prepared = False
_prepare_lock = _thread.allocate_lock()


def _connect_hint(uri: str | None, in_shell: bool = False) -> str:
    """What to try after a failed open (shown on a terminal only), in the words that work there:
    `connect URI` inside the REPL, `-c URI` on a command line."""
    if uri is None and not os.environ.get("LIBVIRT_DEFAULT_URI"):
        how = "connect" if in_shell else "-c"
        return (f"no URI was given and libvirt's default is not reachable: name one with {how} URI "
                f"(e.g. {how} test:///default, {how} qemu:///system), set LIBVIRT_DEFAULT_URI, "
                "or set uri in ~/.config/vsh/config.toml")
    return "check that the URI is right and, for a remote or qemu:/// URI, that libvirtd is running there"


def default_uri(cli_uri: str | None) -> str | None:
    """The URI to open; None lets libvirt apply LIBVIRT_DEFAULT_URI and libvirt.conf."""
    if cli_uri:
        return cli_uri
    return os.environ.get("VIRSH_DEFAULT_CONNECT_URI") or None


# How many authentication prompts wait for the user (the bounded open does not time them).
_prompting = 0
# Connections opened at once (--hosts) ask on the one terminal one after another.
_prompt_lock = _thread.allocate_lock()


def _auth_callback(creds: list[list[Any]], opaque: Any) -> int:
    """Prompt on the terminal for what the server asks (user names, passwords)."""
    global _prompting
    _prompting += 1
    try:
        with _prompt_lock:
            return _ask(creds, opaque)
    finally:
        _prompting -= 1


def _ask(creds: list[list[Any]], label: Any) -> int:
    """libvirt's default callback, which virsh uses: each prompt on stdout as `PROMPT: `; names
    are read from stdin (end of input answers ""), passwords as getpass(3) reads them (from
    the controlling terminal without echo, else from stdin); an empty answer takes the default.
    `label` (a host's name when several open at once, --hosts) starts each prompt."""
    libvirt = _libvirt()
    for cred in creds:
        kind, prompt, default = cred[0], cred[1], cred[3]
        if kind not in (libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_AUTHNAME,
                        libvirt.VIR_CRED_ECHOPROMPT, libvirt.VIR_CRED_REALM):
            continue
        try:
            sys.stdout.write(f"{label}: {prompt}: " if label else f"{prompt}: ")
            sys.stdout.flush()
            if kind in (libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT):
                answer = _read_password()
            else:
                answer = sys.stdin.readline() if sys.stdin is not None else ""
                answer = answer[:-1] if answer.endswith("\n") else answer
        except (EOFError, KeyboardInterrupt, OSError, ValueError):
            return -1
        cred[4] = default if not answer and default else answer
    return 0


def _read_password() -> str:
    """getpass(3): from the controlling terminal, echo off, when there is one; else a line of stdin."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        return line[:-1] if line.endswith("\n") else line
    os.close(tty)
    import getpass

    return getpass.getpass("")


def open_early(uri: str, readonly: bool, keepalive: tuple[int, int]) -> None:
    """Start opening a URI named with -c on a thread, while start-up goes on.

    Opening a remote connection takes several round trips (authentication list, features, the
    open itself, the close callback); they overlap with importing and parsing the command.  The
    session's first open of the same URI takes the result (connection or error), so what the user
    sees is the same as opening it then.  Callers leave it alone where the open could print
    something of its own (-d, a log file, a forced keepalive).  A bare `_thread` thread, as for
    the event loop: `done` is a lock held until the open has an outcome.
    """
    global _early
    try:
        prepare_libvirt()  # here, before the thread: see vsh.binding
    except ImportError:
        return  # no libvirt-python: the run says so where it prepares libvirt itself
    helper = Connection(uri, readonly, keepalive)
    done = _thread.allocate_lock()
    done.acquire()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["conn"] = helper.connect(uri, readonly)
        except BaseException as err:  # noqa: BLE001 - handed to the session's open
            result["error"] = err
        finally:
            done.release()

    _early = ((uri, readonly, keepalive), done, result)
    _thread.start_new_thread(work, ())


def _take_early(key: tuple[Any, ...]) -> Any:
    """The connection open_early made for `key` (waiting for it), or None when there is none."""
    global _early
    if _early is None or _early[0] != key:
        return None
    _key, done, result = _early
    _early = None
    while not done.acquire(timeout=0.05):  # in slices, so that Ctrl-C is seen
        pass
    if "error" in result:
        raise result["error"]
    return result["conn"]


class Connection:
    """Owns the virConnect of a session and its reconnect state (virsh's virshReconnect)."""

    def __init__(self, uri: str | None, readonly: bool = False,
                 keepalive: tuple[int, int] = (5, 6), keepalive_forced: bool = False,
                 report: Callable[[str], None] | None = None) -> None:
        self.uri = uri
        self.readonly = readonly
        self.keepalive = keepalive
        self.keepalive_forced = keepalive_forced
        # virsh's -d debug lines (level, text); the session sets it.
        self.note: Callable[[int, str], None] = lambda _level, _text: None
        self.report = report or (lambda msg: sys.stderr.write(_("error: ") + shown(msg) + "\n"))
        self.conn: Any = None
        self.disconnected = False
        self.in_shell = False  # the REPL's: hints name `connect URI` rather than `-c URI`
        # --hosts: how long an open may take (seconds; None: the keepalive bound), and the
        # host's name in authentication prompts.
        self.open_timeout: float | None = None
        self.label = ""
        # The canonical URI of the open connection, for the close callback, which must not call
        # libvirt: it may run inside the failing call and would reset that thread's last error.
        self._canonical: str | None = None

    def open(self, uri: str | None = None, readonly: bool | None = None) -> Any:
        """Open the connection at start-up (the URI named by -c must open)."""
        return self.reconnect(uri, bool(readonly), force=True)

    def reconnect(self, name: str | None = None, readonly: bool = False, force: bool = False) -> Any:
        """virsh's reconnect: close what is open, open `name` (else the session's URI).

        Without --readonly, reconnecting to the current URI keeps its read-only state.
        A failed open leaves no connection and the session's URI unchanged, and a lost
        connection stays lost (the next command tries again).  Only a reconnect that
        replaced a connection object says "Reconnected": after a failed attempt there is
        none, so virsh (and vsh) then succeed silently.
        """
        if not readonly and name is None:
            readonly = self.readonly
        connected = self.conn is not None
        self.close()
        target = name if name is not None else self.uri
        try:
            conn = self._connect(target, readonly)
        except _OpenFailed as failed:
            text = (msg("Failed to reconnect to the hypervisor") if self.disconnected
                    else msg("failed to connect to the hypervisor"))
            raise VshError(text, cause=failed.cause, hint=_connect_hint(target, self.in_shell)) from None
        libvirt = _libvirt()
        if name is not None:
            self.uri = name
        self.readonly = readonly
        try:
            self._canonical = conn.getURI()
        except libvirt.libvirtError:
            self._canonical = name if name is not None else self.uri
        try:
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError:
            self.report(msg("Unable to register disconnect callback"))
        self.conn = conn
        if connected and not force:
            self.report(msg("Reconnected to the hypervisor"))
        self.disconnected = False
        return conn

    def open_other(self, uri: str, readonly: bool = False) -> Any:
        """A second connection (migrate's destination), opened as virsh's virshConnect opens it.

        Authentication and keepalive follow this session's settings; no close callback is
        registered and the session's own connection is left alone.  The caller closes it.
        A failure is libvirt's own `error:` line, as virsh reports it.
        """
        from vsh.errors import from_libvirt

        try:
            return self._connect(uri, readonly)
        except _OpenFailed as failed:
            raise (from_libvirt(failed.cause) if failed.cause is not None else VshError("")) from None

    def _connect(self, uri: str | None, readonly: bool) -> Any:
        early = _take_early((uri, readonly, self.keepalive))
        return early if early is not None else self.connect(uri, readonly)

    def connect(self, uri: str | None, readonly: bool) -> Any:
        """virsh's virshConnect: open with auth, then keepalive (which -k/-K make mandatory)."""
        prepare_libvirt()
        libvirt = _libvirt()
        start_event_loop()
        conn = self._open_bounded(uri, readonly)
        interval, count = self.keepalive
        if interval > 0:
            # virsh treats 1 (the server does not support keepalive) as a failure too.
            try:
                ok = conn.setKeepAlive(interval, count) == 0
                cause = None
            except libvirt.libvirtError as err:
                ok, cause = False, err
            if not ok and self.keepalive_forced:
                self.report(msg("Cannot setup keepalive on connection as requested, disconnecting"))
                _close_quietly(conn)
                raise _OpenFailed(cause)
            if not ok:
                self.note(1, _("Failed to setup keepalive on connection\n").rstrip("\n"))
        return conn

    def _open_bounded(self, uri: str | None, readonly: bool) -> Any:
        """virConnectOpenAuth, given up after the keepalive bound.

        Opening a remote URI makes RPC calls before keepalive can run, so a daemon that
        accepts the socket but never answers (stopped, hung) would block virsh forever.
        vsh waits at most interval * (count + 1) seconds, as long as keepalive would take
        to declare the open connection dead; `-k 0` waits without a bound, as virsh does.
        """
        libvirt = _libvirt()
        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT, libvirt.VIR_CRED_REALM,
                 libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_EXTERNAL],
                _auth_callback, self.label]
        flags = libvirt.VIR_CONNECT_RO if readonly else 0
        interval, count = self.keepalive
        if self.open_timeout is None and (interval <= 0 or not _bounded(uri)):
            try:
                return libvirt.openAuth(uri, auth, flags)
            except libvirt.libvirtError as err:
                raise _OpenFailed(err) from None
        bound = interval * (count + 1) if self.open_timeout is None else self.open_timeout
        result: dict[str, Any] = {}
        done = _thread.allocate_lock()  # held until the open has an outcome
        done.acquire()
        lock = _thread.allocate_lock()

        def worker() -> None:
            try:
                value: Any = libvirt.openAuth(uri, auth, flags)
                key = "conn"
            except BaseException as err:  # noqa: BLE001 - handed to the waiting thread
                value, key = err, "error"
            with lock:
                if result.get("abandoned"):
                    if key == "conn":
                        _close_quietly(value)
                    return
                result[key] = value
            done.release()

        tty = _terminal_state()
        _thread.start_new_thread(worker, ())
        deadline = time.monotonic() + bound
        try:
            while not done.acquire(timeout=0.05):
                if _prompting:
                    # Time spent answering an authentication prompt does not count.
                    deadline = time.monotonic() + bound
                elif time.monotonic() > deadline:
                    break
        finally:
            with lock:
                finished = "conn" in result or "error" in result
                if not finished:
                    result["abandoned"] = True
            if not finished and tty is not None:
                # A password prompt left behind (Ctrl-C) must not leave the terminal without echo.
                _restore_terminal(tty)
        if not finished:
            if self.open_timeout is not None:
                raise _OpenFailed(None, f"no answer within {bound:g} seconds (--host-timeout)")
            raise _OpenFailed(None, f"no answer from the hypervisor within {bound} seconds "
                                    f"(keepalive interval {interval} s, count {count})")
        if "error" in result:
            failure = result["error"]
            if isinstance(failure, libvirt.libvirtError):
                raise _OpenFailed(failure)
            raise failure
        return result["conn"]

    def _on_close(self, conn: Any, reason: int, _opaque: Any) -> None:
        """virsh's virshCatchDisconnect: say why, and reconnect before the next command."""
        libvirt = _libvirt()
        if reason == libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT:
            return
        texts = {
            libvirt.VIR_CONNECT_CLOSE_REASON_ERROR: "Disconnected from {} due to I/O error",
            libvirt.VIR_CONNECT_CLOSE_REASON_EOF: "Disconnected from {} due to end of file",
            libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: "Disconnected from {} due to keepalive timeout",
        }
        uri = self._canonical or "(null)"
        # Flag first: the main thread may run the next command as soon as the line is out
        # (virsh flags it after printing, so a command read in between says "no valid connection").
        self.disconnected = True
        try:
            self.report(texts.get(reason, "Disconnected from {} due to unknown reason").format(uri))
        except (OSError, ValueError):  # stderr closed or gone: nothing to tell, no traceback
            pass

    def get(self) -> Any:
        """The live connection, reconnecting first when there is none or it was lost."""
        if self.conn is None or self.disconnected:
            self.reconnect()
        # virsh's virshConnectionUsability.
        try:
            alive = self.conn.isAlive()
        except _libvirt().libvirtError:  # (looked up only when isAlive raised)
            alive = -1
        if alive == 0:
            raise VshError(msg("no valid connection"))
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            libvirt = _libvirt()
            try:
                self.conn.unregisterCloseCallback()
            except libvirt.libvirtError:
                pass
            _close_quietly(self.conn)
            self.conn = None


class _OpenFailed(Exception):
    """An open that failed: libvirt's error (or our own text) is the second `error:` line."""

    def __init__(self, cause: BaseException | None, text: str = "") -> None:
        super().__init__(text)
        self.cause = cause if cause is not None else (Exception(text) if text else None)


def _bounded(uri: str | None) -> bool:
    """Whether to bound the wait for an open of `uri` (None: libvirt's default URI).

    Not for the in-process test driver, nor where a program of its own may ask the user
    something on the terminal (ssh, ext transports) or for an alias (its target is unknown).
    """
    text = uri if uri is not None else os.environ.get("LIBVIRT_DEFAULT_URI", "")
    if not text:
        return True
    scheme, sep, _rest = text.partition(":")
    if not sep or scheme == "test":
        return False
    return scheme.partition("+")[2] in ("", "unix", "tcp", "tls")


def own_prompts(uri: str) -> bool:
    """Whether opening `uri` runs a program that may ask on the terminal itself (ssh, ext)."""
    scheme, sep, _rest = uri.partition(":")
    return bool(sep) and scheme.partition("+")[2] in ("ssh", "libssh", "libssh2", "ext")


def _terminal_state() -> tuple[int, Any] | None:
    try:
        import termios

        fd = sys.stdin.fileno()
        return (fd, termios.tcgetattr(fd)) if os.isatty(fd) else None
    except (ImportError, OSError, ValueError, AttributeError):
        return None


def _restore_terminal(state: tuple[int, Any]) -> None:
    try:
        import termios

        termios.tcsetattr(state[0], termios.TCSADRAIN, state[1])
    except (ImportError, OSError, ValueError):
        pass


def _close_quietly(conn: Any) -> None:
    libvirt = _libvirt()
    try:
        conn.close()
    except libvirt.libvirtError:
        pass
