"""Domain statistics commands on the test driver, compared with virsh byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.util import same, virsh, vsh

DEFAULT = "test:///default"
COMMANDS = ["domstats", "dommemstat", "cpu-stats", "domblklist", "domblkinfo", "domblkstat", "domiflist",
            "domifstat", "domjobinfo", "domjobabort"]

NODE = """<node>
  <domain type='test'>
    <name>multi</name>
    <uuid>8f0c7c55-3a5e-4d6b-9a2c-1f1b2c3d4e5f</uuid>
    <memory>1048576</memory>
    <vcpu>2</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><source file='/var/lib/a.img'/><target dev='vda' bus='virtio'/></disk>
      <disk type='block' device='disk'><source dev='/dev/sdb'/><target dev='sdb' bus='scsi'/></disk>
      <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
      <disk type='network' device='disk'>
        <source protocol='nbd' name='export'><host name='example.org' port='10809'/></source>
        <target dev='vdb' bus='virtio'/>
      </disk>
      <disk type='volume' device='disk'><source pool='default-pool' volume='vol1'/><target dev='vdc'/></disk>
      <disk type='nvme' device='disk'>
        <source type='pci' managed='yes' namespace='1'>
          <address domain='0x0001' bus='0x02' slot='0x00' function='0x0'/>
        </source>
        <target dev='vdd' bus='virtio'/>
      </disk>
      <interface type='bridge'>
        <mac address='52:54:00:00:00:01'/><source bridge='br0'/><target dev='vnet7'/><model type='virtio'/>
      </interface>
      <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/></interface>
      <interface type='user'><mac address='52:54:00:00:00:03'/></interface>
    </devices>
  </domain>
  <domain type='test'>
    <name>off</name>
    <uuid>8f0c7c55-3a5e-4d6b-9a2c-1f1b2c3d4e60</uuid>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <devices>
      <disk type='network' device='disk'>
        <source protocol='nbd' name='export'><host name='example.org' port='10809'/></source>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</node>
"""


@pytest.fixture
def host(tmp_path: Path) -> str:
    path = tmp_path / "node.xml"
    path.write_text(NODE)
    return f"test://{path}"


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("help", name)


def test_help_groups_list_the_commands() -> None:
    out = vsh("help", "monitor").out
    for name in ("domblkinfo", "domblklist", "domblkstat", "domiflist", "domifstat", "dommemstat", "domstats"):
        assert f"    {name} " in out
    for name in ("cpu-stats", "domjobabort", "domjobinfo"):
        assert f"    {name} " in vsh("help", "domain").out


@pytest.mark.parametrize("line", [
    "domstats",
    "domstats --raw test",
    "domstats --state --list-running; domstats --list-shutoff; domstats --list-inactive --list-paused",
    "domstats --cpu-total --balloon --vcpu --interface --block --perf --iothread --memory --dirtyrate test",
    "domstats --backing --nowait --block --list-persistent --list-transient --list-other --list-active",
    "domstats --vm --enforce",
    "domstats test nosuch",
    "domstats --state test 1 6695eb01-f6a4-8304-79aa-97f2502e193f",
    "destroy test; domstats --list-inactive; domstats --list-active",
])
def test_domstats(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "dommemstat test",
    "dommemstat test --period 5; dommemstat test --period 0 --live",
    "dommemstat test --period -1",
    "dommemstat test --period x",
    "dommemstat nosuch --period x",
    "dommemstat test 5",
    "dommemstat test --live --current",
    "dommemstat test --config --current",
    "dommemstat test --config",
    "destroy test; dommemstat test",
])
def test_dommemstat(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "cpu-stats test",
    "cpu-stats test --total",
    "cpu-stats test --start 1",
    "cpu-stats test --start 1 --count 5",
    "cpu-stats test --count 1 --total",
    "cpu-stats test --count 0",
    "cpu-stats test --start 2",
    "cpu-stats test --start -1",
    "cpu-stats test --count -1",
    "cpu-stats test --start x",
    "cpu-stats nosuch --start x",
    "cpu-stats test 1",
])
def test_cpu_stats(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "domblklist test", "domblklist test --details", "domblklist test --inactive", "domblklist nosuch",
    "domblkinfo test vda", "domblkinfo test --device vda --human", "domblkinfo test --all",
    "domblkinfo test --all --human", "domblkinfo test", "domblkinfo test ''", "domblkinfo test vdz",
    "domblkinfo test --all --device vda",
    "domiflist test", "domiflist test --inactive", "domiflist nosuch",
    "domblkstat test", "domblkstat test vdz", "domifstat test vnet0", "domifstat test",
])
def test_block_and_interface_lists(line: str) -> None:
    same("-c", DEFAULT, line)


@pytest.mark.parametrize("line", [
    "domblklist multi --details", "domblklist multi", "domblklist off --inactive",
    "domblkinfo multi --all", "domblkinfo multi --all --human", "domblkinfo multi hdc", "domblkinfo multi vdd",
    "domblkinfo off --all", "destroy off; domblkinfo off --all; domblkinfo off vda",
    "domiflist multi", "domiflist multi --inactive",
    "domstats --block --interface --state multi off",
])
def test_many_kinds_of_devices(host: str, line: str) -> None:
    same("-c", host, line)


def _digits(text: str) -> str:
    return re.sub(r"\d+", "N", text)


@pytest.mark.parametrize("line", [
    "domblkstat test vda", "domblkstat test vda --human", "domblkstat test --device vda --human",
    "domifstat test testnet0", "domifstat test aa:bb:cc:dd:ee:ff",
])
def test_counters_have_virsh_layout(line: str) -> None:
    """The test driver's counters grow with the clock: compare everything but the numbers."""
    expected, got = virsh("-c", DEFAULT, line), vsh("-c", DEFAULT, line)
    assert (_digits(got.out), got.err, got.rc) == (_digits(expected.out), expected.err, expected.rc)
    assert got.out.count("\n") == expected.out.count("\n") > 2


@pytest.mark.parametrize("line", [
    "domjobinfo test", "domjobinfo test --completed", "domjobinfo test --rawstats",
    "domjobinfo test --anystats", "domjobinfo test --keep-completed", "domjobinfo nosuch",
    "domjobabort test", "domjobabort test --postcopy", "domjobabort nosuch",
])
def test_jobs(line: str) -> None:
    same("-c", DEFAULT, line)


def _json(*args: str) -> object:
    result = vsh("--json", "-c", DEFAULT, *args)
    assert result.rc == 0, result.err
    return json.loads(result.out)


def test_json_shapes() -> None:
    assert _json("domstats", "--state", "test") == [
        {"domain": "test", "stats": {"state.state": 1, "state.reason": 0}}]
    mem = _json("dommemstat", "test")
    assert mem["actual"] == 2097152 and mem["rss"] == 1048576
    cpu = _json("cpu-stats", "test")
    assert cpu["cpus"][1] == {"cpu": 1, "cpu_time": 24386308518, "vcpu_time": 23151740628}
    assert cpu["total"]["user_time"] == 5540000000
    assert _json("domblklist", "test") == [
        {"type": "file", "device": "disk", "target": "vda", "source": "/guest/diskimage1"}]
    assert _json("domblkinfo", "test", "vda") == {
        "capacity": 1099506450432, "allocation": 1099511627776, "physical": 1099511627776}
    assert _json("domblkinfo", "test", "--all")[0]["target"] == "vda"
    stats = _json("domblkstat", "test", "vda")
    assert stats["device"] == "vda" and isinstance(stats["stats"]["rd_operations"], int)
    assert _json("domiflist", "test")[0]["mac"] == "aa:bb:cc:dd:ee:ff"
    assert isinstance(_json("domifstat", "test", "testnet0")["rx_bytes"], int)
