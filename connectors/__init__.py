"""One module per export format. ``CONNECTORS`` maps each exports folder name (contract) to its connector."""
from __future__ import annotations

import importlib

from connectors.base import Chunk, Connector, Reject, UnreadableFile

# Folder name under EXPORTS/ == module name here == raw table prefix (contract).
CONNECTOR_NAMES = (
    "shopify_customers",
    "shopify_orders",
    "amplitude",
    "mixpanel",
    "google_play",
    "twitter",
    "facebook",
    "zendesk",
    "amazon_connect",
    "delighted",
    "qualtrics",
)


def _load() -> dict[str, Connector]:
    found = {}
    for name in CONNECTOR_NAMES:
        try:
            module = importlib.import_module(f"connectors.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"connectors.{name}":
                raise
            continue  # tests/unit/test_registry.py fails while any contract folder lacks its module
        connector = module.CONNECTOR
        assert connector.name == name, f"connectors.{name} declares name {connector.name!r}"
        found[name] = connector
    return found


CONNECTORS: dict[str, Connector] = _load()

__all__ = ["CONNECTORS", "CONNECTOR_NAMES", "Chunk", "Connector", "Reject", "UnreadableFile"]
