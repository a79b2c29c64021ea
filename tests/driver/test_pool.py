"""Storage pool commands on the test driver, compared with virsh."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import host_copy, same, vsh, write_xml_files

URI = "test:///default"

POOL = """<pool type='dir'>
  <name>px</name>
  <uuid>55555555-5555-5555-5555-555555555555</uuid>
  <target><path>{root}/px</path></target>
</pool>
"""

NOT_A_POOL = "<network><name>bad</name></network>\n"

SOURCE = "<source><host name='nfs.example.org'/></source>\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("pool")
    out = {"root": str(root), **write_xml_files(root, {name: text.format(root=root) for name, text in
                                                       (("p", POOL), ("bad", NOT_A_POOL), ("src", SOURCE))})}
    out["uri"] = host_copy("pools", root, root=str(root))
    return out


DEFAULT_CASES = [
    "pool-list",
    "pool-list --all",
    "pool-list --inactive",
    "pool-list --details",
    "pool-list --all --details",
    "pool-list --name",
    "pool-list --uuid",
    "pool-list --uuid --name",
    "pool-list --persistent --transient",
    "pool-list --transient --all --details",
    "pool-list --autostart",
    "pool-list --no-autostart",
    "pool-list --all --inactive",
    "pool-list --details --uuid",
    "pool-list --details --name",
    "pool-list --type dir",
    "pool-list dir",
    "pool-list --type logical",
    "pool-list --type logical,iscsi-direct,dir --details",
    "pool-list --type bogus",
    "pool-list --type 'dir,,'",
    "pool-list --type 'dir,,,logical'",
    "pool-list --type 'dir,,logical'",
    "pool-list --type 'dir,'",
    "pool-list --type ',dir'",
    "pool-list --type ''",
    "pool-list --type '' --details --uuid",
    "pool-info default-pool",
    "pool-info default-pool --bytes",
    "pool-info dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-info nosuch",
    "pool-info ''",
    "pool-info",
    "pool-dumpxml default-pool",
    "pool-dumpxml default-pool --inactive",
    "pool-dumpxml default-pool --xpath //target/path",
    "pool-dumpxml default-pool --xpath '//capacity | //available' --wrap",
    "pool-dumpxml default-pool --xpath //@unit",
    "pool-dumpxml default-pool --xpath ''",
    "pool-dumpxml nosuch",
    "pool-start default-pool",
    "pool-start nosuch",
    "pool-start nosuch --overwrite --no-overwrite",
    "pool-destroy default-pool; pool-destroy default-pool; pool-info default-pool; pool-info default-pool --bytes; "
    "pool-list --all; pool-list --all --details; pool-list --inactive --name",
    "pool-destroy default-pool; pool-start default-pool --overwrite --no-overwrite; "
    "pool-start default-pool --build; pool-start default-pool; pool-list",
    "pool-destroy dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566; pool-start dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-undefine default-pool",
    "pool-destroy default-pool; pool-undefine default-pool; pool-list --all",
    "pool-undefine nosuch",
    "pool-refresh default-pool",
    "pool-refresh nosuch",
    "pool-destroy default-pool; pool-refresh default-pool",
    "pool-autostart default-pool; pool-list --autostart; pool-info default-pool; "
    "pool-autostart --disable default-pool; pool-list --autostart; pool-list --no-autostart --details",
    "pool-autostart nosuch",
    "pool-define /nonexistent.xml",
    "pool-create /nonexistent.xml",
    "pool-create /nonexistent.xml --overwrite --no-overwrite",
    "pool-uuid default-pool; pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-name default-pool",
    "pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4560",
    "pool-uuid dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-build default-pool",
    "pool-build default-pool --overwrite --no-overwrite",
    "pool-destroy default-pool; pool-build default-pool; pool-build default-pool --no-overwrite; "
    "pool-delete default-pool; pool-list --all",
    "pool-delete default-pool",
    "pool-delete nosuch",
    "pool-capabilities",
    "find-storage-pool-sources-as logical",
    "find-storage-pool-sources-as logical x --port 5",
    "find-storage-pool-sources-as logical --port ''",
    "find-storage-pool-sources-as netfs --host h --port 1 --initiator i",
    "find-storage-pool-sources-as netfs x --port ''",
    "find-storage-pool-sources-as netfs",
    "find-storage-pool-sources-as bogus",
    "find-storage-pool-sources logical",
    "find-storage-pool-sources netfs /nonexistent.xml",
]


@pytest.mark.parametrize("line", DEFAULT_CASES)
def test_pool_default_host_matches_virsh(line: str) -> None:
    same("-c", URI, line)


NODE_CASES = [
    "pool-list --all; pool-list --name; pool-list --uuid --name; pool-list --details",
    "pool-info pool1; pool-info pool1 --bytes; pool-info lvm-pool-with-a-long-name; pool-dumpxml Beta",
    "pool-list --all --name --uuid --type logical",
    "pool-destroy pool1; pool-list --all --details; pool-list --inactive; pool-info pool1",
    "pool-dumpxml pool1 --xpath //target --wrap",
]


@pytest.mark.parametrize("line", NODE_CASES)
def test_pool_custom_host_matches_virsh(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], line)


FILE_CASES = [
    "pool-define {p}; pool-list --all; pool-info px; pool-start px; pool-list --details; pool-dumpxml px",
    "pool-define --file {p} --validate; pool-start px --build --no-overwrite; pool-info px --bytes",
    "pool-create {p}; pool-list --transient --all --details; pool-create {p}; pool-destroy px; pool-list --all",
    "pool-create {p} --build",
    "pool-create {p} --build --overwrite",
    "pool-create {p} --no-overwrite --overwrite",
    "pool-define {bad} --validate",
    "pool-define {bad}",
    "pool-create {bad}",
    "pool-define {p}; pool-autostart px; pool-list --all --autostart --details; pool-undefine px; pool-list --all",
    "find-storage-pool-sources netfs --srcSpec {src}",
]


@pytest.mark.parametrize("line", FILE_CASES)
def test_pool_files_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


AS_CASES = [
    "pool-define-as pz dir --print-xml",
    "pool-define-as pz dir --print-xml h /p",
    "pool-define-as pz dir --target {root}/pz; pool-list --all --details; pool-start pz; pool-autostart pz; "
    "pool-list --all --details --autostart; pool-dumpxml pz --inactive",
    "pool-create-as py dir --target {root}/py; pool-list --transient --details; pool-dumpxml py --xpath //target",
    "pool-create-as py dir --target {root}/py --build",
    "pool-create-as py dir --target {root}/py --build --overwrite",
    "pool-create-as p dir --print-xml --overwrite --no-overwrite",
    "pool-create-as p netfs --source-host h --source-path /x --source-format nfs --target /mnt --print-xml --build",
    "pool-define-as p iscsi --print-xml --auth-type chap --auth-username u --secret-usage s --source-protocol-ver 3",
    "pool-define-as p iscsi --print-xml --source-host h --source-path /p --source-dev /d --source-name n "
    "--target /t --source-format f --auth-type chap --auth-username u --secret-uuid 1234 --adapter-name a "
    "--adapter-wwnn n1 --adapter-wwpn p1 --adapter-parent par --source-protocol-ver 4 --source-initiator iqn.x",
    "pool-define-as p scsi --print-xml --adapter-wwnn n1 --adapter-wwpn p1 --adapter-parent-wwnn pn "
    "--adapter-parent-wwpn pp --adapter-parent-fabric-wwn fw",
    "pool-define-as p scsi --print-xml --adapter-wwnn n1 --adapter-wwpn p1 --adapter-parent-wwnn pn "
    "--adapter-parent-fabric-wwn fw",
    "pool-define-as p scsi --print-xml --adapter-wwnn n1 --adapter-name x",
    "pool-define-as p scsi --print-xml --adapter-wwpn n1",
    "pool-define-as p iscsi --print-xml --auth-type chap --source-host h --secret-usage s",
    "pool-define-as p iscsi --print-xml --source-host h --auth-type chap --auth-username u --secret-usage s",
    "pool-define-as p dir --print-xml --secret-usage a --secret-uuid b",
    "pool-create-as p iscsi-direct --print-xml --source-initiator iqn.2024-01.x:y --source-host h",
    "pool-define-as \"a<b&'c\" dir --print-xml --source-host 'h\"x' --target /x",
    "pool-define-as 'a<b' dir",
    "pool-define-as p",
    "pool-define-as '' dir",
    "pool-define-as p dir --source-host ''",
    "pool-define-as p dir --bogus x",
    "pool-define-as --type dir --name pq --target {root}/pq; pool-list --all --details",
    "pool-define-as default-pool dir",
    # --name pads to 20 bytes (printf), not characters; tables escape non-ASCII in the C locale.
    "pool-define-as 'pé' dir; pool-define-as abcdefghijklmnopqrstuvwxyz dir; pool-list --all --name; "
    "pool-list --all; pool-list --all --details --type dir",
    "pool-create-as default-pool dir",
]


@pytest.mark.parametrize("line", AS_CASES)
def test_pool_as_commands_match_virsh(files: dict[str, str], line: str) -> None:
    same("-c", URI, line.format(**files))


def test_pool_group_help_matches_virsh() -> None:
    same("help", "pool")


@pytest.mark.parametrize("cmd", ["pool-list", "pool-define", "pool-define-as", "pool-create", "pool-create-as",
                                 "pool-start", "pool-destroy", "pool-undefine", "pool-info", "pool-dumpxml",
                                 "pool-refresh", "pool-autostart", "pool-build", "pool-delete", "pool-name",
                                 "pool-uuid", "pool-capabilities", "find-storage-pool-sources",
                                 "find-storage-pool-sources-as"])
def test_pool_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


def test_pool_quiet_and_argv_forms_match_virsh() -> None:
    same("-c", URI, "-q", "pool-destroy", "default-pool")
    same("-c", URI, "pool-list", "--all", "--details")


def test_quiet_tables_have_no_header_like_virsh() -> None:
    # virsh -q leaves out the header and sizes columns by the rows alone; an empty table prints nothing.
    same("-c", URI, "-q", "pool-list --all --details; pool-list; pool-list --name; pool-list --inactive; "
                         "vol-list default-pool --details; pool-info default-pool")


# JSON ----------------------------------------------------------------------------------------
def _json(*args: str) -> object:
    res = vsh("-c", URI, "--json", *args)
    assert res.rc == 0, res.err
    return json.loads(res.out)


def test_pool_list_json_is_typed() -> None:
    rows = [{"name": "default-pool", "uuid": "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566", "state": "running",
             "active": True, "persistent": True, "autostart": False, "capacity_bytes": 107374182400,
             "allocation_bytes": 0, "available_bytes": 107374182400}]
    # --details, --uuid and --name choose the text's columns; the JSON rows are the same.
    assert _json("pool-list") == _json("pool-list --details") == _json("pool-list --uuid --name") == rows
    stopped = _json("pool-destroy default-pool; pool-list --all --details")[0]  # type: ignore[index]
    assert stopped["capacity_bytes"] is None and stopped["active"] is False


def test_pool_info_json_is_typed() -> None:
    assert _json("pool-info default-pool") == {
        "name": "default-pool", "uuid": "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566", "state": "running", "active": True,
        "persistent": True, "autostart": False, "capacity_bytes": 107374182400, "allocation_bytes": 0,
        "available_bytes": 107374182400}
    inactive = _json("pool-destroy default-pool; pool-info default-pool")
    assert isinstance(inactive, dict) and inactive["state"] == "inactive" and inactive["capacity_bytes"] is None


def test_pool_xml_json() -> None:
    assert _json("pool-define-as p dir --print-xml") == {"xml": "<pool type='dir'>\n  <name>p</name>\n</pool>\n"}
    assert _json("pool-dumpxml default-pool --xpath //path") == {"xml": "<path>/default-pool</path>\n"}


def test_pool_name_uuid_and_sources_json() -> None:
    assert _json("pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566") == {"name": "default-pool"}
    assert _json("pool-uuid default-pool") == {"uuid": "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"}
    found = _json("find-storage-pool-sources-as logical")
    assert isinstance(found, dict) and found["xml"].startswith("<sources>\n")


def test_pool_actions_print_nothing_under_json() -> None:
    res = vsh("-c", URI, "--json", "pool-destroy default-pool; pool-start default-pool; pool-refresh default-pool")
    assert (res.out, res.err, res.rc) == ("", "", 0)
