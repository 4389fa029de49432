"""Staging for the support and survey sources, built on what the loader really stored:
latest version per natural key, channel mapping, canonical contact details, conservation."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines import sql_models
from pipelines.loader import load_connector
from pipelines.warehouse import connect_build


def _warehouse(tmp_path: Path, connector: str, files: list[Path]):
    """Copy ``files`` into EXPORTS/<connector>/, load them, and return the build connection."""
    folder = tmp_path / "exports" / connector
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)
    con = connect_build(tmp_path / "warehouse", CxpConfig())
    report = load_connector(con, CONNECTORS[connector], tmp_path / "exports", CxpConfig())
    return con, report


def _build(con, name: str) -> dict[str, dict]:
    """Build a staging model; its rows keyed by the first column (the natural key), which must be unique."""
    model = sql_models.find(name)
    count = model.build(con)
    cursor = con.execute(f"select * from {model.table}")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
    keyed = {row[columns[0]]: row for row in rows}
    assert len(keyed) == len(rows) == count, f"{name}: {columns[0]} is not unique"
    return keyed


def _conservation(con, connector: str) -> tuple[int, int]:
    """audit.loads proves read = loaded + quarantined per file, and the tables agree with it."""
    bad = con.execute(
        "select count(*) from audit.loads where connector = ? and records_read <> records_loaded + records_quarantined", [connector]
    ).fetchone()[0]
    assert bad == 0
    loaded, quarantined = con.execute(
        "select sum(records_loaded), sum(records_quarantined) from audit.loads where connector = ? and status = 'loaded'", [connector]
    ).fetchone()
    raw_rows = sum(
        con.execute(f"select count(*) from {CONNECTORS[connector].raw_table(e)}").fetchone()[0] for e in CONNECTORS[connector].entities
    )
    in_quarantine = con.execute("select count(*) from audit.quarantine where connector = ?", [connector]).fetchone()[0]
    assert (raw_rows, in_quarantine) == (loaded, quarantined)
    return loaded, quarantined


# --- Zendesk ---------------------------------------------------------------------------

@pytest.fixture
def zendesk(tmp_path, samples_dir, fixtures_dir):
    files = [samples_dir / "zendesk_incremental_tickets_page.json", *sorted((fixtures_dir / "zendesk").iterdir())]
    return _warehouse(tmp_path, "zendesk", files)


def test_zendesk_loads_every_record_once(zendesk):
    con, report = zendesk
    assert {f.source_file: (f.status, f.records_loaded, f.records_quarantined) for f in report.files} == {
        "zendesk/admin_export.jsonl": ("loaded", 2, 1),
        "zendesk/incremental_tickets_a.json": ("loaded", 4, 0),
        "zendesk/incremental_tickets_b.json": ("loaded", 6, 6),
        "zendesk/incremental_tickets_cut.json": ("loaded", 0, 1),
        "zendesk/search_results.json": ("failed", 0, 0),
        "zendesk/zendesk_incremental_tickets_page.json": ("loaded", 5, 0),
    }
    assert _conservation(con, "zendesk") == (17, 8)
    reasons = con.execute(
        "select entity, reason from audit.quarantine where source_file = 'zendesk/incremental_tickets_b.json' order by source_row"
    ).fetchall()
    assert reasons[0] == ("tickets", "created_at is missing")


def test_zendesk_tickets_keep_the_highest_generated_timestamp(zendesk):
    con, _ = zendesk
    tickets = _build(con, "stg_zendesk__tickets")
    assert sorted(tickets) == ["101", "102", "104", "201", "203", "48213", "48214"]
    # version 2 (generated 2024-11-03) was loaded before version 1 (generated 2024-11-01): version 2 wins
    latest = tickets["101"]
    assert latest == {
        **latest,
        "status": "solved",
        "via_channel": "native_messaging",
        "channel": "chat",
        "satisfaction_score": "good",  # good_with_comment
        "satisfaction_comment": "Sorted quickly",
        "tags": "shipping,late",
        "ticket_type": "question",
        "priority": "normal",
        "requester_id": "501",
        "assignee_id": "900",
        "created_at": dt.datetime(2024, 11, 1, 9, 0),
        "updated_at": dt.datetime(2024, 11, 3, 12, 0),
        "generated_at": dt.datetime(2024, 11, 3, 12, 0),
        "_source_file": "zendesk/incremental_tickets_a.json",
        "_source_row": 1,
    }
    assert json.loads(latest["custom_fields"])[0] == {"id": 360001234, "value": "2050"}
    assert {t: row["channel"] for t, row in tickets.items()} == {
        "48213": "email", "48214": "phone", "101": "chat", "102": "web", "104": "social", "201": "web", "203": "social",
    }
    assert tickets["102"]["satisfaction_score"] is None and tickets["102"]["generated_at"] is None
    assert tickets["104"]["satisfaction_score"] == "bad" and tickets["104"]["via_from_username"] == "bo_runs"
    assert tickets["48214"]["via_from_phone"] == "+447700900321"


def test_zendesk_users_latest_with_canonical_contacts(zendesk):
    con, _ = zendesk
    users = _build(con, "stg_zendesk__users")
    assert sorted(users) == ["36100000001", "36100000002", "501", "503"]
    ann = users["501"]
    assert ann == {
        **ann,
        "name": "Ann Lee",  # the 2024-11-03 version, not the 2024-10-01 one loaded after it
        "email": "ann.lee@example.com",
        "email_raw": "Ann.Lee@Example.COM",  # surrounding blanks are not data
        "phone": "+15125550143",
        "phone_raw": "(512) 555-0143",
        "external_id": "CUST-8123456700077",
        "is_shared_phone": False,
        "role": "end-user",
        "updated_at": dt.datetime(2024, 11, 3, 12, 0),
    }
    cy = users["503"]
    assert (cy["email"], cy["email_raw"], cy["phone"], cy["phone_raw"]) == (None, "not-an-email", None, "5.12555E+09")
    assert users["36100000002"]["phone"] == "+447700900321"


def test_zendesk_ticket_metrics_latest_per_ticket(zendesk):
    con, _ = zendesk
    metrics = _build(con, "stg_zendesk__ticket_metrics")
    assert sorted(metrics) == ["101", "102", "48213"]
    assert metrics["101"] == {
        **metrics["101"],
        "metric_set_id": "9101",
        "replies": 2,
        "first_reply_minutes": 15,
        "first_resolution_minutes": 3000,
        "full_resolution_minutes": 3060,
        "requester_wait_minutes": 2900,
        "on_hold_minutes": 0,
        "first_reply_business_minutes": 15,
        "full_resolution_business_minutes": 1200,
        "solved_at": dt.datetime(2024, 11, 3, 12, 0),
    }
    empty = metrics["102"]
    assert [empty[c] for c in ("reopens", "replies", "first_reply_minutes", "full_resolution_minutes", "solved_at")] == [None] * 5
    assert (metrics["48213"]["first_reply_minutes"], metrics["48213"]["full_resolution_minutes"]) == (47, 2735)


@pytest.mark.parametrize(
    ("via_channel", "channel"),
    [
        ("email", "email"), ("web", "web"), ("voice", "phone"), ("chat", "chat"), ("native_messaging", "chat"),
        ("twitter", "social"), ("facebook", "social"), ("api", "web"), ("mobile_sdk", "web"), ("Voice", "phone"), (None, "web"),
    ],
)
def test_zendesk_channel_mapping(tmp_path, via_channel, channel):
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"tickets": [{"id": 1, "created_at": "2024-11-01T00:00:00Z", "via": {"channel": via_channel}}]}))
    con, _ = _warehouse(tmp_path, "zendesk", [page])
    assert _build(con, "stg_zendesk__tickets")["1"]["channel"] == channel


# --- Amazon Connect ---------------------------------------------------------------------

@pytest.fixture
def amazon_connect(tmp_path, samples_dir, fixtures_dir):
    files = [samples_dir / "connect_ctr_firehose_object", *sorted((fixtures_dir / "amazon_connect").iterdir())]
    return _warehouse(tmp_path, "amazon_connect", files)


def test_connect_loads_every_record_once(amazon_connect):
    con, report = amazon_connect
    assert {f.source_file: (f.records_loaded, f.records_quarantined) for f in report.files} == {
        "amazon_connect/connect_ctr_firehose_object": (2, 0),
        "amazon_connect/ctr-2024-11-06.json": (3, 3),
        "amazon_connect/ctr-stream-1-2024-11-06-15-35-00-0a1b": (2, 1),
        "amazon_connect/ctr-stream-1-2024-11-06-16-40-00-9f8e.gz": (2, 0),
    }
    assert _conservation(con, "amazon_connect") == (9, 4)
    corrupt = con.execute(
        "select source_row, record from audit.quarantine where source_file = 'amazon_connect/ctr-stream-1-2024-11-06-15-35-00-0a1b'"
    ).fetchall()
    assert corrupt == [(2, '{"ContactId": "c-002", "Channel": "VOICE", "InitiationTimestamp": "2024-11-06T15:20:00Z" "Agent": null}')]


def test_connect_contacts_keep_the_latest_delivery(amazon_connect):
    con, _ = amazon_connect
    contacts = _build(con, "stg_amazon_connect__contacts")
    assert sorted(contacts) == sorted(["5d2e6c1a-7f3b-4a9e-9c10-2b3f4a5d6e7f", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "c-001", "c-003", "c-004", "c-005", "c-008"])
    redelivered = contacts["c-001"]  # the gzip redelivery has the higher LastUpdateTimestamp
    assert redelivered == {
        **redelivered,
        "channel": "VOICE",
        "phone": "+15125550143",
        "phone_raw": "+15125550143",
        "queue_name": "BillingQueue",
        "queue_seconds": 30,
        "agent_username": "dkim",
        "talk_seconds": 300,
        "hold_seconds": 20,
        "after_contact_work_seconds": 55,
        "is_abandoned": False,
        "connected_to_agent_at": dt.datetime(2024, 11, 6, 15, 0, 30),
        "order_ref": "2050",
        "customer_ref": "8123456700077",
        "initiated_at": dt.datetime(2024, 11, 6, 15, 0),
        "last_updated_at": dt.datetime(2024, 11, 6, 15, 15),
        "_source_file": "amazon_connect/ctr-stream-1-2024-11-06-16-40-00-9f8e.gz",
    }
    # the stale copy of c-003 arrived later (gzip file) but is older: the first delivery stays
    assert (contacts["c-003"]["last_updated_at"], contacts["c-003"]["disconnect_reason"]) == (
        dt.datetime(2024, 11, 6, 15, 32), "CUSTOMER_DISCONNECT",
    )
    assert {c: row["is_abandoned"] for c, row in contacts.items()} == {
        "5d2e6c1a-7f3b-4a9e-9c10-2b3f4a5d6e7f": False,
        "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d": True,  # Agent null
        "c-001": False,
        "c-003": True,
        "c-004": False,
        "c-005": True,  # offered to an agent, never connected
        "c-008": True,
    }
    email = contacts["c-004"]
    assert (email["channel"], email["email"], email["email_raw"], email["phone"]) == ("EMAIL", "ann.lee@example.com", "Ann.Lee@Example.com", None)
    assert (email["order_ref"], email["customer_ref"], email["hold_seconds"]) == ("2051", "ann.lee@example.com", None)
    chat = contacts["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]
    assert (chat["channel"], chat["phone"], chat["phone_raw"], chat["talk_seconds"]) == ("CHAT", None, None, None)
    assert json.loads(contacts["5d2e6c1a-7f3b-4a9e-9c10-2b3f4a5d6e7f"]["attributes"]) == {"orderNumber": "2041", "intent": "refund"}


# --- Delighted --------------------------------------------------------------------------

@pytest.fixture
def delighted(tmp_path, samples_dir, fixtures_dir):
    files = [samples_dir / "delighted_survey_responses.json", *sorted((fixtures_dir / "delighted").iterdir())]
    return _warehouse(tmp_path, "delighted", files)


def test_delighted_responses_latest_validated_and_canonical(delighted):
    con, report = delighted
    assert _conservation(con, "delighted") == (11, 8)
    responses = _build(con, "stg_delighted__responses")
    assert sorted(responses) == ["77001", "77002", "90001", "90002", "90003", "90006", "90010", "90013", "91001", "91003"]
    updated = responses["90001"]  # the later update (comment added) wins
    assert updated == {
        **updated,
        "person_id": "6601",
        "survey_type": "nps",
        "score": 10,
        "comment": "Great fit.\nWill buy again. Fast delivery too",
        "tags": "fit,repeat,delivery",
        "customer_ref": "8123456700077",
        "order_ref": "2050",
        "created_at": dt.datetime(2024, 11, 7, 17, 20),
        "updated_at": dt.datetime(2024, 11, 8, 17, 20),
        "_source_file": "delighted/survey_responses_update.json",
    }
    priya = responses["77001"]
    assert (priya["person_name"], priya["email"], priya["email_raw"], priya["phone"]) == (
        "Priya Raman", "priya.raman@example.net", "priya.raman@example.net", None,
    )
    assert {r: (row["survey_type"], row["score"]) for r, row in responses.items()} == {
        "77001": ("nps", 9), "77002": ("csat", 2), "90001": ("nps", 10), "90002": ("csat", 4),
        "90003": ("nps", 6), "90006": ("ces", 7), "90010": ("csat", 5), "90013": (None, 1),
        "91001": ("ces", 2), "91003": ("csat", 5),
    }
    assert [(responses[r]["survey_type_raw"]) for r in ("90003", "90010", "90013")] == [None, "five_star", "thumbs"]
    # the first load of 90001 carried the person object; the update only the id
    first = con.execute("select person_email, person_phone_number from raw.delighted__responses where id = '90001' order by updated_at").fetchall()
    assert first == [("Ann.Lee@Example.com", "+15125550143"), (None, None)]
    reasons = {r[0] for r in con.execute("select reason from audit.quarantine where connector = 'delighted'").fetchall()}
    assert "score 11 outside 0..10 (nps)" in reasons and "created_at is missing" in reasons
