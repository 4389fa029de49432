"""Per-deployment settings, read from an optional ``cxp.yaml``.

Every field has a default that works without the file, so a fresh checkout runs.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator


class IdentityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    blocked_identifiers: list[str] = Field(
        default_factory=list,
        description="Extra identifier values never used to link records (emails, phones, ids), on top of the built-in list.",
    )
    max_cluster_size: int = Field(50, ge=2, description="A resolved customer with more source records than this fails the cluster-size check.")
    max_shop_accounts_per_customer: int = Field(1, ge=1)
    max_app_accounts_per_customer: int = Field(1, ge=1)
    match_probability_threshold: float = Field(0.95, gt=0, lt=1, description="Splink match probability above which a probabilistic link is accepted.")


class SurveyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    qualtrics_nps_question: str | None = Field(
        None, description="Qualtrics column holding the 0-10 recommend score; by default the first question whose text mentions 'recommend' or '0-10'."
    )
    qualtrics_csat_question: str | None = None
    qualtrics_ces_question: str | None = None


class CxpConfig(BaseModel):
    """The validated contents of cxp.yaml."""

    model_config = ConfigDict(extra="forbid")

    store_timezone: str = Field("UTC", description="IANA zone of the shop, for exports whose times carry no zone.")
    default_phone_region: str = Field("US", description="ISO country used to read phone numbers written without a country code.")
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    surveys: SurveyConfig = Field(default_factory=SurveyConfig)
    chunk_size: int = Field(50_000, ge=100, description="Records per batch a connector hands to the loader: bounds memory, not file size.")
    read_processes: int | Literal["auto"] = Field(
        "auto", description="Worker processes that read export files while the loader writes them; 'auto': one per core, "
        "0: read in the loader's own process.",
    )
    duckdb_memory_limit: str = Field(
        "auto", pattern=r"^(auto|\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))$",
        description="DuckDB's memory limit for pipeline runs; beyond it DuckDB spills to <warehouse>/.build/tmp. "
        "'auto': 2 GiB per core for SQL steps and 1 GiB per core for steps whose Python holds large data beside "
        "DuckDB (loads, identity clustering, sentiment), at least 1 GiB and at most a quarter of the machine's memory.",
    )

    @field_validator("store_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises for an unknown zone, which pydantic reports with the field name
        return value

    @field_validator("default_phone_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter ISO country code such as US or GB")
        return value.upper()

    @field_validator("read_processes")
    @classmethod
    def _processes(cls, value):
        if value != "auto" and value < 0:
            raise ValueError("must be 'auto' or a number of processes, 0 or more")
        return value


def load_config(path: str | os.PathLike | None = None) -> CxpConfig:
    """Read cxp.yaml from ``path``, else ``$CXP_CONFIG``, else ``./cxp.yaml``; defaults when none exists."""
    candidate = Path(path or os.environ.get("CXP_CONFIG") or "cxp.yaml")
    if not candidate.exists():
        if path or os.environ.get("CXP_CONFIG"):
            raise FileNotFoundError(f"config file {candidate} does not exist")
        return CxpConfig()
    data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{candidate}: expected a mapping at the top level")
    return CxpConfig.model_validate(data)


# DuckDB's own guidance for joins and aggregations of large tables is 1-4 GB per thread.
# Below that its hash joins of wide rows cannot spill: core.interactions at 1,000,000
# customers ran out of a 1 GB limit and built in 40 s with 1.5 GB (1.7 GB resident). A SQL
# step gains from more: at 1,000,000 customers core.interactions built in 35.7/34.9 s with
# 2 GiB and 20.6/23.9 s with 4 GiB, core.customers in 18.5/17.4 s and (with 6 GiB) 12.4 s.
# More is not free where a step's Python holds large data of its own beside DuckDB (the
# loader's readers, identity's clustering arrays): DuckDB keeps table pages cached up to
# its limit meanwhile, and the run's peak grows with it (identity.node_assignment at
# 1,000,000 customers: 4.1/4.2 GiB resident with 2 GiB, 5.2/5.1 GiB with 4 GiB). Those
# steps get half.
AUTO_MEMORY_PER_CORE = 2 * 2**30
AUTO_MEMORY_FLOOR = 2**30
AUTO_MEMORY_SHARE = 0.25  # of the machine (or container): room for the Python steps beside DuckDB


def machine_memory_bytes() -> int:
    """Physical memory, or the container's cgroup limit when that is lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cgroup_limit = Path("/sys/fs/cgroup/memory.max")
    try:
        text = cgroup_limit.read_text().strip()
    except OSError:
        return total
    return min(total, int(text)) if text.isdigit() else total


def resolve_memory_limit(setting: str, cores: int | None = None, memory_bytes: int | None = None,
                         beside_python: bool = False) -> str:
    """The value for DuckDB's ``memory_limit``: the setting itself, or what 'auto' means on this
    machine for a SQL step, or for a step whose Python holds large data ``beside_python``."""
    if setting != "auto":
        return setting
    cores = cores or len(os.sched_getaffinity(0))
    memory_bytes = memory_bytes or machine_memory_bytes()
    per_core = AUTO_MEMORY_PER_CORE // 2 if beside_python else AUTO_MEMORY_PER_CORE
    limit = max(AUTO_MEMORY_FLOOR, min(per_core * cores, AUTO_MEMORY_SHARE * memory_bytes))
    return f"{int(limit // 2**20)}MiB"
