"""nwfilter-binding-create, nwfilter-binding-delete and nwfilter-binding-dumpxml, compared with virsh.

The test driver has no network filters, so there they are compared on their failures.  The
private root libvirtd (`full_uri`) creates real bindings: the one here binds a filter with no
rules to a port device that does not exist, so no firewall rule is ever written.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import same, virsh, vsh

URI = "test:///default"

FILTER = """<filter name='vsh-bind-empty' chain='root'>
  <uuid>11111111-2222-3333-4444-5555555555b1</uuid>
</filter>
"""

BINDING = """<filterbinding>
  <owner>
    <name>vshguest</name>
    <uuid>aaaaaaaa-2222-3333-4444-5555555555b1</uuid>
  </owner>
  <portdev name='vsh-port0'/>
  <mac address='52:54:00:00:00:01'/>
  <filterref filter='vsh-bind-empty'/>
</filterbinding>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("binding")
    (folder / "filter.xml").write_text(FILTER)
    (folder / "binding.xml").write_text(BINDING)
    return str(folder)


CASES = [
    "nwfilter-binding-create binding.xml",
    "nwfilter-binding-create --validate binding.xml",
    "nwfilter-binding-create nosuch.xml",
    "nwfilter-binding-create ''",
    "nwfilter-binding-create",
    "nwfilter-binding-delete vsh-port0",
    "nwfilter-binding-delete ''",
    "nwfilter-binding-delete",
    "nwfilter-binding-dumpxml vsh-port0",
    "nwfilter-binding-dumpxml --binding vsh-port0 --xpath //mac --wrap",
    "nwfilter-binding-dumpxml vsh-port0 --xpath ''",
    "nwfilter-binding-dumpxml vsh-port0 --xpath",
    "nwfilter-binding-dumpxml",
]


@pytest.mark.parametrize("line", CASES)
def test_nwfilter_binding_on_test_driver_matches_virsh(files: str, line: str) -> None:
    same("-c", URI, line, cwd=files)


@pytest.mark.parametrize("cmd", ["nwfilter-binding-create", "nwfilter-binding-delete", "nwfilter-binding-dumpxml"])
def test_nwfilter_binding_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


FULL_CASES = [
    # virsh 9.0 never reads --xpath here: the whole binding is printed, wrapped or not.
    "nwfilter-define filter.xml; nwfilter-binding-create binding.xml; nwfilter-binding-list; "
    "nwfilter-binding-dumpxml vsh-port0; nwfilter-binding-dumpxml --binding vsh-port0 --xpath //mac --wrap; "
    "nwfilter-binding-create --validate binding.xml; nwfilter-binding-delete vsh-port0; "
    "nwfilter-binding-delete vsh-port0; nwfilter-undefine vsh-bind-empty",
    "nwfilter-binding-create --validate filter.xml",
    "nwfilter-binding-create filter.xml",
    "nwfilter-binding-dumpxml nosuch",
]


@pytest.mark.parametrize("line", FULL_CASES)
def test_nwfilter_binding_on_a_full_daemon_matches_virsh(full_uri: str, files: str, line: str) -> None:
    try:
        same("-c", full_uri, line, cwd=files)
    finally:
        virsh("-c", full_uri, "nwfilter-binding-delete vsh-port0; nwfilter-undefine vsh-bind-empty")


def test_nwfilter_binding_completion_and_json_on_a_full_daemon(full_uri: str, files: str) -> None:
    try:
        assert vsh("-c", full_uri, "nwfilter-define filter.xml; nwfilter-binding-create binding.xml",
                   cwd=files).rc == 0
        expected = virsh("-c", full_uri, "complete", "--", "nwfilter-binding-delete", "--binding", "vsh")
        got = vsh("-c", full_uri, "complete", "--", "nwfilter-binding-delete", "--binding", "vsh")
        assert got.out == expected.out and got.out.split() == ["vsh-port0"]
        res = vsh("-c", full_uri, "--json", "nwfilter-binding-dumpxml vsh-port0")
        assert json.loads(res.out)["xml"].startswith("<filterbinding>")
        res = vsh("-c", full_uri, "--json", "nwfilter-binding-delete vsh-port0")
        assert res.out == "" and res.rc == 0
    finally:
        virsh("-c", full_uri, "nwfilter-binding-delete vsh-port0; nwfilter-undefine vsh-bind-empty")
