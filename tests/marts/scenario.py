"""A small hand-made world of four customers, with every expected figure worked out by hand.

Customers C1-C4 shop, use the app, contact support, answer surveys and post; a few
touches are anonymous; some records are unrated (Zendesk 'offered', a Delighted answer
without a score, a Qualtrics response with no scored question); one Qualtrics response
answers NPS, CSAT and CES at once (three rating rows, one touch); one tweet became a
Zendesk ticket (counted once, as the ticket); one Connect TASK is not a customer touch.
The expected values in the tests are computed by hand from the comments here.
"""
from __future__ import annotations

import duckdb
from staging_fixture import build, fresh, insert, link, t


def load(con: duckdb.DuckDBPyConnection) -> None:
    # ---------------- orders: purchase:web O1 O4 O5, purchase:app O2, purchase:store O3
    insert(con, "staging.stg_shopify__orders", [
        {"order_id": "O1", "order_number": "1001", "financial_status": "paid", "total": 100, "refunded_amount": 0, "channel": "web", "created_at": t("2024-11-01 10:00")},
        {"order_id": "O2", "order_number": "1002", "financial_status": "refunded", "total": 50, "refunded_amount": 50, "channel": "app", "created_at": t("2024-11-03 09:10")},
        {"order_id": "O3", "order_number": "1003", "financial_status": "voided", "total": 30, "channel": "store", "created_at": t("2024-11-02 12:00"), "cancelled_at": t("2024-11-02 13:00")},
        {"order_id": "O4", "order_number": "1004", "financial_status": "partially_refunded", "total": 70, "refunded_amount": 10, "channel": "web", "created_at": t("2024-11-10 15:00")},
        {"order_id": "O5", "order_number": "1005", "financial_status": "paid", "total": 20, "channel": "web", "created_at": t("2024-11-10 16:00")},
        {"order_id": "O6", "order_number": "1006", "financial_status": "paid", "total": 40, "channel": "web", "created_at": t("2024-09-01 10:00")},
    ])
    # ---------------- app events: purchase:app A1 A2 M1 M2 (2 failures, 1 success), use:app A3 M3
    insert(con, "staging.stg_amplitude__events", [
        {"insert_id": "A1", "event_type": "checkout_failed", "event_at": t("2024-11-03 09:00")},
        {"insert_id": "A2", "event_type": "checkout_completed", "event_at": t("2024-11-03 09:05"), "revenue": 50.0},
        {"insert_id": "A3", "event_type": "screen_view", "event_at": t("2024-11-03 08:55")},
    ])
    insert(con, "staging.stg_mixpanel__events", [
        {"insert_id": "M1", "event_name": "Checkout Failed", "event_at": t("2024-11-04 18:00")},
        {"insert_id": "M2", "event_name": "Checkout Started", "event_at": t("2024-11-04 17:59")},
        {"insert_id": "M3", "event_name": "$ae_session", "event_at": t("2024-11-04 17:00")},
    ])
    # ---------------- tickets: support:email T1 T3 T4, support:chat T2, support:social T5 (was tweet TW1)
    insert(con, "staging.stg_zendesk__tickets", [
        {"ticket_id": "T1", "via_channel": "email", "channel": "email", "subject": "Order #1002 checkout failed",
         "description": "my card was declined twice but charged once", "status": "solved", "satisfaction_score": "good",
         "satisfaction_comment": "Quick refund, thanks", "created_at": t("2024-11-05 10:00")},
        {"ticket_id": "T2", "via_channel": "chat", "channel": "chat", "subject": "still no refund", "status": "open",
         "satisfaction_score": "offered", "tags": "refund,escalated", "created_at": t("2024-11-12 10:00")},
        {"ticket_id": "T3", "via_channel": "email", "channel": "email", "subject": "wrong size", "status": "solved",
         "satisfaction_score": "bad", "satisfaction_comment": "useless", "created_at": t("2024-11-06 12:00")},
        {"ticket_id": "T4", "via_channel": "email", "channel": "email", "subject": "question", "status": "closed",
         "created_at": t("2024-11-20 10:00")},
        {"ticket_id": "T5", "via_channel": "twitter", "channel": "social", "via_from_username": "dana",
         "description": "@northtrail my order never arrived, awful", "status": "solved", "created_at": t("2024-11-07 12:30")},
    ])
    insert(con, "staging.stg_zendesk__ticket_metrics", [
        {"ticket_id": "T1", "reopens": 0, "replies": 1, "first_reply_minutes": 30, "full_resolution_minutes": 120, "solved_at": t("2024-11-05 12:00")},
        {"ticket_id": "T2", "reopens": 1, "replies": 3, "first_reply_minutes": 10},
        {"ticket_id": "T3", "reopens": 2, "replies": 1, "first_reply_minutes": 60, "full_resolution_minutes": 600, "solved_at": t("2024-11-06 22:00")},
        {"ticket_id": "T5", "reopens": 0, "replies": 2, "first_reply_minutes": 20, "full_resolution_minutes": 90},
    ])
    # ---------------- contacts: support:phone K1 K2 K3 K4, support:chat K5; K6 is a TASK
    insert(con, "staging.stg_amazon_connect__contacts", [
        {"contact_id": "K1", "channel": "VOICE", "initiation_method": "INBOUND", "talk_seconds": 300,
         "hold_seconds": 60, "after_contact_work_seconds": 40, "is_abandoned": False, "initiated_at": t("2024-11-07 09:00"),
         "connected_to_agent_at": t("2024-11-07 09:01"), "disconnected_at": t("2024-11-07 09:06")},
        {"contact_id": "K2", "channel": "VOICE", "initiation_method": "TRANSFER", "previous_contact_id": "K1", "talk_seconds": 200,
         "hold_seconds": 0, "after_contact_work_seconds": 100, "is_abandoned": False, "initiated_at": t("2024-11-07 09:06"),
         "disconnected_at": t("2024-11-07 09:10")},
        {"contact_id": "K3", "channel": "VOICE", "initiation_method": "INBOUND", "is_abandoned": True, "queue_seconds": 120,
         "initiated_at": t("2024-11-28 10:00"), "disconnected_at": t("2024-11-28 10:02")},
        {"contact_id": "K4", "channel": "VOICE", "initiation_method": "INBOUND", "is_abandoned": True,
         "initiated_at": t("2024-11-22 10:00"), "disconnected_at": t("2024-11-22 10:01")},
        {"contact_id": "K5", "channel": "CHAT", "initiation_method": "API", "talk_seconds": 100, "after_contact_work_seconds": 20,
         "is_abandoned": False, "initiated_at": t("2024-11-30 10:00"), "disconnected_at": t("2024-11-30 10:05")},
        {"contact_id": "K6", "channel": "TASK", "initiation_method": "API", "is_abandoned": False, "initiated_at": t("2024-11-30 11:00")},
    ])
    # ---------------- surveys: feedback:survey D1-D5, Q1-Q3
    insert(con, "staging.stg_delighted__responses", [
        {"response_id": "D1", "survey_type": "nps", "score": 9, "comment": "Fast shipping, love it", "created_at": t("2024-11-06 08:00")},
        {"response_id": "D2", "survey_type": "nps", "score": 3, "comment": "Terrible service, never again", "created_at": t("2024-11-07 08:00")},
        {"response_id": "D3", "survey_type": "csat", "score": 2, "created_at": t("2024-11-15 08:00")},
        {"response_id": "D4", "survey_type": "nps", "score": None, "created_at": t("2024-11-16 08:00")},
        {"response_id": "D5", "survey_type": "ces", "score": 2, "created_at": t("2024-11-20 08:00")},
    ])
    insert(con, "staging.stg_qualtrics__responses", [
        {"response_id": "Q1", "nps_score": 7, "csat_score": 5, "ces_score": 3, "comment": "ok I guess", "recorded_at": t("2024-11-12 09:00")},
        {"response_id": "Q2", "nps_score": 10, "recorded_at": t("2024-11-13 09:00")},
        {"response_id": "Q3", "recorded_at": t("2024-11-14 09:00")},
    ])
    # ---------------- reviews (anonymous): feedback:app_store R1 R2 R3
    insert(con, "staging.stg_google_play__reviews", [
        {"review_id": "R1", "star_rating": 1, "review_title": "Crashes", "review_text": "Crashes constantly, hate it",
         "submitted_at": t("2024-11-05 10:00"), "developer_replied_at": t("2024-11-06 10:00")},
        {"review_id": "R2", "star_rating": 5, "review_text": "Great app", "submitted_at": t("2024-11-06 10:00")},
        {"review_id": "R3", "star_rating": 2, "review_text": "  ", "submitted_at": t("2024-11-07 10:00")},
    ])
    # ---------------- social: TW1 became ticket T5; discover:social TW2 (anonymous), FB1
    insert(con, "staging.stg_twitter__tweets", [
        {"tweet_id": "TW1", "author_username": "dana", "text": "@northtrail my order never arrived, awful", "created_at": t("2024-11-07 12:00")},
        {"tweet_id": "TW2", "author_username": "eve", "text": "I love the new collection!", "created_at": t("2024-11-08 12:00")},
    ])
    insert(con, "staging.stg_facebook__comments", [
        {"comment_id": "FB1", "author_name": "Ann One", "message": "This is the worst customer service ever", "created_at": t("2024-11-09 10:00")},
    ])
    # ---------------- identities (O5, M3, K4, Q3, TW2 and reviews stay anonymous)
    link(con, "C1", [("shopify", "orders", "O1"), ("shopify", "orders", "O2"), ("shopify", "orders", "O6"),
                     ("amplitude", "events", "A1"), ("amplitude", "events", "A2"), ("amplitude", "events", "A3"),
                     ("zendesk", "tickets", "T1"), ("zendesk", "tickets", "T2"), ("amazon_connect", "contacts", "K5"),
                     ("delighted", "responses", "D1"), ("delighted", "responses", "D5"), ("facebook", "comments", "FB1")])
    link(con, "C2", [("shopify", "orders", "O3"), ("mixpanel", "events", "M1"), ("mixpanel", "events", "M2"),
                     ("zendesk", "tickets", "T3"), ("amazon_connect", "contacts", "K1"), ("amazon_connect", "contacts", "K2"),
                     ("delighted", "responses", "D2")])
    link(con, "C3", [("shopify", "orders", "O4"), ("zendesk", "tickets", "T4"), ("amazon_connect", "contacts", "K3"),
                     ("delighted", "responses", "D3"), ("qualtrics", "responses", "Q1")])
    link(con, "C4", [("zendesk", "tickets", "T5"), ("twitter", "tweets", "TW1"), ("delighted", "responses", "D4"),
                     ("qualtrics", "responses", "Q2")])


def built() -> duckdb.DuckDBPyConnection:
    con = fresh()
    load(con)
    build(con)
    return con
