"""Private libvirtd daemons for the daemon and qemu test tiers, each in its own folder, stopped by PID."""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import NoReturn

import pytest

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
# sun_path holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH = 107
QEMU_ACCOUNT = "libvirt-qemu"


class DaemonError(RuntimeError):
    """A daemon failed to start or to answer; the message carries the end of its log."""


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test locally, but fail it in CI, where every tier must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this tier must not be skipped)", pytrace=False)
    pytest.skip(reason)


def missing_requirements(*, qemu: bool = False) -> list[str]:
    """Why a daemon of this kind cannot run on this machine; empty when it can."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (libvirtd must run privileged)")
    tools = ["libvirtd"] + (["unshare", "mount", "qemu-system-x86_64"] if qemu else [])
    missing += [tool for tool in tools if find_tool(tool) is None]
    return missing


def find_tool(name: str) -> str | None:
    """Locate a program, also in the sbin folders that a non-login PATH may leave out."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_and_wait(pid: int) -> None:
    """SIGTERM a process that is not our child, SIGKILL it if it lingers, and wait until it is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, 5.0):
            return


class Libvirtd:
    """A libvirtd serving the test driver on loopback TCP and on a Unix socket in its own folder.

    `LIBVIRT_DRIVER_DIR` points at an empty folder so that no stateful driver (qemu, network, storage, ...)
    loads: each of them takes a machine-wide pid-file lock under /run/libvirt/<driver>/, which would make a
    second root daemon exit with "Failed to acquire pid file". The test driver is built into libvirt itself.
    Several of these daemons can run at once. The daemon is our child process and is stopped by its PID.
    """

    def __init__(self, workdir: Path, *, port: int | None = None, extra_config: str = "") -> None:
        self.workdir = Path(workdir)
        self.port = port if port is not None else free_port()
        self.extra_config = extra_config
        self.sock_dir = self.workdir / "sock"
        self.conf_path = self.workdir / "libvirtd.conf"
        self.log_path = self.workdir / "libvirtd.log"
        self.output_path = self.workdir / "libvirtd.out"
        self.pid_file = self.workdir / "libvirtd.pid"
        self._proc: subprocess.Popen[bytes] | None = None
        self._port_chosen = port is not None
        self._ever_started = False

    @property
    def tcp_uri(self) -> str:
        return f"test+tcp://{LOOPBACK}:{self.port}/default"

    @property
    def unix_uri(self) -> str:
        return f"test+unix:///default?socket={self.sock_dir}/libvirt-sock"

    @property
    def pid(self) -> int | None:
        """PID of the running daemon, None when it is stopped."""
        return self._proc.pid if self.running and self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def config_text(self) -> str:
        """The libvirtd.conf of this daemon: TCP without auth on loopback only, warnings logged to a file."""
        lines = [
            "listen_tls = 0",
            "listen_tcp = 1",
            f'listen_addr = "{LOOPBACK}"',
            f'tcp_port = "{self.port}"',
            'auth_tcp = "none"',
            'auth_unix_rw = "none"',
            'auth_unix_ro = "none"',
            f'unix_sock_dir = "{self.sock_dir}"',
            f'log_outputs = "3:file:{self.log_path}"',
            self.extra_config,
        ]
        return "\n".join(lines) + "\n"

    def command(self) -> list[str]:
        libvirtd = find_tool("libvirtd") or "libvirtd"
        return [libvirtd, "--listen", "-f", str(self.conf_path), "--pid-file", str(self.pid_file)]

    def environment(self) -> dict[str, str]:
        drivers = self.workdir / "no-drivers"
        drivers.mkdir(exist_ok=True)
        return {**os.environ, "LIBVIRT_DRIVER_DIR": str(drivers)}

    def prepare(self) -> None:
        """Create the folders and write the configuration; called before every start."""
        self.sock_dir.mkdir(parents=True, exist_ok=True)
        longest = self.sock_dir / "libvirt-admin-sock"
        if len(str(longest)) > MAX_SOCKET_PATH:
            raise DaemonError(f"socket path too long for AF_UNIX: {longest}")
        self.conf_path.write_text(self.config_text())

    def start(self) -> None:
        """Start the daemon (again, on the same port and socket) and wait until it accepts connections.

        On the very first start a port taken between choosing and binding it is replaced by another one.
        """
        if self.running:
            return
        for _attempt in range(3):
            try:
                self._launch()
                break
            except DaemonError as err:
                if self._ever_started or self._port_chosen or "Address already in use" not in str(err):
                    raise
                self.port = free_port()
        self._ever_started = True

    def _launch(self) -> None:
        self.prepare()
        with open(self.output_path, "ab") as output:
            self._proc = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        socket_path = self.sock_dir / "libvirt-sock"
        while True:
            status = self._proc.poll()
            if status is not None:
                raise DaemonError(f"libvirtd exited with status {status} while starting\n{self.log_tail()}")
            if socket_path.exists() and _port_open(self.port):
                return
            if time.monotonic() > deadline:
                self.kill()
                raise DaemonError(f"libvirtd did not listen on port {self.port} within {START_TIMEOUT:.0f} s\n"
                                  f"{self.log_tail()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the daemon with SIGTERM (SIGKILL after a timeout), then sweep its process group."""
        self._terminate(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the daemon with SIGKILL, as if it crashed."""
        self._terminate(signal.SIGKILL)

    def close(self) -> None:
        """Release everything this daemon started; the session fixtures call it at teardown."""
        self.stop()

    def _terminate(self, sig: signal.Signals) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._signal_group(proc.pid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT)
        # start_new_session made the daemon a group leader: helpers it forked share its group.
        self._signal_group(proc.pid, signal.SIGKILL)

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 40) -> str:
        """The end of the daemon's log file and of its standard output, for error messages."""
        parts = []
        for path in (self.log_path, self.output_path):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path} ---\n" + "\n".join(text))
        return "\n".join(parts)

    def __enter__(self) -> Libvirtd:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def ensure_qemu_account() -> None:
    """Create the libvirt-qemu user and group: a root libvirtd resolves them at start even when qemu.conf
    says otherwise, and refuses to start the qemu driver without them."""
    try:
        grp.getgrnam(QEMU_ACCOUNT)
    except KeyError:
        subprocess.run(["groupadd", "-r", QEMU_ACCOUNT], check=True)
    try:
        pwd.getpwnam(QEMU_ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "-r", "-g", QEMU_ACCOUNT, "-M", "-d", "/var/lib/libvirt",
                        "-s", "/usr/sbin/nologin", QEMU_ACCOUNT], check=True)


# Probing QEMU fills the capability cache; doing it at start keeps the first `define` of a test fast.
_WARM_UP = """
import sys, libvirt
conn = libvirt.open(sys.argv[1])
conn.getDomainCapabilities(None, "x86_64", "pc", "qemu")
conn.close()
"""

# Destroys every running guest through the daemon, so that libvirt itself cleans up after QEMU.
_DESTROY_ALL = """
import sys, libvirt
conn = libvirt.open(sys.argv[1])
for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
    try:
        dom.destroy()
    except libvirt.libvirtError as err:
        print(err, file=sys.stderr)
conn.close()
"""


class QemuDaemon(Libvirtd):
    """A root libvirtd with every driver (qemu included), isolated from the machine's libvirt state.

    It runs in a private mount namespace in which private folders are bind-mounted over libvirt's
    machine-wide directories, so it never reads, writes or locks the machine's own /etc, /run, /var/lib,
    /var/log and /var/cache of libvirt, and several can run at once. Its qemu.conf runs QEMU as root (with
    the stock account the KVM probe fails, the capability cache is judged outdated on every lookup and each
    `define` takes ~48 s), sends QEMU's output to files (no virtlogd) and uses no AppArmor/SELinux driver
    (that one would install profiles on the machine). QEMU is started by libvirt in its own session, so it
    outlives the daemon; `close()` destroys the guests before stopping the daemon.
    """

    BIND_MOUNTS = {
        "etc": "/etc/libvirt",
        "run": "/run/libvirt",
        "lib": "/var/lib/libvirt",
        "log": "/var/log/libvirt",
        "cache": "/var/cache/libvirt",
    }

    def __init__(self, workdir: Path, *, port: int | None = None, extra_config: str = "") -> None:
        super().__init__(workdir, port=port, extra_config=extra_config)
        self.conf_path = self.private_dir("etc") / "libvirtd.conf"

    @property
    def qemu_uri(self) -> str:
        return f"qemu+tcp://{LOOPBACK}:{self.port}/system"

    @property
    def qemu_unix_uri(self) -> str:
        return f"qemu+unix:///system?socket={self.sock_dir}/libvirt-sock"

    def private_dir(self, name: str) -> Path:
        """The private folder seen by the daemon as BIND_MOUNTS[name]."""
        return self.workdir / "root" / name

    def qemu_config_text(self) -> str:
        lines = [
            'user = "root"',
            'group = "root"',
            'stdio_handler = "file"',
            'security_driver = "none"',
        ]
        return "\n".join(lines) + "\n"

    def prepare(self) -> None:
        ensure_qemu_account()
        for name, target in self.BIND_MOUNTS.items():
            Path(target).mkdir(parents=True, exist_ok=True)
            self.private_dir(name).mkdir(parents=True, exist_ok=True)
        (self.private_dir("log") / "qemu").mkdir(exist_ok=True)
        etc = self.private_dir("etc")
        (etc / "qemu.conf").write_text(self.qemu_config_text())
        super().prepare()

    def command(self) -> list[str]:
        mounts = "; ".join(f"mount --bind {shlex.quote(str(self.private_dir(name)))} {shlex.quote(target)}"
                           for name, target in self.BIND_MOUNTS.items())
        script = f"set -e; {mounts}; exec {shlex.join(super().command())}"
        unshare = find_tool("unshare") or "unshare"
        # unshare without --fork execs in place, so the PID we hold is the daemon's own.
        return [unshare, "--mount", "--propagation", "private", "sh", "-c", script]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("LIBVIRT_DRIVER_DIR", None)
        return env

    def start(self) -> None:
        was_running = self.running
        super().start()
        if not was_running:
            self._run_client(_WARM_UP, "probing QEMU capabilities", timeout=120)

    def _run_client(self, code: str, what: str, *, timeout: float) -> None:
        try:
            result = subprocess.run([sys.executable, "-c", code, self.qemu_uri], capture_output=True,
                                    text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise DaemonError(f"{what} took more than {timeout:.0f} s\n{self.log_tail()}") from None
        if result.returncode != 0:
            state = "" if self.running else " (libvirtd has exited, see its log)"
            raise DaemonError(f"{what} failed{state}: {result.stderr.strip()}\n{self.log_tail()}")

    def guest_pids(self) -> list[int]:
        """PIDs of the QEMU processes this daemon started, from the pid files in its private run folder."""
        pids = []
        for pid_file in (self.private_dir("run") / "qemu").glob("*.pid"):
            try:
                pid = int(pid_file.read_text().strip())
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (OSError, ValueError):
                continue
            if b"qemu" in cmdline.split(b"\0", 1)[0] and _pid_alive(pid):
                pids.append(pid)
        return pids

    def close(self) -> None:
        """Destroy every guest, then stop the daemon.

        Guests go through libvirt, which also removes their cgroups; a stopped daemon is started again for
        that (it reconnects to its running guests). Whatever is left is killed by PID.
        """
        try:
            try:
                if self.guest_pids() and not self.running:
                    self.start()
                if self.running:
                    self._run_client(_DESTROY_ALL, "destroying guests", timeout=60)
            except DaemonError:
                pass
            for pid in self.guest_pids():
                _kill_and_wait(pid)
        finally:
            self.stop()
