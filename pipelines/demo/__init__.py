"""Realistic demo data: the exports of every connector for a made-up shop, with ground truth.

``generate.generate(out_dir, customers, seed)`` is the entry point (``cxp demo``, ``cxp generate``).
Modules: ``population`` (who the people are, and the hard cases), ``identities`` (how they
write their details), ``journeys`` (what they do), one module per export family
(``shopify``, ``app_analytics``, ``support``, ``surveys``, ``social``), and ``spool``,
``clock``, ``context`` and ``reference`` underneath.
"""
