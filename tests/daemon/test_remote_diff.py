"""vsh and virsh over remote URIs (test+tcp://, test+unix:// of a private libvirtd): identical output.

Every case runs through virsh and vsh against the daemon and must give the same stdout, stderr and
exit status; vsh's output over the remote URI must also equal its output on the local
`test:///default` (after the URI text is replaced), unless the case says why it cannot.

To add a case, append a command string to CASES (or a `Case(...)` with options); `{uri}` in it
stands for the URI under test.  A case whose commands vsh does not have yet is skipped with the
names of the missing commands.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple, Sequence

import pytest

from tests.support.libvirtd import Libvirtd
from util import VSH, Result, run, virsh_view
from test_reconnect import virsh_prog

LOCAL = "test:///default"
DOMAIN_XML = """<domain type='test'>
  <name>remote1</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory>1048576</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
</domain>
"""
# Values that change from one run to the next: the test driver's CPU time follows the clock
# (so do its block statistics: domblkstat is left out).
VARYING = [(r"(CPU time:\s+)[0-9.]+s", r"\1Xs"), (r"(cpu_time\s+)[0-9.]+", r"\1X")]


class Case(NamedTuple):
    line: str
    args: Sequence[str] = ()  # global options before -c, such as ["-r"] or ["-q"]
    mutates: bool = False  # changes the daemon's state: give virsh and vsh a daemon each
    local: str = ""  # why the local test:///default output differs ("" = it must not)
    stdin: str | None = None
    unix: bool = True  # also over test+unix:// (grammar cases are parsed before connecting: TCP only)


CASES: list[Case | str] = [
    # host
    "uri", "hostname", "version", "version --daemon", "nodeinfo", "capabilities",
    "uri; hostname; nodeinfo",
    # domains
    "list", "list --all", "list --name --all", "list --uuid", "list --table --all", "list --inactive",
    "dominfo test", "dominfo 1", "dominfo 6695eb01-f6a4-8304-79aa-97f2502e193f", "domstate test",
    "domstate test --reason", "domid test", "domname 1", "domuuid test", "dumpxml test",
    "dumpxml test --inactive", "domiflist test", "domblklist test", "vcpucount test", "dommemstat test",
    "schedinfo test", "dominfo nosuch", "domstate nosuch", "dumpxml nosuch", "dominfo 42",
    "domstats", "domstats test --state", "domblkinfo test vda", "domifstat test vnet0",
    "domjobinfo test", "domdisplay test", "vncdisplay test", "ttyconsole test",
    # networks
    "net-list", "net-list --all", "net-list --name", "net-list --uuid", "net-info default",
    "net-dumpxml default", "net-uuid default", "net-name dd8fe884-6c02-601e-7551-cca97df1c5df",
    "net-info nosuch", "net-dumpxml nosuch", "net-dhcp-leases default", "net-port-list default",
    # storage
    "pool-list", "pool-list --all", "pool-list --details", "pool-list --name", "pool-info default-pool",
    "pool-dumpxml default-pool", "pool-uuid default-pool", "pool-info nosuch", "vol-list default-pool",
    "vol-list nosuch", "vol-info --pool default-pool nosuch", "vol-list default-pool --details",
    "pool-capabilities",
    # other objects
    "iface-list --all", "nodedev-list", "secret-list", "nwfilter-list", "snapshot-list test",
    # read-only connections refuse writes with libvirt's message
    Case("net-destroy default", args=["-r"]),
    Case("destroy test", args=["-r"]),
    Case("pool-destroy default-pool", args=["-r"]),
    Case("net-list; uri", args=["-r"]),
    # changes within one command string (state lives as long as the client's connection)
    Case("net-destroy default; net-list --all; net-info default; net-start default; net-list", mutates=True),
    Case("pool-destroy default-pool; pool-list --all; pool-start default-pool; pool-info default-pool",
         mutates=True),
    Case("destroy test; list --all; domstate test; start test; list", mutates=True),
    Case("suspend test; domstate test; resume test; domstate test", mutates=True),
    Case("shutdown test; domstate test --reason; start test; reboot test; reset test; domstate test",
         mutates=True),
    Case("undefine test; list --all; destroy test; list --all", mutates=True),
    Case("define /dev/stdin; list --all; dominfo remote1; dumpxml remote1; undefine remote1; list --all",
         stdin=DOMAIN_XML, mutates=True),
    Case("vol-create-as default-pool v1 1M; vol-list default-pool; vol-delete --pool default-pool v1; "
         "vol-list default-pool", mutates=True),
    # connect: {uri} is the URI under test; a failed connect leaves no connection, and the next
    # command silently opens the session's URI again
    "uri; connect {uri} --readonly; uri; net-destroy default",
    "connect test+tcp://127.0.0.1:1/default; uri",
    "connect nosuch:///x; hostname",
    # global options over remote
    Case("list; net-list", args=["-q"]),
    Case("uri", args=["-t"], local="timing varies"),
]


def _grammar_cases() -> list[Case]:
    from driver.test_shell import GRAMMAR_CASES

    return [Case(line, unix=False) for line in GRAMMAR_CASES if line not in ("pwd", "cd /tmp")]


ALL = [c if isinstance(c, Case) else Case(c) for c in CASES] + _grammar_cases()


def missing_commands(line: str) -> list[str]:
    """Commands of `line` that vsh does not have yet (names starting with `nosuch` are meant to fail)."""
    from vsh import registry
    from vsh.errors import VshError
    from vsh.lexer import split_words

    try:
        words = [cmd[0] for cmd in split_words(line) if cmd]
    except VshError:
        # A line rejected by its quoting; a first word that is '#' after quote removal is a comment.
        words = [w for w in line.split()[:1] if not w.lstrip("'\"\\").startswith("#")]
    return [w for w in words if not w.startswith("nosuch") and registry.get(w) is None]


def normalise(res: Result, daemon: Libvirtd, uri: str | None = None) -> Result:
    """Replace what is particular to one daemon (port, socket folder, or its whole URI)."""

    def fix(text: str) -> str:
        if uri:
            text = text.replace(uri, LOCAL)
        text = text.replace(f"127.0.0.1:{daemon.port}", "127.0.0.1:PORT").replace(str(daemon.workdir), "DIR")
        for pattern, replacement in VARYING:
            text = re.sub(pattern, replacement, text)
        return text

    return Result(fix(res.out), fix(res.err), res.rc)


def _id(case: Case) -> str:
    return case.line + (" " + " ".join(case.args) if case.args else "")


PARAMS = [pytest.param(case, transport, id=f"{transport[:-4]}-{_id(case)}")
          for case in ALL for transport in ("tcp_uri", "unix_uri") if transport == "tcp_uri" or case.unix]


@pytest.mark.parametrize("case,transport", PARAMS)
def test_remote_same_as_virsh(case: Case, transport: str, libvirtd: Libvirtd,
                              make_libvirtd: Callable[[], Libvirtd]) -> None:
    assert not missing_commands(case.line), "a case names a command vsh does not have"
    daemons = (make_libvirtd(), make_libvirtd()) if case.mutates else (libvirtd, libvirtd)
    check_local = not case.local and transport == "tcp_uri"
    # The runs are independent (read-only cases, or a daemon each), so they run side by side.
    jobs = [(virsh_prog(), getattr(daemons[0], transport)), (VSH, getattr(daemons[1], transport))]
    if check_local:
        jobs.append((VSH, LOCAL))
    with ThreadPoolExecutor(len(jobs)) as pool:
        virsh_res, vsh_res, *local = pool.map(
            lambda job: run(job[0], [*case.args, "-c", job[1], case.line.replace("{uri}", job[1])],
                            stdin=case.stdin), jobs)
    expected, got = normalise(virsh_res, daemons[0]), normalise(vsh_res, daemons[1])
    got = got._replace(out=virsh_view(got.out))
    if "-t" in case.args:
        expected, got = _untimed(expected), _untimed(got)
    assert got.out == expected.out, "stdout differs from virsh"
    assert got.err == expected.err, "stderr differs from virsh"
    assert got.rc == expected.rc, "exit status differs from virsh"
    if check_local:
        remote = normalise(vsh_res, daemons[1], getattr(daemons[1], transport))
        assert remote == normalise(local[0], daemons[1]), "remote output differs from local"


def _untimed(res: Result) -> Result:
    return Result(re.sub(r"\(Time: [0-9.]+ ms\)", "(Time: T ms)", res.out), res.err, res.rc)


def test_every_case_is_distinct() -> None:
    keys = [(c.line, tuple(c.args)) for c in ALL]
    assert len(keys) == len(set(keys))


# URI precedence: -c > VIRSH_DEFAULT_CONNECT_URI > LIBVIRT_DEFAULT_URI > libvirt.conf (uri_default, with
# uri_aliases applied to every one of them).  libvirt reads the client configuration of root from
# /etc/libvirt/libvirt.conf only ($XDG_CONFIG_HOME is for other users), so these runs happen in a
# private mount namespace where a folder of the test is bind-mounted over /etc/libvirt.  An
# XDG_CONFIG_HOME with another uri_default is set throughout, to show that it is ignored.
PRECEDENCE = [
    ({}, ["uri"], "test:///default"),
    ({}, ["-c", "mytest", "uri"], "test:///default"),
    ({"LIBVIRT_DEFAULT_URI": "{tcp}"}, ["uri"], "{tcp}"),
    ({"LIBVIRT_DEFAULT_URI": "mytcp"}, ["uri"], "{tcp}"),
    ({"VIRSH_DEFAULT_CONNECT_URI": "{unix}", "LIBVIRT_DEFAULT_URI": "{tcp}"}, ["uri"], "{unix}"),
    ({"VIRSH_DEFAULT_CONNECT_URI": "mytcp"}, ["uri"], "{tcp}"),
    ({"VIRSH_DEFAULT_CONNECT_URI": "{unix}", "LIBVIRT_DEFAULT_URI": "{tcp}"}, ["-c", "mytest", "uri"],
     "test:///default"),
    ({"LIBVIRT_DEFAULT_URI": "{tcp}"}, ["uri; connect mytest; uri"], "{tcp}\n\n\ntest:///default"),
    ({}, ["-c", "nosuchalias", "uri"], None),
]


@pytest.fixture(scope="module")
def etc_libvirt(tmp_path_factory: pytest.TempPathFactory, libvirtd: Libvirtd) -> tuple[list[str], dict[str, str]]:
    """A command prefix that runs a program with our libvirt.conf as /etc/libvirt/libvirt.conf."""
    from tests.support.libvirtd import find_tool, unavailable

    unshare = find_tool("unshare")
    if unshare is None or not os.path.isdir("/etc/libvirt"):
        unavailable("the URI precedence test needs unshare and /etc/libvirt")
    folder = tmp_path_factory.mktemp("etc-libvirt")
    (folder / "libvirt.conf").write_text(
        'uri_default = "test:///default"\n'
        f'uri_aliases = [ "mytest=test:///default", "mytcp={libvirtd.tcp_uri}" ]\n')
    xdg = tmp_path_factory.mktemp("xdg")
    (xdg / "libvirt").mkdir()
    (xdg / "libvirt" / "libvirt.conf").write_text(f'uri_default = "{libvirtd.unix_uri}"\n')
    prefix = [unshare, "--mount", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" /etc/libvirt && exec "$@"', str(folder)]
    return prefix, {"XDG_CONFIG_HOME": str(xdg)}


@pytest.mark.parametrize("env,args,shown", PRECEDENCE, ids=[" ".join(a) + " " + " ".join(e) for e, a, _ in PRECEDENCE])
def test_uri_precedence(etc_libvirt: tuple[list[str], dict[str, str]], libvirtd: Libvirtd,
                        env: dict[str, str], args: list[str], shown: str | None) -> None:
    prefix, base_env = etc_libvirt

    def fill(text: str) -> str:
        return text.replace("{tcp}", libvirtd.tcp_uri).replace("{unix}", libvirtd.unix_uri)

    extra = {**base_env, **{key: fill(value) for key, value in env.items()}}
    expected = run([*prefix, *virsh_prog()], args, env=extra)
    got = run([*prefix, *VSH], args, env=extra)
    assert got == expected
    if shown is None:
        assert got.rc == 1 and got.err.startswith("error: failed to connect to the hypervisor\n")
    else:
        assert got == (fill(shown) + "\n\n", "", 0)
