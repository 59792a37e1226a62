"""Hostile and unusual input through the service the app calls: every refusal is one plain sentence.

Each bad input must be refused with its exact message (no path, object address or
traceback), valid pictures in any Pillow mode must be classified as what they show,
and the service must answer a valid request right after.
"""

import base64
import io
import re
import struct

import numpy as np
import pytest
from conftest import CHECKPOINTS
from PIL import Image, ImageDraw

from fashseg.preprocess import InputError
from fashseg.service import Service
from tools.sketches import draw

NOT_IMAGE = "is not a picture the app can read: upload a PNG, JPEG, WebP, BMP or GIF."
CORRUPT = "The image could not be decoded (it may be truncated or corrupt): save it again and re-upload."
HEIC = "is a HEIC photo, which the app cannot read: upload it as JPEG (on an iPhone, Settings > Camera > Formats > Most Compatible)."
BLANK = "Nothing to classify: the picture is blank; draw a piece of clothing or upload a photo of one."
OTHER_FORMAT = "is in a picture format the app does not open: save it as PNG or JPEG and upload that."
STRIP = "The image is {} pixels, more than 20 times longer one way than the other: crop it to the garment or building and try again."


@pytest.fixture(scope="module")
def svc():
    return Service(CHECKPOINTS)


def png(img, fmt="PNG", **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def rle_bmp(w: int = 64, h: int = 48) -> bytes:
    """An 8-bit run-length compressed BMP (runs of one pixel), which Pillow decodes in Python: 9 s for 25 MB."""
    rows = b"".join(b"".join(bytes((1, (x + y) % 256)) for x in range(w)) + b"\0\0" for y in range(h)) + b"\0\1"
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    offset = 14 + 40 + len(palette)
    header = b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset)
    return header + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 1, len(rows), 2835, 2835, 256, 0) + palette + rows


def striped_tiff(w: int, h: int) -> bytes:
    """An RGB TIFF whose every row is its own strip, all pointing at the same bytes (Pillow lists each in Python)."""
    row, n = bytes(w * 3), h
    offsets_at = 8 + len(row)
    ifd_at = offsets_at + 8 * n
    tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 2), (273, 4, n, offsets_at)]
    tags += [(277, 3, 1, 3), (278, 4, 1, 1), (279, 4, n, offsets_at + 4 * n)]
    entries = b"".join(struct.pack("<HHIHH" if t == 3 else "<HHII", g, t, c, v, *((0,) if t == 3 else ())) for g, t, c, v in tags)
    strips = struct.pack(f"<{n}I", *[8] * n) + struct.pack(f"<{n}I", *[len(row)] * n)
    return b"II*\0" + struct.pack("<I", ifd_at) + row + strips + struct.pack("<H", len(tags)) + entries + b"\0" * 4


def trousers():
    return draw("Trouser", filled=True)


def gif_frames(n):
    frames = [Image.new("P", (64, 64), i % 256) for i in range(n)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


BAD_FILES = {
    "empty file": (b"", "is empty (0 bytes): save the picture again and upload it."),
    "heic": (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64, HEIC),
    "heif": (b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic" + b"\0" * 64, HEIC),
    "text": (b"definitely not an image", NOT_IMAGE),
    "html": (b"<html><script>alert(1)</script></html>", NOT_IMAGE),
    "json": (b'{"image": "trousers.png"}', NOT_IMAGE),
    "zip": (b"PK\x03\x04" + b"\0" * 100, NOT_IMAGE),
    "pdf": (b"%PDF-1.4\n%%EOF", NOT_IMAGE),
    "png signature only": (b"\x89PNG\r\n\x1a\n", NOT_IMAGE),
    "truncated png": (png(trousers())[:400], CORRUPT),
    "truncated jpeg": (png(trousers(), "JPEG")[:600], CORRUPT),
    "jpeg header only": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", CORRUPT),
    "1x1": (png(Image.new("RGB", (1, 1))), "The image is only 1x1 pixels; it needs at least 8 pixels on each side."),
    "7x300": (png(Image.new("RGB", (7, 300))), "The image is only 7x300 pixels; it needs at least 8 pixels on each side."),
    "bomb 81 MP": (
        png(Image.new("1", (9000, 9000))),
        "The image is 9000x9000 = 81 megapixels, over the limit of 50: resize it and try again.",
    ),
    "bomb 225 MP": (png(Image.new("1", (15000, 15000))), "The image is too large to open safely: resize it below 50 megapixels."),
    "wide bomb": (
        png(Image.new("1", (60000, 1000))),
        "The image is 60000x1000 = 60 megapixels, over the limit of 50: resize it and try again.",
    ),
    # pictures Pillow could decode, in formats the app does not open (rare decoders; EPS would run Ghostscript)
    "pcx": (png(trousers(), "PCX"), OTHER_FORMAT),
    "eps": (png(trousers(), "EPS"), OTHER_FORMAT),
    "sgi": (png(trousers(), "SGI"), OTHER_FORMAT),
    "tga": (png(trousers(), "TGA"), OTHER_FORMAT),
    "ppm": (png(trousers(), "PPM"), OTHER_FORMAT),
    "avif": (png(trousers(), "AVIF"), OTHER_FORMAT),  # its plugin reads the EXIF through Pillow as it opens
    # 9.2 s in Pillow's open for 3,000,000 rows (24 MB): refused from the header (more such files: tests/test_headers.py)
    "striped tiff": (
        striped_tiff(8, 30_000),
        "is cut into over 20,000 pieces, far more than a picture needs: save it as PNG or JPEG and upload that.",
    ),
    "run-length bmp": (rle_bmp(), "The BMP file uses a compression the app does not decode: save it as PNG or JPEG and upload that."),
    "8x6000000 strip": (png(Image.new("1", (8, 6_000_000))), STRIP.format("8x6000000")),
    "5000x9 strip": (png(Image.new("RGB", (5000, 9))), STRIP.format("5000x9")),
    "blank white": (png(Image.new("RGB", (300, 300), "white")), BLANK),
    "blank black": (png(Image.new("RGB", (300, 300), "black")), BLANK),
    "transparent": (png(Image.new("RGBA", (300, 300), (0, 0, 0, 0))), BLANK),
    "blank grey jpeg": (png(Image.new("RGB", (640, 480), (128, 128, 128)), "JPEG"), BLANK),
}


def one_sentence(text: str) -> bool:
    """One line, one full stop at the end, none inside ("upload.bin" and "WebP..." are not sentence ends)."""
    return "\n" not in text and text.endswith(".") and not re.search(r"[.!?] [A-Z]", text)


def test_one_sentence_tells_one_from_two():
    assert one_sentence("upload.bin is not a picture the app can read: upload a PNG, JPEG, WebP, BMP or GIF.")
    assert not one_sentence("The picture is blank. Draw a piece of clothing.") and not one_sentence("No full stop")


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("route", ["upload", "canvas"])
def test_bad_file_is_refused_in_one_sentence(svc, tmp_path, name, route):
    data, message = BAD_FILES[name]
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with pytest.raises(InputError) as e:
        svc.classify(str(path)) if route == "upload" else svc.classify_drawing(str(path))
    text = str(e.value)
    assert text.endswith(message) and str(tmp_path) not in text and not re.search(r"0x[0-9a-f]{6,}", text) and one_sentence(text)
    assert svc.classify(trousers()).verdict["top"] == "Trouser"  # still serving


SEGMENT_BAD = {
    "text": (b"not an image", NOT_IMAGE),
    "truncated jpeg": (png(Image.new("RGB", (200, 200), "red"), "JPEG")[:300], CORRUPT),
    "bomb": (png(Image.new("1", (9000, 9000))), "The image is 9000x9000 = 81 megapixels, over the limit of 50: resize it and try again."),
    "blank": (png(Image.new("RGB", (640, 480), "white")), "Nothing to segment: the picture is blank; upload a photo of a building."),
    # 7.6 s and 2 GB before: the network ran on a 16x221,700 rescale of it
    "8x6000000 strip": (png(Image.new("1", (8, 6_000_000))), STRIP.format("8x6000000")),
}


@pytest.mark.parametrize("name", list(SEGMENT_BAD))
def test_segment_refuses_bad_files(svc, tmp_path, name):
    data, message = SEGMENT_BAD[name]
    path = tmp_path / "photo.bin"
    path.write_bytes(data)
    with pytest.raises(InputError, match=re.escape(message)) as e:
        svc.segment(str(path), 0.5)
    assert one_sentence(str(e.value))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF"])
def test_every_format_the_app_opens_is_classified(svc, tmp_path, fmt):
    path = tmp_path / f"trousers.{fmt.lower()}"
    path.write_bytes(png(trousers(), fmt))
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


@pytest.mark.parametrize("size", [(2000, 100), (100, 2000)])
def test_a_strip_at_the_aspect_limit_is_still_served(svc, size):
    """Twenty to one is served (a panorama of a street); only thinner strips are refused."""
    strip = Image.new("RGB", size, "white")
    w, h = size
    ImageDraw.Draw(strip).rectangle((w // 3, h // 3, 2 * w // 3, 2 * h // 3), fill="black")
    assert len(svc.classify(strip).probs) == 10
    lh, lw = svc.segment(strip, 0.5).labels.shape
    assert lw * h == lh * w  # shown at the picture's own proportions


@pytest.mark.parametrize("opacity", [float("nan"), float("inf"), -0.1, 1.5, "abc", None, [0.5]])
def test_segment_refuses_bad_opacity(svc, opacity):
    photo = Image.new("RGB", (256, 256), "white")
    ImageDraw.Draw(photo).rectangle((60, 60, 200, 200), fill="brown")
    with pytest.raises(InputError, match="The overlay opacity must be a number from 0 to 1."):
        svc.segment(photo, opacity)


def _modes():
    """The filled trouser drawing in every mode Pillow writes, transparency included."""
    base = trousers().convert("L")
    ink = Image.eval(base, lambda v: 255 - v)  # strokes as alpha
    black = Image.new("L", base.size, 0)
    yield "1", base.convert("1")
    yield "L", base
    yield "LA transparent", Image.merge("LA", (black, ink))
    yield "RGBA transparent", Image.merge("RGBA", (black, black, black, ink))
    yield "P", base.convert("P")
    p = Image.new("P", base.size, 0)
    p.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    p.paste(1, mask=ink)
    p.info["transparency"] = 0
    yield "P with transparency", p
    yield "CMYK", trousers().convert("CMYK")
    yield "LAB", trousers().convert("LAB")
    yield "I;16", Image.fromarray((np.asarray(base, np.uint16) * 257).astype(np.uint16))
    yield "I", base.convert("I")
    yield "F", Image.fromarray(np.asarray(base, np.float32) / 255.0)
    yield "RGB", trousers()


MODES = dict(_modes())


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_is_classified_as_what_it_shows(svc, tmp_path, mode):
    img = MODES[mode]
    fmt = "TIFF" if mode in ("I;16", "I", "F", "CMYK", "LAB") else "PNG"
    path = tmp_path / f"drawing.{fmt.lower()}"
    img.save(path, fmt, **({"transparency": 0} if mode == "P with transparency" else {}))
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


def test_animated_gif_uses_only_the_first_frame(svc, tmp_path):
    frames = [trousers().convert("P")] + [Image.new("P", (280, 280), i % 256) for i in range(1, 300)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


def test_multipage_tiff_uses_the_first_page(svc, tmp_path):
    path = tmp_path / "pages.tiff"
    trousers().save(path, save_all=True, append_images=[Image.new("RGB", (280, 280), "red")] * 5)
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


def test_exif_rotated_photo_is_turned_upright(svc, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 8  # the camera was turned: display rotated by 90 degrees
    path = tmp_path / "rotated.jpg"
    trousers().rotate(-90).save(path, "JPEG", exif=exif.tobytes())
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


def test_polyglot_png_with_trailing_html_is_just_a_picture(svc, tmp_path):
    path = tmp_path / "polyglot.png"
    path.write_bytes(png(trousers()) + b"<html><script>alert(1)</script></html>")
    assert svc.classify(str(path)).verdict["top"] == "Trouser"


@pytest.mark.parametrize(
    "url, message",
    [
        ("data:image/png;base64," + base64.b64encode(b"hello").decode(), NOT_IMAGE),
        ("data:text/plain,hello", "The data: URL holds no base64 picture: send a PNG or JPEG file instead."),
        ("data:image/png;base64,@@@@", "The data: URL is not valid base64: send the picture as a file instead."),
        ("data:image/png;base64," + "A" * (34 * 2**20), "The picture is larger than 25 MB: send a smaller file."),
        (
            "data:image/png;base64," + base64.b64encode(png(Image.new("1", (9000, 9000)))).decode(),
            "The image is 9000x9000 = 81 megapixels, over the limit of 50: resize it and try again.",
        ),
    ],
    ids=["text-in-png-url", "not-base64", "bad-base64", "60MB", "bomb"],
)
def test_data_urls_get_the_same_limits_as_uploads(svc, url, message):
    with pytest.raises(InputError) as e:
        svc.classify(url)
    assert str(e.value).endswith(message)


def test_valid_data_url_is_classified(svc):
    url = "data:image/png;base64," + base64.b64encode(png(trousers())).decode()
    assert svc.classify(url).verdict["top"] == "Trouser"


def test_many_frame_gif_is_read_without_decoding_every_frame(svc, tmp_path):
    path = tmp_path / "2000.gif"
    path.write_bytes(gif_frames(2000))
    with pytest.raises(InputError, match="blank"):  # frame 0 is one flat colour
        svc.classify(str(path))
