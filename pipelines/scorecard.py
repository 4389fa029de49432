"""The experience scorecard: one self-contained HTML page drawn with Altair (Vega-Lite).

Sections: headline figures per touchpoint, NPS and CSAT by touchpoint over time, the
experience gap (solved versus confirmed) per support touchpoint, the most common journey
paths, and segments compared. Vega's JavaScript is inlined (vl-convert ships it), so the
page opens offline, straight from the warehouse folder.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

FILE_NAME = "scorecard.html"
TOP_PATHS = 10
WIDTH = 640


@dataclass
class Scorecard:
    path: Path
    grain: str
    sections: list[str]
    bytes: int


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def time_grain(con: duckdb.DuckDBPyConnection) -> str:
    """Months when the data spans at least three, else weeks, else days."""
    months, weeks = con.execute(
        """select count(distinct period_start) filter (where grain = 'month'),
                  count(distinct period_start) filter (where grain = 'week')
           from marts.touchpoint_metrics"""
    ).fetchone()
    return "month" if months >= 3 else "week" if weeks >= 3 else "day"


def headline_table(con: duckdb.DuckDBPyConnection) -> str:
    frame = _frame(
        con,
        """select touchpoint, interactions, customers, round(share_identified * 100) as "identified %",
                  round(nps, 1) as nps, round(csat, 1) as csat, round(ces, 2) as ces, round(avg_stars, 2) as stars,
                  round(avg_sentiment, 3) as sentiment, round(fcr * 100, 1) as "FCR %",
                  round(first_reply_median_minutes) as "first reply (median min)", round(aht_seconds) as "AHT s",
                  orders, revenue
           from marts.touchpoint_metrics where grain = 'all' order by touchpoint""",
    )
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(f"<td>{'' if pd.isna(v) else html.escape(str(v))}</td>" for v in record)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def ratings_over_time(con: duckdb.DuckDBPyConnection, grain: str) -> alt.Chart:
    frame = _frame(
        con,
        f"""select touchpoint, period_start, nps, nps_responses, csat, csat_ratings
            from marts.touchpoint_metrics
            where grain = '{grain}' and (nps_responses > 0 or csat_ratings > 0)
            order by period_start, touchpoint""",
    )
    base = alt.Chart(frame).encode(
        x=alt.X("period_start:T", title=grain),
        color=alt.Color("touchpoint:N"),
    )
    nps = base.transform_filter("datum.nps_responses > 0").mark_line(point=True).encode(
        y=alt.Y("nps:Q", title="NPS", scale=alt.Scale(domain=[-100, 100])),
        tooltip=["touchpoint:N", "period_start:T", alt.Tooltip("nps:Q", format=".1f"), "nps_responses:Q"],
    ).properties(title="NPS by touchpoint", width=WIDTH, height=220)
    csat = base.transform_filter("datum.csat_ratings > 0").mark_line(point=True).encode(
        y=alt.Y("csat:Q", title="CSAT %", scale=alt.Scale(domain=[0, 100])),
        tooltip=["touchpoint:N", "period_start:T", alt.Tooltip("csat:Q", format=".1f"), "csat_ratings:Q"],
    ).properties(title="CSAT by touchpoint", width=WIDTH, height=220)
    return alt.vconcat(nps, csat)


def experience_gap(con: duckdb.DuckDBPyConnection, grain: str) -> alt.Chart:
    frame = _frame(
        con,
        f"""select touchpoint, period_start, 'marked solved by the company' as measure, solved_share as share, contacts
            from marts.experience_gap where grain = '{grain}'
            union all
            select touchpoint, period_start, 'confirmed by the customer', confirmed_share, contacts
            from marts.experience_gap where grain = '{grain}' and confirmed_share is not null
            order by touchpoint, period_start""",
    )
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("period_start:T", title=grain),
        y=alt.Y("share:Q", title="share of contacts", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None),
        tooltip=["touchpoint:N", "period_start:T", "measure:N", alt.Tooltip("share:Q", format=".1%"), "contacts:Q"],
    ).properties(width=300, height=180).facet(facet=alt.Facet("touchpoint:N", title=None), columns=2).properties(
        title="The experience gap: solved versus confirmed (no repeat contact in 7 days, no bad rating)"
    )


def top_paths(con: duckdb.DuckDBPyConnection) -> alt.Chart:
    frame = _frame(
        con,
        f"""select path_rank, path, customers, nps, csat, repeat_purchase_rate, revenue_per_customer
            from marts.journey_paths where path_rank <= {TOP_PATHS} order by path_rank""",
    )
    base = alt.Chart(frame).encode(
        x=alt.X("customers:Q", title="customers"),
        y=alt.Y("path:N", sort=frame["path"].tolist(), title=None, axis=alt.Axis(labelLimit=480)),  # most common first
        tooltip=["path:N", "customers:Q", alt.Tooltip("nps:Q", format=".1f"), alt.Tooltip("csat:Q", format=".1f"),
                 alt.Tooltip("repeat_purchase_rate:Q", format=".1%"), alt.Tooltip("revenue_per_customer:Q", format=",.2f")],
    )
    scored = base.transform_filter("isValid(datum.nps)").mark_bar().encode(
        color=alt.Color("nps:Q", title="NPS", scale=alt.Scale(scheme="redyellowgreen", domain=[-100, 100])),
    )
    # paths whose customers gave no NPS score are drawn grey rather than dropped
    unscored = base.transform_filter("!isValid(datum.nps)").mark_bar(color="lightgray", invalid="show")
    return alt.layer(unscored, scored).properties(title=f"Top {TOP_PATHS} journey paths (first four touchpoints; grey: no NPS)", width=WIDTH)


def segments(con: duckdb.DuckDBPyConnection) -> alt.Chart:
    frame = _frame(
        con,
        """select segment, value_tier, touchpoint, interactions, customers, segment_customers, nps, nps_responses, csat,
                  csat_ratings, avg_sentiment
           from marts.segment_metrics order by segment, touchpoint""",
    )
    heat = alt.Chart(frame).mark_rect().encode(
        x=alt.X("touchpoint:N", title=None),
        y=alt.Y("segment:N", title=None),
        color=alt.Color("interactions_per_customer:Q", title="touches per customer", scale=alt.Scale(scheme="blues")),
        tooltip=["segment:N", "touchpoint:N", "interactions:Q", "customers:Q", alt.Tooltip("nps:Q", format=".1f"), "nps_responses:Q",
                 alt.Tooltip("csat:Q", format=".1f"), "csat_ratings:Q", alt.Tooltip("avg_sentiment:Q", format=".3f")],
    ).transform_calculate(interactions_per_customer="datum.interactions / datum.segment_customers").properties(
        title="Segments (value tier / preferred channel) by touchpoint", width=WIDTH
    )
    sizes = alt.Chart(frame).mark_bar().encode(
        x=alt.X("segment_customers:Q", aggregate="max", title="customers"),
        y=alt.Y("segment:N", title=None, sort="-x"),
        color=alt.Color("value_tier:N", title="value tier"),
        tooltip=["segment:N", alt.Tooltip("segment_customers:Q", aggregate="max", title="customers")],
    ).properties(title="Customers per segment", width=WIDTH)
    return alt.vconcat(sizes, heat)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cxp experience scorecard</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
  h1 {{ margin-bottom: 0; }}
  .generated {{ color: #666; margin-top: .25rem; }}
  section {{ margin: 2.5rem 0; }}
  table {{ border-collapse: collapse; font-size: .85rem; }}
  th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; }}
  th:first-child, td:first-child {{ text-align: left; }}
</style>
<script type="text/javascript">
{bundle}
</script>
</head>
<body>
<h1>Customer experience scorecard</h1>
<p class="generated">Built {generated} from the cxp warehouse; data up to {as_of}. Periods: {grain}.</p>
<section id="headline"><h2>Touchpoints, all time</h2>{headline}</section>
{sections}
<script type="text/javascript">
{embeds}
</script>
</body>
</html>
"""


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cxp"


def _vega_bundle() -> str:
    """vega-embed with Vega and Vega-Lite as one script. vl-convert takes seconds to bundle
    it, so the result is cached per version in the user's cache directory."""
    from importlib.metadata import version

    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    cached = _cache_dir() / f"vega-embed-{vl_version}-vl-convert-{version('vl-convert-python')}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = import_vl_convert().javascript_bundle(vl_version=vl_version)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        temporary.write_text(bundle, encoding="utf-8")
        os.replace(temporary, cached)
    except OSError:
        pass  # a read-only home only costs the bundling time again
    return bundle


def _script_safe(spec: dict) -> str:
    return json.dumps(spec).replace("</", "<\\/")


def render(con: duckdb.DuckDBPyConnection) -> tuple[str, str, list[str]]:
    """The page's HTML, the time grain used, and the section ids."""
    grain = time_grain(con)
    alt.data_transformers.disable_max_rows()  # tables are aggregates: small, and wanted whole
    charts = {
        "ratings": ("NPS and CSAT by touchpoint over time", ratings_over_time(con, grain)),
        "gap": ("The experience gap", experience_gap(con, grain)),
        "paths": ("Top journey paths", top_paths(con)),
        "segments": ("Segment comparison", segments(con)),
    }
    sections = "\n".join(
        f'<section id="{key}"><h2>{html.escape(title)}</h2><div id="chart-{key}"></div></section>' for key, (title, _) in charts.items()
    )
    embeds = "\n".join(
        f"vegaEmbed('#chart-{key}', {_script_safe(chart.to_dict())}, {{actions: false}}).catch(console.error);"
        for key, (_, chart) in charts.items()
    )
    as_of = con.execute("select max(occurred_at) from core.interactions").fetchone()[0]
    page = PAGE.format(
        bundle=_vega_bundle(),
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        as_of=as_of or "no data",
        grain=grain,
        headline=headline_table(con),
        sections=sections,
        embeds=embeds,
    )
    return page, grain, ["headline", *charts]


def write_scorecard(con: duckdb.DuckDBPyConnection, warehouse_dir: str | os.PathLike) -> Scorecard:
    """Render the scorecard to ``<warehouse>/scorecard.html`` (written aside, then renamed into place)."""
    page, grain, sections = render(con)
    target = Path(warehouse_dir) / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, target)
    return Scorecard(target, grain, sections, len(page.encode("utf-8")))
