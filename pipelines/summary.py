"""What ``cxp run`` and ``cxp demo`` print when they finish: loads, rejects, customers, headline metrics."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.metadata import markdown_table
from pipelines.warehouse import build_path, published_path


def _table_exists(con, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select 1 from information_schema.tables where table_schema=? and table_name=?", [schema, name]).fetchone())


def print_summary(warehouse_dir: Path, outcome) -> None:
    path = published_path(warehouse_dir) if outcome.published else build_path(warehouse_dir)
    if not path.exists():
        print("No warehouse was built.")
    else:
        with duckdb.connect(str(path), read_only=True) as con:
            _print_tables(con)
    for label, items in (("Failed steps", outcome.failed_steps), ("Failed blocking checks", outcome.failed_checks), ("Warnings", outcome.warnings)):
        if items:
            print(f"\n{label}:")
            for item in items:
                print(f"  - {item}")
    if outcome.success:
        print(f"\nRun succeeded. Warehouse: {path}  (query it with `cxp query \"select ...\"` or any DuckDB client)")
    else:
        print("\nRun FAILED: nothing was published; the last good warehouse is unchanged.")


def _print_tables(con) -> None:
    if _table_exists(con, "audit.loads"):
        rows = con.execute(
            """select connector, count(*) filter (where status = 'loaded') as files,
                      count(*) filter (where status = 'failed') as failed_files,
                      sum(records_read), sum(records_loaded), sum(records_quarantined)
               from audit.loads group by connector order by connector"""
        ).fetchall()
        print("Loads (all runs):")
        print(markdown_table(["connector", "files", "failed files", "read", "loaded", "quarantined"], rows))
        failed = con.execute("select source_file, error from audit.loads where status = 'failed' order by source_file").fetchall()
        if failed:
            print("\nFiles that could not be read:")
            for source_file, error in failed:
                print(f"  - {source_file}: {error}")
    if _table_exists(con, "audit.quarantine"):
        reasons = con.execute(
            """select connector, regexp_replace(reason, '[0-9]+', 'N', 'g') as reason_kind, count(*)
               from audit.quarantine group by all order by 3 desc limit 10"""
        ).fetchall()
        if reasons:
            print("\nMost common quarantine reasons:")
            print(markdown_table(["connector", "reason", "records"], reasons, max_width=70))
    if _table_exists(con, "core.customers"):
        n, known = con.execute("select count(*), count(*) filter (where is_known) from core.customers").fetchone()
        records = con.execute("select count(*) from core.identity_map").fetchone()[0] if _table_exists(con, "core.identity_map") else 0
        print(f"\nCustomers: {n} resolved ({known} known) from {records} person-bearing records")
    if _table_exists(con, "marts.touchpoint_metrics"):
        rows = con.execute(
            """select touchpoint, interactions, customers, round(nps, 1), round(csat, 1), round(ces, 2), round(avg_stars, 2), round(avg_sentiment, 3)
               from marts.touchpoint_metrics where grain = 'all' order by interactions desc limit 20"""
        ).fetchall()
        print("\nTouchpoints (all time):")
        print(markdown_table(["touchpoint", "interactions", "customers", "NPS", "CSAT", "CES", "stars", "sentiment"], rows))
