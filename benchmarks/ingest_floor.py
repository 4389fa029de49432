"""The ingestion floor: DuckDB's bare scan of the same export files, counting their records.

Run alone in a fresh process (``python -m benchmarks.ingest_floor``) so its memory is its own.
For each connector folder, one in-memory DuckDB connection (default threads) counts the
records of the folder's files with DuckDB's own readers and nothing else: no typing beyond
what the reader infers, no validation, no rejects, no writes. What is counted:

| folder | query |
|---|---|
| shopify_customers, shopify_orders | ``count(*)`` of ``read_csv(files, all_varchar, union_by_name)`` (CSV rows; orders are line items) |
| google_play | the same with ``encoding='utf-16'``; when DuckDB refuses a file (its UTF-16 reader rejects surrogate pairs, i.e. emoji), the files are transcoded to UTF-8 by Python first, timed apart as ``extract_s`` |
| qualtrics | the same, minus the 2 extra header rows per file |
| amplitude | zips extracted to a temporary folder first (timed apart as ``extract_s``), then ``count(*)`` of ``read_json(format='newline_delimited')`` over the ``.json.gz`` members and bare JSON-lines files |
| mixpanel | ``count(*)`` of ``read_json(files, format='newline_delimited')`` |
| amazon_connect, delighted | ``count(*)`` of ``read_json(files, format='auto')`` (reads ``}{``-concatenated objects and top-level arrays) |
| twitter, facebook | ``sum(len(data))`` of ``read_json(files)`` (one row per page) |
| zendesk | ``sum(len(tickets)) + sum(len(users)) + sum(len(metric_sets))`` of ``read_json(files)`` |

A file DuckDB cannot read at all (a truncated JSON document: ``ignore_errors`` only works
for JSON lines) is left out and listed in ``unreadable_files``; the failed attempt is not timed.
gzip is decompressed by DuckDB (``compression='auto'``). ``ignore_errors=true`` everywhere: the
demo plants broken records on purpose, which the floor skips (and the pipeline quarantines),
so the floor may count a few records fewer than the pipeline reads. Files are those the connector's
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

DEFAULT_OBJECT_SIZE = 16 * 2**20  # DuckDB's default limit for one JSON value
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")


def _list(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _csv_rows(con, files: list[Path], **options) -> int:
    extra = "".join(f", {k}={v!r}" for k, v in options.items())
    return con.execute(
        f"select count(*) from read_csv({_list(files)}, all_varchar=true, header=true, union_by_name=true, ignore_errors=true{extra})"
    ).fetchone()[0]


def _object_size(files: list[Path]) -> int:
    """A whole export page may be one JSON value: allow the largest file, but no bigger (DuckDB allocates buffers of it)."""
    return max([DEFAULT_OBJECT_SIZE] + [f.stat().st_size + 1 for f in files])


def _json_rows(con, files: list[Path], fmt: str) -> int:
    return con.execute(
        f"select count(*) from read_json({_list(files)}, format='{fmt}', ignore_errors=true, maximum_object_size={_object_size(files)})"
    ).fetchone()[0]


def _page_items(con, files: list[Path], arrays: tuple[str, ...]) -> int:
    """Records inside paged JSON documents: the lengths of the named top-level arrays."""
    relation = con.sql(f"select * from read_json({_list(files)}, ignore_errors=true, maximum_object_size={_object_size(files)})")
    present = [a for a in arrays if a in relation.columns]
    if not present:
        return 0
    return relation.aggregate(" + ".join(f"coalesce(sum(len({a})), 0)" for a in present)).fetchall()[0][0]


def _split_json_lines(files: list[Path]) -> tuple[list[Path], list[Path]]:
    lines = [f for f in files if f.name.lower().endswith(JSON_LINES_SUFFIXES)]
    chosen = set(lines)
    return lines, [f for f in files if f not in chosen]


def scan_connector(con, name: str, files: list[Path], scratch: Path) -> dict:
    """Count one connector's records; returns records, wall_s and (for zips/transcoding) extract_s.

    DuckDB skips broken records in CSV and JSON lines, but a broken document (a truncated
    Firehose object, a cut-off API page) fails the whole query. Then the files DuckDB cannot
    read are found one by one, left out, and listed; the failed attempt and the search are
    not counted in the floor's time, so the floor stays a best case.
    """
    extract_s = excluded_s = excluded_cpu_s = 0.0
    unreadable: list[str] = []

    def tolerant(paths: list[Path], count) -> int:
        nonlocal excluded_s, excluded_cpu_s
        if not paths:
            return 0
        attempt, attempt_cpu = time.perf_counter(), time.process_time()
        try:
            return count(paths)
        except duckdb.InvalidInputException:
            readable = []
            for path in paths:
                try:
                    count([path])
                    readable.append(path)
                except duckdb.InvalidInputException:
                    unreadable.append(str(path))
            excluded_s += time.perf_counter() - attempt
            excluded_cpu_s += time.process_time() - attempt_cpu
            return count(readable) if readable else 0

    start, start_cpu = time.perf_counter(), time.process_time()
    if name in ("shopify_customers", "shopify_orders"):
        records = tolerant(files, lambda fs: _csv_rows(con, fs))
    elif name == "google_play":
        try:
            records = _csv_rows(con, files, encoding="utf-16")
        except duckdb.InvalidInputException as exc:
            if "utf-16" not in str(exc):
                raise
            # DuckDB 2.0's UTF-16 reader rejects surrogate pairs (emoji in review text):
            # transcode to UTF-8 first, timed apart like a zip extraction.
            transcode_start = time.perf_counter()
            utf8 = []
            for f in files:
                target = scratch / name / f.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f.read_bytes().decode("utf-16"), encoding="utf-8")
                utf8.append(target)
            extract_s += time.perf_counter() - transcode_start
            records = tolerant(utf8, lambda fs: _csv_rows(con, fs))
    elif name == "qualtrics":
        records = tolerant(files, lambda fs: _csv_rows(con, fs) - 2 * len(fs))
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
        records = tolerant(members, lambda fs: _json_rows(con, fs, "newline_delimited"))
    elif name in ("amazon_connect", "delighted"):
        records = tolerant(files, lambda fs: _json_rows(con, fs, "auto"))
    elif name in ("twitter", "facebook", "zendesk"):
        arrays = ("data",) if name != "zendesk" else ("tickets", "users", "metric_sets")
        lines, pages = _split_json_lines(files)
        records = tolerant(pages, lambda fs: _page_items(con, fs, arrays)) + tolerant(
            lines, lambda fs: _json_rows(con, fs, "newline_delimited"))
    else:
        raise ValueError(f"no bare scan defined for connector folder {name!r}")
    wall = time.perf_counter() - start - excluded_s
    cpu = time.process_time() - start_cpu - excluded_cpu_s  # DuckDB's threads included
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "records": int(records),
            "wall_s": wall, "cpu_s": cpu, "scan_s": wall - extract_s, "extract_s": extract_s, "unreadable_files": unreadable}


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
        "cpu_s": sum(r["cpu_s"] for r in results.values()),
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
