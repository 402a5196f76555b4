"""Op 300 analyses and op 400 exports against a real runner, checked against pandas / numpy on the same file."""
import io
import math

import numpy as np
import pandas as pd
import pytest

from simpul import Fit, col


def test_describe_is_laid_out_like_pandas(hub, patients):
    d = hub.describe("patients", columns=["age", "bmi"])
    want = patients[["age", "bmi"]].describe()
    assert list(d.columns) == ["age", "bmi"]
    for stat in ("count", "mean", "std", "min", "25%", "50%", "75%", "max"):
        for c in ("age", "bmi"):
            assert d.loc[stat, c] == pytest.approx(want.loc[stat, c], rel=1e-9), (stat, c)
    assert d.loc["nulls", "age"] == 0
    assert d.attrs["result"]["charts"]["histograms"]


def test_describe_with_where_and_text_columns(hub, patients):
    d = hub.describe("patients", columns=["site", "age"], where=col("sex") == "F")
    f = patients[patients.sex == "F"]
    assert d.loc["count", "age"] == len(f)
    counts = f.site.value_counts()
    assert d.loc["top", "site"] in set(counts[counts == counts.max()].index)  # north and east tie
    assert d.loc["freq", "site"] == counts.max()


def test_correlation_matrix(hub, patients):
    m = hub.correlation("patients", ["age", "bmi", "systolic_bp"])
    want = patients[["age", "bmi", "systolic_bp"]].corr()
    np.testing.assert_allclose(m.values, want.values, rtol=1e-9)
    s = hub.correlation("patients", ["age", "systolic_bp"], method="spearman")
    assert s.loc["age", "systolic_bp"] == pytest.approx(patients[["age", "systolic_bp"]].corr("spearman").iloc[0, 1], rel=1e-6)


def test_group_by_counts_and_means(hub, patients):
    g = hub.group_by("patients", "site", [("mean", "bmi"), "count"])
    want = patients.groupby("site").agg(n=("bmi", "size"), bmi=("bmi", "mean"))
    g = g.set_index("site")
    assert g["count"].to_dict() == want.n.to_dict()
    mean_col = [c for c in g.columns if "bmi" in c][0]
    np.testing.assert_allclose(g[mean_col].reindex(want.index).values, want.bmi.values, rtol=1e-9)
    assert not g.suppressed.any()
    assert g["count_rows"].to_dict() == want.n.to_dict()  # a "count" aggregate does not clash with the group size


def test_linear_regression_matches_least_squares(hub, patients):
    fit = hub.linear_regression("patients", target="systolic_bp", features=["age", "bmi"])
    assert isinstance(fit, Fit)
    co = fit.coefficients
    assert list(co.columns) == ["estimate", "std_error", "t", "p", "ci_low", "ci_high"]
    d = patients[["systolic_bp", "age", "bmi"]].dropna()
    X = np.column_stack([np.ones(len(d)), d.age, d.bmi])
    beta, *_ = np.linalg.lstsq(X, d.systolic_bp, rcond=None)
    np.testing.assert_allclose(co.estimate.values, beta, rtol=1e-6)
    assert co.loc["age", "p"] < 0.05
    assert (co.ci_low < co.estimate).all() and (co.estimate < co.ci_high).all()
    assert 0 <= fit.r2 <= 1 and fit.df == len(d) - 3
    # with its fitted-vs-actual chart the result is larger than the hub's inline limit: it came as a JSON blob
    assert fit.raw["blob"]["format"] == "json" and len(fit.charts["scatter"]["x"]) == 1000


def test_logistic_regression_table(hub):
    fit = hub.logistic_regression("patients", target="diabetes", features=["age", "bmi"])
    co = fit.coefficients
    assert list(co.columns) == ["estimate", "std_error", "z", "p", "ci_low", "ci_high"]
    assert list(co.index)[1:] == ["age", "bmi"]
    row = co.loc["age"]
    assert row.z == pytest.approx(row.estimate / row.std_error, rel=1e-6)
    assert row.p == pytest.approx(math.erfc(abs(row.z) / math.sqrt(2)), rel=1e-9)
    assert row.ci_low == pytest.approx(row.estimate - 1.959963984540054 * row.std_error, rel=1e-9)
    assert fit.converged and set(fit.metrics) >= {"accuracy", "auc"}


def test_kmeans_centroids(hub):
    km = hub.kmeans("patients", k=3, features=["age", "bmi"])
    c = km.centroids
    assert len(c) == 3 and list(c.columns) == ["size", "age", "bmi"]
    assert c["size"].sum() == km.rows_used


def test_analyse_any_analysis(hub):
    r = hub.analyse("patients", "describe", columns=["age"], where=col("site") == "north")
    assert r.analysis == "describe" and r.columns[0]["name"] == "age"


def test_export_parquet_and_csv_to_a_path(hub, patients, tmp_path):
    north = patients[patients.site == "north"]
    p = hub.export("patients", format="csv", where=col("site") == "north", path=tmp_path / "north.csv")
    got = pd.read_csv(p)
    assert len(got) == len(north) and got.patient_id.tolist() == north.patient_id.tolist()
    data = hub.export("patients", format="json", columns=["age"], where=col("site") == "north")
    assert isinstance(data, bytes) and len(data) > 0
    pytest.importorskip("pyarrow")
    p = hub.export("patients", format="parquet", where=col("site") == "north", path=str(tmp_path / "north.parquet"))
    got = pd.read_parquet(p)
    assert len(got) == len(north) and got.age.sum() == north.age.sum()


def test_export_of_an_analysis(hub, tmp_path):
    p = hub.export("patients", format="csv", analysis={"analysis": "describe", "columns": ["age"]}, path=tmp_path / "d.csv")
    assert "age" in p.read_text()


def test_withheld_statistics_come_back_as_nan_with_the_gate_notes(hub, patients):
    # patients_aggregates has a policy (min_group_size 5): row-level values and small groups are withheld.
    d = hub.describe("patients_aggregates", columns=["age", "site"])
    assert np.isnan(d.loc["min", "age"]) and np.isnan(d.loc["max", "age"])
    assert d.loc["mean", "age"] == pytest.approx(patients.age.mean())
    assert "row_level" in d.attrs["disclosure"]["rules_applied"]
    g = hub.group_by("patients_aggregates", ["site", "age"])
    assert g.attrs["suppressed_groups"] > 0 and "min_group_size" in g.attrs["disclosure"]["rules_applied"]
    assert (g["count"].dropna() >= 5).all()
    fit = hub.linear_regression("patients_aggregates", target="systolic_bp", features=["age"])
    assert fit.residuals["min"] is None and fit.coefficients.loc["age", "p"] < 0.05
    assert "scatter" not in fit.charts and fit.disclosure["notes"]
