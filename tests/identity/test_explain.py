"""``cxp explain``: the story of one customer, from the published warehouse."""
from __future__ import annotations

from pipelines.cli import main
from tests.identity.staging import connect, customer_of, load, resolve


def test_explain_prints_each_record_and_why_it_joined(tmp_path, capsys):
    con = connect(path=str(tmp_path / "cx.duckdb"))
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Priya", last_name="Raman",
                                              email_raw="priya.raman@example.net", city="Austin", country_code="US")])
    load(con, "stg_shopify__orders", [dict(order_id="55", order_number="2041", email_raw="priya.raman@example.net",
                                           billing_name="Priya Raman", total=64, created_at="2024-11-05 10:00:00")])
    load(con, "stg_twitter__tweets", [dict(tweet_id="t1", author_id="145", author_name="PR", text="my order #2041 is late",
                                           created_at="2024-11-05 19:02:11")])
    load(con, "stg_amplitude__events", [dict(insert_id=f"e{i}", device_id="D1", user_id="cust_7140000000001", event_at="2024-11-05 09:00:00")
                                        for i in range(3)])
    resolve(con)
    customer = customer_of(con, "shopify", "customers", "7140000000001")
    con.close()

    assert main(["explain", customer, "--warehouse", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert f"Customer {customer}" in text and "Priya Raman" in text
    assert "shopify/customers/7140000000001  Priya Raman: the customer's most trusted record" in text
    assert "shopify/orders/55  Priya Raman: same email priya.raman@example.net" in text
    assert "twitter/tweets/t1  PR: quotes the order number 2041" in text
    assert "amplitude events x3 (user cust_7140000000001, device D1): same shop customer id 7140000000001" in text

    assert main(["explain", "cus_nobody", "--warehouse", str(tmp_path)]) == 1
    assert "no customer 'cus_nobody'" in capsys.readouterr().err
