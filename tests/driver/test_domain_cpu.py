"""CPU affinity and IOThread commands (vcpupin, emulatorpin, iothreadinfo, iothreadpin, iothreadadd,
iothreadset, iothreaddel) and the CPU-list parser, compared with virsh on the test driver."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_uri, json_documents, same, vsh
from vsh import completion
from vsh.cpulist import format_bitmap, parse_bitmap, parse_cpulist
from vsh.errors import VshError

URI = "test:///default"

COMMANDS = ["vcpupin", "emulatorpin", "iothreadinfo", "iothreadpin", "iothreadadd", "iothreadset", "iothreaddel"]

#: A guest with 2 of 4 vCPUs online, pinning in <cputune> and two IOThreads.
GUEST = """<domain type='test'>
  <name>{name}</name>
  <memory>1048576</memory>
  <vcpu placement='static' current='2'>4</vcpu>
  <iothreads>2</iothreads>
  <cputune>
    <vcpupin vcpu='1' cpuset='2-3'/>
    <vcpupin vcpu='3' cpuset='5'/>
    <emulatorpin cpuset='4-6,^5'/>
    <iothreadpin iothread='2' cpuset='7'/>
  </cputune>
  <os><type>hvm</type></os>
</domain>
"""

#: CPU lists virsh takes or refuses (the test host has 8 CPUs, virsh parses into 1024 bits).
CPULISTS = ["", " ", "r", "rubbish", "R", "0", "7", "8", "1023", "1024", "-1", "^1", "0-7,^3", "0-3,^2",
            " 1, 2", "1 ,2", "1- 3", "1 -3", "1-+3", "3-1", "0-", "a", "1,,2", "1,", ",1", "0x1", "^", "1-3-4",
            "^1-2", "01", "2147483648", "1,^1", "1-2 ", "+1", "0-2,^0,^1,^2", "1^2", "1,^2000", "^5,1", "1-1024",
            "  0", "0\t", "1-2,^1", "2-2", "0--0", "^ 1", "1-99999999999", "4294967297", "1 2", "1,^1,2", "r,junk"]


@pytest.fixture
def guest(tmp_path: Path) -> Path:
    path = tmp_path / "guest.xml"
    path.write_text(GUEST.format(name="tr"))
    return path


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("help", name)


def _quote(text: str) -> str:
    return "'" + text + "'"


def test_vcpupin_cpulists() -> None:
    """Every list pinned then read back: virBitmapParse, virshParseCPUList and the table."""
    line = "; ".join(f"vcpupin test 1 {_quote(c)}; vcpupin test --vcpu 1" for c in CPULISTS)
    same("-c", URI, line)


def test_cpulist_helpers() -> None:
    assert parse_bitmap("0-3,^2, 7") == {0, 1, 3, 7}
    assert format_bitmap({0, 1, 3, 5, 6, 7}) == "0-1,3,5-7"
    assert format_bitmap([]) == ""
    assert parse_cpulist("r", 3) == (True, True, True)
    assert parse_cpulist("1", 3) == (False, True, False)
    with pytest.raises(VshError, match="exceed the maxcpu 3"):
        parse_cpulist("3", 3)


def test_vcpupin_modes_and_flags() -> None:
    same("-c", URI, "vcpupin test; vcpupin test 1 2-3,^3; vcpupin test; vcpupin test --vcpu 1; vcpupin test --config; "
                    "setvcpus test 1; vcpupin test; vcpupin test 1; vcpupin test 2; vcpupin test 2 --config; "
                    "vcpupin test --live --config; vcpupin test 1 1 --live --config; vcpupin test 1 1 --current; "
                    "vcpupin test --vcpu 3 --cpulist 1; vcpupin test 0 1 --live; vcpupin test 0 1 --config; "
                    "vcpupin test --current --live; vcpupin test 1 --current --config; vcpupin test --cpulist 1; "
                    "vcpupin test --cpulist ''")


def test_vcpupin_bad_numbers_and_lookup() -> None:
    same("-c", URI, "vcpupin test 4294967295 1; vcpupin test 2147483648 1 --config; vcpupin test -1 1; "
                    "vcpupin test 4294967296 1; vcpupin test x; vcpupin test '' 0-1; vcpupin test ''; "
                    "vcpupin nope 0 1; vcpupin nope; vcpupin nope 0 x; vcpupin nope x; vcpupin test 0 x; "
                    "vcpupin test 9 x; vcpupin '' 0 1; vcpupin test 9; vcpupin test 9 --config")


def test_inactive_and_transient(guest: Path) -> None:
    same("-c", URI, f"create {guest}; vcpupin tr; vcpupin tr --config; vcpupin tr --live; vcpupin tr 3; "
                    "vcpupin tr 4; vcpupin tr 3 --config; emulatorpin tr; emulatorpin tr --config; "
                    "emulatorpin tr 1 --config; iothreadinfo tr; iothreadinfo tr --config; "
                    "iothreadpin tr 1 0 --config; iothreadadd tr 9 --config; iothreaddel tr 1 --config")
    same("-c", URI, f"define {guest}; vcpupin tr; vcpupin tr --live; vcpupin tr 3; vcpupin tr 4; emulatorpin tr; "
                    "emulatorpin tr --live; emulatorpin tr 3; emulatorpin tr 3 --current; emulatorpin tr; "
                    "iothreadinfo tr; iothreadinfo tr --live; iothreadpin tr 2 1-2; iothreadinfo tr; "
                    "start tr; vcpupin tr; vcpupin tr --config; emulatorpin tr; iothreadinfo tr; "
                    "vcpupin tr 3 r; vcpupin tr 1 r; vcpupin tr; iothreadpin tr 1 6 --live; iothreadinfo tr")


def test_emulatorpin() -> None:
    same("-c", URI, "emulatorpin test; emulatorpin test 1,3; emulatorpin test; emulatorpin test --config; "
                    "emulatorpin test 2 --config; emulatorpin test --config; emulatorpin test --live; "
                    "emulatorpin test 4 --live --config; emulatorpin test --live --config; emulatorpin test 9; "
                    "emulatorpin test ''; emulatorpin test x; emulatorpin nope; emulatorpin nope x; "
                    "emulatorpin test --current --live; emulatorpin test r --current; emulatorpin test; "
                    "destroy test; emulatorpin test; emulatorpin test 1; emulatorpin test 1 --config; "
                    "emulatorpin test --live")


def test_iothreads() -> None:
    same("-c", URI, "iothreadinfo test; iothreadadd test 3; iothreadinfo test; iothreadpin test 3 1-2; "
                    "iothreadinfo test; iothreadinfo test --config; iothreadinfo test --live; "
                    "iothreadset test 3 --poll-max-ns 100 --poll-grow 2 --poll-shrink 1; domstats --iothread test; "
                    "iothreadset test 3 --thread-pool-min 1; iothreadset test 3 --thread-pool-max 4; "
                    "iothreadset test 3; iothreadadd test 3; iothreaddel test 3; iothreadinfo test; "
                    "iothreaddel test 3; iothreadadd test 5 --config; iothreadinfo test --config; "
                    "iothreadadd test 6 --live --config; iothreadinfo test --current --live")


def test_iothread_bad_values() -> None:
    same("-c", URI, "iothreadpin test 4294967295 1; iothreadpin test -1 1; iothreadpin test 1 ''; "
                    "iothreadpin test x 1; iothreadpin test 1 x; iothreadpin nope x y; iothreadadd test 0; "
                    "iothreadadd test 2147483648; iothreadadd test x; iothreadadd nope x; iothreaddel test -3; "
                    "iothreaddel test 0; iothreadset test 0; iothreadset test 1; iothreadadd test 1; "
                    "iothreadset test 1 --poll-max-ns -1; iothreadset test 1 --poll-grow -1; "
                    "iothreadset test 1 --poll-shrink 4294967296; iothreadset test 1 --thread-pool-max x; "
                    "iothreadset test 1 --poll-max-ns 18446744073709551615 --poll-shrink 0; "
                    "iothreadset test 1 --poll-max-ns 18446744073709551616; iothreadpin test 1 9; "
                    "iothreadpin test 2 1; iothreadset nope 0; iothreadset test x --poll-grow 1")


def test_quiet_and_readonly() -> None:
    same("-q", "-c", URI, "vcpupin test; emulatorpin test; iothreadinfo test; iothreadadd test 2; "
                          "iothreadinfo test; vcpupin test --vcpu 0")
    same("-r", "-c", URI, "vcpupin test 0 1; emulatorpin test 1; iothreadadd test 2; iothreadpin test 1 1; "
                          "iothreadset test 1 --poll-grow 1; iothreaddel test 1; vcpupin test; emulatorpin test")


def test_json(guest: Path) -> None:
    res = vsh("--json", "-c", URI, f"define {guest}; vcpupin tr; vcpupin tr --vcpu 3; emulatorpin tr; "
                                   "iothreadinfo tr; iothreadinfo test")
    docs = json_documents(res.out)
    assert docs[-5:] == [
        [{"vcpu": 0, "affinity": list(range(8))}, {"vcpu": 1, "affinity": [2, 3]},
         {"vcpu": 2, "affinity": list(range(8))}, {"vcpu": 3, "affinity": [5]}],
        [{"vcpu": 3, "affinity": [5]}],
        {"affinity": [4, 6]},
        [{"iothread": 1, "affinity": [0, 1]}, {"iothread": 2, "affinity": [7]}],
        [],
    ]
    assert res.rc == 0 and res.err == ""
    bad = vsh("--json", "-c", URI, "vcpupin test 0 1-x")
    assert bad.rc == 1 and bad.out == ""
    assert json.loads(bad.err)["error"]["message"] == "Invalid cpulist '1-x'"


def test_completion() -> None:
    import libvirt

    conn = libvirt.open(host_uri("iothreads"))  # the domain GUEST, named tr
    try:
        def names(kind: str, given: dict) -> list:
            return completion.fetch(conn, kind, given)

        def texts(line: str) -> list[str]:
            return [c.text for c in completion.complete_text(line, names)[1]]

        assert texts("iothreaddel tr ") == ["1", "2"]
        assert texts("iothreadset --domain tr --id ") == ["1", "2"]
        assert texts("iothreadpin tr ") == ["1", "2"]
        assert texts("vcpupin tr ") == ["0", "1", "2", "3"]
        assert texts("vcpupin tr 0 ") == [str(n) for n in range(conn.getCPUMap(0)[0])]
        assert texts("emulatorpin tr 1") == ["1"]
    finally:
        conn.close()
