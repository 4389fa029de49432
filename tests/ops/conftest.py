"""Small exports directories made of the shared sample files, in the contract's folder layout."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors import CONNECTORS
from pipelines.resources import Warehouse

# sample file -> (connector folder, file name as the tool names it)
SAMPLE_EXPORTS = {
    "customers_export.csv": ("shopify_customers", "customers_export.csv"),
    "orders_export_1.csv": ("shopify_orders", "orders_export_1.csv"),
    "amplitude_export.zip": ("amplitude", "412345.zip"),
    "mixpanel_export.jsonl": ("mixpanel", "export.jsonl"),
    "reviews_com.northtrail.app_202411.csv": ("google_play", "reviews_com.northtrail.app_202411.csv"),
    "x_v2_search_page.json": ("twitter", "search_page_1.json"),
    "fb_comments_page.json": ("facebook", "comments_page_1.json"),
    "zendesk_incremental_tickets_page.json": ("zendesk", "incremental_tickets_page_1.json"),
    "connect_ctr_firehose_object": ("amazon_connect", "ctr_2024_11_06"),
    "delighted_survey_responses.json": ("delighted", "responses.json"),
    "qualtrics_nps_export.csv": ("qualtrics", "nps_export.csv"),
}


def make_sample_exports(samples_dir: Path, exports: Path, connectors: tuple[str, ...] | None = None) -> Path:
    """Copy the samples of the given connectors (default: every connector present) into ``exports``.

    Copies get the current time as their modification time, as freshly delivered exports do.
    """
    for sample, (folder, name) in SAMPLE_EXPORTS.items():
        if folder in CONNECTORS and (connectors is None or folder in connectors):
            (exports / folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(samples_dir / sample, exports / folder / name)
    return exports


@pytest.fixture
def all_sample_exports(tmp_path, samples_dir) -> Path:
    """Every connector present, each with its sample file."""
    return make_sample_exports(samples_dir, tmp_path / "exports")


@pytest.fixture
def facebook_exports(tmp_path, samples_dir) -> Path:
    return make_sample_exports(samples_dir, tmp_path / "exports", ("facebook",))


@pytest.fixture
def warehouse(tmp_path, facebook_exports) -> Warehouse:
    return Warehouse(exports_dir=str(facebook_exports), warehouse_dir=str(tmp_path / "warehouse"))
