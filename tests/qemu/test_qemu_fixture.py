"""The qemu-tier fixtures work: the real virsh defines, starts, talks to and removes the tiny guest."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pexpect

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable

# A regression to the ~48 s define of an outdated capability cache must fail; a slow CI runner must not.
DEFINE_LIMIT = 20.0


def virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real virsh, the oracle of this project, against `uri`."""
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=120)


def ok(uri: str, *args: str) -> str:
    result = virsh(uri, *args)
    assert result.returncode == 0, f"virsh {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_qemu_daemon_also_serves_the_test_driver(qemu_daemon: QemuDaemon) -> None:
    assert " 1    test   running" in ok(qemu_daemon.tcp_uri, "list", "--all").splitlines()


def test_guest_lifecycle_and_console(qemu_daemon: QemuDaemon, guest_xml: str, tmp_path: Path) -> None:
    uri, name = qemu_daemon.qemu_uri, guest.GUEST_NAME
    # Other modules' guests may share the session's daemon: only this guest must be gone at the end.
    others = set(qemu_daemon.guest_pids())
    xml_file = tmp_path / "guest.xml"
    xml_file.write_text(guest_xml)
    try:
        began = time.monotonic()
        ok(uri, "define", str(xml_file))
        assert time.monotonic() - began < DEFINE_LIMIT
        ok(uri, "start", name)
        assert ok(uri, "domstate", name).strip() == "running"
        assert ok(uri, "vncdisplay", name).startswith("127.0.0.1:")

        console = pexpect.spawn("virsh", ["-c", uri, "console", name], timeout=30, encoding="utf-8")
        try:
            console.expect(f"Connected to domain '{name}'")
            console.expect(r"Escape character is \^\] \(Ctrl \+ \]\)")
            console.expect(guest.BANNER)
            console.send("hello\r")
            console.expect("hello\r\n")
            console.send("\x1d")
            console.expect(pexpect.EOF)
        finally:
            console.close(force=True)
        assert console.exitstatus == 0

        ok(uri, "destroy", name)
        assert ok(uri, "domstate", name).strip() == "shut off"
        ok(uri, "undefine", name)
        assert name not in ok(uri, "list", "--all", "--name").split()
    finally:
        virsh(uri, "destroy", name)
        virsh(uri, "undefine", name)
    assert set(qemu_daemon.guest_pids()) <= others
