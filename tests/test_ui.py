"""The Gradio glue (fashseg/ui.py, fashseg/canvas.py), without a browser."""

import base64
import io

import pytest
from conftest import CHECKPOINTS

from fashseg.canvas import NOT_A_DRAWING, drawn_picture
from fashseg.preprocess import InputError
from fashseg.service import Service
from fashseg.ui import raw_upload
from tools.sketches import draw


def test_the_canvas_value_reaches_the_classifier_as_a_drawing():
    """The canvas sends its PNG as a data: URL; it is classified on the drawing path."""
    buf = io.BytesIO()
    draw("Trouser", filled=False, size=400).convert("RGB").save(buf, "PNG")
    value = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    assert drawn_picture(value) == value
    r = Service(CHECKPOINTS).classify_drawing(drawn_picture(value))
    assert r.verdict["top"] == "Trouser" and "read it as a drawing" in r.note


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
