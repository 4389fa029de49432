"""Customers keep their ids across runs and newly arrived files (build database kept)."""
from __future__ import annotations

from tests.identity.staging import connect, customer_of, load, resolve, value


def test_ids_survive_reruns_and_new_files_unless_clusters_merge():
    con = connect()
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Ann", last_name="Lee", email_raw="ann.lee@example.net"),
        dict(customer_id="7140000000002", first_name="Ben", last_name="Ortiz", email_raw="ben.ortiz@example.net"),
    ])
    load(con, "stg_shopify__orders", [dict(order_id="1", order_number="1001", email_raw="ann.lee@example.net", billing_name="Ann Lee",
                                           created_at="2024-07-01 10:00:00")])
    load(con, "stg_zendesk__users", [dict(user_id="9", name="Cleo Park", email_raw="cleo@example.net", role="end-user")])
    resolve(con)
    ann, ben, cleo = (customer_of(con, *key) for key in (("shopify", "customers", "7140000000001"), ("shopify", "customers", "7140000000002"),
                                                          ("zendesk", "users", "9")))
    assert len({ann, ben, cleo}) == 3

    resolve(con)  # a rerun on the same data
    assert customer_of(con, "shopify", "customers", "7140000000001") == ann
    assert customer_of(con, "shopify", "customers", "7140000000002") == ben
    assert customer_of(con, "zendesk", "users", "9") == cleo

    # a new export arrives: another order of Ann's and a new person
    load(con, "stg_shopify__orders", [
        dict(order_id="2", order_number="1002", email_raw="ann.lee@example.net", billing_name="Ann Lee", created_at="2024-08-01 10:00:00"),
        dict(order_id="3", order_number="1003", email_raw="dev.rao@example.net", billing_name="Dev Rao", created_at="2024-08-02 10:00:00"),
    ])
    resolve(con)
    assert customer_of(con, "shopify", "orders", "2") == ann
    assert customer_of(con, "shopify", "customers", "7140000000002") == ben
    assert customer_of(con, "zendesk", "users", "9") == cleo
    assert customer_of(con, "shopify", "orders", "3") not in (ann, ben, cleo)

    # Cleo turns out to be Ben (her ticket came from his email): one record each before,
    # so the merged customer keeps the id that held its anchor (Ben's shop account) and
    # Cleo's id disappears
    load(con, "stg_zendesk__users", [dict(user_id="10", name="Ben Ortiz", email_raw="ben.ortiz@example.net", role="end-user")])
    load(con, "stg_zendesk__tickets", [dict(ticket_id="t1", requester_id="9", via_from_address="ben.ortiz@example.net", created_at="2024-08-03 10:00:00")])
    resolve(con)
    merged = customer_of(con, "zendesk", "users", "9")
    assert merged == customer_of(con, "shopify", "customers", "7140000000002") == ben
    assert value(con, "select count(*) from core.customers where customer_id = ?", [cleo]) == 0
    assert customer_of(con, "shopify", "customers", "7140000000001") == ann
