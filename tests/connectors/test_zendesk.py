"""Zendesk incremental export pages: three entities per page, nulls anywhere, broken pages."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile

zendesk = CONNECTORS["zendesk"]


def test_sample_page_yields_tickets_users_and_metric_sets(read, samples_dir):
    result = read(zendesk, samples_dir / "zendesk_incremental_tickets_page.json")
    assert result.rejects == []
    tickets, users, metrics = result.rows("tickets"), result.rows("users"), result.rows("metric_sets")
    assert [t["id"] for t in tickets] == ["48213", "48214"]
    assert [u["id"] for u in users] == ["36100000001", "36100000002"]
    assert [m["ticket_id"] for m in metrics] == ["48213"]
    # every object in every array is a physical record, numbered through the page
    assert [r["_source_row"] for r in tickets + users + metrics] == [1, 2, 3, 4, 5]

    email, voice = tickets
    assert email["via_channel"] == "email"
    assert email["via_from_address"] == "priya.raman@example.net"
    assert email["via_from_name"] == "Priya Raman"
    assert email["via_to_address"] == "support@northtrail.example"
    assert email["created_at"] == dt.datetime(2024, 11, 5, 19, 10, 2)
    assert email["generated_timestamp"] == dt.datetime(2024, 11, 7, 16, 45, 12)  # epoch 1730997912
    assert email["requester_id"] == "36100000001" and email["organization_id"] is None
    assert email["tags"] == "billing,checkout,refund"
    assert json.loads(email["custom_fields"]) == [{"id": 360001234, "value": "order_2041"}]
    assert (email["satisfaction_score"], email["satisfaction_comment"]) == ("good", "Quick refund, thanks")
    assert email["description"] == "Hi,\nmy card was declined twice but charged once.\nPriya"
    assert json.loads(email["raw_json"])["brand_id"] == 360000002  # the ticket is kept whole

    assert voice["via_channel"] == "voice"
    assert voice["via_from_phone"] == "+447700900321"
    assert voice["via_source_rel"] == "inbound"
    assert voice["type"] is None and voice["priority"] is None
    assert (voice["satisfaction_score"], voice["satisfaction_comment"]) == ("offered", None)

    assert users[0]["external_id"] == "cust_8123456700011"
    assert users[0]["iana_time_zone"] == "America/Chicago"
    assert users[1]["email"] is None and users[1]["phone"] == "+447700900321"

    metric = metrics[0]
    assert metric["id"] == "9000048213"
    assert (metric["reopens"], metric["replies"]) == (1, 3)
    assert (metric["reply_time_in_minutes_calendar"], metric["reply_time_in_minutes_business"]) == (47, 47)
    assert metric["full_resolution_time_in_minutes_calendar"] == 2735
    assert metric["first_resolution_time_in_minutes_business"] == 540
    assert metric["solved_at"] == dt.datetime(2024, 11, 7, 16, 45, 12)


def test_nulls_anywhere_and_rejects_with_reasons(read, fixtures_dir):
    result = read(zendesk, fixtures_dir / "zendesk" / "incremental_tickets_b.json")
    # 6 tickets + 3 users + 3 metric sets, each read exactly once
    assert result.total == 12
    rejects = {(r.entity, r.source_row): r.reason for r in result.rejects}
    assert rejects == {
        ("tickets", 3): "created_at is missing",
        ("tickets", 4): "created_at 'sometime last week' is not a readable date and time",
        ("tickets", 5): "ticket id is missing",
        ("tickets", 6): "tickets record 6 is not a JSON object",
        ("users", 9): "user id is missing",
        ("metric_sets", 12): "metric set ticket_id is missing",
    }
    assert json.loads(next(r.record for r in result.rejects if r.source_row == 3))["id"] == 105

    first, bare = result.rows("tickets")
    assert first["id"] == "101" and first["satisfaction_score"] is None  # satisfaction_rating: null
    assert first["via_channel"] == "chat" and first["via_from_name"] is None  # from: {}
    assert bare == {
        **bare,
        "id": "102", "via_channel": None, "via_from_address": None, "updated_at": None, "generated_timestamp": None,
        "description": None, "tags": None, "satisfaction_score": None, "requester_id": "503",
    }
    users = {u["id"]: u for u in result.rows("users")}
    assert users["503"]["phone"] == "5.12555E+09"  # a mangled phone is kept as text, never a reject
    metrics = {m["ticket_id"]: m for m in result.rows("metric_sets")}
    assert metrics["101"]["reply_time_in_minutes_calendar"] is None  # {calendar: null, business: null}
    assert metrics["101"]["first_resolution_time_in_minutes_calendar"] is None  # the whole object null
    assert metrics["101"]["on_hold_time_in_minutes_calendar"] is None  # key absent
    assert metrics["101"]["requester_wait_time_in_minutes_business"] == 5
    assert metrics["102"]["reopens"] is None and metrics["102"]["solved_at"] is None


def test_social_ticket_keeps_handle_and_older_satisfaction_score(read, fixtures_dir):
    tickets = {t["id"]: t for t in read(zendesk, fixtures_dir / "zendesk" / "incremental_tickets_a.json").rows("tickets")}
    assert tickets["104"]["via_channel"] == "twitter"
    assert tickets["104"]["via_from_username"] == "bo_runs"
    assert tickets["104"]["tags"] is None  # tags: []
    assert tickets["101"]["satisfaction_score"] == "good_with_comment"  # raw keeps it; staging maps it to good


def test_a_page_cut_off_mid_write_is_one_reject(read, fixtures_dir):
    path = fixtures_dir / "zendesk" / "incremental_tickets_cut.json"
    result = read(zendesk, path)
    assert result.records == {}
    assert len(result.rejects) == 1
    reject = result.rejects[0]
    assert (reject.entity, reject.source_row) == ("tickets", 1)
    assert reject.reason.startswith("invalid JSON") and reject.reason.endswith("unexpected end of data")  # wording: decoding.py
    assert reject.record == path.read_text()


def test_json_that_is_not_an_export_page_is_unreadable(fixtures_dir):
    with pytest.raises(UnreadableFile, match="unknown layout"):
        list(zendesk.read(fixtures_dir / "zendesk" / "search_results.json", None))


def test_admin_export_json_lines(read, fixtures_dir):
    result = read(zendesk, fixtures_dir / "zendesk" / "admin_export.jsonl")
    assert [(t["id"], t["via_channel"], t["_source_row"]) for t in result.rows("tickets")] == [
        ("201", "web", 1), ("203", "facebook", 3),
    ]
    assert [(r.source_row, r.reason.split(" (")[0]) for r in result.rejects] == [(2, "invalid JSON on line 2")]


def test_gzip_page_and_single_object_responses(read, tmp_path, samples_dir):
    gz = tmp_path / "page.json.gz"
    gz.write_bytes(gzip.compress((samples_dir / "zendesk_incremental_tickets_page.json").read_bytes()))
    assert [t["id"] for t in read(zendesk, gz).rows("tickets")] == ["48213", "48214"]

    single = tmp_path / "ticket.json"
    single.write_text(json.dumps({"ticket": {"id": 7, "created_at": "2024-11-05T19:10:02Z"}, "ticket_metrics": [{"ticket_id": 7, "replies": 1.0}]}))
    result = read(zendesk, single)
    assert [t["id"] for t in result.rows("tickets")] == ["7"]
    assert [(m["ticket_id"], m["replies"]) for m in result.rows("metric_sets")] == [("7", 1)]


@pytest.mark.parametrize(
    "content",
    ['{"tickets": [], "users": [], "metric_sets": [], "after_cursor": null, "end_of_stream": true}', "[]", "", "  \n"],
    ids=["empty last page", "empty list", "empty file", "blank file"],
)
def test_empty_pages_and_files_read_as_nothing(read, tmp_path, content):
    path = tmp_path / "last.json"
    path.write_text(content)
    assert read(zendesk, path).total == 0


def test_bare_list_of_tickets_and_users(read, tmp_path):
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([
        {"id": 1, "via": {"channel": "web"}, "created_at": "2024-11-01T00:00:00Z"},
        {"id": 2, "role": "end-user", "email": "a@example.com"},
        {"ticket_id": 1, "replies": 2},
        {"hello": "world"},
    ]))
    result = read(zendesk, path)
    assert [(e, r["_source_row"]) for e in ("tickets", "users", "metric_sets") for r in result.rows(e)] == [
        ("tickets", 1), ("users", 2), ("metric_sets", 3),
    ]
    assert [(r.source_row, r.reason) for r in result.rejects] == [(4, "record 4 is not a Zendesk ticket, user or metric set")]
