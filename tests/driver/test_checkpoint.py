"""Checkpoint commands on the test driver, compared with virsh.

Tables show creation times, so those cases use checkpoints redefined from XML with a fixed
<creationTime>; checkpoints made on the spot are checked through names, trees and info.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from util import same, vsh, write_xml_files

URI = "test:///default"

K1 = """<domaincheckpoint>
  <name>k1</name>
  <description>first</description>
  <creationTime>1700000000</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='k1'/>
  </disks>
</domaincheckpoint>
"""

K2 = """<domaincheckpoint>
  <name>K2</name>
  <parent><name>k1</name></parent>
  <creationTime>1700000100</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='K2'/>
  </disks>
</domaincheckpoint>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("chk")
    out = write_xml_files(root, {"k1": K1, "k2": K2})
    out["missing"] = str(root / "missing.xml")
    out["redefine"] = (f"checkpoint-create test {out['k1']} --redefine; "
                       f"checkpoint-create test --xmlfile {out['k2']} --redefine")
    return out


CHAIN = ("checkpoint-create-as test c1 d1; checkpoint-create-as test c2; checkpoint-create-as test c3; "
         "checkpoint-create-as test --name B")

DEFAULT_CASES = [
    "checkpoint-list test; checkpoint-list test --parent; checkpoint-list test --tree; checkpoint-list test --name",
    CHAIN + "; checkpoint-list test --name; checkpoint-list test --tree; checkpoint-info test c2; "
    "checkpoint-info test c1; checkpoint-parent test c2; checkpoint-parent test c1",
    CHAIN + "; checkpoint-dumpxml test c1 --no-domain --xpath //name; "
    "checkpoint-dumpxml test c1 --size --no-domain --xpath //disks; "
    "checkpoint-dumpxml test c1 --security-info --xpath //disks; checkpoint-dumpxml test c1 --xpath //name --wrap; "
    "checkpoint-dumpxml test c1 --xpath ''",
    CHAIN + "; checkpoint-list test --tree --from c1; checkpoint-list test --from c1 --name; "
    "checkpoint-list test --from c1 --descendants --name; checkpoint-list test --topological --name; "
    "checkpoint-list test --roots --name; checkpoint-list test --leaves --name; "
    "checkpoint-list test --no-leaves --name; "
    "checkpoint-list test --tree --from c2 --descendants; checkpoint-list test c2 --name; "
    "checkpoint-list test --tree --topological",
    CHAIN + "; checkpoint-delete test c1 --children-only; checkpoint-list test --tree; "
    "checkpoint-delete test c1 --metadata; checkpoint-delete test c1; checkpoint-list test --name",
    "checkpoint-create-as test x; checkpoint-create-as test y; checkpoint-delete test x --children; "
    "checkpoint-list test --name",
    # failures
    "checkpoint-info test; checkpoint-parent test; checkpoint-dumpxml test; checkpoint-delete test; "
    "checkpoint-delete test ''",
    "checkpoint-list test --descendants; checkpoint-list test --from x; checkpoint-list test --from ''; "
    "checkpoint-list test --tree --leaves; checkpoint-list test --tree --no-leaves",
    "checkpoint-list test --tree --name",
    "checkpoint-list test --roots --tree",
    "checkpoint-list test --parent --roots",
    "checkpoint-list test --parent --tree",
    "checkpoint-list test --roots --from x",
    "checkpoint-list nosuch; checkpoint-info nosuch; checkpoint-info test x; checkpoint-info test ''; "
    "checkpoint-parent test x; checkpoint-dumpxml test x; checkpoint-delete nosuch x",
    "checkpoint-create nosuch; checkpoint-create test /nonexistent.xml; checkpoint-create test ''",
    "checkpoint-create-as nosuch; checkpoint-create-as test --name ''; checkpoint-create-as test --description ''",
    "checkpoint-create test --redefine-validate",
    "checkpoint-create test --redefine; checkpoint-create-as test a; checkpoint-create-as test a",
    "checkpoint-info; checkpoint-list",
    "checkpoint-dumpxml nosuch --xpath ''; checkpoint-dumpxml test --xpath ''; checkpoint-dumpxml test x --xpath ''; "
    "checkpoint-dumpxml test --xpath '' --checkpointname ''",
    # --print-xml and the diskspec parser
    "checkpoint-create-as test x y --print-xml --diskspec vda,checkpoint=bitmap,bitmap=b --diskspec vdb",
    "checkpoint-create-as test --print-xml --diskspec '' 'a<,bitmap=<' a,,b",
    "checkpoint-create-as test --print-xml --diskspec vda,checkpoint=no,checkpoint=x",
    "checkpoint-create-as test --print-xml; checkpoint-create-as test --diskspec vda,bogus",
    "checkpoint-create-as test q --diskspec vda,checkpoint=no; checkpoint-dumpxml test q --xpath //disks",
    "checkpoint-create-as test n d vda --print-xml --quiesce; checkpoint-create-as test n --quiesce",
    "checkpoint-create-as test a --description 'x&y' --print-xml",
]


@pytest.mark.parametrize("line", DEFAULT_CASES)
def test_checkpoint_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


FILE_CASES = [
    "{redefine}; checkpoint-list test; checkpoint-list test --parent; checkpoint-list test --tree; "
    "checkpoint-list test --topological; checkpoint-list test --roots; checkpoint-list test --leaves --parent",
    "{redefine}; checkpoint-info test K2; checkpoint-dumpxml test K2; checkpoint-list test --from k1 --parent",
    "{redefine}; checkpoint-create test {k1} --redefine --redefine-validate; checkpoint-create test {k1}; "
    "checkpoint-create test {missing}",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_checkpoint_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


def test_checkpoint_quiet_matches_virsh(files: dict[str, str]) -> None:
    same("-q", "-c", URI, files["redefine"] + "; checkpoint-list test; checkpoint-parent test K2; "
         "checkpoint-delete test K2; checkpoint-list test --name")


@pytest.mark.parametrize("cmd", ["checkpoint-create", "checkpoint-create-as", "checkpoint-delete",
                                 "checkpoint-dumpxml", "checkpoint-info", "checkpoint-list", "checkpoint-parent"])
def test_checkpoint_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_checkpoint_create_without_xml_names_it_by_time() -> None:
    # The name is the creation time, so virsh and vsh cannot be compared run against run.
    res = vsh("-c", URI, "checkpoint-create test; checkpoint-list test --name")
    assert res.rc == 0 and res.err == ""
    match = re.fullmatch(r"Domain checkpoint (\d+) created\n(\d+)\n\n", res.out)
    assert match and match.group(1) == match.group(2)


def test_checkpoint_json(files: dict[str, str]) -> None:
    res = vsh("--json", "-c", URI, files["redefine"] + "; checkpoint-list test")
    assert res.rc == 0
    assert json.loads(res.out) == [
        {"name": "k1", "creation_time_seconds": 1700000000, "parent": None},
        {"name": "K2", "creation_time_seconds": 1700000100, "parent": "k1"},
    ]
    res = vsh("--json", "-c", URI, files["redefine"] + "; checkpoint-info test K2")
    assert json.loads(res.out) == {"name": "K2", "domain": "test", "parent": "k1", "children": 0,
                                   "descendants": 0}
    res = vsh("--json", "-c", URI, files["redefine"] + "; checkpoint-parent test K2")
    assert json.loads(res.out) == {"parent": "k1"}
    res = vsh("--json", "-c", URI, "checkpoint-create-as test x --print-xml")
    assert json.loads(res.out) == {"xml": "<domaincheckpoint>\n  <name>x</name>\n</domaincheckpoint>\n"}
