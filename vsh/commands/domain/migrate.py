"""Live migration: migrate and its tuning commands (migrate-setmaxdowntime, migrate-getmaxdowntime,
migrate-compcache, migrate-setspeed, migrate-getspeed, migrate-postcopy).

`migrate` runs the libvirt call (virDomainMigrate3, or virDomainMigrateToURI3 for --p2p and
--direct) in a worker thread while the main thread watches the job every 0.5 s, as virsh's
virshWatchJob does: `--verbose` progress (virsh's ``\\rMigration: [ NN %]`` text in a pipe, a
bar with the data remaining and libvirt's rate on a terminal), the `--timeout` action, and
Ctrl-C, which aborts the job (virDomainAbortJob; libvirt then fails the migration with
"operation aborted ... canceled by client") and leaves the guest running on the source.  virsh
aborts only on a terminal; vsh on SIGINT anywhere.  A second Ctrl-C stops waiting.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import DOMAIN, required
from vsh.errors import VshError
from vsh.jobs import JobWatch
from vsh.registry import command
from vsh.schema import obj, single
from vsh.session import Session
from vsh.spec import Alias, Data, Flag, Int, Str
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LONG_MAX = 2**63 - 1


def checked(value: Any, api: str) -> Any:
    """A value from a libvirt-python getter that returns None (or -1) instead of raising on failure."""
    import libvirt

    if value is None or (isinstance(value, int) and value < 0):
        raise libvirt.libvirtError(f"{api}() failed")  # picks up libvirt's last error of this thread
    return value


def _s(name: str, help: str, **kw: Any) -> Any:
    """A string option of migrate: read (and its emptiness refused) where virsh reads it."""
    return Str(name, help, late=True, **kw)


def _i(name: str, help: str, conv: str = "int") -> Any:
    """A number option of migrate: converted where virsh converts it, after the lookups."""
    return Int(name, help, conv=conv, late=True)


MIGRATE_OPTS = [
    DOMAIN(),
    Data("desturi", "connection URI of the destination host as seen from the client(normal migration) or "
                    "source(p2p migration)", empty_ok=True),
    Flag("live", "live migration"),
    Flag("offline", "offline migration"),
    Flag("p2p", "peer-2-peer migration"),
    Flag("direct", "direct migration"),
    Alias("tunneled", "tunnelled"),
    Flag("tunnelled", "tunnelled migration"),
    Flag("persistent", "persist VM on destination"),
    Flag("undefinesource", "undefine VM on source"),
    Flag("suspend", "do not restart the domain on the destination host"),
    Flag("copy-storage-all", "migration with non-shared storage with full disk copy"),
    Flag("copy-storage-inc", "migration with non-shared storage with incremental copy (same base image shared "
                             "between source and destination)"),
    Flag("copy-storage-synchronous-writes", "force guest disk writes to be synchronously written to the "
                                            "destination to improve storage migration convergence"),
    Flag("change-protection", "prevent any configuration changes to domain until migration ends"),
    Flag("unsafe", "force migration even if it may be unsafe"),
    Flag("verbose", "display the progress of migration"),
    Flag("compressed", "compress repeated pages during live migration"),
    Flag("auto-converge", "force convergence during live migration"),
    Flag("rdma-pin-all", "pin all memory before starting RDMA live migration"),
    Flag("abort-on-error", "abort on soft errors during migration"),
    Flag("postcopy", "enable post-copy migration; switch to it using migrate-postcopy command"),
    Flag("postcopy-after-precopy", "automatically switch to post-copy migration after one pass of pre-copy"),
    Flag("postcopy-resume", "resume failed post-copy migration"),
    Flag("zerocopy", "use zero-copy mechanism for migrating memory pages"),
    _s("migrateuri", "migration URI, usually can be omitted"),
    _s("graphicsuri", "graphics URI to be used for seamless graphics migration"),
    _s("listen-address", "listen address that destination should bind to for incoming migration"),
    _s("dname", "rename to new name during migration (if supported)"),
    _i("timeout", "run action specified by --timeout-* option (suspend by default) if live migration exceeds "
                  "timeout (in seconds)", conv="puint"),
    Flag("timeout-suspend", "suspend the guest after timeout"),
    Flag("timeout-postcopy", "switch to post-copy after timeout"),
    _s("xml", "filename containing updated XML for the target", complete="file"),
    _s("migrate-disks", "comma separated list of disks to be migrated", complete="domain-disk", comma=True),
    _i("disks-port", "port to use by target server for incoming disks migration"),
    _s("disks-uri", "URI to use for disks migration (overrides --disks-port)"),
    _s("comp-methods", "comma separated list of compression methods to be used", choices=("xbzrle", "mt"),
       comma=True),
    _i("comp-mt-level", "compress level for multithread compression"),
    _i("comp-mt-threads", "number of compression threads for multithread compression"),
    _i("comp-mt-dthreads", "number of decompression threads for multithread compression"),
    _i("comp-xbzrle-cache", "page cache size for xbzrle compression", conv="pulong"),
    _i("auto-converge-initial", "initial CPU throttling rate for auto-convergence"),
    _i("auto-converge-increment", "CPU throttling rate increment for auto-convergence"),
    _s("persistent-xml", "filename containing updated persistent XML for the target", complete="file"),
    Flag("tls", "use TLS for migration"),
    _i("postcopy-bandwidth", "post-copy migration bandwidth limit in MiB/s", conv="pulong"),
    Flag("parallel", "enable parallel migration"),
    _i("parallel-connections", "number of connections for parallel migration"),
    _i("bandwidth", "migration bandwidth limit in MiB/s", conv="pulong"),
    _s("tls-destination", "override the destination host name used for TLS verification"),
]

#: Options that become typed parameters, in the order virsh reads them, with their parameter names
#: (VIR_MIGRATE_PARAM_*) and how they are added: "str", "list" (comma-split), "file" (its text),
#: "int0" (left out when 0, as virsh does for --disks-port) or "num".
_PARAMS: list[tuple[str, str, str]] = [
    ("migrateuri", "migrate_uri", "str"),
    ("graphicsuri", "graphics_uri", "str"),
    ("listen-address", "listen_address", "str"),
    ("disks-port", "disks_port", "int0"),
    ("disks-uri", "disks_uri", "str"),
    ("dname", "destination_name", "str"),
    ("migrate-disks", "migrate_disks", "list"),
    ("comp-methods", "compression", "list"),
    ("comp-mt-level", "compression.mt.level", "num"),
    ("comp-mt-threads", "compression.mt.threads", "num"),
    ("comp-mt-dthreads", "compression.mt.dthreads", "num"),
    ("comp-xbzrle-cache", "compression.xbzrle.cache", "num"),
    ("xml", "destination_xml", "file"),
    ("persistent-xml", "persistent_xml", "file"),
    ("auto-converge-initial", "auto_converge.initial", "num"),
    ("auto-converge-increment", "auto_converge.increment", "num"),
    ("postcopy-bandwidth", "bandwidth.postcopy", "num"),
    ("parallel-connections", "parallel.connections", "num"),
    ("bandwidth", "bandwidth", "num"),
    ("tls-destination", "tls.destination", "str"),
]

#: Flags and their VIR_MIGRATE_* names, in virsh's order (--copy-storage-synchronous-writes is checked
#: where virsh checks it).
_FLAGS: list[tuple[str, str]] = [
    ("live", "LIVE"), ("p2p", "PEER2PEER"), ("tunnelled", "TUNNELLED"), ("persistent", "PERSIST_DEST"),
    ("undefinesource", "UNDEFINE_SOURCE"), ("suspend", "PAUSED"), ("copy-storage-all", "NON_SHARED_DISK"),
    ("copy-storage-inc", "NON_SHARED_INC"), ("copy-storage-synchronous-writes", "NON_SHARED_SYNCHRONOUS_WRITES"),
    ("change-protection", "CHANGE_PROTECTION"), ("unsafe", "UNSAFE"), ("compressed", "COMPRESSED"),
    ("auto-converge", "AUTO_CONVERGE"), ("rdma-pin-all", "RDMA_PIN_ALL"), ("offline", "OFFLINE"),
    ("abort-on-error", "ABORT_ON_ERROR"), ("postcopy", "POSTCOPY"), ("postcopy-resume", "POSTCOPY_RESUME"),
    ("zerocopy", "ZEROCOPY"), ("tls", "TLS"), ("parallel", "PARALLEL"),
]

# Values of VIR_MIGRATE_* that older libvirt-python builds may not name.
_FLAG_VALUES = {"NON_SHARED_SYNCHRONOUS_WRITES": 1 << 18, "POSTCOPY_RESUME": 1 << 19, "ZEROCOPY": 1 << 20}


def _flag(name: str) -> int:
    import libvirt

    return int(getattr(libvirt, f"VIR_MIGRATE_{name}", _FLAG_VALUES.get(name, 0)))


def _read_xml(ctx: Session, path: str) -> str:
    """virFileReadAll as virsh's migrate reports it: its own line, then the reason."""
    try:
        return ctx.read_file(path)
    except VshError as err:
        raise VshError(msg("cannot read file '%s'", path), cause=err) from None


def migrate_params(ctx: Session, values: dict[str, Any]) -> dict[str, Any]:
    """The typed parameters virsh's doMigrate builds from the options, read in its order.

    `values` holds the raw option texts by option name; conversion errors are virsh's.
    """
    params: dict[str, Any] = {}
    for opt, param, kind in _PARAMS:
        value = ctx.late(opt, values.get(opt))
        if value is None:
            continue
        if kind == "int0":
            if value:
                params[param] = value
        elif kind == "list":
            # virsh splits with g_strsplit: every comma separates, empty items included.
            params[param] = value.split(",")
        elif kind == "file":
            params[param] = _read_xml(ctx, value)
        else:
            params[param] = value
    return params


def migrate_flags(given: dict[str, bool]) -> int:
    """VIR_MIGRATE_* for the flags given, with virsh's check of --copy-storage-synchronous-writes."""
    flags = 0
    for opt, name in _FLAGS:
        if not given.get(opt):
            continue
        if opt == "copy-storage-synchronous-writes" and not given.get("copy-storage-all") \
                and not given.get("copy-storage-inc"):
            raise VshError("'--copy-storage-synchronous-writes' requires one of '--copy-storage-all', "
                           "'copy-storage-inc'")
        flags |= _flag(name)
    return flags


# migrate ----------------------------------------------------------------------------------------

@command("migrate", group="domain", help="migrate domain to another host",
         desc="Migrate domain to another host.  Add --live for live migration.",
         opts=MIGRATE_OPTS,
         exclusive=[("live", "offline"), ("timeout-suspend", "timeout-postcopy")],
         requires=[("postcopy-after-precopy", "postcopy"), ("postcopy-resume", "postcopy"),
                   ("timeout-postcopy", "postcopy"), ("persistent-xml", "persistent"),
                   ("tls-destination", "tls")])
def cmd_migrate(ctx: Session, domain: str, desturi: str, **opts: Any) -> None:
    import libvirt

    values = {name.replace("_", "-"): value for name, value in opts.items()}
    dom = ctx.lookup.domain(domain)
    timeout = ctx.late("timeout", values["timeout"]) or 0
    if timeout > 0 and not values["live"]:
        raise VshError(msg("migrate: Unexpected timeout for offline migration"))
    postcopy_on_timeout = bool(values["timeout-postcopy"])
    if not timeout and (values["timeout-suspend"] or postcopy_on_timeout):
        raise VshError(msg("migrate: Unexpected --timeout-* option without --timeout"))

    conn = ctx.conn
    iteration_cb = None
    if values["postcopy-after-precopy"]:
        def after_first_pass(_conn: Any, _dom: Any, iteration: int, _opaque: Any) -> None:
            # The event for iteration 2 means one full pass of pre-copy is done.
            if iteration == 2:
                try:
                    dom.migrateStartPostCopy(0)
                except libvirt.libvirtError:
                    pass

        iteration_cb = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                                   after_first_pass, None)
    dconn = None
    try:
        p2p = values["p2p"] or values["direct"]
        if not p2p:
            # Normal migration: the client itself connects to the destination.
            dconn = ctx.connection.open_other(required("desturi", desturi) or "")
        target = required("desturi", desturi)
        params = migrate_params(ctx, values)
        flags = migrate_flags(values)

        def on_timeout() -> None:
            try:
                if postcopy_on_timeout:
                    dom.migrateStartPostCopy(0)
                else:
                    dom.suspend()
            except libvirt.libvirtError:
                pass  # virsh only mentions it in its debug output

        def call() -> None:
            if p2p:
                dom.migrateToURI3(target, params, flags)
            else:
                dom.migrate3(dconn, params, flags)

        JobWatch(ctx, dom, "Migration", bool(values["verbose"]), timeout, on_timeout, detail=True).run(call)
    finally:
        if dconn is not None:
            try:
                dconn.close()
            except libvirt.libvirtError:
                pass
        if iteration_cb is not None:
            try:
                conn.domainEventDeregisterAny(iteration_cb)
            except libvirt.libvirtError:
                pass


# tuning -----------------------------------------------------------------------------------------

@command("migrate-setmaxdowntime", group="domain", help="set maximum tolerable downtime",
         desc="Set maximum tolerable downtime of a domain which is being live-migrated to another host.",
         opts=[DOMAIN(complete="domain:active"),
               Int("downtime", "maximum tolerable downtime (in milliseconds) for migration", conv="pulong",
                   required=True, late=True)])
def cmd_migrate_setmaxdowntime(ctx: Session, domain: str, downtime: str) -> None:
    dom = ctx.lookup.domain(domain)
    value = ctx.late("downtime", downtime)
    if value < 1:
        raise VshError(msg("migrate: Invalid downtime"))
    dom.migrateSetMaxDowntime(min(value, LONG_MAX), 0)  # libvirt-python's bound; see migrate-setspeed


@command("migrate-getmaxdowntime", schema=single("downtime_ms", "integer"),
         group="domain", help="get maximum tolerable downtime",
         desc="Get maximum tolerable downtime of a domain which is being live-migrated to another host.",
         opts=[DOMAIN(complete="domain:active")])
def cmd_migrate_getmaxdowntime(ctx: Session, domain: str) -> None:
    dom = ctx.lookup.domain(domain)
    downtime = checked(dom.migrateGetMaxDowntime(0), "virDomainMigrateGetMaxDowntime")
    ctx.out.data({"downtime_ms": downtime}, f"{downtime}\n")


@command("migrate-compcache", schema=single("cache_bytes", "integer"),
         group="domain", help="get/set compression cache size",
         desc="Get/set size of the cache (in bytes) used for compressing repeatedly transferred memory pages "
              "during live migration.",
         opts=[DOMAIN(complete="domain:active"),
               Int("size", "requested size of the cache (in bytes) used for compression", conv="pulong",
                   named_only=True, late=True)])
def cmd_migrate_compcache(ctx: Session, domain: str, size: str | None) -> None:
    from vsh.units import pretty_capacity

    dom = ctx.lookup.domain(domain)
    value = ctx.late("size", size)
    if value is not None:
        dom.migrateSetCompressionCache(min(value, LONG_MAX), 0)  # likewise
    cache = checked(dom.migrateGetCompressionCache(0), "virDomainMigrateGetCompressionCache")
    number, unit = pretty_capacity(cache)
    # virsh prints no newline of its own here; the blank line after the command ends it.
    ctx.out.data({"cache_bytes": cache}, fmt("Compression cache: %.3lf %s", number, unit))


@command("migrate-setspeed", group="domain", help="Set the maximum migration bandwidth",
         desc="Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated to another "
              "host.",
         opts=[DOMAIN(complete="domain:active"),
               Int("bandwidth", "migration bandwidth limit in MiB/s", conv="ulong", required=True, late=True),
               Flag("postcopy", "set post-copy migration bandwidth")])
def cmd_migrate_setspeed(ctx: Session, domain: str, bandwidth: str, postcopy: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    # libvirt-python takes a signed long: a larger value (virsh wraps -1 to ULONG_MAX) is passed as
    # LONG_MAX, which every driver's bound refuses just as it refuses the value itself.
    value = min(ctx.late("bandwidth", bandwidth), LONG_MAX)
    dom.migrateSetMaxSpeed(value, libvirt.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY if postcopy else 0)


@command("migrate-getspeed", schema=obj(bandwidth_mib_per_second="integer", postcopy="boolean"),
         group="domain", help="Get the maximum migration bandwidth",
         desc="Get the maximum migration bandwidth (in MiB/s) for a domain.",
         opts=[DOMAIN(complete="domain:active"), Flag("postcopy", "get post-copy migration bandwidth")])
def cmd_migrate_getspeed(ctx: Session, domain: str, postcopy: bool) -> None:
    import libvirt

    dom = ctx.lookup.domain(domain)
    bandwidth = dom.migrateGetMaxSpeed(libvirt.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY if postcopy else 0)
    ctx.out.data({"bandwidth_mib_per_second": bandwidth, "postcopy": postcopy}, f"{bandwidth}\n")


@command("migrate-postcopy", group="domain", help="Switch running migration from pre-copy to post-copy",
         desc="Switch running migration from pre-copy to post-copy. The migration must have been started with "
              "--postcopy option.",
         opts=[DOMAIN(complete="domain:active")])
def cmd_migrate_postcopy(ctx: Session, domain: str) -> None:
    ctx.lookup.domain(domain).migrateStartPostCopy(0)
