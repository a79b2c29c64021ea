"""Life cycle of a real QEMU guest through qemu+tcp, the same scripts through virsh and vsh.

Each script leaves the guest in the state it found it in, so virsh's run and vsh's run start
alike; `domstate --reason` after each step shows what libvirt made of it.  The tiny guest
ignores ACPI, so `shutdown` and `reboot` are accepted but the guest keeps running, as virsh shows.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pexpect
import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable
from util import same

ROOT = Path(__file__).resolve().parents[2]
POLKIT = (b"Authorization not available. Check if polkit service is running or see debug message "
          b"for more information.\r\n")


def _virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60)


def state(uri: str, name: str) -> str:
    return _virsh(uri, "domstate", "--reason", name).stdout.strip()


def settled_state(uri: str, name: str, timeout: float = 20) -> str:
    """The state once the daemon has finished a shutdown it has begun (`in shutdown` is passing:
    an auto-destroy, for one, completes after the client that asked for it has gone)."""
    deadline = time.monotonic() + timeout
    current = state(uri, name)
    while current.startswith("in shutdown") and time.monotonic() < deadline:
        time.sleep(0.1)
        current = state(uri, name)
    return current


def ensure(uri: str, name: str, wanted: str) -> None:
    """Put the guest in `wanted` ("running" or "shut off") with virsh, the oracle."""
    current = state(uri, name)
    if wanted == "running" and not current.startswith("running"):
        if current.startswith("paused"):
            _virsh(uri, "resume", name)
        else:
            assert _virsh(uri, "start", name).returncode == 0
    elif wanted == "shut off" and not current.startswith("shut off"):
        assert _virsh(uri, "destroy", name).returncode == 0
    assert state(uri, name).startswith(wanted)


@pytest.fixture(scope="module")
def life_guest(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[str, str]]:
    """(uri, name) of a defined guest of this module (its own disk copy and name), running."""
    uri = qemu_daemon.qemu_uri
    name = f"vshc-life-{os.getpid()}"
    folder = tmp_path_factory.mktemp("life")
    image = folder / "disk.img"
    shutil.copyfile(guest_image, image)
    xml = folder / f"{name}.xml"
    xml.write_text(guest.domain_xml(image, name=name, vnc=False))
    result = _virsh(uri, "define", str(xml))
    assert result.returncode == 0, result.stderr
    try:
        ensure(uri, name, "running")
        yield uri, name
    finally:
        _virsh(uri, "destroy", name)
        _virsh(uri, "undefine", name)


def test_suspend_resume_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "running")
    result = same("-c", uri, f"suspend {g}; domstate --reason {g}; suspend {g}; resume {g}; "
                             f"domstate --reason {g}; resume {g}")
    # QEMU accepts suspending a paused guest; resuming a running one fails.
    assert result.out.startswith(f"Domain '{g}' suspended\n\npaused (user)\n\nDomain '{g}' suspended\n\n"
                                 f"Domain '{g}' resumed\n\nrunning (unpaused)\n\n")
    assert result.err.startswith(f"error: Failed to resume domain '{g}'\n")
    assert state(uri, g) == "running (unpaused)"


def test_shutdown_modes_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "running")
    result = same("-c", uri, f"shutdown {g}; domstate --reason {g}; shutdown --mode acpi {g}; "
                             f"shutdown --mode agent {g}; shutdown --mode bogus {g}; shutdown --mode signal {g}; "
                             f"shutdown --mode acpi,agent {g}; shutdown --mode '' {g}; domstate {g}")
    # The guest ignores ACPI: asked to shut down, it keeps running.
    assert f"Domain '{g}' is being shutdown\n\nrunning (" in result.out
    assert "error: argument unsupported: QEMU guest agent is not configured\n" in result.err
    assert ("error: Unknown mode bogus value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'\n"
            in result.err)
    assert state(uri, g).startswith("running")


def test_reboot_modes_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "running")
    result = same("-c", uri, f"reboot {g}; domstate --reason {g}; reboot --mode acpi {g}; reboot --mode agent {g}; "
                             f"reboot --mode initctl {g}; reboot --mode bogus {g}; domstate --reason {g}")
    assert f"Domain '{g}' is being rebooted\n\nrunning (" in result.out
    assert f"error: Failed to reboot domain '{g}'\n" in result.err
    assert state(uri, g).startswith("running")


def test_destroy_graceful_and_start_paused_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "running")
    out = same("-c", uri, f"destroy --graceful {g}; domstate --reason {g}; start --paused {g}; "
                          f"domstate --reason {g}; resume {g}; domstate --reason {g}").out
    assert out == (f"Domain '{g}' destroyed\n\nshut off (destroyed)\n\nDomain '{g}' started\n\n"
                   f"paused (user)\n\nDomain '{g}' resumed\n\nrunning (unpaused)\n\n")


def test_force_boot_and_already_active_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "running")
    result = same("-c", uri, f"destroy {g}; start --force-boot {g}; domstate --reason {g}; start {g}")
    assert result.out.endswith("running (booted)\n\n\n")
    assert result.err == "error: Domain is already active\n"
    assert result.rc == 1


def test_inactive_domain_errors_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    ensure(uri, g, "shut off")
    try:
        result = same("-c", uri, f"suspend {g}; resume {g}; shutdown {g}; reboot {g}; destroy {g}; "
                                 f"destroy --graceful {g}; domstate --reason {g}")
        assert f"error: Failed to suspend domain '{g}'\n" in result.err
        assert result.out.endswith("shut off (destroyed)\n\n")
    finally:
        ensure(uri, g, "running")


def test_start_autodestroy_as_virsh(life_guest: tuple[str, str]) -> None:
    """The guest lives as long as the connection that started it."""
    uri, g = life_guest
    ensure(uri, g, "shut off")
    try:
        outputs = []
        for prog in ("virsh", "vsh"):
            script = f"start --autodestroy {g}; domstate --reason {g}"
            cmd = ["virsh"] if prog == "virsh" else [sys.executable, "-m", "vsh"]
            run = subprocess.run([*cmd, "-c", uri, script], capture_output=True, text=True, timeout=60,
                                 cwd=str(ROOT))
            outputs.append((run.stdout, run.stderr, run.returncode, settled_state(uri, g)))
        assert outputs[0] == outputs[1]
        assert outputs[1] == (f"Domain '{g}' started\n\nrunning (booted)\n\n", "", 0, "shut off (destroyed)")
    finally:
        ensure(uri, g, "running")


def _spawn(prog: str, *args: str) -> pexpect.spawn:
    cmd = ["virsh"] if prog == "virsh" else [sys.executable, "-m", "vsh"]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env.update(LC_ALL="C", NO_COLOR="1")
    child = pexpect.spawn(cmd[0], [*cmd[1:], *args], timeout=30, env=env, cwd=str(ROOT))
    child.logfile_read = io.BytesIO()
    return child


def _transcript(child: pexpect.spawn) -> bytes:
    """The terminal's text; the guest's banner repeats until it gets a byte, so repeats count once."""
    text = child.logfile_read.getvalue().replace(POLKIT, b"")
    banner = guest.BANNER.encode() + b"\r\n"
    return re.sub(b"(" + re.escape(banner) + b")+", banner, text)


def test_start_console_as_virsh(life_guest: tuple[str, str]) -> None:
    """start --console boots the guest and attaches: its first words are on the terminal."""
    uri, g = life_guest
    results = []
    try:
        for prog in ("virsh", "vsh"):
            ensure(uri, g, "shut off")
            child = _spawn(prog, "-c", uri, "start", "--console", g)
            child.expect(guest.BANNER)
            child.send("up\r")
            child.expect("up\r\n")
            child.send("\x1d")
            child.expect(pexpect.EOF)
            child.close()
            results.append((_transcript(child), child.exitstatus, state(uri, g)))
    finally:
        ensure(uri, g, "running")
    assert results[0] == results[1]
    assert results[1] == ((f"Domain '{g}' started\r\nConnected to domain '{g}'\r\n"
                           "Escape character is ^] (Ctrl + ])\r\nVSH-GUEST READY\r\nup\r\n\r\n").encode(),
                          0, "running (booted)")


def test_start_paused_console_as_virsh(life_guest: tuple[str, str]) -> None:
    uri, g = life_guest
    results = []
    try:
        for prog in ("virsh", "vsh"):
            ensure(uri, g, "shut off")
            child = _spawn(prog, "-c", uri, "start", "--paused", "--console", g)
            child.expect(r"Escape character is [^\r\n]*\r\n")
            assert child.waitnoecho(timeout=10)
            child.send("\x1d")
            child.expect(pexpect.EOF)
            child.close()
            results.append((_transcript(child), child.exitstatus, state(uri, g)))
    finally:
        ensure(uri, g, "running")
    assert results[0] == results[1]
    assert results[1] == ((f"Domain '{g}' started\r\nConnected to domain '{g}'\r\n"
                           "Escape character is ^] (Ctrl + ])\r\n\r\n").encode(), 0, "paused (user)")


def test_start_console_without_a_tty_as_virsh(life_guest: tuple[str, str]) -> None:
    """The domain starts, then the console is refused: status 1, the guest keeps running."""
    uri, g = life_guest
    outputs = []
    try:
        for prog in ("virsh", "vsh"):
            ensure(uri, g, "shut off")
            cmd = ["virsh"] if prog == "virsh" else [sys.executable, "-m", "vsh"]
            run = subprocess.run([*cmd, "-c", uri, "start", "--console", g], capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=60, cwd=str(ROOT))
            outputs.append((run.stdout, run.stderr, run.returncode, state(uri, g)))
    finally:
        ensure(uri, g, "running")
    assert outputs[0] == outputs[1]
    assert outputs[1] == (f"Domain '{g}' started\n\n",
                          "error: Cannot run interactive console without a controlling TTY\n", 1,
                          "running (booted)")
