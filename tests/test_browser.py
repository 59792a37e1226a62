"""A person's visit, in headless Debian Chromium driven by Playwright: draw, upload, segment, browse.

Skips where Chromium or Playwright is absent; FASHSEG_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
Screenshots of every tab, at desktop and phone sizes, light and dark, land in test-output/browser/.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import CHECKPOINTS, ROOT
from PIL import Image

from tools.appserver import AppServer

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("FASHSEG_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "browser"
EXAMPLES = ROOT / "examples"
DESKTOP, PHONE = (1440, 900), (390, 844)
LABEL = '[data-testid="label-output-value"]'


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
def site():
    sync_playwright = _browser_or_skip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with AppServer(CHECKPOINTS, log=SHOTS / "app.log") as app, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield app, browser
        browser.close()
    assert "Traceback" not in (SHOTS / "app.log").read_text(errors="replace")


def open_page(site, size=DESKTOP, dark=False):
    app, browser = site
    pg = browser.new_page(viewport={"width": size[0], "height": size[1]})
    pg.app_log = app.log
    pg.joins = []  # the events this page sent to the server
    pg.on("request", lambda r: pg.joins.append(json.loads(r.post_data or "{}")) if "queue/join" in r.url else None)
    pg.on("crash", lambda _: setattr(pg, "crashed", True))
    pg.goto(app.url + ("?__theme=dark" if dark else ""))
    canvas_ready(pg)
    return pg


def canvas_ready(pg) -> dict:
    """Wait until the page is idle (the load events answered), the canvas listens (its script ran) and nothing covers it."""
    wait_until(
        pg,
        "() => { const c = document.querySelector('#canvas canvas'); if (!c || c.dataset.ready !== 'true') return false;"
        " const r = c.getBoundingClientRect(); return r.width > 0 && !document.querySelector('.progress-text, .eta-bar')"
        " && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === c; }",
        "the canvas ready to draw on",
    )
    return pg.locator("#canvas canvas").first.bounding_box()


def wait_until(pg, js: str, what: str, arg=None, timeout: int = 30_000) -> None:
    """``pg.wait_for_function``, failing with what the page showed and a screenshot instead of a bare timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.wait_for_function(js, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        shot = SHOTS / f"FAILED-{len(list(SHOTS.glob('FAILED-*')))}.png"
        pg.screenshot(path=shot, full_page=True)
        pytest.fail(f"no {what} within {timeout / 1000:.0f} s; the page: {page_state(pg)}; screenshot {shot}")


def page_state(pg) -> str:
    """What the page shows, for a failure message: the answer, the canvas, toasts, events sent, the server's last words."""
    state = pg.evaluate(
        """() => { const q = s => document.querySelector(s); const c = q('#canvas canvas');
        return {label: q('[data-testid="label-output-value"]')?.innerText ?? null, note: q('#note')?.innerText?.slice(0, 200) ?? null,
                busy: [...document.querySelectorAll('.progress-text, .eta-bar')].map(e => e.closest('[id]')?.id ?? '?'), hint_shown: q('#canvas .hint') ? !q('#canvas .hint').hidden : null,
                canvas_ready: c?.dataset.ready ?? null}; }"""
    )
    state |= {
        "toasts": pg.locator(".toast-body").all_inner_texts(),
        "events_sent": len(getattr(pg, "joins", [])),
        "crashed": getattr(pg, "crashed", False),
    }
    log = Path(pg.app_log).read_text(errors="replace").strip().splitlines()[-5:] if getattr(pg, "app_log", None) else []
    return f"{state}; server log tail: {log}"


def error_toasts(pg) -> list[str]:
    return pg.locator(".toast-body.error").all_inner_texts()


def close_toast(pg) -> None:
    """Close the error toast and wait for it to go: it fades out for about 0.3 s, and a check for a second
    toast made meanwhile would count the closing one."""
    pg.locator(".toast-body .toast-close").first.click()
    wait_until(pg, "() => !document.querySelector('.toast-body.error')", "the closed toast gone")


def draw_trousers(pg):
    box = canvas_ready(pg)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = 0.35 * min(box["width"], box["height"])  # stay inside the visible drawing square

    def stroke(x0, y0, x1, y1):
        pg.mouse.move(cx + x0 * r, cy + y0 * r)
        pg.mouse.down()
        pg.mouse.move(cx + x1 * r, cy + y1 * r, steps=6)
        pg.mouse.up()

    stroke(-0.45, -0.9, 0.45, -0.9)  # waistband
    for i in range(8):  # two solid legs with a gap between them
        t = i / 7
        stroke(-0.45 + 0.33 * t, -0.9, -0.55 + 0.35 * t, 0.95)
        stroke(0.45 - 0.33 * t, -0.9, 0.55 - 0.35 * t, 0.95)


def wait_for_label(pg, text, timeout=30_000):
    wait_until(
        pg,
        "t => { const e = document.querySelector('[data-testid=\"label-output-value\"]');"
        " return e && e.innerText.trim() === t && !document.querySelector('.progress-text, .eta-bar'); }",
        f"answer {text!r}",
        arg=text,
        timeout=timeout,
    )


def test_one_stroke_is_answered(site):
    """A garment drawn in one stroke is answered (Gradio's sketchpad once sent it in a form that read as an empty canvas)."""
    pg = open_page(site)
    box = canvas_ready(pg)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = 0.35 * min(box["width"], box["height"])
    outline = [
        (-0.6, -0.8),
        (0, -0.6),
        (0.6, -0.8),
        (0.9, -0.3),
        (0.5, -0.1),
        (0.5, 0.9),
        (-0.5, 0.9),
        (-0.5, -0.1),
        (-0.9, -0.3),
        (-0.6, -0.8),
    ]
    pg.mouse.move(cx + outline[0][0] * r, cy + outline[0][1] * r)
    pg.mouse.down()
    for x, y in outline[1:]:
        pg.mouse.move(cx + x * r, cy + y * r, steps=8)
    pg.mouse.up()
    wait_for_label(pg, "T-shirt/top")
    assert not error_toasts(pg)
    assert pg.locator("#heat-key .bar").bounding_box()["width"] >= 60  # the heat map's colour key is shown beside it
    pg.keyboard.press("Control+z")  # undo the one stroke: the canvas is empty and the answer goes
    no_label(pg)


def no_label(pg):
    wait_until(pg, "() => !document.querySelector('[data-testid=\"label-output-value\"]')", "empty answer")


def test_a_stroke_keeps_the_positions_a_busy_page_coalesced(site):
    """A busy page hands several pointer positions to one pointermove; the corner among them is drawn, not cut."""
    pg = open_page(site)
    box = canvas_ready(pg)
    pg.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    pg.mouse.down()
    ink = pg.evaluate(
        """() => { const c = document.querySelector('#canvas canvas'), r = c.getBoundingClientRect();
        const ev = (fx, fy) => new PointerEvent('pointermove', {clientX: r.left + fx * r.width, clientY: r.top + fy * r.height,
                                                                pointerId: 1, pointerType: 'mouse', bubbles: true});
        const corner = ev(0.2, 0.8), end = ev(0.8, 0.8);  // an L: down, then right, both inside one event
        c.dispatchEvent(new PointerEvent('pointermove', {clientX: end.clientX, clientY: end.clientY, pointerId: 1,
                                                         pointerType: 'mouse', bubbles: true, coalescedEvents: [corner, end]}));
        const px = (fx, fy) => c.getContext('2d').getImageData(fx * c.width, fy * c.height, 1, 1).data[0];
        return {corner: px(0.2, 0.8), shortcut: px(0.5, 0.5)}; }"""
    )
    pg.mouse.up()
    assert ink == {"corner": 0, "shortcut": 255}, ink  # black at the corner, white on the diagonal a cut corner would draw
    pg.close()


def test_a_fresh_canvas_draws_at_once_and_again_after_clear_and_undo(site):
    pg = open_page(site)
    draw_trousers(pg)  # no tool picked first: the pen is ready
    wait_for_label(pg, "Trouser")
    pg.screenshot(path=SHOTS / "clothing-drawn-desktop-light.png", full_page=True)
    pg.get_by_role("button", name="Clear canvas").click()
    no_label(pg)
    pg.get_by_role("button", name="Undo", exact=True).click()  # Clear can be undone: the trousers are back
    wait_for_label(pg, "Trouser")
    pg.get_by_role("button", name="Clear canvas").click()
    no_label(pg)
    draw_trousers(pg)  # Clear leaves the pen ready
    wait_for_label(pg, "Trouser")
    pg.get_by_role("button", name="Eraser").click()
    box = pg.locator("#canvas canvas").bounding_box()
    pg.mouse.move(box["x"] + 5, box["y"] + 5)
    pg.mouse.down()
    pg.mouse.move(box["x"] + 60, box["y"] + 5, steps=3)
    pg.mouse.up()  # erasing blank paper changes nothing
    wait_for_label(pg, "Trouser")
    assert error_toasts(pg) == []
    pg.close()


def test_a_finger_draws_on_a_phone_without_scrolling_the_page(site):
    _, browser = site
    ctx = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, has_touch=True, is_mobile=True, device_scale_factor=2)
    pg = ctx.new_page()
    pg.goto(site[0].url)
    box = canvas_ready(pg)
    cdp = ctx.new_cdp_session(pg)
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 0.35 * box["width"]

    def swipe(x0, y0, x1, y1):
        points = [(cx + (x0 + (x1 - x0) * t / 6) * r, cy + (y0 + (y1 - y0) * t / 6) * r) for t in range(7)]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
        for x, y in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    swipe(-0.45, -0.9, 0.45, -0.9)
    for i in range(8):  # vertical swipes: on a page that scrolled with them, the drawing would be lost
        t = i / 7
        swipe(-0.45 + 0.33 * t, -0.9, -0.55 + 0.35 * t, 0.95)
        swipe(0.45 - 0.33 * t, -0.9, 0.55 - 0.35 * t, 0.95)
    wait_for_label(pg, "Trouser")
    assert pg.evaluate("scrollY") == 0
    ctx.close()


def test_each_upload_runs_once_and_a_replacement_shows_no_error(site):
    pg = open_page(site)
    pg.get_by_role("tab", name="Upload").click()
    for name, expected in (("test0000_ankle_boot.png", "Ankle boot"), ("test0002_trouser.png", "Trouser"), ("test0018_bag.png", "Bag")):
        before = len(pg.joins)
        if pg.get_by_role("button", name="Remove Image").count():
            pg.get_by_role("button", name="Remove Image").click()  # replace the picture as a person would
        pg.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / name))
        wait_for_label(pg, expected)
        pg.wait_for_timeout(500)  # a second, duplicate request would have been sent by now
        classify_calls = [j for j in pg.joins[before:] if j["data"] and isinstance(j["data"][0], dict) and "path" in j["data"][0]]
        assert len(classify_calls) == 1, pg.joins[before:]
        assert error_toasts(pg) == []
    pg.close()


def test_a_building_on_the_clothing_tab_is_headed_not_clothing(site):
    """The headline over the probabilities is the verdict, not the top class at a few per cent."""
    pg = open_page(site, PHONE)
    pg.get_by_role("tab", name="Upload").click()
    pg.locator('#photo input[type="file"]').set_input_files(str(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]))
    wait_for_label(pg, "Not clothing?")
    assert "This doesn't look like clothing." in pg.locator("#note").inner_text()
    assert pg.locator('#probs [data-testid$="-confidence-set"]').count() == 10  # the probabilities stay
    pg.close()


def test_a_file_that_is_not_a_picture_is_refused_in_one_plain_sentence(site, tmp_path):
    """Gradio stops it in the browser with "Only image/* allowed."; the app words it as its other refusals."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    pg = open_page(site)
    pg.get_by_role("tab", name="Upload").click()
    for tab, box in ((None, "#photo"), ("Buildings", "#building")):
        if tab:
            close_toast(pg)
            pg.get_by_role("tab", name=tab).click()
        pg.locator(f'{box} input[type="file"]').set_input_files(str(notes))
        pg.locator(".toast-body.error").first.wait_for(timeout=10_000)
        pg.wait_for_timeout(200)
        toast = pg.locator(".toast-body.error")
        assert toast.count() == 1, error_toasts(pg)
        assert toast.get_by_test_id("toast-text").inner_text() == "notes.txt is not a picture: upload a PNG, JPEG, WebP, BMP or GIF."
    heic = tmp_path / "IMG_0412.HEIC"  # an iPhone photo sent from a Mac: Chromium gives it no image type
    heic.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64)
    close_toast(pg)
    pg.locator('#building input[type="file"]').set_input_files(str(heic))
    pg.locator(".toast-body.error").first.wait_for(timeout=10_000)
    pg.wait_for_timeout(200)
    assert pg.locator(".toast-body.error").get_by_test_id("toast-text").all_inner_texts() == [
        "IMG_0412.HEIC is a HEIC photo, which the app cannot read: upload it as JPEG (on an iPhone, Settings > Camera > Formats > Most Compatible)."
    ]
    pg.close()


def test_a_picture_the_browser_cannot_draw_is_named_and_leaves_no_broken_icon(site, tmp_path):
    """An empty file (a failed save) passes the browser's image/* check; the server names what is wrong,
    the upload box shows no broken-image icon, and a good picture dropped next shows and is answered."""
    empty = tmp_path / "garment.png"
    empty.write_bytes(b"")
    pg = open_page(site)
    pg.get_by_role("tab", name="Upload").click()
    pg.locator('#photo input[type="file"]').set_input_files(str(empty))
    pg.locator(".toast-body.error").first.wait_for(timeout=10_000)
    toasts = pg.locator(".toast-body.error").get_by_test_id("toast-text").all_inner_texts()
    assert toasts == ["garment.png is empty (0 bytes): save the picture again and upload it."]
    broken = "() => [...document.querySelectorAll('#photo img')].filter(i => i.complete && !i.naturalWidth && getComputedStyle(i).visibility !== 'hidden').length"
    pg.wait_for_function("() => document.querySelector('#photo img')?.complete")
    assert pg.evaluate(broken) == 0
    close_toast(pg)
    pg.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))
    wait_for_label(pg, "Ankle boot")
    wait_until(
        pg,
        "() => [...document.querySelectorAll('#photo img')].some(i => i.naturalWidth && getComputedStyle(i).visibility === 'visible')",
        "the good picture shown",
    )
    pg.close()


def shown_errors(pg, *boxes: str) -> dict:
    """The 'Error' marks Gradio's status tracker leaves on output boxes, by box id (visible ones only)."""
    return pg.evaluate(
        """ids => Object.fromEntries(ids.map(id => [id, [...document.querySelectorAll(`#${id} *`)].filter(e =>
            e.childElementCount === 0 && e.innerText?.trim() === 'Error' && e.getClientRects().length).length]))""",
        list(boxes),
    )


def test_a_refused_picture_leaves_no_stale_answer_or_error_marks(site, tmp_path):
    """After a refusal the toast says why; the previous picture's answer is gone and no box is stamped 'Error'."""
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (3, 3), "white").save(tiny)
    sentence = "The image is only 3x3 pixels; it needs at least 8 pixels on each side."
    pg = open_page(site)
    pg.get_by_role("tab", name="Upload").click()
    pg.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))
    wait_for_label(pg, "Ankle boot")
    pg.locator('#photo input[type="file"]').set_input_files(str(tiny))  # dropped over the answered picture
    pg.locator(".toast-body.error").first.wait_for(timeout=10_000)
    wait_until(
        pg, "() => !document.querySelector('#note')?.innerText.trim() && !document.querySelector('#seen img')", "the old answer cleared"
    )
    assert pg.locator(".toast-body.error").get_by_test_id("toast-text").all_inner_texts() == [sentence]
    assert pg.locator(LABEL).count() == 0 or pg.locator(LABEL).inner_text().strip() == ""
    assert shown_errors(pg, "probs", "note", "seen", "heat") == {"probs": 0, "note": 0, "seen": 0, "heat": 0}
    close_toast(pg)
    pg.get_by_role("tab", name="Draw").click()
    pg.get_by_role("tab", name="Upload").click()  # back to the refused picture: its sentence in the note, no second toast
    wait_until(pg, "t => document.querySelector('#note')?.innerText.trim() === t", "the refusal in the note", arg=sentence)
    assert error_toasts(pg) == []

    pg.get_by_role("tab", name="Buildings").click()
    photo = sorted((EXAMPLES / "facade").glob("*.jpg"))[0].name
    pg.get_by_role("button", name=f"Example: {photo}").click()
    pg.locator("#overlay img").wait_for(timeout=60_000)
    pg.locator('#building input[type="file"]').set_input_files(str(tiny))
    pg.locator(".toast-body.error").first.wait_for(timeout=10_000)
    wait_until(pg, "() => !document.querySelector('#overlay img') && !document.querySelector('#legend .legend')", "the old overlay cleared")
    assert shown_errors(pg, "overlay", "legend", "labels-file") == {"overlay": 0, "legend": 0, "labels-file": 0}
    pg.close()


def test_removing_the_building_photo_clears_its_segmentation(site):
    """As removing the garment photo clears its answer: no overlay is left for a photo that is gone."""
    pg = open_page(site)
    pg.get_by_role("tab", name="Buildings").click()
    pg.get_by_role("button", name=f"Example: {sorted((EXAMPLES / 'facade').glob('*.jpg'))[0].name}").click()
    pg.locator("#legend .legend").wait_for(timeout=60_000)
    pg.get_by_role("button", name="Remove Image").click()
    wait_until(pg, "() => !document.querySelector('#overlay img') && !document.querySelector('#legend .legend')", "the overlay cleared")
    assert pg.locator("#labels-file a").count() == 0 and error_toasts(pg) == []
    pg.close()


def test_the_answer_follows_the_draw_or_upload_tab_in_view(site):
    """A drawing's answer is not left beside an uploaded photo, nor the photo's beside the drawing."""
    pg = open_page(site)
    draw_trousers(pg)
    wait_for_label(pg, "Trouser")
    pg.get_by_role("tab", name="Upload").click()
    wait_until(pg, "() => !document.querySelector('#seen img')", "the drawing's answer cleared beside an empty upload box")
    pg.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))
    wait_for_label(pg, "Ankle boot")
    pg.get_by_role("tab", name="Draw").click()
    wait_for_label(pg, "Trouser")
    pg.get_by_role("tab", name="Upload").click()
    wait_for_label(pg, "Ankle boot")
    assert error_toasts(pg) == []
    pg.close()


def test_examples_answer_in_one_click(site):
    pg = open_page(site)
    pg.get_by_role("tab", name="Upload").click()
    pg.get_by_role("button", name="Example: test0009_sneaker.png").click()
    wait_for_label(pg, "Sneaker")
    pg.get_by_role("tab", name="Buildings").click()
    photo = sorted((EXAMPLES / "facade").glob("*.jpg"))[-1].name
    pg.get_by_role("button", name=f"Example: {photo}").click()
    pg.locator("#legend .legend").wait_for(timeout=60_000)
    pg.locator("#overlay img").wait_for(timeout=30_000)
    assert error_toasts(pg) == []
    pg.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_all_three_tabs_are_visible(site, size):
    pg = open_page(site, size)
    for name in ("Clothing", "Buildings", "Insights"):
        tab = pg.get_by_role("tab", name=name, exact=True)
        assert tab.is_visible(), name
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], (name, box)
    pg.close()


def test_tabs_follow_the_arrow_keys(site):
    from playwright.sync_api import expect

    pg = open_page(site)
    selected = pg.locator('[role="tablist"]').first.locator('[role="tab"][aria-selected="true"]')
    pg.get_by_role("tab", name="Clothing", exact=True).focus()
    for key, tab in (
        ("ArrowRight", "Buildings"),
        ("End", "Insights"),
        ("ArrowRight", "Clothing"),
        ("ArrowLeft", "Insights"),
        ("Home", "Clothing"),
    ):
        pg.keyboard.press(key)  # ArrowRight from the last tab wraps round to the first
        expect(selected).to_have_text(tab, timeout=5_000)
    pg.close()


def _overlay_src(pg):
    return pg.locator("#overlay img").first.get_attribute("src")


def _wait_for_new_overlay(pg, old):
    wait_until(
        pg, "old => { const i = document.querySelector('#overlay img'); return i && i.src !== old && i.complete; }", "new overlay", arg=old
    )


def covered_pixels(pg, selector: str) -> dict:
    """Height in CSS px of each picture in ``selector`` that its component's label covers (0 when the label sits above)."""
    return pg.evaluate(
        """sel => Object.fromEntries([...document.querySelectorAll(sel)].filter(b => b.offsetParent).map(b => {
            const lab = b.querySelector('[data-testid="block-label"]'), pic = b.querySelector('img');
            if (!lab || !pic) return [b.id || b.className, null];
            const r = lab.getBoundingClientRect(), s = pic.getBoundingClientRect();
            const across = Math.min(r.right, s.right) > Math.max(r.left, s.left);
            return [b.id || lab.innerText.trim(), across ? Math.max(0, Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top)) : 0]; }))""",
        selector,
    )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_label_covers_a_picture(site, size):
    """The 28x28 view shows all that the network receives: no label floats over it, the upload, the heat map or a gallery."""
    pg = open_page(site, size)
    pg.get_by_role("tab", name="Upload").click()
    pg.locator('#photo input[type="file"]').set_input_files(str(EXAMPLES / "fashion" / "test0000_ankle_boot.png"))
    wait_for_label(pg, "Ankle boot")
    pg.locator("#heat img").wait_for(timeout=30_000)
    assert covered_pixels(pg, "#photo, #seen, #heat") == {"photo": 0, "seen": 0, "heat": 0}
    boxes = [
        pg.evaluate("s => { const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.height]; }", s)
        for s in ("#seen img", "#heat img")
    ]
    assert abs(boxes[0][0] - boxes[1][0]) <= 1 and abs(boxes[0][1] - boxes[1][1]) <= 1, boxes  # side by side, the same size
    pg.get_by_role("tab", name="Insights").click()
    pg.locator(".labelled-gallery img").first.wait_for(timeout=30_000)
    galleries = covered_pixels(pg, ".labelled-gallery")
    assert len(galleries) == 2 and set(galleries.values()) == {0}, galleries
    pg.close()


def test_segment_then_type_keys_and_highlight_redraw_the_overlay(site):
    pg = open_page(site)
    pg.get_by_role("tab", name="Buildings").click()
    pg.locator('#building input[type="file"]').set_input_files(str(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]))
    pg.locator("#legend .legend").wait_for(timeout=60_000)
    assert "window" in pg.locator("#legend").inner_text()
    pg.locator("#overlay img").wait_for(timeout=30_000)
    assert covered_pixels(pg, "#building, #overlay") == {"building": 0, "overlay": 0}  # labels sit above the pictures
    src = _overlay_src(pg)
    number = pg.locator('#opacity input[type="number"]')
    number.fill("0.9")
    number.press("Enter")  # a typed value redraws
    _wait_for_new_overlay(pg, src)
    src = _overlay_src(pg)
    pg.locator('#opacity input[type="range"]').press("ArrowLeft")  # so does the keyboard
    _wait_for_new_overlay(pg, src)
    src = _overlay_src(pg)
    pg.locator("#highlight label", has_text="window").click()  # one class picked out
    _wait_for_new_overlay(pg, src)
    assert error_toasts(pg) == []
    pg.screenshot(path=SHOTS / "buildings-segmented-desktop-light.png", full_page=True)
    photo = sorted((EXAMPLES / "facade").glob("*.jpg"))[0].stem
    files = pg.locator("#labels-file").inner_text().replace("\n", "")
    assert f"{photo}-labels.png" in files, files  # the download is named after the photo
    pg.close()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_insights_captions_plots_and_architecture(site, size):
    pg = open_page(site, size)
    pg.get_by_role("tab", name="Insights").click()
    pg.get_by_text("Test accuracy", exact=False).first.wait_for(timeout=30_000)
    captions = pg.locator(".caption-label")
    captions.first.wait_for(timeout=30_000)
    cut = pg.evaluate(
        "() => [...document.querySelectorAll('.caption-label')].filter(e => e.scrollWidth > e.clientWidth).map(e => e.innerText)"
    )
    assert captions.count() >= 40 and cut == []
    # every thumbnail of both galleries lies inside its gallery: on a phone a fixed 5- or 6-column grid hid 2 or 3 of them per row
    outside = pg.evaluate(
        """() => [...document.querySelectorAll('.labelled-gallery')].map(g => {
            const box = g.getBoundingClientRect();
            return [...g.querySelectorAll('.thumbnail-item')].filter(t => {
              const r = t.getBoundingClientRect(); return r.left < box.left - 1 || r.right > box.right + 1; }).length; })"""
    )
    assert len(outside) == 2 and outside == [0, 0], outside
    if size == PHONE:  # captions under the 96 px thumbnails, not over the garment
        covering = pg.evaluate(
            """() => [...document.querySelectorAll('.labelled-gallery .thumbnail-lg')].filter(t => {
                const img = t.querySelector('img'), cap = t.querySelector('.caption-label');
                return img && cap && cap.getBoundingClientRect().top < img.getBoundingClientRect().bottom - 1; }).map(t => t.innerText)"""
        )
        assert covering == [], covering
    broken = pg.evaluate(
        """() => [...document.querySelectorAll('.md td, .md th')].flatMap(cell => {
            const words = [], walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let n; (n = walk.nextNode()); ) {
              for (const m of n.data.matchAll(/[^\\s-]+/g)) {
                const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                if (r.getClientRects().length > 1) words.push(m[0]);
              }
            }
            return words; })"""
    )
    assert broken == [], broken  # no word in a table is split across lines (a break after a hyphen is fine)
    # no label badge over a plot, and every plot image says what it shows
    pg.locator('[data-testid="matplotlib"] img').first.wait_for(timeout=30_000)
    alts = pg.evaluate("() => [...document.querySelectorAll('.gradio-plot img, [data-testid=\"matplotlib\"] img')].map(i => i.alt)")
    assert alts and not any("undefined" in a for a in alts), alts
    assert (
        pg.evaluate("() => [...document.querySelectorAll('.gradio-plot [data-testid=\"block-label\"]')].filter(e => e.offsetParent).length")
        == 0
    )
    pg.get_by_text("Network architecture").first.click()
    pg.get_by_text("parameters in all", exact=False).first.wait_for(timeout=10_000)
    pg.close()


TABS = {"clothing": "Clothing", "buildings": "Buildings", "insights": "Insights"}


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots_and_accessibility(site, size, dark):
    """Every tab at both sizes and both themes, with axe-core: no critical or serious violations."""
    from axe_playwright_python.sync_playwright import Axe

    pg = open_page(site, size, dark)
    where = f"{'desktop' if size == DESKTOP else 'phone'}-{'dark' if dark else 'light'}"
    problems = []
    for key, name in TABS.items():
        pg.get_by_role("tab", name=name, exact=True).click()
        pg.wait_for_timeout(800)
        pg.screenshot(path=SHOTS / f"{key}-{where}.png", full_page=True)
        result = Axe().run(pg)
        problems += [
            f"{name}: {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])}x] e.g. {v['nodes'][0]['target']}"
            for v in result.response["violations"]
            if v["impact"] in ("critical", "serious")
        ]
    assert problems == [], "\n".join(problems)
    pg.close()
