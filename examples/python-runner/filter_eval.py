"""The filter expression (PROTOCOL.md, "Filter expression") checked, bound to a dataset's columns, and evaluated per row.

Evaluation follows SQL's three-valued logic, as the protocol asks: a condition on a null cell is unknown (None), `not`
of unknown stays unknown, and a row matches only when the whole expression is true.
"""
import datetime

from csv_dataset import text_of
from errors import TaskFailure

MAX_DEPTH, MAX_NODES, MAX_LIST, MAX_TEXT = 16, 500, 1000, 10_000
ONE_VALUE = {"=", "!=", "<", "<=", ">", ">="}
OPS = ONE_VALUE | {"in", "not_in", "between", "is_null", "not_null", "contains", "starts_with"}


def invalid(message, details=None):
    return TaskFailure("invalid_params", message, details)


def is_scalar(v):
    return isinstance(v, (bool, int, float)) or (isinstance(v, str) and len(v) <= MAX_TEXT)


def check_shape(expr, depth=1, count=None):
    """The expression's shape and limits, before any column is looked at (the hub checked it too; a runner trusts no one)."""
    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_DEPTH:
        raise invalid(f"the filter is nested more than {MAX_DEPTH} deep")
    if count[0] > MAX_NODES:
        raise invalid(f"the filter has more than {MAX_NODES} nodes")
    if not isinstance(expr, dict):
        raise invalid("each node of a filter is an object: {and}, {or}, {not} or {column, op, value}")
    for key in ("and", "or"):
        if key in expr:
            if len(expr) != 1 or not isinstance(expr[key], list):
                raise invalid(f"{{{key}: [...]}} takes a list of nodes and nothing else")
            for kid in expr[key]:
                check_shape(kid, depth + 1, count)
            return
    if "not" in expr:
        if len(expr) != 1:
            raise invalid("{not: node} takes one node and nothing else")
        return check_shape(expr["not"], depth + 1, count)
    extra = set(expr) - {"column", "op", "value"}
    if extra or not isinstance(expr.get("column"), str) or not 1 <= len(expr["column"]) <= 256:
        raise invalid("a condition is {column, op, value?} with a column name", {"node": expr})
    op, value, has = expr.get("op"), expr.get("value"), "value" in expr
    if op not in OPS:
        raise invalid(f"unknown operator {op!r}; operators are: {', '.join(sorted(OPS))}")
    if has and not (is_scalar(value) or (isinstance(value, list) and len(value) <= MAX_LIST and all(is_scalar(v) for v in value))):
        raise invalid(f"the value of {op!r} on {expr['column']!r} is not a string, number, boolean or a list of them")
    if op in ("is_null", "not_null") and has:
        raise invalid(f"{op} takes no value")
    if op in ("in", "not_in") and not (isinstance(value, list) and value):
        raise invalid(f"{op} needs a non-empty array of values")
    if op == "between" and not (isinstance(value, list) and len(value) == 2):
        raise invalid("between needs [low, high]")
    if op in ("contains", "starts_with") and not isinstance(value, str):
        raise invalid(f"{op} needs a string value")
    if op in ONE_VALUE and (not has or isinstance(value, list)):
        raise invalid(f"{op} needs one value")


def typed(col, v):
    """A filter value as the column's type, so that numbers, dates and booleans compare as such, not as text."""
    def bad(why):
        return invalid(f"column {col.name!r} is {col.type}: {why}", {"column": col.name, "value": v})

    if col.kind == "string":
        return text_of(v)
    if col.kind == "number":
        if isinstance(v, bool):
            raise bad(f"cannot compare it with {str(v).lower()}")
        if isinstance(v, (int, float)):
            return v
        try:
            return int(v) if v.strip().lstrip("+-").isdigit() else float(v)
        except ValueError:
            raise bad(f"{v[:80]!r} is not a number") from None
    if col.kind == "boolean":
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return v != 0
        if v.lower() in ("true", "false"):
            return v.lower() == "true"
        raise bad(f"{v[:80]!r} is not true or false")
    if not isinstance(v, str):
        example = "2015-01-31" if col.kind == "date" else "2015-01-31T12:00:00"
        raise bad(f"compare it with an ISO string like {example!r}")
    try:
        if col.kind == "date":
            return datetime.date.fromisoformat(v)
        t = datetime.datetime.fromisoformat(v)
        # Naive cells are read as UTC; an offset in the value is honoured by converting it to UTC.
        return t.astimezone(datetime.timezone.utc).replace(tzinfo=None) if t.tzinfo else t
    except ValueError:
        raise bad(f"{v[:80]!r} is not an ISO {col.kind}") from None


COMPARE = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def condition(expr, dataset):
    col = dataset.column(expr["column"])
    op, v = expr["op"], expr.get("value")
    get = col.value
    if op == "is_null":
        return lambda row: get(row) is None
    if op == "not_null":
        return lambda row: get(row) is not None
    if op in ("contains", "starts_with"):
        if op == "contains":  # case-insensitive, as the protocol says; starts_with is case-sensitive
            needle = v.lower()
            test = lambda x: needle in text_of(x).lower()
        else:
            test = lambda x: text_of(x).startswith(v)
    elif op in ("in", "not_in"):
        values = {typed(col, x) for x in v}
        test = (lambda x: x in values) if op == "in" else (lambda x: x not in values)
    elif op == "between":
        lo, hi = typed(col, v[0]), typed(col, v[1])
        test = lambda x: lo <= x <= hi
    else:
        want, cmp = typed(col, v), COMPARE[op]
        test = lambda x: cmp(x, want)

    def check(row):
        x = get(row)
        return None if x is None else test(x)
    return check


def bind(expr, dataset):
    if "and" in expr or "or" in expr:
        is_and = "and" in expr
        kids = [bind(k, dataset) for k in expr["and" if is_and else "or"]]
        decisive = not is_and  # and stops at the first false, or at the first true

        def combine(row):
            out = not decisive
            for k in kids:
                r = k(row)
                if r is decisive:
                    return decisive
                if r is None:
                    out = None
            return out
        return combine
    if "not" in expr:
        kid = bind(expr["not"], dataset)
        return lambda row: (lambda r: None if r is None else not r)(kid(row))
    return condition(expr, dataset)


def compile_filter(expr, dataset):
    """A function row → True / False / None; raises invalid_params or unknown_column before any row is read."""
    check_shape(expr)
    return bind(expr, dataset)
