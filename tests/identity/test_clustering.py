"""Clustering with limits and stable customer ids, on their own."""
from __future__ import annotations

import pandas as pd

from pipelines.identity.clustering import Limits, cluster
from pipelines.identity.stable_ids import assign_customer_ids, fresh_id


def links(*rows):
    return pd.DataFrame(rows, columns=["node_id", "linked_node_id", "rule", "evidence", "tier", "confidence"])


def nodes(*ids, trust=None):
    return pd.DataFrame({"node_id": list(ids), "trust_rank": trust or [1] * len(ids)})


def groups(result) -> set[frozenset]:
    return {frozenset(g) for g in result.assignment.groupby("cluster")["node_id"].apply(list)}


def test_components_follow_links_and_the_anchor_is_the_most_trusted_record():
    result = cluster(nodes("a", "b", "c", "d", trust=[3, 1, 2, 1]), links(("a", "b", "email", "x", 1, 0.99), ("c", "a", "phone", "p", 2, 0.97)))
    assert groups(result) == {frozenset("abc"), frozenset("d")}
    by_node = result.assignment.set_index("node_id")
    assert by_node.loc["a", "cluster"] == "b"
    assert by_node.loc["b", "rule"] == "anchor" and by_node.loc["d", "rule"] == "unlinked"
    # c is explained through a: phone to a, a by email to b; confidence of the weakest link
    assert by_node.loc["c", "parent_node_id"] == "a" and by_node.loc["c", "rule"] == "phone"
    assert by_node.loc["c", "confidence"] == 0.97


def test_limit_splits_on_the_weakest_link():
    # two shop accounts joined by a chain: the strong links hold, the weakest is refused
    limited = pd.DataFrame({"node_id": ["s1", "s2"], "id_type": "shop_customer_id", "id_value": ["1", "2"]})
    result = cluster(
        nodes("s1", "s2", "o1", "o2"),
        links(("o1", "s1", "email", "e1", 1, 0.99), ("o2", "s2", "email", "e2", 1, 0.99), ("o1", "o2", "probabilistic", "name", 5, 0.97)),
        limited,
        Limits(),
    )
    assert groups(result) == {frozenset({"s1", "o1"}), frozenset({"s2", "o2"})}
    assert result.refused[["node_id", "linked_node_id", "rule"]].values.tolist() == [["o1", "o2", "probabilistic"]]


def test_stronger_evidence_may_cross_a_limit():
    limited = pd.DataFrame({"node_id": ["s1", "s2"], "id_type": "shop_customer_id", "id_value": ["1", "2"]})
    result = cluster(nodes("s1", "s2"), links(("s1", "s2", "email", "e", 1, 0.99)), limited, Limits())
    assert groups(result) == {frozenset({"s1", "s2"})}
    assert result.assignment["over_limit"].sum() == 1
    refused = cluster(nodes("s1", "s2"), links(("s1", "s2", "phone", "p", 2, 0.97)), limited, Limits())
    assert groups(refused) == {frozenset({"s1"}), frozenset({"s2"})}


def test_customer_ids_carry_forward_by_majority_overlap():
    first = pd.DataFrame({"node_id": list("abcde"), "cluster": ["a", "a", "a", "d", "d"]})
    ids = assign_customer_ids(first, None)
    assert ids["a"] == fresh_id("a") and ids["d"] == fresh_id("d")
    previous = pd.DataFrame({"node_id": first["node_id"], "customer_id": first["cluster"].map(ids)})

    # same clusters, new record f joins the first, new record g is new: ids kept, g fresh
    grown = pd.DataFrame({"node_id": list("abcdefg"), "cluster": ["a", "a", "a", "d", "d", "a", "g"]})
    again = assign_customer_ids(grown, previous)
    assert again["a"] == ids["a"] and again["d"] == ids["d"] and again["g"] == fresh_id("g")

    # the two merge: the larger part's id survives
    merged = assign_customer_ids(pd.DataFrame({"node_id": list("abcde"), "cluster": ["a"] * 5}), previous)
    assert merged["a"] == ids["a"]

    # the first splits 2/1: the larger part keeps the id, the other gets a new one
    split = assign_customer_ids(pd.DataFrame({"node_id": list("abcde"), "cluster": ["b", "b", "c", "d", "d"]}), previous)
    assert split["b"] == ids["a"] and split["c"] not in (ids["a"], ids["d"]) and split["d"] == ids["d"]


def test_a_new_id_never_collides_with_a_kept_one():
    previous = pd.DataFrame({"node_id": ["x"], "customer_id": [fresh_id("a")]})
    ids = assign_customer_ids(pd.DataFrame({"node_id": ["x", "a"], "cluster": ["x", "a"]}), previous)
    assert ids["x"] == fresh_id("a") and ids["a"] == fresh_id("a", 1)
