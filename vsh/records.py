"""Records written as `typing.NamedTuple` classes, built without importing `typing`.

Importing `typing` (with the `re`, `enum` and `functools` it pulls in) costs more than the
rest of a `vsh help` or `vsh echo` run together.  The modules such runs load declare their
records with the usual class syntax, and take `NamedTuple` from here at run time:

    TYPE_CHECKING = False
    if TYPE_CHECKING:
        from typing import NamedTuple
    else:
        from vsh.records import NamedTuple

so that type checkers see `typing.NamedTuple`, and the running program gets the same class,
made by `collections.namedtuple` from the same body: fields from the annotations, defaults
from their values, the methods and docstring as written.
"""
from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _RecordType(type):
    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if not bases:  # NamedTuple itself
            return super().__new__(mcs, name, bases, ns)
        fields = list(ns.get("__annotations__", {}))
        defaults = [ns[field] for field in fields if field in ns]
        if any(field not in ns for field in fields[len(fields) - len(defaults):]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        record = namedtuple(name, fields, defaults=defaults, module=ns.get("__module__"))  # type: ignore[misc]
        for key, value in ns.items():
            if key not in fields and key not in ("__module__", "__slots__", "__dict__", "__weakref__"):
                setattr(record, key, value)
        return record


class NamedTuple(metaclass=_RecordType):
    """Base of a record class, as `typing.NamedTuple` is (see the module's docstring)."""
