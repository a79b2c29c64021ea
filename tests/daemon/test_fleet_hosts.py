"""--hosts: one command on many private libvirtds at once, merged output, per-host failures.

The hosts are the daemon tier's shared `hosts` fixture (tests/daemon/conftest.py).
"""
from __future__ import annotations

import json
import os
import signal
import time

from tests.support.hosts import Hosts
from tests.support.libvirtd import Libvirtd
from util import VSH, Result, run

def vsh(*args: str, stdin: str | None = None) -> Result:
    return run(VSH, list(args), stdin=stdin)


def test_table_commands_merge_into_one_table_with_a_host_column(hosts: Hosts) -> None:
    h1, h2, h3 = hosts.up
    res = vsh("--hosts", ",".join(hosts.up), "list", "--all")
    width = max(len(h) for h in hosts.up)
    rows = [(h1, "1", "common", "running"), (h1, "-", "only-h1", "shut off"),
            (h2, "1", "common", "running"), (h2, "-", "wide-domain-name", "shut off"),
            (h3, "1", "common", "running"), (h3, "-", "x", "shut off")]
    header = f" {'Host':<{width}}   Id   Name               State"
    lines = [header, "-" * (width + 3 + 5 + 19 + 11)]
    lines += [f" {h:<{width}}   {i:<2}   {n:<16}   {s}" for h, i, n, s in rows]
    assert res == Result("\n".join(lines) + "\n\n", "", 0)


def test_other_commands_prefix_each_line_with_the_host(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = vsh("--hosts", f"{h2},{h1}", "domstate", "common", "--reason")
    # Each host's lines as it answers (tests/daemon/test_fleet_live.py), so in either order.
    assert (res.err, res.rc) == ("", 0) and res.out.endswith("\n\n")
    assert sorted(res.out.splitlines()[:-1]) == sorted([f"{h2}: running (unknown)", f"{h1}: running (unknown)"])
    # A multi-line block keeps its lines, each prefixed.
    res = vsh("-q", "--hosts", f"{h1},{h2}", "net-info", "net-h1")
    assert res.rc == 1
    assert res.out.startswith(f"{h1}: Name:           net-h1\n{h1}: UUID:")
    assert f"\n{h2}: " not in res.out
    assert res.err.startswith(f"error: {h2}: failed to get network 'net-h1'\n")


def test_json_is_a_list_of_hosts_in_the_given_order(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = vsh("--json", "--hosts", f"{h2},{hosts.refused},{h1}", "list", "--all", "--name")
    assert res.rc == 1 and res.err == ""
    data = json.loads(res.out)
    assert [(d["host"], d["ok"]) for d in data] == [(h2, True), (hosts.refused, False), (h1, True)]
    assert [row["name"] for row in data[0]["result"]] == ["common", "wide-domain-name"]
    assert data[0]["error"] is None and data[1]["result"] is None
    error = data[1]["error"]
    assert error["message"] == "failed to connect to the hypervisor"
    assert "Connection refused" in error["detail"] and error["source"] == "libvirt"
    assert isinstance(error["code"], int) and isinstance(error["domain"], int)


def test_a_host_down_or_hung_is_one_error_line_and_the_others_go_on(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    start = time.monotonic()
    res = vsh("--host-timeout", "2", "--hosts", f"{h1},{hosts.refused},{hosts.stopped},{h2}", "list")
    elapsed = time.monotonic() - start
    assert res.rc == 1
    assert [line.split()[0] for line in res.out.splitlines()[2:] if line] == [h1, h2]
    port = hosts.refused.split(":")[2].split("/")[0]
    assert res.err.splitlines() == [
        f"error: {hosts.refused}: failed to connect to the hypervisor: unable to connect to server at "
        f"'127.0.0.1:{port}': Connection refused",
        f"error: {hosts.stopped}: failed to connect to the hypervisor: no answer within 2 seconds (--host-timeout)",
    ]
    # The hung host is given up after the bound, not the default 10 s nor the keepalive's 35 s.
    assert elapsed < 9


def test_acting_commands_run_on_every_host_in_a_command_string(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = vsh("--hosts", f"{h1},{h2}", "start only-h1; list --name")
    assert res.out == f"{h1}: Domain 'only-h1' started\n\n{h1}: common\n{h1}: only-h1\n{h2}: common\n\n"
    assert res.err == (f"error: {h2}: failed to get domain 'only-h1'\n")
    assert res.rc == 0  # a command string's status is its last command's, as in virsh


def test_batch_from_stdin_and_readonly_apply_to_every_host(hosts: Hosts) -> None:
    h1, h2, _h3 = hosts.up
    res = vsh("-r", "--hosts", f"{h1},{h2}", stdin="destroy common\ndomstate common\n")
    assert res.out.endswith("\n\n")
    assert sorted(res.out.splitlines()[-3:-1]) == sorted([f"{h1}: running", f"{h2}: running"])
    errors = res.err.splitlines()
    for host in (h1, h2):
        at = errors.index(f"error: {host}: Failed to destroy domain 'common'")
        assert errors[at + 1].startswith(f"error: {host}: operation forbidden: read only access prevents")
    assert res.rc == 1


def test_ctrl_c_stops_every_host_at_once(hosts: Hosts) -> None:
    import subprocess

    h1, _h2, _h3 = hosts.up
    env = {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}
    proc = subprocess.Popen([*VSH, "--host-timeout", "60", "--hosts", f"{h1},{hosts.stopped}", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.5)  # h1 has answered; the stopped host keeps the command waiting
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert (out, err, proc.returncode) == ("\n", "error: interrupted\n", 1)


def test_a_host_that_stops_answering_later_is_given_up_after_about_the_timeout(
        hosts: Hosts, fresh_libvirtd: Libvirtd) -> None:
    import subprocess

    h1, _h2, _h3 = hosts.up
    env = {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}
    late = fresh_libvirtd.tcp_uri
    proc = subprocess.Popen([*VSH, "-q", "--host-timeout", "2", "--hosts", f"{h1},{late}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write("domstate common\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == f"{h1}: running\n"
    # Each host's lines come as it answers: the other host (it has no "common") is done too.
    assert proc.stderr.readline() == f"error: {late}: failed to get domain 'common'\n"
    assert fresh_libvirtd.pid is not None
    os.kill(fresh_libvirtd.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        out, err = proc.communicate("domstate test\n", timeout=30)
        elapsed = time.monotonic() - start
    finally:
        os.kill(fresh_libvirtd.pid, signal.SIGCONT)
    assert (out, proc.returncode) == ("", 1)
    assert f"error: {late}: Disconnected from {late} due to keepalive timeout\n" in err
    assert f"error: {h1}: failed to get domain 'test'\n" in err
    assert elapsed < 15  # keepalive set from --host-timeout 2, not its default 35 s


def test_each_host_reconnects_as_a_single_connection_does(hosts: Hosts, fresh_libvirtd: Libvirtd) -> None:
    import subprocess

    h1, _h2, _h3 = hosts.up
    env = {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}
    back = fresh_libvirtd.tcp_uri
    proc = subprocess.Popen([*VSH, "-q", "--hosts", f"{back},{h1}"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("list --name\n")
    proc.stdin.flush()
    assert [proc.stdout.readline() for _ in range(2)] == [f"{back}: test\n", f"{h1}: common\n"]
    fresh_libvirtd.stop()
    time.sleep(0.5)  # the close callback reports the loss as it happens
    fresh_libvirtd.start()
    out, err = proc.communicate("list --name\n", timeout=30)
    assert out == f"{back}: test\n{h1}: common\n"
    lost, again = err.splitlines()
    # The reason is the socket's: "end of file" or "I/O error", depending on timing.
    assert lost.startswith(f"error: {back}: Disconnected from {back} due to ")
    assert again == f"error: {back}: Reconnected to the hypervisor"
    assert proc.returncode == 0
