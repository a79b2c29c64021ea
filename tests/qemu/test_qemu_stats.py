"""Statistics of a real QEMU guest: vsh prints what virsh prints (numbers that move are masked)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import jsonschema
import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable

from vsh import registry
from vsh.schema import document
from vsh.commands.domain.jobs import JOB_KEYS
from vsh.commands.domain.tune import SCHED_KEYS
from vsh.statkeys import stat_key

NAME = "vsh-stats"
MAC = "52:54:00:5e:00:01"
ROOT = Path(__file__).resolve().parents[2]


def _run(prog: list[str], uri: str, line: str) -> tuple[str, str, int]:
    proc = subprocess.run([*prog, "-c", uri, line], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    return proc.stdout, proc.stderr, proc.returncode


def virsh(uri: str, line: str) -> tuple[str, str, int]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return _run(["virsh"], uri, line)


def vsh(uri: str, line: str, *opts: str) -> tuple[str, str, int]:
    return _run([sys.executable, "-m", "vsh", *opts], uri, line)


@pytest.fixture(scope="module")
def running(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The guest, with a user-mode NIC as well, defined and running for this module."""
    uri = qemu_daemon.qemu_uri
    xml = guest.domain_xml(guest_image, name=NAME, vnc=False).replace(
        "</devices>", f"<interface type='user'><mac address='{MAC}'/><model type='rtl8139'/></interface>\n"
                      "</devices>")
    path = tmp_path_factory.mktemp("stats") / "guest.xml"
    path.write_text(xml)
    out, err, rc = virsh(uri, f"define {path}; start {NAME}")
    assert rc == 0, err
    try:
        yield uri
    finally:
        virsh(uri, f"destroy {NAME}; undefine {NAME}")


@pytest.mark.parametrize("line", [
    f"domblklist {NAME}", f"domblklist {NAME} --details", f"domblklist {NAME} --inactive",
    f"domblkinfo {NAME} --all", f"domblkinfo {NAME} --all --human", f"domblkinfo {NAME} hda",
    f"domblkinfo {NAME} hda --human", f"domiflist {NAME}", f"domifstat {NAME} {MAC}",
    f"domjobinfo {NAME}", f"domjobinfo {NAME} --anystats", f"domjobinfo {NAME} --rawstats",
    f"domjobinfo {NAME} --completed --keep-completed", f"domjobabort {NAME}",
    f"dommemstat {NAME} --period 2", f"domstats --vm --enforce {NAME}",
    f"domstats --perf --iothread --memory --dirtyrate {NAME}",
])
def test_same_as_virsh(running: str, line: str) -> None:
    assert vsh(running, line) == virsh(running, line)


def _mask(result: tuple[str, str, int]) -> tuple[str, str, int]:
    return re.sub(r"\d+", "N", result[0]), re.sub(r"\d+", "N", result[1]), result[2]


@pytest.mark.parametrize("line", [
    f"domstats {NAME}", "domstats --list-active", f"domstats --raw --state --cpu-total --balloon {NAME}",
    f"domstats --vcpu --interface --block --backing {NAME}", f"dommemstat {NAME}", f"cpu-stats {NAME}",
    f"cpu-stats {NAME} --total", f"domblkstat {NAME}", f"domblkstat {NAME} hda --human",
])
def test_same_layout_as_virsh(running: str, line: str) -> None:
    """Counters move between two runs: compare the lines with every number masked."""
    assert _mask(vsh(running, line)) == _mask(virsh(running, line))


def test_domstats_json_has_the_text_keys(running: str) -> None:
    out, err, rc = vsh(running, f"domstats {NAME}")
    keys = [line.split("=", 1)[0].strip() for line in out.splitlines()[1:] if "=" in line]
    doc = json.loads(vsh(running, f"domstats {NAME}", "--json")[0])
    assert doc[0]["name"] == NAME and doc[0]["state"] == "running"
    # Every field of the text, under its JSON key (vsh.statkeys), state and reason as words.
    assert list(doc[0])[3:] == [stat_key(k) for k in keys if k not in ("state.state", "state.reason")]
    assert isinstance(doc[0]["block_0_name"], str) and isinstance(doc[0]["cpu_time_ns"], int)
    jsonschema.validate(doc, document(registry.get("domstats").schema, "domstats"))


def test_statistics_of_a_completed_job(running: str, tmp_path: Path) -> None:
    """A dump leaves a completed job behind: its report has virsh's lines (numbers masked)."""
    results = []
    for n, run in enumerate((virsh, vsh)):
        line = (f"dump {NAME} {tmp_path / f'core{n}'}; domjobinfo {NAME} --completed --keep-completed; "
                f"domjobinfo {NAME} --completed --rawstats; domjobinfo {NAME} --completed --anystats")
        out, err, rc = _mask(run(running, line))
        # QEMU reports the memory bandwidth of a dump only when it measured one: a field
        # present in one run and not the other says nothing about the printer.
        out = "".join(ln for ln in out.splitlines(keepends=True)
                      if not ln.startswith(("Memory bandwidth:", "memory_bps:")))
        results.append((out, err, rc))
    assert results[1] == results[0]
    assert "Operation:        Dump        \n" in results[1][0]
    assert "Job type: N\n\noperation: N\n" in results[1][0]


def _valid(command: str, out: str) -> dict:
    doc = json.loads(out)
    jsonschema.validate(doc, document(registry.get(command).schema, command))  # type: ignore[union-attr]
    return doc


def test_job_json_names_every_statistic_with_its_unit(running: str, tmp_path: Path) -> None:
    """A completed dump's statistics: each field libvirt reported (--rawstats lists them) under
    its vocabulary key, the others null, the same keys whatever the flags."""
    out, err, rc = vsh(running, f"dump {NAME} {tmp_path / 'core'}; domjobinfo {NAME} --completed --keep-completed "
                                "--rawstats")
    assert rc == 0, err
    raw = dict(line.split(": ", 1) for line in out.split("\n\n")[2].splitlines())
    docs = [_valid("domjobinfo", vsh(running, f"domjobinfo {NAME} --completed --keep-completed {flags}", "--json")[0])
            for flags in ("", "--rawstats", "--anystats")]
    assert [list(d) for d in docs[1:]] == [list(docs[0])] * 2
    doc = docs[0]
    assert (doc["type"], doc["operation"], doc["operation_code"]) == ("Completed", "Dump", int(raw["operation"]))
    reported = {JOB_KEYS[field] for field in raw if field != "operation"}
    assert all(doc[key] is not None for key in reported)
    assert all(doc[key] is None for key in set(JOB_KEYS.values()) - reported)
    assert doc["time_elapsed_ms"] == int(raw["time_elapsed"])


def test_schedinfo_json_names_the_units(running: str) -> None:
    out, err, rc = vsh(running, f"schedinfo {NAME}")
    fields = [line.split(":", 1)[0].strip() for line in out.splitlines()[1:] if ":" in line]
    doc = _valid("schedinfo", vsh(running, f"schedinfo {NAME}", "--json")[0])
    assert list(doc["parameters"]) == [SCHED_KEYS.get(f, f) for f in fields]
    assert "vcpu_period_us" in doc["parameters"] and "cpu_shares" in doc["parameters"]
