"""Pydantic models: raw record schemas per connector, canonical entities, configuration."""
