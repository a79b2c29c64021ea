"""Every data command's --json output validates against the JSON Schema it declares.

Each run is a command string on a fresh test:///default: setup commands, which print
nothing under --json, then the command whose one document is validated.  A static check
finds commands that print data without declaring a schema.  Tabular commands also run under --csv: the header is the schema's keys.
The commands the test driver cannot serve run against a private libvirtd (`full_uri`).
"""
from __future__ import annotations

import csv
import inspect
import io
import json
import re
from typing import Any

import jsonschema
import pytest

from util import VSH, run

from vsh import registry
from vsh.lexer import split_words
from vsh.output import csv_cell
from vsh.schema import document, tabular

URI = "test:///default"
VOL = "vol-create-as default-pool vol1 1M"
SNAP = "snapshot-create-as test s1"

RUNS = [
    # host
    "capabilities", "hostname", "nodeinfo", "uri", "version", "pwd", "sysinfo", "maxvcpus", "nodecpumap",
    "nodecpustats", "nodecpustats --cpu 0", "nodecpustats --percent", "freecell", "freecell --all", "freecell 0",
    "freepages --all", "freepages 0 4", "cpu-models x86_64",
    "schema list", "schema", "config",
    # domains
    "list", "list --all", "list --name", "list --uuid --id", "list --title",
    "wait test --state running --timeout 5", "dominfo test", "domid test", "domname 1", "domuuid test", "domstate test", "domstate test --reason",
    "dumpxml test", "dumpxml test --xpath //name", "domstats", "domstats --raw test", "domstats --state --vcpu test",
    "dommemstat test", "domblklist test", "domblklist test --details", "domblkinfo test vda", "domblkinfo test --all",
    "domblkstat test vda", "domblkstat test vda --human", "domblkerror test", "domiflist test", "domifaddr test",
    "domifaddr test --full", "domif-getlink test testnet0", "domiftune test testnet0", "domifstat test testnet0", "domtime test", "domtime test --pretty", "domcontrol test",
    "cpu-stats test", "cpu-stats test --total", "cpu-stats test --start 1 --count 1", "vcpuinfo test",
    "vcpuinfo test --pretty", "vcpucount test", "vcpucount test --maximum --live", "vcpupin test", "vcpupin test 0",
    "emulatorpin test", "iothreadinfo test", "memtune test", "blkiotune test", "numatune test", "schedinfo test",
    "blkdeviotune test vda", "perf test", "perf test --enable cmt", "domhostname test", "domfsinfo test", "desc test", "desc test --title",
    "metadata test http://example.org/ns --key ex --set '<a/>'; metadata test http://example.org/ns",
    # snapshots and checkpoints
    f"{SNAP}; snapshot-list test", f"{SNAP}; snapshot-list test --tree", f"{SNAP}; snapshot-list test --name",
    f"{SNAP}; snapshot-list test --parent", f"{SNAP}; snapshot-info test s1", f"{SNAP}; snapshot-current test",
    f"{SNAP}; snapshot-current test --name", f"{SNAP}; snapshot-dumpxml test s1",
    f"{SNAP}; snapshot-create-as test s2; snapshot-parent test s2",
    "checkpoint-list test",
    # networks
    "net-list", "net-list --all", "net-list --all --uuid", "net-list --name", "net-list --table", "net-info default",
    "net-uuid default", "net-name dd8fe884-6c02-601e-7551-cca97df1c5df", "net-dumpxml default",
    # pools and volumes
    "pool-list", "pool-list --all", "pool-list --details", "pool-list --name", "pool-list --uuid", "pool-info default-pool",
    "pool-info default-pool --bytes", "pool-uuid default-pool", "pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566",
    "pool-dumpxml default-pool", "find-storage-pool-sources logical", "pool-define-as p1 dir --target /x --print-xml",
    f"{VOL}; vol-list default-pool", f"{VOL}; vol-list default-pool --details", f"{VOL}; vol-info vol1 default-pool",
    f"{VOL}; vol-info vol1 default-pool --bytes", f"{VOL}; vol-key vol1 default-pool",
    f"{VOL}; vol-path vol1 default-pool", f"{VOL}; vol-name /default-pool/vol1", f"{VOL}; vol-pool /default-pool/vol1",
    f"{VOL}; vol-pool /default-pool/vol1 --uuid", f"{VOL}; vol-dumpxml vol1 default-pool",
    "vol-create-as default-pool vol2 1M --print-xml",
    # interfaces
    "iface-list", "iface-list --all", "iface-mac eth1", "iface-name aa:bb:cc:dd:ee:ff", "iface-dumpxml eth1",
    # --print-xml forms
    "attach-disk test /x vdb --print-xml", "attach-interface test network default --print-xml",
    "detach-disk test vda --print-xml", "detach-interface test network --print-xml",
    "domif-setlink test testnet0 down --print-xml", "pool-create-as p2 dir --target /y --print-xml",
    f"{VOL}; vol-clone vol1 vol3 default-pool --print-xml",
    # events' listings
    "event --list", "net-event --list", "pool-event --list", "nodedev-event --list", "secret-event --list",
]

# Commands the test driver lacks (secrets, filters, node devices): a private libvirtd serves them.
DAEMON_RUNS = [
    "secret-list", "nwfilter-list", "nwfilter-binding-list", "nodedev-list", "nodedev-list --tree",
    "nodedev-dumpxml computer", "nodedev-info computer", "net-list --all", "nodememstats", "nodeinfo", "node-memory-tune",
    "domcapabilities", "pool-capabilities",
]

# Data commands these runs do not reach, with where their output is checked instead.
ELSEWHERE = {
    "domjobinfo": "needs a running job (QEMU tier)",
    "guestinfo": "validated in tests/qemu/test_guest_agent.py",
    "guestvcpus": "validated in tests/qemu/test_guest_agent.py",
    "get-user-sshkeys": "needs a guest agent (QEMU tier)",
    "domfsfreeze": "needs a guest agent (QEMU tier)",
    "domfsthaw": "needs a guest agent (QEMU tier)",
    "domlaunchsecinfo": "needs a SEV guest",
    "nodesevinfo": "needs a SEV host",
    "qemu-agent-command": "needs a guest agent (QEMU tier)",
    "qemu-monitor-command": "QEMU tier",
    "qemu-attach": "QEMU tier",
    "migrate-getspeed": "QEMU tier", "migrate-getmaxdowntime": "QEMU tier", "migrate-compcache": "QEMU tier",
    "screenshot": "QEMU tier",
    "ttyconsole": "needs a serial console (QEMU tier)", "domdisplay": "tests/qemu/test_display.py",
    "vncdisplay": "tests/qemu/test_display.py", "domxml-to-native": "needs the QEMU driver",
    "blockjob": "tests/qemu/test_blockjobs.py", "blockcopy": "QEMU tier",
    "edit": "tests/driver/test_edit.py", "net-edit": "tests/driver/test_edit_objects.py",
    "pool-edit": "tests/driver/test_edit_objects.py", "iface-edit": "tests/driver/test_edit_objects.py",
    "nwfilter-edit": "tests/driver/test_edit_objects.py", "snapshot-edit": "tests/driver/test_snapshot.py",
    "checkpoint-edit": "tests/driver/test_checkpoint.py", "managedsave-edit": "tests/driver/test_save.py",
    "save-image-edit": "tests/driver/test_save.py",
    "change-media": "needs a CD-ROM drive", "update-memory-device": "needs a memory device",
    "cpu-compare": "tests/driver/test_host_cpu.py", "hypervisor-cpu-compare": "needs the QEMU driver",
    "backup-dumpxml": "QEMU tier",
    "checkpoint-info": "needs a checkpoint (QEMU tier)", "checkpoint-parent": "QEMU tier",
    "checkpoint-dumpxml": "QEMU tier", "checkpoint-create-as": "QEMU tier",
    "net-port-dumpxml": "needs a network port (daemon tier)",
    "net-port-list": "needs a running network (tests/driver/test_network.py)",
    "net-dhcp-leases": "needs a running network (tests/driver/test_network.py)",
    "nwfilter-dumpxml": "tests/driver/test_nwfilter.py",
    "nwfilter-binding-dumpxml": "needs a binding (QEMU tier)",
    "secret-get-value": "tests/driver/test_secret.py", "secret-dumpxml": "tests/driver/test_secret.py",
    "managedsave-dumpxml": "tests/driver/test_save.py", "save-image-dumpxml": "tests/driver/test_save.py",
    "domxml-from-native": "tests/driver/test_domain_misc.py",
    "hypervisor-cpu-baseline": "QEMU tier", "cpu-baseline": "tests/driver/test_host_cpu.py",
    "find-storage-pool-sources-as": "tests/driver/test_pool.py",
}

def _commands(line: str) -> list[str]:
    return [registry.get(words[0]).name for words in split_words(line)]  # type: ignore[union-attr]


def _printing(words: list[str]) -> str | None:
    """The command of these words when it prints a document: it declares a schema, and a
    command with --print-xml prints only with it."""
    spec = registry.get(words[0])
    assert spec is not None
    if spec.schema is None or (spec.option("print-xml") is not None and "--print-xml" not in words):
        return None
    return spec.name


def _check(line: str, out: str, err: str) -> None:
    """The documents printed by `line` match its schema-declaring commands, in order, and validate."""
    # The setup commands before the last one print nothing: they act.
    names = [n for n in [_printing(split_words(line)[-1])] if n is not None]
    docs = [json.loads(text) for text in out.splitlines()]
    assert len(docs) == len(names), f"{line}: documents {out[:300]!r} for commands {names} ({err})"
    for name, doc in zip(names, docs):
        schema = document(registry.get(name).schema, name)  # type: ignore[union-attr]
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def _check_csv(line: str, uri: str, doc: Any) -> None:
    """A table under --csv: the schema's keys as the header, then one line per JSON row."""
    schema = registry.get(_commands(line)[-1]).schema  # type: ignore[union-attr]
    if not tabular(schema):
        return
    res = run(VSH, ["-q", "-c", uri, line + " --csv"])  # -q: the setup commands print nothing
    assert res.rc == 0, res
    table = list(csv.reader(io.StringIO(res.out)))
    keys = list(schema["items"]["properties"])
    assert table[0][:len(keys)] == keys
    assert len(table) - 1 == len(doc)
    for row, fields in zip(doc, table[1:]):
        assert len(fields) == len(table[0])
        # Numbers may move between the two runs (CPU time); the other values are the JSON's.
        steady = [k for k in keys if isinstance(row[k], bool) or not isinstance(row[k], (int, float))]
        assert [fields[keys.index(k)] for k in steady] == [str(csv_cell(row[k])) for k in steady]


def _ids(lines: list[str]) -> list[Any]:
    return [pytest.param(line, id=line.split("; ")[-1]) for line in lines]


@pytest.mark.parametrize("line", _ids(RUNS))
def test_output_validates_against_schema(line: str) -> None:
    res = run(VSH, ["--json", "-c", URI, line])
    assert res.rc == 0, res
    _check(line, res.out, res.err)
    if res.out:
        _check_csv(line, URI, json.loads(res.out.splitlines()[-1]))


@pytest.mark.parametrize("line", _ids(DAEMON_RUNS))
def test_daemon_output_validates_against_schema(full_uri: str, line: str) -> None:
    res = run(VSH, ["--json", "-c", full_uri, line])
    if res.rc != 0 and "not supported" in res.err:
        pytest.skip(f"the daemon does not support {line}")
    assert res.rc == 0, res
    _check(line, res.out, res.err)
    if res.out:
        _check_csv(line, full_uri, json.loads(res.out.splitlines()[-1]))


def test_every_data_command_declares_a_schema_and_is_run() -> None:
    """A command that prints data names its shape, and some run here (or a named tier) checks it."""
    printing = re.compile(r"\b(dump_xml|out\.xml|out\.data|out\.table|out\.kv)\(")
    run_names = {n for line in RUNS + DAEMON_RUNS for n in _commands(line)}
    missing, unrun = [], []
    for spec in registry.all_specs():
        if not spec.json or spec.func is None:
            continue
        if spec.schema is None and printing.search(inspect.getsource(spec.func)):
            missing.append(spec.name)
        if spec.schema is not None and spec.name not in run_names and spec.name not in ELSEWHERE:
            unrun.append(spec.name)
    assert not missing, f"commands printing data without a schema: {missing}"
    assert not unrun, f"commands with a schema that no run checks: {unrun}"


def test_every_job_statistic_libvirt_names_has_a_key_with_its_unit() -> None:
    """domjobinfo (no job runs on the test driver: the QEMU tier checks its output) declares a
    key for every VIR_DOMAIN_JOB_* field of the libvirt binding, so none passes through under
    libvirt's unitless name, and a job's document always has every key."""
    import libvirt

    from vsh.commands.domain.jobs import JOB_KEYS, job_row

    fields = {getattr(libvirt, n) for n in dir(libvirt) if n.startswith("VIR_DOMAIN_JOB_")
              and isinstance(getattr(libvirt, n), str)} - {"operation"}
    assert fields and fields <= set(JOB_KEYS)
    schema = document(registry.get("domjobinfo").schema, "domjobinfo")  # type: ignore[union-attr]
    empty = job_row(0, {})
    jsonschema.validate(empty, schema, cls=jsonschema.Draft202012Validator)
    assert list(empty) == list(schema["properties"])
    sizes = [JOB_KEYS[f] for f in fields if f.startswith(("data_", "memory_", "disk_"))
             and f.endswith(("_total", "_processed", "_remaining"))]
    times = [JOB_KEYS[f] for f in fields if "time" in f]
    assert sizes and all(key.endswith("_bytes") for key in sizes)
    assert times and all(key.endswith("_ms") for key in times)


def test_schemas_are_valid_json_schemas() -> None:
    for spec in registry.all_specs():
        if spec.schema is not None:
            jsonschema.Draft202012Validator.check_schema(document(spec.schema, spec.name))


def test_event_stream_lines_validate_against_the_event_schema() -> None:
    """Waiting prints JSON Lines: the event objects (vsh.eventwatch.json_line) and the closing line."""
    from vsh.eventwatch import json_line

    schema = document(registry.get("event").schema, "event")  # type: ignore[union-attr]
    res = run(VSH, ["--json", "-c", URI, "event --all --timeout 1"])
    end = json.loads(res.out.splitlines()[0])
    assert end == {"end": "timeout", "received": 0}
    event = json_line({"event": "lifecycle", "domain": "test", "type": "Stopped", "detail": "Shutdown"})
    for doc in (end, event):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"events": [], "end": "done", "received": 0}, schema, cls=jsonschema.Draft202012Validator)
