"""vsh.config and vsh.pager as pure functions: key positions, alias expansion, prompt fields, held output."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from vsh import config, pager
from vsh.errors import VshError


@pytest.fixture(autouse=True)
def forget_the_config() -> object:
    """Each test reads its own file; none leaves it behind for the tests that run in process after it."""
    yield
    config._CURRENT = None
    config.OVERRIDES.clear()


def load(tmp_path: Path, text: str) -> config.Config:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return config.load(str(path))


def test_values_and_their_lines(tmp_path: Path) -> None:
    cfg = load(tmp_path, '# comment\n[defaults]\n  "uri" = "test:///default"\njson = true\n[aliases]\nll = "list"\n')
    assert cfg.problems == []
    assert cfg.get("uri") == "test:///default" and cfg.get("json") is True and cfg.get("readonly") is False
    assert cfg.source("uri") == f"{cfg.path}:3" and cfg.source("json") == f"{cfg.path}:4"
    assert cfg.source("pager") == "default"
    assert cfg.where("aliases", "ll") == f"{cfg.path}:6"


def test_a_bad_prompt_format_is_a_warning(tmp_path: Path) -> None:
    cfg = load(tmp_path, '[defaults]\nprompt = "{hots} # "\n')
    assert cfg.get("prompt") == "vsh {mark} "
    assert cfg.problems[0][0] == "warning" and "line 2: 'defaults.prompt': bad format" in cfg.problems[0][1]


def test_alias_expansion(tmp_path: Path) -> None:
    load(tmp_path, '[aliases]\nll = "list --all"\nboth = "echo a; ll"\nloop = "loop2"\nloop2 = "echo; loop"\n')
    assert config.expand_aliases([["ll", "--name"], ["uri"]]) == [["list", "--all", "--name"], ["uri"]]
    assert config.expand_aliases([["both", "--name"]]) == [["echo", "a"], ["list", "--all", "--name"]]
    with pytest.raises(VshError, match="alias 'loop' uses itself \\(loop -> loop2 -> loop\\)"):
        config.expand_aliases([["loop"]])


def test_prompt_fields() -> None:
    assert config.prompt_fields("qemu+ssh://root@h1/system", True) == {
        "uri": "qemu+ssh://root@h1/system", "host": "h1", "driver": "qemu", "mark": ">", "ro": "(ro)"}
    assert config.prompt_fields("test:///default", False)["host"] == "localhost"


def test_pager_command_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAGER", raising=False)
    assert config.pager_command(True) == "less -SRXF"
    monkeypatch.setenv("PAGER", "more")
    assert config.pager_command(True) == "more" and config.pager_command("most -s") == "most -s"
    assert config.pager_command(False) is None


def test_held_output_releases_a_prompt_at_once() -> None:
    real = io.StringIO()
    held = pager._Held(real)
    held.write("line\n")
    held.flush()
    assert real.getvalue() == ""  # a whole line may still be paged
    held.write("Enter new value for secret:")
    held.flush()
    assert real.getvalue() == "line\nEnter new value for secret:" and held.released


def test_never_paged_commands() -> None:
    assert pager.never_paged("console") and pager.never_paged("net-edit") and pager.never_paged("qemu-monitor-event")
    assert not pager.never_paged("list")
