"""Checks of what the hub sends, against the shapes in PROTOCOL.md (protocol/src/*.ts): parse at the edge, trust nothing."""
import re

from errors import HubError

ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DATASET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def bad(what, why):
    return HubError(200, "bad_reply", f"{what}: {why}")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def need(obj, name, test, what, optional=False):
    """obj[name] when it passes `test`; a missing optional field is None."""
    if name not in obj:
        if optional:
            return None
        raise bad(what, f"missing {name}")
    if not test(obj[name]):
        raise bad(what, f"{name} has the wrong shape: {obj[name]!r:.80}")
    return obj[name]


def positive(v):
    return is_number(v) and v > 0


def id_list(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def register_reply(r):
    what = "register reply"
    return {
        "runner_id": need(r, "runner_id", lambda v: isinstance(v, str) and ID.match(v), what),
        "token": need(r, "token", lambda v: isinstance(v, str) and v != "", what),
        "heartbeat_interval_s": need(r, "heartbeat_interval_s", positive, what),
        "lease_ttl_s": need(r, "lease_ttl_s", positive, what),
    }


def ping_reply(r):
    what = "ping reply"
    need(r, "ok", lambda v: v is True, what)
    return {
        "heartbeat_interval_s": need(r, "heartbeat_interval_s", positive, what),
        "keep": need(r, "keep", id_list, what),
        "cancel": need(r, "cancel", id_list, what),
        "drop": need(r, "drop", id_list, what),
    }


def task_offer(t):
    """A TaskOffer; `params` stays a dict to be checked against the op's params schema by the op itself."""
    what = "task offer"
    if not isinstance(t, dict):
        raise bad(what, "not an object")
    return {
        "task_id": need(t, "task_id", lambda v: isinstance(v, str) and ID.match(v), what),
        "op": need(t, "op", is_int, what),
        "params": need(t, "params", lambda v: isinstance(v, dict), what),
        "attempt": need(t, "attempt", lambda v: is_int(v) and v >= 1, what),
        "lease_token": need(t, "lease_token", lambda v: isinstance(v, str) and 0 < len(v) <= 200, what),
        "timeout_s": need(t, "timeout_s", lambda v: is_int(v) and v >= 1, what),
        "request_id": need(t, "request_id", lambda v: isinstance(v, str), what, optional=True),
    }


def claim_reply(r):
    tasks = need(r, "tasks", lambda v: isinstance(v, list), "claim reply")
    return [task_offer(t) for t in tasks]


def progress_reply(r):
    what = "progress reply"
    need(r, "ok", lambda v: v is True, what)
    return {"canceled": need(r, "canceled", lambda v: isinstance(v, bool), what)}


def result_reply(r):
    what = "result reply"
    need(r, "ok", lambda v: v is True, what)
    return {"stored": need(r, "stored", lambda v: isinstance(v, bool), what)}
