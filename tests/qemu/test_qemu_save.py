"""save, restore, managedsave, dump and screenshot on a real QEMU guest, compared with virsh.

The job progress (`--verbose`) depends on timing, so stderr is compared by its shape
(`\\rSave: [ NN %]` lines ending with `\\rSave: [100 %]`); everything else byte for byte.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.support import guest
from tests.support.libvirtd import QemuDaemon, unavailable
from util import Result

ROOT = Path(__file__).resolve().parent.parent.parent


def _virsh(uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=120)


def _ok(uri: str, *args: str) -> str:
    result = _virsh(uri, *args)
    assert result.returncode == 0, f"virsh {' '.join(args)}: {result.stderr}"
    return result.stdout


def _run(prog: str, uri: str, script: str, cwd: Path | None = None) -> Result:
    """One command string through virsh or vsh; carriage returns kept (the progress uses them)."""
    cmd = ["virsh"] if prog == "virsh" else [sys.executable, "-m", "vsh"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C"}
    for key in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR"):
        env.pop(key, None)
    proc = subprocess.run([*cmd, "-c", uri, script], capture_output=True, stdin=subprocess.DEVNULL, env=env,
                          cwd=str(cwd) if cwd else None, timeout=120)
    return Result(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)


def _both(uri: str, script: str, cwd: Path | None = None) -> list[tuple[str, Result]]:
    """Run the same command string through virsh and then vsh."""
    return [(prog, _run(prog, uri, script, cwd)) for prog in ("virsh", "vsh")]


@pytest.fixture(scope="module")
def save_guest(qemu_daemon: QemuDaemon, guest_image: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[str, str, Path]]:
    """(uri, name, folder) of a defined guest of our own, on its own copy of the disk."""
    uri = qemu_daemon.qemu_uri
    name = f"vsh-save-{os.getpid()}"
    folder = tmp_path_factory.mktemp("save")
    image = folder / "disk.img"
    shutil.copyfile(guest_image, image)
    xml = folder / "guest.xml"
    xml.write_text(guest.domain_xml(image, name=name))
    _ok(uri, "define", str(xml))
    try:
        yield uri, name, folder
    finally:
        _virsh(uri, "destroy", name)
        _virsh(uri, "managedsave-remove", name)
        _virsh(uri, "undefine", "--managed-save", name)


def _running(uri: str, name: str) -> None:
    if _ok(uri, "domstate", name).strip() != "running":
        _virsh(uri, "managedsave-remove", name)
        _ok(uri, "start", name)


def _progress(label: str, err: str) -> None:
    """stderr is virsh's progress text: some `\\rLabel: [ NN %]`, ending at 100 %."""
    assert re.fullmatch(rf"(\r{label}: \[[ \d]{{2}}\d %\])*\r{label}: \[100 %\]", err), repr(err)


def test_save_and_restore_with_progress_like_virsh(save_guest: tuple[str, str, Path]) -> None:
    uri, name, folder = save_guest
    image = folder / "state.img"
    for prog in ("virsh", "vsh"):
        _running(uri, name)
        image.unlink(missing_ok=True)
        saved = _run(prog, uri, f"save {name} {image} --verbose")
        assert (saved.out, saved.rc) == (f"\nDomain '{name}' saved to {image}\n\n", 0), prog
        _progress("Save", saved.err)
        assert _ok(uri, "domstate", name).strip() == "shut off"
        dumped = _run(prog, uri, f"save-image-dumpxml {image} --xpath //name")
        assert (dumped.out, dumped.err, dumped.rc) == (f"<name>{name}</name>\n\n", "", 0), prog
        restored = _run(prog, uri, f"restore {image} --paused")
        assert (restored.out, restored.err, restored.rc) == (f"Domain restored from {image}\n\n", "", 0), prog
        assert _ok(uri, "domstate", name).strip() == "paused"
        _ok(uri, "destroy", name)


def test_save_errors_like_virsh(save_guest: tuple[str, str, Path]) -> None:
    uri, name, folder = save_guest
    _virsh(uri, "destroy", name)
    script = (f"save {name} {folder}/x.img; save {name} /nonexistent/dir/x.img --xml /nonexistent.xml; "
              f"restore {folder}/missing.img; save-image-dumpxml {folder}/missing.img; dump {name} {folder}/c")
    (_, expected), (_, got) = _both(uri, script)
    assert got == expected
    assert "error: Failed to save domain" in got.err


def test_managedsave_and_remove_like_virsh(save_guest: tuple[str, str, Path]) -> None:
    uri, name, _folder = save_guest
    for prog in ("virsh", "vsh"):
        _running(uri, name)
        saved = _run(prog, uri, f"managedsave {name} --verbose --paused")
        assert (saved.out, saved.rc) == (f"\nDomain '{name}' state saved by libvirt\n\n", 0), prog
        _progress("Managedsave", saved.err)
        assert "Managed save:   yes" in _ok(uri, "dominfo", name)
        info = _run(prog, uri, f"managedsave-dumpxml {name} --xpath //name --wrap")
        assert info == Result(f"<nodes>\n  <name>{name}</name>\n</nodes>\n\n", "", 0), prog
        # Removing twice: the second time there is nothing to remove.
        removed = _run(prog, uri, f"managedsave-remove {name}; managedsave-remove {name}")
        assert removed == Result(f"Removed managedsave image for domain '{name}'\n"
                                 f"Domain '{name}' has no manage save image; removal skipped\n", "", 0), prog
        assert "Managed save:   no" in _ok(uri, "dominfo", name)


def test_dump_like_virsh(save_guest: tuple[str, str, Path]) -> None:
    uri, name, folder = save_guest
    _running(uri, name)
    for prog in ("virsh", "vsh"):
        core = folder / f"{prog}.core"
        dumped = _run(prog, uri, f"dump {name} {core} --memory-only --verbose")
        assert (dumped.out, dumped.rc) == (f"\nDomain '{name}' dumped to {core}\n\n", 0), prog
        _progress("Dump", dumped.err)
        assert core.read_bytes()[:4] == b"\x7fELF"
        live = _run(prog, uri, f"dump {name} {core} --live --format kdump-zlib")
        assert (live.out, live.err, live.rc) == ("\n", "error: --format only works with --memory-only\n", 1), prog
    assert _ok(uri, "domstate", name).strip() == "running"


_MAGIC = {"image/png": b"\x89PNG", "image/x-portable-pixmap": b"P6"}
_EXT = {"image/png": "png", "image/x-portable-pixmap": "ppm"}


def test_screenshot_like_virsh(save_guest: tuple[str, str, Path], tmp_path: Path) -> None:
    uri, name, _folder = save_guest
    _running(uri, name)
    (_, expected), (_, got) = _both(uri, f"screenshot {name} {tmp_path}/shot", cwd=tmp_path)
    assert got == expected
    mime = re.fullmatch(rf"Screenshot saved to {tmp_path}/shot, with type of (\S+)\n", got.out).group(1)
    assert (tmp_path / "shot").read_bytes()[:len(_MAGIC[mime])] == _MAGIC[mime]
    # Without a file name the shot is named after the domain and the time, in the working folder.
    auto = _run("vsh", uri, f"screenshot {name}", cwd=tmp_path)
    match = re.fullmatch(rf"Screenshot saved to ({re.escape(name)}-\d{{4}}-\d\d-\d\d-\d\d:\d\d:\d\d\.{_EXT[mime]}), "
                         rf"with type of {mime}\n", auto.out)
    assert match and auto.rc == 0, auto
    assert (tmp_path / match.group(1)).read_bytes()[:len(_MAGIC[mime])] == _MAGIC[mime]
    # A shut-off domain has no screen; the file is not created.
    _ok(uri, "destroy", name)
    (_, expected), (_, got) = _both(uri, f"screenshot {name} {tmp_path}/off.img")
    assert got == expected and got.rc == 1
    assert not (tmp_path / "off.img").exists()
