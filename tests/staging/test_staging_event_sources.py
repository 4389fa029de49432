"""Staging for the event and social sources (Amplitude, Mixpanel, X), built on what the loader
really stored: one row per natural key across overlapping exports, identity columns derived,
canonical emails, ids as text, and every record read accounted for."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines import sql_models
from pipelines.loader import load_connector
from pipelines.warehouse import connect_build

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


class Exports:
    """An exports folder that files arrive in over time, loaded into one build warehouse."""

    def __init__(self, tmp_path: Path, connector: str):
        self.folder = tmp_path / "exports" / connector
        self.folder.mkdir(parents=True)
        self.connector = CONNECTORS[connector]
        self.con = connect_build(tmp_path / "warehouse", CxpConfig())

    def arrive(self, *files: Path) -> list[tuple[str, str, int, int]]:
        """Copy files in and run the loader, as a new day's export would."""
        for path in files:
            shutil.copy(path, self.folder / path.name)
        report = load_connector(self.con, self.connector, self.folder.parent, CxpConfig())
        return [(f.source_file, f.status, f.records_loaded, f.records_quarantined) for f in report.files if f.status != "skipped"]

    def build(self, model_name: str) -> dict[str, dict]:
        """Build a staging model; its rows keyed by the first column (the natural key), which must be unique."""
        model = sql_models.find(model_name)
        count = model.build(self.con)
        cursor = self.con.execute(f"select * from {model.table}")
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
        keyed = {row[columns[0]]: row for row in rows}
        assert len(keyed) == len(rows) == count, f"{model_name}: {columns[0]} is not unique"
        return keyed

    def conserved(self) -> tuple[int, int]:
        """audit.loads proves read = loaded + quarantined per file, and the tables agree with it."""
        con, name = self.con, self.connector.name
        assert con.execute(
            "select count(*) from audit.loads where connector = ? and records_read <> records_loaded + records_quarantined", [name]
        ).fetchone() == (0,)
        loaded, quarantined = con.execute(
            "select sum(records_loaded), sum(records_quarantined) from audit.loads where connector = ? and status = 'loaded'", [name]
        ).fetchone()
        raw_rows = sum(con.execute(f"select count(*) from {self.connector.raw_table(e)}").fetchone()[0] for e in self.connector.entities)
        in_quarantine = con.execute("select count(*) from audit.quarantine where connector = ?", [name]).fetchone()[0]
        assert (raw_rows, in_quarantine) == (loaded, quarantined)
        return loaded, quarantined

    def column_types(self, model_name: str) -> dict[str, str]:
        table = sql_models.find(model_name).table
        return dict(self.con.execute(f"select column_name, column_type from (describe {table})").fetchall())


AMPLITUDE_COLUMNS = [
    "insert_id", "user_id", "device_id", "amplitude_id", "adid", "idfa", "idfv", "session_id", "email", "email_raw",
    "event_type", "platform", "os_name", "country", "city", "order_ref", "revenue", "event_properties", "user_properties",
    "event_at", "_source_file", "_source_row",
]


def amplitude_export_zip(folder: Path) -> Path:
    """The pitfall export of tests/fixtures/amplitude as Amplitude ships it: a zip of gzipped hours, `#` in the names."""
    path = folder / "412345_2024-11-05.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for hour in ("18", "19"):
            text = (FIXTURES / "amplitude" / f"412345_2024-11-05_{hour}#0.jsonl").read_text()
            archive.writestr(f"412345/412345_2024-11-05_{hour}#0.json.gz", gzip.compress(text.encode(), mtime=0))
    return path


@pytest.fixture
def amplitude(tmp_path):
    exports = Exports(tmp_path, "amplitude")
    first = exports.arrive(amplitude_export_zip(tmp_path))
    second = exports.arrive(FIXTURES / "amplitude" / "events_2024-11-06.jsonl")
    assert first == [("amplitude/412345_2024-11-05.zip", "loaded", 7, 5)]
    assert second == [("amplitude/events_2024-11-06.jsonl", "loaded", 3, 0)]
    return exports


def test_amplitude_one_row_per_event_across_exports(amplitude):
    events = amplitude.build("stg_amplitude__events")
    # ins-1 came in both exports; uuid-2 had no $insert_id
    assert sorted(events) == ["ins-1", "ins-10", "ins-11", "ins-12", "ins-30", "ins-31", "ins-7", "ins-9", "uuid-2"]
    assert amplitude.conserved() == (10, 5)
    assert list(amplitude.column_types("stg_amplitude__events")) == AMPLITUDE_COLUMNS


def test_amplitude_row_is_renamed_and_cleaned(amplitude):
    order = amplitude.build("stg_amplitude__events")["ins-1"]
    assert json.loads(order.pop("event_properties")) == {"order_id": "#2041", "$price": 32.5, "$quantity": 2}
    assert json.loads(order.pop("user_properties")) == {"email": " Priya.Raman@Example.net ", "plan": "member"}
    assert order == {
        "insert_id": "ins-1",
        "user_id": "cust_8123456700011",
        "device_id": "dev-A",
        "amplitude_id": "501234567890",
        "adid": None,
        "idfa": None,  # all zeros: ad tracking limited, no id
        "idfv": None,
        "session_id": "1730830790114",
        "email": "priya.raman@example.net",
        "email_raw": "Priya.Raman@Example.net",
        "event_type": "order_completed",
        "platform": "Android",
        "os_name": "android",
        "country": "United States",
        "city": "Austin",
        "order_ref": "2041",
        "revenue": 65.0,
        "event_at": dt.datetime(2024, 11, 5, 18, 20, 3, 114000),
        "_source_file": "amplitude/events_2024-11-06.jsonl",  # the latest load of the event
        "_source_row": 1,
    }


def test_amplitude_nulls_and_session_outside(amplitude):
    events = amplitude.build("stg_amplitude__events")
    screen = events["ins-7"]
    assert (screen["session_id"], screen["user_id"], screen["email"], screen["event_properties"]) == (None, None, None, None)
    assert screen["idfv"] == "6B1E0F3A-8C2D-4E5F-9A0B-1C2D3E4F5A6B"
    assert (events["uuid-2"]["order_ref"], events["uuid-2"]["revenue"]) == ("2042", 19.99)
    assert events["ins-31"]["order_ref"] == "2043"
    assert events["ins-30"]["event_at"] == dt.datetime(2024, 11, 6, 9, 0)
    assert events["ins-12"]["_source_row"] == 12  # the whole hour 19 loads when its gzip is intact


@pytest.fixture
def mixpanel(tmp_path):
    exports = Exports(tmp_path, "mixpanel")
    assert exports.arrive(FIXTURES / "mixpanel" / "export_2024-11-05.jsonl") == [("mixpanel/export_2024-11-05.jsonl", "loaded", 7, 5)]
    assert exports.arrive(FIXTURES / "mixpanel" / "export_2024-11-06.jsonl") == [("mixpanel/export_2024-11-06.jsonl", "loaded", 2, 0)]
    return exports


def test_mixpanel_one_row_per_insert_id(mixpanel):
    events = mixpanel.build("stg_mixpanel__events")
    assert sorted(events) == ["mp-1", "mp-10", "mp-11", "mp-2", "mp-20", "mp-3", "mp-8", "mp-9"]
    assert mixpanel.conserved() == (9, 5)
    assert list(mixpanel.column_types("stg_mixpanel__events")) == [
        "insert_id", "distinct_id", "device_id", "user_id", "email", "email_raw", "event_name", "os", "city", "country_code",
        "order_ref", "revenue", "properties", "event_at", "_source_file", "_source_row",
    ]
    order = events["mp-1"]
    assert json.loads(order.pop("properties"))["order_number"] == "#2041"
    assert order == {
        "insert_id": "mp-1",
        "distinct_id": "cust_8123456700011",
        "device_id": "18f2a9c1d0e-0a1b",
        "user_id": "cust_8123456700011",
        "email": "dana.k@example.com",
        "email_raw": "Dana.K@Example.com",
        "event_name": "Order Completed",
        "os": "iOS",
        "city": "Austin",
        "country_code": "US",
        "order_ref": "2041",
        "revenue": 64.5,
        "event_at": dt.datetime(2024, 11, 5, 18, 20, 3),
        "_source_file": "mixpanel/export_2024-11-06.jsonl",
        "_source_row": 1,
    }


def test_mixpanel_device_and_user_ids(mixpanel):
    events = mixpanel.build("stg_mixpanel__events")
    ids = {key: (row["device_id"], row["user_id"]) for key, row in events.items()}
    assert ids["mp-2"] == ("6B1E0F3A-8C2D", None)  # $device:<id> before login
    assert ids["mp-3"] == ("18f2a9c1d0e-0a1b", "cust_8123456700011")  # no $user_id: the distinct_id is the account
    assert ids["mp-8"] == ("DEV-9", None)  # distinct_id is the device id itself (original ID merge)
    assert ids["mp-9"] == (None, "cust_2")
    assert (events["mp-9"]["email"], events["mp-9"]["email_raw"]) == (None, "not-an-email")
    assert events["mp-3"]["event_at"] == dt.datetime(2024, 11, 5, 18, 20, 3, 114000)  # milliseconds
    assert events["mp-11"]["revenue"] == 37.5


@pytest.fixture
def twitter(tmp_path):
    exports = Exports(tmp_path, "twitter")
    assert exports.arrive(SAMPLES / "x_v2_search_page.json") == [("twitter/x_v2_search_page.json", "loaded", 2, 0)]
    later = [FIXTURES / "twitter" / name for name in
             ("search_2024-11-06.json", "numeric_ids.json", "errors_only.json", "cut_off.json", "twarc_pages.jsonl")]
    assert sorted(exports.arrive(*later)) == [
        ("twitter/cut_off.json", "loaded", 0, 1),
        ("twitter/errors_only.json", "loaded", 0, 0),
        ("twitter/numeric_ids.json", "loaded", 1, 1),
        ("twitter/search_2024-11-06.json", "loaded", 2, 4),
        ("twitter/twarc_pages.jsonl", "loaded", 3, 1),
    ]
    return exports


def test_twitter_one_row_per_tweet_with_authors(twitter):
    tweets = twitter.build("stg_twitter__tweets")
    assert twitter.conserved() == (8, 7)
    assert sorted(tweets) == [
        "1853901234567890123", "1853905555555555555", "1853907777777777777", "1853910000000000001",
        "1853920000000000001", "1853920000000000002", "1853920000000000003",
    ]
    latest = tweets["1853901234567890123"]
    assert latest == {
        "tweet_id": "1853901234567890123",
        "author_id": "1450000000000000001",
        "conversation_id": "1853901234567890123",
        "in_reply_to_user_id": "98765432",
        "author_username": "priya_codes",  # the later page had no includes: the handle comes from the earlier page
        "author_name": "Priya R.",
        "text": "@northtrail my order #2041 still says pending?? 3 days now",
        "lang": "en",
        "like_count": 9,  # the latest page's counts
        "retweet_count": 1,
        "reply_count": 2,
        "created_at": dt.datetime(2024, 11, 5, 19, 2, 11),
        "_source_file": "twitter/search_2024-11-06.json",
        "_source_row": 1,
    }
    assert (tweets["1853907777777777777"]["author_username"], tweets["1853907777777777777"]["author_name"]) == ("priya_codes", "Priya R.")
    assert tweets["1853920000000000003"]["author_username"] is None  # author 42 was never in any includes
    types = twitter.column_types("stg_twitter__tweets")
    assert {types[c] for c in ("tweet_id", "author_id", "conversation_id", "in_reply_to_user_id")} == {"VARCHAR"}
