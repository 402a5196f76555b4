"""Op 100 (Fetch rows) and op 200 (Filter) on a CSV dataset: params checked as FetchParams / FilterParams, a RowsResult back."""
import heapq
import itertools

from csv_dataset import cell
from errors import TaskFailure
from filter_eval import compile_filter
from wire import DATASET_NAME

MAX_PAGE_ROWS = 100_000
TICK_ROWS = 4096  # how often (in rows) a long scan looks at cancel, drop and the deadline


def invalid(message):
    return TaskFailure("invalid_params", message)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_params(op, params):
    """FetchParams (op 100) or FilterParams (op 200), with their defaults; invalid_params says what is wrong."""
    allowed = {"dataset", "columns", "limit", "offset", "order_by"} | ({"where"} if op == 200 else set())
    extra = sorted(set(params) - allowed)
    if extra:
        raise invalid(f"op {op} does not take {', '.join(extra)}")
    p = {"limit": 100, "offset": 0, "columns": None, "order_by": [], "where": None, **params}
    if not isinstance(p.get("dataset"), str) or not DATASET_NAME.match(p["dataset"]):
        raise invalid("dataset must be a dataset name (letters, digits, _ . and -)")
    if not is_int(p["limit"]) or not 1 <= p["limit"] <= MAX_PAGE_ROWS:
        raise invalid(f"limit must be a whole number from 1 to {MAX_PAGE_ROWS}")
    if not is_int(p["offset"]) or p["offset"] < 0:
        raise invalid("offset must be a whole number, 0 or more")
    cols = p["columns"]
    if cols is not None and (not isinstance(cols, list) or not 1 <= len(cols) <= 1000 or not all(isinstance(c, str) and c for c in cols)):
        raise invalid("columns must be a list of 1 to 1000 column names")
    order = p["order_by"]
    if not isinstance(order, list) or len(order) > 16:
        raise invalid("order_by must be a list of at most 16 {column, direction}")
    for o in order:
        if not isinstance(o, dict) or set(o) - {"column", "direction"} or not isinstance(o.get("column"), str):
            raise invalid("each order_by item is {column, direction?}")
        if o.setdefault("direction", "asc") not in ("asc", "desc"):
            raise invalid("direction is asc or desc")
    if op == 200 and "where" not in params:
        raise invalid("op 200 needs a where expression")
    return p


class SortKey:
    """Orders rows by several columns, each ascending or descending, with nulls last either way."""
    __slots__ = ("values", "desc")

    def __init__(self, values, desc):
        self.values, self.desc = values, desc

    def __eq__(self, other):
        return self.values == other.values

    def __lt__(self, other):
        for a, b, desc in zip(self.values, other.values, self.desc):
            if a == b:
                continue
            if a is None or b is None:
                return b is None
            return a > b if desc else a < b
        return False


def run_rows(op, p, dataset, tick):
    """Runs op 100 or 200 with params from check_params. `tick(rows_read, row_count)` is called every TICK_ROWS rows
    and raises to stop the scan."""
    if dataset.refresh():
        tick(0, dataset.row_count)  # a rescan can take a while: let the caller report and look at cancels
    if dataset.error:
        raise TaskFailure("op_failed", f"dataset {dataset.name!r} cannot be read: {dataset.error}")
    where = compile_filter(p["where"], dataset) if op == 200 else None
    out = [dataset.column(n) for n in p["columns"]] if p["columns"] else list(dataset.columns)
    order = [(dataset.column(o["column"]), o["direction"] == "desc") for o in p["order_by"]]
    width = len(dataset.columns)
    counts = {"rows": 0, "matched": 0}

    def matching():
        with dataset.open() as reader:
            next(reader, None)  # the header
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    raise TaskFailure("op_failed", f"line {reader.line_num} of {dataset.name!r} has {len(row)} fields, "
                                      f"the header has {width}")
                counts["rows"] += 1
                if counts["rows"] % TICK_ROWS == 0:
                    tick(counts["rows"], dataset.row_count)
                if where is None or where(row) is True:
                    counts["matched"] += 1
                    yield row

    end = p["offset"] + p["limit"]
    rows = matching()
    if order:
        keys, desc = [c for c, _ in order], [d for _, d in order]
        # nsmallest keeps only offset+limit rows in memory and, like sorted(), keeps ties in file order.
        page = heapq.nsmallest(end, rows, key=lambda r: SortKey([c.value(r) for c in keys], desc))[p["offset"]:]
    else:
        page = list(itertools.islice(rows, p["offset"], end))
    if op == 200 or order:
        for _ in rows:  # the rest of the file: matched_rows counts every match
            pass
        total = counts["rows"]
    else:
        total = dataset.row_count  # fetched without reading it all; refresh() made sure the count is current
    rows.close()  # closes the file when the page ended before it did
    result = {
        "columns": [c.info() for c in out],
        "rows": [[cell(c.value(r)) for c in out] for r in page],
        "total_rows": total,
        "offset": p["offset"],
    }
    if op == 200:
        result["matched_rows"] = counts["matched"]
    return result
