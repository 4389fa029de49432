"""Facebook Graph API page comments: ``{data: [comment], paging: {...}}`` pages, one file each.

``id`` and ``from`` may be missing depending on the token: a missing id becomes a
content hash, so re-exported comments still deduplicate.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import orjson

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.decoding import load_json_document, open_text
from connectors.values import or_none, parse_int, parse_timestamp, text
from models.config import CxpConfig
from models.raw.facebook import FacebookComment

ENTITY = "comments"


def content_hash(*parts) -> str:
    return "hash:" + hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        page, page_text, error = load_json_document(stream)
    if error:
        yield Chunk(rejects=[Reject(ENTITY, 1, error, page_text)])
        return
    if isinstance(page, dict) and isinstance(page.get("data"), list):
        comments = page["data"]
    elif isinstance(page, list):
        comments = page
    else:
        raise UnreadableFile("unknown layout: expected a Graph API page with a data[] array of comments")
    yield from chunked(_records(comments), config.chunk_size)


def _records(comments: list) -> Iterator[tuple[str, dict] | Reject]:
    for row, comment in enumerate(comments, start=1):
        original = orjson.dumps(comment).decode()
        if not isinstance(comment, dict):
            yield Reject(ENTITY, row, f"comment {row} is not a JSON object", original)
            continue
        created_text = text(comment.get("created_time"))
        if created_text is None:
            yield Reject(ENTITY, row, "created_time is missing", original)
            continue
        try:
            created = parse_timestamp(created_text)
        except ValueError as exc:
            yield Reject(ENTITY, row, f"created_time {exc}", original)
            continue
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        parent = comment.get("parent") if isinstance(comment.get("parent"), dict) else {}
        comment_id = text(comment.get("id"))
        likes, replies = or_none(parse_int, comment.get("like_count")), or_none(parse_int, comment.get("comment_count"))
        message = comment.get("message")
        yield ENTITY, {
            "_source_row": row,
            "id": comment_id or content_hash(created_text, author.get("id"), author.get("name"), comment.get("message")),
            "id_is_hash": comment_id is None,
            "message": message if isinstance(message, str) or message is None else text(message),
            "created_time": created,
            "created_time_text": created_text,
            "from_id": text(author.get("id")),
            "from_name": text(author.get("name")),
            "like_count": likes,
            "comment_count": replies,
            "parent_id": text(parent.get("id")),
            "raw_json": original,
        }


CONNECTOR = Connector(
    name="facebook",
    source="facebook",
    patterns=("*.json", "*.json.gz"),
    entities={ENTITY: FacebookComment},
    read=read,
    description="Facebook Graph API page comment pages",
    record_id_columns={ENTITY: "id"},
)
