"""The column-wise Zendesk reading (connectors/object_columns.py) must give exactly what the
per-record Python gives, value for value, on plain columns (vectorised) and odd ones (per value)."""
from __future__ import annotations

import json
import random

import pytest

from connectors import CONNECTORS, object_columns as oc
from connectors import zendesk as zd
from connectors.values import free_text, json_text, or_none, parse_moment, tag_list, text, whole_number

zendesk = CONNECTORS["zendesk"]

# Columns whose values all have one plain type take the vectorised path; the mixed ones the per-value path.
PLAIN_COLUMNS = [
    [" a ", "\u3000b\u00a0", "", "  ", None, "x\ty", "\u2028z\x1f", "emoji \U0001F600", "é"],
    [0, -5, 2**53 + 1, 2**63 - 1, None, 36100000001],
    ["2024-11-05T19:10:02Z", "2024-11-05T19:10:02.123456+05:30", "2024-11-05 19:10:02", "2024-11-05T19:10:02.1-00:00", None],
    ["2024-11-05T19:10:02Z", "2024-02-30T00:00:00Z"],  # a date that does not exist
    ["2024-11-05T19:10:02Z", "2024-11-05T19:10:02.1234567Z", "2024-11-05T19:10:02+0530", " 2024-11-05T19:10:02Z "],
    [1730997912, -1730997912, 0, None],
    [1730997912, 1730997912123],  # milliseconds
    [True, False, None],
    [["a", " b "], [], None, ["x"]],
    [["a", ""], ["b"]],
    [["a", None]],
    [["a", 1], [True]],
]
ODD_VALUES = [None, "", " x ", 0, 1.0, 1.5, 2**53 + 1, 2**63 + 5, True, {}, {"a": 1}, [], ["a"], "1717301340", "20241105",
              "2024-11-05T19:10:02Z", "sometime", 1717301340, " 41 ", "4,100", "NaN", "yes", "1", "a\nb"]


def _lenient(function):
    return lambda value: or_none(function, value)


CASES = [
    (oc.texts, text), (oc.ids, oc.identifier), (oc.free_texts, free_text), (oc.tag_lists, tag_list),
    (oc.moments, _lenient(parse_moment)), (oc.whole_numbers, _lenient(whole_number)), (oc.flags, oc.optional_bool),
    (oc.json_texts, lambda value: None if value is None else json_text(value)),
]


@pytest.mark.parametrize("column, function", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("values", PLAIN_COLUMNS + [ODD_VALUES], ids=lambda v: repr(v)[:40])
def test_each_column_function_equals_its_value_function(column, function, values):
    assert column(list(values)).to_pylist() == [function(value) for value in values]


def test_a_count_beyond_bigint_is_unreadable_not_a_failed_file():
    assert oc.whole_numbers([2**63 + 5, 3]).to_pylist() == [None, 3]
    with pytest.raises(ValueError, match="out of range"):
        whole_number(2**63 + 5)


def _odd_page(seed: int) -> dict:
    rng = random.Random(seed)

    def maybe_odd(record: dict) -> dict:
        for key in rng.sample(sorted(record), 3):
            record[key] = rng.choice(ODD_VALUES[:7] + ODD_VALUES[8:])  # no integer beyond BIGINT
        return record

    tickets = [
        {"id": 100 + i, "created_at": "2024-11-05T19:10:02Z", "updated_at": 1730997912, "subject": "Hi",
         "via": {"channel": "email", "source": {"from": {"address": "a@b.c", "phone": None, "formatted_phone": "+1 512"}}},
         "tags": ["a", "b"], "custom_fields": [{"id": 1, "value": "x"}], "satisfaction_rating": {"score": "good"}}
        for i in range(60)
    ]
    users = [{"id": 500 + i, "email": "a@b.c", "verified": True, "tags": [], "user_fields": {}} for i in range(30)]
    metrics = [{"ticket_id": 100 + i, "replies": 2, "reply_time_in_minutes": {"calendar": 5, "business": 4}} for i in range(60)]
    for records in (tickets, users, metrics):
        for record in rng.sample(records, len(records) // 2):
            maybe_odd(record)
    return {"tickets": tickets, "users": users, "metric_sets": metrics + ["not an object"]}


@pytest.mark.parametrize("seed", range(5))
def test_column_wise_page_equals_the_per_record_functions(tmp_path, read, seed):
    page = _odd_page(seed)
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    result = read(zendesk, path)

    expected_records: dict[str, list[dict]] = {}
    expected_rejects = []
    row = 0
    for key in ("tickets", "users", "metric_sets"):
        for item in page[key]:
            row += 1
            outcome = zd._record(key, json.loads(json.dumps(item)), row)
            if isinstance(outcome, tuple):
                expected_records.setdefault(outcome[0], []).append(outcome[1])
            else:
                expected_rejects.append(outcome)
    assert expected_rejects, "the page has rejects to compare"
    assert result.rejects == expected_rejects
    for entity, rows in expected_records.items():
        assert result.rows(entity) == rows
