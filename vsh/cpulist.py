"""Host CPU lists as virsh reads and prints them.

`parse_bitmap` is libvirt's virBitmapParse (`0-3,^2`, blanks around numbers, at most
1024 bits in virsh's use), `format_bitmap`/`format_cpumap` are virBitmapFormat and
virBitmapDataFormat (`0-3,5`), and `parse_cpulist` is virsh's own virshParseCPUList for
the *pin commands (`r` means every host CPU; an empty set or a CPU past the host's last
one is refused).  `cpu_count` is virshNodeGetCPUCount.  Host commands may use them too.
"""
from __future__ import annotations


from vsh.errors import VshError
from vsh.i18n import msg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence

#: virsh parses CPU lists into bitmaps of this many bits.
CPULIST_BITS = 1024

_BLANKS = " \t\n\v\f\r"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class BitmapError(ValueError):
    """libvirt's own error for a malformed bitmap (virsh prints it as the second line)."""

    def __init__(self, text: str) -> None:
        super().__init__(msg("invalid argument: %s", msg("Failed to parse bitmap '%s'", text)))


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _BLANKS:
        i += 1
    return i


def _c_int(text: str, i: int) -> tuple[int, int] | None:
    """strtol in base 10 from position i, as virStrToLong_i: (value, end) or None."""
    j = _skip(text, i)
    k = j
    if k < len(text) and text[k] in "+-":
        k += 1
    d = k
    while d < len(text) and "0" <= text[d] <= "9":
        d += 1
    if d == k:
        return None
    value = int(text[j:d])
    if not _INT_MIN <= value <= _INT_MAX:
        return None
    return value, d


def parse_bitmap(text: str, size: int = CPULIST_BITS) -> set[int]:
    """virBitmapParse: the set bits of `text`; raises BitmapError when malformed or out of range."""
    bits: set[int] = set()
    i = _skip(text, 0)
    if i >= len(text):
        raise BitmapError(text)
    while i < len(text):
        neg = text[i] == "^"
        if neg:
            i += 1
        if i >= len(text) or not "0" <= text[i] <= "9":
            raise BitmapError(text)
        parsed = _c_int(text, i)
        if parsed is None or parsed[0] < 0:
            raise BitmapError(text)
        start, i = parsed
        i = _skip(text, i)
        if i >= len(text) or text[i] == ",":
            if start >= size:
                raise BitmapError(text)
            if neg:
                bits.discard(start)
            else:
                bits.add(start)
        elif text[i] == "-":
            if neg:
                raise BitmapError(text)
            parsed = _c_int(text, _skip(text, i + 1))
            if parsed is None or parsed[0] < start:
                raise BitmapError(text)
            last, i = parsed
            if last >= size:
                raise BitmapError(text)
            bits.update(range(start, last + 1))
            i = _skip(text, i)
        if i < len(text) and text[i] == ",":
            i = _skip(text, i + 1)
        elif i < len(text):
            raise BitmapError(text)
    return bits


def format_bitmap(bits: Iterable[int]) -> str:
    """virBitmapFormat: ranges of set bits, `0-3,5`; "" for none."""
    cpus = sorted(set(bits))
    parts: list[str] = []
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(parts)


def cpus_of(cpumap: Sequence[bool]) -> list[int]:
    """The CPU numbers set in a libvirt-python CPU map (a sequence of booleans)."""
    return [n for n, on in enumerate(cpumap) if on]


def format_cpumap(cpumap: Sequence[bool]) -> str:
    """virBitmapDataFormat: a libvirt-python CPU map as virsh prints affinities."""
    return format_bitmap(cpus_of(cpumap))


def cpu_count(conn: Any) -> int:
    """virshNodeGetCPUCount: host CPUs from the CPU map, else from the node info."""
    import libvirt

    try:
        return int(conn.getCPUMap(0)[0])
    except libvirt.libvirtError:
        info = conn.getInfo()
        return int(info[4] * info[5] * info[6] * info[7])


def parse_cpulist(text: str, maxcpu: int) -> tuple[bool, ...]:
    """virshParseCPUList: the CPU map a *pin command sends, or virsh's error."""
    if text.startswith("r"):
        return (True,) * maxcpu
    try:
        bits = parse_bitmap(text)
    except BitmapError as err:
        raise VshError(msg("Invalid cpulist '%s'", text), cause=err) from None
    if not bits:
        raise VshError(msg("Invalid cpulist '%s'", text))
    last = max(bits)
    if last >= maxcpu:
        raise VshError(msg("CPU %d in cpulist '%s' exceed the maxcpu %d", last, text, maxcpu))
    return tuple(n in bits for n in range(maxcpu))
