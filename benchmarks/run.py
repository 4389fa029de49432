"""The benchmark harness (``python -m benchmarks.run`` or ``cxp bench``).

For each size: generate demo exports (timed apart), then ``--repeat`` times, each in a fresh
process: the whole pipeline (``benchmarks.stages``), DuckDB's bare scan of the same files
(``benchmarks.ingest_floor``) and the identity peers on the same person records
(``benchmarks.identity_compare``: our resolver, Splink alone, a naive email/phone join).
Medians go to ``benchmarks/results/<date>-<customers>.json`` and the table in
``benchmarks/README.md``. See README.md for what each number means.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"
DEFAULT_SIZES = (10_000, 100_000)
LAYERS = ("staging", "identity", "core", "marts", "parquet", "bi")
OTHER_STAGES = ("bi", "publish", "orchestration")
CONNECTOR_PREFIX = "load_"
# The targets on a 2-core, 24 GiB machine, by size: (seconds, peak MiB).
TARGETS = {100_000: (60.0, 2048.0), 1_000_000: (600.0, 6144.0)}


# ----------------------------------------------------------------------------- the machine
def machine() -> dict:
    import dagster
    import duckdb

    info = {
        "cores": os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024**2, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dagster": dagster.__version__,
        "os": f"{platform.system()} {platform.release()}",
    }
    try:
        import splink

        info["splink"] = splink.__version__
    except ImportError:
        pass
    return info


def _meminfo_kib(field: str) -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# ----------------------------------------------------------------------------- workers
def _python_worker(module: str, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
    )


def _json_from_worker(module: str, out: Path, *args: str) -> dict:
    """Run a worker module that writes JSON to ``out``; a crash is an error with its stderr."""
    done = _python_worker(module, *args, "--out", str(out))
    if not out.exists():
        raise RuntimeError(f"{module} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    result = json.loads(out.read_text())
    if done.returncode != 0:
        result.setdefault("worker_stderr", done.stderr[-2000:])
    return result


GENERATED_MARKER = "generated.json"


def generate_exports(exports: Path, customers: int, seed: int, reuse: bool = False) -> dict:
    """Demo exports through the ``cxp generate`` command, timed as a whole process.

    With ``reuse``, exports a previous benchmark generated in the same place for the same size
    and seed are used again (their marker keeps the generation's own figures): at 1,000,000
    customers generation takes longer than a pipeline run.
    """
    marker = exports.parent / GENERATED_MARKER
    if reuse and marker.exists():
        previous = json.loads(marker.read_text())
        if (previous.get("customers"), previous.get("seed")) == (customers, seed) and exports.is_dir():
            return {**previous["generation"], "reused": True}
    marker.unlink(missing_ok=True)
    if exports.exists():
        shutil.rmtree(exports)
    start = time.perf_counter()
    done = _python_worker("pipelines.cli", "generate", "--customers", str(customers), "--seed", str(seed), "--out", str(exports))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"demo generation failed:\n{done.stderr[-4000:]}")
    files = [p for p in exports.rglob("*") if p.is_file()]
    generation = {"generation_s": seconds, "files": len(files), "bytes": sum(p.stat().st_size for p in files), "summary": done.stdout.strip()}
    marker.write_text(json.dumps({"customers": customers, "seed": seed, "generation": generation}, indent=2) + "\n")
    return generation


def run_pipeline_once(exports: Path, warehouse: Path, out: Path) -> dict:
    if warehouse.exists():
        shutil.rmtree(warehouse)
    return _json_from_worker("benchmarks.stages", out, "--exports", str(exports), "--warehouse", str(warehouse))


def run_floor_once(exports: Path, out: Path) -> dict:
    return _json_from_worker("benchmarks.ingest_floor", out, "--exports", str(exports))


def run_identity_once(exports: Path, warehouse: Path, out: Path) -> dict:
    return _json_from_worker("benchmarks.identity_peers", out, "--exports", str(exports), "--warehouse", str(warehouse))


# ----------------------------------------------------------------------------- aggregation
def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _max(values) -> float | None:
    values = [v for v in values if v is not None]
    return max(values) if values else None


def stage_order(name: str) -> tuple:
    if name.startswith(CONNECTOR_PREFIX):
        return (0, name)
    if name == "ingest":
        return (1, name)
    if name in LAYERS:
        return (2 + LAYERS.index(name), name)
    return {"publish": (90, name), "orchestration": (91, name)}.get(name, (80, name))


def with_ingest_total(run: dict) -> dict:
    """Adds the ``ingest`` stage: every connector's load step together."""
    loads = {k: v for k, v in run["stages"].items() if k.startswith(CONNECTOR_PREFIX)}
    if loads:
        run["stages"]["ingest"] = {
            "wall_s": sum(v["wall_s"] for v in loads.values()),
            "cpu_s": sum(v.get("cpu_s") or 0.0 for v in loads.values()),
            "records": sum(v["records"] or 0 for v in loads.values()),
            "peak_rss_mib": _max(v["peak_rss_mib"] for v in loads.values()),
            "steps": len(loads),
        }
    return run


def summarise_stages(runs: list[dict]) -> dict:
    names = sorted({name for run in runs for name in run["stages"]}, key=stage_order)
    stages = {}
    for name in names:
        entries = [run["stages"].get(name) for run in runs]
        wall = _median(e["wall_s"] if e else 0.0 for e in entries)
        records = next((e["records"] for e in reversed(entries) if e and e.get("records") is not None), None)
        stages[name] = {
            "wall_s_median": wall,
            "wall_s_runs": [e["wall_s"] if e else None for e in entries],
            "cpu_s_median": _median(e.get("cpu_s") if e else None for e in entries),
            "records": records,
            "records_per_s": records / wall if records is not None and wall else None,
            "peak_rss_mib": _max(e.get("peak_rss_mib") if e else None for e in entries),
        }
        if entries[-1] and "quarantined" in entries[-1]:
            stages[name]["quarantined"] = entries[-1]["quarantined"]
    return stages


def summarise_steps(runs: list[dict]) -> list[dict]:
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    stage_of: dict[str, str] = {}
    for run in runs:
        for step in run["steps"]:
            walls.setdefault(step["step"], []).append(step["wall_s"])
            cpus.setdefault(step["step"], []).append(step.get("cpu_s"))
            stage_of[step["step"]] = step["stage"]
    rows = [{"step": key, "stage": stage_of[key], "wall_s_median": _median(v), "cpu_s_median": _median(cpus[key])}
            for key, v in walls.items()]
    return sorted(rows, key=lambda r: -(r["wall_s_median"] or 0))


def summarise_floor(floors: list[dict], stages: dict) -> dict:
    connectors = sorted({name for f in floors for name in f["connectors"]})
    per_connector = {}
    for name in connectors:
        entries = [f["connectors"].get(name) for f in floors if name in f["connectors"]]
        scan = _median(e["wall_s"] for e in entries)
        ours = stages.get(CONNECTOR_PREFIX + name, {})
        per_connector[name] = {
            "files": entries[-1]["files"],
            "bytes": entries[-1]["bytes"],
            "records": entries[-1]["records"],
            "duckdb_scan_s": scan,
            "duckdb_cpu_s": _median(e.get("cpu_s") for e in entries),
            "extract_s": _median(e["extract_s"] for e in entries),
            "unreadable_files": entries[-1].get("unreadable_files", []),
            "pipeline_records": ours.get("records"),
            "pipeline_quarantined": ours.get("quarantined"),
            "pipeline_s": ours.get("wall_s_median"),
            "ratio": ours["wall_s_median"] / scan if ours.get("wall_s_median") and scan else None,
        }
    scan_s = _median(f["total_s"] for f in floors)
    scan_cpu_s = _median(f.get("cpu_s") for f in floors)
    ingest_s = stages.get("ingest", {}).get("wall_s_median")
    ingest_cpu_s = stages.get("ingest", {}).get("cpu_s_median")
    return {
        "duckdb_scan_s": scan_s,
        "duckdb_scan_cpu_s": scan_cpu_s,
        "duckdb_scan_s_runs": [f["total_s"] for f in floors],
        "duckdb_extract_s": _median(f["extract_s"] for f in floors),
        "duckdb_records": floors[-1]["records"] if floors else None,
        "duckdb_threads": floors[-1]["threads"] if floors else None,
        "duckdb_peak_rss_mib": _max(f["peak_rss_mib"] for f in floors),
        "ingest_s": ingest_s,
        "ingest_ratio": ingest_s / scan_s if ingest_s and scan_s else None,
        "ingest_cpu_s": ingest_cpu_s,
        "ingest_cpu_ratio": ingest_cpu_s / scan_cpu_s if ingest_cpu_s and scan_cpu_s else None,
        "connectors": per_connector,
    }


def summarise_identity(results: list[dict], stages: dict) -> dict:
    """Medians of each method's wall time and its (deterministic) quality, plus ratios against Splink."""
    if not results:
        return {}
    methods = {}
    for name in results[-1].get("methods", {}):
        entries = [r["methods"][name] for r in results if name in r.get("methods", {})]
        methods[name] = {**entries[-1], "wall_s": _median(e.get("wall_s") for e in entries),
                         "wall_s_runs": [e.get("wall_s") for e in entries], "cpu_s": _median(e.get("cpu_s") for e in entries)}
    summary = {k: v for k, v in results[-1].items() if k != "methods"}
    summary["methods"] = methods
    splink = methods.get("splink", {})
    ours = methods.get("cxp", {})
    stage = stages.get("identity", {}).get("wall_s_median")
    summary["pipeline_identity_s"] = stage
    if splink.get("cpu_s") and ours.get("cpu_s"):
        summary["cpu_ratio_vs_splink"] = ours["cpu_s"] / splink["cpu_s"]
    if splink.get("wall_s"):
        summary["speed_ratio_vs_splink"] = (ours.get("wall_s") or 0) / splink["wall_s"] if ours.get("wall_s") else None
        summary["pipeline_stage_ratio_vs_splink"] = stage / splink["wall_s"] if stage else None
    if splink.get("f1") is not None and ours.get("f1") is not None:
        summary["f1_gain_vs_splink"] = ours["f1"] - splink["f1"]
    return summary


def targets(customers: int, total_s: float | None, peak_mib: float | None, floor: dict, identity: dict) -> dict | None:
    if customers not in TARGETS:
        return None
    seconds, mib = TARGETS[customers]
    checks = {
        f"whole_pipeline_le_{int(seconds)}s": total_s is not None and total_s <= seconds,
        f"peak_rss_le_{int(mib)}mib": peak_mib is not None and peak_mib <= mib,
    }
    if customers == 100_000:
        checks["ingest_within_2x_duckdb_scan"] = floor.get("ingest_ratio") is not None and floor["ingest_ratio"] <= 2.0
        ours, splink = identity.get("methods", {}).get("cxp", {}), identity.get("methods", {}).get("splink", {})
        checks["identity_faster_than_splink_at_higher_f1"] = bool(
            ours.get("wall_s") and splink.get("wall_s") and ours["wall_s"] < splink["wall_s"]
            and (ours.get("f1") or 0) > (splink.get("f1") or 0)
        )
    return checks


# ----------------------------------------------------------------------------- one size
def bench_size(customers: int, repeat: int, seed: int, work: Path, identity: bool, reuse_exports: bool = False, log=print) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    exports = work / "exports"
    log(f"[{customers:,}] generating demo exports ...")
    generation = generate_exports(exports, customers, seed, reuse=reuse_exports)
    verb = "reusing exports generated earlier:" if generation.get("reused") else "generated"
    log(f"[{customers:,}] {verb} {generation['files']} files, {generation['bytes'] / 2**20:.1f} MiB in {generation['generation_s']:.1f} s")
    load_before = os.getloadavg()
    runs, floors, identities = [], [], []
    for r in range(repeat):
        warehouse = work / "warehouse"
        run = with_ingest_total(run_pipeline_once(exports, warehouse, work / f"pipeline-{r}.json"))
        runs.append(run)
        status = "ok" if run["success"] else f"FAILED {run['failed_steps'] + run['failed_checks']}"
        log(f"[{customers:,}] run {r + 1}/{repeat}: pipeline {run['pipeline_s']:.1f} s, peak {run['peak_rss_mib']:.0f} MiB ({status})")
        floor = run_floor_once(exports, work / f"floor-{r}.json")
        floors.append(floor)
        log(f"[{customers:,}] run {r + 1}/{repeat}: DuckDB bare scan {floor['total_s']:.2f} s ({floor['records']:,} records)")
        if identity and run["success"]:
            found = run_identity_once(exports, warehouse, work / f"identity-{r}.json")
            identities.append(found)
            log(f"[{customers:,}] run {r + 1}/{repeat}: identity peers " + ", ".join(
                f"{name} {m.get('wall_s', 0):.1f} s F1 {m.get('f1', float('nan')):.3f}" for name, m in found.get("methods", {}).items()))
    load_after = os.getloadavg()

    stages = summarise_stages(runs)
    total_s = _median(run["pipeline_s"] for run in runs)
    peak = _max(run["peak_rss_mib"] for run in runs)
    floor = summarise_floor(floors, stages)
    identity_summary = summarise_identity(identities, stages)
    return {
        "customers": customers,
        "repeat": repeat,
        "seed": seed,
        "success": all(run["success"] for run in runs),
        "failures": sorted({f for run in runs for f in run["failed_steps"] + run["failed_checks"]}),
        "load_average_1m": {"before": load_before[0], "after": load_after[0]},
        "generation_s": generation["generation_s"],
        "exports": {"files": generation["files"], "bytes": generation["bytes"], "summary": generation["summary"]},
        "stages": stages,
        "total_s": total_s,
        "total_s_runs": [run["pipeline_s"] for run in runs],
        "total_cpu_s": _median(run.get("pipeline_cpu_s") for run in runs),
        "process_s": _median(run["startup_s"] + run["import_s"] + run["pipeline_s"] for run in runs),
        "import_s": _median(run["import_s"] for run in runs),
        "peak_rss_mib": peak,
        "slowest_steps": summarise_steps(runs)[:15],
        "peers": {**floor, "identity": identity_summary},
        "targets": targets(customers, total_s, peak, floor, identity_summary),
    }


# ----------------------------------------------------------------------------- README table
README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"


def _fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    return f"{value:,}{suffix}"


def latest_results(results_dir: Path) -> list[dict]:
    """The newest result per size: by date, then by the time it was recorded (results from
    before ``recorded_at`` existed count as the earliest of their day)."""
    by_size: dict[int, dict] = {}
    for path in sorted(results_dir.glob("*.json")):
        result = json.loads(path.read_text())
        result["_file"] = path.name
        newest = by_size.get(result["customers"])
        if newest is None or _recorded(result) >= _recorded(newest):
            by_size[result["customers"]] = result
    return [by_size[k] for k in sorted(by_size)]


def _recorded(result: dict) -> tuple[str, str]:
    return result["date"], result.get("recorded_at", "")


def result_path(results_dir: Path, result: dict) -> Path:
    """``<date>-<size>.json``; a later run of the same day and size gets the time as well,
    so no recorded result is overwritten."""
    path = results_dir / f"{result['date']}-{result['customers']}.json"
    if path.exists():
        path = results_dir / f"{result['date']}-{result['customers']}-{result['recorded_at'][11:19].replace(':', '')}.json"
    return path


def results_markdown(results: list[dict]) -> str:
    if not results:
        return "No results recorded yet: run `cxp bench`."
    lines = [
        "Whole pipeline, medians of the runs (seconds; records in per second in brackets; other = scorecard, publishing and "
        "Dagster's own time between steps; CPU s = CPU time of the run's process, all threads, which a busy machine "
        "inflates far less than wall time; peak = resident memory of the run's process):",
        "",
        "| customers | date | machine (load) | runs | total s | CPU s | ingest s | DuckDB scan s | ingest ÷ scan | staging s | identity s | core s | marts s | parquet s | other s | peak MiB | generation s |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        st, peers, m = r["stages"], r["peers"], r["machine"]

        def cell(name: str) -> str:
            s = st.get(name)
            if not s:
                return "–"
            rate = f" ({s['records_per_s']:,.0f}/s)" if s.get("records_per_s") else ""
            return f"{s['wall_s_median']:.2f}{rate}"

        load = r.get("load_average_1m", {})
        lines.append(
            f"| {r['customers']:,} | {r['date']} | {m['cores']} cores, {m['memory_gib']:.0f} GiB (load {_fmt(load.get('before'))}) | {r['repeat']} "
            f"| {_fmt(r['total_s'], 2)} | {_fmt(r.get('total_cpu_s'), 1)} | {cell('ingest')} | {_fmt(peers.get('duckdb_scan_s'), 2)} | {_fmt(peers.get('ingest_ratio'), 1, '×')}"
            + (f" (CPU {peers['ingest_cpu_ratio']:.1f}×)" if peers.get("ingest_cpu_ratio") else "") + " "
            f"| {cell('staging')} | {cell('identity')} | {cell('core')} | {cell('marts')} | {cell('parquet')} "
            f"| {_fmt(sum(st[n]['wall_s_median'] or 0 for n in OTHER_STAGES if n in st), 2)} "
            f"| {_fmt(r['peak_rss_mib'], 0)} | {_fmt(r['generation_s'], 1)} |"
        )
    identity_rows = [r for r in results if r["peers"].get("identity", {}).get("methods")]
    if identity_rows:
        lines += [
            "",
            "Identity resolution on the same person records against the generator's ground truth (pairwise precision / recall / F1; wall seconds and CPU seconds, medians of the runs):",
            "",
            "| customers | records | method | seconds (CPU s) | × Splink time (CPU) | precision | recall | F1 | identifiable: P / R / F1 | F1 (person records) |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in identity_rows:
            ident = r["peers"]["identity"]
            splink_s = ident["methods"].get("splink", {}).get("wall_s")
            splink_cpu = ident["methods"].get("splink", {}).get("cpu_s")
            for name, m in ident["methods"].items():
                ratio = m["wall_s"] / splink_s if m.get("wall_s") and splink_s else None
                cpu_ratio = m["cpu_s"] / splink_cpu if m.get("cpu_s") and splink_cpu else None
                lines.append(
                    f"| {r['customers']:,} | {_fmt(ident.get('records'))} | {name} | {_fmt(m.get('wall_s'), 2)} ({_fmt(m.get('cpu_s'), 2)}) "
                    f"| {_fmt(ratio, 2, '×')} ({_fmt(cpu_ratio, 2, '×')}) "
                    f"| {_fmt(m.get('precision'), 3)} | {_fmt(m.get('recall'), 3)} | {_fmt(m.get('f1'), 3)} "
                    f"| {' / '.join(_fmt(m.get('identifiable', {}).get(k), 3) for k in ('precision', 'recall', 'f1'))} "
                    f"| {_fmt(m.get('person_records', {}).get('f1'), 3)} |"
                )
    slowest = results[-1].get("slowest_steps", [])[:8]
    if slowest:
        lines += ["", f"Slowest steps at {results[-1]['customers']:,} customers (median wall seconds, CPU seconds in brackets): "
                  + ", ".join(f"`{s['step']}` {s['wall_s_median']:.2f} ({_fmt(s.get('cpu_s_median'), 2)})" for s in slowest) + "."]
    for r in results:
        if r.get("targets"):
            met = ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in r["targets"].items())
            lines.append(f"\nTargets at {r['customers']:,} customers: {met}.")
        if not r.get("success", True):
            lines.append(f"\nAt {r['customers']:,} customers the pipeline did not succeed: {', '.join(r['failures'])}.")
        if r.get("note"):
            lines.append(f"\nNote ({r['customers']:,}): {r['note']}")
    return "\n".join(lines)


def update_readme(readme: Path, results_dir: Path) -> None:
    text = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{README_START}\n{README_END}\n"
    if README_START not in text:
        text += f"\n{README_START}\n{README_END}\n"
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{results_markdown(latest_results(results_dir))}\n{README_END}{tail}")


# ----------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cxp bench", description="Benchmark the whole pipeline against DuckDB and Splink.")
    parser.add_argument("--customers", type=int, nargs="+", default=list(DEFAULT_SIZES), help="sizes to run (default: 10000 100000; 1000000 on request)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are reported (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work-dir", type=Path, help="where exports and warehouses go (default: a temporary folder, removed afterwards)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--readme", type=Path, default=README, help="README whose results table is rewritten")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README table")
    parser.add_argument("--no-identity", action="store_true", help="skip the identity peers (Splink alone, naive join)")
    parser.add_argument("--reuse-exports", action="store_true",
                        help="with --work-dir: use exports an earlier benchmark generated there for the same size and seed")
    parser.add_argument("--note", help="a remark stored with the results and shown under the table (e.g. a loaded machine)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="cxp-bench-"))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    host = machine()
    ok = True
    try:
        for customers in args.customers:
            result = {"machine": host, "date": dt.date.today().isoformat(), "note": args.note}
            result.update(bench_size(customers, args.repeat, args.seed, work / str(customers), identity=not args.no_identity,
                                      reuse_exports=args.reuse_exports))
            ok = ok and result["success"]
            result["recorded_at"] = dt.datetime.now().isoformat(timespec="seconds")
            path = result_path(args.results_dir, result)
            path.write_text(json.dumps(result, indent=2) + "\n")
            print(f"[{customers:,}] total {result['total_s']:.2f} s (median of {args.repeat}), ingest ÷ DuckDB scan "
                  f"{_fmt(result['peers']['ingest_ratio'], 1, '×')}, peak {result['peak_rss_mib']:.0f} MiB -> {path}")
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    if not args.no_readme:
        update_readme(args.readme, args.results_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
