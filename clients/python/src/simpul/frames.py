"""Results as pandas objects: rows, describe tables, group tables, coefficient tables, fits and studies."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pandas as pd

from ._stats import Z_975, p_value, t_quantile_975


def typed(df: pd.DataFrame, columns: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Gives each column the dtype its protocol ``kind`` asks for (numbers, booleans, dates); leaves the rest."""
    for c in columns:
        name, kind = c.get("name"), c.get("kind")
        if name not in df.columns:
            continue
        s = df[name]
        try:
            if kind == "number" and s.dtype == object:
                df[name] = pd.to_numeric(s)
            elif kind == "boolean" and str(s.dtype) not in ("bool", "boolean"):
                df[name] = s.astype("boolean")
            elif kind in ("date", "timestamp") and not pd.api.types.is_datetime64_any_dtype(s):
                df[name] = pd.to_datetime(s)
        except (ValueError, TypeError):
            pass  # a cell that does not fit: keep the column as it came
    return df


def rows_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """A ``RowsResult`` (ops 100 and 200) as a DataFrame; counts and disclosure notes go to ``df.attrs``."""
    cols = list(result.get("columns") or [])
    names = [c["name"] for c in cols]
    df = pd.DataFrame(result.get("rows") or [], columns=names)
    df = typed(df, cols)
    attach_meta(df, result)
    return df


def attach_meta(df: pd.DataFrame, result: Mapping[str, Any]) -> None:
    for key in ("total_rows", "matched_rows", "offset", "rows_used", "disclosure", "warnings"):
        if key in result:
            df.attrs[key] = result[key]


_DESCRIBE_ROWS = [
    ("count", "count"), ("mean", "mean"), ("std", "sd"), ("min", "min"), ("25%", "q1"), ("50%", "median"),
    ("75%", "q3"), ("max", "max"), ("nulls", "nulls"), ("distinct", "distinct"),
]


def describe_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """A describe result laid out as pandas' ``describe()``: one column per dataset column, statistics down the index.
    Withheld statistics are None (NaN); text columns also get ``top`` and ``freq``."""
    table: Dict[str, Dict[str, Any]] = {}
    for c in result.get("columns") or []:
        col: Dict[str, Any] = {label: c.get(key) for label, key in _DESCRIBE_ROWS}
        top = c.get("top") or []
        if top:
            col["top"] = top[0].get("value")
            col["freq"] = top[0].get("count")
        table[c["name"]] = col
    index = [label for label, _ in _DESCRIBE_ROWS]
    if any("top" in v for v in table.values()):
        index += ["top", "freq"]
    df = pd.DataFrame(table, index=index)
    for name in df.columns:
        try:
            df[name] = pd.to_numeric(df[name])  # numeric columns as floats, withheld statistics as NaN
        except (ValueError, TypeError):
            pass  # text columns keep their top value
    attach_meta(df, result)
    df.attrs["result"] = dict(result)
    return df


def coefficient_frame(coefficients: Sequence[Mapping[str, Any]], *, df_resid: Optional[float], stat: str) -> pd.DataFrame:
    """``estimate, std_error, <t|z>, p, ci_low, ci_high`` per term. p and the 95% interval are the runner's or hub's
    (``p_value``, ``ci_low``, ``ci_high``) when the result has them; for older results they come from the normal
    distribution for z, from Student's t with ``df_resid`` degrees of freedom for t; None where a statistic is withheld."""
    q = Z_975 if df_resid is None else t_quantile_975(df_resid)
    rows: List[Dict[str, Any]] = []
    for c in coefficients:
        est, se, s = c.get("estimate"), c.get("std_error"), c.get("statistic")
        ok = isinstance(est, (int, float)) and isinstance(se, (int, float)) and math.isfinite(se)
        rows.append({
            "term": c.get("term"),
            "estimate": est,
            "std_error": se,
            stat: s,
            "p": c["p_value"] if "p_value" in c else p_value(s, df_resid) if isinstance(s, (int, float)) else None,
            "ci_low": c["ci_low"] if "ci_low" in c else est - q * se if ok else None,  # type: ignore[operator]
            "ci_high": c["ci_high"] if "ci_high" in c else est + q * se if ok else None,  # type: ignore[operator]
        })
    out = pd.DataFrame(rows, columns=["term", "estimate", "std_error", stat, "p", "ci_low", "ci_high"]).set_index("term")
    return out.apply(pd.to_numeric, errors="coerce")


def groups_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """A group_by result (analysis or study): the group columns, ``count``, one column per aggregate, ``suppressed``."""
    keys = list(result.get("group_by") or [])
    aggs: List[str] = []
    for a in result.get("aggregates") or []:
        name = a.get("name") or f"{a.get('fn')}_{a.get('column') or 'rows'}"
        if name in keys or name in aggs or name in ("count", "suppressed"):
            name = f"{a.get('fn')}_{a.get('column') or 'rows'}"
        while name in keys or name in aggs or name in ("count", "suppressed"):
            name += "_"
        aggs.append(name)
    rows = []
    for g in result.get("groups") or []:
        row: Dict[str, Any] = dict(zip(keys, g.get("key") or []))
        row["count"] = g.get("count")
        row.update(zip(aggs, g.get("values") or []))
        row["suppressed"] = bool(g.get("suppressed"))
        rows.append(row)
    df = pd.DataFrame(rows, columns=keys + ["count"] + aggs + ["suppressed"])
    attach_meta(df, result)
    return df


def matrix_frame(columns: Sequence[str], values: Optional[Sequence[Sequence[Any]]]) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in (values or [])], index=list(columns), columns=list(columns)).astype(float)


class Result:
    """A result as the hub returned it (``raw``), whose keys also read as attributes: ``fit.r2``, ``fit.metrics``."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw: Dict[str, Any] = dict(raw)

    def __getattr__(self, name: str) -> Any:
        raw = self.__dict__.get("raw", {})
        if name in raw:
            return raw[name]
        raise AttributeError(name)

    @property
    def disclosure(self) -> Optional[Dict[str, Any]]:
        """What the data owner's release gate withheld or changed (None when no policy applied)."""
        return self.raw.get("disclosure")

    @property
    def warnings(self) -> List[str]:
        return list(self.raw.get("warnings") or [])

    def __repr__(self) -> str:
        keys = ", ".join(k for k in self.raw if k not in ("charts",))
        return f"<{type(self).__name__} {self.raw.get('analysis', '')}: {keys}>"


class Fit(Result):
    """A linear or logistic regression. ``coefficients`` is a DataFrame indexed by term (intercept first)."""

    @property
    def coefficients(self) -> pd.DataFrame:
        linear = self.raw.get("analysis") == "linear_regression"
        df_resid = self.raw.get("df") if linear else None
        return coefficient_frame(self.raw.get("coefficients") or [], df_resid=df_resid, stat="t" if linear else "z")


class Clusters(Result):
    """A k-means clustering: ``centroids`` (one row per cluster, features' own units) and ``sizes``."""

    @property
    def centroids(self) -> pd.DataFrame:
        df = pd.DataFrame(self.raw.get("centroids") or [], columns=self.raw.get("features"))
        df.insert(0, "size", self.raw.get("sizes"))
        df.index.name = "cluster"
        return df.apply(pd.to_numeric, errors="coerce")


def study_table(result: Mapping[str, Any]) -> pd.DataFrame:
    """The combined study result as one table: summary columns, histogram bins, groups, a correlation matrix or a
    coefficient table."""
    kind = result.get("analysis")
    if kind == "summary":
        rows = [{k: c.get(k) for k in ("name", "count", "mean", "variance", "sd", "min", "max")} for c in result.get("columns") or []]
        return pd.DataFrame(rows, columns=["name", "count", "mean", "variance", "sd", "min", "max"]).set_index("name")
    if kind == "histogram":
        rows = []
        for h in result.get("histograms") or []:
            edges, counts = h.get("edges") or [], h.get("counts") or []
            for i, n in enumerate(counts):
                rows.append({"column": h.get("column"), "low": edges[i], "high": edges[i + 1], "count": n})
        return pd.DataFrame(rows, columns=["column", "low", "high", "count"])
    if kind == "group_by":
        return groups_frame(result)
    if kind == "correlation":
        return matrix_frame(result.get("columns") or [], result.get("pearson"))
    if kind in ("linear_regression", "logistic_regression"):
        linear = kind == "linear_regression"
        return coefficient_frame(result.get("coefficients") or [], df_resid=result.get("df") if linear else None, stat="t" if linear else "z")
    return pd.DataFrame([result])
