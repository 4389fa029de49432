"""The ingestion floor: DuckDB's bare scan of the same export files, counting their records.

Run alone in a fresh process (``python -m benchmarks.ingest_floor``) so its memory is its own.
For each connector folder, one in-memory DuckDB connection (default threads) counts the
records of the folder's files with DuckDB's own readers and nothing else: no typing beyond
what the reader infers, no validation, no rejects, no writes. What is counted:

| folder | query |
|---|---|
| shopify_customers, shopify_orders | ``count(*)`` of ``read_csv(files, all_varchar, union_by_name)`` (CSV rows; orders are line items) |
| google_play | the same with ``encoding='utf-16'`` |
| qualtrics | the same, minus the 2 extra header rows per file |
| amplitude | zips extracted to a temporary folder first (timed apart as ``extract_s``), then ``count(*)`` of ``read_json(format='newline_delimited')`` over the ``.json.gz`` members and bare JSON-lines files |
| mixpanel | ``count(*)`` of ``read_json(files, format='newline_delimited')`` |
| amazon_connect, delighted | ``count(*)`` of ``read_json(files, format='auto')`` (reads ``}{``-concatenated objects and top-level arrays) |
| twitter, facebook | ``sum(len(data))`` of ``read_json(files)`` (one row per page) |
| zendesk | ``sum(len(tickets)) + sum(len(users)) + sum(len(metric_sets))`` of ``read_json(files)`` |

gzip is decompressed by DuckDB (``compression='auto'``). Files are those the connector's
own patterns select (``Connector.files``), so both sides read exactly the same files.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

from benchmarks.memory import MemorySampler

BIG_OBJECT = 1 << 30  # export pages can be large single JSON documents
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")


def _list(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _csv_rows(con, files: list[Path], **options) -> int:
    extra = "".join(f", {k}={v!r}" for k, v in options.items())
    return con.execute(
        f"select count(*) from read_csv({_list(files)}, all_varchar=true, header=true, union_by_name=true{extra})"
    ).fetchone()[0]


def _json_rows(con, files: list[Path], fmt: str) -> int:
    return con.execute(
        f"select count(*) from read_json({_list(files)}, format='{fmt}', union_by_name=true, maximum_object_size={BIG_OBJECT})"
    ).fetchone()[0]


def _page_items(con, files: list[Path], arrays: tuple[str, ...]) -> int:
    """Records inside paged JSON documents: the lengths of the named top-level arrays."""
    relation = con.sql(f"select * from read_json({_list(files)}, union_by_name=true, maximum_object_size={BIG_OBJECT})")
    present = [a for a in arrays if a in relation.columns]
    if not present:
        return 0
    return relation.aggregate(" + ".join(f"coalesce(sum(len({a})), 0)" for a in present)).fetchall()[0][0]


def _split_json_lines(files: list[Path]) -> tuple[list[Path], list[Path]]:
    lines = [f for f in files if f.name.lower().endswith(JSON_LINES_SUFFIXES)]
    chosen = set(lines)
    return lines, [f for f in files if f not in chosen]


def scan_connector(con, name: str, files: list[Path], scratch: Path) -> dict:
    """Count one connector's records; returns records, wall_s and (for zips) extract_s."""
    extract_s = 0.0
    start = time.perf_counter()
    if name in ("shopify_customers", "shopify_orders"):
        records = _csv_rows(con, files)
    elif name == "google_play":
        records = _csv_rows(con, files, encoding="utf-16")
    elif name == "qualtrics":
        records = _csv_rows(con, files) - 2 * len(files)
    elif name in ("amplitude", "mixpanel"):
        members = []
        for f in files:
            if f.suffix.lower() == ".zip":
                extract_start = time.perf_counter()
                target = scratch / name / f.stem
                with zipfile.ZipFile(f) as archive:
                    archive.extractall(target)
                members += sorted(p for p in target.rglob("*") if p.is_file())
                extract_s += time.perf_counter() - extract_start
            else:
                members.append(f)
        records = _json_rows(con, members, "newline_delimited") if members else 0
    elif name in ("amazon_connect", "delighted"):
        records = _json_rows(con, files, "auto")
    elif name in ("twitter", "facebook"):
        lines, pages = _split_json_lines(files)
        records = (_page_items(con, pages, ("data",)) if pages else 0) + (_json_rows(con, lines, "newline_delimited") if lines else 0)
    elif name == "zendesk":
        lines, pages = _split_json_lines(files)
        records = (_page_items(con, pages, ("tickets", "users", "metric_sets")) if pages else 0) + (
            _json_rows(con, lines, "newline_delimited") if lines else 0
        )
    else:
        raise ValueError(f"no bare scan defined for connector folder {name!r}")
    wall = time.perf_counter() - start
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "records": int(records),
            "wall_s": wall, "scan_s": wall - extract_s, "extract_s": extract_s}


def connector_files(exports: Path) -> dict[str, list[Path]]:
    """The files each connector would load, by its own patterns (every file when its module is absent)."""
    from connectors import CONNECTORS

    found = {}
    for folder in sorted(p for p in exports.iterdir() if p.is_dir()):
        connector = CONNECTORS.get(folder.name)
        files = connector.files(folder) if connector else sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        if files:
            found[folder.name] = files
    return found


def measure_floor(exports: Path) -> dict:
    sampler = MemorySampler().start()
    files = connector_files(exports)
    results = {}
    scratch = Path(tempfile.mkdtemp(prefix="cxp-floor-"))
    try:
        start = time.perf_counter()
        for name, paths in files.items():
            con = duckdb.connect()
            try:
                results[name] = scan_connector(con, name, paths, scratch)
            finally:
                con.close()
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        sampler.stop()
    return {
        "duckdb": duckdb.__version__,
        "threads": duckdb.connect().execute("select current_setting('threads')").fetchone()[0],
        "total_s": total,
        "extract_s": sum(r["extract_s"] for r in results.values()),
        "records": sum(r["records"] for r in results.values()),
        "peak_rss_mib": sampler.overall_peak_mib,
        "connectors": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time DuckDB's bare scan of an exports directory (the ingestion floor).")
    parser.add_argument("--exports", required=True, type=Path)
    parser.add_argument("--out", type=Path, help="write the result here as JSON (default: print it)")
    args = parser.parse_args(argv)
    result = measure_floor(args.exports.resolve())
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
