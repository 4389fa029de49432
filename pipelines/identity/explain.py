"""``cxp explain CUSTOMER_ID``: the customer's golden record, every record that joined it
and why, as a tree from the anchor record, and the links the limits refused.

Reads the published warehouse read-only (``pipelines.warehouse.connect_published``).
"""
from __future__ import annotations

import sys

from pipelines.warehouse import connect_published

MAX_LINES = 400
RULE_TEXT = {
    "anchor": "the customer's most trusted record",
    "unlinked": "nothing links it to another record",
    "shop_customer_id": "same shop customer id",
    "app_account": "same app account",
    "zendesk_user": "same Zendesk user",
    "delighted_person": "same Delighted person",
    "social_account": "same social account",
    "external_id": "same external id",
    "email": "same email",
    "national_id": "same national id",
    "phone": "same phone",
    "device": "same device (app use before login joins the account that logs in)",
    "order_ref": "quotes the order number",
    "social_post": "the ticket Zendesk made from the social post",
    "social_name": "a social author with a full name only one customer has",
    "probabilistic": "probabilistic match (Splink) on",
}


def _label(row: dict) -> str:
    if row["entity"] == "events":
        key = ", ".join(f"{k} {row[c]}" for k, c in (("user", "app_user_id"), ("device", "app_device_id"), ("email", "app_email")) if row[c])
        return f"{row['source']} events x{row['n_records']} ({key})"
    who = row["full_name"] or row["email"] or row["phone"] or ""
    return f"{row['source']}/{row['entity']}/{row['source_record_id']}" + (f"  {who}" if who else "")


def explain(warehouse_dir, customer_id: str, out=None) -> int:
    out = out or sys.stdout
    try:
        con = connect_published(warehouse_dir)
    except FileNotFoundError as exc:
        print(f"cxp explain: {exc}", file=sys.stderr)
        return 2
    with con:
        golden = con.execute("select * from core.customers where customer_id = ?", [customer_id]).df()
        if golden.empty:
            print(f"cxp explain: no customer {customer_id!r} in core.customers", file=sys.stderr)
            return 1
        g = golden.iloc[0].to_dict()
        print(f"Customer {customer_id}", file=out)
        for field in ("name", "email", "phone", "city", "country", "is_known", "sources", "n_records", "orders", "revenue",
                      "first_seen_at", "last_seen_at"):
            if field in g:
                print(f"  {field:<14} {g[field]}", file=out)
        rows = con.execute(
            """select a.node_id, a.parent_node_id, a.rule, a.evidence, a.confidence, a.over_limit,
                      p.source, p.entity, p.source_record_id, p.full_name, p.email, p.phone, p.n_records,
                      p.app_user_id, p.app_device_id, p.app_email, p.trust_rank
               from identity.node_assignment a join identity.person_records p using (node_id)
               where a.customer_id = ?
               order by a.tier nulls first, p.trust_rank, a.node_id""",
            [customer_id],
        ).df().astype(object)
        rows = rows.where(rows.notna(), None).to_dict("records")
        children: dict[str | None, list[dict]] = {}
        for row in rows:
            children.setdefault(row["parent_node_id"], []).append(row)
        print(f"\n{len(rows)} person record(s), {int(sum(r['n_records'] for r in rows))} source record(s); why each joined:", file=out)
        lines = 0

        def walk(node_row: dict, depth: int) -> None:
            nonlocal lines
            lines += 1
            if lines > MAX_LINES:
                return
            rule = node_row["rule"]
            why = RULE_TEXT.get(rule, rule)
            if node_row["parent_node_id"] is not None:
                why = f"{why} {node_row['evidence'] or ''}".rstrip() + f" (confidence {node_row['confidence']:.3f})"
                if node_row["over_limit"]:
                    why += " [joins a second account: the email is stronger evidence than the limit]"
            print(f"{'  ' * (depth + 1)}- {_label(node_row)}: {why}", file=out)
            for child in children.get(node_row["node_id"], []):
                walk(child, depth + 1)

        for root in children.get(None, []):
            walk(root, 0)
        if lines > MAX_LINES:
            print(f"  ... {lines - MAX_LINES} more", file=out)
        refused = con.execute(
            """select r.rule, r.evidence, r.reason, r.node_id, r.linked_node_id
               from identity.refused_links r
               join identity.node_assignment a on a.node_id in (r.node_id, r.linked_node_id)
               where a.customer_id = ?
               limit 50""",
            [customer_id],
        ).fetchall()
        if refused:
            print("\nLinks not made (limits):", file=out)
            for rule, evidence, reason, a, b in refused:
                print(f"  - {rule} {evidence}: {a} <-> {b}: {reason}", file=out)
    return 0
