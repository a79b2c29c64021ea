"""top: a live view of the domains' CPU, memory, block and network use, as virt-top shows it.

On a terminal it is a full-screen table (curses) refreshed every --delay seconds; off a
terminal, or with --stream, it prints one sample per interval, flushed each time, for
--iterations N samples or until interrupted:
- plain text: the header lines, the table, a blank line;
- --csv: a header line, then one line per domain per sample, with the columns
  ``timestamp,host,`` followed by vsh.commands.live.sampling.COLUMNS' keys (stable: new
  columns are only ever added at the end; the same with or without --hosts);
- --json (global): JSON Lines, one object per sample (per host and sample under --hosts):
  ``{"timestamp", "host", "uri", "host_cpus", "host_memory_kib", "states": {STATE: N},
  "domains": [ROW...]}`` with ROW keyed as the CSV columns.
`host` is the host as named in --hosts (a URI, an alias or a member of a `@group`), or on a
single connection the hypervisor's host name.  Under --hosts the table gains a first column
HOST and its header adds up the hosts (vsh.commands.live.hosts).
The first sample has no rates yet (they need two samples), so their cells are empty/null.
"""
from __future__ import annotations

import time

from vsh.commands.live.sampling import COLUMNS, Sampler, header_lines, sample_json, sort_rows, table_lines, with_host
from vsh.errors import Reported, VshError
from vsh.registry import command
from vsh.session import Session
from vsh.spec import Flag, Int, Str

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: CSV columns: when and where, then the row's keys.
CSV_COLUMNS = ("timestamp", "host") + tuple(k for k, _t in COLUMNS)


def _delay(raw: str | None) -> float:
    if raw is None:
        return 2.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 86400:
        raise VshError(f"invalid delay '{raw}': expecting seconds between 0.1 and 86400")
    return value


@command("top", group="live", help="live view of the domains' CPU, memory, block and network use",
         desc="Show the active domains in a table refreshed every --delay seconds, with %CPU\n"
              "    (as virt-top computes it), memory, block and network bytes per second.\n"
              "    On a terminal: keys P (sort by %CPU), M (memory), N (name), B (block),\n"
              "    T (cpu time), 0/1/2/3 (domains, host CPUs, network, block views), h (help),\n"
              "    q (quit).  Off a terminal or with --stream: one sample per interval as text,\n"
              "    CSV (--csv) or JSON Lines (the global --json).  With the global --hosts,\n"
              "    one view of every host: a first column HOST, the header adding the hosts\n"
              "    up; a host that fails is reported on stderr and the others go on.",
         opts=[Str("delay", "seconds between refreshes (default 2)", named_only=True),
               Int("iterations", "stop after this many samples", conv="puint", named_only=True),
               Flag("stream", "print samples line by line even on a terminal"),
               Flag("csv", "print samples as CSV"),
               Str("sort", "initial order: cpu, mem, time, block, net, id or name", named_only=True,
                   choices=("cpu", "mem", "time", "block", "net", "id", "name"))])
def cmd_top(ctx: Session, delay: str | None, iterations: int | None, stream: bool, csv: bool,
            sort: str | None) -> None:
    seconds = _delay(delay)
    csv = csv or ctx.out.mode == "csv"  # `vsh --csv top` as `top --csv`
    order = sort or "cpu"
    if order not in ("cpu", "mem", "time", "block", "net", "id", "name"):
        raise VshError(f"invalid sort '{order}': expecting cpu, mem, time, block, net, id or name")
    if iterations == 0:
        raise VshError("--iterations must be at least 1")
    sampler: Any
    if ctx.fleet is not None:
        from vsh.commands.live.hosts import open_hosts

        sampler = open_hosts(ctx.fleet)  # one sampler per host that opens
        if not sampler.samplers:
            _failures(ctx, sampler)
            raise Reported()
    else:
        sampler = Sampler(ctx.conn)
    out = ctx.out.out
    if not (stream or csv or ctx.out.json) and _terminal(out):
        from vsh.commands.live.screen import run_screen

        try:
            run_screen(sampler, seconds, iterations, order)
        finally:
            _failures(ctx, sampler)  # on the terminal given back
    else:
        _stream(ctx, sampler, seconds, iterations, order, csv)
    if sampler.failed:
        raise Reported()


def _terminal(out: Any) -> bool:
    import sys

    try:
        return bool(out.isatty() and sys.stdin.isatty())
    except (AttributeError, ValueError):
        return False


def _failures(ctx: Session, sampler: Any) -> None:
    """The hosts given up since the last look, one `error: HOST: ...` line each (--hosts)."""
    errors = sampler.take_errors()
    if errors:
        ctx.out.flush()
        for name, events in errors:
            ctx.fleet.report(name, events)


def _stream(ctx: Session, sampler: Any, seconds: float, iterations: int | None, order: str, csv: bool) -> None:
    """Samples as text, CSV or JSON Lines; Ctrl-C ends it as a normal end."""
    import json

    out = ctx.out.out
    _failures(ctx, sampler)  # the hosts that did not open
    if csv:
        out.write(",".join(CSV_COLUMNS) + "\n")
        out.flush()
    done = 0
    try:
        sampler.sample()  # the base the first rates are computed from
        _failures(ctx, sampler)
        while (iterations is None or done < iterations) and sampler.samplers:
            time.sleep(seconds)
            sample = sampler.sample()
            rows = sort_rows(sample.rows, order)
            if ctx.out.json and not csv:
                for part in sample.parts or (sample,):
                    # Each host's rows in the sample's order; one line per host under --hosts.
                    mine = [r for r in rows if r["host"] == part.label] if sample.parts else rows
                    out.write(json.dumps({**sample_json(part), "timestamp": round(sample.timestamp, 3),
                                          "domains": mine}, separators=(",", ":")) + "\n")
            elif csv:
                stamp = f"{sample.timestamp:.3f}"
                for row in rows:
                    values = [stamp, row["host"]] + ["" if row[k] is None else str(row[k]) for k, _t in COLUMNS]
                    out.write(",".join(_csv_field(v) for v in values) + "\n")
            else:
                lines = header_lines(sample) + [""] + table_lines(rows, with_host(COLUMNS, sample))
                out.write("\n".join(lines) + "\n\n")
            out.flush()
            _failures(ctx, sampler)
            done += 1
    except KeyboardInterrupt:
        pass


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
