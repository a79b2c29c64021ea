"""vsh.binding: libvirt-python loaded with a stand-in for `typing` is the same libvirt-python.

Each side runs in a fresh process, as a one-shot command does: one loads libvirt through
vsh.binding, the other imports it as usual.  Their public surfaces (every name, its kind,
constants' values, classes' methods) must be equal, the fast load must really have avoided
`typing`, and `typing` imported afterwards must be the real module.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vsh.binding import FORMS

ROOT = str(Path(__file__).resolve().parents[2])

SURFACE = r"""
import json, sys
{load}
def kind(value):
    if isinstance(value, (int, str, float)):
        return repr(value)
    if isinstance(value, type):
        return "class " + " ".join(sorted(n for n in vars(value) if not n.startswith("__")))
    return type(value).__name__
surface = {{name: kind(getattr(libvirt, name)) for name in dir(libvirt) if not name.startswith("_")}}
typing_loaded = "typing" in sys.modules
import typing
conn = libvirt.open("test:///default")
print(json.dumps({{"surface": surface, "typing_loaded": typing_loaded,
                  "typing_real": hasattr(typing, "Protocol"),
                  "domains": sorted(d.name() for d in conn.listAllDomains(0))}}))
"""


def run(load: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", SURFACE.format(load=load)], capture_output=True,
                          text=True, env=env, timeout=60, check=True)
    return json.loads(proc.stdout)


def test_stand_in_load_gives_the_same_module_without_typing() -> None:
    fast = run("from vsh.binding import load\nlibvirt = load()")
    usual = run("import libvirt")
    assert not fast["typing_loaded"]  # the installed libvirt-python took the fast path
    assert usual["typing_loaded"]
    # Only the names libvirt-python took from typing differ: they are the stand-in's forms.
    from_typing = {*FORMS, "overload"}
    differ = {n for n in fast["surface"].keys() | usual["surface"].keys()
              if fast["surface"].get(n) != usual["surface"].get(n)}
    assert differ <= from_typing, sorted(differ - from_typing)
    assert {n: v for n, v in fast["surface"].items() if n not in from_typing} == \
        {n: v for n, v in usual["surface"].items() if n not in from_typing}
    assert len(fast["surface"]) > 1000
    assert fast["typing_real"]
    assert fast["domains"] == usual["domains"] == ["test"]


def test_load_after_typing_is_the_usual_import() -> None:
    got = run("import typing\nfrom vsh.binding import load\nlibvirt = load()\nassert libvirt.Optional is typing.Optional")
    assert got["domains"] == ["test"]


def test_without_libvirt_python_a_run_says_so() -> None:
    # -S leaves site-packages (and with it libvirt-python) out of reach; -c opens early, the
    # other run opens the default URI when its command needs it.
    for args in (["-c", "test:///default", "list"], ["list"]):
        proc = subprocess.run([sys.executable, "-S", "-m", "vsh", *args], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=ROOT), timeout=60)
        assert proc.returncode == 1
        assert proc.stderr == "error: libvirt-python is not installed; run the set-up command from the README\n"
        assert proc.stdout == ""


GC_RACE = r"""
import gc, sys
from vsh import binding
from vsh.connection import prepare_libvirt
prepare_libvirt()
import libvirt
conn = libvirt.open("test:///default")
gc.set_threshold(1)  # the collector runs on every allocation, inside each failure's window
messages = set()
for _ in range(200):
    garbage = {"pool": conn.storagePoolLookupByName("default-pool")}
    garbage["self"] = garbage  # a cycle: only the collector frees it
    del garbage
    try:
        conn.storageVolLookupByPath("nosuch")
    except libvirt.libvirtError as err:
        messages.add(str(err))
kept = len(binding._later)
binding.release()
gc.set_threshold(700)
import json
print(json.dumps([sorted(messages), kept > 0, len(binding._later), conn.listAllStoragePools(0)[0].name()]))
"""


def test_garbage_collected_mid_failure_keeps_the_error() -> None:
    # Without vsh.binding.keep_errors, the pools the collector frees there reset libvirt's
    # error first, and the failures read "virStorageVolLookupByPath() failed".
    proc = subprocess.run([sys.executable, "-c", GC_RACE], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT), timeout=60, check=True)
    messages, deferred, left, pool = json.loads(proc.stdout)
    assert messages == ["Storage volume not found: no storage vol with matching path 'nosuch'"]
    assert deferred and left == 0 and pool == "default-pool"
