"""col() builds the protocol's filter JSON (no hub needed)."""
import datetime as dt

import pytest

from simpul import col
from simpul.filters import where_json


def test_comparisons_map_to_protocol_operators():
    assert (col("age") >= 60).to_json() == {"column": "age", "op": ">=", "value": 60}
    assert (col("age") > 1).to_json()["op"] == ">"
    assert (col("age") < 1).to_json()["op"] == "<"
    assert (col("age") <= 1).to_json()["op"] == "<="
    assert (col("site") != "north").to_json() == {"column": "site", "op": "!=", "value": "north"}
    assert (col("smoker") == True).to_json() == {"column": "smoker", "op": "=", "value": True}  # noqa: E712


def test_and_or_not_nest_and_flatten():
    e = (col("a") == 1) & (col("b") == 2) & (col("c") == 3)
    assert e.to_json() == {"and": [{"column": "a", "op": "=", "value": 1}, {"column": "b", "op": "=", "value": 2}, {"column": "c", "op": "=", "value": 3}]}
    e = (col("a") == 1) | ~(col("b").isna())
    assert e.to_json() == {"or": [{"column": "a", "op": "=", "value": 1}, {"not": {"column": "b", "op": "is_null"}}]}


def test_list_range_null_and_string_conditions():
    assert col("site").isin(["north", "south"]).to_json() == {"column": "site", "op": "in", "value": ["north", "south"]}
    assert col("site").notin(("x",)).to_json() == {"column": "site", "op": "not_in", "value": ["x"]}
    assert col("d").between(dt.date(2024, 1, 1), "2024-06-30").to_json() == {"column": "d", "op": "between", "value": ["2024-01-01", "2024-06-30"]}
    assert col("notes").isna().to_json() == {"column": "notes", "op": "is_null"}
    assert col("notes").notna().to_json() == {"column": "notes", "op": "not_null"}
    assert (col("notes") == None).to_json() == {"column": "notes", "op": "is_null"}  # noqa: E711
    assert col("notes").str.contains("Follow").to_json() == {"column": "notes", "op": "contains", "value": "Follow"}
    assert col("id").str.startswith("P0").to_json() == {"column": "id", "op": "starts_with", "value": "P0"}


def test_python_keywords_and_bad_values_are_refused():
    with pytest.raises(TypeError):
        (col("a") == 1) and (col("b") == 2)  # noqa: B015
    with pytest.raises(ValueError):
        col("a").isin([])
    with pytest.raises(TypeError):
        col("a") < None  # noqa: B015
    with pytest.raises(TypeError):
        col("a") == object()  # noqa: B015


def test_where_accepts_dicts_and_numpy_scalars():
    np = pytest.importorskip("numpy")
    assert where_json({"column": "a", "op": "is_null"}) == {"column": "a", "op": "is_null"}
    assert where_json(None) is None
    assert (col("a") == np.int64(3)).to_json()["value"] == 3
