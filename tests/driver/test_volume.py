"""Storage volume commands on the test driver, compared with virsh."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_copy, same, vsh

VOLUME = """<volume>
  <name>fromfile.img</name>
  <capacity unit='M'>5</capacity>
</volume>
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("vol")
    vxml = root / "vol.xml"
    vxml.write_text(VOLUME)
    return {"root": str(root), "uri": host_copy("volumes", root, root=str(root)), "vxml": str(vxml)}


CASES = [
    # listing and lookups
    "vol-list pool1",
    "vol-list pool1 --details",
    "vol-list --pool pool2 --details; vol-list empty; vol-list empty --details",
    "vol-list 33333333-3333-3333-3333-333333333333",
    "vol-list nosuch",
    "vol-list",
    "pool-destroy pool1; vol-list pool1",
    "vol-info disk1.img --pool pool1",
    "vol-info disk1.img pool1",
    "vol-info --vol a.raw --pool pool1 --bytes",
    "vol-info Big --pool huge; vol-info Big --pool huge --bytes; vol-list huge --details",
    "vol-info {root}/pool1/disk1.img",
    "vol-info {root}/pool1/disk1.img --bytes",
    "vol-info disk1.img --pool pool1 --physical",
    "vol-info disk1.img --pool pool1 --physical --bytes",
    "vol-info disk1.img",
    "vol-info nosuch --pool pool1",
    "vol-info disk1.img --pool nosuch",
    "vol-info disk1.img --pool pool2",
    "vol-info {root}/pool1/disk1.img --pool pool2",
    "vol-info disk1.img --pool ''",
    "pool-destroy pool1; vol-info disk1.img --pool pool1; vol-info {root}/pool1/disk1.img",
    "vol-dumpxml disk1.img --pool pool1",
    "vol-dumpxml {root}/pool1/a.raw",
    "vol-dumpxml disk1.img --pool pool1 --xpath //format/@type",
    "vol-dumpxml disk1.img --pool pool1 --xpath '//capacity | //allocation' --wrap",
    "vol-dumpxml disk1.img --pool pool1 --xpath ''",
    "vol-dumpxml nosuch",
    "vol-path disk1.img --pool pool1; vol-path {root}/pool1/a.raw",
    "vol-path disk1.img",
    "vol-key disk1.img --pool pool1; vol-key {root}/pool1/a.raw",
    "vol-key disk1.img",
    "vol-name {root}/pool1/disk1.img",
    "vol-name disk1.img",
    "vol-pool {root}/pool2/other.img; vol-pool --uuid {root}/pool2/other.img",
    "vol-pool disk1.img",
    # creation
    "vol-create-as pool1 new.img 512M --allocation 1G --format qcow2; vol-list pool1 --details; "
    "vol-info new.img --pool pool1; vol-dumpxml --pool pool1 new.img",
    "vol-create-as pool1 v 1M 2M qcow2 --print-xml",
    "vol-create-as --pool pool1 --name v --capacity 1073741824 --print-xml",
    "vol-create-as pool1 snap.qcow2 1G --format qcow2 --backing-vol disk1.img --backing-vol-format qcow2 "
    "--print-xml --allocation 0 --prealloc-metadata",
    "vol-create-as pool1 snap 1G --backing-vol {root}/pool2/other.img --print-xml",
    "vol-create-as pool1 snap 1G --backing-vol {root}/pool1/a.raw",
    "vol-create-as pool2 snap 1G --backing-vol disk1.img",
    "vol-create-as pool1 snap 1G --backing-vol nosuch",
    "vol-create-as pool1 snap 1G --backing-vol-format raw --print-xml",
    "vol-create-as pool1 x 1G --format qcow2 --backing-vol disk1.img; vol-dumpxml x --pool pool1",
    "vol-create-as pool1 a.raw 1G",
    "vol-create-as huge more 1G",
    "vol-create-as nosuch a.raw 1G",
    "vol-create-as pool1 x 1G --prealloc-metadata",
    "pool-destroy pool1; vol-create-as pool1 x 1M",
    "vol-create-as pool1 'v<1' 1M --print-xml",
    "vol-create-as pool1 v",
    # sizes
    "vol-create-as pool1 v 12QB",
    "vol-create-as pool1 v 99999999999999999999",
    "vol-create-as pool1 v 99999999999E",
    "vol-create-as pool1 v 16EiB",
    "vol-create-as pool1 v 15EiB --print-xml",
    "vol-create-as pool1 v -1",
    "vol-create-as pool1 v -0",
    "vol-create-as pool1 v 0x10",
    "vol-create-as pool1 v ' 1' --print-xml",
    "vol-create-as pool1 v '1 '",
    "vol-create-as pool1 v +1k --print-xml",
    "vol-create-as pool1 v 1KB --print-xml; vol-create-as pool1 v 1KiB --print-xml; vol-create-as pool1 v 2g --print-xml",
    "vol-create-as pool1 v 1e --print-xml; vol-create-as pool1 v 3bytes --print-xml",
    "vol-create-as pool1 v 1.5G",
    "vol-create-as pool1 v ''",
    "vol-create-as nosuch v ''",
    "vol-create-as pool1 '' 1M",
    "vol-create-as pool1 v 1M --allocation '' --print-xml",
    "vol-create-as pool1 v 1M --allocation 5x",
    "vol-create-as pool1 v 1M --allocation 1TB --print-xml",
    "vol-create-as pool1 v 1M --format '' --print-xml",
    "vol-create-as pool1 v 1M --backing-vol ''",
    # deletion
    "vol-delete a.raw --pool pool1; vol-list pool1; vol-delete a.raw --pool pool1",
    "vol-delete {root}/pool2/other.img; vol-list pool2",
    "vol-delete --delete-snapshots disk1.img --pool pool1",
    "vol-delete nosuch",
    "vol-create-as pool1 n 1k; vol-delete n --pool pool1; vol-list pool1",
    # vol-create, vol-create-from, vol-clone
    "vol-create pool1 {vxml}; vol-info fromfile.img --pool pool1; vol-create pool1 {vxml}",
    "vol-create --pool pool1 --file {vxml} --prealloc-metadata",
    "vol-create pool1 {vxml} --validate",
    "vol-create nosuch {vxml}",
    "vol-create pool1 /nonexistent.xml",
    "vol-create-from pool1 {vxml} disk1.img",
    "vol-create-from pool1 {vxml} disk1.img --inputpool pool1; vol-list pool1",
    "vol-create-from pool2 {vxml} {root}/pool1/a.raw; vol-list pool2 --details",
    "vol-create-from pool1 {vxml} nosuch",
    "vol-create-from pool1 /nonexistent.xml disk1.img --inputpool pool1",
    "vol-create-from pool1 {vxml} disk1.img --inputpool pool1 --reflink",
    "vol-clone disk1.img c.img --pool pool1 --print-xml",
    "vol-clone {root}/pool1/a.raw b --print-xml",
    "vol-clone a.raw 'x<y' --pool pool1 --print-xml",
    "vol-clone a.raw b --pool pool1; vol-dumpxml b --pool pool1; vol-list pool1",
    "vol-clone a.raw c --pool pool1 --reflink",
    "vol-clone a.raw c --pool pool1 --prealloc-metadata",
    "vol-clone disk1.img a.raw --pool pool1",
    "vol-clone nosuch b",
    "vol-clone a.raw '' --pool pool1",
    # vol-resize, vol-wipe (the test driver supports neither: the failures must match)
    "vol-resize disk1.img 20G --pool pool1",
    "vol-resize disk1.img 2G --pool pool1 --delta --allocate",
    "vol-resize disk1.img --pool pool1 -- -2G",
    "vol-resize disk1.img --pool pool1 --shrink -- -2G",
    "vol-resize disk1.img '  -2x' --pool pool1 --shrink",
    "vol-resize disk1.img 12QB --pool pool1",
    "vol-resize disk1.img '' --pool pool1",
    "vol-resize nosuch 1G",
    "vol-wipe a.raw --pool pool1",
    "vol-wipe a.raw --pool pool1 --algorithm trim",
    "vol-wipe a.raw --pool pool1 --algorithm bogus",
    "vol-wipe a.raw --pool pool1 --algorithm ''",
    "vol-wipe nosuch",
]


@pytest.mark.parametrize("line", CASES)
def test_volume_commands_match_virsh(host: dict[str, str], line: str) -> None:
    same("-c", host["uri"], line.format(**host))


def test_volume_group_help_matches_virsh() -> None:
    same("help", "volume")


@pytest.mark.parametrize("cmd", ["vol-list", "vol-create-as", "vol-info", "vol-dumpxml", "vol-path", "vol-delete",
                                 "vol-key", "vol-name", "vol-pool", "vol-create", "vol-create-from", "vol-clone",
                                 "vol-resize", "vol-wipe"])
def test_volume_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_volume_quiet_matches_virsh(host: dict[str, str]) -> None:
    same("-c", host["uri"], "-q", "vol-create-as pool1 q 1M; vol-delete q --pool pool1; vol-list pool1")


# JSON ----------------------------------------------------------------------------------------
def _json(host: dict[str, str], line: str) -> object:
    res = vsh("-c", host["uri"], "--json", line.format(**host))
    assert res.rc == 0, res.err
    return json.loads(res.out)


def test_vol_list_json_is_typed(host: dict[str, str]) -> None:
    root = host["root"]
    rows = [{"name": "other.img", "path": f"{root}/pool2/other.img", "type": "file", "capacity_bytes": 1536,
             "allocation_bytes": 0}]
    assert _json(host, "vol-list pool2") == _json(host, "vol-list pool2 --details") == rows
    assert _json(host, "vol-list empty") == []


def test_vol_info_json_is_typed(host: dict[str, str]) -> None:
    assert _json(host, "vol-info disk1.img --pool pool1") == {
        "name": "disk1.img", "type": "file", "capacity_bytes": 10737418240, "allocation_bytes": 1234567,
        "physical_bytes": None}


def test_vol_single_values_json(host: dict[str, str]) -> None:
    root = host["root"]
    assert _json(host, "vol-path a.raw --pool pool1") == {"path": f"{root}/pool1/a.raw"}
    assert _json(host, "vol-key a.raw --pool pool1") == {"key": f"{root}/pool1/a.raw"}
    assert _json(host, "vol-name {root}/pool1/a.raw") == {"name": "a.raw"}
    pool = {"name": "pool1", "uuid": "33333333-3333-3333-3333-333333333333"}
    assert _json(host, "vol-pool {root}/pool1/a.raw") == _json(host, "vol-pool --uuid {root}/pool1/a.raw") == pool


def test_vol_xml_json(host: dict[str, str]) -> None:
    assert _json(host, "vol-create-as pool1 v 1k --print-xml") == {
        "xml": "<volume>\n  <name>v</name>\n  <capacity>1024</capacity>\n</volume>\n"}
    assert _json(host, "vol-dumpxml a.raw --pool pool1 --xpath //capacity/text()") == {"xml": "512\n"}


def test_vol_clone_print_xml_json(host: dict[str, str]) -> None:
    doc = _json(host, "vol-clone a.raw b --pool pool1 --print-xml")
    assert isinstance(doc, dict) and doc["xml"].startswith('<volume type="file">\n  <name>b</name>\n')
    assert doc["xml"].endswith("</volume>")


def test_vol_actions_print_nothing_under_json(host: dict[str, str]) -> None:
    res = vsh("-c", host["uri"], "--json", "vol-create-as pool1 j 1M; vol-delete j --pool pool1")
    assert (res.out, res.err, res.rc) == ("", "", 0)


def test_vol_size_error_is_json_under_json(host: dict[str, str]) -> None:
    res = vsh("-c", host["uri"], "--json", "vol-create-as pool1 v 12QB")
    assert res.rc == 1
    err = json.loads(res.err)["error"]
    assert err == {"message": "Malformed size 12QB", "detail": "invalid argument: unknown suffix 'QB'", "source": "vsh"}
