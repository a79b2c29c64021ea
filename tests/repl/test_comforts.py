"""The REPL's comforts, each through a pseudo-terminal with the real binary.

History suggestions, completion while typing, highlighting, the pager, `set`, Ctrl-X
Ctrl-E, vi mode, the soft-wrap marker, did-you-mean for object names, the connection
hint, aliases, the prompt format, history size, and completion of a user command's
object-name arguments.  The config file and the user's commands are files the tests write.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from util import finish_pty as finish

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent.parent
URI = "test:///default"
PROMPT = "vsh #"


def spawn(tmp_path: Path, *args: str, config: str | None = None, colour: bool = False,
          env: dict[str, str] | None = None, rows: int = 30, cols: int = 120) -> Any:
    full = {k: v for k, v in os.environ.items()
            if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR", "PAGER", "VSH_CONFIG")}
    full.update(XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "xdg"), TERM="xterm",
                PROMPT_TOOLKIT_NO_CPR="1", PYTHONPATH=str(ROOT), LANG="C.UTF-8")
    if not colour:
        full["NO_COLOR"] = "1"
    if config is not None:
        path = tmp_path / "xdg" / "vsh" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config)
    full.update(env or {})
    return pexpect.spawn(sys.executable, ["-m", "vsh", *args], cwd=str(ROOT), env=full, encoding="utf-8",
                         timeout=20, dimensions=(rows, cols))


def started(proc: Any, prompt: str = PROMPT) -> Any:
    proc.expect_exact(prompt)
    return proc


def test_history_suggestion_is_accepted_with_right_arrow(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI))
    proc.sendline("echo suggested-line")
    proc.expect_exact("suggested-line\r\n")
    proc.expect_exact(PROMPT)
    proc.send("echo sug")
    proc.expect_exact("gested-line")  # the rest of the remembered line, drawn after the cursor
    proc.send("\x1b[C")  # right arrow takes it
    proc.send("\r")
    proc.expect_exact("suggested-line\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_completion_menu_opens_while_typing(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI))
    proc.send("dominf")
    proc.expect_exact("domain information")  # the menu's description of dominfo, without Tab
    proc.send("\x03")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_input_is_highlighted_on_a_colour_terminal(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI, colour=True))
    proc.send("list --all 'x y'")
    proc.expect(r"\x1b\[[0-9;]*m'x y'")
    text = proc.before + proc.after
    command = text.rindex("list")
    option = text.rindex("--all")
    styles = [text[text.rindex("\x1b[", 0, pos):pos] for pos in (command, option, text.rindex("'x y'"))]
    assert len(set(styles)) == 3, styles  # command, option and quoted value each styled apart
    proc.send("\x03")
    assert finish(proc) == 0


def test_color_false_in_the_config_means_no_colour(tmp_path: Path) -> None:
    proc = spawn(tmp_path, "-c", URI, colour=True, config="[defaults]\ncolor = false\n")
    proc.expect_exact(PROMPT)
    proc.send("list --all")
    proc.expect_exact("--all")
    assert not any(code.startswith(("0;32", "0;36", "0;33")) for code in proc.before.split("\x1b[")[1:])
    proc.send("\x03")
    assert finish(proc) == 0


def test_unknown_command_word_is_styled_apart(tmp_path: Path) -> None:
    from vsh import replui

    styles = replui.line_styles("lsit --all; list 'a b' # note", {"list"})
    assert styles[0] == "class:input.unknown"
    assert styles[12] == "class:input.command"
    assert styles[5] == "class:input.option"
    assert styles[17] == "class:input.string"
    assert styles[-1] == "class:input.comment"
    assert styles[10] == "class:input.separator"


def pager_env(tmp_path: Path) -> dict[str, str]:
    return {"PAGER": f"cat > {tmp_path}/paged; echo PAGER-RAN"}


def test_tall_output_goes_through_the_pager(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI, env=pager_env(tmp_path)))
    proc.sendline("help")
    proc.expect_exact("PAGER-RAN")
    proc.expect_exact(PROMPT)
    paged = (tmp_path / "paged").read_text()
    assert paged.startswith("Grouped commands:\n") and paged.count("\n") > 30
    (tmp_path / "paged").unlink()
    proc.sendline("echo short")  # fits on the screen: shown directly
    proc.expect_exact("short\r\n")
    proc.expect_exact(PROMPT)
    proc.sendline("set pager off")
    proc.expect_exact(PROMPT)
    proc.sendline("help")
    proc.expect_exact("Grouped commands:")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0
    assert not (tmp_path / "paged").exists()


def test_pager_setting_and_never_in_batch_or_one_shot(tmp_path: Path) -> None:
    config = f'[defaults]\npager = "cat > {tmp_path}/paged; echo OWN-PAGER"\n'
    proc = started(spawn(tmp_path, "-c", URI, config=config, env=pager_env(tmp_path)))
    proc.sendline("help")
    proc.expect_exact("OWN-PAGER")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0
    (tmp_path / "paged").unlink()
    # One-shot on a terminal, and a batch: never paged.
    proc = spawn(tmp_path, "-c", URI, "help", config=config, env=pager_env(tmp_path))
    proc.expect(pexpect.EOF)
    assert "Grouped commands:" in proc.before and "PAGER" not in proc.before
    from util import vsh

    got = vsh("-c", URI, stdin="help\n", env={**pager_env(tmp_path), "VSH_CONFIG": str(tmp_path / "xdg/vsh/config.toml")})
    assert got.out.startswith("Grouped commands:") and "PAGER" not in got.out
    assert not (tmp_path / "paged").exists()


def test_set_json_in_the_repl(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI))
    proc.sendline("set json on")
    proc.expect_exact(PROMPT)
    proc.sendline("domstate test")
    proc.expect_exact('"state": "running"')
    proc.expect_exact(PROMPT)
    proc.sendline("set json off")
    proc.expect_exact(PROMPT)
    proc.sendline("domstate test")
    proc.expect_exact("running\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_ctrl_x_ctrl_e_edits_the_line_in_the_editor(tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'echo from-the-editor' > \"$1\"\n")
    editor.chmod(0o755)
    proc = started(spawn(tmp_path, "-c", URI, env={"EDITOR": str(editor), "VISUAL": str(editor)}))
    proc.send("echo typed")
    proc.send("\x18\x05")
    proc.expect_exact("from-the-editor")  # back at the prompt, not run yet
    proc.send("\r")
    proc.expect_exact("from-the-editor\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_vi_mode_from_the_config(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI, config='[defaults]\nediting_mode = "vi"\n'))
    proc.send("echo onex")
    proc.send("\x1b")
    time.sleep(1)  # past the escape-sequence timeout: a plain Esc
    proc.send("x")  # vi: delete the character under the cursor
    proc.send("\r")
    proc.expect_exact("one\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_soft_wrap_marker_differs_from_continuation(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI, cols=40))
    proc.send("echo " + "w" * 50)
    proc.expect_exact("\u21aa ")
    proc.send("\\\r")
    proc.expect_exact("    >")  # the continuation marker (its space is drawn as a cursor move)
    proc.send("end\r")
    proc.expect_exact("w" * 50 + "end\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


def test_did_you_mean_an_object_name(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path, "-c", URI))
    time.sleep(1)  # the names are cached in the background after start-up
    proc.sendline("dominfo tset")
    proc.expect_exact("error: failed to get domain 'tset'\r\n")
    proc.expect_exact("hint: did you mean 'test'?\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


@pytest.mark.skipif(os.path.exists("/var/run/libvirt/libvirt-sock") or os.path.exists("/run/libvirt/libvirt-sock"),
                    reason="a system libvirtd answers libvirt's default URI here")
def test_connection_hint_names_connect_in_the_repl(tmp_path: Path) -> None:
    proc = started(spawn(tmp_path))
    proc.sendline("uri")
    proc.expect_exact("error: failed to connect to the hypervisor")
    proc.expect_exact("name one with connect URI (e.g. connect test:///default")
    proc.expect_exact(PROMPT)
    proc.sendline("connect " + URI)
    proc.expect_exact(PROMPT)
    proc.sendline("uri")
    proc.expect_exact(URI + "\r\n")
    assert finish(proc) == 0
    one_shot = spawn(tmp_path, "uri")
    one_shot.expect(pexpect.EOF)
    assert "name one with -c URI (e.g. -c test:///default" in one_shot.before


def test_aliases_and_prompt_format_in_the_repl(tmp_path: Path) -> None:
    config = '[defaults]\nprompt = "{driver}@{host} {mark} "\n[aliases]\nll = "list --name"\n'
    proc = started(spawn(tmp_path, "-c", URI, config=config), "test@localhost #")
    proc.sendline("ll")
    proc.expect_exact("test\r\n")
    proc.expect_exact("test@localhost #")
    proc.send("l")
    proc.expect_exact("alias: list --name")  # aliases join the command menu
    proc.send("\x03")
    assert finish(proc) == 0


def test_history_size_limits_what_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "vsh" / "history"
    path.parent.mkdir(parents=True)
    path.write_text("\n# t\n+echo oldest\n\n# t\n+echo newest\n")
    proc = started(spawn(tmp_path, "-c", URI, config="[defaults]\nhistory_size = 1\n"))
    proc.send("\x1b[A")
    proc.send("\x1b[A")  # nothing older than the one entry loaded
    proc.send("\r")
    proc.expect_exact("newest\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0


USER_FILE = '''
import click

from vsh.clicktypes import DOMAIN


@click.command("vm-name")
@click.argument("domain", type=DOMAIN)
@click.pass_obj
def vm_name(session, domain):
    """Print a domain's name."""
    session.out.data({"name": domain}, session.lookup.domain(domain).name() + "\\n")
'''


def test_user_command_object_argument_completes(tmp_path: Path) -> None:
    commands = tmp_path / "xdg" / "vsh" / "commands"
    commands.mkdir(parents=True)
    (commands / "vmname.py").write_text(USER_FILE)
    proc = started(spawn(tmp_path, "-c", URI))
    proc.send("vm-name te")
    proc.expect_exact(" test ")  # the menu, while typing
    proc.send("\t")
    proc.expect_exact("st")
    proc.send("\r")
    proc.expect_exact("test\r\n")
    proc.expect_exact(PROMPT)
    assert finish(proc) == 0
