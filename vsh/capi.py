"""libvirt C calls that libvirt-python wraps too loosely for virsh's behaviour, made through ctypes.

libvirt-python turns typed parameters into a dict and back, which loses what virsh shows
and does: the C type of each field (memtune prints `unlimited` only for an unsigned long
long), repeated fields (`perf --enable cmt --disable cmt` is libvirt's error to report), and
fields the driver does not list (the binding refuses them itself, with its own words).
Its setters also read the current values first, and its getters ask for the count with
the device name, so failures come from another call than virsh's.  Its
virDomainGetVcpuPinInfo asks for as many maps as vCPUs are online, where virsh asks
for the maximum.  The calls here go to the same libvirt library libvirt-python has
loaded, on the same virDomainPtr, and raise libvirt.libvirtError as the binding does.
"""
from __future__ import annotations

import ctypes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple, Sequence
else:
    from vsh.records import NamedTuple

#: libvirt's virTypedParameterType codes and the names vsh.typedparams uses.
KINDS = {1: "int", 2: "uint", 3: "llong", 4: "ullong", 5: "double", 6: "boolean", 7: "string"}
_CODES = {name: code for code, name in KINDS.items()}


class TypedParam(NamedTuple):
    """One typed parameter: its field name, its C type ("ullong", "string", ...) and value."""

    field: str
    kind: str
    value: Any


class _Value(ctypes.Union):
    _fields_ = [("i", ctypes.c_int), ("ui", ctypes.c_uint), ("l", ctypes.c_longlong),
                ("ul", ctypes.c_ulonglong), ("d", ctypes.c_double), ("b", ctypes.c_char),
                ("s", ctypes.c_void_p)]


class _Param(ctypes.Structure):
    _fields_ = [("field", ctypes.c_char * 80), ("type", ctypes.c_int), ("value", _Value)]


class StageError(Exception):
    """A getter failed: `counting` tells whether it was the call that asks for the count."""

    def __init__(self, err: BaseException, counting: bool) -> None:
        super().__init__(str(err))
        self.err = err
        self.counting = counting


_LIB: Any = None


def _lib() -> Any:
    global _LIB
    if _LIB is None:
        import libvirtmod

        _LIB = ctypes.CDLL(libvirtmod.__file__)
    return _LIB


def _pointer(dom: Any) -> int:
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return int(get(dom._o, b"virDomainPtr"))


def _fail(name: str) -> Exception:
    import libvirt

    return libvirt.libvirtError(f"{name}() failed")


def _lead_args(lead: Sequence[Any]) -> list[Any]:
    return [a.encode("utf-8", "surrogateescape") if isinstance(a, str) else
            (None if a is None else ctypes.c_uint(a)) for a in lead]


def _decode(params: Any, count: int) -> list[TypedParam]:
    out = []
    for p in params[:count]:
        kind = KINDS.get(p.type, "unknown")
        v = p.value
        value: Any
        if kind == "string":
            value = ctypes.string_at(v.s).decode("utf-8", "surrogateescape") if v.s else ""
        elif kind == "boolean":
            value = v.b != b"\0"
        else:
            value = {"int": v.i, "uint": v.ui, "llong": v.l, "ullong": v.ul, "double": v.d}.get(kind)
        out.append(TypedParam(p.field.decode("utf-8", "surrogateescape"), kind, value))
    return out


def get_params(dom: Any, name: str, flags: int, lead: Sequence[Any] = (), count_lead: Sequence[Any] | None = None
               ) -> list[TypedParam]:
    """A virDomainGet*Parameters-style getter, called as virsh calls it: count, then fetch.

    `lead` are the arguments before the array (a disk, an interface); `count_lead`, when
    given, replaces them in the counting call (virsh counts block I/O tuning with no disk).
    """
    lib = _lib()
    func = getattr(lib, name)
    ptr = ctypes.c_void_p(_pointer(dom))
    n = ctypes.c_int(0)
    first = _lead_args(lead if count_lead is None else count_lead)
    if func(ptr, *first, None, ctypes.byref(n), ctypes.c_uint(flags)) != 0:
        raise StageError(_fail(name), True)
    if n.value == 0:
        return []
    params = (_Param * n.value)()
    if func(ptr, *_lead_args(lead), params, ctypes.byref(n), ctypes.c_uint(flags)) != 0:
        raise StageError(_fail(name), False)
    try:
        return _decode(params, n.value)
    finally:
        lib.virTypedParamsClear(params, n)


def get_perf_events(dom: Any, flags: int) -> list[TypedParam]:
    """virDomainGetPerfEvents, whose array libvirt allocates."""
    lib = _lib()
    params = ctypes.POINTER(_Param)()
    n = ctypes.c_int(0)
    if lib.virDomainGetPerfEvents(ctypes.c_void_p(_pointer(dom)), ctypes.byref(params), ctypes.byref(n),
                                  ctypes.c_uint(flags)) != 0:
        raise _fail("virDomainGetPerfEvents")
    try:
        return _decode(params, n.value)
    finally:
        lib.virTypedParamsFree(params, n)


def set_params(dom: Any, name: str, params: Sequence[TypedParam], flags: int, lead: Sequence[Any] = ()) -> None:
    """A virDomainSet*Parameters-style setter with exactly `params`, in order (repeats kept)."""
    array = (_Param * max(len(params), 1))()
    keep: list[Any] = []
    for slot, p in zip(array, params):
        slot.field = p.field.encode("utf-8", "surrogateescape")[:79]
        slot.type = _CODES[p.kind]
        if p.kind == "string":
            buf = ctypes.create_string_buffer(str(p.value).encode("utf-8", "surrogateescape"))
            keep.append(buf)
            slot.value.s = ctypes.cast(buf, ctypes.c_void_p).value
        elif p.kind == "boolean":
            slot.value.b = b"\1" if p.value else b"\0"
        elif p.kind == "double":
            slot.value.d = float(p.value)
        else:
            setattr(slot.value, {"int": "i", "uint": "ui", "llong": "l", "ullong": "ul"}[p.kind], int(p.value))
    func = getattr(_lib(), name)
    if func(ctypes.c_void_p(_pointer(dom)), *_lead_args(lead), array, ctypes.c_int(len(params)),
            ctypes.c_uint(flags)) < 0:
        raise _fail(name)


def vcpu_pin_info(dom: Any, maps: int, maxcpu: int, flags: int) -> list[tuple[bool, ...]]:
    """virDomainGetVcpuPinInfo for `maps` vCPUs (virsh asks for the maximum count)."""
    maplen = (maxcpu + 7) // 8
    buf = ctypes.create_string_buffer(max(maps, 1) * maplen)
    got = _lib().virDomainGetVcpuPinInfo(ctypes.c_void_p(_pointer(dom)), ctypes.c_int(maps), buf,
                                         ctypes.c_int(maplen), ctypes.c_uint(flags))
    if got < 0:
        raise _fail("virDomainGetVcpuPinInfo")
    raw = buf.raw
    return [tuple(bool(raw[v * maplen + c // 8] >> (c % 8) & 1) for c in range(maxcpu)) for v in range(got)]
