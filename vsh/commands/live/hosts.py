"""`top` over several hosts (--hosts): one Sampler per host, sampled at once, merged into one view.

The hosts' connections are vsh.fleet's (opened together, `@group` names resolved, per-host
keepalive from --host-timeout).  Each refresh makes one getAllDomainStats call per host, all
hosts at the same time (at most --parallel); a host that fails, when opened or later, is
reported once in an `error: HOST: ...` line and left out from then on, and the others go on.
"""
from __future__ import annotations

import time

from vsh.commands.live.sampling import Host, Sample, Sampler
from vsh.errors import VshError, libvirt_message

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class HostsSampler:
    """The samplers of the hosts that answer; `sample()` merges theirs into one Sample."""

    def __init__(self, samplers: list[Sampler], failed: list[str], parallel: int,
                 errors: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        self.samplers = samplers
        self.failed = list(failed)
        self.parallel = parallel
        #: What to report since the last take_errors(): (host name, vsh.fleet events), in order.
        self.errors = list(errors)

    def sample(self) -> Sample:
        from vsh.fleet import run_bounded

        def job(sampler: Sampler) -> Any:
            def work() -> Any:
                try:
                    return sampler.sample()
                except Exception as err:  # noqa: BLE001 - one host's failure must not stop the others
                    return err
            return work

        results = run_bounded([job(s) for s in self.samplers], self.parallel)
        parts: list[Sample] = []
        for sampler, result in zip(list(self.samplers), results):
            if isinstance(result, Sample):
                parts.append(result)
                continue
            self.samplers.remove(sampler)
            self.failed.append(sampler.label)
            self.errors.append((sampler.label, events(given_up(result))))
        return merge(parts, self.failed)

    def take_errors(self) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """The hosts given up since the last call, each with its report (the list is emptied):
        for vsh.fleet.Fleet.report, once the screen is no longer in the way."""
        taken, self.errors = self.errors, []
        return taken

    def history_of(self, row: dict[str, Any]) -> list[float]:
        for sampler in self.samplers:
            if sampler.label == row["host"]:
                return sampler.history_of(row)
        return []


def given_up(err: BaseException) -> VshError:
    """Why a host is no longer sampled, as one line."""
    import sys

    libvirt = sys.modules.get("libvirt")
    if libvirt is not None and isinstance(err, libvirt.libvirtError):
        wrapped = VshError(f"no longer sampled: {libvirt_message(err)}")
        wrapped.origin = err
        return wrapped
    if isinstance(err, VshError):
        return err
    return VshError(f"no longer sampled: {type(err).__name__}: {err}")


def events(err: VshError) -> list[tuple[Any, ...]]:
    """A failure as the events vsh.fleet.Fleet.report prints."""
    return [("error", err.lines(), err.as_json())]


def merge(parts: list[Sample], failed: list[str]) -> Sample:
    """One sample of several hosts: rows and devices in host order, totals and state counts added up."""
    states: dict[str, int] = {}
    for part in parts:
        for state, count in part.states.items():
            states[state] = states.get(state, 0) + count
    total = Host(f"{len(parts)} hosts", "", sum(p.host.cpus for p in parts), 0,
                 sum(p.host.memory_kib for p in parts))
    return Sample(time.time(), total, "", [r for p in parts for r in p.rows], states,
                  [d for p in parts for d in p.devices], tuple(parts), tuple(failed))


def open_hosts(fleet: Any) -> HostsSampler:
    """A sampler of every host of the fleet that opens; the others to be reported (take_errors)."""
    from vsh.fleet import run_bounded

    opened, reports = fleet.open_each()
    opened_names = {name for name, _conn in opened}
    failed = [m.name for m in fleet.members if m.name not in opened_names]

    def job(name: str, conn: Any) -> Any:
        def work() -> Any:
            try:
                return Sampler(conn, name)
            except Exception as err:  # noqa: BLE001 - reported for this host alone
                return err
        return work

    results = run_bounded([job(n, c) for n, c in opened], fleet.parallel)
    samplers: list[Sampler] = []
    for (name, _conn), result in zip(opened, results):
        if isinstance(result, Sampler):
            samplers.append(result)
        else:
            failed.append(name)
            reports.append((name, events(given_up(result))))
    return HostsSampler(samplers, failed, fleet.parallel, reports)
