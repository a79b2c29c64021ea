"""Changing devices of running QEMU guests: change-media, domif-setlink/getlink, update-device, setvcpu,
dompmsuspend/dompmwakeup, domdirtyrate-calc, dom-fd-associate, update-memory-device.

Most of these change the guest for good (a vCPU plugged in, a dirty-rate measurement that runs for a
minute), so virsh and vsh each get a guest of their own, alike in every way but the name: the same
command string runs through virsh on one and through vsh on the other, and the outputs, with the
names replaced, must be identical.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable

ROOT = Path(__file__).resolve().parents[2]
FOR_VIRSH, FOR_VSH = "vsh-upd-ref", "vsh-upd-new"  # names of one length, for tables
MAC = "52:54:00:5e:02:01"

NIC = ("<interface type='user'>\n  <mac address='{mac}'/>\n  <model type='{model}'/>\n"
       "  <link state='{state}'/>\n</interface>\n")


class Guests(NamedTuple):
    uri: str
    unix_uri: str
    folder: Path


def _run(prog: list[str], uri: str, line: str) -> tuple[str, str, int]:
    proc = subprocess.run([*prog, "-c", uri, line], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    return proc.stdout, proc.stderr, proc.returncode


def virsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return _run(["virsh", *opts], uri, line)


def vsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    return _run([sys.executable, "-m", "vsh", *opts], uri, line)


def both(uri: str, template: str, *opts: str, **values: str) -> tuple[str, str, int]:
    """The command string through virsh on its guest and through vsh on its own; the same output."""
    expected = virsh(uri, template.format(D=FOR_VIRSH, **values), *opts)
    got = vsh(uri, template.format(D=FOR_VSH, **values), *opts)
    unname = lambda r: (r[0].replace(FOR_VIRSH, "D").replace(FOR_VSH, "D"),  # noqa: E731
                        r[1].replace(FOR_VIRSH, "D").replace(FOR_VSH, "D"), r[2])
    mine, theirs = unname(got), unname(expected)
    assert mine[0].splitlines() == theirs[0].splitlines()
    assert mine == theirs
    return got


@pytest.fixture(scope="module")
def guests(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guests]:
    """Two running guests with an empty IDE CD-ROM, a user-mode NIC and room for a second vCPU."""
    uri = qemu_daemon.qemu_uri
    folder = tmp_path_factory.mktemp("update")
    for iso in ("a.iso", "b.iso"):
        (folder / iso).write_bytes(b"\0" * 65536)
    for state in ("up", "down"):
        (folder / f"nic-{state}.xml").write_text(NIC.format(mac=MAC, model="rtl8139", state=state))
    (folder / "nic-model.xml").write_text(NIC.format(mac=MAC, model="e1000", state="up"))
    (folder / "cd.xml").write_text(f"<disk type='file' device='cdrom'>\n  <source file='{folder}/b.iso'/>\n"
                                   "  <target dev='hdc' bus='ide'/>\n  <readonly/>\n</disk>\n")
    try:
        for name in (FOR_VIRSH, FOR_VSH):
            _start(uri, folder, guest_image, name)
        yield Guests(uri, qemu_daemon.qemu_unix_uri, folder)
    finally:
        for name in (FOR_VIRSH, FOR_VSH):
            virsh(uri, f"destroy {name}; undefine {name}")


def _start(uri: str, folder: Path, image: Path, name: str) -> None:
    """Define and start one guest on its own copy of the boot disk (QEMU locks the image it writes)."""
    disk = folder / f"{name}.img"
    shutil.copyfile(image, disk)
    xml = guest.domain_xml(disk, name=name, vnc=False)
    xml = xml.replace("<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>").replace(
        "</devices>", "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                      "<target dev='hdc' bus='ide'/><readonly/></disk>\n"
                      f"<interface type='user'><mac address='{MAC}'/><model type='rtl8139'/></interface>\n"
                      "</devices>")
    path = folder / f"{name}.xml"
    path.write_text(xml)
    out, err, rc = virsh(uri, f"define {path}; start {name}")
    assert rc == 0, err


def test_change_media(guests: Guests) -> None:
    """Insert, update, eject on the IDE CD-ROM, live and in the definition, and --print-xml."""
    both(guests.uri, "change-media {D} hdc {f}/a.iso --insert; domblklist {D}; change-media {D} hdc {f}/b.iso; "
         "domblklist {D}; change-media {D} hdc --source {f}/a.iso --update --live; change-media {D} hdc --update; "
         "domblklist {D}; change-media {D} hdc --eject; change-media {D} hdc {f}/a.iso --insert --config; "
         "domblklist {D} --inactive; change-media {D} hdc --eject --config --print-xml; "
         "change-media {D} hdc --eject --config --force; change-media {D} hda --eject; "
         "change-media {D} {f}/b.iso --eject; change-media {D} hdc {f}/b.iso --insert --print-xml --block; "
         "change-media {D} hdc /nonexistent.iso --insert", f=str(guests.folder))


def test_change_media_quiet(guests: Guests) -> None:
    """-q keeps change-media's message (without the newline the blank line gives); --json prints nothing."""
    line = "change-media {D} hdc {f}/a.iso --insert; change-media {D} hdc --eject"
    both(guests.uri, line, "-q", f=str(guests.folder))
    assert vsh(guests.uri, line.format(D=FOR_VSH, f=guests.folder), "--json") == ("", "", 0)


def test_link_state(guests: Guests) -> None:
    """domif-setlink and domif-getlink on a running guest's NIC, live and --config, and --print-xml."""
    both(guests.uri, "domif-getlink {D} {m}; domif-setlink {D} {m} down; domif-getlink {D} {m}; "
         "domif-getlink {D} {m} --config; domif-setlink {D} {m} down --config; domif-getlink {D} {m} --persistent; "
         "domif-setlink {D} {m} up --persistent; domif-setlink {D} {M} up; domif-getlink {D} {M}; "
         "domif-setlink {D} {m} down --print-xml; domif-getlink {D} net0; domif-setlink {D} vnet9 down",
         m=MAC, M=MAC.upper())
    out, err, rc = vsh(guests.uri, f"domif-getlink {FOR_VSH} {MAC}", "--json")
    assert rc == 0, err
    assert json.loads(out) == {"interface": MAC, "state": "up"}


def test_update_device(guests: Guests) -> None:
    """A NIC's link through update-device, a change QEMU refuses, and a CD-ROM's medium."""
    both(guests.uri, "update-device {D} {f}/nic-down.xml; domif-getlink {D} {m}; update-device {D} {f}/nic-up.xml "
         "--live; domif-getlink {D} {m}; update-device {D} {f}/nic-model.xml; "
         "update-device {D} {f}/nic-down.xml --persistent; domif-getlink {D} {m} --config; domif-getlink {D} {m}; "
         "update-device {D} {f}/nic-up.xml --persistent --force; update-device {D} {f}/nic-up.xml --config; "
         "update-device {D} {f}/cd.xml; domblklist {D}; update-device {D} {f}/nosuch.xml; "
         "update-device {D} {f}/cd.xml --current --live",
         f=str(guests.folder), m=MAC)


def test_setvcpu(guests: Guests) -> None:
    """vCPU 1 on and off in the definition, plugged in live (unplugging needs ACPI), bad IDs."""
    both(guests.uri, "setvcpu {D} 1 --enable --config; vcpucount {D}; setvcpu {D} 1 --disable --config; "
         "vcpucount {D}; setvcpu {D} 1 --enable; vcpucount {D}; setvcpu {D} 1 --disable --live; "
         "setvcpu {D} 5 --enable; setvcpu {D} 0 --disable --config; setvcpu {D} x --enable")


def test_pm_without_agent(guests: Guests) -> None:
    """Without a guest agent QEMU refuses to suspend, and there is nothing to wake up."""
    both(guests.uri, "dompmsuspend {D} mem; dompmsuspend {D} disk --duration 5; dompmsuspend {D} hybrid; "
         "dompmsuspend {D} sleep; dompmwakeup {D}; domstate {D}")


def test_dirtyrate(guests: Guests) -> None:
    """A minute-long measurement starts; a second one while it runs is refused by QEMU."""
    both(guests.uri, "domdirtyrate-calc {D} --seconds 61; domdirtyrate-calc {D} --seconds 60")
    # QEMU's measuring thread marks the measurement as running once it starts: until then a
    # second request would be taken, so the refused ones wait for that on both guests.
    for name in (FOR_VIRSH, FOR_VSH):
        _until_measuring(guests.uri, name)
    both(guests.uri, "domdirtyrate-calc {D} --mode dirty-ring; domdirtyrate-calc {D}; "
         "domdirtyrate-calc {D} --mode page-sampling")


def _until_measuring(uri: str, name: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = virsh(uri, f"domstats {name} --dirtyrate")[0]
        if "dirtyrate.calc_status=1" in out:  # VIR_DOMAIN_DIRTYRATE_MEASURING
            return
        time.sleep(0.1)
    raise AssertionError(f"the dirty rate measurement of {name} never showed as running: {out!r}")


def test_fd_associate(guests: Guests) -> None:
    """FDs pass over the daemon's unix socket; over TCP the connection breaks, as in virsh."""
    both(guests.unix_uri, "dom-fd-associate {D} grp 0; dom-fd-associate {D} grp 0,1 --seclabel-writable "
         "--seclabel-restore; dom-fd-associate {D} grp 99; dom-fd-associate {D} grp ''; "
         "dom-fd-associate {D} grp x")
    both(guests.uri, "dom-fd-associate {D} grp 0; domstate {D}")


def test_memory_device(guests: Guests) -> None:
    both(guests.uri, "update-memory-device {D}; update-memory-device {D} --node 0 --print-xml; "
         "update-memory-device {D} --alias x --config")
