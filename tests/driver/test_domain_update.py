"""update-device, update-memory-device, change-media, domif-setlink/getlink, setvcpu, dompmsuspend,
dompmwakeup, domdirtyrate-calc and dom-fd-associate, compared with virsh on the test driver.

The test driver implements none of the calls that change a device, so their successful paths
are covered in tests/qemu/test_qemu_update.py; here the option handling, lookups, --print-xml
documents (CD-ROM, floppy, interfaces, virtio-mem) and domif-getlink are compared in full.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_uri, same, vsh

URI = host_uri("domain_update_node")

LINES = [
    # change-media: eject, insert, update, on a CD-ROM with and without media and a floppy
    "change-media media hdc --eject --print-xml", "change-media media hdc /x.iso --print-xml",
    "change-media media hdc --source /x.iso --update",
    "change-media media hdd --source /x.iso --insert --block --print-xml",
    "change-media media hdc --source /x.iso --insert", "change-media media hdd --eject",
    "change-media media vda --eject",
    "change-media media fda --update --print-xml", "change-media media fda /y --update --print-xml --block",
    "change-media media nosuch --eject", "change-media plain hdc --eject",
    "change-media media hdc --source '' --current --live", "change-media media hdc --current --live",
    "change-media media hdc --eject --block", "change-media media '' --eject", "change-media media hdc --force /z",
    "change-media media /var/lib/vsh/install.iso --eject --print-xml --config",
    "change-media media hdc '/é<&\">' --print-xml",
    # domif-setlink, domif-getlink
    "domif-setlink media testnet0 down --print-xml", "domif-setlink media 52:54:00:00:00:A2 up --print-xml",
    "domif-setlink media vnet7 down", "domif-setlink media vnet7 down --persistent --print-xml",
    "domif-setlink media testnet0 down", "domif-setlink plain x up", "domif-setlink media x sideways",
    "domif-setlink media '' up", "domif-setlink media x ''",
    "domif-getlink media vnet7", "domif-getlink media 52:54:0:0:0:a2", "domif-getlink media \"a'b\"",
    "domif-getlink media ''", "domif-getlink bogus ''", "domif-getlink media 52:54:00:00:00:A1",
    "domif-getlink media '52:54:00:00:00:a1 zz'", "domif-getlink media testnet0",
    "domif-getlink media TESTNET0 --persistent", "domif-getlink media vnet7 --config", "domif-getlink plain x",
    # setvcpu, dompmsuspend, dompmwakeup, domdirtyrate-calc, dom-fd-associate
    "setvcpu media 3 --enable", "setvcpu media 3", "setvcpu media '' --enable", "setvcpu media 1 --enable --disable",
    "setvcpu nosuch 1 --enable --config", "setvcpu media 1 --disable --current --live",
    "dompmsuspend media mem", "dompmsuspend media x", "dompmsuspend media mem --duration -1",
    "dompmsuspend media '' --duration x", "dompmsuspend media mem 5", "dompmwakeup media", "dompmwakeup nosuch",
    "domdirtyrate-calc media", "domdirtyrate-calc media --mode x", "domdirtyrate-calc media --seconds x",
    "domdirtyrate-calc media --mode ''", "domdirtyrate-calc media --seconds 5 --mode dirty-ring",
    "dom-fd-associate media x 0", "dom-fd-associate media x ''", "dom-fd-associate media '' 1",
    "dom-fd-associate media x 1,y", "dom-fd-associate media x 1 --seclabel-writable --seclabel-restore",
    # update-memory-device on a virtio-mem device and a DIMM
    "update-memory-device media", "update-memory-device media --alias \"a'b\"", "update-memory-device media --node x",
    "update-memory-device media --node 1 --alias x", "update-memory-device media --current --live",
    "update-memory-device plain --node 0 --requested-size 1M --print-xml", "update-memory-device plain --print-xml",
    "update-memory-device plain --alias ua-mem0 --requested-size 1000 --print-xml --config",
    "update-memory-device plain --node 1 --requested-size 1 --print-xml",
    "update-memory-device plain --node 0 --requested-size 1Q",
    "update-memory-device plain --node 0 --requested-size 1G",
    "update-memory-device plain --alias nosuch", "update-memory-device plain --node 5",
    "update-memory-device plain --node -1", "update-memory-device plain --alias ''",
    # update-device
    "update-device media /nonexist", "update-device media ''", "update-device nosuch x",
    "update-device media nic.xml --persistent --current", "update-device media nic.xml --force --live",
    # a shut-off domain: the definition alone is changed
    "destroy media; domif-setlink media 52:54:00:00:00:a1 down; domif-getlink media 52:54:00:00:00:a1 --config",
    "destroy media; domif-setlink media 52:54:00:00:00:a1 down --print-xml",
    "destroy media; change-media media hdc --eject", "destroy media; update-device media nic.xml --persistent",
    "destroy media; dompmwakeup media", "destroy media; setvcpu media 1 --enable",
]


@pytest.fixture()
def folder(tmp_path: Path) -> str:
    (tmp_path / "nic.xml").write_text("<interface type='network'>\n  <mac address='52:54:00:00:00:a1'/>\n"
                                      "  <source network='default'/>\n  <link state='down'/>\n</interface>\n")
    return str(tmp_path)


@pytest.mark.parametrize("line", LINES)
def test_same_as_virsh(line: str, folder: str) -> None:
    same("-c", URI, line, cwd=folder)


@pytest.mark.parametrize("line", ["change-media media hdc --eject --print-xml", "domif-getlink media testnet0",
                                  "dompmsuspend media mem", "change-media media hdc /x --update"])
def test_quiet_same_as_virsh(line: str, folder: str) -> None:
    """Under -q virsh leaves out the newline these commands leave to the blank line."""
    same("-q", "-c", URI, line, cwd=folder)


def test_getlink_json() -> None:
    result = vsh("--json", "-c", URI, "domif-getlink media 52:54:00:00:00:A2")
    assert result.rc == 0
    assert json.loads(result.out) == {"interface": "52:54:00:00:00:A2", "state": "down"}


def test_print_xml_json() -> None:
    result = vsh("--json", "-c", URI, "domif-setlink media testnet1 up --print-xml")
    assert result.rc == 0
    assert '<link state="up"/>' in json.loads(result.out)["xml"]
