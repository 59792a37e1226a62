"""The Gradio glue (fashseg/ui.py, fashseg/canvas.py), without a browser."""

import base64
import io

import gradio as gr
import pytest
from conftest import CHECKPOINTS
from PIL import Image, ImageDraw

from fashseg.canvas import NOT_A_DRAWING, drawn_picture
from fashseg.preprocess import InputError
from fashseg.service import NOT_CLOTHING, Service
from fashseg.ui import AnswerLabel, raw_upload
from tools.sketches import draw, one_stroke_tshirt


def test_the_canvas_value_reaches_the_classifier_as_a_drawing():
    """The canvas sends its PNG as a data: URL; it is classified on the drawing path."""
    buf = io.BytesIO()
    draw("Trouser", filled=False, size=400).convert("RGB").save(buf, "PNG")
    value = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert drawn_picture(value) == value
    r = Service(CHECKPOINTS).classify_drawing(drawn_picture(value))
    assert r.verdict["top"] == "Trouser" and "read it as a drawing" in r.note


def test_a_drawing_under_the_general_bar_is_answered_but_called_unsure():
    img = one_stroke_tshirt()
    svc = Service(CHECKPOINTS)
    r = svc.classify_drawing(img)
    assert r.verdict["clothing"] and r.verdict["probability"] < svc.classifier.threshold
    assert r.note.startswith(f"**T-shirt/top** ({r.verdict['probability'] * 100:.1f} %, unsure).")
    assert ", unsure" not in svc.classify_drawing(draw("Trouser", filled=True)).note


def test_a_scribble_on_the_canvas_is_told_the_drawing_bar():
    scribble = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(scribble).line([(60, 300), (200, 80), (90, 120), (330, 330), (300, 70)], fill="black", width=6)
    r = Service(CHECKPOINTS).classify_drawing(scribble)
    assert r.verdict["clothing"] is False and f"below the {r.verdict['threshold'] * 100:.0f} % that a drawn garment needs" in r.note
    assert r.answer == NOT_CLOTHING


def test_the_answer_heads_the_probabilities_in_place_of_the_top_class():
    """A picture that is not clothing is headed "Not clothing?", not by its top class; the probabilities stay."""
    probs = {"Bag": 0.1, "T-shirt/top": 0.12, "Dress": 0.78}
    label = AnswerLabel(num_top_classes=10)
    headed = label.postprocess((NOT_CLOTHING, probs))
    assert headed.label == NOT_CLOTHING
    assert [(c.label, c.confidence) for c in headed.confidences] == [("Dress", 0.78), ("T-shirt/top", 0.12), ("Bag", 0.1)]
    assert label.postprocess(("Dress", probs)) == label.postprocess(probs) == gr.Label().postprocess(probs)
    assert label.get_block_name() == "label"  # Gradio's own Label frontend draws it
    assert Service(CHECKPOINTS).classify_drawing(draw("Trouser", filled=True)).answer == "Trouser"


@pytest.mark.parametrize("value", ["/etc/passwd", "data:text/plain;base64,aGk=", 5, {"path": "/etc/passwd"}, b"\x89PNG"])
def test_the_canvas_value_is_never_a_path_or_anything_but_png(value):
    with pytest.raises(InputError, match=NOT_A_DRAWING):
        drawn_picture(value)


def test_an_empty_canvas_is_no_picture():
    assert drawn_picture(None) is None and drawn_picture("") is None


def test_raw_upload_reads_only_the_path_or_a_data_url():
    assert raw_upload({"path": "/tmp/gradio/abc/x.png", "url": "http://x/file=x.png"}) == "/tmp/gradio/abc/x.png"
    assert raw_upload({"path": None, "url": "data:image/png;base64,AAAA"}) == "data:image/png;base64,AAAA"
    assert raw_upload({"path": None, "url": "https://example.com/x.png"}) is None
    assert raw_upload(None) is None and raw_upload("x.png") is None
