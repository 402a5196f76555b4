"""examples/notebooks/first-analysis.ipynb runs from top to bottom against the real hub, so it never goes stale."""
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import ROOT, env_for_notebook

NOTEBOOK = ROOT / "examples" / "notebooks" / "first-analysis.ipynb"


def test_first_analysis_notebook_executes(stack, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    # A kernel that runs this Python (the one with simpul installed), whatever other kernels the machine has.
    spec = tmp_path / "jupyter" / "kernels" / "simpul-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simpul test", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws PNGs into the notebook
    for k, v in env_for_notebook(stack).items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("SIMPUL_TOKEN", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="simpul-test", timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    finally:
        out = ROOT / "test-artifacts" / "first-analysis.executed.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)  # to look at when it fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)
    assert "patients match" in text and "estimate" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the chart cell drew no picture"
