"""The benchmark harness: whole-pipeline stage timings and memory, with DuckDB and Splink as peers (see README.md)."""
