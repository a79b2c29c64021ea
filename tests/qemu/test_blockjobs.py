"""blockcommit, blockpull, blockcopy, blockjob, blockresize and domblkthreshold on real QEMU guests.

virsh and vsh each get a guest of their own on the same chain (base.img <- mid.qcow2 <- top.qcow2, see
tests/support/blockchain.py) and run the same commands; stdout and the exit status must be equal byte for
byte once the guest's name and folder are swapped, the `error:` lines too. The job progress depends on
timing, so it is compared by its shape: `\\rLabel: [ NN %]` lines whose percentages rise and end at 100 %.
The chain left behind is checked with `domblklist`, the domain XML and `qemu-img info`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import blockchain
from tests.support.blockchain import Guest, command, define_guest, environment, ok, run
from tests.support.libvirtd import QemuDaemon
from util import Result

PROGS = ("virsh", "vsh")
# Names of one length for both guests, so that table widths match too.
TAGS = {"virsh": "rv", "vsh": "vs"}


@pytest.fixture(scope="module")
def guests(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Guest]]:
    """One running guest per program, named apart from other modules' guests (cgroups are machine-wide)."""
    uri = qemu_daemon.qemu_uri
    made: dict[str, Guest] = {}
    try:
        for prog in PROGS:
            tag = TAGS[prog]
            made[prog] = define_guest(uri, f"vsh-bj-{tag}-{os.getpid()}", tmp_path_factory.mktemp(f"bj-{tag}"))
        yield made
    finally:
        for g in made.values():
            run("virsh", uri, "destroy", g.name)
            run("virsh", uri, "undefine", g.name)


@pytest.fixture(scope="module")
def stopped(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guest]:
    """A defined guest that is not running."""
    uri = qemu_daemon.qemu_uri
    g = define_guest(uri, f"vsh-bj-off-{os.getpid()}", tmp_path_factory.mktemp("bj-off"), start=False)
    try:
        yield g
    finally:
        run("virsh", uri, "undefine", g.name)


def progress_shape(label: str, err: str) -> list[int]:
    """stderr holds only `\\rLabel: [ NN %]` lines, rising, ending at 100 %; returns the percentages."""
    assert re.fullmatch(rf"(\r{label}: \[[ \d]{{2}}\d %\])*", err) and err, repr(err)
    values = [int(v) for v in re.findall(r"\[ *(\d+) %\]", err)]
    assert values == sorted(values) and values[-1] == 100, values
    return values


def both(guests: dict[str, Guest], template: str) -> dict[str, Result]:
    """The same command string (NAME and DIR filled in per guest) through each program, outputs normalised."""
    out = {}
    for prog in PROGS:
        g = guests[prog]
        got = run(prog, g.uri, template.replace("NAME", g.name).replace("DIR", str(g.folder)))
        out[prog] = Result(g.norm(got.out), g.norm(got.err), got.rc)
    return out


def same(guests: dict[str, Guest], template: str) -> Result:
    results = both(guests, template)
    assert results["vsh"] == results["virsh"], template
    return results["vsh"]


def _wait_no_job(g: Guest) -> None:
    for _ in range(100):
        if run("virsh", g.uri, "blockjob", g.name, "hda").out.startswith("No current block job"):
            return
        time.sleep(0.1)
    raise AssertionError("the block job did not end")


def test_commit_pull_copy_like_virsh(guests: dict[str, Guest]) -> None:
    # A commit of the middle image into the base: 2 MiB of data at 2 MiB/s.
    results = both(guests, "blockcommit NAME hda --top hda[2] --base DIR/base.img --wait --verbose --bandwidth 2")
    for prog, got in results.items():
        assert (got.out, got.rc) == ("\nCommit complete\n", 0), prog
        progress_shape("Block commit", got.err)
        assert guests[prog].chain() == [("top.qcow2", "qcow2"), ("base.img", "raw")], prog
    # Pulling the base into the top leaves a chain of one.
    for prog, got in both(guests, "blockpull NAME hda --wait --verbose --bandwidth 4").items():
        assert (got.out, got.rc) == ("\nPull complete\n", 0), prog
        progress_shape("Block Pull", got.err)
        assert guests[prog].chain() == [("top.qcow2", "qcow2")], prog
        assert "<backingStore/>" in ok(guests[prog].uri, "dumpxml", guests[prog].name)
    # A copy through the new API (qcow2), pivoted: the copy becomes the disk.
    script = "blockcopy NAME hda DIR/copy.qcow2 --format qcow2 --transient-job --wait --verbose --pivot --bandwidth 8"
    for prog, got in both(guests, script).items():
        assert (got.out, got.rc) == ("\nSuccessfully pivoted\n", 0), prog
        progress_shape("Block Copy", got.err)
        assert guests[prog].chain() == [("copy.qcow2", "qcow2")], prog
    # A copy through the old API (--raw), finished: the disk stays where it was.
    got = same(guests, "blockcopy NAME hda --dest DIR/copy.raw --raw --transient-job --finish; domblklist NAME")
    assert got.out.startswith("\nSuccessfully copied\n Target   Source\n") and (got.err, got.rc) == ("", 0)
    assert got.out.endswith(" hda      DIR/copy.qcow2\n\n")
    for g in guests.values():
        assert blockchain.backing_chain(g.folder / "copy.raw") == [(str(g.folder / "copy.raw"), "raw")]


def _overlay(guests: dict[str, Guest], name: str) -> None:
    """A new active image over the current one, made live by an external disk-only snapshot."""
    for g in guests.values():
        ok(g.uri, "snapshot-create-as", g.name, name, "--disk-only", "--no-metadata",
           "--diskspec", f"hda,file={g.folder}/{name}.qcow2")


def test_active_commit_pivot_keep_overlay_and_shallow_copy(guests: dict[str, Guest]) -> None:
    _overlay(guests, "act1")
    for prog, got in both(guests, "blockcommit NAME hda --pivot --verbose").items():
        assert (got.out, got.rc) == ("\nSuccessfully pivoted\n", 0), prog
        progress_shape("Block commit", got.err)
        assert guests[prog].chain() == [("copy.qcow2", "qcow2")], prog
    _overlay(guests, "act2")
    got = same(guests, "blockcommit NAME hda --keep-overlay --async; domblklist NAME")
    assert got.out.startswith("\nCommit complete, overlay image kept\n Target") and "DIR/act2.qcow2" in got.out
    # A shallow copy shares the chain below the active image.
    got = same(guests, "blockcopy NAME hda DIR/shallow.qcow2 --shallow --format qcow2 --transient-job --pivot")
    assert got == Result("\nSuccessfully pivoted\n", "", 0), got
    for g in guests.values():
        assert g.chain() == [("shallow.qcow2", "qcow2"), ("copy.qcow2", "qcow2")]
    # A full copy onto an image made beforehand.
    for g in guests.values():
        blockchain.call("qemu-img", "create", "-q", "-f", "qcow2", str(g.folder / "made.qcow2"),
                        str(blockchain.DISK_SIZE))
    got = same(guests, "blockcopy NAME hda DIR/made.qcow2 --reuse-external --format qcow2 --transient-job --finish")
    assert got == Result("\nSuccessfully copied\n", "", 0), got
    for g in guests.values():
        compared = subprocess.run(["qemu-img", "compare", "-U", g.source(), str(g.folder / "made.qcow2")],
                                  capture_output=True, text=True)
        assert compared.returncode == 0, compared.stdout + compared.stderr


def test_two_phase_jobs_and_blockjob_like_virsh(guests: dict[str, Guest]) -> None:
    _overlay(guests, "overlay")
    # An active commit waits for the synchronised phase; blockjob then reports it and pivots it.
    got = same(guests, "blockcommit NAME hda --active --wait; blockjob NAME hda; blockjob NAME hda --info --bytes; "
                       "domjobinfo NAME; blockjob NAME hda --pivot")
    assert got.out == "\nNow in synchronized phase\n\n\n\n\nJob type:         None        \n\n\n"
    assert got.err == "\rActive Block Commit: [100 %]" * 2
    for g in guests.values():
        _wait_no_job(g)
        assert Path(g.source()).name != "overlay.qcow2"
    # A copy left mirroring: info in every form, a bandwidth change, domjobinfo, then an abort.
    got = same(guests, "blockcopy NAME hda DIR/mirror.qcow2 --format qcow2 --transient-job --wait; "
                       "blockjob NAME hda --raw; blockjob NAME hda --bandwidth 3; blockjob NAME hda --info; "
                       "blockjob NAME hda --raw; blockjob NAME hda --bandwidth 1536k --bytes; blockjob NAME hda; "
                       "blockjob NAME hda --raw --bytes; domjobinfo NAME; domjobabort NAME; blockjob NAME hda --abort; "
                       "blockjob NAME hda")
    assert got.out.startswith("\nNow in mirroring phase\n type=Block Copy\n bandwidth=0\n")
    assert "    Bandwidth limit: 3145728 bytes/s (3.000 MiB/s)\n" in got.out
    assert " type=Block Copy\n bandwidth=3\n" in got.out
    assert "    Bandwidth limit: 1572864 bytes/s (1.500 MiB/s)\n" in got.out
    assert " bandwidth=1572864\n" in got.out
    assert got.out.endswith("No current block job for hda\n")
    # domjobabort: a block job is no domain job.
    assert "error: Requested operation is not valid: no job is active on the domain\n" in got.err
    for g in guests.values():
        assert Path(g.source()).name != "mirror.qcow2"


def test_async_start_timeout_and_json(guests: dict[str, Guest]) -> None:
    _overlay(guests, "overlay2")
    # Started without waiting, then aborted asynchronously.
    started = both(guests, "blockpull NAME hda --bandwidth 64k --bytes; blockjob NAME hda --abort --async")
    for prog, got in started.items():
        assert got == Result("Block Pull started\n\n", "", 0), prog
        _wait_no_job(guests[prog])
    # --timeout aborts a job that takes too long: no error line, exit status 1.
    for prog, got in both(guests, "blockpull NAME hda --wait --verbose --timeout 1 --bandwidth 256k --bytes").items():
        assert (got.out, got.rc) == ("\nPull aborted\n", 1), prog
        assert re.fullmatch(r"(\rBlock Pull: \[[ \d]{2}\d %\])*", got.err), repr(got.err)
        _wait_no_job(guests[prog])
    g = guests["vsh"]
    begun = run("vsh", g.uri, f"blockcommit {g.name} hda --active --bandwidth 1")
    assert begun == Result("Active Block Commit started\n", "", 0)
    info = run("vsh", g.uri, "--json", "blockjob", g.name, "hda", "--info")
    job = json.loads(info.out)
    assert job["target"] == "hda" and job["job"]["type"] == "Active Block Commit"
    assert job["job"]["type_code"] == 4 and job["job"]["bandwidth_bytes_per_second"] == 1048576
    assert isinstance(job["job"]["end"], int)
    raw = json.loads(run("vsh", g.uri, "--json", "blockjob", g.name, "hda", "--raw").out)
    assert raw["job"]["bandwidth_bytes_per_second"] == 1048576  # --raw shapes the text only
    assert run("vsh", g.uri, "blockjob", g.name, "hda", "--abort") == Result("\n", "", 0)
    _wait_no_job(g)
    assert json.loads(run("vsh", g.uri, "--json", "blockjob", g.name, "hda").out) == {"target": "hda", "job": None}


def test_ctrl_c_aborts_the_job(guests: dict[str, Guest]) -> None:
    """SIGINT while waiting aborts the job, as in virsh: "Pull aborted", exit status 1."""
    for prog in PROGS:
        g = guests[prog]
        ok(g.uri, "snapshot-create-as", g.name, "ov3", "--disk-only", "--no-metadata",
           "--diskspec", f"hda,file={g.folder}/overlay3.qcow2")
        proc = subprocess.Popen(command(prog, g.uri, f"blockpull {g.name} hda --wait --bandwidth 128k --bytes"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env=environment())
        deadline = time.monotonic() + 30
        while "type=Block Pull" not in run("virsh", g.uri, "blockjob", g.name, "hda", "--raw").out:
            assert time.monotonic() < deadline, "the pull did not start"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert (out.decode(), err.decode(), proc.returncode) == ("\nPull aborted\n", "", 1), prog
        _wait_no_job(g)


def test_resize_and_threshold_like_virsh(guests: dict[str, Guest]) -> None:
    got = same(guests, "blockresize NAME hda 6M; domblkthreshold NAME hda 1M; blockresize NAME hda 6291457b")
    assert got == Result("Block device 'hda' is resized\n\nBlock device 'hda' is resized\n", "", 0)
    for g in guests.values():
        # The first resize was in KiB, the second in bytes (not a multiple of 1024; qcow2 rounds it up to 512).
        assert ok(g.uri, "domblkinfo", g.name, "hda").startswith("Capacity:       6291968\n")
        assert "block.0.threshold=1048576\n" in ok(g.uri, "domstats", g.name, "--block")


def test_errors_like_virsh(guests: dict[str, Guest], stopped: Guest) -> None:
    running = ("blockcommit NAME nosuch --wait; blockpull NAME nosuch --wait --verbose; "
               "blockcopy NAME nosuch --dest DIR/x --transient-job; blockjob NAME nosuch --info; "
               "blockjob NAME nosuch --abort; blockresize NAME nosuch 1M; domblkthreshold NAME nosuch 1M; "
               "blockjob NAME hda --abort; blockjob NAME hda --pivot; blockjob NAME hda --bandwidth 5; "
               "blockcommit NAME hda --bandwidth abc; blockcommit NAME hda --bandwidth 1QB --wait; "
               "blockcopy NAME hda --dest x --bandwidth 16EiB; blockcopy NAME hda --dest x --granularity 1 "
               "--bandwidth 99999999999999; blockpull NAME hda --timeout 0 --wait; blockresize NAME hda 1QB; "
               "blockcommit NAME hda --base DIR/nosuch.img --wait; blockcopy NAME hda --dest x --verbose; "
               "blockcopy NAME hda --xml DIR/nosuch.xml --wait; blockcommit NAME hda --verbose; "
               "blockcopy NAME hda --dest DIR/p.img --print-xml --blockdev --format qcow2")
    got = same(guests, running)
    assert "error: invalid argument: disk 'nosuch' not found in domain\n" in got.err
    assert "<disk type='block'>\n  <source dev='DIR/p.img'/>\n  <driver type='qcow2'/>\n</disk>\n" in got.out
    g = stopped
    script = (f"blockcommit {g.name} hda; blockpull {g.name} hda --wait; blockcopy {g.name} hda --dest {g.folder}/x; "
              f"blockjob {g.name} hda; blockjob {g.name} hda --abort; blockresize {g.name} hda 1M; "
              f"domblkthreshold {g.name} hda 1M; blockcommit nosuch hda; blockjob '' hda")
    expected, actual = run("virsh", g.uri, script), run("vsh", g.uri, script)
    assert actual == expected
    assert "domain is not running" in actual.err
