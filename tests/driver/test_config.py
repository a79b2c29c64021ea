"""The config file (config.toml) on the test driver: defaults, aliases, host groups, bad files, `config`, `set`.

Every file is written by the test; `--config`, VSH_CONFIG and XDG_CONFIG_HOME choose it.
Aliases run in one-shot mode, command strings and stdin batches (the REPL's are in
tests/repl/test_comforts.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from util import same, vsh

URI = "test:///default"

GOOD = '''\
[defaults]
uri = "test:///default"
readonly = true
pager = false
editing_mode = "vi"
prompt = "{host} {mark} "

[aliases]
ll = "list --name"
two = "echo one; ll"

[groups]
lab = ["test:///default", "qemu+ssh://lab1/system"]
'''


def write(tmp_path: Path, text: str, name: str = "config.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture
def good(tmp_path: Path) -> str:
    return write(tmp_path, GOOD)


def test_no_file_changes_nothing(tmp_path: Path) -> None:
    same("-c", URI, "list --all", env={"XDG_CONFIG_HOME": str(tmp_path)})


def test_uri_and_readonly_from_the_file(good: str) -> None:
    got = vsh("--config", good, "uri")
    assert (got.out, got.err, got.rc) == (URI + "\n\n", "", 0)
    got = vsh("--config", good, "destroy test")
    assert "read only" in got.err.lower() or "read-only" in got.err.lower(), got.err
    assert got.rc == 1


def test_uri_precedence_stays_virshs(good: str, tmp_path: Path) -> None:
    other = write(tmp_path, "[defaults]\nuri = \"test:///nonexistent-path.xml\"\n", "other.toml")
    # -c beats the file; so do VIRSH_DEFAULT_CONNECT_URI and LIBVIRT_DEFAULT_URI.
    assert vsh("--config", other, "-c", URI, "uri").out == URI + "\n\n"
    assert vsh("--config", other, "uri", env={"VIRSH_DEFAULT_CONNECT_URI": URI}).out == URI + "\n\n"
    assert vsh("--config", other, "uri", env={"LIBVIRT_DEFAULT_URI": URI}).out == URI + "\n\n"
    assert vsh("--config", other, "uri").rc == 1  # the file's URI is the one tried


def test_abbreviated_connect_stays_virshs() -> None:
    # --config is vsh's own: `--con` and `--co` still mean virsh's --connect.
    same("--con", URI, "uri")
    same("--co", URI, "uri")


def test_file_found_through_vsh_config_and_xdg(good: str, tmp_path: Path) -> None:
    assert vsh("uri", env={"VSH_CONFIG": good}).out == URI + "\n\n"
    xdg = tmp_path / "xdg"
    (xdg / "vsh").mkdir(parents=True)
    (xdg / "vsh" / "config.toml").write_text(GOOD)
    got = vsh("config", env={"XDG_CONFIG_HOME": str(xdg)})
    assert got.rc == 0 and f"# config file: {xdg}/vsh/config.toml, chosen by XDG_CONFIG_HOME" in got.out
    # --config beats VSH_CONFIG.
    other = write(tmp_path, "[aliases]\nonly-here = \"echo other\"\n", "other.toml")
    assert vsh("--config", other, "only-here", env={"VSH_CONFIG": good}).out == "other\n"


def test_json_default(tmp_path: Path) -> None:
    path = write(tmp_path, "[defaults]\njson = true\n")
    got = vsh("--config", path, "-c", URI, "domstate test")
    assert json.loads(got.out)["state"] == "running"


def test_aliases_one_shot_string_and_batch(good: str) -> None:
    got = vsh("--config", good, "-c", URI, "ll")
    assert (got.out, got.rc) == ("test\n\n", 0)
    # Words after an alias go to the end of its (last) command.
    got = vsh("--config", good, "-c", URI, "ll", "--inactive")
    assert (got.out, got.err, got.rc) == ("\n", "", 0)
    got = vsh("--config", good, "-c", URI, "two; echo three")
    assert got.out == "one\ntest\n\nthree\n" and got.rc == 0
    got = vsh("--config", good, "-c", URI, stdin="ll\ntwo\n")
    assert got.out == "test\n\none\ntest\n\n" and got.rc == 0


def test_an_alias_never_shadows_a_command(tmp_path: Path) -> None:
    path = write(tmp_path, '[aliases]\nlist = "echo shadowed"\nmine = "echo mine"\n')
    got = vsh("--config", path, "-c", URI, "list --name")
    assert got.out == "test\n\n"
    assert got.err == f"warning: {path}: line 2: 'aliases.list': 'list' is a vsh command; " \
                      "an alias never replaces one; ignored\n"
    assert vsh("--config", path, "mine").out == "mine\n"


def test_alias_loop_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[aliases]\na = "echo x; b"\nb = "a"\n')
    got = vsh("--config", path, "a")
    assert got.out == "" and got.rc == 1
    assert got.err == "error: alias 'a' uses itself (a -> b -> a)\n"


def test_help_lists_aliases_and_explains_one(good: str) -> None:
    got = vsh("--config", good, "help")
    assert got.out.endswith(f" Aliases (from {good}):\n    ll{' ' * 29}list --name\n"
                            f"    two{' ' * 28}echo one; ll\n\n\n")
    got = vsh("--config", good, "help two")
    assert "echo one; ll" in got.out and got.rc == 0


def test_syntax_error_names_file_and_line_and_keeps_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[defaults]\nreadonly = true\nuri = "test:///default\n')
    got = vsh("--config", path, "-c", URI, "domstate test")
    assert got.rc == 0 and got.out == "running\n\n"
    lines = got.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: line 3: 'uri': ")
    assert lines[0].endswith("; using the defaults")
    # The defaults: not read-only.
    assert vsh("--config", path, "-c", URI, "destroy test").rc == 0


def test_unknown_key_and_wrong_type_are_warnings(tmp_path: Path) -> None:
    text = '[defaults]\ncolour = false\nreadonly = "yes"\nhistory_size = 0\n\n[groups]\nlab = "h1"\n[other]\nx = 1\n'
    path = write(tmp_path, text)
    before = path and Path(path).read_bytes()
    got = vsh("--config", path, "-c", URI, "echo ok")
    assert got.out == "ok\n" and got.rc == 0
    assert got.err.splitlines() == [
        f"warning: {path}: line 2: 'defaults.colour': unknown key; ignored",
        f"warning: {path}: line 3: 'defaults.readonly': must be true or false; ignored",
        f"warning: {path}: line 4: 'defaults.history_size': must be a whole number of at least 1; ignored",
        f"warning: {path}: line 7: 'groups.lab': must be a list of URIs (strings); ignored",
        f"warning: {path}: line 8: 'other': unknown section; ignored",
    ]
    assert Path(path).read_bytes() == before  # never rewritten


def test_missing_named_file_is_one_error(tmp_path: Path) -> None:
    got = vsh("--config", str(tmp_path / "nope.toml"), "echo ok")
    assert got.out == "ok\n" and got.rc == 0
    assert got.err == f"error: {tmp_path}/nope.toml: cannot read the file: No such file or directory; " \
                      "using the defaults\n"


def test_config_command_says_where_each_setting_came_from(good: str) -> None:
    got = vsh("--config", good, "-q", "config")
    assert got.rc == 0
    lines = got.out.splitlines()
    assert lines[0] == f"# config file: {good}, chosen by --config"
    assert f'uri = "test:///default"          # {good}:2' in lines
    assert f"readonly = true                  # {good}:3" in lines
    assert "json = false                     # default" in lines
    assert "quiet = true                     # -q" in lines
    assert f'll = "list --name"               # {good}:9' in lines
    assert 'lab = ["test:///default", "qemu+ssh://lab1/system"]' in got.out
    got = vsh("--config", good, "-c", URI, "--json", "config")
    obj = json.loads(got.out)
    assert obj["settings"]["uri"] == {"value": URI, "source": "-c"}
    assert obj["settings"]["json"] == {"value": True, "source": "--json"}
    assert obj["groups"] == {"lab": ["test:///default", "qemu+ssh://lab1/system"]}


def test_set_changes_the_session(good: str) -> None:
    got = vsh("-c", URI, "set json on; domstate test; set json off; domstate test; set timing")
    assert got.rc == 0
    head, _sep, rest = got.out.partition("}\n")
    assert json.loads(head[head.index("{"):] + "}")["state"] == "running"
    assert "running\n\n" in rest and rest.endswith("timing   off\n\n")
    got = vsh("set json maybe")
    assert got.rc == 1 and got.err == "error: invalid value 'maybe' for setting 'json': use on or off\n"
    got = vsh("set nosuch on")
    assert got.rc == 1 and got.err.startswith("error: unknown setting 'nosuch': settings are json, pager")
    got = vsh("-c", URI, "set timing on; config")
    assert "timing = true                    # set" in got.out


def test_help_set_lists_the_settings() -> None:
    got = vsh("help set")
    for name in ("json", "pager", "timing", "quiet", "color"):
        assert f"\n    {name:<8} " in got.out


def test_host_group_api(good: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from vsh import config
    from vsh.errors import VshError

    monkeypatch.setenv("VSH_CONFIG", good)
    config.load()
    try:
        assert config.group_names() == ["lab"]
        assert config.host_group("lab") == ["test:///default", "qemu+ssh://lab1/system"]
        with pytest.raises(VshError, match="unknown host group 'nope' \\(groups: lab\\)"):
            config.host_group("nope")
    finally:
        config._CURRENT = None  # monkeypatch would put the loaded file back at teardown
