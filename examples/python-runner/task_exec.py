"""Runs one claimed task under its lease: progress, cancel / drop / timeout checks, and the result posted with the lease token."""
import logging
import threading
import time

import wire
from errors import HubError, TaskFailure, Unreachable
from row_ops import check_params, run_rows

log = logging.getLogger("simpul")
OPS = {100: "Fetch rows", 200: "Filter"}  # what this runner implements; 300 and 400 fail with op_failed


class Stopped(Exception):
    """Ends a scan early: `cancel` (report canceled), `drop` (post nothing), `timeout` (report failed)."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


class Lease:
    def __init__(self, offer):
        self.offer = offer
        self.cancel = threading.Event()  # the hub asked to stop: report canceled
        self.drop = threading.Event()  # no longer ours (409 stale_lease, or `drop` in a ping reply): post nothing


class Leases:
    """The tasks this runner holds; the heartbeat lists them and marks cancels and drops from the hub's replies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held = {}

    def add(self, lease):
        with self.lock:
            self.held[lease.offer["task_id"]] = lease

    def remove(self, task_id):
        with self.lock:
            self.held.pop(task_id, None)

    def refs(self):
        with self.lock:
            return [{"task_id": t, "lease_token": l.offer["lease_token"]} for t, l in self.held.items()]

    def mark(self, task_ids, what):
        with self.lock:
            for t in task_ids:
                if t in self.held:
                    getattr(self.held[t], what).set()

    def __len__(self):
        with self.lock:
            return len(self.held)


class Executor:
    def __init__(self, hub, datasets, leases, progress_every_s=1.0):
        self.hub, self.datasets, self.leases = hub, datasets, leases
        self.progress_every_s = progress_every_s

    def run(self, offer):
        lease = Lease(offer)
        tag = f"task={offer['task_id']} request={offer.get('request_id') or '-'} attempt={offer['attempt']}"
        self.leases.add(lease)
        try:
            log.info("task started %s op=%s", tag, offer["op"])
            post = self.execute(lease)
            if post is None:
                log.info("task dropped %s: the lease is no longer ours", tag)
            else:
                self.post_result(lease, post, tag)
        finally:
            self.leases.remove(offer["task_id"])

    def execute(self, lease):
        """The ResultPost body for this task, or None when the work must be dropped."""
        offer = lease.offer
        deadline = time.monotonic() + offer["timeout_s"]
        last = [time.monotonic()]

        def check():
            if lease.drop.is_set():
                raise Stopped("drop")
            if lease.cancel.is_set():
                raise Stopped("cancel")
            if time.monotonic() > deadline:
                raise Stopped("timeout")

        def tick(rows, total):
            check()
            if time.monotonic() - last[0] >= self.progress_every_s:
                last[0] = time.monotonic()
                self.progress(lease, min(99.0, 100.0 * rows / total) if total else 0.0, f"{rows} rows read")
                check()

        base = {"task_id": offer["task_id"], "lease_token": offer["lease_token"]}
        try:
            self.progress(lease, 0, "started")  # the first progress moves the task from leased to running
            check()
            if offer["op"] not in OPS:
                raise TaskFailure("op_failed", f"op {offer['op']} is not implemented by this runner (the Python example "
                                  f"runner does {', '.join(f'{k} {v}' for k, v in OPS.items())}); send it to another runner")
            params = check_params(offer["op"], offer["params"])
            dataset = self.datasets.get(params["dataset"])
            if dataset is None:
                raise TaskFailure("dataset_not_found", f"this runner has no dataset {params['dataset']!r}; "
                                  f"it has: {', '.join(sorted(self.datasets)) or 'none'}")
            result = run_rows(offer["op"], params, dataset, tick)
            check()  # canceled while finishing: the analyst asked to stop, so report that
            return {**base, "status": "succeeded", "result": result}
        except Stopped as s:
            if s.kind == "drop":
                return None
            if s.kind == "cancel":
                return {**base, "status": "canceled", "error": {"code": "canceled", "message": "canceled on request"}}
            return {**base, "status": "failed", "error": {"code": "timeout", "message": f"the task ran longer than its "
                                                                                       f"timeout of {offer['timeout_s']} s"}}
        except TaskFailure as f:
            return {**base, "status": "failed", "error": f.as_error()}
        except Exception as e:  # a bug or an unreadable file must fail the task, not kill the runner
            log.exception("task %s failed unexpectedly", offer["task_id"])
            return {**base, "status": "failed", "error": {"code": "op_failed", "message": f"{type(e).__name__}: {e}"[:500]}}

    def progress(self, lease, percent, message):
        """Reports progress (which renews the lease); the reply may say the task was canceled."""
        body = {"task_id": lease.offer["task_id"], "lease_token": lease.offer["lease_token"],
                "percent": round(percent, 1), "message": message}
        try:
            if wire.progress_reply(self.hub.call("POST", "/progress", body))["canceled"]:
                lease.cancel.set()
        except HubError as e:
            if e.code == "stale_lease":
                lease.drop.set()
            else:
                log.warning("progress for task %s not taken: %s", lease.offer["task_id"], e)
        except Unreachable as e:
            log.warning("progress for task %s not sent: %s", lease.offer["task_id"], e)  # the heartbeat keeps the lease

    def post_result(self, lease, post, tag):
        """Posts the final report; retries while the hub is unreachable (the same post again is harmless)."""
        delay = 0.5
        while True:
            try:
                stored = wire.result_reply(self.hub.call("POST", "/result", post))["stored"]
                error = f" error={post['error']['code']}: {post['error']['message']}" if "error" in post else ""
                log.info("task %s %s%s%s", post["status"], tag, error, "" if stored else " (already stored)")
                return
            except HubError as e:
                if e.code == "stale_lease":
                    log.info("task result dropped %s: the lease is no longer ours", tag)
                    return
                if e.status in (400, 413) and post["status"] == "succeeded":
                    # The hub refused the result itself (too large, or not the op's result shape): fail the task instead.
                    hint = "; ask for fewer rows or columns" if e.status == 413 else ""
                    post = {"task_id": post["task_id"], "lease_token": post["lease_token"], "status": "failed",
                            "error": {"code": "op_failed", "message": e.message + hint}}
                    continue
                if e.status < 500 and e.status != 429:
                    log.error("task result refused %s: %s", tag, e)
                    return
                log.warning("task result not taken yet %s: %s", tag, e)
            except Unreachable as e:
                log.warning("task result not sent yet %s: %s", tag, e)
            if lease.drop.wait(delay):
                log.info("task result dropped %s: the lease is no longer ours", tag)
                return
            delay = min(delay * 2, 8.0)
