"""The samples `top` shows: one getAllDomainStats call per refresh, rates from the previous one.

%CPU is computed as virt-top computes it: the cpu-time a domain used since the last sample,
over the time that passed times the host's CPU count, so 100% means every host CPU busy.
Block and network rates are bytes per second over all of a domain's disks and interfaces.
Every row and device names its host (`host`): the name given to --hosts, or the hypervisor's
host name on a single connection; vsh.commands.live.hosts merges the samples of several.
A driver without bulk statistics is asked per domain (virDomainGetInfo), and a driver whose
bulk statistics lack a group (the test driver reports only the state) gets that from the same
per-domain call.
"""
from __future__ import annotations

import time

from vsh import domstate

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple
else:
    from vsh.records import NamedTuple

#: Samples of %CPU kept per domain for the sparkline.
HISTORY = 40

#: The columns of a row, in CSV and table order: (key, CSV/JSON name is the key, table title).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("name", "NAME"), ("state", "STATE"), ("cpu_percent", "%CPU"), ("vcpus", "VCPUS"),
    ("memory_kib", "MEM(KiB)"), ("memory_percent", "%MEM"), ("block_rd_bytes_per_second", "RDBY/s"),
    ("block_wr_bytes_per_second", "WRBY/s"), ("net_rx_bytes_per_second", "RXBY/s"), ("net_tx_bytes_per_second", "TXBY/s"),
    ("cpu_time_ns", "TIME(s)"),
)


class Host(NamedTuple):
    hostname: str
    uri: str
    cpus: int
    mhz: int
    memory_kib: int


class Sample(NamedTuple):
    """One refresh: when, the host, a row per active domain, counts by state, per-device rows.

    Under --hosts, `host` is the hosts' totals, `parts` each host's own sample and `failed`
    the names of the hosts given up so far."""

    timestamp: float
    host: Host
    label: str  # the host's name in rows (Sampler.label); empty for several
    rows: list[dict[str, Any]]
    states: dict[str, int]
    devices: list[dict[str, Any]]
    parts: tuple[Sample, ...] = ()
    failed: tuple[str, ...] = ()


def host_info(conn: Any) -> Host:
    info = conn.getInfo()
    return Host(conn.getHostname(), conn.getURI(), int(info[2]), int(info[3]), int(info[1]) * 1024)


class Sampler:
    """Takes samples; remembers the previous counters of each domain to turn them into rates."""

    def __init__(self, conn: Any, label: str | None = None) -> None:
        self.conn = conn
        self.host = host_info(conn)
        self.label = self.host.hostname if label is None else label
        # The interface `top` shares with vsh.commands.live.hosts.HostsSampler (several hosts):
        self.samplers = [self]
        self.failed: list[str] = []
        self.cpu_prev: list[tuple[int, int]] | None = None
        self.prev: dict[str, tuple[float, dict[str, float]]] = {}
        #: Recent %CPU values per domain name, for the sparkline.
        self.history: dict[str, list[float]] = {}
        self.bulk = True

    def _raw(self) -> list[tuple[Any, dict[str, Any]]]:
        """(domain, stats) for every domain: one bulk call, or per domain where the driver has none."""
        import libvirt

        if self.bulk:
            try:
                return list(self.conn.getAllDomainStats(0, 0))
            except libvirt.libvirtError as err:
                if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                    raise
                self.bulk = False
        return [(dom, {}) for dom in self.conn.listAllDomains(0)]

    def sample(self) -> Sample:
        import libvirt

        now = time.monotonic()
        rows: list[dict[str, Any]] = []
        devices: list[dict[str, Any]] = []
        states: dict[str, int] = {}
        seen = set()
        for dom, stats in self._raw():
            try:
                row, counters, devs = self._row(dom, stats)
            except libvirt.libvirtError:
                continue  # gone between the list and the look
            states[row["state"]] = states.get(row["state"], 0) + 1
            if row["id"] is None:
                continue
            uuid = dom.UUIDString()
            seen.add(uuid)
            self._rates(uuid, now, row, counters)
            hist = self.history.setdefault(row["name"], [])
            if row["cpu_percent"] is not None:
                hist.append(row["cpu_percent"])
                del hist[:-HISTORY]
            rows.append(row)
            devices += [{"host": self.label, "name": row["name"], **d} for d in devs]
        for gone in set(self.prev) - seen:
            del self.prev[gone]
        names = {r["name"] for r in rows}
        for name in set(self.history) - names:
            del self.history[name]
        return Sample(time.time(), self.host, self.label, rows, states, devices)

    def _row(self, dom: Any, stats: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float], list[dict[str, Any]]]:
        state = stats.get("state.state")
        cpu_ns = stats.get("cpu.time")
        mem = stats.get("balloon.current")
        vcpus = stats.get("vcpu.current")
        if state is None or (state != domstate.SHUTOFF and cpu_ns is None):
            # virDomainGetInfo: [state, max memory KiB, memory KiB, vCPUs, cpu time ns]
            info = dom.info()
            state = info[0] if state is None else state
            mem = info[2] if mem is None else mem
            vcpus = info[3] if vcpus is None else vcpus
            cpu_ns = info[4] if cpu_ns is None else cpu_ns
        active = state not in (domstate.SHUTOFF,) and dom.ID() >= 0
        row: dict[str, Any] = {
            "host": self.label, "id": dom.ID() if active else None, "name": dom.name(), "state": domstate.state_name(state),
            "cpu_percent": None, "vcpus": vcpus, "memory_kib": mem,
            "memory_percent": round(100.0 * mem / self.host.memory_kib, 1) if mem and self.host.memory_kib else None,
            "block_rd_bytes_per_second": None, "block_wr_bytes_per_second": None,
            "net_rx_bytes_per_second": None, "net_tx_bytes_per_second": None,
            "cpu_time_ns": cpu_ns,
        }
        counters: dict[str, float] = {}
        if cpu_ns is not None:
            counters["cpu"] = cpu_ns
        devs: list[dict[str, Any]] = []
        for kind, keys in (("block", ("rd", "wr")), ("net", ("rx", "tx"))):
            count = stats.get(f"{kind}.count")
            if count is None:
                continue
            totals = [0, 0]
            for i in range(count):
                values = [stats.get(f"{kind}.{i}.{k}.bytes", 0) for k in keys]
                totals = [t + v for t, v in zip(totals, values)]
                dev = stats.get(f"{kind}.{i}.name", str(i))
                counters[f"{kind}.{dev}.{keys[0]}"], counters[f"{kind}.{dev}.{keys[1]}"] = values
                devs.append({"kind": kind, "device": dev, f"{keys[0]}_bytes": values[0], f"{keys[1]}_bytes": values[1]})
            counters[f"{kind}.{keys[0]}"], counters[f"{kind}.{keys[1]}"] = totals
        return row, counters, devs

    def take_errors(self) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """Hosts given up: none (a single connection's failure ends the command)."""
        return []

    def history_of(self, row: dict[str, Any]) -> list[float]:
        """The recent %CPU values of a row's domain."""
        return self.history.get(row["name"], [])

    def host_cpus(self) -> list[float | None]:
        """Per host CPU: busy % since the last call (virNodeGetCPUStats), None the first time."""
        now: list[tuple[int, int]] = []
        for i in range(self.host.cpus):
            stats = self.conn.getCPUStats(i, 0)
            idle = stats.get("idle", 0) + stats.get("iowait", 0)
            now.append((sum(stats.values()), idle))
        prev, self.cpu_prev = self.cpu_prev, now
        busy: list[float | None] = []
        for i, (total, idle) in enumerate(now):
            if prev is None or i >= len(prev) or total <= prev[i][0]:
                busy.append(None)
            else:
                busy.append(max(0.0, 100.0 * (1 - (idle - prev[i][1]) / (total - prev[i][0]))))
        return busy

    def _rates(self, uuid: str, now: float, row: dict[str, Any], counters: dict[str, float]) -> None:
        before = self.prev.get(uuid)
        self.prev[uuid] = (now, counters)
        if before is None:
            return
        then, old = before
        elapsed = now - then
        if elapsed <= 0:
            return
        if "cpu" in counters and "cpu" in old:
            used = max(0.0, counters["cpu"] - old["cpu"])
            row["cpu_percent"] = round(100.0 * used / (elapsed * 1e9 * max(1, self.host.cpus)), 1)
        for key, name in (("block.rd", "block_rd_bytes_per_second"), ("block.wr", "block_wr_bytes_per_second"),
                          ("net.rx", "net_rx_bytes_per_second"), ("net.tx", "net_tx_bytes_per_second")):
            if key in counters and key in old:
                row[name] = int(max(0.0, counters[key] - old[key]) / elapsed)


def sort_rows(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """virt-top's orders: P %CPU, M memory, T cpu time, B block bytes, N network bytes (largest first),
    I by ID, and by name."""
    def num(*names: str) -> Any:
        return lambda r: -sum(r[n] or 0 for n in names)

    keys: dict[str, Any] = {
        "cpu": num("cpu_percent"), "mem": num("memory_kib"), "time": num("cpu_time_ns"),
        "block": num("block_rd_bytes_per_second", "block_wr_bytes_per_second"),
        "net": num("net_rx_bytes_per_second", "net_tx_bytes_per_second"),
        "id": lambda r: r["id"], "name": lambda r: r["name"],
    }
    return sorted(rows, key=lambda r: (keys[key](r), r["name"]))  # (stable: hosts stay in the given order)


SORT_KEYS = ("cpu", "mem", "time", "block", "net", "id", "name")


def cell(key: str, value: Any) -> str:
    """A value as the table shows it."""
    if value is None:
        return "-"
    if key.endswith("_bytes_per_second"):
        return human(value)
    if key == "cpu_time_ns":
        return f"{value / 1e9:.1f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def human(n: float) -> str:
    """Bytes in at most 5 characters, as virt-top and top show them (1023, 1.5K, 12M)."""
    for unit in ("", "K", "M", "G", "T"):
        if n < 1024 or unit == "T":
            return f"{n:.0f}{unit}" if unit == "" or n >= 10 else f"{n:.1f}{unit}"
        n /= 1024
    return str(n)


def header_lines(sample: Sample) -> list[str]:
    """The summary above the table: host, time, CPU and memory totals, counts by state.

    Over several hosts: their CPUs and memory added up, and %CPU of all their CPUs together
    (each domain's %CPU is of its own host's CPUs)."""
    host = sample.host
    stamp = time.strftime("%H:%M:%S", time.localtime(sample.timestamp))
    parts = sample.parts or (sample,)
    used = sum((r["cpu_percent"] or 0) * part.host.cpus for part in parts for r in part.rows)
    cpu = used / max(1, host.cpus)
    mem = sum(r["memory_kib"] or 0 for r in sample.rows)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(sample.states.items()))
    total = sum(sample.states.values())
    if sample.parts or sample.failed:
        hosts = len(sample.parts) + len(sample.failed)
        title = f"vsh top - {hosts} hosts {stamp}" + (f"  ({len(sample.failed)} failed: {', '.join(sample.failed)})"
                                                     if sample.failed else "")
        cpus = f"{host.cpus} CPUs"
    else:
        title = f"vsh top - {host.hostname} {stamp}  {host.uri}"
        cpus = f"{host.cpus} x {host.mhz} MHz"
    return [
        title,
        f"Domains: {total} total" + (f", {counts}" if counts else ""),
        f"CPU: {cpus}, {cpu:.1f}% used by domains   "
        f"Memory: {host.memory_kib // 1024} MiB, {mem // 1024} MiB ({100.0 * mem / max(1, host.memory_kib):.1f}%) "
        "used by domains",
    ]


def with_host(columns: tuple[tuple[str, str], ...], sample: Sample) -> tuple[tuple[str, str], ...]:
    """The table's columns, with HOST first when the sample is of several hosts."""
    return ((("host", "HOST"),) + columns) if sample.parts or sample.failed else columns


def table_lines(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...] = COLUMNS) -> list[str]:
    """Rows as aligned columns: numbers to the right, the host, name and state to the left."""
    cells = [[title for _k, title in columns]] + [[cell(k, r.get(k)) for k, _t in columns] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    left = {"host", "name", "state"}
    return [" ".join(c.ljust(w) if k in left else c.rjust(w) for (k, _t), c, w in zip(columns, line, widths)).rstrip()
            for line in cells]


def sample_json(sample: Sample) -> dict[str, Any]:
    """One JSON Lines object per sample (per host and sample under --hosts)."""
    host = sample.host
    return {"timestamp": round(sample.timestamp, 3), "host": sample.label, "uri": host.uri,
            "host_cpus": host.cpus, "host_memory_kib": host.memory_kib, "states": sample.states,
            "domains": sample.rows}
