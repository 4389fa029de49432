"""Stable customer ids: a customer keeps its id across runs and newly arrived files.

The previous run's assignment (node -> customer_id) is kept in the build database. Each
new cluster takes the previous id most of its records had (majority overlap), each old id
going to at most one cluster, the one holding most of its records (on a tie, the one
whose anchor record it held). So an unchanged or
growing customer keeps its id; when two customers merge, the merged one keeps the id of
the larger part; when one splits, the larger part keeps it and the rest get new ids. A
new cluster's id is derived from its anchor record's key, so it is the same on every
machine and every rerun.
"""
from __future__ import annotations

import hashlib

import pandas as pd

ID_PREFIX = "cus_"


def fresh_id(anchor_node_id: str, attempt: int = 0) -> str:
    key = anchor_node_id if attempt == 0 else f"{anchor_node_id}#{attempt}"
    return ID_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def assign_customer_ids(clusters: pd.DataFrame, previous: pd.DataFrame | None) -> pd.Series:
    """Customer id per cluster key.

    ``clusters``: node_id, cluster (the cluster's anchor node id). ``previous``: node_id,
    customer_id from the last run (or None). Returns a Series cluster -> customer_id.
    """
    keys = clusters["cluster"].unique().tolist()
    counts = None
    if previous is not None and len(previous):
        overlap = clusters.merge(previous[["node_id", "customer_id"]], on="node_id", how="inner")
        if len(overlap):
            overlap["holds_anchor"] = overlap["node_id"] == overlap["cluster"]
            counts = (
                overlap.groupby(["cluster", "customer_id"], sort=False)
                .agg(shared=("node_id", "size"), holds_anchor=("holds_anchor", "any"))
                .reset_index()
            )
    return ids_from_overlap(keys, counts)


def ids_from_overlap(keys: list[str], counts: pd.DataFrame | None) -> pd.Series:
    """Customer id per cluster key, from the overlap with the previous run: ``counts`` has
    one row per (cluster, previous customer_id) with ``shared`` (records in common) and
    ``holds_anchor`` (the previous customer held the cluster's anchor record)."""
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    if counts is not None and len(counts):
        # biggest overlaps first; on a tie the id that held the cluster's anchor (its
        # most trusted record), then the smaller id, so the outcome is deterministic
        counts = counts.sort_values(["shared", "holds_anchor", "customer_id", "cluster"], ascending=[False, False, True, True])
        for cluster, customer_id in zip(counts["cluster"].tolist(), counts["customer_id"].tolist()):
            if cluster in chosen or customer_id in taken:
                continue
            chosen[cluster] = customer_id
            taken.add(customer_id)
    for cluster in sorted(k for k in keys if k not in chosen):
        attempt = 0
        candidate = fresh_id(cluster)
        while candidate in taken:
            attempt += 1
            candidate = fresh_id(cluster, attempt)
        chosen[cluster] = candidate
        taken.add(candidate)
    return pd.Series(chosen, name="customer_id").reindex(keys)
