"""X API v2 pages: the shared sample, and tests/fixtures/twitter with huge ids (as text, as
JSON integers and as floats that lost digits), a page without includes, error-only pages,
a page cut off mid-download, and twarc's one-page-per-line files."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from connectors import CONNECTORS
from connectors.base import UnreadableFile
from models.config import CxpConfig

twitter = CONNECTORS["twitter"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "twitter"


def test_sample_page_reads_exactly(read, samples_dir):
    result = read(twitter, samples_dir / "x_v2_search_page.json")
    assert result.rejects == []
    first, second = result.rows("tweets")
    raw = json.loads(first.pop("raw_json"))
    assert first == {
        "_source_row": 1,
        "id": "1853901234567890123",
        "text": "@northtrail my order #2041 still says pending?? 3 days now",
        "author_id": "1450000000000000001",
        "author_username": "priya_codes",
        "author_name": "Priya R.",
        "created_at": dt.datetime(2024, 11, 5, 19, 2, 11),
        "created_at_text": "2024-11-05T19:02:11.000Z",
        "conversation_id": "1853901234567890123",
        "in_reply_to_user_id": "98765432",
        "lang": "en",
        "retweet_count": 0,
        "reply_count": 1,
        "like_count": 2,
        "quote_count": 0,
        "impression_count": 143,
    }
    assert raw["entities"]["mentions"][0]["username"] == "northtrail"
    assert (second["id"], second["author_username"], second["author_name"], second["in_reply_to_user_id"]) == (
        "1853905555555555555", "marcusobi", "Marcus Obi", None
    )
    assert (second["like_count"], second["retweet_count"], second["reply_count"]) == (41, 3, 0)


def test_page_without_includes_and_bad_tweets(read):
    result = read(twitter, FIXTURES / "search_2024-11-06.json")
    assert result.total == 6
    tweets = result.rows("tweets")
    assert [(t["_source_row"], t["id"], t["author_id"], t["author_username"], t["author_name"]) for t in tweets] == [
        (1, "1853901234567890123", "1450000000000000001", None, None),  # no includes on this page
        (2, "1853907777777777777", "1450000000000000001", None, None),
    ]
    assert tweets[0]["like_count"] == 9
    assert tweets[1]["text"] == "long post, cut at 280 characters by the API but whole here"  # note_tweet
    assert tweets[1]["like_count"] is None  # public_metrics: null
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (3, "tweet has no id"),
        (4, "created_at is missing"),
        (5, "created_at 'Tue Nov 5' is not a readable date and time"),
        (6, "tweet 6 is not a JSON object"),
    ]
    assert json.loads(result.rejects[0].record)["text"] == "a tweet without an id"


def test_ids_never_pass_through_a_float(read):
    result = read(twitter, FIXTURES / "numeric_ids.json")
    (tweet,) = result.rows("tweets")
    assert (tweet["id"], tweet["author_id"]) == ("1853910000000000001", "1450000000000000001")  # JSON integers, every digit
    assert (tweet["author_username"], tweet["author_name"]) == ("priya_codes", None)  # null user entries skipped
    assert [(r.source_row, r.reason) for r in result.rejects] == [
        (2, "tweet id lost its digits (written as a floating-point number)")
    ]


def test_error_only_page_is_a_valid_empty_page(read):
    result = read(twitter, FIXTURES / "errors_only.json")
    assert (result.total, result.rejects) == (0, [])


def test_page_that_does_not_parse_is_one_reject(read):
    result = read(twitter, FIXTURES / "cut_off.json")
    assert result.rows("tweets") == []
    (reject,) = result.rejects
    assert (reject.source_row, reject.reason) == (1, "invalid JSON at byte 86: unexpected end of data")
    assert reject.record == (FIXTURES / "cut_off.json").read_text()


def test_one_page_per_line(read):
    result = read(twitter, FIXTURES / "twarc_pages.jsonl")
    assert [(t["_source_row"], t["id"], t["author_username"]) for t in result.rows("tweets")] == [
        (1, "1853920000000000001", "marcusobi"),
        (3, "1853920000000000002", "marcusobi"),
        (4, "1853920000000000003", None),  # author 42 is not in that page's includes
    ]
    assert [(r.source_row, r.reason.split(" (")[0]) for r in result.rejects] == [(2, "invalid JSON on line 2")]


def test_list_of_tweets_with_inline_authors(tmp_path, read):
    path = tmp_path / "flattened.json"
    path.write_text(json.dumps([
        {"id": "1", "text": "inline author", "created_at": "2024-11-07T10:00:00Z", "author": {"id": "7", "username": "ann", "name": "Ann"}},
    ]))
    (tweet,) = read(twitter, path).rows("tweets")
    assert (tweet["author_id"], tweet["author_username"], tweet["author_name"]) == ("7", "ann", "Ann")


def test_document_that_is_no_page_fails_the_file(tmp_path):
    path = tmp_path / "unauthorized.json"
    path.write_text('{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}')
    with pytest.raises(UnreadableFile, match="the API answered: Unauthorized"):
        list(twitter.read(path, CxpConfig()))
