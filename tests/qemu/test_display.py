"""domdisplay, vncdisplay and ttyconsole compared with virsh: on a real running guest, and on
test-driver hosts whose graphics cover the cases a QEMU guest on loopback cannot show."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable
from util import host_uri, same, vsh

DISPLAY_COMMANDS = [
    "vncdisplay {d}",
    "domdisplay {d}",
    "domdisplay --all {d}",
    "domdisplay --include-password {d}",
    "domdisplay --type vnc {d}",
    "domdisplay {d} vnc",
    "domdisplay --type spice {d}",
    "domdisplay --type rdp --include-password {d}",
    "domdisplay --type dbus {d}",
    "domdisplay --type '' {d}",
    "domdisplay --all --type vnc {d}",
    "ttyconsole {d}",
]


def _virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def display_guest(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, str]]:
    """(uri, name) of a running guest with VNC on loopback, and its shut-off twin NAME-off."""
    uri = qemu_daemon.qemu_uri
    name = f"vshc-disp-{os.getpid()}"
    folder = tmp_path_factory.mktemp("display")
    image = folder / "disk.img"
    shutil.copyfile(guest_image, image)
    for dom_name in (name, f"{name}-off"):
        xml = folder / f"{dom_name}.xml"
        xml.write_text(guest.domain_xml(image, name=dom_name))
        result = _virsh(uri, "define", str(xml))
        assert result.returncode == 0, result.stderr
    try:
        result = _virsh(uri, "start", name)
        assert result.returncode == 0, result.stderr
        yield uri, name
    finally:
        for dom_name in (name, f"{name}-off"):
            _virsh(uri, "destroy", dom_name)
            _virsh(uri, "undefine", dom_name)


def test_display_of_the_running_guest_as_virsh(display_guest: tuple[str, str]) -> None:
    uri, name = display_guest
    script = "; ".join(c.format(d=name) for c in DISPLAY_COMMANDS)
    result = same("-c", uri, script)
    lines = result.out.splitlines()
    assert lines[0].startswith("127.0.0.1:")
    assert f"vnc://{lines[0]}" in lines
    assert any(line.startswith("/dev/pts/") for line in lines)
    for command in DISPLAY_COMMANDS:  # one by one too: each exit status
        same("-c", uri, command.format(d=name))


def test_display_of_a_shut_off_domain_as_virsh(display_guest: tuple[str, str]) -> None:
    uri, name = display_guest
    result = same("-c", uri, "; ".join(c.format(d=f"{name}-off") for c in DISPLAY_COMMANDS))
    assert "error: Domain is not running" in result.err
    for command in ("vncdisplay {d}", "domdisplay {d}", "ttyconsole {d}", "domdisplay --type '' {d}"):
        assert same("-c", uri, command.format(d=f"{name}-off")).rc == 1


def test_display_json(display_guest: tuple[str, str]) -> None:
    import json

    uri, name = display_guest
    port = same("-c", uri, "vncdisplay", name).out.strip()
    assert json.loads(vsh("--json", "-c", uri, "domdisplay", "--all", name).out) == [
        {"type": "vnc", "uri": f"vnc://{port}"}]
    listen, display = port.rsplit(":", 1)
    assert json.loads(vsh("--json", "-c", uri, "vncdisplay", name).out) == {
        "listen": listen, "display": int(display), "text": port}
    tty = json.loads(vsh("--json", "-c", uri, "ttyconsole", name).out)["tty"]
    assert tty.startswith("/dev/pts/")


@pytest.mark.parametrize("dom", ["g1", "g2", "g3", "h1", "h2", "h3"])
def test_display_uri_forms_as_virsh(dom: str) -> None:
    # Graphics a loopback QEMU guest cannot have: wildcard and IPv6 listen addresses, sockets,
    # passwords, TLS ports, spice and rdp, unassigned ports.  The test driver keeps them as written.
    uri = host_uri("graphics")
    same("-c", uri, "; ".join(c.format(d=dom) for c in DISPLAY_COMMANDS))
    for command in ("domdisplay {d}", "domdisplay --type spice {d}", "vncdisplay {d}", "ttyconsole {d}"):
        same("-c", uri, command.format(d=dom))
