"""--hosts output as it happens, and each host's own local files.

A command that waits (`event --loop`) prints every host's lines while it waits, prefixed and
whole (or JSON Lines with a `host` key under --json); Ctrl-C ends every host's wait as it ends
one host's.  The hosts are the daemon tier's shared `hosts` fixture (tests/daemon/conftest.py):
their test:///default, which every client of a daemon shares, changes under another client
here (a domain paused and resumed, so it is left as it was found).  Files written on this
machine (vol-download, screenshot) get the host's name as a suffix, as pdsh's rpdcp does.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

import libvirt

from tests.support.hosts import Hosts, storage_hosts
from util import VSH, run


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}


def pause_and_resume(uri: str) -> None:
    """Two lifecycle events of domain `test` on that host, through a client of our own."""
    conn = libvirt.open(uri)
    try:
        dom = conn.lookupByName("test")
        dom.suspend()
        dom.resume()
    finally:
        conn.close()


class Watch:
    """A vsh process whose stdout is read line by line as it comes (on a thread)."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen([*VSH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env())
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def until(self, wanted: Callable[[str], bool], poke: Callable[[], None], within: float = 20) -> str:
        """Cause events with `poke` until a line that `wanted` accepts comes out (vsh may not be
        listening yet at the first pokes); the line, while the command is still running."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            poke()
            try:
                while True:
                    line = self.lines.get(timeout=0.5)
                    assert line, f"vsh ended: {''.join(self.seen)}"
                    self.seen.append(line)
                    if wanted(line):
                        assert self.proc.poll() is None  # printed while the command still waits
                        return line
            except queue.Empty:
                continue
        raise AssertionError(f"no such line within {within} s: {''.join(self.seen)}")

    def interrupt(self) -> tuple[list[str], str, int]:
        """Ctrl-C: every line printed, stderr, the exit status."""
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(timeout=20)
        while True:
            line = self.lines.get(timeout=5)
            if not line:
                break
            self.seen.append(line)
        assert self.proc.stderr is not None
        return self.seen, self.proc.stderr.read(), rc


def test_event_lines_of_every_host_come_out_while_the_command_waits(hosts: Hosts) -> None:
    d1, d2 = hosts.shared
    watch = Watch(["--hosts", f"{d1},{d2}", "event", "--all", "--loop"])
    try:
        watch.until(lambda line: line == f"{d1}: event 'lifecycle' for domain 'test': Resumed Unpaused\n",
                    lambda: pause_and_resume(d1))
        watch.until(lambda line: line == f"{d2}: event 'lifecycle' for domain 'test': Resumed Unpaused\n",
                    lambda: pause_and_resume(d2))
    finally:
        lines, err, rc = watch.interrupt()
    assert (err, rc) == ("", 0)
    assert lines[-1] == "\n"  # the blank line after a command, once for all hosts
    for host in (d1, d2):
        own = [line for line in lines if line.startswith(f"{host}: ")]
        events = own[:-2]
        assert events and all(line.startswith(f"{host}: event 'lifecycle' for domain 'test': ") for line in events)
        # Ctrl-C ends each host's wait as it ends one host's.
        assert own[-2:] == [f"{host}: event loop interrupted\n", f"{host}: events received: {len(events)}\n"]
    # Every line is one host's and whole: nothing else, nothing cut.
    assert len(lines) == 1 + sum(line.startswith((f"{d1}: ", f"{d2}: ")) for line in lines)


def test_event_json_lines_carry_the_host(hosts: Hosts) -> None:
    d1, d2 = hosts.shared

    def resumed(host: str) -> Callable[[str], bool]:
        def check(line: str) -> bool:
            obj = json.loads(line)
            return obj.get("host") == host and obj.get("detail", {}).get("type") == "Resumed"
        return check

    watch = Watch(["--json", "--hosts", f"{d2},{d1}", "event", "--all", "--loop"])
    try:
        watch.until(resumed(d1), lambda: pause_and_resume(d1))
        watch.until(resumed(d2), lambda: pause_and_resume(d2))
    finally:
        lines, err, rc = watch.interrupt()
    assert (err, rc) == ("", 0)
    objects = [json.loads(line) for line in lines]
    for host in (d1, d2):
        own = [obj for obj in objects if obj["host"] == host]
        events = own[:-1]
        assert {(e["event"], e["object_type"], e["object"]) for e in events} == {("lifecycle", "domain", "test")}
        assert list(events[0]) == ["host", "timestamp", "event", "object_type", "object", "detail"]
        assert own[-1] == {"host": host, "end": "interrupted", "received": len(events)}
    assert len(objects) == sum(obj["host"] in (d1, d2) for obj in objects)


def test_ordinary_commands_print_each_host_as_it_answers(hosts: Hosts) -> None:
    """Not only waits: any command that prints no table prints each host's lines as they come
    (in the order they arrive), each host's lines those it prints alone, in order."""
    h1, h2, h3 = hosts.up
    res = run(VSH, ["--hosts", f"{h1},{h2},{h3}", "nodeinfo; domstate only-h1"])
    assert res.rc == 1
    lines = res.out.splitlines()
    assert lines.count("") == 2  # one blank line after each command, for all hosts
    for host in (h1, h2, h3):
        alone = run(VSH, ["-q", "-c", host, "nodeinfo"] if host != h1 else
                    ["-q", "-c", host, "nodeinfo; domstate only-h1"])
        assert [line for line in lines if line.startswith(f"{host}: ")] == [
            f"{host}: {line}" for line in alone.out.splitlines() if line]
    assert len(lines) == 2 + sum(line.startswith((f"{h1}: ", f"{h2}: ", f"{h3}: ")) for line in lines)
    assert sorted(res.err.splitlines()) == sorted(f"error: {host}: failed to get domain 'only-h1'" for host in (h2, h3))


def test_vol_download_writes_one_file_per_host(tmp_path: Path) -> None:
    with storage_hosts(tmp_path, 2) as daemons:
        for n, daemon in enumerate(daemons, 1):
            pool = tmp_path / f"pool{n}"
            pool.mkdir()
            (pool / "data").write_bytes(f"host {n}'s own data\n".encode() * 1000)
            conn = libvirt.open(daemon.uri)
            try:
                conn.storagePoolCreateXML(f"<pool type='dir'><name>p</name><target><path>{pool}</path></target>"
                                          "</pool>", 0)
            finally:
                conn.close()
        s1, s2 = (daemon.uri for daemon in daemons)
        res = run(VSH, ["--hosts", f"{s1},{s2}", "vol-download", "data", "out.bin", "--pool", "p"], cwd=str(tmp_path))
        assert (res.out, res.err, res.rc) == ("\n", "", 0)
    # FILE.HOST, the host as given, `/` and `:` made `_`.
    files = {path.name: path.read_bytes() for path in tmp_path.glob("out.bin*")}
    assert files == {f"out.bin.storage+tcp___127.0.0.1_{daemon.port}_system": f"host {n}'s own data\n".encode() * 1000
                     for n, daemon in enumerate(daemons, 1)}


def test_screenshot_names_its_file_after_each_host(hosts: Hosts, tmp_path: Path) -> None:
    h1, h2, _h3 = hosts.up
    res = run(VSH, ["--hosts", f"{h1},{h2}", "screenshot", "common", "shot.png"], cwd=str(tmp_path))
    assert res.rc == 0 and res.err == ""
    # The host as given, with `/` and `:` made `_`.
    names = {host: "shot.png." + host.replace("/", "_").replace(":", "_") for host in (h1, h2)}
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names.values())
    assert sorted(res.out.splitlines()) == sorted(
        [""] + [f"{host}: Screenshot saved to {name}, with type of image/png" for host, name in names.items()])
