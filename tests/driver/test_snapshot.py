"""Snapshot commands on the test driver, compared with virsh.

Tables show creation times, so those cases use snapshots redefined from XML with a fixed
<creationTime>; snapshots made on the spot are checked through names, trees and info.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from util import same, vsh, write_xml_files

URI = "test:///default"

_DOMAIN = """  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory unit='KiB'>8388608</memory>
    <os><type arch='i686'>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
"""

R1 = f"""<domainsnapshot>
  <name>r1</name>
  <description>first</description>
  <state>shutoff</state>
  <creationTime>1700000000</creationTime>
  <memory snapshot='no'/>
{_DOMAIN}</domainsnapshot>
"""

R2 = f"""<domainsnapshot>
  <name>r2</name>
  <state>running</state>
  <parent><name>r1</name></parent>
  <creationTime>1700000100</creationTime>
  <memory snapshot='internal'/>
{_DOMAIN}</domainsnapshot>
"""

R3 = f"""<domainsnapshot>
  <name>R3</name>
  <state>disk-snapshot</state>
  <parent><name>r1</name></parent>
  <creationTime>1700000200</creationTime>
  <memory snapshot='no'/>
  <disks><disk name='vda' snapshot='external'><source file='/tmp/x.qcow2'/></disk></disks>
{_DOMAIN}</domainsnapshot>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("snap")
    out = write_xml_files(root, {"r1": R1, "r2": R2, "r3": R3})
    out["missing"] = str(root / "missing.xml")
    out["redefine"] = (f"snapshot-create test {out['r1']} --redefine; "
                       f"snapshot-create test --xmlfile {out['r2']} --redefine --current; "
                       f"snapshot-create test {out['r3']} --redefine")
    return out


# A chain made on the spot: s1 <- s2, then s1 made current again and B made below it.
CHAIN = ("snapshot-create-as test s1 desc1; snapshot-create-as test s2; snapshot-current test --snapshotname s1; "
         "snapshot-create-as test B")

DEFAULT_CASES = [
    "snapshot-list test",
    "snapshot-list test --parent --name",
    CHAIN + "; snapshot-list test --name; snapshot-list test --tree; snapshot-list test --tree --from s1; "
    "snapshot-list test --from s1 --descendants --name; snapshot-list test --topological --name; "
    "snapshot-list test --current --tree; snapshot-list test --roots --name; snapshot-list test --leaves --name; "
    "snapshot-list test --no-leaves --name; snapshot-list test s1 --name; snapshot-list test --current --name",
    CHAIN + "; snapshot-create-as test s3; snapshot-list test --tree; "
    "snapshot-list test --tree --from s1 --descendants; snapshot-list test --tree --metadata; "
    "snapshot-list test --tree --no-metadata; snapshot-list test --tree --topological",
    CHAIN + "; snapshot-info test s1; snapshot-info test --current; snapshot-info test --snapshotname s2; "
    "snapshot-parent test s2; snapshot-parent test s1; snapshot-parent test --current; snapshot-current test --name; "
    "snapshot-current test --snapshotname s2; snapshot-current test --name; snapshot-current test s1",
    # failures
    "snapshot-current test; snapshot-current test --name; snapshot-info test; snapshot-info test --current",
    "snapshot-info test nosuch; snapshot-info test s1 --current; snapshot-parent test; snapshot-parent test --current",
    "snapshot-delete test nosuch; snapshot-delete test; snapshot-delete test --current; "
    "snapshot-delete test x --current",
    "snapshot-revert test; snapshot-revert test --current; snapshot-revert test nosuch; "
    "snapshot-revert test x --current",
    "snapshot-dumpxml test nosuch; snapshot-dumpxml test; snapshot-dumpxml nosuch x; snapshot-dumpxml test ''",
    "snapshot-list test --from nosuch; snapshot-list test --current; snapshot-list test --descendants",
    "snapshot-list test --from x --current; snapshot-list nosuch; snapshot-list test --from ''",
    "snapshot-list test --tree --leaves; snapshot-list test --tree --no-leaves; snapshot-list test --tree --inactive",
    "snapshot-list test --tree --active; snapshot-list test --tree --disk-only; snapshot-list test --tree --internal",
    "snapshot-list test --tree --external",
    "snapshot-list test --tree --name",
    "snapshot-list test --roots --tree",
    "snapshot-list test --parent --roots",
    "snapshot-list test --parent --tree",
    "snapshot-list test --roots --from x",
    "snapshot-list test --roots --current",
    "snapshot-list test --leaves --no-leaves; snapshot-list test --metadata --no-metadata",
    "snapshot-current test --name --snapshotname x",
    "snapshot-current test --snapshotname x; snapshot-current test --snapshotname ''; snapshot-current nosuch",
    "snapshot-info nosuch --current; snapshot-info test ''; snapshot-parent test ''; snapshot-delete test ''",
    "snapshot-create nosuch; snapshot-create test ''; snapshot-create test /nonexistent.xml",
    "snapshot-create test --redefine; snapshot-create test --current",
    "snapshot-create-as nosuch; snapshot-create-as test --name ''; snapshot-create-as test --description ''",
    "snapshot-create-as test --memspec ''",
    "snapshot-info; snapshot-list",
    "snapshot-dumpxml nosuch x --xpath ''; snapshot-dumpxml test x --xpath ''",
    "snapshot-info test a b",
    # creation and its flags
    "snapshot-create-as test x --no-metadata; snapshot-list test --name; snapshot-create-as test y --halt; "
    "domstate test; snapshot-create-as test z --disk-only --live --atomic --quiesce --reuse-external; "
    "snapshot-create-as test w --validate; snapshot-list test --name",
    "snapshot-create-as test a; snapshot-create-as test a",
    "snapshot-create-as --domain test --name n --description d --diskspec vda; snapshot-dumpxml test n --xpath //disks",
    "snapshot-create-as test c; snapshot-delete test c; snapshot-list test --name; snapshot-delete test c",
    CHAIN + "; snapshot-delete test s1 --children-only; snapshot-list test --tree; "
    "snapshot-delete test --current --metadata; snapshot-list test --name",
    CHAIN + "; snapshot-delete test s1 --children; snapshot-list test --name",
    CHAIN + "; snapshot-revert test s2; domstate test; snapshot-revert test --current --paused; domstate test; "
    "snapshot-current test --name; snapshot-revert test s1 --running --force; snapshot-revert test s2 --reset-nvram",
    # --print-xml and the spec parsers
    "snapshot-create-as test a b --print-xml --memspec /x,snapshot=external "
    "--diskspec 'vda,snapshot=external,driver=qcow2,stype=block,file=/d<' vdb vdc,stype=file vdd,snapshot=no",
    "snapshot-create-as test --print-xml; snapshot-create-as test --print-xml --no-metadata",
    "snapshot-create-as nosuch --print-xml",
    "snapshot-create-as --domain test --name x --description 'a<b&\"c' --print-xml "
    "--diskspec 'vda,file=a,,b,driver=raw'",
    "snapshot-create-as test --print-xml --memspec 'file=/x,snapshot=internal,/y'",
    "snapshot-create-as test --print-xml --memspec snapshot=; snapshot-create-as test --print-xml --memspec /a,,b",
    "snapshot-create-as test --print-xml --memspec ,; snapshot-create-as test --memspec x",
    "snapshot-create-as test --print-xml --diskspec vda --memspec file=",
    "snapshot-create-as test --print-xml --diskspec '' ',a' 'a,,' 'a,,,file=' 'b,file=,snapshot=external' "
    "'c,stype=block,file=/dev/x' 'd,snapshot=<'",
    "snapshot-create-as test --diskspec vda,stype=foo; snapshot-create-as test --diskspec vda,bogus",
    "snapshot-create-as test --diskspec vda,snapshot=a,snapshot=b",
    "snapshot-create-as test n d vda --print-xml",
]


@pytest.mark.parametrize("line", DEFAULT_CASES)
def test_snapshot_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


FILE_CASES = [
    "{redefine}; snapshot-list test; snapshot-list test --parent; snapshot-list test --tree; "
    "snapshot-list test --topological",
    "{redefine}; snapshot-list test --inactive; snapshot-list test --active; snapshot-list test --disk-only; "
    "snapshot-list test --internal; snapshot-list test --external --parent",
    "{redefine}; snapshot-list test --metadata; snapshot-list test --no-metadata; snapshot-list test --from r1; "
    "snapshot-list test --current; snapshot-list test --roots; snapshot-list test --leaves; "
    "snapshot-list test --no-leaves",
    "{redefine}; snapshot-list test --from r1 --descendants --parent; snapshot-list test --tree --from r1",
    "{redefine}; snapshot-info test r1; snapshot-info test R3; snapshot-info test --current",
    "{redefine}; snapshot-current test; snapshot-current test --security-info; snapshot-current test --name",
    "{redefine}; snapshot-dumpxml test r1; snapshot-dumpxml test R3 --security-info",
    "{redefine}; snapshot-dumpxml test r1 --xpath //name; snapshot-dumpxml test r1 --xpath //name --wrap; "
    "snapshot-dumpxml test r1 --xpath ''; snapshot-dumpxml test r1 --xpath 'count(//x)'",
    "{redefine}; snapshot-current test R3; snapshot-current test --name; snapshot-info test R3",
    "{redefine}; snapshot-revert test r1; list --all; snapshot-revert test --current --running; list --all; "
    "snapshot-revert test R3; snapshot-revert test r2 --paused --force; domstate test",
    "{redefine}; snapshot-revert test r1 --reset-nvram",
    "{redefine}; snapshot-delete test r1 --children-only; snapshot-list test --tree; snapshot-delete test --current; "
    "snapshot-delete test r1 --metadata; snapshot-list test",
    "{redefine}; snapshot-delete test r1 --children; snapshot-list test; snapshot-create test {r1} --redefine; "
    "snapshot-delete test r1; snapshot-delete test r1 --current",
    "{redefine}; snapshot-create test {r1}; snapshot-create test {r1} --redefine --validate; "
    "snapshot-create test {missing} --redefine",
    "snapshot-create test --xmlfile {r2} --redefine",
    "snapshot-create test {r1} --redefine --current; snapshot-current test --name; snapshot-parent test r1",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_snapshot_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


def test_snapshot_quiet_matches_virsh(files: dict[str, str]) -> None:
    same("-q", "-c", URI, files["redefine"] + "; snapshot-list test; snapshot-current test --name; "
         "snapshot-parent test r2; snapshot-revert test r1; snapshot-delete test r2; snapshot-list test --name")


@pytest.mark.parametrize("cmd", ["snapshot-create", "snapshot-create-as", "snapshot-current", "snapshot-delete",
                                 "snapshot-dumpxml", "snapshot-info", "snapshot-list", "snapshot-parent",
                                 "snapshot-revert"])
def test_snapshot_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_snapshot_create_without_xml_names_it_by_time() -> None:
    # The name is the creation time, so virsh and vsh cannot be compared run against run.
    import re

    res = vsh("-c", URI, "snapshot-create test; snapshot-list test --name; snapshot-current test --name")
    assert res.rc == 0 and res.err == ""
    match = re.fullmatch(r"Domain snapshot (\d+) created\n(\d+)\n\n(\d+)\n", res.out)
    assert match and match.group(1) == match.group(2) == match.group(3)


def test_snapshot_json(files: dict[str, str]) -> None:
    import json

    res = vsh("--json", "-c", URI, files["redefine"] + "; snapshot-list test")
    assert res.rc == 0
    assert json.loads(res.out) == [
        {"name": "r1", "creation_time_seconds": 1700000000, "state": "shutoff", "parent": None},
        {"name": "r2", "creation_time_seconds": 1700000100, "state": "running", "parent": "r1"},
        {"name": "R3", "creation_time_seconds": 1700000200, "state": "disk-snapshot", "parent": "r1"},
    ]
    res = vsh("--json", "-c", URI, files["redefine"] + "; snapshot-info test R3")
    assert json.loads(res.out) == {
        "name": "R3", "domain": "test", "current": False, "state": "disk-snapshot", "location": "external",
        "parent": "r1", "children": 0, "descendants": 0, "metadata": True}
    res = vsh("--json", "-c", URI, files["redefine"] + "; snapshot-current test --name")
    assert json.loads(res.out) == {"name": "r2", "xml": None}
    rows = json.loads(vsh("--json", "-c", URI, files["redefine"] + "; snapshot-list test").out)
    res = vsh("--json", "-c", URI, files["redefine"] + "; snapshot-list test --tree")
    assert json.loads(res.out) == rows  # --tree shapes the text only
    res = vsh("--json", "-c", URI, "snapshot-create-as test x --print-xml")
    assert json.loads(res.out) == {"xml": "<domainsnapshot>\n  <name>x</name>\n</domainsnapshot>\n"}
