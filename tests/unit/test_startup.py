"""What a run imports: start-up time is a feature, so each run loads only what it uses.

A run that never talks to libvirt (help, echo, a command's --help) loads neither libvirt nor
the standard library's heavier modules (typing, re, json, threading, signal, enum...), and
no run loads click, rich, prompt_toolkit or lxml unless its command needs them.  Checked with
`python -X importtime` on the installed `vsh` script, in a real process.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
SCRIPT = os.path.join(ROOT, "tools", "vsh")

HEAVY = {"click", "rich", "prompt_toolkit", "lxml"}
STDLIB = {"typing", "re", "json", "threading", "signal", "enum", "functools", "contextlib",
          "importlib.util", "inspect", "dataclasses"}


def imported(*args: str) -> tuple[set[str], str]:
    """The top modules and packages a run of `vsh ARGS` imports, and its output."""
    env = dict(os.environ, LC_ALL="C", PYTHONPATH=ROOT)
    env.pop("VIRSH_DEFAULT_CONNECT_URI", None)
    proc = subprocess.run([sys.executable, "-X", "importtime", SCRIPT, *args], capture_output=True,
                          text=True, env=env, timeout=60)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    return names, proc.stdout


@pytest.mark.parametrize("args", [("help",), ("help", "list"), ("list", "--help"), ("dominfo", "--help"),
                                  ("echo", "hello"), ("help", "domain")])
def test_runs_without_libvirt_import_nothing_heavy(args: tuple[str, ...]) -> None:
    names, out = imported(*args)
    assert out  # it ran and printed
    assert "libvirt" not in names
    assert not names & (HEAVY | STDLIB), sorted(names & (HEAVY | STDLIB))


def test_one_shot_list_imports_no_ui_or_xml_library() -> None:
    names, out = imported("-c", "test:///default", "list", "--all")
    assert " test " in out
    assert "libvirt" in names
    assert not names & HEAVY, sorted(names & HEAVY)


@pytest.mark.parametrize("command", [("list", "--all"), ("dominfo", "test")])
def test_one_shot_command_imports_no_typing_threading_or_enums(command: tuple[str, ...]) -> None:
    # libvirt-python loads with vsh.binding's stand-in for typing; the event loop and the early
    # open run on bare threads; SIGINT is set through signal's C module.
    names, out = imported("-c", "test:///default", *command)
    assert "test" in out
    assert "libvirt" in names
    unwanted = {"typing", "re", "threading", "signal", "enum", "contextlib"}
    assert not names & unwanted, sorted(names & unwanted)
