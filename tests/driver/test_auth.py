"""Credentials the connection asks for, answered on stdin when it is not a terminal, as in virsh."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from util import VIRSH, VSH, clean_env

NODE = "test://" + str(Path(__file__).resolve().parents[1] / "data" / "auth_node.xml")


def _run(prog: list[str], args: list[str], stdin: str) -> tuple[str, str, int]:
    """A real process without a controlling terminal (its own session), so getpass(3) reads stdin."""
    proc = subprocess.run([*prog, *args], input=stdin, capture_output=True, text=True, env=clean_env(None),
                          start_new_session=True, timeout=30)
    return proc.stdout, proc.stderr, proc.returncode


@pytest.mark.parametrize("stdin", ["admin\nsecret\n", "admin\nwrong\n", "admin\n", "nopass\n", "", "nobody\nx\n"])
@pytest.mark.parametrize("line", ["uri", "list --all; uri"])
def test_credentials_from_stdin_match_virsh(stdin: str, line: str) -> None:
    if VIRSH is None:
        pytest.skip("virsh is not installed")
    want = _run([VIRSH], ["-c", NODE, line], stdin)
    got = _run(VSH, ["-c", NODE, line], stdin)
    assert got == want


def test_connect_asks_for_credentials_as_virsh() -> None:
    if VIRSH is None:
        pytest.skip("virsh is not installed")
    args = [f"connect {NODE}; list --all"]
    want = _run([VIRSH], args, "admin\nsecret\n")
    assert _run(VSH, args, "admin\nsecret\n") == want
    assert "Enter admin's password for localhost: " in want[0] and want[2] == 0
