"""backup-begin and backup-dumpxml on a real QEMU guest, with domjobinfo, domjobabort and blockjob alongside.

A push-mode backup to a qcow2 file runs to its end and must hold the disk's data (`qemu-img compare`).
A pull-mode backup (an NBD export on a unix socket) stays a running domain job until it is aborted, which
gives a stable job for backup-dumpxml, domjobinfo, blockjob --info and domjobabort, each compared with
virsh byte for byte (elapsed times aside).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import blockchain
from tests.support.blockchain import Guest, define_guest, ok, run
from tests.support.libvirtd import QemuDaemon, unavailable
from util import Result

PROGS = ("virsh", "vsh")


@pytest.fixture(scope="module")
def backup_guest(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    """A running guest of this module's own (its name differs from other modules' guests)."""
    uri = qemu_daemon.qemu_uri
    g = define_guest(uri, f"vsh-bk-{os.getpid()}", tmp_path_factory.mktemp("bk"))
    try:
        yield g
    finally:
        run("virsh", uri, "destroy", g.name)
        run("virsh", uri, "undefine", g.name)


@pytest.fixture(scope="module")
def stopped_guest(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    uri = qemu_daemon.qemu_uri
    g = define_guest(uri, f"vsh-bk-off-{os.getpid()}", tmp_path_factory.mktemp("bk-off"), start=False)
    try:
        yield g
    finally:
        run("virsh", uri, "undefine", g.name)


def _push_xml(target: Path) -> str:
    return (f"<domainbackup>\n  <disks>\n    <disk name='hda' type='file'>\n      <target file='{target}'/>\n"
            f"      <driver type='qcow2'/>\n    </disk>\n  </disks>\n</domainbackup>\n")


def _pull_xml(folder: Path, tag: str) -> str:
    return (f"<domainbackup mode='pull'>\n  <server transport='unix' socket='{folder}/{tag}.sock'/>\n"
            f"  <disks>\n    <disk name='hda' backup='yes' type='file'>\n"
            f"      <scratch file='{folder}/{tag}-scratch.qcow2'/>\n    </disk>\n  </disks>\n</domainbackup>\n")


def _job_type(g: Guest) -> str:
    return ok(g.uri, "domjobinfo", g.name).splitlines()[0].split(":", 1)[1].strip()


def _wait_job_end(g: Guest) -> None:
    for _ in range(200):
        if _job_type(g) == "None":
            return
        time.sleep(0.1)
    raise AssertionError("the backup job did not end")


def _digits(text: str) -> str:
    """domjobinfo's numbers change from run to run; its lines and units do not."""
    return re.sub(r"\d+(\.\d+)? *", "N ", text)


def test_push_backup_like_virsh(backup_guest: Guest) -> None:
    g = backup_guest
    top = g.folder / "top.qcow2"
    for prog in PROGS:
        for reuse in (False, True):
            target = g.folder / f"{prog}-{reuse}.qcow2"
            if reuse:
                blockchain.call("qemu-img", "create", "-q", "-f", "qcow2", str(target), str(blockchain.DISK_SIZE))
            xml = g.folder / f"{prog}-{reuse}.xml"
            xml.write_text(_push_xml(target))
            words = ["backup-begin", g.name, str(xml)] + (["--reuse-external"] if reuse else [])
            assert run(prog, g.uri, *words) == Result("Backup started\n\n", "", 0), (prog, reuse)
            _wait_job_end(g)
            done = run(prog, g.uri, "domjobinfo", g.name, "--completed")
            assert done.rc == 0, prog
            assert done.out.startswith("Job type:         Completed   \nOperation:        Backup"), prog
            compared = subprocess.run(["qemu-img", "compare", "-U", str(top), str(target)], capture_output=True,
                                      text=True)
            assert compared.returncode == 0, compared.stdout + compared.stderr
    # Both programs print the completed job's statistics alike (the numbers aside).
    results = [run(prog, g.uri, "domjobinfo", g.name, "--completed") for prog in PROGS]
    assert _digits(results[0].out) == _digits(results[1].out)


def test_pull_backup_dumpxml_jobinfo_abort_like_virsh(backup_guest: Guest) -> None:
    g = backup_guest
    for starter in PROGS:
        xml = g.folder / f"pull-{starter}.xml"
        xml.write_text(_pull_xml(g.folder, starter))
        assert run(starter, g.uri, f"backup-begin {g.name} --backupxml {xml}") == Result("Backup started\n\n", "", 0)
        script = (f"backup-dumpxml {g.name}; backup-dumpxml {g.name} --xpath //scratch --wrap; "
                  f"backup-dumpxml {g.name} --xpath //nosuch; blockjob {g.name} hda --info; "
                  f"blockjob {g.name} hda --raw")
        expected, got = run("virsh", g.uri, script), run("vsh", g.uri, script)
        assert got == expected
        assert f"<scratch file='{g.folder}/{starter}-scratch.qcow2'/>" in got.out
        assert got.err == "\rBackup: [  0 %]"
        info = [run(prog, g.uri, "domjobinfo", g.name) for prog in PROGS]
        assert _digits(info[1].out) == _digits(info[0].out) and info[1].rc == 0
        assert info[1].out.startswith("Job type:         Unbounded   \nOperation:        Backup      \n")
        dumped = json.loads(run("vsh", g.uri, "--json", "backup-dumpxml", g.name).out)
        assert dumped["xml"].startswith("<domainbackup mode='pull'>")
        job = json.loads(run("vsh", g.uri, "--json", "blockjob", g.name, "hda").out)["job"]
        assert (job["type"], job["type_code"], job["cur"]) == ("Backup", 5, 0)
        stats = json.loads(run("vsh", g.uri, "--json", "domjobinfo", g.name).out)
        assert (stats["operation"], stats["operation_code"]) == ("Backup", 9)  # VIR_DOMAIN_JOB_OPERATION_BACKUP
        # The other program ends the job.
        aborter = "vsh" if starter == "virsh" else "virsh"
        assert run(aborter, g.uri, "domjobabort", g.name) == Result("\n", "", 0)
        _wait_job_end(g)
        gone = [run(prog, g.uri, f"backup-dumpxml {g.name}; domjobabort {g.name}") for prog in PROGS]
        assert gone[1] == gone[0] and gone[1].rc == 1
        assert "no domain backup job present" in gone[1].err


def test_backup_errors_like_virsh(backup_guest: Guest, stopped_guest: Guest, tmp_path: Path) -> None:
    g, off = backup_guest, stopped_guest
    bad = tmp_path / "bad.xml"
    bad.write_text("<domainbackup><disks>")
    wrong_disk = tmp_path / "wrong.xml"
    wrong_disk.write_text(_push_xml(tmp_path / "t.qcow2").replace("name='hda'", "name='hdz'"))
    script = (f"backup-begin {g.name} --backupxml {tmp_path}/nosuch.xml; backup-begin {g.name} {bad}; "
              f"backup-begin {g.name} {wrong_disk}; backup-begin {g.name} --checkpointxml {tmp_path}/nosuch.xml; "
              f"backup-begin {g.name} --backupxml ''; backup-begin nosuch; backup-dumpxml nosuch; "
              f"backup-dumpxml {g.name}; backup-dumpxml {g.name} --xpath ''; backup-begin {off.name}; "
              f"backup-dumpxml {off.name}; backup-begin '' ")
    expected, got = run("virsh", g.uri, script), run("vsh", g.uri, script)
    if expected.rc != 1:
        unavailable(f"virsh answered unexpectedly: {expected}")
    assert got == expected
    assert f"error: Failed to open file '{tmp_path}/nosuch.xml': No such file or directory\n" in got.err
    assert "error: Operation not supported: cannot perform disk backup for inactive domain\n" in got.err
