"""Resource tuning commands (memtune, numatune, blkiotune, blkdeviotune, domiftune, perf,
set-lifecycle-action), compared with virsh on the test driver."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import json_documents, same, vsh
from vsh import completion

URI = "test:///default"

COMMANDS = ["memtune", "numatune", "blkiotune", "blkdeviotune", "domiftune", "perf", "set-lifecycle-action"]

TRANSIENT = """<domain type='test'>
  <name>tr</name>
  <memory>1048576</memory>
  <vcpu>2</vcpu>
  <numatune><memory mode='interleave' nodeset='0'/></numatune>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/tmp/x.img'/><target dev='hdb'/></disk>
    <interface type='network'><mac address='52:54:00:11:22:33'/><source network='default'/>
      <target dev='vnet7'/></interface>
  </devices>
</domain>
"""


@pytest.fixture
def transient(tmp_path: Path) -> Path:
    path = tmp_path / "tr.xml"
    path.write_text(TRANSIENT)
    return path


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("help", name)


def test_memtune() -> None:
    same("-c", URI, "memtune test; memtune test --soft-limit 1G --hard-limit 2G; memtune test; "
                    "memtune test --hard-limit -5; memtune test --hard-limit 1QB; memtune test --hard-limit ''; "
                    "memtune test --hard-limit 9223372036854775807k; memtune test --hard-limit 1.5G; "
                    "memtune test --hard-limit 12abc; memtune test --hard-limit ' 7'; memtune test --hard-limit -5xyz; "
                    "memtune test --min-guarantee 1; memtune test --swap-hard-limit 9223372036854775807; "
                    "memtune test --swap-hard-limit 9223372036854775808; memtune test --soft-limit 1023b; "
                    "memtune test; memtune test --config; memtune test --hard-limit 1 --config; memtune test --config; "
                    "memtune test --config --live; memtune test --current --live; memtune nope --hard-limit x; "
                    "memtune test --hard-limit 1KB --soft-limit x; memtune test")


def test_numatune() -> None:
    same("-c", URI, "numatune test; numatune test --mode restrictive; numatune test --mode 2 --nodeset 0-1; "
                    "numatune test; numatune test --mode 7; numatune test --mode 0x1; numatune test --mode foo; "
                    "numatune test --nodeset x; numatune test --config; numatune test --mode ' 1'; "
                    "numatune test --mode 010; numatune test --mode 0x; numatune test --mode +1; "
                    "numatune test --mode -1; numatune test --mode '1 '; numatune test --mode 08; "
                    "numatune test --mode 0X2; numatune test --mode 4294967297; numatune test --mode ''; "
                    "numatune test --nodeset ''; numatune nope --mode foo; numatune test --mode 1 --config; "
                    "numatune test --config; numatune test --mode Strict; numatune test --current --config")


def test_blkiotune() -> None:
    same("-c", URI, "blkiotune test --weight 500; blkiotune test; blkiotune test --weight 0; "
                    "blkiotune test --weight -1; blkiotune test --weight x; blkiotune test --weight 2147483648; "
                    "blkiotune test --device-weights ''; blkiotune test --device-weights /dev/sda,100; "
                    "blkiotune test --device-read-iops-sec /dev/sda,5 --device-write-iops-sec /dev/sda,6 "
                    "--device-read-bytes-sec /dev/sda,7 --device-write-bytes-sec /dev/sda,8; blkiotune test; "
                    "blkiotune test --config; blkiotune test --weight 100 --config; blkiotune test --config; "
                    "blkiotune test --device-weights foo; blkiotune nope; blkiotune test --weight 10 --live --config; "
                    "blkiotune test --device-read-iops-sec ''")


def test_blkdeviotune() -> None:
    same("-c", URI, "blkdeviotune test vda; blkdeviotune test vda --total-bytes-sec 1M --read-iops-sec 5 "
                    "--group-name g1 --total-bytes-sec-max-length 3; blkdeviotune test vda; "
                    "blkdeviotune test vda --total_bytes_sec 2k --read_bytes_sec 1 --write_bytes_sec 1KB; "
                    "blkdeviotune test vda; blkdeviotune test vda --total-bytes-sec 1 --read-bytes-sec 1; "
                    "blkdeviotune test vda --read-bytes-sec-max 5 --write-bytes-sec-max 6 --total-bytes-sec-max 7 "
                    "--total-iops-sec-max 1 --read-iops-sec-max 1 --write-iops-sec-max 1 --size-iops-sec 4096 "
                    "--read_bytes_sec_max_length 2 --write-bytes-sec-max-length 2 --total-iops-sec-max-length 2 "
                    "--read-iops-sec-max-length 2 --write-iops-sec-max-length 2 --group_name x; "
                    "blkdeviotune test vda --config; blkdeviotune test vda --live; "
                    "blkdeviotune test vda --total-iops-sec 9 --config; blkdeviotune test vda --config; "
                    "destroy test; blkdeviotune test vda; blkdeviotune test vda --live; "
                    "blkdeviotune test vda --total-iops-sec 1 --live; blkdeviotune test vda --total-iops-sec 1")


def test_blkdeviotune_bad_values() -> None:
    same("-c", URI, "blkdeviotune test vda --total-bytes-sec 1QB; blkdeviotune test vda --total-bytes-sec "
                    "99999999999999999999; blkdeviotune test vda --total-bytes-sec 20000000000000000000k; "
                    "blkdeviotune test vda --total-bytes-sec -1; blkdeviotune test vda --total-iops-sec -1; "
                    "blkdeviotune nope vda --total-iops-sec x; blkdeviotune test vdb; "
                    "blkdeviotune test vdb --total-iops-sec 5; blkdeviotune test vda --group-name ''; "
                    "blkdeviotune test ''; blkdeviotune test vda --read-iops-sec 1 --total-bytes-sec x; "
                    "blkdeviotune test vda --total-bytes-sec 20EiB; blkdeviotune test vda --size-iops-sec ''")


def test_domiftune() -> None:
    same("-c", URI, "domiftune test testnet0; domiftune test aa:bb:cc:dd:ee:ff --inbound 100,200,300; "
                    "domiftune test testnet0; domiftune test testnet0 --config; domiftune test 52:54:00:00:00:00; "
                    "domiftune test testnet0 --outbound 1,2,3; domiftune test testnet0; "
                    "domiftune test testnet0 --inbound 1 --config; domiftune test testnet0 --config")


def test_domiftune_bad_rates() -> None:
    same("-c", URI, "domiftune test testnet0 --inbound 1,2,3,4,5; domiftune test testnet0 --inbound a; "
                    "domiftune test testnet0 --inbound ,x; domiftune test testnet0 --inbound ,,,x; "
                    "domiftune test testnet0 --inbound 4294967296; domiftune test testnet0 --inbound 0,5; "
                    "domiftune test testnet0 --inbound 0,5,0,1; domiftune test testnet0 --outbound 0,5; "
                    "domiftune test testnet0 --outbound 1,0,0,1; domiftune test testnet0 --inbound ''; "
                    "domiftune test ''; domiftune test testnet0 --inbound ,; domiftune test testnet0 --inbound 5,,,; "
                    "domiftune test testnet0 --inbound -1; domiftune test nope --inbound 1; "
                    "domiftune test testnet0 --inbound 1,2,3,99999999999; "
                    "domiftune test testnet0 --outbound 4294967296; "
                    "domiftune nope x --inbound y; domiftune test testnet0")


def test_perf() -> None:
    same("-c", URI, "perf test; perf test --enable cmt,cpu_cycles; perf test; perf test --disable cmt --enable mbml; "
                    "perf test --enable foo; perf test --enable cmt,,mbmt, --disable cmt; perf test --enable ''; "
                    "perf test --enable ,; perf test --config; perf test --enable cmt --config; perf test --config; "
                    "perf test --live --config; perf nope; perf nope --enable ''; destroy test; perf test; "
                    "perf test --live; perf test --enable cmt")


def test_set_lifecycle_action() -> None:
    same("-c", URI, "set-lifecycle-action test crash coredump-restart; set-lifecycle-action test foo bar; "
                    "set-lifecycle-action test poweroff bar; set-lifecycle-action test '' restart; "
                    "set-lifecycle-action test reboot ''; set-lifecycle-action nope foo bar; "
                    "set-lifecycle-action nope reboot restart; set-lifecycle-action test reboot rename-restart --live; "
                    "set-lifecycle-action test poweroff preserve --config; dumpxml test --xpath //on_crash; "
                    "destroy test; set-lifecycle-action test poweroff destroy --live; "
                    "set-lifecycle-action test reboot preserve; dumpxml test --xpath //on_reboot; "
                    "set-lifecycle-action test crash coredump-destroy --current --live")


def test_transient_and_inactive(transient: Path) -> None:
    same("-c", URI, f"create {transient}; numatune tr; numatune tr --config; memtune tr --config; "
                    "blkiotune tr --config; perf tr --config; blkdeviotune tr hdb; blkdeviotune tr hdb --config; "
                    "domiftune tr vnet7; domiftune tr 52:54:00:11:22:33 --inbound 10 --config; "
                    "set-lifecycle-action tr crash destroy --config; set-lifecycle-action tr crash destroy")
    same("-c", URI, "destroy test; memtune test --live; memtune test; numatune test --live; numatune test; "
                    "numatune test --mode preferred; numatune test; perf test; perf test --live; "
                    "blkiotune test --live; blkiotune test --weight 7; blkiotune test; domiftune test testnet0 --live; "
                    "domiftune test testnet0 --inbound 5; domiftune test testnet0")


def test_quiet_and_readonly() -> None:
    same("-q", "-c", URI, "perf test --enable cmt; perf test; memtune test; numatune test; blkiotune test; "
                          "domiftune test testnet0; blkdeviotune test vda")
    same("-r", "-c", URI, "memtune test --hard-limit 1; numatune test --mode 1; blkiotune test --weight 1; "
                          "blkdeviotune test vda --total-iops-sec 1; domiftune test testnet0 --inbound 1; "
                          "perf test --enable cmt; set-lifecycle-action test crash destroy; memtune test; perf test")


def test_json() -> None:
    res = vsh("--json", "-c", URI, "memtune test --hard-limit 2G; memtune test; numatune test; blkiotune test; "
                                   "blkdeviotune test vda; domiftune test testnet0; perf test --enable cmt; "
                                   "perf test --disable cmt")
    assert res.rc == 0 and res.err == ""
    mem, numa, blkio, iotune, iface, enabled, perf = json_documents(res.out)
    assert mem == {"hard_limit_kib": 2097152, "soft_limit_kib": None, "swap_hard_limit_kib": None,
                   "min_guarantee_kib": None}
    assert numa == {"numa_mode": "strict", "numa_nodeset": ""}
    assert blkio["weight"] == 0 and blkio["device_weight"] == ""
    assert iotune["total_bytes_per_second"] == 0 and iotune["group_name"] == ""
    assert list(iface) == ["inbound_average_kib_per_second", "inbound_peak_kib_per_second", "inbound_burst_kib",
                           "inbound_floor_kib_per_second", "outbound_average_kib_per_second",
                           "outbound_peak_kib_per_second", "outbound_burst_kib"]
    # Every event always; those a change did not touch are null.
    assert {k: v for k, v in enabled.items() if v is not None} == {"cmt": True}
    assert {k: v for k, v in perf.items() if v is not None} == {"cmt": False}
    assert list(enabled) == list(perf) and len(perf) > 1
    bad = vsh("--json", "-c", URI, "memtune test --hard-limit 1QB")
    assert bad.rc == 1 and bad.out == ""
    err = json.loads(bad.err)["error"]
    assert err["message"] == "Unable to parse integer parameter hard-limit"
    assert err["detail"] == "invalid argument: unknown suffix 'QB'"


def test_completion() -> None:
    import libvirt

    conn = libvirt.open(URI)
    try:
        def texts(line: str) -> list[str]:
            return [c.text for c in completion.complete_text(
                line, lambda kind, given: completion.fetch(conn, kind, given))[1]]

        assert texts("set-lifecycle-action test ") == ["poweroff", "reboot", "crash"]
        assert texts("set-lifecycle-action test crash coredump-") == ["coredump-destroy", "coredump-restart"]
        assert texts("numatune test --mode ") == ["strict", "preferred", "interleave", "restrictive"]
        assert texts("perf test --enable cpu_") == ["cpu_cycles", "cpu_clock", "cpu_migrations"]
        assert texts("perf test --disable page_") == ["page_faults", "page_faults_min", "page_faults_maj"]
        assert texts("blkdeviotune test ") == ["vda"]
        assert texts("domiftune test ") == ["testnet0"]
    finally:
        conn.close()
