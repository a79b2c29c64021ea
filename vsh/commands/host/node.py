"""Host and hypervisor commands: uri, hostname, version, nodeinfo, capabilities."""
from __future__ import annotations

from typing import Any

from vsh.registry import command
from vsh.schema import XML, obj, single
from vsh.session import Session
from vsh.spec import Flag


def _triple(version: int) -> str:
    major, rest = divmod(version, 1000000)
    minor, micro = divmod(rest, 1000)
    return f"{major}.{minor}.{micro}"


@command("uri", schema=single("uri"),
         group="host", help="print the hypervisor canonical URI")
def cmd_uri(ctx: Session) -> None:
    uri = ctx.conn.getURI()
    ctx.out.data({"uri": uri}, uri + "\n")


@command("hostname", schema=single("hostname"),
         group="host", help="print the hypervisor hostname")
def cmd_hostname(ctx: Session) -> None:
    from vsh.errors import failing

    with failing("failed to get hostname"):
        name = ctx.conn.getHostname()
    ctx.out.data({"hostname": name}, name + "\n")


@command("version", schema=obj(library="string", api_type="string", api="string", hypervisor="string?",
                               daemon="string?"),
         group="host", help="show version", desc="Display the system version information.",
         opts=[Flag("daemon", "report daemon version too")])
def cmd_version(ctx: Session, daemon: bool) -> None:
    import libvirt

    from vsh.errors import failing

    conn = ctx.conn
    hv_type = conn.getType()
    lib = libvirt.getVersion()
    api = libvirt.getVersion(hv_type)
    api_version = api[1] if isinstance(api, tuple) else api
    obj: dict[str, Any] = {"library": _triple(lib), "api_type": hv_type, "api": _triple(api_version),
                           "hypervisor": None, "daemon": None}
    lines = [f"Compiled against library: libvirt {_triple(lib)}",
             f"Using library: libvirt {_triple(lib)}",
             f"Using API: {hv_type} {_triple(api_version)}"]
    with failing("failed to get the hypervisor version"):
        hv = conn.getVersion()
    if hv == 0:
        lines.append(f"Cannot extract running {hv_type} hypervisor version")
        obj["hypervisor"] = None
    else:
        lines.append(f"Running hypervisor: {hv_type} {_triple(hv)}")
        obj["hypervisor"] = _triple(hv)
    if daemon:
        try:
            lines.append(f"Running against daemon: {_triple(conn.getLibVersion())}")
            obj["daemon"] = _triple(conn.getLibVersion())
        except libvirt.libvirtError:
            ctx.out.write("\n".join(lines) + "\n")
            lines = []
            ctx.out.error(["failed to get the daemon version"])
    ctx.out.data(obj, "".join(line + "\n" for line in lines))


def node_memory_kib(conn: Any) -> int:
    """Total host memory in KiB; libvirt-python's getInfo() rounds it down to MiB."""
    import libvirt

    try:
        return int(conn.getMemoryStats(libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS)["total"])
    except (libvirt.libvirtError, KeyError):
        return int(conn.getInfo()[1]) * 1024


@command("nodeinfo", schema=obj(cpu_model="string", cpus="integer", cpu_mhz="integer", cpu_sockets="integer",
                    cores_per_socket="integer", threads_per_core="integer", numa_cells="integer",
                    memory_kib="integer"),
         group="host", help="node information",
         desc="Returns basic information about the node.")
def cmd_nodeinfo(ctx: Session) -> None:
    from vsh.errors import failing

    with failing("failed to get node information"):
        model, _mem, cpus, mhz, nodes, sockets, cores, threads = ctx.conn.getInfo()
        memory = node_memory_kib(ctx.conn)
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
    from vsh.errors import failing

    with failing("failed to get capabilities"):
        xml = ctx.conn.getCapabilities()
    ctx.out.xml(xml + "\n")
