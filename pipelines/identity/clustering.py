"""Clustering: connected components over accepted links, with per-type limits.

Links are taken strongest first (tier, then confidence), as in Kruskal's algorithm. A link
that would join two components into one holding more values of a limited identifier type
than allowed (by default one shop account and one app account per customer, in the
manner of Segment's identity rules) is refused, so the split falls on the weakest link.
Stronger evidence may cross a limit: by default an email link may join two shop accounts
(the same person signing up twice with Gmail variants of one address).

Each component becomes one customer. Its anchor is its most trusted record; every other
record is explained by the chain of accepted links that reaches it from the anchor.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import pandas as pd

ANCHOR_RULE = "anchor"
UNLINKED_RULE = "unlinked"


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def names_compatible(a: str, b: str) -> bool:
    """Could be one person's first name: equal, a prefix or initial, or a typo apart
    (the rule identity_usage.sql applies in SQL)."""
    if a.startswith(b) or b.startswith(a):
        return True
    return _levenshtein(a, b) <= (2 if min(len(a), len(b)) >= 6 else 1)


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
    (the database sorts and joins faster than pandas)."""
    limits = limits or Limits()
    node_ids = _strings(nodes["node_id"])
    index = pd.Index(node_ids)
    trust = nodes["trust_rank"].tolist() if "trust_rank" in nodes else [0] * len(node_ids)
    comps = _Components(len(node_ids))
    if limited_values is not None and len(limited_values):
        positions = index.get_indexer(_strings(limited_values["node_id"])).tolist()
        for i, kind, value in zip(positions, *(_strings(limited_values[c]) for c in ("id_type", "id_value"))):
            if kind in limits.per_type and i >= 0:
                comps.values.setdefault(i, {}).setdefault(kind, set()).add(value)

    if first_names is not None:
        named = first_names.dropna()
        positions = index.get_indexer(_strings(named.index.to_series())).tolist()
        for i, name in zip(positions, _strings(named)):
            if i >= 0:
                comps.names.setdefault(i, set()).add(name)

    # Strongest evidence first; ties broken by the link itself, because the order links arrive
    # in from SQL is not stable between runs and the explanation tree must be.
    ordered = (
        links.sort_values(
            ["tier", "confidence", "node_id", "linked_node_id", "rule"], ascending=[True, False, True, True, True], kind="stable"
        )
        if len(links) and not presorted
        else links
    )
    tree: dict[int, list[tuple[int, int]]] = {}
    accepted: list[tuple] = []
    over_limit_edges: set[int] = set()
    refused = []
    if len(ordered):
        a_ids, b_ids = _strings(ordered["node_id"]), _strings(ordered["linked_node_id"])
        if presorted:
            a_pos, b_pos = ordered["a_pos"].tolist(), ordered["b_pos"].tolist()
        else:
            a_pos, b_pos = index.get_indexer(a_ids).tolist(), index.get_indexer(b_ids).tolist()
        rows = zip(a_ids, b_ids, a_pos, b_pos,
                   _strings(ordered["rule"]), _strings(ordered["evidence"]), ordered["tier"].tolist(), ordered["confidence"].tolist())
    else:
        rows = iter(())
    values, find, per_type = comps.values, comps.find, list(limits.per_type.items())
    for a_id, b_id, a, b, rule, evidence, tier, confidence in rows:
        if a < 0 or b < 0 or a == b:
            continue
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        # only components that both hold limited values can cross a limit
        crossing = [kind for kind, limit in per_type if comps.crosses(ra, rb, kind, limit)] if ra in values and rb in values else []
        if crossing and rule not in limits.may_exceed:
            refused.append((a_id, b_id, rule, evidence, f"would give one customer more than {limits.per_type[crossing[0]]} {crossing[0]}"))
            continue
        if crossing and not comps.same_person_names(ra, rb):
            refused.append((a_id, b_id, rule, evidence, f"would join two {crossing[0]} of people with different first names"))
            continue
        comps.union(ra, rb)
        edge = len(accepted)
        accepted.append((a, b, rule, evidence, int(tier), float(confidence)))
        if crossing:
            over_limit_edges.add(edge)
        tree.setdefault(a, []).append((b, edge))
        tree.setdefault(b, []).append((a, edge))

    if explain:
        assignment = _explain_tree(node_ids, trust, comps, tree, accepted, over_limit_edges)
    else:
        assignment = pd.DataFrame({"node_id": node_ids, "cluster": _anchors(node_ids, trust, comps)})
    refused_frame = pd.DataFrame(refused, columns=["node_id", "linked_node_id", "rule", "evidence", "reason"])
    return Clustering(assignment, refused_frame)


def components(nodes: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Plain connected components (no limits), vectorised: node_id, cluster (the
    component's anchor: most trusted record, then smallest id).

    Min-label propagation with pointer jumping in numpy; the deterministic links are stars,
    so it settles in a few rounds even for millions of records."""
    import numpy as np

    node_ids = pd.Index(_strings(nodes["node_id"]))
    n = len(node_ids)
    a = node_ids.get_indexer(_strings(links["node_id"])) if len(links) else np.array([], dtype=np.int64)
    b = node_ids.get_indexer(_strings(links["linked_node_id"])) if len(links) else np.array([], dtype=np.int64)
    keep = (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    label = np.arange(n)
    while len(a):
        la, lb = label[a], label[b]
        if (la == lb).all():
            break
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:  # pointer jumping: every label points at its root
            jumped = label[label]
            if (jumped == label).all():
                break
            label = jumped
    trust = nodes["trust_rank"].to_numpy() if "trust_rank" in nodes else np.zeros(n)
    frame = pd.DataFrame({"node_id": node_ids, "label": label, "trust": trust})
    anchors = frame.sort_values(["label", "trust", "node_id"]).drop_duplicates("label").set_index("label")["node_id"]
    return pd.DataFrame({"node_id": node_ids, "cluster": anchors.reindex(label).to_numpy()})


def _strings(series: pd.Series) -> list:
    """Python objects of a column, fast for Arrow-backed text (None for missing)."""
    try:
        import pyarrow as pa

        return pa.array(series, from_pandas=True).to_pylist()
    except (TypeError, ValueError, ImportError):
        return series.tolist()


def _anchor_of(node_ids, trust, comps) -> tuple[list[int], dict[int, int]]:
    """Each node's root, and each root's anchor: its most trusted record, then smallest id."""
    roots = [comps.find(i) for i in range(len(node_ids))]
    anchor_of: dict[int, int] = {}
    for i, r in enumerate(roots):
        best = anchor_of.get(r)
        if best is None or (trust[i], node_ids[i]) < (trust[best], node_ids[best]):
            anchor_of[r] = i
    return roots, anchor_of


def _anchors(node_ids, trust, comps) -> list[str]:
    roots, anchor_of = _anchor_of(node_ids, trust, comps)
    return [node_ids[anchor_of[r]] for r in roots]


def _explain_tree(node_ids, trust, comps, tree, accepted, over_limit_edges) -> pd.DataFrame:
    """Walk each component from its anchor (most trusted record, then smallest id): each
    record's parent is the record it was reached from, its rule and evidence those of the
    link between them, its confidence that of the weakest link on the way."""
    n = len(node_ids)
    _, anchor_of = _anchor_of(node_ids, trust, comps)
    cluster = [-1] * n
    parent = [-1] * n
    via = [-1] * n  # the accepted edge that reached the record
    confidence = [1.0] * n
    edge_confidence = [edge[5] for edge in accepted]
    for anchor in anchor_of.values():
        cluster[anchor] = anchor
        queue = deque([anchor])
        while queue:
            here = queue.popleft()
            for there, edge in tree.get(here, ()):
                if cluster[there] >= 0:
                    continue
                cluster[there] = anchor
                parent[there] = here
                via[there] = edge
                # a chain is as sure as its weakest link
                confidence[there] = min(confidence[here], edge_confidence[edge])
                queue.append(there)
    rules = [edge[2] for edge in accepted] + [None]
    evidences = [edge[3] for edge in accepted] + [None]
    tiers = [edge[4] for edge in accepted] + [None]
    rule = [rules[e] if e >= 0 else (ANCHOR_RULE if i in tree else UNLINKED_RULE) for i, e in enumerate(via)]
    return pd.DataFrame(
        {
            "node_id": node_ids,
            "cluster": [node_ids[c] for c in cluster],
            "parent_node_id": [node_ids[p] if p >= 0 else None for p in parent],
            "rule": rule,
            "evidence": [evidences[e] for e in via],
            "tier": pd.array([tiers[e] for e in via], dtype="Int64"),
            "confidence": confidence,
            "over_limit": [e in over_limit_edges for e in via],
        }
    )
