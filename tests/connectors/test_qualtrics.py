"""Qualtrics responses: three header rows, zones from row 3, score questions found by text or config, rejects."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig, SurveyConfig
from models.raw.qualtrics import QualtricsResponse

qualtrics = CONNECTORS["qualtrics"]


def full(record: dict) -> dict:
    """Records are sparse (a blank cell is absent and loads as NULL): compare them with every column present."""
    return {name: record.get(name) for name in QualtricsResponse.model_fields} | {"_source_row": record["_source_row"]}


def physical_rows(path, header_rows=3) -> int:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return sum(1 for row in csv.reader(fh) if row) - header_rows


def test_sample_export(read, samples_dir):
    result = read(qualtrics, samples_dir / "qualtrics_nps_export.csv")
    assert result.rejects == []
    priya, anonymous = map(full, result.rows("responses"))
    assert priya == {
        "_source_row": 1,  # data rows count after the three header rows
        "response_id": "R_1AbCdEfGhIjKlMn",
        "start_date": dt.datetime(2024, 11, 8, 15, 1, 2),
        "start_date_text": "2024-11-08 15:01:02",
        "end_date": dt.datetime(2024, 11, 8, 15, 2, 40),
        "end_date_text": "2024-11-08 15:02:40",
        "recorded_date": dt.datetime(2024, 11, 8, 15, 2, 41),
        "recorded_date_text": "2024-11-08 15:02:41",
        "time_zone": "Z",
        "status": "0",
        "ip_address": None,
        "progress": 100,
        "duration_in_seconds": 98,
        "finished": True,
        "recipient_last_name": "Raman",
        "recipient_first_name": "Priya",
        "recipient_email": "priya.raman@example.net",
        "external_reference": "CUST-8123456700011",
        "location_latitude": None,
        "location_longitude": None,
        "distribution_channel": "email",
        "user_language": "EN",
        "nps_question": "Q1",  # "How likely are you to recommend ... (0-10)"
        "nps_score": 9,
        "csat_question": None,
        "csat_score": None,
        "ces_question": None,
        "ces_score": None,
        "comment": "Fast shipping,\nbut sizing runs small",  # QID2_TEXT, spanning lines
        "answers": json.dumps({"Q1": "9", "Q2": "Fast shipping,\nbut sizing runs small"}, separators=(",", ":")),
        "embedded_data": None,
    }
    assert (anonymous["nps_score"], anonymous["comment"], anonymous["recipient_email"]) == (3, "Refund took 3 weeks", None)


def test_pitfalls_and_rejects(read, fixtures_dir):
    path = fixtures_dir / "qualtrics" / "nps_survey_export.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = read(qualtrics, path)
    assert result.total == physical_rows(path) == 8  # conservation
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (3, "Q1 (NPS) 11 outside 0..10"),
        (4, "Q2 (CSAT) 6 outside 1..5"),
        (5, "ResponseId is missing"),
        (6, "RecordedDate '08/32/2024 25:00' is not a readable date and time"),
        (7, "row has 25 fields, header has 24"),
    ]
    assert result.rejects[0].record.startswith("2024-11-08 09:00:00,2024-11-08 09:00:00,0,203.0.113.9,100")
    good, partial, labels = map(full, result.rows("responses"))
    assert good == {
        **good,
        "response_id": "R_good1",
        # America/Denver per row 3: MST (UTC-7) in November ...
        "recorded_date": dt.datetime(2024, 11, 8, 15, 1),
        "recorded_date_text": "2024-11-08 08:01:00",
        "time_zone": "America/Denver",
        "nps_question": "Q1",
        "nps_score": 10,
        "csat_question": "Q2",  # "how satisfied"
        "csat_score": 5,
        "ces_question": "Q3",  # "how easy"
        "ces_score": 6,
        "comment": "Loved it,\nwill buy again\na friend",  # Q4 (QID4_TEXT) and Q5_4_TEXT
        "embedded_data": '{"customer_id":"8123456700021"}',
        "recipient_email": "Mia@Example.com",
        "location_latitude": 39.7392,
    }
    assert json.loads(good["answers"]) == {
        "Q1": "10", "Q1_NPS_GROUP": "Promoter", "Q2": "5", "Q3": "6", "Q4": "Loved it,\nwill buy again", "Q5_4_TEXT": "a friend",
    }
    # ... MDT (UTC-6) in July; an unfinished response is still a record
    assert partial == {
        **partial,
        "response_id": "R_partial",
        "recorded_date": dt.datetime(2024, 7, 4, 18, 0),
        "finished": False,
        "progress": 40,
        "nps_score": None,
        "comment": None,
        "answers": None,
    }
    # choice text instead of values: "10 - Extremely likely", "Very satisfied"
    assert (labels["nps_score"], labels["csat_score"], labels["ces_score"]) == (10, 5, 2)


def test_single_header_row_uses_config(read, fixtures_dir):
    config = CxpConfig(store_timezone="Europe/Berlin", surveys=SurveyConfig(qualtrics_nps_question="Q7"))
    result = read(qualtrics, fixtures_dir / "qualtrics" / "legacy_single_header.csv", config)
    assert result.rejects == []
    (response,) = map(full, result.rows("responses"))
    assert response == {
        **response,
        "_source_row": 1,
        "response_id": "R_legacy1",  # header "ResponseID"
        "recorded_date": dt.datetime(2024, 1, 10, 8, 3, 1),  # no zone in the file: store zone, CET
        "time_zone": "Europe/Berlin",
        "finished": True,
        "nps_question": "Q7",
        "nps_score": 6,
        "comment": "ok",
        "recipient_email": "leg@example.com",
    }
    # without the configured question there is no way to know which column is NPS
    (unconfigured,) = read(qualtrics, fixtures_dir / "qualtrics" / "legacy_single_header.csv").rows("responses")
    assert unconfigured.get("nps_score") is None
    assert unconfigured["recorded_date"] == dt.datetime(2024, 1, 10, 9, 3, 1)  # default store zone: UTC


def test_configured_question_overrides_text(read, fixtures_dir):
    config = CxpConfig(surveys=SurveyConfig(qualtrics_nps_question="QID3"))  # named by its ImportId
    (response,) = read(qualtrics, fixtures_dir / "qualtrics" / "nps_survey_export_2.csv", config).rows("responses")
    assert (response["nps_question"], response["nps_score"]) == ("Q3", 6)
    assert (response["csat_question"], response["csat_score"]) == ("Q2", 5)
    assert response.get("ces_question") is None  # the only "easy" question is taken


def test_legacy_v_coded_export(read, tmp_path):
    """The legacy format: V1..V10 ids in row 1, names and question text in row 2, no ImportId row."""
    path = tmp_path / "legacy.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2"],
            ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
             "StartDate", "EndDate", "Finished", "How likely is it that you would recommend us to a friend?", "Why?"],
            ["R_v1", "Default", "Roe, Jo", "CUST-1", "jo@example.com", "", "0", "2016-05-01 10:00:00",
             "2016-05-01 10:02:00", "1", "8", "fine"],
        ])
    (response,) = read(qualtrics, path).rows("responses")
    assert response["_source_row"] == 1
    assert (response["response_id"], response["recipient_email"], response["external_reference"]) == ("R_v1", "jo@example.com", "CUST-1")
    assert response["recorded_date"] == dt.datetime(2016, 5, 1, 10, 2)  # no RecordedDate column: EndDate
    assert (response["nps_question"], response["nps_score"]) == ("Q1", 8)
    assert json.loads(response["embedded_data"]) == {"ResponseSet": "Default", "Name": "Roe, Jo"}


def test_nps_found_by_its_group_column(read, tmp_path):
    path = tmp_path / "groups.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["ResponseId", "RecordedDate", "Q9", "Q10", "Q10_NPS_GROUP"],
            ["Response ID", "Recorded Date", "Your region", "Score", "Score - Group"],
            ['{"ImportId":"_recordId"}', '{"ImportId":"recordedDate","timeZone":"-05:00"}', '{"ImportId":"QID9"}',
             '{"ImportId":"QID10"}', '{"ImportId":"QID10_NPS_GROUP"}'],
            ["R_g", "2024-02-01 07:00:00", "3", "4", "Detractor"],
            ["R_seen", "2024-02-01 07:30:00", "3", "-99", ""],  # seen but unanswered: not an out-of-scale score
        ])
    result = read(qualtrics, path)
    assert result.rejects == []
    response, seen = result.rows("responses")
    assert seen.get("nps_score") is None and json.loads(seen["answers"])["Q10"] == "-99"
    assert (response["nps_question"], response["nps_score"]) == ("Q10", 4)
    assert response["recorded_date"] == dt.datetime(2024, 2, 1, 12, 0)  # a fixed offset as the zone
    assert response["time_zone"] == "-05:00"


def test_unknown_layout_is_unreadable(read, fixtures_dir):
    with pytest.raises(UnreadableFile, match="unknown layout: .*ResponseId.*Date, Visits"):
        read(qualtrics, fixtures_dir / "qualtrics" / "not_a_survey.csv")


def test_an_answer_never_passes_for_a_header_row(read, tmp_path):
    path = tmp_path / "single.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["ResponseId", "RecordedDate", "Q1_TEXT"],
            ["R_a", "2024-02-01 07:00:00", "Response ID"],  # someone typed the words into a text answer
            ["R_b", "2024-02-01 08:00:00", "fine"],
        ])
    result = read(qualtrics, path)
    assert [(r["_source_row"], r["response_id"], r["comment"]) for r in result.rows("responses")] == [
        (1, "R_a", "Response ID"), (2, "R_b", "fine"),
    ]
