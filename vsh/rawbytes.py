"""Bytes that are not UTF-8, carried through to libvirt as virsh carries them.

virsh hands libvirt the bytes a user typed or a file holds; libvirt-python takes only
text it can encode as UTF-8, so a name like `$'\\xff'` or a Latin-1 XML file would fail
in the binding (UnicodeEncodeError) before libvirt saw it.  vsh keeps such bytes as
surrogate escapes; `install()` wraps the binding's methods so that, only when that
encoding fails, the same C function of libvirt is called with the raw bytes.  libvirt's
own answer then comes back: its error (a real libvirtError, with code, domain and
message, e.g. "no network with matching name" or libxml's parse error) or its result.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_CLASSES = ("virConnect", "virDomain", "virNetwork", "virNetworkPort", "virInterface", "virStoragePool",
            "virStorageVol", "virNodeDevice", "virSecret", "virNWFilter", "virNWFilterBinding",
            "virDomainSnapshot", "virDomainCheckpoint")
_installed = False
_ANY_ARGS = 0x04 | 0x08  # inspect.CO_VARARGS | inspect.CO_VARKEYWORDS (inspect itself is slow to import)
_NAMES: dict[str, bytes] = {}  # capsule names, kept alive for as long as the capsules


def install() -> None:
    """Wrap the methods of libvirt-python's object classes that take text, once (cheap; only
    failures pay)."""
    global _installed
    if _installed:
        return
    import types

    import libvirt

    _installed = True
    for cls_name in _CLASSES:
        cls = getattr(libvirt, cls_name, None)
        if cls is None:
            continue
        for name, fn in list(vars(cls).items()):
            if name.startswith("_") or not isinstance(fn, types.FunctionType) or not _takes_text(fn):
                continue
            setattr(cls, name, _wrapped(fn))


def _takes_text(fn: Callable[..., Any]) -> bool:
    """Whether a method may be given text: it has a parameter other than `flags`.

    Over half of the binding's methods (name(), info(), XMLDesc(flags), isAlive(), ...) take
    nothing but flags, so they can never fail to encode; left unwrapped, each call of them
    costs no extra Python frame (a batch makes thousands)."""
    code = fn.__code__
    if code.co_flags & _ANY_ARGS or code.co_kwonlyargcount:
        return True
    count = code.co_argcount  # self included
    return count > 2 or (count == 2 and code.co_varnames[1] != "flags")


def _wrapped(fn: Callable[..., Any]) -> Callable[..., Any]:
    # Not functools.wraps: copying every attribute of ~400 methods is start-up time a
    # one-shot command pays; the name and docstring are what help() and tracebacks use.
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except UnicodeEncodeError:
            return _raw_call(fn, self, args, kwargs)
    call.__name__, call.__qualname__, call.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    call.__wrapped__ = fn  # type: ignore[attr-defined]
    return call


def _ignore(_data: Any, _err: Any) -> None:
    return None


_ERROR_FUNC: Any = None
_NO_OP: Any = None


def _last_error(lib: Any, cname: str) -> Exception:
    """libvirt's last error of this thread as a libvirtError, its message's bytes kept."""
    import ctypes

    import libvirt

    class _Error(ctypes.Structure):
        _fields_ = [("code", ctypes.c_int), ("domain", ctypes.c_int), ("message", ctypes.c_char_p),
                    ("level", ctypes.c_int), ("conn", ctypes.c_void_p), ("dom", ctypes.c_void_p),
                    ("str1", ctypes.c_char_p), ("str2", ctypes.c_char_p), ("str3", ctypes.c_char_p),
                    ("int1", ctypes.c_int), ("int2", ctypes.c_int)]

    lib.virGetLastError.restype = ctypes.POINTER(_Error)
    found = lib.virGetLastError()
    err = libvirt.libvirtError.__new__(libvirt.libvirtError)
    if not found:
        Exception.__init__(err, f"{cname}() failed")
        err.err = None
        return err

    def text(raw: bytes | None) -> str | None:
        return None if raw is None else raw.decode("utf-8", "surrogateescape")

    e = found.contents
    message = text(e.message)
    Exception.__init__(err, message or f"{cname}() failed")
    err.err = (e.code, e.domain, message, e.level, text(e.str1), text(e.str2), text(e.str3), e.int1, e.int2)
    return err


def _pointer(obj: Any) -> Any:
    import ctypes

    capsule = getattr(obj, "_o", None)
    if capsule is None:
        return None
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return ctypes.c_void_p(api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule)))


def _raw_call(fn: Callable[..., Any], self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call libvirt's C function behind `fn` with bytes; re-raise when it cannot be done."""
    import ctypes

    import libvirt

    code = fn.__code__
    cname = next((n for n in code.co_names if n.startswith("vir") and hasattr(libvirt.libvirtmod, n)), None)
    int_result = -1 in code.co_consts
    wrap_cls = next((getattr(libvirt, n) for n in code.co_names if n in _CLASSES), None)
    if cname is None or (not int_result and wrap_cls is None):
        raise
    import inspect

    bound = inspect.signature(fn).bind(self, *args, **kwargs)
    bound.apply_defaults()
    cargs: list[Any] = []
    for value in bound.arguments.values():
        if isinstance(value, str):
            cargs.append(ctypes.c_char_p(value.encode("utf-8", "surrogateescape")))
        elif value is None:
            cargs.append(ctypes.c_void_p(None))
        elif isinstance(value, bool) or isinstance(value, int):
            cargs.append(ctypes.c_longlong(int(value)) if value < 0 else ctypes.c_ulonglong(int(value)))
        elif getattr(value, "_o", None) is not None:
            cargs.append(_pointer(value))
        else:
            raise
    lib = ctypes.CDLL("libvirt.so.0")
    cfunc = getattr(lib, cname)
    cfunc.restype = ctypes.c_int if int_result else ctypes.c_void_p
    # libvirt-python's error callback cannot decode a message that quotes the bytes: a C
    # no-op stands in during the call, and vsh's silent handler is put back after it.
    global _ERROR_FUNC, _NO_OP
    if _NO_OP is None:
        _ERROR_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
        _NO_OP = _ERROR_FUNC(_ignore)
    lib.virSetErrorFunc.argtypes = [ctypes.c_void_p, _ERROR_FUNC]
    lib.virSetErrorFunc(None, _NO_OP)
    try:
        result = cfunc(*cargs)
        failed = result == -1 if int_result else not result
        error = _last_error(lib, cname) if failed else None
    finally:
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    if error is not None:
        raise error
    if int_result:
        return result
    assert wrap_cls is not None
    name = _NAMES.setdefault(wrap_cls.__name__, (wrap_cls.__name__ + "Ptr").encode())
    api = ctypes.pythonapi
    api.PyCapsule_New.restype = ctypes.py_object
    api.PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule = api.PyCapsule_New(result, name, None)
    # Objects made by a connection belong to it; those made by another object (a pool's
    # volume, a domain's snapshot) take what the binding gives them: that object's owner.
    owner = self if isinstance(self, libvirt.virConnect) or wrap_cls.__name__.startswith("virDomain") \
        else getattr(self, "_conn", self)
    return wrap_cls(owner, _obj=capsule)
