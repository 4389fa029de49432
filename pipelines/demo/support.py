"""The contact centre: Zendesk tickets (email, web, chat, messaging, social, and Zendesk
Talk for callers outside North America) and Amazon Connect contact trace records (the
North American phone line and in-app chat).

Zendesk: the incremental export pulled daily; a ticket appears once for every pull in
which it changed (created, replied, solved, reopened, rated, closed), with its users and
metric set as of then, in pages of 1,000 sorted by ``generated_timestamp``. Ticket ids
rise with creation time, so they are assigned when the export is written.

Connect: CTRs delivered by Kinesis Firehose as ``}{``-concatenated JSON, one object per
day under ``YYYY/MM/DD/`` (gzip from 2024-11-20, when compression was switched on);
delivery is at least once, so some records arrive twice.
"""
from __future__ import annotations

import base64
import gzip
import random
from pathlib import Path

import orjson

from pipelines.demo import clock, social
from pipelines.demo import identities as ids
from pipelines.demo import reference as ref
from pipelines.demo.clock import DAY, END, HOUR, START
from pipelines.demo.context import Context, Defects, Truth

ZENDESK = "zendesk"
CONNECT = "amazon_connect"
TICKETS_PER_PAGE = 1_000
FIRST_TICKET_ID = 41_000
AGENT_IDS = [36_000_000_500 + n for n in range(len(ref.ZENDESK_AGENTS))]
GZIP_FROM = clock.START + 172 * DAY  # 2024-11-20: Firehose compression switched on
_ZENDESK_CHANNEL = {"email": "email", "web": "web", "api": "api", "chat": "chat", "native_messaging": "native_messaging",
                    "voice": "voice", "twitter": "twitter", "facebook": "facebook"}


def handle_issue(ctx: Context, rng: random.Random, p, issue) -> None:
    """Every contact one issue causes: tickets in Zendesk, contacts in Connect."""
    last = len(issue.contacts) - 1
    for n, (when, channel) in enumerate(issue.contacts):
        final = n == last
        if channel == "phone":
            if not (p.mobile or p.landline):
                channel = "email"
            else:
                _call(ctx, rng, p, issue, when, chat=False)
                continue
        if channel == "connect_chat":
            _call(ctx, rng, p, issue, when, chat=True)
            continue
        text = None
        if channel == "twitter":
            text = social.tweet(ctx, rng, p, when - rng.randint(60, 1800), "negative" if issue.bad or n else "neutral", issue.order)
        elif channel == "facebook":
            text = social.fb_comment(ctx, rng, p, when - rng.randint(60, 1800), "negative" if issue.bad or n else "neutral", issue.order)
        _ticket(ctx, rng, p, issue, when, _ZENDESK_CHANNEL.get(channel, "web"), final, n, text)


# --- Zendesk ----------------------------------------------------------------------------------

def _with_order(rng: random.Random, templates: tuple[str, ...], order) -> str:
    """One of ``templates`` with ``{order}`` filled the way people write an order number: after the word
    order, #2041 or 2041; on its own, #2041 or Order #2041. Without a quoted order, a text that needs none."""
    if order is None:
        plain = [t for t in templates if "{order}" not in t]
        if plain:
            return rng.choice(plain)
        text = (rng.choice(templates).replace("y order {order}", "y order").replace("Order {order}", "My order")
                .replace("order {order}", "my order")
                .replace(" ({order})", "").replace("\n{order}", "").replace("{order}", "my order"))
        return text[:1].upper() + text[1:]
    template = rng.choice(templates)
    n = order.number
    after_word = "order {order}" in template.lower()
    return template.format(order=rng.choice((f"#{n}", f"#{n}", f"{n}") if after_word else (f"#{n}", f"Order #{n}", f"order #{n}")))


def _display_name(rng: random.Random, p, when: int) -> str:
    first = p.nick if p.nick and rng.random() < 0.25 else p.first
    if rng.random() < 0.03:
        first = ids.name_typo(rng, first)
    name = f"{first} {p.last_name_at(when)}"
    return ids.ascii_name(name) if rng.random() < 0.15 else name


def _user(ctx: Context, rng: random.Random, p, when: int, kind: str, value: str, name: str, email=None, phone=None) -> dict:
    """The Zendesk user behind a ticket, made once per identity (a shared mailbox is one user for everyone using it)."""
    key = ("zendesk_user", kind, value) if kind == "email" and value == p.mailbox else ("zendesk_user", p.pid, kind, value)
    user = ctx.shared.get(key)
    if user is not None:
        return user
    user_id = ctx.next_id("zendesk_user", 36_100_000_001)
    external = None
    if kind == "email" and p.customer_ids and rng.random() < 0.45:
        customer_id = p.customer_ids[0]
        external = f"cust_{customer_id}" if rng.random() < 0.6 else customer_id
    zone = {"US": ("Central Time (US & Canada)", "America/Chicago"), "CA": ("Eastern Time (US & Canada)", "America/Toronto"),
            "GB": ("London", "Europe/London"), "PL": ("Warsaw", "Europe/Warsaw"), "DE": ("Berlin", "Europe/Berlin")}[p.country]
    user = {
        "id": user_id, "url": f"https://{ref.ZENDESK_HOST}/api/v2/users/{user_id}.json", "name": name, "email": email,
        "phone": phone, "role": "end-user", "external_id": external, "time_zone": zone[0], "iana_time_zone": zone[1],
        "locale": "en-US" if p.country in ("US", "CA") else {"GB": "en-gb", "PL": "pl", "DE": "de"}[p.country],
        "verified": email is not None, "created_at": clock.iso_z(when), "updated_at": clock.iso_z(when),
    }
    record = {"user": user, "pid": p.pid}
    ctx.shared[key] = record
    return record


def _ticket(ctx: Context, rng: random.Random, p, issue, when: int, channel: str, final: bool, repeat: int, social_text) -> None:
    order = issue.order
    quoted = order if order is not None and rng.random() < 0.75 else None
    if channel in ("twitter", "facebook"):
        handle = p.twitter if channel == "twitter" else p.facebook
        name = handle[2] if channel == "twitter" else handle[1]
        requester = _user(ctx, rng, p, when, channel, handle[0], name)
        subject = description = social_text
        if channel == "twitter":
            source = {"from": {"name": name, "profile_url": f"https://twitter.com/{handle[1]}", "twitter_id": handle[0]},
                      "to": {"name": ref.COMPANY, "profile_url": f"https://twitter.com/{ref.TWITTER_BRAND_USERNAME}",
                             "twitter_id": ref.TWITTER_BRAND_ID}, "rel": "mention"}
        else:
            source = {"from": {"name": name, "profile_url": f"https://www.facebook.com/{handle[0]}", "facebook_id": handle[0]},
                      "to": {"name": ref.COMPANY, "profile_url": f"https://www.facebook.com/{ref.FACEBOOK_PAGE_ID}",
                             "facebook_id": ref.FACEBOOK_PAGE_ID}, "rel": "post"}
    elif channel == "voice":
        number = p.mobile or p.landline or ids.mobile_number(rng, p.country)
        shown = ids.typed_phone(number, 1)
        requester = _user(ctx, rng, p, when, "phone", number, f"Caller {shown}", phone=number)
        minutes, seconds = divmod(rng.randint(90, 1500 if issue.bad else 700), 60)
        subject = f"Call with Caller {shown}"
        description = f"Inbound call from {shown}\nDuration: 00:{minutes:02d}:{seconds:02d}\nTopic: {issue.kind.replace('_', ' ')}"
        if quoted is not None:
            description += f"\nOrder: #{quoted.number}"
        source = {"from": {"phone": number, "formatted_phone": shown, "name": f"Caller {shown}"}, "to": {}, "rel": "inbound"}
    else:
        email = p.email_at(when)
        if p.mailbox and rng.random() < 0.6:
            email = p.mailbox
        elif ids.is_gmail(email) and rng.random() < 0.15:
            email = ids.gmail_variant(rng, email)
        elif rng.random() < 0.02:
            email = ids.email_typo(rng, email)
        name = _display_name(rng, p, when)
        phone = None
        if rng.random() < 0.2 and (p.mobile or p.landline):
            phone = p.mobile or p.landline
        requester = _user(ctx, rng, p, when, "email", email.lower(), name, email=email, phone=phone)
        subject = _with_order(rng, ref.SUBJECTS[issue.kind], quoted)
        if repeat:
            subject = rng.choice(("Re: ", "FW: ", "Still waiting - ", "")) + subject
        body = _with_order(rng, ref.DESCRIPTIONS[issue.kind], quoted)
        signature = p.first if rng.random() < 0.7 else f"{p.first} {p.last_name_at(when)}"
        description = f"{body}\n{signature}" if channel in ("email", "web", "api") else body
        if channel == "email":
            source = {"from": {"address": email, "name": name}, "to": {"address": ref.SUPPORT_ADDRESS, "name": ref.COMPANY}, "rel": None}
        elif channel == "native_messaging":
            source = {"from": {"name": name}, "to": {}, "rel": "messaging"}
        else:
            source = {"from": {}, "to": {}, "rel": None}
    lifecycle = _lifecycle(rng, issue, when, channel, final)
    tags = list(ref.ISSUES[issue.kind][3]) + ([channel] if channel in ("voice", "twitter", "facebook") else [])
    ticket = {
        "pid": p.pid, "requester": requester["user"], "requester_pid": requester["pid"], "created": when, "channel": channel,
        "source": source, "subject": subject, "description": description, "tags": tags, "kind": issue.kind,
        "type": "question" if issue.kind in ("product_question", "account_login") else "incident" if rng.random() < 0.8 else None,
        "priority": "high" if issue.bad and rng.random() < 0.4 else rng.choice(("normal", "normal", "low", None)),
        "order_field": f"order_{order.number}" if order is not None and rng.random() < 0.5 else None,
        "versions": lifecycle, "assignee": rng.randrange(len(AGENT_IDS)),
        "satisfaction_id": 1_500_000_000 + rng.randrange(10**8),
    }
    ctx.spool("tickets", DAY).add(when, ticket)


def _lifecycle(rng: random.Random, issue, created: int, channel: str, final: bool) -> list:
    """States of one ticket as the daily pulls saw them: (time, status, replied, solved_at, reopens, replies, rating, comment)."""
    bad = issue.bad
    live = channel in ("chat", "native_messaging", "voice")
    if channel == "voice":
        reply = 0
    elif live:
        reply = rng.randint(1, 12) if not bad else rng.randint(10, 150)
    elif channel in ("twitter", "facebook"):
        reply = rng.randint(20, 300) if not bad else rng.randint(240, 3000)
    else:
        reply = rng.randint(15, 600) if not bad else rng.randint(480, 4000)
    replied = created + reply * 60
    if final and issue.resolved_at:
        solved = max(replied + 60, issue.resolved_at)
    elif final:
        solved = None  # still being worked on when the exports were pulled
    else:
        # The company marks it solved; the customer comes back anyway (the experience gap).
        solved = replied + (rng.randint(HOUR, DAY) if not bad else rng.randint(4 * HOUR, 3 * DAY))
    # (time, status, replied, solved_at, first_solved_at, reopens, replies, rating, comment)
    events = [(created, "new" if not live else "open", False, None, None, 0, 0, None, None)]
    replies = 1 + (1 if bad else 0) + (1 if rng.random() < 0.3 else 0)
    if replied < END:
        events.append((replied, "pending" if not live else "open", True, None, None, 0, 1, None, None))
    reopens = 0
    if solved is not None and solved < END:
        first_solved = solved
        events.append((solved, "solved", True, solved, first_solved, 0, replies, "offered", None))
        if bad and final and rng.random() < 0.35:
            reopen = solved + rng.randint(2 * HOUR, 2 * DAY)
            again = reopen + rng.randint(6 * HOUR, 3 * DAY)
            if again < END:
                reopens = 1
                events.append((reopen, "open", True, None, first_solved, 1, replies, "offered", None))
                events.append((again, "solved", True, again, first_solved, 1, replies + 1, "offered", None))
                solved, replies = again, replies + 1
        rated = solved + rng.randint(2 * HOUR, 2 * DAY)
        rating = comment = None
        if rng.random() < (0.3 if bad else 0.25) and rated < END:
            rating = "bad" if (bad and rng.random() < (0.7 if final else 0.45)) or (not bad and rng.random() < 0.05) else "good"
            comment = rng.choice(ref.SATISFACTION_BAD if rating == "bad" else ref.SATISFACTION_GOOD)
            events.append((rated, "solved", True, solved, first_solved, reopens, replies, rating, comment))
        closed = solved + 4 * DAY
        if closed < END:
            events.append((closed, "closed", True, solved, first_solved, reopens, replies, rating or "offered", comment))
    events = [e for e in events if e[0] < END]
    # One version per daily pull (06:00 UTC): the last state of each window.
    kept: dict[int, tuple] = {}
    for event in events:
        kept[(event[0] - START - HOUR) // DAY] = event
    versions = [list(kept[w]) + [reply, created] for w in sorted(kept)]
    return versions


def _business(minutes: int | None) -> int | None:
    if minutes is None:
        return None
    return minutes if minutes < 480 else int(minutes * 0.42)


def _duration(minutes: int | None) -> dict:
    return {"calendar": minutes, "business": _business(minutes)}


def write_zendesk(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / ZENDESK
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 5)
    versions = ctx.spool("ticket_versions", DAY)
    seen_users: set[int] = set()
    agents = {agent_id: orjson.dumps(_agent(agent_id, n)) for n, agent_id in enumerate(AGENT_IDS)}
    for n, (created, ticket) in enumerate(ctx.spool("tickets", DAY)):
        ticket_id = FIRST_TICKET_ID + n
        truth.add("zendesk", "tickets", str(ticket_id), ticket["pid"])
        user = ticket["requester"]
        if user["id"] not in seen_users:
            seen_users.add(user["id"])
            truth.add("zendesk", "users", str(user["id"]), ticket["requester_pid"])
        user_bytes = orjson.dumps(user)
        for version in ticket["versions"]:
            stamp = version[0] + rng.randint(0, 3)
            ticket_bytes, metric_bytes, assignee = _render_ticket(ticket, ticket_id, version, stamp)
            versions.add(stamp, (ticket_id, user["id"], ticket_bytes, metric_bytes, user_bytes, assignee))
    counts: dict[str, int] = {}
    page, page_number = [], 0
    total = versions.count
    written = 0
    for stamp, item in versions:
        page.append((stamp, item))
        written += 1
        if len(page) == TICKETS_PER_PAGE or written == total:
            page_number += 1
            name = f"incremental_tickets_{page_number:05d}.json"
            # One broken twin per page (0.1%): a ticket without its creation time or without its id.
            broken = [_broken_ticket(rng, page[rng.randrange(len(page))][1][2], page_number)]
            data = _page(page, agents, broken, written == total)
            (folder / name).write_bytes(data)
            counts[name] = len(page) + len(broken)
            for defect, detail, _ in broken:
                defects.add(ZENDESK, "tickets", name, defect, detail)
            page = []
    return counts


def _agent(agent_id: int, n: int) -> dict:
    name, login = ref.ZENDESK_AGENTS[n]
    return {"id": agent_id, "url": f"https://{ref.ZENDESK_HOST}/api/v2/users/{agent_id}.json", "name": name,
            "email": f"{login}@{ref.SHOP_DOMAIN}", "phone": None, "role": "agent", "external_id": None,
            "time_zone": "Central Time (US & Canada)", "iana_time_zone": "America/Chicago", "locale": "en-US",
            "verified": True, "created_at": "2023-01-09T15:00:00Z", "updated_at": "2024-05-30T12:00:00Z"}


def _render_ticket(ticket: dict, ticket_id: int, version: list, stamp: int) -> tuple[bytes, bytes, int | None]:
    when, status, replied, solved_at, first_solved_at, reopens, replies, rating, comment, reply_minutes, created = version
    channel = ticket["channel"]
    assignee = AGENT_IDS[ticket["assignee"]] if replied else None
    requester_id = ticket["requester"]["id"]
    satisfaction = {"score": "unoffered"}
    if rating:
        satisfaction = {"id": ticket["satisfaction_id"], "score": rating, "comment": comment, "reason": None} if rating in ("good", "bad") \
            else {"score": "offered"}
    custom = [{"id": 360_001_234, "value": ticket["order_field"]}] if ticket["order_field"] else []
    body = {
        "id": ticket_id, "url": f"https://{ref.ZENDESK_HOST}/api/v2/tickets/{ticket_id}.json", "external_id": None,
        "via": {"channel": channel, "source": ticket["source"]},
        "created_at": clock.iso_z(created), "updated_at": clock.iso_z(when), "generated_timestamp": stamp,
        "type": ticket["type"], "subject": ticket["subject"], "raw_subject": ticket["subject"],
        "description": ticket["description"], "priority": ticket["priority"], "status": status,
        "recipient": ref.SUPPORT_ADDRESS if channel == "email" else None, "requester_id": requester_id,
        "submitter_id": assignee if channel == "voice" and assignee else requester_id, "assignee_id": assignee,
        "organization_id": None, "group_id": 900_001 if channel != "voice" else 900_002, "collaborator_ids": [],
        "follower_ids": [], "email_cc_ids": [], "has_incidents": False, "is_public": True, "due_at": None,
        "tags": ticket["tags"], "custom_fields": custom, "satisfaction_rating": satisfaction,
        "ticket_form_id": 360_000_001, "brand_id": 360_000_002, "allow_channelback": channel in ("twitter", "facebook"),
        "allow_attachments": True, "from_messaging_channel": channel == "native_messaging",
    }
    solved_minutes = (solved_at - created) // 60 if solved_at else None
    metrics = {
        "id": 9_000_000_000 + ticket_id, "ticket_id": ticket_id, "created_at": clock.iso_z(created + 1),
        "updated_at": clock.iso_z(when), "reopens": reopens, "replies": replies,
        "assignee_stations": 1 if assignee else 0, "group_stations": 1,
        "reply_time_in_minutes": _duration(reply_minutes if replied else None),
        "first_resolution_time_in_minutes": _duration((first_solved_at - created) // 60 if first_solved_at else None),
        "full_resolution_time_in_minutes": _duration(solved_minutes),
        "agent_wait_time_in_minutes": _duration(min(reply_minutes, 30) if replied else None),
        "requester_wait_time_in_minutes": _duration(max(0, solved_minutes - min(reply_minutes, 30)) if solved_at else None),
        "on_hold_time_in_minutes": _duration(0),
        "solved_at": clock.iso_z(solved_at) if solved_at else None,
        "initially_assigned_at": clock.iso_z(created + reply_minutes * 30) if replied else None,
        "assigned_at": clock.iso_z(created + reply_minutes * 30) if replied else None,
        "latest_comment_added_at": clock.iso_z(when),
    }
    return orjson.dumps(body), orjson.dumps(metrics), assignee


def _broken_ticket(rng: random.Random, ticket_bytes: bytes, page_number: int) -> tuple[str, str, bytes]:
    ticket = orjson.loads(ticket_bytes)
    twin = 9_900_000 + page_number
    if rng.random() < 0.5:
        ticket["id"], ticket["created_at"] = twin, None
        return "missing created_at", f"ticket {twin}", orjson.dumps(ticket)
    original = ticket.pop("id")
    ticket["url"] = None
    return "missing ticket id", f"twin of ticket {original}", orjson.dumps(ticket)


def _page(page: list, agents: dict, broken: list, last: bool) -> bytes:
    tickets, metric_sets, users, user_ids = [], [], [], set()
    for _, (ticket_id, user_id, ticket_bytes, metric_bytes, user_bytes, assignee) in page:
        tickets.append(ticket_bytes)
        metric_sets.append(metric_bytes)
        if user_id not in user_ids:
            user_ids.add(user_id)
            users.append(user_bytes)
        if assignee is not None and assignee not in user_ids:
            user_ids.add(assignee)
            users.append(agents[assignee])
    for _, _, twin in broken:
        tickets.append(twin)
    stamp, (ticket_id, *_rest) = page[-1]
    cursor = base64.b64encode(f"{stamp}.0||{ticket_id}|".encode()).decode()
    after_url = f"https://{ref.ZENDESK_HOST}/api/v2/incremental/tickets/cursor.json?cursor={cursor.replace('=', '%3D')}"
    return (b'{"tickets":[' + b",".join(tickets) + b'],"users":[' + b",".join(users) + b'],"metric_sets":['
            + b",".join(metric_sets) + b'],"after_url":' + orjson.dumps(after_url) + b',"after_cursor":' + orjson.dumps(cursor)
            + b',"before_url":null,"before_cursor":null,"end_of_stream":' + (b"true" if last else b"false") + b"}")


# --- Amazon Connect ---------------------------------------------------------------------------

def _contact_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _call(ctx: Context, rng: random.Random, p, issue, when: int, chat: bool) -> None:
    bad = issue.bad
    order = issue.order
    intent = ref.ISSUES[issue.kind][4]
    attributes = {"intent": intent}
    if order is not None and rng.random() < 0.45:
        attributes["orderNumber"] = str(order.number) if rng.random() < 0.8 else f"#{order.number}"
    if p.customer_ids and rng.random() < 0.2:
        customer_id = p.customer_ids[0]
        attributes["customerId"] = rng.choice((customer_id, f"CUST-{customer_id}", f"cust_{customer_id}"))
    if chat:
        attributes["customerName"] = _display_name(rng, p, when)
        attributes["customerEmail"] = p.email_at(when)
        endpoint = None
    else:
        attributes["language"] = "en_US" if p.country == "US" else "en_CA"
        number = p.landline if p.landline and (not p.mobile or rng.random() < 0.5) else p.mobile
        endpoint = {"Address": number, "Type": "TELEPHONE_NUMBER"}
    queue = ref.CONNECT_QUEUES[intent] if not chat else "ChatQueue"
    wait = rng.randint(120, 1500) if bad else rng.randint(10, 240)
    abandoned = rng.random() < 0.04 + wait / 4000
    contact_id = _contact_id(rng)
    ctr = _ctr(rng, contact_id, when, chat, endpoint, attributes, queue, wait, abandoned, bad, None)
    transfer_at = ctr["_disconnect"]
    _deliver(ctx, rng, p, ctr)
    if not abandoned and not chat and rng.random() < 0.06:  # transferred to another queue
        second = _ctr(rng, _contact_id(rng), transfer_at, chat, endpoint, dict(attributes), "ReturnsQueue" if queue != "ReturnsQueue" else "BillingQueue",
                      rng.randint(20, 400), False, bad, contact_id)
        _deliver(ctx, rng, p, second)


def _ctr(rng, contact_id, when, chat, endpoint, attributes, queue, wait, abandoned, bad, previous) -> dict:
    system = when + 1
    enqueue = when + (rng.randint(15, 70) if not chat else rng.randint(1, 4))
    record = {"AWSAccountId": ref.AWS_ACCOUNT, "AWSContactTraceRecordFormatVersion": "2017-03-10"}
    if abandoned:
        disconnect = enqueue + wait
        agent = None
        dequeue = None
        last_update = disconnect + rng.randint(5, 60)
        reason = "CUSTOMER_DISCONNECT"
    else:
        connected = enqueue + wait
        talk = int(rng.lognormvariate(6.2, 0.45)) if bad else int(rng.lognormvariate(5.6, 0.5))  # medians ~8 and ~4.5 min
        hold = rng.randint(30, 400) if bad and rng.random() < 0.6 else (rng.randint(10, 120) if rng.random() < 0.25 else 0)
        after_work = rng.randint(15, 120)
        disconnect = connected + talk + hold
        agent_name = rng.choice(ref.CONNECT_AGENTS)
        agent = {
            "ARN": f"{ref.CONNECT_INSTANCE}/agent/{agent_name}", "AfterContactWorkDuration": after_work,
            "AfterContactWorkEndTimestamp": clock.iso_z(disconnect + after_work),
            "AfterContactWorkStartTimestamp": clock.iso_z(disconnect), "AgentInteractionDuration": talk,
            "ConnectedToAgentTimestamp": clock.iso_z(connected), "CustomerHoldDuration": hold, "HierarchyGroups": None,
            "LongestHoldDuration": hold, "NumberOfHolds": 1 if hold else 0,
            "RoutingProfile": {"ARN": f"{ref.CONNECT_INSTANCE}/routing-profile/{queue.lower()}", "Name": queue.replace("Queue", "")},
            "Username": agent_name,
        }
        dequeue = clock.iso_z(connected)
        last_update = disconnect + after_work + rng.randint(5, 60)
        reason = rng.choice(("CUSTOMER_DISCONNECT", "CUSTOMER_DISCONNECT", "AGENT_DISCONNECT"))
    record.update({
        "Agent": agent, "AgentConnectionAttempts": 0 if abandoned else 1, "Attributes": attributes,
        "Channel": "CHAT" if chat else "VOICE", "ConnectedToSystemTimestamp": clock.iso_z(system), "ContactId": contact_id,
        "CustomerEndpoint": endpoint, "DisconnectReason": reason, "DisconnectTimestamp": clock.iso_z(disconnect),
        "InitialContactId": previous, "InitiationMethod": "TRANSFER" if previous else ("API" if chat else "INBOUND"),
        "InitiationTimestamp": clock.iso_z(when), "InstanceARN": ref.CONNECT_INSTANCE,
        "LastUpdateTimestamp": clock.iso_z(last_update), "MediaStreams": [{"Type": "CHAT" if chat else "AUDIO"}],
        "NextContactId": None, "PreviousContactId": previous,
        "Queue": {"ARN": f"{ref.CONNECT_INSTANCE}/queue/{queue.lower()}", "DequeueTimestamp": dequeue,
                  "Duration": wait, "EnqueueTimestamp": clock.iso_z(enqueue), "Name": queue},
        "Recording": None, "Recordings": None,
        "SystemEndpoint": None if chat else {"Address": ref.CONNECT_NUMBER, "Type": "TELEPHONE_NUMBER"},
        "TransferCompletedTimestamp": None, "TransferredToEndpoint": None,
    })
    record["_disconnect"] = disconnect
    record["_last_update"] = last_update
    return record


def _deliver(ctx: Context, rng: random.Random, p, ctr: dict) -> None:
    last_update = ctr.pop("_last_update")
    ctr.pop("_disconnect")
    if last_update >= END:
        return  # still in progress when the exports were pulled
    data = orjson.dumps(ctr)
    spool = ctx.spool("connect", DAY)
    spool.add(last_update, (p.pid, ctr["ContactId"], data, False))
    if rng.random() < 0.015:  # at-least-once delivery: Firehose retried the batch
        spool.add(min(END - 1, last_update + rng.randint(1, 900)), (p.pid, ctr["ContactId"], data, True))


def write_connect(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / CONNECT
    rng = random.Random(ctx.seed * 7 + 6)
    spool = ctx.spool("connect", DAY)
    every = 500
    first_pick = rng.randrange(max(1, min(spool.count, every)))
    seen = 0
    counts: dict[str, int] = {}
    for bucket in spool.buckets():
        day = bucket * DAY
        date = clock.date_text(day)
        year, month, dom = date.split("-")
        name = f"{year}/{month}/{dom}/northtrail-ctr-stream-1-{date}-00-00-00-{_contact_id(rng)}"
        parts, tail, broken = [], None, []
        for _, (pid, contact_id, data, duplicate) in spool.bucket_items(bucket):
            parts.append(data)
            if not duplicate:
                truth.add("amazon_connect", "contacts", contact_id, pid)
            hit = seen == first_pick or (seen > first_pick and rng.randrange(every) == 0)
            seen += 1
            if not hit:
                continue
            kind = rng.randrange(3)
            ctr = orjson.loads(data)
            if kind == 0 and tail is None:
                tail = data[: data.index(b'"Channel"')]  # cut off mid-record: a truncated object at the end
                broken.append(("truncated CTR", f"twin of {contact_id}"))
            elif kind == 1:
                ctr["ContactId"] = _contact_id(rng)
                del ctr["InitiationTimestamp"]
                parts.append(orjson.dumps(ctr))
                broken.append(("missing InitiationTimestamp", f"contact {ctr['ContactId']}"))
            else:
                del ctr["ContactId"]
                parts.append(orjson.dumps(ctr))
                broken.append(("missing ContactId", f"twin of {contact_id}"))
        if tail is not None:
            parts.append(tail)
        data = b"".join(parts)
        if day >= GZIP_FROM:
            name += ".gz"
            data = gzip.compress(data, compresslevel=6, mtime=0)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        counts[name] = len(parts)
        for defect, detail in broken:
            defects.add(CONNECT, "contacts", name, defect, detail)
    return counts
