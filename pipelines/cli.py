"""The ``cxp`` command line. ``run``, ``demo``, ``ui`` and ``dedupe`` are contract (DESIGN.md)."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _cmd_run(args) -> int:
    from pipelines.runner import run_pipeline
    from pipelines.summary import print_summary

    outcome = run_pipeline(args.exports, args.warehouse, args.config)
    print_summary(Path(args.warehouse), outcome)
    return 0 if outcome.success else 1


def _cmd_demo(args) -> int:
    from pipelines.demo.generate import generate
    from pipelines.runner import run_pipeline
    from pipelines.summary import print_summary

    exports = Path(args.exports)
    print(f"Generating demo exports for {args.customers} customers (seed {args.seed}) in {exports}/ ...")
    generate(exports, customers=args.customers, seed=args.seed)
    print("Running the pipeline ...")
    outcome = run_pipeline(exports, args.warehouse, args.config)
    print_summary(Path(args.warehouse), outcome)
    return 0 if outcome.success else 1


def _cmd_generate(args) -> int:
    from pipelines.demo.generate import generate

    summary = generate(Path(args.out), customers=args.customers, seed=args.seed)
    print(summary)
    return 0


def _cmd_query(args) -> int:
    from pipelines.query import run_query

    return run_query(args.warehouse, args.sql, fmt=args.format)


def _cmd_sql(args) -> int:
    from pipelines.sql_models import find

    print(find(args.model).transpile(args.dialect))
    return 0


def _cmd_explain(args) -> int:
    from pipelines.identity.explain import explain

    return explain(args.warehouse, args.customer_id)


def _cmd_dedupe(args) -> int:
    from pipelines.identity.dedupe import dedupe_command

    return dedupe_command(args)


def _cmd_forget(args) -> int:
    from pipelines.forget import forget_command

    return forget_command(args)


def _cmd_ui(args) -> int:
    from pipelines.ui import start_ui

    return start_ui(port=args.port, host=args.host, exports_dir=args.exports, warehouse_dir=args.warehouse)


def _cmd_bench(args) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.run import main as bench_main

    return bench_main(["--customers", *[str(n) for n in args.customers], "--repeat", str(args.repeat)])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cxp", description="cxp, the customer experience pipeline")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True)

    def warehouse_arg(p):
        p.add_argument("--warehouse", default="warehouse", help="warehouse directory (default: ./warehouse)")

    p = sub.add_parser("run", help="materialize every asset in-process on an exports directory")
    p.add_argument("--exports", required=True, help="exports directory: EXPORTS/<connector>/<files>")
    warehouse_arg(p)
    p.add_argument("--config", help="cxp.yaml (default: ./cxp.yaml when present)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("demo", help="generate realistic demo exports, run everything, print a summary")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--exports", default="demo_exports")
    warehouse_arg(p)
    p.add_argument("--config")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("generate", help="write demo exports (with ground truth) without running")
    p.add_argument("--customers", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("ui", help="start the Dagster UI (webserver and daemon) on this project")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--exports", help="exports directory (default: $CXP_EXPORTS_DIR or ./exports)")
    p.add_argument("--warehouse", help="warehouse directory (default: $CXP_WAREHOUSE_DIR or ./warehouse)")
    p.set_defaults(func=_cmd_ui)

    p = sub.add_parser("query", help="run SQL on the published warehouse (read-only)")
    p.add_argument("sql")
    warehouse_arg(p)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=_cmd_query)

    p = sub.add_parser("sql", help="print a SQL model, transpiled to another dialect")
    p.add_argument("model", help="table name, e.g. touchpoint_metrics or marts.touchpoint_metrics")
    p.add_argument("--dialect", default="spark")
    p.set_defaults(func=_cmd_sql)

    p = sub.add_parser("explain", help="print a customer's records and why each joined")
    p.add_argument("customer_id")
    warehouse_arg(p)
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("dedupe", help="resolve any CSV of person records into clusters")
    p.add_argument("file")
    p.add_argument("--id", required=True, dest="id_column", help="column holding the record id")
    p.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                   help="role of a column: first_name, last_name, full_name, email, phone, street_number, address, "
                        "address2, city, postcode, state, dob, national_id, extra (repeatable)")
    p.add_argument("--link", help="second CSV: link records across the two files")
    p.add_argument("--out", required=True)
    p.add_argument("--threshold", type=float, metavar="P",
                   help="match probability above which two records are linked (0 < P < 1; default: "
                        "identity.match_probability_threshold in cxp.yaml, 0.95): higher for precision, lower for recall")
    p.add_argument("--config", help="cxp.yaml to read identity settings from")
    p.set_defaults(func=_cmd_dedupe)

    p = sub.add_parser("forget", help="erase a person everywhere (warehouse, build, Parquet)")
    p.add_argument("--email")
    p.add_argument("--phone")
    warehouse_arg(p)
    p.set_defaults(func=_cmd_forget)

    p = sub.add_parser("bench", help="run the benchmark harness")
    p.add_argument("--customers", type=int, nargs="+", default=[10_000])
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"cxp {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
