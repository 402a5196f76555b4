"""Task and study handles: wait with a live progress bar, cancel on Ctrl+C, read the result."""
from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

import httpx

from .errors import RateLimited, SimpulError, TaskCanceled, error_from
from .frames import Result, study_table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .client import Client

FINAL = ("succeeded", "failed", "canceled")


class _Bar:
    """A tqdm bar (the notebook widget in Jupyter, text elsewhere) showing percent done and what the runner says."""

    def __init__(self, on: bool, label: str) -> None:
        self.bar: Any = None
        if on:
            with warnings.catch_warnings():
                # In Jupyter without ipywidgets tqdm.auto falls back to the text bar, with a warning: the text bar is fine.
                warnings.simplefilter("ignore")
                from tqdm.auto import tqdm

            self.bar = tqdm(total=100, desc=label, bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix[0]} [{elapsed}]", postfix=["queued"], leave=True)

    @property
    def on(self) -> bool:
        return self.bar is not None

    def update(self, percent: Optional[float], note: str) -> None:
        if self.bar is None:
            return
        n = float(percent or 0)
        if n != self.bar.n:
            self.bar.n = n
        self.bar.postfix[0] = note
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Task:
    """A task on the hub. ``status`` and ``progress`` ask the hub each time; ``result()`` waits for the end (with a
    progress bar unless ``progress=False``) and returns what the blocking method would have returned; ``cancel()``
    stops it on the runner."""

    def __init__(self, client: "Client", task_id: str, parse: Callable[[Any, str], Any], label: str, warnings: Optional[List[str]] = None) -> None:
        self.client = client
        self.id = task_id
        self._parse = parse
        self.label = label
        self.warnings = list(warnings or [])
        self._view: Optional[Dict[str, Any]] = None

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.label}>"

    def view(self) -> Dict[str, Any]:
        """The task as ``GET /api/v1/tasks/{id}`` shows it (``TaskView``, with its attempts)."""
        return self.client._request("GET", f"/tasks/{self.id}")

    @property
    def status(self) -> str:
        """``queued``, ``leased``, ``running``, ``succeeded``, ``failed`` or ``canceled``."""
        return str(self.view()["status"])

    @property
    def progress(self) -> Optional[float]:
        """Percent done as the runner last reported it (None before its first report)."""
        return self.view().get("progress")

    @property
    def message(self) -> Optional[str]:
        """What the runner last said it is doing, e.g. that the result waits for the data owner's release."""
        return self.view().get("progress_message")

    def done(self) -> bool:
        return self.status in FINAL

    def cancel(self) -> str:
        """Cancels the task on the hub (a running task stops on its runner). Returns the status after the cancel; a
        task that had already ended keeps its status."""
        try:
            reply = self.client._request("POST", f"/tasks/{self.id}/cancel")
            return str(reply.get("status", "canceled"))
        except SimpulError as e:
            if e.code == "conflict":
                return self.status
            raise

    def wait(self, timeout: Optional[float] = None, progress: Optional[bool] = None) -> Dict[str, Any]:
        """Waits until the task ends (or ``timeout`` seconds pass: TimeoutError) and returns the hub's ``ResultView``.
        Ctrl+C (or interrupting the kernel) cancels the task on the hub before the KeyboardInterrupt goes on."""
        show = self.client.progress if progress is None else progress
        bar = _Bar(show, self.label)
        deadline = None if timeout is None else time.monotonic() + timeout
        hiccups = 0
        try:
            while True:
                wait = 1.0 if bar.on else 20.0
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"task {self.id} has not ended within {timeout} s (it goes on; cancel() stops it)")
                    wait = max(0.0, min(wait, left))
                try:
                    view = self.client._request("GET", f"/result/{self.id}", params={"wait": f"{wait:g}"}, timeout=wait + 30)
                    hiccups = 0
                except RateLimited as e:
                    # Too many result waits open for this user at once (several tasks in the background): wait, ask again.
                    time.sleep(e.retry_after if e.retry_after else 1.0)
                    continue
                except httpx.TransportError:
                    # The hub restarting, or the network: the task lives on in the hub's database; ask again a few times.
                    hiccups += 1
                    if hiccups > 6:
                        raise
                    time.sleep(min(10.0, 0.5 * 2 ** hiccups))
                    continue
                status = str(view.get("status"))
                note = status
                if bar.on and status not in FINAL and status != "queued":
                    msg = self.client._request("GET", f"/tasks/{self.id}").get("progress_message")
                    if msg:
                        note = f"{status}: {msg}"
                bar.update(100 if status == "succeeded" else view.get("progress"), note)
                if status in FINAL:
                    self._view = view
                    return view
        except KeyboardInterrupt:
            try:
                self.cancel()
            finally:
                bar.close()
            raise
        finally:
            bar.close()

    def result(self, timeout: Optional[float] = None, progress: Optional[bool] = None) -> Any:
        """Waits for the end and returns the result (a DataFrame or result object, as the method that made the task
        would), or raises the task's error (:class:`PolicyDenied`, :class:`ReleaseDenied`, …)."""
        view = self._view if self._view is not None else self.wait(timeout=timeout, progress=progress)
        status = view.get("status")
        if status == "succeeded":
            return self._parse(view.get("result"), self.id)
        if status == "canceled":
            raise TaskCanceled("the task was canceled", task_id=self.id)
        raise error_from(view.get("error") or {"code": "op_failed", "message": f"the task {status}"}, task_id=self.id)


class Study:
    """A federated study: one question asked of every runner that serves a dataset, answers combined on the hub.

    ``result`` is the combined ``StudyResult`` (a dict, None until it succeeded); ``table`` the same as a DataFrame;
    ``coefficients`` for regressions; ``view`` the whole ``StudyView`` (rounds, sites)."""

    def __init__(self, client: "Client", study_id: str) -> None:
        self.client = client
        self.id = study_id
        self.view: Dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Study {self.id} {self.view.get('analysis', '')} {self.view.get('status', '')}>"

    def refresh(self) -> "Study":
        self.view = self.client._request("GET", f"/studies/{self.id}")
        return self

    @property
    def status(self) -> str:
        return str(self.refresh().view.get("status"))

    @property
    def result(self) -> Optional[Dict[str, Any]]:
        if not self.view or self.view.get("status") not in FINAL:
            self.refresh()
        return self.view.get("result")

    @property
    def table(self) -> "pd.DataFrame":
        r = self.result
        if r is None:
            raise ValueError(f"study {self.id} has no result ({self.view.get('status')})")
        return study_table(r)

    @property
    def coefficients(self) -> "pd.DataFrame":
        return self.table

    @property
    def warnings(self) -> List[str]:
        return list((self.result or {}).get("warnings") or [])

    @property
    def sites(self) -> List[Dict[str, Any]]:
        return list(self.view.get("site_list") or [])

    def cancel(self) -> str:
        try:
            return str(self.client._request("POST", f"/studies/{self.id}/cancel").get("status", "canceled"))
        except SimpulError as e:
            if e.code == "conflict":
                return self.status
            raise

    def wait(self, timeout: Optional[float] = None, progress: Optional[bool] = None, raise_on_error: bool = True) -> "Study":
        """Waits until the study ends; a failed study raises its error. Ctrl+C cancels it on the hub."""
        show = self.client.progress if progress is None else progress
        bar = _Bar(show, f"study {self.view.get('analysis') or ''}".strip())
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                v = self.refresh().view
                rounds = v.get("rounds") or []
                if rounds:
                    last = rounds[-1]
                    tasks = last.get("tasks") or []
                    delivered = sum(1 for t in tasks if t.get("outcome") == "delivered")
                    pct = 100.0 if v.get("status") == "succeeded" else (100.0 * delivered / len(tasks) if tasks else 0.0)
                    bar.update(pct, f"round {last.get('round')} ({last.get('step')}): {delivered}/{len(tasks)} sites")
                if v.get("status") in FINAL:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"study {self.id} has not ended within {timeout} s")
                time.sleep(0.3)
        except KeyboardInterrupt:
            try:
                self.cancel()
            finally:
                bar.close()
            raise
        finally:
            bar.close()
        if raise_on_error and v.get("status") == "failed":
            raise error_from(v.get("error") or {"code": "op_failed", "message": "the study failed"})
        if raise_on_error and v.get("status") == "canceled":
            raise TaskCanceled(f"study {self.id} was canceled")
        return self


def analysis_result(raw: Any) -> Result:
    return Result(raw)
