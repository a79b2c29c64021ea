"""snapshot-edit, checkpoint-edit, iface-edit and nwfilter-edit: the shared editor loop, compared with virsh.

The editors are small shell scripts (see test_edit.py, whose helpers these tests share).
Snapshots and checkpoints are made on test:///default in the same command string.  The
test driver refuses iface-edit's inactive XML and has no network filters, so their
successful paths run on the private root libvirtd of the `full_uri` fixture.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_edit import both, editing, leftovers, same_but_tmpname, script
from util import same, vsh

URI = "test:///default"
RENAME = "sed -i \"s|<name>s1</name>|<name>s2</name>|; s|<name>c1</name>|<name>c2</name>|\" \"$1\"\n"
DESCRIBE = "sed -i \"0,/<\\/name>/s|</name>|</name><description>edited</description>|\" \"$1\"\n"
BROKEN = "echo '<domainsnapshot' > \"$1\"\n"
SNAP = "snapshot-create-as test s1; "
CHK = "checkpoint-create-as test c1; "


@pytest.fixture(autouse=True)
def _no_visual(monkeypatch: pytest.MonkeyPatch) -> None:
    """$VISUAL would win over the test's $EDITOR."""
    monkeypatch.delenv("VISUAL", raising=False)


@pytest.mark.parametrize("cmd", ["snapshot-edit", "checkpoint-edit", "iface-edit", "nwfilter-edit"])
def test_help_matches_virsh(cmd: str) -> None:
    same("help", cmd)


@pytest.mark.parametrize("line", [
    "snapshot-edit test", "snapshot-edit test nosuch", "snapshot-edit nosuch s1", "snapshot-edit test --current",
    SNAP + "snapshot-edit test ''", "snapshot-edit test s1 --rename --clone", "snapshot-edit",
    "checkpoint-edit test", "checkpoint-edit test nosuch", "checkpoint-edit nosuch c1", CHK + "checkpoint-edit test ''",
    "checkpoint-edit test c1 --current", "iface-edit eth1", "iface-edit aa:bb:cc:dd:ee:ff", "iface-edit nosuch",
    "iface-edit ''", "iface-edit", "nwfilter-edit f1", "nwfilter-edit ''", "nwfilter-edit",
])
def test_lookups_and_syntax_match_virsh(tmp_path: Path, line: str) -> None:
    same("-c", URI, line, env=editing(tmp_path, "true"))


# snapshots --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    SNAP + "snapshot-edit test s1", SNAP + "snapshot-edit test --current",
    SNAP + "snapshot-edit --domain test s1 --rename",
    SNAP + "snapshot-create-as test s2; snapshot-edit test s1 --current; snapshot-current test --name",
])
def test_unchanged_snapshot(tmp_path: Path, line: str) -> None:
    same("-c", URI, line, env=editing(tmp_path, "true"))
    assert leftovers(tmp_path) == []


def test_unchanged_text_is_redefined_with_current_and_a_name(tmp_path: Path) -> None:
    res = same("-c", URI, SNAP + "snapshot-create-as test s2; snapshot-edit test s1 --current; "
               "snapshot-current test --name", env=editing(tmp_path, "true"))
    assert res.out.endswith("Snapshot s1 edited.\n\ns1\n")


def test_changed_snapshot_is_redefined(tmp_path: Path) -> None:
    res = same("-c", URI, SNAP + "snapshot-edit test s1; snapshot-dumpxml test s1 --xpath //description; "
               "snapshot-edit test s1", env=editing(tmp_path, script(tmp_path, f"grep -q edited \"$1\" || {DESCRIBE}")))
    assert "Snapshot s1 edited.\n\n<description>edited</description>\n\nSnapshot s1 XML configuration not changed." \
        in res.out


@pytest.mark.parametrize("flags", ["", "--rename", "--clone"])
def test_a_new_name(tmp_path: Path, flags: str) -> None:
    # The test driver cannot delete metadata only, so --rename and a plain rename fail to clean up.
    res = same("-c", URI, SNAP + f"snapshot-edit test s1 {flags}; snapshot-list test --name",
               env=editing(tmp_path, script(tmp_path, RENAME)))
    if flags == "--clone":
        assert "Snapshot s1 cloned to s2." in res.out
    else:
        assert res.err.endswith(f"error: Failed to clean up {'s1' if flags else 's2'}\nerror: Failed to update s1\n")


def test_snapshot_json(tmp_path: Path) -> None:
    res = vsh("--json", "-c", URI, SNAP + "snapshot-edit test s1 --clone",
              env=editing(tmp_path, script(tmp_path, RENAME)))
    assert res.rc == 0 and json.loads(res.out) == {"name": "s2", "changed": True, "from": "s1"}


@pytest.mark.parametrize("editor", ["false", "/nonexistent/editor", "sh -c 'exit 3'"])
def test_editor_failures_match_virsh(tmp_path: Path, editor: str) -> None:
    res = same_but_tmpname("-c", URI, SNAP + "snapshot-edit test s1", env=editing(tmp_path, editor))
    assert res.rc == 1 and res.err.endswith("error: Failed to update s1\n")
    assert leftovers(tmp_path) == []


def test_broken_text_off_a_terminal_is_kept(tmp_path: Path) -> None:
    res = vsh("-c", URI, SNAP + "snapshot-edit test s1", env=editing(tmp_path, script(tmp_path, BROKEN)))
    [kept] = leftovers(tmp_path)
    assert res.rc == 1 and kept.read_text() == "<domainsnapshot\n"
    assert res.err.startswith("error: Failed.\nerror: (domain_snapshot):2: ")
    assert res.err.endswith(f"error: Failed to update s1\nerror: your changes are kept in {kept}\n")


def test_no_on_the_terminal_matches_virsh(tmp_path: Path) -> None:
    text, rc = both(["-c", URI, SNAP + "snapshot-edit test s1"], editing(tmp_path, script(tmp_path, BROKEN)),
                    ["?", "n"])
    [kept] = leftovers(tmp_path)
    assert rc == 1 and "Failed. Try again? [y,n,f,?]: " in text and "i - turn off" not in text
    assert text.endswith(f"error: Failed to update s1\r\nerror: your changes are kept in {kept}\r\n\r\n")


def test_yes_on_the_terminal_edits_again(tmp_path: Path) -> None:
    # First run: keep the original, break the XML.  Second run: the original plus a description.
    orig = tmp_path / "orig"
    editor = script(tmp_path, f"""if [ ! -e {orig} ]; then cp "$1" {orig}; {BROKEN.strip()}
else cp {orig} "$1"; rm {orig}; {DESCRIBE.strip()}; fi
""")
    text, rc = both(["-c", URI, SNAP + "snapshot-edit test s1"], editing(tmp_path, editor), ["y"])
    assert rc == 0 and text.endswith("Snapshot s1 edited.\r\n\r\n")
    assert leftovers(tmp_path) == []


# checkpoints ------------------------------------------------------------------------------------

@pytest.mark.parametrize("editor, line", [
    ("true", CHK + "checkpoint-edit test c1"),
    ("true", CHK + "checkpoint-edit --domain test --checkpointname c1"),
    ("rename", CHK + "checkpoint-edit test c1; checkpoint-list test --name"),
    ("describe", CHK + "checkpoint-edit test c1; checkpoint-dumpxml test c1 --xpath //description"),
    ("false", CHK + "checkpoint-edit test c1"),
])
def test_checkpoint_edit_matches_virsh(tmp_path: Path, editor: str, line: str) -> None:
    bodies = {"rename": RENAME, "describe": DESCRIBE}
    program = script(tmp_path, bodies[editor]) if editor in bodies else editor
    res = same_but_tmpname("-c", URI, line, env=editing(tmp_path, program))
    if editor == "rename":
        assert res.err == "error: Cannot rename checkpoint c1 to c2\nerror: Failed to update c1\n"
    if editor == "describe":
        assert "Checkpoint c1 edited.\n\n<description>edited</description>\n" in res.out
    assert leftovers(tmp_path) == []


def test_checkpoint_json(tmp_path: Path) -> None:
    res = vsh("--json", "-c", URI, CHK + "checkpoint-edit test c1", env=editing(tmp_path, "true"))
    assert res.rc == 0 and json.loads(res.out) == {"name": "c1", "changed": False, "from": "c1"}


# interfaces and network filters on a full libvirtd -------------------------------------------------

FILTER = """<filter name='vsh-f1' chain='ipv4'>
  <uuid>11111111-2222-3333-4444-555555555556</uuid>
  <rule action='accept' direction='out' priority='500'><ip/></rule>
</filter>
"""


def test_nwfilter_edit_on_a_full_daemon(full_uri: str, tmp_path: Path) -> None:
    xml = tmp_path / "f.xml"
    xml.write_text(FILTER)
    editor = script(tmp_path, "grep -q \"'drop'\" \"$1\" || sed -i \"s|action='accept'|action='drop'|\" \"$1\"\n")
    try:
        res = same("-c", full_uri, f"nwfilter-define {xml}; nwfilter-edit vsh-f1; nwfilter-edit vsh-f1; "
                   "nwfilter-edit 11111111-2222-3333-4444-555555555556; nwfilter-dumpxml vsh-f1 --xpath //rule/@action",
                   env=editing(tmp_path, editor))
        assert "Network filter vsh-f1 XML configuration edited.\n\n" in res.out
        assert "Network filter vsh-f1 XML configuration not changed.\n\n" in res.out
        assert res.out.endswith(" action=\"drop\"\n\n")
        res = vsh("--json", "-c", full_uri, "nwfilter-edit vsh-f1", env=editing(tmp_path, "true"))
        assert json.loads(res.out) == {"name": "vsh-f1", "changed": False}
        # Off a terminal virsh reports the failure, then says `Network filter (null) XML configuration
        # edited.` and exits 0; vsh keeps the text and fails.
        res = vsh("-c", full_uri, "nwfilter-edit vsh-f1",
                  env=editing(tmp_path, script(tmp_path, "sed -i \"s|<rule |<bogus |\" \"$1\"\n")))
        [kept] = leftovers(tmp_path)
        assert res.rc == 1 and res.err.startswith("error: Failed.\nerror: ")
        assert res.err.endswith(f"error: your changes are kept in {kept}\n") and "<bogus " in kept.read_text()
        same("-c", full_uri, "nwfilter-edit nosuch", env=editing(tmp_path, "true"))
    finally:
        vsh("-c", full_uri, "nwfilter-undefine vsh-f1")
    for leftover in leftovers(tmp_path):
        leftover.unlink()


def test_iface_edit_on_a_full_daemon(full_uri: str, tmp_path: Path) -> None:
    res = same("-c", full_uri, "iface-edit lo", env=editing(tmp_path, "true"))
    assert res.out == "Interface lo XML configuration not changed.\n\n"
    same("-c", full_uri, "iface-edit nosuch", env=editing(tmp_path, "true"))
    assert leftovers(tmp_path) == []


def test_iface_edit_refused_define_on_the_terminal(full_uri: str, tmp_path: Path) -> None:
    # The udev backend cannot define interfaces: the question comes, `n` ends the edit.
    editor = script(tmp_path, "sed -i \"s|<interface type='ethernet' name='lo'>|<interface type='ethernet' name='lo'>"
                              "<mtu size='1400'/>|\" \"$1\"\n")
    text, rc = both(["-c", full_uri, "iface-edit lo"], editing(tmp_path, editor), ["n"])
    assert rc == 1 and "Failed. Try again? [y,n,f,?]: " in text
    for leftover in leftovers(tmp_path):
        leftover.unlink()
