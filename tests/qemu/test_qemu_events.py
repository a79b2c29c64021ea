"""Lifecycle events of a real QEMU guest: vsh and virsh listen side by side and print the same."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import libvirt

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable
from tests.util import locale_available

NAME = "vsh-events"
ROOT = Path(__file__).resolve().parents[2]
# After a listener printed "ready" it registers its callbacks within milliseconds.
SETTLE = 0.5
LEAK = "error: One or more references were leaked after disconnect from the hypervisor\n"
LISTENERS = [
    "event --all --loop --timeout 8",
    f"event --domain {NAME} --event lifecycle --loop --timeout 8",
    "event --event lifecycle --timeout 8",
]


def _spawn(prog: list[str], uri: str, line: str, lang: str | None = None) -> subprocess.Popen[str]:
    env = None if lang is None else {**os.environ, "LC_ALL": lang}
    proc = subprocess.Popen([*prog, "-c", uri, f"echo ready; {line}"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=str(ROOT), env=env)
    return proc


def _ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"


def _collect(proc: subprocess.Popen[str]) -> tuple[str, str, int]:
    # Read through the text wrappers: _ready's readline may hold more than the first line.
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    return out, err, proc.wait(timeout=60)


def test_start_suspend_resume_destroy(qemu_daemon: QemuDaemon, guest_image: Path) -> None:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    uri = qemu_daemon.qemu_uri
    conn = libvirt.open(uri)
    dom = conn.defineXML(guest.domain_xml(guest_image, name=NAME, vnc=False))
    try:
        procs = [(_spawn(["virsh"], uri, line), _spawn([sys.executable, "-m", "vsh"], uri, line))
                 for line in LISTENERS]
        for pair in procs:
            for proc in pair:
                _ready(proc)
        time.sleep(SETTLE)
        dom.create()
        dom.suspend()
        dom.resume()
        dom.destroy()
        results = [tuple(_collect(p) for p in pair) for pair in procs]
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()
    for line, (expected, got) in zip(LISTENERS, results):
        # virsh may report references held by late events when it disconnects: its own race.
        expected = (expected[0], expected[1].replace(LEAK, ""), expected[2])
        assert got == expected, line
    loop = results[1][1][0]
    for text in ("Started Booted", "Suspended Paused", "Resumed Unpaused", "Stopped Destroyed"):
        assert f"event 'lifecycle' for domain '{NAME}': {text}\n" in loop
    assert loop.endswith(f"event loop timed out\nevents received: {loop.count(chr(10)) - 3}\n\n")
    out, err, rc = results[2][1]
    assert (out.count("\n"), err, rc) == (3, "", 0)
    assert out.startswith(f"event 'lifecycle' for domain '{NAME}': ") and out.endswith("events received: 1\n\n")


def _vnc_handshake(port: int) -> None:
    """Connect to the guest's VNC server, pick no authentication, share the desktop, hang up."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.recv(12)
        sock.sendall(b"RFB 003.008\n")
        sock.recv(2)
        sock.sendall(b"\x01")
        sock.recv(4)
        sock.sendall(b"\x01")
        sock.recv(24)


def test_tunable_metadata_and_graphics_events(qemu_daemon: QemuDaemon, guest_image: Path) -> None:
    """Multi-line events (tunable) and graphics addresses print as in virsh."""
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    import re

    uri, name = qemu_daemon.qemu_uri, f"{NAME}-vnc"
    conn = libvirt.open(uri)
    dom = conn.defineXML(guest.domain_xml(guest_image, name=name, vnc=True))
    try:
        dom.create()
        port = int(re.search(r"<graphics type='vnc' port='(\d+)'", dom.XMLDesc(0)).group(1))
        line = f"event --domain {name} --all --loop --timeout 6"
        pair = (_spawn(["virsh"], uri, line), _spawn([sys.executable, "-m", "vsh"], uri, line))
        # The same events in Ukrainian: each line virsh's catalog message, its words translated.
        lang = "uk_UA.UTF-8" if locale_available("uk_UA.UTF-8") else None
        translated = [] if lang is None else [_spawn(["virsh"], uri, line, lang),
                                              _spawn([sys.executable, "-m", "vsh"], uri, line, lang)]
        for proc in [*pair, *translated]:
            _ready(proc)
        time.sleep(SETTLE)
        live = libvirt.VIR_DOMAIN_AFFECT_LIVE
        dom.setSchedulerParametersFlags({"cpu_shares": 512}, live)
        dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_TITLE, "hello", None, None, live)
        dom.setBlockIoTune("hda", {"total_bytes_sec": 1000000}, live)
        _vnc_handshake(port)
        expected, got = (_collect(p) for p in pair)
        translated_results = [_collect(p) for p in translated]
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()
    assert got == expected
    out = got[0]
    assert f"event 'tunable' for domain '{name}':\n\tcputune.cpu_shares: 512\n" in out
    assert f"event 'metadata-change' for domain '{name}': type title, uri <null>\n" in out
    assert f"event 'graphics' for domain '{name}': connect local[IPv4 127.0.0.1 {port}] remote[IPv4 " in out
    if translated_results:
        import gettext

        virsh_uk, vsh_uk = translated_results
        leak = gettext.translation("libvirt", "/usr/share/locale", ["uk"], fallback=True).gettext(LEAK[7:-1])
        assert vsh_uk == (virsh_uk[0], re.sub(f"^[^\n]*{re.escape(leak)}\n", "", virsh_uk[1], flags=re.M), virsh_uk[2])
        assert f"подія «tunable» для домену «{name}»:\n\tcputune.cpu_shares: 512\n" in vsh_uk[0]
        assert f"подія «graphics» для домену «{name}»: з'єднати локальний[IPv4 127.0.0.1 {port}]" in vsh_uk[0]
