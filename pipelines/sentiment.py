"""VADER sentiment of every free-text field, cached by text hash in ``core.text_sentiment``.

VADER (a lexicon model made for social text) scores each distinct text once: the cache
keeps ``md5(text) -> compound score`` across runs, so a run scores only texts it has not
seen, and the table holds no text (nothing to erase for ``cxp forget``). A change of
vaderSentiment version rescores everything. ``sql/core/interactions.sql`` joins the
scores on ``md5(<text expression>)``, using exactly the expressions of ``TEXT_SOURCES``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.metadata import version

import duckdb
import pyarrow as pa

TABLE = "core.text_sentiment"
MODEL = f"vaderSentiment {version('vaderSentiment')}"
NEGATIVE_BELOW = -0.05  # VADER's own threshold: compound <= -0.05 is negative


def text_expression(*columns: str) -> str:
    """The SQL for one touch's text: its fields trimmed, blanks dropped, joined by newlines."""
    if len(columns) == 1:
        return f"nullif(trim({columns[0]}), '')"
    parts = ", ".join(f"nullif(trim({c}), '')" for c in columns)
    return f"nullif(trim(concat_ws(chr(10), {parts})), '')"


# (staging table, the free-text fields that make up one text). interactions.sql writes
# the same text_expression() for each (a test checks it does).
TEXT_SOURCES: list[tuple[str, tuple[str, ...]]] = [
    ("staging.stg_twitter__tweets", ("text",)),
    ("staging.stg_facebook__comments", ("message",)),
    ("staging.stg_google_play__reviews", ("review_title", "review_text")),
    ("staging.stg_zendesk__tickets", ("subject", "description")),
    ("staging.stg_zendesk__tickets", ("satisfaction_comment",)),
    ("staging.stg_delighted__responses", ("comment",)),
    ("staging.stg_qualtrics__responses", ("comment",)),
]

COLUMN_DESCRIPTIONS = {
    "text_hash": "md5 of the text, as interactions.sql computes it (the text itself is not kept)",
    "sentiment": "VADER compound score, -1 (most negative) .. 1 (most positive)",
    "model": "vaderSentiment version that scored the text",
}
DDL = f"create table if not exists {TABLE} (text_hash varchar not null, sentiment double not null, model varchar not null)"


@dataclass
class SentimentRun:
    texts: int  # distinct texts in the warehouse now
    scored: int  # texts scored by this run (not in the cache)
    seconds: float  # time spent scoring

    @property
    def texts_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {name for (name,) in rows}


def texts_query(tables: set[str]) -> str:
    """Distinct (text_hash, text) over every free-text field of the staging tables present."""
    selects = [
        f"select {text_expression(*columns)} as text from {table}" for table, columns in TEXT_SOURCES if table in tables
    ]
    if not selects:
        return "select cast(null as varchar) as text_hash, cast(null as varchar) as text where false"
    union = "\nunion all\n".join(selects)
    return f"select md5(text) as text_hash, any_value(text) as text from ({union}) where text is not null group by 1"


def score(texts: list[str]) -> list[float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(text)["compound"] for text in texts]


def update_text_sentiment(con: duckdb.DuckDBPyConnection) -> SentimentRun:
    """Score the texts not yet in the cache; drop entries for texts no longer present."""
    con.execute("create schema if not exists core")
    con.execute(DDL)
    con.execute(f"delete from {TABLE} where model <> ?", [MODEL])
    con.execute(f"create or replace temp table current_texts as {texts_query(_existing_tables(con))}")
    missing = con.execute(
        f"select text_hash, text from current_texts where text_hash not in (select text_hash from {TABLE})"
    ).fetchall()
    started = time.perf_counter()
    scores = score([text for _, text in missing])
    seconds = time.perf_counter() - started
    scored = pa.table(
        {
            "text_hash": pa.array([text_hash for text_hash, _ in missing], pa.string()),
            "sentiment": pa.array(scores, pa.float64()),
            "model": pa.array([MODEL] * len(scores), pa.string()),
        }
    )
    con.register("scored_texts", scored)
    try:
        con.execute(f"insert into {TABLE} select text_hash, sentiment, model from scored_texts")
    finally:
        con.unregister("scored_texts")
    con.execute(f"delete from {TABLE} where text_hash not in (select text_hash from current_texts)")
    texts = con.execute("select count(*) from current_texts").fetchone()[0]
    con.execute("drop table current_texts")
    return SentimentRun(texts=texts, scored=len(scores), seconds=seconds)
