"""`top` under --hosts: one view of several private libvirtds (the shared `hosts` fixture), as
plain text, CSV, JSON Lines and the full-screen view on a pseudo-terminal; a host that fails
is one `error: HOST: ...` line and the others go on."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.hosts import Hosts
from tests.support.libvirtd import Libvirtd
from util import VSH, run

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}


def test_text_has_a_host_column_and_a_header_over_all_hosts(hosts: Hosts) -> None:
    h1, h2, h3 = hosts.up
    res = run(VSH, ["--hosts", f"{h2},{h1},{h3}", "top", "--delay", "0.2", "--iterations", "2", "--sort", "name"])
    assert (res.err, res.rc) == ("", 0)
    samples = res.out.split("vsh top - ")[1:]
    assert len(samples) == 2
    lines = samples[1].splitlines()
    assert re.fullmatch(r"3 hosts \d\d:\d\d:\d\d", lines[0])
    assert lines[1] == "Domains: 6 total, 3 running, 3 shut off"
    # The test driver's host has 16 CPUs and 3 GiB, each running domain 1 MiB: the hosts' totals.
    assert re.fullmatch(r"CPU: 48 CPUs, [\d.]+% used by domains   Memory: 9216 MiB, 3 MiB \(0\.0%\) used by domains",
                        lines[2])
    assert lines[4].split() == ["HOST", "ID", "NAME", "STATE", "%CPU", "VCPUS", "MEM(KiB)", "%MEM", "RDBY/s",
                                "WRBY/s", "RXBY/s", "TXBY/s", "TIME(s)"]
    rows = [line.split() for line in lines[5:] if line]
    # Equal names: the hosts in the order given.
    assert [r[:4] for r in rows] == [[h, "1", "common", "running"] for h in (h2, h1, h3)]
    assert lines[5].startswith(f"{h2.ljust(len(h3))}  1 common")  # the host column padded to the widest


def test_csv_keeps_its_columns_with_the_host_as_given(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = run(VSH, ["--host-timeout", "2", "--hosts", f"{h1},{hosts.refused},{hosts.stopped},{h2}",
                    "top", "--csv", "--delay", "0.2", "--iterations", "2", "--sort", "name"])
    port = hosts.refused.split(":")[2].split("/")[0]
    assert res.err.splitlines() == [
        f"error: {hosts.refused}: failed to connect to the hypervisor: unable to connect to server at "
        f"'127.0.0.1:{port}': Connection refused",
        f"error: {hosts.stopped}: failed to connect to the hypervisor: no answer within 2 seconds (--host-timeout)",
    ]
    assert res.rc == 1
    table = list(csv.reader(io.StringIO(res.out.rstrip("\n"))))
    assert table[0][:4] == ["timestamp", "host", "id", "name"]
    assert [(r[1], r[3], r[4]) for r in table[1:]] == [(h1, "common", "running"), (h2, "common", "running")] * 2
    assert table[1][0] == table[2][0] < table[3][0] == table[4][0]  # one timestamp per refresh


def test_json_lines_one_object_per_host_and_sample(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = run(VSH, ["--json", "--hosts", f"{h2},{hosts.refused},{h1}", "top", "--delay", "0.2", "--iterations", "2"])
    assert res.rc == 1
    error = json.loads(res.err)["error"]  # one line: the host that failed, as a JSON error naming it
    assert (error["host"], error["message"], error["source"]) == (
        hosts.refused, "failed to connect to the hypervisor", "libvirt")
    assert "Connection refused" in error["detail"]
    docs = [json.loads(line) for line in res.out.splitlines()]
    assert [(d["host"], d["uri"]) for d in docs] == [(h2, h2), (h1, h1)] * 2
    assert docs[0]["timestamp"] == docs[1]["timestamp"] < docs[2]["timestamp"] == docs[3]["timestamp"]
    for doc in docs:
        assert (doc["host_cpus"], doc["states"]) == (16, {"running": 1, "shut off": 1})
        assert [(r["host"], r["name"]) for r in doc["domains"]] == [(doc["host"], "common")]
        assert doc["domains"][0]["cpu_percent"] is not None


def test_a_host_lost_while_sampling_is_reported_once_and_the_others_go_on(
        hosts: Hosts, fresh_libvirtd: Libvirtd) -> None:
    h1 = hosts.up[0]
    lost = fresh_libvirtd.tcp_uri
    proc = subprocess.Popen([*VSH, "--hosts", f"{lost},{h1}", "top", "--csv", "--delay", "0.5", "--iterations", "4",
                             "--sort", "name"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("timestamp,host,")
    # By name: h1's "common", then the other's "test".
    assert [proc.stdout.readline().split(",")[1:4:2] for _ in range(2)] == [[h1, "common"], [lost, "test"]]
    fresh_libvirtd.stop()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert [line.split(",")[1] for line in out.splitlines() if line] == [h1] * 3
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {lost}: no longer sampled: ")


def test_no_host_answering_is_a_failure_without_samples(hosts: Hosts) -> None:
    res = run(VSH, ["--hosts", hosts.refused, "top", "--iterations", "1"])
    assert res.out == "\n" and res.rc == 1
    assert res.err.startswith(f"error: {hosts.refused}: failed to connect to the hypervisor: ")
    assert len(res.err.splitlines()) == 1


def spawn(args: str, cols: int) -> Any:
    """vsh on a pseudo-terminal, through a shell that prints its exit status after it."""
    pexpect = pytest.importorskip("pexpect")
    pytest.importorskip("pyte")
    variables = {**env(), "TERM": "xterm", "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    return pexpect.spawn("/bin/sh", ["-c", f"{sys.executable} -m vsh {args}; echo rc=$?"], env=variables,
                         encoding="utf-8", timeout=30, dimensions=(30, cols))


def test_full_screen_view_of_several_hosts(hosts: Hosts) -> None:
    from tests.support.terminal import Term

    h1, h2, _h3 = hosts.up
    cols = max(len(h1), len(h2)) + 110
    child = spawn(f"--hosts {h1},{hosts.refused},{h2} top --delay 0.3", cols)
    term = Term(child, 30, cols)
    screen = term.wait_for(rf"\n{re.escape(h2)} +1 common +running")
    assert re.search(rf"vsh top - 3 hosts \d\d:\d\d:\d\d  \(1 failed: {re.escape(hosts.refused)}\)", screen)
    assert "Domains: 4 total, 2 running, 2 shut off" in screen
    assert re.search(rf"\nHOST +ID NAME .*\n{re.escape(h1)} +1 common +running", screen)
    child.send("1")
    # Each host's CPUs under its name.
    term.wait_for(rf"view: host CPUs.*\n\nCPU   %USED\n{re.escape(h1)}:\n +0 [\s\S]*\n{re.escape(h2)}:\n +0 ")
    child.send("q")
    child.expect_exact("rc=1")
    # The host that failed, once the terminal is given back (curses' full screen left).
    after = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[<=>])", "", child.before.split("\x1b[?1049l")[-1])
    assert after.lstrip("\r\n").startswith(f"error: {hosts.refused}: failed to connect to the hypervisor: ")
