"""The HTML scorecard, the data dictionary and the Python assets (sentiment, Parquet,
scorecard) run through Dagster on a warehouse holding the hand-made world."""
from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import scenario
from dagster import materialize
from staging_fixture import build, create_tables

from pipelines.assets.marts import parquet_export, scorecard, text_sentiment
from pipelines.assets.sql import describe_model_columns
from pipelines.data_dictionary import END, START, read_catalog, render_markdown, replace_section
from pipelines.resources import Warehouse
from pipelines.scorecard import write_scorecard
from pipelines.sql_models import discover, find
from pipelines.warehouse import build_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def con():
    connection = scenario.built()
    for model in [find("core.interactions"), *discover(("marts",))]:
        describe_model_columns(connection, model)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def card(con, tmp_path_factory):
    return write_scorecard(con, tmp_path_factory.mktemp("warehouse"))


def embedded_specs(page: str) -> list[dict]:
    return [json.loads(spec) for spec in re.findall(r"vegaEmbed\('#chart-\w+', (\{.*\}), \{actions: false\}\)", page)]


def test_scorecard_is_one_offline_page_with_every_section(card):
    page = card.path.read_text(encoding="utf-8")
    assert card.path.name == "scorecard.html" and card.bytes == len(page.encode("utf-8"))
    assert card.sections == ["headline", "ratings", "gap", "paths", "segments"]
    assert not re.search(r"<script[^>]+src=", page)  # Vega is inlined: opens without a network
    assert "vegaEmbed" in page and len(embedded_specs(page)) == 4
    for section in card.sections:
        assert f'id="{section}"' in page
    assert "<td>support:email</td>" in page


def test_scorecard_charts_carry_the_mart_figures(card):
    page = card.path.read_text(encoding="utf-8")
    specs = {json.dumps(spec) for spec in embedded_specs(page)}
    assert any("purchase:web > use:app > purchase:app > support:email" in s for s in specs)  # top paths
    assert any("confirmed by the customer" in s for s in specs)  # the experience gap
    assert any("high/app" in s for s in specs)  # segments
    assert card.grain == "week"  # one month of data: weekly points


@pytest.mark.browser
def test_scorecard_renders_in_a_browser(card, chromium_launch):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(**chromium_launch)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(card.path.as_uri())
        page.wait_for_selector("#chart-segments svg.marks, #chart-segments canvas", timeout=20_000)
        drawn = page.locator("svg.marks, canvas").count()
        browser.close()
    assert errors == [] and drawn == 4


def test_data_dictionary_describes_every_column(con):
    tables = {t.name: t for t in read_catalog(con)}
    for model in [find("core.interactions"), *discover(("marts",))]:
        columns = tables[model.table].columns
        assert columns and all(c.description for c in columns), [c.name for c in columns if not c.description]
        assert tables[model.table].description
    text = render_markdown(list(tables.values()))
    assert "### `marts.touchpoint_metrics`" in text and "| `nps` | double | 100 x (promoters 9-10 - detractors 0-6) / responses |" in text


def test_readme_section_is_replaced_in_place_or_appended():
    once = replace_section("# Title\n\nText.\n", "first")
    assert once.endswith(f"## Data dictionary\n\n{START}\nfirst\n{END}\n")
    twice = replace_section(once + "\nAfter.\n", "second")
    assert twice.count(START) == 1 and f"{START}\nsecond\n{END}" in twice and twice.endswith("After.\n")
    assert replace_section(twice, "second") == twice


def test_readme_documents_every_column_of_the_experience_models(con):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in readme and END in readme, "run: python -m pipelines.data_dictionary WAREHOUSE --readme README.md"
    section = readme.split(START, 1)[1].split(END, 1)[0]
    for model in [find("core.interactions"), *discover(("marts",))]:
        table = section.split(f"`{model.table}`", 1)[1].split("\n###", 1)[0]
        columns = [r[0] for r in con.execute(f"describe {model.table}").fetchall()]
        missing = [c for c in columns if f"| `{c}` |" not in table]
        assert missing == [], f"{model.table}: README data dictionary is stale ({missing}); regenerate it"


def test_python_assets_materialize_through_dagster(tmp_path):
    warehouse_dir = tmp_path / "warehouse"
    database = build_path(warehouse_dir)
    database.parent.mkdir(parents=True)
    with duckdb.connect(str(database)) as con:
        create_tables(con)
        scenario.load(con)
        build(con)
        con.execute("delete from core.text_sentiment where text_hash in (select text_hash from core.text_sentiment limit 3)")
    resource = Warehouse(exports_dir=str(tmp_path / "exports"), warehouse_dir=str(warehouse_dir))
    result = materialize([text_sentiment, parquet_export, scorecard], resources={"warehouse": resource})
    assert result.success
    metadata = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    sentiment = metadata["core/text_sentiment"]
    assert sentiment["scored_this_run"].value == 3 and sentiment["texts"].value == 14
    exported = metadata["parquet_export"]
    assert exported["table_count"].value >= 12
    assert Path(exported["path"].value) == warehouse_dir.resolve() / "parquet"
    assert (warehouse_dir / "data_dictionary.md").read_text(encoding="utf-8").count("## `") >= 12
    card = metadata["scorecard"]
    assert Path(card["path"].value) == warehouse_dir.resolve() / "scorecard.html" and card["url"].value.startswith("file://")
    with duckdb.connect(str(database), read_only=True) as con:
        comments = dict(con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = 'core' and table_name = 'text_sentiment'"
        ).fetchall())
    assert all(comments.values()) and set(comments) == {"text_hash", "sentiment", "model"}


def test_an_empty_warehouse_builds_every_model_and_a_scorecard(tmp_path):
    from staging_fixture import fresh

    from pipelines.parquet import export_parquet

    con = fresh()
    build(con)
    for model in [find("core.interactions"), *discover(("marts",))]:
        assert con.execute(f"select count(*) from {model.table}").fetchone()[0] == 0, model.table
    card = write_scorecard(con, tmp_path)
    assert card.path.exists() and "no data" in card.path.read_text(encoding="utf-8")
    exported = export_parquet(con, tmp_path / "parquet")
    assert all(e.rows == 0 and e.files == 1 for e in exported)
