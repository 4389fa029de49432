"""Hand-made staging, identity and customer tables for testing core.interactions and the marts.

The tables follow the staging spec (sql/staging/README.md) and the identity contract
column for column, so the models run on them exactly as on a built warehouse. Tests
add rows with ``insert(con, table, rows)``, then ``build(con)`` runs the sentiment
cache, core.interactions and every mart in dependency order.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.sentiment import update_text_sentiment
from pipelines.sql_models import discover

TS = "timestamp"
STAGING = {
    "stg_shopify__customers": "customer_id varchar, first_name varchar, last_name varchar, email varchar, email_raw varchar, phone varchar, phone_raw varchar, address_phone varchar, address_phone_raw varchar, company varchar, address1 varchar, address2 varchar, city varchar, province_code varchar, country_code varchar, zip varchar, accepts_email_marketing boolean, accepts_sms_marketing boolean, total_spent decimal(18,2), total_orders integer, note varchar, tax_exempt boolean, tags varchar",
    "stg_shopify__orders": f"order_id varchar, order_name varchar, order_number varchar, email varchar, email_raw varchar, phone varchar, phone_raw varchar, billing_phone varchar, billing_phone_raw varchar, shipping_phone varchar, shipping_phone_raw varchar, billing_name varchar, shipping_name varchar, billing_address1 varchar, billing_city varchar, billing_zip varchar, billing_province varchar, billing_country varchar, shipping_address1 varchar, shipping_city varchar, shipping_zip varchar, shipping_province varchar, shipping_country varchar, financial_status varchar, fulfillment_status varchar, currency varchar, subtotal decimal(18,2), shipping decimal(18,2), taxes decimal(18,2), total decimal(18,2), discount_amount decimal(18,2), refunded_amount decimal(18,2), source_name varchar, channel varchar, location varchar, line_items integer, quantity integer, tags varchar, notes varchar, created_at {TS}, paid_at {TS}, fulfilled_at {TS}, cancelled_at {TS}",
    "stg_amplitude__events": f"insert_id varchar, event_type varchar, event_at {TS}, user_id varchar, device_id varchar, amplitude_id varchar, adid varchar, idfa varchar, idfv varchar, email varchar, email_raw varchar, session_id bigint, platform varchar, os_name varchar, country varchar, city varchar, revenue double, order_ref varchar, event_properties varchar, user_properties varchar",
    "stg_mixpanel__events": f"insert_id varchar, event_name varchar, event_at {TS}, distinct_id varchar, device_id varchar, user_id varchar, email varchar, email_raw varchar, os varchar, city varchar, country_code varchar, revenue double, order_ref varchar, properties varchar",
    "stg_google_play__reviews": f"review_id varchar, review_id_is_hash boolean, package_name varchar, app_version_code varchar, app_version_name varchar, language varchar, device varchar, star_rating integer, review_title varchar, review_text varchar, submitted_at {TS}, last_updated_at {TS}, developer_reply_text varchar, developer_replied_at {TS}, review_link varchar",
    "stg_twitter__tweets": f"tweet_id varchar, author_id varchar, author_username varchar, author_name varchar, text varchar, lang varchar, conversation_id varchar, in_reply_to_user_id varchar, like_count integer, retweet_count integer, reply_count integer, created_at {TS}",
    "stg_facebook__comments": f"comment_id varchar, comment_id_is_hash boolean, parent_comment_id varchar, author_id varchar, author_name varchar, message varchar, like_count integer, reply_count integer, created_at {TS}",
    "stg_zendesk__tickets": f"ticket_id varchar, requester_id varchar, submitter_id varchar, assignee_id varchar, organization_id varchar, via_channel varchar, channel varchar, via_from_address varchar, via_from_phone varchar, via_from_name varchar, via_from_username varchar, external_id varchar, subject varchar, description varchar, status varchar, priority varchar, ticket_type varchar, tags varchar, satisfaction_score varchar, satisfaction_comment varchar, created_at {TS}, updated_at {TS}, generated_at bigint",
    "stg_zendesk__users": f"user_id varchar, name varchar, email varchar, email_raw varchar, phone varchar, phone_raw varchar, external_id varchar, role varchar, time_zone varchar, created_at {TS}, updated_at {TS}",
    "stg_zendesk__ticket_metrics": f"ticket_id varchar, reopens integer, replies integer, first_reply_minutes integer, first_resolution_minutes integer, full_resolution_minutes integer, requester_wait_minutes integer, on_hold_minutes integer, first_reply_business_minutes integer, full_resolution_business_minutes integer, solved_at {TS}, updated_at {TS}",
    "stg_amazon_connect__contacts": f"contact_id varchar, initial_contact_id varchar, previous_contact_id varchar, next_contact_id varchar, channel varchar, initiation_method varchar, customer_endpoint_type varchar, phone varchar, phone_raw varchar, queue_name varchar, queue_seconds integer, agent_username varchar, talk_seconds integer, hold_seconds integer, after_contact_work_seconds integer, connected_to_agent_at {TS}, is_abandoned boolean, disconnect_reason varchar, attributes varchar, order_ref varchar, customer_ref varchar, initiated_at {TS}, disconnected_at {TS}, last_updated_at {TS}",
    "stg_delighted__responses": f"response_id varchar, person_id varchar, person_name varchar, email varchar, email_raw varchar, phone varchar, phone_raw varchar, survey_type varchar, score integer, comment varchar, customer_ref varchar, order_ref varchar, tags varchar, person_properties varchar, created_at {TS}, updated_at {TS}",
    "stg_qualtrics__responses": f"response_id varchar, first_name varchar, last_name varchar, email varchar, email_raw varchar, external_reference varchar, distribution_channel varchar, language varchar, status varchar, progress integer, finished boolean, duration_seconds integer, nps_score integer, csat_score integer, ces_score integer, comment varchar, answers varchar, started_at {TS}, ended_at {TS}, recorded_at {TS}",
}
CORE = {
    "identity_map": "source varchar, entity varchar, source_record_id varchar, customer_id varchar, rule varchar, confidence double",
    "customers": f"customer_id varchar, name varchar, email varchar, phone varchar, city varchar, country varchar, is_known boolean, first_seen_at {TS}, last_seen_at {TS}, sources varchar, n_records integer, orders integer, revenue decimal(18,2)",
}
ENTITY_TABLE = {
    ("shopify", "orders"): ("stg_shopify__orders", "order_id"),
    ("amplitude", "events"): ("stg_amplitude__events", "insert_id"),
    ("mixpanel", "events"): ("stg_mixpanel__events", "insert_id"),
    ("twitter", "tweets"): ("stg_twitter__tweets", "tweet_id"),
    ("facebook", "comments"): ("stg_facebook__comments", "comment_id"),
    ("zendesk", "tickets"): ("stg_zendesk__tickets", "ticket_id"),
    ("amazon_connect", "contacts"): ("stg_amazon_connect__contacts", "contact_id"),
    ("delighted", "responses"): ("stg_delighted__responses", "response_id"),
    ("qualtrics", "responses"): ("stg_qualtrics__responses", "response_id"),
}


def t(text: str) -> dt.datetime:
    """'2024-11-05 10:00' -> a naive UTC datetime."""
    return dt.datetime.fromisoformat(text)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for schema in ("staging", "core", "marts"):
        con.execute(f"create schema if not exists {schema}")
    for name, columns in STAGING.items():
        con.execute(f"create or replace table staging.{name} ({columns})")
    for name, columns in CORE.items():
        con.execute(f"create or replace table core.{name} ({columns})")


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert rows given as dicts; columns not named stay NULL."""
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into {table} ({names}) values ({marks})", list(row.values()))


def link(con: duckdb.DuckDBPyConnection, customer_id: str, records: list[tuple[str, str, str]]) -> None:
    """Map (source, entity, source_record_id) records to a customer, creating the customer."""
    exists = con.execute("select count(*) from core.customers where customer_id = ?", [customer_id]).fetchone()[0]
    if not exists:
        insert(con, "core.customers", [{"customer_id": customer_id, "is_known": True, "n_records": len(records)}])
    insert(
        con,
        "core.identity_map",
        [
            {"source": s, "entity": e, "source_record_id": r, "customer_id": customer_id, "rule": "test", "confidence": 1.0}
            for s, e, r in records
        ],
    )


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Sentiment cache, core.interactions, then every mart in dependency order."""
    update_text_sentiment(con)
    models = [m for m in discover(("core", "marts")) if m.table == "core.interactions" or m.layer == "marts"]
    built = {"core.text_sentiment", "core.customers", "core.identity_map"}
    pending = list(models)
    while pending:
        ready = [m for m in pending if all(d in built or not d.startswith(("core.", "marts.")) for d in m.dependencies)]
        if not ready:
            raise RuntimeError(f"unbuildable models (cycle or missing input): {[m.table for m in pending]}")
        for model in ready:
            model.build(con)
            built.add(model.table)
            pending.remove(model)


def fresh() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_tables(con)
    return con
