"""vsh.records builds the same records as typing.NamedTuple from the same class body."""
from __future__ import annotations

import typing

import pytest

from vsh import records


def _make(base: type) -> type:
    class Point(base):  # type: ignore[valid-type, misc]
        """A point."""

        x: int
        y: int = 0
        label: str = "p"

        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

        @property
        def shown(self) -> str:
            return f"{self.label}({self.x}, {self.y})"

    return Point


def test_same_behaviour_as_typing_namedtuple() -> None:
    ours, theirs = _make(records.NamedTuple), _make(typing.NamedTuple)
    for cls in (ours, theirs):
        p = cls(3, -4)
        assert tuple(p) == (3, -4, "p")
        assert p.norm() == 7 and p.shown == "p(3, -4)"
        assert p._replace(label="q").shown == "q(3, -4)"
        assert cls._fields == ("x", "y", "label")
        assert cls._field_defaults == {"y": 0, "label": "p"}
        assert cls.__doc__ == "A point."
        assert repr(p) == "Point(x=3, y=-4, label='p')"
        assert p == (3, -4, "p") and isinstance(p, tuple)
    assert ours.__module__ == theirs.__module__ == __name__


def test_a_field_without_default_after_one_with_default_is_refused() -> None:
    with pytest.raises(TypeError):
        class Bad(records.NamedTuple):
            a: int = 1
            b: int
