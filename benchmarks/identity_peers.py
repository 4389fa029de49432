"""Identity peers on a pipeline's own person records, in a fresh process (``python -m benchmarks.identity_peers``).

Takes a warehouse the pipeline just built from demo exports, and with the scoring and the
baselines of ``benchmarks/identity_compare.py`` (reused, not re-implemented) times and scores
three ways of grouping the same person records against ``EXPORTS/ground_truth.csv``:

- ``cxp``: identity resolution as the pipeline runs it (identity models, Splink links,
  clustering with limits, stable ids, ``core.identity_map``/``core.customers``), re-run on a
  copy of the built database;
- ``splink``: the same Splink model alone on the same person records, clustered at the same
  threshold;
- ``naive``: records joined when their lower-cased email or digits-only phone is equal.

Each method gets wall and CPU seconds (CPU of this process, DuckDB's threads included).
Precision, recall and F1 are pairwise, at three levels: every record (``precision`` ...);
identifiable records (``identifiable``: every record but the app events of devices no account
or email ever claimed, ``evidence_free_records`` of them; see ``identity_compare.EVIDENCE_FREE``);
and person records (app events collapsed to one record per app identity: ``person_records``).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def _scores(con, table: str) -> dict:
    from benchmarks import identity_compare

    scores = identity_compare.pairwise(con, table)
    precision, recall, f1 = scores["records"]
    levels = {"identifiable": scores["identifiable records"], "person_records": scores["person records"]}
    return {"precision": precision, "recall": recall, "f1": f1,
            **{name: {"precision": p, "recall": r, "f1": f} for name, (p, r, f) in levels.items()}}


def measure_identity(exports: Path, warehouse: Path) -> dict:
    from benchmarks import identity_compare
    from models.config import CxpConfig
    from pipelines.sql_functions import register_functions
    from pipelines.warehouse import published_path

    truth = exports / "ground_truth.csv"
    if not truth.exists():
        raise FileNotFoundError(f"{truth} is missing: identity peers need the demo generator's ground truth")
    scratch_dir = Path(tempfile.mkdtemp(prefix="cxp-identity-peers-"))
    try:
        scratch = scratch_dir / "peers.duckdb"  # not identity.duckdb: the catalog would shadow the identity schema
        shutil.copyfile(published_path(warehouse), scratch)
        config = CxpConfig()
        con = duckdb.connect(str(scratch))
        register_functions(con, config)
        cxp_cpu = time.process_time()
        cxp_s = identity_compare.time_identity(con, config)
        cxp_cpu = time.process_time() - cxp_cpu
        con.execute("create or replace temp table truth as select * from read_csv(?, all_varchar = true)", [str(truth)])
        con.execute(identity_compare.RECORD_NODES)
        con.execute(identity_compare.EVIDENCE_FREE)
        con.execute("create or replace temp table cxp_clusters as select source, entity, source_record_id, customer_id as cluster from core.identity_map")
        naive_cpu = time.process_time()
        naive_s = identity_compare.naive_clusters(con)
        naive_cpu = time.process_time() - naive_cpu
        splink_cpu = time.process_time()
        splink_s = identity_compare.splink_clusters(con, config.identity.match_probability_threshold)
        splink_cpu = time.process_time() - splink_cpu
        records, person_records, people, customers, evidence_free = con.execute(
            """select (select count(*) from truth join core.identity_map using (source, entity, source_record_id)),
                      (select count(*) from identity.person_records),
                      (select count(distinct person_id) from truth where person_id is not null and person_id <> ''),
                      (select count(distinct customer_id) from core.identity_map),
                      (select count(*) from truth semi join evidence_free using (source, entity, source_record_id))"""
        ).fetchall()[0]
        methods = {
            "cxp": {"wall_s": cxp_s, "cpu_s": cxp_cpu, **_scores(con, "cxp_clusters")},
            "splink": {"wall_s": splink_s, "cpu_s": splink_cpu, **_scores(con, "splink_clusters")},
            "naive": {"wall_s": naive_s, "cpu_s": naive_cpu, **_scores(con, "naive_clusters")},
        }
        con.close()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return {"records": records, "evidence_free_records": evidence_free, "person_records": person_records, "people": people,
            "customers": customers, "methods": methods}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time and score cxp's identity resolution, Splink alone and a naive join.")
    parser.add_argument("--exports", required=True, type=Path, help="the demo exports the warehouse was built from")
    parser.add_argument("--warehouse", required=True, type=Path, help="a warehouse the pipeline built from them")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = measure_identity(args.exports.resolve(), args.warehouse.resolve())
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
