"""Asset checks on every layer, built from declarations so that new tables get them too.

- Raw (evaluated by each connector's load, per raw table): conservation (every record read
  is in raw or in ``audit.quarantine``), readable files, fresh exports.
- SQL models (evaluated by each build): a unique, non-null key wherever one is declared:
  staging keys come from the staging spec (``sql/staging/README.md``), the rest from ``KEYS``.
- Between tables (own steps, once both tables are built): referential integrity, ``REFERENCES``.

Checks whose failure means wrong numbers downstream (lost records, duplicate keys, dangling
customer ids) are blocking: downstream assets do not run and the run fails, so nothing
half-wrong is published. Stale or unreadable export files only warn. A declaration naming a
table that has no SQL model yet makes no check, so Definitions always load.
"""

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    asset_check,
)

from connectors import Connector
from pipelines.metadata import markdown_table
from pipelines.resources import Warehouse
from pipelines.sql_models import SQL_DIR, SqlModel, discover, quote_identifier

STAGING_SPEC = SQL_DIR / "staging" / "README.md"

# Natural keys outside staging (DESIGN.md, "Warehouse"): one row per key value.
KEYS: dict[str, tuple[str, ...]] = {
    "identity.person_records": ("node_id",),
    "identity.identifiers": ("node_id", "id_type", "id_value"),
    "identity.identifier_usage": ("id_type", "id_value"),
    "identity.name_variants": ("nickname",),
    "identity.email_providers": ("domain",),
    "core.customers": ("customer_id",),
    "core.identity_map": ("source", "entity", "source_record_id"),
    "core.interactions": ("interaction_id",),
    "core.text_sentiment": ("text_hash",),
    "marts.touchpoint_metrics": ("touchpoint", "grain", "period_start"),
    "marts.customer_experience": ("customer_id",),
    "marts.customer_journeys": ("customer_id", "step"),
    "marts.segment_metrics": ("segment", "touchpoint"),
    "marts.experience_gap": ("touchpoint", "grain", "period_start"),
    "marts.feedback_loop": ("touchpoint", "grain", "period_start"),
    "marts.journey_paths": ("path",),
    "marts.experience_outcomes": ("dimension", "experience"),
}
# Key columns that may be NULL and still identify a row (period_start is NULL for grain 'all').
_PERIOD = frozenset({"period_start"})
NULLABLE_KEY_COLUMNS: dict[str, frozenset[str]] = {
    "marts.touchpoint_metrics": _PERIOD,
    "marts.experience_gap": _PERIOD,
    "marts.feedback_loop": _PERIOD,
}


@dataclass(frozen=True)
class Reference:
    """``child.column`` must name a row of ``parent.parent_column``."""

    child: str
    column: str
    parent: str
    parent_column: str
    nullable: bool  # may child.column be NULL (a record nobody could be resolved to)?

    @property
    def check_name(self) -> str:
        return f"{self.child.split('.')[1]}_{self.column}_in_{self.parent.split('.')[1]}"


REFERENCES: tuple[Reference, ...] = (
    Reference("identity.identifiers", "node_id", "identity.person_records", "node_id", nullable=False),
    Reference("core.identity_map", "customer_id", "core.customers", "customer_id", nullable=False),
    Reference("core.interactions", "customer_id", "core.customers", "customer_id", nullable=True),
    Reference("marts.customer_experience", "customer_id", "core.customers", "customer_id", nullable=False),
    Reference("marts.customer_journeys", "customer_id", "core.customers", "customer_id", nullable=False),
)

EXPORTS_MAX_AGE_DAYS_ENV = "CXP_EXPORTS_MAX_AGE_DAYS"
DEFAULT_EXPORTS_MAX_AGE_DAYS = 2.0  # exports arrive daily; two days without one means a feed stopped

CONSERVATION = "conservation"
READABLE_FILES = "readable_files"
EXPORTS_FRESH = "exports_fresh"
UNIQUE_KEY = "unique_key"


def _table_key(table: str) -> AssetKey:
    return AssetKey(table.split("."))


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
    )


# ---------------------------------------------------------------------------- keys


@cache
def staging_keys(spec: Path = STAGING_SPEC) -> dict[str, tuple[str, ...]]:
    """``staging.<table>`` -> key columns, read from the staging spec's table (`table` | `key` | ...)."""
    if not spec.exists():
        return {}
    keys = {}
    for line in spec.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(stg_\w+)`\s*\|\s*`([^`]+)`\s*\|", line)
        if match:
            keys[f"staging.{match.group(1)}"] = tuple(c.strip() for c in match.group(2).split(","))
    return keys


def declared_key(table: str) -> tuple[str, ...] | None:
    return KEYS.get(table) or staging_keys().get(table)


def unique_key_result(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> AssetCheckResult:
    """Key columns non-null (unless declared nullable) and unique together."""
    cols = ", ".join(quote_identifier(c) for c in key)
    nullable = NULLABLE_KEY_COLUMNS.get(table, frozenset())
    required = [c for c in key if c not in nullable]
    null_filter = " or ".join(f"{quote_identifier(c)} is null" for c in required) or "false"
    # Equal keys hash alike, so when no hash of the key repeats the key is unique: counting
    # distinct integers in the same pass as the NULLs is cheaper than grouping the key's
    # text (at 1,000,000 customers: 14.2M identifiers 5.2 s -> 2.3 s; the 13 largest keyed
    # tables 19.0/15.7 s -> 9.5/8.5 s). A repeated hash (a duplicate, or rarely two keys
    # that collide) sends the check to the exact grouping below.
    rows, nulls, repeated_hashes = con.execute(
        f"""select count(*), count(*) filter (where {null_filter}), count(*) - count(distinct hash({cols}))
            from {table}"""
    ).fetchone()
    top = []
    if repeated_hashes:
        # The most duplicated key values, each row also carrying the total of surplus rows.
        top = con.execute(
            f"""select *, sum(n - 1) over () as surplus
                from (select {cols}, count(*) as n from {table} group by all having count(*) > 1)
                order by n desc limit 5"""
        ).fetchall()
    duplicates = [row[:-1] for row in top]
    extra_rows = int(top[0][-1]) if top else 0
    metadata = {
        "key": MetadataValue.text(", ".join(key)),
        "rows": MetadataValue.int(rows),
        "duplicate_rows": MetadataValue.int(int(extra_rows)),
        "null_keys": MetadataValue.int(nulls),
    }
    if duplicates:
        metadata["most_duplicated"] = MetadataValue.md(markdown_table([*key, "rows"], duplicates))
    passed = extra_rows == 0 and nulls == 0
    problems = [f"{extra_rows} duplicate row(s)" if extra_rows else "", f"{nulls} row(s) with a NULL key" if nulls else ""]
    return AssetCheckResult(
        check_name=UNIQUE_KEY,
        asset_key=_table_key(table),
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=f"({', '.join(key)}) identifies each of {rows} rows"
        if passed
        else f"({', '.join(key)}) is not a key: " + "; ".join(p for p in problems if p),
        metadata=metadata,
    )


def sql_check_specs(model: SqlModel) -> list[AssetCheckSpec]:
    """Checks a SQL model's build evaluates itself."""
    key = declared_key(model.table)
    if not key:
        return []
    return [
        AssetCheckSpec(
            UNIQUE_KEY,
            asset=_table_key(model.table),
            blocking=True,
            description=f"One row per ({', '.join(key)}), never NULL: duplicates would be counted twice downstream.",
        )
    ]


def evaluate_sql_checks(con: duckdb.DuckDBPyConnection, model: SqlModel) -> list[AssetCheckResult]:
    key = declared_key(model.table)
    return [unique_key_result(con, model.table, key)] if key else []


# ---------------------------------------------------------------------------- raw


def conservation_result(con: duckdb.DuckDBPyConnection, connector: Connector) -> AssetCheckResult:
    """Per loaded file: records read = rows in the connector's raw tables + rows quarantined.

    The loader writes the counts it saw to ``audit.loads``; this recounts what the tables
    actually hold for each load (file and load time), so lost, doubled or orphaned rows show.
    Records ``cxp forget`` erased are counted from ``audit.erased_records``.
    """
    stored = " union all ".join(
        f"select _source_file as source_file, _loaded_at as loaded_at, count(*) as n from {connector.raw_table(entity)} group by all"
        for entity in connector.entities
    )
    erased = (
        "select source_file, loaded_at, sum(records) filter (where erased_from = 'raw') as from_raw, "
        "sum(records) filter (where erased_from = 'quarantine') as from_quarantine "
        "from audit.erased_records where connector = $connector group by all"
        if table_exists(con, "audit.erased_records")
        else "select null::varchar as source_file, null::timestamp as loaded_at, 0 as from_raw, 0 as from_quarantine where false"
    )
    rows = con.execute(
        f"""
        with loads as (
            select source_file, loaded_at, records_read, records_loaded, records_quarantined
            from audit.loads where connector = $connector and status = 'loaded'
        ),
        stored as (select source_file, loaded_at, sum(n) as n from ({stored}) group by all),
        quarantined as (
            select source_file, quarantined_at as loaded_at, count(*) as n
            from audit.quarantine where connector = $connector group by all
        ),
        erased as ({erased}),
        compared as (
            select
                coalesce(l.source_file, s.source_file, q.source_file) as source_file,
                coalesce(l.loaded_at, s.loaded_at, q.loaded_at) as loaded_at,
                l.records_read as read,
                coalesce(s.n, 0) as in_raw,
                coalesce(q.n, 0) as in_quarantine,
                coalesce(e.from_raw, 0) + coalesce(e.from_quarantine, 0) as erased,
                l.records_loaded - coalesce(e.from_raw, 0) as expected_in_raw,
                l.records_quarantined - coalesce(e.from_quarantine, 0) as expected_in_quarantine
            from loads l
            full join stored s on s.source_file = l.source_file and s.loaded_at = l.loaded_at
            full join quarantined q
              on q.source_file = coalesce(l.source_file, s.source_file) and q.loaded_at = coalesce(l.loaded_at, s.loaded_at)
            left join erased e on e.source_file = l.source_file and e.loaded_at = l.loaded_at
        )
        select source_file, loaded_at, read, in_raw, in_quarantine, erased, expected_in_raw, expected_in_quarantine,
               read is not null and read = in_raw + in_quarantine + erased
               and in_raw = expected_in_raw and in_quarantine = expected_in_quarantine as ok
        from compared order by ok, source_file
        """,
        {"connector": connector.name},
    ).fetchall()
    bad = [r for r in rows if not r[-1]]
    read = sum(r[2] or 0 for r in rows)
    in_raw = sum(r[3] for r in rows)
    quarantined = sum(r[4] for r in rows)
    erased_total = sum(r[5] for r in rows)
    metadata = {
        "files": MetadataValue.int(len(rows)),
        "records_read": MetadataValue.int(read),
        "records_in_raw": MetadataValue.int(in_raw),
        "records_quarantined": MetadataValue.int(quarantined),
        "records_erased": MetadataValue.int(erased_total),
        "files_not_conserved": MetadataValue.int(len(bad)),
    }
    if bad:
        metadata["mismatches"] = MetadataValue.md(
            markdown_table(
                ["file", "loaded at", "read (audit)", "in raw", "quarantined", "erased", "expected in raw", "expected quarantined"],
                [r[:-1] for r in bad[:20]],
                max_width=60,
            )
        )
        description = (
            f"{len(bad)} of {len(rows)} load(s) of {connector.name} do not add up: records read must equal rows in raw "
            "plus rows quarantined plus records erased (rows without a load record count as mismatches too)"
        )
    else:
        description = f"{read} records read from {len(rows)} file(s) = {in_raw} in raw + {quarantined} quarantined" + (
            f" + {erased_total} erased" if erased_total else ""
        )
    return AssetCheckResult(check_name=CONSERVATION, passed=not bad, severity=AssetCheckSeverity.ERROR,
                            description=description, metadata=metadata)


def readable_files_result(con: duckdb.DuckDBPyConnection, connector: Connector, exports_dir: Path) -> AssetCheckResult:
    """Export files still in the folder whose latest load attempt failed (they are retried each run)."""
    attempts = con.execute(
        """
        select source_file, arg_max(error, loaded_at) as error, count(*) filter (where status = 'failed') as failed_attempts
        from audit.loads where connector = ?
        group by source_file
        having arg_max(status, loaded_at) = 'failed'
        order by source_file
        """,
        [connector.name],
    ).fetchall()
    failed = [row for row in attempts if (Path(exports_dir) / row[0]).exists()]
    metadata = {"unreadable_files": MetadataValue.int(len(failed))}
    if failed:
        metadata["files"] = MetadataValue.md(markdown_table(["file", "error", "failed attempts"], failed[:20], max_width=100))
    return AssetCheckResult(
        check_name=READABLE_FILES,
        passed=not failed,
        severity=AssetCheckSeverity.WARN,
        description=f"{len(failed)} file(s) of {connector.name} could not be read; see audit.loads for the errors"
        if failed
        else "every export file could be read",
        metadata=metadata,
    )


def exports_max_age_days() -> float:
    return float(os.environ.get(EXPORTS_MAX_AGE_DAYS_ENV) or DEFAULT_EXPORTS_MAX_AGE_DAYS)


def exports_fresh_result(connector: Connector, exports_dir: Path, max_age_days: float | None = None,
                         now: float | None = None) -> AssetCheckResult:
    """Warn when the connector's newest export file is older than the allowed age.

    A connector without any files is not in use here and passes.
    """
    max_age_days = exports_max_age_days() if max_age_days is None else max_age_days
    folder = Path(exports_dir) / connector.name
    files = connector.files(folder) if folder.is_dir() else []
    if not files:
        return AssetCheckResult(check_name=EXPORTS_FRESH, passed=True, severity=AssetCheckSeverity.WARN,
                                description=f"no export files in {folder}: connector not in use",
                                metadata={"files": MetadataValue.int(0)})
    newest = max(files, key=lambda p: p.stat().st_mtime)
    mtime = newest.stat().st_mtime
    age_days = ((now or time.time()) - mtime) / 86400
    passed = age_days <= max_age_days
    return AssetCheckResult(
        check_name=EXPORTS_FRESH,
        passed=passed,
        severity=AssetCheckSeverity.WARN,
        description=(f"newest export is {age_days:.1f} day(s) old" if passed else
                     f"newest export of {connector.name} is {age_days:.1f} days old (limit {max_age_days:g}): "
                     "has the export job stopped?"),
        metadata={
            "files": MetadataValue.int(len(files)),
            "newest_file": MetadataValue.path(str(newest)),
            "newest_file_modified_at": MetadataValue.timestamp(dt.datetime.fromtimestamp(mtime, dt.timezone.utc)),
            "age_days": MetadataValue.float(float(round(age_days, 2))),
            "max_age_days": MetadataValue.float(float(max_age_days)),
        },
    )


def raw_check_specs(connector: Connector, asset_key: AssetKey) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(CONSERVATION, asset=asset_key, blocking=True,
                       description=f"Every record read from {connector.name}'s files is in its raw tables or in "
                                   "audit.quarantine, exactly once (records read = loaded + quarantined, per file)."),
        AssetCheckSpec(READABLE_FILES, asset=asset_key,
                       description=f"Every file in EXPORTS/{connector.name}/ could be read (warns otherwise; the rest still loads)."),
        AssetCheckSpec(EXPORTS_FRESH, asset=asset_key,
                       description=f"The newest file in EXPORTS/{connector.name}/ is at most ${EXPORTS_MAX_AGE_DAYS_ENV} "
                                   f"days old (default {DEFAULT_EXPORTS_MAX_AGE_DAYS:g}); warns otherwise."),
    ]


def for_asset(result: AssetCheckResult, asset_key: AssetKey) -> AssetCheckResult:
    """The same result reported on another asset (connector-wide results go to each raw table)."""
    return AssetCheckResult(asset_key=asset_key, check_name=result.check_name, passed=result.passed, severity=result.severity,
                            description=result.description, metadata=result.metadata)


def evaluate_raw_checks(con: duckdb.DuckDBPyConnection, connector: Connector, exports_dir: Path) -> list[AssetCheckResult]:
    """Connector-wide results (a file feeds every entity of its connector), without asset keys."""
    return [
        conservation_result(con, connector),
        readable_files_result(con, connector, exports_dir),
        exports_fresh_result(connector, exports_dir),
    ]


# ---------------------------------------------------------------------------- references


def reference_result(con: duckdb.DuckDBPyConnection, ref: Reference, asset_key: AssetKey | None = None) -> AssetCheckResult:
    col, parent_col = quote_identifier(ref.column), quote_identifier(ref.parent_column)
    # Only the offending rows are kept: an anti join, not a left join of every child row
    # (14.2M identifiers at 1,000,000 customers: 4.0/4.7 s that way, 1.3/1.6 s this way).
    dangling, nulls, sample = con.execute(
        f"""
        select count(*) filter (where c.{col} is not null),
               count(*) filter (where c.{col} is null),
               list(distinct c.{col}) filter (where c.{col} is not null)[1:5]
        from {ref.child} c
        where c.{col} is null or not exists (select 1 from {ref.parent} p where p.{parent_col} = c.{col})
        """
    ).fetchone()
    bad_nulls = 0 if ref.nullable else nulls
    passed = dangling == 0 and bad_nulls == 0
    metadata = {
        "dangling_rows": MetadataValue.int(dangling),
        "null_rows": MetadataValue.int(nulls),
        "nulls_allowed": MetadataValue.bool(ref.nullable),
    }
    if sample:
        metadata["dangling_values"] = MetadataValue.text(", ".join(map(str, sample)))
    if passed:
        description = f"every {ref.child}.{ref.column} is in {ref.parent}"
    else:
        problems = [f"{dangling} row(s) name a {ref.column} missing from {ref.parent}" if dangling else "",
                    f"{bad_nulls} row(s) have no {ref.column}" if bad_nulls else ""]
        description = f"{ref.child}: " + "; ".join(p for p in problems if p)
    return AssetCheckResult(check_name=ref.check_name, asset_key=asset_key, passed=passed,
                            severity=AssetCheckSeverity.ERROR, description=description, metadata=metadata)


def _ancestors(models: dict[str, SqlModel], table: str) -> set[str]:
    seen: set[str] = set()
    stack = list(models[table].dependencies) if table in models else []
    while stack:
        dep = stack.pop()
        if dep not in seen:
            seen.add(dep)
            stack.extend(models[dep].dependencies if dep in models else ())
    return seen


def build_reference_check(ref: Reference, models: dict[str, SqlModel]) -> AssetChecksDefinition:
    """A blocking check on whichever of the two tables is built later, run once both exist."""
    attach_to = ref.parent if ref.child in _ancestors(models, ref.parent) else ref.child
    other = ref.child if attach_to == ref.parent else ref.parent
    asset_key = _table_key(attach_to)

    @asset_check(
        asset=asset_key,
        name=ref.check_name,
        blocking=True,
        additional_deps=[_table_key(other)],
        description=f"Every {ref.child}.{ref.column} names a row of {ref.parent}.{ref.parent_column}"
                    + (" (NULL allowed: nobody resolved)." if ref.nullable else ", never NULL."),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        with warehouse.connect() as con:
            return reference_result(con, ref, asset_key)

    return _check


def _reference_checks() -> list[AssetChecksDefinition]:
    models = {m.table: m for m in discover()}
    return [build_reference_check(ref, models) for ref in REFERENCES if ref.child in models and ref.parent in models]


REFERENCE_CHECKS = _reference_checks()
