"""Live migration between two private QEMU libvirtds, through vsh and through virsh.

Daemon A is the session's `qemu_daemon`; daemon B is this module's own, with a host UUID of its
own (libvirt refuses to migrate between daemons that claim the same host).  Both see the same
files, so the guests' plain local disks need `--unsafe`, and QEMU's migration stream goes over
loopback (`--migrateuri tcp://127.0.0.1`: qemu.conf cannot name 127.0.0.1 as migration host).

Two guests: the boot-sector guest (`tests.support.guest`), which migrates in a few seconds, and
a "fill" twin with 4 MiB of random data loaded into its RAM, which at `--bandwidth 1` (MiB/s)
takes about five seconds: long enough to press Ctrl-C or to hit `--timeout`.  The progress
(`--verbose`) depends on timing, so it is compared by its shape: rising `\\rMigration: [ NN %]`
ending at `[100 %]`.
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import pexpect
import pytest

from tests.support import guest
from tests.support.libvirtd import DaemonError, QemuDaemon, free_port, unavailable
from util import Result

ROOT = Path(__file__).resolve().parents[2]
VSH = [sys.executable, "-m", "vsh"]
LOOPBACK_MIGRATION = ("--migrateuri", "tcp://127.0.0.1")
QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
FILL_BYTES = 4 * 1024 * 1024
ABORTED = "error: operation aborted: job 'migration out' canceled by client\n"


class Pair(NamedTuple):
    a: str  # URI of daemon A (where the guests live between tests)
    b: str  # URI of daemon B
    name: str  # the boot-sector guest
    fill: str  # the slow-to-migrate guest
    off: str  # a defined, never started guest
    folder: Path


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI",
                                                          "NO_COLOR")}
    env.update(LC_ALL="C", PYTHONPATH=str(ROOT), **extra)
    return env


def _prog(prog: str) -> list[str]:
    if prog == "virsh":
        if shutil.which("virsh") is None:
            unavailable("virsh (libvirt-clients) is not installed")
        return ["virsh"]
    return VSH


def run(prog: str, uri: str, *args: str) -> Result:
    """One command through virsh or vsh in a pipe; carriage returns kept (the progress uses them)."""
    proc = subprocess.run([*_prog(prog), "-c", uri, *args], capture_output=True, stdin=subprocess.DEVNULL,
                          env=clean_env(), cwd=str(ROOT), timeout=120)
    return Result(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)


def ok(uri: str, *args: str) -> str:
    result = run("virsh", uri, *args)
    assert result.rc == 0, f"virsh {' '.join(args)}: {result.err}"
    return result.out


def state(uri: str, name: str) -> str:
    """`domstate` as virsh prints it, or "absent"."""
    result = run("virsh", uri, "domstate", name)
    return result.out.strip() if result.rc == 0 else "absent"


def migrate(prog: str, src: str, name: str, dst: str, *extra: str) -> Result:
    return run(prog, src, "migrate", "--live", "--unsafe", "--verbose", name, dst, *LOOPBACK_MIGRATION, *extra)


def percentages(label: str, err: str) -> list[int]:
    """The progress virsh prints: `\\rLabel: [ NN %]` steps, rising, ending at 100 %.

    A poll that finds no data left also shows 100 % (virsh's rule), as in post-copy before the end.
    """
    assert re.fullmatch(rf"(\r{label}: \[[ \d]{{2}}\d %\])*\r{label}: \[100 %\]", err), repr(err)
    steps = [int(n) for n in re.findall(rf"\r{label}: \[ *(\d+) %\]", err)]
    assert steps == sorted(steps), steps
    return steps


def spawn(prog: str, *args: str, **env: str) -> pexpect.spawn:
    """virsh or vsh on a fresh pseudo-terminal; what it shows is kept in `.logfile_read`."""
    cmd = _prog(prog)
    child = pexpect.spawn(cmd[0], [*cmd[1:], *args], timeout=60, env=clean_env(TERM="xterm", **env), cwd=str(ROOT),
                          dimensions=(24, 132))
    child.logfile_read = io.BytesIO()
    return child


def answers(uri: str, name: str, text: str) -> None:
    """The guest's console echoes `text` (the guest echoes serial input once a byte has arrived)."""
    child = spawn("vsh", "-c", uri, "console", name, NO_COLOR="1")
    child.expect(r"Escape character is [^\r\n]*\r\n")
    assert child.waitnoecho(timeout=10)
    child.send(text + "\r")
    child.expect(re.escape(text) + "\r\n")
    child.send("\x1d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def home(pair: Pair, name: str) -> None:
    """Bring a guest back to daemon A, running (a failed test may have left it elsewhere)."""
    if state(pair.b, name) in ("running", "paused"):
        assert migrate("virsh", pair.b, name, pair.a).rc == 0
    if state(pair.a, name) == "paused":
        ok(pair.a, "resume", name)
    if state(pair.a, name) == "shut off":
        ok(pair.a, "start", name)
    assert state(pair.a, name) == "running"


def _fill_xml(image: Path, name: str, fill: Path) -> str:
    """The guest's XML plus a QEMU loader device that puts `fill` into RAM at 16 MiB."""
    ET.register_namespace("qemu", QEMU_NS)
    root = ET.fromstring(guest.domain_xml(image, name=name, vnc=False))
    line = ET.SubElement(root, f"{{{QEMU_NS}}}commandline")
    for value in ("-device", f"loader,file={fill},addr=0x1000000,force-raw=on"):
        ET.SubElement(line, f"{{{QEMU_NS}}}arg", value=value)
    return ET.tostring(root, encoding="unicode")


@pytest.fixture(scope="module")
def daemon_b(tmp_path_factory: pytest.TempPathFactory, qemu_daemon: QemuDaemon) -> Iterator[QemuDaemon]:
    """A second QEMU daemon beside the session's, claiming a host of its own."""
    daemon = QemuDaemon(tmp_path_factory.mktemp("qemud-b"), extra_config=f'host_uuid = "{uuid.uuid4()}"')
    try:
        daemon.start()
    except DaemonError as err:
        daemon.close()
        unavailable(f"cannot start a second QEMU libvirtd: {err}")
    try:
        yield daemon
    finally:
        daemon.close()


@pytest.fixture(scope="module")
def pair(qemu_daemon: QemuDaemon, daemon_b: QemuDaemon, guest_image: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    folder = tmp_path_factory.mktemp("migrate")
    name = f"vshmig-{os.getpid()}"
    names = (name, f"vshmig-fill-{os.getpid()}", f"{name}-off")
    p = Pair(qemu_daemon.qemu_uri, daemon_b.qemu_uri, *names, folder)
    fill = folder / "fill.bin"
    fill.write_bytes(os.urandom(FILL_BYTES))
    for dom_name in names:
        image = folder / f"{dom_name}.img"
        shutil.copyfile(guest_image, image)
        text = (_fill_xml(image, dom_name, fill) if dom_name == p.fill
                else guest.domain_xml(image, name=dom_name, vnc=False))
        (folder / f"{dom_name}.xml").write_text(text)
        ok(p.a, "define", str(folder / f"{dom_name}.xml"))
    try:
        ok(p.a, "start", p.name)
        ok(p.a, "start", p.fill)
        answers(p.a, p.name, "wake")  # from now on the guest echoes at once
        yield p
    finally:
        for uri in (p.b, p.a):
            for dom_name in (*names, f"{name}-moved"):
                run("virsh", uri, "destroy", dom_name)
                run("virsh", uri, "undefine", dom_name)


def test_migrate_both_ways_like_virsh(pair: Pair) -> None:
    """There and back through vsh, then through virsh; the console answers after each move."""
    home(pair, pair.name)
    results = {}
    for prog in ("vsh", "virsh"):
        there = migrate(prog, pair.a, pair.name, pair.b)
        percentages("Migration", there.err)
        assert (there.out, there.rc) == ("\n", 0), (prog, there)
        assert state(pair.b, pair.name) == "running" and state(pair.a, pair.name) == "shut off"
        answers(pair.b, pair.name, f"{prog} on b")
        back = migrate(prog, pair.b, pair.name, pair.a)
        percentages("Migration", back.err)
        assert state(pair.a, pair.name) == "running" and state(pair.b, pair.name) == "absent"
        answers(pair.a, pair.name, f"{prog} on a")
        results[prog] = [(r.out, r.rc) for r in (there, back)]
    assert results["vsh"] == results["virsh"]


def test_migrate_persistent_rename_xml_and_p2p_tunnelled(pair: Pair) -> None:
    """--persistent --undefinesource --dname --xml on the way there; --p2p --tunnelled on the way back."""
    home(pair, pair.name)
    moved = f"{pair.name}-moved"
    xml = ET.fromstring(ok(pair.a, "dumpxml", "--migratable", pair.name))
    ET.SubElement(xml, "description").text = "moved by vsh"
    xml_file = pair.folder / "target.xml"
    xml_file.write_text(ET.tostring(xml, encoding="unicode"))
    for prog in ("vsh", "virsh"):
        there = migrate(prog, pair.a, pair.name, pair.b, "--persistent", "--undefinesource", "--dname", moved,
                        "--xml", str(xml_file))
        assert (there.out, there.rc) == ("\n", 0), (prog, there)
        percentages("Migration", there.err)
        assert state(pair.a, pair.name) == "absent" and state(pair.b, moved) == "running"
        assert "Persistent:     yes" in ok(pair.b, "dominfo", moved)
        assert ok(pair.b, "desc", moved) == "moved by vsh\n"
        back = run(prog, pair.b, "migrate", "--live", "--p2p", "--tunnelled", "--unsafe", "--persistent",
                   "--undefinesource", "--dname", pair.name, moved, pair.a)
        assert back == Result("\n", "", 0), (prog, back)
        assert state(pair.b, moved) == "absent" and state(pair.a, pair.name) == "running"
        assert "Persistent:     yes" in ok(pair.a, "dominfo", pair.name)
    answers(pair.a, pair.name, "still here")


def _both(uri: str, script: str) -> tuple[Result, Result]:
    return run("virsh", uri, script), run("vsh", uri, script)


def test_migrate_errors_like_virsh(pair: Pair) -> None:
    home(pair, pair.name)
    g, b = pair.name, pair.b
    refused = f"qemu+tcp://127.0.0.1:{free_port()}/system"
    script = "; ".join([
        f"migrate nosuch {b}", f"migrate {pair.off} {b} --live", f"migrate {g} {refused} --live",
        f"migrate {g} bogus:///x", f"migrate {g} {b} --timeout 5", f"migrate {g} {b} --live --timeout -1",
        f"migrate {g} {b} --live --timeout-suspend", f"migrate {g} {b} --copy-storage-synchronous-writes",
        f"migrate {g} ''", f"migrate --p2p {g} ''", f"migrate {g} {b} --migrateuri ''",
        f"migrate {g} {b} --disks-port abc", f"migrate {g} {refused} --disks-port abc",
        f"migrate {g} {b} --xml /nonexistent.xml", f"migrate --live --offline {g} {b}",
        f"migrate {g} {b} --persistent-xml x", f"migrate {g} {b} --timeout-postcopy --live --timeout 3",
        f"migrate {g} {b} --tunnelled", f"migrate {g} {b} --live --unsafe --comp-methods bogus",
        f"migrate-postcopy {g}", f"migrate-postcopy {pair.off}", f"migrate-getmaxdowntime {pair.off}",
        f"migrate-compcache {pair.off}", "migrate-getspeed nosuch", f"migrate-setspeed {g} -- -1",
        f"migrate-setspeed {g} abc", f"migrate-setmaxdowntime {g} 0", f"migrate-setmaxdowntime {g} abc",
        f"migrate-setmaxdowntime {g} 18446744073709551615", f"migrate-compcache {g} --size 3",
        f"migrate-compcache {g} --size 1M", "migrate-getmaxdowntime ''",
    ])
    expected, got = _both(pair.a, script)
    assert got == expected
    for line in ("error: failed to get domain 'nosuch'", "Requested operation is not valid: domain is not running",
                 "Connection refused", "error: migrate: Unexpected timeout for offline migration",
                 "error: post-copy can only be started", "error: cannot read file '/nonexistent.xml'"):
        assert line.split("error: ")[-1] in got.err, line
    # Nothing moved.
    assert state(pair.a, g) == "running" and state(b, g) == "absent"


def test_migrate_tuning_like_virsh(pair: Pair) -> None:
    home(pair, pair.name)
    g = pair.name
    script = "; ".join([
        f"migrate-setspeed {g} 8796093022207", f"migrate-setspeed {g} 0 --postcopy",
        f"migrate-setmaxdowntime {g} 300", f"migrate-compcache {g} --size 67108864",
        f"migrate-getspeed {g}", f"migrate-setspeed {g} 100", f"migrate-getspeed {g}",
        f"migrate-setspeed --postcopy {g} 50", f"migrate-getspeed --postcopy {g}", f"migrate-getspeed {g}",
        f"migrate-getmaxdowntime {g}", f"migrate-setmaxdowntime {g} 500", f"migrate-getmaxdowntime {g}",
        f"migrate-compcache {g}", f"migrate-compcache {g} --size 33554432", f"migrate-compcache {g}",
        f"migrate-getspeed {pair.off}",
    ])
    expected, got = _both(pair.a, script)
    assert got == expected
    assert "\n100\n\n" in got.out and "\n50\n\n" in got.out and "Compression cache: 32.000 MiB\n" in got.out
    data = [json.loads(run_json(pair.a, *cmd).out) for cmd in (
        ("migrate-getspeed", g), ("migrate-getspeed", "--postcopy", g), ("migrate-getmaxdowntime", g),
        ("migrate-compcache", g))]
    assert data == [{"bandwidth_mib_per_second": 100, "postcopy": False},
                    {"bandwidth_mib_per_second": 50, "postcopy": True},
                    {"downtime_ms": 500}, {"cache_bytes": 33554432}]
    failed = run_json(pair.a, "migrate-getmaxdowntime", pair.off)
    assert failed.rc == 1 and failed.out == ""
    assert json.loads(failed.err)["error"]["message"] == "Requested operation is not valid: domain is not running"


def run_json(uri: str, *args: str) -> Result:
    proc = subprocess.run([*VSH, "--json", "-c", uri, *args], capture_output=True, text=True, env=clean_env(),
                          cwd=str(ROOT), timeout=60, stdin=subprocess.DEVNULL)
    return Result(proc.stdout, proc.stderr, proc.returncode)


def _read_until(stream: Any, pattern: bytes, limit: float, seen: bytes = b"") -> tuple[bytes, bool]:
    """What the process wrote on `stream` until `pattern` showed up (False: not within `limit` s)."""
    deadline = time.monotonic() + limit
    while not re.search(pattern, seen):
        if time.monotonic() > deadline:
            return seen, False
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                return seen, False
            seen += chunk
    return seen, True


def test_ctrl_c_aborts_the_migration_and_the_guest_stays(pair: Pair) -> None:
    home(pair, pair.fill)
    proc = subprocess.Popen([*VSH, "-c", pair.a, "migrate", "--live", "--unsafe", "--verbose", pair.fill, pair.b,
                             *LOOPBACK_MIGRATION, "--bandwidth", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=clean_env(), cwd=str(ROOT))
    try:
        head, found = _read_until(proc.stderr, rb"Migration: \[ *[1-9]\d* %\]", 60)
        assert found, head
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = (head + rest).decode()
    assert proc.returncode == 1 and out == b"\n"
    assert err.endswith("]" + ABORTED), repr(err)
    assert "[100 %]" not in err
    assert state(pair.a, pair.fill) == "running" and state(pair.b, pair.fill) == "absent"
    answers(pair.a, pair.fill, "still on a")


def test_timeout_switches_to_postcopy(pair: Pair) -> None:
    """--postcopy --timeout 1 --timeout-postcopy: at 1 MiB/s pre-copy cannot be done within a second, so the
    source sees the switch (a "Suspended Post-copy" event) before the migration ends."""
    home(pair, pair.fill)
    events = subprocess.Popen([*VSH, "-c", pair.a, "event", "--domain", pair.fill, "--event", "lifecycle", "--loop"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=clean_env(), cwd=str(ROOT))
    try:
        # Wait until the event command listens: it reports a pause and resume of the guest.
        seen = b""
        for _attempt in range(30):
            ok(pair.a, "suspend", pair.fill)
            ok(pair.a, "resume", pair.fill)
            seen, found = _read_until(events.stdout, rb"Resumed Unpaused", 1.0, seen)
            if found:
                break
        assert found, seen
        moved = migrate("vsh", pair.a, pair.fill, pair.b, "--postcopy", "--timeout", "1", "--timeout-postcopy",
                        "--bandwidth", "1")
        events.send_signal(signal.SIGINT)
        text = (seen + events.communicate(timeout=30)[0]).decode()
    finally:
        if events.poll() is None:
            events.kill()
            events.wait()
    assert (moved.out, moved.rc) == ("\n", 0), moved
    percentages("Migration", moved.err)
    assert f"event 'lifecycle' for domain '{pair.fill}': Suspended Post-copy" in text, text
    assert f"event 'lifecycle' for domain '{pair.fill}': Stopped Migrated" in text, text
    assert state(pair.b, pair.fill) == "running"
    answers(pair.b, pair.fill, "postcopied")


def _on_terminal(*args: str) -> str:
    child = spawn("vsh", *args)
    child.expect(pexpect.EOF)
    child.close()
    shown: str = child.logfile_read.getvalue().decode(errors="replace")
    assert child.exitstatus == 0, shown
    return shown


def test_progress_bar_on_a_terminal_only(pair: Pair) -> None:
    """On a terminal: a bar with the data remaining and the rate; with --no-color virsh's text; with
    --json no progress at all.  (It starts where the guest is, to spare a migration.)"""
    if state(pair.b, pair.fill) != "running":
        home(pair, pair.fill)
    src, dst = (pair.b, pair.a) if state(pair.b, pair.fill) == "running" else (pair.a, pair.b)
    shown = _on_terminal("-c", src, "migrate", "--live", "--unsafe", "--verbose", pair.fill, dst,
                         *LOOPBACK_MIGRATION, "--bandwidth", "1")
    assert re.search(r"Migration.*\d+%.* [KM]iB remaining, [\d.]+ [KM]iB/s", shown), repr(shown)
    # No text steps on a terminal (a domain job's bar may end with virsh's last line, "[100 %]").
    assert not re.search(r"Migration: \[ *\d\d? %\]", shown), repr(shown)
    assert state(dst, pair.fill) == "running"
    shown = _on_terminal("--no-color", "-c", dst, "migrate", "--live", "--unsafe", "--verbose", pair.fill, src,
                         *LOOPBACK_MIGRATION)
    assert re.fullmatch(r"(\rMigration: \[[ \d]{2}\d %\])*\rMigration: \[100 %\]\r\n", shown), repr(shown)
    assert state(src, pair.fill) == "running"
    shown = _on_terminal("--json", "-c", src, "migrate", "--live", "--unsafe", "--verbose", pair.fill, dst,
                         *LOOPBACK_MIGRATION)
    assert shown == ""
    assert state(dst, pair.fill) == "running"
