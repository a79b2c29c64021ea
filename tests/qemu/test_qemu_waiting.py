"""--wait and `wait` on a real QEMU guest.

The tiny boot-sector guest ignores ACPI: a graceful shutdown or reboot never completes, so
the wait must time out cleanly (one `error:` line naming the state, exit 1, the guest left
running), and `shutdown --wait --timeout N --force` must then stop it.  The Linux guest's
agent answers, so `wait --agent` returns, and its init gives the user-mode NIC an address
that the agent reports, so `wait --ip` returns; the boot-sector guest has no address, so
`wait --ip` times out there.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import libvirt
import pytest

from tests.support import guest, linuxguest
from tests.support.libvirtd import QemuDaemon

ROOT = Path(__file__).resolve().parents[2]


def vsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    proc = subprocess.run([sys.executable, "-m", "vsh", "-c", uri, *opts, line], capture_output=True, text=True,
                          timeout=120, cwd=str(ROOT))
    return proc.stdout, proc.stderr, proc.returncode


@pytest.fixture(scope="module")
def waiting_guest(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[str, str, Path]]:
    """(uri, name, xml file) of a defined boot-sector guest of this module, its own disk copy."""
    uri = qemu_daemon.qemu_uri
    name = f"vshc-wait-{os.getpid()}"
    xml = guest.own_copy(guest_image, tmp_path_factory.mktemp("wait"), name)
    conn = libvirt.open(uri)
    try:
        conn.defineXML(xml.read_text())
        yield uri, name, xml
    finally:
        try:
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        except libvirt.libvirtError:
            pass
        conn.close()


@contextmanager
def started(uri: str, name: str) -> Iterator[None]:
    """The guest running for the block, destroyed after it."""
    assert vsh(uri, f"start {name} --wait --timeout 30")[2] == 0
    try:
        yield
    finally:
        vsh(uri, f"destroy {name}")


def state(uri: str, name: str) -> str:
    conn = libvirt.open(uri)
    try:
        from vsh.domstate import state_name

        return state_name(conn.lookupByName(name).state()[0])
    except libvirt.libvirtError:
        return "gone"
    finally:
        conn.close()


def test_start_suspend_resume_destroy_wait(waiting_guest: tuple[str, str, Path]) -> None:
    uri, g, _xml = waiting_guest
    out, err, rc = vsh(uri, f"start {g} --wait --timeout 30; suspend {g} --wait --timeout 10; "
                            f"resume {g} --wait --timeout 10; destroy {g} --wait --timeout 10", "-q")
    assert (out, err, rc) == ("", "", 0)
    assert state(uri, g) == "shut off"


def test_shutdown_ignored_times_out_then_force_stops_it(waiting_guest: tuple[str, str, Path]) -> None:
    uri, g, _xml = waiting_guest
    assert vsh(uri, f"start {g} --wait --timeout 30")[2] == 0
    began = time.monotonic()
    out, err, rc = vsh(uri, f"shutdown {g} --wait --timeout 2")
    assert time.monotonic() - began < 30
    assert (out, err, rc) == (f"Domain '{g}' is being shutdown\n\n",
                              f"error: timed out after 2 seconds waiting for domain '{g}' to be shut off; "
                              "it is running\n", 1)
    assert state(uri, g) == "running"  # nothing else changed
    out, err, rc = vsh(uri, f"shutdown {g} --wait --timeout 2 --force")
    assert (out, err, rc) == (f"Domain '{g}' is being shutdown\nDomain '{g}' did not shut down within "
                              "2 seconds and was destroyed\n\n", "", 0)
    assert state(uri, g) == "shut off"


def test_reboot_ignored_times_out(waiting_guest: tuple[str, str, Path]) -> None:
    uri, g, _xml = waiting_guest
    assert vsh(uri, f"start {g} --wait --timeout 30")[2] == 0
    out, err, rc = vsh(uri, f"reboot {g} --wait --timeout 2")
    assert (out, rc) == (f"Domain '{g}' is being rebooted\n\n", 1)
    assert err == (f"error: timed out after 2 seconds waiting for domain '{g}' to be running again after "
                   "the reboot; it is running\n")
    vsh(uri, f"destroy {g}")


def test_wait_state_wakes_on_the_event(waiting_guest: tuple[str, str, Path]) -> None:
    """A `wait` in one process ends when another client changes the domain."""
    uri, g, _xml = waiting_guest
    assert vsh(uri, f"start {g} --wait --timeout 30")[2] == 0
    proc = subprocess.Popen([sys.executable, "-m", "vsh", "-c", uri, "--json",
                             f"echo ready; wait {g} --state paused --timeout 60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    time.sleep(1)
    assert vsh(uri, f"suspend {g}")[2] == 0
    out, err = proc.communicate(timeout=60)
    assert (err, proc.returncode) == ("", 0)
    doc = json.loads(out)
    assert (doc["name"], doc["condition"], doc["reached"]) == (g, "state", "paused")
    assert 0.5 < doc["elapsed_seconds"] < 30
    vsh(uri, f"destroy {g}")


def test_transient_guest_gone_after_forced_shutdown(waiting_guest: tuple[str, str, Path], tmp_path: Path) -> None:
    uri, g, xml = waiting_guest
    text = xml.read_text().replace(f"<name>{g}</name>", f"<name>{g}-t</name>")
    (tmp_path / "t.xml").write_text(text)
    out, err, rc = vsh(uri, f"create {tmp_path / 't.xml'} --wait --timeout 30; "
                            f"shutdown {g}-t --wait --timeout 1 --force")
    assert (err, rc) == ("", 0)
    assert out.endswith("did not shut down within 1 second and was destroyed\n\n")
    assert state(uri, f"{g}-t") == "gone"


def test_wait_agent(agent_guest: linuxguest.Running) -> None:
    out, err, rc = vsh(agent_guest.uri, f"wait {agent_guest.name} --agent --timeout 60")
    assert (err, rc) == ("", 0)
    assert out.startswith(f"The guest agent of domain '{agent_guest.name}' answers after ")


def test_wait_ip_reports_the_address_the_agent_sees(agent_guest: linuxguest.Running) -> None:
    uri, g = agent_guest.uri, agent_guest.name
    out, err, rc = vsh(uri, f"wait {g} --ip --timeout 60")
    assert (err, rc) == ("", 0)
    # Loopback and link-local addresses are left out: eth0's address, from the agent (no lease, no ARP here).
    assert re.fullmatch(rf"Domain '{g}' has address {re.escape(linuxguest.GUEST_ADDRESS)}/24 on eth0 "
                        r"\(from agent\) after \d+\.\d seconds\n\n", out), out
    out, err, rc = vsh(uri, f"wait {g} --ip --timeout 60", "--json")
    assert (err, rc) == ("", 0)
    doc = json.loads(out)
    assert {k: v for k, v in doc.items() if k != "elapsed_seconds"} == {
        "name": g, "condition": "ip", "reached": linuxguest.GUEST_ADDRESS,
        "addresses": [{"interface": "eth0", "address": linuxguest.GUEST_ADDRESS, "prefix": 24, "source": "agent"}]}
    assert 0 <= doc["elapsed_seconds"] < 30


def test_wait_ip_times_out_on_a_guest_without_an_address(waiting_guest: tuple[str, str, Path]) -> None:
    uri, g, _xml = waiting_guest
    with started(uri, g):
        began = time.monotonic()
        out, err, rc = vsh(uri, f"wait {g} --ip --timeout 2")
        assert 2 <= time.monotonic() - began < 30
        assert (out, err, rc) == ("\n", f"error: timed out after 2 seconds waiting for domain '{g}' to have an IP "
                                        "address; the domain is running\n", 1)
        out, err, rc = vsh(uri, f"wait {g} --ip --timeout 1", "--json")
        assert (out, rc) == ("", 1)
        assert json.loads(err)["error"]["message"] == (f"timed out after 1 second waiting for domain '{g}' to have "
                                                       "an IP address; the domain is running")


def test_top_samples_a_real_guest(waiting_guest: tuple[str, str, Path]) -> None:
    """One bulk stats call per sample gives a QEMU guest's CPU, memory, block and network columns."""
    uri, g, _xml = waiting_guest
    with started(uri, g):
        out, err, rc = vsh(uri, "top --delay 0.5 --iterations 2", "--json")
        assert (err, rc) == ("", 0)
        samples = [json.loads(line) for line in out.splitlines()]
        assert len(samples) == 2
        row = next(r for r in samples[1]["domains"] if r["name"] == g)
        assert row["state"] == "running" and row["vcpus"] == 1 and row["memory_kib"] == 32768
        assert 0 <= row["cpu_percent"] <= 100 and row["cpu_time_ns"] > 0
        assert row["block_rd_bytes_per_second"] is not None and row["block_wr_bytes_per_second"] is not None
        out, err, rc = vsh(uri, "top --delay 0.5 --iterations 1 --csv")
        assert out.splitlines()[0].startswith("timestamp,host,id,name,state,cpu_percent")
        assert any(line.split(",")[3] == g for line in out.splitlines()[1:])


def test_wait_agent_without_an_agent_channel_fails_at_once(waiting_guest: tuple[str, str, Path]) -> None:
    uri, g, _xml = waiting_guest
    with started(uri, g):
        began = time.monotonic()
        out, err, rc = vsh(uri, f"wait {g} --agent --timeout 60")
        assert time.monotonic() - began < 30
        assert (err, rc) == (f"error: domain '{g}' has no guest agent\n"
                             "error: argument unsupported: QEMU guest agent is not configured\n", 1)
