"""A differential sweep: argument patterns derived from every declaration, run through virsh and vsh.

For each registered command (hidden ones and those that need a terminal or a real
hypervisor left out) the patterns come from its options: no arguments, `--help` and
`help CMD`, an unknown option, each valued option left without its value, each option
given twice, `--flag=value`, the required objects named `nosuch`, bad numbers and
empty strings, every optional option alone and beside each other one (virsh's exclusive
and requiring options), and `complete` for every option's value.  Grammar errors reject a
whole command string, so each of those runs alone; the run-time patterns of one command share one command string, separated by
`echo --err` markers.  Every run happens in a fresh empty folder (files named in the
patterns are relative), and all the runs the selected tests need are started together
on a thread pool, so the sweep takes seconds rather than minutes.  Each command's help and its
first grammar errors also run through vsh's Click tree (`VSH_TREE=1`, the path of the REPL and
of user commands), which must give the very bytes of the direct entry; both end in the same
session code, so the run-time patterns need no second run.

The JSON part runs the read-only data commands under `--json` (vsh only) and parses
what they print.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from util import OWN_GROUPS, VSH, Result, json_documents, need_virsh, run, virsh, virsh_view

from vsh import registry
from vsh.spec import ALIAS, ARGV, BOOL, DATA, INT, STRING, CommandSpec, Opt

URI = "test:///default"
ROOT = str(Path(__file__).resolve().parents[2])

# Need a terminal, an editor or a real hypervisor: covered by their own tests.
SKIP = {"console", "edit", "net-edit", "pool-edit", "managedsave-edit", "save-image-edit", "complete"}
EVENTS = {"event", "net-event", "pool-event", "nodedev-event", "secret-event"}

# A volume to point volume commands at (test:///default has none).
SETUP_VOLUME = "vol-create-as default-pool vol1 1M"
VOLUME_PATH = "/default-pool/vol1"

# Values that make a command get past its lookups on test:///default.
GOOD = {
    "domain": "test", "network": "default", "pool": "default-pool", "vol": VOLUME_PATH,
    "inputpool": "default-pool", "name": "p1", "file": "nosuch", "newname": "vol2", "capacity": "1M", "string": "hello",
}
# Some options need a concrete value for the command to get anywhere.
GOOD_BY_COMMAND = {
    ("pool-create-as", "type"): "dir", ("pool-define-as", "type"): "dir",
    ("screenshot", "file"): "shot.png",  # else the file name has the time in it
    ("find-storage-pool-sources", "type"): "logical", ("find-storage-pool-sources-as", "type"): "logical",
    # Without a name, a snapshot or checkpoint is named after the clock's seconds, and virsh's and
    # vsh's runs would differ whenever they straddle a second.
    ("snapshot-create-as", "name"): "s1", ("checkpoint-create-as", "name"): "c1",
}
# Event commands wait for an event; these options make them return.
EVENT_BASE = {"event": "lifecycle", "timeout": "1"}

OBJECTS = ("domain", "network", "pool", "vol")
# Commands whose plain successful run prints something that changes from run to run.
NO_PLAIN_RUN = {
    "dominfo": "the test driver's CPU time comes from the clock",
    "snapshot-create": "a snapshot made without XML is named after the clock",
    "checkpoint-create": "a checkpoint made without XML is named after the clock",
}

BAD_NUMBERS = ("abc", "-1", "99999999999999999999")
SMALL_NUMBERS = ("0", "+2", "1k")

# (command, grammar case) -> why the case is left out.
EXCLUDE: dict[tuple[str, str], str] = {}

# Commands whose stdout is not compared, only stderr and exit status.
STDERR_ONLY = {
    # `help` with no command lists every command, and vsh implements only some of virsh's.
    "help": "the full listing names commands vsh does not have yet",
}


def _specs() -> list[CommandSpec]:
    """virsh's commands as virsh declares them: vsh's own commands and options (`--wait` of
    shutdown, ...) are left out, as virsh has nothing to compare them with."""
    return [_virsh_spec(s) for s in registry.all_specs()
            if not s.hidden and s.name not in SKIP and s.group not in OWN_GROUPS]


def _virsh_spec(spec: CommandSpec) -> CommandSpec:
    if not any(o.own for o in spec.opts):
        return spec
    own = {o.name for o in spec.opts if o.own}
    return CommandSpec(spec.name, spec.group, spec.help, spec.desc, [o for o in spec.opts if not o.own],
                       spec.func, spec.connect, spec.exclusive,
                       [r for r in spec.requires if not own & set(r)], spec.json, spec.hidden)


def _good(spec: CommandSpec, opt: Opt) -> str:
    return GOOD_BY_COMMAND.get((spec.name, opt.name), GOOD.get(opt.name, "nosuch"))


def _base(spec: CommandSpec) -> dict[str, str]:
    """Named values for the required options (plus what event commands need to return)."""
    base = {o.name: _good(spec, o) for o in spec.opts if o.required or (spec.name, o.name) in GOOD_BY_COMMAND}
    if spec.name in EVENTS:
        base.update(EVENT_BASE)
        if spec.name == "event":
            base.setdefault("domain", "test")
    return base


def _words(base: dict[str, str], /, **extra: str | None) -> list[str]:
    """`--name value` words; an extra value of None drops the option."""
    merged = dict(base)
    for key, value in extra.items():
        key = key.replace("_", "-")
        merged.pop(key, None)
        if value is not None:
            merged[key] = value
    words: list[str] = []
    for key, value in merged.items():
        words += [f"--{key}", value]
    return words


def _line(name: str, words: list[str]) -> str:
    return " ".join([name, *(shlex.quote(w) for w in words)])


def _number(opt: Opt) -> bool:
    return opt.type == INT or opt.conv is not None


def _stringish(opt: Opt) -> bool:
    return opt.type in (STRING, DATA) and not _number(opt)


def _target(spec: CommandSpec, opt: Opt) -> Opt:
    if opt.type == ALIAS:
        target = spec.option(opt.target.partition("=")[0])
        assert target is not None
        return target
    return opt


def grammar_cases(spec: CommandSpec) -> list[str]:
    """Command strings that virsh rejects (or may reject) while parsing; each runs alone."""
    name, base = spec.name, _base(spec)
    cases = [name, f"{name} --xyzzy", _line(name, _words(base) + ["--xyzzy"])]
    for opt in spec.opts:
        target = _target(spec, opt)
        if opt.type == ALIAS:
            # The alias and the option it stands for are one option.
            cases.append(_line(name, _words(base) + [f"--{opt.name}", f"--{target.name}"]))
        if opt.type == ALIAS and "=" in opt.target:
            cases.append(_line(name, _words(base) + [f"--{opt.name}"]))
            cases.append(_line(name, _words(base) + [f"--{opt.name}=x"]))
        elif target.type == BOOL:
            cases.append(_line(name, _words(base) + [f"--{opt.name}=x"]))
            cases.append(_line(name, _words(base) + [f"--{opt.name}", f"--{opt.name}"]))
        elif target.type != ARGV:
            rest = _words(base, **{opt.param: None})
            cases.append(_line(name, rest + [f"--{opt.name}"]))
            value = base.get(opt.name) or ("1" if _number(target) else "x")
            cases.append(_line(name, rest + [f"--{opt.name}", value, f"--{opt.name}", value]))
            cases.append(_line(name, rest + [f"--{opt.name}={value}", f"--{opt.name}", value]))
    # No abbreviations, `--` ends options, a single dash is data, a slot filled twice.
    first = next((o for o in spec.opts if o.type != ALIAS and len(o.name) > 2), None)
    if first is not None:
        cases.append(_line(name, _words(base, **{first.param: None}) + [f"--{first.name[:-1]}", "x"]))
    cases += [f"{name} -- --xyzzy", f"{name} -x"]
    if slots := [o for o in spec.opts if o.positional and o.required]:
        opt = slots[0]
        cases.append(_line(name, [_good(spec, opt)] + _words(base, **{opt.param: None})
                           + [f"--{opt.name}", _good(spec, opt)]))
    # Positional words: the required ones, then one word for every other slot and one too many.
    slots = [o for o in spec.opts if o.positional]
    if slots and slots[-1].type != ARGV:
        words = [_good(spec, o) if o.required else ("1" if _number(o) else "x") for o in slots]
        cases.append(_line(name, words + ["extra"]))
    return [c for c in dict.fromkeys(cases) if (name, c) not in EXCLUDE]


def value_line(spec: CommandSpec) -> str:
    """One command string with the run-time patterns: nosuch objects, bad numbers, empty strings."""
    name, base = spec.name, _base(spec)
    parts: list[str] = []
    if any(o.name == "vol" for o in spec.opts):
        parts.append(SETUP_VOLUME)

    def add(words: list[str]) -> None:
        line = _line(name, words)
        parts.append(_line("echo", ["--err", f"### {line}"]))
        parts.append(line)

    required = [o for o in spec.opts if o.required]
    if required:
        words: list[str] = []
        for opt in required:
            value = "nosuch" if not _number(opt) else "1"
            if opt.named_only:
                words.append(f"--{opt.name}")
            words.append(value)
        extra = {k: v for k, v in base.items() if spec.option(k) is not None and not spec.option(k).required}
        add(words + _words(extra))
    # The same bad values beside an object that does not exist: which does virsh report first?
    missing = {k: ("nosuch" if k in OBJECTS else v) for k, v in base.items()}
    for opt in spec.opts:
        if opt.type in (BOOL, ALIAS, ARGV):
            continue
        for values in ((base, missing) if missing != base and opt.name not in OBJECTS else (base,)):
            if _number(opt):
                for bad in BAD_NUMBERS + (SMALL_NUMBERS if values is base else ()):
                    add(_words(values, **{opt.param: bad}))
            if _stringish(opt):
                add(_words(values, **{opt.param: ""}))
                if values is base and opt.name not in base and not opt.required:
                    add(_words(values, **{opt.param: "nosuch"}))
    # Every positional slot filled, in declaration order.
    slots = [o for o in spec.opts if o.positional and o.type != ARGV]
    if len(slots) > len(required):
        add([_good(spec, o) if o.required else ("1" if _number(o) else "x") for o in slots])
    if spec.name not in NO_PLAIN_RUN:
        add(_words(base))
    return "; ".join(parts)


# Where vsh's `complete` deliberately offers more than virsh's (README: completion), or stays
# quiet where virsh prints the error of a listing the test driver cannot do.
COMPLETE_DIFFERS = {
    ("connect", "name"): "vsh offers a few URIs",
    ("domxml-from-native", "format"): "vsh offers qemu-argv", ("domxml-to-native", "format"): "vsh offers qemu-argv",
    ("find-storage-pool-sources", "type"): "vsh offers the pool types",
    ("find-storage-pool-sources-as", "type"): "vsh offers the pool types",
}
COMPLETE_QUIET = ("secret", "nwfilter", "net-port", "net-dhcp-leases", "guestvcpus", "hypervisor-cpu-baseline")


def completion_lines(spec: CommandSpec) -> list[str]:
    """`complete` for the value of each valued option, after the command's required values (run
    in an empty folder, so file names offer nothing, as virsh's)."""
    base = _base(spec)
    lines = []
    for opt in spec.opts:
        if opt.type in (BOOL, ALIAS, ARGV) or (spec.name, opt.name) in COMPLETE_DIFFERS:
            continue
        words = _words({k: v for k, v in base.items() if k != opt.name})
        lines.append(_line("complete", ["--", spec.name, *words, f"--{opt.name}", ""]))
    return lines


def option_pairs_lines(spec: CommandSpec) -> list[str]:
    """Command strings with each optional option alone and each pair of them (a value where
    one is needed), beside objects that do not exist: virsh's exclusive and requiring options
    (and whether they are checked before the lookup) show, and nothing is changed or waited
    for.  Each string stays well under the kernel's limit on one argument (128 KiB)."""
    base = _base(spec)
    missing = {k: ("nosuch" if k in OBJECTS else v) for k, v in base.items()}
    words: list[list[str]] = []
    for opt in spec.opts:
        if opt.required or opt.type in (ALIAS, ARGV) or opt.name in base:
            continue
        if opt.type == BOOL:
            words.append([f"--{opt.name}"])
        else:
            words.append([f"--{opt.name}", "1" if _number(opt) else _good(spec, opt)])
    lines: list[str] = []
    parts: list[str] = []
    size = 0
    for i, first in enumerate(words):
        for pair in (first, *(first + other for other in words[i + 1:])):
            line = _line(spec.name, _words(missing) + pair)
            parts += [_line("echo", ["--err", f"### {line}"]), line]
            size += 2 * len(line) + 20
            if size > 32768:
                lines.append("; ".join(parts))
                parts, size = [], 0
    return lines + (["; ".join(parts)] if parts else [])


def help_line(spec: CommandSpec) -> str:
    return f"{spec.name} --help; help {spec.name}"


# Read-only commands that report data, with arguments for test:///default objects.
JSON_RUNS = [
    "capabilities", "hostname", "nodeinfo", "uri", "version", "pool-capabilities", "pwd",
    "list", "list --all", "list --name", "list --table --all",
    "dominfo test", "domid test", "domname 1", "domuuid test", "domstate test", "domstate test --reason",
    "dumpxml test", "dumpxml test --xpath //name", "cpu-stats test", "cpu-stats test --total",
    "domblklist test", "domblklist test --details", "domiflist test", "domblkinfo test --all",
    "domblkstat test", "dommemstat test", "domjobinfo test", "domstats", "domstats --raw test",
    "domdisplay test", "vncdisplay test", "ttyconsole test",
    "net-list", "net-list --all --uuid", "net-list --name", "net-info default", "net-uuid default",
    "net-name {net_uuid}", "net-dumpxml default", "net-dhcp-leases default", "net-port-list default",
    "pool-list", "pool-list --all --details", "pool-list --name", "pool-info default-pool",
    "pool-info default-pool --bytes", "pool-uuid default-pool", "pool-name {pool_uuid}",
    "pool-dumpxml default-pool", "find-storage-pool-sources logical",
    f"{SETUP_VOLUME}; vol-list default-pool", f"{SETUP_VOLUME}; vol-list default-pool --details",
    f"{SETUP_VOLUME}; vol-info {VOLUME_PATH}", f"{SETUP_VOLUME}; vol-info {VOLUME_PATH} --bytes",
    f"{SETUP_VOLUME}; vol-key {VOLUME_PATH}", f"{SETUP_VOLUME}; vol-path vol1 --pool default-pool",
    f"{SETUP_VOLUME}; vol-name {VOLUME_PATH}", f"{SETUP_VOLUME}; vol-pool {VOLUME_PATH}",
    f"{SETUP_VOLUME}; vol-pool {VOLUME_PATH} --uuid", f"{SETUP_VOLUME}; vol-dumpxml {VOLUME_PATH}",
    "event --list", "net-event --list", "pool-event --list",
]


# Running ------------------------------------------------------------------------------------------

_RESULTS: dict[tuple[str, str], Result] = {}


def _run_in(prog: str, line: str, cwd: str) -> Result:
    args = ["--json", "-c", URI, line] if prog == "json" else ["-c", URI, line]
    env = {"PYTHONPATH": ROOT, **({"VSH_TREE": "1"} if prog == "tree" else {})}
    try:
        if prog == "virsh":
            return virsh(*args, cwd=cwd, env=env)
        return run(VSH, args, cwd=cwd, timeout=20, env=env)
    except subprocess.TimeoutExpired:
        return Result("", "TIMEOUT", -1)


@functools.cache
def tree_lines() -> frozenset[str]:
    """The lines that also run through the Click tree: each command's help, and it alone and
    with an unknown option.  The tree parses with the very grammar walk the direct entry uses
    and runs the very session code, so more patterns would only repeat these."""
    lines: set[str] = set()
    for spec in _specs():
        lines.update((help_line(spec), *grammar_cases(spec)[:2]))
    return frozenset(lines)


def _run_pair(line: str) -> tuple[Result, Result, Result | None]:
    """virsh, then vsh, then for `tree_lines` vsh through its Click tree (VSH_TREE=1, the
    REPL's entry), each in the same empty folder (paths in messages then agree)."""
    with tempfile.TemporaryDirectory(prefix="vsh-sweep-") as cwd:
        for _attempt in range(3):
            want = _run_in("virsh", line, cwd)
            shutil.rmtree(cwd)
            os.mkdir(cwd)
            # virsh 9.0 sometimes hangs in save, managedsave and dump on test:///default when the
            # machine is busy (its job-watching loop misses the end of the job): run it again.
            if want.err != "TIMEOUT":
                break
        got = _run_in("vsh", line, cwd)
        if line not in tree_lines():
            return want, got, None
        shutil.rmtree(cwd)
        os.mkdir(cwd)
        return want, got, _run_in("tree", line, cwd)


def _run_job(job: tuple[str, str]) -> Any:
    prog, line = job
    if prog == "json":
        with tempfile.TemporaryDirectory(prefix="vsh-sweep-") as cwd:
            return _run_in("json", line, cwd)
    return _run_pair(line)


def _wanted(items: list[Any]) -> set[tuple[str, str]]:
    jobs: set[tuple[str, str]] = set()
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or item.module.__name__ != __name__:
            continue
        params = callspec.params
        if "json_line" in params:
            jobs.add(("json", params["json_line"]))
            continue
        lines = params.get("lines") or []
        for line in lines:
            jobs.add(("pair", line))
    return jobs


@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> dict[tuple[str, str], Result]:
    """Every run the selected sweep tests need, started together."""
    need_virsh()
    jobs = sorted(_wanted(request.session.items) - set(_RESULTS))
    with ThreadPoolExecutor(max_workers=6) as pool:
        for job, res in zip(jobs, pool.map(_run_job, jobs)):
            _RESULTS[job] = res
    return _RESULTS


def _get(results: dict[tuple[str, str], Any], prog: str, line: str) -> Any:
    if (prog, line) not in results:
        results[(prog, line)] = _run_job((prog, line))
    return results[(prog, line)]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _without_uuids(res: Result) -> Result:
    return Result(_UUID.sub("UUID", res.out), _UUID.sub("UUID", res.err), res.rc)


def _diff(results: dict[tuple[str, str], Any], line: str, partial: bool = False, uuids: bool = True) -> str:
    """The differences of virsh's and vsh's runs of `line`; `uuids=False`: UUIDs (of objects
    defined with a random one) are not compared."""
    want, got, tree = _get(results, "pair", line)
    got = got._replace(out=virsh_view(got.out))
    tree = tree._replace(out=virsh_view(tree.out)) if tree is not None else None
    if not uuids:
        want, got = _without_uuids(want), _without_uuids(got)
    if tree is not None and tree != got:
        return f"--- {line}\nthe Click tree's entry (VSH_TREE=1) differs from the direct one:\n{tree!r}\n{got!r}"
    names = [p.split()[0] for p in line.split("; ")]
    name = next((n for n in names if n not in ("echo", "vol-create-as")), names[0])
    if partial and name in STDERR_ONLY:
        want, got = want._replace(out=""), got._replace(out="")
    if want == got:
        return ""
    import difflib

    text = [f"--- {line}"]
    for what, a, b in (("stdout", want.out, got.out), ("stderr", want.err, got.err)):
        if a != b:
            text.append(f"{what}:")
            text += list(difflib.unified_diff(a.splitlines(), b.splitlines(), "virsh", "vsh", lineterm="", n=1))
    if want.rc != got.rc:
        text.append(f"exit status: virsh {want.rc}, vsh {got.rc}")
    return "\n".join(text)


def _params(make: Any) -> list[Any]:
    return [pytest.param(make(spec), id=spec.name) for spec in _specs()]


# Tests --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lines", _params(lambda s: [help_line(s)]))
def test_help(results: dict[tuple[str, str], Result], lines: list[str]) -> None:
    """`CMD --help` and `help CMD` print exactly virsh's text."""
    problems = [d for d in (_diff(results, line) for line in lines) if d]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lines", _params(grammar_cases))
def test_grammar(results: dict[tuple[str, str], Result], lines: list[str]) -> None:
    """Words virsh's parser rejects (or accepts) are rejected (or accepted) alike, each in its own run."""
    problems = [d for d in (_diff(results, line, partial=True) for line in lines) if d]
    assert not problems, f"{len(problems)} of {len(lines)} runs differ\n\n" + "\n\n".join(problems)


@pytest.mark.parametrize("lines", _params(lambda s: [value_line(s)]))
def test_values(results: dict[tuple[str, str], Result], lines: list[str]) -> None:
    """Objects that do not exist, bad numbers and empty strings fail with virsh's words."""
    problems = [d for d in (_diff(results, line, partial=True) for line in lines) if d]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lines", [pytest.param(lines, id=spec.name) for spec in _specs()
                                   if (lines := option_pairs_lines(spec))])
def test_option_pairs(results: dict[tuple[str, str], Result], lines: list[str]) -> None:
    """Every optional option alone and every pair of them: virsh's exclusive and requiring
    options, in its words and order.  Commands that need no object (pool-define-as) define
    one with a random UUID, so UUIDs are not compared."""
    problems = [d for d in (_diff(results, line, partial=True, uuids=False) for line in lines) if d]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("lines", [pytest.param(lines, id=spec.name) for spec in _specs()
                                   if (lines := completion_lines(spec)) and not spec.name.startswith(COMPLETE_QUIET)])
def test_value_completion(results: dict[tuple[str, str], Result], lines: list[str]) -> None:
    """`complete` offers virsh's candidates for the value of every option: its fixed words, its
    object names (compared as sets: libvirt lists objects in hash order), comma lists."""
    problems = []
    for line in lines:
        want, got, _tree = _get(results, "pair", line)
        got = got._replace(out=virsh_view(got.out))
        if sorted(want.out.splitlines()) != sorted(got.out.splitlines()) or (want.err, want.rc) != (got.err, got.rc):
            problems.append(f"--- {line}\nvirsh: {want!r}\nvsh:   {got!r}")
    assert not problems, "\n\n".join(problems)


def _json_params() -> list[Any]:
    return [pytest.param(line, id=line.split("; ")[-1]) for line in JSON_RUNS]


def _uuids() -> dict[str, str]:
    net = run(VSH, ["-q", "-c", URI, "net-uuid default"]).out.strip()
    pool = run(VSH, ["-q", "-c", URI, "pool-uuid default-pool"]).out.strip()
    return {"net_uuid": net, "pool_uuid": pool}


@pytest.mark.parametrize("json_line", _json_params())
def test_json(results: dict[tuple[str, str], Result], json_line: str) -> None:
    """Under --json a data command prints one JSON document; a failure prints JSON errors on stderr."""
    line = json_line
    if "{" in line:
        line = line.format(**_uuids())
    res = _get(results, "json", line)
    for err_line in res.err.splitlines():
        json.loads(err_line)
    if res.rc == 0:
        docs = json_documents(res.out)
        assert len(docs) == 1, f"{line}: {len(docs)} JSON documents in {res.out!r}"
    else:
        assert res.out.strip() == "" or json_documents(res.out), res
        assert res.err, f"{line}: failed without an error"
