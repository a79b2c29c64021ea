"""Watching a blocking domain job (a migration) from the main thread, as virsh's virshWatchJob does.

The libvirt call runs in a worker thread; the main thread polls the job every 0.5 s for the
progress, runs a timeout action once, and turns Ctrl-C into virDomainAbortJob.
"""
from __future__ import annotations

import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable
    from vsh.session import Session

#: How often the job is looked at, as virsh's progress timer (500 ms).
POLL = 0.5


class JobWatch:
    """Watches a blocking domain job run by `call` in a worker thread, as virsh's virshWatchJob.

    Every POLL seconds it shows the progress (with --verbose); after `timeout` seconds it runs
    `on_timeout` once; Ctrl-C asks libvirt to abort the job (again at each poll until libvirt
    takes it, as a job may not have started yet) and waits for the worker, whose failure is
    then libvirt's; a second Ctrl-C stops waiting.
    """

    def __init__(self, ctx: Session, dom: Any, label: str, verbose: bool, timeout: int = 0,
                 on_timeout: Callable[[], None] | None = None, detail: bool = False) -> None:
        self.ctx, self.dom, self.label, self.verbose = ctx, dom, label, verbose
        self.detail = detail  # the bar shows what remains and libvirt's rate (progress.Progress)
        self.timeout, self.on_timeout = timeout, on_timeout
        self.interrupted = False  # Ctrl-C was pressed
        self._abort_pending = False  # ... and libvirt has not taken the abort yet
        self._outcome: dict[str, Any] = {}

    def run(self, call: Callable[[], Any]) -> Any:
        from vsh import progress

        done = threading.Event()

        def worker() -> None:
            try:
                self._outcome["value"] = call()
            except BaseException as err:  # noqa: BLE001 - handed to the main thread
                self._outcome["error"] = err
            finally:
                done.set()

        # An Event, not Thread.join: in Python 3.11 a KeyboardInterrupt inside join(timeout)
        # marks the still running thread as finished.
        thread = threading.Thread(target=worker, name=f"vsh-{self.label}", daemon=True)
        with progress.job(self.ctx.out, self.label, self.verbose, detail=self.detail) as bar:
            start = time.monotonic()
            timed_out = False
            thread.start()
            while not done.is_set():
                try:
                    if done.wait(POLL):
                        break
                    if self._abort_pending:
                        self._abort()
                    if self.timeout and not timed_out and time.monotonic() - start >= self.timeout:
                        timed_out = True
                        if self.on_timeout is not None:
                            self.on_timeout()
                    if self.verbose:
                        self._show(bar)
                except KeyboardInterrupt:
                    if self.interrupted:
                        raise  # the second Ctrl-C: stop waiting for libvirt to wind the job down
                    self.interrupted = True
                    self._abort()
            if "error" in self._outcome:
                raise self._outcome["error"]
            bar.finish()
        return self._outcome.get("value")

    def _abort(self) -> None:
        import libvirt

        try:
            self.dom.abortJob()
            self._abort_pending = False
        except libvirt.libvirtError:
            # No job yet (the migration is still being set up), or one that cannot be aborted.
            self._abort_pending = True

    def _show(self, bar: Any) -> None:
        """One progress update from the job's numbers; a failed look is skipped, as in virsh."""
        import libvirt

        from vsh import progress

        try:
            if bar.mode == progress.BAR:
                stats = self.dom.jobStats()
                bar.job(int(stats.get("data_remaining", 0)), int(stats.get("data_total", 0)),
                        stats.get("memory_bps"))
            else:
                # [type, elapsed, time remaining, dataTotal, dataProcessed, dataRemaining, ...]
                info = self.dom.jobInfo()
                bar.job(info[5], info[3])
        except libvirt.libvirtError:
            pass
