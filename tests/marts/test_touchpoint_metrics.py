"""marts.touchpoint_metrics against figures worked out by hand from tests/marts/scenario.py."""
from __future__ import annotations

import datetime as dt
from statistics import mean

import pytest
import scenario
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@pytest.fixture(scope="module")
def con():
    connection = scenario.built()
    yield connection
    connection.close()


def metrics(con, touchpoint: str, grain: str = "all", period_start: dt.date | None = None) -> dict:
    cursor = con.execute(
        "select * from marts.touchpoint_metrics where touchpoint = ? and grain = ? and period_start is not distinct from ?",
        [touchpoint, grain, period_start],
    )
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, (touchpoint, grain, period_start, found)
    return dict(zip(names, found[0]))


def check(row: dict, expected: dict) -> None:
    got = {k: (float(row[k]) if row[k] is not None and not isinstance(row[k], (str, bool)) else row[k]) for k in expected}
    assert got == pytest.approx(expected), {k: (got[k], v) for k, v in expected.items() if got[k] != pytest.approx(v)}


def vader(*texts: str) -> float:
    analyzer = SentimentIntensityAnalyzer()
    return mean(analyzer.polarity_scores(t)["compound"] for t in texts)


def test_grains_and_periods(con):
    grains = con.execute(
        "select grain, count(*), count(period_start) from marts.touchpoint_metrics group by grain order by grain"
    ).fetchall()
    assert [g for g, _, _ in grains] == ["all", "day", "month", "week"]
    assert dict((g, n == with_period) for g, n, with_period in grains) == {"all": False, "day": True, "month": True, "week": True}
    assert dict((g, with_period) for g, _, with_period in grains)["all"] == 0
    weekdays = con.execute("select distinct dayofweek(period_start) from marts.touchpoint_metrics where grain = 'week'").fetchall()
    assert weekdays == [(1,)]  # weeks start on Monday
    firsts = con.execute("select distinct day(period_start) from marts.touchpoint_metrics where grain = 'month'").fetchall()
    assert firsts == [(1,)]


def test_every_grain_adds_up_to_all(con):
    totals = con.execute(
        """select touchpoint, grain, sum(interactions), sum(nps_responses), sum(csat_ratings), sum(orders)
           from marts.touchpoint_metrics group by touchpoint, grain"""
    ).fetchall()
    by_grain = {}
    for touchpoint, grain, *sums in totals:
        by_grain.setdefault(touchpoint, {})[grain] = sums
    for touchpoint, grains in by_grain.items():
        assert grains["day"] == grains["week"] == grains["month"] == grains["all"], touchpoint


def test_survey_ratings(con):
    # NPS: D1 9, D2 3, Q1 7, Q2 10 -> 2 promoters, 1 detractor of 4; D4 has no score.
    # CSAT: D3 2 (not satisfied), Q1 5 (satisfied). CES: D5 2, Q1 3. Q1 counts once as a touch.
    check(metrics(con, "feedback:survey"), {
        "interactions": 8, "customers": 4, "share_identified": 7 / 8,
        "nps_responses": 4, "nps": 25.0, "csat_ratings": 2, "csat": 50.0, "ces_responses": 2, "ces": 2.5,
        "star_ratings": 0, "avg_stars": None, "texts": 3,
        "avg_sentiment": vader("Fast shipping, love it", "Terrible service, never again", "ok I guess"),
        "tickets": None, "orders": None, "contact_rate": None,
    })


def test_store_reviews(con):
    check(metrics(con, "feedback:app_store"), {
        "interactions": 3, "customers": 0, "share_identified": 0.0, "star_ratings": 3, "avg_stars": 8 / 3,
        "nps": None, "csat": None,
        "avg_sentiment": vader("Crashes\nCrashes constantly, hate it", "Great app"),
    })


def test_email_support(con):
    # T1 (good, 30/120 min, 1 reply, repeat: T2 exactly 7 days later), T3 (bad, 60/600, reopened twice,
    # repeat: a call next day), T4 (closed, unrated, no metrics, next contact 8 days later).
    check(metrics(con, "support:email"), {
        "interactions": 3, "customers": 3, "tickets": 3, "csat_ratings": 2, "csat": 50.0,
        "first_reply_median_minutes": 45.0, "first_reply_p90_minutes": 60.0,
        "resolution_median_minutes": 360.0, "resolution_p90_minutes": 600.0,
        "reopen_rate": 0.5, "one_touch_rate": 1.0,
        "support_contacts": 3, "repeat_contacts_7d": 2, "repeat_contact_rate_7d": 2 / 3, "fcr": 1 / 3,
        "escalation_rate": 0.0, "aht_seconds": None, "abandon_rate": None, "contact_rate": 3 / 6,
        "orders": None, "revenue": None,
        "avg_sentiment": vader("Order #1002 checkout failed\nmy card was declined twice but charged once", "wrong size", "question"),
    })


def test_phone_support(con):
    # K1 handled 300+60+40 and transferred to K2 (200+0+100); K3 and K4 abandoned; K4 anonymous.
    check(metrics(con, "support:phone"), {
        "interactions": 4, "customers": 2, "share_identified": 0.75, "tickets": 0,
        "aht_seconds": 350.0, "abandon_rate": 0.5, "escalation_rate": 0.25,
        "support_contacts": 3, "repeat_contacts_7d": 0, "repeat_contact_rate_7d": 0.0, "fcr": 1.0,
        "first_reply_median_minutes": None, "csat": None, "contact_rate": 3 / 6,
    })


def test_chat_support(con):
    # T2: offered (unrated), escalated, reopened, open; K5: handled 100+20 (no hold).
    check(metrics(con, "support:chat"), {
        "interactions": 2, "csat_ratings": 0, "csat": None, "first_reply_median_minutes": 10.0,
        "resolution_median_minutes": None, "reopen_rate": 1.0, "one_touch_rate": None, "escalation_rate": 0.5,
        "aht_seconds": 120.0, "abandon_rate": 0.0, "repeat_contact_rate_7d": 0.0, "contact_rate": 2 / 6,
    })


def test_one_touch_needs_exactly_one_reply(con):
    check(metrics(con, "support:social"), {"interactions": 1, "one_touch_rate": 0.0, "first_reply_median_minutes": 20.0})


def test_web_purchases(con):
    # O1 100, O4 70 (partially refunded), O5 20 (anonymous), O6 40 (September).
    check(metrics(con, "purchase:web"), {
        "interactions": 4, "customers": 2, "share_identified": 0.75, "orders": 4, "revenue": 230.0,
        "average_order_value": 57.5, "refund_rate": 0.25, "cancellation_rate": 0.0, "checkout_failure_rate": None,
        "contact_rate": None, "support_contacts": None,
    })


def test_app_purchases_include_checkout_events(con):
    # O2 (refunded) plus checkout events: A1 failed, A2 completed, M1 failed, M2 started.
    check(metrics(con, "purchase:app"), {
        "interactions": 5, "customers": 2, "orders": 1, "revenue": 50.0, "average_order_value": 50.0,
        "refund_rate": 1.0, "cancellation_rate": 0.0, "checkout_failure_rate": 2 / 3,
    })
    check(metrics(con, "purchase:store"), {"orders": 1, "revenue": 30.0, "cancellation_rate": 1.0})
    check(metrics(con, "use:app"), {"interactions": 2, "customers": 1, "orders": None, "checkout_failure_rate": None})


def test_periods(con):
    week = dt.date(2024, 11, 4)
    check(metrics(con, "support:email", "week", week), {
        "interactions": 2, "csat": 50.0, "first_reply_median_minutes": 45.0,
        "contact_rate": 2 / 2,  # O4 and O5 were ordered that week
    })
    check(metrics(con, "support:email", "week", dt.date(2024, 11, 18)), {"interactions": 1, "csat": None})
    check(metrics(con, "support:email", "month", dt.date(2024, 11, 1)), {"interactions": 3, "contact_rate": 3 / 5})
    check(metrics(con, "purchase:web", "month", dt.date(2024, 9, 1)), {"orders": 1, "revenue": 40.0})
    check(metrics(con, "purchase:web", "week", dt.date(2024, 8, 26)), {"orders": 1})  # Sunday 1 September
    check(metrics(con, "feedback:survey", "day", dt.date(2024, 11, 12)), {
        "interactions": 1, "nps_responses": 1, "nps": 0.0, "csat": 100.0, "ces": 3.0,
    })
