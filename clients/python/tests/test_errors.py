"""Errors arrive as exceptions named after the protocol's codes, with the hub's or runner's message."""
import time

import pytest

import simpul
from simpul import (
    BadRequest, Client, DatasetNotFound, NotFound, PolicyDenied, RateLimited, Unauthorized, UnknownColumn, col,
)

from conftest import ANALYST, BURST, LOCKED, TASKS_PER_MINUTE


def test_policy_denied_names_the_rule(hub):
    with pytest.raises(PolicyDenied) as e:
        hub.filter("patients_aggregates", col("age") > 50)
    assert e.value.code == "policy_denied" and e.value.task_id
    # the same dataset allows analyses (op 300)
    assert hub.describe("patients_aggregates", columns=["age"]).loc["count", "age"] == 5000


def test_unknown_dataset_raises_at_once_with_close_names(hub):
    with pytest.raises(DatasetNotFound) as e:
        hub.filter("patient", col("age") > 50)
    assert "patients" in e.value.message
    # the task it made does not wait for a runner
    assert hub.task(e.value.task_id).status == "canceled"


def test_dataset_not_found_on_a_named_runner(hub):
    site_b = hub.runners().set_index("name").loc["site-b", "runner_id"]
    with pytest.raises(DatasetNotFound):
        hub.fetch("patients", runner_id=site_b, limit=1, max_attempts=1)


def test_unknown_column_and_bad_request(hub):
    with pytest.raises(UnknownColumn) as e:
        hub.filter("patients", col("agee") > 1)
    assert "agee" in e.value.message
    with pytest.raises(BadRequest) as e:
        hub.fetch("patients", limit=0)
    assert e.value.status == 400 and "limit" in e.value.message
    with pytest.raises(TypeError):
        hub.fetch("patients", limt=3)


def test_unauthorized_and_not_found(stack, hub):
    with pytest.raises(Unauthorized):
        Client(stack.url, token="smp_not-a-real-token", progress=False).datasets()
    with pytest.raises(Unauthorized):
        Client(stack.url, username="admin", password="wrong-password", progress=False)
    with pytest.raises(NotFound):
        hub.task("tsk_doesnotexist").status
    # another analyst's task is "not found" for an analyst
    mine = hub.submit("fetch", "patients", limit=1)
    mine.result()
    analyst = Client(stack.url, username=ANALYST[0], password=ANALYST[1], progress=False)
    with pytest.raises(NotFound):
        analyst.task(mine.id).result()
    analyst.close()


def test_rate_limited_carries_retry_after_and_is_retried_when_asked(stack):
    user, password = LOCKED
    for _ in range(3):
        with pytest.raises(Unauthorized):
            Client(stack.url, username=user, password="not-the-password", progress=False)
    with pytest.raises(RateLimited) as e:
        Client(stack.url, username=user, password=password, progress=False)
    assert e.value.status == 429 and e.value.retry_after and e.value.retry_after > 0
    started = time.monotonic()
    c = Client(stack.url, username=user, password=password, progress=False, max_retries=6)
    assert c.me()["username"] == user
    assert time.monotonic() - started < 60
    c.close()


def test_too_many_tasks_a_minute(stack):
    c = Client(stack.url, username=BURST[0], password=BURST[1], progress=False)
    made = []
    with pytest.raises(RateLimited) as e:
        for _ in range(TASKS_PER_MINUTE + 1):
            made.append(c.submit("fetch", "patients", ["age"], limit=1))
    assert len(made) == TASKS_PER_MINUTE
    assert e.value.status == 429 and 0 < e.value.retry_after <= 60
    assert made[-1].result()["age"].tolist()  # the tasks it did make run
    c.close()


def test_every_protocol_error_code_has_a_class():
    codes = {
        "bad_request": simpul.BadRequest, "unauthorized": simpul.Unauthorized, "forbidden": simpul.Forbidden,
        "not_found": simpul.NotFound, "conflict": simpul.Conflict, "stale_lease": simpul.StaleLease,
        "protocol_mismatch": simpul.ProtocolMismatch, "payload_too_large": simpul.PayloadTooLarge,
        "rate_limited": simpul.RateLimited, "unavailable": simpul.Unavailable, "internal": simpul.InternalError,
        "dataset_not_found": simpul.DatasetNotFound, "unknown_column": simpul.UnknownColumn,
        "invalid_params": simpul.InvalidParams, "policy_denied": simpul.PolicyDenied, "timeout": simpul.TaskTimeout,
        "lost": simpul.TaskLost, "canceled": simpul.TaskCanceled, "op_failed": simpul.OpFailed,
        "release_denied": simpul.ReleaseDenied, "release_expired": simpul.ReleaseExpired,
    }
    from simpul.errors import error_from

    for code, cls in codes.items():
        e = error_from({"code": code, "message": "m"})
        assert type(e) is cls and e.code == code and isinstance(e, simpul.SimpulError)
    e = error_from({"code": "rate_limited", "message": "slow down", "details": {"retry_after_s": 7}})
    assert e.retry_after == 7
    assert type(error_from({"code": "something_new", "message": "x"})) is simpul.SimpulError
