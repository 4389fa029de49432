"""Survey tools: Delighted (NPS after purchase, CSAT on delivery, CES after support) and
Qualtrics (two relationship-NPS waves, exported twice so the exports overlap, and a
post-support survey).

Delighted: monthly pulls of responses updated that month, JSON lists; a response whose
comment arrives later is pulled again. The pull script expanded ``person`` until August,
then got bare person ids; November's file mixes both. Qualtrics: CSV with a UTF-8 BOM,
three header rows, times in the zone row 3 names, comments spanning lines.
"""
from __future__ import annotations

import csv
import random
import string
from pathlib import Path

import orjson

from pipelines.demo import clock
from pipelines.demo import reference as ref
from pipelines.demo.clock import DAY, END, START
from pipelines.demo.context import Context, Defects, Truth

DELIGHTED = "delighted"
QUALTRICS = "qualtrics"
NPS_WAVES = ((START + 75 * DAY, START + 101 * DAY), (START + 157 * DAY, START + 180 * DAY))  # mid Aug-early Sep, Nov
FIRST_NPS_EXPORT_AT = START + 106 * DAY  # 2024-09-15
_TOKEN = string.ascii_letters + string.digits
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _comment(rng: random.Random, kind: str, score: int) -> str:
    low, high = SCALES[kind]
    share = (score - low) / (high - low)
    band = "promoter" if share >= 0.85 else "passive" if share >= 0.65 else "detractor"
    text = rng.choice(ref.NPS_REASONS[band])
    if rng.random() < 0.15:
        text += rng.choice(ref.MULTILINE_TAILS)
    return text


def _customer_ref(rng: random.Random, customer_id: str) -> str:
    return rng.choices((customer_id, f"cust_{customer_id}", f"CUST-{customer_id}"), (60, 25, 15))[0]


# --- Delighted --------------------------------------------------------------------------------

def delighted(ctx: Context, rng: random.Random, p, kind: str, when: int, score: int, order, issues) -> None:
    if when >= END:
        return
    email = p.mailbox if p.mailbox and rng.random() < 0.5 else p.email_at(when)
    key = ("delighted_person", email.lower())
    person = ctx.shared.get(key)
    if person is None:  # Delighted keys people by email: a shared mailbox is one Delighted person
        name = f"{p.nick if p.nick and rng.random() < 0.2 else p.first} {p.last_name_at(when)}"
        person = {"id": str(ctx.next_id("delighted_person", 5_501)), "name": name, "email": email,
                  "phone_number": p.mobile if p.mobile and rng.random() < 0.15 else None,
                  "created_at": when - rng.randint(DAY, 3 * DAY), "last_sent_at": when - rng.randint(600, DAY)}
        ctx.shared[key] = person
    response_id = str(ctx.next_id("delighted_response", 77_001))
    comment = _comment(rng, kind, score) if rng.random() < 0.55 else None
    later = None
    if comment is None and rng.random() < 0.2:
        later = when + rng.randint(600, 5 * DAY)
        if later >= END:
            later = None
    properties = {}
    if p.customer_ids and rng.random() < 0.8:
        properties["customer_id"] = _customer_ref(rng, p.customer_ids[0])
    if order is not None and rng.random() < 0.7:
        properties["order"] = order.name
    if rng.random() < 0.3:
        properties["Purchase Channel"] = "app" if order is not None and order.source in ("iphone", "android") else "web"
    response = {
        "id": response_id, "person": person, "survey_type": kind, "score": score, "comment": comment,
        "permalink": "https://delighted.com/r/" + "".join(rng.choice(_TOKEN) for _ in range(20)),
        "created_at": when, "updated_at": when, "person_properties": properties, "notes": [],
        "tags": ["support"] if kind == "ces" else (["shipping"] if order is not None and rng.random() < 0.2 else []),
        "additional_answers": [],
    }
    spool = ctx.spool("delighted", DAY)
    spool.add(when, (p.pid, response_id, response, True))
    if later is not None:
        updated = dict(response)
        updated["comment"], updated["updated_at"] = _comment(rng, kind, score), later
        spool.add(later, (p.pid, response_id, updated, False))


def write_delighted(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / DELIGHTED
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 10)
    spool = ctx.spool("delighted", DAY)
    counts: dict[str, int] = {}
    every = 250
    first_pick = rng.randrange(max(1, min(spool.count, every)))
    items: list[bytes] = []
    name = ""

    def flush() -> None:  # one month's pull at a time: responses come in time order
        if items:
            (folder / name).write_bytes(b"[" + b",".join(items) + b"]")
            counts[name] = len(items)

    for n, (updated, (pid, response_id, response, first_version)) in enumerate(spool):
        month = clock.month_key(updated)
        if f"survey_responses_{month}.json" != name:
            flush()
            name, items = f"survey_responses_{month}.json", []
        if first_version:
            truth.add("delighted", "responses", response_id, pid)
        expanded = month <= "2024-08" or (month == "2024-11" and rng.random() < 0.5)
        shown = dict(response)
        if not expanded:
            shown["person"] = response["person"]["id"]
        items.append(orjson.dumps(shown))
        if n == first_pick or (n > first_pick and rng.randrange(every) == 0):
            twin = dict(shown)
            low, high = SCALES[twin["survey_type"]]
            if rng.random() < 0.6:
                twin["id"] = str(9_000_000 + n)
                twin["score"] = high + 1 if rng.random() < 0.7 else low - 1
                defect = f"score {twin['score']} outside {low}..{high}"
            else:
                twin["id"] = None
                defect = "missing id"
            items.append(orjson.dumps(twin))
            defects.add(DELIGHTED, "responses", name, defect, f"twin of response {response_id}")
    flush()
    return counts


# --- Qualtrics --------------------------------------------------------------------------------

_FIXED = ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
          "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude",
          "LocationLongitude", "DistributionChannel", "UserLanguage")
_FIXED_TEXT = ("Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished",
               "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
               "External Data Reference", "Location Latitude", "Location Longitude", "Distribution Channel", "User Language")
_FIXED_IMPORT = ('{"ImportId":"startDate","timeZone":"Z"}', '{"ImportId":"endDate","timeZone":"Z"}', '{"ImportId":"status"}',
                 '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}', '{"ImportId":"finished"}',
                 '{"ImportId":"recordedDate","timeZone":"Z"}', '{"ImportId":"_recordId"}', '{"ImportId":"recipientLastName"}',
                 '{"ImportId":"recipientFirstName"}', '{"ImportId":"recipientEmail"}', '{"ImportId":"externalDataReference"}',
                 '{"ImportId":"locationLatitude"}', '{"ImportId":"locationLongitude"}', '{"ImportId":"distributionChannel"}',
                 '{"ImportId":"userLanguage"}')
NPS_QUESTIONS = (("Q1", "How likely are you to recommend Northtrail to a friend? (0-10)", "QID1"),
                 ("Q2_TEXT", "What is the main reason for your score?", "QID2_TEXT"),
                 ("Q3", "Overall, how satisfied are you with Northtrail? (1-5)", "QID3"))
SUPPORT_QUESTIONS = (("Q1", "How satisfied were you with the support you received? (1-5)", "QID1"),
                     ("Q2", "How easy was it to get your issue resolved? (1-7)", "QID2"),
                     ("Q3_TEXT", "Anything else you would like to tell us?", "QID3_TEXT"))


def _response_row(rng: random.Random, p, when: int, answers: list[str], reference: str | None) -> tuple[list[str], bool]:
    """The fixed columns and answers of one response; returns (row, anonymous)."""
    duration = rng.randint(25, 400)
    anonymous = rng.random() < 0.08
    finished = rng.random() >= 0.04
    start = when - duration
    if not finished:
        answers = answers[:1] + [""] * (len(answers) - 1)
    row = [clock.plain_time(start), clock.plain_time(when), "0", "", "100" if finished else str(rng.randint(30, 80)), str(duration),
           "1" if finished else "0", clock.plain_time(when + 1), "R_" + "".join(rng.choice(_TOKEN) for _ in range(15))]
    if anonymous:
        row += ["", "", "", "", "", "", "anonymous"]
    else:
        email = p.mailbox if p.mailbox and rng.random() < 0.5 else p.email_at(when)
        first = p.nick if p.nick and rng.random() < 0.15 else p.first
        row += [p.last_name_at(when), first, email, reference or "", "", "", "email"]
    row.append({"US": "EN", "CA": "EN", "GB": "EN-GB", "PL": "PL", "DE": "DE"}[p.country])
    return row + answers, anonymous


def qualtrics_nps(ctx: Context, rng: random.Random, p, when: int, score: int, orders, issues) -> None:
    satisfaction = max(1, min(5, int(round(1 + score * 0.4 + rng.gauss(0, 0.5)))))
    reason = _comment(rng, "nps", score) if rng.random() < 0.75 else ""
    reference = f"CUST-{p.customer_ids[0]}" if p.customer_ids and rng.random() < 0.85 else None
    row, anonymous = _response_row(rng, p, when, [str(score), reason, str(satisfaction)], reference)
    ctx.spool("qualtrics_nps", DAY).add(when, ("" if anonymous else p.pid, row))


def qualtrics_support(ctx: Context, rng: random.Random, p, when: int, csat: int, ces: int, bad: bool) -> None:
    comment = ""
    if rng.random() < 0.6:
        comment = rng.choice(ref.SATISFACTION_BAD[:5] if bad else ref.SATISFACTION_GOOD[:4])
        if rng.random() < 0.3:
            comment += "\n" + rng.choice(("The agent was friendly though.", "Please call back next time.", "Thanks again!"))
    reference = p.customer_ids[0] if p.customer_ids and rng.random() < 0.6 else None
    row, anonymous = _response_row(rng, p, when, [str(csat), str(ces), comment], reference)
    ctx.spool("qualtrics_support", DAY).add(when, ("" if anonymous else p.pid, row))


def _qualtrics_name(survey: str, moment: int) -> str:
    date = clock.date_text(moment)
    month = ("January February March April May June July August September October November December").split()[int(date[5:7]) - 1]
    return f"{survey}_{month} {int(date[8:])}, {date[:4]}_{(moment // 3600) % 24:02d}.{(moment // 60) % 60:02d}.csv"


def write_qualtrics(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / QUALTRICS
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 11)
    counts: dict[str, int] = {}
    nps, support = ctx.spool("qualtrics_nps", DAY), ctx.spool("qualtrics_support", DAY)
    for spool in (nps, support):
        for _, (pid, row) in spool:
            truth.add("qualtrics", "responses", row[8], pid)
    exports = (  # (file name, questions, responses, last recorded time included)
        (_qualtrics_name("Northtrail Relationship NPS", FIRST_NPS_EXPORT_AT + 9 * 3600 + 720), NPS_QUESTIONS, nps, FIRST_NPS_EXPORT_AT),
        (_qualtrics_name("Northtrail Relationship NPS", END - 6 * 3600 - 15 * 60), NPS_QUESTIONS, nps, END),
        (_qualtrics_name("Northtrail Support Survey", END - 6 * 3600 - 14 * 60), SUPPORT_QUESTIONS, support, END),
    )
    for name, questions, spool, until in exports:
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as handle:  # UTF-8 with a BOM
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(list(_FIXED) + [q[0] for q in questions])
            writer.writerow(list(_FIXED_TEXT) + [q[1] for q in questions])
            writer.writerow(list(_FIXED_IMPORT) + [f'{{"ImportId":"{q[2]}"}}' for q in questions])
            every = 150
            included = sum(1 for moment, _ in spool if moment < until)
            first_pick = rng.randrange(max(1, min(included, every)))
            written = 0
            for n, (moment, (_, row)) in enumerate(spool):
                if moment >= until:
                    break
                writer.writerow(row)
                written += 1
                if not (n == first_pick or (n > first_pick and rng.randrange(every) == 0)):
                    continue
                twin = list(row)
                kind = rng.randrange(3)
                if kind == 0:
                    twin[8] = "R_" + "".join(rng.choice(_TOKEN) for _ in range(15))
                    if questions is NPS_QUESTIONS:
                        twin[17] = "11"
                        defect = "NPS 11 outside 0..10"
                    else:
                        twin[18] = "9"
                        defect = "CES 9 outside 1..7"
                elif kind == 1:
                    twin[8] = ""
                    defect = "missing ResponseId"
                else:
                    twin.append("")
                    defect = "wrong field count"
                writer.writerow(twin)
                written += 1
                defects.add(QUALTRICS, "responses", name, defect, f"twin of {row[8]}")
        counts[name] = written
    return counts
