"""The explorer in a real browser: ``simulate explore`` serves it, headless Chromium drives it.

Needs the viz extra, selenium, and Debian's ``chromium`` and ``chromium-driver``
(``.ci/run`` installs them, so in CI this test never skips: with ``CI`` set a missing
piece fails it). No browser is downloaded: selenium is pointed at /usr/bin/chromedriver.

Set ``ALLIANCE_SIM_SCREENSHOTS=docs/figures`` to keep the screenshots (the README's
figure is made so: ``python scripts/explore_screenshot.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import BASE, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Without the background-networking flags Chromium's own connections are refused on a closed network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1500,2300",
]
#: The ROK–JPN panel's mean trace (first panel, axis "x") as the browser holds it.
ENVELOPE = """
const plot = document.querySelector('.explore-envelopes .js-plotly-plot');
if (!plot || !plot.data) return null;
const mean = plot.data.find(t => t.name && t.name.endsWith(': mean') && (t.xaxis || 'x') === 'x');
return mean ? Array.from(mean.y) : null;
"""
COMPARISON = """
const plot = document.querySelector('.explore-comparison .js-plotly-plot');
return plot && plot.data && plot.data.length ? Array.from(plot.data[0].y) : null;
"""
STATUS = "const s = document.querySelector('.explore-status'); return s ? s.innerText : null;"


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    for module in ("selenium", "solara", "plotly"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[dev,viz]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (apt-get install -y chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """``simulate explore scenarios/base.yaml`` on a free port; yields its URL."""
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    log = tmp_path_factory.mktemp("explorer") / "server.log"
    simulate = Path(sys.executable).with_name("simulate")
    command = [str(simulate)] if simulate.exists() else [sys.executable, "-m", "alliance_sim.cli"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "explore", str(BASE), "--port", "0"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the Solara server it starts is stopped with it
        )
    try:
        url, started = None, time.monotonic()
        while time.monotonic() - started < 240:
            if server.poll() is not None:
                pytest.fail(f"simulate explore exited with {server.returncode}:\n{log.read_text()}")
            if url is None:
                line = next((w for w in log.read_text().split() if w.startswith("http://127.0.0.1:")), None)
                url = line
            if url:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail(f"the explorer did not answer within 240 s:\n{log.read_text()}")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if missing():
        pytest.skip(missing())
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must never fetch a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def wait_for(driver, script: str, until, timeout: float, poll: float = 0.02):
    """Poll ``script`` in the page until ``until(value)``; return the value and the seconds waited."""
    started = time.monotonic()
    while True:
        value = driver.execute_script(script)
        if value is not None and until(value):
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            return value, None
        time.sleep(poll)


def keep(path: Path, name: str) -> None:
    folder = os.environ.get("ALLIANCE_SIM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)


def test_slider_move_updates_the_plot_data(explorer, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(explorer)
    before, waited = wait_for(browser, ENVELOPE, lambda y: len(y) == 60, timeout=150, poll=0.5)
    if waited is None:  # a first page load on a loaded machine can stall: load it once more
        browser.refresh()
        before, waited = wait_for(browser, ENVELOPE, lambda y: len(y) == 60, timeout=150, poll=0.5)
    assert waited is not None, f"the envelope plot never showed 60 months of data (got {before!r})"
    status = browser.execute_script(STATUS)
    assert "base" in status and "1,000 futures × 60 months" in status and "Changed: none" in status
    browser.save_screenshot(str(tmp_path / "explore_loaded.png"))

    thumb = browser.find_element(By.CSS_SELECTOR, ".slider-parameters-cha-grievance [role=slider]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", thumb)
    latencies = []
    for _ in range(5):  # each key press moves the slider one step (0.01) and reruns R = 1,000
        thumb.send_keys(Keys.ARROW_RIGHT)
        after, seconds = wait_for(browser, ENVELOPE, lambda y, old=before: y != old, timeout=60)
        assert seconds is not None, "the plot's data did not change within 60 s of the slider move"
        latencies.append(seconds)
        # more grievance, less ROK–JPN cooperation at the horizon: the new data is the model's answer
        assert after[-1] < before[-1]
        before = after
    status = browser.execute_script(STATUS)
    assert "parameters.cha.grievance=0.65" in status, status
    # a bigger move for the picture: PageUp jumps the slider by several steps
    for _ in range(3):
        thumb.send_keys(Keys.PAGE_UP)
        before, _ = wait_for(browser, ENVELOPE, lambda y, old=before: y != old, timeout=60)
    # the paired side-by-side: choose a second scenario in the "compare with" menu
    select = browser.find_element(
        By.XPATH, "//label[contains(., 'compare with')]/ancestor::div[contains(@class, 'v-select__slot')][1]"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", select)
    select.click()
    option = wait_for(
        browser,
        "return Array.from(document.querySelectorAll('.v-menu__content .v-list-item'))"
        ".find(e => e.innerText.trim() === 'political_transition') || null",
        lambda e: True,
        timeout=30,
    )[0]
    option.click()
    rows, seconds = wait_for(browser, COMPARISON, lambda y: "rupture" in y, timeout=90)
    assert seconds is not None, f"the comparison plot did not appear (got {rows!r})"
    status = browser.execute_script(STATUS)
    assert "vs political_transition" in status, status
    browser.execute_script("window.scrollTo(0, 0)")
    time.sleep(1)
    shot = tmp_path / "explore.png"
    browser.save_screenshot(str(shot))
    keep(shot, "explore.png")
    report = {"latency_seconds": latencies, "median": sorted(latencies)[len(latencies) // 2], "load": os.getloadavg()}
    (tmp_path / "latency.json").write_text(json.dumps(report, indent=1))
    keep(tmp_path / "latency.json", "explore_latency.json")
    print(f"slider move -> updated plot at R = 1,000: {', '.join(f'{s:.2f}' for s in latencies)} s")
