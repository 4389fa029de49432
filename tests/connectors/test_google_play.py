"""Google Play reviews: UTF-16 files, ids from Review Link or a hash, times from millis or text, rejects."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.raw.google_play import GooglePlayReview

play = CONNECTORS["google_play"]


def full(record: dict) -> dict:
    """Records are sparse (a blank cell is absent and loads as NULL): compare them with every column present."""
    return {name: record.get(name) for name in GooglePlayReview.model_fields} | {"_source_row": record["_source_row"]}


def physical_rows(path) -> int:
    with open(path, newline="", encoding="utf-16") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def test_sample_reviews(read, samples_dir):
    path = samples_dir / "reviews_com.northtrail.app_202411.csv"
    assert path.read_bytes()[:2] == b"\xff\xfe"  # UTF-16LE with a BOM
    result = read(play, path)
    assert result.rejects == []
    linked, unlinked = map(full, result.rows("reviews"))
    assert linked == {
        "_source_row": 1,
        "review_id": "gp:EXAMPLE1",  # reviewId=gp%3AEXAMPLE1, URL-decoded
        "review_id_is_hash": False,
        "package_name": "com.northtrail.app",
        "app_version_code": "412",
        "app_version_name": "4.1.2",
        "reviewer_language": "en",
        "device": "oriole",
        "review_submit_date_and_time": dt.datetime(2024, 11, 5, 18, 22, 41),
        "review_submit_date_and_time_text": "2024-11-05T18:22:41Z",
        "review_submit_millis_since_epoch": 1730830961000,
        "review_last_update_date_and_time": dt.datetime(2024, 11, 5, 18, 22, 41),
        "review_last_update_date_and_time_text": "2024-11-05T18:22:41Z",
        "review_last_update_millis_since_epoch": 1730830961000,
        "star_rating": 2,
        "review_title": None,
        "review_text": 'Checkout keeps failing, "card declined" but bank says fine',
        "developer_reply_date_and_time": dt.datetime(2024, 11, 6, 9, 1),
        "developer_reply_date_and_time_text": "2024-11-06T09:01:00Z",
        "developer_reply_millis_since_epoch": 1730883660000,
        "developer_reply_text": "Sorry! Please contact support@northtrail.example",
        "review_link": "https://play.google.com/console/developers/000/app/000/user-feedback/review-details"
        "?reviewId=gp%3AEXAMPLE1&corpus=PUBLIC_REVIEWS",
        "extra_json": None,
    }
    assert unlinked["review_id_is_hash"] is True
    assert unlinked["review_id"].startswith("hash:") and len(unlinked["review_id"]) == 37
    assert unlinked["star_rating"] == 5 and unlinked["developer_reply_text"] is None


def test_pitfalls_and_rejects(read, fixtures_dir):
    path = fixtures_dir / "google_play" / "reviews_com.example.app_202403.csv"
    result = read(play, path)
    assert result.total == physical_rows(path) == 8  # conservation
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (2, "Star Rating 7 outside 1..5"),
        (4, "Review Submit Date and Time is missing"),
        (5, "Review Submit Date and Time 'last tuesday' is not a readable date and time"),
        (7, "row has 17 fields, header has 16"),
        (8, "Star Rating 'five' is not a number on the 1..5 scale"),
    ]
    assert result.rejects[0].record.startswith("com.example.app,101,1.0.1,en,a52q,2024-03-03T10:00:00Z")
    multiline, text_only, mangled = map(full, result.rows("reviews"))
    assert multiline["review_id"] == "gp:AOqpTOA1"
    assert multiline["review_text"] == 'Works well,\n"mostly"'  # quoted field spanning lines
    # millis missing: the text column is the fallback
    assert text_only["review_submit_date_and_time"] == dt.datetime(2024, 3, 4, 10, 0)
    assert text_only["review_submit_millis_since_epoch"] is None
    # millis mangled by a spreadsheet (1.70963E+12 lost its digits): the text column wins
    assert mangled["review_submit_date_and_time"] == dt.datetime(2024, 3, 5, 10, 0)
    assert mangled["review_submit_millis_since_epoch"] is None
    assert mangled["review_id"] == "gp:AOqpTOOLD2"  # the older console's link: #...&reviewid=


def test_millis_win_over_text(read, fixtures_dir, tmp_path):
    source = fixtures_dir / "google_play" / "reviews_com.example.app_202404.csv"
    path = tmp_path / "reviews_com.example.app_202405.csv"
    path.write_text(source.read_text(encoding="utf-16").replace("2024-03-01T10:00:00Z", "01/03/2024 10:00"), encoding="utf-16")
    (review,) = read(play, path).rows("reviews")
    assert review["review_submit_date_and_time"] == dt.datetime(2024, 3, 1, 10, 0)  # from 1709287200000
    assert review["review_submit_date_and_time_text"] == "01/03/2024 10:00"


def test_older_file_with_fewer_columns(read, fixtures_dir):
    result = read(play, fixtures_dir / "google_play" / "reviews_com.example.app_201801.csv")
    assert result.rejects == []
    (review,) = map(full, result.rows("reviews"))
    assert review == {
        **review,
        "package_name": "com.example.app",
        "app_version_code": "12",
        "app_version_name": None,
        "device": None,
        "review_link": None,
        "review_id_is_hash": True,
        "review_submit_date_and_time": dt.datetime(2018, 1, 15, 12, 0),
        "review_last_update_date_and_time": dt.datetime(2018, 1, 15, 12, 0),  # no millis column: from text
        "developer_reply_date_and_time": dt.datetime(2018, 1, 16, 8, 0),
        "star_rating": 1,
    }


def test_hash_id_is_stable_across_encodings_and_edits(read, fixtures_dir, tmp_path):
    """A review without a link keeps its id when re-exported, re-encoded, or when its text is edited."""
    source = fixtures_dir / "google_play" / "reviews_com.example.app_202403.csv"
    text = source.read_text(encoding="utf-16")
    path = tmp_path / "reviews_com.example.app_202403_utf8.csv"
    path.write_text(text.replace("bof", "bof finalement ça va"), encoding="utf-8")
    before = {r["review_text"]: r["review_id"] for r in read(play, source).rows("reviews")}
    after = {r["review_text"]: r["review_id"] for r in read(play, path).rows("reviews")}
    assert after["bof finalement ça va"] == before["bof"]
    bom_less = tmp_path / "reviews_com.example.app_202403_nobom.csv"
    bom_less.write_bytes(text.encode("utf-16-le"))
    assert [r["review_id"] for r in read(play, bom_less).rows("reviews")] == list(before.values())


def test_unknown_layout_is_unreadable(read, fixtures_dir):
    with pytest.raises(UnreadableFile, match="unknown layout: .*Star Rating.*Date, Installs"):
        read(play, fixtures_dir / "google_play" / "reviews_unknown.csv")


def test_excel_unicode_text_resave(read, fixtures_dir, tmp_path):
    """Excel's "Unicode Text" save: UTF-16 with tabs between fields."""
    source = fixtures_dir / "google_play" / "reviews_com.example.app_202403.csv"
    rows = list(csv.reader(source.open(newline="", encoding="utf-16")))
    resaved = tmp_path / "reviews_com.example.app_202403.txt.csv"
    with resaved.open("w", newline="", encoding="utf-16") as fh:
        csv.writer(fh, delimiter="\t").writerows(rows)
    expected, got = read(play, source), read(play, resaved)
    assert [full(r) for r in got.rows("reviews")] == [full(r) for r in expected.rows("reviews")]
    assert [r.reason for r in got.rejects] == [r.reason for r in expected.rejects]
