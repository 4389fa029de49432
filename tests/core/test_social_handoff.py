"""core.interactions' ``handled_posts``: which social posts count as the Zendesk ticket made
from them. A ticket on a social channel takes a post by the post's id, or, within the day
after the post, by the same text, handle, author name or customer; each kind of match on
its own, and none outside that day."""
from __future__ import annotations

import duckdb
import sqlglot
from sqlglot import exp

from pipelines.sql_models import find

CTES = ("social_tickets", "social_posts", "post_keys", "ticket_keys", "handled_posts")


def _handled_posts_sql() -> str:
    tree = sqlglot.parse_one(find("core.interactions").sql, read="duckdb")
    ctes = {cte.alias: cte.this.sql(dialect="duckdb") for cte in tree.find_all(exp.CTE)}
    return "with " + ", ".join(f"{name} as ({ctes[name]})" for name in CTES) + " select source, post_id from handled_posts"


def _world() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging; create schema core")
    con.execute("""create table staging.stg_zendesk__tickets (ticket_id varchar, external_id varchar, description varchar,
                   via_from_username varchar, via_from_name varchar, created_at timestamp, channel varchar)""")
    con.execute("""create table staging.stg_twitter__tweets (tweet_id varchar, text varchar, author_username varchar,
                   author_name varchar, created_at timestamp)""")
    con.execute("create table staging.stg_facebook__comments (comment_id varchar, message varchar, author_name varchar, created_at timestamp)")
    con.execute("create table core.identity_map (source varchar, entity varchar, source_record_id varchar, customer_id varchar)")
    con.execute("""insert into staging.stg_twitter__tweets values
        ('by_id',      'any words',              'x1', 'X One',   '2024-11-01 12:00'),
        ('by_text',    'my parcel is lost',      'x2', 'X Two',   '2024-11-02 12:00'),
        ('by_handle',  'hello',                  'dana', 'Dana',  '2024-11-03 12:00'),
        ('by_name',    'hi there',               'x4', 'Ann One', '2024-11-04 12:00'),
        ('by_customer','where is it',            'x5', 'X Five',  '2024-11-05 12:00'),
        ('too_late',   'late words',             'x6', 'X Six',   '2024-11-06 12:00'),
        ('before',     'early words',            'x7', 'X Seven', '2024-11-07 12:00'),
        ('no_match',   'nothing alike',          'x8', 'X Eight', '2024-11-08 12:00')""")
    con.execute("insert into staging.stg_facebook__comments values ('fb_name', 'a comment', 'Bo Wu', '2024-11-09 12:00')")
    con.execute("""insert into staging.stg_zendesk__tickets values
        ('T1', 'by_id', 'other words', 'zz', 'Zed', '2024-12-20 12:00', 'social'),
        ('T2', null, 'my parcel is lost', 'zz', 'Zed', '2024-11-02 13:00', 'social'),
        ('T3', null, 'different', '@Dana', 'Zed', '2024-11-04 12:00', 'social'),
        ('T4', null, 'different', 'zz', 'ann one', '2024-11-04 12:30', 'social'),
        ('T5', null, 'different', 'zz', 'Zed', '2024-11-05 18:00', 'social'),
        ('T6', null, 'late words', 'zz', 'Zed', '2024-11-07 12:01', 'social'),
        ('T7', null, 'early words', 'zz', 'Zed', '2024-11-07 11:59', 'social'),
        ('T8', null, 'nothing alike', 'zz', 'Zed', '2024-11-08 13:00', 'email'),
        ('T9', null, 'different', 'zz', 'Bo Wu', '2024-11-10 12:00', 'social')""")
    con.execute("""insert into core.identity_map values
        ('twitter', 'tweets', 'by_customer', 'cus_1'), ('zendesk', 'tickets', 'T5', 'cus_1'),
        ('twitter', 'tweets', 'no_match', 'cus_2')""")
    return con


def test_each_kind_of_match_within_the_day_after_the_post():
    con = _world()
    handled = set(con.execute(_handled_posts_sql()).fetchall())
    assert handled == {
        ("twitter", "by_id"),  # the ticket's external id, whenever it came
        ("twitter", "by_text"),  # same text an hour later
        ("twitter", "by_handle"),  # same handle (@ and case ignored) a day later to the minute
        ("twitter", "by_name"),  # same author name, case ignored
        ("twitter", "by_customer"),  # same resolved customer
        ("facebook", "fb_name"),  # a Facebook comment by name, a day later to the minute
    }
    # too_late: a day and a minute after; before: a minute before the post; no_match: an email ticket
