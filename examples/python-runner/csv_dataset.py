"""A CSV (or TSV) file as a dataset: its schema (types inferred from every value), row count, and typed rows."""
import csv
import datetime
import math
import os
import re

from errors import TaskFailure

# Type names follow the hub's other runner (DuckDB names), so that analysts see the same types whichever runner answers.
KIND = {"BOOLEAN": "boolean", "BIGINT": "number", "DOUBLE": "number", "DATE": "date", "TIMESTAMP": "timestamp", "VARCHAR": "string"}
# When a value does not fit a column's type so far, the type widens along its chain (everything that fits the left fits the right).
WIDER = {"BOOLEAN": "VARCHAR", "BIGINT": "DOUBLE", "DOUBLE": "VARCHAR", "DATE": "TIMESTAMP", "TIMESTAMP": "VARCHAR"}
FIRST_TRY = ["BOOLEAN", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP"]

INT_RE = re.compile(r"^[+-]?\d{1,19}$")
FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
INT64 = 2**63
SAFE_INT = 2**53 - 1  # larger integers travel as strings: a JSON double cannot hold them exactly


def parse_as(type_name, text):
    """The Python value of a non-empty CSV field under `type_name`; ValueError when it does not fit."""
    if type_name == "VARCHAR":
        return text
    if type_name == "BOOLEAN":
        low = text.lower()
        if low not in ("true", "false"):
            raise ValueError(text)
        return low == "true"
    if type_name == "BIGINT":
        if not INT_RE.match(text) or not -INT64 <= int(text) < INT64:
            raise ValueError(text)
        return int(text)
    if type_name == "DOUBLE":
        if not FLOAT_RE.match(text):
            raise ValueError(text)
        return float(text)
    if type_name == "DATE":
        if not DATE_RE.match(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    if not TIMESTAMP_RE.match(text) and not DATE_RE.match(text):
        raise ValueError(text)
    return datetime.datetime.fromisoformat(text)


def valid(type_name, text):
    try:
        parse_as(type_name, text)
        return True
    except ValueError:
        return False


# Quick tests first (scanning a large file calls these once per field); the full parse only where a regex can be fooled.
FITS = {
    "BOOLEAN": lambda t: t.lower() in ("true", "false"),
    "BIGINT": lambda t: INT_RE.match(t) is not None and (len(t) < 18 or valid("BIGINT", t)),
    "DOUBLE": lambda t: FLOAT_RE.match(t) is not None,
    "DATE": lambda t: DATE_RE.match(t) is not None and valid("DATE", t),
    "TIMESTAMP": lambda t: valid("TIMESTAMP", t),
}


def fits(type_name, text):
    return FITS[type_name](text)


def cell(value):
    """A value as a JSON cell (PROTOCOL.md, RowsResult): big integers and non-finite numbers as strings, dates as ISO."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE_INT <= value <= SAFE_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN")
    return value.isoformat()


def text_of(value):
    """A non-null value as text, for contains / starts_with on any column."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


class Column:
    def __init__(self, name, type_name, index):
        self.name = name
        self.type = type_name
        self.kind = KIND[type_name]
        self.index = index

    def info(self):
        return {"name": self.name, "type": self.type, "kind": self.kind}

    def value(self, row):
        """This column's typed value in a raw row; empty fields are null."""
        text = row[self.index]
        if text == "":
            return None
        try:
            return parse_as(self.type, text)
        except ValueError:
            raise TaskFailure("op_failed", f"column {self.name!r} holds {text[:80]!r}, which is not {self.type}; "
                              "the file changed while it was read: run the task again") from None


class CsvDataset:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.delimiter = "\t" if path.lower().endswith((".tsv", ".tab")) else ","
        self.format = "tsv" if self.delimiter == "\t" else "csv"
        self.columns = []
        self.row_count = None
        self.error = None
        self.stamp = None

    def info(self):
        """DatasetInfo: the schema and row count, never rows."""
        out = {"name": self.name, "columns": [c.info() for c in self.columns], "row_count": self.row_count, "format": self.format}
        if self.error:
            out["error"] = self.error[:1000]
        return out

    def _stamp(self):
        st = os.stat(self.path)
        return (st.st_size, st.st_mtime_ns)

    def refresh(self):
        """Scans the file again if it changed since the last scan; True when the schema or row count may have changed."""
        try:
            if self.stamp is not None and self._stamp() == self.stamp:
                return False
        except OSError:
            pass
        self.scan()
        return True

    def scan(self):
        """Reads the whole file once: header, the narrowest type that fits every value of each column, row count."""
        try:
            self.stamp = self._stamp()
            types, count = None, 0
            with self.open() as reader:
                header = next(reader, None)
                if not header:
                    raise ValueError("the file is empty: the first line must name the columns")
                check_header(header)
                types = [None] * len(header)
                for row in reader:
                    if not row:
                        continue  # a blank line is not a row
                    if len(row) != len(header):
                        raise ValueError(f"line {reader.line_num} has {len(row)} fields, the header has {len(header)}")
                    count += 1
                    for i, text in enumerate(row):
                        t = types[i]
                        if text == "" or t == "VARCHAR" or (t is not None and FITS[t](text)):
                            continue
                        while t is not None and t != "VARCHAR" and not fits(t, text):
                            t = WIDER[t]
                        types[i] = t if t is not None else next((f for f in FIRST_TRY if fits(f, text)), "VARCHAR")
            self.columns = [Column(n, t or "VARCHAR", i) for i, (n, t) in enumerate(zip(header, types))]
            self.row_count = count
            self.error = None
        except (OSError, ValueError, UnicodeDecodeError, csv.Error) as e:
            self.columns, self.row_count = [], None
            self.error = f"cannot read {os.path.basename(self.path)}: {e}"

    def open(self):
        return CsvReader(self.path, self.delimiter)

    def column(self, name):
        """The column called `name`, or the task error unknown_column naming it and listing the real ones."""
        for c in self.columns:
            if c.name == name:
                return c
        names = ", ".join(c.name for c in self.columns[:30])
        raise TaskFailure("unknown_column", f"column {name[:80]!r} is not in dataset {self.name!r}; its columns are: {names}",
                          {"column": name})


def check_header(header):
    seen = set()
    for i, name in enumerate(header):
        if not name or len(name) > 256:
            raise ValueError(f"column {i + 1} of the header has no name or a name over 256 characters")
        if name in seen:
            raise ValueError(f"the header names column {name!r} twice")
        seen.add(name)
    if len(header) > 2000:
        raise ValueError(f"{len(header)} columns; a dataset may have at most 2000")


class CsvReader:
    """`with dataset.open() as reader:` a csv.reader over the file; closes the file afterwards."""

    def __init__(self, path, delimiter):
        self.path, self.delimiter = path, delimiter

    def __enter__(self):
        self.file = open(self.path, newline="", encoding="utf-8-sig")
        return csv.reader(self.file, delimiter=self.delimiter)

    def __exit__(self, *exc):
        self.file.close()
