"""The reference connector, Facebook page comments: the shared sample, tests/fixtures/facebook
(id-less comments, missing `from`, replies, bad counts and times, pages cut off, error
responses), and its staging model (latest version per comment)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig
from pipelines.loader import load_connector
from pipelines.sql_models import find
from pipelines.warehouse import connect_build

facebook = CONNECTORS["facebook"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "facebook"


@pytest.fixture
def page_2(read):
    return read(facebook, FIXTURES / "comments_page_2.json")


def test_sample_page_reads_exactly(read, samples_dir):
    result = read(facebook, samples_dir / "fb_comments_page.json")
    assert result.rejects == []
    first, second = result.rows("comments")
    assert json.loads(first.pop("raw_json"))["from"] == {"id": "7012345678901234", "name": "Dana Kowalski"}
    assert first == {
        "_source_row": 1,
        "id": "123456789012345_987654321098765",
        "id_is_hash": False,
        "message": "Where is my refund? Ordered 2 weeks ago.",
        "created_time": dt.datetime(2024, 11, 6, 8, 14, 55),
        "created_time_text": "2024-11-06T08:14:55+0000",
        "from_id": "7012345678901234",
        "from_name": "Dana Kowalski",
        "like_count": 0,
        "comment_count": 1,
        "parent_id": None,  # "parent": null
    }
    assert second["message"] == "Love these socks \U0001f9e6"  # a surrogate pair in the JSON
    assert (second["from_id"], second["from_name"], second["like_count"]) == (None, None, 4)  # no `from` for this token


def test_every_comment_is_loaded_or_rejected(page_2):
    assert page_2.total == 8
    assert [r["_source_row"] for r in page_2.rows("comments")] == [1, 2, 3, 4, 8]
    assert [(r.source_row, r.reason) for r in page_2.rejects] == [
        (5, "created_time is missing"),
        (6, "created_time 'last week' is not a readable date and time"),
        (7, "comment 7 is not a JSON object"),
    ]
    assert page_2.rejects[2].record == "42"
    assert json.loads(page_2.rejects[0].record) == {"id": "c-notime", "message": "no time"}


def test_comments_without_id_get_a_stable_content_hash(page_2, read):
    rows = {r["_source_row"]: r for r in page_2.rows("comments")}
    assert rows[2]["id_is_hash"] and rows[3]["id_is_hash"]
    assert rows[2]["id"].startswith("hash:") and len(rows[2]["id"]) == 37
    assert rows[2]["id"] == rows[3]["id"]  # the same comment exported twice: one natural key
    again = {r["_source_row"]: r for r in read(facebook, FIXTURES / "comments_page_2.json").rows("comments")}
    assert again[2]["id"] == rows[2]["id"]  # stable across reads


def test_replies_offsets_and_messy_values(page_2):
    rows = {r["_source_row"]: r for r in page_2.rows("comments")}
    assert rows[1]["comment_count"] == 2  # "2" as text
    assert (rows[2]["like_count"], rows[2]["comment_count"]) == (None, 1)  # a bad count loses only itself
    reply = rows[4]
    assert reply["parent_id"] == "123456789012345_987654321098765"
    assert (reply["from_id"], reply["from_name"]) == (None, None)  # "from": null
    assert (reply["created_time"], reply["created_time_text"]) == (dt.datetime(2024, 11, 7, 17, 0), "2024-11-07T12:00:00-0500")
    assert rows[8]["message"] == "12345"  # a number where text belongs stays loadable


def test_page_cut_off_is_one_reject(read):
    result = read(facebook, FIXTURES / "cut_off.json")
    assert result.rows("comments") == []
    (reject,) = result.rejects
    assert reject.source_row == 1 and reject.reason.startswith("invalid JSON at byte ")
    assert reject.record == (FIXTURES / "cut_off.json").read_text()


def test_error_response_fails_the_file():
    with pytest.raises(UnreadableFile, match="unknown layout"):
        list(facebook.read(FIXTURES / "error_response.json", CxpConfig()))


def test_bare_list_of_comments(read):
    (comment,) = read(facebook, FIXTURES / "comments_list.json").rows("comments")
    assert (comment["id"], comment["created_time"]) == ("c-list", dt.datetime(2024, 11, 8, 9, 0))


def test_staging_keeps_the_latest_version_of_each_comment(tmp_path, samples_dir):
    exports = tmp_path / "exports"
    (exports / "facebook").mkdir(parents=True)
    shutil.copy(samples_dir / "fb_comments_page.json", exports / "facebook" / "page_1.json")
    shutil.copy(FIXTURES / "comments_page_2.json", exports / "facebook" / "page_2.json")
    con = connect_build(tmp_path / "warehouse", CxpConfig())
    report = load_connector(con, facebook, exports, CxpConfig())
    assert [(f.source_file, f.records_loaded, f.records_quarantined) for f in report.files] == [
        ("facebook/page_1.json", 2, 0), ("facebook/page_2.json", 5, 3)
    ]
    assert find("stg_facebook__comments").build(con) == 5  # 7 raw rows: a re-exported comment, a doubled id-less one
    refund = con.execute(
        "select message, like_count, reply_count, created_at, _source_file from staging.stg_facebook__comments"
        " where comment_id = '123456789012345_987654321098765'"
    ).fetchone()
    assert refund == (
        "Where is my refund? Ordered 2 weeks ago. Update: sorted, thanks!", 3, 2, dt.datetime(2024, 11, 7, 10, 0), "facebook/page_2.json"
    )
    hashed = con.execute("select count(*) from staging.stg_facebook__comments where comment_id_is_hash").fetchone()
    assert hashed == (1,)
