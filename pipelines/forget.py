"""``cxp forget --email/--phone``: erase a person everywhere the warehouse keeps them.

Erasure happens at the bottom layer and flows up: every raw version of every record of
the resolved customer(s) holding the identifier is deleted (found through identity
resolution, so app events and tickets that carry only a device or a Zendesk id go too),
as is any raw or quarantined record whose text contains the identifier. Then every layer
above raw, the Parquet files and the scorecard are rebuilt from what is left, and the
result is published. ``audit.erasures`` records that an erasure happened (a hash of the
identifier, never the identifier itself) so it can be proven without keeping the person.

The export files themselves are not touched: they belong to the source systems, and the
command says so. Files already loaded are never read again (sha256), so the person does
not come back on the next run unless a new export contains them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors import CONNECTORS
from models.config import load_config
from pipelines.warehouse import build_path, compact, connect_build, publish, published_path

ERASURES_DDL = """
create table if not exists audit.erasures (
    requested_at timestamp not null,   -- UTC
    identifier_type varchar not null,  -- email | phone
    identifier_sha256 varchar not null,
    customers bigint not null,
    records_deleted bigint not null
)
"""

# Per load, the records an erasure removed: conservation (records read = loaded + quarantined)
# then still adds up, with erased records counted (pipelines/assets/checks.py).
ERASED_RECORDS_DDL = """
create table if not exists audit.erased_records (
    connector varchar not null,
    source_file varchar not null,
    loaded_at timestamp not null,      -- the load (audit.loads) the records came from
    erased_from varchar not null,      -- raw | quarantine
    records bigint not null
)
"""


def _record_erased(con, table: str, predicate: str, params: list) -> None:
    if table == "audit.quarantine":
        rows = "select connector, source_file, quarantined_at, 'quarantine', count(*) from audit.quarantine"
    else:
        rows = f"select '{table.split('.')[1].split('__')[0]}', _source_file, _loaded_at, 'raw', count(*) from {table}"
    con.execute(f"insert into audit.erased_records {rows} where {predicate} group by all", params)


@dataclass
class Erasure:
    customers: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows

    @property
    def records_deleted(self) -> int:
        return sum(self.deleted.values())


def _exists(con, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select 1 from information_schema.tables where table_schema=? and table_name=?", [schema, name]).fetchone())


def _text_columns(con, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema=? and table_name=? and data_type = 'VARCHAR'",
            [schema, table],
        ).fetchall()
    ]


def _text_match(columns: list[str], email: str | None, phone_digits: str | None) -> tuple[str, list]:
    """A predicate true when any text column holds the email (any case) or the phone's digits."""
    terms, params = [], []
    for col in columns:
        if email:
            terms.append(f'contains(lower("{col}"), ?)')
            params.append(email)
        if phone_digits:
            terms.append(f"contains(regexp_replace(\"{col}\", '[^0-9]', '', 'g'), ?)")
            params.append(phone_digits)
    return " or ".join(terms) or "false", params


def resolve_customers(con, email_key: str | None, phone: str | None) -> list[str]:
    """Customers that hold the identifier on any of their records, as identity resolution saw them."""
    found: set[str] = set()
    if _exists(con, "core.customers"):
        found |= {
            r[0]
            for r in con.execute(
                "select customer_id from core.customers where cxp_email_key(email) = ? or phone = ?", [email_key, phone]
            ).fetchall()
        }
    if _exists(con, "identity.identifiers") and _exists(con, "identity.node_assignment"):
        found |= {
            r[0]
            for r in con.execute(
                """select distinct a.customer_id from identity.identifiers i
                   join identity.node_assignment a using (node_id)
                   where (i.id_type = 'email' and i.id_value = ?) or (i.id_type = 'phone' and i.id_value = ?)""",
                [email_key, phone],
            ).fetchall()
        }
    return sorted(found)


def erase(con: duckdb.DuckDBPyConnection, email: str | None, phone: str | None) -> Erasure:
    email_key, email_clean = con.execute("select cxp_email_key(?), cxp_email(?)", [email, email]).fetchone() if email else (None, None)
    e164 = con.execute("select cxp_phone(?, null)", [phone]).fetchone()[0] if phone else None
    if email and not email_key:
        raise ValueError(f"{email!r} is not an email address")
    if phone and not e164:
        raise ValueError(f"{phone!r} is not a phone number")
    # The national digits match the number however an export wrote it: (512) 555-0143, +1 512..., 5125550143.
    phone_digits = re.sub(r"\D", "", e164)[-10:] if e164 else None
    result = Erasure(customers=resolve_customers(con, email_key, e164))

    con.begin()
    con.execute(ERASED_RECORDS_DDL)
    if result.customers and _exists(con, "core.identity_map"):
        con.execute("create or replace temp table _doomed as select source, entity, source_record_id from core.identity_map where customer_id in (select unnest(?))", [result.customers])
        for connector in CONNECTORS.values():
            for entity, column in connector.record_id_columns.items():
                table = connector.raw_table(entity)
                if not _exists(con, table):
                    continue
                doomed = f'"{column}" in (select source_record_id from _doomed where source = ? and entity = ?)'
                _record_erased(con, table, doomed, [connector.source, entity])
                deleted = con.execute(f"delete from {table} where {doomed}", [connector.source, entity]).fetchone()[0]
                if deleted:
                    result.deleted[table] = result.deleted.get(table, 0) + deleted
        if _exists(con, "identity.node_assignment"):
            con.execute("delete from identity.node_assignment where customer_id in (select unnest(?))", [result.customers])
    # Records that name the person in their text, whether or not they resolved to a customer.
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables where table_schema = 'raw' or (table_schema = 'audit' and table_name = 'quarantine')"
    ).fetchall():
        predicate, params = _text_match(_text_columns(con, schema, table), email_clean, phone_digits)
        _record_erased(con, f"{schema}.{table}", predicate, params)
        deleted = con.execute(f"delete from {schema}.{table} where {predicate}", params).fetchone()[0]
        if deleted:
            result.deleted[f"{schema}.{table}"] = result.deleted.get(f"{schema}.{table}", 0) + deleted
    con.execute(ERASURES_DDL)
    identifier = email_key or e164
    con.execute(
        "insert into audit.erasures values (?, ?, ?, ?, ?)",
        [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "email" if email_key else "phone",
         hashlib.sha256(identifier.encode()).hexdigest(), len(result.customers), result.records_deleted],
    )
    con.commit()
    return result


def forget_command(args) -> int:
    from pipelines.definitions import REBUILD_JOB
    from pipelines.runner import run_pipeline

    if not args.email and not args.phone:
        raise ValueError("give --email and/or --phone")
    warehouse = Path(args.warehouse)
    if not build_path(warehouse).exists() and not published_path(warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    config = load_config(getattr(args, "config", None))
    con = connect_build(warehouse, config)
    try:
        erasures = [erase(con, args.email, None)] if args.email else []
        if args.phone:
            erasures.append(erase(con, None, args.phone))
    finally:
        con.close()
    customers = sorted({c for e in erasures for c in e.customers})
    deleted: dict[str, int] = {}
    for e in erasures:
        for table, n in e.deleted.items():
            deleted[table] = deleted.get(table, 0) + n
    print(f"Erased {sum(deleted.values())} raw/quarantined record(s) of {len(customers)} customer(s): {', '.join(customers) or 'none resolved'}")
    for table, n in sorted(deleted.items()):
        print(f"  {table}: {n}")
    print("Rebuilding every layer above raw, the Parquet files and the scorecard ...")
    with tempfile.TemporaryDirectory() as no_exports:  # the rebuild job reads no exports
        outcome = run_pipeline(no_exports, warehouse, getattr(args, "config", None), job_name=REBUILD_JOB)
    if not outcome.success:
        print("Rebuild FAILED: " + "; ".join(outcome.failed_steps + outcome.failed_checks))
        return 1
    compact(warehouse)  # deleted rows must not linger in free blocks of the file
    publish(warehouse)
    print(f"Published {outcome.published}. Delete the person in the source systems and their export files too: cxp never reads a loaded file again.")
    return 0
