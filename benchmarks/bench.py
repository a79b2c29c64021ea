"""Time vsh against virsh in the same run and print medians and ratios.

1. One-shot `list --all` on test:///default (start-up plus one command), with a bare
   `python -c 'import libvirt'` as the floor that any Python client pays.
2. 1,000 mixed commands through stdin, one process and one connection each.

Usage: python benchmarks/bench.py [--runs N] [--batch-runs N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

URI = "test:///default"
MIXED = [
    "list --all", "dominfo test", "domstate test", "domid test", "domuuid test", "net-list --all",
    "net-info default", "pool-list --all", "pool-info default-pool", "vol-list default-pool",
    "nodeinfo", "uri", "hostname", "version", "echo a b c", "dumpxml test",
    "suspend test", "resume test", "domname 1", "net-dumpxml default",
]


def vsh_cmd() -> list[str]:
    exe = shutil.which("vsh", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "vsh"]


def timed(argv: list[str], stdin: bytes = b"") -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} exited {proc.returncode}")
    return elapsed


def median_of(argv: list[str], runs: int, stdin: bytes = b"") -> float:
    timed(argv, stdin)  # warm the page cache
    return statistics.median(timed(argv, stdin) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--batch-runs", type=int, default=5)
    args = parser.parse_args()
    virsh = shutil.which("virsh")
    if virsh is None:
        print("virsh is not installed: nothing to compare with", file=sys.stderr)
        return 1
    vsh = vsh_cmd()
    batch = ("\n".join(MIXED[i % len(MIXED)] for i in range(1000)) + "\n").encode()

    rows = []
    base = median_of([virsh, "-c", URI, "list", "--all"], args.runs)
    floor = median_of([sys.executable, "-c", "import libvirt"], args.runs)
    one = median_of([*vsh, "-c", URI, "list", "--all"], args.runs)
    rows.append(("one-shot list --all", base, one))
    vb = median_of([virsh, "-c", URI], args.batch_runs, batch)
    sb = median_of([*vsh, "-c", URI], args.batch_runs, batch)
    rows.append(("1000 commands on stdin", vb, sb))

    print(f"{'benchmark':<26}{'virsh ms':>10}{'vsh ms':>10}{'ratio':>8}")
    for name, v, s in rows:
        print(f"{name:<26}{v * 1000:>10.1f}{s * 1000:>10.1f}{s / v:>8.2f}")
    print(f"{'python -c import libvirt':<26}{'':>10}{floor * 1000:>10.1f}{floor / base:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
