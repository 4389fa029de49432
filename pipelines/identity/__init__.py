"""Identity resolution: person records in, one customer per person out.

Plain Python and DuckDB, no Dagster: the assets in ``pipelines/assets/identity.py`` and the
``cxp dedupe`` command drive the same code.

- ``identifiers``: configured blocked identifier values (the identifiers themselves, their
  normalisation, guards and deterministic links are SQL: ``sql/identity/``).
- ``probabilistic``: Splink (DuckDB backend) on names, addresses, postcodes, dates of birth.
- ``clustering``: connected components over accepted links with per-type limits.
- ``stable_ids``: customer ids carried forward across runs by majority overlap.
- ``resolve``: runs the SQL link models and the steps above on one DuckDB connection.
- ``dedupe``: the matcher on any CSV of person records.
- ``explain``: why each record joined its customer.
"""
