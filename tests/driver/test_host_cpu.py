"""Host CPU commands (nodecpumap, nodecpustats, maxvcpus, cpu-models, cpu-compare, cpu-baseline,
hypervisor-cpu-compare, hypervisor-cpu-baseline, domcapabilities), compared with virsh.

The test driver answers nodecpumap, nodecpustats (its counters stand still, so --percent
prints virsh's -nan), maxvcpus and cpu-models, and refuses the others; the QEMU driver of
the private root libvirtd (`full_uri`) answers all of them from the real host, where CPU
counters move: there nodecpustats is compared by shape.
"""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from util import Result, same, virsh, vsh

URI = "test:///default"

FILES = {
    "cpu.xml": "<?xml version='1.0'?>\n<cpu mode='custom' match='exact'><model>qemu64</model></cpu>\n",
    "two.xml": "<cpu><model>qemu64</model></cpu>\n<cpu><model>qemu32</model></cpu>\n",
    "dom.xml": "<domain type='qemu'><name>x</name><cpu mode='custom' match='exact'>"
               "<model fallback='forbid'>Skylake-Server</model><feature policy='require' name='avx512f'/></cpu>"
               "</domain>\n",
    "bad.xml": "<cpu><model>x</cpu>",
    "badline.xml": "<cpu>\n  <model>x\n  </mode>\n</cpu>\n",
    "nocpu.xml": "<domain><name>x</name></domain>\n",
    "empty.xml": "",
}


@pytest.fixture(scope="module")
def cpu_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("cpus")
    for name, text in FILES.items():
        (folder / name).write_text(text)
    caps = virsh("-c", URI, "capabilities")
    (folder / "caps.xml").write_text(caps.out)
    return str(folder)


CASES = [
    "nodecpumap; nodecpumap --pretty",
    "nodecpumap x",
    "nodecpustats; nodecpustats --cpu 1; nodecpustats 2",
    "nodecpustats --cpu x",
    "nodecpustats --cpu 99999999999",
    "maxvcpus; maxvcpus --type kvm; maxvcpus qemu",
    "maxvcpus --type ''",
    "cpu-models x86_64; cpu-models --arch ppc64",
    "cpu-models x",
    "cpu-models ''",
    "cpu-models",
    "domcapabilities",
    "domcapabilities --virttype kvm --emulatorbin /usr/bin/qemu --arch x86_64 --machine pc",
    "domcapabilities --arch ''",
    "domcapabilities --machine ''",
    "cpu-baseline cpu.xml",
    "cpu-baseline --features --migratable two.xml",
    "cpu-baseline caps.xml",
    "cpu-baseline bad.xml",
    "cpu-baseline badline.xml",
    "cpu-baseline nocpu.xml",
    "cpu-baseline empty.xml",
    "cpu-baseline nosuch.xml",
    "cpu-baseline ''",
    "cpu-baseline",
    "cpu-compare cpu.xml",
    "cpu-compare --error --validate dom.xml",
    "cpu-compare bad.xml",
    "hypervisor-cpu-compare cpu.xml --virttype kvm --arch x86_64",
    "hypervisor-cpu-compare cpu.xml --emulator ''",
    "hypervisor-cpu-compare nocpu.xml",
    "hypervisor-cpu-baseline",
    "hypervisor-cpu-baseline --model qemu64",
    "hypervisor-cpu-baseline --model qemu64 --file cpu.xml",
    "hypervisor-cpu-baseline --model ''",
    "hypervisor-cpu-baseline two.xml --features --migratable --machine pc",
    "hypervisor-cpu-baseline --file nosuch.xml",
]


@pytest.mark.parametrize("line", CASES)
def test_host_cpu_on_test_driver_matches_virsh(cpu_dir: str, line: str) -> None:
    same("-c", URI, line, cwd=cpu_dir)


def both_at_once(*args: str) -> tuple[Result, Result]:
    """virsh's and vsh's runs side by side: --percent samples for a second in each."""
    with ThreadPoolExecutor(2) as pool:
        expected_f = pool.submit(virsh, *args)
        got_f = pool.submit(vsh, *args)
    return expected_f.result(), got_f.result()


@pytest.mark.parametrize("line", ["nodecpustats --percent", "nodecpustats --cpu 0 --percent"])
def test_nodecpustats_percent_on_test_driver_matches_virsh(line: str) -> None:
    # The test driver's counters stand still: 0/0, printed as virsh prints it (-nan).
    expected, got = both_at_once("-c", URI, line)
    assert got == expected and "-nan%" in got.out


@pytest.mark.parametrize("cmd", ["nodecpumap", "nodecpustats", "maxvcpus", "cpu-models", "cpu-compare",
                                 "cpu-baseline", "hypervisor-cpu-compare", "hypervisor-cpu-baseline",
                                 "domcapabilities"])
def test_host_cpu_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("words", [
    ["nodecpustats", "--cpu", ""], ["maxvcpus", "--type", ""], ["cpu-models", "--arch", ""],
    ["domcapabilities", "--virttype", ""], ["hypervisor-cpu-compare", "x", "--arch", "x8"],
])
def test_host_cpu_completion_matches_virsh(words: list[str]) -> None:
    expected = virsh("-c", URI, "complete", "--", *words)
    got = vsh("-c", URI, "complete", "--", *words)
    assert got.out == expected.out and got.rc == expected.rc == 0


def test_host_cpu_json_is_typed() -> None:
    res = vsh("-c", URI, "--json", "nodecpumap; nodecpustats --cpu 0; maxvcpus; nodecpustats --percent")
    docs = [json.loads(part) for part in re.split(r"\n(?=[\[{])", res.out.strip())]
    assert docs[0] == {"present": 8, "online": 3, "online_cpus": [0, 2, 4]}
    counters = {"user_ns": 9797400000, "system_ns": 34678723400000, "idle_ns": 87264900000, "iowait_ns": 763600000,
                "intr_ns": None}
    unmeasured = dict.fromkeys(["usage_percent", "user_percent", "system_percent", "idle_percent", "iowait_percent",
                                "intr_percent"])
    assert docs[1] == {**counters, **unmeasured}
    assert docs[2] == {"max_vcpus": 32}
    # --percent adds the shares (none here: the test driver's counters stand still); the keys stay.
    assert docs[3] == {**counters, **unmeasured}


# On the real host -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def host_files(full_uri: str, cpu_dir: str) -> str:
    """The host's capabilities and domain capabilities as files, beside the test files."""
    for name, cmd in (("hostcaps.xml", "capabilities"), ("domcaps.xml", "domcapabilities")):
        res = virsh("-c", full_uri, cmd)
        assert res.rc == 0, res.err
        (Path(cpu_dir) / name).write_text(res.out)
    return cpu_dir


FULL_CASES = [
    "nodecpumap; nodecpumap --pretty; maxvcpus; maxvcpus --type qemu; maxvcpus --type kvm",
    "cpu-models x86_64",
    "domcapabilities; domcapabilities --virttype qemu --arch x86_64 --machine pc",
    "domcapabilities --emulatorbin /nonexistent",
    "cpu-compare hostcaps.xml; cpu-compare domcaps.xml",
    "cpu-compare cpu.xml",
    "cpu-compare dom.xml --error",
    "cpu-compare cpu.xml --validate",
    "cpu-baseline hostcaps.xml; cpu-baseline --features hostcaps.xml; cpu-baseline --migratable domcaps.xml",
    "cpu-baseline two.xml",
    "hypervisor-cpu-compare domcaps.xml --virttype qemu --arch x86_64",
    "hypervisor-cpu-compare cpu.xml --machine pc --validate",
    "hypervisor-cpu-compare dom.xml --error",
    "hypervisor-cpu-compare cpu.xml --emulator /nonexistent",
    "hypervisor-cpu-baseline --model qemu64; hypervisor-cpu-baseline --model qemu64 --features",
    "hypervisor-cpu-baseline domcaps.xml --migratable; hypervisor-cpu-baseline hostcaps.xml --virttype kvm",
    "hypervisor-cpu-baseline --model nosuch",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_host_cpu_on_the_host_matches_virsh(full_uri: str, host_files: str, line: str) -> None:
    same("-c", full_uri, line, cwd=host_files)


def shape(text: str) -> str:
    return re.sub(r" *-?(\d+(\.\d+)?|nan|inf)", " N", text)


@pytest.mark.parametrize("line", ["nodecpustats", "nodecpustats --cpu 0", "nodecpustats --percent",
                                  "nodecpustats --cpu 0 --percent"])
def test_nodecpustats_on_the_host_has_virsh_shape(full_uri: str, line: str) -> None:
    expected, got = both_at_once("-c", full_uri, line)
    assert shape(got.out) == shape(expected.out) and got.err == expected.err and got.rc == expected.rc
    assert expected.out.count("\n") > 2


def test_host_cpu_completion_on_the_host(full_uri: str) -> None:
    expected = virsh("-c", full_uri, "complete", "--", "hypervisor-cpu-baseline", "--model", "")
    got = vsh("-c", full_uri, "complete", "--", "hypervisor-cpu-baseline", "--model", "")
    assert sorted(got.out.split()) == sorted(expected.out.split()) and "qemu64" in got.out.split()
