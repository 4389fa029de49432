"""The demo generator: the same seed gives the same bytes; every connector folder holds files
in its tool's real format; every hard case is present and findable through the ground
truth; the deliberately corrupt records are exactly what the connectors quarantine, and
the truth lists exactly the records they accept.
"""
from __future__ import annotations

import codecs
import collections
import csv
import datetime as dt
import fnmatch
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from connectors import CONNECTOR_NAMES, CONNECTORS
from models.config import CxpConfig
from pipelines.demo import clock, identities, population
from pipelines.demo.generate import generate

SIZE = 600  # hard cases must show at every size from 500 up
SEED = 11
CONTRACT_PATTERNS = {  # DESIGN.md, "Exports directory"
    "shopify_customers": ("customers_export*.csv",), "shopify_orders": ("orders_export*.csv",),
    "amplitude": ("*.zip", "*.json.gz", "*.jsonl"), "mixpanel": ("*.jsonl", "*.jsonl.gz"), "google_play": ("reviews_*.csv",),
    "twitter": ("*.json",), "facebook": ("*.json",), "zendesk": ("*.json",), "amazon_connect": ("*",),
    "delighted": ("*.json",), "qualtrics": ("*.csv",),
}
ID_FIELDS = {("shopify_customers", "customers"): "customer_id", ("shopify_orders", "orders"): "order_id",
             ("amplitude", "events"): "insert_id", ("mixpanel", "events"): "insert_id", ("google_play", "reviews"): "review_id",
             ("twitter", "tweets"): "id", ("facebook", "comments"): "id", ("zendesk", "tickets"): "id", ("zendesk", "users"): "id",
             ("amazon_connect", "contacts"): "contact_id", ("delighted", "responses"): "id", ("qualtrics", "responses"): "response_id"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "exports"
    return out, generate(out, SIZE, SEED)


@pytest.fixture(scope="module")
def out(demo) -> Path:
    return demo[0]


@pytest.fixture(scope="module")
def truth(out) -> dict[tuple[str, str, str], str]:
    rows = list(csv.DictReader(open(out / "ground_truth.csv", encoding="utf-8")))
    assert rows and list(rows[0]) == ["source", "entity", "source_record_id", "person_id"]
    table = {(r["source"], r["entity"], r["source_record_id"]): r["person_id"] for r in rows}
    assert len(table) == len(rows), "one row per distinct source record"
    return table


@pytest.fixture(scope="module")
def read(out):
    """Every file through the project's connectors: records per (connector, entity), rejects per file."""
    records: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    rejects: collections.Counter = collections.Counter()
    config = CxpConfig()
    for name in CONNECTOR_NAMES:
        connector = CONNECTORS[name]
        for path in connector.files(out / name):
            relative = path.relative_to(out).as_posix()
            for chunk in connector.read(path, config):
                for entity, rows in chunk.as_dicts().items():
                    for row in rows:
                        row["_file"] = relative
                    records[(name, entity)].extend(rows)
                rejects[relative] += len(chunk.rejects)
    return records, rejects


def person_of(truth, source: str, entity: str, record_id) -> str:
    return truth[(source, entity, str(record_id))]


# --- determinism and layout -------------------------------------------------------------------

def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(out, tmp_path):
    again = tmp_path / "again"
    # Another process with another string-hash seed: nothing may depend on set or hash order.
    subprocess.run([sys.executable, "-c", f"from pathlib import Path; from pipelines.demo.generate import generate; "
                    f"generate(Path({str(again)!r}), {SIZE}, {SEED})"],
                   check=True, env={**os.environ, "PYTHONHASHSEED": "12345"}, cwd=Path(__file__).resolve().parents[2])
    first, second = _tree(out), _tree(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    other = tmp_path / "other"
    generate(other, SIZE, SEED + 1)
    assert (other / "ground_truth.csv").read_bytes() != (out / "ground_truth.csv").read_bytes()


def test_regenerating_replaces_a_demo_folder_but_never_a_foreign_one(tmp_path):
    folder = tmp_path / "exports"
    generate(folder, 30, 1)
    (folder / "amplitude" / "stale.zip").write_bytes(b"old")
    generate(folder, 30, 1)
    assert not (folder / "amplitude" / "stale.zip").exists()
    foreign = tmp_path / "real_exports"
    foreign.mkdir()
    (foreign / "keep.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate(foreign, 30, 1)
    assert (foreign / "keep.csv").exists()


def test_every_connector_folder_holds_files_named_as_the_contract_says(out, demo):
    for name in CONNECTOR_NAMES:
        files = [p for p in (out / name).rglob("*") if p.is_file()]
        assert files, f"{name}/ is empty"
        for path in files:
            assert any(fnmatch.fnmatch(path.name, pattern) for pattern in CONTRACT_PATTERNS[name]), path
        assert name in demo[1]
    assert (out / "README.txt").read_text().startswith("cxp demo exports")
    assert (out / "shopify_customers" / "customers_export.csv").exists()
    assert (out / "shopify_customers" / "customers_export_2.csv").exists()
    assert (out / "shopify_orders" / "orders_export_1.csv").exists()


# --- formats ----------------------------------------------------------------------------------

def _sample_header(samples_dir: Path, name: str) -> str:
    return (samples_dir / name).read_bytes().split(b"\r\n", 1)[0].decode("utf-8")


def test_shopify_files_have_the_real_headers_and_excel_traces(out, samples_dir):
    customers = (out / "shopify_customers" / "customers_export.csv").read_bytes()
    assert customers.split(b"\r\n", 1)[0].decode() == _sample_header(samples_dir, "customers_export.csv")
    rows = list(csv.reader(io.StringIO(customers.decode())))
    assert all(r[0].startswith("'") for r in rows[1:] if len(r) == 20), "the Excel-saved export guards every id"
    assert any(re.fullmatch(r"\d\.\d{5}E\+\d\d", v) for r in rows[1:] for v in (r[12], r[13])), "an Excel-mangled phone"
    assert any("\n" in r[17] for r in rows[1:]), "a multi-line note"
    second = list(csv.reader(open(out / "shopify_customers" / "customers_export_2.csv", encoding="utf-8", newline="")))
    ids_first = {r[0].lstrip("'") for r in rows[1:]}
    ids_second = {r[0] for r in second[1:]}
    assert ids_first < ids_second, "the re-export overlaps the first and adds the customers who came later"
    orders = (out / "shopify_orders" / "orders_export_1.csv").read_bytes()
    assert orders.split(b"\r\n", 1)[0].decode() == _sample_header(samples_dir, "orders_export_1.csv")
    old = next(csv.reader(open(out / "shopify_orders" / "orders_export_2024-06.csv", encoding="utf-8", newline="")))
    assert len(old) == 70 and "Canceled at" in old and "Lineitem SKU" in old and "Cancelled at" not in old


def test_order_times_carry_the_store_offset_across_daylight_saving(out):
    offsets = collections.Counter()
    zone = ZoneInfo("America/Chicago")
    for path in sorted((out / "shopify_orders").glob("orders_export_*.csv")):
        for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
            created = row.get("Created at")
            if not created:
                continue
            moment = dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S %z")
            assert moment.utcoffset() == moment.astimezone(zone).utcoffset()
            offsets[created[-5:]] += 1
    assert offsets["-0500"] and offsets["-0600"]


def test_order_lines_share_the_order_name_with_order_columns_on_the_first_row_only(out):
    rows = list(csv.DictReader(open(out / "shopify_orders" / "orders_export_1.csv", encoding="utf-8", newline="")))
    current, continuations = None, 0
    for row in rows:
        if None in row:
            continue  # a corrupt twin with a field too many (checked against the ledger elsewhere)
        if row["Id"]:
            current = row["Name"]
            continue
        continuations += 1
        assert row["Name"] == current and row["Lineitem name"] and not row["Total"] and not row["Created at"]
    assert continuations > len(rows) // 10


def test_google_play_reports_are_utf16_with_a_bom(out, samples_dir):
    sample_header = samples_dir.joinpath("reviews_com.northtrail.app_202411.csv").read_bytes().decode("utf-16").split("\r\n")[0]
    files = sorted((out / "google_play").glob("reviews_com.northtrail.app_2024??.csv"))
    assert len(files) == 6
    for path in files:
        data = path.read_bytes()
        assert data.startswith(codecs.BOM_UTF16_LE)
        assert data.decode("utf-16").split("\r\n")[0] == sample_header


def test_qualtrics_exports_have_a_bom_three_header_rows_and_multiline_comments(out):
    files = sorted((out / "qualtrics").glob("*.csv"))
    assert len(files) == 3
    multiline = False
    for path in files:
        data = path.read_bytes()
        assert data.startswith(codecs.BOM_UTF8)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][:3] == ["StartDate", "EndDate", "Status"] and rows[1][0] == "Start Date"
        assert all("ImportId" in json.loads(cell) for cell in rows[2])
        multiline |= any("\n" in cell for row in rows[3:] for cell in row)
    assert multiline


def test_amplitude_zips_hold_hourly_gzipped_json_lines(out):
    archives = sorted((out / "amplitude").glob("*.zip"))
    assert archives
    member = re.compile(r"^412345/412345_\d{4}-\d{2}-\d{2}_\d{1,2}#\d+\.json\.gz$")
    for path in archives:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            assert infos and all(member.match(i.filename) for i in infos)
            assert {i.date_time for i in infos} == {(2024, 12, 1, 6, 0, 0)}
            first = gzip.decompress(archive.read(infos[0])).splitlines()[0]
            assert "event_type" in json.loads(first)


def test_mixpanel_exports_are_json_lines_plain_and_gzipped(out):
    names = sorted(p.name for p in (out / "mixpanel").iterdir())
    assert any(n.endswith(".jsonl") for n in names) and any(n.endswith(".jsonl.gz") for n in names)
    line = gzip.open(out / "mixpanel" / "export_2024-10.jsonl.gz").readline()
    event = json.loads(line)
    assert isinstance(event["properties"]["time"], int) and event["properties"]["time"] < 10**10  # seconds


def test_connect_objects_are_firehose_concatenated_and_some_gzipped(out):
    objects = sorted(p for p in (out / "amazon_connect").rglob("*") if p.is_file())
    assert all(re.match(r"\d{4}/\d{2}/\d{2}/northtrail-ctr-stream-1-", p.relative_to(out / "amazon_connect").as_posix()) for p in objects)
    gzipped = [p for p in objects if p.name.endswith(".gz")]
    assert gzipped and len(gzipped) < len(objects)
    texts = [gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes() for p in objects]
    assert any(b"}{" in t for t in texts) and not any(b"\n" in t for t in texts)


def test_api_pages_have_their_vendor_shapes(out):
    pages = sorted((out / "zendesk").glob("*.json"))
    documents = [json.loads(p.read_bytes()) for p in pages]
    assert all({"tickets", "users", "metric_sets", "after_cursor", "end_of_stream"} <= d.keys() for d in documents)
    assert documents[-1]["end_of_stream"] is True and all(d["end_of_stream"] is False for d in documents[:-1])
    stamps = collections.defaultdict(list)
    for document in documents:
        for ticket in document["tickets"]:
            if "id" in ticket:
                stamps[ticket["id"]].append(ticket["generated_timestamp"])
    assert any(len(s) > 1 and s == sorted(s) for s in stamps.values()), "updated tickets reappear in later pages"
    tweets = json.loads(next((out / "twitter").glob("*.json")).read_bytes())
    assert tweets["data"] and tweets["includes"]["users"] and all(isinstance(t.get("id", ""), str) for t in tweets["data"])
    comments = [c for p in (out / "facebook").glob("*.json") for c in json.loads(p.read_bytes())["data"]]
    assert any("from" not in c for c in comments) and any("id" not in c for c in comments)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", c["created_time"]) for c in comments if "created_time" in c)
    responses = [r for p in (out / "delighted").glob("*.json") for r in json.loads(p.read_bytes())]
    assert any(isinstance(r["person"], dict) for r in responses) and any(isinstance(r["person"], str) for r in responses)


# --- corrupt records and the truth ------------------------------------------------------------

def test_connectors_quarantine_exactly_the_corrupt_records(out, read):
    _, rejects = read
    expected = collections.Counter(row["source_file"] for row in csv.DictReader(open(out / "corrupt_records.csv", encoding="utf-8")))
    assert {row.split("/")[0] for row in expected} == set(CONNECTOR_NAMES), "corrupt records in every connector"
    assert +rejects == expected
    assert sum(expected.values()) < 0.01 * sum(len(v) for v in read[0].values())


def test_truth_lists_exactly_the_records_the_connectors_accept(read, truth):
    records, _ = read
    truth_ids = collections.defaultdict(set)
    for source, entity, record_id in truth:
        truth_ids[(source, entity)].add(record_id)
    checked = set()
    for (connector, entity), field in ID_FIELDS.items():
        rows = records[(connector, entity)]
        if (connector, entity) == ("zendesk", "users"):
            rows = [r for r in rows if r.get("role") != "agent"]  # support staff are not customers
        accepted = {str(r[field]) for r in rows}
        source = CONNECTORS[connector].source
        assert accepted == truth_ids[(source, entity)], (connector, entity)
        checked.add((source, entity))
    assert checked == set(truth_ids)


def test_anonymous_records_have_no_person_and_the_rest_do(truth):
    reviews = [p for (s, _, _), p in truth.items() if s == "google_play"]
    assert reviews and not any(reviews)
    assert all(p for (s, _, _), p in truth.items() if s in ("amplitude", "mixpanel", "zendesk", "twitter", "delighted"))


# --- hard cases -------------------------------------------------------------------------------

def _persons_by(records, truth, source, key_of) -> dict[str, set[str]]:
    found = collections.defaultdict(set)
    for (connector, entity), rows in records.items():
        if CONNECTORS[connector].source != source:
            continue
        field = ID_FIELDS.get((connector, entity))
        for row in rows:
            if field is None or (CONNECTORS[connector].source, entity, str(row[field])) not in truth:
                continue
            for key in key_of(entity, row):
                if key:
                    found[key].add(truth[(source, entity, str(row[field]))])
    return found


def test_a_person_with_two_shop_customer_ids(truth):
    accounts = collections.Counter(p for (s, e, _), p in truth.items() if (s, e) == ("shopify", "customers"))
    assert max(accounts.values()) == 2


def test_a_device_used_by_two_people(read, truth):
    devices = collections.defaultdict(set)
    for source in ("amplitude", "mixpanel"):
        for key, people in _persons_by(read[0], truth, source, lambda e, r: [r.get("device_id")]).items():
            devices[key] |= people
    assert any(len(people) == 2 for people in devices.values())


def test_anonymous_app_use_before_login_on_the_same_device(read, truth):
    rows = read[0][("amplitude", "events")]
    anonymous = {(r["device_id"], truth[("amplitude", "events", r["insert_id"])]) for r in rows if not r["user_id"]}
    signed_in = {(r["device_id"], truth[("amplitude", "events", r["insert_id"])]) for r in rows if r["user_id"]}
    assert anonymous & signed_in


def test_a_shared_mailbox_used_by_different_people(read, truth):
    emails = collections.defaultdict(set)
    for source in ("shopify", "zendesk", "delighted", "qualtrics"):
        for key, people in _persons_by(read[0], truth, source, lambda e, r: [
                (r.get("email") or r.get("recipient_email") or r.get("person_email") or "").lower()]).items():
            emails[key] |= people
    shared = {e: p for e, p in emails.items() if len(p) > 1}
    assert shared and all(e.split("@")[0] in ("info", "office", "hello", "orders", "admin") for e in shared)


def test_namesakes_in_one_city_are_different_people(read, truth):
    names = _persons_by(read[0], truth, "shopify", lambda e, r: [
        (r.get("first_name"), r.get("last_name"), r.get("default_address_city")) if e == "customers" and r.get("last_name") else None])
    assert any(len(people) == 2 for people in names.values())


def _digits(text: str | None) -> str:
    digits = re.sub(r"\D", "", text or "")
    return digits[-10:] if len(digits) >= 10 else ""


def test_two_people_share_a_household_landline(read, truth):
    phones = collections.defaultdict(set)
    for source in ("shopify", "amazon_connect"):
        for key, people in _persons_by(read[0], truth, source, lambda e, r: [
                _digits(r.get("default_address_phone")), _digits(r.get("billing_phone")), _digits(r.get("customer_endpoint_address"))]).items():
            phones[key] |= people
    assert any(len(people) == 2 for people in phones.values())


def _gmail_key(email: str) -> str:
    local, _, domain = email.lower().partition("@")
    return local.split("+")[0].replace(".", "") + "@gmail.com" if domain in ("gmail.com", "googlemail.com") else ""


def test_gmail_dot_and_plus_variants_of_one_person(read, truth):
    spellings = collections.defaultdict(set)
    for (connector, entity), rows in read[0].items():
        field = ID_FIELDS.get((connector, entity))
        for row in rows:
            email = row.get("email") or row.get("recipient_email")
            key = (CONNECTORS[connector].source, entity, str(row.get(field)))
            if email and key in truth and _gmail_key(email):
                spellings[(truth[key], _gmail_key(email))].add(email)
    variants = [s for s in spellings.values() if len(s) > 1]
    assert any(any("+" in e for e in s) for s in variants) and any(len({e.lower().split("+")[0] for e in s}) > 1 for s in variants)


def test_a_married_name_change(read, truth):
    names = collections.defaultdict(set)
    for row in read[0][("shopify_orders", "orders")]:
        person = truth[("shopify", "orders", row["order_id"])]
        if person and row.get("billing_name"):
            names[person].add(identities.ascii_name(row["billing_name"]).split()[-1])
    assert any(len(last_names) > 1 for last_names in names.values())


def test_external_ids_point_at_the_shop_customer_id_in_several_formats(read, truth):
    customer_ids = {rid for (s, e, rid) in truth if (s, e) == ("shopify", "customers")}
    references = [r.get("external_id") for r in read[0][("zendesk", "users")]]
    references += [r.get("external_reference") for r in read[0][("qualtrics", "responses")]]
    references += [r.get("customer_id") or json.loads(r.get("person_properties") or "{}").get("customer_id")
                   for r in read[0][("delighted", "responses")]]
    formats = set()
    for reference in filter(None, references):
        match = re.fullmatch(r"(cust_|CUST-)?(\d{13})", reference)
        if match and match.group(2) in customer_ids:
            formats.add(match.group(1) or "bare")
    assert formats == {"bare", "cust_", "CUST-"}


def test_order_numbers_are_quoted_by_their_buyers_in_tweets_comments_tickets_and_calls(read, truth):
    buyer = {}
    for row in read[0][("shopify_orders", "orders")]:
        buyer[row["name"].lstrip("#")] = truth[("shopify", "orders", row["order_id"])]
    number = re.compile(r"#?(\d{4,6})\b")

    def quoted(connector, entity, field, text_of) -> bool:
        for row in read[0][(connector, entity)]:
            person = truth[(CONNECTORS[connector].source, entity, str(row[field]))]
            for found in number.findall(text_of(row) or ""):
                if person and buyer.get(found) == person:
                    return True
        return False

    assert quoted("twitter", "tweets", "id", lambda r: r["text"])
    assert quoted("facebook", "comments", "id", lambda r: r["message"])
    assert quoted("zendesk", "tickets", "id", lambda r: r["subject"])
    assert quoted("amazon_connect", "contacts", "contact_id", lambda r: r.get("attributes"))


def test_every_group_of_people_holds_every_hard_case_and_no_private_mailbox_is_shared():
    for customers in (500, 2_600):
        plan = population.OrderPlan(customers, 3)
        book = population.EmailBook()
        everyone = []
        for group, (start, size) in enumerate(population.group_bounds(customers)):
            _, people = population.make_group(3, group, start, size, plan, book)
            everyone += people
            cases = collections.Counter(case for p in people for case in p.cases)
            assert set(cases) == {"namesake", "household_phone", "family_device", "shared_mailbox", "married_name",
                                  "duplicate_shop_account"}, (customers, group, cases)
        keys = [_gmail_key(p.email) or p.email.lower() for p in everyone]
        assert len(keys) == len(set(keys))


# --- values -----------------------------------------------------------------------------------

def test_generated_phone_numbers_are_valid():
    plan = population.OrderPlan(1_000, 5)
    _, people = population.make_group(5, 0, 0, 1_000, plan)
    numbers = [n for p in people for n in (p.mobile, p.landline) if n]
    assert len({p.country for p in people}) == 5
    invalid = [n for n in numbers if not phonenumbers.is_valid_number(phonenumbers.parse(n))]
    assert not invalid
    rng = random.Random(1)
    for n in numbers[:200]:  # every typed form still reads back as the same number
        typed = identities.typed_phone(n, rng.randrange(8))
        region = phonenumbers.region_code_for_number(phonenumbers.parse(n))
        assert phonenumbers.format_number(phonenumbers.parse(typed, region), phonenumbers.PhoneNumberFormat.E164) == n


def test_shop_time_matches_the_zone_database():
    zone = ZoneInfo("America/Chicago")
    for moment in range(clock.START, clock.END, 7_777):
        expected = dt.datetime.fromtimestamp(moment, zone).strftime("%Y-%m-%d %H:%M:%S %z")
        assert clock.shop_time(moment) == expected


def test_volumes_per_customer_are_in_the_briefed_ranges(truth):
    records = collections.Counter((s, e) for (s, e, _) in truth)
    people = collections.defaultdict(set)
    for (s, e, _), person in truth.items():
        if person:
            people[s].add(person)
    assert 0.75 <= records[("shopify", "customers")] / SIZE <= 0.95
    assert 1.6 <= records[("shopify", "orders")] / SIZE <= 2.5
    assert 0.4 <= len(people["amplitude"] | people["mixpanel"]) / SIZE <= 0.62
    assert 0.2 <= len(people["zendesk"] | people["amazon_connect"]) / SIZE <= 0.4
    assert 0.08 <= len(people["amazon_connect"]) / SIZE <= 0.22
    assert 0.25 <= len(people["delighted"] | people["qualtrics"]) / SIZE <= 0.45
    for source in ("twitter", "facebook"):
        assert 0.02 <= len(people[source]) / SIZE <= 0.1
    assert 0.01 <= records[("google_play", "reviews")] / SIZE <= 0.06
