"""The Gradio glue in fashseg/ui.py, without a browser."""

import io

from conftest import CHECKPOINTS
from gradio.components.image_editor import EditorData
from PIL import Image

from fashseg.service import Service
from fashseg.ui import SafeSketchpad
from tools.sketches import draw


def test_a_stroke_sent_as_blobs_reaches_the_classifier():
    """After each stroke the editor uploads its composite as bytes (accept_blobs) and sends only an id."""
    pad = SafeSketchpad(type="filepath")
    buf = io.BytesIO()
    draw("Trouser", filled=False, size=400).convert("RGBA").save(buf, "PNG")
    pad.blob_storage["stroke-1"] = type("Blobs", (), {"background": None, "layers": [], "composite": buf.getvalue()})()
    value = pad.preprocess(EditorData(id="stroke-1"))
    assert value["composite"] == buf.getvalue() and "stroke-1" not in pad.blob_storage
    assert Service(CHECKPOINTS).classify_canvas(value).probs  # an answer, not "The canvas is empty"
    assert isinstance(Image.open(io.BytesIO(value["composite"])), Image.Image)
