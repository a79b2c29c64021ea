"""Domain statistics commands on the test driver, compared with virsh byte for byte."""

from __future__ import annotations

import json
import re

import pytest

from tests.util import host_uri, same, virsh, vsh

DEFAULT = "test:///default"
COMMANDS = ["domstats", "dommemstat", "cpu-stats", "domblklist", "domblkinfo", "domblkstat", "domiflist",
            "domifstat", "domjobinfo", "domjobabort"]

@pytest.fixture
def host() -> str:
    return host_uri("domain_stats")


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
    assert _json("domstats", "--state", "test") == [{"name": "test", "state": "running", "reason": "unknown"}]
    mem = _json("dommemstat", "test")
    assert mem["actual_kib"] == 2097152 and mem["rss_kib"] == 1048576 and mem["last_update_seconds"] == 627319920
    cpu = _json("cpu-stats", "test")
    assert cpu["cpus"][1] == {"cpu": 1, "cpu_time_ns": 24386308518, "vcpu_time_ns": 23151740628}
    assert cpu["total"]["user_time_ns"] == 5540000000
    assert _json("domblklist", "test") == [
        {"type": "file", "device": "disk", "target": "vda", "source": "/guest/diskimage1"}]
    assert _json("domblkinfo", "test", "vda") == [{"target": "vda", "capacity_bytes": 1099506450432,
                                                   "allocation_bytes": 1099511627776, "physical_bytes": 1099511627776}]
    assert _json("domblkinfo", "test", "--all")[0]["target"] == "vda"
    stats = _json("domblkstat", "test", "vda")
    assert stats["target"] == "vda" and isinstance(stats["rd_operations"], int)
    assert _json("domiflist", "test")[0]["mac"] == "aa:bb:cc:dd:ee:ff"
    assert isinstance(_json("domifstat", "test", "testnet0")["rx_bytes"], int)
