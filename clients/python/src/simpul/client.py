"""The hub client: one call per task, blocking by default, DataFrames back."""
from __future__ import annotations

import contextvars
import hashlib
import io
import json
import os
import random
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import httpx
import pandas as pd

from .errors import DatasetNotFound, PolicyDenied, RateLimited, SimpulError, error_from
from .filters import Expr, where_json
from .frames import Clusters, Fit, Result, attach_meta, describe_frame, groups_frame, matrix_frame, rows_frame, typed
from .tasks import Study, Task

__all__ = ["Client", "MAX_PAGE_ROWS"]

MAX_PAGE_ROWS = 100_000  # the protocol's largest page (limit) for ops 100 and 200

Where = Union[Expr, Mapping[str, Any], None]
OrderBy = Union[str, Tuple[str, str], Mapping[str, str]]

_SUBMITTING: contextvars.ContextVar[bool] = contextvars.ContextVar("simpul_submitting", default=False)

# Methods that `submit()` may run in the background.
SUBMITTABLE = (
    "fetch", "filter", "describe", "correlation", "group_by", "linear_regression", "logistic_regression", "kmeans",
    "export", "analyse", "study",
)


def _drop_none(d: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _order_by(order_by: Union[OrderBy, Sequence[OrderBy], None]) -> Optional[List[Dict[str, str]]]:
    """``"age"``, ``"-age"`` (descending), ``("age", "desc")`` or ``{"column", "direction"}``, alone or in a list."""
    if order_by is None:
        return None
    items: Sequence[Any] = [order_by] if isinstance(order_by, (str, tuple, Mapping)) else list(order_by)
    out: List[Dict[str, str]] = []
    for o in items:
        if isinstance(o, str):
            out.append({"column": o[1:], "direction": "desc"} if o.startswith("-") else {"column": o, "direction": "asc"})
        elif isinstance(o, tuple):
            out.append({"column": o[0], "direction": o[1]})
        else:
            out.append(dict(o))
    return out


def _aggregates(aggregates: Optional[Iterable[Any]]) -> Optional[List[Dict[str, str]]]:
    """``{"fn": "mean", "column": "age"}``, ``("mean", "age")`` or ``"count"``."""
    if aggregates is None:
        return None
    out: List[Dict[str, str]] = []
    for a in aggregates:
        if isinstance(a, str):
            out.append({"fn": a})
        elif isinstance(a, tuple):
            out.append({"fn": a[0], "column": a[1]} if len(a) > 1 else {"fn": a[0]})
        else:
            out.append(dict(a))
    return out


def _retry_after(r: httpx.Response) -> Optional[float]:
    v = r.headers.get("retry-after")
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


class Client:
    """A connection to a Simpul hub as one user.

    ``Client(url, token=...)`` with a personal API token (``smp_…``) or a session token, or
    ``Client(url, username=..., password=...)``, which logs in. Without either, ``SIMPUL_TOKEN`` from the environment.

    ``progress`` (default True) shows a tqdm bar while a task runs; every method takes ``progress=`` too.
    ``max_retries`` (default 0) retries requests the hub answers with ``429 rate_limited``, waiting what its
    ``Retry-After`` says (or backing off exponentially with jitter). ``queue_unserved`` (default False): a task for a
    dataset that no runner serves raises :class:`DatasetNotFound` at once (the hub's message names close names); True
    leaves it queued for a runner that may come.
    """

    def __init__(
        self,
        url: str,
        token: Optional[str] = None,
        *,
        username: Optional[str] = None,
        password: Optional[str] = None,
        progress: bool = True,
        max_retries: int = 0,
        timeout: float = 60.0,
        verify: Union[bool, str] = True,
        queue_unserved: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self.progress = progress
        self.max_retries = max_retries
        self.queue_unserved = queue_unserved
        self._http = httpx.Client(base_url=self.url, timeout=timeout, verify=verify, follow_redirects=False)
        self.user: Optional[Dict[str, Any]] = None
        if token is None and username is None:
            token = os.environ.get("SIMPUL_TOKEN")
        if username is not None:
            if password is None:
                raise ValueError("a username needs a password")
            try:
                reply = self._request("POST", "/auth/login", json={"username": username, "password": password}, auth=False)
            except BaseException:
                self._http.close()
                raise
            token = reply["token"]
            self.user = reply.get("user")
        if not token:
            raise ValueError("give token=... (or SIMPUL_TOKEN), or username= and password=")
        self.token: str = token
        self._http.headers["authorization"] = f"Bearer {token}"

    # ---- HTTP ---------------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        who = f" as {self.user['username']}" if self.user and "username" in self.user else ""
        return f"<simpul.Client {self.url}{who}>"

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        timeout: Optional[float] = None,
        auth: bool = True,
    ) -> Any:
        """One call to ``/api/v1`` + ``path``; error bodies raise their exception; 429 retried when asked."""
        attempt = 0
        while True:
            kw: Dict[str, Any] = {"params": params}
            if json is not None:
                kw["json"] = json
            if timeout is not None:
                kw["timeout"] = timeout
            if not auth:
                kw["headers"] = {"authorization": ""}
            r = self._http.request(method, f"/api/v1{path}", **kw)
            if r.status_code < 400:
                return r.json() if r.content else {}
            try:
                body = r.json()
                info = body.get("error") if isinstance(body, dict) else None
            except ValueError:
                info = None
            err = error_from(info or {"code": "error", "message": r.text or f"HTTP {r.status_code}"}, status=r.status_code, retry_after=_retry_after(r))
            if isinstance(err, RateLimited) and attempt < self.max_retries:
                delay = err.retry_after if err.retry_after is not None else min(30.0, 0.5 * 2 ** attempt)
                time.sleep(max(0.05, delay) + random.uniform(0, 0.25))
                attempt += 1
                continue
            raise err

    def download(self, url: str, sha256: Optional[str] = None) -> bytes:
        """The bytes behind a result's link (``/api/v1/result/{id}/download``, which redirects to a signed link),
        checked against ``sha256`` when given."""
        r = self._http.get(url, follow_redirects=True, timeout=300)
        if r.status_code >= 400:
            try:
                info = r.json().get("error")
            except ValueError:
                info = None
            raise error_from(info or {"code": "error", "message": f"download failed: HTTP {r.status_code}"}, status=r.status_code)
        data = r.content
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            raise SimpulError(f"the file at {url} does not match its SHA-256", code="bad_download")
        return data

    # ---- who and what -------------------------------------------------------------------------------------------

    def me(self) -> Dict[str, Any]:
        """The logged-in user (``GET /auth/me``)."""
        return self._request("GET", "/auth/me")

    def runners(self) -> pd.DataFrame:
        """The runners you may use: runner_id, name, online, status, transport, active_tasks, last_seen, datasets."""
        rs = self._request("GET", "/runners")["runners"]
        rows = [{**{k: r.get(k) for k in ("runner_id", "name", "online", "status", "transport", "active_tasks", "last_seen", "version", "labels")},
                 "datasets": [d["name"] for d in r.get("datasets") or []]} for r in rs]
        return pd.DataFrame(rows, columns=["runner_id", "name", "online", "status", "transport", "active_tasks", "last_seen", "version", "labels", "datasets"])

    def datasets(self) -> pd.DataFrame:
        """Every dataset the runners you may use advertise: dataset, runner, runner_id, online, rows, columns (their
        names), policy (the data owner's rules) and error (when the runner could not open it). One row per runner and
        dataset: a dataset served by several runners appears once for each."""
        rows = []
        for r in self._request("GET", "/runners")["runners"]:
            if r.get("revoked"):
                continue
            for d in r.get("datasets") or []:
                rows.append({
                    "dataset": d.get("name"),
                    "runner": r.get("name"),
                    "runner_id": r.get("runner_id"),
                    "online": r.get("online"),
                    "rows": d.get("row_count"),
                    "columns": [c.get("name") for c in d.get("columns") or []],
                    "policy": d.get("policy"),
                    "error": d.get("error"),
                })
        df = pd.DataFrame(rows, columns=["dataset", "runner", "runner_id", "online", "rows", "columns", "policy", "error"])
        return df.sort_values(["dataset", "runner"], ignore_index=True)

    def schema(self, dataset: str) -> pd.DataFrame:
        """A dataset's columns as its runners advertise them: name, type, kind."""
        for r in self._request("GET", "/runners")["runners"]:
            for d in r.get("datasets") or []:
                if d.get("name") == dataset:
                    return pd.DataFrame(d.get("columns") or [], columns=["name", "type", "kind"])
        raise DatasetNotFound(f'no runner you may use serves "{dataset}"')

    # ---- tasks --------------------------------------------------------------------------------------------------

    def submit(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Starts ``method`` (``"filter"``, ``"describe"``, ``"study"``, …) with these arguments and returns at once with
        a :class:`Task` (a :class:`Study` for ``"study"``) instead of waiting: ``task.status``, ``task.progress``,
        ``task.result()``, ``task.cancel()``."""
        if method not in SUBMITTABLE:
            raise ValueError(f"submit runs one of {', '.join(SUBMITTABLE)}, not {method!r}")
        token = _SUBMITTING.set(True)
        try:
            return getattr(self, method)(*args, **kwargs)
        finally:
            _SUBMITTING.reset(token)

    def task(self, task_id: str) -> Task:
        """A handle on an existing task (its result comes back as the raw protocol result)."""
        return Task(self, task_id, lambda r, _id: r, task_id)

    def create_task(
        self,
        op: int,
        params: Mapping[str, Any],
        *,
        runner_id: Optional[str] = None,
        timeout_s: Optional[int] = None,
        max_attempts: Optional[int] = None,
        parse: Optional[Callable[[Any, str], Any]] = None,
        label: Optional[str] = None,
    ) -> Task:
        """``POST /tasks`` with an op code and its params exactly as PROTOCOL.md has them; returns the :class:`Task`."""
        body = _drop_none({"op": op, "params": dict(params), "runner_id": runner_id, "timeout_s": timeout_s, "max_attempts": max_attempts})
        reply = self._request("POST", "/tasks", json=body)
        task = Task(self, reply["task_id"], parse or (lambda r, _id: r), label or f"op {op} {params.get('dataset', '')}".strip(), reply.get("warnings"))
        if task.warnings:
            if not self.queue_unserved:
                try:
                    task.cancel()
                except SimpulError:
                    pass
                raise DatasetNotFound("; ".join(task.warnings), task_id=task.id)
            for w in task.warnings:
                warnings.warn(w, stacklevel=3)
        return task

    def _run(self, op: int, params: Mapping[str, Any], parse: Callable[[Any, str], Any], label: str, opts: Mapping[str, Any]) -> Any:
        unknown = set(opts) - set(_TASK_KEYS)
        if unknown:
            raise TypeError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
        progress = opts.get("progress")
        task = self.create_task(
            op, _drop_none(params), runner_id=opts.get("runner_id"), timeout_s=opts.get("timeout_s"),
            max_attempts=opts.get("max_attempts"), parse=parse, label=label,
        )
        if _SUBMITTING.get():
            return task
        return task.result(progress=progress)

    # ---- results that travel as files ---------------------------------------------------------------------------

    def _read_table(self, blob: Mapping[str, Any]) -> pd.DataFrame:
        data = self.download(blob["url"], blob.get("sha256"))
        fmt = str(blob.get("format") or "").lower()
        if fmt == "parquet":
            try:
                return pd.read_parquet(io.BytesIO(data))
            except ImportError as e:
                raise ImportError("this result came as a Parquet file: install pyarrow (pip install 'simpul[parquet]')") from e
        if fmt == "csv":
            return pd.read_csv(io.BytesIO(data))
        if fmt == "json":
            return pd.DataFrame(json.loads(data))
        raise SimpulError(f"cannot read a {fmt or 'file of unknown format'} into a DataFrame", code="bad_download")

    def _rows(self, result: Mapping[str, Any], _task_id: str) -> pd.DataFrame:
        blob = result.get("blob")
        if isinstance(blob, Mapping) and blob.get("url"):
            df = typed(self._read_table(blob), result.get("columns") or [])
            attach_meta(df, result)
            df.attrs["blob"] = dict(blob)
            return df
        return rows_frame(result)

    def _analysis(self, result: Mapping[str, Any], _task_id: str) -> Dict[str, Any]:
        """An analysis result; a large one is a stub whose whole result is a JSON file in the blob store."""
        blob = result.get("blob")
        if isinstance(blob, Mapping) and blob.get("url") and "columns" not in result and "coefficients" not in result:
            full = json.loads(self.download(blob["url"], blob.get("sha256")))
            if "disclosure" in result and "disclosure" not in full:
                full["disclosure"] = result["disclosure"]
            full.setdefault("blob", dict(blob))  # where it came from
            return full
        return dict(result)

    # ---- ops 100 and 200: rows ----------------------------------------------------------------------------------

    def fetch(
        self,
        dataset: str,
        columns: Optional[Sequence[str]] = None,
        *,
        limit: int = 100,
        offset: int = 0,
        order_by: Union[OrderBy, Sequence[OrderBy], None] = None,
        all_rows: bool = False,
        **task: Any,
    ) -> pd.DataFrame:
        """Op 100: raw rows, ``limit`` from ``offset`` (at most the data owner's ``max_rows`` a task)."""
        params = {"dataset": dataset, "columns": list(columns) if columns else None, "order_by": _order_by(order_by)}
        if all_rows:
            return self._all_rows(100, params, offset, task)
        return self._run(100, {**params, "limit": limit, "offset": offset}, self._rows, f"fetch {dataset}", task)

    def filter(
        self,
        dataset: str,
        where: Where,
        columns: Optional[Sequence[str]] = None,
        *,
        limit: int = 100,
        offset: int = 0,
        order_by: Union[OrderBy, Sequence[OrderBy], None] = None,
        all_rows: bool = False,
        **task: Any,
    ) -> pd.DataFrame:
        """Op 200: the rows that match ``where`` (build it with :func:`col`). ``df.attrs`` holds ``matched_rows``,
        ``total_rows`` and the ``disclosure`` notes. ``all_rows=True`` pages through every match (``limit`` is then the
        page size, at most 100,000), as far as the owner's policy lets rows leave."""
        if where is None:
            raise ValueError("filter needs where= (build it with col()); fetch() reads rows without one")
        params = {"dataset": dataset, "where": where_json(where), "columns": list(columns) if columns else None, "order_by": _order_by(order_by)}
        if all_rows:
            return self._all_rows(200, params, offset, task, page=limit if limit > 100 else MAX_PAGE_ROWS)
        return self._run(200, {**params, "limit": limit, "offset": offset}, self._rows, f"filter {dataset}", task)

    def _all_rows(self, op: int, params: Dict[str, Any], offset: int, task: Mapping[str, Any], page: int = MAX_PAGE_ROWS) -> pd.DataFrame:
        if _SUBMITTING.get():
            raise ValueError("all_rows runs several tasks one after another: call it directly, not through submit()")
        page = max(1, min(page, MAX_PAGE_ROWS))
        frames: List[pd.DataFrame] = []
        first: Optional[pd.DataFrame] = None
        start = offset
        while True:
            label = f"{'filter' if op == 200 else 'fetch'} {params['dataset']} rows {offset:,}+"
            try:
                df = self._run(op, {**params, "limit": page, "offset": offset}, self._rows, label, task)
            except PolicyDenied as e:
                if not frames:
                    raise
                warnings.warn(f"stopped after {offset - start:,} rows: {e.message}", stacklevel=3)
                break
            first = first if first is not None else df
            if len(df):
                frames.append(df)
            offset += len(df)
            wanted = df.attrs.get("matched_rows" if op == 200 else "total_rows")
            rules = (df.attrs.get("disclosure") or {}).get("rules_applied") or []
            if len(df) == 0 or wanted is None or offset >= wanted:
                break
            if "max_rows_per_day" in rules:
                warnings.warn(f"stopped after {offset - start:,} of {wanted - start:,} rows: the data owner's daily row budget is spent", stacklevel=3)
                break
        out = pd.concat(frames, ignore_index=True) if frames else (first if first is not None else pd.DataFrame())
        if first is not None:
            out.attrs = dict(first.attrs)
            out.attrs.pop("blob", None)
            out.attrs["offset"] = start
        return out

    # ---- op 300: analyses ---------------------------------------------------------------------------------------

    def analyse(self, dataset: str, analysis: str, where: Where = None, **options: Any) -> Result:
        """Op 300 with any analysis and its options as PROTOCOL.md / ``protocol/src/analysis.ts`` name them; the result
        as a :class:`Result` (the raw dict in ``.raw``, its keys as attributes)."""
        task, opts = _split_task(options)
        params = {"dataset": dataset, "analysis": analysis, "where": where_json(where), **opts}
        return self._run(300, params, lambda r, i: Result(self._analysis(r, i)), f"{analysis} {dataset}", task)

    def describe(
        self,
        dataset: str,
        columns: Optional[Sequence[str]] = None,
        *,
        where: Where = None,
        bins: Optional[int] = None,
        top: Optional[int] = None,
        **task: Any,
    ) -> pd.DataFrame:
        """Summary statistics laid out like pandas' ``describe()`` (count, mean, std, min, 25%, 50%, 75%, max, nulls,
        distinct; top and freq for text). Statistics the owner's policy withholds are NaN. The whole result, histograms
        included, is in ``df.attrs["result"]``."""
        params = {"dataset": dataset, "analysis": "describe", "columns": list(columns) if columns else None, "where": where_json(where), "bins": bins, "top": top}
        return self._run(300, params, lambda r, i: describe_frame(self._analysis(r, i)), f"describe {dataset}", task)

    def correlation(
        self,
        dataset: str,
        columns: Optional[Sequence[str]] = None,
        *,
        method: str = "pearson",
        where: Where = None,
        **task: Any,
    ) -> pd.DataFrame:
        """A correlation matrix (``method`` pearson or spearman) as a DataFrame."""
        if method not in ("pearson", "spearman"):
            raise ValueError("method is 'pearson' or 'spearman'")

        def parse(r: Any, i: str) -> pd.DataFrame:
            full = self._analysis(r, i)
            df = matrix_frame(full.get("columns") or [], full.get(method))
            attach_meta(df, full)
            return df

        params = {"dataset": dataset, "analysis": "correlation", "columns": list(columns) if columns else None, "method": method, "where": where_json(where)}
        return self._run(300, params, parse, f"correlation {dataset}", task)

    def group_by(
        self,
        dataset: str,
        group_by: Union[str, Sequence[str]],
        aggregates: Optional[Iterable[Any]] = None,
        *,
        where: Where = None,
        sort: Optional[str] = None,
        limit: Optional[int] = None,
        **task: Any,
    ) -> pd.DataFrame:
        """Counts (and ``aggregates``: ``("mean", "bmi")``, ``{"fn": "sum", "column": "x"}``, ``"count"``) per group.
        Groups smaller than the owner's minimum group size are left out (``df.attrs["suppressed_groups"]``)."""
        keys = [group_by] if isinstance(group_by, str) else list(group_by)
        params = {"dataset": dataset, "analysis": "group_by", "group_by": keys, "aggregates": _aggregates(aggregates), "where": where_json(where), "sort": sort, "limit": limit}

        def parse(r: Any, i: str) -> pd.DataFrame:
            full = self._analysis(r, i)
            df = groups_frame(full)
            for k in ("total_groups", "truncated", "suppressed_groups", "suppressed_rows"):
                if k in full:
                    df.attrs[k] = full[k]
            return df

        return self._run(300, params, parse, f"group_by {dataset}", task)

    def linear_regression(
        self,
        dataset: str,
        target: str,
        features: Sequence[str],
        *,
        where: Where = None,
        sample_points: Optional[int] = None,
        seed: Optional[int] = None,
        **task: Any,
    ) -> Fit:
        """Least squares of ``target`` on ``features``: ``fit.coefficients`` (estimate, std_error, t, p, ci_low,
        ci_high), ``fit.r2``, ``fit.adj_r2``, ``fit.residual_se``, ``fit.df``."""
        params = {"dataset": dataset, "analysis": "linear_regression", "target": target, "features": list(features), "where": where_json(where), "sample_points": sample_points, "seed": seed}
        return self._run(300, params, lambda r, i: Fit(self._analysis(r, i)), f"linear_regression {dataset}", task)

    def logistic_regression(
        self,
        dataset: str,
        target: str,
        features: Sequence[str],
        *,
        positive: Any = None,
        where: Where = None,
        test_pct: Optional[int] = None,
        seed: Optional[int] = None,
        standardise: Optional[bool] = None,
        max_rows: Optional[int] = None,
        max_iterations: Optional[int] = None,
        l2: Optional[float] = None,
        threshold: Optional[float] = None,
        **task: Any,
    ) -> Fit:
        """A logistic model of ``target`` (``positive`` the modelled class): ``fit.coefficients`` (estimate,
        std_error, z, p, ci_low, ci_high), ``fit.metrics``, ``fit.confusion``, ``fit.converged``."""
        params = {
            "dataset": dataset, "analysis": "logistic_regression", "target": target, "features": list(features), "positive": positive,
            "where": where_json(where), "test_pct": test_pct, "seed": seed, "standardise": standardise, "max_rows": max_rows,
            "max_iterations": max_iterations, "l2": l2, "threshold": threshold,
        }
        return self._run(300, params, lambda r, i: Fit(self._analysis(r, i)), f"logistic_regression {dataset}", task)

    def kmeans(
        self,
        dataset: str,
        k: int,
        features: Sequence[str],
        *,
        where: Where = None,
        standardise: Optional[bool] = None,
        seed: Optional[int] = None,
        max_iterations: Optional[int] = None,
        sample_rows: Optional[int] = None,
        restarts: Optional[int] = None,
        **task: Any,
    ) -> Clusters:
        """k-means clusters: ``clusters.centroids`` (a DataFrame with each cluster's size), ``clusters.silhouette``."""
        params = {
            "dataset": dataset, "analysis": "kmeans", "k": k, "features": list(features), "where": where_json(where),
            "standardise": standardise, "seed": seed, "max_iterations": max_iterations, "sample_rows": sample_rows, "restarts": restarts,
        }
        return self._run(300, params, lambda r, i: Clusters(self._analysis(r, i)), f"kmeans {dataset}", task)

    # ---- op 400: files ------------------------------------------------------------------------------------------

    def export(
        self,
        dataset: str,
        format: str = "csv",
        *,
        where: Where = None,
        columns: Optional[Sequence[str]] = None,
        analysis: Optional[Mapping[str, Any]] = None,
        path: Union[str, "os.PathLike[str]", None] = None,
        **task: Any,
    ) -> Union[Path, bytes]:
        """Op 400: a file (csv, parquet, json, xlsx, pdf) of the (filtered) rows, or of an ``analysis`` (e.g.
        ``{"analysis": "describe", "columns": ["age"]}``). With ``path`` the file is written there and its Path
        returned; without, its bytes."""
        spec = None
        if analysis is not None:
            spec = _drop_none({**analysis, "where": where_json(analysis.get("where"))})
        params = {"dataset": dataset, "format": format, "where": where_json(where), "columns": list(columns) if columns else None, "analysis": spec}

        def parse(r: Any, _i: str) -> Union[Path, bytes]:
            data = self.download(r["url"], r.get("sha256"))
            if path is None:
                return data
            p = Path(path)
            p.write_bytes(data)
            return p

        return self._run(400, params, parse, f"export {dataset} {format}", task)

    # ---- studies ------------------------------------------------------------------------------------------------

    def study(
        self,
        dataset: str,
        analysis: str,
        *,
        require: Optional[str] = None,
        runner_ids: Optional[Sequence[str]] = None,
        where: Where = None,
        timeout_s: Optional[int] = None,
        max_attempts: Optional[int] = None,
        progress: Optional[bool] = None,
        **options: Any,
    ) -> Study:
        """A federated study (``POST /studies``): ``analysis`` is summary, histogram, group_by, correlation,
        linear_regression or logistic_regression, with its options (``columns``, ``bins``, ``group_by``,
        ``aggregates``, ``target``, ``features``, ``positive``, ``max_iter``, ``tol``). ``require`` is all, quorum or
        any. Waits for the end and returns the :class:`Study` (``.result``, ``.table``, ``.coefficients``)."""
        if "aggregates" in options:
            options["aggregates"] = _aggregates(options["aggregates"])
        body = _drop_none({
            "dataset": dataset, "analysis": analysis, "require": require, "runner_ids": list(runner_ids) if runner_ids else None,
            "where": where_json(where), "timeout_s": timeout_s, "max_attempts": max_attempts, **options,
        })
        reply = self._request("POST", "/studies", json=body)
        s = Study(self, reply["study_id"])
        s.view = {"analysis": analysis, "status": reply.get("status")}
        if _SUBMITTING.get():
            return s
        return s.wait(progress=progress)

    def studies(self, status: Optional[str] = None, dataset: Optional[str] = None, limit: int = 100) -> pd.DataFrame:
        """Your studies, newest first."""
        rows = self._request("GET", "/studies", params=_drop_none({"status": status, "dataset": dataset, "limit": limit}))["studies"]
        return pd.DataFrame(rows)

    def tasks(self, status: Optional[str] = None, dataset: Optional[str] = None, limit: int = 100) -> pd.DataFrame:
        """Your tasks, newest first (``GET /tasks``)."""
        rows = self._request("GET", "/tasks", params=_drop_none({"status": status, "dataset": dataset, "limit": limit}))["tasks"]
        return pd.DataFrame(rows)


_TASK_KEYS = ("runner_id", "timeout_s", "max_attempts", "progress")


def _split_task(options: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    task = {k: options.pop(k) for k in _TASK_KEYS if k in options}
    return task, options
