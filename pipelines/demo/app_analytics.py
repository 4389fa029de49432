"""App analytics exports: Amplitude until app 4.1.0 (August 2024) moved to Mixpanel, Mixpanel after.

Amplitude: one zip per monthly Export API pull, each starting a day before its month
(so the last day's events reappear in the next pull), holding
``<projectId>/<projectId>_YYYY-MM-DD_H#0.json.gz`` per hour of upload time; offline
events arrive late and land in a later hour's file. Mixpanel: one raw export per month,
JSON lines (gzipped from October), with the duplicates its ingestion lets through.
"""
from __future__ import annotations

import gzip
import random
import zipfile
import zlib
from pathlib import Path

import orjson

from pipelines.demo import clock
from pipelines.demo import reference as ref
from pipelines.demo.clock import DAY, END, HOUR
from pipelines.demo.context import Context, Defects, Truth

SDK_SWITCH_VERSION = "4.1.0"  # the release that replaced the Amplitude SDK with Mixpanel's
EXPORT_AT = (2024, 12, 1, 6, 0, 0)  # zip member times: when the pulls were made (fixed, for identical bytes)
AMPLITUDE_NAMES = {"app_open": "app_open", "product_list_viewed": "product_list_viewed", "product_viewed": "product_viewed",
                   "search": "search", "wishlist_added": "wishlist_added", "add_to_cart": "add_to_cart",
                   "checkout_started": "checkout_started", "checkout_failed": "checkout_failed",
                   "checkout_completed": "checkout_completed", "order_status_viewed": "order_status_viewed",
                   "sign_in": "sign_in"}
MIXPANEL_NAMES = {"app_open": "App Open", "product_list_viewed": "Product List Viewed", "product_viewed": "Product Viewed",
                  "search": "Products Searched", "wishlist_added": "Product Added to Wishlist", "add_to_cart": "Product Added",
                  "checkout_started": "Checkout Started", "checkout_failed": "Checkout Failed",
                  "checkout_completed": "Order Completed", "order_status_viewed": "Order Status Viewed", "sign_in": "Signed In"}
AMPLITUDE = "amplitude"
MIXPANEL = "mixpanel"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _app_version(moment: int, lag: int) -> tuple[str, str, str]:
    """The newest release a device had installed at ``moment`` (devices update ``lag`` days late)."""
    day = clock.date_text(moment - lag * DAY)
    current = ref.APP_VERSIONS[0]
    for version in ref.APP_VERSIONS:
        if version[2] <= day:
            current = version
    return current


def add_session(ctx: Context, rng: random.Random, p, device, events: list[tuple[int, str, dict, str | None]]) -> None:
    """Spool one app session: (epoch ms, event, properties, shop customer id once signed in) per event.

    App 4.1.0 swapped the Amplitude SDK for Mixpanel's, so where a session goes depends on the
    version the device had installed then: for a few weeks both tools receive events.
    """
    session_ms = events[0][0]
    version, build, _ = _app_version(session_ms // 1000, rng.randint(0, 21))
    if version >= SDK_SWITCH_VERSION:
        _mixpanel_session(ctx, rng, p, device, events, version, build)
    else:
        _amplitude_session(ctx, rng, p, device, events, session_ms, version)


def _amplitude_session(ctx, rng, p, device, events, session_ms, version) -> None:
    spool = ctx.spool("amplitude", DAY)
    ios = device.platform == "iOS"
    model = device.model
    late = rng.random() < 0.03  # the phone was offline: the whole session uploads hours or days later
    delay = rng.randint(2 * HOUR, 3 * DAY) * 1000 if late else rng.randint(800, 9_000)
    upload_ms = events[-1][0] + delay
    if upload_ms >= END * 1000:
        return  # not uploaded before the export: it is not in any file
    email = p.email if rng.random() < 0.5 else None
    upload_text = clock.amplitude_time(upload_ms)
    upload_s = upload_ms // 1000
    # Fields fixed for the session, in the export's (alphabetical) key order; per-event ones filled below.
    template = {
        "$insert_id": None, "$schema": 12,
        "adid": None if ios else f"{rng.getrandbits(32):08x}-2222-4a4a-9b9b-{device.amplitude_id[-12:]}",
        "amplitude_attribution_ids": None, "amplitude_event_type": None,
        "amplitude_id": 500_000_000_000 + zlib.crc32(device.amplitude_id.encode()) * 97 % 99_999_999_999,
        "app": int(ref.AMPLITUDE_PROJECT), "city": p.city, "client_event_time": None,
        "client_upload_time": clock.amplitude_time(upload_ms - 300), "country": ref.COUNTRY_NAMES[p.country],
        "data": {}, "device_brand": None if ios else model[3], "device_carrier": rng.choice(ref.CARRIERS[p.country]),
        "device_family": ("Apple iPad" if model[0].startswith("iPad") else "Apple iPhone") if ios else f"{model[2]} Phone", "device_id": device.amplitude_id,
        "device_manufacturer": "Apple" if ios else model[2], "device_model": model[0] if ios else model[1],
        "device_type": model[1] if ios else f"{model[2]} {model[1]}", "dma": None, "event_id": None,
        "event_properties": None, "event_time": None, "event_type": None, "group_properties": {}, "groups": {}, "idfa": None,
    }
    if ios:
        template["idfv"] = device.amplitude_id
    template.update({
        "ip_address": f"203.0.113.{rng.randint(1, 254)}" if rng.random() < 0.5 else f"198.51.100.{rng.randint(1, 254)}",
        "is_attribution_event": False, "language": "English",
        "library": "amplitude-swift/1.9.2" if ios else "amplitude-android-kotlin/1.16.7", "location_lat": None,
        "location_lng": None, "os_name": "ios" if ios else "android", "os_version": device.os_version, "paying": None,
        "platform": device.platform, "processed_time": clock.amplitude_time(upload_ms + 2_100),
        "region": p.province_name or p.city, "sample_rate": None,
        "server_received_time": clock.amplitude_time(upload_ms - 12), "server_upload_time": upload_text,
        "session_id": session_ms, "start_version": "4.0.0", "user_creation_time": clock.amplitude_time(session_ms),
        "user_id": None, "user_properties": None, "uuid": None, "version_name": version,
    })
    anonymous_props: dict = {}
    signed_in_props = {"email": email, "plan": "member"} if email else {"plan": "member"}
    for n, (ms, name, props, customer_id) in enumerate(events):
        event = dict(template)
        insert_id = _uuid(rng)
        event["$insert_id"] = insert_id
        event["client_event_time"] = event["event_time"] = clock.amplitude_time(ms)
        event["event_id"] = n + 1
        event["event_properties"] = props
        event["event_type"] = AMPLITUDE_NAMES[name]
        if customer_id:
            event["user_id"] = f"cust_{customer_id}"
            event["user_properties"] = signed_in_props
        else:
            event["user_properties"] = anonymous_props
        event["uuid"] = _uuid(rng)
        line = orjson.dumps(event)
        spool.add(upload_s, (p.pid, insert_id, line, False))
        if rng.random() < 0.004:  # the SDK retried: the same event uploaded again an hour later
            spool.add(upload_s + HOUR + rng.randint(0, 600), (p.pid, insert_id, line, True))


def _mixpanel_session(ctx, rng, p, device, events, version, build) -> None:
    spool = ctx.spool("mixpanel", DAY)
    ios = device.platform == "iOS"
    model = device.model
    email = p.email if rng.random() < 0.25 else None
    last_ms = events[-1][0]
    events = list(events)
    length = (last_ms - events[0][0]) / 1000 + 3.4
    events.append((last_ms + rng.randint(2_000, 30_000), "$ae_session", {"$ae_session_length": f"{length:.1f}"}, events[-1][3]))
    device_only = f"$device:{device.mixpanel_id}"
    common = {
        "$os": device.platform, "$os_version": device.os_version, "$app_version_string": version, "$app_build_number": build,
        "$model": model[0] if ios else model[1], "$manufacturer": "Apple" if ios else model[2],
        "$carrier": rng.choice(ref.CARRIERS[p.country]), "$city": p.city, "$region": p.province_name or p.city,
        "mp_country_code": p.country, "mp_lib": "swift" if ios else "android", "$lib_version": "4.3.0" if ios else "7.5.2",
        "$mp_api_endpoint": "api.mixpanel.com",
    }
    for ms, name, props, customer_id in events:
        if ms >= END * 1000:
            continue
        seconds = ms // 1000
        # iOS sent the shop's customer id bare; the Android app kept the cust_ prefix.
        user_id = (customer_id if ios else f"cust_{customer_id}") if customer_id else None
        insert_id = f"{rng.getrandbits(64):016x}"
        if user_id:
            properties = {"time": seconds, "distinct_id": user_id, "$device_id": device.mixpanel_id, "$user_id": user_id,
                          "$insert_id": insert_id}
        else:
            properties = {"time": seconds, "distinct_id": device_only, "$device_id": device.mixpanel_id, "$insert_id": insert_id}
        properties.update(common)
        properties["$mp_api_timestamp_ms"] = ms + 300 + int(rng.random() * 5_700)
        properties["mp_processing_time_ms"] = ms + 6_000 + int(rng.random() * 3_000)
        if email and customer_id:
            properties["email"] = email
        properties.update(props)
        mixpanel_name = MIXPANEL_NAMES.get(name, name)
        spool.add(seconds, (p.pid, insert_id, orjson.dumps({"event": mixpanel_name, "properties": properties}), False))
        if rng.random() < 0.005:  # delivered twice; only the processing time differs
            properties["mp_processing_time_ms"] += rng.randint(1_000, 90_000)
            spool.add(seconds, (p.pid, insert_id, orjson.dumps({"event": mixpanel_name, "properties": properties}), True))


# --- writers ----------------------------------------------------------------------------------

def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EXPORT_AT)
    info.compress_type = zipfile.ZIP_STORED  # members are gzip already
    info.external_attr = 0o644 << 16
    return info


class _Corrupter:
    """Chooses which records get a broken twin, about one in ``every``, at least one per export."""

    def __init__(self, rng: random.Random, total: int, every: int):
        self.rng = rng
        self.every = every
        self.first = rng.randrange(max(1, min(total, every)))
        self.seen = 0

    def pick(self) -> bool:
        hit = self.seen == self.first or (self.seen > self.first and self.rng.randrange(self.every) == 0)
        self.seen += 1
        return hit


def write_amplitude(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / AMPLITUDE
    folder.mkdir(parents=True, exist_ok=True)
    spool = ctx.spool("amplitude", DAY)
    rng = random.Random(ctx.seed * 7 + 3)
    corrupter = _Corrupter(rng, spool.count, 400)
    project = ref.AMPLITUDE_PROJECT
    counts: dict[str, int] = {}
    archive, archive_name, carried = None, "", []

    def open_month(month: str):
        nonlocal archive, archive_name
        if archive is not None:
            archive.close()
        archive_name = f"{project}_{month}.zip"
        archive = zipfile.ZipFile(folder / archive_name, "w")
        counts[archive_name] = 0

    def put(members):
        for member_name, data, lines, broken in members:
            archive.writestr(_zip_info(member_name), data)
            counts[archive_name] += lines
            for defect, detail in broken:
                defects.add(AMPLITUDE, "events", archive_name, defect, f"{member_name}: {detail}")

    for bucket in spool.buckets():
        day_start = bucket * DAY
        month = clock.month_key(day_start)
        if archive is None or not archive_name.endswith(f"_{month}.zip"):
            open_month(month)
            put(carried)  # the previous month's last day: this pull's window starts a day early
            carried = []
        hours: dict[int, list[bytes]] = {}
        broken_by_hour: dict[int, list] = {}
        for upload_s, (pid, insert_id, line, duplicate) in spool.bucket_items(bucket):
            hour = (upload_s % DAY) // HOUR
            hours.setdefault(hour, []).append(line)
            if not duplicate:
                truth.add("amplitude", "events", insert_id, pid)
            if corrupter.pick():
                broken_line, defect = _broken_amplitude(rng, line)
                hours[hour].append(broken_line)
                broken_by_hour.setdefault(hour, []).append((defect, f"twin of {insert_id}"))
        date = clock.date_text(day_start)
        members = []
        for hour in sorted(hours):
            data = gzip.compress(b"\n".join(hours[hour]) + b"\n", compresslevel=6, mtime=0)
            members.append((f"{project}/{project}_{date}_{hour}#0.json.gz", data, len(hours[hour]), broken_by_hour.get(hour, [])))
        put(members)
        if clock.month_key(day_start + DAY) != month:
            carried = members
    if archive is not None:
        archive.close()
    return counts


def _broken_amplitude(rng: random.Random, line: bytes) -> tuple[bytes, str]:
    kind = rng.randrange(3)
    if kind == 0:
        return line[: len(line) * 3 // 5], "broken JSON line"
    event = orjson.loads(line)
    event["$insert_id"], event["uuid"] = _uuid(rng), _uuid(rng)
    if kind == 1:
        event["event_time"] = None
        return orjson.dumps(event), "missing event_time"
    del event["$insert_id"]
    del event["uuid"]
    return orjson.dumps(event), "missing $insert_id and uuid"


def write_mixpanel(ctx: Context, out: Path, truth: Truth, defects: Defects) -> dict[str, int]:
    folder = out / MIXPANEL
    folder.mkdir(parents=True, exist_ok=True)
    spool = ctx.spool("mixpanel", DAY)
    rng = random.Random(ctx.seed * 7 + 4)
    corrupter = _Corrupter(rng, spool.count, 400)
    counts: dict[str, int] = {}
    raw = handle = None
    name, month = "", ""
    for bucket in spool.buckets():
        day_month = clock.month_key(bucket * DAY)
        if day_month != month:
            _close(handle, raw)
            month = day_month
            compressed = month >= "2024-10"
            name = f"export_{month}.jsonl" + (".gz" if compressed else "")
            raw = open(folder / name, "wb")
            handle = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compressed else raw
            counts[name] = 0
        lines = []
        for _, (pid, insert_id, line, duplicate) in spool.bucket_items(bucket):
            lines.append(line)
            if not duplicate:
                truth.add("mixpanel", "events", insert_id, pid)
            if corrupter.pick():
                broken, defect = _broken_mixpanel(rng, line)
                lines.append(broken)
                defects.add(MIXPANEL, "events", name, defect, f"twin of {insert_id}")
        handle.write(b"\n".join(lines) + b"\n")
        counts[name] += len(lines)
    _close(handle, raw)
    return counts


def _close(handle, raw) -> None:
    if handle is not None and handle is not raw:
        handle.close()
    if raw is not None:
        raw.close()


def _broken_mixpanel(rng: random.Random, line: bytes) -> tuple[bytes, str]:
    kind = rng.randrange(3)
    if kind == 0:
        return line[: len(line) // 2], "broken JSON line"
    event = orjson.loads(line)
    event["properties"]["$insert_id"] = f"{rng.getrandbits(64):016x}"
    if kind == 1:
        del event["properties"]["time"]
        return orjson.dumps(event), "missing time"
    del event["properties"]["$insert_id"]
    return orjson.dumps(event), "missing $insert_id"
