"""The sentiment cache: each distinct text scored once with VADER, kept by hash across runs."""
from __future__ import annotations

import hashlib

import pytest
from staging_fixture import fresh, insert, t
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

import pipelines.sentiment as sentiment


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@pytest.fixture
def con():
    connection = fresh()
    insert(connection, "staging.stg_twitter__tweets", [
        {"tweet_id": "1", "text": "I love it", "created_at": t("2024-01-01 10:00")},
        {"tweet_id": "2", "text": "  I love it  ", "created_at": t("2024-01-01 11:00")},  # same text once trimmed
        {"tweet_id": "3", "text": "   ", "created_at": t("2024-01-01 12:00")},  # blank: no text
    ])
    insert(connection, "staging.stg_zendesk__tickets", [
        {"ticket_id": "T1", "subject": "Broken", "description": "It arrived broken, terrible", "satisfaction_comment": "meh",
         "created_at": t("2024-01-02 10:00")},
        {"ticket_id": "T2", "subject": None, "description": "It arrived broken, terrible", "created_at": t("2024-01-02 11:00")},
    ])
    yield connection
    connection.close()


def cache(con) -> dict[str, float]:
    return dict(con.execute(f"select text_hash, sentiment from {sentiment.TABLE}").fetchall())


def test_each_distinct_text_is_scored_once_and_kept_without_its_text(con):
    run = sentiment.update_text_sentiment(con)
    analyzer = SentimentIntensityAnalyzer()
    expected = {
        md5(text): analyzer.polarity_scores(text)["compound"]
        for text in ("I love it", "Broken\nIt arrived broken, terrible", "It arrived broken, terrible", "meh")
    }
    assert (run.texts, run.scored) == (4, 4)
    assert cache(con) == pytest.approx(expected)
    columns = [r[0] for r in con.execute(f"describe {sentiment.TABLE}").fetchall()]
    assert columns == ["text_hash", "sentiment", "model"]


def test_a_second_run_scores_only_new_texts_and_forgets_gone_ones(con):
    sentiment.update_text_sentiment(con)
    assert sentiment.update_text_sentiment(con).scored == 0
    con.execute("update staging.stg_twitter__tweets set text = 'I hate it' where tweet_id in ('1', '2')")
    run = sentiment.update_text_sentiment(con)
    assert (run.texts, run.scored) == (4, 1)
    assert md5("I love it") not in cache(con) and md5("I hate it") in cache(con)


def test_a_new_vader_version_rescores_everything(con, monkeypatch):
    sentiment.update_text_sentiment(con)
    monkeypatch.setattr(sentiment, "MODEL", "vaderSentiment 99")
    assert sentiment.update_text_sentiment(con).scored == 4
    assert con.execute(f"select distinct model from {sentiment.TABLE}").fetchall() == [("vaderSentiment 99",)]


def test_missing_staging_tables_are_skipped(con):
    con.execute("drop table staging.stg_twitter__tweets")
    assert sentiment.update_text_sentiment(con).texts == 3


def test_text_expression_matches_the_sql_of_interactions():
    assert sentiment.text_expression("a") == "nullif(trim(a), '')"
    assert sentiment.text_expression("a", "b") == "nullif(trim(concat_ws(chr(10), nullif(trim(a), ''), nullif(trim(b), ''))), '')"
