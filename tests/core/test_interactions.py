"""core.interactions on the hand-made world of tests/marts/scenario.py: touchpoints, customers,
ratings, sentiment, support and commerce flags, repeat contacts."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "marts"))

import scenario  # noqa: E402

from pipelines.sentiment import TEXT_SOURCES, text_expression  # noqa: E402
from pipelines.sql_models import find  # noqa: E402

CONTRACT = ["interaction_id", "customer_id", "source", "entity", "source_record_id", "channel", "stage", "touchpoint",
            "occurred_at", "kind", "rating_type", "rating", "sentiment", "revenue", "duration_s"]
STAGES = {"discover", "purchase", "use", "support", "feedback"}
CHANNELS = {"web", "app", "store", "email", "phone", "chat", "social", "app_store", "survey"}


@pytest.fixture(scope="module")
def con():
    connection = scenario.built()
    yield connection
    connection.close()


def rows(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def by_id(con, column: str) -> dict:
    return dict(rows(con, f"select interaction_id, {column} from core.interactions"))


def test_every_source_branch_selects_the_same_columns_in_the_same_order():
    tree = sqlglot.parse_one(find("core.interactions").sql, read="duckdb")
    branches = {cte.alias: cte.this for cte in tree.find_all(exp.CTE)}
    union = branches["touches"]
    named = [select.find(exp.Table).name for select in union.find_all(exp.Select)]
    shapes = {name: [p.alias_or_name for p in branches[name].expressions] for name in named}
    first = shapes[named[0]]
    assert len(named) == 10
    for name, columns in shapes.items():
        assert columns == first, name


def test_text_expressions_match_the_sentiment_cache():
    sql = " ".join(find("core.interactions").sql.split())
    for _, columns in TEXT_SOURCES:
        qualified = [f"t.{c}" for c in columns] if columns[0] in ("subject", "satisfaction_comment") else list(columns)
        assert text_expression(*columns) in sql or text_expression(*qualified) in sql, columns


def test_contract_columns_come_first(con):
    names = [r[0] for r in rows(con, "describe core.interactions")]
    assert names[: len(CONTRACT)] == CONTRACT


def test_interaction_ids_are_unique(con):
    assert rows(con, "select count(*) - count(distinct interaction_id) from core.interactions") == [(0,)]


def test_touchpoints_follow_the_contract_mapping(con):
    touchpoints = by_id(con, "touchpoint")
    expected = {
        "shopify:orders:O1": "purchase:web", "shopify:orders:O2": "purchase:app", "shopify:orders:O3": "purchase:store",
        "amplitude:events:A1": "purchase:app", "amplitude:events:A2": "purchase:app", "amplitude:events:A3": "use:app",
        "mixpanel:events:M2": "purchase:app", "mixpanel:events:M3": "use:app",
        "zendesk:tickets:T1": "support:email", "zendesk:tickets:T2": "support:chat", "zendesk:tickets:T5": "support:social",
        "amazon_connect:contacts:K1": "support:phone", "amazon_connect:contacts:K5": "support:chat",
        "delighted:responses:D1": "feedback:survey", "qualtrics:responses:Q1:csat": "feedback:survey",
        "google_play:reviews:R1": "feedback:app_store",
        "twitter:tweets:TW2": "discover:social", "facebook:comments:FB1": "discover:social",
    }
    assert {k: touchpoints.get(k) for k in expected} == expected
    for touchpoint, stage, channel in rows(con, "select distinct touchpoint, stage, channel from core.interactions"):
        assert touchpoint == f"{stage}:{channel}" and stage in STAGES and channel in CHANNELS


def test_a_tweet_turned_ticket_counts_once_and_tasks_are_not_touches(con):
    ids = set(by_id(con, "1"))
    assert "twitter:tweets:TW1" not in ids and "zendesk:tickets:T5" in ids
    assert "amazon_connect:contacts:K6" not in ids
    assert len(ids) == 37


def test_customers_come_from_the_identity_map_and_anonymous_touches_stay_null(con):
    customers = by_id(con, "customer_id")
    assert customers["shopify:orders:O1"] == "C1" and customers["amazon_connect:contacts:K2"] == "C2"
    for anonymous in ("shopify:orders:O5", "mixpanel:events:M3", "amazon_connect:contacts:K4", "qualtrics:responses:Q3",
                      "google_play:reviews:R1", "twitter:tweets:TW2"):
        assert customers[anonymous] is None


def test_a_survey_response_with_three_scores_gives_three_rating_rows_and_one_touch(con):
    got = rows(con, """select interaction_id, touch_row, rating_type, rating, rating_scale, is_satisfied
                       from core.interactions where source_record_id = 'Q1' order by touch_row""")
    assert got == [
        ("qualtrics:responses:Q1:nps", 1, "nps", 7, "0-10", None),
        ("qualtrics:responses:Q1:csat", 2, "csat", 5, "1-5", True),
        ("qualtrics:responses:Q1:ces", 3, "ces", 3, "1-7", None),
    ]


def test_unrated_records_are_touches_without_a_rating(con):
    got = rows(con, """select interaction_id, rating_type, rating from core.interactions
                       where interaction_id in ('delighted:responses:D4', 'qualtrics:responses:Q3', 'zendesk:tickets:T2',
                                                'zendesk:tickets:T4') order by 1""")
    assert got == [("delighted:responses:D4", None, None), ("qualtrics:responses:Q3", None, None),
                   ("zendesk:tickets:T2", None, None), ("zendesk:tickets:T4", None, None)]


def test_zendesk_satisfaction_is_csat_on_a_good_bad_scale(con):
    got = rows(con, """select source_record_id, rating_type, rating, rating_scale, is_satisfied, is_negative_rating
                       from core.interactions where source_record_id in ('T1', 'T3') order by 1""")
    assert got == [("T1", "csat", 1, "good/bad", True, False), ("T3", "csat", 0, "good/bad", False, True)]


def test_negative_ratings(con):
    negative = {k for k, v in by_id(con, "is_negative_rating").items() if v}
    assert negative == {"delighted:responses:D2", "delighted:responses:D3", "zendesk:tickets:T3",
                        "google_play:reviews:R1", "google_play:reviews:R3"}


def test_sentiment_is_vader_compound_of_the_touch_text(con):
    analyzer = SentimentIntensityAnalyzer()
    texts = rows(con, "select interaction_id, text, sentiment from core.interactions where touch_row = 1")
    for interaction_id, text, sentiment in texts:
        if text is None:
            assert sentiment is None, interaction_id
        else:
            assert sentiment == pytest.approx(analyzer.polarity_scores(text)["compound"]), interaction_id
    review = by_id(con, "text")["google_play:reviews:R1"]
    assert review == "Crashes\nCrashes constantly, hate it"
    assert by_id(con, "text")["google_play:reviews:R3"] is None  # blank text is no text
    comment = rows(con, "select rating_comment, rating_comment_sentiment from core.interactions where source_record_id = 'T1'")
    assert comment[0][1] == pytest.approx(analyzer.polarity_scores("Quick refund, thanks")["compound"])


def test_repeat_contacts_cross_channels_within_seven_days(con):
    repeat = by_id(con, "is_repeat_contact_7d")
    assert repeat["zendesk:tickets:T1"] is True  # T2 (chat) exactly 7 days later
    assert repeat["zendesk:tickets:T3"] is True  # a call (K1) the next day
    assert repeat["zendesk:tickets:T4"] is False  # the call K3 came 8 days later
    assert repeat["amazon_connect:contacts:K1"] is False  # its transfer leg K2 is not a new contact
    assert repeat["amazon_connect:contacts:K2"] is None  # a transfer is not a support contact
    assert repeat["amazon_connect:contacts:K4"] is None  # anonymous: cannot tell
    assert repeat["shopify:orders:O1"] is None


def test_contact_centre_measures(con):
    got = rows(con, """select source_record_id, handle_seconds, is_abandoned, is_escalated, is_solved, is_support_contact, duration_s
                       from core.interactions where source = 'amazon_connect' order by 1""")
    assert got == [
        ("K1", 400.0, False, True, True, True, 360),
        ("K2", 300.0, False, False, True, False, 240),
        ("K3", None, True, False, False, True, 120),
        ("K4", None, True, False, False, True, 60),
        ("K5", 120.0, False, False, True, True, 300),
    ]


def test_commerce_flags(con):
    got = rows(con, """select source_record_id, revenue, is_refunded, is_cancelled from core.interactions
                       where kind = 'order' order by 1""")
    assert [(r[0], float(r[1]), r[2], r[3]) for r in got] == [
        ("O1", 100.0, False, False), ("O2", 50.0, True, False), ("O3", 30.0, False, True),
        ("O4", 70.0, True, False), ("O5", 20.0, False, False), ("O6", 40.0, False, False),
    ]
    checkout = rows(con, """select source_record_id, is_checkout_event, is_checkout_failure, is_checkout_success, revenue
                            from core.interactions where kind = 'app_event' order by 1""")
    assert checkout == [
        ("A1", True, True, False, None), ("A2", True, False, True, None), ("A3", False, False, False, None),
        ("M1", True, True, False, None), ("M2", True, False, False, None), ("M3", False, False, False, None),
    ]


def test_every_column_is_described():
    from pipelines.metadata import sql_column_descriptions

    con = scenario.built()
    columns = [r[0] for r in con.execute("describe core.interactions").fetchall()]
    described = sql_column_descriptions(find("core.interactions").sql, columns, {})
    assert [c for c in columns if not described.get(c) or described[c].startswith(("computed", "from `"))] == []


def test_reads_identity_sentiment_and_every_touch_bearing_staging_table():
    dependencies = set(find("core.interactions").dependencies)
    assert {"core.identity_map", "core.text_sentiment"} <= dependencies
    assert {d for d in dependencies if d.startswith("staging.")} == {
        f"staging.stg_{t}" for t in ("shopify__orders", "amplitude__events", "mixpanel__events", "google_play__reviews",
                                     "twitter__tweets", "facebook__comments", "zendesk__tickets", "zendesk__ticket_metrics",
                                     "amazon_connect__contacts", "delighted__responses", "qualtrics__responses")
    }


def test_a_contact_passed_on_is_escalated_whichever_record_says_so():
    from staging_fixture import build, fresh, insert, t

    con = fresh()
    insert(con, "staging.stg_amazon_connect__contacts", [
        # NextContactId on the original ...
        {"contact_id": "A", "channel": "VOICE", "initiation_method": "INBOUND", "next_contact_id": "B", "is_abandoned": False,
         "initiated_at": t("2024-01-01 10:00")},
        # ... or only PreviousContactId on the transfer leg
        {"contact_id": "C", "channel": "VOICE", "initiation_method": "INBOUND", "is_abandoned": False, "initiated_at": t("2024-01-01 11:00")},
        {"contact_id": "D", "channel": "VOICE", "initiation_method": "TRANSFER", "previous_contact_id": "C", "is_abandoned": False,
         "initiated_at": t("2024-01-01 11:05")},
        {"contact_id": "E", "channel": "VOICE", "initiation_method": "INBOUND", "is_abandoned": False, "initiated_at": t("2024-01-01 12:00")},
    ])
    build(con)
    got = con.execute("select source_record_id, is_escalated from core.interactions order by 1").fetchall()
    assert got == [("A", True), ("C", True), ("D", False), ("E", False)]
