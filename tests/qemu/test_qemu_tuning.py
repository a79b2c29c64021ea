"""CPU affinity, IOThreads and resource tuning of a real QEMU guest: vsh prints what virsh prints.

The test driver runs every one of these commands; here the same commands meet QEMU's own
typed parameters (cgroups, throttling, perf), a remote connection and a guest with fewer
vCPUs online than its maximum.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable

NAME = "vsh-tune"
MAC = "52:54:00:5e:00:07"
ROOT = Path(__file__).resolve().parents[2]


def _run(prog: list[str], uri: str, line: str) -> tuple[str, str, int]:
    proc = subprocess.run([*prog, "-c", uri, line], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    return proc.stdout, proc.stderr, proc.returncode


def virsh(uri: str, line: str) -> tuple[str, str, int]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return _run(["virsh"], uri, line)


def vsh(uri: str, line: str) -> tuple[str, str, int]:
    return _run([sys.executable, "-m", "vsh"], uri, line)


@pytest.fixture(scope="module")
def running(qemu_daemon: QemuDaemon, guest_image: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The guest with 1 of 2 vCPUs online, an IOThread and a NIC, running; and its saved definition."""
    uri = qemu_daemon.qemu_uri
    xml = guest.domain_xml(guest_image, name=NAME, vnc=False)
    xml = xml.replace("<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>\n  <iothreads>1</iothreads>")
    xml = xml.replace("</devices>", f"<interface type='user'><mac address='{MAC}'/><model type='rtl8139'/>"
                                    "</interface>\n</devices>")
    path = tmp_path_factory.mktemp("tune") / "guest.xml"
    path.write_text(xml)
    out, err, rc = virsh(uri, f"define {path}; start {NAME}")
    assert rc == 0, err
    saved = path.with_name("saved.xml")
    out, err, rc = virsh(uri, f"dumpxml {NAME} --inactive")
    assert rc == 0, err
    saved.write_text(out)
    try:
        yield uri, saved
    finally:
        virsh(uri, f"destroy {NAME}; undefine {NAME}")


@pytest.mark.parametrize("line", [
    f"vcpupin {NAME}; vcpupin {NAME} --config; vcpupin {NAME} --live; vcpupin {NAME} 1; vcpupin {NAME} 2; "
    f"vcpupin {NAME} 0 0; vcpupin {NAME}; vcpupin {NAME} 1 0 --config; vcpupin {NAME} --config; "
    f"vcpupin {NAME} 0 r; vcpupin {NAME} 1 r --config; vcpupin {NAME} 0 999; vcpupin {NAME} 0 1-x",
    f"emulatorpin {NAME}; emulatorpin {NAME} --config; emulatorpin {NAME} 0; emulatorpin {NAME}; "
    f"emulatorpin {NAME} r --live --config; emulatorpin {NAME} --config",
    f"iothreadinfo {NAME}; iothreadinfo {NAME} --config; iothreadadd {NAME} 2; iothreadinfo {NAME}; domstats --iothread {NAME}; "
    f"iothreadpin {NAME} 2 0; iothreadinfo {NAME}; iothreadset {NAME} 2 --poll-max-ns 1000 --poll-grow 2 "
    f"--poll-shrink 2; domstats --iothread {NAME}; iothreadset {NAME} 2 --thread-pool-min 1 --thread-pool-max 2; iothreadset {NAME} 9 "
    f"--poll-grow 1; iothreaddel {NAME} 2; iothreaddel {NAME} 2; iothreadinfo {NAME}; iothreadadd {NAME} 3 --config; "
    f"iothreadinfo {NAME} --config; iothreaddel {NAME} 3 --config",
    f"memtune {NAME}; memtune {NAME} --config; memtune {NAME} --soft-limit 1G --config; memtune {NAME} --config; "
    f"memtune {NAME} --hard-limit -1 --config; memtune {NAME} --config",
    f"numatune {NAME}; numatune {NAME} --config; numatune {NAME} --mode interleave --config; "
    f"numatune {NAME} --nodeset 0 --config; numatune {NAME} --config; numatune {NAME} --mode 9 --config",
    f"blkiotune {NAME}; blkiotune {NAME} --config; blkiotune {NAME} --weight 300 --config; "
    f"blkiotune {NAME} --config",
    f"blkdeviotune {NAME} hda; blkdeviotune {NAME} hda --config; blkdeviotune {NAME} hda --total-iops-sec 100 "
    f"--group-name g --config; blkdeviotune {NAME} hda --config; blkdeviotune {NAME} hdz",
    f"domiftune {NAME} {MAC}; domiftune {NAME} {MAC} --config; domiftune {NAME} {MAC} --inbound 100,200,300 "
    f"--config; domiftune {NAME} {MAC} --config",
    f"perf {NAME}; perf {NAME} --config; perf {NAME} --enable cmt --config; perf {NAME} --config",
    f"set-lifecycle-action {NAME} crash destroy --config; set-lifecycle-action {NAME} reboot restart; "
    f"set-lifecycle-action {NAME} poweroff preserve --live",
])
def test_same_as_virsh(running: tuple[str, Path], line: str) -> None:
    """Each line leaves the live state as it found it; the persistent one is defined anew after each run."""
    uri, saved = running
    reset = f"define {saved}"
    try:
        got = vsh(uri, line)
        assert virsh(uri, reset)[2] == 0
        assert got == virsh(uri, line)
    finally:
        virsh(uri, reset)
