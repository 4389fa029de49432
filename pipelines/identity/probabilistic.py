"""Probabilistic record linkage with Splink (DuckDB backend).

Fellegi-Sunter on names, addresses, postcodes, cities, dates of birth and whatever contact
details a profile has. The model is built from the columns that actually carry data,
trained on the data itself (u by random sampling, m by expectation maximisation from
sensible starting priors), and falls back to those priors wherever EM cannot estimate
a level (Splink's EM breaks on data without noise, or on a level no pair reaches).

Input: a frame with ``unique_id`` (text), optionally ``source_dataset`` (link mode), and
any of the role columns below, plus ``extra_*`` columns. Output: scored pairs.
"""
from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

NAME_ROLES = ("first_name", "last_name")
ROLES = (
    "first_name", "last_name", "full_name", "email", "phone", "street_number", "address", "address2",
    "city", "postcode", "state", "dob", "national_id",
)
# Fields whose agreement is evidence beyond the name: a probabilistic link between two
# profiles must agree on at least one of them (namesakes share a name, not a life).
# Postcode and city alone are not among them: neighbours share them, and they follow from
# each other (Fellegi-Sunter's independence does not hold), so a place is corroboration
# only with the street: the address, or the street number and the postcode together.
CORROBORATING = ("email", "phone", "address", "address2", "dob", "national_id")
PERSONAL = ("email", "phone", "dob", "national_id")
NULL_WORDS = {"", "nan", "none", "null", "n/a", "na", "-", "--", "?", "unknown", "undefined", "nil"}
NAME_TITLES = re.compile(r"^(mr|mrs|ms|miss|dr|prof|sir|mme|mlle|herr|frau)\s+")
MAX_PREDICT_PAIRS = 40_000_000
MAX_EM_PAIRS = 2_000_000
MAX_RULES = 20
# Below this many records the model is not trained: too few pairs to estimate anything,
# so the priors (m and u) decide.
SMALL_INPUT = 300
DIGITS = "__digits"  # helper column: the numbers in an address, compared by the address levels
WANTED = "__wanted"  # helper columns (prefix): 1 where a profile may take a link (see predict_pairs)
M_FLOOR = 0.002


@dataclass
class LinkageResult:
    pairs: pd.DataFrame  # unique_id_l, unique_id_r, match_probability, match_weight, agreeing
    model: dict = field(default_factory=dict)  # trained settings, for the record
    notes: list[str] = field(default_factory=list)  # what training did and what fell back
    seconds: float = 0.0


# ---------------------------------------------------------------------------- cleaning
# The cleaning runs on Arrow strings (pyarrow.compute, RE2): a million profiles in a few
# seconds, without a Python object per value. The results are the ones pandas' string
# methods gave on the same Arrow-backed columns: its strip, lower and normalize are these
# Arrow kernels, and its regexes are Python's re only where RE2 would read otherwise (\s
# anywhere, \d beyond ASCII). Here \s is only ever met after everything but spaces is
# gone, and \d only on phones: phone_key reads the few values beyond ASCII with re.
_NULL_WORDS = pa.array(sorted(NULL_WORDS), pa.string())
_NULL_TEXT = pa.scalar(None, pa.string())


def _arrow(series: pd.Series) -> pa.Array:
    return pa.array(series.astype("string"), pa.string(), from_pandas=True)


def _series(values: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index)


def _without(values: pa.Array, words: pa.Array) -> pa.Array:
    """Null where the value is one of ``words``."""
    return pc.if_else(pc.is_in(values, value_set=words), _NULL_TEXT, values)


def _single_spaced(values: pa.Array) -> pa.Array:
    """Runs of spaces as one, none at either end (for text that has no other whitespace)."""
    return pc.utf8_trim(pc.replace_substring_regex(values, " {2,}", " "), " ")


def _fold_arrow(values: pa.Array) -> pa.Array:
    """Lower-case ASCII (NFKD, then what is not ASCII dropped: accents go, letters stay),
    anything but letters, digits and @.+ to spaces, single spaces."""
    values = pc.replace_substring_regex(pc.utf8_normalize(values, "NFKD"), "[^\\x00-\\x7f]+", "")
    return _single_spaced(pc.replace_substring_regex(pc.ascii_lower(values), "[^a-z0-9@.+ ]+", " "))


def _fold(series: pd.Series) -> pd.Series:
    """Lower-case ASCII, punctuation to spaces, single spaces; null words to NA."""
    return _series(_without(_fold_arrow(_arrow(series)), _NULL_WORDS), series.index)


def _alnum(series: pd.Series, upper: bool = False) -> pd.Series:
    values = pc.replace_substring_regex(_arrow(series), "[^0-9A-Za-z]+", "")
    values = pc.ascii_upper(values) if upper else pc.ascii_lower(values)
    return _series(_without(values, _NULL_WORDS), series.index)


def _name(series: pd.Series) -> pd.Series:
    """A name folded, without digits, @.+ or a leading title (a null word to NA)."""
    values = pc.replace_substring_regex(_fold_arrow(_arrow(series)), "[.@+0-9]", " ")
    values = _single_spaced(pc.replace_substring_regex(values, NAME_TITLES.pattern.replace("\\s", " "), ""))
    return _series(_without(values, _NULL_WORDS), series.index)


def _split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'Last, First' or 'First [Middle] Last' into first and last tokens."""
    raw = full.astype("string")
    comma = raw.str.contains(",", regex=False).fillna(False)
    swapped = raw.str.split(",", n=1).str[1].str.strip() + " " + raw.str.split(",", n=1).str[0].str.strip()
    tokens = _name(raw.where(~comma, swapped)).str.split(" ")
    first = tokens.str[0]
    last = tokens.str[-1].where(tokens.str.len() > 1)
    return first, last


def email_key(series: pd.Series) -> pd.Series:
    """Matching key of an email: lower-cased, +tags dropped, Gmail dots folded (as cxp_email_key)."""
    values = pc.utf8_lower(pc.utf8_trim_whitespace(_arrow(series)))
    valid = pc.match_substring_regex(values, r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
    parts = pc.extract_regex(pc.if_else(valid, values, _NULL_TEXT), r"^(?P<local>[^@+]*)[^@]*@(?P<domain>.*)$")
    local, domain = pc.struct_field(parts, "local"), pc.struct_field(parts, "domain")
    gmail = pc.is_in(domain, value_set=pa.array(["gmail.com", "googlemail.com"]))
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    return _series(pc.binary_join_element_wise(local, domain, "@"), series.index)


_MANGLED_PHONE = r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+"


def phone_key(series: pd.Series) -> pd.Series:
    """Digits of a phone, without a country prefix (the last 10), for comparison only.

    Excel's scientific notation (5.12555E+09) has lost digits: never a phone. Nor is a
    number of one or two repeated digits (0000000, 1212121 has three runs and passes).
    """
    raw = pc.utf8_trim_whitespace(_arrow(series))
    # Python's \d takes every Unicode digit, RE2's only 0-9: values beyond ASCII go through re.
    mangled = pc.match_substring_regex(raw, "^" + _MANGLED_PHONE.replace("\\d", "[0-9]") + "$")
    digits = pc.replace_substring_regex(raw, "[^0-9]+", "")
    beyond = pc.fill_null(pc.invert(pc.string_is_ascii(raw)), False)
    if pc.any(beyond).as_py():
        values = pc.filter(raw, beyond).to_pylist()
        mangled = pc.replace_with_mask(mangled, beyond, pa.array([re.fullmatch(_MANGLED_PHONE, v) is not None for v in values]))
        digits = pc.replace_with_mask(digits, beyond, pa.array([re.sub(r"\D", "", v) for v in values], pa.string()))
    digits = pc.utf8_slice_codeunits(digits, -10)
    ok = pc.and_(pc.fill_null(pc.greater_equal(pc.utf8_length(digits), 7), False), pc.invert(pc.fill_null(mangled, False)))
    digits = _series(digits, series.index)
    return digits.where(pd.Series(ok.to_numpy(zero_copy_only=False), index=series.index) & (_digit_runs(digits) > 2))


def _digit_runs(digits: pd.Series) -> pd.Series:
    """Runs of equal neighbouring digits in each string of at most 10 digits (vectorised:
    a fixed-width character matrix, compared column by column)."""
    text = digits.fillna("").to_numpy(dtype="U10")
    codes = text.view(np.uint32).reshape(len(text), 10) if len(text) else np.zeros((0, 10), dtype=np.uint32)
    present = codes != 0
    changes = (codes[:, 1:] != codes[:, :-1]) & present[:, 1:]
    return pd.Series(present[:, 0].astype(int) + changes.sum(axis=1), index=digits.index)


def clean_profiles(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalised comparison columns. Columns without information (all missing, or a single
    value everywhere) are dropped: they cannot tell records apart."""
    out = pd.DataFrame({"unique_id": frame["unique_id"].astype("string")})
    if "source_dataset" in frame:
        out["source_dataset"] = frame["source_dataset"].astype("string")
    for role in NAME_ROLES:
        if role in frame:
            out[role] = _name(frame[role])
    if "full_name" in frame:
        first, last = _split_full_name(frame["full_name"])
        out["first_name"] = out["first_name"].fillna(first) if "first_name" in out else first
        out["last_name"] = out["last_name"].fillna(last) if "last_name" in out else last
    if "email" in frame:
        out["email"] = email_key(frame["email"])
    if "phone" in frame:
        out["phone"] = phone_key(frame["phone"])
    for role in ("street_number", "dob", "national_id"):
        if role in frame:
            out[role] = _alnum(frame[role])
    if "postcode" in frame:
        out["postcode"] = _alnum(frame["postcode"], upper=True)
    for role in ("address", "address2", "city", "state"):
        if role in frame:
            out[role] = _fold(frame[role])
    for column in frame.columns:
        if column.startswith("extra_"):
            out[column] = _fold(frame[column])
    # A column with one value everywhere cannot tell records apart (and EM cannot learn
    # from it); in small inputs the priors still give its agreement meaning.
    fewest = 1 if len(out) < SMALL_INPUT else 2
    for column in list(out.columns):
        if column in ("unique_id", "source_dataset"):
            continue
        if out[column].nunique(dropna=True) < fewest:
            out = out.drop(columns=column)
    for column in ("address", "address2"):
        if column in out:
            out[column + DIGITS] = out[column].str.replace(r"[^0-9]", "", regex=True)
    return out


def compared_columns(profiles: pd.DataFrame) -> list[str]:
    return [c for c in profiles.columns if c not in ("unique_id", "source_dataset") and DIGITS not in c and not c.startswith(WANTED)]


# ---------------------------------------------------------------------------- model
# Exact-match u (chance two different people agree) where a column's kind is not enough.
EXACT_U = {"national_id": 1e-5, "phone": 1e-5, "email": 1e-5, "dob": 3e-4, "postcode": 2e-3, "address": 5e-4, "city": 2e-2,
           "state": 0.2, "street_number": 0.03}


def _levels(column: str, kind: str, small: bool):
    """Comparison levels for one column, best first, each with prior m and u probabilities.

    EM starts from the m priors; the u priors are used only for small inputs, where random
    sampling has too few pairs to estimate them (and term frequencies mean little)."""
    import splink.comparison_level_library as cll

    tf = {} if small else {"tf_adjustment_column": column, "tf_adjustment_weight": 1.0}
    exact_u = EXACT_U.get(column)
    if kind == "name":
        other = "last_name" if column == "first_name" else "first_name"
        levels = [
            (cll.ExactMatchLevel(column).configure(**tf), 0.82, 0.01),
            (cll.JaroWinklerLevel(column, 0.92), 0.08, 0.005),
            (cll.CustomLevel(f'"{column}_l" = "{other}_r" or "{other}_l" = "{column}_r"', label_for_charts="names swapped"), 0.02, 0.0005),
            (cll.JaroWinklerLevel(column, 0.8), 0.04, 0.05),
            (cll.ElseLevel(), 0.04, 0.9345),
        ]
    elif kind == "code":  # postcodes, dates: exact, one typo, two typos (or two letters swapped)
        u = exact_u or 1e-3
        levels = [
            (cll.ExactMatchLevel(column).configure(**tf), 0.85, u),
            (cll.LevenshteinLevel(column, 1), 0.08, 4 * u),
            (cll.LevenshteinLevel(column, 2), 0.03, 20 * u),
            (cll.ElseLevel(), 0.04, 1 - 25 * u),
        ]
    elif kind == "id":  # phones, national ids: exact or one typo
        u = exact_u or 1e-5
        levels = [
            (cll.ExactMatchLevel(column), 0.88, u),
            (cll.LevenshteinLevel(column, 1), 0.07, 10 * u),
            (cll.ElseLevel(), 0.05, 1 - 11 * u),
        ]
    elif kind == "short":  # street numbers, states: exact or not
        u = exact_u or 0.05
        levels = [(cll.ExactMatchLevel(column).configure(**tf), 0.88, u), (cll.ElseLevel(), 0.12, 1 - u)]
    elif kind == "email":
        # A typo: the same mailbox name at a mistyped domain (gmial.com), or one letter
        # dropped, added or swapped at the same domain. Namesakes make near-identical
        # usernames too, so this level is weight, never corroboration (see _comparisons).
        left, right = f'"{column}_l"', f'"{column}_r"'
        typo = (
            f"(split_part({left}, '@', 1) = split_part({right}, '@', 1)"
            f" and jaro_winkler_similarity(split_part({left}, '@', 2), split_part({right}, '@', 2)) >= 0.88)"
            f" or (split_part({left}, '@', 2) = split_part({right}, '@', 2)"
            f" and abs(length({left}) - length({right})) <= 1"
            f" and jaro_winkler_similarity(split_part({left}, '@', 1), split_part({right}, '@', 1)) >= 0.95)"
        )
        levels = [
            (cll.ExactMatchLevel(column), 0.88, 1e-5),
            (cll.CustomLevel(typo, label_for_charts="email typo"), 0.05, 1e-4),
            (cll.ElseLevel(), 0.07, 1 - 1.1e-4),
        ]
    elif kind == "address":  # a misspelt street is the same address, another house number is not
        u = exact_u or 5e-4
        # house and flat numbers, extracted once per record by clean_profiles (a regex per pair is slow)
        numbers = f'"{column}{DIGITS}_l" = "{column}{DIGITS}_r"'
        levels = [
            (cll.ExactMatchLevel(column).configure(**tf), 0.8, u),
            (cll.CustomLevel(f"""{numbers} and jaro_winkler_similarity("{column}_l", "{column}_r") >= 0.92""",
                             label_for_charts="same numbers, street alike"), 0.12, 0.001),
            (cll.CustomLevel(f"""{numbers} and jaro_winkler_similarity("{column}_l", "{column}_r") >= 0.8""",
                             label_for_charts="same numbers, street roughly alike"), 0.04, 0.01),
            (cll.ElseLevel(), 0.04, 1 - u - 0.011),
        ]
    else:  # free text: cities, anything else
        u = exact_u or 0.01
        levels = [
            (cll.ExactMatchLevel(column).configure(**tf), 0.8, u),
            (cll.JaroWinklerLevel(column, 0.92), 0.1, 0.002),
            (cll.JaroWinklerLevel(column, 0.8), 0.05, 0.02),
            (cll.ElseLevel(), 0.05, 1 - u - 0.022),
        ]
    configured = [cll.NullLevel(column)]
    for level, m, u in levels:
        configured.append(level.configure(m_probability=m, u_probability=u) if small else level.configure(m_probability=m))
    return configured


KINDS = {
    "first_name": "name", "last_name": "name", "email": "email", "phone": "id", "dob": "code", "national_id": "id",
    "postcode": "code", "street_number": "short", "state": "short", "address": "address", "address2": "address", "city": "text",
}


def _kind(column: str, values: pd.Series) -> str:
    if column in KINDS:
        return KINDS[column]
    lengths = values.dropna().str.len()
    if lengths.empty or lengths.median() <= 4:
        return "short"
    if values.dropna().str.fullmatch(r"[0-9a-z]+").mean() > 0.9 and lengths.median() <= 12:
        return "code"
    return "text"


def _comparisons(profiles: pd.DataFrame, small: bool) -> tuple[list, dict[str, int]]:
    """The Splink comparisons, and per column the lowest gamma that counts as strong
    agreement: the exact level for codes, exact or nearly so for names and text."""
    import splink.comparison_library as cl

    comparisons, strong = [], {}
    for column in compared_columns(profiles):
        kind = _kind(column, profiles[column])
        levels = _levels(column, kind, small)
        if column in NAME_ROLES and not {"first_name", "last_name"} <= set(profiles.columns):
            levels = [lvl for lvl in levels if getattr(lvl, "label_for_charts", None) != "names swapped"]
        comparisons.append(cl.CustomComparison(levels, output_column_name=column))
        top = len(levels) - 2  # gamma of the best level: levels minus the null and else levels
        # an email one letter off is a typo as often as a namesake's address: only the
        # exact email counts as corroboration
        strong[column] = top if kind in ("code", "short", "id", "email") else top - 1
    return comparisons, strong


def _pair_count(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], link_mode: bool) -> int:
    """Pairs a blocking rule on equal ``columns`` generates (self-join on the keys)."""
    keys = ", ".join(_key(c) for c in columns)
    not_null = " and ".join(f"{_key(c)} is not null" for c in columns)
    if link_mode:
        sql = f"""select coalesce(sum(a * b), 0) from (
            select count(*) filter (where source_dataset = (select min(source_dataset) from profiles)) as a,
                   count(*) filter (where source_dataset <> (select min(source_dataset) from profiles)) as b
            from profiles where {not_null} group by {keys})"""
    else:
        sql = f"select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from profiles where {not_null} group by {keys})"
    return int(con.execute(sql).fetchall()[0][0])


def _key(element: str) -> str:
    """A blocking rule element: a column name, or an expression on one (``substr("x", 1, 12)``)."""
    return element if "(" in element else f'"{element}"'


def _base_column(element: str) -> str:
    match = re.search(r'"([^"]+)"', element)
    return match.group(1) if "(" in element and match else element


def _candidate_rules(columns: set[str], long_text: set[str] = frozenset()) -> list[tuple[str, ...]]:
    """Blocking rules to try, most specific first; only those whose columns exist. Long
    free-text columns (titles) also block on their first characters: one typo further on
    must not keep two records from being compared."""
    rules = [
        ("first_name", "last_name"),
        ("last_name", "postcode"), ("first_name", "postcode"),
        ("last_name", "dob"), ("first_name", "dob"), ("dob", "postcode"),
        ("national_id",), ("email",), ("phone",),
        ("street_number", "postcode"), ("address", "postcode"), ("address", "city"),
        ("last_name", "city"), ("first_name", "city"),
        ("dob",), ("postcode", "street_number", "address"),
        ("last_name", "street_number"), ("first_name", "address"), ("last_name", "address"),
    ]
    extras = sorted(c for c in columns if c.startswith("extra_"))
    rules += [(c,) for c in extras]
    rules += [(a, b) for i, a in enumerate(extras) for b in extras[i + 1:]]
    rules += [(f'substr("{c}", 1, 12)',) for c in extras if c in long_text]
    if not {"first_name", "last_name"} & columns:
        rules += [(c,) for c in ("address", "postcode", "city")]
    return [r for r in rules if {_base_column(e) for e in r} <= columns]


def choose_blocking_rules(
    profiles: pd.DataFrame, link_mode: bool, budget: int = MAX_PREDICT_PAIRS, pairs_per_record: int = 50
) -> list[tuple[tuple[str, ...], int]]:
    """The candidate rules whose pair counts fit the budget, with their counts. A rule may
    bring at most ``pairs_per_record`` pairs per record (a quarter of the budget for small
    inputs): a block as wide as a city is names compared with names, and names alone
    never make a link."""
    con = duckdb.connect()
    con.register("profiles", profiles)
    chosen, total = [], 0
    n = len(profiles)
    per_rule_cap = max(min(budget // 4, 1_000_000), pairs_per_record * n)
    compared = compared_columns(profiles)
    long_text = {c for c in compared if c.startswith("extra_") and profiles[c].dropna().str.len().median() > 15}
    for rule in _candidate_rules(set(compared), long_text):
        if len(chosen) == MAX_RULES:
            break
        pairs = _pair_count(con, rule, link_mode)
        if pairs == 0 or pairs > per_rule_cap or total + pairs > budget:
            continue
        chosen.append((rule, pairs))
        total += pairs
    con.close()
    return chosen


def _rule_sql(rule: tuple[str, ...]) -> str:
    """A blocking rule as Splink SQL: each element equal on both sides."""
    def side(element: str, prefix: str) -> str:
        base = _base_column(element)
        return element.replace(f'"{base}"', f'{prefix}."{base}"') if "(" in element else f'{prefix}."{element}"'
    return " and ".join(f"{side(e, 'l')} = {side(e, 'r')}" for e in rule)


def _reset_untrained(linker, priors: dict[tuple[str, int], float], notes: list[str]) -> None:
    """Put the prior back wherever EM left an m probability missing or implausible.

    Implausible: the exact level less likely among matches than among non-matches
    (a negative weight for agreement), or no estimate at all (a level no pair reached).
    """
    for comparison in linker._settings_obj.comparisons:
        levels = [lvl for lvl in comparison.comparison_levels if not lvl.is_null_level]
        name = comparison.output_column_name
        broken = False
        for idx, level in enumerate(levels):
            m = level.m_probability
            if m is None or (isinstance(m, float) and (math.isnan(m) or m <= 0)):
                broken = True
        top = levels[0]
        if not broken and top.u_probability and top.m_probability is not None and top.m_probability <= top.u_probability:
            broken = True
        if broken:
            for idx, level in enumerate(levels):
                level.m_probability = priors[(name, idx)]
            notes.append(f"{name}: EM gave no usable m probabilities; fixed priors used")
            continue
        # Data without noise teaches EM that matches never disagree (m ~ 1e-30 below the
        # exact level), and then one typo vetoes a match: keep a floor.
        floored = [lvl for lvl in levels[1:] if lvl.m_probability < M_FLOOR]
        for level in floored:
            level.m_probability = M_FLOOR
        if floored:
            notes.append(f"{name}: {len(floored)} level(s) never seen among matches; m floored at {M_FLOOR}")


def predict_pairs(
    frame: pd.DataFrame,
    *,
    threshold: float = 0.95,
    link_mode: bool = False,
    seed: int = 42,
    require_corroboration: bool = True,
    require_first_name_agreement: bool = True,
    pairs_per_record: int = 50,
    wanted: pd.DataFrame | None = None,
) -> LinkageResult:
    """Score candidate pairs and keep those at or above ``threshold``.

    ``require_corroboration``: a pair agreeing on names must also agree on the street
    (address, or street number and postcode) or on something personal (exact email,
    phone, date of birth, national id): namesakes share a name and a town, not a life.
    ``require_first_name_agreement``: a first or last name that disagrees outright (not
    equal, close, or swapped) needs something personal to agree: a household shares a
    surname, an address and a phone; a married name changes the surname, not the phone.
    ``wanted`` (bool columns, a row per row of ``frame``): only pairs in which, for every
    column, at least one of the two profiles is wanted are scored (the model is still
    trained on every profile): pairs the caller could not use are not worth predicting.
    """
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    notes: list[str] = []
    empty = pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability", "match_weight", "agreeing"])
    profiles = clean_profiles(frame)
    wanted_sql = ""
    if wanted is not None and len(wanted.columns):
        for i, column in enumerate(wanted.columns):
            profiles[f"{WANTED}{i}"] = wanted[column].to_numpy(dtype=bool).astype(np.int8)
            wanted_sql += f" and (l.{WANTED}{i} = 1 or r.{WANTED}{i} = 1)"
            if not profiles[f"{WANTED}{i}"].any():
                return LinkageResult(empty, notes=["no profile wants a link"], seconds=time.perf_counter() - started)
    compared = compared_columns(profiles)
    if len(profiles) < 2 or len(compared) < 1:
        return LinkageResult(empty, notes=["nothing to compare"], seconds=time.perf_counter() - started)
    if link_mode and profiles["source_dataset"].nunique() < 2:
        return LinkageResult(empty, notes=["link mode needs two datasets"], seconds=time.perf_counter() - started)
    rules = choose_blocking_rules(profiles, link_mode, pairs_per_record=pairs_per_record)
    if not rules:
        return LinkageResult(empty, notes=["no blocking rule produces candidate pairs"], seconds=time.perf_counter() - started)
    notes.append("blocking: " + "; ".join(f"{'+'.join(r)} ({n:,} pairs)" for r, n in rules))

    small = len(profiles) < SMALL_INPUT
    comparisons, strong = _comparisons(profiles, small)
    settings = SettingsCreator(
        link_type="link_only" if link_mode else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on(*r) if not wanted_sql else _rule_sql(r) + wanted_sql for r, _ in rules
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
        max_iterations=20,
        em_convergence=0.001,
    )
    db_api = DuckDBAPI()
    if link_mode:
        datasets = sorted(profiles["source_dataset"].dropna().unique())
        inputs = [
            db_api.register(profiles[profiles["source_dataset"] == d].drop(columns="source_dataset").reset_index(drop=True), table_name=f"input_{i}")
            for i, d in enumerate(datasets)
        ]
    else:
        inputs = db_api.register(profiles.drop(columns=[c for c in ("source_dataset",) if c in profiles]), table_name="input_0")
    linker = Linker(inputs, settings, log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    priors = {
        (c.output_column_name, i): lvl.m_probability
        for c in linker._settings_obj.comparisons
        for i, lvl in enumerate(l for l in c.comparison_levels if not l.is_null_level)
    }

    if small:
        # one match per ten records is a fair guess for a file someone wants deduplicated
        linker._settings_obj._probability_two_random_records_match = min(0.5, 10.0 / max(len(profiles) ** 2, 1))
        notes.append(f"{len(profiles)} records: too few to train; prior m and u probabilities used")
    else:
        _estimate_prior(linker, profiles, rules, link_mode, notes)
        tables = [i.physical_name for i in (inputs if isinstance(inputs, list) else [inputs])]
        try:
            _estimate_u(db_api, linker, tables, max_pairs=min(3e5 + 10 * len(profiles), 2e6), seed=seed, notes=notes)
        except Exception as exc:  # noqa: BLE001 (u cannot be sampled): the priors carry
            notes.append(f"u sampling failed ({type(exc).__name__}); default u values used")
        _train_m(linker, rules, notes)
        _reset_untrained(linker, priors, notes)

    predictions = linker.inference.predict(threshold_match_probability=min(threshold, 0.5), warning_mode="never")
    pairs = _scored_pairs(db_api, predictions.physical_name, strong, threshold, require_corroboration, require_first_name_agreement)
    model = linker.misc.save_model_to_json() if hasattr(linker.misc, "save_model_to_json") else {}
    return LinkageResult(pairs, model=model, notes=notes, seconds=time.perf_counter() - started)


def _estimate_u(db_api, linker, tables: list[str], max_pairs: float, seed: int, notes: list[str]) -> None:
    """u probabilities from random pairs, every comparison in one pass over one sample.

    What Splink's estimate_u_using_random_sampling does, in one query instead of one per
    comparison (several times faster). Pairs are within the sample (dedupe) or across the
    two datasets' samples (link). A level no random pair reached keeps its prior u."""
    started = time.perf_counter()
    comparisons = linker._settings_obj.comparisons
    columns = sorted({col.unquote().name for c in comparisons for col in c._input_columns_used_by_case_statement})
    per_side = int(math.sqrt(2 * max_pairs)) + 1 if len(tables) == 1 else int(math.sqrt(max_pairs)) + 1
    samples = [
        f"(select unique_id, {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} from {t} using sample reservoir({per_side} rows) repeatable ({seed}))"
        for t in tables
    ]
    left, right = samples[0], samples[-1]
    join = "l.unique_id < r.unique_id" if len(tables) == 1 else "true"
    selected = ", ".join(f'l."{c}" as "{c}_l", r."{c}" as "{c}_r"' for c in columns)
    cases = ",\n".join(c._case_statement for c in comparisons)
    con = db_api._con
    con.execute(f"create or replace temp table _u_pairs as select {cases} from (select {selected} from {left} l join {right} r on {join})")
    total = con.execute("select count(*) from _u_pairs").fetchall()[0][0]
    for comparison in comparisons:
        gamma = comparison._gamma_column_name
        counts = dict(con.execute(f"select {gamma}, count(*) from _u_pairs where {gamma} >= 0 group by all").fetchall())
        observed = sum(counts.values())
        if not observed:
            continue
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            n = counts.get(level.comparison_vector_value, 0)
            if n:
                level.u_probability = n / observed
    con.execute("drop table _u_pairs")
    notes.append(f"u from {total:,} random pairs ({time.perf_counter() - started:.1f} s)")


def _estimate_prior(linker, profiles, rules, link_mode, notes) -> None:
    """Probability that two random records match, from the strictest rules' pair counts."""
    from splink import block_on

    strict = [r for r, _ in rules if len(r) >= 2 or r[0] in ("national_id", "email", "phone")]
    if strict:
        try:
            linker.training.estimate_probability_two_random_records_match([block_on(*r) for r in strict[:3]], recall=0.7)
            return
        except Exception as exc:  # noqa: BLE001 (inconsistent recall, no pairs): heuristic below
            notes.append(f"prior from deterministic rules failed ({type(exc).__name__})")
    n = max(len(profiles), 2)
    linker._settings_obj._probability_two_random_records_match = min(0.5, 1.0 / n)
    notes.append("prior set to 1/n")


def _train_m(linker, rules, notes) -> None:
    """EM on two blocking rules (names; then place or date of birth), so each comparison is
    trained while the others block."""
    from splink import block_on

    sessions = 0
    usable = [r for r, n in rules if n >= 50] or [r for r, _ in rules][:1]
    trained_rules = usable[:1]
    # the second rule shares no column with the first, so every comparison is trained once
    disjoint = [r for r in usable[1:] if not set(r) & set(usable[0])]
    trained_rules += disjoint[:1] or usable[1:2]
    for rule in trained_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), estimate_without_term_frequencies=True, max_pairs=MAX_EM_PAIRS
            )
            sessions += 1
        except Exception as exc:  # noqa: BLE001 (EM diverges or has nothing to learn from)
            notes.append(f"EM on {'+'.join(rule)} failed ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})")
    notes.append(f"EM sessions trained: {sessions}")


def _scored_pairs(
    db_api, table: str, strong: dict[str, int], threshold: float, require_corroboration: bool, require_first_name_agreement: bool
) -> pd.DataFrame:
    """Pairs above threshold with the list of agreeing fields; namesakes filtered out.

    A field agrees when its comparison reached a level above 'else' (exact or fuzzy)."""
    columns = {row[0] for row in db_api._con.execute(f"describe {table}").fetchall()}
    gammas = [c for c in strong if f"gamma_{c}" in columns]
    # Highest gamma = exact; 0 = else; -1 = null. Agreement: any level above else.
    agreeing = "concat_ws('+', " + ", ".join(f"case when gamma_{c} > 0 then '{c}' end" for c in gammas) + ")"
    def agrees(column: str) -> str:
        return f"gamma_{column} >= {max(strong[column], 1)}"

    evidence = [agrees(c) for c in gammas if c in CORROBORATING or c.startswith("extra_")]
    if {"street_number", "postcode"} <= set(gammas):
        evidence.append(f"({agrees('street_number')} and {agrees('postcode')})")
    personal = " or ".join(agrees(c) for c in gammas if c in PERSONAL) or "false"
    names_known = [c for c in gammas if c in NAME_ROLES]
    filter_sql = f"match_probability >= {threshold}"
    if require_corroboration and names_known:
        filter_sql += f" and ({' or '.join(evidence) or 'true'})"
    if require_first_name_agreement:
        # names that disagree outright need something only one person has: a date of
        # birth, an id, an email, a phone (a household shares surname, address and city;
        # a married name changes the surname)
        for column in ("first_name", "last_name"):
            if column in gammas:
                filter_sql += f" and (gamma_{column} <> 0 or {personal})"
    sql = f"""select unique_id_l, unique_id_r, match_probability, match_weight, {agreeing} as agreeing
              from {table} where {filter_sql}"""
    return db_api._con.execute(sql).df()
