"""A fork server for vsh runs: each run starts as a copy of a Python that has already imported vsh.

A fresh `python -m vsh` spends most of a one-shot test run starting Python and importing libvirt.
The server is a separate, single-threaded process (`python forkserver.py FD`) that does that once,
then waits on a Unix socket.  For each request it forks; the child takes the caller's stdin, stdout
and stderr (passed as descriptors), working folder, environment and argv, rebuilds `sys.std*` as
Python's start-up would, and runs vsh through `runpy`, exactly as `-m vsh` does.  The child leaves
through the interpreter's own exit path (SystemExit handling, atexit, the final flush and its
status 120, an uncaught Ctrl-C ending by SIGINT), so its status is a real process's.

Only what the server did before forking is shared, so it imports modules that keep no state from
the environment or the run (no command module, no connection, no user commands).  Start-up
choices that Python or libvirt make once, from the environment, cannot follow a request's
environment: `needs_process()` names them, and the caller starts a real process instead.

Protocol (stream socket): a request is b"R", a 4-byte length and a marshal'd
(argv: list[bytes], env: dict[bytes, bytes], cwd: bytes, open: tuple[bool, bool, bool]),
the descriptors of the open streams attached to its first byte.  The server answers the child's
pid, then its exit status (negative: killed by that signal), each a signed 4-byte integer.  A byte
b"K" from the caller kills the running child (the server skips it when the child has already
ended); the end of the socket ends the server.
"""
from __future__ import annotations

import marshal
import os
import select
import socket
import struct
import sys

_INT = struct.Struct("!i")
_LEN = struct.Struct("!I")
# Modules a vsh run needs and whose import keeps no state of the environment or the run.
# libvirt-python loads as a run loads it (vsh.binding), before click brings in `typing`.
PRELOAD = ("vsh.binding", "vsh.cli", "vsh.output", "vsh.session", "vsh.grammar", "vsh.lexer", "vsh.rawbytes",
           "vsh.domstate", "vsh.commands._index", "vsh.commands.common", "runpy",
           # the Click tree (VSH_TREE=1 runs; a direct run never looks at either)
           "click", "vsh.tree")
# Read once at start-up by Python (PYTHON*) or by libvirt when it is imported (its log set-up);
# the locale of Python's start-up decides the encoding of the standard streams.
_STARTUP_PREFIXES = ("PYTHON", "LIBVIRT_DEBUG", "LIBVIRT_LOG_")


_LOCALE = ("LC_ALL", "LC_MESSAGES", "LC_NUMERIC", "LANG", "LANGUAGE")


def _ctype(env: dict[str, str]) -> str:
    for key in ("LC_ALL", "LC_CTYPE", "LANG"):
        if env.get(key):
            return env[key]
    return ""


def needs_process(env: dict[str, str], server_env: dict[str, str], server_path: list[str]) -> bool:
    """True when a run with `env` could differ in a fork of a server started with `server_env`.

    PYTHONPATH may only repeat folders the server already has on sys.path (the child then puts
    them first, as a fresh start would); a new folder could hold modules the server resolved
    elsewhere.
    """
    if _ctype(env) != _ctype(server_env):
        return True
    # vsh takes the whole locale from these at start-up, as virsh does (messages, numbers).
    if any(env.get(key) != server_env.get(key) for key in _LOCALE):
        return True
    for key in set(env) | set(server_env):
        if key.startswith(_STARTUP_PREFIXES) and env.get(key) != server_env.get(key):
            if key == "PYTHONPATH" and all(p in server_path for p in env[key].split(os.pathsep)):
                continue
            return True
    return False


# The server ----------------------------------------------------------------------------------

def _recv_request(sock: socket.socket) -> tuple[tuple, list[int]] | None:
    while True:  # a b"K" that came after its child ended is skipped
        mark, fds, _, _ = socket.recv_fds(sock, 1, 3)
        if not mark:
            return None
        if mark == b"R":
            break
        for fd in fds:
            os.close(fd)
    head = _read(sock, _LEN.size)
    body = _read(sock, _LEN.unpack(head)[0]) if head is not None else None
    if body is None:
        for fd in fds:
            os.close(fd)
        return None
    return marshal.loads(body), fds


def _read(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            return None
        data += more
    return data


def serve(sock: socket.socket) -> tuple[tuple, list[int]] | None:
    """Answer requests until the socket ends (None); in a forked child, return its request."""
    while True:
        got = _recv_request(sock)
        if got is None:
            return None
        pid = os.fork()
        if pid == 0:
            return got
        for fd in got[1]:
            os.close(fd)
        sock.sendall(_INT.pack(pid))
        pidfd = os.pidfd_open(pid)
        try:
            while True:
                ready, _, _ = select.select([sock.fileno(), pidfd], [], [])
                if pidfd in ready:
                    break
                byte = sock.recv(1)
                if not byte:
                    os.kill(pid, 9)
                    return None
                os.kill(pid, 9)
        finally:
            os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        sock.sendall(_INT.pack(os.waitstatus_to_exitcode(status)))


def _std_stream(fd: int, name: str, template: object) -> object:
    """sys.stdin/stdout/stderr for `fd` as Python's start-up makes them (None when fd is closed),
    with the encoding, errors and buffering of the server's own start-up (same environment)."""
    import io

    try:
        os.fstat(fd)
    except OSError:
        return None
    write = fd != 0
    unbuffered = bool(getattr(template, "write_through", False))
    buffering = 0 if write and unbuffered else -1
    buf = open(fd, "wb" if write else "rb", buffering, closefd=False)
    raw = buf if buffering == 0 else buf.raw  # type: ignore[attr-defined]
    raw.name = name  # type: ignore[misc]
    line_buffering = not unbuffered and (raw.isatty() or fd == 2)
    stream = io.TextIOWrapper(buf, encoding=template.encoding, errors=template.errors,  # type: ignore[attr-defined]
                              newline="\n", line_buffering=line_buffering, write_through=unbuffered)
    stream.mode = "w" if write else "r"  # type: ignore[misc]
    return stream


def become(request: tuple, fds: list[int], sock: socket.socket) -> None:
    """In the forked child: take the caller's streams, folder, environment and argv."""
    argv, env, cwd, is_open = request
    sock.close()
    given = iter(fds)
    for target, wanted in enumerate(is_open):
        if wanted:
            os.dup2(next(given), target)
        else:
            os.close(target)
    os.closerange(3, 1 << 20)
    os.chdir(cwd)
    os.environb.clear()
    os.environb.update(env)
    import time

    time.tzset()
    templates = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
    sys.stdin, sys.stdout, sys.stderr = (  # type: ignore[assignment]
        _std_stream(fd, f"<{name}>", template)
        for fd, name, template in zip((0, 1, 2), ("stdin", "stdout", "stderr"), templates))
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr  # type: ignore[misc, assignment]
    args = [os.fsdecode(arg) for arg in argv]
    sys.argv = ["-m", *args]
    sys.orig_argv = [sys.executable, "-m", "vsh", *args]
    # sys.path as `-m` starts it: the working folder, then PYTHONPATH's folders, then the rest.
    first = [os.getcwd(), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    sys.path[:] = first + [p for p in sys.path[1:] if p not in first]


def _main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOAD:
        __import__(name)
        if name == "vsh.binding":
            sys.modules[name].load()
    path = marshal.dumps(sys.path[1:])  # the caller checks PYTHONPATH against it
    sock.sendall(_LEN.pack(len(path)) + path)
    request = serve(sock)
    if request is None:
        return
    become(*request, sock)
    import builtins
    import runpy
    import types

    main = types.ModuleType("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = main
    runpy._run_module_as_main("vsh")  # type: ignore[attr-defined]  # what `python -m vsh` calls


# The client ----------------------------------------------------------------------------------

class Run:
    """One vsh run in a fork of the server: its pid, then its exit status."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server, self.pid = server, pid
        self.returncode: int | None = None
        self._held = True  # the server's lock, until the status is read (or the server is gone)

    def kill(self) -> None:
        """SIGKILL the run (done by the server, which has not reaped it yet: no stale pid)."""
        if self.returncode is None:
            self.server.sock.sendall(b"K")

    def wait(self, timeout: float | None = None) -> int:
        """The exit status, as subprocess gives it (negative: the signal that ended the run)."""
        if self.returncode is None:
            ready, _, _ = select.select([self.server.sock], [], [], timeout)
            if not ready:
                raise TimeoutError(f"vsh run {self.pid} still running")
            try:
                self.returncode = self.server.read_int()
            finally:
                if self._held:
                    self._held = False
                    self.server.lock.release()
        return self.returncode

    def ready(self) -> bool:
        """Whether the exit status has arrived (without waiting)."""
        if self.returncode is None:
            ready, _, _ = select.select([self.server.sock], [], [], 0)
            return bool(ready)
        return True


class Busy(Exception):
    """The server is running another caller's vsh: take another one (see `shared`)."""


class ForkServer:
    """The caller's end: starts the server on first use, then forks one vsh run per request.

    A server runs one vsh at a time (a lock held from spawn to the exit status); callers in
    several threads each get a server of their own from `shared`.  The server dies with the
    socket, i.e. when this process exits.
    """

    def __init__(self, env: dict[str, str]) -> None:
        import subprocess
        import threading

        self.env = dict(env)
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.proc = subprocess.Popen([sys.executable, __file__, str(theirs.fileno())], pass_fds=[theirs.fileno()],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=self.env, cwd="/")
        theirs.close()
        path = _read(self.sock, _LEN.size)
        path = _read(self.sock, _LEN.unpack(path)[0]) if path is not None else None
        if path is None:
            raise RuntimeError(f"the vsh fork server did not start (status {self.proc.wait()})")
        self.path: list[str] = marshal.loads(path)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def read_int(self) -> int:
        data = _read(self.sock, _INT.size)
        if data is None:
            raise RuntimeError(f"the vsh fork server ended (status {self.proc.poll()})")
        return _INT.unpack(data)[0]

    def needs_process(self, env: dict[str, str]) -> bool:
        return needs_process(env, self.env, self.path)

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str,
              fds: tuple[int | None, int | None, int | None]) -> Run:
        """Start `vsh ARGV` with these descriptors as its stdin, stdout, stderr (None: closed).

        The descriptors are the caller's to close; the lock is held until wait() has the status.
        Raises Busy, at once, when another thread's run holds the lock.
        """
        body = marshal.dumps(([os.fsencode(a) for a in argv],
                              {os.fsencode(k): os.fsencode(v) for k, v in env.items()},
                              os.fsencode(cwd), tuple(fd is not None for fd in fds)))
        if not self.lock.acquire(blocking=False):
            raise Busy
        try:
            socket.send_fds(self.sock, [b"R" + _LEN.pack(len(body))], [fd for fd in fds if fd is not None])
            self.sock.sendall(body)
            pid = self.read_int()
        except BaseException:
            self.lock.release()
            raise
        return Run(self, pid)

    def run(self, argv: list[str], env: dict[str, str], cwd: str, stdin: bytes | None,
            timeout: float | None, cmd: list[str] | None = None) -> tuple[bytes, bytes, int]:
        """vsh ARGV with `stdin` on a pipe (None: fd 0 closed), stdout and stderr captured.

        Like subprocess.run(capture_output=True): waits for the end of both outputs and the exit;
        on timeout, kills the run and raises subprocess.TimeoutExpired with the output so far.
        """
        import selectors
        import subprocess
        import time

        in_r, in_w = os.pipe() if stdin is not None else (None, None)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            job = self.spawn(argv, env, cwd, (in_r, out_w, err_w))
        except BaseException:
            for fd in (in_w, out_r, err_r):
                if fd is not None:
                    os.close(fd)
            raise
        finally:
            for fd in (in_r, out_w, err_w):
                if fd is not None:
                    os.close(fd)
        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        pending = memoryview(stdin or b"")
        deadline = None if timeout is None else time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(out_r, selectors.EVENT_READ)
            sel.register(err_r, selectors.EVENT_READ)
            if in_w is not None:
                if pending:
                    os.set_blocking(in_w, False)
                    sel.register(in_w, selectors.EVENT_WRITE)
                else:
                    os.close(in_w)
            try:
                while sel.get_map() or not job.ready():
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        job.kill()
                        job.wait()
                        raise subprocess.TimeoutExpired(cmd or ["vsh", *argv], timeout or 0,
                                                        output=b"".join(chunks[out_r]), stderr=b"".join(chunks[err_r]))
                    if not sel.get_map():
                        try:
                            job.wait(left)
                        except TimeoutError:
                            pass
                        continue
                    for key, _ in sel.select(left):
                        fd = key.fd
                        if fd == in_w:
                            try:
                                pending = pending[os.write(fd, pending[:65536]):]
                            except BrokenPipeError:
                                pending = pending[:0]
                            if not pending:
                                sel.unregister(fd)
                                os.close(fd)
                            continue
                        data = os.read(fd, 65536)
                        if data:
                            chunks[fd].append(data)
                        else:
                            sel.unregister(fd)
                            os.close(fd)
            finally:
                for key in list(sel.get_map().values()):
                    os.close(key.fd)
                if job.returncode is None and job._held:
                    job.kill()
                    job.wait()
        return b"".join(chunks[out_r]), b"".join(chunks[err_r]), job.wait()


_POOL: list[ForkServer] = []


def shared(env: dict[str, str]) -> ForkServer:
    """An idle fork server of this process, started with `env` when none is idle (or all died).

    Concurrent callers (a thread pool of runs) get a server each, so runs that wait on each other
    never wait for a lock; a caller that loses a race for one gets Busy from spawn and asks again.
    """
    global _POOL
    if any(server.owner != os.getpid() for server in _POOL):
        _POOL = []  # a forked test process starts its own
    _POOL = [server for server in _POOL if server.alive()]
    for server in _POOL:
        if not server.lock.locked():
            return server
    server = ForkServer(env)
    _POOL.append(server)
    return server


if __name__ == "__main__":
    _main()
