"""The package is typed (py.typed): mypy finds no error in it."""
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "simpul"


def test_py_typed_is_shipped():
    assert (SRC / "py.typed").exists()


def test_mypy_passes():
    pytest.importorskip("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary", str(SRC)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
