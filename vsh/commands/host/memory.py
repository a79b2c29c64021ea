"""Host memory and node commands: freecell, freepages, allocpages, nodememstats, node-memory-tune,
nodesuspend, sysinfo and nodesevinfo.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.errors import VshError, failing, from_libvirt
from vsh.registry import command
from vsh.schema import XML, obj, rows
from vsh.session import Session
from vsh.spec import Data, Flag, Int
from vsh.i18n import _, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

UINT_MAX = 2**32 - 1


def CELLNO(help: str = "NUMA cell number") -> Any:
    return Int("cellno", help, complete="cellno", late=True)


def PAGESIZE(**kw: Any) -> Any:
    return Int("pagesize", "page size (in kibibytes)", complete="pagesize", late=True, **kw)


def _libvirt_call(fn: Any, *args: Any) -> Any:
    """A call whose failure virsh reports with libvirt's line alone."""
    import libvirt

    try:
        return fn(*args)
    except libvirt.libvirtError as err:
        raise from_libvirt(err) from None


def _caps_root(ctx: Session, parse_message: str) -> Any:
    """The capabilities document as freecell/freepages/allocpages --all read it."""
    from vsh import hostcaps

    with failing(msg("unable to get node capabilities")):
        xml = ctx.conn.getCapabilities()
    root = hostcaps.parse(xml)
    if root is None:
        raise VshError(parse_message)
    return root


def _cell_numbers(root: Any) -> list[int]:
    """The cells' ids as virStrToLong_ulp reads them."""
    from vsh import hostcaps
    from vsh.values import whole

    ids = []
    for text in hostcaps.cell_ids(root):
        value = whole(text or "", 0, 2**64 - 1)
        if value is None:
            raise VshError(msg("conversion from string failed"))
        ids.append(value)
    return ids


@command("freecell", schema=obj(cells=rows(cell="integer", free_kib="integer"), total_kib="integer"),
         group="host", help="NUMA free memory", desc="display available free memory for the NUMA cell.",
         opts=[CELLNO(), Flag("all", "show free memory for all NUMA cells")], exclusive=[("all", "cellno")])
def cmd_freecell(ctx: Session, cellno: str | None, all: bool) -> None:
    conn = ctx.conn
    if not all:
        if cellno is not None:
            cell = ctx.late("cellno", cellno)
            free = _cell_free(conn, cell)
            if free is None:
                raise VshError("")
            kib = free // 1024
            ctx.out.data({"cells": [{"cell": cell, "free_kib": kib}], "total_kib": kib}, f"{cell}: {kib} KiB\n")
            return
        total = _libvirt_call(conn.getFreeMemory)
        if not total:
            # libvirt takes 0 for a failure and, with no cause recorded, reports this line
            # (the test driver's total over several cells is 0).
            raise VshError(msg("An error occurred, but the cause is unknown"))
        ctx.out.data({"cells": [], "total_kib": total // 1024}, printf("%s: %llu KiB\n", _("Total"), total // 1024))
        return
    root = _caps_root(ctx, msg("unable to get node capabilities"))
    cells = []
    for cell in _cell_numbers(root):
        message = msg("failed to get free memory for NUMA node number: %lu", cell)
        try:
            free = _cell_free(conn, cell)
        except VshError as err:
            raise VshError(message, cause=_Line(err.message)) from None
        if free is None:
            raise VshError(message)
        cells.append((cell, free))
    total = sum(free for _cell, free in cells)
    obj = {"cells": [{"cell": c, "free_kib": f // 1024} for c, f in cells], "total_kib": total // 1024}
    ctx.out.data(obj, "".join(f"{c:5d}: {f // 1024:10d} KiB\n" for c, f in cells))
    if not ctx.out.json:
        ctx.out.extra("-" * 20)
        ctx.out.extra(printf("%5s: %10llu KiB", _("Total"), total // 1024))


class _Line(Exception):
    """libvirt's message, already worded, as the second error line."""

    def get_error_message(self) -> str:
        return str(self)


def _page_kib(ctx: Session, raw: str | None, limit: int) -> int:
    """--pagesize in bytes (KiB without a suffix), rounded up to whole KiB as virsh does."""
    from vsh.values import convert_scaled

    if raw is None:
        return 0
    return -(-convert_scaled("pagesize", raw, 1024, limit) // 1024)


@command("freepages", schema=rows(cell="integer", pages=rows(size_kib="integer", free="integer")),
         group="host", help="NUMA free pages", desc="display available free pages for the NUMA cell.",
         opts=[CELLNO(), PAGESIZE(), Flag("all", "show free pages for all NUMA cells")],
         exclusive=[("all", "cellno")])
def cmd_freepages(ctx: Session, cellno: str | None, pagesize: str | None, all: bool) -> None:
    from vsh.values import whole

    kib = _page_kib(ctx, pagesize, UINT_MAX)
    conn = ctx.conn
    result: list[dict[str, Any]] = []
    text: list[str] = []
    if all:
        from vsh import hostcaps

        root = _caps_root(ctx, msg("unable to parse node capabilities"))
        if pagesize is None:
            sizes_text = hostcaps.page_sizes(root)
            if not sizes_text:
                raise VshError(msg("could not get information about supported page sizes"))
            sizes = []
            for value in sizes_text:
                size = whole(value or "", 0, UINT_MAX)
                if size is None:
                    raise VshError(msg("unable to parse page size: %s", value))
                sizes.append(size)
            sizes = sorted(set(sizes))
        else:
            sizes = [kib]
        for value in hostcaps.cell_ids(root):
            cell = whole(value or "", -(2**31), 2**31 - 1)
            if cell is None:
                raise VshError(msg("unable to parse numa node id: %s", value))
            counts = _free_pages(conn, sizes, cell)
            result.append({"cell": cell, "pages": [{"size_kib": s, "free": n} for s, n in zip(sizes, counts)]})
            text.append(f"Node {cell}:\n" + "".join(f"{s}KiB: {n}\n" for s, n in zip(sizes, counts)) + "\n")
        ctx.out.data(result, "".join(text))
        return
    if cellno is None:
        raise VshError(msg("missing cellno argument"))
    cell = ctx.late("cellno", cellno)
    if cell < -1:
        raise VshError(msg("cell number must be non-negative integer or -1"))
    if pagesize is None:
        raise VshError(msg("missing pagesize argument"))
    counts = _free_pages(conn, [kib], cell)
    ctx.out.data([{"cell": cell, "pages": [{"size_kib": kib, "free": counts[0]}]}], f"{kib}KiB: {counts[0]}\n")


def _clib() -> Any:
    """The libvirt library libvirt-python loaded, for the calls the binding wraps loosely."""
    import ctypes

    import libvirtmod

    return ctypes.CDLL(libvirtmod.__file__)


def _conn_ptr(conn: Any) -> Any:
    import ctypes

    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return ctypes.c_void_p(get(conn._o, b"virConnectPtr"))


def _c_failure(name: str) -> VshError:
    """libvirt's last error (set by the failed C call on this thread) as virsh's only error line."""
    import libvirt

    return from_libvirt(libvirt.libvirtError(f"{name}() failed"))


def _free_pages(conn: Any, sizes: list[int], cell: int) -> list[int]:
    """virNodeGetFreePages for one cell, called as virsh calls it.

    libvirt-python builds its answer from the call's return value, which the test driver
    leaves at 0 although it fills the counts; virsh reads the counts whatever it returns.
    Counts are printed as virsh's %lld.
    """
    import ctypes

    lib = _clib()
    pages = (ctypes.c_uint * len(sizes))(*sizes)
    counts = (ctypes.c_ulonglong * len(sizes))()
    if lib.virNodeGetFreePages(_conn_ptr(conn), ctypes.c_uint(len(sizes)), pages, ctypes.c_int(cell),
                               ctypes.c_uint(1), counts, ctypes.c_uint(0)) < 0:
        raise _c_failure("virNodeGetFreePages")
    return [c - 2**64 if c >= 2**63 else c for c in counts]


def _cell_free(conn: Any, cell: int) -> int | None:
    """virNodeGetCellsFreeMemory for one cell; None when it answers for none.

    libvirt-python loses libvirt's message when the call fails (a negative cell).
    """
    import ctypes

    lib = _clib()
    mem = ctypes.c_ulonglong(0)
    got = lib.virNodeGetCellsFreeMemory(_conn_ptr(conn), ctypes.byref(mem), ctypes.c_int(cell), ctypes.c_int(1))
    if got < 0:
        raise _c_failure("virNodeGetCellsFreeMemory")
    return int(mem.value) if got == 1 else None


def _set_memory_parameters(conn: Any, params: list[tuple[str, int]]) -> None:
    """virNodeSetMemoryParameters with exactly these unsigned ints, as virsh sends them.

    libvirt-python would first read the current parameters, and fail with that call's name.
    """
    import ctypes

    lib = _clib()

    class Value(ctypes.Union):
        _fields_ = [("i", ctypes.c_int), ("ui", ctypes.c_uint), ("l", ctypes.c_longlong),
                    ("ul", ctypes.c_ulonglong), ("d", ctypes.c_double), ("b", ctypes.c_char),
                    ("s", ctypes.c_void_p)]

    class Param(ctypes.Structure):
        _fields_ = [("field", ctypes.c_char * 80), ("type", ctypes.c_int), ("value", Value)]

    array = (Param * len(params))()
    for slot, (field, value) in zip(array, params):
        slot.field = field.encode()
        slot.type = 2  # VIR_TYPED_PARAM_UINT
        slot.value.ui = value
    if lib.virNodeSetMemoryParameters(_conn_ptr(conn), array, ctypes.c_int(len(params)), ctypes.c_uint(0)) != 0:
        import libvirt

        raise VshError(msg("Unable to change memory parameters"),
                       cause=libvirt.libvirtError("virNodeSetMemoryParameters() failed"))


@command("allocpages", group="host", help="Manipulate pages pool size",
         desc="Allocate or free some pages in the pool for NUMA cell.",
         opts=[PAGESIZE(required=True), Int("pagecount", "page count", conv="pulong", required=True, late=True),
               CELLNO(), Flag("add", "instead of setting new pool size add pages to it"),
               Flag("all", "set on all NUMA cells")],
         exclusive=[("all", "cellno")])
def cmd_allocpages(ctx: Session, pagesize: str, pagecount: str, cellno: str | None, add: bool, all: bool) -> None:
    import libvirt

    start = ctx.late("cellno", cellno) if cellno is not None else -1
    kib = _page_kib(ctx, pagesize, UINT_MAX * 1024)
    count = ctx.late("pagecount", pagecount)
    flags = libvirt.VIR_NODE_ALLOC_PAGES_ADD if add else libvirt.VIR_NODE_ALLOC_PAGES_SET
    if not all:
        _libvirt_call(ctx.conn.allocPages, {kib: count}, start, 1, flags)
        return
    root = _caps_root(ctx, msg("unable to get node capabilities"))
    for cell in _cell_numbers(root):
        _libvirt_call(ctx.conn.allocPages, {kib: count}, cell, 1, flags)


@command("nodememstats", schema=obj({f"{field}_kib": "integer?" for field in ("total", "free", "buffers", "cached")},
                                    extra="integer"),
         group="host", help="Prints memory stats of the node.",
         desc="Returns memory stats of the node, in kilobytes.",
         opts=[Int("cell", "prints specified cell statistics only.")])
def cmd_nodememstats(ctx: Session, cell: int | None) -> None:
    import libvirt

    with failing(msg("Unable to get number of memory stats")):
        stats = ctx.conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS if cell is None else cell, 0)
    record = {f"{field}_kib": stats.get(field) for field in ("total", "free", "buffers", "cached")}
    record.update({f"{field}_kib": value for field, value in stats.items()})
    ctx.out.data(record, "".join(f"{field:<7}: {value:20d} KiB\n" for field, value in stats.items()))


#: libvirt's shared-memory (KSM) parameters and their JSON keys: the sleep is in milliseconds,
#: the rest count pages or scans (`shm_merge_across_nodes` is 0 or 1).
_SHM_KEYS = {"shm_pages_to_scan": "shm_pages_to_scan", "shm_sleep_millisecs": "shm_sleep_ms",
             "shm_pages_shared": "shm_pages_shared", "shm_pages_sharing": "shm_pages_sharing",
             "shm_pages_unshared": "shm_pages_unshared", "shm_pages_volatile": "shm_pages_volatile",
             "shm_full_scans": "shm_full_scans", "shm_merge_across_nodes": "shm_merge_across_nodes"}


@command("node-memory-tune", schema=obj(dict.fromkeys(_SHM_KEYS.values(), "integer?"), extra="integer"),
         group="host", help="Get or set node memory parameters",
         desc="Get or set node memory parameters\n    To get the memory parameters, use following command: \n\n"
              "    virsh # node-memory-tune",
         opts=[Int("shm-pages-to-scan", "number of pages to scan before the shared memory service goes to sleep",
                   conv="puint", late=True),
               Int("shm-sleep-millisecs", "number of millisecs the shared memory service should sleep before next "
                   "scan", conv="puint", late=True),
               Int("shm-merge-across-nodes", "Specifies if pages from different numa nodes can be merged",
                   conv="puint", late=True)])
def cmd_node_memory_tune(ctx: Session, shm_pages_to_scan: str | None, shm_sleep_millisecs: str | None,
                         shm_merge_across_nodes: str | None) -> None:
    import libvirt

    from vsh.typedparams import shown_value

    params: list[tuple[str, int]] = []
    for name, raw, field in (("shm-pages-to-scan", shm_pages_to_scan, libvirt.VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN),
                             ("shm-sleep-millisecs", shm_sleep_millisecs,
                              libvirt.VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS),
                             ("shm-merge-across-nodes", shm_merge_across_nodes,
                              libvirt.VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES)):
        if raw is not None:
            params.append((field, ctx.late(name, raw)))
    if params:
        _set_memory_parameters(ctx.conn, params)
        return
    with failing(msg("Unable to get number of memory parameters")):
        current = ctx.conn.getMemoryParameters(0)
    record = {key: current.get(field) for field, key in _SHM_KEYS.items()}
    record.update({_SHM_KEYS.get(field, field): value for field, value in current.items()})
    # virsh prints nothing when the host has no parameters; the JSON still has every key.
    ctx.out.data(record, _("Shared memory:\n") + "".join(
        f"\t{field:<15} {shown_value(value)}\n" for field, value in current.items()) if current else "")


SUSPEND_TARGETS = ("mem", "disk", "hybrid")


@command("nodesuspend", group="host", help="suspend the host node for a given time duration",
         desc="Suspend the host node for a given time duration and attempt to resume thereafter.",
         opts=[Data("target", "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)",
                    choices=SUSPEND_TARGETS),
               Int("duration", "Suspend duration in seconds, at least 60", conv="long", required=True)])
def cmd_nodesuspend(ctx: Session, target: str, duration: int) -> None:
    if target not in SUSPEND_TARGETS:
        raise VshError(msg("Invalid target"))
    if duration < 0:
        raise VshError(msg("Invalid duration"))
    with failing(msg("The host was not suspended")):
        ctx.conn.suspendForDuration(SUSPEND_TARGETS.index(target), duration, 0)


@command("sysinfo", schema=XML,
         group="host", help="print the hypervisor sysinfo",
         desc="output an XML string for the hypervisor sysinfo, if available")
def cmd_sysinfo(ctx: Session) -> None:
    with failing(msg("failed to get sysinfo")):
        xml = ctx.conn.getSysinfo(0)
    ctx.out.xml(xml)


@command("nodesevinfo", schema=obj({}, extra="integer|number|string|boolean"),
         group="host", help="node SEV information",
         desc="Returns basic SEV information about the node.")
def cmd_nodesevinfo(ctx: Session) -> None:
    from vsh.typedparams import shown_value

    with failing(msg("Unable to get host SEV information")):
        info = ctx.conn.getSEVInfo(0)
    from vsh.statkeys import snake_key

    ctx.out.data({snake_key(field): value for field, value in info.items()},
                 "".join(f"{field:<18}: {shown_value(value)}\n" for field, value in info.items()))
