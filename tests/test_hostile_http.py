"""Hostile input over raw HTTP, as a script on the internet would send it, against the running app.

Every input gets its exact one-sentence answer (the framework's refusals included:
wrong JSON types, missing inputs, web addresses, malformed bodies), the app
answers a valid request right after each, and its log holds no traceback.
Memory and time per request are measured by ``python -m tools.loadtest``.
"""

import base64
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import CHECKPOINTS
from PIL import Image
from test_hostile import BAD_FILES, BLANK, MODES, SEGMENT_BAD, gif_frames, png, trousers

from fashseg.canvas import NOT_A_DRAWING
from fashseg.ui import BAD_BODY, BAD_NUMBER, NO_REMOTE_URLS, NOT_A_PICTURE, WRONG_COUNT
from tools.appserver import AppServer

OPACITY = BAD_NUMBER.format(label="overlay opacity", lo=0, hi=1)


class Http:
    def __init__(self, url: str):
        self.url = url

    def upload(self, data: bytes, name: str = "upload.png") -> dict:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        req = urllib.request.Request(self.url + "gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        (path,) = json.load(urllib.request.urlopen(req, timeout=60))
        return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}

    def call(self, api: str, data=None, raw: bytes | None = None) -> tuple[str, object]:
        """("complete", outputs) or ("error", message); ("http <code>", body) when refused before the queue."""
        body = raw if raw is not None else json.dumps({"data": data}).encode()
        req = urllib.request.Request(self.url + f"gradio_api/call/{api}", body, {"Content-Type": "application/json"})
        try:
            event = json.load(urllib.request.urlopen(req, timeout=60))["event_id"]
        except urllib.error.HTTPError as e:
            return f"http {e.code}", json.loads(e.read())["error"]
        stream = urllib.request.urlopen(self.url + f"gradio_api/call/{api}/{event}", timeout=120).read().decode()
        kind, payload = re.findall(r"event: (\w+)\ndata: (.*)", stream)[-1]
        payload = json.loads(payload)
        return kind, payload["error"] if kind == "error" else payload

    def join(self, name: str, data: list) -> tuple[str, object]:
        """Call an event the API page does not list (the browser's own), through the queue as the page does."""
        deps = json.load(urllib.request.urlopen(self.url + "config", timeout=30))["dependencies"]
        fn = next(d["id"] for d in deps if d.get("api_name") == name)
        session = uuid.uuid4().hex[:10]
        body = json.dumps({"data": data, "fn_index": fn, "session_hash": session, "trigger_id": None, "event_data": None}).encode()
        urllib.request.urlopen(urllib.request.Request(self.url + "gradio_api/queue/join", body, {"Content-Type": "application/json"}))
        for line in urllib.request.urlopen(self.url + f"gradio_api/queue/data?session_hash={session}", timeout=120):
            message = json.loads(line[5:]) if line.startswith(b"data:") else {}
            if message.get("msg") == "process_completed":
                out = message["output"]
                return ("error", out["error"]) if "error" in out else ("complete", out["data"])
        raise AssertionError("the queue closed without an answer")


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    log = tmp_path_factory.mktemp("app") / "app.log"
    with AppServer(CHECKPOINTS, log=log) as app:
        yield Http(app.url)
        assert app.proc.poll() is None, "the app must still be running after the hostile inputs"
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


def still_serving(http: Http):
    kind, out = http.call("classify", [http.upload(png(trousers()))])
    assert kind == "complete" and out[4]["top"] == "Trouser", out


def refused(http: Http, api: str, data=None, raw=None) -> str:
    kind, message = http.call(api, data, raw)
    assert kind in ("error", "http 422", "http 413"), (kind, message)
    assert "\n" not in message and not re.search(r"0x[0-9a-f]{6,}|/tmp/|Traceback|validation error", message), message
    still_serving(http)
    return message


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("api", ["classify", "classify_drawing"])
def test_bad_files(http, api, name):
    data, message = BAD_FILES[name]
    f = http.upload(data)
    assert refused(http, api, [f]).endswith(message)


@pytest.mark.parametrize("name", list(SEGMENT_BAD))
def test_bad_files_on_segment(http, name):
    data, message = SEGMENT_BAD[name]
    assert refused(http, "segment", [http.upload(data), 0.5]).endswith(message)


WRONG_JSON = {
    "number": ("classify", [5], NOT_A_PICTURE),
    "string": ("classify", ["hello"], NOT_A_PICTURE),
    "list": ("classify", [[1, 2]], NOT_A_PICTURE),
    "server file": ("classify", [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}], NOT_A_PICTURE),
    "web address": ("classify", [{"path": "http://169.254.169.254/x.png", "meta": {"_type": "gradio.FileData"}}], NO_REMOTE_URLS),
    "web url field": (
        "classify",
        [{"path": "x.png", "url": "https://example.com/x.png", "meta": {"_type": "gradio.FileData"}}],
        NOT_A_PICTURE,  # the url field is where a browser may fetch a file; only the path is read
    ),
    "no inputs": ("classify", [], WRONG_COUNT.format(got=0, need=1)),
    "drawing number": ("classify_drawing", [5], NOT_A_PICTURE),
    "drawing server file": ("classify_drawing", [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}], NOT_A_PICTURE),
    "drawing web address": (
        "classify_drawing",
        [{"path": "https://example.com/a.png", "meta": {"_type": "gradio.FileData"}}],
        NO_REMOTE_URLS,
    ),
    "drawing empty": ("classify_drawing", [None], "No drawing given: draw on the canvas, or send the drawing as a picture file."),
    "segment no inputs": ("segment", [None], WRONG_COUNT.format(got=1, need=2)),
    "opacity text": ("segment", [None, "abc"], OPACITY),
    "opacity list": ("segment", [None, [0.5]], OPACITY),
    "opacity dict": ("segment", [None, {"a": 1}], OPACITY),
    "opacity null": ("segment", [None, None], OPACITY),
    "opacity negative": ("segment", [None, -0.1], OPACITY),
    "opacity above one": ("segment", [None, 1.5], OPACITY),
    "opacity boolean": ("segment", [None, True], OPACITY),
}


@pytest.mark.parametrize("name", list(WRONG_JSON))
def test_wrong_json_types(http, name):
    api, data, message = WRONG_JSON[name]
    assert refused(http, api, data) == message


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"{not json", BAD_BODY),
        (b'{"data": 5}', BAD_BODY),
        (b"[]", BAD_BODY),
        (b'{"data": [null, NaN]}', OPACITY),
        (b'{"data": [null, Infinity]}', OPACITY),
    ],
    ids=["not-json", "data-not-a-list", "top-level-list", "nan-opacity", "infinite-opacity"],
)
def test_malformed_bodies(http, raw, message):
    assert refused(http, "segment", raw=raw) == message


def test_oversized_body_is_refused_before_it_is_read(http):
    url = urllib.parse.urlparse(http.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as s:
        s.sendall(
            b"POST /gradio_api/call/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (200 * 2**20) + b'{"data": ["data:image/png;base64,AAAA'
        )
        reply = b""
        while b"}" not in reply and (chunk := s.recv(4096)):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413") and b"The request is larger than 30 MB: send a smaller picture (at most 25 MB)." in reply
    still_serving(http)


@pytest.mark.parametrize(
    "data",
    [b"hello", png(trousers())[:500], png(Image.new("1", (9000, 9000))), png(trousers())],
    ids=["text", "truncated", "bomb", "valid"],
)
def test_data_urls_are_not_uploads(http, data):
    """Gradio takes files only as uploads: a data: URL in the JSON is refused before anything is decoded."""
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    assert refused(http, "classify", [{"path": url, "meta": {"_type": "gradio.FileData"}}]) == NOT_A_PICTURE
    assert refused(http, "classify", [{"path": "x.png", "url": url, "meta": {"_type": "gradio.FileData"}}]) == NOT_A_PICTURE


@pytest.mark.parametrize(
    "value",
    ["/etc/passwd", "data:image/jpeg;base64,AAAA", 5, {"path": "/etc/passwd"}, ["x"]],
    ids=["path", "jpeg", "number", "dict", "list"],
)
def test_the_canvas_event_takes_only_a_png_drawing(http, value):
    """The page's canvas event is reachable by any script: it never reads a server path or anything but a PNG."""
    assert http.join("classify_canvas", [value]) == ("error", NOT_A_DRAWING)
    drawing = "data:image/png;base64," + base64.b64encode(png(trousers())).decode()
    kind, out = http.join("classify_canvas", [drawing])
    assert kind == "complete" and out[4]["top"] == "Trouser", out
    kind, out = http.join("classify_canvas", [None])  # an empty canvas clears the answer
    assert kind == "complete" and not out[0] and out[1:] == [None, None, "", None], out
    blank = "data:image/png;base64," + base64.b64encode(png(Image.new("RGB", (400, 400), "white"))).decode()
    kind, out = http.join("classify_canvas", [blank])  # everything erased: said in the note, not as an error toast
    assert kind == "complete" and not out[0] and out[3] == BLANK, out


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_over_http(http, mode):
    img = MODES[mode]
    fmt = "TIFF" if mode in ("I;16", "I", "F", "CMYK", "LAB") else "PNG"
    data = png(img, fmt, **({"transparency": 0} if mode == "P with transparency" else {}))
    kind, out = http.call("classify", [http.upload(data, f"drawing.{fmt.lower()}")])
    assert kind == "complete" and out[4]["top"] == "Trouser", (mode, out)


def test_many_frame_gif_over_http(http):
    assert refused(http, "classify", [http.upload(gif_frames(2000), "many.gif")]).startswith("Nothing to classify")
