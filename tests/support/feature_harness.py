"""Run one feature set's compiled query over a few hand-written rows on the Flink mini-cluster.

:func:`run_features` writes each source's rows (in the order given: that is their arrival order) as
JSON lines to a file and registers a bounded filesystem table under the name of the source's
on-time view (:func:`~flink_jobs.features.on_time_view`), with the columns the job's view has: the
contract's fields in declaration order, typed as after validation, the event-time field a rowtime
attribute with a watermark, then ``kafka_partition`` and ``kafka_offset``. It then runs
:func:`~flink_jobs.features.feature_query` and returns the rows as dicts. At end of input the
watermark reaches its maximum, so every window fires; nothing here needs Kafka, S3 or the uber-jar
(the filesystem connector and the ``json`` format ship with PyFlink). Rows take partition 0 and
their arrival index as offset unless they give ``kafka_partition`` / ``kafka_offset``.

The watermark trails each source's largest time read by a delay (:data:`DEFAULT_DELAY` unless a
test gives one), and every row must be on time under it (:func:`check_on_time` refuses test data
that Flink could drop as late), so results do not depend on when periodic watermarks are emitted.
The query's result must be append-only (every row an INSERT).

Timestamps go in and come out as text ``yyyy-MM-dd HH:mm:ss.SSS`` (:func:`at` builds them): the
query is wrapped in a projection that formats every TIMESTAMP column with ``DATE_FORMAT``, because
PyFlink's conversion of timestamps to ``datetime`` goes through a float. Decimals come back as
:class:`~decimal.Decimal`, doubles as ``float``, counts as ``int``, comparisons as ``bool``.

:func:`assert_rows` compares the result with the expected rows as multisets (values compared with
their Python type, so ``True`` is not ``1`` and ``Decimal('1')`` is not ``1``) and explains a
mismatch row by row.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pyflink.common import RowKind
from pyflink.table import TableEnvironment

from flink_jobs.features import (
    EventFeatures,
    FeatureSet,
    Field,
    PipelineSpec,
    Source,
    feature_query,
    on_time_view,
    validate,
)

__all__ = [
    "DAY",
    "DEFAULT_DELAY",
    "Result",
    "assert_rows",
    "assert_types",
    "at",
    "check_on_time",
    "run_features",
]

DAY = "2026-01-01"
"""The date of every hand-written timestamp (any date works: windows are aligned to the epoch)."""
VERSION = "v1"
DEFAULT_DELAY = timedelta(hours=1)
"""Watermark delay of a source when a test gives none: any row up to an hour behind is on time. At
end of input the watermark jumps to its maximum, so the delay changes no result, only what is late."""
TIME_FORMAT = "yyyy-MM-dd HH:mm:ss.SSS"
POSITION = ("kafka_partition", "kafka_offset")
SQL_TYPES = {
    "string": "STRING",
    "code": "STRING",
    "enum": "STRING",
    "decimal": "DECIMAL(18, 4)",
    "double": "DOUBLE",
    "timestamp": "TIMESTAMP(3)",
}
_CLOCK = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3}")


def at(clock: str, day: str = DAY) -> str:
    """The timestamp text ``<day> <clock>``; ``clock`` is ``HH:MM:SS.mmm`` (milliseconds required)."""
    if not _CLOCK.fullmatch(clock):
        raise ValueError(f"write times as HH:MM:SS.mmm, got {clock!r}")
    return f"{day} {clock}"


@dataclass(frozen=True)
class Result:
    """The rows of one run (dicts, column order as in the query) and the SQL type of each column."""

    rows: list[dict[str, object]]
    types: dict[str, str]
    columns: list[str]


def _json_value(value: object, field: Field, where: str) -> str:
    """The JSON text of one value of ``field``: decimals as plain numbers (no float on the way)."""
    kind = field.kind
    if kind == "decimal":
        if not isinstance(value, Decimal | str):
            raise TypeError(f"{where}: a decimal value is a Decimal or its text, got {value!r}")
        text = str(Decimal(value))
        if "E" in text.upper():
            raise ValueError(f"{where}: write {value!r} as a plain decimal")
        return text
    if kind == "double":
        if not isinstance(value, float | int) or isinstance(value, bool) or not math.isfinite(value):
            raise TypeError(f"{where}: a double value is a finite float, got {value!r}")
        return repr(float(value))
    if not isinstance(value, str):
        raise TypeError(f"{where}: a {kind} value is a string, got {value!r}")
    if kind == "timestamp" and not re.fullmatch(r"\d{4}-\d{2}-\d{2} " + _CLOCK.pattern, value):
        raise ValueError(f"{where}: a timestamp is 'yyyy-MM-dd HH:mm:ss.SSS' (use at()), got {value!r}")
    return json.dumps(value, ensure_ascii=False)


def _json_lines(source: Source, rows: Sequence[Mapping[str, object]]) -> str:
    fields = {f.name: f for f in source.schema.fields}
    lines = []
    for i, row in enumerate(rows):
        where = f"{source.name} row {i}"
        unknown = set(row) - set(fields) - set(POSITION)
        missing = set(fields) - set(row)
        if unknown or missing:
            raise KeyError(f"{where}: unknown columns {sorted(unknown)}, missing {sorted(missing)}")
        items = [f"{json.dumps(name)}: {_json_value(row[name], f, where)}" for name, f in fields.items()]
        # Default position: partition 0, offset = arrival index (a one-partition topic read in order).
        partition = row.get("kafka_partition", 0)
        offset = row.get("kafka_offset", i)
        items += [f'"kafka_partition": {int(partition)}', f'"kafka_offset": {int(offset)}']
        lines.append("{" + ", ".join(items) + "}\n")
    return "".join(lines)


def check_on_time(source: Source, rows: Sequence[Mapping[str, object]], delay: timedelta) -> None:
    """Each row's event time is after every earlier row's minus ``delay``, so no watermark the source
    can have emitted before it (the largest time read so far minus the delay) has reached it.

    The tables stand for the *on-time* views: a row at or behind the watermark would be late, and the
    window and OVER operators would drop it (an OVER window drops even a row at exactly the time it
    has just fired for, so with a zero delay a second row at an equal time may vanish)."""
    latest: datetime | None = None
    for i, row in enumerate(rows):
        time = datetime.strptime(str(row[source.event_time]), "%Y-%m-%d %H:%M:%S.%f")
        if latest is not None and time <= latest - delay:
            raise ValueError(
                f"{source.name} row {i} ({row[source.event_time]}) would be late: the source may already "
                f"have seen {latest} and its watermark delay is {delay}; pass a larger delay"
            )
        latest = time if latest is None else max(latest, time)


def _table_ddl(source: Source, path: Path, delay: timedelta) -> str:
    columns = [f"`{f.name}` {SQL_TYPES[f.kind]}" for f in source.schema.fields]
    columns += ["`kafka_partition` INT", "`kafka_offset` BIGINT"]
    time = f"`{source.event_time}`"
    days, rest = divmod(delay // timedelta(milliseconds=1), 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    interval = f"'{days} {hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}' DAY TO SECOND(3)"
    watermark = f"WATERMARK FOR {time} AS {time} - INTERVAL {interval}"
    return (
        f"CREATE TEMPORARY TABLE `{on_time_view(source)}` (\n  "
        + ",\n  ".join([*columns, watermark])
        + f"\n) WITH ('connector' = 'filesystem', 'path' = '{path.as_uri()}', 'format' = 'json', "
        "'json.fail-on-missing-field' = 'true')"
    )


def sources_of(fs: FeatureSet) -> list[Source]:
    """The feature set's source, then its related and as-of sources (each once)."""
    found = {fs.source.name: fs.source}
    if isinstance(fs, EventFeatures):
        for other in [r.source for r in fs.related] + [a.source for a in fs.enrich]:
            found.setdefault(other.name, other)
    return list(found.values())


def _summary_type(logical_type: object) -> str:
    """``DECIMAL(38, 4)``, ``TIMESTAMP(3)``, ``BIGINT`` ...: without nullability or time attribute."""
    text = str(logical_type.asSummaryString())  # type: ignore[attr-defined]
    text = text.replace(" NOT NULL", "").replace(" *ROWTIME*", "").replace(" *PROCTIME*", "")
    return text


def run_features(
    table_env: TableEnvironment,
    directory: Path,
    fs: FeatureSet,
    inputs: Mapping[Source, Sequence[Mapping[str, object]]],
    delay: timedelta | Mapping[Source, timedelta] | None = None,
    created: list[str] | None = None,
) -> Result:
    """Register ``inputs`` (rows per source; a source of ``fs`` left out has no rows) as the on-time
    views, run ``fs``'s query and return its rows. ``delay`` is the watermark delay (one for all
    sources, or per source; :data:`DEFAULT_DELAY` where not given). Every row must be on time for
    its source (see :func:`check_on_time`). The names of the tables registered are appended to
    ``created``."""
    sources = sources_of(fs)
    validate(PipelineSpec(name="features_test", sources=tuple(sources), feature_sets=(fs,)))
    known = {s.name for s in sources}
    for source in inputs:
        if source.name not in known:
            raise KeyError(f"rows given for {source.name}, which feature set {fs.name} does not read")
    rows_of = {source.name: rows for source, rows in inputs.items()}
    for source in sources:
        folder = directory / source.name
        folder.mkdir(parents=True, exist_ok=False)
        (folder / "rows.json").write_text(_json_lines(source, rows_of.get(source.name, ())), "utf-8")
        source_delay = delay if isinstance(delay, timedelta) else (delay or {}).get(source, DEFAULT_DELAY)
        check_on_time(source, rows_of.get(source.name, ()), source_delay)
        table_env.execute_sql(_table_ddl(source, folder, source_delay))
        if created is not None:
            created.append(on_time_view(source))

    query = feature_query(fs, VERSION)
    resolved = table_env.sql_query(query)._j_table.getResolvedSchema()
    columns: list[str] = []
    types: dict[str, str] = {}
    for column in resolved.getColumns():
        name = str(column.getName())
        columns.append(name)
        types[name] = _summary_type(column.getDataType().getLogicalType())
    items = [
        f"DATE_FORMAT(`{c}`, '{TIME_FORMAT}') AS `{c}`" if types[c].startswith("TIMESTAMP") else f"`{c}`"
        for c in columns
    ]
    wrapped = f"SELECT {', '.join(items)}\nFROM (\n{query}\n)"
    rows: list[dict[str, object]] = []
    with table_env.execute_sql(wrapped).collect() as results:
        for row in results:
            # Feature outputs are append-only end to end: any update or retraction is a bug.
            assert row.get_row_kind() == RowKind.INSERT, f"not append-only: {row.get_row_kind()} {row}"
            rows.append(dict(zip(columns, tuple(row), strict=True)))
    return Result(rows, types, columns)


def _key(row: Mapping[str, object]) -> tuple[tuple[str, str, object], ...]:
    return tuple(sorted((k, type(v).__name__, v) for k, v in row.items()))


def _show(rows: Iterable[Mapping[str, object]]) -> str:
    shown = sorted(repr(dict(r)) for r in rows)
    return "\n".join(f"    {r}" for r in shown) or "    (none)"


def assert_rows(result: Result, expected: Sequence[Mapping[str, object]]) -> None:
    """Assert that ``result`` holds exactly the ``expected`` rows (a multiset, any order).

    Each result row must carry ``pipeline_version`` = ``v1``; expected rows leave it out. Every
    expected row names every other column of the result (so no column goes unchecked)."""
    columns = [c for c in result.columns if c != "pipeline_version"]
    assert "pipeline_version" in result.columns, f"no pipeline_version column in {result.columns}"
    for i, row in enumerate(expected):
        assert sorted(row) == sorted(columns), (
            f"expected row {i} has columns {sorted(row)}, the result has {sorted(columns)}"
        )
    versions = {r["pipeline_version"] for r in result.rows}
    assert versions <= {VERSION}, f"pipeline_version values {versions}, expected only {VERSION!r}"
    actual = [{c: r[c] for c in columns} for r in result.rows]
    got, want = Counter(map(_key, actual)), Counter(map(_key, expected))
    if got == want:
        return
    missing = [dict((k, v) for k, _, v in key) for key in (want - got).elements()]
    unexpected = [dict((k, v) for k, _, v in key) for key in (got - want).elements()]
    raise AssertionError(
        f"rows differ ({len(actual)} produced, {len(expected)} expected)\n"
        f"  expected but not produced:\n{_show(missing)}\n"
        f"  produced but not expected:\n{_show(unexpected)}\n"
        f"  all produced rows:\n{_show(actual)}"
    )


def assert_types(result: Result, expected: Mapping[str, str]) -> None:
    """Assert the SQL types of some columns, e.g. ``{"amount_sum": "DECIMAL(38, 4)"}``."""
    actual = {c: result.types[c] for c in expected}
    assert actual == dict(expected), f"column types {actual}, expected {dict(expected)}"
