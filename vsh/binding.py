"""libvirt-python, loaded the way a one-shot command can afford, and kept from losing its errors.

libvirt-python's module annotates its ~1,300 functions with `typing` forms (`Optional[int]`,
`Callable[...]`), and Python evaluates them as the module loads.  Importing `typing` for that
(with `re`, `enum`, `collections`, `functools` and `contextlib` behind it) and building those forms
costs a one-shot `vsh list` about a third of its run, for annotations only a type checker reads.

So the first load lends the module a stand-in for `typing` that has just the names it imports, each
one a form that accepts any subscript or call.  Nothing else sees the stand-in: it is in place only
for the length of that import, and `typing` imported later is the real one.  A libvirt-python that
needs anything more (another name, a class built on `Protocol` or `Generic`) fails under the
stand-in, and is then imported as usual: never broken, only not faster.  The functions' annotations
hold the stand-in's forms, which no code reads at run time.

The module also keeps libvirt's errors from Python's garbage collector: see keep_errors().
"""
from __future__ import annotations

import _thread
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Callable

#: The names libvirt-python's module imports from `typing`.
FORMS = ("Any", "Callable", "Optional", "Union", "TypeVar")


class Form:
    """A typing form in name only: subscripting or calling it gives itself."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, _params: object) -> Form:
        return self

    def __call__(self, *_args: object, **_kwargs: object) -> Form:
        return self

    def __repr__(self) -> str:
        return f"typing.{self.name}"


def overload(fn: object) -> object:
    """`typing.overload` for the stand-in: the last, undecorated definition replaces it anyway."""
    return fn


def stand_in() -> ModuleType:
    """A `typing` module with only the names libvirt-python imports from it."""
    module = type(sys)("typing")
    for name in FORMS:
        setattr(module, name, Form(name))
    module.overload = overload  # type: ignore[attr-defined]
    return module


_lock = _thread.allocate_lock()
_module: ModuleType | None = None


def load() -> ModuleType:
    """The `libvirt` module, imported once; with the stand-in when `typing` is not loaded yet.

    The first call must come before vsh starts a thread of its own (vsh.connection makes it so):
    while the stand-in is lent, any other thread importing `typing` would get it.
    """
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            _module = _import()
    return _module


def _import() -> ModuleType:
    if "typing" not in sys.modules and "libvirt" not in sys.modules:
        lent = sys.modules["typing"] = stand_in()
        try:
            import libvirt

            return libvirt
        except Exception:  # noqa: BLE001 - anything the stand-in lacks: the usual import below
            sys.modules.pop("libvirt", None)
        finally:
            if sys.modules.get("typing") is lent:
                del sys.modules["typing"]
    import libvirt

    return libvirt


# Objects whose freeing waits until no error of their thread is waiting to be read.
_later: list[tuple[Callable[[Any], None], Any]] = []


def keep_errors() -> None:
    """Stop Python's cyclic garbage collector from erasing the error of a failed libvirt call.

    libvirt keeps a thread's last error until its next API call, and libvirt-python reads it
    only when it builds the libvirtError, after the failed call has returned.  The collector
    may run in between (on any allocation, such as the exception's own) and finalize garbage
    that holds libvirt objects; their `__del__` calls virXxxFree, an API call that resets the
    error, and the user would read "virStorageVolLookupByPath() failed" for "Storage volume
    not found: ...".  So an object finalized while its thread has an error waiting is freed
    later: by the next finalization that finds no error waiting, or by release() at the end of
    the command.  Once per process.
    """
    libvirt = load()
    waiting = libvirt.libvirtmod.virGetLastErrorCode
    for cls in vars(libvirt).values():
        free = vars(cls).get("__del__") if isinstance(cls, type) else None
        if free is not None and not getattr(free, "keeps_errors", False):
            cls.__del__ = _deferring(free, waiting)


def _deferring(free: Callable[[Any], None], waiting: Callable[[], int]) -> Callable[[Any], None]:
    def __del__(self: Any) -> None:
        if waiting():  # VIR_ERR_OK is 0
            _later.append((free, self))  # kept alive here; its finalizer is not run twice
            return
        free(self)
        while _later and not waiting():
            deferred, obj = _later.pop()
            deferred(obj)

    __del__.keeps_errors = True  # type: ignore[attr-defined]
    return __del__


def release() -> None:
    """At the end of a command, whose errors have been reported: free what keep_errors kept."""
    if _later:
        sys.modules["libvirt"].libvirtmod.virResetLastError()
        while _later:
            deferred, obj = _later.pop()
            deferred(obj)
