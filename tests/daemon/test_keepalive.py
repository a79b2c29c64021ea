"""Keepalive (`-k` interval, `-K` count) against a daemon that stops answering (SIGSTOP), as virsh does.

What virsh 9.0 does, observed with these tests (with `-k 1 -K 2`):

- A command waiting on a frozen daemon fails after about interval * (count + 1) seconds (3 s here):
  `error: Disconnected from URI due to keepalive timeout` (close callback), then the command's own
  failure, e.g. `error: failed to get node information` and
  `error: internal error: connection closed due to keepalive timeout`.
- An idle session notices too: the close callback prints the same `Disconnected` line by itself.
- The next command after the daemon is thawed prints `error: Reconnected to the hypervisor`.
- `-k 0` disables keepalive: the command just waits for the daemon, however long.
- `-k`/`-K` make keepalive mandatory: a driver without it (test:///default) fails to connect with
  `Cannot setup keepalive on connection as requested, disconnecting`.

One deliberate difference: opening a connection makes RPC calls before keepalive runs, so virsh
blocks forever on a daemon that accepts the socket but never answers; vsh gives up after the same
interval * (count + 1) seconds (without a bound under `-k 0`).
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Callable, Iterator

import pytest

from test_reconnect import VSH, Action, Batch, side_by_side, virsh_prog
from tests.support.libvirtd import Libvirtd

FAST = ["-k", "1", "-K", "2"]
BOUND = 1 * (2 + 1)
SLACK = 3.0


@pytest.fixture
def daemons(make_libvirtd: Callable[[], Libvirtd]) -> Iterator[tuple[Libvirtd, Libvirtd]]:
    """A daemon for virsh and one for vsh (they run side by side), thawed at the end whatever happened."""
    pair = (make_libvirtd(), make_libvirtd())
    yield pair
    for one in pair:
        if one.pid:
            os.kill(one.pid, signal.SIGCONT)


@pytest.fixture
def daemon(daemons: tuple[Libvirtd, Libvirtd]) -> Libvirtd:
    return daemons[1]


def placeholder(uri: str, daemon: Libvirtd) -> str:
    """`uri` as side_by_side() shows it."""
    return uri.replace(f":{daemon.port}/", ":PORT/").replace(str(daemon.workdir), "DIR")


def freeze(daemon: Libvirtd, wait_err: str = "") -> Callable[[], None]:
    def act() -> None:
        assert daemon.pid
        os.kill(daemon.pid, signal.SIGSTOP)

    act.wait_err = wait_err  # type: ignore[attr-defined]
    return act


def thaw(daemon: Libvirtd) -> Callable[[], None]:
    def act() -> None:
        assert daemon.pid
        os.kill(daemon.pid, signal.SIGCONT)

    return act


@pytest.mark.parametrize("transport", ["tcp_uri", "unix_uri"])
def test_command_on_frozen_daemon_fails_after_keepalive(daemons: tuple[Libvirtd, Libvirtd],
                                                        transport: str) -> None:
    def script(d: Libvirtd) -> list[Action]:
        return ["uri", freeze(d), "nodeinfo", thaw(d), "uri"]

    timings: tuple[list[float], list[float]] = ([], [])
    expected, got = side_by_side(daemons, lambda d: [*FAST, "-c", getattr(d, transport)], script, timings)
    uri = placeholder(getattr(daemons[1], transport), daemons[1])
    assert got[:2] == expected[:2]
    assert got[1][2] == (f"error: Disconnected from {uri} due to keepalive timeout\n"
                         "error: failed to get node information\n"
                         "error: internal error: connection closed due to keepalive timeout\n")
    assert got[1][4] == "error: Reconnected to the hypervisor\n"
    assert got[0][4] == f"{uri}\n\n"
    assert (expected[2], got[2]) == (0, 1)
    # `nodeinfo` waited about interval * (count + 1) seconds in both programs.
    for steps in timings:
        assert BOUND - 1 < steps[1] < BOUND + SLACK


def test_idle_session_notices_frozen_daemon(daemons: tuple[Libvirtd, Libvirtd]) -> None:
    def script(d: Libvirtd) -> list[Action]:
        return ["hostname", freeze(d, "due to keepalive timeout\n"), thaw(d), "uri", "uri"]

    expected, got = side_by_side(daemons, lambda d: [*FAST, "-c", d.tcp_uri], script)
    uri = placeholder(daemons[1].tcp_uri, daemons[1])
    assert got == expected[:2] + (0,)
    assert got[1] == ["", f"error: Disconnected from {uri} due to keepalive timeout\n", "",
                      "error: Reconnected to the hypervisor\n", "", ""]


def test_keepalive_zero_waits_for_the_daemon(daemons: tuple[Libvirtd, Libvirtd]) -> None:
    """`-k 0`: no keepalive, so a command on a frozen daemon waits and then succeeds (both programs)."""
    batches = [Batch(prog, ["-k", "0", "-K", "1", "-c", d.tcp_uri]) for prog, d in zip((virsh_prog(), VSH), daemons)]
    try:
        for batch, d in zip(batches, daemons):
            batch.step("uri")
            freeze(d)()
            batch.send("nodeinfo")
            batch.send("echo --err @@DONE@@")
        time.sleep(BOUND + 1.5)
        for batch, d in zip(batches, daemons):
            assert "@@DONE@@" not in batch.text("err")
            assert batch.proc.poll() is None
            thaw(d)()
        for batch in batches:
            batch.wait_for("err", "@@DONE@@")
            assert batch.finish() == 0
    finally:
        for batch in batches:
            batch.kill()
    for batch in batches:
        assert batch.text("err") == "error: @@MARK1@@\nerror: @@DONE@@\n"
        assert "CPU model:" in batch.text("out")


@pytest.mark.parametrize("args", [["-k", "1"], ["-K", "3"], ["-k", "2", "-K", "0"]])
def test_keepalive_forced_on_a_driver_without_it(args: list[str]) -> None:
    from util import run

    expected = run(virsh_prog(), [*args, "-c", "test:///default", "uri"])
    got = run(VSH, [*args, "-c", "test:///default", "uri"])
    assert got == expected
    assert got.err == ("error: Cannot setup keepalive on connection as requested, disconnecting\n"
                       "error: failed to connect to the hypervisor\n"
                       "error: this function is not supported by the connection driver: "
                       "virConnectSetKeepAlive\n")


def test_open_on_frozen_daemon_is_bounded(daemon: Libvirtd) -> None:
    """vsh only (virsh blocks here forever): the open gives up after the keepalive bound."""
    freeze(daemon)()
    start = time.monotonic()
    procs = [subprocess.Popen([*VSH, *FAST, "-c", uri, "hostname"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for uri in (daemon.tcp_uri, daemon.unix_uri)]
    try:
        outputs = [proc.communicate(timeout=BOUND + 30) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    took = time.monotonic() - start
    assert BOUND - 0.5 < took < BOUND + SLACK
    for proc, (out, err) in zip(procs, outputs):
        assert (out, proc.returncode) == ("", 1)
        assert err == ("error: failed to connect to the hypervisor\n"
                       f"error: no answer from the hypervisor within {BOUND} seconds "
                       "(keepalive interval 1 s, count 2)\n")


@pytest.mark.parametrize("uri,bounded", [
    ("test+tcp://127.0.0.1:1/default", True), ("qemu:///system", True), ("qemu+tls://h/system", True),
    ("test+unix:///default?socket=/x", True), (None, True),
    ("test:///default", False), ("qemu+ssh://h/system", False), ("qemu+libssh2://h/system", False),
    ("qemu+ext:///system?command=/bin/x", False), ("myalias", False),
])
def test_which_opens_are_bounded(uri: str | None, bounded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not where ssh or another program may be asking for a password on the terminal, nor for aliases."""
    from vsh.connection import _bounded

    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    assert _bounded(uri) is bounded
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu+ssh://h/system")
    assert _bounded(None) is False
