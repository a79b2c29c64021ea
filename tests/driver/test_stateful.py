"""Stateful command strings, generated from seeds, through virsh and vsh, compared command by command.

Each script changes the test host and reads it back (tests/support/scripts.py).  A difference is
shrunk to a minimal script and reported with a line to reproduce it.  CI runs
VSH_SCRIPTS scripts (300 by default) from seed VSH_SCRIPTS_SEED (0 by default); more, or
other seeds, with `VSH_SCRIPTS=5000 VSH_SCRIPTS_SEED=1000 ./dev test tests/driver/test_stateful.py`;
VSH_SCRIPTS_LANG=uk_UA.UTF-8 runs them in a translated locale.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest

from support import scripts
from util import VIRSH, same, virsh, vsh

URI = "test:///default"
COUNT = int(os.environ.get("VSH_SCRIPTS", "300"))
FIRST = int(os.environ.get("VSH_SCRIPTS_SEED", "0"))
CHUNK = 25


def _check(seed: int) -> str:
    """'' when virsh and vsh agree on the script of `seed`, else the shrunk reproducer."""
    folder = scripts.folder()
    try:
        commands = scripts.script(seed)
        if scripts.compare(commands, folder).index is None:
            return ""
        small, outcome = scripts.shrink(commands, folder)
        if outcome.index is None:
            return f"seed {seed}: differed once, not again: {'; '.join(commands)!r}"
        return f"seed {seed}: " + scripts.report(small, outcome)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("first", range(FIRST, FIRST + COUNT, CHUNK))
def test_generated_scripts_match_virsh(first: int) -> None:
    if VIRSH is None:
        pytest.skip("virsh is not installed")
    seeds = range(first, min(first + CHUNK, FIRST + COUNT))
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(_check, seeds) if p]
    assert not problems, "\n\n".join(problems)


def test_scripts_are_seeded() -> None:
    """The same seed gives the same script (a reported seed reproduces), another seed another."""
    assert scripts.script(7) == scripts.script(7)
    assert scripts.script(7) != scripts.script(8)
    assert 6 <= len(scripts.script(7)) <= 15


def test_markers_cut_the_output_per_command(tmp_path: Path) -> None:
    """The comparison sees each command's own output: a script of its own commands is cut there."""
    if VIRSH is None:
        pytest.skip("virsh is not installed")
    outcome = scripts.compare(["echo a", "dominfo nosuch", "echo --err b"], str(tmp_path))
    assert outcome.index is None
    pieces = scripts._cut(outcome.virsh.out, scripts._OUT_MARK)  # noqa: SLF001
    # echo prints no line break of its own; the blank line after every command ends its line.
    assert pieces[1:] == ["a\n\n", "\n\n", "\n"]
    errs = scripts._cut(outcome.virsh.err, scripts._ERR_MARK)  # noqa: SLF001
    assert errs[1:] == ["", "error: failed to get domain 'nosuch'\n", "error: b\n"]


# The classes of difference the generator found, each pinned as a case of its own.
STATEFUL_CASES = [
    # Setters without --config/--live/--current act on the running domain only.
    "destroy test; setmem test 1000; dumpxml test --xpath //currentMemory",
    "destroy test; setmem test 1000 --current; dumpxml test --xpath //currentMemory",
    "suspend test; setmem test 1000; dumpxml test --xpath //currentMemory",
    "undefine test; setmem test 1000; setmem test 0",
    "destroy test; setmaxmem test 1000000; setvcpus test 1; dumpxml test --xpath //currentMemory",
    # An error names the domain by the word typed.
    "snapshot-current 1",
    "snapshot-current 6695eb01-f6a4-8304-79aa-97f2502e193f --name",
    # A transient domain.
    "undefine test; vcpucount test; desc test --config ''",
    "undefine test; desc test --live; desc test --config --title",
    "undefine test; desc test --live x; desc test; vcpucount test --config",
    "desc test --title 'a b'; desc test --title; desc 1 --config --title",
    # Device commands when nothing matches.
    "detach-disk test vdz",
    "detach-disk test vdz --config",
    "detach-interface test bridge",
    "detach-interface test network --mac 00:11:22:33:44:55",
    # echo's empty words.
    'echo --err ""',
    "echo --err",
    "echo --err '' ''",
    "echo --split 'a,,b' '' c",
    "echo --split '' ''",
    "echo --split --err ''",
]


# Every setter without --config/--live/--current, then read back, on a running, shut-off, paused
# and transient domain: the flags virsh chooses when none is given.
SETTERS = [
    ("setmem test 1000", "dumpxml test --xpath //currentMemory"),
    ("setmaxmem test 9000000", "dumpxml test --xpath //memory"),
    ("setvcpus test 1", "vcpucount test"),
    ("schedinfo test --set weight=100", "schedinfo test"),
    ("memtune test --hard-limit 100000", "memtune test"),
    ("blkiotune test --weight 500", "blkiotune test"),
    ("numatune test --mode strict --nodeset 0", "numatune test"),
    ("domif-setlink test testnet0 down", "domif-getlink test testnet0"),
    ("iothreadadd test 5", "iothreadinfo test"),
    ("vcpupin test 0 1", "vcpupin test"),
    ("emulatorpin test 1", "emulatorpin test"),
    ("setvcpu test 1 --disable", "vcpucount test"),
    ("domiftune test testnet0 --inbound 100", "domiftune test testnet0"),
    ("blkdeviotune test vda --total-bytes-sec 1000", "blkdeviotune test vda"),
    ("perf test --enable cmt", "perf test"),
    ("metadata test http://example.org/ --key k --set '<a/>'", "metadata test http://example.org/"),
    ("desc test words", "desc test"),
    ("desc test --title words", "desc test --title"),
    ("detach-disk test vda", "domblklist test"),
    ("attach-disk test /guest/x.img vdb", "domblklist test"),
    ("detach-interface test network", "domiflist test"),
    ("attach-interface test network default", "domiflist test"),
    ("change-media test vda --eject", "domblklist test"),
]


@pytest.mark.parametrize("setter,reader", SETTERS, ids=[s.split()[0] + str(i) for i, (s, _) in enumerate(SETTERS)])
def test_setter_without_flags_in_every_state_matches_virsh(setter: str, reader: str) -> None:
    both = f"{setter}; {reader}"
    same("-c", URI, f"{both}; destroy test; {both}; start test; suspend test; {both}; resume test; "
                    f"undefine test; {both}")


@pytest.mark.parametrize("line", STATEFUL_CASES)
def test_stateful_case_matches_virsh(line: str) -> None:
    same("-c", URI, line)


@pytest.mark.parametrize("line", ["define bare.xml; detach-disk bare vda", "define bare.xml; detach-disk bare vda --config",
                                  "define bare.xml; detach-disk bare vda --print-xml; detach-interface bare network"])
def test_device_commands_on_a_domain_without_devices_match_virsh(line: str, tmp_path: Path) -> None:
    scripts.write_files(str(tmp_path))
    same("-c", URI, line, cwd=str(tmp_path))


def test_freecell_on_a_multi_cell_node_matches_virsh() -> None:
    """libvirt's total over several cells of the test driver is 0, which virsh reports as an
    error of unknown cause."""
    node = os.path.join(os.path.dirname(__file__), "..", "data", "domains.xml")
    same("-c", "test://" + os.path.abspath(node), "freecell; freecell --all; freecell 1")


def test_detach_interface_print_xml_prints_once_where_virsh_repeats_it() -> None:
    """A deliberate difference: virsh prints the XML twice, vsh once (the same text)."""
    line = "detach-interface test --type network --persistent --print-xml"
    want, got = virsh("-c", URI, line), vsh("-c", URI, line)
    xml = got.out[:-1]  # the blank line after the command
    assert xml.startswith("<interface") and want.out == xml * 2 + "\n"
    assert (got.err, got.rc) == (want.err, want.rc) == ("", 0)


def test_iface_destroy_exits_0_where_virsh_exits_1() -> None:
    """A deliberate difference: virsh 9.0 exits 1 after iface-destroy succeeded; the text is the same."""
    want, got = virsh("-c", URI, "iface-destroy eth1"), vsh("-c", URI, "iface-destroy eth1")
    assert (got.out, got.err) == (want.out, want.err) == ("Interface eth1 destroyed\n\n", "")
    assert (want.rc, got.rc) == (1, 0)
