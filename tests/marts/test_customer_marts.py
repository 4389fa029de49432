"""marts.customer_experience, customer_journeys, journey_paths, segment_metrics and
experience_outcomes against figures worked out by hand from tests/marts/scenario.py."""
from __future__ import annotations

import datetime as dt

import pytest
import scenario
from staging_fixture import build, fresh, insert, link, t


@pytest.fixture(scope="module")
def con():
    connection = scenario.built()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def with_lapsed_buyer():
    """The scenario plus C5: two orders in the summer, nothing since (churned), and a detractor
    whose only support contacts come before the survey and 8 days after it."""
    connection = fresh()
    scenario.load(connection)
    insert(connection, "staging.stg_shopify__orders", [
        {"order_id": "O7", "total": 80, "channel": "web", "created_at": t("2024-06-01 10:00")},
        {"order_id": "O8", "total": 20, "channel": "web", "created_at": t("2024-07-01 10:00")},
    ])
    insert(connection, "staging.stg_delighted__responses", [
        {"response_id": "D6", "survey_type": "nps", "score": 0, "comment": "Awful, never again", "created_at": t("2024-11-10 08:00")},
    ])
    insert(connection, "staging.stg_zendesk__tickets", [
        {"ticket_id": "T6", "channel": "email", "status": "solved", "created_at": t("2024-11-09 08:00")},
        {"ticket_id": "T7", "channel": "email", "status": "solved", "created_at": t("2024-11-18 08:00")},
    ])
    link(connection, "C5", [("shopify", "orders", "O7"), ("shopify", "orders", "O8"), ("delighted", "responses", "D6"),
                            ("zendesk", "tickets", "T6"), ("zendesk", "tickets", "T7")])
    build(connection)
    yield connection
    connection.close()


def row(con, sql: str, *params) -> dict:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, found
    return dict(zip(names, found[0]))


def plain(values: dict) -> dict:
    return {k: float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, (bool, int)) else v for k, v in values.items()}


def test_customer_experience_profiles(con):
    assert con.execute("select count(*), count(distinct customer_id) from marts.customer_experience").fetchall() == [(4, 4)]
    c1 = plain(row(con, "select * from marts.customer_experience where customer_id = 'C1'"))
    assert c1["as_of_at"] == dt.datetime(2024, 11, 30, 10, 0)
    assert {k: c1[k] for k in ("interactions", "channels_used", "channels", "orders", "revenue", "last_nps", "nps_band",
                                "csat_ratings", "csat", "contacts", "contacts_90d", "repeat_contacts_90d", "bad_csat_90d",
                                "recency_score", "frequency_score", "monetary_score", "value_tier", "preferred_channel",
                                "segment", "is_churned", "is_at_risk")} == {
        "interactions": 12, "channels_used": "app, chat, email, social, survey, web", "channels": 6, "orders": 3,
        "revenue": 190.0, "last_nps": 9, "nps_band": "promoter", "csat_ratings": 1, "csat": 100.0, "contacts": 3,
        "contacts_90d": 3, "repeat_contacts_90d": 1, "bad_csat_90d": 0, "recency_score": 2, "frequency_score": 3,
        "monetary_score": 3, "value_tier": "high", "preferred_channel": "app", "segment": "high/app",
        "is_churned": False, "is_at_risk": True,
    }
    assert c1["risk_reason"] == "1 repeat contact(s) in the last 90 days; negative sentiment in the last 90 days"


def test_segments_and_risk_of_every_customer(con):
    got = con.execute(
        "select customer_id, value_tier, preferred_channel, segment, nps_band, csat, is_at_risk, risk_reason "
        "from marts.customer_experience order by customer_id"
    ).fetchall()
    assert got[1:] == [
        # phone wins app for C2 on the tie (2 touches each) by the more recent touch
        ("C2", "low", "phone", "low/phone", "detractor", 0.0, True,
         "last NPS 3 (detractor); bad CSAT rating in the last 90 days; 1 repeat contact(s) in the last 90 days; "
         "negative sentiment in the last 90 days"),
        ("C3", "medium", "phone", "medium/phone", "passive", 50.0, True, "bad CSAT rating in the last 90 days"),
        ("C4", "no_orders", "social", "no_orders/social", "promoter", None, False, None),
    ]


def test_a_lapsed_repeat_buyer_is_churned_and_at_risk(with_lapsed_buyer):
    c5 = row(with_lapsed_buyer, "select * from marts.customer_experience where customer_id = 'C5'")
    assert (c5["orders"], c5["is_churned"], c5["nps_band"], c5["recency_days"]) == (2, True, "detractor", 152)
    assert c5["risk_reason"] == "last NPS 0 (detractor); negative sentiment in the last 90 days; repeat buyer with no order in 90 days"


def test_journeys_in_time_order(con):
    c2 = con.execute(
        "select step, path_step, touchpoint, previous_touchpoint, seconds_since_previous "
        "from marts.customer_journeys where customer_id = 'C2' order by step"
    ).fetchall()
    assert c2 == [
        (1, 1, "purchase:store", None, None),
        (2, 2, "purchase:app", "purchase:store", 2 * 86400 + 5 * 3600 + 59 * 60.0),
        (3, 2, "purchase:app", "purchase:app", 60.0),
        (4, 3, "support:email", "purchase:app", 151200.0),
        (5, 4, "feedback:survey", "support:email", 72000.0),
        (6, 5, "support:phone", "feedback:survey", 3600.0),
        (7, 5, "support:phone", "support:phone", 360.0),
    ]
    # every identified touch once (a three-score survey response is one step); anonymous touches have no journey
    assert con.execute("select count(*) from marts.customer_journeys").fetchone()[0] == con.execute(
        "select count(*) from core.interactions where customer_id is not null and touch_row = 1").fetchone()[0] == 27


def test_journey_paths(con):
    got = con.execute(
        "select path_rank, path, steps, customers, share_of_customers, nps_customers, nps, csat_ratings, csat, buyers, "
        "repeat_purchase_rate, revenue_per_customer from marts.journey_paths order by path_rank"
    ).fetchall()
    assert [plain(dict(zip(range(12), r))) for r in got] == [plain(dict(zip(range(12), r))) for r in [
        (1, "purchase:store > purchase:app > support:email > feedback:survey", 4, 1, 0.25, 1, -100.0, 1, 0.0, 1, 0.0, 30.0),
        (2, "purchase:web > feedback:survey > support:email > support:phone", 4, 1, 0.25, 1, 0.0, 2, 50.0, 1, 0.0, 70.0),
        (3, "purchase:web > use:app > purchase:app > support:email", 4, 1, 0.25, 1, 100.0, 1, 100.0, 1, 1.0, 190.0),
        (4, "support:social > feedback:survey", 2, 1, 0.25, 1, 100.0, 0, None, 0, None, 0.0),
    ]]


def test_common_paths_rank_first():
    con = fresh()
    insert(con, "staging.stg_shopify__orders", [
        {"order_id": f"P{i}", "total": 10, "channel": channel, "created_at": t(f"2024-03-0{i} 10:00")}
        for i, channel in ((1, "web"), (2, "web"), (3, "app"))
    ])
    insert(con, "staging.stg_zendesk__tickets", [
        {"ticket_id": f"S{i}", "channel": "email", "status": "solved", "created_at": t(f"2024-03-0{i} 12:00")} for i in (1, 2)
    ])
    for i in (1, 2, 3):
        link(con, f"K{i}", [("shopify", "orders", f"P{i}")] + ([("zendesk", "tickets", f"S{i}")] if i < 3 else []))
    build(con)
    got = con.execute("select path_rank, path, customers, share_of_customers from marts.journey_paths order by path_rank").fetchall()
    assert got == [(1, "purchase:web > support:email", 2, 2 / 3), (2, "purchase:app", 1, 1 / 3)]


def test_paths_collapse_repeats_and_stop_at_four(with_lapsed_buyer):
    # C5: web order, web order, email ticket, survey, email ticket
    c5 = with_lapsed_buyer.execute(
        "select p.path from marts.journey_paths p where p.path like 'purchase:web > support:email%'"
    ).fetchall()
    assert c5 == [("purchase:web > support:email > feedback:survey > support:email",)]
    counts = [r[0] for r in with_lapsed_buyer.execute("select customers from marts.journey_paths order by path_rank").fetchall()]
    assert counts == [1, 1, 1, 1, 1]


def test_segment_metrics(con):
    high_app_chat = plain(row(con, "select * from marts.segment_metrics where segment = 'high/app' and touchpoint = 'support:chat'"))
    assert {k: high_app_chat[k] for k in ("segment_customers", "segment_buyers", "interactions", "escalation_rate",
                                          "aht_seconds", "abandon_rate", "support_contacts")} == {
        "segment_customers": 1, "segment_buyers": 1, "interactions": 2, "escalation_rate": 0.5, "aht_seconds": 120.0,
        "abandon_rate": 0.0, "support_contacts": 2,
    }
    assert high_app_chat["contact_rate"] == pytest.approx(2 / 3)  # 2 chat contacts per order of the segment (3)
    # segments partition the identified touches of each touchpoint
    per_touchpoint = con.execute(
        """select s.touchpoint, sum(s.interactions), min(t.interactions * t.share_identified)
           from marts.segment_metrics s join marts.touchpoint_metrics t on t.touchpoint = s.touchpoint and t.grain = 'all'
           group by s.touchpoint"""
    ).fetchall()
    for touchpoint, summed, identified in per_touchpoint:
        assert summed == pytest.approx(identified), touchpoint


def test_segment_metrics_match_touchpoint_metrics_for_a_single_segment():
    """With every touch identified and in one segment, the two marts must agree on every shared measure."""
    con = fresh()
    insert(con, "staging.stg_zendesk__tickets", [
        {"ticket_id": "X1", "channel": "email", "status": "solved", "satisfaction_score": "good", "created_at": t("2024-01-02 10:00")},
        {"ticket_id": "X2", "channel": "email", "status": "open", "satisfaction_score": "bad", "created_at": t("2024-01-05 10:00")},
    ])
    insert(con, "staging.stg_zendesk__ticket_metrics", [
        {"ticket_id": "X1", "reopens": 1, "replies": 1, "first_reply_minutes": 5, "full_resolution_minutes": 50},
        {"ticket_id": "X2", "reopens": 0, "replies": 2, "first_reply_minutes": 15},
    ])
    insert(con, "staging.stg_delighted__responses", [
        {"response_id": "Y1", "survey_type": "nps", "score": 10, "comment": "great", "created_at": t("2024-01-06 10:00")},
    ])
    link(con, "Z", [("zendesk", "tickets", "X1"), ("zendesk", "tickets", "X2"), ("delighted", "responses", "Y1")])
    build(con)
    shared = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = 'segment_metrics' "
        "and column_name in (select column_name from information_schema.columns where table_name = 'touchpoint_metrics') "
        "and column_name not in ('contact_rate')"
    ).fetchall()]
    seg = con.execute(f"select {', '.join(shared)} from marts.segment_metrics order by touchpoint").fetchall()
    tpm = con.execute(f"select {', '.join(shared)} from marts.touchpoint_metrics where grain = 'all' order by touchpoint").fetchall()
    assert len(shared) > 30 and seg == tpm


def test_experience_outcomes(con):
    got = con.execute(
        "select dimension, experience, customers, buyers, revenue, revenue_per_customer, repeat_purchase_rate, churn_rate "
        "from marts.experience_outcomes order by dimension, experience"
    ).fetchall()
    assert [plain(dict(enumerate(r))) for r in got] == [plain(dict(enumerate(r))) for r in [
        ("nps_band", "detractor", 1, 1, 30, 30.0, 0.0, 0.0),
        ("nps_band", "passive", 1, 1, 70, 70.0, 0.0, 0.0),
        ("nps_band", "promoter", 2, 1, 190, 95.0, 1.0, 0.0),
        ("support_experience", "bad_rating", 1, 1, 30, 30.0, 0.0, 0.0),  # C2: T3 rated bad (also a repeat)
        ("support_experience", "repeat_contact", 1, 1, 190, 190.0, 1.0, 0.0),  # C1
        ("support_experience", "resolved_first_time", 2, 1, 70, 35.0, 0.0, 0.0),  # C3, C4
    ]]


def test_experience_outcomes_churn(with_lapsed_buyer):
    detractors = row(with_lapsed_buyer, "select * from marts.experience_outcomes where experience = 'detractor'")
    # C2 (one order, recent) and C5 (two orders, none in 90 days)
    assert (detractors["customers"], detractors["buyers"], detractors["repeat_purchase_rate"], detractors["churn_rate"]) == (2, 2, 0.5, 0.5)
    assert float(detractors["revenue_per_customer"]) == 65.0
