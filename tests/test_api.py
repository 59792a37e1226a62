"""The app over HTTP, driven with gradio_client like any API user would."""

import json

import pytest
from conftest import CHECKPOINTS, EXAMPLES
from gradio_client import Client, handle_file
from PIL import Image

from tools.appserver import AppServer
from tools.sketches import draw


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    log = tmp_path_factory.mktemp("app") / "app.log"
    with AppServer(CHECKPOINTS, log=log) as app:
        yield Client(app.url, verbose=False)
        assert app.proc.poll() is None, "the app must still be running after the bad inputs"
    assert "Traceback" not in log.read_text(errors="replace")


def test_classify_endpoint(client, tmp_path):
    path = tmp_path / "trousers.png"
    draw("Trouser", filled=True).save(path)
    label, seen, heat, note, verdict = client.predict(handle_file(str(path)), api_name="/classify")
    assert label["label"] == "Trouser"
    assert len(label["confidences"]) == 10
    assert Image.open(seen).size == (280, 280) and Image.open(heat).size == (280, 280)
    assert "Trouser" in note
    assert verdict["clothing"] is True and verdict["top"] == "Trouser"


def test_a_building_is_not_clothing_over_the_api(client):
    photo = sorted((EXAMPLES / "facade").glob("*.jpg"))[0]
    label, seen, heat, note, verdict = client.predict(handle_file(str(photo)), api_name="/classify")
    assert verdict["clothing"] is False and verdict["probability"] < verdict["threshold"]
    assert "doesn't look like clothing" in note and len(label["confidences"]) == 10  # probabilities are still shown
    assert label["label"] == "Not clothing?" and label["confidences"][0]["label"] == verdict["top"]  # headed by the verdict


def test_a_drawing_is_judged_by_the_drawing_threshold_over_the_api(client, tmp_path):
    path = tmp_path / "tshirt.png"
    draw("T-shirt/top", filled=False).save(path)
    *_, drawn = client.predict(handle_file(str(path)), api_name="/classify_drawing")
    *_, uploaded = client.predict(handle_file(str(path)), api_name="/classify")
    assert drawn["top"] == uploaded["top"] == "T-shirt/top"
    assert 0 < drawn["threshold"] < uploaded["threshold"]  # the canvas's own, lower threshold (README "Not clothing")


def test_segment_endpoint(client, tmp_path):
    path = tmp_path / "wide.jpg"
    Image.open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0]).resize((640, 480)).save(path)
    overlay, legend, shares, png, *_ = client.predict(handle_file(str(path)), 0.5, api_name="/segment")
    assert Image.open(overlay).size == (640, 480)
    assert Image.open(png).size == (640, 480) and Image.open(png).mode == "P"
    assert {c["label"] for c in shares["confidences"]} == {"others", "facade", "pillar", "window", "balcony"}
    assert "window" in legend


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("definitely not an image"), "not a picture the app can read"),
        (lambda p: Image.new("RGB", (1, 1)).save(p, "PNG"), "at least 8 pixels"),
        (lambda p: p.write_bytes(open(sorted((EXAMPLES / "facade").glob("*.jpg"))[0], "rb").read()[:2000]), "truncated or corrupt"),
        (lambda p: Image.new("1", (9000, 9000)).save(p, "PNG"), "megapixels"),
    ],
    ids=["text-file", "1x1", "truncated-jpeg", "decompression-bomb"],
)
@pytest.mark.parametrize("api", ["/classify", "/segment"])
def test_bad_inputs_get_clear_messages(client, tmp_path, make, message, api):
    path = tmp_path / "bad.png"
    make(path)
    args = (handle_file(str(path)),) if api == "/classify" else (handle_file(str(path)), 0.5)
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name=api)


def test_blank_upload_is_explained(client, tmp_path):
    path = tmp_path / "white.png"
    Image.new("RGB", (300, 300), "white").save(path)
    with pytest.raises(Exception, match="blank"):
        client.predict(handle_file(str(path)), api_name="/classify")


def test_nothing_given_is_explained_not_crashed(client):
    label, seen, heat, note, verdict = client.predict(None, api_name="/classify")
    assert not label and "No image given" in note
    overlay, legend, *_ = client.predict(None, 0.5, api_name="/segment")
    assert not overlay and "No image given" in legend


def test_monitoring_is_off(client):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(client.src.rstrip("/") + "/monitoring", timeout=10)


def test_no_run_history_is_kept(client):
    """Gradio's run history page (and its Hugging Face bucket connection) is off: pictures stay unrecorded."""
    import urllib.error
    import urllib.request

    base = client.src.rstrip("/")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/gradio_api/runs", timeout=10)
    assert e.value.code == 404
    with urllib.request.urlopen(base + "/config", timeout=10) as r:
        assert json.load(r)["run_history"] is False
