"""Identity resolution against the demo's ground truth, beside two baselines.

    python benchmarks/identity_compare.py --customers 10000 [--seed 7] [--workdir DIR]

Generates demo exports (``OUT/ground_truth.csv`` names the person behind every record),
runs the whole pipeline, then scores three ways of grouping the same person records:

- cxp: ``core.identity_map`` as the pipeline built it;
- naive: records joined when their lower-cased email or digits-only phone is equal;
- Splink alone: the same Splink model cxp uses, on the same person records, clustered at
  the same threshold, with none of cxp's identifiers, guards, limits or indirect evidence.

Scores are pairwise (every pair of records in one cluster is a predicted match) over the
person-bearing records, counted three ways: every record (an app user's thousand events are
a thousand records); identifiable records, which leave out the app events of devices on
which no account ever signed in and no email was ever set (``EVIDENCE_FREE``: nothing in any
export says whose they are, so no method can place them, and the ground truth knows only
because the generator made them); and person records (app events counted once per
distinct key). Wall
times: identity resolution alone (all identity and core identity models, re-run on the
built database) for cxp; the method itself for the baselines.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.config import CxpConfig  # noqa: E402
from pipelines.identity.clustering import Limits, cluster  # noqa: E402
from pipelines.identity.identifiers import write_blocked_identifiers  # noqa: E402
from pipelines.identity.probabilistic import predict_pairs  # noqa: E402
from pipelines.identity.resolve import build_node_assignment, build_probabilistic_links  # noqa: E402
from pipelines.sql_functions import register_functions  # noqa: E402
from pipelines.sql_models import find  # noqa: E402
from pipelines.warehouse import build_path  # noqa: E402

IDENTITY_MODELS = ("identity.name_variants", "identity.email_providers", "identity.person_records", "identity.identifiers", "identity.identifier_usage",
                   "identity.deterministic_links")

RECORD_NODES = """
create or replace temp table record_nodes as
select p.source, p.entity, p.source_record_id, p.node_id
from identity.person_records p where p.entity <> 'events'
union all
select 'amplitude', 'events', e.insert_id, p.node_id
from staging.stg_amplitude__events e join identity.person_records p
  on p.source = 'amplitude' and p.entity = 'events' and p.app_user_id is not distinct from e.user_id
 and p.app_device_id is not distinct from e.device_id and p.app_email is not distinct from e.email
union all
select 'mixpanel', 'events', e.insert_id, p.node_id
from staging.stg_mixpanel__events e join identity.person_records p
  on p.source = 'mixpanel' and p.entity = 'events' and p.app_user_id is not distinct from e.user_id
 and p.app_device_id is not distinct from e.device_id and p.app_email is not distinct from e.email
"""


EVIDENCE_FREE = """
create or replace temp table evidence_free as
-- App events of a device that no event of either app tool ties to an account or an email.
-- Decided from the exports alone (staging), not from the resolver's links or the truth.
with app_events as (
    select 'amplitude' as source, insert_id as source_record_id, device_id, user_id, email from staging.stg_amplitude__events
    union all
    select 'mixpanel', insert_id, device_id, user_id, email from staging.stg_mixpanel__events
),
unclaimed_devices as (
    select device_id from app_events where device_id is not null
    group by device_id having count(user_id) = 0 and count(email) = 0
)
select source, 'events' as entity, source_record_id
from app_events semi join unclaimed_devices using (device_id)
"""


def pairwise(con: duckdb.DuckDBPyConnection, clusters: str) -> dict:
    """Pairwise precision/recall/F1 of ``clusters`` (record keys + cluster) against truth,
    over records with a person in the ground truth; also over identifiable records only
    (needs the ``evidence_free`` table of ``EVIDENCE_FREE``) and at the person-record level."""
    scores = {}
    levels = (("records", "r.source || '/' || r.entity || '/' || r.source_record_id"), ("identifiable records", None),
              ("person records", "r.node_id"))
    for level, unit in levels:
        row = con.execute(
            f"""
            with labelled as (
                select distinct {unit} as unit, c.cluster, g.person_id
                from {clusters} c
                join record_nodes r using (source, entity, source_record_id)
                join truth g using (source, entity, source_record_id)
            ),
            units as (
                -- a person record (app key) is one unit: its cluster, and its most common person
                select unit, any_value(cluster) as cluster, mode(person_id) as person_id, count(*) as n
                from labelled group by unit
            ),
            cells as (select cluster, person_id, count(*) as n from units group by all),
            by_cluster as (select cluster, count(*) as n from units group by all),
            by_person as (select person_id, count(*) as n from units group by all)
            select (select sum(n * (n - 1) / 2) from cells),
                   (select sum(n * (n - 1) / 2) from by_cluster),
                   (select sum(n * (n - 1) / 2) from by_person)
            """
            if level == "person records" else
            f"""
            with labelled as (
                select c.cluster, g.person_id
                from {clusters} c join truth g using (source, entity, source_record_id)
                {"anti join evidence_free using (source, entity, source_record_id)" if level == "identifiable records" else ""}
            ),
            cells as (select cluster, person_id, count(*) as n from labelled group by all),
            by_cluster as (select cluster, count(*) as n from labelled group by all),
            by_person as (select person_id, count(*) as n from labelled group by all)
            select (select sum(n * (n - 1) / 2) from cells),
                   (select sum(n * (n - 1) / 2) from by_cluster),
                   (select sum(n * (n - 1) / 2) from by_person)
            """
        ).fetchall()[0]
        true_positive, predicted, actual = (float(x or 0) for x in row)
        precision = true_positive / predicted if predicted else 1.0
        recall = true_positive / actual if actual else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[level] = (precision, recall, f1)
    return scores


def naive_clusters(con) -> float:
    """Records joined on lower-cased email or digits-only phone (connected components)."""
    started = time.perf_counter()
    nodes = con.execute("select node_id, 1 as trust_rank from identity.person_records").df()
    links = con.execute(
        """
        with keys as (
            select node_id, 'email' as kind, lower(trim(email)) as value from identity.person_records where email is not null
            union all
            select node_id, 'phone', regexp_replace(phone, '[^0-9]', '', 'g') from identity.person_records where phone is not null
        ),
        anchors as (select kind, value, min(node_id) as anchor from keys group by all)
        select k.node_id, a.anchor as linked_node_id, k.kind as rule, k.value as evidence, 1 as tier, 1.0 as confidence
        from keys k join anchors a using (kind, value) where k.node_id <> a.anchor
        """
    ).df()
    result = cluster(nodes, links, None, Limits(per_type={}, may_exceed=frozenset()))
    _store(con, "naive_clusters", result.assignment)
    return time.perf_counter() - started


def splink_clusters(con, threshold: float) -> float:
    """The same Splink model on the same person records, alone."""
    started = time.perf_counter()
    profiles = con.execute(
        """select node_id as unique_id, first_name_key as first_name, last_name_key as last_name, email_key as email,
                  phone, address, postcode, city
           from identity.person_records"""
    ).df()
    scored = predict_pairs(profiles, threshold=threshold, require_corroboration=False, require_first_name_agreement=False)
    links = pd.DataFrame({"node_id": scored.pairs["unique_id_l"], "linked_node_id": scored.pairs["unique_id_r"], "rule": "splink",
                          "evidence": "", "tier": 5, "confidence": scored.pairs["match_probability"]})
    nodes = profiles[["unique_id"]].rename(columns={"unique_id": "node_id"}).assign(trust_rank=1)
    result = cluster(nodes, links, None, Limits(per_type={}, may_exceed=frozenset()))
    _store(con, "splink_clusters", result.assignment)
    return time.perf_counter() - started


def _store(con, name: str, assignment: pd.DataFrame) -> None:
    con.register("_assignment", assignment[["node_id", "cluster"]])
    con.execute(
        f"""create or replace temp table {name} as
            select r.source, r.entity, r.source_record_id, a.cluster
            from record_nodes r join _assignment a on a.node_id = r.node_id"""
    )
    con.unregister("_assignment")


def time_identity(con, config: CxpConfig) -> float:
    """Identity resolution alone, as the pipeline runs it, on the built staging tables."""
    started = time.perf_counter()
    write_blocked_identifiers(con, config.identity.blocked_identifiers, config.default_phone_region)
    for name in IDENTITY_MODELS:
        find(name).build(con)
    build_probabilistic_links(con, config.identity)
    build_node_assignment(con, config.identity)
    for name in ("core.identity_map", "core.customers"):
        find(name).build(con)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="keep exports and warehouse here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="score the warehouse already in --workdir: only re-run identity")
    parser.add_argument("--skip-splink", action="store_true", help="leave out the Splink-alone baseline (it is the slow one)")
    args = parser.parse_args(argv)

    from pipelines.demo.generate import generate
    from pipelines.runner import run_pipeline

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cxp-identity-"))
    exports, warehouse = workdir / "exports", workdir / "warehouse"
    pipeline_seconds = float("nan")
    if not (args.reuse and build_path(warehouse).exists()):
        print(f"Generating {args.customers:,} customers (seed {args.seed}) in {workdir} ...", flush=True)
        generate(exports, customers=args.customers, seed=args.seed)
        shutil.rmtree(warehouse, ignore_errors=True)
        started = time.perf_counter()
        outcome = run_pipeline(exports, warehouse)
        pipeline_seconds = time.perf_counter() - started
        if not outcome.success:
            print("pipeline failed:", outcome.failed_steps, outcome.failed_checks)
            return 1

    scratch = workdir / "identity_compare.duckdb"
    shutil.copyfile(build_path(warehouse), scratch)
    config = CxpConfig()
    con = duckdb.connect(str(scratch))
    register_functions(con, config)
    cxp_seconds = time_identity(con, config)
    con.execute(f"create or replace temp table truth as select * from read_csv('{exports / 'ground_truth.csv'}', all_varchar = true)")
    con.execute(RECORD_NODES)
    con.execute(EVIDENCE_FREE)
    con.execute("create or replace temp table cxp_clusters as select source, entity, source_record_id, customer_id as cluster from core.identity_map")
    naive_seconds = naive_clusters(con)
    splink_seconds = float("nan") if args.skip_splink else splink_clusters(con, config.identity.match_probability_threshold)

    counts = con.execute(
        """select (select count(*) from truth),
                  (select count(*) from truth join core.identity_map using (source, entity, source_record_id)),
                  (select count(*) from identity.person_records), (select count(distinct customer_id) from core.identity_map),
                  (select count(distinct person_id) from truth),
                  (select count(*) from truth semi join evidence_free using (source, entity, source_record_id))"""
    ).fetchall()[0]
    print(f"\nPipeline: {pipeline_seconds:.1f} s end to end (nan: reused). Ground truth: {counts[0]:,} records of {counts[4]:,} people; "
          f"{counts[1]:,} are person-bearing records in core.identity_map ({counts[2]:,} person records after collapsing app "
          f"events to keys) -> {counts[3]:,} customers. {counts[5]:,} records are app events of devices no account or email "
          f"ever claimed (left out of the identifiable scores).\n")
    rows = []
    methods = [("cxp", "cxp_clusters", cxp_seconds), ("naive email/phone join", "naive_clusters", naive_seconds)]
    if not args.skip_splink:
        methods.append(("Splink alone", "splink_clusters", splink_seconds))
    for label, table, seconds in methods:
        scores = pairwise(con, table)
        rows.append((label, *scores["records"], *scores["identifiable records"], *scores["person records"], seconds))
    header = ("method", "P (records)", "R (records)", "F1 (records)", "P (identifiable)", "R (identifiable)", "F1 (identifiable)",
              "P (person rec.)", "R (person rec.)", "F1 (person rec.)", "seconds")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, *values, seconds in rows:
        print(f"| {label} | " + " | ".join(f"{v:.4f}" for v in values) + f" | {seconds:.1f} |")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
