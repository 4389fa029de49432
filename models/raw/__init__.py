"""Raw record models, one module per connector: field names are the raw table's columns.

Conventions: a vendor timestamp ``x`` is stored as ``x`` (naive UTC TIMESTAMP) plus
``x_text`` (the original text); ids are text (X and Zendesk ids overflow doubles); nested
vendor objects are kept whole as JSON text in ``raw_json`` so nothing is lost.
"""
