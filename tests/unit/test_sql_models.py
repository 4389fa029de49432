"""Every SQL model parses, reads only its own or earlier layers, and transpiles to Spark SQL."""
import pytest
import sqlglot

from pipelines.sql_models import LAYERS, discover

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
