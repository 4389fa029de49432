"""Every experience model transpiles to Spark SQL with no unsupported construct, and the Spark
SQL parses back; percentiles use median()/quantile(), never the approximating forms."""
from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from pipelines.sql_models import discover, find

MODELS = [find("core.interactions"), *discover(("marts",))]


@pytest.mark.parametrize("model", MODELS, ids=[m.table for m in MODELS])
def test_transpiles_to_spark_and_parses_back(model):
    spark = model.transpile("spark")  # ErrorLevel.RAISE: an unsupported construct fails here
    tree = sqlglot.parse_one(spark, read="spark")
    assert tree.find(exp.Select) is not None
    assert not list(tree.find_all(exp.Anonymous)), [a.sql() for a in tree.find_all(exp.Anonymous)]


@pytest.mark.parametrize("model", MODELS, ids=[m.table for m in MODELS])
def test_no_approximate_percentiles(model):
    assert not re.search(r"quantile_cont|percentile_cont|percentile_disc|approx_quantile", model.sql, re.I)


def test_percentiles_use_median_and_quantile():
    spark = find("marts.touchpoint_metrics").transpile("spark")
    assert "MEDIAN(first_reply_minutes)" in spark and "PERCENTILE(first_reply_minutes, 0.9)" in spark


def test_marts_read_only_core_and_marts():
    for model in MODELS:
        assert all(dep.startswith(("core.", "marts.", "staging.")) for dep in model.dependencies), model.table
        if model.layer == "marts":
            assert all(dep.startswith(("core.", "marts.")) for dep in model.dependencies), model.table
