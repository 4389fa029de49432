"""The warehouse resource every asset writes through."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from models.config import CxpConfig, load_config
from pipelines.warehouse import connect_build

DEFAULT_EXPORTS_DIR = "exports"
DEFAULT_WAREHOUSE_DIR = "warehouse"


class Warehouse(ConfigurableResource):
    """DuckDB warehouse and the exports directory it is built from.

    Assets open the private build database; publishing to ``<warehouse_dir>/cx.duckdb``
    happens once a run has succeeded.
    """

    exports_dir: str = DEFAULT_EXPORTS_DIR
    warehouse_dir: str = DEFAULT_WAREHOUSE_DIR
    config_path: str | None = None

    @classmethod
    def from_env(cls) -> "Warehouse":
        return cls(
            exports_dir=os.environ.get("CXP_EXPORTS_DIR", DEFAULT_EXPORTS_DIR),
            warehouse_dir=os.environ.get("CXP_WAREHOUSE_DIR", DEFAULT_WAREHOUSE_DIR),
            config_path=os.environ.get("CXP_CONFIG") or None,
        )

    @property
    def exports_path(self) -> Path:
        return Path(self.exports_dir).resolve()

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse_dir).resolve()

    def load_config(self) -> CxpConfig:
        if self.config_path:
            return load_config(self.config_path)
        beside_exports = self.exports_path.parent / "cxp.yaml"
        return load_config(beside_exports if beside_exports.exists() else None)

    @contextmanager
    def connect(self, beside_python: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The build database; ``beside_python`` for a step whose Python holds large data of
        its own (DuckDB then gets less memory)."""
        con = connect_build(self.warehouse_path, self.load_config(), beside_python)
        try:
            yield con
        finally:
            con.close()
