"""vsh's concurrent and bulk calls (vsh.rpc) over real remote links give virsh's bytes.

A private libvirtd serves a generated host (tests/support/remotehost.py: many domains, volumes
and a tree of snapshots), so every per-object path has several objects to ask about at once.
The same command lines run through virsh and vsh over test+tcp://, through a libvirtd that
serves one call of a client at a time (max_client_requests = 1), through a proxy that undefines
a domain between the listing and the calls about each domain, and over SSH (an sshd on loopback
with a key made here, libvirt's ssh transport to the daemon's socket).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.libvirtd import Libvirtd, find_tool, free_port, missing_requirements, unavailable
from tests.support.remotehost import LIST_ALL_DOMAINS, DelayProxy, host_xml
from util import VSH, Result, run
from test_reconnect import virsh_prog

# The test driver's CPU time follows the clock.
VARYING = [(r"(CPU time:\s+)[0-9.]+s", r"\1Xs"), (r'("[a-z0-9_]*time_ns": ?)[0-9]+', r"\1X"),
           (r"(cpu\.time=)[0-9]+", r"\1X")]

CASES = [
    "list", "list --all", "list --inactive", "list --all --title", "list --all --managed-save",
    "list --all --name", "list --all --uuid", "list --id", "list --state-paused", "list --all --persistent",
    "list --all --with-snapshot", "list --all --no-autostart --title", "list --all --table --title --managed-save",
    "dominfo vm-00001", "dominfo vm-00003", "dominfo nosuch",
    "domstats", "domstats --state vm-00002 vm-00001 3 vm-00004",
    "domstats vm-00001 nosuch vm-00002", "domstats --list-shutoff --state",
    "vol-list bench", "vol-list --details bench", "pool-list --all", "pool-list --details --all",
    "net-list --all", "iface-list --all", "secret-list", "nwfilter-list", "nodedev-list --tree",
    "snapshot-list vm-00001", "snapshot-list --parent vm-00001", "snapshot-list --tree vm-00001",
    "snapshot-list --tree --from snap-2 vm-00001", "snapshot-list --roots vm-00001",
    "checkpoint-list vm-00001", "domblklist --details vm-00001", "domiflist vm-00001",
    "list --all; dominfo vm-00002; vol-list --details bench",
]
# Under --json virsh has nothing to compare with: the JSON must equal vsh's own JSON on a
# connection where nothing runs concurrently (VSH_RPC_IN_FLIGHT=1).
JSON_CASES = ["list --all", "dominfo vm-00001", "vol-list --details bench", "snapshot-list --tree vm-00001",
              "pool-list --details --all", "domstats --state vm-00001 vm-00002", "net-list --all"]
FEW = ["list --all --title", "dominfo vm-00001", "vol-list --details bench", "snapshot-list --tree vm-00001",
       "domstats --state vm-00002 vm-00001"]


def _fix(res: Result) -> Result:
    def fix(text: str) -> str:
        for pattern, replacement in VARYING:
            text = re.sub(pattern, replacement, text)
        return text

    return Result(fix(res.out), fix(res.err), res.rc)


def _both(uri: str, line: str, env: dict[str, str] | None = None) -> tuple[Result, Result]:
    """virsh and vsh on the same line side by side (read-only lines: they cannot disturb each other)."""
    jobs = [virsh_prog(), VSH]
    with ThreadPoolExecutor(2) as pool:
        virsh_res, vsh_res = pool.map(lambda prog: run(prog, ["-c", uri, line], env=env), jobs)
    return _fix(virsh_res), _fix(vsh_res)


def _same(expected: Result, got: Result) -> None:
    assert got.out == expected.out, "stdout differs from virsh"
    assert got.err == expected.err, "stderr differs from virsh"
    assert got.rc == expected.rc, "exit status differs from virsh"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return host_xml(tmp_path_factory.mktemp("host") / "host.xml", domains=12, volumes=12, snapshots=10)


@pytest.mark.parametrize("line", CASES)
def test_concurrent_same_as_virsh(line: str, libvirtd: Libvirtd, host: Path) -> None:
    expected, got = _both(f"test+tcp://127.0.0.1:{libvirtd.port}{host}", line)
    assert expected.out.strip() or expected.err, "the case shows nothing"
    _same(expected, got)


@pytest.mark.parametrize("line", JSON_CASES)
def test_concurrent_json_same_as_one_by_one(line: str, libvirtd: Libvirtd, host: Path) -> None:
    uri = f"test+tcp://127.0.0.1:{libvirtd.port}{host}"
    together = _fix(run(VSH, ["--json", "-c", uri, line]))
    one_by_one = _fix(run(VSH, ["--json", "-c", uri, line], env={"VSH_RPC_IN_FLIGHT": "1"}))
    assert together.rc == 0 and together.out.startswith(("[", "{"))
    assert together == one_by_one


@pytest.mark.parametrize("line", FEW)
def test_one_request_at_a_time(line: str, one_request_libvirtd: Libvirtd, host: Path) -> None:
    expected, got = _both(f"test+tcp://127.0.0.1:{one_request_libvirtd.port}{host}", line)
    _same(expected, got)


GHOST = """<domain type='test'><name>ghost</name><uuid>99999999-0000-4000-8000-000000000009</uuid>
<memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"""


@pytest.mark.parametrize("line", ["list --all --no-autostart", "list --all --no-autostart --title --managed-save",
                                  "list --all --without-snapshot"])
def test_domain_gone_between_listing_and_its_calls(line: str, fresh_libvirtd: Libvirtd) -> None:
    """A domain undefined after the listing and before the first call about a domain: virsh leaves it
    out of the table, and so does vsh (whose per-domain calls go out at once)."""
    import libvirt

    direct = libvirt.open(fresh_libvirtd.tcp_uri)
    proxy = DelayProxy(("127.0.0.1", fresh_libvirtd.port), delay=0.0)
    try:
        results = []
        for prog in (virsh_prog(), VSH):
            direct.defineXML(GHOST)
            ghost = direct.lookupByName("ghost")
            proxy.after(LIST_ALL_DOMAINS, ghost.undefine)
            results.append(_fix(run(prog, ["-c", proxy.uri("/default"), line])))
        assert proxy.fired == 2, "the domain was not undefined in the middle of both runs"
    finally:
        proxy.close()
        direct.close()
    expected, got = results
    assert "test" in expected.out and "ghost" not in expected.out
    _same(expected, got)


# over SSH --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, str]]]:
    """An sshd on loopback that lets in root with a key made here; yields its port and the
    environment under which `ssh` (libvirt's ssh transport runs it) uses that key."""
    sshd_bin = find_tool("sshd")
    missing = missing_requirements() + ([] if sshd_bin else ["sshd (openssh-server)"])
    missing += [tool for tool in ("ssh", "ssh-keygen") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the ssh tests need: {', '.join(missing)}")
    assert sshd_bin is not None
    work = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / key)], check=True)
    (work / "authorized_keys").write_text((work / "client_key.pub").read_text())
    port = free_port()
    (work / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work / 'host_key'}\n"
        f"AuthorizedKeysFile {work / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\nUsePAM no\n"
        f"PidFile {work / 'sshd.pid'}\n")
    # The client side: libvirt runs `ssh` from PATH; this one uses the key and keeps no host keys.
    (work / "ssh_config").write_text(
        f"Host *\n  IdentityFile {work / 'client_key'}\n  IdentitiesOnly yes\n  BatchMode yes\n"
        "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n")
    bindir = work / "bin"
    bindir.mkdir()
    wrapper = bindir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {work / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(work / "sshd_config")],
                            stdout=subprocess.DEVNULL, stderr=open(work / "sshd.log", "wb"))
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                unavailable(f"sshd exited: {(work / 'sshd.log').read_text()[-500:]}")
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    unavailable("sshd did not listen")
                time.sleep(0.05)
        yield port, {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("line", FEW + ["list --all; domstats --state vm-00004 vm-00005"])
def test_concurrent_over_ssh(line: str, sshd: tuple[int, dict[str, str]], libvirtd: Libvirtd, host: Path) -> None:
    port, env = sshd
    uri = f"test+ssh://root@127.0.0.1:{port}{host}?socket={libvirtd.sock_dir}/libvirt-sock"
    expected, got = _both(uri, line, env=env)
    assert expected.rc == 0, expected.err
    _same(expected, got)
