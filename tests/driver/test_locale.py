"""vsh speaks the user's language as virsh does: the same command lines through virsh and vsh
under translated locales (libvirt's own catalogs, text domain `libvirt`), bytes compared.

The locales come from the set-up (`./dev`: libvirt-l10n and locales); a machine without them
skips these tests.
"""
from __future__ import annotations

import json
import re

import pytest

from util import OWN_GROUPS, Result, host_uri, locale_available, virsh, virsh_view, vsh

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
    "echo --help=data",
    "setmem test --size",
    "'#x' y; echo z",
]

# Command strings from every group, run whole (state carries from command to command): info
# blocks, lists, error lines, host commands, edits of state read back.
STRINGS = [
    'net-dumpxml nosuch; net-uuid default; net-name nosuch; net-autostart nosuch; net-dhcp-leases default; net-port-list default; net-info default',
    'net-define /nonexistent; net-create /nonexistent; net-undefine nosuch; net-start nosuch; net-destroy nosuch; net-update default add bogus x',
    'pool-define-as p3 dir --target /tmp/p3; pool-start p3; pool-destroy p3; pool-undefine p3; pool-undefine nosuch; pool-build nosuch',
    'vol-create-as default-pool v2 100M; vol-info v2 --pool default-pool; vol-path v2 --pool default-pool; vol-resize v2 200M --pool default-pool; vol-wipe v2 --pool default-pool; vol-delete v2 --pool default-pool; vol-info nosuch --pool default-pool',
    'vol-list default-pool; vol-list nosuch; vol-create-as default-pool v3 1X; vol-clone nosuch v4 --pool default-pool',
    'snapshot-create-as test s1 --description d; snapshot-create-as test s2; snapshot-list test --tree; snapshot-list test --parent; snapshot-current test --name; snapshot-info test s1; snapshot-parent test s2; snapshot-delete test s1; snapshot-delete test nosuch; snapshot-list test --roots --name',
    'snapshot-current test; snapshot-revert test nosuch; snapshot-info test --current; snapshot-dumpxml test nosuch',
    'nodedev-list; nodedev-list --tree; nodedev-info computer; nodedev-info nosuch; nodedev-destroy nosuch; nodedev-detach nosuch; nodedev-dumpxml nosuch',
    'secret-list --details; secret-define /nonexistent; secret-undefine 00000000-0000-0000-0000-000000000000; secret-get-value 00000000-0000-0000-0000-000000000000; secret-set-value nosuch x',
    'iface-list --all; iface-list --inactive; iface-mac eth1; iface-name nosuch; iface-dumpxml nosuch; iface-start nosuch; iface-destroy eth1; iface-begin; iface-commit; iface-rollback',
    'nwfilter-list; nwfilter-dumpxml nosuch; nwfilter-undefine nosuch; nwfilter-binding-list; nwfilter-binding-dumpxml nosuch x',
    'checkpoint-list test; checkpoint-create-as test c1; checkpoint-list test; checkpoint-info test c1; checkpoint-delete test c1; checkpoint-info test nosuch',
    'nodeinfo; nodememstats; nodememstats --cell 0; nodecpustats --cpu 0; nodesuspend mem 60; node-memory-tune; sysinfo; hostname; uri; maxvcpus; capabilities --xpath //host/uuid',
    'freecell --cellno 0; freecell --cellno 9; freepages --all; allocpages 4K 1 --cellno 0; cpu-models x86_64; domcapabilities --xpath //path',
    'dominfo test; domid test; domuuid test; domname 1; domstate nosuch; domjobinfo test; domblkinfo test vda; domblkinfo test --all; domifstat test vnet0',
    'domblkstat test vda --human; domblkstat test vda; domblkstat test',
    'dommemstat test; domstats test; domstats --raw test; domtime test; domhostname test; domdisplay test; domfsinfo test; domiflist nosuch; domif-getlink test vnet0',
    'setvcpus test 3; vcpucount test; vcpupin test; iothreadinfo test; iothreadadd test 3; iothreadinfo test; emulatorpin test 0; blkiotune test; numatune test; memtune test --hard-limit 1G; memtune test',
    'dumpxml nosuch; define /nonexistent; undefine test; managedsave test; managedsave-remove test; save test /nonexistent/x; restore /nonexistent',
    "desc test; desc test --title; desc test --title Hi; desc test --title; metadata test http://x/ --key x --set '<a/>'; metadata test http://x/",
    'domrename test t2; autostart nosuch; autostart --disable test; dominfo test; event --list; event --bogus; net-event --list; pool-event --event nosuch; event --event lifecycle --timeout 0; blockjob test vda --wait --timeout 0',
    'setmem test 1G --config; setmaxmem test 2G; dommemstat test --period 2; domblkthreshold test vda 100; domblkerror nosuch',
    'version --daemon; connect; echo a; cd /nonexistent; pwd; quit',
    'domjobinfo test --completed; domjobabort test; domblkinfo test vda --human; vcpuinfo test; vcpupin test 0 0; vcpupin test 9 0; setvcpu test 1 --disable; guestvcpus test',
    'domif-setlink test vnet0 down; domif-getlink test vnet0; domiftune test vnet0; domiftune test vnet0 --inbound 10; blkdeviotune test vda; domblkstat test nosuch',
    'net-dhcp-leases default --mac aa; net-port-create default /nonexistent; net-port-delete default 00000000-0000-0000-0000-000000000000; net-port-dumpxml default nosuch',
    'pool-capabilities --xpath //pool; pool-sources-discover dir; pool-sources-discover-as logical; find-storage-pool-sources-as bogus; vol-key v --pool default-pool; vol-name nosuch; vol-pool nosuch',
    'vol-create-as default-pool v9 1M --allocation 2Z; vol-upload nosuch /nonexistent --pool default-pool; vol-dumpxml nosuch --pool default-pool',
    'snapshot-create-as test --disk-only --diskspec vda,snapshot=external,stype=bogus; snapshot-create-as test --name s5 --print-xml; snapshot-edit test nosuch; snapshot-list nosuch',
    'checkpoint-create-as test c2 --diskspec bogus; checkpoint-dumpxml test nosuch; checkpoint-parent test nosuch; checkpoint-list test --tree; checkpoint-delete test nosuch',
    'secret-dumpxml nosuch; secret-event --list; secret-list --ephemeral; secret-define /nonexistent; nwfilter-define /nonexistent; nwfilter-binding-create /nonexistent; nwfilter-binding-delete nosuch',
    'iface-define /nonexistent; iface-undefine nosuch; iface-bridge eth1 br0 --no-start; iface-unbridge nosuch; iface-edit nosuch',
    'cpu-baseline /nonexistent; cpu-compare /nonexistent; hypervisor-cpu-compare /nonexistent; hypervisor-cpu-models; hypervisor-cpu-baseline /nonexistent',
    'node-memory-tune --shm-pages-to-scan 10; nodesevinfo; nodecpumap --pretty; nodememstats --cell 9; nodecpustats --cpu 99; freepages --cellno 9 --pagesize 4',
    'domstats --state --list-active; domstats --vcpu test; domstats --balloon test; domstats --block test; domstats --interface test; domstats nosuch',
    'dompmsuspend test mem; dompmwakeup test; inject-nmi test; send-key test KEY_A; send-key test KEY_BOGUS; send-process-signal test 1 kill',
    'attach-disk test /tmp/a vdb; detach-disk test vdz; attach-interface test network default; detach-interface test network --mac 00:11:22:33:44:55; change-media test hdc --eject; update-device test /nonexistent',
    'setmem test 10; setmem test 12QB; setmaxmem test 12QB; setvcpus test 99; setvcpus test 0; migrate test qemu:///x; migrate-setmaxdowntime test 10; migrate-getspeed test',
    'domrename test test; blockcommit test vda; blockcopy test vda /tmp/x; blockjob test vda; blockpull test vda; blockresize test vda 1G; domblkthreshold test vdz 1',
    'list --all --name; list --uuid; list --inactive; list --state-running --title; list --all --table --with-snapshot; list --persistent --autostart',
    'net-list --all --name; net-list --uuid; net-list --table --persistent; pool-list --type dir; pool-list --all --details --type bogus; vol-list default-pool --details --pool bogus',
    'nodeinfo; capabilities --xpath //bogus; domcapabilities --virttype bogus; sysinfo; node-memory-tune; nodememstats --cell 1; freecell --all',
    'snapshot-create-as test s1; snapshot-create-as test s2 --halt; domstate test --reason; snapshot-revert test s1; domstate test --reason; snapshot-list test --details; snapshot-list test --leaves',
    'managedsave test; dominfo test; list --all --managed-save; start test; managedsave-remove test; managedsave-dumpxml test',
    'suspend test; dominfo test; domstate test --reason; destroy test; dominfo test; list --all; undefine test; list --all',
    'setmem test 500000 --live; dommemstat test; setmaxmem test 1000000 --config; dominfo test; memtune test --hard-limit 100 --config; memtune test --config',
    'vcpupin test --vcpu x; migrate-setspeed test -1; snapshot-list test --from x --tree; net-update default bogus ip-dhcp-host x',
    'pool-create-as p dir; send-key test 999999; domif-setlink test vnet0 sideways; connect bogus://; uri',
    'schedinfo test --set cap=1; setvcpus test 2 --live --config --current; attach-device test /nonexistent; vncdisplay test; domxml-to-native x /nonexistent',
    'iothreadpin test 1 0; iothreaddel test 9; iothreadset test 1 --poll-max-ns 10; domjobabort nosuch; domtime test --now --sync',
    "net-dumpxml default --inactive --xpath //bogus; net-dumpxml default --xpath //name --wrap; dumpxml test --xpath //name; dumpxml test --xpath 'bad['",
]

# dominfo's CPU time comes from the clock on the test driver, as does a snapshot's creation time.
_CPU_TIME = re.compile(r"[0-9]+[.,][0-9]s$", re.M)
_CREATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}")
# The test driver's block counters run on with the clock.
_COUNTERS = re.compile(r"\b[0-9]{12,}$", re.M)


def _masked(res: Result) -> Result:
    return Result(_CREATED.sub("T", _CPU_TIME.sub("Xs", res.out)), res.err, res.rc)


def compare(line: str, env: dict[str, str]) -> tuple[Result, Result]:
    got = vsh("-c", URI, line, env=env)
    return _masked(virsh("-c", URI, line, env=env)), _masked(Result(virsh_view(got.out), got.err, got.rc))


@pytest.fixture(params=LOCALES)
def lang(request: pytest.FixtureRequest) -> str:
    if not locale_available(request.param):
        pytest.skip(f"locale {request.param} is not generated (run ./dev as root)")
    return str(request.param)


@pytest.mark.parametrize("line", LINES)
def test_translated_output_is_virsh(lang: str, line: str) -> None:
    expected, got = compare(line, {"LC_ALL": lang})
    assert got.out == expected.out, f"stdout differs for {line!r} in {lang}"
    assert got.err == expected.err, f"stderr differs for {line!r} in {lang}"
    assert got.rc == expected.rc


@pytest.mark.parametrize("line", STRINGS, ids=[line.split(";")[0] + ";..." for line in STRINGS])
def test_command_strings_of_every_group_are_virsh(lang: str, line: str) -> None:
    expected, got = compare(line, {"LC_ALL": lang})
    assert _COUNTERS.sub("N", got.out) == _COUNTERS.sub("N", expected.out), f"stdout differs for {line!r} in {lang}"
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
    if not locale_available("de_DE.UTF-8"):
        pytest.skip("locale de_DE.UTF-8 is not generated")
    for line in ("dominfo test; pool-info default-pool; list --all", "dominfo nosuch"):
        expected, got = compare(line, {"LC_ALL": "", **env})
        assert (got.out, got.err, got.rc) == (expected.out, expected.err, expected.rc), line


def test_json_never_translates() -> None:
    if not locale_available("de_DE.UTF-8"):
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
    if not locale_available("de_DE.UTF-8"):
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
    if not locale_available("uk_UA.UTF-8"):
        pytest.skip("locale uk_UA.UTF-8 is not generated")
    import subprocess
    import sys

    from util import clean_env

    res = subprocess.run([sys.executable, "-c", _EVENT_PROBE], capture_output=True, text=True, encoding="utf-8",
                         env=clean_env({"LC_ALL": "uk_UA.UTF-8"}), timeout=60)
    assert res.stderr == "" and res.returncode == 0
    assert res.stdout == _EVENT_LINES_UK
