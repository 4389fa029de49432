"""marts.experience_gap and marts.feedback_loop against figures worked out by hand from
tests/marts/scenario.py (plus a detractor whose follow-up comes too late)."""
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


def rows(con, sql: str) -> list[tuple]:
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in con.execute(sql).fetchall()]


def rounded(expected: list[tuple]) -> list[tuple]:
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in expected]


def test_experience_gap_all_time(con):
    got = rows(con, """select touchpoint, contacts, solved, solved_share, confirmable, confirmed, confirmed_share, gap,
                              solved_not_confirmed
                       from marts.experience_gap where grain = 'all' order by touchpoint""")
    assert got == rounded([
        # T2 open (not solved) but confirmed; K5 handled and confirmed
        ("support:chat", 2, 1, 0.5, 2, 2, 1.0, -0.5, 0),
        # T1 solved, repeated; T3 solved, repeated and rated bad; T4 closed, confirmed
        ("support:email", 3, 3, 1.0, 3, 1, 1 / 3, 2 / 3, 2),
        # K1 handled (its transfer leg K2 is not a contact), K3 and K4 abandoned; K4 anonymous
        ("support:phone", 3, 1, 1 / 3, 2, 2, 1.0, -2 / 3, 0),
        ("support:social", 1, 1, 1.0, 1, 1, 1.0, 0.0, 0),
    ])


def test_experience_gap_over_time(con):
    got = rows(con, """select period_start, contacts, solved_share, confirmed_share from marts.experience_gap
                       where grain = 'week' and touchpoint = 'support:email' order by period_start""")
    assert got == [(dt.date(2024, 11, 4), 2, 1.0, 0.0), (dt.date(2024, 11, 18), 1, 1.0, 1.0)]
    grains = rows(con, "select distinct grain from marts.experience_gap order by 1")
    assert grains == [("all",), ("day",), ("month",), ("week",)]


def test_feedback_loop_all_time(con):
    got = rows(con, """select touchpoint, feedback, negative_feedback, negative_share, answered, answered_share,
                              median_hours_to_answer
                       from marts.feedback_loop where grain = 'all' order by touchpoint""")
    assert got == rounded([
        # FB1 (negative) answered by ticket T2 three days later; TW2 positive; TW1 became a ticket
        ("discover:social", 2, 1, 0.5, 1, 1.0, 72.0),
        # R1 (1 star) has a developer reply a day later; R3 (2 stars) none; R2 (5 stars) is not negative
        ("feedback:app_store", 3, 2, 2 / 3, 1, 0.5, 24.0),
        # D2 (NPS 3) answered by the call K1 an hour later; D3 (CSAT 2) by ticket T4 5 days 2 hours later;
        # Q1 (NPS 7, CSAT 5, CES 3) is one record and not negative
        ("feedback:survey", 8, 2, 0.25, 2, 1.0, (1 + 122) / 2),
    ])


def test_feedback_loop_by_week(con):
    got = rows(con, """select period_start, feedback, negative_feedback, answered, median_hours_to_answer
                       from marts.feedback_loop where grain = 'week' and touchpoint = 'feedback:survey' order by 1""")
    assert got == [
        (dt.date(2024, 11, 4), 2, 1, 1, 1.0),
        (dt.date(2024, 11, 11), 5, 1, 1, 122.0),
        (dt.date(2024, 11, 18), 1, 0, 0, None),
    ]


def test_only_a_contact_within_seven_days_after_the_feedback_answers_it():
    con = fresh()
    insert(con, "staging.stg_delighted__responses", [
        {"response_id": "D1", "survey_type": "nps", "score": 2, "created_at": t("2024-05-10 08:00")},
        {"response_id": "D2", "survey_type": "csat", "score": 1, "created_at": t("2024-05-10 08:00")},
        {"response_id": "D3", "survey_type": "nps", "score": 6, "created_at": t("2024-05-10 08:00")},
    ])
    insert(con, "staging.stg_zendesk__tickets", [
        {"ticket_id": "T1", "channel": "email", "created_at": t("2024-05-09 08:00")},  # before D1: no answer
        {"ticket_id": "T2", "channel": "email", "created_at": t("2024-05-17 08:01")},  # 7 days + 1 minute after D1
        {"ticket_id": "T3", "channel": "email", "created_at": t("2024-05-17 08:00")},  # exactly 7 days after D2
    ])
    insert(con, "staging.stg_amazon_connect__contacts", [
        {"contact_id": "K1", "channel": "VOICE", "initiation_method": "OUTBOUND", "is_abandoned": False,
         "initiated_at": t("2024-05-10 09:30"), "disconnected_at": t("2024-05-10 09:40")},  # the company calls D3 back
    ])
    link(con, "A", [("delighted", "responses", "D1"), ("zendesk", "tickets", "T1"), ("zendesk", "tickets", "T2")])
    link(con, "B", [("delighted", "responses", "D2"), ("zendesk", "tickets", "T3")])
    link(con, "C", [("delighted", "responses", "D3"), ("amazon_connect", "contacts", "K1")])
    build(con)
    got = rows(con, "select negative_feedback, answered, median_hours_to_answer from marts.feedback_loop where grain = 'all'")
    assert got == [(3, 2, 84.75)]  # median of 168 h (D2) and 1.5 h (D3)
