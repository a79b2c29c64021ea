"""The connection to a hypervisor: URI precedence, auth, keepalive, event loop, reconnect.

virsh's rules: `-c` wins, then VIRSH_DEFAULT_CONNECT_URI, then libvirt's own choice
(LIBVIRT_DEFAULT_URI, `uri_default` and `uri_aliases` in libvirt.conf), which libvirt
applies itself when given no URI.  A named URI is opened at start-up; the default one
lazily, so that `help` or `connect` never need it.  When the daemon goes away, the
close callback reports it and the next command reconnects.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any, Callable

from vsh.errors import VshError

_loop_started = False
_loop_lock = threading.Lock()


def _libvirt() -> Any:
    import libvirt

    return libvirt


def start_event_loop() -> None:
    """libvirt's default event loop on a daemon thread: keepalive, close callbacks, events.

    It must be registered before the first connection is opened, as in virsh.
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

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _loop_started = True


def silence_libvirt() -> None:
    """libvirt-python prints every error to stderr by default; vsh reports them itself."""
    _libvirt().registerErrorHandler(lambda _ctx, _err: None, None)


def default_uri(cli_uri: str | None) -> str | None:
    """The URI to open; None lets libvirt apply LIBVIRT_DEFAULT_URI and libvirt.conf."""
    if cli_uri:
        return cli_uri
    return os.environ.get("VIRSH_DEFAULT_CONNECT_URI") or None


def _auth_callback(creds: list[list[Any]], _opaque: Any) -> int:
    """Prompt on the terminal for what the server asks (user names, passwords)."""
    libvirt = _libvirt()
    for cred in creds:
        kind, prompt, default = cred[0], cred[1], cred[3]
        text = f"{prompt}: " if not default else f"{prompt} [{default}]: "
        try:
            if kind in (libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT):
                if not sys.stdin.isatty():
                    return -1
                import getpass

                answer = getpass.getpass(text)
            elif kind in (libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT, libvirt.VIR_CRED_REALM):
                if not sys.stdin.isatty():
                    if default:
                        cred[4] = default
                        continue
                    return -1
                sys.stderr.write(text)
                sys.stderr.flush()
                answer = sys.stdin.readline().rstrip("\n")
            else:
                continue
        except (EOFError, KeyboardInterrupt):
            return -1
        cred[4] = answer or default or ""
    return 0


class Connection:
    """Owns the virConnect of a session and its reconnect state."""

    def __init__(self, uri: str | None, readonly: bool = False,
                 keepalive: tuple[int, int] = (5, 6), keepalive_forced: bool = False,
                 report: Callable[[str], None] | None = None) -> None:
        self.uri = uri
        self.readonly = readonly
        self.keepalive = keepalive
        self.keepalive_forced = keepalive_forced
        self.report = report or (lambda msg: sys.stderr.write(f"error: {msg}\n"))
        self.conn: Any = None
        self.disconnected = False

    def open(self, uri: str | None = None, readonly: bool | None = None) -> Any:
        """Open the connection at start-up (the URI named by -c must open)."""
        return self.reconnect(uri, bool(readonly), force=True)

    def reconnect(self, name: str | None = None, readonly: bool = False, force: bool = False) -> Any:
        """virsh's reconnect: close what is open, open `name` (else the session's URI).

        Without --readonly, reconnecting to the current URI keeps its read-only state.
        A failed open leaves no connection and the session's URI unchanged; an automatic
        reconnect (not `connect`) that replaced a lost connection says so.
        """
        libvirt = _libvirt()
        if not readonly and name is None:
            readonly = self.readonly
        connected = self.conn is not None
        self.close()
        try:
            conn = self._connect(name if name is not None else self.uri, readonly)
        except libvirt.libvirtError as err:
            text = "Failed to reconnect to the hypervisor" if self.disconnected else "failed to connect to the hypervisor"
            raise VshError(text, cause=err) from None
        if name is not None:
            self.uri = name
        self.readonly = readonly
        try:
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError:
            self.report("Unable to register disconnect callback")
        self.conn = conn
        if connected and not force:
            self.report("Reconnected to the hypervisor")
        self.disconnected = False
        return conn

    def _connect(self, uri: str | None, readonly: bool) -> Any:
        libvirt = _libvirt()
        start_event_loop()
        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT, libvirt.VIR_CRED_REALM,
                 libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_EXTERNAL],
                _auth_callback, None]
        conn = libvirt.openAuth(uri, auth, libvirt.VIR_CONNECT_RO if readonly else 0)
        interval, count = self.keepalive
        if interval > 0:
            try:
                conn.setKeepAlive(interval, count)
            except libvirt.libvirtError:
                if self.keepalive_forced:
                    try:
                        conn.close()
                    except libvirt.libvirtError:
                        pass
                    raise VshError("Cannot setup keepalive on connection as requested, disconnecting") from None
        return conn

    def _on_close(self, conn: Any, reason: int, _opaque: Any) -> None:
        libvirt = _libvirt()
        texts = {
            libvirt.VIR_CONNECT_CLOSE_REASON_ERROR: "Disconnected from {} due to I/O error",
            libvirt.VIR_CONNECT_CLOSE_REASON_EOF: "Disconnected from {} due to end of file",
            libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: "Disconnected from {} due to keepalive timeout",
        }
        if reason == libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT:
            return
        try:
            uri = conn.getURI()
        except libvirt.libvirtError:
            uri = self.uri
        self.report(texts.get(reason, "Disconnected from {} due to unknown reason").format(uri))
        self.disconnected = True

    def get(self) -> Any:
        """The live connection, reconnecting first when there is none or it was lost."""
        if self.conn is None or self.disconnected:
            self.reconnect()
        return self.conn

    def mark_lost(self) -> None:
        """Called when a command failed with an RPC or connection error."""
        self.disconnected = True

    def close(self) -> None:
        if self.conn is not None:
            libvirt = _libvirt()
            try:
                self.conn.unregisterCloseCallback()
            except libvirt.libvirtError:
                pass
            try:
                self.conn.close()
            except libvirt.libvirtError:
                pass
            self.conn = None
