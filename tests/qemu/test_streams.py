"""vol-upload and vol-download through the storage driver of the QEMU daemon, compared with virsh.

The test driver has no volume streams, so a `dir` pool in a temporary folder serves here.
The bytes that come back must be the bytes that went in: whole, sparse, and with
--offset/--length; an interrupted download must not leave a partial file unmentioned.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.libvirtd import QemuDaemon, unavailable
from util import Result, same

ROOT = Path(__file__).resolve().parent.parent.parent
MiB = 1024 * 1024


def _virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=120)


def _ok(uri: str, *args: str) -> str:
    result = _virsh(uri, *args)
    assert result.returncode == 0, f"virsh {' '.join(args)}: {result.stderr}"
    return result.stdout


def _vsh(uri: str, script: str) -> Result:
    proc = subprocess.run([sys.executable, "-m", "vsh", "-c", uri, script], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, cwd=ROOT, timeout=120)
    return Result(proc.stdout, proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def pool(qemu_daemon: QemuDaemon, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(uri, pool name, work folder): a running `dir` pool of our own in a temporary folder."""
    uri = qemu_daemon.qemu_uri
    name = f"vshstream{os.getpid()}"
    folder = tmp_path_factory.mktemp("streams")
    target = folder / "pool"
    target.mkdir()
    _ok(uri, "pool-create-as", name, "dir", "--target", str(target))
    try:
        yield uri, name, folder
    finally:
        _virsh(uri, "pool-destroy", name)


def _volume(uri: str, pool: str, name: str, size: str) -> None:
    _virsh(uri, "vol-delete", name, "--pool", pool)
    _ok(uri, "vol-create-as", pool, name, size, "--allocation", "0", "--format", "raw")


def _sparse_source(path: Path) -> bytes:
    """A 3.25 MiB file: random data, a 2.75 MiB hole, random data; returns its bytes."""
    head, tail = os.urandom(256 * 1024), os.urandom(256 * 1024)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.seek(3 * MiB)
        fh.write(tail)
    return path.read_bytes()


def _allocated(path: Path) -> int:
    return os.stat(path).st_blocks * 512


def test_upload_then_download_gives_the_same_bytes(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "whole", "4M")
    source = _sparse_source(folder / "source.bin")
    # Same output as virsh (nothing but the blank line), both uploads write the same bytes.
    assert same("-c", uri, f"vol-upload whole {folder}/source.bin --pool {pool_name}") == Result("\n", "", 0)
    assert _vsh(uri, f"vol-download whole {folder}/back.bin --pool {pool_name}") == Result("\n", "", 0)
    back = (folder / "back.bin").read_bytes()
    assert len(back) == 4 * MiB
    assert back[:len(source)] == source and back[len(source):] == bytes(4 * MiB - len(source))


def test_sparse_upload_and_download_keep_the_holes(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "sparse", "4M")
    source = _sparse_source(folder / "sparse.bin")
    assert _vsh(uri, f"vol-upload sparse {folder}/sparse.bin --pool {pool_name} --sparse") == Result("\n", "", 0)
    path = _ok(uri, "vol-path", "sparse", "--pool", pool_name).strip()
    assert _allocated(Path(path)) < 2 * MiB  # the hole went up as a hole
    target = folder / "sparse-back.bin"
    assert _vsh(uri, f"vol-download sparse {target} --pool {pool_name} --sparse") == Result("\n", "", 0)
    back = target.read_bytes()
    assert back[:len(source)] == source and not any(back[len(source):])
    assert _allocated(target) < 2 * MiB  # and came down as one


def test_offset_and_length(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "window", "1M")
    data = os.urandom(64 * 1024)
    (folder / "window.bin").write_bytes(data)
    assert _vsh(uri, f"vol-upload window {folder}/window.bin --pool {pool_name}") == Result("\n", "", 0)
    part = folder / "part.bin"
    assert _vsh(uri, f"vol-download window {part} {pool_name} --offset 1000 --length 5000") == Result("\n", "", 0)
    assert part.read_bytes() == data[1000:6000]
    # An upload into the middle leaves the rest alone.
    (folder / "patch.bin").write_bytes(b"x" * 100)
    assert _vsh(uri, f"vol-upload window {folder}/patch.bin --pool {pool_name} --offset 4096 --length 100"
                ) == Result("\n", "", 0)
    assert _vsh(uri, f"vol-download window {part} --pool {pool_name} --length 8192") == Result("\n", "", 0)
    assert part.read_bytes() == data[:4096] + b"x" * 100 + data[4196:8192]


def test_errors_like_virsh(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "small", "1M")
    same("-c", uri, f"vol-download small /nonexistent/dir/x --pool {pool_name}; "
                    f"vol-upload small /nonexistent --pool {pool_name}; vol-download nosuch {folder}/x; "
                    f"vol-download small {folder}/x --pool nosuch; vol-upload small {folder} --pool {pool_name}; "
                    f"vol-download small {folder}/x --pool {pool_name} --offset 2M; "
                    f"vol-upload small /dev/null --pool {pool_name} --offset -5")
    assert not (folder / "x").exists()


def _interrupted_download(uri: str, pool_name: str, target: Path) -> Result:
    """Start a long download and press Ctrl-C once the target has grown."""
    proc = subprocess.Popen([sys.executable, "-m", "vsh", "-c", uri,
                             f"vol-download big {target} --pool {pool_name}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if target.exists() and target.stat().st_size > 4 * MiB:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return Result(out, err, proc.returncode)


def test_interrupted_download_leaves_no_silent_partial_file(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "big", "4G")
    target = folder / "big.bin"
    result = _interrupted_download(uri, pool_name, target)
    assert result == Result("\n", "error: cannot receive data from volume big\nerror: interrupted\n"
                                  f"error: removed the partial file {target}\n", 1)
    assert not target.exists()
    # A file that was there before is not removed, but named as incomplete.
    target.write_bytes(b"old contents")
    result = _interrupted_download(uri, pool_name, target)
    assert result == Result("\n", "error: cannot receive data from volume big\nerror: interrupted\n"
                                  f"error: {target} is incomplete\n", 1)
    assert target.exists()
    target.unlink()
    _virsh(uri, "vol-delete", "big", "--pool", pool_name)


def test_interrupted_upload_says_the_volume_is_incomplete(pool: tuple[str, str, Path]) -> None:
    uri, pool_name, folder = pool
    _volume(uri, pool_name, "bigup", "2G")
    volume_path = Path(_ok(uri, "vol-path", "bigup", "--pool", pool_name).strip())
    source = folder / "zeros.bin"
    with open(source, "wb") as fh:
        fh.truncate(2 * 1024 * MiB)
    proc = subprocess.Popen([sys.executable, "-m", "vsh", "-c", uri,
                             f"vol-upload bigup {source} --pool {pool_name}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and _allocated(volume_path) < 4 * MiB:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    lines = err.splitlines()
    assert (out, proc.returncode) == ("\n", 1)
    assert lines[:2] == ["error: cannot send data to volume bigup", "error: interrupted"], err
    assert lines[2].startswith("error: volume bigup is incomplete: ") and lines[2].endswith(f" of {source} were sent")
    source.unlink()
    _virsh(uri, "vol-delete", "bigup", "--pool", pool_name)


def test_a_terminal_shows_a_progress_bar(pool: tuple[str, str, Path]) -> None:
    import pexpect

    uri, pool_name, folder = pool
    _volume(uri, pool_name, "shown", "64M")
    target = folder / "shown.bin"
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm", COLUMNS="100", PYTHONPATH=str(ROOT))
    child = pexpect.spawn(sys.executable, ["-m", "vsh", "-c", uri, f"vol-download shown {target} --pool {pool_name}"],
                          env=env, cwd=str(ROOT), timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    shown = child.before.decode("utf-8", "replace")
    assert child.exitstatus == 0, shown
    assert "Download" in shown and "MB" in shown  # the bar: label, bytes done of the total
    assert target.stat().st_size == 64 * MiB
