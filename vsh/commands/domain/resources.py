"""Domain resource tuning: memtune, numatune, blkiotune, blkdeviotune, domiftune, perf, set-lifecycle-action.

The typed parameters go through vsh.capi, so that fields keep their C types and virsh's
calls (count, then fetch; set exactly what was given) are the ones made.

JSON: each data command declares the JSON Schema of its output beside its options (vsh.schema).
"""
from __future__ import annotations


from vsh.commands.common import CONFIG, CURRENT, DOMAIN, LIVE, affect, required
from vsh.errors import VshError
from vsh.registry import command
from vsh.schema import obj
from vsh.session import Session
from vsh.spec import INT, Alias, Data, Int, Opt, Str
from vsh.typedparams import shown_value
from vsh.values import empty_option
from vsh.i18n import _, msg, printf

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Sequence

_CURRENT_EXCLUSIVE = [("current", "live"), ("current", "config")]
_AFFECT = [CONFIG, LIVE, CURRENT]
_UINT_MAX = 2**32 - 1
_LLONG_MAX = 2**63 - 1
#: VIR_DOMAIN_MEMORY_PARAM_UNLIMITED
UNLIMITED = 9007199254740991

#: virDomainNumatuneMemMode names, by value.
NUMATUNE_MODES = ("strict", "preferred", "interleave", "restrictive")
#: virPerfEvent names, in libvirt's order.
PERF_EVENTS = ("cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references", "cache_misses",
               "branch_instructions", "branch_misses", "bus_cycles", "stalled_cycles_frontend",
               "stalled_cycles_backend", "ref_cpu_cycles", "cpu_clock", "task_clock", "page_faults",
               "context_switches", "cpu_migrations", "page_faults_min", "page_faults_maj",
               "alignment_faults", "emulation_faults")
LIFECYCLE_TYPES = ("poweroff", "reboot", "crash")
LIFECYCLE_ACTIONS = ("destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart")


class _Lines(VshError):
    """A failure virsh reports in more lines than a message and a cause."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__(lines[0])
        self._all = [line for line in lines if line]

    def lines(self) -> list[str]:
        return list(self._all)


def _get(dom: Any, func: str, flags: int, what: str, lead: Sequence[Any] = (),
         count_lead: Sequence[Any] | None = None) -> list[Any]:
    """Count, then fetch a typed-parameter set, failing with virsh's line for the call that failed."""
    from vsh.capi import StageError, get_params

    try:
        return get_params(dom, func, flags, lead, count_lead)
    except StageError as err:
        message = ("Unable to get number of " + what + " parameters") if err.counting \
            else ("Unable to get " + what + " parameters")
        raise VshError(msg(message), cause=err.err) from None


def _set(dom: Any, func: str, params: list[Any], flags: int, message: str, lead: Sequence[Any] = ()) -> None:
    import libvirt

    from vsh.capi import set_params

    try:
        set_params(dom, func, params, flags, lead)
    except libvirt.libvirtError as err:
        raise VshError(message, cause=err) from None


def _show(ctx: Session, params: list[Any], text_of: Any = None, json_of: Any = None,
          known: Sequence[str] = ()) -> None:
    """virsh's `%-15s: %s` lines of typed parameters, or one JSON object (vsh.schema's
    vocabulary: tune_key names, every `known` field present, null when not reported)."""
    text = "".join(f"{p.field:<15}: {text_of(p) if text_of else shown_value(p.value)}\n" for p in params)
    record: dict[str, Any] = {tune_key(f): None for f in known}
    record.update({tune_key(p.field): (json_of(p) if json_of else p.value) for p in params})
    ctx.out.data(record, text)


def tune_key(field: str) -> str:
    """A tuning parameter's JSON key: snake_case with its unit (libvirt's memtune sizes are KiB,
    interface rates KiB/s, throttles per second, burst lengths seconds)."""
    key = field.replace(".", "_")
    if field in ("hard_limit", "soft_limit", "swap_hard_limit", "min_guarantee"):
        return key + "_kib"
    if field.startswith(("inbound.", "outbound.")):
        return key + ("_kib" if field.endswith(".burst") else "_kib_per_second")
    for tail, unit in (("_sec_max_length", "_max_length_seconds"), ("_sec_max", "_max_per_second"),
                       ("_sec", "_per_second")):
        if key.endswith(tail):
            return key[:-len(tail)] + unit
    return key


_MEMTUNE_FIELDS = ("hard_limit", "soft_limit", "swap_hard_limit", "min_guarantee")
_BLKIOTUNE_FIELDS = ("weight", "device_weight", "device_read_iops_sec", "device_write_iops_sec",
                     "device_read_bytes_sec", "device_write_bytes_sec")
_IFTUNE_FIELDS = tuple(f"{way}.{f}" for way in ("inbound", "outbound") for f in ("average", "peak", "burst", "floor")
                       if (way, f) != ("outbound", "floor"))
_THROTTLE_FIELDS = tuple(f"{kind}_{unit}_sec{suffix}" for suffix in ("", "_max", "_max_length")
                         for kind in ("total", "read", "write") for unit in ("bytes", "iops")) + (
    "size_iops_sec", "group_name")


# memtune -----------------------------------------------------------------------------------------

_MEMTUNE = (("hard-limit", "hard_limit", "Max memory, as scaled integer (default KiB)"),
            ("soft-limit", "soft_limit", "Memory during contention, as scaled integer (default KiB)"),
            ("swap-hard-limit", "swap_hard_limit", "Max memory plus swap, as scaled integer (default KiB)"),
            ("min-guarantee", "min_guarantee", "Min guaranteed memory, as scaled integer (default KiB)"))


def _memtune_size(name: str, text: str) -> int:
    """virshMemtuneGetSize: KiB rounded up; a negative number means unlimited."""
    from vsh.values import ScaleError, parse_c_integer, scale_integer

    parsed = parse_c_integer(text) if text else None
    if parsed is None or not -(2**63) <= parsed[0] <= _LLONG_MAX:
        raise VshError(msg("Unable to parse integer parameter %s", name))
    value, suffix = parsed
    if value < 0:
        return UNLIMITED
    try:
        scaled = scale_integer(value, suffix, 1024, _LLONG_MAX)
    except ScaleError as err:
        raise VshError(msg("Unable to parse integer parameter %s", name), cause=err) from None
    return (scaled + 1023) // 1024


@command("memtune", schema=obj({tune_key(f): "integer?" for f in _MEMTUNE_FIELDS}, extra="integer?"),
         group="domain", help="Get or set memory parameters",
         desc="Get or set the current memory parameters for a guest domain.\n"
              "    To get the memory parameters use following command: \n\n"
              "    virsh # memtune <domain>",
         opts=[DOMAIN(), *[Opt(opt, INT, text, late=True, empty_ok=True) for opt, _f, text in _MEMTUNE],
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_memtune(ctx: Session, domain: str, hard_limit: str | None, soft_limit: str | None,
                swap_hard_limit: str | None, min_guarantee: str | None, config: bool, live: bool,
                current: bool) -> None:
    from vsh.capi import TypedParam

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    given = {"hard-limit": hard_limit, "soft-limit": soft_limit, "swap-hard-limit": swap_hard_limit,
             "min-guarantee": min_guarantee}
    params = [TypedParam(field, "ullong", _memtune_size(opt, text))
              for opt, field, _text in _MEMTUNE if (text := given[opt]) is not None]
    if params:
        _set(dom, "virDomainSetMemoryParameters", params, flags, msg("Unable to change memory parameters"))
        return

    def unlimited(p: Any) -> bool:
        return bool(p.kind == "ullong" and p.value == UNLIMITED)

    _show(ctx, _get(dom, "virDomainGetMemoryParameters", flags, "memory"),
          text_of=lambda p: _("unlimited") if unlimited(p) else shown_value(p.value),
          json_of=lambda p: None if unlimited(p) else p.value, known=_MEMTUNE_FIELDS)


# numatune -----------------------------------------------------------------------------------------

def _c_long_any_base(text: str) -> int | None:
    """virStrToLong_i with base 0 and no trailing text: `12`, `0x1f`, `017`, signs and blanks."""
    s = text.lstrip(" \t\n\v\f\r")
    sign = -1 if s[:1] == "-" else 1
    if s[:1] in "+-" and s:
        s = s[1:]
    if s[:2].lower() == "0x" and len(s) > 2:
        base, digits = 16, s[2:]
    elif s.startswith("0") and len(s) > 1:
        base, digits = 8, s[1:]
    else:
        base, digits = 10, s
    try:
        value = sign * int(digits, base) if digits and digits.isalnum() else None
    except ValueError:
        return None
    return value if value is not None and -(2**31) <= value <= 2**31 - 1 else None


@command("numatune", schema=obj(numa_mode="string?", numa_nodeset="string?"),
         group="domain", help="Get or set numa parameters",
         desc="Get or set the current numa parameters for a guest domain.\n"
              "    To get the numa parameters use following command: \n\n"
              "    virsh # numatune <domain>",
         opts=[DOMAIN(),
               Str("mode", "NUMA mode, one of strict, preferred and interleave \n"
                           "or a number from the virDomainNumatuneMemMode enum", empty_ok=True,
                   choices=NUMATUNE_MODES),
               Str("nodeset", "NUMA node selections to set", empty_ok=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_numatune(ctx: Session, domain: str, mode: str | None, nodeset: str | None, config: bool, live: bool,
                 current: bool) -> None:
    from vsh.capi import TypedParam

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    params = []
    if required("nodeset", nodeset) is not None:
        params.append(TypedParam("numa_nodeset", "string", nodeset))
    if mode is not None:
        required("mode", mode)
        number = NUMATUNE_MODES.index(mode) if mode in NUMATUNE_MODES else _c_long_any_base(mode)
        if number is None:
            raise VshError(msg("Invalid mode: %s", mode))
        params.append(TypedParam("numa_mode", "int", number))
    if params:
        _set(dom, "virDomainSetNumaParameters", params, flags, msg("Unable to change numa parameters"))
        return
    found = _get(dom, "virDomainGetNumaParameters", flags, "numa")

    def is_mode(p: Any) -> bool:
        return bool(p.kind == "int" and p.field == "numa_mode")

    def mode_name(p: Any) -> str | None:
        return NUMATUNE_MODES[p.value] if 0 <= p.value < len(NUMATUNE_MODES) else None

    # virsh prints an unknown mode number through a NULL string: "(null)".
    _show(ctx, found, text_of=lambda p: (mode_name(p) or "(null)") if is_mode(p) else shown_value(p.value),
          json_of=lambda p: mode_name(p) if is_mode(p) else p.value, known=("numa_mode", "numa_nodeset"))


# blkiotune -------------------------------------------------------------------------------------------

_BLKIO_STRINGS = (
    ("device-weights", "device_weight", "per-device IO Weights, in the form of /path/to/device,weight,..."),
    ("device-read-iops-sec", "device_read_iops_sec",
     "per-device read I/O limit per second, in the form of /path/to/device,read_iops_sec,..."),
    ("device-write-iops-sec", "device_write_iops_sec",
     "per-device write I/O limit per second, in the form of /path/to/device,write_iops_sec,..."),
    ("device-read-bytes-sec", "device_read_bytes_sec",
     "per-device bytes read per second, in the form of /path/to/device,read_bytes_sec,..."),
    ("device-write-bytes-sec", "device_write_bytes_sec",
     "per-device bytes wrote per second, in the form of /path/to/device,write_bytes_sec,..."))


@command("blkiotune", schema=obj({tune_key(f): "integer?" if f == "weight" else "string?" for f in _BLKIOTUNE_FIELDS}, extra="integer|string"),
         group="domain", help="Get or set blkio parameters",
         desc="Get or set the current blkio parameters for a guest domain.\n"
              "    To get the blkio parameters use following command: \n\n"
              "    virsh # blkiotune <domain>",
         opts=[DOMAIN(), Int("weight", "IO Weight", late=True),
               *[Str(opt, text, empty_ok=True) for opt, _f, text in _BLKIO_STRINGS], *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_blkiotune(ctx: Session, domain: str, weight: str | None, device_weights: str | None,
                  device_read_iops_sec: str | None, device_write_iops_sec: str | None,
                  device_read_bytes_sec: str | None, device_write_bytes_sec: str | None, config: bool,
                  live: bool, current: bool) -> None:
    from vsh.capi import TypedParam

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    params = []
    number = ctx.late("weight", weight)
    if number is not None:
        if number <= 0:
            raise VshError(msg("Invalid value of %d for I/O weight", number))
        params.append(TypedParam("weight", "uint", number))
    given = {"device-weights": device_weights, "device-read-iops-sec": device_read_iops_sec,
             "device-write-iops-sec": device_write_iops_sec, "device-read-bytes-sec": device_read_bytes_sec,
             "device-write-bytes-sec": device_write_bytes_sec}
    for opt, field, _text in _BLKIO_STRINGS:
        if given[opt] == "":
            raise VshError(msg("Unable to parse string parameter"))
        if given[opt] is not None:
            params.append(TypedParam(field, "string", given[opt]))
    if params:
        _set(dom, "virDomainSetBlkioParameters", params, flags, msg("Unable to change blkio parameters"))
        return
    _show(ctx, _get(dom, "virDomainGetBlkioParameters", flags, "blkio"), known=_BLKIOTUNE_FIELDS)


# blkdeviotune -----------------------------------------------------------------------------------------

#: blkdeviotune's numbers: (option, help, scaled); the typed-parameter field is the option with '_'.
_IOTUNE = (("total-bytes-sec", "total throughput limit, as scaled integer (default bytes)", True),
           ("read-bytes-sec", "read throughput limit, as scaled integer (default bytes)", True),
           ("write-bytes-sec", "write throughput limit, as scaled integer (default bytes)", True),
           ("total-iops-sec", "total I/O operations limit per second", False),
           ("read-iops-sec", "read I/O operations limit per second", False),
           ("write-iops-sec", "write I/O operations limit per second", False),
           ("total-bytes-sec-max", "total max, as scaled integer (default bytes)", True),
           ("read-bytes-sec-max", "read max, as scaled integer (default bytes)", True),
           ("write-bytes-sec-max", "write max, as scaled integer (default bytes)", True),
           ("total-iops-sec-max", "total I/O operations max", False),
           ("read-iops-sec-max", "read I/O operations max", False),
           ("write-iops-sec-max", "write I/O operations max", False),
           ("size-iops-sec", "I/O size in bytes", False))
_IOTUNE_LENGTHS = (("total-bytes-sec-max-length", "duration in seconds to allow total max bytes"),
                   ("read-bytes-sec-max-length", "duration in seconds to allow read max bytes"),
                   ("write-bytes-sec-max-length", "duration in seconds to allow write max bytes"),
                   ("total-iops-sec-max-length", "duration in seconds to allow total I/O operations max"),
                   ("read-iops-sec-max-length", "duration in seconds to allow read I/O operations max"),
                   ("write-iops-sec-max-length", "duration in seconds to allow write I/O operations max"))
#: The order virsh reads (and sends) them: the scaled ones first.
_IOTUNE_ORDER = ([o for o, _h, scaled in _IOTUNE if scaled] + [o for o, _h, scaled in _IOTUNE if not scaled]
                 + [o for o, _h in _IOTUNE_LENGTHS])
_SCALED = {o for o, _h, scaled in _IOTUNE if scaled}


def _iotune_opts() -> list[Any]:
    opts: list[Any] = []
    for name, text in [(o, h) for o, h, _s in _IOTUNE] + [("group-name", "")] + list(_IOTUNE_LENGTHS):
        opts.append(Alias(name.replace("-", "_"), name))
        if name == "group-name":
            opts.append(Str(name, "group name to share I/O quota between multiple drives", empty_ok=True))
        elif name in _SCALED:
            opts.append(Int(name, text, conv="scaled", late=True))
        else:
            opts.append(Int(name, text, conv="pulong", late=True))
    return opts


@command("blkdeviotune", schema=obj({tune_key(f): "string?" if f == "group_name" else "integer?" for f in _THROTTLE_FIELDS},
                    extra="integer|string"),
         group="domain", help="Set or query a block device I/O tuning parameters.",
         desc="Set or query disk I/O parameters such as block throttling.",
         opts=[DOMAIN(), Data("device", "block device", empty_ok=True, complete="domain-disk"),
               *_iotune_opts(), *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_blkdeviotune(ctx: Session, domain: str, device: str, config: bool, live: bool, current: bool,
                     group_name: str | None, **values: str | None) -> None:
    from vsh.capi import TypedParam

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    required("device", device)
    params = []
    for opt in _IOTUNE_ORDER:
        try:
            value = ctx.late(opt, values[opt.replace("-", "_")])
        except VshError as err:
            raise _Lines([err.message, msg("Unable to parse integer parameter"), *err.lines()[1:]]) from None
        if value is not None:
            params.append(TypedParam(opt.replace("-", "_"), "ullong", value))
    if group_name == "":
        raise _Lines([empty_option("group-name"),
                      "Unable to parse group-name parameter"])
    if group_name is not None:
        params.append(TypedParam("group_name", "string", group_name))
    if params:
        _set(dom, "virDomainSetBlockIoTune", params, flags, msg("Unable to change block I/O throttle"), lead=[device])
        return
    _show(ctx, _get(dom, "virDomainGetBlockIoTune", flags, "block I/O throttle", lead=[device],
                    count_lead=[None]), known=_THROTTLE_FIELDS)


# domiftune --------------------------------------------------------------------------------------------

_RATE_FIELDS = ("average", "peak", "burst", "floor")


def _rate(text: str) -> dict[str, int]:
    """virshParseRateStr: `average,peak,burst,floor`, any of them empty."""
    from vsh.values import ULLONG_MAX, whole

    tokens = text.split(",") if text else []
    if len(tokens) > 4:
        raise VshError(msg("Rate string '%s' has too many fields", text))
    rate = dict.fromkeys(_RATE_FIELDS, 0)
    for field, token in zip(_RATE_FIELDS, tokens):
        if token:
            value = whole(token, 0, ULLONG_MAX)
            if value is None:
                raise VshError(msg("field '%s' is malformed", field))
            rate[field] = value
    return rate


@command("domiftune", schema=obj({tune_key(f): "integer?" for f in _IFTUNE_FIELDS}, extra="integer"),
         group="domain", help="get/set parameters of a virtual interface",
         desc="Get/set parameters of a domain's virtual interface.",
         opts=[DOMAIN(), Data("interface", "interface device (MAC Address)", empty_ok=True, complete="domain-interface"),
               Str("inbound", "control domain's incoming traffics", empty_ok=True),
               Str("outbound", "control domain's outgoing traffics", empty_ok=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_domiftune(ctx: Session, domain: str, interface: str, inbound: str | None, outbound: str | None,
                  config: bool, live: bool, current: bool) -> None:
    from vsh.capi import TypedParam

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    required("interface", interface)
    required("inbound", inbound)
    required("outbound", outbound)
    params = []
    for way, text in (("inbound", inbound), ("outbound", outbound)):
        if text is None:
            continue
        rate = _rate(text)
        if max(rate["average"], rate["peak"], rate["burst"]) > _UINT_MAX:
            raise VshError(msg(way + " rate larger than maximum %u", _UINT_MAX))
        if way == "inbound" and not rate["average"] and (rate["burst"] or rate["peak"]) and not rate["floor"]:
            raise VshError(msg("either inbound average or floor is mandatory"))
        if way == "outbound":
            if not rate["average"] and (rate["burst"] or rate["peak"]):
                raise VshError(msg("outbound average is mandatory"))
            if rate["floor"]:
                raise VshError(msg("outbound floor is unsupported yet"))
        for field in _RATE_FIELDS:
            if field == "average" or rate[field]:
                params.append(TypedParam(f"{way}.{field}", "uint", rate[field] & _UINT_MAX))
    if params:
        _set(dom, "virDomainSetInterfaceParameters", params, flags, msg("Unable to set interface parameters"),
             lead=[interface])
        return
    _show(ctx, _get(dom, "virDomainGetInterfaceParameters", flags, "interface", lead=[interface]),
          known=_IFTUNE_FIELDS)


# perf ------------------------------------------------------------------------------------------------------

@command("perf", schema=obj(dict.fromkeys(PERF_EVENTS, "boolean?"), extra="boolean"),
         group="domain", help="Get or set perf event",
         desc="Get or set the current perf events for a guest domain.\n"
              "    To get the perf events list use following command: \n\n"
              "    virsh # perf <domain>",
         opts=[DOMAIN(), Str("enable", "perf events which will be enabled", choices=PERF_EVENTS, comma=True),
               Str("disable", "perf events which will be disabled", choices=PERF_EVENTS, comma=True),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_perf(ctx: Session, domain: str, enable: str | None, disable: str | None, config: bool, live: bool,
             current: bool) -> None:
    import libvirt

    from vsh.capi import TypedParam, get_perf_events, set_params

    flags = affect(ctx)
    dom = ctx.lookup.domain(domain)
    params = [TypedParam(name, "boolean", state) for text, state in ((enable, True), (disable, False))
              if text is not None for name in text.split(",") if name]
    if params:
        try:
            set_params(dom, "virDomainSetPerfEvents", params, flags)
        except libvirt.libvirtError as err:
            raise VshError(msg("Unable to enable/disable perf events"), cause=err) from None
    else:
        try:
            params = get_perf_events(dom, flags)
        except libvirt.libvirtError as err:
            raise VshError(msg("Unable to get perf events"), cause=err) from None
    if ctx.out.json:
        # Every event always: after --enable/--disable those not changed are null, as virsh
        # reports only the changed ones.
        ctx.out.data({**dict.fromkeys(PERF_EVENTS), **{p.field: bool(p.kind == "boolean" and p.value) for p in params}})
        return
    for p in params:
        ctx.out.extra(printf("%-15s: %s", p.field, _("enabled") if p.kind == "boolean" and p.value else _("disabled")))


# set-lifecycle-action ---------------------------------------------------------------------------------------

@command("set-lifecycle-action", group="domain", json=False, help="change lifecycle actions",
         desc="Change lifecycle actions for the guest domain.",
         opts=[DOMAIN(), Data("type", "lifecycle type to modify", choices=LIFECYCLE_TYPES),
               Data("action", "lifecycle action to set", choices=LIFECYCLE_ACTIONS),
               *_AFFECT],
         exclusive=_CURRENT_EXCLUSIVE)
def cmd_set_lifecycle_action(ctx: Session, domain: str, type: str, action: str, config: bool, live: bool,
                             current: bool) -> None:
    import libvirt

    flags = affect(ctx)
    if type not in LIFECYCLE_TYPES:
        raise VshError(msg("Invalid lifecycle type '%s'.", type))
    if action not in LIFECYCLE_ACTIONS:
        raise VshError(msg("Invalid lifecycle action '%s'.", action))
    dom = ctx.lookup.domain(domain)
    try:
        dom.setLifecycleAction(LIFECYCLE_TYPES.index(type), LIFECYCLE_ACTIONS.index(action), flags)
    except libvirt.libvirtError as err:
        raise VshError(msg("Unable to change lifecycle action."), cause=err) from None
