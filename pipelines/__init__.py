"""The Dagster code location of cxp and the ``cxp`` command line that drives it."""
