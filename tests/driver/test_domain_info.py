"""Domain information commands (list, dominfo, domstate, domid, domname, domuuid, dumpxml),
compared with virsh on the test driver."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from util import Result, host_uri, same, virsh, vsh, write_xml_files

URI = "test:///default"

# Text that tables must escape: non-ASCII (all \\xff in the C locale), wide characters, a tab.
WIDE = """<domain type='test'>
  <name>wide</name>
  <uuid>11111111-2222-3333-4444-555555555565</uuid>
  <title>T\u00eftle \u65e5\u672c x\tz \\x41</title>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
"""

# Escaping in --xpath output: entities, non-ASCII in text and attributes, a namespace.
RICH = """<domain type='test'>
  <name>rich</name>
  <uuid>11111111-2222-3333-4444-555555555557</uuid>
  <title>T\u00eftle \u65e5\u672c &amp; &lt;x&gt; "q"</title>
  <description>line1
line2 &amp; '\u00e9'</description>
  <metadata>
    <app:foo xmlns:app="http://example.com/app" attr="a&quot;b&#10;c \u00e9">bar <b>bold</b> tail</app:foo>
  </metadata>
  <memory>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root: Path = tmp_path_factory.mktemp("dominfo")
    out = write_xml_files(root, {"wide": WIDE, "rich": RICH})
    # One domain in every interesting condition: shut off with a managed save image and a
    # title, paused and transient, shut off with a snapshot, running.
    out["uri"] = host_uri("domains")
    return out


_CPU_TIME = re.compile(r"^(CPU time: +)[0-9.]+s$", re.M)


def same_masked(*args: str) -> Result:
    """`same`, except for dominfo's CPU time, which the test driver takes from the clock."""
    expected, got = virsh(*args), vsh(*args)
    assert _CPU_TIME.sub(r"\1X", got.out) == _CPU_TIME.sub(r"\1X", expected.out), f"stdout differs for {args!r}"
    assert got.err == expected.err, f"stderr differs for {args!r}"
    assert got.rc == expected.rc, f"exit status differs for {args!r}"
    return got


# list ------------------------------------------------------------------------------------------

LIST_DEFAULT = [
    "list", "list --all", "list --inactive", "list --name", "list --uuid", "list --id", "list --title",
    "list --table --all --managed-save", "list --name --uuid", "list --name --id --uuid",
    "list --uuid --title", "list --table --title",
    # exclusivity, checked in virsh's order
    "list --table --name", "list --table --uuid", "list --table --id", "list --table --id --uuid",
    "list --table --uuid --name --id",
    "list x", "list --all=1",
]


@pytest.mark.parametrize("line", LIST_DEFAULT)
def test_list_default_host(line: str) -> None:
    same("-c", URI, line)


LIST_NODE = [
    "list", "list --all", "list --all --managed-save", "list --all --with-managed-save",
    "list --all --without-managed-save", "list --all --with-snapshot", "list --all --without-snapshot",
    "list --transient", "list --transient --all", "list --persistent", "list --persistent --all",
    "list --state-running", "list --state-paused", "list --state-shutoff", "list --state-other --all",
    "list --all --autostart", "list --all --no-autostart", "list --all --with-checkpoint",
    "list --all --without-checkpoint", "list --inactive --name", "list --all --name", "list --all --id",
    "list --all --uuid", "list --all --uuid --name --id", "list --all --title",
    "list --all --title --managed-save", "list --inactive --state-running",
    "autostart alpha; list --all --autostart; list --all --no-autostart --name",
    "list --state-running --state-paused --name",
]


@pytest.mark.parametrize("line", LIST_NODE)
def test_list_filters_and_layouts(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], line)


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_list_escapes_table_cells_as_virsh(files: dict[str, str], locale: str) -> None:
    same("-c", URI, f"define {files['wide']}; define {files['rich']}; list --all --title; list --all --name",
         env={"LC_ALL": locale})


def test_list_json_has_typed_records(files: dict[str, str]) -> None:
    res = vsh("-c", files["uri"], "--json", "list --all")
    assert res.rc == 0 and res.err == ""
    records = json.loads(res.out)
    # --name, --uuid and --id choose the text's columns; the JSON rows stay whole.
    for layout in ("--name", "--uuid", "--uuid --id --name"):
        assert json.loads(vsh("-c", files["uri"], "--json", f"list --all {layout}").out) == records
    assert [r["name"] for r in records] == ["beta", "delta", "alpha", "Gamma"]
    assert records[0] == {"id": 1, "name": "beta", "uuid": "bbbbbbbb-0000-0000-0000-000000000002",
                          "state": "paused", "active": True, "persistent": False, "autostart": False,
                          "managed_save": False, "title": None}
    alpha = records[2]
    assert alpha["id"] is None and alpha["state"] == "shut off" and alpha["active"] is False
    assert alpha["managed_save"] is True and alpha["title"] == "Alpha title"


def test_list_json_applies_filters(files: dict[str, str]) -> None:
    res = vsh("-c", files["uri"], "--json", "list --transient")
    assert [r["name"] for r in json.loads(res.out)] == ["beta"]


# dominfo, domstate -----------------------------------------------------------------------------

INFO_CASES = [
    "dominfo test", "dominfo 1", "dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f", "dominfo nosuch",
    "dominfo ''", "dominfo", "destroy test; dominfo test", "autostart test; dominfo test",
    "domstate test", "domstate test --reason", "domstate nosuch", "domstate ''", "domstate test x",
    "suspend test; domstate test --reason", "destroy test; domstate --reason test",
    "shutdown test; domstate test --reason",
]


@pytest.mark.parametrize("line", INFO_CASES)
def test_dominfo_domstate_default_host(line: str) -> None:
    same_masked("-c", URI, line)


@pytest.mark.parametrize("line", [
    "dominfo alpha", "dominfo beta", "dominfo Gamma", "dominfo 2", "dominfo bbbbbbbb-0000-0000-0000-000000000002",
    "domstate alpha --reason", "domstate beta --reason", "domstate Gamma", "domstate delta --reason",
])
def test_dominfo_domstate_node(files: dict[str, str], line: str) -> None:
    same_masked("-c", files["uri"], line)


def test_dominfo_json_is_typed(files: dict[str, str]) -> None:
    data = json.loads(vsh("-c", files["uri"], "--json", "dominfo beta").out)
    assert data["id"] == 1 and data["name"] == "beta" and data["state"] == "paused" and data["active"] is True
    assert data["vcpus"] == 2 and data["max_memory_kib"] == 1048576 and data["memory_kib"] == 1048576
    assert data["persistent"] is False and data["autostart"] is False and data["managed_save"] is False
    assert isinstance(data["cpu_time_ns"], int)
    assert data["security_model"] == "testSecurity" and data["security_enforcing"] is True
    assert data["messages"] == []
    alpha = json.loads(vsh("-c", files["uri"], "--json", "dominfo alpha").out)
    assert alpha["id"] is None and alpha["managed_save"] is True and alpha["security_label"] is None
    assert alpha["active"] is False


def test_domstate_json_always_has_the_reason() -> None:
    assert json.loads(vsh("-c", URI, "--json", "domstate test").out) == {"state": "running", "reason": "unknown"}
    res = vsh("-c", URI, "--json", "destroy test; domstate test")
    assert json.loads(res.out) == {"state": "shut off", "reason": "destroyed"}


# domid, domname, domuuid -------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "domid beta", "domid alpha", "domid 1", "domid aaaaaaaa-0000-0000-0000-000000000001", "domid nosuch",
    "domid ''", "domname 1", "domname beta", "domname aaaaaaaa-0000-0000-0000-000000000001", "domname 9",
    "domname ''", "domuuid beta", "domuuid 2", "domuuid aaaaaaaa-0000-0000-0000-000000000001",
    "domuuid nosuch", "domuuid ''", "domid", "domname --domain", "domuuid beta extra",
])
def test_domid_domname_domuuid(files: dict[str, str], line: str) -> None:
    same("-c", files["uri"], line)


def test_id_name_uuid_json(files: dict[str, str]) -> None:
    assert json.loads(vsh("-c", files["uri"], "--json", "domid beta").out) == {"id": 1}
    assert json.loads(vsh("-c", files["uri"], "--json", "domid alpha").out) == {"id": None}
    assert json.loads(vsh("-c", files["uri"], "--json", "domname 2").out) == {"name": "delta"}
    assert json.loads(vsh("-c", files["uri"], "--json", "domuuid Gamma").out) == {
        "uuid": "cccccccc-0000-0000-0000-000000000003"}


# dumpxml ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "dumpxml test", "dumpxml test --inactive", "dumpxml test --security-info", "dumpxml test --migratable",
    "dumpxml test --inactive --migratable", "dumpxml test --update-cpu", "dumpxml --wrap test",
    "dumpxml nosuch", "dumpxml ''", "dumpxml test //name", "dumpxml nosuch --xpath ''",
    "dumpxml test --xpath ''", "dumpxml test --xpath '' --wrap", "dumpxml test --update-cpu --xpath ''",
    "dumpxml '' --xpath ''", "dumpxml test --xpath",
])
def test_dumpxml_options(line: str) -> None:
    same("-c", URI, line)


XPATHS = [
    "//name", "name", ".", "/", "..", "/|//name", "//name | //uuid", "//devices", "//devices/* | //os",
    "//nothing", "//comment()", "//@type", "//*[@id]/@id", "//mac/@address", "//name/text()", "//text()",
    "//name/text() | //@id", "count(//disk)", "string(//name)", "boolean(1)", "1 div 3", '"abc"',
    "!!bad", "//foo:bar", "//name[", "foo(", "//name[1", "a b", "//name[@", "1 +", ")", "//name]",
    "concat(1)", "abc:def()", "//@*[", "$x", "foo() | //name", "namespace::*",
    "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z !!",
]


@pytest.mark.parametrize("wrap", ["", " --wrap"])
@pytest.mark.parametrize("xpath", XPATHS)
def test_dumpxml_xpath(xpath: str, wrap: str) -> None:
    if xpath == "namespace::*" and wrap:
        pytest.skip("virsh 9.0 crashes on wrapped namespace nodes")
    same("-c", URI, f"dumpxml test --xpath '{xpath}'{wrap}")


def test_dumpxml_xpath_escaping(files: dict[str, str]) -> None:
    steps = [f"define {files['rich']}"]
    for xpath in ("//title", "//title/text()", "//description", "//metadata", "//@attr",
                  '//*[local-name()="foo"]/text()', '//*[local-name()="b"]', "/", "/|//title"):
        steps += [f"dumpxml rich --xpath '{xpath}'", f"dumpxml rich --xpath '{xpath}' --wrap"]
    same("-c", URI, "; ".join(steps))


def test_dumpxml_json() -> None:
    whole = json.loads(vsh("-c", URI, "--json", "dumpxml test").out)
    assert whole["xml"].startswith("<domain type='test' id='1'>") and whole["xml"].endswith("</domain>\n")
    part = json.loads(vsh("-c", URI, "--json", "dumpxml test --xpath //name --wrap").out)
    assert part == {"xml": "<nodes>\n  <name>test</name>\n</nodes>\n"}


# the shell's grammar cases that use these commands ----------------------------------------------------

@pytest.mark.parametrize("line", ["dominfo x; echo hi", "list --foo; list", "list --foo --help",
                                  "help list", "help dominfo", "help dumpxml", "dumpxml --help"])
def test_grammar_with_info_commands(line: str) -> None:
    same("-c", URI, line)


def test_state_colours_only_on_a_terminal() -> None:
    pexpect = pytest.importorskip("pexpect")
    root = str(Path(__file__).resolve().parents[2])
    child = pexpect.spawn(sys.executable, ["-m", "vsh", "-c", URI, "list"], cwd=root, encoding="utf-8",
                          env={"PATH": "/usr/bin:/bin", "TERM": "xterm", "LC_ALL": "C"})
    child.expect(pexpect.EOF)
    assert "\x1b[32mrunning\x1b[0m" in child.before
    assert "\x1b[" not in vsh("-c", URI, "list").out
