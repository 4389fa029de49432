"""The whole pipeline through the real CLI on generated demo exports, checked against the contract."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from pipelines.demo.generate import generate

ROOT = Path(__file__).resolve().parents[2]
CHECK_CONTRACT = ROOT.parent / "shared" / "tools" / "check_contract.py"
SCHEMAS = ("raw", "audit", "staging", "identity", "core", "marts")

pytestmark = pytest.mark.slow


def cxp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, cwd=ROOT)


def snapshot(warehouse: Path) -> dict[str, tuple]:
    """Row count and an order-independent checksum of every table.

    Doubles are rounded: DuckDB sums them in parallel, so the last bits may differ between runs.
    """
    with duckdb.connect(str(warehouse / "cx.duckdb"), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for schema, table, column, data_type in con.execute(
            f"""select table_schema, table_name, column_name, data_type from information_schema.columns
                where table_schema in {SCHEMAS} order by table_schema, table_name, ordinal_position"""
        ).fetchall():
            expr = f'round("{column}", 6)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
            columns.setdefault(f"{schema}.{table}", []).append(expr)
        return {
            table: con.execute(
                f"select count(*), coalesce(sum(hash(cast(row({', '.join(exprs)}) as varchar))), 0) from {table}"
            ).fetchone()
            for table, exprs in columns.items()
        }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    exports, warehouse = root / "exports", root / "warehouse"
    generate(exports, customers=400, seed=3)
    result = cxp("run", "--exports", str(exports), "--warehouse", str(warehouse))
    return exports, warehouse, result


def test_cxp_run_succeeds(demo):
    _, _, result = demo
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Run succeeded" in result.stdout


def test_warehouse_meets_the_contract(demo):
    _, warehouse, _ = demo
    check = subprocess.run([sys.executable, str(CHECK_CONTRACT), str(warehouse), "--layer", "marts"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_every_record_read_is_accounted_for(demo):
    _, warehouse, _ = demo
    with duckdb.connect(str(warehouse / "cx.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from audit.loads where status = 'failed'").fetchone()[0] == 0
        read, loaded, quarantined = con.execute(
            "select sum(records_read), sum(records_loaded), sum(records_quarantined) from audit.loads"
        ).fetchone()
        raw_rows = sum(
            con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
        )
        assert read == loaded + quarantined and loaded == raw_rows
        assert 0 < quarantined < read * 0.02  # the generator plants a few corrupt records, no more


def test_a_rerun_on_the_same_exports_changes_nothing(demo):
    exports, warehouse, _ = demo
    before = snapshot(warehouse)
    again = cxp("run", "--exports", str(exports), "--warehouse", str(warehouse))
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(warehouse) == before


def test_parquet_tables_are_readable(demo):
    _, warehouse, _ = demo
    parquet = warehouse / "parquet"
    for table in ("core/customers", "core/interactions", "marts/touchpoint_metrics", "marts/customer_experience"):
        dataset = ds.dataset(parquet / table, format="parquet", partitioning="hive")
        assert dataset.count_rows() > 0, table


def test_query_reads_the_published_warehouse(demo):
    _, warehouse, _ = demo
    result = cxp("query", "select count(*) as n from core.customers", "--warehouse", str(warehouse), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 0


def test_forget_erases_a_person_everywhere(demo, tmp_path):
    import shutil

    _, warehouse, _ = demo
    copy = tmp_path / "warehouse"
    shutil.copytree(warehouse, copy)
    with duckdb.connect(str(copy / "cx.duckdb"), read_only=True) as con:
        customer_id, email, phone = con.execute(
            "select customer_id, email, phone from core.customers where email is not null and phone is not null order by n_records desc, customer_id limit 1"
        ).fetchone()
    result = cxp("forget", "--email", email, "--phone", phone, "--warehouse", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    needles = (email.encode(), phone.lstrip("+").encode()[-10:], customer_id.encode())
    for path in copy.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), f"{path} still holds the person"
    with duckdb.connect(str(copy / "cx.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), max(customers) from audit.erasures").fetchone() == (2, 1)
    check = subprocess.run([sys.executable, str(CHECK_CONTRACT), str(copy)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    # The next run on the same exports succeeds (conservation counts the erased records)
    # and does not bring the person back: loaded files are never read again.
    exports = demo[0]
    rerun = cxp("run", "--exports", str(exports), "--warehouse", str(copy))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    with duckdb.connect(str(copy / "cx.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from core.customers where email = ?", [email]).fetchone()[0] == 0


def test_identity_meets_the_quality_bar_against_the_ground_truth(demo, tmp_path):
    """core.identity_map scored pairwise against the generator's ground truth exactly as
    benchmarks/identity_compare.py scores it: precision over every record, recall over the
    records some export ties to a person (app events of devices no account or email ever
    claimed carry nothing to place them by)."""
    from benchmarks.identity_compare import EVIDENCE_FREE, RECORD_NODES, pairwise

    exports, warehouse, _ = demo
    scratch = tmp_path / "scored.duckdb"
    scratch.write_bytes((warehouse / "cx.duckdb").read_bytes())
    with duckdb.connect(str(scratch)) as con:
        con.execute("create temp table truth as select * from read_csv(?, all_varchar = true)", [str(exports / "ground_truth.csv")])
        con.execute(RECORD_NODES)
        con.execute(EVIDENCE_FREE)
        con.execute("create temp table clusters as select source, entity, source_record_id, customer_id as cluster from core.identity_map")
        scores = pairwise(con, "clusters")
    precision, recall, _ = scores["records"]
    identifiable_precision, identifiable_recall, _ = scores["identifiable records"]
    assert precision >= 0.995 and identifiable_precision >= 0.995, scores
    assert identifiable_recall >= 0.98, scores
    assert recall < identifiable_recall, scores  # the left-out events are real misses, not noise
