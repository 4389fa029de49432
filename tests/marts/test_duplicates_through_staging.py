"""Ratings count once per record after deduplication: export files with repeated and
updated records go through the real connectors, loader and staging models, then the
experience models; NPS and CSAT see each response and ticket once, in its latest state."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from staging_fixture import STAGING, build, fresh, link

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines.loader import load_connector
from pipelines.sql_functions import register_functions
from pipelines.sql_models import find

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def delighted(response_id: str, score: int, updated_at: int, survey_type: str = "nps") -> dict:
    return {"id": response_id, "person": {"id": f"p{response_id}", "email": f"{response_id}@example.com"}, "survey_type": survey_type,
            "score": score, "comment": None, "created_at": 1730990000, "updated_at": updated_at, "person_properties": {}}


def zendesk_page(template: dict, versions: list[tuple[int, str, str, int]]) -> dict:
    """A page of ticket versions: (id, status, satisfaction score, generated_timestamp)."""
    page = copy.deepcopy(template)
    ticket = template["tickets"][0]
    page["tickets"] = []
    page["metric_sets"] = []
    for ticket_id, status, score, generated in versions:
        version = copy.deepcopy(ticket)
        version.update({"id": ticket_id, "status": status, "generated_timestamp": generated,
                        "satisfaction_rating": {"score": score}})
        page["tickets"].append(version)
        metrics = copy.deepcopy(template["metric_sets"][0])
        metrics.update({"id": 9_000_000_000 + ticket_id, "ticket_id": ticket_id})
        page["metric_sets"].append(metrics)
    return page


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    exports = tmp_path_factory.mktemp("exports")
    (exports / "delighted").mkdir()
    # response 1 first answered 3 (detractor), then updated to 9; response 2 (10) exported twice
    (exports / "delighted" / "responses_1.json").write_text(json.dumps([delighted("1", 3, 1730990000), delighted("2", 10, 1730990000)]))
    (exports / "delighted" / "responses_2.json").write_text(json.dumps([delighted("1", 9, 1731000000), delighted("2", 10, 1730990000)]))
    template = json.loads((SAMPLES / "zendesk_incremental_tickets_page.json").read_text())
    (exports / "zendesk").mkdir()
    # ticket 101 offered, then rated good in a later pull; ticket 102 rated bad, pulled twice
    (exports / "zendesk" / "page_1.json").write_text(json.dumps(zendesk_page(template, [(101, "open", "offered", 1731000000),
                                                                                       (102, "solved", "bad", 1731000000)])))
    (exports / "zendesk" / "page_2.json").write_text(json.dumps(zendesk_page(template, [(101, "solved", "good", 1731100000),
                                                                                       (102, "solved", "bad", 1731000000)])))
    connection = fresh()
    for schema in ("raw", "audit"):
        connection.execute(f"create schema {schema}")
    register_functions(connection, CxpConfig())
    for name in ("delighted", "zendesk"):
        report = load_connector(connection, CONNECTORS[name], exports, CxpConfig())
        assert report.records_quarantined == 0
    real = {"stg_delighted__responses", "stg_zendesk__tickets", "stg_zendesk__ticket_metrics", "stg_zendesk__users"}
    for table in real:
        connection.execute(f"drop table staging.{table}")
        find(f"staging.{table}").build(connection)
    assert set(STAGING) >= real
    link(connection, "A", [("delighted", "responses", "1"), ("zendesk", "tickets", "101")])
    link(connection, "B", [("delighted", "responses", "2"), ("zendesk", "tickets", "102")])
    build(connection)
    yield connection
    connection.close()


def test_raw_keeps_every_version(con):
    assert con.execute("select count(*) from raw.delighted__responses").fetchone()[0] == 4
    assert con.execute("select count(*) from raw.zendesk__tickets").fetchone()[0] == 4


def test_each_response_and_ticket_is_one_touch_in_its_latest_state(con):
    got = con.execute(
        "select interaction_id, rating_type, rating from core.interactions order by interaction_id"
    ).fetchall()
    assert got == [
        ("delighted:responses:1", "nps", 9),
        ("delighted:responses:2", "nps", 10),
        ("zendesk:tickets:101", "csat", 1),
        ("zendesk:tickets:102", "csat", 0),
    ]


def test_nps_and_csat_count_each_record_once(con):
    survey = con.execute(
        "select interactions, nps_responses, nps from marts.touchpoint_metrics where touchpoint = 'feedback:survey' and grain = 'all'"
    ).fetchall()
    assert survey == [(2, 2, 100.0)]  # both promoters once the update is applied; no duplicate response
    support = con.execute(
        "select interactions, csat_ratings, csat, first_reply_median_minutes from marts.touchpoint_metrics "
        "where touchpoint = 'support:email' and grain = 'all'"
    ).fetchall()
    assert support == [(2, 2, 50.0, 47.0)]
