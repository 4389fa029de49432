"""DuckDB's memory limit: 'auto' follows the machine, an explicit size is used as written."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.config import CxpConfig, resolve_memory_limit
from pipelines.warehouse import connect_build

GIB = 2**30


@pytest.mark.parametrize(
    ("cores", "memory", "sql_step", "beside_python"),
    [
        (2, 24 * GIB, "4096MiB", "2048MiB"),  # 2 GiB a core, half where Python holds data of its own
        (16, 8 * GIB, "2048MiB", "2048MiB"),  # never more than a quarter of the machine
        (4, 64 * GIB, "8192MiB", "4096MiB"),
        (1, 2 * GIB, "1024MiB", "1024MiB"),  # never below 1 GiB
    ],
)
def test_auto_scales_with_cores_within_the_machine(cores, memory, sql_step, beside_python):
    assert resolve_memory_limit("auto", cores=cores, memory_bytes=memory) == sql_step
    assert resolve_memory_limit("auto", cores=cores, memory_bytes=memory, beside_python=True) == beside_python


def test_an_explicit_limit_is_used_as_written(tmp_path):
    assert resolve_memory_limit("750MB") == "750MB"
    con = connect_build(tmp_path / "wh", CxpConfig(duckdb_memory_limit="750MB"))
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "715.2 MiB"


@pytest.mark.parametrize("beside_python", [False, True])
def test_the_default_build_connection_takes_the_auto_limit(tmp_path, beside_python):
    con = connect_build(tmp_path / "wh", CxpConfig(), beside_python=beside_python)
    mib = int(resolve_memory_limit("auto", beside_python=beside_python).removesuffix("MiB"))
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == f"{mib / 1024:.1f} GiB"


def test_an_explicit_limit_holds_for_python_heavy_steps_too(tmp_path):
    con = connect_build(tmp_path / "wh", CxpConfig(duckdb_memory_limit="3GiB"), beside_python=True)
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "3.0 GiB"


def test_a_limit_that_is_no_size_is_refused():
    with pytest.raises(ValidationError, match="duckdb_memory_limit"):
        CxpConfig(duckdb_memory_limit="lots")
