"""Export files full of what real CSVs do wrong, for proving the column-wise readers match the row-by-row ones.

``write_all(folder)`` writes ``<folder>/<connector>/...`` for the four CSV connectors: BOMs,
UTF-16, CRLF, quoted newlines, ragged rows, Excel-mangled phones and ids, DST offsets and odd
timestamps, blank ids, duplicate headers, a second layout, odd whitespace and odd numbers.
Every file is built from rows that are valid apart from the damage done on purpose, and is
large enough (``rows`` each) to cross chunk boundaries when read with a small ``chunk_size``.
"""
from __future__ import annotations

import csv
import io
import random
from pathlib import Path

SAMPLES = Path("/work/shared/samples")
_ROOT = Path(__file__).resolve().parents[1]

# Values that test every conversion's edge: the per-row parsers decide what they mean.
ODD_TIMES = [
    "2024-11-02 14:05:29 -0500", "2024-03-10 02:30:00 -0599", "2024-02-30 10:00:00 +0100", "2024-11-02 24:00:00 -0500",
    "2024-11-02 23:59:60 -0500", "2024-11-02T14:05:29Z", "2024-11-02 14:05:29", "11/02/2024 14:05", "yesterday",
    "2024-11-02 14:05:29 +0000", " 2024-11-02 14:05:29 -0400 ", "2024-11-02 14:05:29 -05:00", "0001-01-01 00:00:00 +0000",
    "2023-02-29 00:00:00 +0000", "2024-02-29 00:00:00 +0000", "2024-11-02 14:05:29.123 -0500", "２０２４-11-02 14:05:29 -0500",
]
ODD_AMOUNTS = ["820.00", "0", "-0.00", "1,234.50", "1.005", "1.015", "NaN", "inf", "1e3", "12.", ".5", "+3.00", "abc",
               "99999999999999999", "999999999999999.99", " 7.5 ", "００1", "0012.30", "-", "'5.00"]
ODD_FLAGS = ["yes", "YES", "True ", "no", "FALSE", "1", "0", "y", "n", "t", "f", "maybe", "ＹＥＳ", "İ", "true\xa0", ""]
ODD_INTS = ["2", "02", "-1", "2.0", "2.5", "1,000", "+3", "1e2", "x", "99999999999999999999", "٣", " 4 "]
ODD_TEXT = ["\xa0padded\u3000", "  spaced  ", "\t", " ", "a\x1fb", "tab\tinside", "semi;colon", "comma, inside",
            'quote "inside"', "line\nbreak", "crlf\r\nbreak", "'", "''7", "5.12555E+09", "'0123", "ünïcødé 🙂", "\x85x\x85", "\ufeffbom"]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n", delimiter: str = ",") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline, delimiter=delimiter).writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _damage(text: str, rng: random.Random) -> str:
    """A row's text with one of the faults hand-edited exports have (or unchanged)."""
    roll = rng.random()
    if roll < 0.03:
        return text + ",extra"  # one field too many
    if roll < 0.05:
        return text.rsplit(",", 1)[0]  # one field too few
    if roll < 0.06:
        return ""  # blank line
    if roll < 0.065:
        return "   "  # spaces only
    if roll < 0.07:
        return text.replace(",", ',x"', 1)  # a stray quote inside a field: csv keeps it as text
    if roll < 0.072:
        return text.replace(",", ',"', 1)  # an unmatched quote opening a field: it runs on over the next rows
    return text


def _render(rows: list[list[str]], rng: random.Random | None, newline: str) -> str:
    """Rows as CSV text; with ``rng``, some rows damaged (headers are rendered without)."""
    lines = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(row)
        lines.append(_damage(buffer.getvalue(), rng) if rng else buffer.getvalue())
    return newline.join(lines) + newline


def orders(folder: Path, rows: int = 400, seed: int = 7) -> None:
    rng = random.Random(seed)
    sample = _rows(SAMPLES / "orders_export_1.csv")
    header, first, continuation = sample[0], sample[1], sample[2]
    col = {name: i for i, name in enumerate(header)}
    body: list[list[str]] = []
    order = 0
    while len(body) < rows:
        order += 1
        head = list(first)
        head[col["Name"]] = f"#{5000 + order}" if rng.random() > 0.02 else ""
        head[col["Id"]] = rng.choice([f"{5600000000000 + order}", f"'{5600000000000 + order}", "", "'", " ", "5.6E+12"]) if rng.random() < 0.15 else str(5600000000000 + order)
        for name in ("Created at", "Paid at", "Fulfilled at", "Cancelled at"):
            if rng.random() < 0.3:
                head[col[name]] = rng.choice(ODD_TIMES + [""])
        for name in ("Subtotal", "Total", "Taxes", "Lineitem price", "Refunded Amount", "Shipping"):
            if rng.random() < 0.25:
                head[col[name]] = rng.choice(ODD_AMOUNTS)
        for name in ("Accepts Marketing", "Lineitem requires shipping", "Lineitem taxable"):
            if rng.random() < 0.3:
                head[col[name]] = rng.choice(ODD_FLAGS)
        if rng.random() < 0.3:
            head[col["Lineitem quantity"]] = rng.choice(ODD_INTS)
        for name in ("Phone", "Billing Phone", "Notes", "Billing Zip", "Email", "Tags", "Tax 1 Name"):
            if rng.random() < 0.2:
                head[col[name]] = rng.choice(ODD_TEXT)
        body.append(head)
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            line = list(continuation)
            line[col["Name"]] = head[col["Name"]] if rng.random() > 0.05 else f"#{4000 + order}"
            if rng.random() < 0.2:
                line[col["Created at"]] = rng.choice(ODD_TIMES)
            if rng.random() < 0.2:
                line[col["Lineitem price"]] = rng.choice(ODD_AMOUNTS)
            if rng.random() < 0.1:
                line[col["Email"]] = rng.choice(ODD_TEXT)
            body.append(line)
    target = folder / "shopify_orders"
    target.mkdir(parents=True, exist_ok=True)
    text = _render([header], None, "\r\n") + _render(body, rng, "\r\n")
    (target / "orders_export_1.csv").write_bytes(text.encode("utf-8-sig"))  # BOM, CRLF
    (target / "orders_export_2.csv").write_bytes(_render([header], None, "\n").encode("utf-16") + _render(body[::-1], rng, "\n").encode("utf-16")[2:])
    # The older 70-column layout, read from the project's fixture, rows repeated with new names.
    old = _rows(_ROOT / "fixtures" / "shopify_orders" / "orders_export_2_70col.csv")
    old_rows = []
    for n in range(rows // 3):
        for row in old[1:]:
            row = list(row)
            row[0] = f"#{9000 + n}" if row[0] else row[0]
            old_rows.append(row)
    (target / "orders_export_3.csv").write_text(_render([old[0]], None, "\n") + _render(old_rows, rng, "\n"), encoding="utf-8")
    # Semicolons (an Excel re-save), duplicate header names, a quoted field left open at the end.
    duplicated = header + ["Email", "Tax 1 Name"]
    wide = [row + [rng.choice(ODD_TEXT), rng.choice(ODD_TEXT)] for row in body[: rows // 2]]
    (target / "orders_export_4.csv").write_text(_render([duplicated], None, "\r\n").replace(",", ";") + _semicolons(wide, rng) + '#1,"open', encoding="utf-8")


def _semicolons(rows: list[list[str]], rng: random.Random) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def customers(folder: Path, rows: int = 400, seed: int = 11) -> None:
    rng = random.Random(seed)
    sample = _rows(SAMPLES / "customers_export.csv")
    header = sample[0]
    col = {name: i for i, name in enumerate(header)}
    body = []
    for n in range(rows):
        row = list(sample[1 + n % (len(sample) - 1)])
        row[col["Customer ID"]] = rng.choice([f"'{8123456700000 + n}", f"{8123456700000 + n}", "", "'", "' ", "8.12346E+12", f" {n} "]) if rng.random() < 0.2 else str(8123456700000 + n)
        for name in ("Phone", "Default Address Phone", "Default Address Zip", "Email", "Note", "First Name", "Tags"):
            if rng.random() < 0.2:
                row[col[name]] = rng.choice(ODD_TEXT)
        for name in ("Accepts Email Marketing", "Accepts SMS Marketing", "Tax Exempt"):
            if rng.random() < 0.3:
                row[col[name]] = rng.choice(ODD_FLAGS)
        if rng.random() < 0.3:
            row[col["Total Spent"]] = rng.choice(ODD_AMOUNTS)
        if rng.random() < 0.3:
            row[col["Total Orders"]] = rng.choice(ODD_INTS)
        body.append(row)
    target = folder / "shopify_customers"
    target.mkdir(parents=True, exist_ok=True)
    (target / "customers_export.csv").write_bytes((_render([header], None, "\r\n") + _render(body, rng, "\r\n")).encode("utf-8-sig"))
    (target / "customers_export_2.csv").write_bytes((_render([header + ["Note", "Extra Col"]], None, "\n") + _render([r + [rng.choice(ODD_TEXT), rng.choice(ODD_TEXT + [""])] for r in body], rng, "\n")).encode("utf-16"))
    old = _rows(_ROOT / "fixtures" / "shopify_customers" / "customers_export_old.csv")
    old_rows = [list(old[1 + n % (len(old) - 1)]) for n in range(rows)]
    for row in old_rows:
        for i in range(len(row)):
            if rng.random() < 0.1:
                row[i] = rng.choice(ODD_TEXT + ODD_AMOUNTS + ODD_FLAGS)
    (target / "customers_export_old.csv").write_text(_render([old[0]], None, "\n") + _render(old_rows, rng, "\n"), encoding="utf-8")


ODD_SCORES = ["10", "0", "11", "-1", "-99", "7.5", "07", " 9 ", "10 - Extremely likely", "Extremely likely", "Very satisfied",
              "Neutral", "abc", "", "1e1", "５", "NaN", "3.0"]
WALL_TIMES = ["2024-08-15 05:30:02", "2024-03-10 02:30:00", "2024-11-03 01:30:00", "2024-02-30 10:00:00", "2024-08-15T05:30:02",
              "2024-08-15 05:30:02Z", "08/15/2024 05:30", "not a time", "", " 2024-08-15 05:30:02 ", "2024-08-15 24:00:00",
              "2024-08-15 05:30", "2024-08-15"]


def qualtrics(folder: Path, rows: int = 400, seed: int = 13) -> None:
    rng = random.Random(seed)
    sample = _rows(SAMPLES / "qualtrics_nps_export.csv")
    ids, labels, imports = sample[0], sample[1], sample[2]
    # More questions than the sample: a CSAT, an effort score, a second free text, embedded data, a repeated id.
    ids = ids + ["Q3", "Q4", "Q5_TEXT", "Segment", "Q2"]
    labels = labels + ["How satisfied are you? (1-5)", "How easy was it? (1-7)", "Anything else?", "Segment", "Again"]
    imports = imports + ['{"ImportId":"QID3"}', '{"ImportId":"QID4"}', '{"ImportId":"QID5_TEXT"}', '{"ImportId":"Segment"}', '{"ImportId":"QID2_TEXT"}']
    col = {name: i for i, name in enumerate(ids)}
    body = []
    for n in range(rows):
        row = list(sample[3 + n % (len(sample) - 3)]) + ["4", "6", "", "vip", ""]
        row[col["ResponseId"]] = f"R_{n:06d}" if rng.random() > 0.05 else rng.choice(["", " "])
        for name in ("StartDate", "EndDate", "RecordedDate"):
            if rng.random() < 0.3:
                row[col[name]] = rng.choice(WALL_TIMES)
        for name in ("Q1", "Q3", "Q4"):
            if rng.random() < 0.3:
                row[col[name]] = rng.choice(ODD_SCORES)
        for name in ("Q2", "Q5_TEXT", "Segment", "RecipientEmail"):
            if rng.random() < 0.3:
                row[col[name]] = rng.choice(ODD_TEXT + [""])
        row[-1] = rng.choice(ODD_TEXT + ["", "", ""])
        for name in ("Progress", "Duration (in seconds)"):
            if rng.random() < 0.2:
                row[col[name]] = rng.choice(ODD_INTS)
        if rng.random() < 0.3:
            row[col["Finished"]] = rng.choice(ODD_FLAGS)
        for name in ("LocationLatitude", "LocationLongitude"):
            if rng.random() < 0.3:
                row[col[name]] = rng.choice(["30.2672", "-97.7431", "0.1", "1e-3", "nan", "inf", "1,5", "90", ""])
        body.append(row)
    target = folder / "qualtrics"
    target.mkdir(parents=True, exist_ok=True)
    chicago = [value.replace('"timeZone":"Z"', '"timeZone":"America/Chicago"') for value in imports]
    (target / "survey_chicago.csv").write_bytes((_render([ids, labels, chicago], None, "\r\n") + _render(body, rng, "\r\n")).encode("utf-8-sig"))
    offset = [value.replace('"timeZone":"Z"', '"timeZone":"-07:00"') for value in imports]
    (target / "survey_offset.csv").write_text(_render([ids, labels, offset], None, "\n") + _render(body[::-1], rng, "\n"), encoding="utf-8")
    # Ids only (no label or import row): times in the store's zone. UTF-16, as Excel saves "Unicode Text".
    (target / "survey_ids_only.csv").write_bytes((_render([ids], None, "\r\n") + _render(body, rng, "\r\n")).encode("utf-16"))


def google_play(folder: Path, rows: int = 400, seed: int = 17) -> None:
    rng = random.Random(seed)
    with (SAMPLES / "reviews_com.northtrail.app_202411.csv").open(newline="", encoding="utf-16") as fh:
        sample = list(csv.reader(fh))
    header = sample[0]
    col = {name: i for i, name in enumerate(header)}
    body = []
    for n in range(rows):
        row = list(sample[1 + n % (len(sample) - 1)])
        if rng.random() < 0.3:
            row[col["Review Submit Millis Since Epoch"]] = rng.choice(["1730830000123", "1.73083E+12", "", "abc", "-5", "1730830000123.0",
                                                                         "99999999999999999999", "2100000000000", "0", " 1730830000123 "])
        if rng.random() < 0.3:
            row[col["Review Submit Date and Time"]] = rng.choice(["2024-11-05T18:20:03Z", "", "yesterday", "2024-11-05 18:20:03 UTC"])
        if rng.random() < 0.2:
            row[col["Review Last Update Millis Since Epoch"]] = rng.choice(["", "x", "1.2E+12", "1730830000999"])
        if rng.random() < 0.3:
            row[col["Star Rating"]] = rng.choice(["0", "6", "4.5", "5.0", " 3 ", "", "five", "٣"])
        if rng.random() < 0.3:
            row[col["Review Link"]] = rng.choice(["", "http://play.google.com/console/developers/x/app/y/user-feedback/review-details?reviewId=gp%3AAO%2Bx&corpus=PUBLIC_REVIEWS",
                                                  "https://play.google.com/apps/publish?account=1#ReviewDetailsPlace:p=com.x&reviewid=gp:AOqp_old", "no id here"])
        for name in ("Review Text", "Device", "Reviewer Language"):
            if rng.random() < 0.2:
                row[col[name]] = rng.choice(ODD_TEXT + [""])
        body.append(row)
    target = folder / "google_play"
    target.mkdir(parents=True, exist_ok=True)
    (target / "reviews_com.example_202411.csv").write_bytes((_render([header], None, "\r\n") + _render(body, rng, "\r\n")).encode("utf-16"))
    # An older layout without the link and the millis columns, and an unknown extra column.
    keep = [i for i, name in enumerate(header) if "Millis" not in name and name != "Review Link"]
    old_header = [header[i] for i in keep] + ["Reply Status"]
    old = [[row[i] for i in keep] + [rng.choice(ODD_TEXT + ["", "replied"])] for row in body]
    (target / "reviews_com.example_201801.csv").write_bytes((_render([old_header], None, "\n") + _render(old, rng, "\n")).encode("utf-16-le"))


def write_all(folder: Path, rows: int = 400) -> None:
    orders(folder, rows)
    customers(folder, rows)
    qualtrics(folder, rows)
    google_play(folder, rows)
