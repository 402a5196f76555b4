"""Federated studies over two runners that each hold part of the patients."""
import numpy as np
import pandas as pd
import pytest

from simpul import Study, col


def test_summary_study_pools_both_sites(hub, patients):
    s = hub.study("clinic", "summary", columns=["age"], require="quorum")
    assert isinstance(s, Study) and s.status == "succeeded"
    r = s.result
    assert r["analysis"] == "summary" and len(r["sites"]) == 2 and r["rows_used"] == 5000
    t = s.table
    assert t.loc["age", "count"] == 5000
    assert t.loc["age", "mean"] == pytest.approx(patients.age.mean(), rel=1e-12)
    assert t.loc["age", "sd"] == pytest.approx(patients.age.std(), rel=1e-9)


def test_regression_study_with_where(hub, patients):
    s = hub.study("clinic", "linear_regression", target="systolic_bp", features=["age", "bmi"], where=col("sex") == "F")
    d = patients[patients.sex == "F"]
    X = np.column_stack([np.ones(len(d)), d.age, d.bmi])
    beta, *_ = np.linalg.lstsq(X, d.systolic_bp, rcond=None)
    np.testing.assert_allclose(s.coefficients.estimate.values, beta, rtol=1e-8)
    assert list(s.coefficients.columns) == ["estimate", "std_error", "t", "p", "ci_low", "ci_high"]


def test_group_by_study_and_submit(hub, patients):
    s = hub.submit("study", "clinic", "group_by", group_by=["sex"], aggregates=[("mean", "age")])
    assert isinstance(s, Study)
    s.wait()
    t = s.table.set_index("sex")
    want = patients.groupby("sex").age.agg(["size", "mean"])
    assert t["count"].to_dict() == want["size"].to_dict()
    assert len(s.sites) == 2
