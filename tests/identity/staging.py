"""Small hand-made staging tables (the columns of sql/staging/README.md) and a helper that
runs identity resolution on them: the SQL models in sql/identity and sql/core plus the
Python steps, exactly as the pipeline does, on an in-memory DuckDB."""
from __future__ import annotations

import duckdb
import pandas as pd

from models.config import CxpConfig
from pipelines.identity.identifiers import write_blocked_identifiers
from pipelines.identity.resolve import build_node_assignment, build_probabilistic_links
from pipelines.sql_functions import register_functions
from pipelines.sql_models import discover

T, N, D, I, B = "timestamp", "double", "decimal(18,2)", "integer", "boolean"

STAGING: dict[str, dict[str, str]] = {
    "stg_shopify__customers": dict.fromkeys(
        "customer_id first_name last_name email email_raw phone phone_raw address_phone address_phone_raw company address1 "
        "address2 city province_code country_code zip note tags".split(), "varchar")
    | {"accepts_email_marketing": B, "accepts_sms_marketing": B, "total_spent": D, "total_orders": I, "tax_exempt": B},
    "stg_shopify__orders": dict.fromkeys(
        "order_id order_name order_number email email_raw phone phone_raw billing_phone billing_phone_raw shipping_phone "
        "shipping_phone_raw billing_name shipping_name billing_address1 billing_city billing_zip billing_province billing_country "
        "shipping_address1 shipping_city shipping_zip shipping_province shipping_country financial_status fulfillment_status "
        "currency source_name channel location tags notes".split(), "varchar")
    | {c: D for c in "subtotal shipping taxes total discount_amount refunded_amount".split()}
    | {"line_items": I, "quantity": I, "created_at": T, "paid_at": T, "fulfilled_at": T, "cancelled_at": T},
    "stg_amplitude__events": dict.fromkeys(
        "insert_id event_type user_id device_id amplitude_id adid idfa idfv email email_raw session_id platform os_name country "
        "city order_ref event_properties user_properties".split(), "varchar") | {"event_at": T, "revenue": N},
    "stg_mixpanel__events": dict.fromkeys(
        "insert_id event_name distinct_id device_id user_id email email_raw os city country_code order_ref properties".split(), "varchar")
    | {"event_at": T, "revenue": N},
    "stg_google_play__reviews": dict.fromkeys(
        "review_id package_name app_version_code app_version_name language device review_title review_text developer_reply_text "
        "review_link".split(), "varchar") | {"review_id_is_hash": B, "star_rating": I, "submitted_at": T, "last_updated_at": T, "developer_replied_at": T},
    "stg_twitter__tweets": dict.fromkeys(
        "tweet_id author_id author_username author_name text lang conversation_id in_reply_to_user_id".split(), "varchar")
    | {"like_count": I, "retweet_count": I, "reply_count": I, "created_at": T},
    "stg_facebook__comments": dict.fromkeys("comment_id parent_comment_id author_id author_name message".split(), "varchar")
    | {"comment_id_is_hash": B, "like_count": I, "reply_count": I, "created_at": T},
    "stg_zendesk__tickets": dict.fromkeys(
        "ticket_id requester_id submitter_id assignee_id organization_id via_channel channel via_from_address via_from_phone "
        "via_from_name via_from_username external_id subject description status priority ticket_type tags custom_fields satisfaction_score "
        "satisfaction_comment".split(), "varchar")
    | {"created_at": T, "updated_at": T, "generated_at": T},
    "stg_zendesk__users": dict.fromkeys("user_id name email email_raw phone phone_raw external_id role time_zone".split(), "varchar")
    | {"created_at": T, "updated_at": T},
    "stg_amazon_connect__contacts": dict.fromkeys(
        "contact_id initial_contact_id previous_contact_id next_contact_id channel initiation_method customer_endpoint_type phone "
        "phone_raw email email_raw queue_name agent_username disconnect_reason attributes order_ref customer_ref".split(), "varchar")
    | {c: N for c in "queue_seconds talk_seconds hold_seconds after_contact_work_seconds".split()}
    | {"is_abandoned": B, "connected_to_agent_at": T, "initiated_at": T, "disconnected_at": T, "last_updated_at": T},
    "stg_delighted__responses": dict.fromkeys(
        "response_id person_id person_name email email_raw phone phone_raw survey_type comment customer_ref order_ref tags "
        "person_properties".split(), "varchar") | {"score": I, "created_at": T, "updated_at": T},
    "stg_qualtrics__responses": dict.fromkeys(
        "response_id first_name last_name email email_raw external_reference distribution_channel language status comment "
        "answers".split(), "varchar")
    | {"progress": I, "finished": B, "duration_seconds": I, "nps_score": I, "csat_score": I, "ces_score": I,
       "started_at": T, "ended_at": T, "recorded_at": T},
}


def connect(config: CxpConfig | None = None, path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    for schema in ("staging", "identity", "core"):
        con.execute(f"create schema {schema}")
    register_functions(con, config or CxpConfig())
    for table, columns in STAGING.items():
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        con.execute(f"create table staging.{table} ({cols}, _source_file varchar, _source_row bigint)")
    return con


def load(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Append rows to a staging table: emails and phones are cleaned as staging does
    (``email`` = cxp_email, ``phone`` = cxp_phone) when only the raw value is given."""
    columns = STAGING[table]
    unknown = {k for row in rows for k in row} - set(columns)
    assert not unknown, f"{table} has no columns {unknown}"
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=list(columns)).astype(object)
    con.register("_rows", frame)
    select = []
    for column, kind in columns.items():
        value = f"cast(_rows.{column} as {kind})"
        if f"{column}_raw" in columns and column.endswith("email"):
            value = f"coalesce({value}, cxp_email(cast(_rows.{column}_raw as varchar)))"
        elif f"{column}_raw" in columns and column.endswith("phone"):
            value = f"coalesce({value}, cxp_phone(cast(_rows.{column}_raw as varchar), null))"
        select.append(value)
    con.execute(f"insert into staging.{table} select {', '.join(select)}, 'test', row_number() over () from _rows")
    con.unregister("_rows")


def resolve(con: duckdb.DuckDBPyConnection, config: CxpConfig | None = None) -> None:
    """Every identity and core model, in dependency order, and the Python steps between."""
    config = config or CxpConfig()
    models = {m.table: m for m in discover(("identity", "core"))}
    write_blocked_identifiers(con, config.identity.blocked_identifiers, config.default_phone_region)
    for name in ("identity.name_variants", "identity.email_providers", "identity.person_records", "identity.identifiers",
                 "identity.identifier_usage", "identity.deterministic_links"):
        models[name].build(con)
    build_probabilistic_links(con, config.identity)
    build_node_assignment(con, config.identity)
    for name in ("core.identity_map", "core.customers"):
        models[name].build(con)


def customer_of(con: duckdb.DuckDBPyConnection, source: str, entity: str, record_id: str) -> str:
    rows = con.execute(
        "select customer_id from core.identity_map where source = ? and entity = ? and source_record_id = ?",
        [source, entity, record_id],
    ).fetchall()
    assert len(rows) == 1, f"{source}/{entity}/{record_id} is not in core.identity_map once"
    return rows[0][0]


def value(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The single value a query returns (the result is read to its end)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
