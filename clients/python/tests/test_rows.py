"""Ops 100 and 200 against a real hub and runner: datasets, fetch, filter, paging and the blob store."""
import pandas as pd
import pytest

from simpul import Client, col

from conftest import INLINE_MAX


def test_datasets_lists_every_dataset_with_its_runner(hub):
    ds = hub.datasets()
    assert list(ds.columns[:5]) == ["dataset", "runner", "runner_id", "online", "rows"]
    p = ds[ds.dataset == "patients"].iloc[0]
    assert p.runner == "demo-runner" and p.rows == 5000 and p.online
    assert "age" in p["columns"] and p.policy is None
    assert sorted(ds[ds.dataset == "clinic"].runner) == ["demo-runner", "site-b"]
    assert ds[ds.dataset == "patients_aggregates"].iloc[0].policy["allow_ops"] == [300]
    schema = hub.schema("patients")
    assert dict(zip(schema.name, schema.kind))["visit_date"] == "date"


def test_filter_matches_pandas(hub, patients):
    df = hub.filter("patients", (col("age") >= 60) & (col("smoker") == True), columns=["age", "bmi"], limit=5000)  # noqa: E712
    want = patients[(patients.age >= 60) & patients.smoker][["age", "bmi"]].reset_index(drop=True)
    assert list(df.columns) == ["age", "bmi"]
    assert df.attrs["matched_rows"] == len(want) and df.attrs["total_rows"] == 5000
    pd.testing.assert_frame_equal(df.reset_index(drop=True), want, check_dtype=False)


def test_filter_types_columns_by_kind(hub):
    df = hub.filter("patients", col("notes").str.contains("FOLLOW") & col("site").isin(["north", "east"]), limit=50)
    assert len(df) > 0 and df.notes.str.lower().str.contains("follow").all() and set(df.site) <= {"north", "east"}
    assert pd.api.types.is_datetime64_any_dtype(df.visit_date)
    assert str(df.smoker.dtype) in ("bool", "boolean")
    df = hub.filter("patients", col("visit_date").between("2024-01-01", "2024-01-31") & col("notes").isna(), ["visit_date", "notes"], limit=1000)
    assert len(df) > 0 and df.notes.isna().all()
    assert df.visit_date.min() >= pd.Timestamp("2024-01-01") and df.visit_date.max() <= pd.Timestamp("2024-01-31")


def test_fetch_with_order_limit_and_offset(hub, patients):
    df = hub.fetch("patients", ["patient_id", "age"], limit=10, offset=5, order_by=["-age", "patient_id"])
    want = patients.sort_values(["age", "patient_id"], ascending=[False, True])[["patient_id", "age"]].iloc[5:15]
    assert df.patient_id.tolist() == want.patient_id.tolist()
    assert df.attrs["offset"] == 5


def test_large_filter_result_comes_through_the_blob_store(hub, patients):
    pytest.importorskip("pyarrow")
    df = hub.filter("patients", col("age") >= 0, limit=5000)
    assert "blob" in df.attrs, f"expected a blob with an inline limit of {INLINE_MAX} bytes"
    assert df.attrs["blob"]["format"] == "parquet"
    assert len(df) == 5000 and df.patient_id.tolist() == patients.patient_id.tolist()
    assert pd.api.types.is_datetime64_any_dtype(df.visit_date)
    assert df.age.sum() == patients.age.sum()


def test_all_rows_pages_through_every_match(hub, patients):
    df = hub.filter("patients", col("site") == "south", columns=["patient_id"], limit=300, all_rows=True)
    want = patients[patients.site == "south"].patient_id.tolist()
    assert df.patient_id.tolist() == want
    assert df.attrs["matched_rows"] == len(want)


def test_filter_with_a_json_where_and_a_live_progress_bar(stack, capsys):
    c = Client(stack.url, username="admin", password="pytest-admin-password-1")
    df = c.filter("patients", {"column": "sex", "op": "=", "value": "F"}, limit=3)
    assert len(df) == 3 and (df.sex == "F").all()
    err = capsys.readouterr().err
    assert "filter patients" in err and "100%" in err
    c.close()


def test_all_rows_stops_where_the_daily_row_budget_ends(hub, patients):
    # max_rows 500 a task, 1,200 a day for each analyst: three pages, the last one cut short, then a warning.
    with pytest.warns(UserWarning, match="row"):
        df = hub.filter("patients_budget", col("age") >= 30, columns=["patient_id"], all_rows=True)
    assert len(df) == 1200
    assert df.patient_id.tolist() == patients[patients.age >= 30].patient_id.tolist()[:1200]
