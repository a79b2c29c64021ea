"""The interactive serial console: a libvirt stream pumped to and from a raw terminal.

Like virsh, all stream and terminal I/O happens in callbacks of libvirt's event loop
(which vsh.connection runs on a thread), so the stream is only ever touched by that
thread; the calling thread just waits for the session to end and always puts the
terminal back as it found it, whatever ended the session.
"""
from __future__ import annotations

import os
import threading

from vsh.errors import VshError, from_libvirt
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CHUNK = 1024


def escape_byte(escape: str) -> int:
    """The byte that ends a session: `^X` is Ctrl-X (virsh's CONTROL(toupper(X))), else the character."""
    if escape.startswith("^") and len(escape) > 1:
        return ord(escape[1].upper()) ^ 0x40
    return ord(escape[0]) & 0xFF


def banner(name: str, escape: str) -> list[str]:
    """The two lines virsh prints before it attaches."""
    second = f"Escape character is {escape}"
    if escape.startswith("^"):
        second += f" (Ctrl + {escape[1:2]})"
    return [f"Connected to domain '{name}'", second]


class _Pump:
    """The state of one session, touched by libvirt's event-loop thread only (but for `done`)."""

    def __init__(self, stream: Any, escape: int, stdin: int, stdout: int) -> None:
        self.stream = stream
        self.escape = escape
        self.stdin = stdin
        self.stdout = stdout
        self.to_guest = b""
        self.error: Exception | None = None
        self.done = threading.Event()
        self.watch = -1
        self.closed = False

    # event-loop callbacks: they must never raise ------------------------------------
    def on_stdin(self, watch: int, fd: int, events: int, _opaque: Any) -> None:
        import libvirt

        if self.closed:
            # The session ended before its watch id was known: drop the watch, read nothing.
            libvirt.virEventRemoveHandle(watch)
            return
        try:
            if events & libvirt.VIR_EVENT_HANDLE_READABLE:
                try:
                    data = os.read(fd, _CHUNK)
                except BlockingIOError:
                    data = None
                if data == b"":
                    self.shutdown()
                    return
                if data:
                    cut = data.find(bytes([self.escape]))
                    if cut >= 0:
                        # Text typed before the escape character still reaches the guest.
                        self.to_guest += data[:cut]
                        self._send()
                        self.shutdown()
                        return
                    self.to_guest += data
                    self._send()
            if events & (libvirt.VIR_EVENT_HANDLE_ERROR | libvirt.VIR_EVENT_HANDLE_HANGUP):
                self.shutdown()
        except Exception as err:  # noqa: BLE001 - reported by the waiting thread
            self.fail(err)

    def on_stream(self, stream: Any, events: int, _opaque: Any) -> None:
        import libvirt

        try:
            if events & libvirt.VIR_STREAM_EVENT_READABLE:
                while not self.closed:
                    data = stream.recv(_CHUNK)
                    if data == -2:
                        break
                    if not data:  # end of stream: the guest went away
                        self.shutdown()
                        return
                    self._write(data)
            if events & libvirt.VIR_STREAM_EVENT_WRITABLE:
                self._send()
            if events & (libvirt.VIR_STREAM_EVENT_ERROR | libvirt.VIR_STREAM_EVENT_HANGUP):
                self.shutdown()
        except Exception as err:  # noqa: BLE001
            self.fail(err)

    def on_timeout(self, timer: int, _opaque: Any) -> None:
        import libvirt

        libvirt.virEventRemoveTimeout(timer)
        self.shutdown()

    # helpers -------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.stdout, view)
            except BlockingIOError:
                import select

                select.select([], [self.stdout], [], 1.0)
                continue
            view = view[n:]

    def _send(self) -> None:
        import libvirt

        while self.to_guest and not self.closed:
            n = self.stream.send(self.to_guest)
            if n == -2:
                break
            self.to_guest = self.to_guest[n:]
        if not self.closed:
            wanted = libvirt.VIR_STREAM_EVENT_READABLE
            if self.to_guest:
                wanted |= libvirt.VIR_STREAM_EVENT_WRITABLE
            self.stream.eventUpdateCallback(wanted)

    def fail(self, err: Exception) -> None:
        if self.error is None:
            self.error = err
        self.shutdown()

    def shutdown(self) -> None:
        """Detach from the stream and stdin, then wake the waiting thread (idempotent)."""
        import libvirt

        if self.closed:
            return
        self.closed = True
        for step in (self.stream.eventRemoveCallback, self.stream.abort):
            try:
                step()
            except libvirt.libvirtError:
                pass
        if self.watch != -1:
            libvirt.virEventRemoveHandle(self.watch)
            self.watch = -1
        self.done.set()


def run_console(ctx: Any, dom: Any, devname: str | None = None, force: bool = False,
                safe: bool = False) -> None:
    """Attach the terminal to the domain's console (`devname`, or the first one) until the
    escape character is typed, the guest goes away or the stream fails.

    The checks and messages are virsh's: a shut-off domain and a stdin that is not a
    terminal are refused before the banner; errors after it are raised once the terminal
    is back in its original mode.  Every failure is a VshError (libvirt's message as its
    one line), so callers such as `start --console` can handle them alike.
    """
    import signal
    import sys
    import termios

    import libvirt

    from vsh.connection import start_event_loop

    state = dom.state()[0]
    if state == libvirt.VIR_DOMAIN_SHUTOFF:
        raise VshError(msg("The domain is not running"))
    stdin = sys.stdin.fileno() if sys.stdin is not None else 0
    if not os.isatty(stdin):
        raise VshError(msg("Cannot run interactive console without a controlling TTY"))
    for line in banner(dom.name(), ctx.escape):
        ctx.out.extra(line)
    ctx.out.flush()
    start_event_loop()

    flags = 0
    if force:
        flags |= libvirt.VIR_DOMAIN_CONSOLE_FORCE
    if safe:
        flags |= libvirt.VIR_DOMAIN_CONSOLE_SAFE

    caught: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        # Ends the session; the signal is delivered again once the terminal is restored.
        caught.append(signum)
        raise _Interrupted()

    saved = termios.tcgetattr(stdin)
    old_handlers: dict[int, Any] = {}
    pump: _Pump | None = None
    try:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                old_handlers[sig] = signal.signal(sig, on_signal)
        termios.tcsetattr(stdin, termios.TCSAFLUSH, _raw(saved))
        try:
            stream = dom.connect().newStream(libvirt.VIR_STREAM_NONBLOCK)
            dom.openConsole(devname, stream, flags)
            pump = _Pump(stream, escape_byte(ctx.escape), stdin, sys.stdout.fileno())
            stream.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_ERROR
                                    | libvirt.VIR_STREAM_EVENT_HANGUP, pump.on_stream, None)
            pump.watch = libvirt.virEventAddHandle(stdin, libvirt.VIR_EVENT_HANDLE_READABLE,
                                                   pump.on_stdin, None)
        except libvirt.libvirtError as err:
            if pump is not None:
                pump.shutdown()
            raise from_libvirt(err) from None
        while not pump.done.wait(0.25):
            pass
    except (KeyboardInterrupt, _Interrupted):
        if pump is not None:
            # The pump belongs to the event-loop thread: ask it to stop there.
            libvirt.virEventAddTimeout(0, pump.on_timeout, None)
            pump.done.wait(2.0)
        if not caught:
            raise
    finally:
        termios.tcsetattr(stdin, termios.TCSAFLUSH, saved)
        for number, handler in old_handlers.items():
            signal.signal(number, handler)
    if caught:
        os.kill(os.getpid(), caught[0])
    if pump is not None and pump.error is not None:
        if isinstance(pump.error, libvirt.libvirtError):
            raise from_libvirt(pump.error)
        raise VshError(str(pump.error))


class _Interrupted(Exception):
    """A terminating signal arrived during a session."""


def _raw(attrs: list[Any]) -> list[Any]:
    """cfmakeraw(3), as virsh applies it to stdin."""
    import termios

    new: list[Any] = [list(a) if isinstance(a, list) else a for a in attrs]
    new[0] &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP | termios.INLCR
                | termios.IGNCR | termios.ICRNL | termios.IXON)
    new[1] &= ~termios.OPOST
    new[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    new[2] &= ~(termios.CSIZE | termios.PARENB)
    new[2] |= termios.CS8
    new[6][termios.VMIN] = 1
    new[6][termios.VTIME] = 0
    return new
