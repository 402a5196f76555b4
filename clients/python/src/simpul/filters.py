"""Filter expressions that read like pandas and compile to the protocol's ``where`` JSON.

>>> from simpul import col
>>> ((col("age") >= 60) & (col("smoker") == True)).to_json()
{'and': [{'column': 'age', 'op': '>=', 'value': 60}, {'column': 'smoker', 'op': '=', 'value': True}]}

Combine with ``&`` (and), ``|`` (or) and ``~`` (not); Python's ``and``/``or``/``not`` keywords cannot be overloaded and
raise a TypeError rather than silently dropping a condition.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, List, Mapping, Union

Scalar = Union[str, int, float, bool]
JsonFilter = Dict[str, Any]


def _scalar(v: Any) -> Scalar:
    """A value as the protocol carries it: numbers, strings, booleans; dates and timestamps as ISO strings."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    # numpy scalars, pandas Timestamps and the like
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    if hasattr(v, "item"):
        return _scalar(v.item())
    raise TypeError(f"a filter value must be a string, number, boolean or date, not {type(v).__name__}")


class Expr:
    """A filter expression. Build it with :func:`col`; pass it as ``where=``; ``to_json()`` gives the protocol's form."""

    __slots__ = ("_json",)

    def __init__(self, json: JsonFilter) -> None:
        self._json = json

    def to_json(self) -> JsonFilter:
        return self._json

    def __and__(self, other: "Expr") -> "Expr":
        return Expr({"and": _flatten("and", self, other)})

    def __or__(self, other: "Expr") -> "Expr":
        return Expr({"or": _flatten("or", self, other)})

    def __invert__(self) -> "Expr":
        return Expr({"not": self._json})

    def __bool__(self) -> bool:
        raise TypeError("use & | ~ to combine filter expressions (and, or, not cannot be overloaded)")

    def __repr__(self) -> str:
        return f"Expr({self._json!r})"

    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return isinstance(other, Expr) and other._json == self._json

    __hash__ = None  # type: ignore[assignment]


def _flatten(kind: str, a: Expr, b: Expr) -> List[JsonFilter]:
    out: List[JsonFilter] = []
    for e in (a, b):
        if not isinstance(e, Expr):
            raise TypeError(f"cannot combine a filter expression with {type(e).__name__}")
        j = e.to_json()
        out.extend(j[kind] if set(j) == {kind} else [j])
    return out


class _Str:
    """String conditions, as pandas spells them: ``col("notes").str.contains("follow")``."""

    __slots__ = ("_column",)

    def __init__(self, column: str) -> None:
        self._column = column

    def contains(self, text: str) -> Expr:
        """Cells whose text contains ``text``, ignoring case."""
        return Expr({"column": self._column, "op": "contains", "value": str(text)})

    def startswith(self, prefix: str) -> Expr:
        """Cells whose text starts with ``prefix`` (case matters)."""
        return Expr({"column": self._column, "op": "starts_with", "value": str(prefix)})


class Column:
    """A column in a filter; comparisons with it make :class:`Expr` conditions."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("a column name is a non-empty string")
        self.name = name

    def _cmp(self, op: str, value: Any) -> Expr:
        if value is None:
            raise TypeError(f"compare with None using isna()/notna(), not {op}")
        return Expr({"column": self.name, "op": op, "value": _scalar(value)})

    def __eq__(self, value: Any) -> Expr:  # type: ignore[override]
        if value is None:
            return self.isna()
        return self._cmp("=", value)

    def __ne__(self, value: Any) -> Expr:  # type: ignore[override]
        if value is None:
            return self.notna()
        return self._cmp("!=", value)

    def __lt__(self, value: Any) -> Expr:
        return self._cmp("<", value)

    def __le__(self, value: Any) -> Expr:
        return self._cmp("<=", value)

    def __gt__(self, value: Any) -> Expr:
        return self._cmp(">", value)

    def __ge__(self, value: Any) -> Expr:
        return self._cmp(">=", value)

    __hash__ = None  # type: ignore[assignment]

    def isin(self, values: Iterable[Any]) -> Expr:
        vals = [_scalar(v) for v in values]
        if not vals:
            raise ValueError("isin needs at least one value")
        return Expr({"column": self.name, "op": "in", "value": vals})

    def notin(self, values: Iterable[Any]) -> Expr:
        vals = [_scalar(v) for v in values]
        if not vals:
            raise ValueError("notin needs at least one value")
        return Expr({"column": self.name, "op": "not_in", "value": vals})

    def between(self, low: Any, high: Any) -> Expr:
        """Inclusive at both ends, like pandas' ``Series.between``."""
        return Expr({"column": self.name, "op": "between", "value": [_scalar(low), _scalar(high)]})

    def isna(self) -> Expr:
        return Expr({"column": self.name, "op": "is_null"})

    isnull = isna

    def notna(self) -> Expr:
        return Expr({"column": self.name, "op": "not_null"})

    notnull = notna

    def __repr__(self) -> str:
        return f"col({self.name!r})"

    @property
    def str(self) -> _Str:  # defined last: below it, `str` in this class body would mean this property
        return _Str(self.name)


def col(name: str) -> Column:
    """A column to filter on: ``col("age") >= 60``."""
    return Column(name)


def where_json(where: Union[Expr, Mapping[str, Any], None]) -> Union[JsonFilter, None]:
    """The protocol's form of a ``where=`` argument: an :class:`Expr`, a JSON dict as PROTOCOL.md writes it, or None."""
    if where is None:
        return None
    if isinstance(where, Expr):
        return where.to_json()
    if isinstance(where, Mapping):
        return dict(where)
    raise TypeError(f"where must be built with col() or be a dict, not {type(where).__name__}")
