"""vsh speaks the user's language as virsh does: the same command lines through virsh and vsh
under translated locales (libvirt's own catalogs, text domain `libvirt`), bytes compared.

The locales come from the set-up (`./dev`: libvirt-l10n and locales); a machine without them
skips these tests.
"""
from __future__ import annotations

import json
import locale as pylocale
import re

import pytest

from util import OWN_GROUPS, Result, host_uri, virsh, virsh_view, vsh

URI = "test:///default"

LOCALES = ["de_DE.UTF-8", "ja_JP.UTF-8", "uk_UA.UTF-8", "fr_FR.UTF-8"]

# Command lines on test:///default: tables, info blocks, errors, help, lifecycle messages, strings.
LINES = [
    "list --all",
    "list --all --title",
    "list --all --managed-save",
    "dominfo test",
    "dominfo nosuch",
    "domstate test",
    "domstate test --reason",
    "destroy test",
    "destroy test; destroy test",
    "suspend test; resume test; domstate test",
    "shutdown test; start test; list --all",
    "start test",
    "reboot test; reset test",
    "undefine nosuch",
    "net-list --all",
    "net-info default",
    "net-info nosuch",
    "net-destroy default; net-start default; net-autostart default",
    "pool-list --all",
    "pool-list --all --details",
    "pool-info default-pool",
    "pool-info nosuch",
    "vol-list default-pool --details",
    "iface-list --all",
    "nodeinfo",
    "nodememstats",
    "domiflist test",
    "domblklist test --details",
    "vcpuinfo test",
    "vcpucount test",
    "schedinfo test",
    "snapshot-list test",
    "snapshot-create-as test snap1; snapshot-list test; snapshot-info test snap1",
    "setmem test 12QB",
    "setmaxmem test 1",
    "list --bogus",
    "nosuchcommand",
    "dominfo",
    "secret-list",
    "help start",
    "help list",
    "help domain",
    "help",
    "autostart test; dominfo test",
    "nodecpustats",
    "nodecpustats --percent",
    "freecell",
    "freecell --all",
    "nodecpumap",
    "memtune test",
    "cpu-stats test",
    "emulatorpin test",
    "vcpuinfo test --pretty",
    "domifaddr test",
    "domblkerror test",
    "domcontrol test",
    "create /nonexistent",
    "vol-create-as default-pool v1 1G; vol-info v1 --pool default-pool --bytes; vol-list default-pool --details",
    "pool-define-as p2 dir --target /tmp/x; pool-list --all --details; pool-build p2; pool-delete p2",
    "pool-info default-pool --bytes",
    "shutdown test --mode bogus",
    "schedinfo test --set weight=x",
    "echo --shell a 'b c'; echo --xml '<x>'",
    "version",
    "perf test",
]

# dominfo's CPU time comes from the clock on the test driver, as does a snapshot's creation time.
_CPU_TIME = re.compile(r"[0-9]+[.,][0-9]s$", re.M)
_CREATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}")


def _available(name: str) -> bool:
    """Whether the locale is generated (asked of the C library; this process's locale is kept)."""
    saved = pylocale.setlocale(pylocale.LC_CTYPE)
    try:
        pylocale.setlocale(pylocale.LC_CTYPE, name)
    except pylocale.Error:
        return False
    finally:
        pylocale.setlocale(pylocale.LC_CTYPE, saved)
    return True


def _masked(res: Result) -> Result:
    return Result(_CREATED.sub("T", _CPU_TIME.sub("Xs", res.out)), res.err, res.rc)


def compare(line: str, env: dict[str, str]) -> tuple[Result, Result]:
    got = vsh("-c", URI, line, env=env)
    return _masked(virsh("-c", URI, line, env=env)), _masked(Result(virsh_view(got.out), got.err, got.rc))


@pytest.fixture(params=LOCALES)
def lang(request: pytest.FixtureRequest) -> str:
    if not _available(request.param):
        pytest.skip(f"locale {request.param} is not generated (run ./dev as root)")
    return str(request.param)


@pytest.mark.parametrize("line", LINES)
def test_translated_output_is_virsh(lang: str, line: str) -> None:
    expected, got = compare(line, {"LC_ALL": lang})
    assert got.out == expected.out, f"stdout differs for {line!r} in {lang}"
    assert got.err == expected.err, f"stderr differs for {line!r} in {lang}"
    assert got.rc == expected.rc


def test_help_of_every_command_is_virsh(lang: str) -> None:
    from vsh import registry

    names = [spec.name for group, specs in registry.by_group().items() if group not in OWN_GROUPS for spec in specs]
    line = "; ".join(f"help {name}" for name in names)
    expected, got = virsh(line, env={"LC_ALL": lang}), vsh(line, env={"LC_ALL": lang})
    assert len(names) > 250
    assert (virsh_view(got.out), got.err, got.rc) == (expected.out, expected.err, expected.rc)


@pytest.mark.parametrize("env", [
    {"LANG": "de_DE.UTF-8"},                                # LANG alone
    {"LC_ALL": "C", "LANG": "de_DE.UTF-8"},                 # LC_ALL wins: English
    {"LC_MESSAGES": "ja_JP.UTF-8"},                         # text translated, numbers not
    {"LC_NUMERIC": "de_DE.UTF-8"},                          # numbers only
    {"LANG": "de_DE.UTF-8", "LANGUAGE": "uk"},              # LANGUAGE picks the catalog
    {"LC_ALL": "en_US.UTF-8"},                              # a locale that is not generated
])
def test_locale_variables_are_read_as_virsh_reads_them(env: dict[str, str]) -> None:
    if not _available("de_DE.UTF-8"):
        pytest.skip("locale de_DE.UTF-8 is not generated")
    for line in ("dominfo test; pool-info default-pool; list --all", "dominfo nosuch"):
        expected, got = compare(line, {"LC_ALL": "", **env})
        assert (got.out, got.err, got.rc) == (expected.out, expected.err, expected.rc), line


def test_json_never_translates() -> None:
    if not _available("de_DE.UTF-8"):
        pytest.skip("locale de_DE.UTF-8 is not generated")
    plain = vsh("-c", URI, "--json", "list --all", env={"LC_ALL": "C"})
    german = vsh("-c", URI, "--json", "list --all", env={"LC_ALL": "de_DE.UTF-8"})
    assert german.rc == 0 and german.out == plain.out
    assert json.loads(german.out)[0]["state"] == "running"
    err = vsh("-c", URI, "--json", "dominfo nosuch", env={"LC_ALL": "de_DE.UTF-8"})
    assert json.loads(err.err)["error"]["message"] == "failed to get domain 'nosuch'"
    err = vsh("-c", URI, "--json", "pool-info nosuch", env={"LC_ALL": "de_DE.UTF-8"})
    assert json.loads(err.err)["error"]["detail"] == "Storage pool not found: no storage pool with matching name 'nosuch'"


def test_vsh_own_messages_stay_english() -> None:
    if not _available("de_DE.UTF-8"):
        pytest.skip("locale de_DE.UTF-8 is not generated")
    res = vsh("-c", host_uri("domains"), "--on-error=bogus", env={"LC_ALL": "de_DE.UTF-8"})
    assert res.rc == 1
    assert res.err == "Fehler: invalid value 'bogus' for --on-error: use 'stop' or 'continue'\n"


# Domain events the test driver never sends (they come from QEMU), rendered as `event` prints
# them in Ukrainian: virsh's message for each, with the words it translates (actions, phases,
# reasons) and the ones it leaves in English (agent states, metadata types, memory failures).
_EVENT_PROBE = r"""
import libvirt
from vsh import i18n
i18n.setup()
from vsh.commands.events import _domain_formatter
dom = libvirt.open("test:///default").lookupByName("test")
v4 = {"family": 0, "node": "127.0.0.1", "service": "5900"}
v6 = {"family": 1, "node": "::1", "service": "4000"}
for event, args in [
    ("rtc-change", (-3600,)), ("watchdog", (3,)), ("watchdog", (99,)),
    ("io-error", ("/img", "disk0", 1)), ("io-error-reason", ("/img", "disk0", 2, "enospc")),
    ("graphics", (0, v4, v6, "none", [("x509dname", "CN=a")])), ("block-job", ("vda", 2, 3)),
    ("block-job-2", ("vda", 9, 0)), ("disk-change", (None, "/new", "cd0", 0)), ("tray-change", ("cd0", 0)),
    ("balloon-change", (1024,)), ("device-removed", ("net0",)), ("device-added", ("net0",)),
    ("device-removal-failed", ("net0",)), ("tunable", ({"cpu_shares": 10},)), ("job-completed", ({},)),
    ("agent-lifecycle", (1, 2)), ("migration-iteration", (3,)), ("metadata-change", (2, "http://x/")),
    ("block-threshold", ("vda", None, 100, 5)), ("memory-failure", (1, 2, 3)),
    ("memory-device-size-change", ("dimm0", 524288)), ("pm-suspend", (0,)),
]:
    print(_domain_formatter(event)(dom, *args)[0], end="")
"""

_EVENT_LINES_UK = """\
подія «rtc-change» для домену «test»: -3600
подія «watchdog» для домену «test»: вимкнути
подія «watchdog» для домену «test»: невідомо
подія «io-error» для домену «test»: /img (disk0) призупинити
подія «io-error-reason» для домену «test»: /img (disk0) звіт через enospc
подія «graphics» для домену «test»: з'єднати локальний[IPv4 127.0.0.1 5900], віддалений[IPv6 ::1 4000] none
\tx509dname=CN=a
подія «block-job» для домену «test»: Копіювання блоків для vda готово
подія «block-job-2» для домену «test»: Невідоме завдання для vda завершено
подія «disk-change» для домену «test», диск cd0: <null> -> /new: змінено
подія «tray-change» для домену «test», диск cd0: відкрито
подія «balloon-change» для домену «test»: 1024 КіБ
подія «device-removed» для домену «test»: net0
подія «device-added» для домену «test»: net0
подія «device-removal-failed» у домені «test»: net0
подія «tunable» для домену «test»:
\tcpu_shares: 10
подія «job-completed» для домену «test»:
подія «agent-lifecycle» для домену «test»: стан: «connected» причина: «channel event»
подія «migration-iteration» домену «test»: ітерація: «3»
подія «metadata-change» для домену «test»: тип element, адреса http://x/
подія «block-threshold» для домену «test»: пристрій: vda(<null>) 100 5
подія «memory-failure» для домену «test»:
отримувач: guest
дія: fatal
прапорці:
\tпотрібна дія: 1
\tрекурсивність: 1
подія «memory-device-size-change» для домену «test»:
інша назва: dimm0
розмір: 524288
подія «pm-suspend» для домену «test»
"""


def test_event_lines_qemu_sends_are_translated() -> None:
    if not _available("uk_UA.UTF-8"):
        pytest.skip("locale uk_UA.UTF-8 is not generated")
    import subprocess
    import sys

    from util import clean_env

    res = subprocess.run([sys.executable, "-c", _EVENT_PROBE], capture_output=True, text=True, encoding="utf-8",
                         env=clean_env({"LC_ALL": "uk_UA.UTF-8"}), timeout=60)
    assert res.stderr == "" and res.returncode == 0
    assert res.stdout == _EVENT_LINES_UK
