"""Node device commands on the test driver, compared with virsh.

The test driver of libvirt 9.0 rejects every nodedev-list (it supports no ACTIVE or
INACTIVE listing flag), so the listing is compared on its failures and option checks.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import same, vsh, write_xml_files

URI = "test:///default"

VPORT = """<device>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341299</wwnn>
      <wwpn>1000000012341299</wwpn>
    </capability>
  </capability>
</device>
"""

NOT_A_DEVICE = "<interface type='ethernet' name='x'/>\n"

WWN = "2000000012341234,1000000012341234"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("nodedev")
    out = write_xml_files(root, {"v": VPORT, "bad": NOT_A_DEVICE})
    return out


CASES = [
    "nodedev-list",
    "nodedev-list --tree",
    "nodedev-list --all",
    "nodedev-list --inactive",
    "nodedev-list --tree --all",
    "nodedev-list --cap scsi_host",
    "nodedev-list --cap 'scsi_host,net' --all",
    "nodedev-list --cap bogus",
    "nodedev-list bogus",
    "nodedev-list --cap ''",
    "nodedev-list --cap ,",
    "nodedev-list --cap 'net,,scsi'",
    "nodedev-list --cap 'net,'",
    "nodedev-list --tree --cap net",
    "nodedev-list --tree --inactive",
    "nodedev-list --inactive --all",
    "nodedev-list --all --inactive --tree --cap x",
    "nodedev-list --cap bogus --all --inactive",
    "nodedev-list --tree --cap bogus",
    "nodedev-info computer",
    "nodedev-info scsi_host1",
    "nodedev-info --device scsi_host1",
    "nodedev-info nosuch",
    "nodedev-info ''",
    "nodedev-info",
    "nodedev-info a,b",
    "nodedev-info ,",
    "nodedev-info a,b,c",
    f"nodedev-info {WWN}",
    "nodedev-info 0x2000000012341234,1000000012341234",
    "nodedev-info 2000000012341234,100000001234123x",
    "nodedev-info 2000000012341234,,1000000012341234",
    "nodedev-dumpxml computer",
    "nodedev-dumpxml scsi_host1",
    "nodedev-dumpxml nosuch",
    f"nodedev-dumpxml {WWN}",
    "nodedev-dumpxml computer --xpath //name --wrap",
    "nodedev-dumpxml scsi_host1 --xpath //wwnn/text()",
    "nodedev-dumpxml computer --xpath ''",
    "nodedev-dumpxml nosuch --xpath ''",
    "nodedev-destroy scsi_host1; nodedev-info scsi_host1; nodedev-destroy scsi_host1",
    "nodedev-destroy computer",
    "nodedev-destroy nosuch",
    f"nodedev-destroy --device {WWN}",
    "nodedev-destroy x,y",
    "nodedev-destroy scsi_host1 --device x",
    "nodedev-undefine scsi_host1",
    "nodedev-undefine nosuch",
    "nodedev-undefine a,b",
    "nodedev-start scsi_host1",
    "nodedev-start nosuch",
    "nodedev-start a,b",
    "nodedev-create /nonexistent.xml",
    "nodedev-create ''",
    "nodedev-define /nonexistent.xml",
]


@pytest.mark.parametrize("line", CASES)
def test_nodedev_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


FILE_CASES = [
    "nodedev-create {v}; nodedev-info scsi_host2; nodedev-dumpxml scsi_host2; nodedev-destroy scsi_host2; "
    "nodedev-info scsi_host2",
    "nodedev-create --file {v}",
    "nodedev-create {v} --validate",
    "nodedev-create {bad}",
    "nodedev-define {v}",
    "nodedev-define {v} --validate",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_nodedev_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


@pytest.mark.parametrize("cmd", ["nodedev-list", "nodedev-dumpxml", "nodedev-info", "nodedev-create",
                                 "nodedev-destroy", "nodedev-define", "nodedev-undefine", "nodedev-start"])
def test_nodedev_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_nodedev_tree_layout() -> None:
    """The tree layout of virsh's vshTreePrint, on names the test driver cannot list."""
    from vsh.commands.nodedev import _tree

    names = ["computer", "pci_0", "net_a", "usb_1", "scsi_host1"]
    parents = [None, "computer", "pci_0", "computer", "computer"]
    lines: list[str] = []
    _tree(names, parents, 0, 0, True, "", lines)
    assert "\n".join(lines) + "\n" == (
        "computer\n"
        "  |\n"
        "  +- pci_0\n"
        "  |   |\n"
        "  |   +- net_a\n"
        "  |     \n"
        "  +- usb_1\n"
        "  +- scsi_host1\n"
        "    \n")


def test_nodedev_json() -> None:
    res = vsh("-c", URI, "--json", "nodedev-info computer")
    assert json.loads(res.out) == {"name": "computer", "parent": None, "active": None, "persistent": None,
                                   "autostart": None}
    assert "<device>" in json.loads(vsh("-c", URI, "--json", "nodedev-dumpxml computer").out)["xml"]


# On a full root libvirtd (see test_secret.py) the node device driver lists the machine's devices.

FULL_CASES = [
    "nodedev-list",
    "nodedev-list --tree",
    "nodedev-list --all",
    "nodedev-list --inactive",
    "nodedev-list --cap net",
    "nodedev-list --cap 'pci,net'",
    "nodedev-list --cap system --all",
    "nodedev-info computer",
    "nodedev-dumpxml computer --xpath //name",
    "nodedev-undefine computer",
    "nodedev-start computer",
    "nodedev-destroy computer",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_nodedev_full_driver_matches_virsh(full_uri: str, line: str) -> None:
    same("-c", full_uri, line)
