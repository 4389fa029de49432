"""Every SQL model parses, reads only its own or earlier layers, and transpiles to Spark SQL."""
import duckdb
import pytest
import sqlglot

from pipelines.sql_models import COLUMN_COMPRESSION, LAYERS, SqlModel, discover

MODELS = discover()
ORDER = {"raw": 0, "audit": 0, "staging": 1, "identity": 2, "core": 3, "marts": 4}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.table)
def test_model_reads_only_earlier_or_same_layers(model):
    for dep in model.dependencies:
        schema = dep.split(".")[0]
        assert schema in ORDER, f"{model.table} reads unknown schema {dep}"
        assert ORDER[schema] <= ORDER[model.layer], f"{model.table} reads {dep} from a later layer"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.table)
def test_model_transpiles_to_spark(model):
    spark_sql = model.transpile("spark")
    assert "QUANTILE_CONT" not in spark_sql.upper() and "PERCENTILE_APPROX" not in spark_sql.upper()
    sqlglot.parse_one(spark_sql, read="spark")  # the output is itself valid Spark SQL


def test_layers_are_known():
    assert {m.layer for m in MODELS} <= set(LAYERS)


def test_every_declared_compression_names_a_model_column():
    tables = {m.table: m for m in MODELS}
    for table, columns in COLUMN_COMPRESSION.items():
        assert table in tables
        for column in columns:
            assert f" as {column}" in tables[table].sql or f"{column}," in tables[table].sql


@pytest.fixture
def model_with_compression(tmp_path, monkeypatch):
    sql = tmp_path / "sql" / "staging" / "bags.sql"
    sql.parent.mkdir(parents=True)
    sql.write_text("select i as id, '{\"n\": ' || i || ', \"at\": \"2024-01-01\"}' as bag, 'x' || (i % 7) as kind from range(150000) t(i)")
    model = SqlModel("staging", "bags", sql)
    monkeypatch.setitem(COLUMN_COMPRESSION, model.table, {"bag": "zstd"})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema staging")
    return model, con


def test_a_declared_column_compression_is_used_and_the_rows_are_the_models(model_with_compression):
    model, con = model_with_compression
    assert model.build(con) == 150000
    con.execute("checkpoint")
    kinds = dict(con.execute(
        """select column_name, list(distinct compression) from pragma_storage_info('staging.bags')
           where segment_type = 'VARCHAR' group by all"""
    ).fetchall())
    assert kinds["bag"] == ["ZSTD"] and "ZSTD" not in kinds["kind"]
    assert con.execute(f"select * from staging.bags except all ({model.sql})").fetchall() == []
    assert con.execute("describe staging.bags").fetchall() == con.execute(f"describe ({model.sql})").fetchall()


def test_a_failed_build_with_declared_compression_keeps_the_previous_table(model_with_compression, monkeypatch):
    model, con = model_with_compression
    model.build(con)
    broken = SqlModel("staging", "bags", model.path)
    broken.path.write_text("select i as id, 'b' || i as bag, 'k' as kind from range(10) t(i) where cast('x' || i as int) > 0")
    with pytest.raises(duckdb.ConversionException):
        broken.build(con)
    assert con.execute("select count(*) from staging.bags").fetchone()[0] == 150000
