"""`--hosts` fan-out against one host and against a shell loop of virsh, over links with latency.

50 private libvirtds (test driver only, each serving its own node XML of 10 domains) each sit
behind a userspace proxy (tests.support.remotehost.DelayProxy) that delays every chunk by 10 ms
each way (20 ms round trip), each proxy in a process of its own as each host has its own link.  Timed,
as medians of whole processes (the shell loop runs once):

1. `vsh -c URI list --all` on one host;
2. `vsh --hosts URI1,...,URI50 list --all` (the goal: at most 1.5 times the first; the
   default --parallel, 64, takes all 50 hosts at once);
3. the same with `--parallel 16` (the hosts in waves of 16), for comparison;
4. `for u in URIS; do virsh -c $u list --all; done`, the shell loop vsh replaces.

Needs root (libvirtd).  Usage: python benchmarks/fleet.py [--hosts N] [--runs N] [--rtt MS]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.libvirtd import Libvirtd  # noqa: E402
from tests.support.remotehost import ProxyProcess, host_xml  # noqa: E402

GOAL = 1.5


def timed(argv: list[str], shell: bool = False) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv if not shell else ["sh", "-c", argv[0]], capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or proc.stderr:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)[:200]}\n{proc.stderr[-2000:]}")
    return elapsed


def median(argv: list[str], runs: int, shell: bool = False) -> float:
    timed(argv, shell)
    return statistics.median(timed(argv, shell) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-virsh", action="store_true", help="leave out the virsh shell loop (slow)")
    parser.add_argument("--rtt", type=float, default=20.0, help="round trip added by each proxy, in ms")
    args = parser.parse_args()
    virsh = shutil.which("virsh")
    vsh_exe = shutil.which("vsh", path=os.path.dirname(sys.executable))
    vsh = [vsh_exe] if vsh_exe else [sys.executable, "-m", "vsh"]
    work = Path(tempfile.mkdtemp(prefix="vsh-fleet-bench-"))
    proxies: list[ProxyProcess] = []
    daemons: list[Libvirtd] = []
    try:
        uris = []
        for i in range(1, args.hosts + 1):
            daemon = Libvirtd(work / f"d{i}")
            daemons.append(daemon)
            daemon.start()
            node = host_xml(work / f"h{i}.xml", domains=10, volumes=0, snapshots=0)
            proxies.append(ProxyProcess(("127.0.0.1", daemon.port), args.rtt / 2000))
            uris.append(proxies[-1].uri(str(node)))
        one = median([*vsh, "-c", uris[0], "list", "--all"], args.runs)
        fan = median([*vsh, "--hosts", ",".join(uris), "list", "--all"], args.runs)
        waves = median([*vsh, "--parallel", "16", "--hosts", ",".join(uris), "list", "--all"], args.runs)
        rows = [("vsh -c URI list --all (1 host)", one),
                ("vsh --hosts (all) list --all", fan),
                ("vsh --parallel 16 --hosts (all) list --all", waves)]
        if virsh and not args.no_virsh:
            loop = "for u in " + " ".join(uris) + f'; do {virsh} -c "$u" list --all; done'
            # One run: it takes a second per 2-3 hosts, and its spread is small beside its length.
            rows.append((f"virsh in a shell loop ({args.hosts} hosts)", timed([loop], shell=True)))
            rows.append(("virsh -c URI list --all (1 host)", median([virsh, "-c", uris[0], "list", "--all"],
                                                                   args.runs)))
        print(f"{args.hosts} hosts, each behind a proxy adding {args.rtt:g} ms of round trip; medians")
        for label, seconds in rows:
            print(f"  {label:<44} {seconds * 1000:9.1f} ms  {seconds / one:6.2f}x one host")
        ratio = fan / one
        verdict = "met" if ratio <= GOAL else "MISSED"
        print(f"goal: --hosts fan-out <= {GOAL}x one host: {ratio:.2f}x, {verdict}")
        return 0 if ratio <= GOAL else 1
    finally:
        for proxy in proxies:
            proxy.close()
        for daemon in daemons:
            daemon.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
