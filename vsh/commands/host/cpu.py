"""Host CPU commands: nodecpumap, nodecpustats, maxvcpus, cpu-models, cpu-compare, cpu-baseline,
hypervisor-cpu-compare, hypervisor-cpu-baseline and domcapabilities.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations

import math

from vsh.commands import common
from vsh.errors import VshError, failing, from_libvirt
from vsh.registry import command
from vsh.schema import XML, array, obj, rows, single
from vsh.session import Session
from vsh.spec import Data, Flag, Int, Opt, Str
from vsh.i18n import _, fmt, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: virDomainVirtType names (virshDomainVirtTypeCompleter).
VIRT_TYPES = ("none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv", "vbox",
              "phyp", "parallels", "bhyve", "vz", "hvf")

#: virArch names (virshArchCompleter).
ARCHES = ("none", "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32", "m68k",
          "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64",
          "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4", "sh4eb",
          "sparc", "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb")


def VIRTTYPE() -> Opt:
    return Str("virttype", "virtualization type (/domain/@type)", empty_ok=True, choices=VIRT_TYPES)


def ARCH(help: str = "CPU architecture (/domain/os/type/@arch)") -> Opt:
    return Str("arch", help, empty_ok=True, choices=ARCHES)


def MACHINE() -> Opt:
    return Str("machine", "machine type (/domain/os/type/@machine)", empty_ok=True)


def EMULATOR(name: str = "emulator") -> Opt:
    return Str(name, "path to emulator binary (/domain/devices/emulator)", empty_ok=True)


def _strings(**values: str | None) -> None:
    """vshCommandOptStringReq on each, in order: an empty value fails."""
    for name, value in values.items():
        common.required(name, value)


@command("nodecpumap", schema=obj(present="integer", online="integer", online_cpus=array("integer")),
         group="host", help="node cpu map",
         desc="Displays the node's total number of CPUs, the number of online CPUs and the list of online CPUs.",
         opts=[Flag("pretty", "return human readable output")])
def cmd_nodecpumap(ctx: Session, pretty: bool) -> None:
    from vsh.cpulist import cpus_of, format_cpumap

    with failing(msg("Unable to get cpu map")):
        present, cpumap, online = ctx.conn.getCPUMap(0)
    shown = format_cpumap(cpumap) if pretty else "".join("y" if on else "-" for on in cpumap[:present])
    text = (printf("%-15s %d\n", _("CPUs present:"), present) + printf("%-15s %d\n", _("CPUs online:"), online) +
            printf("%-15s %s\n", _("CPU map:"), shown))
    ctx.out.data({"present": present, "online": online, "online_cpus": cpus_of(cpumap)}, text)


#: virsh's order and labels of the node CPU statistics, by libvirt field.
CPU_FIELDS = (("user", "user"), ("kernel", "system"), ("idle", "idle"), ("iowait", "iowait"), ("intr", "intr"))


def _c_float(value: float) -> str:
    """printf("%5.1lf") as glibc prints it, NaN included (0/0 is -nan on x86)."""
    if math.isnan(value):
        return " -nan" if math.copysign(1.0, value) < 0 else "  nan"
    if math.isinf(value):
        return "  inf" if value > 0 else " -inf"
    return printf("%5.1lf", value)


def _ratio(part: float, total: float) -> float:
    """part / total * 100 in C doubles: 0/0 is -nan, x/0 is inf."""
    if total == 0:
        return -math.nan if part == 0 else math.inf
    return part / total * 100


@command("nodecpustats", schema=obj({**{f"{label}_ns": "integer?" for _f, label in CPU_FIELDS},
                    **{f"{label}_percent": "number?" for label in ["usage"] + [lb for _f, lb in CPU_FIELDS]}}),
         group="host", help="Prints cpu stats of the node.",
         desc="Returns cpu stats of the node, in nanoseconds.",
         opts=[Int("cpu", "prints specified cpu statistics only.", complete="node-cpu"),
               Flag("percent", "prints by percentage during 1 second.")])
def cmd_nodecpustats(ctx: Session, cpu: int | None, percent: bool) -> None:
    import time

    import libvirt

    num = libvirt.VIR_NODE_CPU_STATS_ALL_CPUS if cpu is None else cpu
    with failing(msg("Unable to get number of cpu stats")):
        first = ctx.conn.getCPUStats(num, 0)
    if not first:
        return
    known = {field for field, _label in CPU_FIELDS} | {"utilization"}
    stats = {k: int(v) for k, v in first.items() if k in known}
    absolute = dict(stats)  # the counters since boot, for the JSON
    if percent and "utilization" not in stats:
        time.sleep(1)
        with failing(msg("Unable to get node cpu stats")):
            second = ctx.conn.getCPUStats(num, 0)
        for k, v in second.items():
            if k in stats:
                stats[k] = (int(v) - stats[k]) % 2**64
                absolute[k] = int(v)
    rows = [(label, stats[field]) for field, label in CPU_FIELDS if field in stats]
    # Every key always: the counters since boot in nanoseconds and, with --percent, the
    # shares of the second measured.
    record: dict[str, Any] = {f"{label}_ns": absolute.get(field) for field, label in CPU_FIELDS}
    record.update({f"{label}_percent": None for label in ["usage"] + [label for _f, label in CPU_FIELDS]})
    if not percent:
        ctx.out.data(record, "".join(printf("%-15s %20llu\n", _(label + ":"), value) for label, value in rows))
        return
    if "utilization" in stats:
        usage = stats["utilization"]
        idle = (100 - usage) % 2**64
        record.update(usage_percent=usage, idle_percent=idle)
        ctx.out.data(record,
                     printf("%-15s %5llu%%\n", _("usage:"), usage) + printf("%-15s %5llu%%\n", _("idle:"), idle))
        return
    total = float(sum(value for _label, value in rows))
    values = [("usage", _ratio(float(stats.get("user", 0) + stats.get("kernel", 0)), total))]
    values += [(label, _ratio(float(value), total)) for label, value in rows]
    record.update({f"{label}_percent": (None if math.isnan(v) or math.isinf(v) else v) for label, v in values})
    ctx.out.data(record, "".join(printf("%-15s ", _(label + ":")) + _c_float(v) + "%\n" for label, v in values))


@command("maxvcpus", schema=single("max_vcpus", "integer"),
         group="host", help="connection vcpu maximum",
         desc="Show maximum number of virtual CPUs for guests on this connection.",
         opts=[Str("type", "domain type", empty_ok=True, choices=VIRT_TYPES)])
def cmd_maxvcpus(ctx: Session, type: str | None) -> None:
    import libvirt
    from lxml import etree

    _strings(type=type)
    vcpus = -1
    try:
        caps = ctx.conn.getDomainCapabilities(None, None, None, type, 0)
    except libvirt.libvirtError:
        caps = None
    if caps is not None:
        try:
            root = etree.fromstring(caps.encode("utf-8"))
        except etree.XMLSyntaxError:
            raise VshError("") from None
        text = root.xpath("string(./vcpu[1]/@max)")
        try:
            vcpus = int(text)
        except ValueError:
            vcpus = -1
    if vcpus < 0:
        try:
            vcpus = ctx.conn.getMaxVcpus(type)
        except libvirt.libvirtError as err:
            raise from_libvirt(err) from None
    ctx.out.data({"max_vcpus": vcpus}, f"{vcpus}\n")


@command("cpu-models", schema=rows(name="string"),
         group="host", help="CPU models", desc="Get the CPU models for an arch.",
         opts=[Data("arch", "architecture", empty_ok=True, choices=ARCHES)])
def cmd_cpu_models(ctx: Session, arch: str) -> None:
    _strings(arch=arch)
    with failing(msg("failed to get CPU model names")):
        models = ctx.conn.getCPUModelNames(arch, 0)
    if ctx.out.json:
        ctx.out.data([{"name": m} for m in models])
    elif not models:
        ctx.out.extra(fmt("all CPU models are accepted"))
    else:
        ctx.out.write("".join(m + "\n" for m in models))


@command("domcapabilities", schema=XML,
         group="host", help="domain capabilities",
         desc="Returns capabilities of emulator with respect to host and libvirt.",
         opts=[VIRTTYPE(), EMULATOR("emulatorbin"), ARCH("domain architecture (/domain/os/type/@arch)"), MACHINE()])
def cmd_domcapabilities(ctx: Session, virttype: str | None, emulatorbin: str | None, arch: str | None,
                        machine: str | None) -> None:
    _strings(virttype=virttype, emulatorbin=emulatorbin, arch=arch, machine=machine)
    with failing(msg("failed to get emulator capabilities")):
        caps = ctx.conn.getDomainCapabilities(emulatorbin, arch, machine, virttype, 0)
    ctx.out.xml(caps + "\n")


# CPU definitions from a file ---------------------------------------------------------------

_CPU_PATHS = ("/container/cpu|/container/domain/cpu|/container/capabilities/host/cpu|"
              "/container/domainCapabilities/cpu/mode[@name='host-model' and @supported='yes']")


def parse_error(name: str, text: str, err: Any) -> str:
    """libvirt's message for a document libxml2 refuses (catchXMLError): where, why, the line and a pointer."""
    entries = [e for e in getattr(err, "error_log", []) or [] if e.level_name == "FATAL"]
    if not entries:
        return f"internal error: failed to parse xml document '{name}'"
    entry = entries[0]
    lines = text.split("\n")
    line = lines[entry.line - 1] if 0 < entry.line <= len(lines) else ""
    col = max(entry.column - 1, 0)
    message = entry.message.rstrip("\n")
    return f"{name}:{entry.line}: {message}\n{line}\n{'-' * col}^"


def extract_cpus(ctx: Session, path: str) -> list[str]:
    """vshExtractCPUDefXMLs: the <cpu> elements of a file of CPUs, domains, capabilities or domain capabilities."""
    from lxml import etree

    buffer = ctx.read_file(path)
    if buffer.startswith("<?xml") and "?>" in buffer:
        buffer = buffer[buffer.index("?>") + 2:]
    text = f"<container>{buffer}</container>"
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogateescape"), etree.XMLParser(huge_tree=True))
    except etree.XMLSyntaxError as err:
        raise VshError(parse_error(path, text, err)) from None
    nodes = root.xpath(_CPU_PATHS)
    if not nodes:
        raise VshError(msg("File '%s' does not contain any <cpu> element or valid domain XML, host capabilities XML, "
                           "or domain capabilities XML", path))
    cpus = []
    for node in nodes:
        if node.tag == "mode":
            # Domain capabilities describe the host CPU model as <mode>: virsh renames it.
            node.tag = "cpu"
            node.attrib.clear()
        cpus.append(etree.tostring(node, encoding="unicode", with_tail=False))
    return cpus


_RESULTS = {0: "incompatible", 1: "identical", 2: "superset"}


def _compare_report(ctx: Session, path: str, result: int, texts: dict[str, str], failure: str) -> None:
    if result not in _RESULTS:
        raise VshError(failure)
    word = _RESULTS[result]
    ctx.out.data({"file": path, "result": word}, texts[word])
    if word == "incompatible":
        raise VshError("")


@command("cpu-compare", schema=obj(file="string", result="string"),
         group="host", help="compare host CPU with a CPU described by an XML file",
         desc="compare CPU with host CPU",
         opts=[common.FILE("file containing an XML CPU description"),
               Flag("error", "report error if CPUs are incompatible"),
               Flag("validate", "validate the XML document against schema")])
def cmd_cpu_compare(ctx: Session, file: str, error: bool, validate: bool) -> None:
    import libvirt

    flags = ctx.flags(error=libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE,
                      validate=libvirt.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML)
    cpus = extract_cpus(ctx, file)
    failure = msg("Failed to compare host CPU with %s", file)
    with failing(failure):
        result = ctx.conn.compareCPU(cpus[0], flags)
    _compare_report(ctx, file, result, {
        "incompatible": fmt("CPU described in %s is incompatible with host CPU\n", file),
        "identical": fmt("CPU described in %s is identical to host CPU\n", file),
        "superset": fmt("Host CPU is a superset of CPU described in %s\n", file)}, failure)


def _baseline_flags(ctx: Session) -> int:
    import libvirt

    return ctx.flags(features=libvirt.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES,
                     migratable=libvirt.VIR_CONNECT_BASELINE_CPU_MIGRATABLE)


@command("cpu-baseline", schema=XML,
         group="host", help="compute baseline CPU",
         desc="Compute baseline CPU for a set of given CPUs.",
         opts=[common.FILE("file containing XML CPU descriptions"),
               Flag("features", "Show features that are part of the CPU model type"),
               Flag("migratable", "Do not include features that block migration")])
def cmd_cpu_baseline(ctx: Session, file: str, features: bool, migratable: bool) -> None:
    import libvirt

    cpus = extract_cpus(ctx, file)
    try:
        xml = ctx.conn.baselineCPU(cpus, _baseline_flags(ctx))
    except libvirt.libvirtError as err:
        raise from_libvirt(err) from None
    ctx.out.xml(xml)


@command("hypervisor-cpu-compare", schema=obj(file="string", result="string"),
         group="host",
         help="compare a CPU with the CPU created by a hypervisor on the host",
         desc="compare CPU with hypervisor CPU",
         opts=[common.FILE("file containing an XML CPU description"), VIRTTYPE(), EMULATOR(), ARCH(), MACHINE(),
               Flag("error", "report error if CPUs are incompatible"),
               Flag("validate", "validate the XML document against schema")])
def cmd_hypervisor_cpu_compare(ctx: Session, file: str, virttype: str | None, emulator: str | None,
                               arch: str | None, machine: str | None, error: bool, validate: bool) -> None:
    import libvirt

    flags = ctx.flags(error=libvirt.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE,
                      validate=libvirt.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML)
    _strings(virttype=virttype, emulator=emulator, arch=arch, machine=machine)
    cpus = extract_cpus(ctx, file)
    failure = msg("Failed to compare hypervisor CPU with %s", file)
    with failing(failure):
        result = ctx.conn.compareHypervisorCPU(emulator, arch, machine, virttype, cpus[0], flags)
    _compare_report(ctx, file, result, {
        "incompatible": fmt("CPU described in %s is incompatible with the CPU provided by hypervisor on the host\n", file),
        "identical": fmt("CPU described in %s is identical to the CPU provided by hypervisor on the host\n", file),
        "superset": fmt("The CPU provided by hypervisor on the host is a superset of CPU described in %s\n", file)},
        failure)


@command("hypervisor-cpu-baseline", schema=XML,
         group="host", help="compute baseline CPU usable by a specific hypervisor",
         desc="Compute baseline CPU for a set of given CPUs. The result will be tailored to the specified "
              "hypervisor.",
         opts=[Str("file", "file containing XML CPU descriptions", complete="file", empty_ok=True), VIRTTYPE(),
               EMULATOR(), ARCH(), MACHINE(),
               Flag("features", "Show features that are part of the CPU model type"),
               Flag("migratable", "Do not include features that block migration"),
               Str("model", "Shortcut for calling the command with a single CPU model and no additional features",
                   complete="cpu-model", empty_ok=True)])
def cmd_hypervisor_cpu_baseline(ctx: Session, file: str | None, virttype: str | None, emulator: str | None,
                                arch: str | None, machine: str | None, features: bool, migratable: bool,
                                model: str | None) -> None:
    import libvirt
    from lxml import etree

    _strings(file=file, virttype=virttype, emulator=emulator, arch=arch, machine=machine, model=model)
    if file is not None and model is not None:
        raise VshError(msg("Options --%s and --%s are mutually exclusive", "file", "model"))
    if file is None and model is None:
        raise VshError(msg("Either --%s or --%s must be provided", "file", "model"))
    if file is not None:
        cpus = extract_cpus(ctx, file)
    else:
        cpu = etree.Element("cpu")
        etree.SubElement(cpu, "model").text = model
        cpus = [etree.tostring(cpu, encoding="unicode")]
    try:
        xml = ctx.conn.baselineHypervisorCPU(emulator, arch, machine, virttype, cpus,
                                             _baseline_flags(ctx))
    except libvirt.libvirtError as err:
        raise from_libvirt(err) from None
    ctx.out.xml(xml)
