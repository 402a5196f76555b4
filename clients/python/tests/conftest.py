"""Fixtures: a real hub (`npm run hub`) on a free port with a temp SQLite database, and two real runners
(`npm run runner`) serving the bundled demo data, started once for the session and stopped at its end."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx
import pytest

from simpul import Client

ROOT = Path(__file__).resolve().parents[3]
PATIENTS = ROOT / "scripts" / "demo" / "data" / "patients.csv"
ADMIN_PASSWORD = "pytest-admin-password-1"
ENROLLMENT_KEY = "sme_pytest-enrolment-key-0123456789"
ANALYST = ("analyst1", "analyst-password-1")
LOCKED = ("locked-analyst", "locked-password-1")
BURST = ("burst-analyst", "burst-password-1")
TASKS_PER_MINUTE = 30  # for analysts (admins are not limited)
INLINE_MAX = 16384  # small, so that a few thousand rows and a regression with its chart travel through the blob store


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# `npm test` stops an overrunning suite with SIGTERM: end like Ctrl+C, so that the fixtures stop the hub and runners.
signal.signal(signal.SIGTERM, _interrupt)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process in its own process group, its output in a log file (shown when a test needs it)."""

    def __init__(self, name: str, args: List[str], env: Dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._out = open(self.log, "wb")
        self.p = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
                self.p.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._out.close()


class Stack:
    def __init__(self, url: str, hub: Proc, runners: Dict[str, Proc], dirs: Dict[str, Path], data: Dict[str, Path]) -> None:
        self.url = url
        self.hub = hub
        self.runners = runners
        self.dirs = dirs  # runner name → its folder (config, state file, held results)
        self.data = data

    def admin(self, **kw: object) -> Client:
        return Client(self.url, username="admin", password=ADMIN_PASSWORD, progress=False, **kw)  # type: ignore[arg-type]

    def held_dir(self, runner: str) -> Path:
        """Where the runner keeps results held for the data owner's review (beside its state file)."""
        return self.dirs[runner] / "runner.json.state.disclosure" / "held"


def _wait(what: str, check, timeout: float, procs: List[Proc]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.p.poll() is not None:
                raise RuntimeError(f"{p.name} exited ({p.p.returncode}) while waiting for {what}:\n{p.tail()}")
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}:\n" + "\n".join(p.tail() for p in procs))


def _split(src: Path, dst_a: Path, dst_b: Path) -> Dict[str, int]:
    """The demo patients split by site: north to one clinic, every other site to the other."""
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    site = head.index("site")
    a = [r for r in body if r[site] == "north"]
    b = [r for r in body if r[site] != "north"]
    for path, part in ((dst_a, a), (dst_b, b)):
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows([head, *part])
    return {"a": len(a), "b": len(b)}


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    tmp = Path(tempfile.mkdtemp(prefix="simpul-pytest-"))
    logs = ROOT / "test-artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    hub = Proc("pytest-hub", ["npm", "run", "--silent", "hub"], {
        "SIMPUL_PORT": str(port),
        "SIMPUL_HOST": "127.0.0.1",
        "SIMPUL_DATA_DIR": str(tmp / "hub"),
        "SIMPUL_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SIMPUL_ENROLLMENT_KEY": ENROLLMENT_KEY,
        "SIMPUL_INLINE_RESULT_MAX": str(INLINE_MAX),
        "SIMPUL_LOGIN_MAX_FAILURES": "3",
        "SIMPUL_TASKS_PER_MINUTE": str(TASKS_PER_MINUTE),
        "SIMPUL_LOG_LEVEL": "info",
        # Both runners serve the "clinic" dataset: sites are approved as they come (the default, first_use, would
        # leave the second one pending until an admin approves it).
        "SIMPUL_SITE_APPROVAL": "auto",
    }, logs)
    procs = [hub]
    runners: Dict[str, Proc] = {}
    try:
        _wait("the hub to answer", lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, 90, procs)
        clinic_a, clinic_b = tmp / "clinic-north.csv", tmp / "clinic-rest.csv"
        _split(PATIENTS, clinic_a, clinic_b)
        configs = {
            "demo-runner": [
                {"name": "patients", "path": str(PATIENTS)},  # as `npm start` serves it: no policy
                {"name": "patients_reviewed", "path": str(PATIENTS), "policy": {"release": "review"}},
                {"name": "patients_expiring", "path": str(PATIENTS), "policy": {"release": "review", "review_ttl": 2}},
                {"name": "patients_aggregates", "path": str(PATIENTS), "policy": {"allow_ops": [300], "min_group_size": 5}},
                {"name": "patients_budget", "path": str(PATIENTS), "policy": {"max_rows": 500, "max_rows_per_day": 1200}},
                {"name": "clinic", "path": str(clinic_a)},
            ],
            "site-b": [{"name": "clinic", "path": str(clinic_b)}],
        }
        dirs: Dict[str, Path] = {}
        for name, datasets in configs.items():
            d = tmp / name
            d.mkdir()
            cfg = d / "runner.json"
            cfg.write_text(json.dumps({"hub": url, "name": name, "enrollment_key": ENROLLMENT_KEY, "datasets": datasets}))
            dirs[name] = d
            runners[name] = Proc(f"pytest-{name}", ["npm", "run", "--silent", "runner", "--", "--config", str(cfg)], {"SIMPUL_LOG_LEVEL": "info"}, logs)
            procs.append(runners[name])
        admin = Client(url, username="admin", password=ADMIN_PASSWORD, progress=False)

        def online() -> bool:
            rs = admin.runners()
            return len(rs) == len(configs) and bool(rs["online"].all()) and rs["transport"].notna().all()

        _wait("both runners online", online, 120, procs)
        for user in (ANALYST, LOCKED, BURST):
            admin._request("POST", "/users", json={"username": user[0], "password": user[1], "role": "analyst"})
        admin.close()
        yield Stack(url, hub, runners, dirs, {"patients": PATIENTS, "clinic_north": clinic_a, "clinic_rest": clinic_b})
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def hub(stack: Stack) -> Iterator[Client]:
    """An admin client without progress bars."""
    c = stack.admin()
    yield c
    c.close()


@pytest.fixture(scope="session")
def patients() -> "object":
    import pandas as pd

    return pd.read_csv(PATIENTS)


def env_for_notebook(stack: Stack) -> Dict[str, str]:
    return {"SIMPUL_URL": stack.url, "SIMPUL_USERNAME": "admin", "SIMPUL_PASSWORD": ADMIN_PASSWORD}


def wait_until(check, timeout: float = 30.0, what: str = "a condition") -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: Optional[BaseException] = None
    while time.monotonic() < deadline:
        try:
            v = check()
            if v:
                return v
        except Exception as e:  # noqa: BLE001
            last = e
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))
