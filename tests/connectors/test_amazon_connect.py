"""Amazon Connect CTRs: Firehose `}{` framing, gzip, nulls for unanswered contacts, redeliveries."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile

connect = CONNECTORS["amazon_connect"]


def test_files_without_extension_are_read(tmp_path):
    for name in ("ctr-stream-1-2024-11-06-15-35-00-0a1b", "ctr.json", "ctr.gz", "notes.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / ".hidden").write_text("{}")
    assert [p.name for p in connect.files(tmp_path)] == ["ctr-stream-1-2024-11-06-15-35-00-0a1b", "ctr.gz", "ctr.json", "notes.txt"]


def test_sample_firehose_object(read, samples_dir):
    result = read(connect, samples_dir / "connect_ctr_firehose_object")
    assert result.rejects == []
    voice, chat = result.rows("contacts")
    assert voice == {
        **voice,
        "_source_row": 1,
        "contact_id": "5d2e6c1a-7f3b-4a9e-9c10-2b3f4a5d6e7f",
        "channel": "VOICE",
        "initiation_method": "INBOUND",
        "initiation_timestamp": dt.datetime(2024, 11, 6, 15, 2, 19),
        "disconnect_timestamp": dt.datetime(2024, 11, 6, 15, 9, 10),
        "last_update_timestamp": dt.datetime(2024, 11, 6, 15, 10, 2),
        "customer_endpoint_address": "+15125550143",
        "customer_endpoint_type": "TELEPHONE_NUMBER",
        "system_endpoint_address": "+18005550199",
        "queue_name": "BillingQueue",
        "queue_duration": 79,
        "has_agent": True,
        "agent_username": "dkim",
        "agent_routing_profile_name": "Billing",
        "agent_connected_to_agent_timestamp": dt.datetime(2024, 11, 6, 15, 3, 41),
        "agent_agent_interaction_duration": 312,
        "agent_customer_hold_duration": 25,
        "agent_after_contact_work_duration": 41,
        "order_ref": "2041",
        "customer_ref": None,
    }
    assert json.loads(voice["attributes"]) == {"orderNumber": "2041", "intent": "refund"}
    assert json.loads(voice["raw_json"])["MediaStreams"] == [{"Type": "AUDIO"}]
    assert chat == {
        **chat,
        "_source_row": 2,
        "channel": "CHAT",
        "customer_endpoint_address": None,  # CustomerEndpoint: null for chat
        "has_agent": False,  # Agent: null, never answered
        "agent_username": None,
        "agent_agent_interaction_duration": None,
        "queue_dequeue_timestamp": None,
        "queue_duration": 83,
        "attributes": "{}",
        "order_ref": None,
    }


def test_one_corrupt_object_in_the_middle_is_quarantined_and_the_others_load(read, fixtures_dir):
    path = fixtures_dir / "amazon_connect" / "ctr-stream-1-2024-11-06-15-35-00-0a1b"
    result = read(connect, path)
    assert [(c["contact_id"], c["_source_row"]) for c in result.rows("contacts")] == [("c-001", 1), ("c-003", 3)]
    assert len(result.rejects) == 1
    reject = result.rejects[0]
    assert reject.source_row == 2
    assert reject.reason.startswith("invalid JSON") and reject.reason.endswith("Expecting ',' delimiter")
    assert reject.record == '{"ContactId": "c-002", "Channel": "VOICE", "InitiationTimestamp": "2024-11-06T15:20:00Z" "Agent": null}'
    c001 = result.rows("contacts")[0]
    assert (c001["order_ref"], c001["customer_ref"]) == ("2050", "8123456700077")  # "#2050" as the order number


def test_one_record_per_line_with_the_awkward_cases(read, fixtures_dir):
    result = read(connect, fixtures_dir / "amazon_connect" / "ctr-2024-11-06.json")
    assert result.total == 6
    assert {r.source_row: r.reason for r in result.rejects} == {
        3: "InitiationTimestamp is missing",
        4: "InitiationTimestamp '6th of November' is not a readable date and time",
        5: "ContactId is missing",
    }
    contacts = {c["contact_id"]: c for c in result.rows("contacts")}
    email = contacts["c-004"]
    assert (email["channel"], email["customer_endpoint_type"], email["customer_endpoint_address"]) == (
        "EMAIL", "EMAIL_ADDRESS", "Ann.Lee@Example.com",
    )
    assert email["agent_agent_interaction_duration"] == 120  # 120.4 s rounded
    assert email["agent_customer_hold_duration"] is None
    assert (email["order_ref"], email["customer_ref"]) == ("2051", "ann.lee@example.com")  # "Order ID": "ORD-2051"
    missed = contacts["c-005"]
    assert missed["has_agent"] is True and missed["agent_connected_to_agent_timestamp"] is None
    assert missed["agent_connection_attempts"] == 1
    chat = contacts["c-008"]  # epoch seconds, as API dumps write them
    assert chat["initiation_timestamp"] == dt.datetime(2024, 11, 6, 16, 30)
    assert chat["last_update_timestamp"] == dt.datetime(2024, 11, 6, 16, 31, 40, 500000)
    assert chat["queue_name"] is None and chat["customer_endpoint_address"] is None


def test_gzip_redelivery(read, fixtures_dir):
    result = read(connect, fixtures_dir / "amazon_connect" / "ctr-stream-1-2024-11-06-16-40-00-9f8e.gz")
    assert result.rejects == []
    assert [(c["contact_id"], c["last_update_timestamp"]) for c in result.rows("contacts")] == [
        ("c-001", dt.datetime(2024, 11, 6, 15, 15)),
        ("c-003", dt.datetime(2024, 11, 6, 15, 31)),
    ]
    assert result.rows("contacts")[0]["agent_after_contact_work_duration"] == 55


def _gzip_cut_inside_the_last_object(objects: list[str]) -> bytes:
    """A gzip stream flushed after all but the last object, then cut halfway through the last one."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    head = compressor.compress("".join(objects[:-1]).encode()) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(objects[-1].encode()) + compressor.flush()
    return head + tail[: len(tail) // 2]


def test_truncated_gzip_keeps_the_complete_records(read, tmp_path, fixtures_dir):
    objects = [
        json.dumps({"ContactId": f"t-{n}", "InitiationTimestamp": f"2024-11-06T1{n}:00:00Z", "Attributes": {"note": "x" * 50 * n}})
        for n in range(1, 4)
    ]
    path = tmp_path / "ctr-cut.gz"
    path.write_bytes(_gzip_cut_inside_the_last_object(objects))
    result = read(connect, path)
    assert [c["contact_id"] for c in result.rows("contacts")] == ["t-1", "t-2"]
    assert len(result.rejects) == 1
    reject = result.rejects[0]
    assert reject.source_row == 3
    assert reject.reason.startswith("compressed file is truncated (it ends before the gzip end-of-stream marker); invalid JSON")
    assert objects[2].startswith(reject.record) and reject.record.startswith('{"ContactId": "t-3"')  # the cut object itself


def test_gzip_missing_only_its_trailer_loads_everything_and_says_so(read, tmp_path, fixtures_dir):
    data = gzip.compress((fixtures_dir / "amazon_connect" / "ctr-stream-1-2024-11-06-15-35-00-0a1b").read_bytes())
    path = tmp_path / "ctr-no-trailer.gz"
    path.write_bytes(data[:-8])  # CRC and length gone
    result = read(connect, path)
    assert [c["contact_id"] for c in result.rows("contacts")] == ["c-001", "c-003"]
    assert [(r.source_row, r.record) for r in result.rejects] == [(2, result.rejects[0].record), (4, "")]
    assert result.rejects[1].reason.endswith("records after the last complete one may be lost")


def test_gzip_with_a_broken_header_is_unreadable(tmp_path):
    path = tmp_path / "ctr-broken.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    with pytest.raises(UnreadableFile, match="compressed file is"):
        list(connect.read(path, None))


def test_a_json_array_of_ctrs_is_read_element_by_element(read, tmp_path):
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([
        {"ContactId": "a", "InitiationTimestamp": "2024-11-06T10:00:00.123Z"},
        {"contactId": "b", "initiationTimestamp": "2024-11-06T11:00:00Z", "agent": {"username": "x"}},  # re-cased keys
        7,
    ]))
    result = read(connect, path)
    assert [(c["contact_id"], c["_source_row"]) for c in result.rows("contacts")] == [("a", 1), ("b", 2)]
    assert result.rows("contacts")[0]["initiation_timestamp"] == dt.datetime(2024, 11, 6, 10, 0, 0, 123000)
    assert result.rows("contacts")[1]["agent_username"] == "x"
    assert [(r.source_row, r.reason) for r in result.rejects] == [(3, "record 3 is not a JSON object")]


def test_a_file_that_is_not_json_is_unreadable(tmp_path):
    path = tmp_path / "README.txt"
    path.write_text("CTRs land here from the Firehose stream.\n")
    with pytest.raises(UnreadableFile, match="unknown layout"):
        list(connect.read(path, None))
