"""The identity assets through Dagster: SQL models and Python steps in dependency order,
row counts as metadata, and the cluster-size check blocking on an oversized customer."""
from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, materialize

from pipelines.assets import identity as identity_assets
from pipelines.assets.sql import SQL_ASSETS
from pipelines.resources import Warehouse
from pipelines.warehouse import build_path
from tests.identity.staging import connect, load

IDENTITY_ASSETS = [a for a in SQL_ASSETS if next(iter(a.keys)).path[0] == "identity"
                   or next(iter(a.keys)) in (AssetKey(["core", "identity_map"]), AssetKey(["core", "customers"]))]
PYTHON_ASSETS = [identity_assets.blocked_identifiers, identity_assets.probabilistic_links, identity_assets.node_assignment]


def _warehouse(tmp_path: Path, config: str | None = None) -> Warehouse:
    path = build_path(tmp_path / "warehouse")
    path.parent.mkdir(parents=True)
    con = connect(path=str(path))
    load(con, "stg_shopify__customers", [dict(customer_id=f"71400000000{i:02d}", first_name=name, last_name="Okafor",
                                              email_raw=f"{name.lower()}.okafor@example.net") for i, name in enumerate(("Ada", "Chidi"))])
    load(con, "stg_shopify__orders", [dict(order_id=str(n), order_number=str(1000 + n), email_raw="ada.okafor@example.net",
                                           billing_name="Ada Okafor", total=10, created_at="2024-07-01 10:00:00") for n in range(4)])
    con.close()
    config_path = None
    if config:
        config_path = tmp_path / "cxp.yaml"
        config_path.write_text(config, encoding="utf-8")
    (tmp_path / "exports").mkdir()
    return Warehouse(exports_dir=str(tmp_path / "exports"), warehouse_dir=str(tmp_path / "warehouse"),
                     config_path=str(config_path) if config_path else None)


def test_identity_assets_materialize_with_checks(tmp_path):
    result = materialize(IDENTITY_ASSETS + PYTHON_ASSETS, resources={"warehouse": _warehouse(tmp_path)})
    assert result.success
    counts = {
        mat.asset_key.to_user_string(): mat.metadata["dagster/row_count"].value
        for mat in result.asset_materializations_for_node("identity__node_assignment")
        + result.asset_materializations_for_node("core__customers")
    }
    assert counts == {"identity/node_assignment": 6, "core/customers": 2}
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["cluster_size_limit"] and checks["shop_account_limit"]


def test_an_oversized_customer_fails_the_blocking_check(tmp_path):
    warehouse = _warehouse(tmp_path, config="identity:\n  max_cluster_size: 3\n")
    result = materialize(IDENTITY_ASSETS + PYTHON_ASSETS, resources={"warehouse": warehouse}, raise_on_error=False)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["cluster_size_limit"].passed
    # blocking: the core tables downstream of the assignment are not built
    assert not result.asset_materializations_for_node("core__customers")
