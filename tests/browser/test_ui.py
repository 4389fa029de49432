"""The Dagster UI as a data engineer meets it: `cxp ui` on demo exports, driven in Debian's chromium.

Opens the asset graph (grouped by layer), launches "Materialize all", waits for the run to
succeed, checks that every asset is materialized and every check passed, that the run was
published for analysts, that the sensor and the schedule are listed and can be switched
on (the sensor then starts a run by itself), and that stopping `cxp ui` stops every process
it started. Screenshots go to test-artifacts/browser/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DEMO_CUSTOMERS = 150
RUN_TIMEOUT_S = 420

pytestmark = pytest.mark.browser


@dataclass
class RunningUI:
    url: str
    process: subprocess.Popen
    log: Path
    warehouse: Path
    exports: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
        assert "errors" not in body, body
        return body["data"]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def dagster_group(self) -> int | None:
        """Process group of `dagster dev` (the child `cxp ui` started in a session of its own)."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # ppid
                return int(stat.parent.name)
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_exports(exports: Path, samples_dir: Path) -> None:
    """Demo exports when the generator is there; else the shared samples in their folders."""
    try:
        from pipelines.demo.generate import generate
    except ImportError:
        generate = None
    if generate is not None:
        generate(exports, customers=DEMO_CUSTOMERS, seed=11)
        return
    sys.path.insert(0, str(ROOT / "tests" / "ops"))
    from conftest import make_sample_exports  # tests/ops/conftest.py: sample file -> connector folder

    make_sample_exports(samples_dir, exports)


def _wait(condition, timeout: float, what: str, ui: RunningUI | None = None, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if ui is not None and ui.process.poll() is not None:
            pytest.fail(f"`cxp ui` exited with {ui.process.returncode} while waiting for {what}:\n{ui.log_tail()}")
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}" + (f":\n{ui.log_tail()}" if ui else ""))


@pytest.fixture(scope="module")
def ui(tmp_path_factory, samples_dir):
    root = tmp_path_factory.mktemp("ui")
    exports, warehouse = root / "exports", root / "warehouse"
    _make_exports(exports, samples_dir)
    port = _free_port()
    log = root / "cxp_ui.log"
    env = {**os.environ, "CXP_DAGSTER_HOME": str(root / "dagster_home")}  # never the developer's .dagster_home
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), "--exports", str(exports), "--warehouse", str(warehouse)],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    running = RunningUI(f"http://127.0.0.1:{port}", process, log, warehouse, exports)

    def location_loaded():
        try:
            entries = running.graphql("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }")
        except OSError:
            return False
        return [(e["name"], e["loadStatus"]) for e in entries["workspaceOrError"]["locationEntries"]] == [("cxp", "LOADED")]

    _wait(location_loaded, 240, "the webserver and the code location `cxp`", running)
    yield running
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    shutil.copy(log, ARTIFACTS / "cxp_ui.log") if ARTIFACTS.is_dir() else None


@pytest.fixture(scope="module")
def page(chromium_launch):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def _groups() -> dict[str, set[str]]:
    """Layer group -> asset names, as the Definitions declare them."""
    from pipelines.definitions import defs

    groups: dict[str, set[str]] = {}
    for node in defs.resolve_asset_graph().asset_nodes:
        groups.setdefault(node.group_name, set()).add(node.key.path[-1])
    return groups


def _skip_community_modal(page) -> None:
    """Dagster's first load asks to join its community; a data engineer clicks Skip."""
    page.locator("button", has_text="Materialize all").first.wait_for()  # the page is there
    skip = page.locator("button", has_text=re.compile(r"^Skip$"))
    try:
        skip.wait_for(timeout=10_000)
    except Exception:
        return  # not shown (already dismissed in this browser)
    skip.click()
    skip.wait_for(state="detached")


@pytest.fixture(autouse=True)
def screenshot_on_failure(request):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "page" in request.fixturenames:
        request.getfixturevalue("page").screenshot(path=ARTIFACTS / f"FAILED_{request.node.name}.png")


def test_materialize_all_from_the_asset_graph(ui, page):
    groups = _groups()
    assert {"raw", "staging", "identity", "core", "marts"} <= groups.keys()

    # The asset graph, collapsed into one box per layer.
    page.goto(f"{ui.url}/asset-groups")
    _skip_community_modal(page)
    for group in groups:
        page.get_by_text(group, exact=True).first.wait_for()
    page.wait_for_timeout(1_000)
    page.screenshot(path=ARTIFACTS / "01_asset_graph_by_layer.png")

    # Materialize all: a run is launched and the toast links to it.
    page.get_by_role("button", name="Materialize all").click()
    run_link = page.locator("a[href*='/runs/']").first
    run_link.wait_for()
    run_id = run_link.get_attribute("href").rsplit("/", 1)[1]
    page.goto(f"{ui.url}/runs/{run_id}")

    def finished():
        status = ui.graphql("query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})
        status = status["runOrError"]["status"]
        return status if status in ("SUCCESS", "FAILURE", "CANCELED") else None

    status = _wait(finished, RUN_TIMEOUT_S, f"run {run_id} to finish", ui, every=2)
    page.wait_for_timeout(2_000)
    page.screenshot(path=ARTIFACTS / "02_run.png")
    if status != "SUCCESS":
        failures = ui.graphql(
            """query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events {
                 __typename ... on ExecutionStepFailureEvent { stepKey error { message } } } } } }""",
            {"id": run_id},
        )["logsForRun"]["events"]
        detail = "\n".join(f"{e['stepKey']}: {e['error']['message'][:400]}" for e in failures if e.get("stepKey"))
        pytest.fail(f"run {run_id} ended {status}:\n{detail}")
    page.get_by_text("Success", exact=True).first.wait_for()

    # The publish sensor (daemon) swaps in the analysts' copy after the successful run.
    _wait(lambda: (ui.warehouse / "cx.duckdb").exists(), 90, "the published warehouse", ui)


def _node_texts(page) -> dict[str, str]:
    texts = page.locator("foreignObject").evaluate_all("nodes => nodes.map(n => n.textContent)")
    return {t.split("Latest event")[0].strip(): t for t in texts if "Latest event" in t}


def test_every_asset_is_materialized_and_every_check_passed(ui, page):
    page.set_viewport_size({"width": 3840, "height": 3000})  # large enough that every node of a layer renders
    try:
        for group, assets in _groups().items():
            page.goto(f'{ui.url}/asset-groups~group:"{group}"')

            def all_loaded():
                nodes = _node_texts(page)
                return nodes if set(nodes) >= assets and all("Loading" not in t for t in nodes.values()) else None

            nodes = _wait(all_loaded, 60, f"the {group} nodes to load")
            page.screenshot(path=ARTIFACTS / f"03_layer_{group}.png")
            for name in assets:
                text = nodes[name]
                assert "Materialized" in text and "Failed" not in text, f"{group}/{name}: {text}"
                checks = re.search(r"Asset checks\s*(?:(\d+) / (\d+) ([A-Z][a-z]+)|–|-)", text)
                assert checks, f"{group}/{name}: no asset checks row in {text!r}"
                if group in ("raw", "staging"):  # every raw and staging table has checks
                    assert checks.group(1), f"{group}/{name}: no checks shown in {text!r}"
                if checks.group(1):
                    passed, total, word = checks.groups()
                    assert (passed, word) == (total, "Passed"), f"{group}/{name}: checks {passed}/{total} {word}"
    finally:
        page.set_viewport_size({"width": 1600, "height": 1000})


def test_sensor_and_schedule_are_listed_and_switch_on(ui, page):
    from playwright.sync_api import expect

    page.goto(f"{ui.url}/automation")
    rows = {}
    for name in ("new_exports_sensor", "daily_refresh", "publish_warehouse"):
        label = page.get_by_text(name, exact=True)
        label.wait_for()
        rows[name] = label.locator("xpath=ancestor::*[.//input[@type='checkbox']][1]")

    def switch(name):  # the toggle at the end of the row (the first checkbox selects the row)
        return rows[name].locator("input[type=checkbox]").last

    expect(switch("publish_warehouse")).to_be_checked(timeout=30_000)  # toggles load after the rows
    for name in ("new_exports_sensor", "daily_refresh"):
        expect(switch(name)).not_to_be_checked(timeout=30_000)  # off until a data engineer turns it on
        switch(name).locator("xpath=..").click()  # the switch drawn by the checkbox's label
        expect(switch(name)).to_be_checked(timeout=30_000)
    page.reload()
    for name in ("new_exports_sensor", "daily_refresh", "publish_warehouse"):
        page.get_by_text(name, exact=True).wait_for()
        expect(switch(name)).to_be_checked(timeout=30_000)
    page.screenshot(path=ARTIFACTS / "04_automation.png")

    selector = {"repositoryLocationName": "cxp", "repositoryName": "__repository__"}
    sensor = ui.graphql(
        "query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { sensorState { status } } } }",
        {"s": {**selector, "sensorName": "new_exports_sensor"}},
    )["sensorOrError"]
    schedule = ui.graphql(
        "query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { ... on Schedule { scheduleState { status } } } }",
        {"s": {**selector, "scheduleName": "daily_refresh"}},
    )["scheduleOrError"]
    assert sensor["sensorState"]["status"] == "RUNNING" and schedule["scheduleState"]["status"] == "RUNNING"

    # Switched on, the sensor sees the export files (new to its empty cursor) and requests a run.
    def sensor_run():
        runs = ui.graphql(
            """{ runsOrError(filter: {tags: [{key: "cxp/trigger", value: "new_exports"}]}) {
                 ... on Runs { results { runId status } } } }"""
        )["runsOrError"]["results"]
        return runs or None

    _wait(sensor_run, 120, "the sensor to request a run", ui, every=3)


def test_stopping_cxp_ui_stops_every_process_it_started(ui):
    group = ui.dagster_group()
    assert group is not None, "`cxp ui` should be running `dagster dev` as its child"
    ui.process.send_signal(signal.SIGTERM)
    assert ui.process.wait(timeout=90) == 0, ui.log_tail()

    def group_gone():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        return False

    _wait(group_gone, 10, f"process group {group} (dagster dev, webserver, daemon, code server) to end")
