"""A remote host as admins meet it: a generated test-driver host behind a link with latency.

`host_xml` writes a node XML for libvirt's test driver with many domains, one pool of many
volumes and one domain with a tree of snapshots; a private libvirtd (tests.support.libvirtd)
serves it as `test+tcp://HOST:PORT/PATH/TO/node.xml`.  `DelayProxy` is a userspace TCP proxy
that holds every chunk of data for a fixed delay in each direction (this kernel has no netem),
and counts the RPC calls the client makes, so that round trips can be compared without timing.
"""
from __future__ import annotations

import queue
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Callable

LOOPBACK = "127.0.0.1"
# libvirt's RPC: a message starts with its length (4 bytes, itself included), then the header:
# program, version, procedure, type, serial, status.  Type 0 is a call; keepalive has its own program.
_KEEPALIVE_PROGRAM = 0x6B656570
_CALL = 0
#: REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS in libvirt's remote protocol.
LIST_ALL_DOMAINS = 273


def domain_name(i: int) -> str:
    return f"vm-{i:05d}"


def host_xml(path: Path, domains: int = 100, volumes: int = 100, snapshots: int = 30) -> Path:
    """Write a test-driver node XML: `domains` domains (every third shut off, a few paused, some with
    titles), pool `bench` with `volumes` volumes, and `snapshots` snapshots of vm-00001 in a tree."""
    ns = "http://libvirt.org/schemas/domain/test/1.0"
    parts = ["<node>\n"]
    for i in range(1, domains + 1):
        name = domain_name(i)
        state = 5 if i % 3 == 0 else (3 if i % 17 == 0 else 1)
        title = f"<title>Guest {i}</title>" if i % 4 == 0 else ""
        snaps = ""
        if i == 1:
            snaps = "".join(_snapshot(name, i, s) for s in range(1, snapshots + 1))
        parts.append(
            f"  <domain type='test' xmlns:test='{ns}'><name>{name}</name>"
            f"<uuid>{i:08x}-0000-4000-8000-{i:012x}</uuid>{title}"
            f"<memory>{262144 + i}</memory><vcpu>{1 + i % 4}</vcpu><os><type>hvm</type></os>"
            f"<devices><disk type='file' device='disk'><source file='/images/{name}.img'/>"
            f"<target dev='vda' bus='virtio'/></disk>"
            f"<interface type='network'><mac address='52:54:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}'/>"
            f"<source network='default'/><model type='virtio'/></interface></devices>"
            f"<test:runstate>{state}</test:runstate>{snaps}</domain>\n")
    parts.append("  <pool type='dir'><name>bench</name><uuid>0000b000-0000-4000-8000-000000000001</uuid>"
                 "<target><path>/bench</path></target>\n")
    for v in range(1, volumes + 1):
        parts.append(f"    <volume type='file'><name>disk-{v:04d}.img</name>"
                     f"<capacity>{v * 1048576}</capacity><allocation>{v * 4096}</allocation></volume>\n")
    parts.append("  </pool>\n</node>\n")
    path.write_text("".join(parts))
    return path


def _snapshot(domain: str, i: int, s: int) -> str:
    # A tree: every snapshot's parent is snapshot s // 2 (snap-1 is the root).
    parent = f"<parent><name>snap-{s // 2}</name></parent>" if s > 1 else ""
    return (f"<test:domainsnapshot><name>snap-{s}</name><state>running</state>"
            f"<creationTime>{1000 + s}</creationTime>{parent}"
            f"<domain type='test'><name>{domain}</name><uuid>{i:08x}-0000-4000-8000-{i:012x}</uuid>"
            f"<memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
            f"<active>0</active></test:domainsnapshot>")


class DelayProxy:
    """Listens on loopback and forwards each connection to `target`, `delay` seconds late each way."""

    def __init__(self, target: tuple[str, int], delay: float = 0.010) -> None:
        self.target = target
        self.delay = delay
        self.calls: list[int] = []
        self.fired = 0
        self._hook: tuple[int, Callable[[], None]] | None = None
        self._hook_armed = False
        self._lock = threading.Lock()
        self._server = socket.create_server((LOOPBACK, 0))
        self.port = int(self._server.getsockname()[1])
        self._closed = False
        threading.Thread(target=self._accept, name="delay-proxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._pipe(client, upstream, count=True)
            self._pipe(upstream, client, count=False)

    def _pipe(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        held: queue.Queue[tuple[float, bytes]] = queue.Queue()
        frames = _FrameCounter(self) if count else None

        def read() -> None:
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                if data and frames is not None:
                    frames.feed(data)  # may run the hook before these bytes go on
                held.put((time.monotonic() + self.delay, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = held.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if not data:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
                except OSError:
                    src.close()
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()

    def uri(self, path: str) -> str:
        """A test+tcp URI through this proxy; `path` is the daemon-side node XML (or "/default")."""
        return f"test+tcp://{LOOPBACK}:{self.port}{path}"

    def after(self, procedure: int, action: Callable[[], None]) -> None:
        """Run `action` once, before the client's first call that follows a call of `procedure`
        reaches the daemon: the world changes between two calls of one command."""
        with self._lock:
            self._hook, self._hook_armed = (procedure, action), False

    def record(self, procedure: int) -> None:
        """One call of the client, seen before it is passed on."""
        with self._lock:
            self.calls.append(procedure)
        self._seen(procedure)

    def _seen(self, procedure: int) -> None:
        with self._lock:
            hook, armed = self._hook, self._hook_armed
            if hook is not None and not armed and procedure == hook[0]:
                self._hook_armed = True
                return
            if not armed or hook is None:
                return
            self._hook = None
            self.fired += 1
        hook[1]()

    def take_calls(self) -> list[int]:
        """The procedure numbers of the RPC calls seen since the last take, in order."""
        with self._lock:
            calls, self.calls = self.calls, []
        return calls

    def close(self) -> None:
        self._server.close()


class _FrameCounter:
    """Splits a client's byte stream into libvirt RPC messages and records each call's procedure."""

    def __init__(self, proxy: DelayProxy) -> None:
        self.proxy = proxy
        self.buf = b""

    def feed(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= 4:
            (length,) = struct.unpack(">I", self.buf[:4])
            if length < 28 or len(self.buf) < length:
                if length < 28:  # not libvirt's framing (e.g. a TLS or SASL layer): stop counting
                    self.buf = b""
                return
            program, _version, procedure, kind = struct.unpack(">IIiI", self.buf[4:20])
            self.buf = self.buf[length:]
            if kind == _CALL and program != _KEEPALIVE_PROGRAM:
                self.proxy.record(procedure)


class ProxyProcess:
    """A DelayProxy in a process of its own, for benchmarks that put many hosts behind proxies
    at once: proxies sharing one interpreter share its lock, and fifty of them forwarding at
    the same moment add their waits for it to every link's delay."""

    def __init__(self, target: tuple[str, int], delay: float = 0.010) -> None:
        import subprocess
        import sys

        root = str(Path(__file__).resolve().parent.parent.parent)
        self._proc = subprocess.Popen([sys.executable, "-m", "tests.support.remotehost", target[0], str(target[1]),
                                       str(delay)], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())

    def uri(self, path: str) -> str:
        """A test+tcp URI through this proxy; `path` is the daemon-side node XML (or "/default")."""
        return f"test+tcp://{LOOPBACK}:{self.port}{path}"

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait()


if __name__ == "__main__":
    # python -m tests.support.remotehost HOST PORT DELAY: print the proxy's port, serve until
    # stdin closes or the process is terminated (ProxyProcess).
    import sys

    proxy = DelayProxy((sys.argv[1], int(sys.argv[2])), float(sys.argv[3]))
    print(proxy.port, flush=True)
    sys.stdin.read()
    proxy.close()
