"""The fork server that runs vsh for the tests: a forked run must be what a fresh process is.

Each case runs the same vsh arguments once as a fork of the server and once as a real
`python -m vsh`, with the same descriptors, environment and folder, and compares bytes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import forkserver
from tests.util import VSH, clean_env, vsh

URI = "test:///default"


def _server() -> forkserver.ForkServer:
    return forkserver.shared(clean_env(None))


def _real(args: list[str], env: dict[str, str], cwd: str, stdin: bytes | None) -> tuple[bytes, bytes, int]:
    """A fresh process; stdin None: descriptor 0 closed, as the forked run gets it."""
    close = (lambda: os.close(0)) if stdin is None else None
    proc = subprocess.run([*VSH, *args], input=stdin, stdin=None, capture_output=True, env=env, cwd=cwd,
                          timeout=60, preexec_fn=close)
    return proc.stdout, proc.stderr, proc.returncode


def _both(args: list[str], extra: dict[str, str] | None = None, cwd: str = "/",
          stdin: bytes | None = b"") -> tuple[bytes, bytes, int]:
    env = clean_env(extra)
    assert not _server().needs_process(env)
    forked = _server().run(args, env, cwd, stdin, 60)
    assert forked == _real(args, env, cwd, stdin)
    return forked


def test_argv_that_is_not_utf8_arrives_byte_for_byte() -> None:
    word = os.fsdecode(b"caf\xe9-\xff")
    out, err, rc = _both(["echo", word])
    assert (out, err, rc) == (b"caf\xe9-\xff\n", b"", 0)


def test_stdin_closed_is_a_closed_descriptor() -> None:
    out, err, rc = _both(["-c", URI])  # a batch from stdin: nothing to read
    assert rc == 0
    assert _both(["-c", URI, "list --name"], stdin=None)[0] == b"test\n\n"


def test_stdout_closed_is_reported_like_a_fresh_process() -> None:
    env = clean_env(None)
    fork_err_r, fork_err_w = os.pipe()
    job = _server().spawn(["-c", URI, "list --name"], env, "/", (None, None, fork_err_w))
    os.close(fork_err_w)
    with os.fdopen(fork_err_r, "rb") as pipe:
        forked = pipe.read(), job.wait(60)
    proc = subprocess.run([*VSH, "-c", URI, "list --name"], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, timeout=60, preexec_fn=lambda: os.close(1))
    assert forked == (proc.stderr, proc.returncode)
    assert forked[1] == 1 and forked[0].startswith(b"error: ")


def test_environment_and_folder_are_the_callers(tmp_path: Path) -> None:
    # libvirt's C getenv() sees the caller's environment, read when the connection opens
    assert _both(["uri"], {"LIBVIRT_DEFAULT_URI": "test:///default"}, cwd=str(tmp_path))[0] == b"test:///default\n\n"
    assert _both(["pwd"], cwd=str(tmp_path))[0] == f"{tmp_path}\n\n".encode()
    assert vsh("pwd", cwd=str(tmp_path)) == vsh("pwd", cwd=str(tmp_path), process=True)


def test_exit_status_and_errors() -> None:
    out, err, rc = _both(["-c", URI, "no-such-command"])
    assert (out, rc) == (b"", 1) and err.startswith(b"error: unknown command")
    assert _both(["--no-such-option"])[2] == 1


def test_a_signal_is_reported_as_subprocess_does() -> None:
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    job = _server().spawn(["-c", URI], clean_env(None), "/", (in_r, out_w, out_w))  # waits for a batch line
    os.close(in_r)
    os.close(out_w)
    try:
        time.sleep(0.3)
        assert not job.ready()
        os.kill(job.pid, signal.SIGTERM)
        assert job.wait(30) == -signal.SIGTERM
    finally:
        os.close(in_w)
        os.close(out_r)


def test_timeout_kills_the_run_and_the_server_goes_on() -> None:
    env = clean_env(None)
    with pytest.raises(subprocess.TimeoutExpired):
        _server().run(["-c", URI, "event --loop --all"], env, "/", b"", 0.5)
    assert _server().run(["-c", URI, "list --name"], env, "/", b"", 60) == (b"test\n\n", b"", 0)


def test_startup_settings_need_a_real_process() -> None:
    server = _server()
    base = clean_env(None)
    assert not server.needs_process(base)
    assert server.needs_process({**base, "LC_ALL": "C.UTF-8"})
    assert server.needs_process({**base, "PYTHONIOENCODING": "latin-1"})
    assert server.needs_process({**base, "LIBVIRT_DEBUG": "1"})
    assert server.needs_process({**base, "PYTHONPATH": "/nonexistent"})
    assert not server.needs_process({**base, "PYTHONPATH": server.path[-1]})


def test_each_run_starts_from_the_server_not_from_the_run_before() -> None:
    env = clean_env(None)
    assert _server().run(["-c", URI, "destroy test"], env, "/", b"", 60)[2] == 0
    assert _server().run(["-c", URI, "domstate test"], env, "/", b"", 60) == (b"running\n\n", b"", 0)
