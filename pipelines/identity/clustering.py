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
) -> Clustering:
    """Cluster ``nodes`` (node_id, trust_rank) over ``links`` (node_id, linked_node_id, rule,
    evidence, tier, confidence). ``limited_values`` (node_id, id_type, id_value) are the
    values the limits count; ``first_names`` (node_id -> comparison key) decide whether
    stronger evidence may cross a limit. Without ``explain`` the assignment has only
    node_id and cluster (faster: no walk from the anchors)."""
    limits = limits or Limits()
    node_ids = _strings(nodes["node_id"])
    index = {node: i for i, node in enumerate(node_ids)}
    trust = nodes["trust_rank"].tolist() if "trust_rank" in nodes else [0] * len(node_ids)
    comps = _Components(len(node_ids))
    if limited_values is not None and len(limited_values):
        for node, kind, value in zip(*(_strings(limited_values[c]) for c in ("node_id", "id_type", "id_value"))):
            if kind in limits.per_type and node in index:
                comps.values.setdefault(index[node], {}).setdefault(kind, set()).add(value)

    if first_names is not None:
        named = first_names.dropna()
        for node, name in zip(_strings(named.index.to_series()), _strings(named)):
            if node in index:
                comps.names.setdefault(index[node], set()).add(name)

    # Strongest evidence first; ties broken by the link itself, because the order links arrive
    # in from SQL is not stable between runs and the explanation tree must be.
    ordered = (
        links.sort_values(
            ["tier", "confidence", "node_id", "linked_node_id", "rule"], ascending=[True, False, True, True, True], kind="stable"
        )
        if len(links)
        else links
    )
    tree: dict[int, list[tuple[int, int]]] = {}
    accepted: list[tuple] = []
    over_limit_edges: set[int] = set()
    refused = []
    columns = ["node_id", "linked_node_id", "rule", "evidence", "tier", "confidence"]
    rows = zip(*(_strings(ordered[c]) if c in ("node_id", "linked_node_id", "rule", "evidence") else ordered[c].tolist()
                 for c in columns)) if len(ordered) else iter(())
    values, find, per_type = comps.values, comps.find, list(limits.per_type.items())
    for a_id, b_id, rule, evidence, tier, confidence in rows:
        a, b = index.get(a_id), index.get(b_id)
        if a is None or b is None or a == b:
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
    """Walk each component from its anchor (most trusted record, then smallest id)."""
    n = len(node_ids)
    _, anchor_of = _anchor_of(node_ids, trust, comps)
    cluster = [None] * n
    parent = [None] * n
    rule = [UNLINKED_RULE] * n
    evidence = [None] * n
    tier = [None] * n
    confidence = [1.0] * n
    over = [False] * n
    for anchor in anchor_of.values():
        anchor_id = node_ids[anchor]
        cluster[anchor] = anchor_id
        if anchor not in tree:
            continue
        rule[anchor] = ANCHOR_RULE
        queue = deque([anchor])
        seen = {anchor}
        while queue:
            here = queue.popleft()
            for there, edge in tree.get(here, ()):
                if there in seen:
                    continue
                seen.add(there)
                _, _, edge_rule, edge_evidence, edge_tier, edge_confidence = accepted[edge]
                cluster[there] = anchor_id
                parent[there] = node_ids[here]
                rule[there] = edge_rule
                evidence[there] = edge_evidence
                tier[there] = edge_tier
                # a chain is as sure as its weakest link
                confidence[there] = min(confidence[here], edge_confidence)
                over[there] = edge in over_limit_edges
                queue.append(there)
    return pd.DataFrame(
        {
            "node_id": node_ids,
            "cluster": cluster,
            "parent_node_id": parent,
            "rule": rule,
            "evidence": evidence,
            "tier": pd.array(tier, dtype="Int64"),
            "confidence": confidence,
            "over_limit": over,
        }
    )
