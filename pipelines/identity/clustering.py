"""Clustering: connected components over accepted links, with per-type limits.

Links are taken strongest first (tier, then confidence), as in Kruskal's algorithm. A link
that would join two components into one holding more values of a limited identifier type
than allowed (by default one shop account and one app account per customer, in the
manner of Segment's identity rules) is refused, so the split falls on the weakest link.
Stronger evidence may cross a limit: by default an email link may join two shop accounts
(the same person signing up twice with Gmail variants of one address).

Each component becomes one customer. Its anchor is its most trusted record; every other
record is explained by the chain of accepted links that reaches it from the anchor.

The work is done by node position in numpy: where no component holds more limited values
than allowed (nearly everywhere), Kruskal's accepted links are the minimum spanning forest
in link order, found by Boruvka's rounds; the link-by-link loop with the limits runs only on
the components where limited values conflict. The same links give the same customers and
the same explanations as the plain loop would.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ANCHOR_RULE = "anchor"
UNLINKED_RULE = "unlinked"


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): a swap of two neighbouring
    letters is one typo (DuckDB's damerau_levenshtein in identifier_usage.sql agrees on
    every single swap)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, previous = previous, current
    return previous[-1]


def names_compatible(a: str, b: str) -> bool:
    """Could be one person's first name: equal, a prefix or initial, or a typo apart
    (the rule identity_usage.sql applies in SQL)."""
    if a.startswith(b) or b.startswith(a):
        return True
    return _edit_distance(a, b) <= (2 if min(len(a), len(b)) >= 6 else 1)


@dataclass(frozen=True)
class Limits:
    """At most ``per_type[t]`` distinct values of identifier type ``t`` in one cluster;
    links whose rule is in ``may_exceed`` are allowed to cross the limit, when the two
    sides' first names are compatible (two accounts on one email are one person signing
    up twice only if it is the same person's name)."""

    per_type: dict[str, int] = field(default_factory=lambda: {"shop_customer_id": 1, "app_account": 1})
    may_exceed: frozenset[str] = frozenset({"email"})


@dataclass
class Clustering:
    assignment: pd.DataFrame  # node_id, cluster (anchor node id), parent_node_id, rule, evidence, tier, confidence, over_limit
    refused: pd.DataFrame  # node_id, linked_node_id, rule, evidence, reason


class _Components:
    """Union-find with, per root, the values of each limited type it holds."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n
        self.values: dict[int, dict[str, set]] = {}
        self.names: dict[int, set[str]] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        moved = self.values.pop(b, None)
        if moved:
            mine = self.values.setdefault(a, {})
            for kind, vals in moved.items():
                mine.setdefault(kind, set()).update(vals)
        names = self.names.pop(b, None)
        if names:
            self.names.setdefault(a, set()).update(names)

    def same_person_names(self, a: int, b: int) -> bool:
        na, nb = self.names.get(a), self.names.get(b)
        if not na or not nb:
            return True
        return any(names_compatible(x, y) for x in na for y in nb)

    def crosses(self, a: int, b: int, kind: str, limit: int) -> bool:
        """Would joining a and b add values of ``kind`` beyond ``limit``? A side that is
        already over (joined by stronger evidence) may still take records that add none."""
        va = self.values.get(a, {}).get(kind, set())
        vb = self.values.get(b, {}).get(kind, set())
        if not va or not vb:
            return False
        merged = len(va | vb)
        return merged > limit and merged > max(len(va), len(vb))


def cluster(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    limited_values: pd.DataFrame | None = None,
    limits: Limits | None = None,
    first_names: pd.Series | None = None,
    explain: bool = True,
    presorted: bool = False,
) -> Clustering:
    """Cluster ``nodes`` (node_id, trust_rank) over ``links`` (node_id, linked_node_id, rule,
    evidence, tier, confidence). ``limited_values`` (node_id, id_type, id_value) are the
    values the limits count; ``first_names`` (node_id -> comparison key) decide whether
    stronger evidence may cross a limit. Without ``explain`` the assignment has only
    node_id and cluster (faster: no walk from the anchors). ``presorted``: the links come
    strongest first already, with their nodes' positions in ``nodes`` as a_pos and b_pos
    (the database sorts and joins faster than pandas).

    The result is Kruskal's: links taken strongest first, each joining two components
    unless a limit refuses it. Most components hold no two values of a limited type, and
    there Kruskal's accepted links are simply the minimum spanning forest in that order,
    found vectorised (Boruvka); the link-by-link loop runs only on the components where
    limited values conflict."""
    limits = limits or Limits()
    node_ids = _strings(nodes["node_id"])
    n = len(node_ids)
    index = pd.Index(node_ids)
    trust = nodes["trust_rank"].to_numpy() if "trust_rank" in nodes else np.zeros(n, dtype=np.int64)

    # Strongest evidence first; ties broken by the link itself, because the order links arrive
    # in from SQL is not stable between runs and the explanation tree must be.
    ordered = (
        links.sort_values(
            ["tier", "confidence", "node_id", "linked_node_id", "rule", "evidence"], ascending=[True, False, True, True, True, True],
            kind="stable",
        ).reset_index(drop=True)
        if len(links) and not presorted
        else links.reset_index(drop=True)
    )
    if len(ordered):
        if presorted:
            a = ordered["a_pos"].to_numpy(dtype=np.int64)
            b = ordered["b_pos"].to_numpy(dtype=np.int64)
        else:
            a = index.get_indexer(_strings(ordered["node_id"])).astype(np.int64)
            b = index.get_indexer(_strings(ordered["linked_node_id"])).astype(np.int64)
        confidence = ordered["confidence"].to_numpy(dtype=float)
    else:
        a = b = np.array([], dtype=np.int64)
        confidence = np.array([], dtype=float)
    held = None
    if limited_values is not None and len(limited_values):
        held = (index.get_indexer(_strings(limited_values["node_id"])), _strings(limited_values["id_type"]),
                _strings(limited_values["id_value"]))
    names = None
    if first_names is not None:
        named = first_names.dropna()
        names = (index.get_indexer(_strings(named.index.to_series())), _strings(named))
    forest = resolve_forest(
        n, a, b, confidence, trust, _id_ranks(node_ids), held, limits, names, lambda rows: _strings(ordered["rule"].iloc[rows])
    )
    node_array = np.asarray(node_ids, dtype=object)
    refused = pd.DataFrame(
        {
            "node_id": _strings(ordered["node_id"].iloc[forest.refused_rows]),
            "linked_node_id": _strings(ordered["linked_node_id"].iloc[forest.refused_rows]),
            "rule": _strings(ordered["rule"].iloc[forest.refused_rows]),
            "evidence": _strings(ordered["evidence"].iloc[forest.refused_rows]),
            "reason": forest.refused_reasons,
        },
        columns=["node_id", "linked_node_id", "rule", "evidence", "reason"],
    )
    if not explain:
        return Clustering(pd.DataFrame({"node_id": node_ids, "cluster": node_array[forest.anchor]}), refused)
    reached = forest.link >= 0
    rows = forest.link[reached]
    rule = np.where(forest.in_tree, ANCHOR_RULE, UNLINKED_RULE).astype(object)
    evidence = np.full(n, None, dtype=object)
    tier = pd.array(np.full(n, pd.NA), dtype="Int64")
    if reached.any():
        rule[reached] = np.asarray(_strings(ordered["rule"].iloc[rows]), dtype=object)
        evidence[reached] = np.asarray(_strings(ordered["evidence"].iloc[rows]), dtype=object)
        tier[reached] = ordered["tier"].to_numpy()[rows].astype(np.int64)
    parent_ids = np.full(n, None, dtype=object)
    parent_ids[reached] = node_array[forest.parent[reached]]
    assignment = pd.DataFrame(
        {
            "node_id": node_ids,
            "cluster": node_array[forest.anchor],
            "parent_node_id": parent_ids,
            "rule": rule,
            "evidence": evidence,
            "tier": tier,
            "confidence": forest.chain_confidence,
            "over_limit": forest.over_limit,
        }
    )
    return Clustering(assignment, refused)


@dataclass
class Forest:
    """Clustering by node position: each node's anchor, its parent and the link (a row of the
    strongest-first links) that reached it (-1: none), the confidence of the weakest link on
    the way from the anchor, whether it has any accepted link, whether the link that reached
    it crossed a limit; and the links the limits refused, with why."""

    anchor: np.ndarray
    parent: np.ndarray
    link: np.ndarray
    chain_confidence: np.ndarray
    in_tree: np.ndarray
    over_limit: np.ndarray
    refused_rows: list[int]
    refused_reasons: list[str]


def resolve_forest(n, a, b, confidence, trust, id_rank, held, limits: Limits, names, rules_of) -> Forest:
    """Kruskal's clustering with limits, by position. ``a``, ``b``, ``confidence``: the links,
    strongest first (a position of -1 is a node that does not exist). ``trust``, ``id_rank``:
    per node, what picks the anchor (most trusted, then smallest id). ``held``: (positions,
    types, values) of the limited identifiers; ``names``: (positions, first-name keys);
    ``rules_of(rows)``: the rules of those links (only the links in conflicting components
    are asked for)."""
    usable = (a >= 0) & (b >= 0) & (a != b)
    edges = np.flatnonzero(usable)  # rows of the links, strongest first
    ea, eb = a[edges], b[edges]

    # 1. the plain minimum spanning forest: Kruskal's answer wherever no limit bites
    accepted, label = _spanning_forest(n, ea, eb)
    crossed_mask = np.zeros(len(edges), dtype=bool)
    refused_rows: list[int] = []
    reasons: list[str] = []

    # 2. components holding more values of a limited type than allowed: link by link
    conflicted = _conflicted_components(label, held, limits)
    if conflicted.any():
        inside = conflicted[label[ea]]
        loop = np.flatnonzero(inside)
        kept, crossed, refused = _kruskal_with_limits(
            n, ea[loop], eb[loop], rules_of(edges[loop]), conflicted[label], held, limits, names
        )
        accepted = accepted & ~inside
        accepted[loop[kept]] = True
        crossed_mask[loop[crossed]] = True
        refused_rows = edges[loop[[k for k, _ in refused]]].tolist()
        reasons = [reason for _, reason in refused]

    tree = np.flatnonzero(accepted)
    ta, tb = ea[tree], eb[tree]
    final = merge_labels(np.arange(n), ta, tb) if conflicted.any() else label
    anchor = anchors_by_label(final, np.asarray(trust), id_rank)
    parent, via, chain = _root_forest(n, ta, tb, confidence[edges[tree]], anchor == np.arange(n))
    reached = via >= 0
    link = np.full(n, -1, dtype=np.int64)
    link[reached] = edges[tree[via[reached]]]
    over = np.zeros(n, dtype=bool)
    over[reached] = crossed_mask[tree[via[reached]]]
    in_tree = np.zeros(n, dtype=bool)
    in_tree[ta] = True
    in_tree[tb] = True
    return Forest(anchor, parent, link, chain, in_tree, over, refused_rows, reasons)


def _id_ranks(node_ids: list) -> np.ndarray:
    """Each node id's rank in sorted order (the anchor tie-break: smallest id)."""
    rank = np.empty(len(node_ids), dtype=np.int64)
    rank[np.argsort(np.asarray(node_ids, dtype=object), kind="stable")] = np.arange(len(node_ids))
    return rank


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values in ascending order, by sorting: numpy 2's ``np.unique`` hashes
    integers, and that grows worse than linearly (7 s for 5,000,000 of them, against
    0.3 s to sort; at 1,000,000 customers it was a fifth of identity.node_assignment)."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def merge_labels(label: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Labels after joining, for every i, the components labelled ``label[x[i]]`` and
    ``label[y[i]]``: min-label propagation with pointer jumping. A component's label is its
    smallest member position."""
    parent = np.arange(len(label))
    lx, ly = label[x], label[y]
    while len(lx):
        px, py = parent[lx], parent[ly]
        differ = px != py
        if not differ.any():
            break
        px, py, lx, ly = px[differ], py[differ], lx[differ], ly[differ]
        low = np.minimum(px, py)
        np.minimum.at(parent, px, low)
        np.minimum.at(parent, py, low)
        while True:  # pointer jumping: every label points at its root
            jumped = parent[parent]
            if (jumped == parent).all():
                break
            parent = jumped
    return parent[label]


def _spanning_forest(n: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boruvka's minimum spanning forest of edges ``(a[i], b[i])`` ranked by position (0 is
    the strongest): the edges Kruskal's algorithm would accept in that order. Each round
    every component takes its strongest edge to another component; positions are distinct,
    so the chosen edges never close a cycle. Returns the forest mask and each node's
    component label (its smallest member position)."""
    in_forest = np.zeros(len(a), dtype=bool)
    label = np.arange(n)
    live = np.arange(len(a))
    while len(live):
        la, lb = label[a[live]], label[b[live]]
        between = la != lb
        live, la, lb = live[between], la[between], lb[between]
        if not len(live):
            break
        best = np.full(n, len(a), dtype=np.int64)
        np.minimum.at(best, la, live)
        np.minimum.at(best, lb, live)
        chosen = distinct(best[best < len(a)])
        in_forest[chosen] = True
        label = merge_labels(label, a[chosen], b[chosen])
    return in_forest, label


def _conflicted_components(label: np.ndarray, held, limits: Limits) -> np.ndarray:
    """Per component label: does it hold more values of some limited type than allowed?"""
    conflicted = np.zeros(len(label), dtype=bool)
    if held is None or not len(held[0]) or not limits.per_type:
        return conflicted
    positions, kinds, values = held
    frame = pd.DataFrame({"position": np.asarray(positions), "id_type": kinds, "id_value": values})
    frame = frame[(frame["position"] >= 0) & frame["id_type"].isin(list(limits.per_type))]
    if not len(frame):
        return conflicted
    frame["component"] = label[frame["position"].to_numpy()]
    counts = frame.drop_duplicates(["component", "id_type", "id_value"]).groupby(["component", "id_type"]).size().reset_index(name="n")
    counts["limit"] = counts["id_type"].map(limits.per_type)
    conflicted[counts.loc[counts["n"] > counts["limit"], "component"].to_numpy()] = True
    return conflicted


def _kruskal_with_limits(n, ea, eb, rules, node_in_scope, held, limits: Limits, names):
    """Kruskal link by link over the links ``ea``-``eb`` (strongest first, with their
    ``rules``), refusing links that would cross a limit. Returns the accepted and
    over-limit links (positions in the arrays) and the refused ones as (position, reason)."""
    comps = _Components(n)
    positions, kinds, values_ = held
    for j, i in _rows_in_scope(positions, node_in_scope):
        if kinds[j] in limits.per_type:
            comps.values.setdefault(i, {}).setdefault(kinds[j], set()).add(values_[j])
    if names is not None:
        for j, i in _rows_in_scope(names[0], node_in_scope):
            comps.names.setdefault(i, set()).add(names[1][j])
    kept, crossed, refused = [], [], []
    values, find, per_type = comps.values, comps.find, list(limits.per_type.items())
    for k, (a, b) in enumerate(zip(ea.tolist(), eb.tolist())):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        rule = rules[k]
        # only components that both hold limited values can cross a limit
        crossing = [kind for kind, limit in per_type if comps.crosses(ra, rb, kind, limit)] if ra in values and rb in values else []
        if crossing and rule not in limits.may_exceed:
            refused.append((k, f"would give one customer more than {limits.per_type[crossing[0]]} {crossing[0]}"))
            continue
        if crossing and not comps.same_person_names(ra, rb):
            refused.append((k, f"would join two {crossing[0]} of people with different first names"))
            continue
        comps.union(ra, rb)
        kept.append(k)
        if crossing:
            crossed.append(k)
    return np.array(kept, dtype=np.int64), np.array(crossed, dtype=np.int64), refused


def _rows_in_scope(positions, node_in_scope: np.ndarray) -> list[tuple[int, int]]:
    """(row, position) of the rows whose position is a node in scope: picked out by numpy,
    as the conflicted components hold a few of the millions of rows at 1,000,000 customers."""
    positions = np.asarray(positions, dtype=np.int64)
    rows = np.flatnonzero(positions >= 0)
    rows = rows[node_in_scope[positions[rows]]]
    return list(zip(rows.tolist(), positions[rows].tolist()))


def anchors_by_label(label: np.ndarray, trust: np.ndarray, id_rank: np.ndarray) -> np.ndarray:
    """Per node, the position of its component's anchor: the most trusted record, then the
    smallest id."""
    n = len(label)
    if not n:
        return np.array([], dtype=np.int64)
    order = np.lexsort((id_rank, trust, label))
    first = np.ones(n, dtype=bool)
    first[1:] = label[order][1:] != label[order][:-1]
    anchor_of_label = np.empty(n, dtype=np.int64)
    anchor_of_label[label[order][first]] = order[first]
    return anchor_of_label[label]


def _root_forest(n: int, ta: np.ndarray, tb: np.ndarray, confidence: np.ndarray, is_anchor: np.ndarray):
    """Walk each tree of the forest (edges ``ta``-``tb``) from its anchor, level by level:
    each record's parent, the tree edge that reached it, and the confidence of the weakest
    link on the way (a tree has one path from the anchor to each record)."""
    parent = np.full(n, -1, dtype=np.int64)
    via = np.full(n, -1, dtype=np.int64)
    chain = np.ones(n, dtype=float)
    visited = is_anchor.copy()
    pending = np.arange(len(ta))
    while len(pending):
        va, vb = visited[ta[pending]], visited[tb[pending]]
        down, up = va & ~vb, vb & ~va
        if not (down.any() or up.any()):
            break
        for step, src, dst in ((down, ta, tb), (up, tb, ta)):
            e = pending[step]
            child, par = dst[e], src[e]
            parent[child] = par
            via[child] = e
            chain[child] = np.minimum(chain[par], confidence[e])
            visited[child] = True
        pending = pending[~(va | vb)]
    return parent, via, chain


def _strings(series: pd.Series) -> list:
    """Python objects of a column, fast for Arrow-backed text (None for missing)."""
    try:
        import pyarrow as pa

        return pa.array(series, from_pandas=True).to_pylist()
    except (TypeError, ValueError, ImportError):
        return series.tolist()
