"""The generated shell completion scripts, driven as the shells drive them, against test:///default."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vsh import registry

ROOT = Path(__file__).resolve().parent.parent.parent
BASH = shutil.which("bash")


@pytest.fixture(scope="module")
def bindir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `vsh` on PATH that runs this tree."""
    folder = tmp_path_factory.mktemp("bin")
    script = folder / "vsh"
    script.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m vsh \"$@\"\n")
    script.chmod(0o755)
    return folder


def bash_complete(bindir: Path, *words: str) -> list[str]:
    """Run the bash completion function as bash does: COMP_WORDS/COMP_CWORD set, cursor on the last word."""
    if BASH is None:
        pytest.skip("bash is not installed")
    script = (f"source {shlex.quote(str(ROOT / 'completions' / 'vsh.bash'))}\n"
              f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              "_vsh_complete vsh\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([BASH, "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.split("\n") if line]


def domain_slot_command() -> str:
    for spec in registry.all_specs():
        if [o.complete for o in spec.opts if o.positional][:1] == ["domain"] and spec.option("domain"):
            return spec.name
    raise AssertionError("no command with a domain slot is registered")


def test_bash_script_registers_itself() -> None:
    if BASH is None:
        pytest.skip("bash is not installed")
    script = f"source {shlex.quote(str(ROOT / 'completions' / 'vsh.bash'))}; complete -p vsh"
    out = subprocess.run([BASH, "--norc", "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "complete -o default -F _vsh_complete vsh"


def test_bash_completes_command_names(bindir: Path) -> None:
    assert bash_complete(bindir, "vsh", "ech") == ["echo"]
    assert bash_complete(bindir, "vsh", "-c", "test:///default", "hel") == ["help"]


def test_bash_completes_a_domain_in_a_positional_slot(bindir: Path) -> None:
    command = domain_slot_command()
    assert bash_complete(bindir, "vsh", "-c", "test:///default", command, "") == ["test"]
    assert bash_complete(bindir, "vsh", "-r", "--connect", "test:///default", command, "t") == ["test"]
    assert bash_complete(bindir, "vsh", "--connect=test:///default", command, "--domain", "") == ["test"]


def test_shell_scripts_offer_json_and_csv_after_a_data_command(bindir: Path) -> None:
    """vsh's own `--json`/`--csv` after the command (virsh's `complete` alone leaves them out)."""
    uri = "test:///default"
    assert bash_complete(bindir, "vsh", "-c", uri, "list", "--all", "--j") == ["--json"]
    assert bash_complete(bindir, "vsh", "-c", uri, "list", "--cs") == ["--csv"]
    assert bash_complete(bindir, "vsh", "-c", uri, "dominfo", "test", "--cs") == []
    assert zsh_complete(bindir, "vsh", "-c", uri, "net-list", "--js") == ["--json"]
    assert fish_complete(bindir, f"vsh -c {uri} pool-list --cs") == ["--csv"]


def test_bash_words_split_at_colon_and_equals(bindir: Path) -> None:
    """bash splits words at ':' and '=' (COMP_WORDBREAKS); candidates must fit its last piece."""
    command = domain_slot_command()
    assert bash_complete(bindir, "vsh", "-c", "test", ":", "///default", command, "") == ["test"]
    assert bash_complete(bindir, "vsh", "-c", "test:///default", command, "--domain", "=", "t") == ["test"]
    assert bash_complete(bindir, "vsh", "-c", "test:///default", command, "--domain", "=") == ["=test"]
    assert bash_complete(bindir, "vsh", "-c", "test", ":") == [":///default"]


def test_bash_completes_options_and_global_options(bindir: Path) -> None:
    spec = registry.get("echo")
    assert spec is not None
    assert bash_complete(bindir, "vsh", "echo", "--") == ["--" + o.name for o in spec.visible_opts]
    assert bash_complete(bindir, "vsh", "--conn") == ["--connect"]


def test_bash_escapes_special_characters(bindir: Path, tmp_path: Path) -> None:
    (tmp_path / "a b").mkdir()
    assert bash_complete(bindir, "vsh", "cd", f"{tmp_path}/a") == [f"{tmp_path}/a\\ b/"]


def test_bash_script_syntax() -> None:
    if BASH is None:
        pytest.skip("bash is not installed")
    subprocess.run([BASH, "-n", str(ROOT / "completions" / "vsh.bash")], check=True)


@pytest.mark.parametrize("shell,path", [("zsh", "completions/_vsh"), ("fish", "completions/vsh.fish")])
def test_other_scripts_syntax(shell: str, path: str) -> None:
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed")
    subprocess.run([exe, "-n", str(ROOT / path)], check=True)


def _run_shell(shell: str, bindir: Path, script: str) -> list[str]:
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([exe, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.split("\n") if line]


def zsh_complete(bindir: Path, *words: str) -> list[str]:
    """The zsh function with `words`/`CURRENT` set and `compadd` recording what it is given."""
    script = ("compadd() { while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done; "
              "[[ $1 == -- ]] && shift; print -l -- \"$@\"; }\n"
              "compdef() { :; }\n"
              f"source {shlex.quote(str(ROOT / 'completions' / '_vsh'))}\n"
              f"words=({' '.join(shlex.quote(w) for w in words)})\n"
              f"CURRENT={len(words)}\n"
              "_vsh\n")
    return _run_shell("zsh", bindir, script)


def fish_complete(bindir: Path, line: str) -> list[str]:
    """fish's own `complete -C LINE` with the script loaded."""
    script = (f"source {shlex.quote(str(ROOT / 'completions' / 'vsh.fish'))}; "
              f"complete -C {shlex.quote(line)}")
    return [c.split("\t")[0] for c in _run_shell("fish", bindir, script)]


def test_zsh_completion(bindir: Path) -> None:
    command = domain_slot_command()
    assert zsh_complete(bindir, "vsh", "ech") == ["echo"]
    assert zsh_complete(bindir, "vsh", "-c", "test:///default", command, "") == ["test"]
    assert zsh_complete(bindir, "vsh", "-r", "-c", "test:///default", command, "--domain=t") == ["--domain=test"]


def test_fish_completion(bindir: Path) -> None:
    command = domain_slot_command()
    assert fish_complete(bindir, "vsh ech") == ["echo"]
    assert fish_complete(bindir, f"vsh -c test:///default {command} ") == ["test"]
    assert fish_complete(bindir, f"vsh -r -c test:///default {command} --domain=") == ["--domain=test"]
    assert fish_complete(bindir, "vsh --conn") == ["--connect"]
