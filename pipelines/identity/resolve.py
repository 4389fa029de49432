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
import pandas as pd

from pipelines.identity.clustering import Limits, cluster, components
from pipelines.identity.probabilistic import predict_pairs
from pipelines.identity.stable_ids import assign_customer_ids

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


def _limited_values(con, limits: Limits) -> pd.DataFrame:
    types = list(limits.per_type)
    return con.execute(
        """select i.node_id, i.id_type, i.id_value
           from identity.identifiers i
           join identity.identifier_usage u using (id_type, id_value)
           where i.id_type in (select unnest(?)) and u.status in ('linking', 'single') and not i.quoted""",
        [types],
    ).df()


def _nodes(con) -> pd.DataFrame:
    return con.execute("select node_id, trust_rank, first_name_key from identity.person_records order by node_id").df()


def _cluster(con, links_sql: str, limits: Limits):
    """Cluster over the links ``links_sql`` selects, sorted strongest first (ties broken by
    the link itself, so reruns explain alike) and joined to the nodes' positions, in SQL."""
    nodes = _nodes(con)
    names = nodes.set_index("node_id")["first_name_key"]
    links = con.execute(
        f"""with positions as (select node_id, row_number() over (order by node_id) - 1 as position from identity.person_records)
            select l.*, a.position as a_pos, b.position as b_pos
            from ({links_sql}) l
            join positions a on a.node_id = l.node_id
            join positions b on b.node_id = l.linked_node_id
            order by l.tier, l.confidence desc, l.node_id, l.linked_node_id, l.rule"""
    ).df()
    return cluster(nodes, links, _limited_values(con, limits), limits, first_names=names, presorted=True)


def _profiles(con, pre: pd.DataFrame) -> pd.DataFrame:
    """One profile per deterministic cluster that has a name: each attribute from its
    most trusted, most recent record."""
    con.register("_pre_clusters", pre[["node_id", "cluster"]])
    try:
        return con.execute(
            """
            with usable as (
                -- blocked and shared contact details say nothing about who someone is
                select id_type, id_value from identity.identifier_usage where status in ('linking', 'single')
            ),
            members as (
                select
                    c.cluster,
                    p.* replace (
                        case when p.email_key in (select id_value from usable where id_type = 'email') then p.email_key end as email_key,
                        case when p.phone in (select id_value from usable where id_type = 'phone') then p.phone end as phone
                    )
                from _pre_clusters c join identity.person_records p using (node_id)
            ),
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
            select distinct cluster as unique_id, first_name, last_name, email, phone, address, postcode, city
            from best
            where last_name is not null
            """
        ).df()
    finally:
        con.unregister("_pre_clusters")


def _social_name_links(con, pre: pd.DataFrame) -> pd.DataFrame:
    """Social authors (clusters of tweets or comments only, whose one clue is the name they
    show) joined to the one customer with that full name. A name two customers share, an
    initial for a surname, or a name only one word long joins nothing: a namesake is as
    likely as not."""
    con.register("_pre_clusters", pre[["node_id", "cluster"]])
    try:
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
            """
        ).df()
    finally:
        con.unregister("_pre_clusters")


def build_probabilistic_links(con: duckdb.DuckDBPyConnection, identity_config) -> StepReport:
    """identity.probabilistic_links: Splink on the profiles of the deterministic clusters.

    Records already joined by a shared identifier are one profile here, so Splink only
    looks for links the identifiers could not make (a typo in an email, a guest order
    under another address), and the link joins the two clusters' anchor records."""
    started = time.perf_counter()
    deterministic = con.execute(f"select {', '.join(LINK_COLUMNS)} from identity.deterministic_links").df()
    # Plain components are enough to group records into profiles (the limits are applied
    # once, when all links are clustered in identity.node_assignment).
    pre = components(_nodes(con), deterministic)
    profiles = _profiles(con, pre)
    notes = [f"{len(profiles):,} named profiles from {pre['cluster'].nunique():,} deterministic clusters"]
    links = pd.DataFrame(columns=LINK_COLUMNS)
    if len(profiles) >= 2:
        result = predict_pairs(
            profiles, threshold=identity_config.match_probability_threshold, require_first_name_agreement=True,
            pairs_per_record=5,  # profiles already hold every shared identifier: only near-duplicates are left to find
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
    social = _social_name_links(con, pre)
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
    result = _cluster(
        con,
        f"""select {', '.join(LINK_COLUMNS)} from identity.deterministic_links
            union all select {', '.join(LINK_COLUMNS)} from identity.probabilistic_links""",
        limits,
    )
    assignment = result.assignment
    previous = None
    if _table_exists(con, "identity.node_assignment"):
        previous = con.execute("select node_id, customer_id from identity.node_assignment").df()
    ids = assign_customer_ids(assignment[["node_id", "cluster"]], previous)
    assignment["customer_id"] = assignment["cluster"].map(ids)
    carried = 0 if previous is None else int(assignment["customer_id"].isin(set(previous["customer_id"])).sum())
    con.register("_assignment", assignment)
    con.register("_refused", result.refused)
    con.execute(
        """create or replace table identity.node_assignment as
           select cast(a.node_id as varchar) as node_id, cast(a.customer_id as varchar) as customer_id,
                  cast(a.cluster as varchar) as anchor_node_id, cast(a.parent_node_id as varchar) as parent_node_id,
                  cast(a.rule as varchar) as rule, cast(a.evidence as varchar) as evidence,
                  cast(a.tier as integer) as tier, cast(a.confidence as double) as confidence,
                  cast(a.over_limit as boolean) as over_limit
           from _assignment a"""
    )
    con.execute(
        """create or replace table identity.refused_links as
           select cast(node_id as varchar) as node_id, cast(linked_node_id as varchar) as linked_node_id,
                  cast(rule as varchar) as rule, cast(evidence as varchar) as evidence, cast(reason as varchar) as reason
           from _refused"""
    )
    con.unregister("_assignment")
    con.unregister("_refused")
    n_customers = assignment["customer_id"].nunique()
    notes = [
        f"{len(assignment):,} person records -> {n_customers:,} customers",
        f"{len(result.refused):,} links refused by limits",
        f"{carried:,} records kept a customer id from the previous run",
    ]
    return StepReport(len(assignment), time.perf_counter() - started, notes)
