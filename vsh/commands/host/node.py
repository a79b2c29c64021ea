"""Host and hypervisor commands: uri, hostname, version, nodeinfo, capabilities."""
from __future__ import annotations


from vsh.errors import failing
from vsh.registry import command
from vsh.schema import XML, obj, single
from vsh.session import Session
from vsh.spec import Flag
from vsh.i18n import fmt, msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _parts(version: int) -> tuple[int, int, int]:
    major, rest = divmod(version, 1000000)
    minor, micro = divmod(rest, 1000)
    return major, minor, micro


def _triple(version: int) -> str:
    return "%d.%d.%d" % _parts(version)


@command("uri", schema=single("uri"),
         group="host", help="print the hypervisor canonical URI")
def cmd_uri(ctx: Session) -> None:
    uri = ctx.conn.getURI()
    ctx.out.data({"uri": uri}, uri + "\n")


@command("hostname", schema=single("hostname"),
         group="host", help="print the hypervisor hostname")
def cmd_hostname(ctx: Session) -> None:
    with failing(msg("failed to get hostname")):
        name = ctx.conn.getHostname()
    ctx.out.data({"hostname": name}, name + "\n")


@command("version", schema=obj(library="string", api_type="string", api="string", hypervisor="string?",
                               daemon="string?"),
         group="host", help="show version", desc="Display the system version information.",
         opts=[Flag("daemon", "report daemon version too")])
def cmd_version(ctx: Session, daemon: bool) -> None:
    import libvirt

    conn = ctx.conn
    hv_type = conn.getType()
    lib = libvirt.getVersion()
    api = libvirt.getVersion(hv_type)
    api_version = api[1] if isinstance(api, tuple) else api
    obj: dict[str, Any] = {"library": _triple(lib), "api_type": hv_type, "api": _triple(api_version),
                           "hypervisor": None, "daemon": None}
    lines = [fmt("Compiled against library: libvirt %d.%d.%d\n", *_parts(lib)),
             fmt("Using library: libvirt %d.%d.%d\n", *_parts(lib)),
             fmt("Using API: %s %d.%d.%d\n", hv_type, *_parts(api_version))]
    with failing(msg("failed to get the hypervisor version")):
        hv = conn.getVersion()
    if hv == 0:
        lines.append(fmt("Cannot extract running %s hypervisor version\n", hv_type))
        obj["hypervisor"] = None
    else:
        lines.append(fmt("Running hypervisor: %s %d.%d.%d\n", hv_type, *_parts(hv)))
        obj["hypervisor"] = _triple(hv)
    if daemon:
        try:
            lines.append(fmt("Running against daemon: %d.%d.%d\n", *_parts(conn.getLibVersion())))
            obj["daemon"] = _triple(conn.getLibVersion())
        except libvirt.libvirtError:
            ctx.out.write("".join(lines))
            lines = []
            ctx.out.error([msg("failed to get the daemon version")])
    ctx.out.data(obj, "".join(lines))


@command("nodeinfo", schema=obj(cpu_model="string", cpus="integer", cpu_mhz="integer", cpu_sockets="integer",
                    cores_per_socket="integer", threads_per_core="integer", numa_cells="integer",
                    memory_kib="integer"),
         group="host", help="node information",
         desc="Returns basic information about the node.")
def cmd_nodeinfo(ctx: Session) -> None:
    import libvirt

    from vsh import rpc

    # Both answers at once; libvirt-python's getInfo() rounds the memory down to MiB, so the
    # node's memory statistics give it in KiB (getInfo's value serves where they cannot).
    conn = ctx.conn
    info, stats = rpc.run(conn, [conn.getInfo, lambda: conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS)])
    with failing(msg("failed to get node information")):
        model, mem_mib, cpus, mhz, nodes, sockets, cores, threads = info.get()
    try:
        memory = int(stats.get()["total"])
    except (libvirt.libvirtError, KeyError):
        memory = int(mem_mib) * 1024
    ctx.out.kv([
        ("cpu_model", "CPU model:", model, model),
        ("cpus", "CPU(s):", cpus, str(cpus)),
        ("cpu_mhz", "CPU frequency:", mhz, f"{mhz} MHz"),
        ("cpu_sockets", "CPU socket(s):", sockets, str(sockets)),
        ("cores_per_socket", "Core(s) per socket:", cores, str(cores)),
        ("threads_per_core", "Thread(s) per core:", threads, str(threads)),
        ("numa_cells", "NUMA cell(s):", nodes, str(nodes)),
        ("memory_kib", "Memory size:", memory, f"{memory} KiB"),
    ], width=20)


@command("capabilities", schema=XML,
         group="host", help="capabilities",
         desc="Returns capabilities of hypervisor/driver.")
def cmd_capabilities(ctx: Session) -> None:
    with failing(msg("failed to get capabilities")):
        xml = ctx.conn.getCapabilities()
    ctx.out.xml(xml + "\n")
