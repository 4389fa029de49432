"""``cxp ui``: the Dagster webserver and daemon (``dagster dev``) on this project.

The instance lives in ``.dagster_home/`` at the project root (git ignores it), configured by
the repository's ``dagster.yaml``, which is copied there on every start so edits take effect,
with a workspace naming the code location ``cxp`` (``pipelines.definitions``).
``dagster dev`` forks a webserver, a daemon and code servers; it runs in a process group of
its own, and Ctrl-C or SIGTERM here stops the whole group: ``dagster dev`` is interrupted and
shuts its services down, and whatever is left in the group after that is killed.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pipelines.resources import DEFAULT_EXPORTS_DIR, DEFAULT_WAREHOUSE_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_CONFIG = PROJECT_ROOT / "dagster.yaml"
CODE_LOCATION = "cxp"
DEFINITIONS_MODULE = "pipelines.definitions"
# Tests point the instance elsewhere so they never touch a developer's run history.
DAGSTER_HOME_ENV = "CXP_DAGSTER_HOME"
STOP_GRACE_SECONDS = 30
ORPHAN_GRACE_SECONDS = 3


def dagster_home() -> Path:
    return Path(os.environ.get(DAGSTER_HOME_ENV) or PROJECT_ROOT / ".dagster_home").resolve()


def prepare_instance(home: Path) -> Path:
    """Copy the instance config in and write the workspace (the code location ``cxp``); returns the workspace file."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    workspace = home / "workspace.yaml"
    workspace.write_text(
        yaml.safe_dump(
            {
                "load_from": [
                    {
                        "python_module": {
                            "module_name": DEFINITIONS_MODULE,
                            "location_name": CODE_LOCATION,
                            "working_directory": str(PROJECT_ROOT),
                        }
                    }
                ]
            }
        )
    )
    return workspace


def ui_environment(home: Path, exports: Path, warehouse: Path) -> dict[str, str]:
    env = {**os.environ, "DAGSTER_HOME": str(home), "CXP_EXPORTS_DIR": str(exports), "CXP_WAREHOUSE_DIR": str(warehouse)}
    # Dagster's processes run in DAGSTER_HOME: a cxp.yaml in the caller's directory is passed on by path.
    if not env.get("CXP_CONFIG") and Path("cxp.yaml").is_file():
        env["CXP_CONFIG"] = str(Path("cxp.yaml").resolve())
    elif env.get("CXP_CONFIG"):
        env["CXP_CONFIG"] = str(Path(env["CXP_CONFIG"]).resolve())
    return env


def dagster_dev_command(workspace: Path, port: int, host: str) -> list[str]:
    return [sys.executable, "-m", "dagster", "dev", "--workspace", str(workspace), "--host", host, "--port", str(port)]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(process: subprocess.Popen, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """Interrupt ``dagster dev``, which stops the processes it started, then kill the group's stragglers.

    Once ``dagster dev`` itself has shut down, whatever is left in its group (a run worker
    caught mid-launch, a code server it was restarting) has nobody to stop it: killed after
    a short wait.
    """
    pgid = process.pid  # the leader of its own session: group id == pid
    if not _group_alive(pgid):
        process.wait()
        return
    # dagster dev shuts its webserver, daemon and code servers down itself when interrupted; an
    # interrupt sent to all of them at once races it (it restarts a code server that exited).
    process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    orphans_deadline = min(deadline, time.monotonic() + ORPHAN_GRACE_SECONDS)
    while time.monotonic() < orphans_deadline and _group_alive(pgid):
        time.sleep(0.2)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def start_ui(port: int = 3000, host: str = "127.0.0.1", exports_dir: str | None = None, warehouse_dir: str | None = None) -> int:
    exports = Path(exports_dir or os.environ.get("CXP_EXPORTS_DIR") or DEFAULT_EXPORTS_DIR).resolve()
    warehouse = Path(warehouse_dir or os.environ.get("CXP_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR).resolve()
    home = dagster_home()
    workspace = prepare_instance(home)
    shown_host = "localhost" if host in ("0.0.0.0", "::") else host
    print(f"cxp UI: http://{shown_host}:{port}  (Dagster webserver and daemon; Ctrl-C stops both)")
    print(f"  exports:   {exports}{'' if exports.is_dir() else '  (does not exist yet: runs will load nothing)'}")
    print(f"  warehouse: {warehouse}  (published after each successful run as {warehouse / 'cx.duckdb'})")
    print(f"  instance:  {home}  (configured by {INSTANCE_CONFIG.name})", flush=True)

    def on_stop_signal(signum, frame):
        raise KeyboardInterrupt

    # Installed before starting dagster dev, explicitly: a shell starting `cxp ui` in the
    # background leaves SIGINT ignored, and an ignored signal stays ignored in children, so
    # Dagster's processes would not stop on it. A handled one is reset to default at exec.
    previous = {sig: signal.signal(sig, on_stop_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    process = None
    try:
        process = subprocess.Popen(
            dagster_dev_command(workspace, port, host), cwd=home, env=ui_environment(home, exports, warehouse),
            start_new_session=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        print("\nStopping the Dagster UI ...", flush=True)
        return 0
    finally:
        if process is not None:
            stop_group(process)  # also reaps workers left behind when dagster dev itself died
        for sig, handler in previous.items():
            signal.signal(sig, handler)
