"""Block jobs and disk sizes: blockcommit, blockcopy, blockpull, blockjob, blockresize, domblkthreshold.

The job commands start a libvirt block job; with --wait (or an option that implies it)
they wait for it as virsh's virshBlockJobWait does: the block-job events (both the
path-keyed and the target-keyed one) end the wait, the job is polled every 0.5 s for
its progress (`--verbose`: virsh's ``\\rBlock Pull: [ 45 %]`` text in a pipe, a bar
on a terminal), and Ctrl-C or --timeout abort the job.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

import threading
import time

from vsh.commands import common
from vsh.errors import VshError, failing
from vsh.registry import command
from vsh.schema import XML, nullable, obj
from vsh.session import Session
from vsh.spec import INT, Alias, Data, Flag, Int, Opt, Str
from vsh.i18n import _, fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: virStorageFileFormat, the values of blockcopy --format that completion offers.
FILE_FORMATS = ("none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
                "cow", "qcow", "qcow2", "qed", "vmdk")

#: virshDomainBlockJob: how a job type is named in progress lines and --raw output.
JOB_TYPES = ("Unknown job", "Block Pull", "Block Copy", "Block Commit", "Active Block Commit", "Backup")

ULONG_MAX = 2**64 - 1

# virConnectDomainEventBlockJobStatus
COMPLETED, FAILED, CANCELED, READY = 0, 1, 2, 3


def job_type_name(kind: int) -> str:
    """virshDomainBlockJobToString: the job's name, "Unknown job" for types virsh does not know."""
    return JOB_TYPES[kind] if 0 <= kind < len(JOB_TYPES) else "Unknown job"


# option parsing ------------------------------------------------------------------------------

def PATH(help: str = "fully-qualified path of disk") -> Opt:
    return Data("path", help, complete="domain-disk", empty_ok=True)


def _string(name: str, value: str | None) -> str | None:
    """vshCommandOptStringReq where virsh calls it (an empty value fails there)."""
    return common.required(name, value)


def block_bandwidth(raw: str | None, in_bytes: bool) -> int:
    """vshBlockJobOptionBandwidth: a plain number (negative ones wrap), else a scaled size.

    A scaled size is in bytes; without --bytes it becomes MiB/s, rounded down.
    """
    if raw is None:
        return 0
    from vsh.values import convert, whole

    value = whole(raw, 0, ULONG_MAX, wrap_negative=True)
    if value is not None:
        return value
    # virsh names the option with its dashes here: "<--bandwidth>".
    scaled = convert(Opt("--bandwidth", INT, conv="scaled"), raw)
    return scaled if in_bytes else scaled >> 20


def c_unsigned(value: int) -> int:
    """A 64-bit unsigned value for libvirt-python, which reads it as a signed one: values past
    LONG_MAX go over as the negative number with the same bits, as a C caller's would."""
    return value - 2**64 if value >= 2**63 else value


def timeout_ms(ctx: Session, raw: str | None) -> int:
    """vshCommandOptTimeoutToMs: seconds (1 to INT_MAX/1000) as milliseconds; 0 when not given."""
    seconds = ctx.late("timeout", raw)
    if seconds is None:
        return 0
    if seconds == 0 or seconds > (2**31 - 1) // 1000:
        raise VshError(msg("Numeric value '%u' for <%s> option is malformed or out of range", seconds, "timeout"))
    return int(seconds) * 1000


def _blocking_check(blocking: bool, verbose: bool, async_: bool, friends: str) -> None:
    if blocking:
        return
    for given, name in ((verbose, "verbose"), (async_, "async")):
        if given:
            raise VshError(f"--{name} requires at least one of --timeout, --wait, --pivot, or --{friends}")


# waiting for a block job -----------------------------------------------------------------------

class BlockJobWait:
    """virshBlockJobWaitInit/virshBlockJobWait/virshBlockJobWaitFree as one object.

    Created before the job starts, so that its event is not missed.  `wait()` returns a
    virConnectDomainEventBlockJobStatus value; it raises VshError when the job cannot
    be queried or aborted.  Use it as a context manager: leaving it drops the callbacks.
    """

    def __init__(self, ctx: Session, dom: Any, dev: str, label: str, verbose: bool, timeout: int,
                 async_abort: bool) -> None:
        import libvirt

        self.ctx, self.dom, self.dev, self.label = ctx, dom, dev, label
        self.verbose, self.timeout, self.async_abort = verbose, timeout, async_abort
        self.status: int | None = None
        self.woken = threading.Event()
        self.interrupted = False
        self.ids: list[int] = []
        conn = ctx.conn
        for event in (libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2):
            try:
                self.ids.append(conn.domainEventRegisterAny(dom, event, self._event, None))
            except libvirt.libvirtError:
                self.ids.append(-1)

    def _event(self, _conn: Any, _dom: Any, disk: str, _kind: int, status: int, _opaque: Any) -> None:
        # The first event names the disk by path, the second by target: virsh compares both with
        # what the user gave.
        if disk == self.dev:
            self.status = status
            self.woken.set()

    def __enter__(self) -> BlockJobWait:
        return self

    def __exit__(self, *exc: object) -> None:
        import libvirt

        for cb in self.ids:
            if cb >= 0:
                try:
                    self.ctx.conn.domainEventDeregisterAny(cb)
                except libvirt.libvirtError:
                    pass
        self.ids = []

    def _interrupt(self, _signum: int, _frame: Any) -> None:
        self.interrupted = True
        self.woken.set()

    def wait(self) -> int:
        """Poll until the event (or, without events, the job's end or 100 %); abort on Ctrl-C/timeout."""
        import signal

        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, self._interrupt)
        try:
            return self._loop()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _loop(self) -> int:
        import libvirt

        from vsh import progress

        events = [cb >= 0 for cb in self.ids]
        retries = 5
        start = time.monotonic()
        last = (0, 0)
        abort_flags = libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if self.async_abort else 0
        with progress.job(self.ctx.out, self.label, self.verbose) as bar:
            while True:
                try:
                    info = self.dom.blockJobInfo(self.dev, 0)
                except libvirt.libvirtError as err:
                    raise VshError(msg("failed to query job for disk %s", self.dev), cause=err) from None
                if any(events) and self.status is not None:
                    result = self.status
                    break
                cur, end = int(info.get("cur", 0)), int(info.get("end", 0))
                if not all(events):
                    # Without the events, a vanished job has completed and one at 100 % is ready
                    # (after a few more polls when one of the events could still come).
                    if not info:
                        result = COMPLETED
                        break
                    if end == cur:
                        retries -= 1
                        if not any(events) or retries == 0:
                            result = READY
                            break
                if self.verbose and (cur, end) != last and end > 0:
                    bar.job(end - cur, end)
                last = (cur, end)
                if self.interrupted or (self.timeout and (time.monotonic() - start) * 1000 > self.timeout):
                    try:
                        self.dom.blockJobAbort(self.dev, abort_flags)
                    except libvirt.libvirtError as err:
                        raise VshError(msg("failed to abort job for disk '%s'", self.dev), cause=err) from None
                    result = CANCELED
                    break
                self.woken.wait(0.5)
                self.woken.clear()
            if self.verbose and result in (COMPLETED, READY):
                bar.finish()
        return result


def _conclude(ctx: Session, dom: Any, path: str, what: str, flags: int) -> None:
    """End a job that reached its ready phase (pivot or finish), virsh's wording on failure."""
    import libvirt

    try:
        dom.blockJobAbort(path, flags)
    except libvirt.libvirtError as err:
        raise VshError(msg("failed to " + what + " job for disk %s", path), cause=err) from None


def _outcome(ctx: Session, result: int, noun: str) -> None:
    """A cancelled or failed job: virsh's line, and a failure without an error message."""
    if result == CANCELED:
        ctx.out.extra("\n" + _(noun + " aborted"), end="")
        raise VshError("")
    if result == FAILED:
        ctx.out.extra("\n" + _(noun + " failed"), end="")
        raise VshError("")


_BANDWIDTH = Int("bandwidth", "bandwidth limit in MiB/s", late=True)
_TIMEOUT_HELP = "implies --wait, abort if copy exceeds timeout (in seconds)"
_BYTES = Flag("bytes", "the bandwidth limit is in bytes/s rather than MiB/s")


# blockcommit ---------------------------------------------------------------------------------

@command("blockcommit", group="domain", help="Start a block commit operation.",
         desc="Commit changes from a snapshot down to its backing image.",
         opts=[common.DOMAIN(complete="domain:active"), PATH(), _BANDWIDTH,
               Str("base", "path of base file to commit into (default bottom of chain)",
                   complete="domain-disk-chain", empty_ok=True),
               Flag("shallow", "use backing file of top as base"),
               Str("top", "path of top file to commit from (default top of chain)",
                   complete="domain-disk-chain", empty_ok=True),
               Flag("active", "trigger two-stage active commit of top file"),
               Flag("delete", "delete files that were successfully committed"),
               Flag("wait", "wait for job to complete (with --active, wait for job to sync)"),
               Flag("verbose", "with --wait, display the progress"),
               Int("timeout", _TIMEOUT_HELP, conv="puint", late=True),
               Flag("pivot", "implies --active --wait, pivot when commit is synced"),
               Flag("keep-overlay", "implies --active --wait, quit when commit is synced"),
               Flag("async", "with --wait, don't wait for cancel to finish"),
               Flag("keep-relative", "keep the backing chain relatively referenced"), _BYTES],
         exclusive=[("pivot", "keep-overlay")], json=False)
def cmd_blockcommit(ctx: Session, domain: str, path: str, bandwidth: str | None, base: str | None,
                    shallow: bool, top: str | None, active: bool, delete: bool, wait: bool, verbose: bool,
                    timeout: str | None, pivot: bool, keep_overlay: bool, keep_relative: bool,
                    bytes: bool, **kw: Any) -> None:
    import libvirt

    async_ = bool(kw.get("async"))
    active = active or pivot or keep_overlay
    blocking = wait or pivot or keep_overlay
    _string("path", path)
    _string("base", base)
    _string("top", top)
    bw = block_bandwidth(bandwidth, bytes)
    flags = ctx.flags(bytes=libvirt.VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES,
                      shallow=libvirt.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW,
                      delete=libvirt.VIR_DOMAIN_BLOCK_COMMIT_DELETE,
                      keep_relative=libvirt.VIR_DOMAIN_BLOCK_COMMIT_RELATIVE)
    if active:  # also implied by --pivot and --keep-overlay
        flags |= libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE
    ms = timeout_ms(ctx, timeout)
    blocking = blocking or bool(ms)
    _blocking_check(blocking, verbose, async_, "keep-overlay")
    abort_flags = libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if async_ else 0
    dom = ctx.lookup.domain(domain)
    if not blocking:
        dom.blockCommit(path, base, top, c_unsigned(bw), flags)
        ctx.out.extra(_("Active Block Commit started") if active else _("Block Commit started"), end="")
        return
    with BlockJobWait(ctx, dom, path, "Block commit", verbose, ms, async_) as waiter:
        dom.blockCommit(path, base, top, c_unsigned(bw), flags)
        result = waiter.wait()
    _outcome(ctx, result, "Commit")
    if not active:
        ctx.out.extra("\n" + _("Commit complete"), end="")
    elif pivot:
        _conclude(ctx, dom, path, "pivot", abort_flags | libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        ctx.out.extra("\n" + _("Successfully pivoted"), end="")
    elif keep_overlay:
        _conclude(ctx, dom, path, "finish", abort_flags)
        ctx.out.extra("\n" + _("Commit complete, overlay image kept"), end="")
    else:
        ctx.out.extra("\n" + _("Now in synchronized phase"), end="")


# blockcopy ----------------------------------------------------------------------------------

@command("blockcopy", schema=XML,
         group="domain", help="Start a block copy operation.",
         desc="Copy a disk backing image chain to dest.",
         opts=[common.DOMAIN(complete="domain:active"), PATH("fully-qualified path of source disk"),
               Str("dest", "path of the copy to create", empty_ok=True), _BANDWIDTH,
               Flag("shallow", "make the copy share a backing chain"),
               Flag("reuse-external", "reuse existing destination"),
               Alias("raw", "format=raw"),
               Flag("blockdev", "copy destination is block device instead of regular file"),
               Flag("wait", "wait for job to reach mirroring phase"),
               Flag("verbose", "with --wait, display the progress"),
               Int("timeout", _TIMEOUT_HELP, conv="puint", late=True),
               Flag("pivot", "implies --wait, pivot when mirroring starts"),
               Flag("finish", "implies --wait, quit when mirroring starts"),
               Flag("async", "with --wait, don't wait for cancel to finish"),
               Str("xml", "filename containing XML description of the copy destination", complete="file",
                   empty_ok=True),
               Str("format", "format of the destination file", empty_ok=True, choices=FILE_FORMATS),
               Int("granularity", "power-of-two granularity to use during the copy", conv="puint", late=True),
               Int("buf-size", "maximum amount of in-flight data during the copy", conv="pulong", late=True),
               _BYTES,
               Flag("transient-job", "the copy job is not persisted if VM is turned off"),
               Flag("synchronous-writes",
                    "the copy job forces guest writes to be synchronously written to the destination"),
               Flag("print-xml", "print the XML used to start the copy job instead of starting the job")])
def cmd_blockcopy(ctx: Session, domain: str, path: str, dest: str | None, bandwidth: str | None, shallow: bool,
                  reuse_external: bool, blockdev: bool, wait: bool, verbose: bool, timeout: str | None,
                  pivot: bool, finish: bool, xml: str | None, format: str | None, granularity: str | None,
                  buf_size: str | None, bytes: bool, transient_job: bool, synchronous_writes: bool,
                  print_xml: bool, **kw: Any) -> None:
    import libvirt

    async_ = bool(kw.get("async"))
    blocking = wait or finish or pivot
    for name, value in (("path", path), ("dest", dest), ("xml", xml), ("format", format)):
        _string(name, value)
    bw = block_bandwidth(bandwidth, bytes)
    gran = ctx.late("granularity", granularity) or 0
    bufsize = ctx.late("buf-size", buf_size) or 0
    # Some VIR_DOMAIN_BLOCK_REBASE_* and VIR_DOMAIN_BLOCK_COPY_* flags share their values.
    flags = ctx.flags(shallow=libvirt.VIR_DOMAIN_BLOCK_REBASE_SHALLOW,
                      reuse_external=libvirt.VIR_DOMAIN_BLOCK_REBASE_REUSE_EXT,
                      transient_job=libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
                      synchronous_writes=libvirt.VIR_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES)
    ms = timeout_ms(ctx, timeout)
    blocking = blocking or bool(ms)
    abort_flags = libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if async_ else 0
    common.exclusive(dest=dest is not None, xml=xml is not None)
    common.exclusive(format=format is not None, xml=xml is not None)
    common.exclusive(blockdev=blockdev, xml=xml is not None)
    common.exclusive(pivot=pivot, finish=finish)
    if dest is None and xml is None:
        raise VshError(msg("need either --dest or --xml"))
    _blocking_check(blocking, verbose, async_, "finish")
    dom = ctx.lookup.domain(domain)
    waiter = BlockJobWait(ctx, dom, path, "Block Copy", verbose, ms, async_) if blocking else None
    try:
        text = ctx.read_file(xml) if xml is not None else None
        if gran or bufsize or (format is not None and format != "raw") or text is not None or transient_job \
                or synchronous_writes or print_xml:
            params: dict[str, int] = {}
            if bw:
                if not bytes:
                    # The typed parameter is bytes/s in an unsigned long long.
                    limit = ULONG_MAX >> 20
                    if bw > limit:
                        raise VshError(msg("bandwidth must be less than %llu", limit))
                    bw <<= 20
                params[libvirt.VIR_DOMAIN_BLOCK_COPY_BANDWIDTH] = bw
            if gran:
                params[libvirt.VIR_DOMAIN_BLOCK_COPY_GRANULARITY] = gran
            if bufsize:
                params[libvirt.VIR_DOMAIN_BLOCK_COPY_BUF_SIZE] = bufsize
            if text is None:
                from vsh.xmlbuild import copy_dest_xml

                text = copy_dest_xml(dest or "", blockdev, format)
            if print_xml:
                ctx.out.xml(text)
                return
            dom.blockCopy(path, text, params or None, flags)
        else:
            flags |= libvirt.VIR_DOMAIN_BLOCK_REBASE_COPY | ctx.flags(
                blockdev=libvirt.VIR_DOMAIN_BLOCK_REBASE_COPY_DEV, bytes=libvirt.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES)
            if format == "raw":
                flags |= libvirt.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW
            dom.blockRebase(path, dest, c_unsigned(bw), flags)
        if waiter is None:
            ctx.out.extra(fmt("Block Copy started"), end="")
            return
        result = waiter.wait()
    finally:
        if waiter is not None:
            waiter.__exit__()
    _outcome(ctx, result, "Copy")
    if pivot:
        _conclude(ctx, dom, path, "pivot", abort_flags | libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        ctx.out.extra("\n" + _("Successfully pivoted"), end="")
    elif finish:
        _conclude(ctx, dom, path, "finish", abort_flags)
        ctx.out.extra("\n" + _("Successfully copied"), end="")
    else:
        ctx.out.extra("\n" + _("Now in mirroring phase"), end="")


# blockpull ----------------------------------------------------------------------------------

@command("blockpull", group="domain", help="Populate a disk from its backing image.",
         desc="Populate a disk from its backing image.",
         opts=[common.DOMAIN(complete="domain:active"), PATH(), _BANDWIDTH,
               Str("base", "path of backing file in chain for a partial pull", complete="domain-disk-chain",
                   empty_ok=True),
               Flag("wait", "wait for job to finish"),
               Flag("verbose", "with --wait, display the progress"),
               Int("timeout", "with --wait, abort if pull exceeds timeout (in seconds)", conv="puint",
                   late=True),
               Flag("async", "with --wait, don't wait for cancel to finish"),
               Flag("keep-relative", "keep the backing chain relatively referenced"), _BYTES],
         requires=[("verbose", "wait"), ("async", "wait")], json=False)
def cmd_blockpull(ctx: Session, domain: str, path: str, bandwidth: str | None, base: str | None, wait: bool,
                  verbose: bool, timeout: str | None, keep_relative: bool, bytes: bool, **kw: Any) -> None:
    import libvirt

    async_ = bool(kw.get("async"))
    _string("path", path)
    _string("base", base)
    bw = block_bandwidth(bandwidth, bytes)
    ms = timeout_ms(ctx, timeout)
    flags = libvirt.VIR_DOMAIN_BLOCK_REBASE_RELATIVE if keep_relative else 0
    dom = ctx.lookup.domain(domain)

    def start() -> None:
        if base is not None or flags:
            extra = libvirt.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES if bytes else 0
            dom.blockRebase(path, base, c_unsigned(bw), flags | extra)
        else:
            dom.blockPull(path, c_unsigned(bw), libvirt.VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES if bytes else 0)

    if not wait:
        start()
        ctx.out.extra(fmt("Block Pull started"), end="")
        return
    with BlockJobWait(ctx, dom, path, "Block Pull", verbose, ms, async_) as waiter:
        start()
        result = waiter.wait()
    _outcome(ctx, result, "Pull")
    ctx.out.extra("\n" + _("Pull complete"), end="")


# blockjob -----------------------------------------------------------------------------------

# priv->blockJobNoBytes: connections whose daemon refused the bytes/s query.
_NO_BYTES: set[int] = set()


@command("blockjob", schema=obj(target="string", job=nullable(obj(type="string", type_code="integer",
                                                     bandwidth_bytes_per_second="integer", cur="integer",
                                                     end="integer"))),
         group="domain", help="Manage active block operations",
         desc="Query, adjust speed, or cancel active block operations.",
         opts=[common.DOMAIN(complete="domain:active"), PATH(),
               Flag("abort", "abort the active job on the specified disk"),
               Flag("async", "implies --abort; request but don't wait for job end"),
               Flag("pivot", "implies --abort; conclude and pivot a copy or commit job"),
               Flag("info", "get active job information for the specified disk"),
               Flag("bytes", "get/set bandwidth in bytes rather than MiB/s"),
               Flag("raw", "implies --info; output details rather than human summary"),
               Int("bandwidth", "set the bandwidth limit in MiB/s", late=True)],
         exclusive=[("raw", "abort"), ("raw", "pivot"), ("raw", "async"), ("raw", "bandwidth"),
                    ("info", "abort"), ("info", "pivot"), ("info", "async"), ("info", "bandwidth"),
                    ("bytes", "abort"), ("bytes", "pivot"), ("bytes", "async")])
def cmd_blockjob(ctx: Session, domain: str, path: str, abort: bool, pivot: bool, info: bool, bytes: bool,
                 raw: bool, bandwidth: str | None, **kw: Any) -> None:
    import libvirt

    async_ = bool(kw.get("async"))
    dom = ctx.lookup.domain(domain)
    _string("path", path)
    if bandwidth is not None:
        bw = block_bandwidth(bandwidth, bytes)
        dom.blockJobSetSpeed(path, c_unsigned(bw), libvirt.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES if bytes else 0)
        return
    if abort or pivot or async_:
        dom.blockJobAbort(path, ctx.flags(async_=libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC,
                                          pivot=libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT))
        return
    _job_info(ctx, dom, path, raw, bytes)


def _job_info(ctx: Session, dom: Any, path: str, raw: bool, in_bytes: bool) -> None:
    """virshBlockJobInfo: a bytes/s query when it can, else MiB/s (scaled unless --raw)."""
    import libvirt

    from vsh.units import pretty_capacity

    key = id(ctx.conn)
    job: dict[str, Any] | None = None
    unit = "bytes/s"
    if in_bytes or not (raw or key in _NO_BYTES):
        try:
            job = dom.blockJobInfo(path, libvirt.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)
        except libvirt.libvirtError as err:
            code = err.get_error_code()
            if code == libvirt.VIR_ERR_INVALID_ARG:
                _NO_BYTES.add(key)
            if code not in (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_OVERFLOW) or in_bytes or raw:
                raise
        speed = int(job.get("bandwidth", 0)) if job else 0
    if job is None:
        job = dom.blockJobInfo(path, 0)
        speed = int(job.get("bandwidth", 0)) if job else 0
        if raw:
            unit = "MiB/s"
        else:
            if (speed << 20) > ULONG_MAX:
                raise VshError(msg("overflow in converting %ld MiB/s to bytes\n", speed))
            speed <<= 20
    if not job:
        if ctx.out.json:
            ctx.out.data({"target": path, "job": None})
        elif not raw:
            ctx.out.extra(fmt("No current block job for %s", path), end="")
        return
    kind, cur, end = int(job.get("type", 0)), int(job.get("cur", 0)), int(job.get("end", 0))
    if ctx.out.json:
        per_second = speed << 20 if unit == "MiB/s" else speed
        ctx.out.data({"target": path, "job": {"type": job_type_name(kind), "type_code": kind,
                                              "bandwidth_bytes_per_second": per_second, "cur": cur, "end": end}})
        return
    if raw:
        # virsh prints a type it has no name for as "(null)".
        name = JOB_TYPES[kind] if 0 <= kind < len(JOB_TYPES) else "(null)"
        ctx.out.write(fmt(" type=%s\n bandwidth=%lu\n cur=%llu\n end=%llu\n", name, int(job.get('bandwidth', 0)), cur, end))
        return
    from vsh.progress import TEXT, Progress

    # Like virsh, the job's state is its progress line on stderr; the limit goes to stdout.
    Progress(job_type_name(kind), TEXT, err=ctx.out.err, out=ctx.out.out).job(end - cur, end)
    text = ""
    if speed:
        value, name = pretty_capacity(speed)
        text = fmt("    Bandwidth limit: %llu bytes/s (%-.3lf %s/s)", speed, value, name)
    ctx.out.write(text + "\n")


# blockresize, domblkthreshold ---------------------------------------------------------------------

@command("blockresize", group="domain", help="Resize block device of domain.",
         desc="Resize block device of domain.",
         opts=[common.DOMAIN(complete="domain:active"), PATH("Fully-qualified path of block device"),
               Int("size", "New size of the block device, as scaled integer (default KiB)", conv="scaled",
                   scale=1024, required=True, late=True)], json=False)
def cmd_blockresize(ctx: Session, domain: str, path: str, size: str) -> None:
    import libvirt

    _string("path", path)
    value = ctx.late("size", size)
    # virsh prefers the older interface in KiB when the size allows it.
    flags = 0
    if value % 1024 == 0:
        value //= 1024
    else:
        flags = libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES
    dom = ctx.lookup.domain(domain)
    with failing(msg("Failed to resize block device '%s'", path)):
        dom.blockResize(path, c_unsigned(value), flags)
    ctx.out.extra(fmt("Block device '%s' is resized", path), end="")


@command("domblkthreshold", group="domain",
         help="set the threshold for block-threshold event for a given block device or it's backing chain element",
         desc="set threshold for block-threshold event for a block device",
         opts=[common.DOMAIN(complete="domain:active"),
               Data("dev", "device to set threshold for", complete="domain-disk", empty_ok=True),
               Int("threshold", "threshold as a scaled number (by default bytes)", conv="scaled", required=True,
                   late=True)], json=False)
def cmd_domblkthreshold(ctx: Session, domain: str, dev: str, threshold: str) -> None:
    _string("dev", dev)
    value = ctx.late("threshold", threshold)
    dom = ctx.lookup.domain(domain)
    dom.setBlockThreshold(dev, c_unsigned(value), 0)
