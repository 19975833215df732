"""The one interface every cost-file importer implements, and the streaming reader they share.

An importer (``focus.FocusImporter``, ``aws_cur.AwsCurImporter``) only says
which column names carry which field and how tags are written; this module
opens the file (CSV, gzip-compressed CSV or Parquet, told apart by content),
streams it and turns every row into a :class:`CostRow` — or a
:class:`Rejected` with its line number. Nothing here holds more than one
batch of rows in memory.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple, Protocol

# The fields the budgets app needs from any cost file.
FIELDS = (
    "cost",
    "currency",
    "billing_account",
    "period_start",
    "charge_start",
    "charge_end",
    "service",
    "sub_account",
    "resource",
    "region",
    "tags",
    # Charge type and effective (amortized) cost: optional, each importer reads what its format has.
    "charge_category",
    "charge_frequency",
    "charge_class",
    "effective_cost",
    "sp_effective_cost",
    "ri_effective_cost",
    "sp_commitment_to_date",
    "sp_used_commitment",
    "ri_unused_amortized_fee",
    "ri_unused_recurring_fee",
)
# The fields an importer turns into a Charge (the others are the row's own).
CHARGE_FIELDS = FIELDS[11:]
NULLS = frozenset({"", "NULL", "null", "None", "NaN", "nan"})
PARQUET_BATCH = 20_000
csv.field_size_limit(16 * 1024 * 1024)


class ImportFileError(Exception):
    """The whole file cannot be imported (empty, wrong columns, unreadable): nothing is written."""


class Charge(NamedTuple):
    """What kind of charge a row is, and its effective (amortized) cost."""

    category: str  # usage, tax, credit, refund, fee, purchase, adjustment
    frequency: str  # one-time, recurring, usage-based
    effective: Decimal


class CostRow(NamedTuple):
    billing_account: str
    period_start: date
    charge_date: date
    hours: int  # bit mask of the UTC hours of the charge date the row covers (bit h = hour h)
    service: str
    sub_account: str
    resource: str
    region: str
    tags: str  # canonical JSON object (sorted keys), "{}" when none
    currency: str
    cost: Decimal
    category: str = "usage"
    frequency: str = "usage-based"
    effective: Decimal | None = None


class Rejected(NamedTuple):
    line: int
    reason: str


class Importer(Protocol):
    """A cost-file format: which columns carry which field, and how tags are written."""

    name: str
    #: field → accepted column names, normalised (lower case, letters and digits only), first wins
    aliases: dict[str, tuple[str, ...]]
    required: frozenset[str]

    def tags_of(self, raw: Any, extra: dict[str, Any]) -> dict[str, str] | None:
        """Tags of one row (``extra``: values of flattened tag columns); None if malformed."""
        ...

    def tag_columns(self, header: list[str]) -> dict[int, str]:
        """Columns that each carry one tag (index → tag key), for flattened exports."""
        ...

    def charge(self, cost: Decimal, get: Callable[[str], Any]) -> Charge:
        """The row's charge type and effective cost; ``get(field)`` is a raw value or None.

        Raises ValueError for a value it cannot read (the row is rejected)."""
        ...


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_columns(importer: Importer, header: list[str]) -> dict[str, int]:
    """Field → column index; raises ImportFileError naming the missing columns."""
    index = {}
    for position, name in enumerate(header):
        index.setdefault(normalise(name), position)
    columns: dict[str, int] = {}
    missing = []
    for name in FIELDS:
        found = next((index[a] for a in importer.aliases.get(name, ()) if a in index), None)
        if found is not None:
            columns[name] = found
        elif name in importer.required:
            missing.append(importer.aliases[name][0])
    if missing:
        raise ImportFileError(
            f"not a {importer.name} file: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(header[:12])}{'…' if len(header) > 12 else ''})"
        )
    return columns


# --- Values -----------------------------------------------------------------------------

_DATES: dict[str, date] = {}


def _day(text: str) -> date:
    day = _DATES.get(text)
    if day is None:
        day = date.fromisoformat(text)
        if len(_DATES) > 20_000:
            _DATES.clear()
        _DATES[text] = day
    return day


_UTC_SUFFIXES = frozenset({"", "Z", "+00:00", "+0000", ".000Z", ".000", " UTC", ".000+00:00"})


def parse_instant(value: Any) -> tuple[date, int]:
    """(UTC date, UTC hour) of a timestamp: '2024-09-18 22:00:00', RFC 3339 with offset, a date, a datetime."""
    if isinstance(value, str):
        if len(value) >= 13 and value[10] in " T" and value[19:] in _UTC_SUFFIXES:
            hour = int(value[11:13])
            if not 0 <= hour <= 23 or not value[:4].isdigit():
                raise ValueError(value)
            return _day(value[:10]), hour
        if len(value) == 10:
            return _day(value), -1
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date(), value.hour
    if isinstance(value, date):
        return value, -1
    raise ValueError(value)


ALL_HOURS = (1 << 24) - 1


def hour_mask(start: date, start_hour: int, end: date, end_hour: int) -> int:
    """The hours of ``start``'s day covered by a charge period [start, end) (whole days: all 24)."""
    start_hour = max(start_hour, 0)
    span = (end - start).days * 24 + max(end_hour, 0) - start_hour
    if span <= 0:
        return 1 << start_hour
    last = min(24, start_hour + span)
    return ((1 << last) - 1) ^ ((1 << start_hour) - 1)


def parse_cost(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest decimal that the file's float stands for
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        amount = Decimal(value.strip())
    if not amount.is_finite():
        raise InvalidOperation(value)
    return amount


def text(value: Any) -> str:
    if value is None:
        return ""
    value = value if isinstance(value, str) else str(value)
    return "" if value in NULLS else value


def tags_from_json(raw: Any) -> dict[str, str] | None:
    """A Tags value: a JSON object (FOCUS), a map (Parquet: list of pairs or dict), or null."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return {str(k): _tag_value(v) for k, v in raw.items()}
    if isinstance(raw, list):
        try:
            return {str(k): _tag_value(v) for k, v in raw}
        except (TypeError, ValueError):
            return None
    raw = raw.strip()
    if raw in NULLS:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return {str(k): _tag_value(v) for k, v in parsed.items()}


def _tag_value(value: Any) -> str:
    if value is True:
        return "true"
    return "" if value is None else str(value)


# --- Files ------------------------------------------------------------------------------


@dataclass
class Progress:
    """What a reader has consumed so far (for the admin's progress column)."""

    bytes_total: int = 0
    bytes_read: int = 0
    rows_read: int = 0
    tell: Callable[[], int] | None = field(default=None, repr=False)

    def update(self) -> None:
        if self.tell is not None:
            with contextlib.suppress(OSError, ValueError):
                self.bytes_read = min(self.bytes_total, self.tell())


def sniff(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise ImportFileError("the file is empty")
    if head == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        return "csv.gz"
    return "csv"


class Source:
    """An open cost file: its header and a stream of raw rows (line number, values)."""

    def __init__(self, path: Path, progress: Progress):
        self.path = path
        self.kind = sniff(path)
        self.progress = progress
        progress.bytes_total = path.stat().st_size
        self.header: list[str] = []
        self._rows: Iterator[tuple[int, list[Any]]] = iter(())
        self._closers: list[Any] = []

    def __enter__(self) -> Source:
        try:
            if self.kind == "parquet":
                self._open_parquet()
            else:
                self._open_csv()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer.close()
        self._closers.clear()

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows

    def _open_csv(self) -> None:
        raw = self.path.open("rb")
        self._closers.append(raw)
        self.progress.tell = raw.tell
        binary: Any = gzip.GzipFile(fileobj=raw) if self.kind == "csv.gz" else raw
        if binary is not raw:
            self._closers.append(binary)
        stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
        self._closers.append(stream)
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError, csv.Error) as exc:
            raise ImportFileError(f"the file cannot be read as CSV: {exc}") from exc
        if not header or not any(h.strip() for h in header):
            raise ImportFileError("the file is empty (no header line)")
        self.header = [h.strip() for h in header]
        self._rows = self._csv_rows(reader)

    def _csv_rows(self, reader: Any) -> Iterator[tuple[int, list[Any]]]:
        try:
            for values in reader:
                if values:
                    yield reader.line_num, values
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError, csv.Error) as exc:
            raise ImportFileError(f"the file is unreadable after line {reader.line_num}: {exc}") from exc

    def _open_parquet(self) -> None:
        from portal.arrow import pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for broken files
            raise ImportFileError(f"the file cannot be read as Parquet: {exc}") from exc
        self._closers.append(parquet)
        self.header = list(parquet.schema_arrow.names)
        self._parquet = parquet
        self._rows = self._parquet_rows()

    def select(self, columns: list[int]) -> None:
        """Parquet: read only these columns (CSV rows are read whole anyway)."""
        self._wanted = sorted(set(columns))

    def _parquet_rows(self) -> Iterator[tuple[int, list[Any]]]:
        wanted = getattr(self, "_wanted", list(range(len(self.header))))
        names = [self.header[i] for i in wanted]
        width = len(self.header)
        total_rows = max(1, self._parquet.metadata.num_rows)
        line = 1  # row 1 is "the header" so that the first data row is 2, as in CSV
        try:
            for batch in self._parquet.iter_batches(batch_size=PARQUET_BATCH, columns=names):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for values in zip(*columns, strict=True):
                    line += 1
                    row: list[Any] = [None] * width
                    for position, value in zip(wanted, values, strict=True):
                        row[position] = value
                    yield line, row
                self.progress.bytes_read = int(self.progress.bytes_total * (line - 1) / total_rows)
        except OSError as exc:
            raise ImportFileError(f"the Parquet file is unreadable after row {line - 1}: {exc}") from exc


def read_rows(importer: Importer, source: Source, columns: dict[str, int]) -> Iterator[CostRow | Rejected]:
    """Every data row as a CostRow, or a Rejected saying why (with its line number)."""
    tag_columns = importer.tag_columns(source.header)
    if source.kind == "parquet":
        source.select([*columns.values(), *tag_columns])
    width = len(source.header)
    c_cost, c_cur, c_acct, c_period, c_start, c_service = (
        columns["cost"],
        columns["currency"],
        columns["billing_account"],
        columns["period_start"],
        columns["charge_start"],
        columns["service"],
    )
    c_sub, c_res, c_region, c_tags, c_end = (
        columns.get(n) for n in ("sub_account", "resource", "region", "tags", "charge_end")
    )
    names = {v: source.header[v] for v in columns.values()}
    charge_columns = {n: columns[n] for n in CHARGE_FIELDS if n in columns}
    tags_cache: dict[Any, str | None] = {}
    is_csv = source.kind != "parquet"
    for line, values in source.rows():
        if is_csv and len(values) != width:
            yield Rejected(line, f"the row has {len(values)} fields, the header has {width}")
            continue
        column = c_cost
        try:
            cost_value = values[c_cost]
            if cost_value is None or (is_csv and cost_value in NULLS):
                yield Rejected(line, f"{names[c_cost]} is empty")
                continue
            cost = parse_cost(cost_value)
            column = c_start
            charge_date, hour = parse_instant(values[c_start])
            column = c_period
            period_start, _ = parse_instant(values[c_period])
            hours = ALL_HOURS if hour < 0 else 1 << hour
            if c_end is not None and values[c_end] is not None and values[c_end] not in NULLS:
                column = c_end
                end_date, end_hour = parse_instant(values[c_end])
                hours = hour_mask(charge_date, hour, end_date, end_hour)
        except (ValueError, InvalidOperation, TypeError, AttributeError):
            yield Rejected(line, f"{names[column]}: {str(values[column])[:60]!r} is not valid")
            continue
        currency = text(values[c_cur]).strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            yield Rejected(line, f"{names[c_cur]}: {str(values[c_cur])[:20]!r} is not a currency code")
            continue
        account = text(values[c_acct])
        if not account:
            yield Rejected(line, f"{names[c_acct]} is empty")
            continue
        raw_tags = values[c_tags] if c_tags is not None else None
        extra = {key: values[i] for i, key in tag_columns.items()} if tag_columns else None
        cache_key = raw_tags if extra is None and not isinstance(raw_tags, list | dict) else None
        tags = tags_cache.get(cache_key) if cache_key is not None else None
        if tags is None:
            parsed = importer.tags_of(raw_tags, extra or {})
            tags = None if parsed is None else json.dumps(parsed, sort_keys=True, ensure_ascii=False)
            if cache_key is not None:
                if len(tags_cache) > 50_000:
                    tags_cache.clear()
                tags_cache[cache_key] = tags
        if tags is None:
            yield Rejected(line, f"{names.get(c_tags, 'tags')}: not a JSON object of tags")
            continue
        asked: list[str] = []

        def get(name: str, row: list[Any] = values, asked: list[str] = asked) -> Any:
            asked.append(name)
            return _raw(row, charge_columns.get(name))

        try:
            charge = importer.charge(cost, get)
        except (ValueError, InvalidOperation, TypeError) as exc:
            position = charge_columns.get(asked[-1]) if asked else None
            if position is None:
                yield Rejected(line, f"charge: {str(exc)[:100]}")
            else:
                yield Rejected(
                    line, f"{source.header[position]}: {str(values[position])[:60]!r} is not valid"
                )
            continue
        yield CostRow(
            account,
            period_start,
            charge_date,
            hours,
            text(values[c_service]) or "(none)",
            text(values[c_sub]) if c_sub is not None else "",
            text(values[c_res]) if c_res is not None else "",
            text(values[c_region]) if c_region is not None else "",
            tags,
            currency,
            cost,
            charge.category,
            charge.frequency,
            charge.effective,
        )


def _raw(values: list[Any], position: int | None) -> Any:
    if position is None:
        return None
    value = values[position]
    if value is None or (isinstance(value, str) and value.strip() in NULLS):
        return None
    return value


def decimal_or(value: Any, default: Decimal) -> Decimal:
    """A cost column's value, or ``default`` when the column is absent or null."""
    return default if value is None else parse_cost(value)


def detect(importers: list[Importer], header: list[str]) -> Importer:
    for importer in importers:
        try:
            resolve_columns(importer, header)
        except ImportFileError:
            continue
        return importer
    names = " or ".join(i.name for i in importers)
    raise ImportFileError(
        f"unknown cost file format (expected {names} columns; found: {', '.join(header[:12])})"
    )
