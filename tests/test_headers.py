"""A picture file's structure counted from its bytes: hostile files refused before Pillow walks them in Python."""

import io

import pytest
from PIL import Image, ImageOps

from fashseg.headers import MAX_PIECES, MAX_SCANS, _scans, orientation, pieces, refusal
from fashseg.preprocess import InputError, load_image
from tools.hostile import overlapping_exif, saved, structure_bombs, tiff_header

HOSTILE = dict(structure_bombs())


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_file_of_little_but_structure_is_refused_before_pillow_walks_it(name):
    data = HOSTILE[name]
    assert pieces(data) > MAX_PIECES
    with pytest.raises(InputError, match=f"The upload is cut into over {MAX_PIECES:,} pieces, far more than a picture needs"):
        load_image(data)


@pytest.mark.parametrize(
    "fmt, kw",
    [
        ("PNG", {}),
        ("PNG", {"exif": Image.Exif(), "icc_profile": b"\0" * 40_000, "pnginfo": None}),
        ("JPEG", {"exif": b"Exif\0\0" + bytes(30_000), "icc_profile": bytes(200_000), "progressive": True}),
        ("GIF", {"comment": b"x" * 10_000}),
        ("TIFF", {"compression": "tiff_lzw"}),
        ("TIFF", {}),
        ("MPO", {}),
    ],
)
def test_real_pictures_are_a_few_pieces(fmt, kw):
    data = saved(fmt, **kw)
    assert 0 < pieces(data) < 1_000 and refusal(io.BytesIO(data), "it") is None
    assert load_image(data).size == (640, 480)


@pytest.mark.parametrize("magic", [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"])
@pytest.mark.parametrize("tag", [273, 324])  # strips, tiles
def test_a_tiffs_strips_and_tiles_are_counted_from_its_header(magic, tag):
    """Classic and BigTIFF, either byte order."""
    data = tiff_header(magic, tag, 3_000_000)
    assert pieces(data) == 3_000_000
    assert pieces(data[:-5]) == 0  # cut short: left to Pillow, which refuses it in its own words


def test_a_progressive_jpeg_of_too_many_scans_is_refused():
    """Each scan is a pass over every block, even at 1/8 scale: 2,000 copies of one small scan of a flat
    4000x4000 picture (160 KB) took 34 s to decode."""
    data = saved("JPEG", progressive=True)
    assert 5 <= _scans(data) <= 20 and load_image(data).size == (640, 480)
    last = data.rindex(b"\xff\xda")
    bomb = data[:-2] + data[last:-2] * MAX_SCANS + data[-2:]
    assert _scans(bomb) > MAX_SCANS
    with pytest.raises(InputError, match=f"The upload is a JPEG drawn in over {MAX_SCANS} passes, far more than a photo needs"):
        load_image(bomb)


def test_a_picture_file_on_disk_is_judged_as_its_bytes(tmp_path):
    for name, data in [("hostile.gif", HOSTILE["empty GIF comments"]), ("real.jpg", saved("JPEG")), ("empty.png", b"")]:
        (tmp_path / name).write_bytes(data)
        assert refusal(tmp_path / name, "it") == refusal(io.BytesIO(data), "it")
    assert refusal(tmp_path / "hostile.gif", "it").startswith("it is cut into over")


def test_tags_pointing_at_more_data_than_the_file_holds_are_refused():
    """A TIFF's own tags, and a JPEG's EXIF, are read by Pillow as it opens the file: refused first."""
    tiff_file = overlapping_exif()
    jpeg = saved("JPEG", exif=b"Exif\0\0" + overlapping_exif(blob=200))
    for data in (tiff_file, jpeg):
        with pytest.raises(InputError, match="The upload has tags that point at more data than the file holds"):
            load_image(data)
    assert (
        refusal(io.BytesIO(saved("JPEG", exif=b"Exif\0\0" + overlapping_exif(tags=1, blob=200))), "it") is None
    )  # one value: side by side


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_exif_that_copies_one_value_into_every_tag_is_never_read_by_pillow(fmt, monkeypatch):
    """In a PNG or WebP, Pillow reads the EXIF only when asked (400 tags over ten megabytes: 3.8 GB).
    The app reads the orientation itself, from the first directory's entries."""
    exif = overlapping_exif() + b""
    data = saved(fmt, exif=exif)

    def refuse(*_):
        raise AssertionError("getexif called")

    monkeypatch.setattr(Image.Image, "getexif", refuse)
    assert load_image(data).size == (640, 480)


@pytest.mark.parametrize("turn", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_every_exif_orientation_turns_the_picture_as_pillow_would(fmt, turn):
    picture = Image.new("RGB", (60, 40), "white")
    picture.paste((200, 30, 30), (0, 0, 20, 10))  # a mark in one corner
    exif = Image.Exif()
    exif[0x0112] = turn
    buf = io.BytesIO()
    picture.save(buf, fmt, exif=exif.tobytes(), **({"quality": 100} if fmt in ("JPEG", "WEBP") else {}))
    ours = load_image(buf.getvalue())
    pillows = ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue())))
    assert ours.size == pillows.size and ours.tobytes() == pillows.convert(ours.mode).tobytes()
    assert orientation(Image.open(io.BytesIO(buf.getvalue())).info.get("exif")) == (1 if fmt == "TIFF" else turn)
