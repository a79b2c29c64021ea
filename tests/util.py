"""Running vsh and the real virsh side by side, for tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import NamedTuple, Sequence

import pytest

VIRSH = shutil.which("virsh")
VSH = [sys.executable, "-m", "vsh"]


class Result(NamedTuple):
    out: str
    err: str
    rc: int


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "NO_COLOR"):
        env.pop(key, None)
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(prog: Sequence[str], args: Sequence[str], stdin: str | None = None,
        env: dict[str, str] | None = None, cwd: str | None = None, timeout: float = 60) -> Result:
    proc = subprocess.run([*prog, *args], input=stdin if stdin is not None else "", capture_output=True,
                          text=True, env=_env(env), cwd=cwd, timeout=timeout)
    return Result(proc.stdout, proc.stderr, proc.returncode)


def vsh(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        cwd: str | None = None) -> Result:
    """Run vsh as a user would (a fresh process, so test:///default starts fresh)."""
    return run(VSH, args, stdin, env, cwd)


def virsh(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
          cwd: str | None = None) -> Result:
    if VIRSH is None:
        pytest.skip("virsh is not installed")
    return run([VIRSH], args, stdin, env, cwd)


def same(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
         cwd: str | None = None) -> Result:
    """Run the same arguments through virsh and vsh; assert identical stdout, stderr, status."""
    expected = virsh(*args, stdin=stdin, env=env, cwd=cwd)
    got = vsh(*args, stdin=stdin, env=env, cwd=cwd)
    assert got.out == expected.out, f"stdout differs for {args!r}"
    assert got.err == expected.err, f"stderr differs for {args!r}"
    assert got.rc == expected.rc, f"exit status differs for {args!r}"
    return got
