"""A person's visit, in headless Debian Chromium driven by Playwright: draw, upload, segment, browse.

Skips where Chromium or Playwright is absent; FASHSEG_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
Screenshots land in test-output/browser/.
"""

import os
import shutil
from pathlib import Path

import pytest
from conftest import CHECKPOINTS, ROOT

from fashseg.appserver import AppServer

CHROMIUM = os.environ.get("FASHSEG_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "browser"
EXAMPLES = ROOT / "examples"


def _browser_or_skip():
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Python playwright is not installed (pip install -r requirements-dev.txt)"
    if problem is None and not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problem = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if problem:
        if os.environ.get("FASHSEG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FASHSEG_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def page():
    sync_playwright = _browser_or_skip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with AppServer(CHECKPOINTS, log=SHOTS / "app.log") as app, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--no-first-run"],
        )
        pg = browser.new_page(viewport={"width": 1300, "height": 1000})
        pg.goto(app.url)
        pg.get_by_role("button", name="Classify drawing").wait_for(timeout=30_000)
        yield pg
        browser.close()


def _label_text(pg, nth=0):
    return pg.locator('[data-testid="label-output-value"]').nth(nth)


def test_draw_trousers_and_classify(page):
    page.get_by_role("button", name="Brush").click()
    box = page.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = 0.35 * min(box["width"], box["height"])  # stay inside the visible drawing square

    def stroke(x0, y0, x1, y1):
        page.mouse.move(cx + x0 * r, cy + y0 * r)
        page.mouse.down()
        page.mouse.move(cx + x1 * r, cy + y1 * r, steps=6)
        page.mouse.up()

    stroke(-0.45, -0.9, 0.45, -0.9)  # waistband
    for i in range(8):  # two solid legs with a gap between them
        t = i / 7
        stroke(-0.45 + 0.33 * t, -0.9, -0.55 + 0.35 * t, 0.95)
        stroke(0.45 - 0.33 * t, -0.9, 0.55 - 0.35 * t, 0.95)
    page.get_by_role("button", name="Classify drawing").click()
    # results also refresh after each stroke: wait for the settled answer
    page.wait_for_function(
        "() => { const e = document.querySelector('[data-testid=\"label-output-value\"]');"
        " return e && e.innerText.trim() === 'Trouser' && !document.querySelector('.progress-text, .eta-bar'); }",
        timeout=30_000,
    )
    page.screenshot(path=SHOTS / "1-draw.png", full_page=True)


def test_upload_a_photo_and_classify(page):
    page.get_by_role("tab", name="Upload").click()
    page.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"label-output-value\"]')].some(e => e.innerText.includes('Ankle boot'))",
        timeout=30_000,
    )
    page.screenshot(path=SHOTS / "2-upload.png", full_page=True)


def test_segment_a_building(page):
    page.get_by_role("tab", name="Segment a building").click()
    page.locator('#building input[type="file"]').set_input_files(str(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]))
    page.get_by_text("Share of the picture").wait_for(timeout=30_000)
    page.locator(".legend").wait_for(timeout=60_000)
    assert "window" in page.locator(".legend").inner_text()
    page.screenshot(path=SHOTS / "3-segment.png", full_page=True)


def test_insights_tab(page):
    page.get_by_role("tab", name="Model insights").click()
    page.get_by_text("Test accuracy", exact=False).first.wait_for(timeout=30_000)
    assert page.locator("img").count() > 20  # galleries and plots rendered
    page.screenshot(path=SHOTS / "4-insights.png", full_page=True)
    page.get_by_role("tab", name="Segmenter").click()
    page.get_by_text("Mean AP", exact=False).first.wait_for(timeout=30_000)
    page.screenshot(path=SHOTS / "5-insights-segmenter.png", full_page=True)
