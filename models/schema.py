"""Derive Arrow schemas, DuckDB types and Dagster column schemas from pydantic models.

Types are written once, on the model; everything else is derived here.
Supported annotations: str, int, float, bool, datetime (naive UTC), date, Decimal,
each optionally ``| None``; ``JsonText`` marks a column holding JSON text.
"""
from __future__ import annotations

import datetime as dt
import decimal
import types
import typing
from typing import Annotated

import pyarrow as pa
from pydantic import BaseModel


class _Json:
    """Marker: a string column that holds a JSON document (nested vendor objects, kept whole)."""


JsonText = Annotated[str, _Json]

_ARROW = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    dt.datetime: pa.timestamp("us"),
    dt.date: pa.date32(),
    decimal.Decimal: pa.decimal128(18, 2),
}
_DUCKDB = {
    str: "VARCHAR",
    int: "BIGINT",
    float: "DOUBLE",
    bool: "BOOLEAN",
    dt.datetime: "TIMESTAMP",
    dt.date: "DATE",
    decimal.Decimal: "DECIMAL(18,2)",
}

# Columns the loader adds to every raw table (contract).
LINEAGE_FIELDS: list[tuple[str, pa.DataType, str]] = [
    ("_source_file", pa.string(), "export file the record was read from, relative to the exports directory"),
    ("_source_row", pa.int64(), "1-based physical record number in that file (CSV data row, JSON object, JSON line)"),
    ("_loaded_at", pa.timestamp("us"), "when the loader stored the record (UTC)"),
]


def _base_type(annotation) -> tuple[type, bool]:
    """Return (python type, is_json) with Optional and Annotated peeled off."""
    is_json = False
    if typing.get_origin(annotation) is Annotated:
        args = typing.get_args(annotation)
        annotation, is_json = args[0], _Json in args[1:]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported union {annotation}")
        return _base_type(inner[0])[0], is_json or _base_type(inner[0])[1]
    if annotation not in _ARROW:
        raise TypeError(f"unsupported column type {annotation}")
    return annotation, is_json


def columns(model: type[BaseModel]) -> list[tuple[str, type, str]]:
    """(name, python type, description) per field, in declaration order."""
    out = []
    for name, field in model.model_fields.items():
        base, _ = _base_type(field.annotation if not field.metadata else Annotated[field.annotation, *field.metadata])
        out.append((name, base, field.description or ""))
    return out


def arrow_schema(model: type[BaseModel], with_lineage: bool = False) -> pa.Schema:
    fields = [pa.field(name, _ARROW[base]) for name, base, _ in columns(model)]
    if with_lineage:
        fields += [pa.field(name, typ) for name, typ, _ in LINEAGE_FIELDS]
    return pa.schema(fields)


def duckdb_columns(model: type[BaseModel]) -> list[tuple[str, str]]:
    return [(name, _DUCKDB[base]) for name, base, _ in columns(model)]


def dagster_table_schema(model: type[BaseModel], with_lineage: bool = True):
    """The Dagster ``TableSchema`` shown in the UI's column view."""
    from dagster import TableColumn, TableSchema

    cols = [TableColumn(name, _DUCKDB[base].lower(), description=desc) for name, base, desc in columns(model)]
    if with_lineage:
        cols += [TableColumn(name, str(typ), description=desc) for name, typ, desc in LINEAGE_FIELDS]
    return TableSchema(columns=cols)
