"""Identity resolution's hard cases, each on small hand-made staging tables, through the
same SQL models and Python steps the pipeline runs."""
from __future__ import annotations

import pytest

from models.config import CxpConfig
from tests.identity.staging import connect, customer_of, load, resolve, value


@pytest.fixture
def con():
    connection = connect()
    yield connection
    connection.close()


def usage(con, id_type: str, id_value: str) -> str:
    return value(con, "select status from identity.identifier_usage where id_type = ? and id_value = ?", [id_type, id_value])


def rule_of(con, source, entity, record_id) -> str:
    return value(con, "select rule from core.identity_map where source = ? and entity = ? and source_record_id = ?", [source, entity, record_id])


def test_gmail_variants_are_one_customer(con):
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="John", last_name="Smith", email_raw="john.smith@gmail.com")])
    load(con, "stg_shopify__orders", [dict(order_id="1", order_number="1001", email_raw="JohnSmith+shop@googlemail.com", billing_name="John Smith",
                                           created_at="2024-07-01 10:00:00")])
    load(con, "stg_zendesk__users", [dict(user_id="9", name="John Smith", email_raw="j.o.h.n.smith@gmail.com", role="end-user")])
    resolve(con)
    shop = customer_of(con, "shopify", "customers", "7140000000001")
    assert customer_of(con, "shopify", "orders", "1") == shop
    assert customer_of(con, "zendesk", "users", "9") == shop
    assert rule_of(con, "shopify", "orders", "1") == "email"


def test_excel_mangled_phone_links_nobody(con):
    # Excel turned two different numbers into the same text: digits are lost, not a phone
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Ana", last_name="Lopez", email_raw="ana@example.net", phone_raw="5.12555E+09"),
        dict(customer_id="7140000000002", first_name="Tom", last_name="Berg", email_raw="tom@example.net", phone_raw="5.12555E+09"),
    ])
    resolve(con)
    assert value(con, "select count(*) from identity.identifiers where id_type = 'phone'") == 0
    assert customer_of(con, "shopify", "customers", "7140000000001") != customer_of(con, "shopify", "customers", "7140000000002")


def test_namesakes_stay_apart(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Maria", last_name="Garcia", email_raw="maria.garcia@gmail.com",
             phone_raw="+15125550101", address1="12 Oak St", city="Austin", zip="78704", country_code="US"),
        dict(customer_id="7140000000002", first_name="Maria", last_name="Garcia", email_raw="mgarcia77@yahoo.com",
             phone_raw="+15125550188", address1="980 Elm Ave", city="Austin", zip="78707", country_code="US"),
    ])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="maria.garcia@gmail.com", billing_name="Maria Garcia", billing_address1="12 Oak St",
             billing_city="Austin", billing_zip="78704", created_at="2024-07-01 10:00:00"),
        dict(order_id="2", order_number="1002", email_raw="mgarcia77@yahoo.com", billing_name="Maria Garcia", billing_address1="980 Elm Ave",
             billing_city="Austin", billing_zip="78707", created_at="2024-07-02 10:00:00"),
        # a guest order with only the name and the city in common with either: nobody's
        dict(order_id="3", order_number="1003", email_raw="garcia.m@outlook.com", billing_name="Maria Garcia", billing_city="Austin",
             created_at="2024-07-03 10:00:00"),
    ])
    load(con, "stg_twitter__tweets", [dict(tweet_id="5", author_id="777", author_name="Maria Garcia", text="love the beanie", created_at="2024-07-04 10:00:00")])
    resolve(con)
    first, second = (customer_of(con, "shopify", "customers", i) for i in ("7140000000001", "7140000000002"))
    assert first != second
    assert customer_of(con, "shopify", "orders", "1") == first
    assert customer_of(con, "shopify", "orders", "2") == second
    assert customer_of(con, "shopify", "orders", "3") not in (first, second)
    assert customer_of(con, "twitter", "tweets", "5") not in (first, second)


def test_shared_company_email_does_not_merge_colleagues(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Dana", last_name="Whitfield", email_raw="hello@cedarridgedental.com", phone_raw="+15125550111"),
    ])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="hello@cedarridgedental.com", billing_name="Dana Whitfield", phone_raw="+15125550111",
             created_at="2024-07-01 10:00:00"),
        dict(order_id="2", order_number="1002", email_raw="hello@cedarridgedental.com", billing_name="Marcus Oyelaran", phone_raw="+15125550222",
             created_at="2024-07-02 10:00:00"),
    ])
    resolve(con)
    assert usage(con, "email", "hello@cedarridgedental.com") == "shared"
    dana = customer_of(con, "shopify", "customers", "7140000000001")
    assert customer_of(con, "shopify", "orders", "1") == dana  # her own phone still joins her order
    assert customer_of(con, "shopify", "orders", "2") != dana


def test_household_phone_does_not_merge_the_household(con):
    landline = "+15125550199"
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Alice", last_name="Nowak", email_raw="alice.nowak@gmail.com", address_phone_raw=landline,
             address1="5 Pine Rd", city="Austin", zip="78704"),
        dict(customer_id="7140000000002", first_name="Bob", last_name="Nowak", email_raw="bnowak@yahoo.com", address_phone_raw=landline,
             address1="5 Pine Rd", city="Austin", zip="78704"),
    ])
    load(con, "stg_amazon_connect__contacts", [dict(contact_id="c1", channel="VOICE", phone_raw=landline, initiated_at="2024-07-01 10:00:00")])
    resolve(con)
    assert usage(con, "phone", landline) == "shared"
    alice, bob = (customer_of(con, "shopify", "customers", i) for i in ("7140000000001", "7140000000002"))
    assert alice != bob
    # the call from the landline could be either of them: it joins neither
    assert customer_of(con, "amazon_connect", "contacts", "c1") not in (alice, bob)


def test_family_device_keeps_parent_and_teen_apart(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Karen", last_name="Ode", email_raw="karen.ode@gmail.com"),
        dict(customer_id="7140000000002", first_name="Lily", last_name="Ode", email_raw="lily.ode@gmail.com"),
    ])
    load(con, "stg_amplitude__events", [
        dict(insert_id="a1", device_id="TABLET", event_at="2024-07-01 09:00:00"),
        dict(insert_id="a2", device_id="TABLET", user_id="cust_7140000000001", event_at="2024-07-01 09:05:00"),
        dict(insert_id="a3", device_id="TABLET", user_id="cust_7140000000002", event_at="2024-07-02 19:00:00"),
        dict(insert_id="a4", device_id="PHONE-K", user_id="cust_7140000000001", event_at="2024-07-03 08:00:00"),
    ])
    resolve(con)
    assert usage(con, "device", "TABLET") == "shared"
    karen, lily = (customer_of(con, "shopify", "customers", i) for i in ("7140000000001", "7140000000002"))
    assert karen != lily
    assert customer_of(con, "amplitude", "events", "a2") == karen
    assert customer_of(con, "amplitude", "events", "a4") == karen
    assert customer_of(con, "amplitude", "events", "a3") == lily
    # anonymous use of the shared tablet belongs to neither for sure
    assert customer_of(con, "amplitude", "events", "a1") not in (karen, lily)


def test_anonymous_app_events_inherit_the_account_that_logs_in(con):
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Jan", last_name="Kos", email_raw="jan.kos@wp.pl")])
    load(con, "stg_mixpanel__events", [
        dict(insert_id="m1", distinct_id="$device:D1", device_id="D1", event_at="2024-07-01 09:00:00"),
        dict(insert_id="m2", distinct_id="$device:D1", device_id="D1", event_at="2024-07-01 09:01:00"),
        dict(insert_id="m3", distinct_id="cust_7140000000001", device_id="D1", user_id="cust_7140000000001", event_at="2024-07-01 09:02:00"),
    ])
    resolve(con)
    jan = customer_of(con, "shopify", "customers", "7140000000001")
    assert {customer_of(con, "mixpanel", "events", e) for e in ("m1", "m2", "m3")} == {jan}
    assert rule_of(con, "mixpanel", "events", "m1") == "device"


def test_duplicate_shop_accounts_with_one_email_are_one_customer(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Eva", last_name="Brandt", email_raw="eva.brandt@gmx.de"),
        dict(customer_id="8190000000001", first_name="Eva", last_name="Brandt", email_raw="eva.brandt@gmx.de"),
    ])
    resolve(con)
    assert customer_of(con, "shopify", "customers", "7140000000001") == customer_of(con, "shopify", "customers", "8190000000001")
    assert value(con, "select count(*) from identity.node_assignment where over_limit") == 1


def test_two_shop_accounts_are_not_joined_by_a_phone_alone(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Sam", last_name="Reed", email_raw="sam.reed@icloud.com", phone_raw="+15125550123"),
        dict(customer_id="7140000000002", first_name="Sam", last_name="Reed", email_raw="samantha.r@outlook.com", phone_raw="+15125550123"),
    ])
    resolve(con)
    assert customer_of(con, "shopify", "customers", "7140000000001") != customer_of(con, "shopify", "customers", "7140000000002")
    refused = con.execute("select rule, reason from identity.refused_links").fetchall()
    assert ("phone", "would give one customer more than 1 shop_customer_id") in refused


def test_order_number_in_a_tweet_links_the_tweet_to_the_buyer(con):
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Priya", last_name="Raman", email_raw="priya.raman@example.net")])
    load(con, "stg_shopify__orders", [dict(order_id="55", order_number="2041", order_name="#2041", email_raw="priya.raman@example.net",
                                           billing_name="Priya Raman", created_at="2024-11-05 10:00:00")])
    load(con, "stg_twitter__tweets", [
        dict(tweet_id="t1", author_id="145", author_name="PR", text="@northtrail my order #2041 still says pending??", created_at="2024-11-05 19:02:11"),
        dict(tweet_id="t2", author_id="146", author_name="Someone", text="order #9999 never came", created_at="2024-11-05 19:03:00"),
    ])
    load(con, "stg_facebook__comments", [dict(comment_id="f1", author_id="88", author_name="P R", message="Order 2041 arrived damaged", created_at="2024-11-06 08:00:00")])
    load(con, "stg_zendesk__tickets", [dict(ticket_id="48213", requester_id="361", subject="Order #2041 checkout failed", created_at="2024-11-05 19:10:02")])
    load(con, "stg_amazon_connect__contacts", [dict(contact_id="c9", channel="CHAT", order_ref="2041", initiated_at="2024-11-06 15:02:19")])
    resolve(con)
    buyer = customer_of(con, "shopify", "customers", "7140000000001")
    for source, entity, record in (("twitter", "tweets", "t1"), ("facebook", "comments", "f1"), ("zendesk", "tickets", "48213"),
                                   ("amazon_connect", "contacts", "c9")):
        assert customer_of(con, source, entity, record) == buyer, (source, entity, record)
        assert rule_of(con, source, entity, record) == "order_ref"
    assert customer_of(con, "twitter", "tweets", "t2") != buyer
    assert usage(con, "order", "9999") == "no_holder"


def test_external_ids_in_any_format_point_at_the_shop_account(con):
    load(con, "stg_shopify__customers", [dict(customer_id="8123456700011", first_name="Priya", last_name="Raman")])
    load(con, "stg_zendesk__users", [dict(user_id="361", name="P. Raman", external_id="CUST-8123456700011", role="end-user")])
    load(con, "stg_qualtrics__responses", [dict(response_id="R_1", external_reference="cust_8123456700011", recorded_at="2024-11-08 15:02:41")])
    load(con, "stg_delighted__responses", [dict(response_id="77001", person_id="5501", customer_ref="8123456700011", created_at="2024-11-07 10:00:00")])
    load(con, "stg_amazon_connect__contacts", [dict(contact_id="c1", channel="CHAT", customer_ref="gid://shopify/Customer/8123456700011",
                                                    initiated_at="2024-11-06 16:00:04")])
    resolve(con)
    shop = customer_of(con, "shopify", "customers", "8123456700011")
    assert customer_of(con, "zendesk", "users", "361") == shop
    assert customer_of(con, "qualtrics", "responses", "R_1") == shop
    assert customer_of(con, "delighted", "responses", "77001") == shop
    assert customer_of(con, "amazon_connect", "contacts", "c1") == shop


def test_blocked_identifiers_link_nobody():
    config = CxpConfig.model_validate({"identity": {"blocked_identifiers": ["family@smiths.net", "(512) 555-0177"]}})
    con = connect(config)
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="noreply@northtrail.example", billing_name="Ann Lee", created_at="2024-07-01 10:00:00"),
        dict(order_id="2", order_number="1002", email_raw="noreply@northtrail.example", billing_name="Ben Ortiz", created_at="2024-07-02 10:00:00"),
        dict(order_id="3", order_number="1003", email_raw="family@smiths.net", billing_name="Carl Ito", created_at="2024-07-03 10:00:00"),
        dict(order_id="4", order_number="1004", email_raw="Family@Smiths.net", billing_name="Carl Ito", created_at="2024-07-04 10:00:00"),
        dict(order_id="5", order_number="1005", phone_raw="+1 512 555 0177", billing_name="Dee Park", created_at="2024-07-05 10:00:00"),
        dict(order_id="6", order_number="1006", phone_raw="512-555-0177", billing_name="Eli Marx", created_at="2024-07-06 10:00:00"),
    ])
    load(con, "stg_amplitude__events", [
        dict(insert_id="a1", device_id="00000000-0000-0000-0000-000000000000", user_id="u1", event_at="2024-07-01 09:00:00"),
        dict(insert_id="a2", device_id="00000000-0000-0000-0000-000000000000", user_id="u2", event_at="2024-07-01 09:00:00"),
    ])
    resolve(con, config)
    assert usage(con, "email", "noreply@northtrail.example") == "blocked"
    assert usage(con, "email", "family@smiths.net") == "blocked"
    assert usage(con, "phone", "+15125550177") == "blocked"
    assert usage(con, "device", "00000000-0000-0000-0000-000000000000") == "blocked"
    assert value(con, "select count(*) from identity.deterministic_links") == 0
    assert customer_of(con, "shopify", "orders", "1") != customer_of(con, "shopify", "orders", "2")
    assert customer_of(con, "shopify", "orders", "5") != customer_of(con, "shopify", "orders", "6")


def test_nickname_and_typo_email_join_by_probabilistic_match(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Robert", last_name="Jones", email_raw="robert.jones@gmail.com",
             address1="77 Cedar Ln", city="Denver", zip="80203", country_code="US"),
        dict(customer_id="7140000000002", first_name="Helen", last_name="Marsh", email_raw="hmarsh@aol.com",
             address1="3 Birch Ct", city="Denver", zip="80205", country_code="US"),
    ])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="robert.jnoes@gmial.com", billing_name="Bob Jones", billing_address1="77 Cedar Ln",
             billing_city="Denver", billing_zip="80203", created_at="2024-07-01 10:00:00"),
    ])
    resolve(con)
    assert customer_of(con, "shopify", "orders", "1") == customer_of(con, "shopify", "customers", "7140000000001")
    assert rule_of(con, "shopify", "orders", "1") == "probabilistic"


def test_identity_map_holds_person_records_only(con):
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Ann", last_name="Lee", email_raw="ann.lee@example.net")])
    load(con, "stg_google_play__reviews", [dict(review_id="gp1", star_rating=4, review_text="nice", submitted_at="2024-07-01 10:00:00")])
    load(con, "stg_facebook__comments", [dict(comment_id="f1", message="nice", created_at="2024-07-01 10:00:00")])
    load(con, "stg_amazon_connect__contacts", [dict(contact_id="chat1", channel="CHAT", initiated_at="2024-07-01 10:00:00")])
    load(con, "stg_qualtrics__responses", [
        dict(response_id="R_anon", distribution_channel="anonymous", recorded_at="2024-07-01 10:00:00"),
        dict(response_id="R_ann", email_raw="ann.lee@example.net", recorded_at="2024-07-02 10:00:00"),
    ])
    resolve(con)
    rows = con.execute("select source || '/' || source_record_id from core.identity_map order by 1").fetchall()
    assert [r[0] for r in rows] == ["qualtrics/R_ann", "shopify/7140000000001"]
    assert value(con, "select count(*) from core.identity_map where customer_id is null") == 0
    assert value(con, "select count(*) from core.customers") == 1


def test_golden_record_takes_the_most_trusted_most_recent_values(con):
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Priya", last_name="Raman", email_raw="priya.raman@example.net",
                                              city="Austin", country_code="US")])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="priya.raman@example.net", billing_name="P Raman", phone_raw="+15125550143",
             billing_city="Dallas", billing_country="US", total=50, created_at="2024-07-01 10:00:00"),
        dict(order_id="2", order_number="1002", email_raw="priya.raman@example.net", billing_name="Priya Raman", phone_raw="+15125550144",
             billing_city="Houston", billing_country="US", total=30, refunded_amount=10, created_at="2024-08-01 10:00:00"),
        dict(order_id="3", order_number="1003", email_raw="priya.raman@example.net", billing_name="Priya Raman", total=99,
             created_at="2024-08-02 10:00:00", cancelled_at="2024-08-03 10:00:00"),
    ])
    load(con, "stg_zendesk__users", [dict(user_id="9", name="Priya R", email_raw="priya.raman@example.net", role="end-user",
                                          created_at="2024-09-01 10:00:00")])
    resolve(con)
    row = con.execute(
        "select first_name, last_name, name, email, phone, city, country, is_known, orders, revenue, n_records, sources, first_seen_at, last_seen_at "
        "from core.customers"
    ).fetchall()[0]
    first, last, name, email, phone, city, country, known, orders, revenue, n_records, sources, first_seen, last_seen = row
    assert (first, last, name, email) == ("Priya", "Raman", "Priya Raman", "priya.raman@example.net")
    assert phone == "+15125550144"  # no phone on the account: the most recent order's
    assert (city, country) == ("Austin", "US")  # the account's address wins over the orders'
    assert known is True
    assert (orders, float(revenue)) == (2, 70.0)
    assert n_records == 5 and sources == "shopify,zendesk"
    assert str(first_seen) == "2024-07-01 10:00:00" and str(last_seen) == "2024-09-01 10:00:00"


def test_order_number_in_a_tickets_message_or_order_field_links_the_caller(con):
    # a call logged in Zendesk ("Caller +44 …", a number on file nowhere) and a chat under a
    # mistyped email name the order in the message or the ticket form's order field
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Sarah", last_name="Turner", email_raw="saraht94@example.net")])
    load(con, "stg_shopify__orders", [
        dict(order_id="55", order_number="11327", email_raw="saraht94@example.net", billing_name="Sarah Turner", created_at="2024-07-01 10:00:00"),
        dict(order_id="56", order_number="11328", email_raw="other@example.net", billing_name="Olga Other", created_at="2024-07-01 11:00:00"),
    ])
    load(con, "stg_zendesk__users", [
        dict(user_id="205", name="Caller +44 7569 297250", phone_raw="+447569297250", role="end-user"),
        dict(user_id="206", name="Sarah Turner", email_raw="sarath94@example.net", role="end-user"),
    ])
    load(con, "stg_zendesk__tickets", [
        dict(ticket_id="43099", requester_id="205", via_channel="voice", via_from_name="Caller +44 7569 297250", via_from_phone="+447569297250",
             subject="Call with Caller +44 7569 297250", description="Inbound call from +44 7569 297250\nTopic: where is my order",
             custom_fields='[{"id":360001234,"value":"order_11327"}]', created_at="2024-07-03 10:00:00"),
        dict(ticket_id="43100", requester_id="206", via_channel="chat", subject="Tracking", custom_fields="[]",
             description="My order 11327 says shipped but nothing arrived.", created_at="2024-07-04 10:00:00"),
        # a number that is no order of ours, and a field that is no order field, link nothing
        dict(ticket_id="43101", requester_id="206", via_channel="chat", subject="Hello", description="I ordered 3 days ago",
             custom_fields='[{"id":360009999,"value":"11328"}]', created_at="2024-07-05 10:00:00"),
    ])
    resolve(con)
    buyer = customer_of(con, "shopify", "customers", "7140000000001")
    for ticket in ("43099", "43100"):
        assert customer_of(con, "zendesk", "tickets", ticket) == buyer, ticket
        assert rule_of(con, "zendesk", "tickets", ticket) == "order_ref"
    assert customer_of(con, "zendesk", "users", "205") == buyer
    assert customer_of(con, "shopify", "orders", "56") != customer_of(con, "zendesk", "tickets", "43101")


def test_a_social_ticket_joins_the_post_it_was_made_from(con):
    load(con, "stg_twitter__tweets", [
        dict(tweet_id="t1", author_id="145", author_username="omar_rahman", author_name="Omar Rahman",
             text="@northtrail when is the puffer back in stock?", created_at="2024-07-01 10:00:00"),
        # the same words from someone else, a week earlier: not the post the ticket was made from
        dict(tweet_id="t2", author_id="146", author_username="omar_r", author_name="Omar Rahman",
             text="@northtrail when is the puffer back in stock?", created_at="2024-06-20 10:00:00"),
    ])
    load(con, "stg_facebook__comments", [
        dict(comment_id="f1", author_id="88", author_name="Hung Nguyen", message="Where is my refund?", created_at="2024-07-02 09:00:00"),
        dict(comment_id="f2", author_id="89", author_name="Hung Nguyen", message="Where is my refund?", created_at="2024-07-02 09:05:00"),
    ])
    load(con, "stg_zendesk__users", [dict(user_id="501", name="Omar Rahman", role="end-user"), dict(user_id="502", name="Hung Nguyen", role="end-user")])
    load(con, "stg_zendesk__tickets", [
        dict(ticket_id="1", requester_id="501", via_channel="twitter", via_from_name="Omar Rahman",
             subject="@northtrail when is the puffer back in stock?", description="@northtrail when is the puffer back in stock?",
             created_at="2024-07-01 10:15:00"),
        # two authors of one name posted the same words: no telling which one the ticket is
        dict(ticket_id="2", requester_id="502", via_channel="facebook", via_from_name="Hung Nguyen",
             subject="Where is my refund?", description="Where is my refund?", created_at="2024-07-02 09:20:00"),
    ])
    resolve(con)
    assert customer_of(con, "zendesk", "tickets", "1") == customer_of(con, "twitter", "tweets", "t1")
    assert customer_of(con, "zendesk", "users", "501") == customer_of(con, "twitter", "tweets", "t1")
    assert value(con, "select string_agg(id_value) from identity.identifiers where node_id = 'zendesk:tickets:1' and id_type = 'social_post'") \
        == "twitter:t1"
    assert rule_of(con, "zendesk", "tickets", "1") in ("social_post", "zendesk_user")
    assert value(con, "select count(*) from identity.identifiers where node_id = 'zendesk:tickets:2' and id_type = 'social_post'") == 0


def test_swapped_letters_in_a_first_name_do_not_make_a_phone_look_shared(con):
    phone = "+12675192901"
    load(con, "stg_shopify__customers", [dict(customer_id="7140000000001", first_name="Samir", last_name="Aziz", email_raw="aziz.samir@example.net",
                                              phone_raw=phone, address1="1492 Meadow Lane", address2="Apt 34D", city="Raleigh", zip="27660")])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="aziz.samir@example.net", billing_name="Samir Aziz", phone_raw=phone,
             billing_address1="1492 Meadow Lane", billing_city="Raleigh", billing_zip="27660", created_at="2024-07-01 10:00:00"),
        dict(order_id="2", order_number="1002", email_raw="aziz.samri@example.net", billing_name="Saimr Aziz", phone_raw=phone,
             billing_address1="1492 Meadow Lane", billing_city="Raleigh", billing_zip="27660", created_at="2024-07-02 10:00:00"),
    ])
    resolve(con)
    assert usage(con, "phone", phone) == "linking"
    assert customer_of(con, "shopify", "orders", "2") == customer_of(con, "shopify", "customers", "7140000000001")


def test_a_typo_email_order_at_the_customers_street_joins_by_probabilistic_match(con):
    # the account's address has a flat in line 2, the order only line 1: the same street
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Klaus", last_name="Hoffmann", email_raw="klaus_hoffmann@example.net",
             address1="2500 Elm Street", address2="Apt 30C", city="Columbus", zip="43217", country_code="US"),
        dict(customer_id="7140000000002", first_name="Helen", last_name="Marsh", email_raw="hmarsh@example.org",
             address1="3 Birch Ct", city="Columbus", zip="43215", country_code="US"),
    ])
    load(con, "stg_shopify__orders", [
        dict(order_id="1", order_number="1001", email_raw="klaus_hoffmann@exmaple.net", billing_name="Klaus Hoffmann", billing_address1="2500 Elm Street",
             billing_city="Columbus", billing_zip="43217", created_at="2024-07-01 10:00:00"),
    ])
    resolve(con)
    assert customer_of(con, "shopify", "orders", "1") == customer_of(con, "shopify", "customers", "7140000000001")
    assert rule_of(con, "shopify", "orders", "1") == "probabilistic"


def test_a_big_providers_mistyped_domain_is_the_same_mailbox(con):
    load(con, "stg_shopify__customers", [
        dict(customer_id="7140000000001", first_name="Conor", last_name="Gallagher", email_raw="conor.gallagher@yahoo.com"),
        dict(customer_id="7140000000002", first_name="Minh", last_name="Do", email_raw="minhdo@gmail.com"),
        dict(customer_id="7140000000003", first_name="Ola", last_name="Nowak", email_raw="ola@wp.pl"),
        dict(customer_id="7140000000004", first_name="Jean", last_name="Roux", email_raw="jroux@yahoo.fr"),
    ])
    load(con, "stg_zendesk__users", [
        dict(user_id="1", name="Conor Gallagher", email_raw="conor.gallagher@yaho.com", role="end-user"),
        dict(user_id="2", name="Minh Do", email_raw="minh.do@gmai.com", role="end-user"),  # gmai.com is gmail.com: dots fold too
        dict(user_id="3", name="Ola Nowak", email_raw="ola@op.pl", role="end-user"),  # another real provider, one letter from wp.pl
        dict(user_id="4", name="Jean Roux", email_raw="jroux@yahoo.dr", role="end-user"),  # yahoo.de or yahoo.fr? no telling
    ])
    resolve(con)
    assert customer_of(con, "zendesk", "users", "1") == customer_of(con, "shopify", "customers", "7140000000001")
    assert rule_of(con, "zendesk", "users", "1") == "email"
    assert customer_of(con, "zendesk", "users", "2") == customer_of(con, "shopify", "customers", "7140000000002")
    assert customer_of(con, "zendesk", "users", "3") != customer_of(con, "shopify", "customers", "7140000000003")
    assert customer_of(con, "zendesk", "users", "4") != customer_of(con, "shopify", "customers", "7140000000004")
    assert value(con, "select email_key from identity.person_records where node_id = 'zendesk:users:2'") == "minhdo@gmail.com"
