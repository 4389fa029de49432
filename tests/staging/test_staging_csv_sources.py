"""Staging for the CSV sources (Shopify customers and orders, Google Play, Qualtrics), built on
what the loader really stored: latest version per key, order grouping, UTC, E.164, emails."""
from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
from pathlib import Path

import pytest
import sqlglot

from connectors import CONNECTORS
from models.config import CxpConfig
from pipelines import sql_models
from pipelines.loader import load_connector
from pipelines.warehouse import connect_build

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class Exports:
    """An exports folder that files arrive in over time, loaded into one build warehouse."""

    def __init__(self, tmp_path: Path, connector: str):
        self.root = tmp_path / "exports"
        self.connector = connector
        (self.root / connector).mkdir(parents=True)
        self.con = connect_build(tmp_path / "warehouse", CxpConfig())

    def arrive(self, *names: str) -> list:
        for name in names:
            shutil.copy(FIXTURES / self.connector / name, self.root / self.connector / name)
        report = load_connector(self.con, CONNECTORS[self.connector], self.root, CxpConfig())
        return [f for f in report.files if f.status != "skipped"]

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
        con, name = self.con, self.connector
        assert con.execute(
            "select count(*) from audit.loads where connector = ? and records_read <> records_loaded + records_quarantined", [name]
        ).fetchone()[0] == 0
        loaded, quarantined = con.execute(
            "select sum(records_loaded), sum(records_quarantined) from audit.loads where connector = ? and status = 'loaded'", [name]
        ).fetchone()
        raw_rows = sum(con.execute(f"select count(*) from {CONNECTORS[name].raw_table(e)}").fetchone()[0] for e in CONNECTORS[name].entities)
        in_quarantine = con.execute("select count(*) from audit.quarantine where connector = ?", [name]).fetchone()[0]
        assert (raw_rows, in_quarantine) == (loaded, quarantined)
        return loaded, quarantined


# --- Shopify orders ----------------------------------------------------------------------

def test_orders_grouped_and_latest_export_wins(tmp_path):
    exports = Exports(tmp_path, "shopify_orders")
    (first,) = exports.arrive("orders_export_1.csv")
    assert (first.records_read, first.records_loaded, first.records_quarantined) == (10, 5, 5)
    orders = exports.build("stg_shopify__orders")
    assert sorted(orders) == ["5600000001001", "5600000001002", "5600000001007"]
    ana = orders["5600000001001"]
    assert ana == {
        **ana,
        "order_name": "#1001",
        "order_number": "1001",
        "email": "ana.lima@example.com",
        "email_raw": "Ana.Lima@Example.com",
        "billing_phone": "+16175550182",  # (617) 555-0182 read in the billing country
        "billing_phone_raw": "(617) 555-0182",
        "billing_zip": "02134",
        "financial_status": "paid",
        "total": decimal.Decimal("37.50"),
        "source_name": "web",
        "channel": "web",
        "line_items": 3,
        "quantity": 6,
        "created_at": dt.datetime(2024, 3, 9, 16, 0),  # 10:00 -0600
        "fulfilled_at": dt.datetime(2024, 3, 11, 14, 0),  # 09:00 -0500, after the DST change
        "cancelled_at": None,
    }
    gift = orders["5600000001002"]
    assert (gift["channel"], gift["phone"], gift["phone_raw"]) == ("app", None, "5.12555E+09")  # iphone; Excel-mangled
    assert gift["created_at"] == dt.datetime(2024, 3, 11, 15, 0)
    pos = orders["5600000001007"]
    assert (pos["channel"], pos["location"], pos["phone"]) == ("store", "Austin Flagship", "+447700900123")

    # a later export (the older 70-column layout) carries #1001 again, refunded and cancelled, one line fewer
    exports.arrive("orders_export_2_70col.csv")
    orders = exports.build("stg_shopify__orders")
    assert sorted(orders) == ["5600000001001", "5600000001002", "5600000001007", "5600000001008", "5600000001009"]
    ana = orders["5600000001001"]
    assert (ana["financial_status"], ana["refunded_amount"], ana["line_items"], ana["quantity"]) == (
        "refunded", decimal.Decimal("37.50"), 2, 3)
    assert ana["cancelled_at"] == dt.datetime(2024, 3, 12, 17, 0)  # "Canceled at" in that layout
    assert ana["_source_file"] == "shopify_orders/orders_export_2_70col.csv"
    assert orders["5600000001008"]["channel"] == orders["5600000001009"]["channel"] == "app"  # android, Mobile App
    # 01:30 twice on the night DST ends, an hour apart in UTC
    assert orders["5600000001008"]["created_at"] == dt.datetime(2024, 11, 3, 6, 30)
    assert orders["5600000001009"]["created_at"] == dt.datetime(2024, 11, 3, 7, 30)
    assert (orders["5600000001008"]["line_items"], orders["5600000001008"]["quantity"]) == (2, 6)
    assert exports.conserved() == (10, 5)


def test_orders_without_id_column_keyed_by_name(tmp_path):
    exports = Exports(tmp_path, "shopify_orders")
    exports.arrive("orders_export_3_noid.csv")
    orders = exports.build("stg_shopify__orders")
    assert list(orders) == ["#2001"]
    assert (orders["#2001"]["order_number"], orders["#2001"]["line_items"]) == ("2001", 1)
    assert exports.conserved() == (1, 3)


# --- Shopify customers -------------------------------------------------------------------

def test_customers_latest_version_and_contact_normalisation(tmp_path):
    exports = Exports(tmp_path, "shopify_customers")
    exports.arrive("customers_export.csv")
    customers = exports.build("stg_shopify__customers")
    assert sorted(customers) == ["8123456700021", "8123456700024"]
    ana = customers["8123456700021"]
    assert ana == {
        **ana,
        "email": "ana.lima@example.com",
        "email_raw": "Ana.Lima@Example.COM",
        "phone": None,  # 5.12555E+09: Excel destroyed it
        "phone_raw": "5.12555E+09",
        "address_phone": "+16175550182",
        "address_phone_raw": "(617) 555-0182",
        "zip": "02134",
        "country_code": "US",
        "total_spent": decimal.Decimal("1204.50"),
        "note": "Prefers email.\nCall only after 5pm",
    }
    assert customers["8123456700024"]["phone"] == "+447700900123"  # 07700 900123 read in GB

    exports.arrive("customers_export_2.csv", "customers_export_old.csv")
    customers = exports.build("stg_shopify__customers")
    ana = customers["8123456700021"]
    assert (ana["email"], ana["phone"], ana["total_spent"], ana["total_orders"]) == (
        "ana@lima.example", "+16175550100", decimal.Decimal("1300.00"), 8)
    assert customers["8123456700025"]["phone"] == "+4930901820"  # 030 901820 read in DE
    # the older layout has no Customer ID: keyed by email, else by a hash of the person
    cara = customers["email:cara@example.com"]
    assert (cara["first_name"], cara["phone"], cara["province_code"], cara["accepts_sms_marketing"]) == (
        "Cara", "+14165550133", "ON", None)
    (dev_key,) = [key for key in customers if key.startswith("row:")]
    assert customers[dev_key]["last_name"] == "Patel" and len(dev_key) == 36
    assert len(customers) == 5
    assert exports.conserved() == (6, 2)


# --- Google Play -------------------------------------------------------------------------

def test_reviews_most_recently_updated_version_wins(tmp_path):
    exports = Exports(tmp_path, "google_play")
    exports.arrive("reviews_com.example.app_202404.csv")  # the newer file happens to arrive first
    exports.arrive("reviews_com.example.app_202403.csv", "reviews_com.example.app_201801.csv")
    reviews = exports.build("stg_google_play__reviews")
    assert len(reviews) == 4
    edited = reviews["gp:AOqpTOA1"]
    assert edited == {
        **edited,
        "review_id_is_hash": False,
        "star_rating": 5,
        "review_text": "Works well now",
        "app_version_code": "102",
        "language": "en",
        "submitted_at": dt.datetime(2024, 3, 1, 10, 0),
        "last_updated_at": dt.datetime(2024, 4, 2, 8, 0),
        "developer_replied_at": dt.datetime(2024, 3, 2, 9, 0),
        "developer_reply_text": "Thanks!",
        "_source_file": "google_play/reviews_com.example.app_202404.csv",
    }
    assert reviews["gp:AOqpTOOLD2"]["review_text"] == "mangled millis"
    hashed = sorted(r["review_text"] for r in reviews.values() if r["review_id_is_hash"])
    assert hashed == ["Crashes on start", "bof"]
    assert exports.conserved() == (5, 5)


# --- Qualtrics ---------------------------------------------------------------------------

def test_responses_latest_export_wins(tmp_path):
    exports = Exports(tmp_path, "qualtrics")
    exports.arrive("nps_survey_export.csv")
    exports.arrive("nps_survey_export_2.csv")
    responses = exports.build("stg_qualtrics__responses")
    assert sorted(responses) == ["R_good1", "R_label", "R_partial"]
    mia = responses["R_good1"]
    assert mia == {
        **mia,
        "first_name": "Mia",
        "last_name": "Stone",
        "email": "mia@example.com",
        "nps_score": 9,  # the later export
        "csat_score": 5,
        "ces_score": 6,
        "comment": "Loved it",
        "external_reference": None,
        "started_at": dt.datetime(2024, 11, 8, 15, 1),  # 08:01 America/Denver (MST)
        "recorded_at": dt.datetime(2024, 11, 8, 15, 1),
        "_source_file": "qualtrics/nps_survey_export_2.csv",
    }
    assert json.loads(mia["answers"])["Q1"] == "9"
    partial = responses["R_partial"]
    assert (partial["finished"], partial["progress"], partial["nps_score"]) == (False, 40, None)
    assert partial["recorded_at"] == dt.datetime(2024, 7, 4, 18, 0)  # 12:00 MDT
    assert exports.conserved() == (4, 5)


@pytest.mark.parametrize(
    "name", ["stg_shopify__customers", "stg_shopify__orders", "stg_google_play__reviews", "stg_qualtrics__responses"]
)
def test_models_transpile_to_spark(name):
    spark = sql_models.find(name).transpile("spark")
    sqlglot.parse_one(spark, read="spark")
    # the latest-version dedupe survives: a ranking window, or the greatest lineage per key
    # fetched back by a join on lineage
    upper = spark.upper()
    assert "ROW_NUMBER() OVER" in upper or ("STRUCT(_LOADED_AT AS _LOADED_AT" in upper and " JOIN LATEST_LINEAGE" in upper)
