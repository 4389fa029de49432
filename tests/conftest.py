"""Fixtures shared by every test layer."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
# Flags that let Debian's chromium start here: headless, as root, without reaching out to
# Google's services on a closed network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def chromium_launch() -> dict:
    """Playwright's launch options for Debian's chromium, installed when it is missing and we
    may (root with apt-get), so the README's test command works on a fresh machine;
    otherwise the test fails loudly, never skips."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True, capture_output=True, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM} and could not be installed here: run "
                    "`apt-get install -y chromium`. The browser tests need it and do not skip.")
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
