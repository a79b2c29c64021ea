"""Time vsh against virsh in the same run and print medians and ratios.

Local, on test:///default:
1. One-shot `list --all`, `dominfo test` and `help` (start-up plus one command), with a bare
   `python -c 'import libvirt'` as the floor that any Python client pays.
2. 1,000 mixed commands through stdin, one process and one connection each.

Remote (needs root and libvirtd; skipped otherwise): a private test-driver libvirtd
(tests/support/libvirtd.py) serving generated hosts (tests/support/remotehost.py) of 100 domains
(100 volumes, 100 snapshots of vm-00001) and of 1,000 domains, reached through a userspace proxy
that delays each direction by 10 ms (20 ms round trip):
3. `list --all`, `dominfo`, `domstats` of 100 named domains, `vol-list --details`,
   `snapshot-list --tree`, and `list --all` on the 1,000-domain host.
4. The 1,000 mixed commands over test+tcp:// on loopback (no added delay).

Usage: python benchmarks/bench.py [--runs N] [--batch-runs N] [--remote-runs N] [--no-remote]
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
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def remote_rows(vsh: list[str], virsh: str, batch: bytes, runs: int, big_runs: int) -> Iterator[tuple[str, float, float]]:
    """The remote scenarios, each vsh against virsh; the daemon and proxy live as long as this runs."""
    from tests.support.libvirtd import Libvirtd, missing_requirements
    from tests.support.remotehost import DelayProxy, domain_name, host_xml

    missing = missing_requirements()
    if missing:
        print(f"remote scenarios skipped: need {', '.join(missing)}", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory(prefix="vsh-bench-") as tmp:
        work = Path(tmp)
        host = host_xml(work / "host100.xml", domains=100, volumes=100, snapshots=100)
        big = host_xml(work / "host1000.xml", domains=1000, volumes=1, snapshots=1)
        with Libvirtd(work / "daemon") as daemon:
            proxy = DelayProxy(("127.0.0.1", daemon.port), delay=0.010)
            try:
                uri = proxy.uri(str(host))
                names = [domain_name(i) for i in range(1, 101)]
                scenarios = [
                    ("list --all, 100 domains", uri, ["list", "--all"], runs),
                    ("dominfo", uri, ["dominfo", "vm-00001"], runs),
                    ("domstats, 100 named", uri, ["domstats", *names], runs),
                    ("domstats, all", uri, ["domstats"], runs),
                    ("vol-list --details, 100", uri, ["vol-list", "--details", "bench"], runs),
                    ("snapshot-list --tree, 100", uri, ["snapshot-list", "--tree", "vm-00001"], runs),
                    ("list --all, 1000 domains", proxy.uri(str(big)), ["list", "--all"], big_runs),
                ]
                for label, target, args, count in scenarios:
                    v = median_of([virsh, "-c", target, *args], count)
                    s = median_of([*vsh, "-c", target, *args], count)
                    yield (f"20 ms RTT: {label}", v, s)
            finally:
                proxy.close()
            loop = daemon.tcp_uri
            yield ("loopback tcp: 1000 on stdin", median_of([virsh, "-c", loop], runs, batch),
                   median_of([*vsh, "-c", loop], runs, batch))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--batch-runs", type=int, default=5)
    parser.add_argument("--remote-runs", type=int, default=5)
    parser.add_argument("--big-runs", type=int, default=1, help="runs on the 1,000-domain host")
    parser.add_argument("--no-remote", action="store_true", help="only the local scenarios")
    args = parser.parse_args()
    virsh = shutil.which("virsh")
    if virsh is None:
        print("virsh is not installed: nothing to compare with", file=sys.stderr)
        return 1
    vsh = vsh_cmd()
    # Byte-code for the package, as an installed vsh has it (even under PYTHONDONTWRITEBYTECODE).
    import compileall

    import vsh as package

    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)
    batch = ("\n".join(MIXED[i % len(MIXED)] for i in range(1000)) + "\n").encode()

    rows = []
    base = median_of([virsh, "-c", URI, "list", "--all"], args.runs)
    floor = median_of([sys.executable, "-c", "import libvirt"], args.runs)
    one = median_of([*vsh, "-c", URI, "list", "--all"], args.runs)
    rows.append(("one-shot list --all", base, one))
    rows.append(("one-shot dominfo", median_of([virsh, "-c", URI, "dominfo", "test"], args.runs),
                 median_of([*vsh, "-c", URI, "dominfo", "test"], args.runs)))
    rows.append(("one-shot help", median_of([virsh, "help"], args.runs), median_of([*vsh, "help"], args.runs)))
    vb = median_of([virsh, "-c", URI], args.batch_runs, batch)
    sb = median_of([*vsh, "-c", URI], args.batch_runs, batch)
    rows.append(("1000 commands on stdin", vb, sb))
    if not args.no_remote:
        rows.extend(remote_rows(vsh, virsh, batch, args.remote_runs, args.big_runs))

    width = max(len(name) for name, _v, _s in rows) + 2
    print(f"{'benchmark':<{width}}{'virsh ms':>10}{'vsh ms':>10}{'ratio':>8}")
    for name, v, s in rows:
        print(f"{name:<{width}}{v * 1000:>10.1f}{s * 1000:>10.1f}{s / v:>8.2f}")
    print(f"{'python -c import libvirt':<{width}}{'':>10}{floor * 1000:>10.1f}{floor / base:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
