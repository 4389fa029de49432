"""``cxp query``: SQL on the published warehouse, read-only, so it never waits on a running pipeline."""
from __future__ import annotations

import csv
import json
import sys

from pipelines.metadata import markdown_table
from pipelines.warehouse import connect_published


def run_query(warehouse_dir: str, sql: str, fmt: str = "table") -> int:
    with connect_published(warehouse_dir) as con:
        cursor = con.execute(sql)
        if cursor.description is None:
            return 0
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        print(json.dumps([dict(zip(columns, row)) for row in rows], default=str, indent=1))
    else:
        print(markdown_table(columns, rows, max_width=60))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return 0
