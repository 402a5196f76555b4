"""Task handles, results held for the data owner's review, and Ctrl+C cancelling on the hub."""
import datetime as dt
import io
import json
import os
import signal
import threading
import time

import pandas as pd
import pytest

from simpul import Client, ReleaseDenied, ReleaseExpired, SimpulError, Task, TaskCanceled, col

from conftest import wait_until

AWAITING = "awaiting the data owner's release"


def test_submit_returns_a_handle(hub, patients):
    t = hub.submit("filter", "patients", col("age") > 90, columns=["age"], limit=1000)
    assert isinstance(t, Task) and t.id and t.label == "filter patients"
    df = t.result()
    assert (df.age > 90).all() and len(df) == (patients.age > 90).sum()
    assert t.status == "succeeded" and t.progress == 100 and t.done()
    d = hub.submit("describe", "patients", columns=["age"]).result()
    assert d.loc["count", "age"] == 5000


def test_a_held_result_shows_its_state_and_can_be_canceled(hub, capsys):
    t = hub.submit("describe", "patients_reviewed", columns=["age"])
    wait_until(lambda: t.message == AWAITING, 30, "the result to be held")
    assert t.status == "running" and not t.done() and t.progress >= 90
    capsys.readouterr()
    with pytest.raises(TimeoutError):
        t.wait(timeout=2.5, progress=True)
    assert f"running: {AWAITING}" in capsys.readouterr().err  # the live bar says why it waits
    assert t.cancel() in ("running", "canceled")  # a running task stops on its runner, then reads canceled
    wait_until(lambda: t.status == "canceled", 30, "the cancel")
    with pytest.raises(TaskCanceled):
        t.result()


def test_release_denied_by_the_data_owner(stack, hub):
    t = hub.submit("describe", "patients_reviewed", columns=["bmi"])
    held = stack.held_dir("demo-runner")
    wait_until(lambda: (held / f"{t.id}.json").exists(), 30, "the held result on the runner's disk")
    # What `simpul-runner review` writes when the data owner says no.
    decision = {"decision": "deny", "reason": "too detailed for release", "at": dt.datetime.now(dt.timezone.utc).isoformat()}
    (held / f"{t.id}.decision.json").write_text(json.dumps(decision))
    with pytest.raises(ReleaseDenied) as e:
        t.result()
    assert "too detailed for release" in e.value.message and e.value.task_id == t.id


def test_release_expires_without_a_decision(hub):
    with pytest.raises(ReleaseExpired) as e:
        hub.describe("patients_expiring", columns=["age"])
    assert "did not review" in e.value.message


def test_ctrl_c_cancels_the_task_on_the_hub(stack, hub):
    watcher = stack.admin()
    seen = {}

    def interrupt_when_held():
        def held():
            ts = watcher.tasks(dataset="patients_reviewed", status="running")
            for _, row in ts.iterrows():
                if row.progress_message == AWAITING and row.task_id not in seen.get("before", ()):
                    return row.task_id
            return None

        seen["task_id"] = wait_until(held, 30, "the held task")
        os.kill(os.getpid(), signal.SIGINT)

    ts = watcher.tasks(dataset="patients_reviewed")
    seen["before"] = set(ts.task_id) if len(ts) else set()
    th = threading.Thread(target=interrupt_when_held, daemon=True)
    th.start()
    c = Client(stack.url, username="admin", password="pytest-admin-password-1")
    with pytest.raises(KeyboardInterrupt):
        c.group_by("patients_reviewed", "site")
    th.join(5)
    tid = seen["task_id"]
    wait_until(lambda: watcher.task(tid).status == "canceled", 30, "the task to be canceled on the hub")
    c.close()
    watcher.close()


def test_a_task_handle_for_an_existing_task(hub):
    t = hub.submit("fetch", "patients", ["age"], limit=2)
    t.result()
    raw = hub.task(t.id).result()
    assert raw["rows"] and raw["columns"][0]["name"] == "age"
    assert t.id in set(hub.tasks(dataset="patients").task_id)


def test_ctrl_c_cancels_a_study_on_the_hub(stack, hub):
    # The round's sub-task is held for the data owner's review, so the study waits until it is interrupted.
    before = set(hub.studies()["study_id"]) if len(hub.studies()) else set()
    watcher = stack.admin()
    found = {}

    def interrupt_when_waiting():
        def running():
            s = watcher.studies(status="running", dataset="patients_reviewed")
            new = [i for i in (s["study_id"] if len(s) else []) if i not in before]
            return new[0] if new else None

        found["study_id"] = wait_until(running, 30, "the study to run")
        wait_until(lambda: watcher.tasks(dataset="patients_reviewed", status="running").shape[0] > 0, 30, "its round to run")
        os.kill(os.getpid(), signal.SIGINT)

    th = threading.Thread(target=interrupt_when_waiting, daemon=True)
    th.start()
    with pytest.raises(KeyboardInterrupt):
        hub.study("patients_reviewed", "summary", columns=["age"], progress=True)
    th.join(5)
    sid = found["study_id"]
    wait_until(lambda: watcher._request("GET", f"/studies/{sid}")["status"] == "canceled", 30, "the study to be canceled")
    watcher.close()


def test_a_result_released_after_review(stack, hub, patients):
    t = hub.submit("describe", "patients_reviewed", columns=["age"])
    held = stack.held_dir("demo-runner")
    wait_until(lambda: (held / f"{t.id}.json").exists(), 30, "the held result on the runner's disk")
    decision = {"decision": "approve", "at": dt.datetime.now(dt.timezone.utc).isoformat()}
    (held / f"{t.id}.decision.json").write_text(json.dumps(decision))
    d = t.result(timeout=60)
    assert d.loc["count", "age"] == 5000 and d.loc["mean", "age"] == pytest.approx(patients.age.mean())
    assert d.attrs["disclosure"].get("held_for_review") is True


def test_create_task_and_download_speak_the_protocol(hub, patients):
    t = hub.create_task(400, {"dataset": "patients", "format": "csv", "columns": ["age"], "where": (col("site") == "east").to_json()})
    raw = t.result()
    assert raw["format"] == "csv" and raw["url"].endswith(f"/result/{t.id}/download")
    data = hub.download(raw["url"], raw["sha256"])
    assert len(data) == raw["bytes"]
    got = pd.read_csv(io.BytesIO(data))
    assert got.age.tolist() == patients[patients.site == "east"].age.tolist()
    with pytest.raises(SimpulError, match="SHA-256"):
        hub.download(raw["url"], "0" * 64)  # a file that does not match its SHA-256 is refused
