"""Every exports folder the contract names has a connector, and every raw table a staging model."""
from connectors import CONNECTOR_NAMES, CONNECTORS
from pipelines.sql_models import discover

CONTRACT_FOLDERS = {
    "shopify_customers", "shopify_orders", "amplitude", "mixpanel", "google_play", "twitter",
    "facebook", "zendesk", "amazon_connect", "delighted", "qualtrics",
}


def test_every_contract_folder_has_a_connector():
    assert set(CONNECTOR_NAMES) == CONTRACT_FOLDERS
    assert set(CONNECTORS) == CONTRACT_FOLDERS, f"missing connector modules: {CONTRACT_FOLDERS - set(CONNECTORS)}"


def test_every_raw_table_feeds_a_staging_model():
    read_by_staging = {dep for model in discover(("staging",)) for dep in model.dependencies}
    raw_tables = {c.raw_table(e) for c in CONNECTORS.values() for e in c.entities}
    assert raw_tables <= read_by_staging, f"raw tables no staging model reads: {sorted(raw_tables - read_by_staging)}"


def test_staging_models_read_only_raw():
    for model in discover(("staging",)):
        assert all(dep.startswith("raw.") for dep in model.dependencies), model.table
