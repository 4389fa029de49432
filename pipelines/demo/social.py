"""Public feedback: X (Twitter) API v2 search pages, Facebook Graph API comment pages and
Google Play Console monthly review reports.

X: pages of the brand-mention search, newest first, with ``includes.users``; ids are
snowflakes (time in the high bits), kept as strings. Facebook: one set of pages per post,
comments in time order; without the page token some comments come without ``from`` and a
few without ``id``. Google Play: ``reviews_<package>_YYYYMM.csv`` in UTF-16LE with a BOM;
a review updated in a later month appears in that month's file too. Reviews are anonymous.
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import string
from pathlib import Path

import orjson

from pipelines.demo import clock
from pipelines.demo import reference as ref
from pipelines.demo.clock import DAY, END, HOUR, START
from pipelines.demo.context import Context, Defects, Truth

TWITTER = "twitter"
FACEBOOK = "facebook"
GOOGLE_PLAY = "google_play"
TWEETS_PER_PAGE = 500
COMMENTS_PER_PAGE = 100
POST_EVERY = int(3.5 * DAY)  # the page posts twice a week; people comment on the latest post
TWITTER_EPOCH_MS = 1_288_834_974_657
_TOKEN = string.ascii_letters + string.digits


def _fill(rng: random.Random, templates: tuple[str, ...], order, force_order: bool = False) -> str:
    if force_order:
        usable = [t for t in templates if "{order}" in t]
    else:
        usable = [t for t in templates if "{order}" not in t] if order is None else list(templates)
    template = rng.choice(usable or templates)
    number = ""
    if order is not None:
        n = order.number
        number = rng.choice((f"#{n}", f"#{n}", f"{n}") if "order {order}" in template.lower() else (f"#{n}", f"order #{n}"))
    return template.format(order=number, days=rng.randint(3, 12))


# --- X / Twitter ------------------------------------------------------------------------------

def tweet(ctx: Context, rng: random.Random, p, when: int, mood: str, order, force_order: bool = False) -> str:
    """Spool one tweet by ``p``; returns its text (a support ticket may quote it)."""
    user_id, username, display = p.twitter
    text = _fill(rng, ref.TWEETS[mood], order, force_order)
    millis = when * 1000 + rng.randrange(1000)
    tweet_id = str(((millis - TWITTER_EPOCH_MS) << 22) | rng.getrandbits(22))
    body = {"id": tweet_id, "text": text, "author_id": user_id, "created_at": clock.iso_millis_z(millis),
            "conversation_id": tweet_id}
    mentions = []
    position = text.find("@northtrail")
    if position >= 0:
        mentions.append({"start": position, "end": position + 11, "username": ref.TWITTER_BRAND_USERNAME, "id": ref.TWITTER_BRAND_ID})
    if text.startswith("@northtrail"):
        body["in_reply_to_user_id"] = ref.TWITTER_BRAND_ID
    body.update({
        "lang": "en", "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {"retweet_count": rng.choices((0, 1, 3, 12), (80, 12, 6, 2))[0], "reply_count": int(rng.random() < 0.3),
                           "like_count": rng.choices((0, 2, 8, 41), (50, 30, 15, 5))[0], "quote_count": int(rng.random() < 0.05),
                           "bookmark_count": int(rng.random() < 0.1), "impression_count": rng.randint(20, 3000)},
    })
    if mentions:
        body["entities"] = {"mentions": mentions}
    user = orjson.dumps({"id": user_id, "name": display, "username": username})
    ctx.spool("tweets", DAY).add(when, (p.pid, tweet_id, orjson.dumps(body), user_id, user))
    return text


def write_twitter(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / TWITTER
    folder.mkdir(parents=True, exist_ok=True)
    spool = ctx.spool("tweets", DAY)
    rng = random.Random(ctx.seed * 7 + 7)
    pages = max(1, -(-spool.count // TWEETS_PER_PAGE))
    counts: dict[str, int] = {}
    chunk, chunk_number, seen = [], 0, 0
    for _, item in spool:
        chunk.append(item)
        seen += 1
        if len(chunk) == TWEETS_PER_PAGE or seen == spool.count:
            chunk_number += 1
            page_number = pages - chunk_number + 1  # the search API pages newest first
            name = f"search_all_page_{page_number:04d}.json"
            counts[name] = _write_tweet_page(folder / name, rng, chunk, truth, defects, name, page_number < pages)
            chunk = []
    return counts


def _write_tweet_page(path: Path, rng: random.Random, chunk: list, truth: Truth, defects: Defects, name: str, more: bool) -> int:
    tweets, users, user_ids = [], [], set()
    for pid, tweet_id, body, user_id, user in reversed(chunk):
        truth.add("twitter", "tweets", tweet_id, pid)
        tweets.append(body)
        if user_id not in user_ids:
            user_ids.add(user_id)
            users.append(user)
    twin = orjson.loads(tweets[rng.randrange(len(tweets))])
    twin_id = str(int(twin["id"]) + 1)
    if rng.random() < 0.5:
        twin["id"] = twin_id
        del twin["created_at"]
        defects.add(TWITTER, "tweets", name, "missing created_at", f"tweet {twin_id}")
    else:
        original = twin.pop("id")
        defects.add(TWITTER, "tweets", name, "missing id", f"twin of tweet {original}")
    tweets.insert(rng.randrange(len(tweets) + 1), orjson.dumps(twin))
    newest, oldest = orjson.loads(tweets[0]).get("id"), orjson.loads(tweets[-1]).get("id")
    meta = {"newest_id": newest, "oldest_id": oldest, "result_count": len(tweets)}
    if more:
        meta["next_token"] = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(32))
    path.write_bytes(b'{"data":[' + b",".join(tweets) + b'],"includes":{"users":[' + b",".join(users) + b']},"meta":'
                     + orjson.dumps(meta) + b"}")
    return len(tweets)


# --- Facebook ---------------------------------------------------------------------------------

def content_hash(*parts) -> str:
    """The id the Facebook connector gives a comment exported without one (connectors/facebook.py)."""
    return "hash:" + hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


def fb_comment(ctx: Context, rng: random.Random, p, when: int, mood: str, order, force_order: bool = False) -> str:
    """Spool one comment by ``p`` on the page's latest post; returns its text."""
    page_scoped_id, shown = p.facebook
    text = _fill(rng, ref.FB_COMMENTS[mood], order, force_order)
    comment = {}
    comment_id = f"{ref.FACEBOOK_PAGE_ID}_{rng.randint(10**14, 10**15 - 1)}"
    # The token's permissions decide what comes back: a few comments lack their id, more their author
    # (each at least once per group of people, so every demo has both).
    first_of_group = ("facebook comment",) not in ctx.shared
    ctx.shared[("facebook comment",)] = True
    if rng.random() >= 0.025 and not first_of_group:
        comment["id"] = comment_id
    created = clock.graph_time(when)
    comment["message"] = text
    comment["created_time"] = created
    with_author = rng.random() >= 0.15 and not (first_of_group and order is not None)
    if with_author:
        comment["from"] = {"id": page_scoped_id, "name": shown}
    comment["like_count"] = rng.choices((0, 1, 4, 17), (60, 25, 12, 3))[0]
    comment["comment_count"] = int(rng.random() < 0.2)
    if "id" not in comment:
        comment_id = content_hash(created, page_scoped_id if with_author else None, shown if with_author else None, text)
    # Without an author or an order number the comment carries nothing that could name its writer.
    person = p.pid if with_author or (order is not None and str(order.number) in text) else ""
    ctx.spool("comments", POST_EVERY).add(when - START, (person, comment_id, comment))
    return text


def write_facebook(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / FACEBOOK
    folder.mkdir(parents=True, exist_ok=True)
    spool = ctx.spool("comments", POST_EVERY)
    rng = random.Random(ctx.seed * 7 + 8)
    counts: dict[str, int] = {}
    broken_done = False
    for bucket in spool.buckets():
        post_id = f"{ref.FACEBOOK_PAGE_ID}_{5_550_001 + bucket}"
        items = spool.bucket_items(bucket)
        pages = [items[i:i + COMMENTS_PER_PAGE] for i in range(0, len(items), COMMENTS_PER_PAGE)]
        for n, page in enumerate(pages, start=1):
            comments = []
            for _, (person, comment_id, comment) in page:
                truth.add("facebook", "comments", comment_id, person)
                comments.append(comment)
            name = f"post_{post_id}_comments_{n:03d}.json"
            if not broken_done or rng.random() < 0.3:
                twin = dict(comments[rng.randrange(len(comments))])
                twin.pop("created_time")
                twin["id"] = f"{ref.FACEBOOK_PAGE_ID}_{rng.randint(10**14, 10**15 - 1)}"
                comments.insert(rng.randrange(len(comments) + 1), twin)
                defects.add(FACEBOOK, "comments", name, "missing created_time", f"comment {twin['id']}")
                broken_done = True
            document = {"data": comments, "paging": {"cursors": {"before": _cursor(rng), "after": _cursor(rng)}}}
            if n < len(pages):
                document["paging"]["next"] = f"https://graph.facebook.com/v21.0/{post_id}/comments?after={document['paging']['cursors']['after']}"
            (folder / name).write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
            counts[name] = len(comments)
    return counts


def _cursor(rng: random.Random) -> str:
    return "QVFIU" + "".join(rng.choice(_TOKEN) for _ in range(10))


# --- Google Play ------------------------------------------------------------------------------

PLAY_HEADER = ("Package Name", "App Version Code", "App Version Name", "Reviewer Language", "Device",
               "Review Submit Date and Time", "Review Submit Millis Since Epoch", "Review Last Update Date and Time",
               "Review Last Update Millis Since Epoch", "Star Rating", "Review Title", "Review Text",
               "Developer Reply Date and Time", "Developer Reply Millis Since Epoch", "Developer Reply Text", "Review Link")


def play_review(ctx: Context, rng: random.Random, p, device, when: int, stars: int) -> None:
    version = ref.APP_VERSIONS[0]
    for candidate in ref.APP_VERSIONS:
        if candidate[2] <= clock.date_text(when - rng.randint(0, 14) * DAY):
            version = candidate
    token = "".join(rng.choice(_TOKEN + "-_") for _ in range(86))
    review_id = f"gp:AOqpTO{token}"
    link = (f"https://play.google.com/console/developers/8164251220947151234/app/4974003257396182745/user-feedback/"
            f"review-details?reviewId=gp%3AAOqpTO{token}&corpus=PUBLIC_REVIEWS")
    text = rng.choice(ref.REVIEWS[stars])
    if rng.random() < 0.2:
        text += rng.choice(("\nPlease fix!", "\nOtherwise fine.", " Update: still broken.", " 👍"))
    language = ref.LANGUAGES[p.country] if rng.random() < 0.7 else "en"
    updated = when
    reply_at = reply_text = None
    if (stars <= 3 and rng.random() < 0.6) or (stars == 5 and rng.random() < 0.15):
        reply_at = when + rng.randint(6 * HOUR, 3 * DAY)
        reply_text = rng.choice(ref.DEVELOPER_REPLIES[:3] if stars <= 3 else ref.DEVELOPER_REPLIES[3:])
        if reply_at >= END:
            reply_at = reply_text = None
    if reply_at and rng.random() < 0.25:
        updated = reply_at + rng.randint(DAY, 10 * DAY)
        if updated < END:
            stars = min(5, stars + rng.randint(1, 3))
            text = rng.choice(ref.REVIEWS[stars])
        else:
            updated = when
    row = [ref.PLAY_PACKAGE, version[1] if rng.random() < 0.9 else "", version[0] if rng.random() < 0.9 else "", language,
           device.model[0] if device.platform == "Android" else "", clock.iso_z(when), str(when * 1000), clock.iso_z(updated),
           str(updated * 1000), str(stars), "", text, clock.iso_z(reply_at) if reply_at else "",
           str(reply_at * 1000) if reply_at else "", reply_text or "", link]
    months = sorted({clock.month_key(when), clock.month_key(updated)})
    ctx.spool("reviews", DAY).add(when, (review_id, row, months))


def write_google_play(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / GOOGLE_PLAY
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ctx.seed * 7 + 9)
    months = []
    day = START
    while day < END:
        if clock.month_key(day) not in months:
            months.append(clock.month_key(day))
        day += DAY
    # UTF-16 little-endian with a byte-order mark, as the Play Console writes it; a review updated in a
    # later month goes to that month's file too, so every month's file stays open.
    handles = {m: open(folder / _play_name(m), "w", encoding="utf-16-le", newline="") for m in months}
    writers = {m: csv.writer(handles[m], lineterminator="\r\n") for m in months}
    counts = {m: 0 for m in months}
    for month, w in writers.items():
        handles[month].write("\ufeff")
        w.writerow(PLAY_HEADER)
    spool = ctx.spool("reviews", DAY)
    every = 200
    first_pick = rng.randrange(max(1, min(spool.count, every)))
    for n, (_, (review_id, row, review_months)) in enumerate(spool):
        truth.add("google_play", "reviews", review_id, "")
        for month in review_months:
            writers[month].writerow(row)
            counts[month] += 1
        if n == first_pick or (n > first_pick and rng.randrange(every) == 0):
            month = review_months[0]
            twin = list(row)
            if rng.random() < 0.5:
                twin[9] = rng.choice(("0", "6", "7"))
                twin[15] = twin[15].replace("AOqpTO", "AOqpTX")
                defect = f"Star Rating {twin[9]} outside 1..5"
            else:
                twin.insert(12, "")
                defect = "wrong field count"
            writers[month].writerow(twin)
            counts[month] += 1
            defects.add(GOOGLE_PLAY, "reviews", _play_name(month), defect, f"twin of {review_id}")
    for handle in handles.values():
        handle.close()
    return {_play_name(m): counts[m] for m in months}


def _play_name(month: str) -> str:
    return f"reviews_{ref.PLAY_PACKAGE}_{month.replace('-', '')}.csv"

