"""Identifier values that must never link records, as configured per deployment.

The built-in rules (role addresses such as info@ and noreply@, placeholder phones and
ids, all-zero device ids) live in ``sql/identity/identifier_usage.sql`` where they are
applied. ``config.identity.blocked_identifiers`` adds values of any kind; each is
normalised every way it could appear among the identifiers (email key, E.164 phone,
trimmed id), so ``John.Smith+x@gmail.com`` or ``(512) 555-0100`` block what they mean.
"""
from __future__ import annotations

import re

import duckdb
import pandas as pd

from pipelines.sql_functions import to_e164

_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def email_key(value: str) -> str | None:
    """Python twin of the SQL macro ``cxp_email_key``."""
    value = value.strip().lower()
    if not _EMAIL.match(value):
        return None
    local, domain = value.split("@", 1)
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        return local.replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def blocked_values(values: list[str], default_region: str) -> pd.DataFrame:
    """Rows (id_type, id_value, configured) for ``identity.blocked_identifiers``."""
    rows = []
    for configured in values:
        raw = str(configured).strip()
        if not raw:
            continue
        if "@" in raw:
            key = email_key(raw)
            if key:
                rows.append(("email", key, raw))
        if any(ch.isdigit() for ch in raw):
            phone = to_e164(raw, default_region)
            if phone:
                rows.append(("phone", phone, raw))
        rows.append((None, raw, raw))
        if raw.lower() != raw:
            rows.append((None, raw.lower(), raw))
    return pd.DataFrame(rows, columns=["id_type", "id_value", "configured"]).drop_duplicates()


def write_blocked_identifiers(con: duckdb.DuckDBPyConnection, values: list[str], default_region: str) -> int:
    frame = blocked_values(values, default_region)
    con.register("_blocked", frame)
    con.execute(
        """create or replace table identity.blocked_identifiers as
           select cast(id_type as varchar) as id_type, cast(id_value as varchar) as id_value, cast(configured as varchar) as configured
           from _blocked"""
    )
    con.unregister("_blocked")
    return len(frame)
