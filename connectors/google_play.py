"""Google Play Console reviews (``reviews_<package>_YYYYMM.csv``): UTF-16LE with a BOM, one row per review.

Columns are found by name; older files omit some (Review Link, Review Title, Device, the
millis columns). The review id is the ``reviewId`` parameter of Review Link (URL-decoded;
older links carry it after ``#``); without a link it is a hash of the review's fixed facts,
so re-exported reviews still deduplicate. Reviews are anonymous.

Rejected: a row whose field count differs from the header's; a submit time that is missing
or unreadable (the millis column is preferred, the text column is the fallback); a Star
Rating outside 1..5.

Read column by column (``csv_columns``): cells are converted as Arrow arrays and only odd
values, and rows that may be rejected, go through the per-value functions; ``read_by_rows``
builds one dict per row and is the reference the tests hold ``read`` to.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import numpy
import pyarrow as pa
import pyarrow.compute as pc

from connectors.base import Chunk, Connector, Reject, UnreadableFile, chunked
from connectors.csv_columns import STRING, TIMESTAMP, CellColumns, extras, width_rejects
from connectors.decoding import CsvBatch, CsvLayout, iter_csv, iter_csv_batches, map_header, open_text
from connectors.values import content_hash, is_excel_mangled, parse_epoch, parse_int, parse_timestamp, rating
from models.config import CxpConfig
from models.raw.google_play import GooglePlayReview

ENTITY = "reviews"

# raw field -> header names used by the Play Console over the years.
COLUMNS: dict[str, tuple[str, ...]] = {
    "package_name": ("Package Name",),
    "app_version_code": ("App Version Code",),
    "app_version_name": ("App Version Name",),
    "reviewer_language": ("Reviewer Language", "Language"),
    "device": ("Device",),
    "review_submit_date_and_time": ("Review Submit Date and Time", "Review Submit Date"),
    "review_submit_millis_since_epoch": ("Review Submit Millis Since Epoch", "Review Submit Millis"),
    "review_last_update_date_and_time": ("Review Last Update Date and Time", "Review Last Update Date"),
    "review_last_update_millis_since_epoch": ("Review Last Update Millis Since Epoch", "Review Last Update Millis"),
    "star_rating": ("Star Rating", "Rating"),
    "review_title": ("Review Title",),
    "review_text": ("Review Text",),
    "developer_reply_date_and_time": ("Developer Reply Date and Time", "Developer Reply Date"),
    "developer_reply_millis_since_epoch": ("Developer Reply Millis Since Epoch", "Developer Reply Millis"),
    "developer_reply_text": ("Developer Reply Text",),
    "review_link": ("Review Link", "Review URL"),
}
SUBMIT = "review_submit_date_and_time"
SUBMIT_MILLIS = "review_submit_millis_since_epoch"
SECONDARY_TIMES = ("review_last_update_date_and_time", "developer_reply_date_and_time")
HEADER_NAMES = {field: names[0] for field, names in COLUMNS.items()}  # for reasons a person recognises
_REVIEW_ID = re.compile(r"[?&#;]reviewid=([^&#]+)", re.IGNORECASE)


def read(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    with open_text(path) as stream:
        headers, batches = iter_csv_batches(stream, delimiter=None, batch_rows=config.chunk_size)
        layout = _layout(headers[0])
        for batch in batches:
            yield _chunk(layout, batch)


def read_by_rows(path: Path, config: CxpConfig) -> Iterator[Chunk]:
    """The same records as ``read``, built one dict per row: the reference the column-wise
    reader is tested against, and the definition of every edge case it must match."""
    with open_text(path) as stream:
        headers, rows = iter_csv(stream, delimiter=None)
        yield from chunked(_records(_layout(headers[0]), rows), config.chunk_size)


def _layout(header: list[str]) -> CsvLayout:
    layout = map_header(header, COLUMNS)
    if not (layout.has("star_rating") and (layout.has(SUBMIT) or layout.has(SUBMIT_MILLIS))):
        raise UnreadableFile(
            "unknown layout: a Google Play reviews export has Star Rating and Review Submit Date and Time "
            f"(or its Millis Since Epoch) columns; this header has {', '.join(layout.header[:12]) or 'no columns'}"
        )
    return layout


# Millis the vectorised path converts: below 2.1e12 (year 2036) ``ms / 1e3`` seconds, as
# parse_epoch computes it, is within half a microsecond of the exact value, so both agree.
_PLAIN_MILLIS = r"^(?:[0-9]{1,12}|1[0-9]{12}|20[0-9]{11})$"


def _chunk(layout: CsvLayout, batch: CsvBatch) -> Chunk:
    """One batch of reviews column by column; instants whose millis are not plain digits, and
    ratings that are not 1..5, go through ``_instant`` and ``rating`` as in ``_records``."""
    chunk = Chunk()
    cells, good = CellColumns.from_batch(batch, len(layout.header))
    width_rejects(batch, layout, good, ENTITY, chunk)
    count = len(good)
    texts = {field: cells.text(index) for field, index in layout.positions.items()}
    absent = pa.nulls(count, STRING)
    reasons: dict[int, str] = {}
    instants = {}
    for field, required in ((SUBMIT, True), *((f, False) for f in SECONDARY_TIMES)):
        millis_field = _millis(field)
        text, millis_text = texts.get(field, absent), texts.get(millis_field, absent)
        plain = pc.match_substring_regex(millis_text, _PLAIN_MILLIS).fill_null(False)
        millis = pc.cast(pc.if_else(plain, millis_text, pa.scalar(None, STRING)), pa.int64())
        moment = pc.multiply(millis, 1000).cast(TIMESTAMP)
        fixes = {}
        for index in pc.indices_nonzero(pc.invert(plain)).to_pylist():
            if index in reasons:
                continue
            record = {field: text[index].as_py(), millis_field: millis_text[index].as_py()}
            try:
                fixes[index] = _instant(record, field, required)
            except ValueError as exc:
                reasons[index] = str(exc)
        if fixes:
            mask = pa.array(numpy.isin(numpy.arange(count), list(fixes)))
            rows = sorted(fixes)
            moment = pc.replace_with_mask(moment, mask, pa.array([fixes[i][0] for i in rows], TIMESTAMP))
            millis = pc.replace_with_mask(millis, mask, pa.array([fixes[i][1] for i in rows], pa.int64()))
        instants[field] = (moment, millis, text)
    stars_text = texts["star_rating"]
    stars_plain = pc.match_substring_regex(stars_text, r"^[1-5]$").fill_null(False)
    stars = pc.cast(pc.if_else(stars_plain, stars_text, pa.scalar(None, STRING)), pa.int64())
    star_fixes = {}
    for index in pc.indices_nonzero(pc.and_(stars_text.is_valid(), pc.invert(stars_plain))).to_pylist():
        if index in reasons:
            continue
        try:
            star_fixes[index] = rating(stars_text[index].as_py(), 1, 5, "Star Rating")
        except ValueError as exc:
            reasons[index] = str(exc)
    if star_fixes:
        rows = sorted(star_fixes)
        stars = pc.replace_with_mask(stars, pa.array(numpy.isin(numpy.arange(count), rows)), pa.array([star_fixes[i] for i in rows], pa.int64()))
    for index, reason in reasons.items():
        chunk.reject(ENTITY, batch.numbers[good[index]], reason, batch.texts[good[index]])
    chunk.rejects.sort(key=_row_number)  # in file order, as read

    kept = [index for index in range(count) if index not in reasons]
    if not kept:
        return chunk
    take = pa.array(kept, pa.int64())
    table = {field: values.take(take) for field, values in texts.items()}
    for field, (moment, millis, text) in instants.items():
        table[field], table[_millis(field)], table[field + "_text"] = moment.take(take), millis.take(take), text.take(take)
    table["star_rating"] = stars.take(take)
    links = table["review_link"].to_pylist() if "review_link" in table else [None] * len(kept)
    link_ids = [_review_id(link) for link in links]
    review_ids = list(link_ids)
    if None in review_ids:  # no link to take the id from: a hash of the review's fixed facts
        facts = [table[f].to_pylist() if f in table else [None] * len(kept) for f in ("package_name", SUBMIT, "device", "reviewer_language")]
        for index, review_id in enumerate(review_ids):
            if review_id is None:
                package, submitted, device, language = (column[index] for column in facts)
                review_ids[index] = content_hash(package, submitted.replace(microsecond=0).isoformat(), device, language)
    table["review_id_is_hash"] = pa.array([link_id is None for link_id in link_ids])
    table["review_id"] = pa.array(review_ids, STRING)
    if layout.unknown:
        table["extra_json"] = extras(layout, cells, take)
    table["_source_row"] = pa.array([batch.numbers[good[index]] for index in kept], pa.int64())
    chunk.tables[ENTITY] = pa.table(table)
    return chunk


def _row_number(reject: Reject) -> int:
    return reject.source_row


def _records(layout: CsvLayout, rows) -> Iterator[tuple[str, dict] | Reject]:
    keep_extras = bool(layout.unknown)
    for row in rows:
        error = row.error or layout.width_error(row.fields)
        if error:
            yield Reject(ENTITY, row.row, error, row.text)
            continue
        record = layout.values(row.fields)  # sparse: a blank cell is absent and loads as NULL
        try:
            record[SUBMIT], record[SUBMIT_MILLIS] = _instant(record, SUBMIT, required=True)
            for field in SECONDARY_TIMES:
                record[field], record[_millis(field)] = _instant(record, field, required=False)
            record["star_rating"] = rating(record.get("star_rating"), 1, 5, "Star Rating")
        except ValueError as exc:
            yield Reject(ENTITY, row.row, str(exc), row.text)
            continue
        review_id = _review_id(record.get("review_link"))
        record["review_id_is_hash"] = review_id is None
        record["review_id"] = review_id or content_hash(
            record.get("package_name"), record[SUBMIT].replace(microsecond=0).isoformat(),
            record.get("device"), record.get("reviewer_language"),
        )
        record["_source_row"] = row.row
        if keep_extras:
            record["extra_json"] = layout.extras(row.fields)
        yield ENTITY, record


def _millis(field: str) -> str:
    return field.replace("_date_and_time", "_millis_since_epoch")


def _instant(record: dict, field: str, required: bool):
    """(UTC time, millis) of one instant: the millis column when readable, else the text column.

    Moves the text to ``<field>_text``. Raises ValueError (a reject reason) only for a required instant.
    """
    text = record.pop(field, None)
    millis_text = record.get(_millis(field))
    record[field + "_text"] = text
    millis = moment = None
    problem = None
    if millis_text is not None:
        try:
            if is_excel_mangled(millis_text):  # 1.73083E+12 has lost its last digits: hours off
                raise ValueError(f"{millis_text!r} was mangled by a spreadsheet")
            millis = parse_int(millis_text)
            moment = parse_epoch(millis, "ms")
        except ValueError as exc:
            millis = None
            problem = f"{HEADER_NAMES[_millis(field)]} {exc}"
    if moment is None and text is not None:
        try:
            moment = parse_timestamp(text)
        except ValueError as exc:
            problem = f"{HEADER_NAMES[field]} {exc}"
    if moment is None and required:
        raise ValueError(problem or f"{HEADER_NAMES[field]} is missing")
    return moment, millis


def _review_id(link: str | None) -> str | None:
    if not link:
        return None
    found = _REVIEW_ID.search(link)
    return unquote(found.group(1)).strip() or None if found else None


CONNECTOR = Connector(
    name="google_play",
    source="google_play",
    patterns=("reviews_*.csv", "reviews_*.csv.gz"),
    entities={ENTITY: GooglePlayReview},
    read=read,
    description="Google Play Console monthly reviews export (UTF-16 CSV)",
)
