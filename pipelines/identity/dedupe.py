"""``cxp dedupe``: the matcher on its own, on any CSV of person records.

    cxp dedupe people.csv --id rec_id --map first_name=given_name --map last_name=surname \\
        --map dob=date_of_birth --map postcode=postcode [--link other.csv] --out clusters.csv

Runs the pipeline's resolution code: contact details and national ids become identifiers
and go through the same SQL (``sql/identity/identifier_usage.sql``: blocked and shared
values; ``deterministic_links.sql``), Splink scores the records on every mapped column,
and the same clustering joins them. Writes ``record_id,cluster_id`` for every input
record; with ``--link`` the records of both files, linked across the files (each cluster
holds at most one record of each file unless a shared contact detail says otherwise).
"""
from __future__ import annotations

import csv
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from models.config import CxpConfig, load_config
from pipelines.identity.clustering import Limits, cluster
from pipelines.identity.identifiers import write_blocked_identifiers
from pipelines.identity.probabilistic import ROLES, predict_pairs
from pipelines.sql_functions import register_functions
from pipelines.sql_models import find

LINK_COLUMNS = ["node_id", "linked_node_id", "rule", "evidence", "tier", "confidence"]


@dataclass
class DedupeResult:
    clusters: pd.DataFrame  # record_id, cluster_id (input order: first file, then second)
    seconds: float
    notes: list[str] = field(default_factory=list)


def parse_roles(mappings: list[str], columns: list[str]) -> dict[str, list[str]]:
    """``ROLE=COLUMN`` pairs to {role: [columns]}; ``extra`` may repeat, as may any role
    given twice (the first non-empty value wins). Column names match case-insensitively."""
    by_name = {c.strip().lower(): c for c in columns}
    roles: dict[str, list[str]] = {}
    for mapping in mappings:
        if "=" not in mapping:
            raise ValueError(f"--map {mapping!r}: expected ROLE=COLUMN")
        role, column = (part.strip() for part in mapping.split("=", 1))
        role = role.lower()
        if role not in ROLES and role != "extra":
            raise ValueError(f"--map {mapping!r}: unknown role {role!r} (roles: {', '.join(ROLES)}, extra)")
        if column.lower() not in by_name:
            raise ValueError(f"--map {mapping!r}: no column {column!r} in the file (columns: {', '.join(columns)})")
        roles.setdefault(role, []).append(by_name[column.lower()])
    return roles


def read_records(path: str | Path) -> pd.DataFrame:
    """Every cell as text; header names trimmed; delimiter sniffed (comma, semicolon, tab,
    pipe); UTF-8 (with or without BOM), UTF-16 or Latin-1. Rows with too many fields are
    skipped rather than failing the whole file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    with open(path, "rb") as fh:
        head = fh.read(65536)
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        sample = head.decode(encoding, errors="ignore")
    except LookupError:
        sample = ""
    first_line = sample.splitlines()[0] if sample.strip() else ""
    delimiter = max(",;\t|", key=first_line.count) if first_line else ","
    for attempt in (encoding, "latin-1"):
        try:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=True, encoding=attempt,
                sep=delimiter, on_bad_lines="skip", engine="c",
            )
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
    else:
        raise ValueError(f"{path}: cannot decode as UTF-8, UTF-16 or Latin-1")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def role_frame(records: pd.DataFrame, roles: dict[str, list[str]], dataset: str) -> pd.DataFrame:
    """The records in the matcher's vocabulary: one column per role (extras keep their names)."""
    out = pd.DataFrame({"unique_id": [f"{dataset}:{i}" for i in range(len(records))], "source_dataset": dataset})
    for role, columns in roles.items():
        if role == "extra":
            for column in columns:
                name = "extra_" + re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
                out[name] = records[column].to_numpy()
            continue
        values = records[columns[0]].replace("", pd.NA)
        for column in columns[1:]:
            values = values.fillna(records[column].replace("", pd.NA))
        out[role] = values.to_numpy()
    return out


def _identity_tables(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, config: CxpConfig) -> None:
    """identity.person_records / identifiers / blocked_identifiers for the CSV records, in the
    shape the identity SQL models read."""
    from pipelines.identity.probabilistic import clean_profiles

    clean = clean_profiles(frame.drop(columns=[c for c in ("email", "phone") if c in frame]))
    people = pd.DataFrame({"node_id": frame["unique_id"].astype(str)})
    for column in ("first_name", "last_name"):
        people[f"{column}_key"] = clean[column].to_numpy() if column in clean else None
    con.register("_people", people)
    con.register("_raw", frame)
    email = "cxp_email_key(r.email)" if "email" in frame else "null"
    phone = f"cxp_phone(r.phone, '{config.default_phone_region}')" if "phone" in frame else "null"
    postcode = "r.postcode" if "postcode" in frame else "cast(null as varchar)"
    con.execute(
        f"""create or replace table identity.person_records as
            select p.node_id, 'csv' as source, 'records' as entity, 1 as trust_rank, p.first_name_key, p.last_name_key,
                   {email} as email_key, {phone} as phone, {postcode} as postcode, cast(null as varchar) as app_user_id
            from _people p join _raw r on r.unique_id = p.node_id"""
    )
    parts = []
    if "email" in frame:
        parts.append("select node_id, 'email' as id_type, email_key as id_value, false as quoted from identity.person_records")
    if "phone" in frame:
        parts.append("select node_id, 'phone', phone, false from identity.person_records")
    if "national_id" in frame:
        parts.append(
            """select unique_id, 'national_id', nullif(regexp_replace(lower(national_id), '[^0-9a-z]', '', 'g'), ''), false
               from _raw"""
        )
    body = " union all ".join(parts) or "select null::varchar, null::varchar, null::varchar, false where false"
    con.execute(
        f"""create or replace table identity.identifiers as
            select distinct node_id, id_type, id_value, quoted from ({body}) t(node_id, id_type, id_value, quoted)
            where id_value is not null"""
    )
    con.unregister("_people")
    con.unregister("_raw")
    write_blocked_identifiers(con, config.identity.blocked_identifiers, config.default_phone_region)


def dedupe_frames(frames: list[pd.DataFrame], config: CxpConfig | None = None) -> DedupeResult:
    """Cluster the records of one frame (dedupe) or two (link). Each frame: unique_id,
    source_dataset and role columns, as ``role_frame`` makes them."""
    started = time.perf_counter()
    config = config or CxpConfig()
    link_mode = len(frames) > 1
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["unique_id", "source_dataset"])
    notes: list[str] = []
    con = duckdb.connect()
    con.execute("create schema identity")
    register_functions(con, config)
    _identity_tables(con, frame, config)
    for model in ("identity.identifier_usage", "identity.deterministic_links"):
        find(model).build(con)
    deterministic = con.execute(f"select {', '.join(LINK_COLUMNS)} from identity.deterministic_links").df()
    notes.append(f"{len(deterministic):,} deterministic links (email, phone, national id)")

    scored = predict_pairs(frame, threshold=config.identity.match_probability_threshold, link_mode=link_mode)
    notes += scored.notes
    pairs = scored.pairs
    probabilistic = pd.DataFrame(
        {
            "node_id": pairs["unique_id_l"].astype(str),
            "linked_node_id": pairs["unique_id_r"].astype(str),
            "rule": "probabilistic",
            "evidence": pairs["agreeing"],
            "tier": 5,
            "confidence": pairs["match_probability"].astype(float),
        },
        columns=LINK_COLUMNS,
    )
    notes.append(f"{len(probabilistic):,} probabilistic links (Splink, {scored.seconds:.1f} s)")
    links = pd.concat([deterministic, probabilistic], ignore_index=True)
    nodes = pd.DataFrame({"node_id": frame["unique_id"].astype(str), "trust_rank": 1})
    if link_mode:
        # one record per file in a cluster, unless a contact detail joins more
        # each record counts as one value of its file's type, limited to one per cluster
        kinds = "record_of_" + frame["source_dataset"].astype(str)
        limited = pd.DataFrame({"node_id": nodes["node_id"], "id_type": kinds, "id_value": nodes["node_id"]})
        limits = Limits(per_type=dict.fromkeys(kinds.unique(), 1), may_exceed=frozenset({"email", "phone", "national_id"}))
    else:
        limited, limits = None, Limits(per_type={}, may_exceed=frozenset())
    result = cluster(nodes, links, limited, limits)
    con.close()
    anchors = result.assignment["cluster"]
    numbers = {anchor: i + 1 for i, anchor in enumerate(dict.fromkeys(anchors))}
    clusters = pd.DataFrame({"node_id": result.assignment["node_id"], "cluster_id": anchors.map(numbers)})
    notes.append(f"{len(frame):,} records -> {len(numbers):,} clusters")
    return DedupeResult(clusters, time.perf_counter() - started, notes)


def dedupe_command(args) -> int:
    """Entry point of ``cxp dedupe`` (see pipelines/cli.py). Exit code 0 on success."""
    config = load_config(getattr(args, "config", None))
    if getattr(args, "threshold", None) is not None:
        # validated like the cxp.yaml setting: a probability strictly between 0 and 1
        identity = config.identity.model_validate({**config.identity.model_dump(), "match_probability_threshold": args.threshold})
        config = config.model_copy(update={"identity": identity})
    first = read_records(args.file)
    parse_roles(args.map, list(first.columns))  # a bad --map fails before the second file is read
    if args.id_column.strip().lower() not in {c.lower() for c in first.columns}:
        raise ValueError(f"--id {args.id_column!r}: no such column in {args.file} (columns: {', '.join(first.columns)})")
    files = [(args.file, first)]
    if args.link:
        second = read_records(args.link)
        parse_roles(args.map, list(second.columns))  # same columns must exist in both files
        files.append((args.link, second))
    frames, ids = [], []
    for number, (path, records) in enumerate(files):
        id_column = next(c for c in records.columns if c.lower() == args.id_column.strip().lower())
        frames.append(role_frame(records, parse_roles(args.map, list(records.columns)), dataset=f"f{number}"))
        ids.append(records[id_column].astype(str).to_numpy())
    result = dedupe_frames(frames, config)
    record_ids = pd.Series([i for part in ids for i in part], index=pd.concat(frames, ignore_index=True)["unique_id"])
    out = pd.DataFrame({"record_id": record_ids.reindex(result.clusters["node_id"]).to_numpy(), "cluster_id": result.clusters["cluster_id"].to_numpy()})
    out_path = Path(args.out)
    if out_path.parent and not out_path.parent.exists():
        out_path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(out_path, index=False, quoting=csv.QUOTE_MINIMAL)
    n_records, n_clusters = len(out), out["cluster_id"].nunique()
    print(f"{n_records:,} records -> {n_clusters:,} clusters in {result.seconds:.1f} s; wrote {out_path}", file=sys.stderr)
    for note in result.notes:
        print(f"  {note}", file=sys.stderr)
    return 0
