"""The Python steps of identity resolution, on one DuckDB connection.

The SQL models in ``sql/identity/`` produce person records, identifiers, their usage
(blocked, shared, linking) and the deterministic links. These functions add what SQL
cannot do well: Splink's probabilistic links, clustering with limits, stable ids.
Each reads and writes ``identity.*`` tables, so the Dagster assets and ``cxp dedupe``
drive exactly the same code.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.identity.clustering import Forest, Limits, anchors_by_label, distinct, merge_labels, resolve_forest
from pipelines.identity.probabilistic import predict_pairs
from pipelines.identity.stable_ids import ids_from_overlap

log = logging.getLogger(__name__)

PROBABILISTIC_TIER = 5
SOCIAL_NAME_TIER = 6
LINK_COLUMNS = ["node_id", "linked_node_id", "rule", "id_type", "evidence", "tier", "confidence"]


@dataclass
class StepReport:
    rows: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute("select 1 from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]).fetchall()
    )


def limits_from_config(identity_config) -> Limits:
    return Limits(
        per_type={
            "shop_customer_id": identity_config.max_shop_accounts_per_customer,
            "app_account": identity_config.max_app_accounts_per_customer,
        }
    )


def _positions(con) -> int:
    """_positions: every person record's position (in node id order, so a smaller position
    is a smaller id), trust and first-name key. Returns the number of records."""
    con.execute(
        """create or replace temp table _positions as
           select node_id, trust_rank, first_name_key, cast(row_number() over (order by node_id) - 1 as bigint) as position
           from identity.person_records"""
    )
    return con.execute("select count(*) from _positions").fetchall()[0][0]


def _cluster(con, links_sql: str, limits: Limits) -> Forest:
    """Cluster over the links ``links_sql`` selects, by position. The links are ranked
    strongest first in SQL (ties broken by the link itself, so reruns explain alike; positions
    follow node ids, and integers sort faster) into
    _ranked_links; only numbers cross into Python, and text is fetched for the few links
    the limits have to look at."""
    n = _positions(con)
    con.execute(
        f"""create or replace temp table _links as
            select l.*, a.position as a_pos, b.position as b_pos
            from ({links_sql}) l
            join _positions a on a.node_id = l.node_id
            join _positions b on b.node_id = l.linked_node_id"""
    )
    # The window sorts only the ranking keys and each link's rowid; the links take their
    # rank back by rowid. A window over the whole rows carries node ids and evidence
    # through the sort: 7.8M links at 1,000,000 customers ranked in 20.7/21.2 s that way,
    # in 12.6/13.7 s in these three steps, into an equal table (_cluster as a whole, old and
    # new alternating: 39.0/39.2 s -> 33.3/35.1 s).
    con.execute(
        """create or replace temp table _link_ranks as
           select rowid as link,
                  cast(row_number() over (order by tier, confidence desc, a_pos, b_pos, rule, evidence) - 1 as bigint) as row
           from _links"""
    )
    con.execute("create or replace temp table _ranked_links as select r.row, l.* from _links l join _link_ranks r on r.link = l.rowid")
    con.execute("drop table _links")
    con.execute("drop table _link_ranks")
    links = con.execute("select a_pos, b_pos, confidence from _ranked_links order by row").fetchnumpy()
    trust = con.execute("select trust_rank from _positions order by position").fetchnumpy()["trust_rank"]
    held = con.execute(
        """select p.position, i.id_type, i.id_value
           from identity.identifiers i
           join identity.identifier_usage u using (id_type, id_value)
           join _positions p using (node_id)
           where i.id_type in (select unnest(?)) and u.status in ('linking', 'single') and not i.quoted""",
        [list(limits.per_type)],
    ).fetchnumpy()
    named = con.execute("select position, first_name_key from _positions where first_name_key is not null").fetchnumpy()

    def rules_of(rows: np.ndarray) -> list[str]:
        con.register("_rows", pa.table({"row": np.asarray(rows, dtype=np.int64), "k": np.arange(len(rows))}))
        try:
            return [r[0] for r in con.execute("select l.rule from _rows join _ranked_links l using (row) order by _rows.k").fetchall()]
        finally:
            con.unregister("_rows")

    return resolve_forest(
        n,
        np.asarray(links["a_pos"], dtype=np.int64),
        np.asarray(links["b_pos"], dtype=np.int64),
        np.asarray(links["confidence"], dtype=float),
        np.asarray(trust),
        np.arange(n),  # positions are in node id order
        (np.asarray(held["position"], dtype=np.int64), list(held["id_type"]), list(held["id_value"])),
        limits,
        (np.asarray(named["position"], dtype=np.int64), list(named["first_name_key"])),
        rules_of,
    )


def _pre_clusters(con) -> int:
    """_pre_clusters (node_id, cluster): plain components of the deterministic links (no
    limits: they are applied once, when all links are clustered in
    identity.node_assignment), each named after its anchor. Returns how many."""
    n = _positions(con)
    links = con.execute(
        """select a.position as a_pos, b.position as b_pos
           from identity.deterministic_links l
           join _positions a on a.node_id = l.node_id
           join _positions b on b.node_id = l.linked_node_id"""
    ).fetchnumpy()
    label = merge_labels(np.arange(n), np.asarray(links["a_pos"], dtype=np.int64), np.asarray(links["b_pos"], dtype=np.int64))
    trust = np.asarray(con.execute("select trust_rank from _positions order by position").fetchnumpy()["trust_rank"])
    anchor = anchors_by_label(label, trust, np.arange(n))
    con.register("_pre_positions", pa.table({"position": np.arange(n, dtype=np.int64), "anchor": anchor}))
    try:
        con.execute(
            """create or replace temp table _pre_clusters as
               select p.node_id, a.node_id as cluster
               from _pre_positions f join _positions p on p.position = f.position join _positions a on a.position = f.anchor"""
        )
    finally:
        con.unregister("_pre_positions")
    return int(np.count_nonzero(label == np.arange(n)))  # one record per component is its own label


def _profiles(con, limits: Limits) -> pd.DataFrame:
    """One profile per deterministic cluster that has a name: each attribute from its
    most trusted, most recent record. ``wanted_<type>``: the cluster holds fewer values of
    that limited type than the limit (two clusters that both hold their limit's worth
    could never be joined by a probabilistic link)."""
    wanted = ", ".join(
        f"coalesce(max(case when id_type = '{kind}' then n end), 0) < {int(limit)} as \"wanted_{kind}\""
        for kind, limit in limits.per_type.items()
    ) or "true as wanted_any"
    return con.execute(
            f"""
            with usable as (
                -- blocked and shared contact details say nothing about who someone is
                select id_type, id_value from identity.identifier_usage where status in ('linking', 'single')
            ),
            named as (
                -- only clusters with a surname become profiles (most app keys belong to none)
                select distinct c.cluster
                from _pre_clusters c join identity.person_records p using (node_id)
                where p.last_name_key is not null
            ),
            members as (
                select
                    c.cluster,
                    p.* replace (
                        case when p.email_key in (select id_value from usable where id_type = 'email') then p.email_key end as email_key,
                        case when p.phone in (select id_value from usable where id_type = 'phone') then p.phone end as phone
                    )
                from _pre_clusters c
                semi join named n on n.cluster = c.cluster
                join identity.person_records p using (node_id)
            ),
            limited as (
                select c.cluster, i.id_type, count(distinct i.id_value) as n
                from _pre_clusters c
                join identity.identifiers i using (node_id)
                join usable u using (id_type, id_value)
                where i.id_type in (select unnest(?)) and not i.quoted
                group by all
            ),
            flags as (select cluster, {wanted} from limited group by cluster),
            best as (
                select
                    cluster,
                    first_value(first_name_key ignore nulls) over w as first_name,
                    first_value(last_name_key ignore nulls) over w as last_name,
                    first_value(email_key ignore nulls) over w as email,
                    first_value(phone ignore nulls) over w as phone,
                    first_value(address ignore nulls) over w as address,
                    first_value(postcode ignore nulls) over w as postcode,
                    first_value(city ignore nulls) over w as city
                from members
                window w as (partition by cluster order by trust_rank, seen_last_at desc nulls last, node_id
                             rows between unbounded preceding and unbounded following)
            )
            select distinct b.cluster as unique_id, first_name, last_name, email, phone, address, postcode, city,
                   {", ".join(f'coalesce(f."wanted_{kind}", true) as "wanted_{kind}"' for kind in limits.per_type) or "true as wanted_any"}
            from best b left join flags f using (cluster)
            where last_name is not null
            order by unique_id
            """,
            [list(limits.per_type)],
        ).df()


def _social_name_links(con) -> pd.DataFrame:
    """Social authors (clusters of tweets or comments only, whose one clue is the name they
    show) joined to the one customer with that full name. A name two customers share, an
    initial for a surname, or a name only one word long joins nothing: a namesake is as
    likely as not."""
    return con.execute(
            f"""
            with members as (
                select c.cluster, p.source, p.first_name_key, p.last_name_key
                from _pre_clusters c join identity.person_records p using (node_id)
            ),
            kinds as (
                select cluster, bool_and(source in ('twitter', 'facebook')) as social_only
                from members group by cluster
            ),
            names as (
                select distinct m.cluster, k.social_only, m.first_name_key || ' ' || m.last_name_key as name_key
                from members m join kinds k using (cluster)
                where m.first_name_key is not null and length(m.last_name_key) >= 2
            ),
            unique_names as (
                select name_key, any_value(cluster) as target
                from names where not social_only
                group by name_key having count(distinct cluster) = 1
            )
            select s.cluster as node_id, u.target as linked_node_id, 'social_name' as rule, 'profile' as id_type,
                   'name ' || s.name_key || ' (one customer has it)' as evidence, {SOCIAL_NAME_TIER} as tier, 0.8 as confidence
            from names s join unique_names u using (name_key)
            where s.social_only
            -- one name per author, or the author is ambiguous
            qualify count(*) over (partition by s.cluster) = 1
            order by node_id
            """
        ).df()


def build_probabilistic_links(con: duckdb.DuckDBPyConnection, identity_config) -> StepReport:
    """identity.probabilistic_links: Splink on the profiles of the deterministic clusters.

    Records already joined by a shared identifier are one profile here, so Splink only
    looks for links the identifiers could not make (a typo in an email, a guest order
    under another address), and the link joins the two clusters' anchor records."""
    started = time.perf_counter()
    limits = limits_from_config(identity_config)
    n_clusters = _pre_clusters(con)
    profiles = _profiles(con, limits)
    wanted = profiles[[c for c in profiles.columns if c.startswith("wanted_")]]
    profiles = profiles.drop(columns=wanted.columns)
    notes = [f"{len(profiles):,} named profiles from {n_clusters:,} deterministic clusters, "
             f"{int(wanted.all(axis=1).sum()):,} of them free to take a link under the limits"]
    links = pd.DataFrame(columns=LINK_COLUMNS)
    if len(profiles) >= 2:
        result = predict_pairs(
            profiles, threshold=identity_config.match_probability_threshold, require_first_name_agreement=True,
            pairs_per_record=5,  # profiles already hold every shared identifier: only near-duplicates are left to find
            # two clusters at their limits could never join: not worth scoring
            wanted=None if "probabilistic" in limits.may_exceed else wanted,
        )
        notes += result.notes
        pairs = result.pairs
        links = pd.DataFrame(
            {
                "node_id": pairs["unique_id_l"].astype(str),
                "linked_node_id": pairs["unique_id_r"].astype(str),
                "rule": "probabilistic",
                "id_type": "profile",
                "evidence": pairs["agreeing"].fillna("") + " (p=" + pairs["match_probability"].round(4).astype(str) + ")",
                "tier": PROBABILISTIC_TIER,
                "confidence": pairs["match_probability"].astype(float),
            },
            columns=LINK_COLUMNS,
        )
    social = _social_name_links(con)
    con.execute("drop table if exists _pre_clusters")
    con.execute("drop table if exists _positions")
    notes.append(f"{len(social):,} social authors joined by a full name only one customer has")
    links = pd.concat([links, social], ignore_index=True) if len(social) else links
    con.register("_probabilistic_links", links)
    con.execute(
        """create or replace table identity.probabilistic_links as
           select cast(node_id as varchar) as node_id, cast(linked_node_id as varchar) as linked_node_id,
                  cast(rule as varchar) as rule, cast(id_type as varchar) as id_type, cast(evidence as varchar) as evidence,
                  cast(tier as integer) as tier, cast(confidence as double) as confidence
           from _probabilistic_links"""
    )
    con.unregister("_probabilistic_links")
    return StepReport(len(links), time.perf_counter() - started, notes)


def build_node_assignment(con: duckdb.DuckDBPyConnection, identity_config) -> StepReport:
    """identity.node_assignment (one row per person record: its customer and why) and
    identity.refused_links (links the limits refused), carrying customer ids forward
    from the previous run's assignment."""
    started = time.perf_counter()
    limits = limits_from_config(identity_config)
    forest = _cluster(
        con,
        f"""select {', '.join(LINK_COLUMNS)} from identity.deterministic_links
            union all select {', '.join(LINK_COLUMNS)} from identity.probabilistic_links""",
        limits,
    )
    n = len(forest.anchor)
    con.register("_refused_rows", pa.table({"row": np.asarray(forest.refused_rows, dtype=np.int64),
                                            "reason": pa.array(forest.refused_reasons, type=pa.string())}))
    # The assignment is put together by position in Arrow: joining millions of node ids in
    # DuckDB ran out of its memory limit at 1,000,000 customers.
    node_ids = con.sql("select node_id from _positions order by position").to_arrow_table()["node_id"].combine_chunks()
    anchors = node_ids.take(pa.array(forest.anchor, pa.int64()))
    try:
        con.register("_clusters", pa.table({"node_id": node_ids, "cluster": anchors}))
        keys = pc.unique(anchors).to_pylist()
        has_previous = _table_exists(con, "identity.node_assignment")
        counts = None
        if has_previous:
            con.execute("create or replace temp table _previous_ids as select distinct customer_id from identity.node_assignment")
            # overlap with the previous run, counted in SQL (a join on a million ids is slow in pandas)
            counts = con.execute(
                """select c.cluster, p.customer_id, count(*) as shared, bool_or(c.node_id = c.cluster) as holds_anchor
                   from _clusters c join identity.node_assignment p using (node_id)
                   group by all"""
            ).df()
        ids = ids_from_overlap(keys, counts)
        cluster_keys = pa.array(ids.index.astype(str).tolist(), pa.string())
        customer_ids = pa.array(ids.astype(str).tolist(), pa.string()).take(pc.index_in(anchors, value_set=cluster_keys))
        con.register("_assignment", _assignment_table(con, forest, node_ids, anchors, customer_ids))
        con.execute("create or replace table identity.node_assignment as select * from _assignment")
        con.execute(
            """create or replace table identity.refused_links as
               select cast(l.node_id as varchar) as node_id, cast(l.linked_node_id as varchar) as linked_node_id,
                      cast(l.rule as varchar) as rule, cast(l.evidence as varchar) as evidence, cast(r.reason as varchar) as reason
               from _refused_rows r join _ranked_links l using (row)
               order by r.row"""
        )
        n_customers = len(ids)
        carried = 0
        if has_previous:
            carried = con.execute(
                "select count(*) from identity.node_assignment a semi join _previous_ids p on p.customer_id = a.customer_id"
            ).fetchall()[0][0]
    finally:
        for name in ("_refused_rows", "_clusters", "_assignment"):
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 (not registered in this run)
                pass
        for table in ("_ranked_links", "_positions", "_previous_ids"):
            con.execute(f"drop table if exists {table}")
    notes = [
        f"{n:,} person records -> {n_customers:,} customers",
        f"{len(forest.refused_rows):,} links refused by limits",
        f"{carried:,} records kept a customer id from the previous run",
    ]
    return StepReport(n, time.perf_counter() - started, notes)


def _assignment_table(con, forest: Forest, node_ids: pa.Array, anchors: pa.Array, customer_ids: pa.Array) -> pa.Table:
    """identity.node_assignment's rows in position order: each record, its customer, the
    tree edge that joined it (the link's rule, evidence and tier) and its chain's confidence."""
    parent = np.asarray(forest.parent, dtype=np.int64)
    link = np.asarray(forest.link, dtype=np.int64)
    linked = link >= 0
    # Rule, evidence and tier of the links in the forest only, fetched in row order and
    # found by binary search (no join of millions of rows).
    con.register("_tree_links", pa.table({"row": distinct(link[linked])}))
    try:
        used = con.sql(
            "select l.row, l.rule, l.evidence, l.tier from _ranked_links l semi join _tree_links t using (row) order by l.row"
        ).to_arrow_table()
    finally:
        con.unregister("_tree_links")
    where = np.searchsorted(used["row"].to_numpy(), np.where(linked, link, 0))
    edge = pa.array(where, pa.int64(), mask=~linked)
    rule = pc.if_else(
        pa.array(linked), used["rule"].take(edge).cast(pa.string()),
        pc.if_else(pa.array(np.asarray(forest.in_tree, dtype=bool)), "anchor", "unlinked"),
    )
    return pa.table({
        "node_id": node_ids.cast(pa.string()),
        "customer_id": customer_ids,
        "anchor_node_id": anchors.cast(pa.string()),
        "parent_node_id": node_ids.take(pa.array(np.where(parent >= 0, parent, 0), pa.int64(), mask=parent < 0)).cast(pa.string()),
        "rule": rule,
        "evidence": used["evidence"].take(edge).cast(pa.string()),
        "tier": used["tier"].take(edge).cast(pa.int32()),
        "confidence": pa.array(np.asarray(forest.chain_confidence, dtype=np.float64)),
        "over_limit": pa.array(np.asarray(forest.over_limit, dtype=bool)),
    })
