"""X (Twitter) API v2 pages: ``{data: [tweet], includes: {users: [...]}, meta: {...}}``, one page per file.

Each tweet gets its author's username and name joined from the page's ``includes.users``.
Ids stay text from the JSON to the warehouse: they exceed what a double holds exactly.
Also read, because collection tools save pages that way: a file of JSON lines with one
page per line (twarc), a JSON list of pages or of tweets, and tweets carrying their author
inline (``author: {...}``). A page with ``errors`` and no ``data`` is a valid empty page.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import iter_json_lines, load_json_document, open_text
from connectors.values import json_text, or_none, parse_int, parse_timestamp, text
from models.config import CxpConfig
from models.raw.twitter import Tweet

ENTITY = "tweets"
_PAGE_KEYS = ("data", "includes", "meta", "errors")


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        document, document_text, error = load_json_document(stream)
    if error is None:
        pages = _pages(document)
        if pages is None:
            problem = f" (the API answered: {document.get('title')}: {document.get('detail')})" if isinstance(document, dict) and "title" in document else ""
            raise UnreadableFile(f"unknown layout: expected an X API v2 page ({{data: [tweets], includes, meta}}) or a list of them{problem}")
        yield from chunked(_tweets(pages), config.chunk_size)
        return
    lines = list(iter_json_lines(io.StringIO(document_text)))  # StringIO splits on \n only, never inside a JSON string
    if len(lines) > 1 and any(line.error is None and _pages(line.value) for line in lines):
        yield from chunked(_tweets(_pages_per_line(lines)), config.chunk_size)
    else:  # one page that does not parse: nothing in it can be trusted
        yield Chunk(rejects=[Reject(ENTITY, 1, error, document_text)])


def _pages(document) -> list | None:
    """The pages (each a list of tweets plus the users to join) in one parsed document, or None."""
    if isinstance(document, dict):
        if any(key in document for key in _PAGE_KEYS):
            return [("page", document)]
        if "id" in document and "text" in document:  # a single tweet object
            return [("tweets", [document])]
        return None
    if isinstance(document, list) and document:
        if all(isinstance(item, dict) and any(key in item for key in _PAGE_KEYS) for item in document):
            return [("page", item) for item in document]
        if any(isinstance(item, dict) for item in document):
            return [("tweets", document)]
    return None


def _pages_per_line(lines) -> Iterator[tuple[str, object]]:
    for line in lines:
        if line.error is not None:
            yield "broken", line
        else:
            yield from _pages(line.value) or [("broken", line)]


def _tweets(pages) -> Iterator[tuple[str, dict] | Reject]:
    row = 0
    for kind, page in pages:
        if kind == "broken":  # a line of a JSON-lines file: one reject for the page it held
            row += 1
            yield Reject(ENTITY, row, page.error or f"line {page.row} is neither an X API page nor a tweet", page.text)
            continue
        if kind == "page":
            tweets = page.get("data")
            users = _users(page.get("includes"))
        else:
            tweets, users = page, {}
        if tweets is None:
            continue  # an error-only or empty page: nothing to load
        for tweet in tweets if isinstance(tweets, list) else [tweets]:
            row += 1
            yield _tweet(tweet, row, users)


def _users(includes) -> dict[str, dict]:
    users = includes.get("users") if isinstance(includes, dict) else None
    if not isinstance(users, list):
        return {}
    found = {}
    for user in users:
        if isinstance(user, dict):
            user_id = _id(user.get("id"))
            if user_id is not None:
                found[user_id] = user
    return found


def _tweet(tweet, row: int, users: dict[str, dict]) -> tuple[str, dict] | Reject:
    original = json_text(tweet)
    if not isinstance(tweet, dict):
        return Reject(ENTITY, row, f"tweet {row} is not a JSON object", original)
    tweet_id = _id(tweet.get("id"))
    if tweet_id is None:
        reason = "tweet id lost its digits (written as a floating-point number)" if isinstance(tweet.get("id"), float) else "tweet has no id"
        return Reject(ENTITY, row, reason, original)
    created_text = text(tweet.get("created_at"))
    if created_text is None:
        return Reject(ENTITY, row, "created_at is missing", original)
    try:
        created = parse_timestamp(created_text)
    except ValueError as exc:
        return Reject(ENTITY, row, f"created_at {exc}", original)
    author_id = _id(tweet.get("author_id"))
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else users.get(author_id, {})
    if author_id is None:
        author_id = _id(author.get("id"))
    metrics = tweet.get("public_metrics") if isinstance(tweet.get("public_metrics"), dict) else {}
    return ENTITY, {
        "_source_row": row,
        "id": tweet_id,
        "text": _full_text(tweet),
        "author_id": author_id,
        "author_username": text(author.get("username")),
        "author_name": text(author.get("name")),
        "created_at": created,
        "created_at_text": created_text,
        "conversation_id": _id(tweet.get("conversation_id")),
        "in_reply_to_user_id": _id(tweet.get("in_reply_to_user_id")),
        "lang": text(tweet.get("lang")),
        "retweet_count": or_none(parse_int, metrics.get("retweet_count")),
        "reply_count": or_none(parse_int, metrics.get("reply_count")),
        "like_count": or_none(parse_int, metrics.get("like_count")),
        "quote_count": or_none(parse_int, metrics.get("quote_count")),
        "impression_count": or_none(parse_int, metrics.get("impression_count")),
        "raw_json": original,
    }


def _full_text(tweet: dict) -> str | None:
    """Posts over 280 characters carry their whole text in ``note_tweet.text``; ``text`` is cut."""
    note = tweet.get("note_tweet")
    value = note.get("text") if isinstance(note, dict) and note.get("text") else tweet.get("text")
    return value if isinstance(value, str) else text(value)


def _id(value) -> str | None:
    """Ids as text. The API writes them as strings; one written as a number keeps its digits
    as an int, but as a float beyond 2**53 its digits are gone and it is no id at all."""
    if isinstance(value, float) and (not value.is_integer() or abs(value) >= 2**53):
        return None
    if isinstance(value, (dict, list, bool)):
        return None
    return text(value)


CONNECTOR = Connector(
    name="twitter",
    source="twitter",
    patterns=("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz"),
    entities={ENTITY: Tweet},
    read=read,
    description="X (Twitter) API v2 search/timeline pages with includes.users",
    record_id_columns={ENTITY: "id"},
)
