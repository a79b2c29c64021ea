"""Disks with a backing chain for the block-job and backup tests, built with qemu-img and qemu-io.

`build_chain(folder)` makes ``base.img`` (raw: the guest's boot sector, then zeros), ``mid.qcow2`` over it
with `DATA_SIZE` bytes of a pattern written past the boot sector (so a commit or pull has data to move and
its progress rises), and ``top.qcow2`` over that, the guest's active image. `chain_xml` is the guest's
domain XML on that chain; `backing_chain` reads a chain back through `qemu-img info` (with `-U`, as the
running guest holds the images' locks). `run` runs one command string through virsh or vsh (carriage
returns kept: the job progress uses them), `define_guest` defines (and starts) a guest on a fresh chain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

from tests.support import guest
from tests.support.libvirtd import unavailable

ROOT = Path(__file__).resolve().parent.parent.parent

DISK_SIZE = 4 * 1024 * 1024
DATA_OFFSET = 1024 * 1024
DATA_SIZE = 2 * 1024 * 1024


class Result(NamedTuple):
    """What a program printed and its exit status (equal to tests/util.py's Result as a tuple)."""

    out: str
    err: str
    rc: int


class ChainBuildError(RuntimeError):
    """qemu-img or qemu-io (package qemu-utils) is missing or failed."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ChainBuildError(f"{name} (qemu-utils) is needed for the block job tests")
    return path


def call(*cmd: str) -> str:
    """A tool's stdout; ChainBuildError when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise ChainBuildError(f"{' '.join(cmd)} failed:\n{result.stderr}")
    return result.stdout


def overlay(path: Path, backing: Path, backing_format: str) -> Path:
    """A qcow2 image over `backing` (relative paths stay relative, as qemu-img writes them)."""
    call(_tool("qemu-img"), "create", "-q", "-f", "qcow2", "-F", backing_format, "-b", str(backing), str(path))
    return path


def build_chain(folder: Path) -> Path:
    """base.img <- mid.qcow2 (with data) <- top.qcow2 in `folder`; returns the top image."""
    base = guest.build_image(folder / "base.img", DISK_SIZE)
    mid = overlay(folder / "mid.qcow2", base, "raw")
    call(_tool("qemu-io"), "-f", "qcow2", "-c", f"write -P 0xa5 {DATA_OFFSET} {DATA_SIZE}", str(mid))
    return overlay(folder / "top.qcow2", mid, "qcow2")


def chain_xml(top: Path, name: str) -> str:
    """The guest's domain XML with `top` (a qcow2 image) as its disk."""
    root = ET.fromstring(guest.domain_xml(top, name=name, vnc=False))
    driver = root.find("devices/disk/driver")
    assert driver is not None
    driver.set("type", "qcow2")
    return ET.tostring(root, encoding="unicode") + "\n"


def backing_chain(image: Path) -> list[tuple[str, str]]:
    """(filename, format) of each image of the chain from `image` down, as qemu-img sees it."""
    text = call(_tool("qemu-img"), "info", "-U", "--backing-chain", "--output=json", str(image))
    return [(entry["filename"], entry["format"]) for entry in json.loads(text)]


def command(prog: str, uri: str, *words: str) -> list[str]:
    """The argv that runs `words` through virsh or vsh on `uri`."""
    base = ["virsh"] if prog == "virsh" else [sys.executable, "-m", "vsh"]
    return [*base, "-c", uri, *words]


def environment() -> dict[str, str]:
    """The C locale, no default URI, vsh from this tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C"}
    for key in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR"):
        env.pop(key, None)
    return env


def run(prog: str, uri: str, *words: str) -> Result:
    """One command string (or argv) through virsh or vsh, carriage returns kept."""
    if shutil.which("virsh") is None:
        unavailable("virsh (libvirt-clients) is not installed")
    proc = subprocess.run(command(prog, uri, *words), capture_output=True, stdin=subprocess.DEVNULL,
                          env=environment(), timeout=120)
    return Result(proc.stdout.decode(), proc.stderr.decode(), proc.returncode)


def ok(uri: str, *words: str) -> str:
    """virsh's stdout for a command that must succeed (test set-up and checks)."""
    result = run("virsh", uri, *words)
    assert result.rc == 0, f"virsh {' '.join(words)}: {result.err}"
    return result.out


class Guest:
    """A guest on its own chain, in its own folder."""

    def __init__(self, uri: str, name: str, folder: Path) -> None:
        self.uri, self.name, self.folder = uri, name, folder

    def norm(self, text: str) -> str:
        """Text with this guest's name and folder replaced, to compare two guests' outputs."""
        return text.replace(str(self.folder), "DIR").replace(self.name, "NAME")

    def source(self) -> str:
        """The disk's active image, as domblklist shows it."""
        rows = ok(self.uri, "domblklist", self.name).splitlines()[2:]
        return rows[0].split()[1]

    def chain(self) -> list[tuple[str, str]]:
        """The active image's backing chain by qemu-img, file names without their folder."""
        return [(Path(f).name, fmt) for f, fmt in backing_chain(Path(self.source()))]


def define_guest(uri: str, name: str, folder: Path, start: bool = True) -> Guest:
    """A guest on a fresh chain in `folder`, defined and (with `start`) running."""
    try:
        top = build_chain(folder)
    except ChainBuildError as err:
        unavailable(str(err))
    xml = folder / "guest.xml"
    xml.write_text(chain_xml(top, name))
    ok(uri, "define", str(xml))
    if start:
        ok(uri, "start", name)
    return Guest(uri, name, folder)
