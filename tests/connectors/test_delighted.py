"""Delighted responses: person as id or object, scales per survey type, missing fields."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile

delighted = CONNECTORS["delighted"]


def test_sample_responses(read, samples_dir):
    result = read(delighted, samples_dir / "delighted_survey_responses.json")
    assert result.rejects == []
    expanded, bare = result.rows("responses")
    assert expanded == {
        **expanded,
        "_source_row": 1,
        "id": "77001",
        "person_id": "5501",
        "person_name": "Priya Raman",
        "person_email": "priya.raman@example.net",
        "person_phone_number": None,
        "survey_type": "nps",
        "survey_kind": "nps",
        "score": 9,
        "comment": "Fast shipping, sizing runs small",
        "tags": "shipping",
        "customer_ref": "8123456700011",
        "order_ref": "2041",  # "#2041"
        "created_at": dt.datetime(2024, 11, 7, 14, 42, 22),  # epoch 1730990542
        "updated_at": dt.datetime(2024, 11, 7, 14, 42, 22),
        "notes": None,
    }
    assert json.loads(expanded["person_properties"]) == {"customer_id": "8123456700011", "order": "#2041"}
    assert bare == {
        **bare,
        "id": "77002",
        "person_id": "5502",  # person as a bare id
        "person_name": None,
        "person_email": None,
        "survey_kind": "csat",
        "score": 2,
        "comment": None,
        "tags": None,
        "person_properties": "{}",
        "customer_ref": None,
        "order_ref": None,
        "updated_at": dt.datetime(2024, 11, 7, 18, 20),
    }


def test_scales_defaults_and_rejects(read, fixtures_dir):
    result = read(delighted, fixtures_dir / "delighted" / "survey_responses_2024-11.json")
    assert result.total == 13  # conservation: every response loaded or quarantined
    assert {r.source_row: r.reason for r in result.rejects} == {
        4: "score 11 outside 0..10 (nps)",
        5: "score 0 outside 1..5 (csat)",
        7: "score 8 outside 1..7 (ces)",
        8: "created_at is missing",
        9: "id is missing",
        11: "score 'nine' is not a number on the 0..10 scale (nps)",
        12: "score 7.5 is not a whole number on the 0..10 scale (nps)",
    }
    rows = {r["id"]: r for r in result.rows("responses")}
    assert {i: (r["survey_type"], r["survey_kind"], r["score"]) for i, r in rows.items()} == {
        "90001": ("nps", "nps", 10),
        "90002": ("csat", "csat", 4),  # "4" as text
        "90003": (None, "nps", 6),  # no survey_type: Delighted's default, NPS
        "90006": ("ces", "ces", 7),
        "90010": ("five_star", "csat", 5),
        "90013": ("thumbs", "thumbs", 1),
    }
    assert rows["90002"]["id"] == "90002"  # an integer id stored as text
    assert (rows["90001"]["person_email"], rows["90001"]["person_phone_number"]) == ("Ann.Lee@Example.com", "+15125550143")
    assert (rows["90001"]["customer_ref"], rows["90001"]["order_ref"]) == ("8123456700077", "2050")  # "Customer ID", "Order"
    assert rows["90001"]["comment"] == "Great fit.\nWill buy again"
    assert rows["90001"]["tags"] == "fit,repeat"
    assert rows["90002"]["order_ref"] == "2051"  # order_id as a number
    assert rows["90003"]["person_id"] == "6603"  # person as an integer
    assert rows["90003"]["created_at"] == dt.datetime(2024, 11, 7, 17, 23, 20)  # epoch seconds as text
    assert rows["90003"]["person_properties"] is None
    assert rows["90010"]["person_id"] == "6610" and rows["90010"]["person_name"] is None


def test_wrapped_responses_and_webhook_json_lines(read, fixtures_dir):
    update = read(delighted, fixtures_dir / "delighted" / "survey_responses_update.json")
    assert [(r["id"], r["updated_at"]) for r in update.rows("responses")] == [("90001", dt.datetime(2024, 11, 8, 17, 20))]

    events = read(delighted, fixtures_dir / "delighted" / "webhook_events.jsonl")
    assert [(r["id"], r["survey_kind"], r["score"], r["_source_row"]) for r in events.rows("responses")] == [
        ("91001", "ces", 2, 1), ("91003", "csat", 5, 3),
    ]
    assert events.rows("responses")[0]["customer_ref"] == "cust_8123456700088"
    assert events.rows("responses")[0]["person_email"] == "bo@example.net"
    assert [(r.source_row, r.reason.split(" (")[0]) for r in events.rejects] == [(2, "invalid JSON on line 2")]


def test_a_list_cut_off_is_one_reject_and_other_json_is_unreadable(read, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text('[{"id": "1", "score": 9, "created_at": 1731000000}, {"id": "2", "sco')
    result = read(delighted, cut)
    assert result.records == {} and [r.source_row for r in result.rejects] == [1]
    assert result.rejects[0].reason.startswith("invalid JSON")

    other = tmp_path / "metrics.json"
    other.write_text(json.dumps({"nps": 42, "promoter_count": 10}))
    with pytest.raises(UnreadableFile, match="unknown layout"):
        list(delighted.read(other, None))


@pytest.mark.parametrize("content", ["[]", '{"responses": []}', "", "\n"])
def test_empty_lists_and_files_read_as_nothing(read, tmp_path, content):
    path = tmp_path / "empty.json"
    path.write_text(content)
    assert read(delighted, path).total == 0


@pytest.mark.parametrize(
    ("survey_type", "score", "outcome"),
    [
        ("nps", 0, 0), ("nps", 10, 10), ("nps", -1, "score -1 outside 0..10 (nps)"),
        ("csat", 1, 1), ("csat", 5, 5), ("csat", 6, "score 6 outside 1..5 (csat)"),
        ("ces", 1, 1), ("ces", 7, 7), ("ces", 0, "score 0 outside 1..7 (ces)"),
        ("smileys", 3, 3), ("enps", 11, "score 11 outside 0..10 (enps)"),
        (None, 11, "score 11 outside 0..10 (nps)"),
        ("nps", None, None), ("nps", True, "score true is not a number on the 0..10 scale (nps)"),
    ],
)
def test_score_scales(read, tmp_path, survey_type, score, outcome):
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"id": "1", "survey_type": survey_type, "score": score, "created_at": 1731000000}]))
    result = read(delighted, path)
    if isinstance(outcome, str):
        assert [r.reason for r in result.rejects] == [outcome]
    else:
        assert [r["score"] for r in result.rows("responses")] == [outcome]
