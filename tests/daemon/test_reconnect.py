"""A daemon that goes away between two commands of a session: vsh reports and reconnects as virsh does.

Commands are fed to a batch through a pipe, the daemon is stopped, killed or restarted between them,
and the error lines and data of each step are compared with those of the real virsh (whose banner and
prompts are dropped; see `Batch`).  What virsh 9.0 does, observed with these tests:

- When the daemon exits, the close callback prints at once, before any command:
  `error: Disconnected from URI due to I/O error` over TCP, `... due to end of file` over a Unix
  socket; SIGTERM and SIGKILL give the same reason.
- The next commands print `error: Failed to reconnect to the hypervisor` and libvirt's own line
  (`unable to connect to server at '127.0.0.1:PORT': Connection refused`, or
  `Failed to connect socket to 'PATH': No such file or directory` after SIGTERM, which removes the
  socket, `...: Connection refused` after SIGKILL), then the blank line.
- Once the daemon is back the next command succeeds *silently*: a failed attempt left no connection
  object, and virsh only says `Reconnected to the hypervisor` when it replaced one.
- If the daemon comes back before the next command, that command prints
  `error: Reconnected to the hypervisor` and then its output.
- A reconnect keeps the read-only state of `-r`.
- Killed while a call waits for its reply: `due to end of file` even over TCP, then the command's
  failure with `Cannot recv data: Connection reset by peer`; the next command reconnects.
- virsh's close callback prints its line before it flags the connection as lost, so a command read
  in that instant fails with `error: no valid connection`; vsh flags it first (the tests wait a
  moment after the line, for virsh).
- virsh always exits 0 from a batch; vsh exits 1 when a command failed.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence, Union

import pytest

from tests.support.libvirtd import Libvirtd, free_port, unavailable

ROOT = Path(__file__).resolve().parents[2]
VSH = [sys.executable, "-m", "vsh"]
# Generous: the longest step (a keepalive timeout) takes a few seconds.
STEP_TIMEOUT = 30.0
SETTLE = 0.3
BANNER = ("Welcome to virsh, the virtualization interactive terminal.\n\n"
          "Type:  'help' for help with commands\n       'quit' to quit\n\n")


def virsh_prog() -> list[str]:
    from util import VIRSH

    if VIRSH is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return [VIRSH]


def env() -> dict[str, str]:
    result = dict(os.environ)
    for key in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR"):
        result.pop(key, None)
    result["LC_ALL"] = "C"
    return result


class Batch:
    """virsh or vsh reading commands from a pipe, with the output of each step kept apart.

    After every step a marker is echoed to stderr and to stdout (`echo --err M`, `echo M`); waiting
    for both markers makes the steps deterministic and splits the output into one segment per
    step.  virsh's banner and its `virsh # COMMAND` prompt lines are removed, so that what is left
    is the error lines and the data, which must be identical for both programs.
    """

    def __init__(self, prog: Sequence[str], args: Sequence[str], extra_env: dict[str, str] | None = None) -> None:
        self.is_virsh = list(prog) != VSH
        self.proc = subprocess.Popen([*prog, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**env(), **(extra_env or {})},
                                     cwd=ROOT, bufsize=1)
        self.out: list[str] = []
        self.err: list[str] = []
        self.sent: list[str] = []
        self.cond = threading.Condition()
        self.marks = 0
        self.readers = [threading.Thread(target=self._read, args=(stream, acc), daemon=True)
                        for stream, acc in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    def _read(self, stream: object, acc: list[str]) -> None:
        while True:
            chunk = stream.read(1)  # type: ignore[attr-defined]
            if not chunk:
                break
            with self.cond:
                acc.append(chunk)
                self.cond.notify_all()

    def text(self, which: str) -> str:
        with self.cond:
            return "".join(self.out if which == "out" else self.err)

    def wait_for(self, which: str, needle: str, timeout: float = STEP_TIMEOUT) -> float:
        """Wait until `needle` shows on stdout or stderr; returns the seconds it took."""
        start = time.monotonic()
        deadline = start + timeout
        with self.cond:
            while needle not in "".join(self.out if which == "out" else self.err):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.cond.wait(0.2)):
                    raise AssertionError(f"{needle!r} not seen on std{which} within {timeout} s; "
                                         f"stdout={''.join(self.out)!r} stderr={''.join(self.err)!r}")
                self.cond.wait(min(left, 0.5))
        return time.monotonic() - start

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.sent.append(line)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def step(self, line: str, timeout: float = STEP_TIMEOUT) -> float:
        """Run one command line and wait until it has finished; returns its wall time."""
        self.marks += 1
        mark = f"@@MARK{self.marks}@@"
        start = time.monotonic()
        if line:
            self.send(line)
        self.send(f"echo --err {mark}")
        self.send(f"echo {mark}")
        self.wait_for("out", mark + "\n", timeout)
        self.wait_for("err", mark + "\n", timeout)
        return time.monotonic() - start

    def mark(self) -> None:
        """A marker with no command: splits off what arrived on its own (close callbacks)."""
        self.step("")

    def finish(self, timeout: float = STEP_TIMEOUT) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        for reader in self.readers:
            reader.join(5)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def segments(self, which: str) -> list[str]:
        """The output between markers, one string per step, without virsh's banner and prompts."""
        text = self.text(which)
        if self.is_virsh and which == "out":
            text = text.removeprefix(BANNER)
            # The prompt echoes each line; at the 80th column readline breaks it with a newline
            # and prints that character again.
            for line in sorted(set(self.sent), key=len, reverse=True):
                echo = "".join(re.escape(c) + "(?:\n" + re.escape(c) + ")?" for c in line)
                text = re.sub(r"(?m)^virsh [#>] " + echo + "\n", "", text)
            text = re.sub(r"virsh [#>] \n?$", "", text)
        if which == "out":
            # Each marker is preceded by the blank line that follows `echo --err`.
            parts = re.split(r"\n@@MARK\d+@@\n", text)
        else:
            parts = re.split(r"error: @@MARK\d+@@\n", text)
        return parts


Action = Union[str, Callable[[], None]]


Outcome = tuple[list[str], list[str], int]


def run_script(prog: Sequence[str], args: Sequence[str], script: Sequence[Action],
               extra_env: dict[str, str] | None = None, timings: list[float] | None = None) -> Outcome:
    """Run `script` (command lines, and callables acting on the daemon) through a batch.

    The wall time of each command line is appended to `timings`.
    """
    batch = Batch(prog, args, extra_env)
    try:
        for action in script:
            if isinstance(action, str):
                took = batch.step(action)
                if timings is not None:
                    timings.append(took)
            else:
                action()
                waits = getattr(action, "wait_err", None)
                if waits:
                    batch.wait_for("err", waits)
                    # virsh's close callback prints its line before it flags the connection as
                    # lost: a command read in between fails with "no valid connection".
                    time.sleep(SETTLE)
                batch.mark()
        rc = batch.finish()
    finally:
        batch.kill()
    return batch.segments("out"), batch.segments("err"), rc


def both(daemon: Libvirtd, args: Sequence[str], script: Callable[[Libvirtd], Sequence[Action]],
         extra_env: dict[str, str] | None = None,
         timings: tuple[list[float], list[float]] | None = None) -> tuple[Outcome, Outcome]:
    """The same script through virsh then vsh; the daemon is (re)started before each."""
    results = []
    for index, prog in enumerate((virsh_prog(), VSH)):
        if not daemon.running:
            daemon.start()
        results.append(run_script(prog, args, script(daemon), extra_env, timings[index] if timings else None))
    return results[0], results[1]


def side_by_side(daemons: tuple[Libvirtd, Libvirtd], args: Callable[[Libvirtd], Sequence[str]],
                 script: Callable[[Libvirtd], Sequence[Action]],
                 timings: tuple[list[float], list[float]] | None = None) -> tuple[Outcome, Outcome]:
    """virsh and vsh at the same time, each with a daemon of its own (for scripts that wait).

    What names a daemon (its port and folder) is replaced by PORT and DIR in the outputs.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(index: int) -> Outcome:
        daemon = daemons[index]
        prog = virsh_prog() if index == 0 else VSH
        out, err, rc = run_script(prog, args(daemon), script(daemon), None, timings[index] if timings else None)

        def fix(text: str) -> str:
            return text.replace(f":{daemon.port}/", ":PORT/").replace(str(daemon.workdir), "DIR")

        return [fix(t) for t in out], [fix(t) for t in err], rc

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(one, (0, 1))
    return first, second


def stop_action(daemon: Libvirtd, how: str, reason: str) -> Callable[[], None]:
    def act() -> None:
        daemon.stop() if how == "stop" else daemon.kill()

    act.wait_err = f"due to {reason}\n"  # type: ignore[attr-defined]
    return act


def bounce_action(daemon: Libvirtd, how: str, reason: str) -> Callable[[], None]:
    def act() -> None:
        daemon.stop() if how == "stop" else daemon.kill()
        daemon.start()

    act.wait_err = f"due to {reason}\n"  # type: ignore[attr-defined]
    return act


def start_action(daemon: Libvirtd) -> Callable[[], None]:
    return daemon.start


TRANSPORTS = [("tcp_uri", "I/O error"), ("unix_uri", "end of file")]


def refused(daemon: Libvirtd, transport: str, how: str) -> str:
    """libvirt's line for a daemon that is gone; a stopped daemon removed its socket, a killed one not."""
    if transport == "tcp_uri":
        return f"error: unable to connect to server at '127.0.0.1:{daemon.port}': Connection refused\n"
    why = "No such file or directory" if how == "stop" else "Connection refused"
    return f"error: Failed to connect socket to '{daemon.sock_dir}/libvirt-sock': {why}\n"


@pytest.mark.parametrize("how", ["stop", "kill"])
@pytest.mark.parametrize("transport,reason", TRANSPORTS)
def test_daemon_gone_then_back(fresh_libvirtd: Libvirtd, transport: str, reason: str, how: str) -> None:
    """Stopped (SIGTERM) or killed: disconnected, failed reconnects, silent success once back."""
    daemon = fresh_libvirtd
    uri = getattr(daemon, transport)

    def script(d: Libvirtd) -> list[Action]:
        return ["hostname", stop_action(d, how, reason), "hostname", "uri; hostname", start_action(d),
                "uri", "hostname"]

    expected, got = both(daemon, ["-c", uri], script)
    assert got[0] == expected[0], "stdout differs"
    assert got[1] == expected[1], "stderr differs"
    host = os.uname().nodename
    fail = "error: Failed to reconnect to the hypervisor\n" + refused(daemon, transport, how)
    assert got[1] == ["", f"error: Disconnected from {uri} due to {reason}\n", fail, fail + fail, "", "", "", ""]
    assert got[0] == [f"{host}\n\n", "", "\n", "\n\n", "", f"{uri}\n\n", f"{host}\n\n", ""]
    # virsh always exits 0 from a batch; vsh exits 1 because commands failed.
    assert (expected[2], got[2]) == (0, 1)


@pytest.mark.parametrize("how", ["stop", "kill"])
@pytest.mark.parametrize("transport,reason", TRANSPORTS)
def test_daemon_back_before_next_command(fresh_libvirtd: Libvirtd, transport: str, reason: str,
                                         how: str) -> None:
    """Restarted between two commands: the next one says it reconnected, then succeeds."""
    daemon = fresh_libvirtd
    uri = getattr(daemon, transport)

    def script(d: Libvirtd) -> list[Action]:
        return ["uri", bounce_action(d, how, reason), "uri", "uri"]

    expected, got = both(daemon, ["-c", uri], script)
    assert got == expected[:2] + (0,)
    assert got[1] == ["", f"error: Disconnected from {uri} due to {reason}\n",
                      "error: Reconnected to the hypervisor\n", "", ""]
    assert got[0] == [f"{uri}\n\n", "", f"{uri}\n\n", f"{uri}\n\n", ""]


def test_reconnect_keeps_read_only(fresh_libvirtd: Libvirtd) -> None:
    """`-r`: the automatic reconnect opens read-only again, so writes still fail."""
    daemon = fresh_libvirtd
    uri = daemon.tcp_uri

    def script(d: Libvirtd) -> list[Action]:
        return ["net-destroy default", bounce_action(d, "stop", "I/O error"), "net-destroy default", "net-list"]

    expected, got = both(daemon, ["-r", "-c", uri], script)
    assert got[:2] == expected[:2]
    denied = ("error: Failed to destroy network default\n"
              "error: operation forbidden: read only access prevents virNetworkDestroy\n")
    assert got[1][0] == denied
    assert got[1][2] == "error: Reconnected to the hypervisor\n" + denied


def test_lost_default_connection_reconnects(fresh_libvirtd: Libvirtd) -> None:
    """The default URI (LIBVIRT_DEFAULT_URI, opened lazily) is reconnected like a named one."""
    daemon = fresh_libvirtd
    uri = daemon.unix_uri

    def script(d: Libvirtd) -> list[Action]:
        return ["uri", bounce_action(d, "kill", "end of file"), "uri", stop_action(d, "stop", "end of file"), "uri"]

    expected, got = both(daemon, [], script, {"LIBVIRT_DEFAULT_URI": uri})
    assert got[:2] == expected[:2]
    assert got[1][:3] == ["", f"error: Disconnected from {uri} due to end of file\n",
                          "error: Reconnected to the hypervisor\n"]


def test_nothing_listening_fails_fast() -> None:
    """No daemon on the port or socket: a clean error right away, as virsh prints it, status 1."""
    from util import run

    port = free_port()
    for uri, detail in [
        (f"test+tcp://127.0.0.1:{port}/default", f"unable to connect to server at '127.0.0.1:{port}': "
                                                 "Connection refused"),
        ("test+unix:///default?socket=/nonexistent/sock",
         "Failed to connect socket to '/nonexistent/sock': No such file or directory"),
    ]:
        for args, stdin in ([["-c", uri, "hostname"], None], [["-c", uri, "uri; hostname"], None],
                            [["-c", uri], "uri\nhostname\n"]):
            start = time.monotonic()
            expected = run(virsh_prog(), args, stdin=stdin, timeout=STEP_TIMEOUT)
            got = run(VSH, args, stdin=stdin, timeout=STEP_TIMEOUT)
            assert time.monotonic() - start < 10
            assert got == expected
            assert got.err == f"error: failed to connect to the hypervisor\nerror: {detail}\n"
            assert (got.out, got.rc) == ("", 1)


def test_nothing_listening_on_default_uri_each_command_fails() -> None:
    """The default URI opens lazily: every command tries, and says `failed to connect`, not `reconnect`."""
    from util import run

    port = free_port()
    extra = {"LIBVIRT_DEFAULT_URI": f"test+tcp://127.0.0.1:{port}/default"}
    fail = ("error: failed to connect to the hypervisor\n"
            f"error: unable to connect to server at '127.0.0.1:{port}': Connection refused\n")
    expected = run(virsh_prog(), ["uri; hostname; echo hi"], env=extra)
    got = run(VSH, ["uri; hostname; echo hi"], env=extra)
    assert got == expected
    assert got == ("\n\nhi\n", fail + fail, 0)


@pytest.mark.parametrize("transport", ["tcp_uri", "unix_uri"])
def test_daemon_killed_during_a_command(fresh_libvirtd: Libvirtd, transport: str) -> None:
    """Killed while a call waits for its reply: the call fails, the next command reconnects.

    virsh says `due to end of file` here over TCP too, and the call fails with
    `Cannot recv data: Connection reset by peer` (unread data makes the kernel reset the socket).
    """
    import signal

    daemon = fresh_libvirtd
    uri = getattr(daemon, transport)
    results = []
    for prog in (virsh_prog(), VSH):
        daemon.start()
        batch = Batch(prog, ["-c", uri])
        try:
            batch.step("uri")
            assert daemon.pid
            os.kill(daemon.pid, signal.SIGSTOP)
            batch.send("nodeinfo")
            time.sleep(0.5)  # let the call reach the frozen daemon
            daemon.kill()
            batch.step("")
            daemon.start()
            batch.step("uri")
            batch.step("uri")
            rc = batch.finish()
        finally:
            batch.kill()
        results.append((batch.segments("out"), batch.segments("err"), rc))
    expected, got = results
    assert got[:2] == expected[:2]
    assert got[1] == ["", f"error: Disconnected from {uri} due to end of file\n"
                          "error: failed to get node information\n"
                          "error: Cannot recv data: Connection reset by peer\n",
                      "error: Reconnected to the hypervisor\n", "", ""]
    assert got[0][2:4] == [f"{uri}\n\n", f"{uri}\n\n"]
    assert (expected[2], got[2]) == (0, 1)


def test_repl_reports_and_reconnects(fresh_libvirtd: Libvirtd) -> None:
    """The interactive shell on a terminal: the same lines as a batch, no traceback, a usable prompt.

    virsh on a terminal also prints polkit's "Authorization not available ..." at each connect, so
    only vsh runs here; the lines are those virsh prints after its prompt.
    """
    import io

    import pexpect

    daemon = fresh_libvirtd
    uri = daemon.tcp_uri
    child = pexpect.spawn(VSH[0], [*VSH[1:], "-c", uri], encoding="utf-8", cwd=str(ROOT), timeout=STEP_TIMEOUT,
                          env={**env(), "TERM": "dumb", "NO_COLOR": "1"}, dimensions=(24, 200))
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect("vsh # ")
        daemon.stop()
        # libvirt's reason depends on where its client was when the daemon went: either is virsh's.
        child.expect(f"error: Disconnected from {re.escape(uri)} due to (I/O error|end of file)")
        time.sleep(SETTLE)
        child.sendline("hostname")
        child.expect("error: Failed to reconnect to the hypervisor")
        child.expect("Connection refused")
        child.expect("vsh # ")
        daemon.start()
        daemon.stop()
        daemon.start()
        child.sendline("uri")
        child.expect(re.escape(uri))
        child.expect("vsh # ")
        daemon.stop()
        daemon.start()
        child.expect("due to (I/O error|end of file)")
        time.sleep(SETTLE)
        child.sendline("uri")
        child.expect("error: Reconnected to the hypervisor")
        child.expect(re.escape(uri))
        child.expect("vsh # ")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "Traceback" not in seen.getvalue()


def test_json_mode_reports_connection_events_as_json(fresh_libvirtd: Libvirtd) -> None:
    """vsh only: under --json every error line, the close callback's too, is one JSON object."""
    import json

    daemon = fresh_libvirtd
    uri = daemon.tcp_uri
    batch = Batch(VSH, ["--json", "-c", uri])
    try:
        batch.send("uri")
        batch.wait_for("out", uri)
        daemon.stop()
        batch.wait_for("err", "I/O error")
        batch.send("hostname")
        batch.wait_for("err", "Connection refused")
        assert batch.finish() == 1
    finally:
        batch.kill()
    errors = [json.loads(line)["error"] for line in batch.text("err").splitlines()]
    assert errors[0] == {"message": f"Disconnected from {uri} due to I/O error", "source": "vsh"}
    assert errors[1]["message"] == "Failed to reconnect to the hypervisor"
    assert "Connection refused" in errors[1]["detail"]
    assert len(errors) == 2


def test_connect_command_while_disconnected(fresh_libvirtd: Libvirtd) -> None:
    """`connect` after the daemon went away: it says `Failed to reconnect`, and never `Reconnected`."""
    daemon = fresh_libvirtd
    uri = daemon.tcp_uri

    def script(d: Libvirtd) -> list[Action]:
        return ["uri", stop_action(d, "stop", "I/O error"), "connect", f"connect {d.unix_uri}",
                start_action(d), "connect", "uri", bounce_action(d, "kill", "I/O error"), f"connect {uri}", "uri"]

    expected, got = both(daemon, ["-c", uri], script)
    assert got[:2] == expected[:2]
    fail = "error: Failed to reconnect to the hypervisor\n"
    assert got[1][2:4] == [fail + refused(daemon, "tcp_uri", "stop"), fail + refused(daemon, "unix_uri", "stop")]
    assert "Reconnected" not in "".join(got[1])
    assert got[0][6] == f"{uri}\n\n" and got[0][9] == f"{uri}\n\n"
