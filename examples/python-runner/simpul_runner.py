#!/usr/bin/env python3
"""A Simpul runner in Python (standard library only), written from protocol/PROTOCOL.md: HTTP long-polling, ops 100 and 200 on CSV files."""
import argparse
import json
import logging
import os
import random
import signal
import socket
import sys
import threading
import time

import wire
from csv_dataset import CsvDataset
from errors import HubError, Unreachable
from hub_client import HubClient, check_hub_url
from task_exec import Executor, Leases

PROTOCOL_VERSION = 1
VERSION = "python-runner/0.1"
POLL_WAIT_S = 25  # how long one GET /api/v1/tasks may wait for work
log = logging.getLogger("simpul")


class Fatal(Exception):
    """Stops the runner with a message that says what to do."""


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Serve CSV files to a Simpul hub: answers op 100 (fetch rows) and op 200 (filter).",
        epilog="example: simpul_runner.py --hub http://127.0.0.1:8080 --enrollment-key sme_… --name lab "
               "--dataset patients=data/patients.csv")
    ap.add_argument("--config", help="JSON file with any of: hub, enrollment_key, name, datasets ({name: path}), labels, state_file, insecure, ca_file")
    ap.add_argument("--hub", help="the hub's base URL, e.g. https://hub.example.org")
    ap.add_argument("--enrollment-key", help="enrolment key from the hub admin (or env SIMPUL_ENROLLMENT_KEY); needed only to enrol")
    ap.add_argument("--name", help="this runner's name as users see it (default: the host name)")
    ap.add_argument("--dataset", action="append", default=[], metavar="NAME=PATH", help="a CSV or TSV file to serve (repeatable)")
    ap.add_argument("--label", action="append", default=[], help="a label to advertise (repeatable)")
    ap.add_argument("--state", help="where runner_id and token are kept (default: simpul-runner-state.json)")
    ap.add_argument("--insecure", action="store_true", help="allow a plain-http hub on another machine")
    ap.add_argument("--ca-file", help="CA certificate(s) to trust for an https hub")
    ap.add_argument("--drain-timeout", type=float, default=30.0, help="seconds a running task may take to finish after SIGTERM (default 30)")
    ap.add_argument("--verbose", action="store_true", help="log debug lines")
    return ap.parse_args(argv)


def settings_of(args):
    """CLI flags over the config file over the defaults; dataset paths in the config file are relative to it."""
    conf, base = {}, os.getcwd()
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as f:
                conf = json.load(f)
        except (OSError, ValueError) as e:
            raise Fatal(f"cannot read config {args.config}: {e}") from None
        if not isinstance(conf, dict):
            raise Fatal(f"config {args.config} must be a JSON object")
        base = os.path.dirname(os.path.abspath(args.config))
    datasets = conf.get("datasets") or {}
    if isinstance(datasets, list):  # also accept [{name, path}]
        datasets = {d.get("name"): d.get("path") for d in datasets if isinstance(d, dict)}
    datasets = {n: os.path.join(base, p) for n, p in datasets.items() if isinstance(n, str) and isinstance(p, str)}
    for spec in args.dataset:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise Fatal(f"--dataset {spec!r}: write NAME=PATH, e.g. patients=data/patients.csv")
        datasets[name] = os.path.abspath(path)
    hub = args.hub or conf.get("hub")
    if not hub:
        raise Fatal("no hub URL: pass --hub https://… or set hub in the config file")
    try:
        hub = check_hub_url(hub, args.insecure or conf.get("insecure") is True)
    except ValueError as e:
        raise Fatal(str(e)) from None
    return {
        "hub": hub,
        "key": args.enrollment_key or os.environ.get("SIMPUL_ENROLLMENT_KEY") or conf.get("enrollment_key"),
        "name": args.name or conf.get("name") or socket.gethostname(),
        "datasets": datasets,
        "labels": args.label or conf.get("labels") or [],
        "state": args.state or conf.get("state_file") or "simpul-runner-state.json",
        "ca_file": args.ca_file or conf.get("ca_file"),
    }


def load_state(path, hub):
    """runner_id and token saved by an earlier enrolment with this hub, or None."""
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise Fatal(f"cannot read state file {path}: {e}; delete it to enrol again") from None
    if os.stat(path).st_mode & 0o077:
        log.warning("state file %s was readable by others; it holds a secret, so it is now 0600", path)
        os.chmod(path, 0o600)
    if not isinstance(state, dict) or state.get("hub") != hub or not all(isinstance(state.get(k), str) for k in ("runner_id", "token")):
        return None
    return state


def save_state(path, state):
    """Writes the state file readable by its owner only (0600), atomically, so that a crash never leaves half a token."""
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def enrol(hub, s, datasets):
    """POST /register with the enrolment key; the token is shown once, so it goes straight to the state file."""
    if not s["key"]:
        raise Fatal(f"not enrolled with {s['hub']} yet: pass --enrollment-key (or env SIMPUL_ENROLLMENT_KEY)")
    body = {"enrollment_key": s["key"], "name": s["name"], "labels": s["labels"], "protocol_version": PROTOCOL_VERSION,
            "version": VERSION, "datasets": [d.info() for d in datasets.values()]}
    delay = 1.0
    while True:
        try:
            reply = wire.register_reply(hub.call("POST", "/register", body, auth=False))
            break
        except HubError as e:
            if e.status < 500 and e.status != 429:
                raise Fatal(f"the hub refused the enrolment: {e.message}") from None
            log.warning("enrolment not taken yet: %s", e)
        except Unreachable as e:
            log.warning("hub unreachable, will try again: %s", e)  # e.g. the hub is still starting
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, 30.0)
    state = {"hub": s["hub"], "name": s["name"], "runner_id": reply["runner_id"], "token": reply["token"]}
    save_state(s["state"], state)
    log.info("enrolled as %s; runner_id and token saved in %s", reply["runner_id"], s["state"])
    return state


class Runner:
    def __init__(self, hub, runner_id, datasets, labels, drain_timeout):
        self.hub, self.runner_id, self.datasets, self.labels = hub, runner_id, datasets, labels
        self.leases = Leases()
        self.executor = Executor(hub, datasets, self.leases)
        self.interval = 5.0
        self.draining = threading.Event()  # SIGTERM/SIGINT: take no new work
        self.wake = threading.Event()  # ping now
        self.fatal = None
        self.drain_timeout = drain_timeout

    def fail(self, message):
        self.fatal = message
        self.draining.set()

    def ping(self, advertised):
        """One heartbeat; returns what was advertised, so that a changed schema is sent again."""
        infos = [d.info() for d in self.datasets.values()]
        body = {"runner_id": self.runner_id, "leases": self.leases.refs(), "protocol_version": PROTOCOL_VERSION,
                # draining is remembered by the hub: say false too, or a restarted runner would get no work
                "draining": self.draining.is_set()}
        if infos != advertised:
            body.update(datasets=infos, labels=self.labels, version=VERSION)
        reply = wire.ping_reply(self.hub.call("POST", "/ping", body, timeout=max(10.0, self.interval * 2)))
        self.interval = reply["heartbeat_interval_s"]
        self.leases.mark(reply["cancel"], "cancel")
        self.leases.mark(reply["drop"], "drop")
        if reply["cancel"] or reply["drop"]:
            log.info("hub says cancel=%s drop=%s", reply["cancel"], reply["drop"])
        return infos

    def heartbeat(self):
        advertised, failing = None, False
        while self.fatal is None:
            try:
                advertised = self.ping(advertised)
                if failing:
                    log.info("hub reachable again")
                failing = False
            except HubError as e:
                if e.status in (401, 403):
                    self.fail(f"the hub refused this runner's token ({e.message}); if it was revoked or the hub was "
                              "reset, delete the state file and enrol again")
                    return
                if e.code == "protocol_mismatch":
                    self.fail(e.message)
                    return
                log.warning("ping not taken: %s", e)
            except Unreachable as e:
                if not failing:
                    log.warning("hub unreachable, will keep trying: %s", e)
                failing = True
            self.wake.wait(self.interval)
            self.wake.clear()

    def work(self):
        """Long-polls for tasks and runs them one at a time until draining."""
        delay, failing = 1.0, False
        while not self.draining.is_set():
            try:
                query = {"runner_id": self.runner_id, "wait": POLL_WAIT_S}
                offers = wire.claim_reply(self.hub.call("GET", "/tasks", query=query, timeout=POLL_WAIT_S + 15))
                delay, failing = 1.0, False
                for offer in offers:
                    self.executor.run(offer)
                continue
            except HubError as e:
                if e.status in (401, 403):
                    self.fail(f"the hub refused this runner's token ({e.message}); delete the state file and enrol again")
                    return
                log.warning("claim not taken: %s", e)
            except Unreachable as e:
                (log.debug if failing else log.warning)("hub unreachable, will keep trying: %s", e)
                failing = True
            # Jittered backoff, so that many runners do not return to a restarted hub at the same instant.
            self.draining.wait(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 30.0)

    def serve(self):
        threading.Thread(target=self.heartbeat, name="heartbeat", daemon=True).start()
        worker = threading.Thread(target=self.work, name="worker", daemon=True)
        worker.start()
        log.info("runner %s serving %s from %s", self.runner_id, ", ".join(self.datasets) or "no datasets", self.hub.base_url)
        while not self.draining.is_set():
            self.draining.wait(0.5)  # short waits keep the main thread free to take signals
        if self.fatal:
            raise Fatal(self.fatal)
        # Draining: tell the hub first, so that it hands out no more work; then let the task at hand finish.
        # An idle long-poll is simply abandoned: the hub hands back anything it claimed for a client that left.
        try:
            self.ping(None)
        except (HubError, Unreachable) as e:
            log.warning("could not tell the hub that this runner is stopping: %s", e)
        end = time.monotonic() + self.drain_timeout
        while len(self.leases) and worker.is_alive() and time.monotonic() < end:
            time.sleep(0.1)
        if len(self.leases):
            log.warning("stopping with %d task(s) unfinished: the hub will hand them out again", len(self.leases))
        log.info("stopped")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    runner = None

    def on_signal(signum, _frame):
        if runner is None or runner.draining.is_set():
            raise SystemExit(0 if runner is None else 1)  # nothing held yet, or a second signal: stop now
        log.info("%s: finishing the task at hand, taking no new work", signal.Signals(signum).name)
        runner.draining.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        s = settings_of(args)
        datasets = {}
        for name, path in s["datasets"].items():
            if not wire.DATASET_NAME.match(name):
                raise Fatal(f"dataset name {name!r}: use letters, digits, _ . and - (at most 128)")
            d = datasets[name] = CsvDataset(name, path)
            d.scan()
            if d.error:
                log.warning("dataset %s: %s", name, d.error)  # advertised with its error, so the hub shows it
            else:
                log.info("dataset %s: %d rows, %d columns", name, d.row_count, len(d.columns))
        hub = HubClient(s["hub"], ca_file=s["ca_file"])
        state = load_state(s["state"], s["hub"]) or enrol(hub, s, datasets)
        hub.token = state["token"]
        if state.get("name") not in (None, s["name"]):
            log.warning("the hub knows this runner as %r: a name is given at enrolment (delete %s to enrol anew)", state["name"], s["state"])
        runner = Runner(hub, state["runner_id"], datasets, s["labels"], args.drain_timeout)
        runner.serve()
        return 0
    except Fatal as e:
        log.error("%s", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
