"""Interface commands on the test driver, compared with virsh."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import same, vsh, write_xml_files

URI = "test:///default"

IFACE = """<interface type='ethernet' name='eth9'>
  <start mode='onboot'/>
  <mac address='00:11:22:33:44:99'/>
</interface>
"""

LOWER = """<interface type='ethernet' name='Alpha'>
  <mac address='00:11:22:33:44:aa'/>
</interface>
"""

BAD = "<interface type='bogus'/>\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("iface")
    out = write_xml_files(root, {"i": IFACE, "a": LOWER, "bad": BAD})
    return out


CASES = [
    "iface-list",
    "iface-list --all",
    "iface-list --inactive",
    "iface-list --all --inactive",
    "iface-list --inactive --all",
    "iface-list extra",
    "iface-name aa:bb:cc:dd:ee:ff",
    "iface-name AA:BB:CC:DD:EE:FF",
    "iface-name eth1",
    "iface-name 00:11:22:33:44:55",
    "iface-name '00:11:22:33:44:55 x'",
    "iface-name 0:11:22:33:44:55",
    "iface-name 000:11:22:33:44:55",
    "iface-name 00:11:22:33:44",
    "iface-name 00:11:22:33:44:55:66",
    "iface-name 0x:11:22:33:44:55",
    "iface-name ''",
    "iface-name",
    "iface-mac eth1",
    "iface-mac --interface eth1",
    "iface-mac nosuch",
    "iface-mac aa:bb:cc:dd:ee:ff",
    "iface-dumpxml eth1",
    "iface-dumpxml aa:bb:cc:dd:ee:ff --inactive",
    "iface-dumpxml nosuch",
    "iface-dumpxml 00:11:22:33:44:55",
    "iface-dumpxml eth1 --xpath //mac/@address",
    "iface-dumpxml eth1 --xpath //ip --wrap",
    "iface-dumpxml eth1 --xpath ''",
    "iface-dumpxml eth1 --xpath '//nosuch'",
    "iface-destroy eth1; iface-list --all; iface-list --inactive; iface-destroy eth1; iface-start eth1; "
    "iface-start eth1; iface-list",
    "iface-destroy aa:bb:cc:dd:ee:ff; iface-start aa:bb:cc:dd:ee:ff",
    "iface-destroy nosuch",
    "iface-start nosuch",
    "iface-undefine eth1; iface-list --all; iface-undefine eth1",
    "iface-undefine aa:bb:cc:dd:ee:ff",
    "iface-undefine nosuch",
    "iface-define /nonexistent.xml",
    "iface-define ''",
    "iface-define",
]


@pytest.mark.parametrize("line", CASES)
def test_interface_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


FILE_CASES = [
    "iface-define {i}; iface-list --all; iface-list --inactive; iface-start eth9; iface-list; "
    "iface-mac eth9; iface-name 00:11:22:33:44:99; iface-dumpxml eth9 --inactive",
    "iface-define {a}; iface-define {i}; iface-list --all",
    "iface-define {i}; iface-define {i} --validate; iface-undefine eth9; iface-list --all",
    "iface-define --file {i} --validate",
    "iface-define {bad}",
    "iface-define {bad} --validate",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_interface_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


@pytest.mark.parametrize("cmd", ["iface-name", "iface-mac", "iface-dumpxml", "iface-define", "iface-undefine",
                                 "iface-start", "iface-destroy", "iface-list"])
def test_interface_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_interface_json() -> None:
    res = vsh("-c", URI, "--json", "iface-list --all")
    assert json.loads(res.out) == [{"name": "eth1", "active": True, "mac": "aa:bb:cc:dd:ee:ff"}]
    assert json.loads(vsh("-c", URI, "--json", "iface-mac eth1").out) == {"mac": "aa:bb:cc:dd:ee:ff"}
    assert json.loads(vsh("-c", URI, "--json", "iface-name aa:bb:cc:dd:ee:ff").out) == {"name": "eth1"}
    assert "<interface" in json.loads(vsh("-c", URI, "--json", "iface-dumpxml eth1").out)["xml"]


# On a full root libvirtd (see test_secret.py) the udev backend lists the machine's interfaces.

FULL_CASES = [
    "iface-list",
    "iface-list --all",
    "iface-list --inactive",
    "iface-mac lo; iface-name 00:00:00:00:00:00",
    "iface-dumpxml lo --xpath //mac",
    "iface-dumpxml lo --inactive --xpath //mac --wrap",
    "iface-start lo",
    "iface-destroy lo",
    "iface-undefine lo",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_interface_full_driver_matches_virsh(full_uri: str, line: str) -> None:
    same("-c", full_uri, line)
